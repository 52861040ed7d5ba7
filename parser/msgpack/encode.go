package msgpack

import (
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"slices"
	"strconv"
	"sync"

	"github.com/gosockio/gosockio/parser"
)

var scratchPool = sync.Pool{New: func() any { b := make([]byte, 0, 512); return &b }}

// Encode returns the one binary frame that carries pkt: a msgpack map with the keys
// "type", "data" (left out when Data is nil), "nsp" and "id" (left out without
// HasID), in that order, as socket.io-msgpack-parser writes {type, data, nsp, id}.
// It is safe for concurrent use and does not modify pkt.
//
// Data takes the forms the JSON parser takes: nil, bool, string, the integer and
// float types, json.Number, []byte (a msgpack bin), []any and map[string]any
// (walked; map keys sorted), json.RawMessage (converted from JSON; with Attachments,
// its placeholders are replaced by them: the relay form of a decoded packet), and
// any other value through Options.JSON and then converted from JSON. Numbers are
// written as notepack.io writes a JavaScript number: integral values as the
// smallest integer, others as float 64. BINARY_EVENT and BINARY_ACK are written as
// EVENT and ACK (the msgpack protocol has no binary types).
//
// Encode refuses what socket.io-msgpack-parser or the JSON parser's rules refuse:
// a namespace without a leading "/", an ack id of 2^53 or more, CONNECT data that is
// not a map, DISCONNECT data, CONNECT_ERROR data that is not a string or a map,
// EVENT or ACK data that is not an array, an EVENT without an event name (a string
// that is not reserved, or a number), and values JSON cannot hold.
func (p *Parser) Encode(pkt *parser.Packet) ([]parser.Frame, error) {
	t := pkt.Type
	switch t {
	case parser.BinaryEvent:
		t = parser.Event
	case parser.BinaryAck:
		t = parser.Ack
	}
	if t > parser.ConnectError {
		return nil, fmt.Errorf("%w: cannot encode type %d", parser.ErrUnknownType, byte(pkt.Type))
	}
	nsp := pkt.Namespace
	if nsp == "" {
		nsp = "/"
	}
	if nsp[0] != '/' {
		return nil, fmt.Errorf("%w: %q must start with \"/\"", parser.ErrInvalidNamespace, pkt.Namespace)
	}
	if pkt.HasID && pkt.ID > maxAckID {
		return nil, fmt.Errorf("%w: %d is not below 2^53", parser.ErrInvalidAckID, pkt.ID)
	}
	data := pkt.Data
	if raw, ok := data.(json.RawMessage); ok && len(trimWS(raw)) == 0 {
		data = nil
	}
	sp := scratchPool.Get().(*[]byte)
	defer func() {
		if cap(*sp) <= 64<<10 {
			scratchPool.Put(sp)
		}
	}()
	b := (*sp)[:0]
	n := 2
	if data != nil {
		n++
	}
	if pkt.HasID {
		n++
	}
	b = append(b, 0x80|byte(n))
	b = append(b, 0xa4, 't', 'y', 'p', 'e', byte(t))
	dataAt := -1
	if data != nil {
		b = append(b, 0xa4, 'd', 'a', 't', 'a')
		dataAt = len(b)
		e := encState{codec: p.opts.JSON, atts: pkt.Attachments}
		var err error
		if b, err = e.value(b, data, 0); err != nil {
			*sp = b
			return nil, fmt.Errorf("%w (in the %s data)", err, t)
		}
	}
	*sp = b
	if err := checkData(t, b, dataAt); err != nil {
		return nil, err
	}
	b = append(b, 0xa3, 'n', 's', 'p')
	b = appendString(b, nsp)
	if pkt.HasID {
		b = append(b, 0xa2, 'i', 'd')
		b = appendUint(b, pkt.ID)
	}
	*sp = b
	out := make([]byte, len(b))
	copy(out, b)
	return []parser.Frame{{Data: out, Binary: true}}, nil
}

// encState is the state of one Encode.
type encState struct {
	codec parser.JSONCodec
	atts  [][]byte // the packet's Attachments, for placeholders in a json.RawMessage
}

func (e *encState) value(b []byte, v any, depth int) ([]byte, error) {
	if depth > maxDepth {
		return b, fmt.Errorf("%w: nested deeper than %d (a cycle?)", parser.ErrUnsupportedValue, maxDepth)
	}
	switch v := v.(type) {
	case nil:
		return append(b, 0xc0), nil
	case bool:
		return appendBool(b, v), nil
	case string:
		return appendString(b, v), nil
	case []byte:
		return appendBin(b, v), nil
	case int:
		return appendInt(b, int64(v)), nil
	case int8:
		return appendInt(b, int64(v)), nil
	case int16:
		return appendInt(b, int64(v)), nil
	case int32:
		return appendInt(b, int64(v)), nil
	case int64:
		return appendInt(b, v), nil
	case uint:
		return appendUint(b, uint64(v)), nil
	case uint8:
		return appendUint(b, uint64(v)), nil
	case uint16:
		return appendUint(b, uint64(v)), nil
	case uint32:
		return appendUint(b, uint64(v)), nil
	case uint64:
		return appendUint(b, v), nil
	case float64:
		return e.float(b, v)
	case float32:
		return e.float(b, float64(v))
	case json.Number:
		return appendJSONNumber(b, string(v))
	case json.RawMessage:
		return e.rawJSON(b, v, depth)
	case []any:
		b = appendArrayHeader(b, len(v))
		var err error
		for _, x := range v {
			if b, err = e.value(b, x, depth+1); err != nil {
				return b, err
			}
		}
		return b, nil
	case map[string]any:
		b = appendMapHeader(b, len(v))
		keys := make([]string, 0, len(v))
		for k := range v {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		var err error
		for _, k := range keys {
			b = appendString(b, k)
			if b, err = e.value(b, v[k], depth+1); err != nil {
				return b, err
			}
		}
		return b, nil
	}
	if rv := reflect.ValueOf(v); rv.Kind() == reflect.Pointer && rv.IsNil() {
		return append(b, 0xc0), nil
	}
	js, err := e.codec.Marshal(v)
	if err != nil {
		return b, fmt.Errorf("%w: %T: %w", parser.ErrUnsupportedValue, v, err)
	}
	t := transcoder{js: js}
	b, _, err = t.value(b, 0, depth)
	return b, err
}

func (e *encState) float(b []byte, f float64) ([]byte, error) {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return b, fmt.Errorf("%w: %v (JSON cannot hold it, and the decoder turns it into null)", parser.ErrUnsupportedValue, f)
	}
	return appendNumber(b, f), nil
}

// rawJSON converts a json.RawMessage; with attachments, its placeholders become
// them.
func (e *encState) rawJSON(b []byte, raw json.RawMessage, depth int) ([]byte, error) {
	if !json.Valid(raw) {
		return b, fmt.Errorf("%w: a json.RawMessage that is not valid JSON: %.40q", parser.ErrUnsupportedValue, raw)
	}
	t := transcoder{js: raw, atts: e.atts}
	b, _, err := t.value(b, skipWS(raw, 0), depth)
	return b, err
}

// appendJSONNumber writes a JSON number literal: an integer exactly when it fits
// 64 bits, anything else as a JavaScript number.
func appendJSONNumber(b []byte, s string) ([]byte, error) {
	if i, err := strconv.ParseInt(s, 10, 64); err == nil {
		return appendInt(b, i), nil
	}
	if u, err := strconv.ParseUint(s, 10, 64); err == nil {
		return appendUint(b, u), nil
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil && (!isRangeErr(err) || math.IsInf(f, 0)) {
		return b, fmt.Errorf("%w: %q is not a JSON number JavaScript can hold", parser.ErrUnsupportedValue, s)
	}
	return appendNumber(b, f), nil
}

func isRangeErr(err error) bool {
	ne, ok := err.(*strconv.NumError)
	return ok && ne.Err == strconv.ErrRange
}
