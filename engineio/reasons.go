package engineio

// Close reasons, Node's strings verbatim. The server reports them to Socket.OnClose
// (engine.io's socket "close" event), the client to DialOptions.OnClose (engine.io-client's).
const (
	// ReasonTransportClose means the peer closed the connection (a close packet, or the websocket
	// or poll request ended).
	ReasonTransportClose = "transport close"
	// ReasonPingTimeout means the heartbeat stopped (no pong, or for protocol v3 no ping, in time).
	ReasonPingTimeout = "ping timeout"
	// ReasonTransportError means a request or frame failed, a callback panicked, or a
	// non-volatile send overflowed the write queue.
	ReasonTransportError = "transport error"
	// ReasonForcedClose means Socket.Close or ClientSocket.Close was called.
	ReasonForcedClose = "forced close"
	// ReasonParseError means the peer sent bytes that are not engine.io.
	ReasonParseError = "parse error"
	// ReasonServerShuttingDown means Server.Shutdown closed the socket (server only).
	ReasonServerShuttingDown = "server shutting down"
)
