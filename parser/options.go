package parser

// Default limits.
const (
	// DefaultMaxAttachments is Node's maxAttachments (socket.io-parser 4.2 and 3.4).
	DefaultMaxAttachments = 10
	// DefaultMaxAttachmentBytes is the default Options.MaxAttachmentBytes: 10 MB, the
	// most a Node server with default options ever buffers for one packet (10
	// attachments of at most maxHttpBufferSize = 1e6 bytes each).
	DefaultMaxAttachmentBytes = DefaultMaxAttachments * 1_000_000
)

// Options configures a JSONParser. The zero value (and a nil *Options) is the
// socket.io-parser default: protocol v5, encoding/json, at most 10 attachments.
type Options struct {
	// Revision is the protocol revision: V5 (socket.io 3/4, the default) or V4
	// (socket.io 1/2). It changes which payloads are valid (see the package doc).
	Revision Revision

	// JSON marshals values Encode cannot write itself and unmarshals in Reconstruct.
	// Default StdJSON (encoding/json without HTML escaping).
	JSON JSONCodec

	// MaxAttachments is the largest attachment count a decoded BINARY_EVENT or
	// BINARY_ACK may announce; Encode refuses more as well, since the peer's parser
	// has the same limit. Default 10 (Node: maxAttachments). Negative: binary packets
	// are refused.
	MaxAttachments int

	// MaxAttachmentBytes bounds the bytes a decoder buffers for one packet's
	// attachments; a packet that goes over is discarded with ErrAttachmentsTooLarge.
	// Default 10 MB (DefaultMaxAttachmentBytes): the engine caps each frame at
	// maxHttpBufferSize (1e6) and Node caps the count at 10, so nothing a default Node
	// server accepts is refused, while a peer that announces attachments cannot make
	// one connection hold more. Lower it with the engine's MaxHTTPBufferSize or when
	// many connections may upload at once. Negative: no limit (Node has none).
	MaxAttachmentBytes int
}

// withDefaults returns a copy of o with zero fields set to their defaults.
func (o *Options) withDefaults() Options {
	var c Options
	if o != nil {
		c = *o
	}
	if c.Revision == 0 {
		c.Revision = V5
	}
	if c.JSON == nil {
		c.JSON = StdJSON{}
	}
	if c.MaxAttachments == 0 {
		c.MaxAttachments = DefaultMaxAttachments
	}
	if c.MaxAttachmentBytes == 0 {
		c.MaxAttachmentBytes = DefaultMaxAttachmentBytes
	}
	return c
}
