package parser

import "fmt"

// JSONParser is the default Parser: socket.io-parser's JSON encoding, protocol v5 or
// v4. It is immutable and safe for concurrent use; it is its own Encoder, and
// NewDecoder makes one Decoder per connection.
type JSONParser struct {
	opts Options
}

var (
	_ Parser  = (*JSONParser)(nil)
	_ Encoder = (*JSONParser)(nil)
)

// New returns a JSONParser. A nil opts means all defaults (protocol v5,
// encoding/json, 10 attachments of at most 10 MB together). A Revision other than 0,
// V5 or V4 is a programming error and panics.
func New(opts *Options) *JSONParser {
	o := opts.withDefaults()
	if o.Revision != V5 && o.Revision != V4 {
		panic(fmt.Sprintf("parser: Options.Revision must be parser.V5 or parser.V4, got %d", int(o.Revision)))
	}
	return &JSONParser{opts: o}
}

// Options returns the parser's options with the defaults filled in.
func (p *JSONParser) Options() Options { return p.opts }

// Revision returns the protocol revision the parser speaks.
func (p *JSONParser) Revision() Revision { return p.opts.Revision }

// Encoder returns p itself.
func (p *JSONParser) Encoder() Encoder { return p }

// NewDecoder returns a new *JSONDecoder for one connection.
func (p *JSONParser) NewDecoder() Decoder { return p.NewJSONDecoder() }
