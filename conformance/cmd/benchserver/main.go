// Command benchserver is gosockio's server for the sioload benchmark kit
// (/work/shared/bench, "The server contract"): path /socket.io/, namespace "/"
// with no auth, "echo" acknowledged with the same arguments, "bcast" re-emitted
// to every socket of "/" (io.Emit, the sender included), pingInterval 25 s.
//
//	benchserver -addr 127.0.0.1:4190 [-pprof 127.0.0.1:6060] [-engine]
//	benchserver -addr 127.0.0.1:4191 -redis 127.0.0.1:6379 -redis-key bench-1
//
// SIGUSR2 runs debug.FreeOSMemory (a full GC that returns memory to the OS, as
// sioload connect -gcsignal expects); SIGTERM or SIGINT closes every connection
// and exits 0.
//
// With -engine it serves a bare engineio.Server instead (no socketio layer):
// every socket.io CONNECT it receives (the message "40") is answered with
// 40{"sid":"<engine id>"} on the same connection, so that sioload connect can
// measure the engine's own cost per idle WebSocket connection. The other
// scenarios need the socketio layer.
//
// With -redis it joins a cluster: the socketio server uses the Redis adapter
// (adapter/redis, default options) on the Redis at that address, with channel prefix
// -redis-key (default "socket.io"), so that a "bcast" sent to any server of the
// cluster reaches the sockets of all of them, as with Node's @socket.io/redis-adapter
// (conformance/node/bench-cluster-node.js is the Node counterpart;
// conformance/scripts/bench-cluster.sh measures both).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	_ "net/http/pprof" // served on -pprof only (http.DefaultServeMux)
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"
	"time"
)

// config holds the command-line flags.
type config struct {
	addr   string // -addr: listen address of the socket.io server
	pprof  string // -pprof: listen address of net/http/pprof, "" = off
	engine bool   // -engine: bare engine.io server (connect/idle scenarios only)
	redis  string // -redis: Redis address (host:port) of the cluster, "" = a lone server
	key    string // -redis-key: channel prefix of the Redis adapter
}

func main() {
	var cfg config
	flag.StringVar(&cfg.addr, "addr", "127.0.0.1:4190", "listen address (host:port)")
	flag.StringVar(&cfg.pprof, "pprof", "", "serve net/http/pprof on this address (e.g. 127.0.0.1:6060); empty = off")
	flag.BoolVar(&cfg.engine, "engine", false, "serve a bare engine.io server that only answers socket.io CONNECT (for idle-memory runs)")
	flag.StringVar(&cfg.redis, "redis", "", "join a cluster through the Redis adapter on this Redis (host:port); empty = a lone server")
	flag.StringVar(&cfg.key, "redis-key", "socket.io", "channel prefix of the Redis adapter (with -redis)")
	flag.Parse()

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	usr2 := make(chan os.Signal, 1)
	signal.Notify(usr2, syscall.SIGUSR2)
	defer signal.Stop(usr2)

	if err := run(ctx, cfg, os.Stdout, usr2); err != nil {
		fmt.Fprintln(os.Stderr, "benchserver:", err)
		os.Exit(1)
	}
}

// handler is what run serves: an http.Handler that can be closed gracefully.
type handler interface {
	http.Handler
	close(ctx context.Context) error
}

// run serves cfg until ctx ends, running debug.FreeOSMemory on every value of gc,
// then closes the server and the HTTP listeners.
func run(ctx context.Context, cfg config, stdout io.Writer, gc <-chan os.Signal) error {
	var (
		h   handler
		err error
	)
	switch {
	case cfg.engine && cfg.redis != "":
		return errors.New("-engine and -redis exclude each other (a bare engine has no adapter)")
	case cfg.engine:
		h, err = newEngineHandler()
	default:
		h, err = newSocketHandler(cfg.redis, cfg.key)
	}
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", cfg.addr)
	if err != nil {
		_ = h.close(context.Background())
		return fmt.Errorf("listen on -addr %s (use a free host:port): %w", cfg.addr, err)
	}
	hs := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	served := make(chan error, 2)
	// Stopped by hs.Shutdown below; run waits for it on every return path.
	go func() { served <- hs.Serve(ln) }()
	waits := 1

	var ps *http.Server
	if cfg.pprof != "" {
		pln, err := net.Listen("tcp", cfg.pprof)
		if err != nil {
			_ = h.close(context.Background())
			_ = hs.Close()
			<-served
			return fmt.Errorf("listen on -pprof %s (use a free host:port): %w", cfg.pprof, err)
		}
		ps = &http.Server{Handler: http.DefaultServeMux, ReadHeaderTimeout: 10 * time.Second}
		// Stopped by ps.Shutdown below; run waits for it.
		go func() { served <- ps.Serve(pln) }()
		waits++
		fmt.Fprintf(stdout, "pprof on http://%s/debug/pprof/\n", pln.Addr())
	}
	mode := "socket.io"
	if cfg.engine {
		mode = "engine.io (-engine)"
	} else if cfg.redis != "" {
		mode = "socket.io (Redis adapter on " + cfg.redis + ", key " + cfg.key + ")"
	}
	fmt.Fprintf(stdout, "%s listening on http://%s/socket.io/\n", mode, ln.Addr())

	var serveErr error
loop:
	for {
		select {
		case <-gc:
			debug.FreeOSMemory()
		case err := <-served:
			waits--
			serveErr = fmt.Errorf("serve: %w", err)
			break loop
		case <-ctx.Done():
			break loop
		}
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	// The server first: it closes the upgraded connections, which hs.Shutdown does not track.
	errs := []error{serveErr, h.close(shutdownCtx), hs.Shutdown(shutdownCtx)}
	if ps != nil {
		errs = append(errs, ps.Shutdown(shutdownCtx))
	}
	for ; waits > 0; waits-- {
		if err := <-served; !errors.Is(err, http.ErrServerClosed) {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}
