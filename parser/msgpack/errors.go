package msgpack

import "errors"

// Sentinel errors of this package. Decode and Encode also wrap the parser package's
// sentinels where the meaning is the same (parser.ErrUnknownType,
// parser.ErrInvalidNamespace, parser.ErrInvalidPayload, parser.ErrInvalidEventName,
// parser.ErrInvalidAckID, parser.ErrInvalidPlaceholder, parser.ErrTooManyAttachments,
// parser.ErrUnsupportedValue), so a server can check either with errors.Is. Every
// decode error means the peer sent something to refuse: close that one connection.
var (
	// ErrMalformed: the frame is not one well-formed msgpack value (truncated, an
	// unused type code, a length larger than the bytes left, trailing bytes, nesting
	// deeper than 10000, a map key that is not a string, number, boolean or nil).
	ErrMalformed = errors.New("msgpack: malformed msgpack")
	// ErrTextFrame: a text frame arrived; socket.io-msgpack-parser sends every packet
	// as one binary frame (is the peer using the default JSON parser?).
	ErrTextFrame = errors.New("msgpack: text frame")
)
