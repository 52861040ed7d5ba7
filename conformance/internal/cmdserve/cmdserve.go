// Package cmdserve runs the conformance test servers as commands: listen on
// 127.0.0.1:$PORT, announce the URL, serve until told to stop, then shut down in the
// order long-polling needs.
package cmdserve

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"
)

// DefaultPort is the port the official suites dial (URL = "http://localhost:3000").
const DefaultPort = "3000"

// Run serves h on 127.0.0.1 at the port getenv("PORT") names (DefaultPort when empty),
// prints "listening on http://ADDR<path>" on stdout once it accepts connections, and
// serves until ctx ends. It then calls closeServer first (the engine or socket.io server
// answers pending long-polls, which the HTTP server's Shutdown waits for) and shuts the
// HTTP server down, both within 5 seconds.
func Run(ctx context.Context, getenv func(string) string, stdout io.Writer, h http.Handler, path string, closeServer func(context.Context) error) error {
	port := getenv("PORT")
	if port == "" {
		port = DefaultPort
	}
	ln, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", port))
	if err != nil {
		return fmt.Errorf("listen (set PORT to a free port): %w", err)
	}
	hs := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	served := make(chan error, 1)
	// Stopped by hs.Shutdown below; Run waits for it on every return path.
	go func() { served <- hs.Serve(ln) }()
	fmt.Fprintf(stdout, "listening on http://%s%s\n", ln.Addr(), path)

	select {
	case err := <-served:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	errServer := closeServer(shutdownCtx)
	errHTTP := hs.Shutdown(shutdownCtx)
	if err := <-served; !errors.Is(err, http.ErrServerClosed) {
		return errors.Join(errServer, errHTTP, err)
	}
	return errors.Join(errServer, errHTTP)
}
