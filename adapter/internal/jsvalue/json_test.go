package jsvalue

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/gosockio/gosockio/parser"
)

// JSON strings are written as JSON.stringify writes them.
func TestJSStringEscapes(t *testing.T) {
	got := string(AppendString(nil, "a\"\\\b\t\n\f\r\x01\x1f<>&\u2028é\xff"))
	if want := `"a\"\\\b\t\n\f\r\u0001\u001f<>&` + "\u2028é\ufffd" + `"`; got != want {
		t.Errorf("got %s, want %s", got, want)
	}
	if strings.Contains(got, `\u003c`) {
		t.Error("escaped <")
	}
}

// A JSON document keeps its keys' order (array indices first, as JSON.parse builds the
// object) through DecodeJSON and Marshal, numbers printed as JavaScript prints them.
func TestJSONKeepsKeyOrder(t *testing.T) {
	v, err := DecodeJSON([]byte(` {"t":1,"s":{"z":[1.0,1E3,-0],"a":"\u00e9"},"2":null,"1":true,"p":1e-7} `))
	if err != nil {
		t.Fatal(err)
	}
	got, err := Marshal(v)
	if want := `{"1":true,"2":null,"t":1,"s":{"z":[1,1000,0],"a":"é"},"p":1e-7}`; err != nil || string(got) != want {
		t.Errorf("got %s (%v), want %s", got, err, want)
	}
	if _, err := DecodeJSON([]byte(`{"a":1`)); err == nil {
		t.Error("decoded truncated JSON")
	}
}

// PacketData writes an event's arguments as a socket.io packet's data: keys in order,
// binary as placeholders with their attachments; PacketArgs reads them back.
func TestPacketDataRoundTrip(t *testing.T) {
	args := []any{"ev", Object{{"z", []byte{1}}, {"a", []any{int64(2), []byte{3, 4}}}}, map[string]any{"b": 1, "a": 2}}
	raw, atts, err := PacketData(args)
	if err != nil {
		t.Fatal(err)
	}
	if want := `["ev",{"z":{"_placeholder":true,"num":0},"a":[2,{"_placeholder":true,"num":1}]},{"a":2,"b":1}]`; string(raw) != want {
		t.Errorf("data %s, want %s", raw, want)
	}
	if diff := cmp.Diff([][]byte{{1}, {3, 4}}, atts); diff != "" {
		t.Errorf("attachments (-want +got):\n%s", diff)
	}
	back, err := PacketArgs(&parser.Packet{Type: parser.BinaryEvent, Data: raw, Attachments: atts})
	if err != nil {
		t.Fatal(err)
	}
	want := []any{"ev", Object{{"z", []byte{1}}, {"a", []any{json.Number("2"), []byte{3, 4}}}}, Object{{"a", json.Number("2")}, {"b", json.Number("1")}}}
	if diff := cmp.Diff(want, back); diff != "" {
		t.Errorf("args (-want +got):\n%s", diff)
	}
	if _, err := PacketArgs(&parser.Packet{Type: parser.BinaryEvent, Data: json.RawMessage(`[{"_placeholder":true,"num":1}]`), Attachments: [][]byte{{1}}}); err == nil {
		t.Error("accepted a placeholder beyond the attachments")
	}
}

// FuzzJSONKeepsValue: any JSON document decodes (keys in order) and is written back as
// JSON with the same value, as JavaScript would parse and print it.
func FuzzJSONKeepsValue(f *testing.F) {
	for _, s := range []string{
		`{"t":1,"s":[2,{"b":null,"a":"\u00e9\n"}],"p":-0.5e3}`, `[1.0,1E3,-0,1e-7,123456789012345678901234]`,
		`{"a":1,"a":2,"2":3,"1":4}`, `"\ud800"`, ` {} `, `[[],{}]`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var want any
		if json.Unmarshal(b, &want) != nil {
			if _, err := DecodeJSON(b); err == nil && !json.Valid(b) {
				t.Fatalf("DecodeJSON accepted invalid JSON %q", b)
			}
			return
		}
		v, err := DecodeJSON(b)
		if err != nil {
			t.Fatalf("DecodeJSON(%q): %v", b, err)
		}
		out, err := Marshal(v)
		if err != nil {
			return // nested deeper than the writer goes
		}
		var got any
		if err := json.Unmarshal(out, &got); err != nil {
			t.Fatalf("wrote invalid JSON %q for %q: %v", out, b, err)
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Fatalf("value changed for %q -> %q (-want +got):\n%s", b, out, diff)
		}
	})
}
