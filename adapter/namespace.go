package adapter

import "github.com/gosockio/gosockio/parser"

// Namespace is what an adapter needs from the namespace it serves: the local sockets.
// socketio's namespaces implement it; the adapter calls it, never the user.
//
// The methods may be called from any goroutine and must not block on network I/O:
// delivering is a queue push.
type Namespace interface {
	// Name returns the namespace's name ("/", "/chat").
	Name() string
	// NextAckID returns a fresh acknowledgement id, unique within the namespace.
	NextAckID() uint64
	// Deliver hands the frames that encode p to the local, connected socket id. p is the
	// packet before encoding (for outgoing-packet listeners) and must not be modified.
	// It reports whether such a socket exists.
	Deliver(id string, p *parser.Packet, frames []parser.Frame, opts DeliverOptions) bool
	// Join makes the local socket id join rooms (as socket.join would).
	Join(id string, rooms []string)
	// Leave makes the local socket id leave rooms (as socket.leave would).
	Leave(id string, rooms []string)
	// Disconnect disconnects the local socket id; close also closes its connection.
	Disconnect(id string, close bool)
	// Details returns what FetchSockets reports about the local, connected socket id.
	Details(id string) (SocketDetails, bool)
	// ServerSideEvent delivers an event another server sent with ServerSideEmit
	// (args[0] is its name). ack is nil when the sender expects no answer.
	ServerSideEvent(args []any, ack func(any))
}

// SocketDetails describe a socket for FetchSockets. Node: SocketDetails.
type SocketDetails struct {
	ID string
	// Handshake is the socket's handshake (socketio.Handshake for local sockets).
	Handshake any
	Rooms     []string
	// Data is the socket's user data (socket.data).
	Data any
}
