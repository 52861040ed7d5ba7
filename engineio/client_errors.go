package engineio

import "errors"

// ErrHandshake is wrapped by Dial's error when the server refused the handshake or answered
// it with something that is not an engine.io open packet (the message says what).
// Cancellation and transport failures during the handshake wrap the underlying error
// instead (context.DeadlineExceeded, a *url.Error, ...).
var ErrHandshake = errors.New("engineio: handshake failed")
