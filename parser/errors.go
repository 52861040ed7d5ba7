package parser

import "errors"

// Sentinel errors. Decode and Encode wrap them with the detail of what was wrong
// (fmt.Errorf("%w: ...")); check them with errors.Is. Every decode error means the
// peer sent something the official socket.io-parser rejects too: the owner should
// close that one connection (Node's reason "parse error").
var (
	// ErrUnknownType: the first character is not a packet type 0-6.
	ErrUnknownType = errors.New("parser: unknown packet type")
	// ErrInvalidJSON: the payload after the header is not valid JSON.
	ErrInvalidJSON = errors.New("parser: invalid JSON payload")
	// ErrInvalidPayload: the payload is valid JSON of the wrong shape for the packet
	// type (Node's "invalid payload"), for example an EVENT whose data is not an array,
	// or a DISCONNECT with data.
	ErrInvalidPayload = errors.New("parser: invalid payload")
	// ErrInvalidEventName: an EVENT's first element is not a string or a number, or is a
	// reserved name (v5: connect, connect_error, disconnect, disconnecting, newListener,
	// removeListener).
	ErrInvalidEventName = errors.New("parser: invalid event name")
	// ErrInvalidNamespace: a namespace that does not start with "/" or contains ","
	// (encoding only: on the wire a packet without "/" after its header has no namespace).
	ErrInvalidNamespace = errors.New("parser: invalid namespace")
	// ErrInvalidAckID: an ack id that is not a non-negative integer below 2^53.
	ErrInvalidAckID = errors.New("parser: invalid ack id")
	// ErrInvalidAttachments: the attachment count of a BINARY_EVENT/BINARY_ACK is
	// missing, not a number, not an integer or below 1 (Node's "Illegal attachments").
	ErrInvalidAttachments = errors.New("parser: illegal attachments")
	// ErrTooManyAttachments: the attachment count is above Options.MaxAttachments
	// (Node's "too many attachments").
	ErrTooManyAttachments = errors.New("parser: too many attachments")
	// ErrAttachmentsTooLarge: the attachments of one packet add up to more than
	// Options.MaxAttachmentBytes.
	ErrAttachmentsTooLarge = errors.New("parser: attachments too large")
	// ErrInvalidPlaceholder: a binary placeholder whose num is not an integer in
	// [0, attachments) (Node's "illegal attachments").
	ErrInvalidPlaceholder = errors.New("parser: invalid binary placeholder")
	// ErrUnexpectedBinary: a binary frame arrived while no attachment was expected
	// (Node's "got binary data when not reconstructing a packet").
	ErrUnexpectedBinary = errors.New("parser: unexpected binary frame")
	// ErrUnexpectedText: a text frame arrived while a binary packet still waited for
	// attachments (Node's "got plaintext data when reconstructing a packet"). The
	// pending packet and the text frame are both discarded.
	ErrUnexpectedText = errors.New("parser: text frame while attachments pending")
	// ErrUnsupportedValue: Encode met a value it cannot write as JSON (NaN, ±Inf, a
	// channel, ...) or a []byte where binary is not allowed.
	ErrUnsupportedValue = errors.New("parser: unsupported value")
)
