package redis

import (
	"bytes"
	"encoding/json"
	"fmt"

	"github.com/gosockio/gosockio/parser"
)

// jsValue turns a Go value into the JavaScript shape another server sees: []byte stays
// binary, []any and map[string]any are walked, json.RawMessage is decoded, and any other
// value goes through encoding/json (as the packet encoder writes it for a client).
func jsValue(v any) (any, error) {
	switch x := v.(type) {
	case nil, bool, string, []byte, json.Number, float64, float32,
		int, int8, int16, int32, int64, uint, uint8, uint16, uint32, uint64:
		return v, nil
	case json.RawMessage:
		return decodeJSON(x)
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			js, err := jsValue(e)
			if err != nil {
				return nil, err
			}
			out[i] = js
		}
		return out, nil
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			js, err := jsValue(e)
			if err != nil {
				return nil, err
			}
			out[k] = js
		}
		return out, nil
	default:
		b, err := json.Marshal(v)
		if err != nil {
			return nil, fmt.Errorf("redis: encode %T for the cluster: %w", v, err)
		}
		return decodeJSON(b)
	}
}

func decodeJSON(b []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, fmt.Errorf("redis: decode JSON: %w", err)
	}
	return v, nil
}

// packetArgs returns a packet's data as JavaScript values, binary placeholders replaced
// by their attachments.
func packetArgs(p *parser.Packet) (any, error) {
	if raw, ok := p.Data.(json.RawMessage); ok {
		v, err := decodeJSON(raw)
		if err != nil {
			return nil, err
		}
		if len(p.Attachments) > 0 {
			return parser.ReplacePlaceholders(v, p.Attachments)
		}
		return v, nil
	}
	return jsValue(p.Data)
}

// deconstruct writes v as JSON with each []byte replaced by a placeholder, and returns
// the attachments: the form of a decoded packet's data.
func deconstruct(v any) (json.RawMessage, [][]byte, error) {
	var atts [][]byte
	var walk func(any) any
	walk = func(v any) any {
		switch x := v.(type) {
		case []byte:
			atts = append(atts, x)
			return map[string]any{"_placeholder": true, "num": len(atts) - 1}
		case []any:
			out := make([]any, len(x))
			for i, e := range x {
				out[i] = walk(e)
			}
			return out
		case map[string]any:
			out := make(map[string]any, len(x))
			for k, e := range x {
				out[k] = walk(e)
			}
			return out
		}
		return v
	}
	b, err := json.Marshal(walk(v))
	if err != nil {
		return nil, nil, fmt.Errorf("redis: encode answer: %w", err)
	}
	return b, atts, nil
}

// Accessors for decoded messages (JSON with json.Number, or msgpack).

func str(m map[string]any, k string) string {
	s, _ := m[k].(string)
	return s
}

func num(m map[string]any, k string) (int64, bool) {
	switch x := m[k].(type) {
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

func strs(v any) []string {
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

func boolean(m map[string]any, k string) bool {
	b, _ := m[k].(bool)
	return b
}
