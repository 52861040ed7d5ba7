package parser_test

import (
	"encoding/json"
	"errors"
	"math"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/gosockio/gosockio/parser"
)

// Strings and numbers are written byte for byte as socket.io-parser 4.2.7's
// JSON.stringify writes them (checked with node, Encoder().encode).
func TestEncodeLikeJSONStringify(t *testing.T) {
	cases := []struct {
		name string
		data []any
		want string
	}{
		{"string escapes", []any{"a\u2028\u2029<>&\"\\\b\f\n\r\t\u0001\u001f\u007f\u00e9\U0001F600"},
			"2[\"a\u2028\u2029<>&\\\"\\\\\\b\\f\\n\\r\\t\\u0001\\u001f\u007f\u00e9\U0001F600\"]"},
		{"numbers", []any{"n", 1e21, 1e-7, 0.1, math.Copysign(0, -1), 123456789, 1.5e300, 5e-324, 100, 1e20, 0.000001, -1e-7},
			`2["n",1e+21,1e-7,0.1,0,123456789,1.5e+300,5e-324,100,100000000000000000000,0.000001,-1e-7]`},
		{"invalid UTF-8 is U+FFFD", []any{"a\xffb"}, "2[\"a\uFFFDb\"]"},
		{"integers", []any{"i", int8(-8), uint16(16), int64(math.MinInt64), uint64(math.MaxUint64), float32(0.1)},
			`2["i",-8,16,-9223372036854775808,18446744073709551615,0.1]`},
		{"raw and number", []any{"r", json.RawMessage(" {\"a\": [1, 2]}\n"), json.Number("1.5e3"), nil, true, false},
			`2["r",{"a": [1, 2]},1.5e3,null,true,false]`},
		{"nested map sorted keys with html", []any{"m", map[string]any{"b": "<b>", "a": []any{1, "&"}}}, `2["m",{"a":[1,"&"],"b":"<b>"}]`},
		{"struct through the codec", []any{"s", struct {
			A string `json:"a"`
		}{"<x>"}}, `2["s",{"a":"<x>"}]`},
	}
	p := parser.New(nil)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			frames, err := p.Encode(&parser.Packet{Type: parser.Event, Data: tc.data})
			if err != nil {
				t.Fatal(err)
			}
			if got := string(frames[0].Data); got != tc.want {
				t.Fatalf("Encode =\n%s\nwant\n%s", got, tc.want)
			}
		})
	}
}

func TestEncodeBinaryDepthFirst(t *testing.T) {
	// Node: 52-["b",{"_placeholder":true,"num":0},{"x":[{"_placeholder":true,"num":1}],"y":null}]
	frames, err := parser.New(nil).Encode(&parser.Packet{Type: parser.Event,
		Data: []any{"b", []byte{1, 2}, map[string]any{"x": []any{[]byte{3}}, "y": nil}}})
	if err != nil {
		t.Fatal(err)
	}
	want := []parser.Frame{text(`52-["b",{"_placeholder":true,"num":0},{"x":[{"_placeholder":true,"num":1}],"y":null}]`), bin(1, 2), bin(3)}
	if diff := cmp.Diff(want, frames); diff != "" {
		t.Fatalf("(-want +got):\n%s", diff)
	}
}

func TestEncodeRawMessageTrimmed(t *testing.T) {
	// Leading whitespace after the header would be read as ack id 0 by socket.io-parser.
	frames, err := parser.New(nil).Encode(&parser.Packet{Type: parser.Event, Data: raw(" \n[\"a\"] ")})
	if err != nil {
		t.Fatal(err)
	}
	if got := string(frames[0].Data); got != `2["a"]` {
		t.Fatalf("Encode = %q, want %q", got, `2["a"]`)
	}
}

func TestEncodeRelayForm(t *testing.T) {
	p := parser.New(nil)
	in := &parser.Packet{Type: parser.Ack, Namespace: "/x", ID: 2, HasID: true,
		Data: raw(`[{"_placeholder":true,"num":1},{"_placeholder":true,"num":0}]`), Attachments: [][]byte{{1}, {2}}}
	frames, err := p.Encode(in)
	if err != nil {
		t.Fatal(err)
	}
	want := []parser.Frame{text(`62-/x,2[{"_placeholder":true,"num":1},{"_placeholder":true,"num":0}]`), bin(1), bin(2)}
	if diff := cmp.Diff(want, frames); diff != "" {
		t.Fatalf("(-want +got):\n%s", diff)
	}
	// Raw elements with preset attachments, plus a []byte found in Data: numbered after them.
	frames, err = p.Encode(&parser.Packet{Type: parser.Event, Data: []any{"e", raw(`{"_placeholder":true,"num":0}`), []byte{9}}, Attachments: [][]byte{{8}}})
	if err != nil {
		t.Fatal(err)
	}
	want = []parser.Frame{text(`52-["e",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]`), bin(8), bin(9)}
	if diff := cmp.Diff(want, frames); diff != "" {
		t.Fatalf("(-want +got):\n%s", diff)
	}
}

func TestEncodeErrors(t *testing.T) {
	many := []any{"many"}
	for range 11 {
		many = append(many, []byte{1})
	}
	cyclic := []any{"c", nil}
	cyclic[1] = cyclic
	cases := []struct {
		name    string
		rev     parser.Revision
		pkt     parser.Packet
		wantErr error
		msg     string
	}{
		{"unknown type", 0, parser.Packet{Type: 7}, parser.ErrUnknownType, "type 7"},
		{"namespace without slash", 0, parser.Packet{Type: parser.Event, Namespace: "admin", Data: []any{"a"}}, parser.ErrInvalidNamespace, `"admin" must start with "/"`},
		{"namespace with comma", 0, parser.Packet{Type: parser.Event, Namespace: "/a,b", Data: []any{"a"}}, parser.ErrInvalidNamespace, "comma"},
		{"ack id 2^53", 0, parser.Packet{Type: parser.Ack, ID: 1 << 53, HasID: true, Data: []any{}}, parser.ErrInvalidAckID, "2^53"},
		{"disconnect with data", 0, parser.Packet{Type: parser.Disconnect, Data: map[string]any{}}, parser.ErrInvalidPayload, "DISCONNECT"},
		{"event not an array", 0, parser.Packet{Type: parser.Event, Data: "a"}, parser.ErrInvalidPayload, "got a string"},
		{"event empty", 0, parser.Packet{Type: parser.Event, Data: []any{}}, parser.ErrInvalidEventName, "empty"},
		{"event name bool", 0, parser.Packet{Type: parser.Event, Data: []any{true}}, parser.ErrInvalidEventName, "boolean"},
		{"event name reserved", 0, parser.Packet{Type: parser.Event, Data: []any{"connect_error"}}, parser.ErrInvalidEventName, "reserved"},
		{"event name reserved raw", 0, parser.Packet{Type: parser.Event, Data: raw(`["newListener"]`)}, parser.ErrInvalidEventName, "reserved"},
		{"ack not an array", 0, parser.Packet{Type: parser.Ack, Data: map[string]any{}}, parser.ErrInvalidPayload, "ACK"},
		{"connect not an object v5", 0, parser.Packet{Type: parser.Connect, Data: []any{}}, parser.ErrInvalidPayload, "CONNECT"},
		{"connect_error number", 0, parser.Packet{Type: parser.ConnectError, Data: 1}, parser.ErrInvalidPayload, "CONNECT_ERROR"},
		{"connect with binary", 0, parser.Packet{Type: parser.Connect, Data: map[string]any{"b": []byte{1}}}, parser.ErrUnsupportedValue, "only in EVENT and ACK"},
		{"too many attachments", 0, parser.Packet{Type: parser.Event, Data: many}, parser.ErrTooManyAttachments, "11 attachments"},
		{"NaN", 0, parser.Packet{Type: parser.Event, Data: []any{"n", math.NaN()}}, parser.ErrUnsupportedValue, "NaN"},
		{"NaN nested", 0, parser.Packet{Type: parser.Event, Data: []any{"n", []any{math.Inf(1)}}}, parser.ErrUnsupportedValue, "+Inf"},
		{"invalid raw", 0, parser.Packet{Type: parser.Event, Data: []any{"r", raw(`{`)}}, parser.ErrInvalidJSON, "json.RawMessage"},
		{"invalid raw nested", 0, parser.Packet{Type: parser.Event, Data: []any{"r", []any{raw(`[1,]`)}}}, parser.ErrInvalidJSON, ""},
		{"invalid json.Number", 0, parser.Packet{Type: parser.Event, Data: []any{"n", json.Number("0x1")}}, parser.ErrUnsupportedValue, "0x1"},
		{"attachments on connect", 0, parser.Packet{Type: parser.Connect, Attachments: [][]byte{{1}}}, parser.ErrUnsupportedValue, "only in EVENT and ACK"},
		{"relay placeholder out of range", 0, parser.Packet{Type: parser.Event, Data: raw(`["a",{"_placeholder":true,"num":1}]`), Attachments: [][]byte{{1}}}, parser.ErrInvalidPlaceholder, "Attachments holds 1"},
		{"codec error", 0, parser.Packet{Type: parser.Event, Data: []any{"c", make(chan int)}}, parser.ErrUnsupportedValue, "chan int"},
		{"cycle", 0, parser.Packet{Type: parser.Event, Data: cyclic}, parser.ErrUnsupportedValue, "cycle"},
		{"v4 error number", parser.V4, parser.Packet{Type: parser.ConnectError, Data: 3}, parser.ErrInvalidPayload, "ERROR data"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			frames, err := parser.New(&parser.Options{Revision: tc.rev}).Encode(&tc.pkt)
			if !errors.Is(err, tc.wantErr) {
				t.Fatalf("Encode = %v, %v; want %v", frames, err, tc.wantErr)
			}
			if !strings.Contains(err.Error(), tc.msg) {
				t.Fatalf("error %q does not contain %q", err, tc.msg)
			}
		})
	}
}

func TestEncodeConcurrentSafe(t *testing.T) {
	p := parser.New(nil)
	pkt := &parser.Packet{Type: parser.Event, Namespace: "/c", Data: []any{"e", map[string]any{"k": []byte{1}}, []byte{2}, "s"}}
	want, err := p.Encode(pkt)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make(chan string, 8)
	for range 8 {
		wg.Go(func() { // stopped by returning after 200 encodes; waited for below
			for range 200 {
				got, err := p.Encode(pkt)
				if err != nil || !cmp.Equal(want, got) {
					errs <- cmp.Diff(want, got)
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Fatal(e)
	}
}
