package engineio

import "errors"

// Sentinel errors of package engineio. Check them with errors.Is.
var (
	// ErrParse reports a malformed packet or payload; the connection that sent it is closed
	// with reason "parse error".
	ErrParse = errors.New("engineio: parse error")
	// ErrClosed is returned by Socket.Send after the socket has closed.
	ErrClosed = errors.New("engineio: socket closed")
	// ErrDropped is returned by Socket.Send for a volatile send that was dropped because the
	// transport was not writable or the write queue was full.
	ErrDropped = errors.New("engineio: volatile message dropped")
	// ErrQueueFull is wrapped in the close cause (and returned by Socket.Send) when a
	// non-volatile send overflows the per-connection write queue.
	ErrQueueFull = errors.New("engineio: write queue full")
	// ErrServerClosed is returned by Server.Shutdown when called twice.
	ErrServerClosed = errors.New("engineio: server closed")
	// ErrHandshake is wrapped by Dial's error when the server refused the handshake or
	// answered it with something that is not an engine.io open packet (the message says
	// what). Cancellation and transport failures during the handshake wrap the underlying
	// error instead (context.DeadlineExceeded, a *url.Error, ...).
	ErrHandshake = errors.New("engineio: handshake failed")
)
