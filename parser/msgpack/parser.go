package msgpack

import "github.com/gosockio/gosockio/parser"

// Options configures a Parser. The zero value (and a nil *Options) is
// socket.io-msgpack-parser's behaviour.
type Options struct {
	// JSON marshals the values Encode does not write itself (structs, typed slices
	// and maps, anything with a MarshalJSON method); the JSON is then written as
	// msgpack, so such values go out as they would with the JSON parser. Default
	// parser.StdJSON (encoding/json).
	JSON parser.JSONCodec

	// MaxAttachments bounds the binary values one decoded packet may hold. Default 0:
	// no limit, as in Node (socket.io-msgpack-parser has none; the engine's
	// MaxHTTPBufferSize still bounds the frame).
	MaxAttachments int
}

func (o *Options) withDefaults() Options {
	var c Options
	if o != nil {
		c = *o
	}
	if c.JSON == nil {
		c.JSON = parser.StdJSON{}
	}
	return c
}

// Parser is the msgpack Parser, wire-compatible with socket.io-msgpack-parser
// 3.0.2. It is immutable and safe for concurrent use; it is its own Encoder, and
// NewDecoder makes one Decoder per connection. Pass it as socketio.Options.Parser
// (Node: new Server({parser: require("socket.io-msgpack-parser")})).
type Parser struct {
	opts Options
}

var (
	_ parser.Parser  = (*Parser)(nil)
	_ parser.Encoder = (*Parser)(nil)
)

// New returns a Parser; a nil opts means all defaults.
func New(opts *Options) *Parser { return &Parser{opts: opts.withDefaults()} }

// Encoder returns p itself.
func (p *Parser) Encoder() parser.Encoder { return p }

// NewDecoder returns a new *Decoder for one connection.
func (p *Parser) NewDecoder() parser.Decoder { return &Decoder{opts: &p.opts} }
