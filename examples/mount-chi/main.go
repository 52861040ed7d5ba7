// Command mount-chi shows the socket.io server mounted on a chi router at /socket.io/,
// next to an ordinary route (GET /health). Clients connect to http://localhost:3000 and
// may emit "echo" with an acknowledgement: the server answers with the same string.
//
// Run it with:
//
//	go run ./mount-chi
//
// then, for example, curl 'http://localhost:3000/socket.io/?EIO=4&transport=polling'.
package main

import (
	"context"
	"errors"
	"log"
	"net/http"
	"os/signal"
	"syscall"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/gosockio/gosockio/socketio"
)

// newHandler builds the router: the socket.io server under /socket.io/ and GET /health.
// The caller closes the returned server.
func newHandler() (http.Handler, *socketio.Server, error) {
	io, err := socketio.NewServer(nil) // Path "/socket.io/"
	if err != nil {
		return nil, nil, err
	}
	io.OnConnection(func(s *socketio.Socket) {
		s.On("echo", func(msg string, ack func(string)) { ack(msg) })
	})

	r := chi.NewRouter()
	r.Handle("/socket.io/*", io) // every method: polling uses GET and POST
	r.Get("/health", func(w http.ResponseWriter, _ *http.Request) {
		_, _ = w.Write([]byte("ok"))
	})
	return r, io, nil
}

func main() {
	handler, io, err := newHandler()
	if err != nil {
		log.Fatal(err)
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()

	srv := &http.Server{Addr: ":3000", Handler: handler}
	// This goroutine ends when srv shuts down below.
	go func() {
		<-ctx.Done()
		shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = io.Close(shutdown) // disconnects the sockets first: hijacked websockets are not srv's
		_ = srv.Shutdown(shutdown)
	}()
	log.Printf("listening on %s", srv.Addr)
	if err := srv.ListenAndServe(); !errors.Is(err, http.ErrServerClosed) {
		log.Fatal(err)
	}
}
