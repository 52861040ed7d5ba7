// Package enginetest checks our engine.io server from the outside: the official
// Engine.IO protocol test suites (v3 and v4) ported to Go, run over real HTTP and
// WebSocket against the suites' echo server (internal/enginetestserver), and the
// official engine.io-client packages (6.6.x and 3.5.x, from conformance/node)
// driven against the same server.
package enginetest

import (
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
