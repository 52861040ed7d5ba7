// Command enginetestserver serves the engine-only echo server that the official
// Engine.IO protocol test suites (socket.io monorepo:
// docs/engine.io-protocol/v4-test-suite and v3-test-suite) expect on
// http://localhost:3000: path /engine.io/, pingInterval 300 ms, pingTimeout
// 200 ms, maxPayload 1e6, CORS for any origin, EIO=3 allowed, every message
// echoed back.
//
// It listens on 127.0.0.1 at the port named by $PORT (default 3000; 0 picks a
// free one), prints "listening on http://ADDR/engine.io/" on stdout once it
// accepts connections, and shuts down cleanly on SIGINT or SIGTERM.
//
//	go run ./cmd/enginetestserver &
//	cd docs/engine.io-protocol/v4-test-suite && npm ci && npm test
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/gosockio/gosockio/conformance/internal/cmdserve"
	"github.com/gosockio/gosockio/conformance/internal/enginetestserver"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Getenv, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "enginetestserver:", err)
		os.Exit(1)
	}
}

// run serves until ctx ends (see cmdserve.Run).
func run(ctx context.Context, getenv func(string) string, stdout io.Writer) error {
	srv, err := enginetestserver.New(nil)
	if err != nil {
		return err
	}
	return cmdserve.Run(ctx, getenv, stdout, srv, enginetestserver.Path, srv.Shutdown)
}
