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
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/gosockio/gosockio/conformance/internal/cmdserve"
	"github.com/gosockio/gosockio/conformance/internal/siotestserver"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Getenv, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "testserver:", err)
		os.Exit(1)
	}
}

// run serves until ctx ends (see cmdserve.Run).
func run(ctx context.Context, getenv func(string) string, stdout io.Writer) error {
	srv, err := siotestserver.New(nil)
	if err != nil {
		return err
	}
	return cmdserve.Run(ctx, getenv, stdout, srv, siotestserver.Path, srv.Close)
}
