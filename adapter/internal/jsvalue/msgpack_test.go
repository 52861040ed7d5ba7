package jsvalue

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// Bytes from the MessagePack specification (github.com/msgpack/msgpack/blob/master/spec.md),
// as notepack.io 3.0.1 and @msgpack/msgpack 2.8 write and read them.
var msgpackCases = []struct {
	name string
	v    any
	hex  string
}{
	{"nil", nil, "c0"},
	{"false", false, "c2"},
	{"true", true, "c3"},
	{"positive fixint", int64(1), "01"},
	{"negative fixint", int64(-1), "ff"},
	{"int8", int64(-33), "d0df"},
	{"int16", int64(-300), "d1fed4"},
	{"int32", int64(-70000), "d2fffeee90"},
	{"int64", int64(-5000000000), "d3fffffffed5fa0e00"},
	{"uint8", int64(200), "ccc8"},
	{"uint16", int64(300), "cd012c"},
	{"uint32", int64(70000), "ce00011170"},
	{"uint64", int64(5000000000), "cf000000012a05f200"},
	{"float64", 1.5, "cb3ff8000000000000"},
	{"fixstr", "a", "a161"},
	{"str8", strings.Repeat("s", 40), "d928" + strings.Repeat("73", 40)},
	{"bin8", []byte{1, 2}, "c4020102"},
	{"fixarray", []any{int64(1), "a"}, "9201a161"},
	{"fixmap", Object{{"b", int64(1)}, {"a", int64(2)}}, "82a16201a16102"},
}

func TestMsgpackEncode(t *testing.T) {
	for _, tc := range msgpackCases {
		b, err := EncodeMsgpack(tc.v)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if got := hex.EncodeToString(b); got != tc.hex {
			t.Errorf("%s: encode %#v = %s, want %s", tc.name, tc.v, got, tc.hex)
		}
	}
}

func TestMsgpackDecode(t *testing.T) {
	extra := []struct {
		name string
		hex  string
		v    any
	}{
		{"float32", "ca3fc00000", 1.5},
		{"str16", "da0001" + "61", "a"},
		{"array16", "dc000101", []any{int64(1)}},
		{"map16 with a number key", "de00010701", Object{{"7", int64(1)}}},
		{"uint64 beyond int64", "cfffffffffffffffff", uint64(1<<64 - 1)},
		{"timestamp 32 (a Date)", "d6ff00000001", "1970-01-01T00:00:01.000Z"},
	}
	for _, tc := range msgpackCases {
		extra = append(extra, struct {
			name string
			hex  string
			v    any
		}{tc.name, tc.hex, tc.v})
	}
	for _, tc := range extra {
		b, _ := hex.DecodeString(tc.hex)
		got, err := DecodeMsgpack(b)
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		if diff := cmp.Diff(tc.v, got); diff != "" {
			t.Errorf("%s: (-want +got)\n%s", tc.name, diff)
		}
	}
}

// JavaScript numbers: integral values are written as integers, -0 as 0, others as
// float 64; map[string]any keys are sorted, Object keys kept, undefined ones skipped.
func TestMsgpackEncodeJavaScriptValues(t *testing.T) {
	for _, tc := range []struct {
		v   any
		hex string
	}{
		{3.0, "03"},
		{json.Number("300"), "cd012c"},
		{json.Number("2.5"), "cb4004000000000000"},
		{json.Number("-0"), "00"},
		{float64(1 << 40), "cf0000010000000000"},
		{map[string]any{"b": 1, "a": 2}, "82a16102a16201"},
		{Object{{"b", 1}, {"u", Undefined{}}, {"a", 2}}, "82a16201a16102"},
		{[]string{"x"}, "91a178"},
		{struct {
			Z int `json:"z"`
			A int `json:"a"`
		}{1, 2}, "82a17a01a16102"},
	} {
		b, err := EncodeMsgpack(tc.v)
		if err != nil || hex.EncodeToString(b) != tc.hex {
			t.Errorf("encode %#v = %x, %v; want %s", tc.v, b, err, tc.hex)
		}
	}
	if _, err := EncodeMsgpack(make(chan int)); err == nil {
		t.Error("encoded a channel")
	}
}

func TestMsgpackDecodeRejects(t *testing.T) {
	for _, tc := range []struct{ name, hex string }{
		{"empty", ""},
		{"truncated str", "a3616263"[:6]},
		{"truncated uint32", "ce0001"},
		{"array longer than the input", "dd7fffffff"},
		{"map longer than the input", "df7fffffff"},
		{"bin longer than the input", "c6ffffffff"},
		{"reserved byte", "c1"},
		{"trailing bytes", "c0c0"},
		{"deep nesting", strings.Repeat("91", MaxDepth+2) + "c0"},
	} {
		b, _ := hex.DecodeString(tc.hex)
		if v, err := DecodeMsgpack(b); err == nil {
			t.Errorf("%s: decoded %#v, want an error", tc.name, v)
		}
	}
}

// Objects decode as JavaScript builds them (array-index keys first, in numeric order; a
// repeated key keeps its first place and takes the last value; undefined values left
// out when written) and numbers are written as JavaScript prints them (so that a
// JavaScript client reads as the same number).
func TestDecodeObjectsLikeJavaScript(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"83a16101a16202a16103", `{"a":3,"b":2}`},
		{"85a16201aa3432393439363732393502aa3432393439363732393403a2313004a13905", `{"9":5,"10":4,"4294967294":3,"b":1,"4294967295":2}`},
		{"cf8000000000000001", `9223372036854775809`},
		{"d3ffffff0000000000", `-1099511627776`},
		{"cb3ff8000000000000", `1.5`},
		{"cb4059000000000000", `100`},
		{"ca3fc00000", `1.5`},
		{"cb8000000000000000", `0`},        // -0
		{"cb444b1ae4d6e2ef50", `1e+21`},    // 1e21
		{"cb3eb0c6f7a0b5ed8d", `0.000001`}, // 1e-6
		{"92c0d40000", `[null,null]`},
		{"82a17ad40000a17901", `{"y":1}`},
	} {
		b, _ := hex.DecodeString(tc.in)
		v, err := DecodeMsgpack(b)
		if err != nil {
			t.Fatalf("%s: %v", tc.in, err)
		}
		got, err := Marshal(v)
		if err != nil || string(got) != tc.want {
			t.Errorf("%s: got %s (%v), want %s", tc.in, got, err, tc.want)
		}
	}
}

// normalize makes decoded and re-decoded values comparable: numbers as float64,
// objects as [[key, value], ...] without their undefined keys, undefined as nil.
func normalize(v any) any {
	switch x := v.(type) {
	case int64:
		return float64(x)
	case uint64:
		return float64(x)
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = normalize(e)
		}
		return out
	case Object:
		out := make([]any, 0, len(x))
		for _, e := range x {
			if !IsUndefined(e.Value) {
				out = append(out, []any{e.Key, normalize(e.Value)})
			}
		}
		return out
	case Undefined:
		return nil
	}
	return v
}

// FuzzMsgpackRoundTrip: whatever decodes survives encode and decode unchanged (as a
// JavaScript value: an integral float comes back as an int); nothing panics.
func FuzzMsgpackRoundTrip(f *testing.F) {
	for _, tc := range msgpackCases {
		b, _ := hex.DecodeString(tc.hex)
		f.Add(b)
	}
	for _, h := range []string{"dd7fffffff", "c6ffffffff", "d40000", "d6ff00000001", "c7030501020385a16201aa3432393439363732393502"} {
		b, _ := hex.DecodeString(h)
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		v, err := DecodeMsgpack(b)
		if err != nil {
			return
		}
		enc, err := EncodeMsgpack(v)
		if err != nil {
			t.Fatalf("decoded %#v but cannot encode it: %v", v, err)
		}
		v2, err := DecodeMsgpack(enc)
		if err != nil {
			t.Fatalf("cannot decode what was encoded (%x): %v", enc, err)
		}
		// Compared through a second encoding: go-cmp is far too slow on the deep
		// nestings the fuzzer builds (600 levels took minutes); the diff is only for
		// the failure message.
		enc2, err := EncodeMsgpack(v2)
		if err != nil {
			t.Fatalf("cannot encode the second decoding %#v: %v", v2, err)
		}
		if !bytes.Equal(enc, enc2) {
			t.Fatalf("round trip changed the value (-first +second):\n%s", cmp.Diff(normalize(v), normalize(v2), cmpopts.EquateNaNs()))
		}
	})
}
