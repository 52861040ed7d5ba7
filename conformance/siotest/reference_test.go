package siotest

import "testing"

// TestSocketIOProtocolV5Reference runs the same ported suite against Node's
// socket.io 4.8 (conformance/node/sio-testserver.js) configured as the suite's
// documentation says, so the port itself is checked against the reference
// implementation: a case that fails here is a mistake in the port, not in our
// server.
func TestSocketIOProtocolV5Reference(t *testing.T) {
	tg := startNodeTarget(t)
	runSuite(t, suiteV5(), func(tb) *target { return tg })
}

// TestBadInputReference runs the bad-input cases against Node's socket.io 4.8,
// so what they expect is what the reference implementation does.
func TestBadInputReference(t *testing.T) {
	tg := startNodeTarget(t)
	runSuite(t, badInput(), func(tb) *target { return tg })
}
