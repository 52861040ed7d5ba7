package socketio

import (
	"errors"
	"fmt"
)

// Sentinel errors of package socketio. Check them with errors.Is.
var (
	// ErrAckTimeout is returned (or passed to an ack callback) when the acknowledgement
	// did not arrive within the Timeout. Node: "operation has timed out".
	ErrAckTimeout = errors.New("socketio: operation has timed out")
	// ErrDisconnected is returned when the socket disconnected before its peer answered,
	// or when emitting on a disconnected socket.
	ErrDisconnected = errors.New("socketio: socket has been disconnected")
	// ErrReservedEvent is returned when emitting a reserved event name (connect,
	// connect_error, disconnect, disconnecting, newListener, removeListener).
	ErrReservedEvent = errors.New("socketio: reserved event name")
	// ErrServerClosed is returned by Serve and Listen after Close.
	ErrServerClosed = errors.New("socketio: server closed")
	// ErrParentNamespace is returned by operations a parent (dynamic) namespace cannot do,
	// such as FetchSockets.
	ErrParentNamespace = errors.New("socketio: not supported on parent namespaces")
)

// ConnectError is a middleware's refusal of a connection: the client receives a
// CONNECT_ERROR packet {"message": Message, "data": Data} (v4 clients: an ERROR packet
// with Data, or Message when Data is nil). A middleware may return any error; other
// errors are sent with their Error() text as Message. Node: an Error with a data field.
type ConnectError struct {
	Message string
	Data    any
}

// Error returns the message.
func (e *ConnectError) Error() string { return e.Message }

// ArgsError reports arguments that do not fit a handler's parameters. The handler is not
// called; the socket stays connected.
type ArgsError struct {
	Event string
	Index int // the argument's position, 0 for the first after the event name
	Err   error
}

func (e *ArgsError) Error() string {
	return fmt.Sprintf("socketio: handler for %q: argument %d does not fit the parameter: %v (change the parameter type, or take socketio.Args to decode by hand)", e.Event, e.Index, e.Err)
}

func (e *ArgsError) Unwrap() error { return e.Err }
