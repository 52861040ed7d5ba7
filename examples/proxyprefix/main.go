// Command proxyprefix shows the socket.io server behind a reverse proxy
// (net/http/httputil.ReverseProxy) that publishes it under the path prefix /chat/: the
// proxy strips the prefix, so the server keeps its default Path "/socket.io/", and clients
// set their path to "/chat/socket.io/" (client.Options.Path; Node: the path option of
// io()). The proxy forwards both transports: polling requests, and websocket upgrades,
// which ReverseProxy passes through since Go 1.12.
//
// The program runs both sides: the socket.io server on a loopback port of its own, the
// proxy on :3000. Clients connect to http://localhost:3000 with path /chat/socket.io/ and
// may emit "echo" with an acknowledgement: the server answers with the same string.
//
// Run it with:
//
//	go run ./proxyprefix
//
// then, for example, curl 'http://localhost:3000/chat/socket.io/?EIO=4&transport=polling'.
package main

import (
	"context"
	"errors"
	"log"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os/signal"
	"syscall"
	"time"

	"github.com/gosockio/gosockio/socketio"
)

// prefix is where the proxy publishes the socket.io server.
const prefix = "/chat"

// newServer returns the socket.io server: "echo" answers its argument.
func newServer() (*socketio.Server, error) {
	io, err := socketio.NewServer(nil) // Path "/socket.io/", as if it were not proxied
	if err != nil {
		return nil, err
	}
	io.OnConnection(func(s *socketio.Socket) {
		s.On("echo", func(msg string, ack func(string)) { ack(msg) })
	})
	return io, nil
}

// newProxy forwards prefix+"/..." to backend+"/...", with X-Forwarded-* headers.
func newProxy(backend *url.URL) http.Handler {
	proxy := &httputil.ReverseProxy{Rewrite: func(r *httputil.ProxyRequest) {
		r.SetURL(backend)
		r.SetXForwarded()
	}}
	mux := http.NewServeMux()
	mux.Handle(prefix+"/", http.StripPrefix(prefix, proxy))
	return mux
}

func main() {
	io, err := newServer()
	if err != nil {
		log.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0") // the backend: reachable only through the proxy
	if err != nil {
		log.Fatal(err)
	}
	backend := &http.Server{Handler: io}
	front := &http.Server{Addr: ":3000", Handler: newProxy(&url.URL{Scheme: "http", Host: ln.Addr().String()})}

	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	// This goroutine ends when the servers shut down below.
	go func() {
		<-ctx.Done()
		shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = io.Close(shutdown) // disconnects the sockets first: hijacked websockets are not the servers'
		_ = front.Shutdown(shutdown)
		_ = backend.Shutdown(shutdown)
	}()
	// This goroutine ends when backend shuts down.
	go func() {
		if err := backend.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
			log.Fatal(err)
		}
	}()
	log.Printf("socket.io at http://localhost%s%s/socket.io/ (backend %s)", front.Addr, prefix, ln.Addr())
	if err := front.ListenAndServe(); !errors.Is(err, http.ErrServerClosed) {
		log.Fatal(err)
	}
}
