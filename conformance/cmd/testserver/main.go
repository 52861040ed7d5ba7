// Command testserver serves the socket.io server that the official Socket.IO
// protocol v5 test suite (socket.io monorepo: docs/socket.io-protocol/v5-test-suite)
// expects on http://localhost:3000: path /socket.io/, pingInterval 300 ms,
// pingTimeout 200 ms, maxPayload 1e6, connectTimeout 1 s, CORS for any origin,
// "auth" sent on connection to "/" and "/custom", "message" echoed as
// "message-back" and "message-with-ack" acknowledged with its arguments (see
// conformance/internal/siotestserver).
//
// It listens on 127.0.0.1 at the port named by $PORT (default 3000; 0 picks a
// free one), prints "listening on http://ADDR/socket.io/" on stdout once it
// accepts connections, and shuts down cleanly on SIGINT or SIGTERM.
//
//	go run ./cmd/testserver &
//	cd docs/socket.io-protocol/v5-test-suite && npm ci && npm test
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/gosockio/gosockio/conformance/internal/siotestserver"
)

// defaultPort is the port the official suite dials (URL = "http://localhost:3000").
const defaultPort = "3000"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Getenv, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "testserver:", err)
		os.Exit(1)
	}
}

// run serves until ctx ends, then closes the socket.io server and the HTTP server.
func run(ctx context.Context, getenv func(string) string, stdout io.Writer) error {
	port := getenv("PORT")
	if port == "" {
		port = defaultPort
	}
	srv, err := siotestserver.New(nil)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", port))
	if err != nil {
		return fmt.Errorf("listen (set PORT to a free port): %w", err)
	}
	hs := &http.Server{Handler: srv, ReadHeaderTimeout: 10 * time.Second}
	served := make(chan error, 1)
	// Stopped by hs.Shutdown below; run waits for it on every return path.
	go func() { served <- hs.Serve(ln) }()
	fmt.Fprintf(stdout, "listening on http://%s%s\n", ln.Addr(), siotestserver.Path)

	select {
	case err := <-served:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	// socket.io first: it answers pending long-polls, which hs.Shutdown waits for.
	errIO := srv.Close(shutdownCtx)
	errHTTP := hs.Shutdown(shutdownCtx)
	if err := <-served; !errors.Is(err, http.ErrServerClosed) {
		return errors.Join(errIO, errHTTP, err)
	}
	return errors.Join(errIO, errHTTP)
}
