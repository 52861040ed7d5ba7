// Package siointerop drives our socket.io server (package socketio) with the
// official socket.io clients from npm: socket.io-client 4.8.x (protocol v5 over
// Engine.IO v4) and socket.io-client 2.5.x (protocol v4 over Engine.IO v3),
// through conformance/node/sio-client.js, over polling only, websocket only and
// polling upgraded to websocket. TestInterop's subtest names show the matrix:
// client version / transport / feature.
package siointerop

import (
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
