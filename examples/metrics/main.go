// Command metrics serves a socket.io echo server (event "echo" acknowledged with its argument) and, next to it at /metrics, the server's
// counters (socketio.Server.Stats, which includes the engine's) as Prometheus metrics.
// A custom prometheus.Collector reads Stats() on each scrape, so the hot path pays only
// for the server's own atomic counters.
//
//	go run ./metrics -listen 127.0.0.1:3000
//	curl http://127.0.0.1:3000/metrics
package main

import (
	"context"
	"errors"
	"flag"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/gosockio/gosockio/socketio"
)

func main() {
	listen := flag.String("listen", "127.0.0.1:3000", "address to serve on (host:port)")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := serve(ctx, *listen); err != nil {
		log.Fatal(err)
	}
}

// serve runs the server on addr until ctx ends.
func serve(ctx context.Context, addr string) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	io, handler, err := newHandler()
	if err != nil {
		_ = ln.Close()
		return err
	}
	hs := &http.Server{Handler: handler, ReadHeaderTimeout: 10 * time.Second}
	log.Printf("socket.io on http://%s/socket.io/, metrics on http://%s/metrics", ln.Addr(), ln.Addr())
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }() // ends when hs shuts down below
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = io.Close(sctx)
	if err := hs.Shutdown(sctx); err != nil {
		return err
	}
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// newHandler returns a socket.io server whose sockets answer "echo" with its arguments, and
// a handler serving it under /socket.io/ and its metrics, on their own registry, at /metrics.
func newHandler() (*socketio.Server, http.Handler, error) {
	io, err := socketio.NewServer(nil)
	if err != nil {
		return nil, nil, err
	}
	io.OnConnection(func(s *socketio.Socket) {
		s.On("echo", func(msg string, ack func(string)) { ack(msg) })
	})
	reg := prometheus.NewRegistry()
	if err := reg.Register(NewCollector(io)); err != nil {
		return nil, nil, err
	}
	mux := http.NewServeMux()
	mux.Handle("/socket.io/", io)
	mux.Handle("/metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	return io, mux, nil
}
