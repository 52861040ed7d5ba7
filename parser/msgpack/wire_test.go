package msgpack_test

import (
	"encoding/hex"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/gosockio/gosockio/parser"
	"github.com/gosockio/gosockio/parser/msgpack"
)

// The hex strings below are the frames socket.io-msgpack-parser 3.0.2 (notepack.io
// 2.2.0) writes for the same packet, built in JavaScript as {type, data, nsp, id}:
// new (require("socket.io-msgpack-parser").Encoder)().encode(packet)[0].
var wireCases = []struct {
	name string
	pkt  parser.Packet
	hex  string
	// what our decoder makes of the frame
	data string // JSON, "" for none
	atts [][]byte
}{
	{"connect", parser.Packet{Type: parser.Connect, Namespace: "/"},
		"82a47479706500a36e7370a12f", "", nil},
	{"connect with auth", parser.Packet{Type: parser.Connect, Namespace: "/admin", Data: map[string]any{"token": "abc"}},
		"83a47479706500a46461746181a5746f6b656ea3616263a36e7370a62f61646d696e", `{"token":"abc"}`, nil},
	{"disconnect", parser.Packet{Type: parser.Disconnect, Namespace: "/chat"},
		"82a47479706501a36e7370a52f63686174", "", nil},
	{"event scalars", parser.Packet{Type: parser.Event, Namespace: "/", Data: []any{"hello", 1, -1, 1.5, true, false, nil, "é€😀"}},
		"83a47479706502a46461746198a568656c6c6f01ffcb3ff8000000000000c3c2c0a9c3a9e282acf09f9880a36e7370a12f",
		`["hello",1,-1,1.5,true,false,null,"é€😀"]`, nil},
	{"event with ack and binary", parser.Packet{Type: parser.Event, Namespace: "/", ID: 7, HasID: true, Data: []any{"msg", []byte{1, 2, 3}}},
		"84a47479706502a46461746192a36d7367c403010203a36e7370a12fa2696407",
		`["msg",{"_placeholder":true,"num":0}]`, [][]byte{{1, 2, 3}}},
	{"ack with a 2^32 id", parser.Packet{Type: parser.Ack, Namespace: "/x", ID: 1 << 32, HasID: true, Data: []any{}},
		"84a47479706503a46461746190a36e7370a22f78a26964cf0000000100000000", `[]`, nil},
	{"connect_error object", parser.Packet{Type: parser.ConnectError, Namespace: "/", Data: map[string]any{"message": "Not authorized"}},
		"83a47479706504a46461746181a76d657373616765ae4e6f7420617574686f72697a6564a36e7370a12f", `{"message":"Not authorized"}`, nil},
	{"connect_error string", parser.Packet{Type: parser.ConnectError, Namespace: "/nope", Data: "Invalid namespace"},
		"83a47479706504a464617461b1496e76616c6964206e616d657370616365a36e7370a52f6e6f7065", `"Invalid namespace"`, nil},
	{"integer forms", parser.Packet{Type: parser.Event, Namespace: "/", Data: []any{"n", 127, 128, 255, 256, 65535, 65536, 4294967295, int64(4294967296), -32, -33, -128, -129, -32768, -32769, -2147483648, int64(-2147483649), int64(9007199254740991), int64(-9007199254740991)}},
		"83a47479706502a464617461dc0013a16e7fcc80ccffcd0100cdffffce00010000ceffffffffcf0000000100000000e0d0dfd080d1ff7fd18000d2ffff7fffd280000000d3ffffffff7fffffffcf001fffffffffffffd3ffe0000000000001a36e7370a12f",
		`["n",127,128,255,256,65535,65536,4294967295,4294967296,-32,-33,-128,-129,-32768,-32769,-2147483648,-2147483649,9007199254740991,-9007199254740991]`, nil},
	{"floats", parser.Packet{Type: parser.Event, Namespace: "/", Data: []any{"f", 0.1, -2.5, 1e19, 1e-7, 123456.789}},
		"83a47479706502a46461746196a166cb3fb999999999999acbc004000000000000cf8ac7230489e80000cb3e7ad7f29abcaf48cb40fe240c9fbe76c9a36e7370a12f",
		`["f",0.1,-2.5,10000000000000000000,1e-7,123456.789]`, nil},
	{"string forms", parser.Packet{Type: parser.Event, Namespace: "/", Data: []any{"s", strings.Repeat("a", 31), strings.Repeat("b", 32), strings.Repeat("c", 255), strings.Repeat("d", 256)}},
		"83a47479706502a46461746195a173bf" + strings.Repeat("61", 31) + "d920" + strings.Repeat("62", 32) + "d9ff" + strings.Repeat("63", 255) + "da0100" + strings.Repeat("64", 256) + "a36e7370a12f",
		`["s","` + strings.Repeat("a", 31) + `","` + strings.Repeat("b", 32) + `","` + strings.Repeat("c", 255) + `","` + strings.Repeat("d", 256) + `"]`, nil},
	{"array 16", parser.Packet{Type: parser.Ack, Namespace: "/", ID: 1, HasID: true, Data: []any{[]any{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15}}},
		"84a47479706503a46461746191dc0010000102030405060708090a0b0c0d0e0fa36e7370a12fa2696401",
		`[[0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15]]`, nil},
	{"map 16", parser.Packet{Type: parser.Event, Namespace: "/", Data: []any{"m", map[string]any{"ka": 0, "kb": 1, "kc": 2, "kd": 3, "ke": 4, "kf": 5, "kg": 6, "kh": 7, "ki": 8, "kj": 9, "kk": 10, "kl": 11, "km": 12, "kn": 13, "ko": 14, "kp": 15}}},
		"83a47479706502a46461746192a16dde0010a26b6100a26b6201a26b6302a26b6403a26b6504a26b6605a26b6706a26b6807a26b6908a26b6a09a26b6b0aa26b6c0ba26b6d0ca26b6e0da26b6f0ea26b700fa36e7370a12f",
		`["m",{"ka":0,"kb":1,"kc":2,"kd":3,"ke":4,"kf":5,"kg":6,"kh":7,"ki":8,"kj":9,"kk":10,"kl":11,"km":12,"kn":13,"ko":14,"kp":15}]`, nil},
	{"nested binary", parser.Packet{Type: parser.Event, Namespace: "/room", Data: []any{"ev", map[string]any{"a": []any{1, map[string]any{"b": []byte("hi")}}, "c": []byte{}}}},
		"83a47479706502a46461746192a2657682a161920181a162c4026869a163c400a36e7370a52f726f6f6d",
		`["ev",{"a":[1,{"b":{"_placeholder":true,"num":0}}],"c":{"_placeholder":true,"num":1}}]`, [][]byte{[]byte("hi"), {}}},
	{"bin 16", parser.Packet{Type: parser.Event, Namespace: "/", Data: []any{"big", []byte(strings.Repeat("\x07", 256))}},
		"83a47479706502a46461746192a3626967c50100" + strings.Repeat("07", 256) + "a36e7370a12f",
		`["big",{"_placeholder":true,"num":0}]`, [][]byte{[]byte(strings.Repeat("\x07", 256))}},
}

func unhex(t *testing.T, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestEncodeMatchesNode(t *testing.T) {
	p := msgpack.New(nil)
	for _, tc := range wireCases {
		t.Run(tc.name, func(t *testing.T) {
			frames, err := p.Encode(&tc.pkt)
			if err != nil {
				t.Fatal(err)
			}
			if len(frames) != 1 || !frames[0].Binary {
				t.Fatalf("want one binary frame, got %d frames (binary %v)", len(frames), len(frames) > 0 && frames[0].Binary)
			}
			if got := hex.EncodeToString(frames[0].Data); got != tc.hex {
				t.Errorf("bytes differ from socket.io-msgpack-parser 3.0.2\n got %s\nwant %s", got, tc.hex)
			}
		})
	}
}

// decoded is a packet in comparable form.
type decoded struct {
	Type      parser.Type
	Namespace string
	ID        uint64
	HasID     bool
	Data      string
	Atts      [][]byte
}

func view(p *parser.Packet) decoded {
	d := decoded{Type: p.Type, Namespace: p.Namespace, ID: p.ID, HasID: p.HasID, Atts: p.Attachments}
	if p.Data != nil {
		d.Data = string(p.Data.(json.RawMessage))
	}
	return d
}

func TestDecodeNodeFrames(t *testing.T) {
	p := msgpack.New(nil)
	for _, tc := range wireCases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := p.NewDecoder().Decode(parser.Frame{Data: unhex(t, tc.hex), Binary: true})
			if err != nil {
				t.Fatal(err)
			}
			want := decoded{Type: tc.pkt.Type, Namespace: tc.pkt.Namespace, ID: tc.pkt.ID, HasID: tc.pkt.HasID, Data: tc.data, Atts: tc.atts}
			if diff := cmp.Diff(want, view(got)); diff != "" {
				t.Errorf("(-want +got)\n%s", diff)
			}
		})
	}
}

// What Node's clients and servers send, encoded by socket.io-msgpack-parser 3.0.2
// from the packet objects they build (keys in their order, undefined values kept).
func TestDecodeNodeShapes(t *testing.T) {
	cases := []struct {
		name, js, hex string
		want          decoded
	}{
		{"client CONNECT", `{type:0, data:undefined, nsp:"/"}`, "83a47479706500a464617461d40000a36e7370a12f",
			decoded{Type: parser.Connect, Namespace: "/"}},
		{"client EVENT", `{type:2, data:["chat","hi"], options:{compress:true}, id:3, nsp:"/"}`,
			"85a47479706502a46461746192a463686174a26869a76f7074696f6e7381a8636f6d7072657373c3a2696403a36e7370a12f",
			decoded{Type: parser.Event, Namespace: "/", ID: 3, HasID: true, Data: `["chat","hi"]`}},
		{"server CONNECT", `{type:0, data:{sid:"AAAA", pid:undefined}, nsp:"/"}`,
			"83a47479706500a46461746182a3736964a441414141a3706964d40000a36e7370a12f",
			decoded{Type: parser.Connect, Namespace: "/", Data: `{"sid":"AAAA"}`}},
		{"server ACK", `{id:5, type:3, data:[null,"ok"], nsp:"/"}`, "84a2696405a47479706503a46461746192c0a26f6ba36e7370a12f",
			decoded{Type: parser.Ack, Namespace: "/", ID: 5, HasID: true, Data: `[null,"ok"]`}},
		{"ArrayBuffer", `{type:2, data:["ab", new Uint8Array([9,8]).buffer], nsp:"/"}`, "83a47479706502a46461746192a26162c702000908a36e7370a12f",
			decoded{Type: parser.Event, Namespace: "/", Data: `["ab",{"_placeholder":true,"num":0}]`, Atts: [][]byte{{9, 8}}}},
		{"Date", `{type:2, data:["d", new Date(1700000000123)], nsp:"/"}`, "83a47479706502a46461746192a164d7000000018bcfe5687ba36e7370a12f",
			decoded{Type: parser.Event, Namespace: "/", Data: `["d","2023-11-14T22:13:20.123Z"]`}},
		{"undefined values", `{type:2, data:["u", undefined, {a:undefined, b:1}], nsp:"/"}`, "83a47479706502a46461746193a175d4000082a161d40000a16201a36e7370a12f",
			decoded{Type: parser.Event, Namespace: "/", Data: `["u",null,{"b":1}]`}},
		{"integer-like keys", `{type:2, data:["k", {b:1, 2:"x", 1:"y"}], nsp:"/"}`, "83a47479706502a46461746192a16b83a131a179a132a178a16201a36e7370a12f",
			decoded{Type: parser.Event, Namespace: "/", Data: `["k",{"1":"y","2":"x","b":1}]`}},
		// Not from Node: an id written as float 64 (a JavaScript number is one).
		{"float id", `{type:3, data:[], nsp:"/", id:2} with id as float 64`, "84a47479706503a46461746190a36e7370a12fa26964cb4000000000000000",
			decoded{Type: parser.Ack, Namespace: "/", ID: 2, HasID: true, Data: `[]`}},
	}
	p := msgpack.New(nil)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := p.NewDecoder().Decode(parser.Frame{Data: unhex(t, tc.hex), Binary: true})
			if err != nil {
				t.Fatalf("%s: %v", tc.js, err)
			}
			if diff := cmp.Diff(tc.want, view(got)); diff != "" {
				t.Errorf("%s: (-want +got)\n%s", tc.js, diff)
			}
		})
	}
}

func TestDecodeErrors(t *testing.T) {
	cases := []struct {
		name, hex string
		want      error
		why       string
	}{
		// socket.io-msgpack-parser 3.0.2 refuses these too (its message in why).
		{"type 5", "83a47479706505a46461746191a161a36e7370a12f", parser.ErrUnknownType, "invalid packet type"},
		{"no nsp", "82a47479706502a46461746191a161", parser.ErrInvalidNamespace, "invalid namespace"},
		{"null id", "84a47479706502a46461746191a161a36e7370a12fa26964c0", parser.ErrInvalidAckID, "invalid packet id"},
		{"DISCONNECT with data", "83a47479706501a46461746180a36e7370a12f", parser.ErrInvalidPayload, "invalid payload"},
		{"CONNECT with null", "83a47479706500a464617461c0a36e7370a12f", parser.ErrInvalidPayload, "invalid payload"},
		{"EVENT with a map", "83a47479706502a46461746180a36e7370a12f", parser.ErrInvalidPayload, "invalid payload"},
		{"not a map", "93010203", parser.ErrUnknownType, "invalid packet type"},
		{"truncated", "83a47479706502a46461746191a1", ErrMalformed, "RangeError"},
		{"trailing bytes", "82a47479706500a36e7370a12f00", ErrMalformed, "1 trailing bytes"},
		{"unused code 0xc1", "c1", ErrMalformed, "Could not parse"},
		// The JSON parser's rules, stricter than socket.io-msgpack-parser, which
		// accepts these.
		{"negative id", "84a47479706502a46461746191a161a36e7370a12fa26964ff", parser.ErrInvalidAckID, "ack ids are in [0, 2^53)"},
		{"id 2^53", "84a47479706503a46461746190a36e7370a12fa26964cf0020000000000000", parser.ErrInvalidAckID, "ack ids are in [0, 2^53)"},
		{"empty nsp", "83a47479706502a46461746191a161a36e7370a0", parser.ErrInvalidNamespace, `a namespace starts with "/"`},
		{"reserved event", "83a47479706502a46461746191a7636f6e6e656374a36e7370a12f", parser.ErrInvalidEventName, "reserved name"},
		{"empty event", "83a47479706502a46461746190a36e7370a12f", parser.ErrInvalidEventName, "no event name"},
		{"event name a map", "83a47479706502a46461746191 80 a36e7370a12f", parser.ErrInvalidEventName, "event name must be a string or number"},
		{"array key", "83a47479706502a46461746192a16181 90 01 a36e7370a12f", ErrMalformed, "keys must be scalars"},
		// Hostile lengths: refused before anything is allocated for them.
		{"array of 2^32-1 in 5 bytes", "dd ffffffff", ErrMalformed, "length past the end"},
		{"map of 2^32-1", "df ffffffff 00", ErrMalformed, "length past the end"},
		{"str of 4 GiB", "83a47479706502a46461746191 db ffffffff", ErrMalformed, "length past the end"},
		{"bin of 4 GiB", "83a47479706502a46461746192a161 c6 ffffffff", ErrMalformed, "length past the end"},
		{"ext of 4 GiB", "83a47479706502a46461746192a161 c9 ffffffff 00", ErrMalformed, "length past the end"},
		{"deep nesting", "83a47479706502a464617461" + strings.Repeat("91", 20000) + "c0a36e7370a12f", ErrMalformed, "nested deeper than 10000"},
		{"placeholder and binary", "83a47479706502a46461746193a161c40101 82ac5f706c616365686f6c646572c3a36e756d00 a36e7370a12f", parser.ErrInvalidPlaceholder, "a literal placeholder would be taken for an attachment"},
	}
	p := msgpack.New(nil)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			b := unhex(t, strings.ReplaceAll(tc.hex, " ", ""))
			got, err := p.NewDecoder().Decode(parser.Frame{Data: b, Binary: true})
			if !errors.Is(err, tc.want) {
				t.Fatalf("got %v, %v; want an error wrapping %v (%s)", got, err, tc.want, tc.why)
			}
			t.Log(err)
		})
	}
}

var ErrMalformed = msgpack.ErrMalformed

// Known divergence: notepack.io writes an integral number of 2^64 or more as a
// uint 64 modulo 2^64 (1e21 becomes cf35c9adc5dea00000, which every decoder reads
// as 3875820019684212736); we write it as float 64, which Node decodes as 1e21.
func TestEncodeHugeIntegralFloat(t *testing.T) {
	frames, err := msgpack.New(nil).Encode(&parser.Packet{Type: parser.Event, Data: []any{"x", 1e21}})
	if err != nil {
		t.Fatal(err)
	}
	const want = "83a47479706502a46461746192a178cb444b1ae4d6e2ef50a36e7370a12f"
	if got := hex.EncodeToString(frames[0].Data); got != want {
		t.Fatalf("got %s, want %s", got, want)
	}
}

func TestDecodeTextFrame(t *testing.T) {
	_, err := msgpack.New(nil).NewDecoder().Decode(parser.Frame{Data: []byte(`2["a"]`)})
	if !errors.Is(err, msgpack.ErrTextFrame) {
		t.Fatalf("got %v, want ErrTextFrame", err)
	}
}
