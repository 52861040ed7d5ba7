package conformance

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"reflect"
	"strconv"

	"github.com/gosockio/gosockio/parser"
)

// NormalPacket is a packet in the form two parsers' results are compared in:
// binary types folded into Event and Ack (as socket.io-parser reports them),
// the main namespace always "/", and Data as a plain value tree with binary
// attachments back in place of their placeholders.
//
// Data values are nil (JSON null), bool, float64 (every JSON number, as
// JavaScript sees it; ±Inf, which JavaScript prints as null, becomes nil),
// string, []any, map[string]any and []byte (never nil).
type NormalPacket struct {
	Type      parser.Type
	Namespace string
	ID        uint64
	HasID     bool
	HasData   bool
	Data      any
}

// Normalize returns p in normal form. p.Data may be a decoded packet's
// json.RawMessage with placeholders (rebuilt from p.Attachments when there are
// any), or a Go value tree as given to an encoder (any JSON-encodable value;
// []byte stays binary). It fails when the JSON is malformed or a placeholder
// names a missing attachment.
func Normalize(p *parser.Packet) (NormalPacket, error) {
	n := NormalPacket{
		Type:      p.Type,
		Namespace: p.Namespace,
		ID:        p.ID,
		HasID:     p.HasID,
	}
	switch n.Type {
	case parser.BinaryEvent:
		n.Type = parser.Event
	case parser.BinaryAck:
		n.Type = parser.Ack
	}
	if n.Namespace == "" {
		n.Namespace = "/"
	}
	if !n.HasID {
		n.ID = 0
	}
	if p.Data == nil {
		return n, nil
	}
	if raw, ok := p.Data.(json.RawMessage); ok && len(raw) == 0 {
		return n, nil
	}
	v, err := normalValue(p.Data)
	if err != nil {
		return n, err
	}
	if len(p.Attachments) > 0 {
		if v, err = rebuildPlaceholders(v, p.Attachments); err != nil {
			return n, err
		}
	}
	n.HasData, n.Data = true, v
	return n, nil
}

// normalValue converts a Go value tree (or raw JSON) to normal form.
func normalValue(v any) (any, error) {
	switch v := v.(type) {
	case nil:
		return nil, nil
	case bool, string:
		return v, nil
	case float64:
		return normalFloat(v), nil
	case float32:
		return normalFloat(float64(v)), nil
	case int:
		return float64(v), nil
	case int64:
		return float64(v), nil
	case uint64:
		return float64(v), nil
	case json.Number:
		return parseNumber(string(v))
	case []byte:
		return append([]byte{}, v...), nil
	case json.RawMessage:
		return decodeJSON(v)
	case []any:
		out := make([]any, len(v))
		for i, e := range v {
			x, err := normalValue(e)
			if err != nil {
				return nil, err
			}
			out[i] = x
		}
		return out, nil
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, e := range v {
			x, err := normalValue(e)
			if err != nil {
				return nil, err
			}
			out[k] = x
		}
		return out, nil
	}
	// Anything else (structs, typed slices and maps): through JSON, which is
	// what an encoder would write. []byte nested in such values is lost, as
	// encoding/json turns it into a base64 string.
	if reflect.TypeOf(v).Kind() == reflect.Slice && reflect.TypeOf(v).Elem().Kind() == reflect.Uint8 {
		return reflect.ValueOf(v).Bytes(), nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	return decodeJSON(b)
}

func normalFloat(f float64) any {
	if math.IsInf(f, 0) || math.IsNaN(f) {
		return nil // JSON.stringify(Infinity) === "null"
	}
	return f
}

func parseNumber(s string) (any, error) {
	f, err := strconv.ParseFloat(s, 64)
	if err != nil && !errors.Is(err, strconv.ErrRange) {
		return nil, err
	}
	return normalFloat(f), nil
}

// decodeJSON decodes one JSON document with numbers as JavaScript reads them.
func decodeJSON(b []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, fmt.Errorf("conformance: bad JSON payload %.200q: %w", b, err)
	}
	if dec.More() {
		return nil, fmt.Errorf("conformance: trailing data after JSON payload %.200q", b)
	}
	return normalValue(v)
}

// rebuildPlaceholders replaces {"_placeholder":true,"num":N} objects with
// attachments[N], as socket.io-parser's reconstructPacket does.
func rebuildPlaceholders(v any, attachments [][]byte) (any, error) {
	switch v := v.(type) {
	case []any:
		for i, e := range v {
			x, err := rebuildPlaceholders(e, attachments)
			if err != nil {
				return nil, err
			}
			v[i] = x
		}
	case map[string]any:
		if v["_placeholder"] == true {
			num, ok := v["num"].(float64)
			if !ok || num < 0 || num >= float64(len(attachments)) || num != math.Trunc(num) {
				return nil, fmt.Errorf("conformance: placeholder %v names no attachment (have %d)", v["num"], len(attachments))
			}
			return append([]byte{}, attachments[int(num)]...), nil
		}
		for k, e := range v {
			x, err := rebuildPlaceholders(e, attachments)
			if err != nil {
				return nil, err
			}
			v[k] = x
		}
	}
	return v, nil
}

// countBinary counts the []byte values in a Go value tree.
func countBinary(v any) int {
	switch v := v.(type) {
	case []byte:
		return 1
	case []any:
		n := 0
		for _, e := range v {
			n += countBinary(e)
		}
		return n
	case map[string]any:
		n := 0
		for _, e := range v {
			n += countBinary(e)
		}
		return n
	}
	return 0
}
