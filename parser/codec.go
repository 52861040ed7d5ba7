package parser

import (
	"bytes"
	"encoding/json"
	"sync"
)

// JSONCodec marshals and unmarshals JSON. Plug a faster library in through
// Options.JSON; it must be safe for concurrent use. Its output must be valid JSON: the
// parser writes it into the packet as is.
type JSONCodec interface {
	Marshal(v any) ([]byte, error)
	Unmarshal(data []byte, v any) error
}

// StdJSON is the default JSONCodec: encoding/json, with HTML escaping turned off so
// that <, > and & are written as JSON.stringify writes them. Remaining differences
// from JSON.stringify (all decode to the same values): U+2028 and U+2029 are escaped,
// invalid UTF-8 is written as \ufffd, and map keys are sorted.
type StdJSON struct{}

var encBufPool = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// Marshal returns the JSON encoding of v without HTML escaping and without a
// trailing newline.
func (StdJSON) Marshal(v any) ([]byte, error) {
	buf := encBufPool.Get().(*bytes.Buffer)
	buf.Reset()
	enc := json.NewEncoder(buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		encBufPool.Put(buf)
		return nil, err
	}
	b := bytes.TrimSuffix(buf.Bytes(), []byte{'\n'})
	out := make([]byte, len(b))
	copy(out, b)
	if buf.Cap() <= 64<<10 {
		encBufPool.Put(buf)
	}
	return out, nil
}

// Unmarshal is json.Unmarshal.
func (StdJSON) Unmarshal(data []byte, v any) error { return json.Unmarshal(data, v) }
