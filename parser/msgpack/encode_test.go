package msgpack_test

import (
	"encoding/hex"
	"encoding/json"
	"errors"
	"math"
	"testing"

	"github.com/google/go-cmp/cmp"
	vm "github.com/vmihailenco/msgpack/v5"

	"github.com/gosockio/gosockio/parser"
	"github.com/gosockio/gosockio/parser/msgpack"
)

func encodeOne(t *testing.T, p *parser.Packet) []byte {
	t.Helper()
	frames, err := msgpack.New(nil).Encode(p)
	if err != nil {
		t.Fatal(err)
	}
	if len(frames) != 1 || !frames[0].Binary {
		t.Fatalf("want one binary frame, got %+v", frames)
	}
	return frames[0].Data
}

// decodeRef decodes a frame with vmihailenco/msgpack, an independent decoder.
func decodeRef(t *testing.T, b []byte) map[string]any {
	t.Helper()
	var m map[string]any
	if err := vm.Unmarshal(b, &m); err != nil {
		t.Fatalf("vmihailenco/msgpack: %v (frame %x)", err, b)
	}
	return m
}

// The Data forms the JSON parser takes give the same msgpack value.
func TestEncodeDataForms(t *testing.T) {
	type point struct {
		X   int    `json:"x"`
		Tag string `json:"tag,omitempty"`
		B   []byte `json:"b"`
	}
	want := []any{"ev", int8(1), map[string]any{"x": int8(2), "b": "AQI="}, true, nil, "s", []byte{9}}
	forms := map[string]any{
		"[]any":                            []any{"ev", 1, point{X: 2, B: []byte{1, 2}}, true, nil, "s", []byte{9}},
		"json.RawMessage with attachments": json.RawMessage(`["ev", 1, {"x":2,"b":"AQI="}, true, null, "s", {"_placeholder":true,"num":0}]`),
		"json.Number":                      []any{"ev", json.Number("1"), map[string]any{"x": json.Number("2.0"), "b": "AQI="}, true, nil, "s", []byte{9}},
		"typed slice":                      []any{"ev", uint8(1), &point{X: 2, B: []byte{1, 2}}, true, (*point)(nil), "s", []byte{9}},
	}
	for name, data := range forms {
		t.Run(name, func(t *testing.T) {
			p := &parser.Packet{Type: parser.Event, Data: data}
			if _, ok := data.(json.RawMessage); ok {
				p.Attachments = [][]byte{{9}}
			}
			m := decodeRef(t, encodeOne(t, p))
			if diff := cmp.Diff(want, m["data"]); diff != "" {
				t.Errorf("(-want +got)\n%s", diff)
			}
		})
	}
}

// A decoded packet encodes again to the same bytes (the relay form).
func TestEncodeRelay(t *testing.T) {
	p := msgpack.New(nil)
	for _, tc := range wireCases {
		t.Run(tc.name, func(t *testing.T) {
			in := unhex(t, tc.hex)
			dec, err := p.NewDecoder().Decode(parser.Frame{Data: in, Binary: true})
			if err != nil {
				t.Fatal(err)
			}
			out := encodeOne(t, dec)
			if got := hex.EncodeToString(out); got != tc.hex {
				t.Errorf("relay changed the bytes\n got %s\nwant %s", got, tc.hex)
			}
		})
	}
}

func TestEncodeErrors(t *testing.T) {
	cases := []struct {
		name string
		pkt  parser.Packet
		want error
	}{
		{"namespace without slash", parser.Packet{Type: parser.Event, Namespace: "chat", Data: []any{"a"}}, parser.ErrInvalidNamespace},
		{"id 2^53", parser.Packet{Type: parser.Ack, ID: 1 << 53, HasID: true, Data: []any{}}, parser.ErrInvalidAckID},
		{"type 7", parser.Packet{Type: 7}, parser.ErrUnknownType},
		{"reserved event", parser.Packet{Type: parser.Event, Data: []any{"disconnect"}}, parser.ErrInvalidEventName},
		{"event without name", parser.Packet{Type: parser.Event, Data: []any{}}, parser.ErrInvalidEventName},
		{"event name a map", parser.Packet{Type: parser.Event, Data: []any{map[string]any{}}}, parser.ErrInvalidEventName},
		{"event data a string", parser.Packet{Type: parser.Event, Data: "a"}, parser.ErrInvalidPayload},
		{"event without data", parser.Packet{Type: parser.Event}, parser.ErrInvalidPayload},
		{"ack data a map", parser.Packet{Type: parser.Ack, Data: map[string]any{}}, parser.ErrInvalidPayload},
		{"disconnect with data", parser.Packet{Type: parser.Disconnect, Data: map[string]any{}}, parser.ErrInvalidPayload},
		{"connect with an array", parser.Packet{Type: parser.Connect, Data: []any{}}, parser.ErrInvalidPayload},
		{"connect_error without data", parser.Packet{Type: parser.ConnectError}, parser.ErrInvalidPayload},
		{"NaN", parser.Packet{Type: parser.Event, Data: []any{"a", math.NaN()}}, parser.ErrUnsupportedValue},
		{"channel", parser.Packet{Type: parser.Event, Data: []any{"a", make(chan int)}}, parser.ErrUnsupportedValue},
		{"invalid RawMessage", parser.Packet{Type: parser.Event, Data: json.RawMessage(`["a",`)}, parser.ErrUnsupportedValue},
		{"placeholder out of range", parser.Packet{Type: parser.Event, Data: json.RawMessage(`["a",{"_placeholder":true,"num":1}]`), Attachments: [][]byte{{1}}}, parser.ErrInvalidPlaceholder},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := msgpack.New(nil).Encode(&tc.pkt)
			if !errors.Is(err, tc.want) {
				t.Fatalf("got %v, want an error wrapping %v", err, tc.want)
			}
		})
	}
}

// A cyclic []any is an error, not a stack overflow.
func TestEncodeCycle(t *testing.T) {
	v := []any{"a", nil}
	v[1] = v
	_, err := msgpack.New(nil).Encode(&parser.Packet{Type: parser.Event, Data: v})
	if !errors.Is(err, parser.ErrUnsupportedValue) {
		t.Fatalf("got %v", err)
	}
}

func TestEncodeNamespaceDefaults(t *testing.T) {
	a := encodeOne(t, &parser.Packet{Type: parser.Connect})
	b := encodeOne(t, &parser.Packet{Type: parser.Connect, Namespace: "/"})
	if string(a) != string(b) {
		t.Fatalf("%x != %x", a, b)
	}
	bin := encodeOne(t, &parser.Packet{Type: parser.BinaryEvent, Data: []any{"a", []byte{1}}})
	if m := decodeRef(t, bin); m["type"] != int8(parser.Event) {
		t.Fatalf("BINARY_EVENT written as type %v, want 2", m["type"])
	}
}

func TestMaxAttachments(t *testing.T) {
	in := encodeOne(t, &parser.Packet{Type: parser.Event, Data: []any{"a", []byte{1}, []byte{2}, []byte{3}}})
	if _, err := msgpack.New(&msgpack.Options{MaxAttachments: 3}).NewDecoder().Decode(parser.Frame{Data: in, Binary: true}); err != nil {
		t.Fatalf("3 attachments with MaxAttachments 3: %v", err)
	}
	_, err := msgpack.New(&msgpack.Options{MaxAttachments: 2}).NewDecoder().Decode(parser.Frame{Data: in, Binary: true})
	if !errors.Is(err, parser.ErrTooManyAttachments) {
		t.Fatalf("got %v, want ErrTooManyAttachments", err)
	}
}

func TestDecoderNeverPending(t *testing.T) {
	d := msgpack.New(nil).NewDecoder()
	in := encodeOne(t, &parser.Packet{Type: parser.Event, Data: []any{"a", []byte{1}}})
	p, err := d.Decode(parser.Frame{Data: in, Binary: true})
	if err != nil || p == nil || d.Pending() {
		t.Fatalf("got %v, %v, pending %v", p, err, d.Pending())
	}
	d.Reset()
}
