package client

import (
	"encoding/json"
	"errors"
)

// Sentinel errors of package client. Check them with errors.Is.
var (
	// ErrAckTimeout is passed to an ack callback (and returned by EmitWithAck) when the
	// acknowledgement did not arrive within the Timeout or Options.AckTimeout.
	// Node: "operation has timed out".
	ErrAckTimeout = errors.New("client: operation has timed out")
	// ErrDisconnected is passed to an ack callback that waits for an error (and returned by
	// EmitWithAck) when the socket disconnected before the answer arrived.
	// Node: "socket has been disconnected".
	ErrDisconnected = errors.New("client: socket has been disconnected")
	// ErrReservedEvent is returned by Emit for the names the protocol reserves (connect,
	// connect_error, disconnect, disconnecting, newListener, removeListener).
	ErrReservedEvent = errors.New("client: reserved event name")
	// ErrTimeout is the connect_error (and Manager error) when the engine handshake did not
	// finish within Options.Timeout. Node: "timeout".
	ErrTimeout = errors.New("client: connection timeout")
	// ErrV2Server is the connect_error of a protocol v5 client that reached a socket.io 2.x
	// server (its CONNECT reply has no sid): set Options.Protocol to 4 for such servers.
	ErrV2Server = errors.New("client: the server speaks socket.io 2.x (protocol v4); set Options.Protocol to 4")
	// ErrManagerClosed is returned by Manager methods after Close.
	ErrManagerClosed = errors.New("client: manager closed")
)

// ConnectError is the error of a "connect_error" event when the server refused the
// namespace (a middleware error, or "Invalid namespace"): Message is the error's message
// and Data the optional data the server attached (Node: err.message, err.data; a
// socket.io 2.x server sends a string, or the error's data object).
type ConnectError struct {
	Message string
	Data    json.RawMessage
}

// Error returns the server's message.
func (e *ConnectError) Error() string { return "client: connect refused: " + e.Message }

// DecodeData decodes the error's data into v (a pointer), as json.Unmarshal. Without data
// it leaves v unchanged.
func (e *ConnectError) DecodeData(v any) error {
	if len(e.Data) == 0 {
		return nil
	}
	return json.Unmarshal(e.Data, v)
}

// Disconnect reasons passed to "disconnect" listeners, socket.io-client's strings verbatim.
const (
	ReasonIOServerDisconnect = "io server disconnect" // the server disconnected the socket
	ReasonIOClientDisconnect = "io client disconnect" // Socket.Disconnect was called
	ReasonPingTimeout        = "ping timeout"         // the server stopped pinging
	ReasonTransportClose     = "transport close"      // the connection was closed
	ReasonTransportError     = "transport error"      // the connection failed
	ReasonParseError         = "parse error"          // the server sent an invalid packet
	ReasonForcedClose        = "forced close"         // the Manager was closed
)
