package socketio

import (
	"net/http"
	"unsafe"

	"github.com/gosockio/gosockio/engineio"
	"github.com/gosockio/gosockio/parser"
)

// EngineConn is the engine connection a socket.io client lives on: what socketio needs
// from engineio.Socket, which satisfies it. Server.ServeConn takes any EngineConn, so a
// different engine (or a test double) plugs in. Node: the engine.io Socket.
type EngineConn interface {
	// ID returns the engine session id.
	ID() string
	// Request returns the handshake request.
	Request() *http.Request
	// Transport returns the current transport name ("polling", "websocket").
	Transport() string
	// Protocol returns the Engine.IO protocol revision: 4 (socket.io 3/4 clients) or 3
	// (socket.io 1/2 clients).
	Protocol() int
	// RemoteAddr returns the peer's address.
	RemoteAddr() string
	// Send queues msgs as one unit; see engineio.Socket.Send. It must not block on the
	// network, must not modify msgs, and may keep them until they are written.
	Send(msgs []engineio.Message, opts engineio.SendOptions) error
	// Close closes the connection.
	Close() error
	// OnMessage sets the message callback; calls are sequential, in arrival order.
	OnMessage(fn func(engineio.Message))
	// OnClose sets the close callback, called once with Node's reason string.
	OnClose(fn func(reason string, cause error))
}

var _ EngineConn = (*engineio.Socket)(nil)

// The conversion compiles only while parser.Frame and engineio.Message have identical
// underlying types, which makes the slice cast in toMessages sound.
var _ = engineio.Message(parser.Frame{})

// toMessages views frames as engine messages without copying: a broadcast hands the same
// slice to every recipient.
func toMessages(frames []parser.Frame) []engineio.Message {
	if len(frames) == 0 {
		return nil
	}
	return unsafe.Slice((*engineio.Message)(unsafe.Pointer(&frames[0])), len(frames))
}
