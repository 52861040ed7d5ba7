// Package siotest checks our socket.io server from the outside: the official
// Socket.IO protocol v5 test suite (socket.io monorepo,
// docs/socket.io-protocol/v5-test-suite/test-suite.js) ported to Go and bad-input
// cases, run over real HTTP and WebSocket (net/http and coder/websocket as raw
// clients) against the suite's server (internal/siotestserver), and the same cases
// run against Node's socket.io 4.8 configured the same way
// (conformance/node/sio-testserver.js) to show the port is faithful.
package siotest

import (
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
