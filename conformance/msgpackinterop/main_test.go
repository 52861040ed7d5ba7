// Package msgpackinterop checks parser/msgpack against the official
// socket.io-msgpack-parser 3.0.2: differential tests through
// conformance/node/msgpack-bridge.js, and interop of our socketio server (with
// Options.Parser set to msgpack.New(nil)) with socket.io-client 4.8.4 configured
// with socket.io-msgpack-parser, through conformance/node/msgpack-client.js.
package msgpackinterop

import (
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
