package socketio

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"

	"github.com/gosockio/gosockio/parser"
)

// Args are the arguments of a received event or acknowledgement, undecoded: each one is
// a JSON value, binary placeholders included, with the packet's binary attachments.
// The zero value has no arguments. Args are safe to keep and to use from any goroutine.
type Args struct {
	raw         []json.RawMessage
	attachments [][]byte
}

// parseArgs splits a JSON array payload into Args.
func parseArgs(data any, attachments [][]byte) (Args, error) {
	a, _, err := parseEventArgs(data, attachments, false)
	return a, err
}

// parseEventArgs is parseArgs for a received EVENT: when withAck (the event has an ack
// id) it also returns a zero eventAck, allocated together with the arguments' backing
// array when they are few (see splitArgs).
func parseEventArgs(data any, attachments [][]byte, withAck bool) (Args, *eventAck, error) {
	var b []byte
	switch d := data.(type) {
	case nil:
		return Args{attachments: attachments}, newEventAck(withAck), nil
	case json.RawMessage:
		b = d
	case []byte:
		b = d
	default: // a decoded value from a cluster adapter or a custom parser
		var err error
		if b, err = json.Marshal(d); err != nil {
			return Args{}, nil, err
		}
	}
	raw, ack, err := splitArgs(b, withAck)
	if err != nil {
		// What encoding/json accepts besides an array ("null") keeps its meaning.
		var v []json.RawMessage
		if err := json.Unmarshal(b, &v); err != nil {
			return Args{}, nil, fmt.Errorf("payload is not a JSON array: %w", err)
		}
		raw, ack = v, newEventAck(withAck)
	}
	return Args{raw: raw, attachments: attachments}, ack, nil
}

func newEventAck(withAck bool) *eventAck {
	if !withAck {
		return nil
	}
	return new(eventAck)
}

// splitArgs splits the JSON array b into its elements, sub-slices of b, which the caller
// owns (engineio.Socket.OnMessage hands Message.Data over); splitting is several times
// cheaper than json.Unmarshal. The elements are collected in a stack array first (kept
// apart from parseEventArgs's fallback, whose json.Unmarshal would move it to the heap),
// then copied to a backing array of the exact size: one allocation, which with withAck
// also holds the returned eventAck when there are at most 4 elements (the usual event).
// The handler keeps both or neither, mostly: sharing one block costs no memory.
func splitArgs(b []byte, withAck bool) ([]json.RawMessage, *eventAck, error) {
	var buf [8]json.RawMessage
	raw, err := parser.AppendArray(buf[:0], b)
	if err != nil {
		return nil, nil, err
	}
	var out []json.RawMessage
	var ack *eventAck
	switch n := len(raw); {
	case !withAck:
		out = make([]json.RawMessage, n) // a non-nil empty slice for "[]", as before
	case n <= 2: // 96 + 48 bytes: a size class
		x := new(struct {
			ack eventAck
			raw [2]json.RawMessage
		})
		out, ack = x.raw[:n:n], &x.ack
	case n <= 4: // 96 + 96 bytes: a size class
		x := new(struct {
			ack eventAck
			raw [4]json.RawMessage
		})
		out, ack = x.raw[:n:n], &x.ack
	default:
		out, ack = make([]json.RawMessage, n), new(eventAck)
	}
	copy(out, raw)
	return out, ack, nil
}

// argsFromValues builds Args from Go values (reserved events, server-side emits).
func argsFromValues(vals ...any) Args {
	a := Args{raw: make([]json.RawMessage, len(vals))}
	for i, v := range vals {
		if b, ok := v.([]byte); ok {
			a.raw[i] = placeholder(len(a.attachments))
			a.attachments = append(a.attachments, b)
			continue
		}
		if err, ok := v.(error); ok && v != nil {
			v = err.Error()
		}
		b, err := json.Marshal(v)
		if err != nil {
			b = []byte("null")
		}
		a.raw[i] = b
	}
	return a
}

func placeholder(n int) json.RawMessage {
	return json.RawMessage(fmt.Sprintf(`{"_placeholder":true,"num":%d}`, n))
}

// Len returns the number of arguments.
func (a Args) Len() int { return len(a.raw) }

// Raw returns argument i as received (binary placeholders left in), nil when out of range.
func (a Args) Raw(i int) json.RawMessage {
	if i < 0 || i >= len(a.raw) {
		return nil
	}
	return a.raw[i]
}

// Attachments returns the binary attachments, in placeholder order.
func (a Args) Attachments() [][]byte { return a.attachments }

// Decode decodes argument i into v (a pointer), as encoding/json does, with binary
// attachments restored: a placeholder becomes a []byte in an any, and fills a []byte
// (at any depth). An argument that is missing leaves v unchanged.
func (a Args) Decode(i int, v any) error {
	if i < 0 || i >= len(a.raw) {
		return nil
	}
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Pointer || rv.IsNil() {
		return fmt.Errorf("socketio: Args.Decode needs a non-nil pointer, got %T", v)
	}
	return a.decodeValue(i, rv.Elem())
}

// Scan decodes the arguments in order into ptrs (as Decode); extra arguments are ignored.
func (a Args) Scan(ptrs ...any) error {
	for i, p := range ptrs {
		if err := a.Decode(i, p); err != nil {
			return fmt.Errorf("socketio: argument %d: %w", i, err)
		}
	}
	return nil
}

// Values returns the arguments decoded into Go values (as json.Unmarshal into any), with
// attachments as []byte.
func (a Args) Values() []any {
	out := make([]any, len(a.raw))
	for i := range a.raw {
		var v any
		_ = a.decodeValue(i, reflect.ValueOf(&v).Elem())
		out[i] = v
	}
	return out
}

// MarshalJSON writes the arguments as a JSON array (placeholders left in).
func (a Args) MarshalJSON() ([]byte, error) {
	if a.raw == nil {
		return []byte("[]"), nil
	}
	return json.Marshal(a.raw)
}

var bytesType = reflect.TypeFor[[]byte]()

// decodeValue decodes argument i into the settable dst.
func (a Args) decodeValue(i int, dst reflect.Value) error {
	raw := a.raw[i]
	if dst.Type() == errorType { // reserved "error" events carry the message
		var msg string
		if err := json.Unmarshal(raw, &msg); err != nil {
			return err
		}
		dst.Set(reflect.ValueOf(errors.New(msg)))
		return nil
	}
	if dst.Type() == bytesType {
		if n, ok := placeholderNum(raw); ok {
			if n >= len(a.attachments) {
				return fmt.Errorf("placeholder %d without attachment", n)
			}
			dst.SetBytes(a.attachments[n])
			return nil
		}
	}
	if len(a.attachments) == 0 || !bytes.Contains(raw, []byte(`"_placeholder"`)) {
		return json.Unmarshal(raw, dst.Addr().Interface())
	}
	if dst.Kind() == reflect.Interface {
		var v any
		if err := json.Unmarshal(raw, &v); err != nil {
			return err
		}
		v = a.restore(v)
		if v == nil {
			dst.SetZero()
		} else {
			rv := reflect.ValueOf(v)
			if !rv.Type().AssignableTo(dst.Type()) {
				return fmt.Errorf("cannot assign %T to %s", v, dst.Type())
			}
			dst.Set(rv)
		}
		return nil
	}
	// Typed destinations: replace placeholders by base64 strings, which encoding/json
	// decodes into []byte fields.
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		return err
	}
	b, err := json.Marshal(a.restore(v))
	if err != nil {
		return err
	}
	return json.Unmarshal(b, dst.Addr().Interface())
}

// restore replaces placeholder objects by their attachments.
func (a Args) restore(v any) any {
	switch t := v.(type) {
	case map[string]any:
		if ph, _ := t["_placeholder"].(bool); ph && len(t) == 2 {
			if f, ok := t["num"].(float64); ok && f >= 0 && int(f) < len(a.attachments) && float64(int(f)) == f {
				return a.attachments[int(f)]
			}
		}
		for k, e := range t {
			t[k] = a.restore(e)
		}
	case []any:
		for k, e := range t {
			t[k] = a.restore(e)
		}
	}
	return v
}

func placeholderNum(raw json.RawMessage) (int, bool) {
	var ph struct {
		Placeholder bool `json:"_placeholder"`
		Num         *int `json:"num"`
	}
	if len(raw) == 0 || raw[0] != '{' || json.Unmarshal(raw, &ph) != nil || !ph.Placeholder || ph.Num == nil || *ph.Num < 0 {
		return 0, false
	}
	return *ph.Num, true
}
