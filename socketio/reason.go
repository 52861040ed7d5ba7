package socketio

// DisconnectReason says why a socket disconnected. The strings are Node's verbatim.
type DisconnectReason = string

// The disconnect reasons, as Node's socket.io names them.
const (
	ReasonTransportClose            DisconnectReason = "transport close"
	ReasonTransportError            DisconnectReason = "transport error"
	ReasonPingTimeout               DisconnectReason = "ping timeout"
	ReasonParseError                DisconnectReason = "parse error"
	ReasonForcedClose               DisconnectReason = "forced close"
	ReasonForcedServerClose         DisconnectReason = "forced server close"
	ReasonServerShuttingDown        DisconnectReason = "server shutting down"
	ReasonClientNamespaceDisconnect DisconnectReason = "client namespace disconnect"
	ReasonServerNamespaceDisconnect DisconnectReason = "server namespace disconnect"
)

// recoverable reasons keep the session for connection state recovery.
// Node: RECOVERABLE_DISCONNECT_REASONS.
func recoverable(reason string) bool {
	switch reason {
	case ReasonTransportError, ReasonTransportClose, ReasonForcedClose, ReasonPingTimeout,
		ReasonServerShuttingDown, ReasonForcedServerClose:
		return true
	}
	return false
}

// reservedEvents may not be emitted. Node: RESERVED_EVENTS of socket-types.
func reservedEvent(name string) bool {
	switch name {
	case "connect", "connect_error", "disconnect", "disconnecting", "newListener", "removeListener":
		return true
	}
	return false
}
