package jsvalue

import (
	"encoding/json"
	"fmt"
	"math"

	"github.com/gosockio/gosockio/parser"
)

// FromGo turns a Go value into the JavaScript shape another server sees: []byte stays
// binary, []any and map[string]any are walked, json.RawMessage is decoded, Object
// (a value decoded from another server) is kept, and any other value goes through
// encoding/json (as the packet encoder writes it for a client) and is decoded with its
// keys in order, so a struct's fields keep their order.
func FromGo(v any) (any, error) {
	switch x := v.(type) {
	case nil, bool, string, []byte, json.Number, float64, float32,
		int, int8, int16, int32, int64, uint, uint8, uint16, uint32, uint64, Object, Undefined:
		return v, nil
	case json.RawMessage:
		return DecodeJSON(x)
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			js, err := FromGo(e)
			if err != nil {
				return nil, err
			}
			out[i] = js
		}
		return out, nil
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			js, err := FromGo(e)
			if err != nil {
				return nil, err
			}
			out[k] = js
		}
		return out, nil
	default:
		b, err := json.Marshal(v)
		if err != nil {
			return nil, fmt.Errorf("encode %T for the cluster: %w", v, err)
		}
		return DecodeJSON(b)
	}
}

// PacketArgs returns a packet's data as JavaScript values, binary placeholders replaced
// by their attachments.
func PacketArgs(p *parser.Packet) (any, error) {
	if raw, ok := p.Data.(json.RawMessage); ok {
		v, err := DecodeJSON(raw)
		if err != nil {
			return nil, err
		}
		if len(p.Attachments) > 0 {
			return ReplacePlaceholders(v, p.Attachments)
		}
		return v, nil
	}
	return FromGo(p.Data)
}

// WirePacket is a packet as a Node server's adapter publishes it: {type, data, nsp},
// before the socket.io encoder has split out binary attachments (so binary is []byte
// and the type is EVENT or ACK, never BINARY_*).
func WirePacket(p *parser.Packet, nsp string) (Object, error) {
	data, err := PacketArgs(p)
	if err != nil {
		return nil, err
	}
	t := p.Type
	switch t {
	case parser.BinaryEvent:
		t = parser.Event
	case parser.BinaryAck:
		t = parser.Ack
	}
	return Object{{"type", int64(t)}, {"data", data}, {"nsp", nsp}}, nil
}

// EventArgs reads the arguments of a server-side event for the application's handlers
// (see JSONArg): objects and arrays without binary as JSON in their order; nil when v
// is not a non-empty array.
func EventArgs(v any) []any {
	arr, _ := v.([]any)
	if len(arr) == 0 {
		return nil
	}
	out := make([]any, len(arr))
	for i, e := range arr {
		out[i] = JSONArg(e)
	}
	return out
}

// ReplacePlaceholders replaces, in a decoded value (changed in place), every object whose _placeholder is
// true with the attachment its num names, as socket.io-parser's reconstructPacket does.
func ReplacePlaceholders(v any, atts [][]byte) (any, error) {
	return replacePlaceholders(v, atts, 0)
}

func replacePlaceholders(v any, atts [][]byte, depth int) (any, error) {
	if depth > MaxDepth {
		return nil, fmt.Errorf("value nested deeper than %d", MaxDepth)
	}
	switch x := v.(type) {
	case Object:
		if ph, _ := x.Get("_placeholder").(bool); ph {
			n, ok := index(x.Get("num"), len(atts))
			if !ok {
				return nil, fmt.Errorf("placeholder num %v is not an attachment index (the packet has %d)", x.Get("num"), len(atts))
			}
			return atts[n], nil
		}
		for i := range x {
			r, err := replacePlaceholders(x[i].Value, atts, depth+1)
			if err != nil {
				return nil, err
			}
			x[i].Value = r
		}
		return x, nil
	case []any:
		for i := range x {
			r, err := replacePlaceholders(x[i], atts, depth+1)
			if err != nil {
				return nil, err
			}
			x[i] = r
		}
		return x, nil
	}
	return v, nil
}

// index reads v as an integer in [0, n).
func index(v any, n int) (int, bool) {
	var f float64
	switch x := v.(type) {
	case int64:
		f = float64(x)
	case uint64:
		f = float64(x)
	case float64:
		f = x
	case json.Number:
		var err error
		if f, err = x.Float64(); err != nil {
			return 0, false
		}
	default:
		return 0, false
	}
	if f != math.Trunc(f) || f < 0 || f >= float64(n) {
		return 0, false
	}
	return int(f), true
}

// Accessors for decoded messages (JSON with json.Number, or MessagePack).

// Text returns the string value of key k, "" when it is absent or not a string.
func (o Object) Text(k string) string {
	s, _ := o.Get(k).(string)
	return s
}

// Int returns the number value of key k as an integer (a fraction is cut), and false
// when it is absent or not a number.
func (o Object) Int(k string) (int64, bool) {
	switch x := o.Get(k).(type) {
	case json.Number:
		if i, err := x.Int64(); err == nil {
			return i, true
		}
		if f, err := x.Float64(); err == nil {
			return int64(f), true
		}
	case int64:
		return x, true
	case uint64:
		return int64(x), true
	case float64:
		return int64(x), true
	}
	return 0, false
}

// Bool returns the value of key k when it is a boolean, false otherwise.
func (o Object) Bool(k string) bool {
	b, _ := o.Get(k).(bool)
	return b
}

// Strings reads an array of strings (room names): other values are written as Go
// prints them, null is skipped; anything but an array is an empty list.
func Strings(v any) []string {
	arr, _ := v.([]any)
	out := make([]string, 0, len(arr))
	for _, e := range arr {
		switch x := e.(type) {
		case string:
			out = append(out, x)
		case nil:
		default:
			out = append(out, fmt.Sprint(x))
		}
	}
	return out
}
