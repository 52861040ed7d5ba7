package client

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"

	"github.com/gosockio/gosockio/parser"
)

// Args are the arguments of a received event or acknowledgement, undecoded: one JSON
// value each (binary placeholders left in) and the packet's binary attachments. The zero
// value has no arguments. Args are safe to keep and to read from any goroutine.
type Args struct {
	raw         []json.RawMessage
	attachments [][]byte
}

// Len returns the number of arguments.
func (a Args) Len() int { return len(a.raw) }

// Raw returns argument i as received, nil when i is out of range.
func (a Args) Raw(i int) json.RawMessage {
	if i < 0 || i >= len(a.raw) {
		return nil
	}
	return a.raw[i]
}

// Attachments returns the packet's binary attachments, in placeholder order.
func (a Args) Attachments() [][]byte { return a.attachments }

// Decode decodes argument i into v (a non-nil pointer) as encoding/json does, with
// binary attachments restored: a *[]byte receives the attachment, an *any (or
// *map[string]any, *[]any) gets []byte where the sender had binary, and []byte fields of
// structs are filled too (an any field inside a struct gets the base64 string). A
// missing argument leaves v unchanged.
func (a Args) Decode(i int, v any) error {
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Pointer || rv.IsNil() {
		return fmt.Errorf("client: Args.Decode needs a non-nil pointer, got %T", v)
	}
	if i < 0 || i >= len(a.raw) {
		return nil
	}
	return a.decodeInto(i, rv.Elem())
}

// Scan decodes the first len(ptrs) arguments into ptrs, as Decode.
func (a Args) Scan(ptrs ...any) error {
	for i, p := range ptrs {
		if err := a.Decode(i, p); err != nil {
			return fmt.Errorf("client: argument %d: %w", i, err)
		}
	}
	return nil
}

// Values returns every argument decoded into an any (JSON numbers as float64, binary as
// []byte). An argument that is not valid JSON becomes nil.
func (a Args) Values() []any {
	out := make([]any, len(a.raw))
	for i := range a.raw {
		_ = a.decodeInto(i, reflect.ValueOf(&out[i]).Elem())
	}
	return out
}

// MarshalJSON writes the arguments as a JSON array, placeholders left in.
func (a Args) MarshalJSON() ([]byte, error) {
	if len(a.raw) == 0 {
		return []byte("[]"), nil
	}
	return json.Marshal(a.raw)
}

var bytesType = reflect.TypeFor[[]byte]()

func (a Args) decodeInto(i int, dst reflect.Value) error {
	raw := a.raw[i]
	if dst.Type() == bytesType {
		if b, ok := parser.Attachment(raw, a.attachments); ok {
			dst.SetBytes(b)
			return nil
		}
	}
	if len(a.attachments) == 0 || !bytes.Contains(raw, []byte(`"_placeholder"`)) {
		return json.Unmarshal(raw, dst.Addr().Interface())
	}
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		return err
	}
	v, err := parser.ReplacePlaceholders(v, a.attachments)
	if err != nil {
		return err
	}
	if v == nil {
		dst.SetZero()
		return nil
	}
	if rv := reflect.ValueOf(v); rv.Type().AssignableTo(dst.Type()) { // any, map[string]any, []any
		dst.Set(rv)
		return nil
	}
	// A typed destination: []byte values marshal as base64 strings, which encoding/json
	// decodes back into []byte fields.
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return json.Unmarshal(b, dst.Addr().Interface())
}

// argsFromData splits a packet's JSON array (nil: no arguments).
func argsFromData(data any, attachments [][]byte) (Args, error) {
	var b []byte
	switch d := data.(type) {
	case nil:
		return Args{attachments: attachments}, nil
	case json.RawMessage:
		b = d
	case []byte:
		b = d
	default: // a custom parser that decodes values
		var err error
		if b, err = json.Marshal(d); err != nil {
			return Args{}, err
		}
	}
	raw, err := parser.SplitArray(b)
	if err != nil {
		return Args{}, err
	}
	return Args{raw: raw, attachments: attachments}, nil
}
