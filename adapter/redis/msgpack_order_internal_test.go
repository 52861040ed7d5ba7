package redis

import (
	"encoding/hex"
	"encoding/json"
	"log/slog"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/gosockio/gosockio/adapter"
	"github.com/gosockio/gosockio/adapter/internal/jsvalue"
	"github.com/gosockio/gosockio/parser"
)

// textFrames encodes p with the default socket.io parser and returns the text frame
// and the binary frames (hex), as a client receives them.
func textFrames(t *testing.T, p *parser.Packet) (string, []string) {
	t.Helper()
	frames, err := parser.New(nil).Encode(p)
	if err != nil {
		t.Fatalf("encode packet: %v", err)
	}
	var bins []string
	for _, f := range frames[1:] {
		bins = append(bins, hex.EncodeToString(f.Data))
	}
	return string(frames[0].Data), bins
}

func decodeWireBroadcast(t *testing.T, h string) *parser.Packet {
	t.Helper()
	b, err := hex.DecodeString(h)
	if err != nil {
		t.Fatal(err)
	}
	v, err := jsvalue.DecodeMsgpack(b)
	if err != nil {
		t.Fatal(err)
	}
	arr := v.([]any)
	p, _, err := decodeBroadcast(arr[1].(jsvalue.Object), arr[2].(jsvalue.Object))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// A broadcast from a Node server reaches Go's clients byte for byte as a Node server
// would deliver it: object keys in the sender's order (array indices first, as in
// JavaScript), nested objects and arrays, binary at depth, integers and floats as
// notepack.io wrote them, NaN/±Infinity/undefined as null, a Date as its ISO string.
// The message is what notepack.io 3.0.1 writes for
//
//	["uid1", {type: 2, nsp: "/", data: ["ev", {t:1, s:2, p:3},
//	  {z: {y: [1, {b: Buffer.from([1,2]), a: 1.5}], x: -0}, n: 2**40, f: 0.1,
//	   big: 2**53+2, neg: -(2**40), s: 1e-7, u: undefined},
//	  [NaN, Infinity, -Infinity, undefined, null, true, "é\u2028<\"\n\u0001"],
//	  {b: 1, "2": 2, "1": 3, "01": 4}, new Date(1700000000123)]},
//	 {rooms: [], except: [], flags: {}}]
//
// and the expected frames are what socket.io-parser 4.2.7 encodes for the packet
// notepack.io decodes from it.
func TestBroadcastFromNodeKeepsKeyOrder(t *testing.T) {
	p := decodeWireBroadcast(t, "93a47569643183a47479706502a46461746196a2657683a17401a17302a1700386a17a82a179920182a162c4020102a161cb3ff8000000000000a17800a16ecf0000010000000000a166cb3fb999999999999aa3626967cf0020000000000002a36e6567d3ffffff0000000000a173cb3e7ad7f29abcaf4897cb7ff8000000000000cb7ff0000000000000cbfff0000000000000c0c0c3a9c3a9e280a83c220a0184a13103a13202a16201a2303104d7ff1d5353006553f100a36e7370a12f83a5726f6f6d7390a665786365707490a5666c61677380")
	text, bins := textFrames(t, p)
	want := "51-[\"ev\",{\"t\":1,\"s\":2,\"p\":3},{\"z\":{\"y\":[1,{\"b\":{\"_placeholder\":true,\"num\":0},\"a\":1.5}],\"x\":0},\"n\":1099511627776,\"f\":0.1,\"big\":9007199254740994,\"neg\":-1099511627776,\"s\":1e-7},[null,null,null,null,null,true,\"é\u2028<\\\"\\n\\u0001\"],{\"1\":3,\"2\":2,\"b\":1,\"01\":4},\"2023-11-14T22:13:20.123Z\"]"
	if text != want {
		t.Errorf("text frame differs from Node's:\n got %s\nwant %s", text, want)
	}
	if diff := cmp.Diff([]string{"0102"}, bins); diff != "" {
		t.Errorf("attachments (-want +got):\n%s", diff)
	}
}

// notepack.io's extensions decode as notepack.io decodes them: undefined (null in an
// array, absent from an object), a timestamp (a Date), an ext 8 of type 0 (an
// ArrayBuffer, binary) and any other extension ([type, Buffer]). Expected frames from
// socket.io-parser 4.2.7 on notepack.io's decoding.
func TestBroadcastExtensionsAsNode(t *testing.T) {
	data := "96a2657692d4000001" + "82a16bd40000a16a01" + "d6ff00000001" + "c702000102" + "d5050a0b"
	p := decodeWireBroadcast(t, "93a47569643183a474797065"+"02a464617461"+data+"a36e7370a12f"+"80")
	text, bins := textFrames(t, p)
	want := `52-["ev",[null,1],{"j":1},"1970-01-01T00:00:01.000Z",{"_placeholder":true,"num":0},[5,{"_placeholder":true,"num":1}]]`
	if text != want {
		t.Errorf("text frame:\n got %s\nwant %s", text, want)
	}
	if diff := cmp.Diff([]string{"0102", "0a0b"}, bins); diff != "" {
		t.Errorf("attachments (-want +got):\n%s", diff)
	}
}

// A Go server's broadcast keeps the order of its values on the wire: a struct's fields
// and a json.RawMessage's keys, as notepack.io writes the same JavaScript object
// (expected bytes from notepack.io 3.0.1 for
// ["uid1", {type: 2, data: ["ev", {z: 1, a: "x", m: [{q: 1, b: 2}, 2.5]}], nsp: "/"},
// {rooms: [], except: [], flags: {}}]).
func TestBroadcastFromGoKeepsFieldOrder(t *testing.T) {
	const want = "93a47569643183a47479706502a46461746192a2657683a17a01a161a178a16d9282a17101a16202cb4004000000000000a36e7370a12f83a5726f6f6d7390a665786365707490a5666c61677380"
	type payload struct {
		Z int    `json:"z"`
		A string `json:"a"`
		M []any  `json:"m"`
	}
	for name, data := range map[string]any{
		"struct":     []any{"ev", payload{Z: 1, A: "x", M: []any{json.RawMessage(`{"q":1,"b":2}`), 2.5}}},
		"pointer":    []any{"ev", &payload{Z: 1, A: "x", M: []any{json.RawMessage(`{"q":1,"b":2}`), 2.5}}},
		"RawMessage": json.RawMessage(` ["ev", {"z": 1, "a": "x", "m": [{"q": 1, "b": 2}, 2.5]}] `),
		"raw arg":    []any{"ev", json.RawMessage(`{"z":1,"a":"x","m":[{"q":1.0,"b":2},25e-1]}`)},
	} {
		pkt, err := jsvalue.WirePacket(&parser.Packet{Type: parser.Event, Data: data}, "/")
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		b, err := jsvalue.EncodeMsgpack([]any{"uid1", pkt, wireOpts(nil)})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if got := hex.EncodeToString(b); got != want {
			t.Errorf("%s:\n got %s\nwant %s", name, got, want)
		}
		// And a Go server that receives it delivers the same order.
		p := decodeWireBroadcast(t, want)
		if text, _ := textFrames(t, p); text != `2["ev",{"z":1,"a":"x","m":[{"q":1,"b":2},2.5]}]` {
			t.Errorf("%s: delivered %s", name, text)
		}
	}
}

// A binary packet relayed from a client (json.RawMessage data with placeholders and
// attachments) is published with its binary in place and its keys in order.
func TestBroadcastRelayedBinaryKeepsOrder(t *testing.T) {
	p := &parser.Packet{Type: parser.Event, Data: json.RawMessage(`["up",{"z":{"_placeholder":true,"num":0},"a":[{"_placeholder":true,"num":1}]}]`), Attachments: [][]byte{{1}, {2, 3}}}
	pkt, err := jsvalue.WirePacket(p, "/")
	if err != nil {
		t.Fatal(err)
	}
	b, err := jsvalue.EncodeMsgpack(pkt.Get("data"))
	if err != nil {
		t.Fatal(err)
	}
	// ["up", {z: Buffer[1], a: [Buffer[2,3]]}]
	if got, want := hex.EncodeToString(b), "92a2757082a17ac40101a16191c4020203"; got != want {
		t.Errorf("got %s, want %s", got, want)
	}
	if _, err := jsvalue.WirePacket(&parser.Packet{Type: parser.Event, Data: json.RawMessage(`["up",{"_placeholder":true,"num":2}]`), Attachments: [][]byte{{1}}}, "/"); err == nil {
		t.Error("a placeholder beyond the attachments was accepted")
	}
}

// Messages that arrive as JSON (sharded and streams adapters, classic requests) keep
// their keys in order too; numbers are written as JavaScript prints them after
// JSON.parse.
func TestJSONMessageKeepsKeyOrder(t *testing.T) {
	m, err := decodeMessage([]byte(`{"uid":"u","nsp":"/","type":3,"data":{"packet":{"type":2,"data":["ev",{"t":1,"s":"\u00e9\"<","n":1.0,"e":1E3,"m":-0,"f":0.5,"x":[{"k":true,"c":null}]}],"nsp":"/"},"opts":{"rooms":["r"],"except":[],"flags":{}}}}`))
	if err != nil {
		t.Fatal(err)
	}
	data := m.Get("data").(jsvalue.Object)
	p, opts, err := decodeBroadcast(data.Get("packet").(jsvalue.Object), data.Get("opts").(jsvalue.Object))
	if err != nil {
		t.Fatal(err)
	}
	if text, _ := textFrames(t, p); text != `2["ev",{"t":1,"s":"é\"<","n":1,"e":1000,"m":0,"f":0.5,"x":[{"k":true,"c":null}]}]` {
		t.Errorf("delivered %s", text)
	}
	if diff := cmp.Diff([]string{"r"}, opts.Rooms); diff != "" {
		t.Errorf("rooms (-want +got):\n%s", diff)
	}
	// With connection state recovery, the offset is appended to the same bytes.
	withOffset(p, "1-2")
	if text, _ := textFrames(t, p); text != `2["ev",{"t":1,"s":"é\"<","n":1,"e":1000,"m":0,"f":0.5,"x":[{"k":true,"c":null}]},"1-2"]` {
		t.Errorf("with offset: %s", text)
	}
}

// The answer of a client to a broadcast with acknowledgements goes back to the
// requesting server with its keys in order, binary in place; an answer that arrives
// from another server reaches the acknowledgement callback in its order.
func TestAckAnswersKeepKeyOrder(t *testing.T) {
	arg, ok := firstArg(&adapter.AckPacket{Type: parser.Ack, Data: json.RawMessage(`[{"z":1,"a":{"_placeholder":true,"num":0}},"ignored"]`), Attachments: [][]byte{{7}}})
	if !ok {
		t.Fatal("no first argument")
	}
	b, err := jsvalue.EncodeMsgpack(arg)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := hex.EncodeToString(b), "82a17a01a161c40107"; got != want {
		t.Errorf("answer: got %s, want %s", got, want)
	}

	var tbl requestTable
	var got *adapter.AckPacket
	if err := tbl.addAck("r1", &ackRequest{clientCount: func(int) {}, ack: func(p *adapter.AckPacket) { got = p }}, 1e9*60); err != nil {
		t.Fatal(err)
	}
	defer tbl.closeRequests()
	// Node's BROADCAST_ACK: {type: 9, requestId: "r1", packet: {z: 1, a: Buffer[7]}}.
	resp, _ := hex.DecodeString("83a47479706509a9726571756573744964a27231a67061636b657482a17a01a161c40107")
	m, err := decodeMessage(resp)
	if err != nil {
		t.Fatal(err)
	}
	if !tbl.onAckResponse(slog.New(slog.DiscardHandler), "r1", m) || got == nil {
		t.Fatal("answer not delivered")
	}
	if string(got.Data.(json.RawMessage)) != `[{"z":1,"a":{"_placeholder":true,"num":0}}]` || len(got.Attachments) != 1 || got.Attachments[0][0] != 7 {
		t.Errorf("delivered %s %v", got.Data, got.Attachments)
	}
}

// Server-side event arguments reach handlers as JSON in the sender's order; an
// argument holding binary stays Go values with its []byte.
func TestServerSideEventArgsKeepKeyOrder(t *testing.T) {
	v, err := jsvalue.DecodeJSON([]byte(`["ev",{"z":1,"a":2},[3,{"y":1,"b":2}],"s",4]`))
	if err != nil {
		t.Fatal(err)
	}
	args := jsvalue.EventArgs(v)
	want := []any{"ev", json.RawMessage(`{"z":1,"a":2}`), json.RawMessage(`[3,{"y":1,"b":2}]`), "s", json.Number("4")}
	if diff := cmp.Diff(want, args); diff != "" {
		t.Errorf("args (-want +got):\n%s", diff)
	}
	bin, _ := hex.DecodeString("93a2657681a162c40109c40102")
	v, err = jsvalue.DecodeMsgpack(bin)
	if err != nil {
		t.Fatal(err)
	}
	args = jsvalue.EventArgs(v)
	want = []any{"ev", map[string]any{"b": []byte{9}}, []byte{2}}
	if diff := cmp.Diff(want, args); diff != "" {
		t.Errorf("binary args (-want +got):\n%s", diff)
	}
}
