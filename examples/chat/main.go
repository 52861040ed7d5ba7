// Command chat is the chat demo of the socket.io website (https://socket.io/demos/chat) on
// gosockio, with rooms: pick a nickname, talk, see who is typing, who joins and who
// leaves; type /join <room> (or pick a room in the list) and your messages go to that
// room only.
//
// From the root of the repository:
//
//	go run ./examples/chat
//
// then open http://127.0.0.1:3000 in two browser windows. The page is embedded in the
// program; it loads the official browser client, socket.io-client 4.8.4, from
// /socket.io/socket.io.min.js, which the server serves from
// node_modules/socket.io-client/dist (Options.ServeClient). When that folder is missing
// the program runs `npm ci` in its own folder first (package-lock.json pins the version).
//
// Flags:
//
//	-addr host:port   where to listen (default 127.0.0.1:3000)
//
// The server runs on the in-memory adapter; SIGINT or SIGTERM shut it down gracefully
// (Server.Close).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/gosockio/gosockio/socketio"
)

// shutdownTimeout bounds the graceful shutdown.
const shutdownTimeout = 5 * time.Second

func main() {
	addr := flag.String("addr", "127.0.0.1:3000", "address to listen on (host:port)")
	flag.Parse()
	log.SetFlags(0)
	log.SetPrefix("chat: ")

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, *addr, os.Stdout, os.Stderr); err != nil {
		log.Fatal(err)
	}
}

// run installs the browser client if needed, then serves the chat on addr until ctx ends.
func run(ctx context.Context, addr string, stdout, stderr io.Writer) error {
	dir, err := exampleDir()
	if err != nil {
		return err
	}
	dist, err := ensureClient(ctx, dir, stdout, stderr)
	if err != nil {
		return err
	}
	a, err := start(addr, &socketio.Options{ServeClient: os.DirFS(dist)})
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "chat: serving socket.io-client from %s\n", dist)
	fmt.Fprintf(stdout, "chat: open %s in your browser (Ctrl+C stops)\n", a.url)
	select {
	case <-ctx.Done():
		fmt.Fprintln(stdout, "chat: shutting down")
	case err = <-a.served:
		err = fmt.Errorf("serve: %w", err)
	}
	sctx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
	defer cancel()
	return errors.Join(err, a.shutdown(sctx))
}

// app is a running chat server.
type app struct {
	url    string // http://host:port
	io     *socketio.Server
	hs     *http.Server
	served chan error // receives Serve's error if it stops before shutdown
	done   chan struct{}
}

// start listens on addr and serves the chat (page and socket.io) in the background until
// shutdown. opts are the socket.io server's options (nil: defaults, no client bundle).
func start(addr string, opts *socketio.Options) (*app, error) {
	srv, err := socketio.NewServer(opts)
	if err != nil {
		return nil, err
	}
	newChat(srv)
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		_ = srv.Close(context.Background())
		return nil, err
	}
	a := &app{
		url:    "http://" + ln.Addr().String(),
		io:     srv,
		hs:     &http.Server{Handler: handler(srv), ReadHeaderTimeout: 10 * time.Second},
		served: make(chan error, 1),
		done:   make(chan struct{}),
	}
	go func() { // stopped by a.hs.Shutdown in shutdown, which waits for it
		defer close(a.done)
		if err := a.hs.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
			a.served <- err
		}
	}()
	return a, nil
}

// shutdown disconnects every client ("server shutting down"), then stops the HTTP server
// and waits for it, until ctx ends.
func (a *app) shutdown(ctx context.Context) error {
	err := a.io.Close(ctx)
	err = errors.Join(err, a.hs.Shutdown(ctx))
	select {
	case <-a.done:
	case <-ctx.Done():
		err = errors.Join(err, a.hs.Close())
		<-a.done
	}
	return err
}

// handler serves socket.io under /socket.io/ and the embedded page everywhere else.
func handler(srv *socketio.Server) http.Handler {
	mux := http.NewServeMux()
	mux.Handle(socketio.DefaultPath, srv)
	mux.Handle("/", pageHandler())
	return mux
}
