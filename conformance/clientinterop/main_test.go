// Package clientinterop drives the Go client (package client) against the official
// socket.io servers from npm (4.8.4 and 2.5.1, conformance/node/sio-server.js) and
// against our own server, with the same scenarios: go test -v names every case
// server/transport/scenario.
package clientinterop

import (
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
