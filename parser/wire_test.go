package parser_test

import (
	"encoding/json"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/gosockio/gosockio/parser"
)

func text(s string) parser.Frame { return parser.Frame{Data: []byte(s)} }
func bin(b ...byte) parser.Frame {
	if b == nil {
		b = []byte{}
	}
	return parser.Frame{Data: b, Binary: true}
}
func raw(s string) json.RawMessage { return json.RawMessage(s) }

// wireCase is one packet and its exact frames. in is what Encode takes (nil: out);
// out is what Decode returns.
type wireCase struct {
	name   string
	source string // where the bytes come from
	rev    parser.Revision
	in     *parser.Packet
	out    parser.Packet
	frames []parser.Frame
}

const (
	srcProto   = "PROTOCOL.md (socket.io 4.8 / socket.io-parser 4.2.7)"
	srcParser5 = "socket.io-parser 4.2.7 test/parser.js"
	srcProto4  = "PROTOCOL.md (socket.io 2.x / socket.io-parser 3.4.5)"
)

var wireCases = []wireCase{
	// v5
	{name: "v5/connect", source: srcProto, rev: parser.V5,
		out: parser.Packet{Type: parser.Connect, Namespace: "/"}, frames: []parser.Frame{text("0")}},
	{name: "v5/connect auth", source: srcProto, rev: parser.V5,
		in:     &parser.Packet{Type: parser.Connect, Data: map[string]any{"token": "123"}},
		out:    parser.Packet{Type: parser.Connect, Namespace: "/", Data: raw(`{"token":"123"}`)},
		frames: []parser.Frame{text(`0{"token":"123"}`)}},
	{name: "v5/connect nsp data", source: srcParser5 + " encodes connection", rev: parser.V5,
		in:     &parser.Packet{Type: parser.Connect, Namespace: "/woot", Data: map[string]any{"token": "123"}},
		out:    parser.Packet{Type: parser.Connect, Namespace: "/woot", Data: raw(`{"token":"123"}`)},
		frames: []parser.Frame{text(`0/woot,{"token":"123"}`)}},
	{name: "v5/connect reply", source: srcProto, rev: parser.V5,
		out:    parser.Packet{Type: parser.Connect, Namespace: "/", Data: raw(`{"sid":"oSO0OpakMV_3jnilAAAA"}`)},
		frames: []parser.Frame{text(`0{"sid":"oSO0OpakMV_3jnilAAAA"}`)}},
	{name: "v5/connect reply nsp", source: srcProto, rev: parser.V5,
		out:    parser.Packet{Type: parser.Connect, Namespace: "/admin", Data: raw(`{"sid":"oSO0OpakMV_3jnilAAAA"}`)},
		frames: []parser.Frame{text(`0/admin,{"sid":"oSO0OpakMV_3jnilAAAA"}`)}},
	{name: "v5/connect_error object", source: srcProto, rev: parser.V5,
		in:     &parser.Packet{Type: parser.ConnectError, Data: map[string]any{"message": "Not authorized"}},
		out:    parser.Packet{Type: parser.ConnectError, Namespace: "/", Data: raw(`{"message":"Not authorized"}`)},
		frames: []parser.Frame{text(`4{"message":"Not authorized"}`)}},
	{name: "v5/connect_error object with data", source: srcProto, rev: parser.V5,
		out:    parser.Packet{Type: parser.ConnectError, Namespace: "/", Data: raw(`{"message":"Not authorized","data":{"code":1}}`)},
		frames: []parser.Frame{text(`4{"message":"Not authorized","data":{"code":1}}`)}},
	{name: "v5/connect_error string", source: srcParser5 + " encodes an connect error", rev: parser.V5,
		in:     &parser.Packet{Type: parser.ConnectError, Data: "Unauthorized"},
		out:    parser.Packet{Type: parser.ConnectError, Namespace: "/", Data: raw(`"Unauthorized"`)},
		frames: []parser.Frame{text(`4"Unauthorized"`)}},
	{name: "v5/connect_error invalid namespace", source: srcProto, rev: parser.V5,
		out:    parser.Packet{Type: parser.ConnectError, Namespace: "/random", Data: raw(`{"message":"Invalid namespace"}`)},
		frames: []parser.Frame{text(`4/random,{"message":"Invalid namespace"}`)}},
	{name: "v5/disconnect", source: srcProto, rev: parser.V5,
		out: parser.Packet{Type: parser.Disconnect, Namespace: "/"}, frames: []parser.Frame{text("1")}},
	{name: "v5/disconnect nsp", source: srcProto, rev: parser.V5,
		out: parser.Packet{Type: parser.Disconnect, Namespace: "/admin"}, frames: []parser.Frame{text("1/admin,")}},
	{name: "v5/event", source: srcProto, rev: parser.V5,
		in:     &parser.Packet{Type: parser.Event, Data: []any{"foo"}},
		out:    parser.Packet{Type: parser.Event, Namespace: "/", Data: raw(`["foo"]`)},
		frames: []parser.Frame{text(`2["foo"]`)}},
	{name: "v5/event nsp", source: srcProto, rev: parser.V5,
		in:     &parser.Packet{Type: parser.Event, Namespace: "/admin", Data: []any{"bar"}},
		out:    parser.Packet{Type: parser.Event, Namespace: "/admin", Data: raw(`["bar"]`)},
		frames: []parser.Frame{text(`2/admin,["bar"]`)}},
	{name: "v5/event ack id", source: srcProto, rev: parser.V5,
		in:     &parser.Packet{Type: parser.Event, ID: 12, HasID: true, Data: []any{"foo"}},
		out:    parser.Packet{Type: parser.Event, Namespace: "/", ID: 12, HasID: true, Data: raw(`["foo"]`)},
		frames: []parser.Frame{text(`212["foo"]`)}},
	{name: "v5/event ack id 0", source: srcParser5, rev: parser.V5,
		in:     &parser.Packet{Type: parser.Event, HasID: true, Data: []any{"a"}},
		out:    parser.Packet{Type: parser.Event, Namespace: "/", HasID: true, Data: raw(`["a"]`)},
		frames: []parser.Frame{text(`20["a"]`)}},
	{name: "v5/event mixed args", source: srcParser5 + " encodes an event", rev: parser.V5,
		in:     &parser.Packet{Type: parser.Event, Data: []any{"a", 1, map[string]any{}}},
		out:    parser.Packet{Type: parser.Event, Namespace: "/", Data: raw(`["a",1,{}]`)},
		frames: []parser.Frame{text(`2["a",1,{}]`)}},
	{name: "v5/event integer name", source: srcParser5 + " encodes an event (with an integer as event name)", rev: parser.V5,
		in:     &parser.Packet{Type: parser.Event, Data: []any{1, "a", map[string]any{}}},
		out:    parser.Packet{Type: parser.Event, Namespace: "/", Data: raw(`[1,"a",{}]`)},
		frames: []parser.Frame{text(`2[1,"a",{}]`)}},
	{name: "v5/event nsp ack id", source: srcParser5 + " encodes an event (with ack)", rev: parser.V5,
		in:     &parser.Packet{Type: parser.Event, Namespace: "/test", ID: 1, HasID: true, Data: []any{"a", 1, map[string]any{}}},
		out:    parser.Packet{Type: parser.Event, Namespace: "/test", ID: 1, HasID: true, Data: raw(`["a",1,{}]`)},
		frames: []parser.Frame{text(`2/test,1["a",1,{}]`)}},
	{name: "v5/ack", source: srcParser5 + " encodes an ack", rev: parser.V5,
		in:     &parser.Packet{Type: parser.Ack, ID: 123, HasID: true, Data: []any{"a", 1, map[string]any{}}},
		out:    parser.Packet{Type: parser.Ack, Namespace: "/", ID: 123, HasID: true, Data: raw(`["a",1,{}]`)},
		frames: []parser.Frame{text(`3123["a",1,{}]`)}},
	{name: "v5/ack nsp", source: srcProto, rev: parser.V5,
		in:     &parser.Packet{Type: parser.Ack, Namespace: "/admin", ID: 13, HasID: true, Data: []any{"bar"}},
		out:    parser.Packet{Type: parser.Ack, Namespace: "/admin", ID: 13, HasID: true, Data: raw(`["bar"]`)},
		frames: []parser.Frame{text(`3/admin,13["bar"]`)}},
	{name: "v5/ack empty", source: "socket.io 4.8 socket.ts ack() with no arguments", rev: parser.V5,
		in:     &parser.Packet{Type: parser.Ack, ID: 1, HasID: true, Data: []any{}},
		out:    parser.Packet{Type: parser.Ack, Namespace: "/", ID: 1, HasID: true, Data: raw(`[]`)},
		frames: []parser.Frame{text(`31[]`)}},
	{name: "v5/binary event", source: srcProto, rev: parser.V5,
		in:     &parser.Packet{Type: parser.Event, Data: []any{"baz", []byte{1, 2, 3}}},
		out:    parser.Packet{Type: parser.Event, Namespace: "/", Data: raw(`["baz",{"_placeholder":true,"num":0}]`), Attachments: [][]byte{{1, 2, 3}}},
		frames: []parser.Frame{text(`51-["baz",{"_placeholder":true,"num":0}]`), bin(1, 2, 3)}},
	{name: "v5/binary ack", source: srcProto, rev: parser.V5,
		in:     &parser.Packet{Type: parser.Ack, ID: 15, HasID: true, Data: []any{"bar", []byte{4}}},
		out:    parser.Packet{Type: parser.Ack, Namespace: "/", ID: 15, HasID: true, Data: raw(`["bar",{"_placeholder":true,"num":0}]`), Attachments: [][]byte{{4}}},
		frames: []parser.Frame{text(`61-15["bar",{"_placeholder":true,"num":0}]`), bin(4)}},
	{name: "v5/binary event nested nsp ack id", source: "socket.io-parser 4.2.7 binary.js deconstructPacket (depth-first order)", rev: parser.V5,
		in: &parser.Packet{Type: parser.Event, Namespace: "/admin", ID: 7, HasID: true, Data: []any{"upload",
			map[string]any{"files": []any{[]byte{1}, []byte{}}, "name": "x"}, []byte{2, 2}}},
		out: parser.Packet{Type: parser.Event, Namespace: "/admin", ID: 7, HasID: true,
			Data:        raw(`["upload",{"files":[{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}],"name":"x"},{"_placeholder":true,"num":2}]`),
			Attachments: [][]byte{{1}, {}, {2, 2}}},
		frames: []parser.Frame{text(`53-/admin,7["upload",{"files":[{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}],"name":"x"},{"_placeholder":true,"num":2}]`),
			bin(1), bin(), bin(2, 2)}},
	// v4
	{name: "v4/connect", source: srcProto4, rev: parser.V4,
		out: parser.Packet{Type: parser.Connect, Namespace: "/"}, frames: []parser.Frame{text("0")}},
	{name: "v4/connect nsp", source: srcProto4, rev: parser.V4,
		out: parser.Packet{Type: parser.Connect, Namespace: "/admin"}, frames: []parser.Frame{text("0/admin,")}},
	{name: "v4/connect nsp query", source: srcProto4 + ", socket.io-client 2.5 (parser 3.3.6)", rev: parser.V4,
		out: parser.Packet{Type: parser.Connect, Namespace: "/admin?token=abc"}, frames: []parser.Frame{text("0/admin?token=abc,")}},
	{name: "v4/error string", source: srcProto4, rev: parser.V4,
		in:     &parser.Packet{Type: parser.ConnectError, Namespace: "/random", Data: "Invalid namespace"},
		out:    parser.Packet{Type: parser.ConnectError, Namespace: "/random", Data: raw(`"Invalid namespace"`)},
		frames: []parser.Frame{text(`4/random,"Invalid namespace"`)}},
	{name: "v4/error object", source: srcProto4 + " (err.data)", rev: parser.V4,
		out:    parser.Packet{Type: parser.ConnectError, Namespace: "/", Data: raw(`{"code":3}`)},
		frames: []parser.Frame{text(`4{"code":3}`)}},
	{name: "v4/disconnect nsp", source: srcProto4, rev: parser.V4,
		out: parser.Packet{Type: parser.Disconnect, Namespace: "/admin"}, frames: []parser.Frame{text("1/admin,")}},
	{name: "v4/event", source: srcProto4, rev: parser.V4,
		in:     &parser.Packet{Type: parser.Event, Data: []any{"foo"}},
		out:    parser.Packet{Type: parser.Event, Namespace: "/", Data: raw(`["foo"]`)},
		frames: []parser.Frame{text(`2["foo"]`)}},
	{name: "v4/event nsp ack id", source: srcProto4, rev: parser.V4,
		in:     &parser.Packet{Type: parser.Event, Namespace: "/admin", ID: 3, HasID: true, Data: []any{"bar", 1.5}},
		out:    parser.Packet{Type: parser.Event, Namespace: "/admin", ID: 3, HasID: true, Data: raw(`["bar",1.5]`)},
		frames: []parser.Frame{text(`2/admin,3["bar",1.5]`)}},
	{name: "v4/event reserved name allowed", source: "socket.io-parser 3.4.5 isPayloadValid (no reserved names)", rev: parser.V4,
		in:     &parser.Packet{Type: parser.Event, Data: []any{"disconnect"}},
		out:    parser.Packet{Type: parser.Event, Namespace: "/", Data: raw(`["disconnect"]`)},
		frames: []parser.Frame{text(`2["disconnect"]`)}},
	{name: "v4/ack", source: srcProto4, rev: parser.V4,
		in:     &parser.Packet{Type: parser.Ack, ID: 4, HasID: true, Data: []any{nil, "ok"}},
		out:    parser.Packet{Type: parser.Ack, Namespace: "/", ID: 4, HasID: true, Data: raw(`[null,"ok"]`)},
		frames: []parser.Frame{text(`34[null,"ok"]`)}},
	{name: "v4/binary event", source: srcProto4, rev: parser.V4,
		in:     &parser.Packet{Type: parser.Event, Namespace: "/admin", Data: []any{"baz", []byte{9}}},
		out:    parser.Packet{Type: parser.Event, Namespace: "/admin", Data: raw(`["baz",{"_placeholder":true,"num":0}]`), Attachments: [][]byte{{9}}},
		frames: []parser.Frame{text(`51-/admin,["baz",{"_placeholder":true,"num":0}]`), bin(9)}},
	{name: "v4/binary ack nested", source: srcProto4, rev: parser.V4,
		in:     &parser.Packet{Type: parser.Ack, ID: 15, HasID: true, Data: []any{map[string]any{"a": []any{[]byte{1}, []byte{2}}}}},
		out:    parser.Packet{Type: parser.Ack, Namespace: "/", ID: 15, HasID: true, Data: raw(`[{"a":[{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]}]`), Attachments: [][]byte{{1}, {2}}},
		frames: []parser.Frame{text(`62-15[{"a":[{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]}]`), bin(1), bin(2)}},
}

func TestWireEncode(t *testing.T) {
	for _, tc := range wireCases {
		t.Run(tc.name, func(t *testing.T) {
			in := tc.in
			if in == nil {
				in = &tc.out
			}
			got, err := parser.New(&parser.Options{Revision: tc.rev}).Encode(in)
			if err != nil {
				t.Fatalf("Encode (%s): %v", tc.source, err)
			}
			if diff := cmp.Diff(tc.frames, got); diff != "" {
				t.Errorf("Encode (%s) frames (-want +got):\n%s", tc.source, diff)
			}
		})
	}
}

func TestWireDecode(t *testing.T) {
	for _, tc := range wireCases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := decodeAll(parser.New(&parser.Options{Revision: tc.rev}).NewDecoder(), tc.frames)
			if err != nil {
				t.Fatalf("Decode (%s): %v", tc.source, err)
			}
			if diff := cmp.Diff([]*parser.Packet{&tc.out}, got); diff != "" {
				t.Errorf("Decode (%s) (-want +got):\n%s", tc.source, diff)
			}
		})
	}
}

// decodeAll feeds frames and collects the packets; it fails when a packet is left
// waiting for attachments.
func decodeAll(d parser.Decoder, frames []parser.Frame) ([]*parser.Packet, error) {
	var out []*parser.Packet
	for _, f := range frames {
		p, err := d.Decode(f)
		if err != nil {
			return out, err
		}
		if p != nil {
			out = append(out, p)
		}
	}
	if d.Pending() {
		return out, errPending
	}
	return out, nil
}

type pendingError struct{}

func (pendingError) Error() string { return "a packet is still waiting for attachments" }

var errPending error = pendingError{}
