package parser_test

import (
	"encoding/json"
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/gosockio/gosockio/parser"
)

func TestSplitArray(t *testing.T) {
	cases := []struct {
		in   string
		want []json.RawMessage
	}{
		{``, []json.RawMessage{}},
		{` [ ] `, []json.RawMessage{}},
		{`["chat",{"user":"a","text":"hello"}]`, []json.RawMessage{raw(`"chat"`), raw(`{"user":"a","text":"hello"}`)}},
		{` [ 1 , "a,]" , [2,[3]] ,null,{"_placeholder":true,"num":0} ] `, []json.RawMessage{raw(`1`), raw(`"a,]"`), raw(`[2,[3]]`), raw(`null`), raw(`{"_placeholder":true,"num":0}`)}},
	}
	for _, tc := range cases {
		got, err := parser.SplitArray([]byte(tc.in))
		if err != nil {
			t.Fatalf("SplitArray(%q): %v", tc.in, err)
		}
		if diff := cmp.Diff(tc.want, got); diff != "" {
			t.Errorf("SplitArray(%q) (-want +got):\n%s", tc.in, diff)
		}
	}
	for _, bad := range []string{`{}`, `[1,]`, `[1`, `[1] x`, `"a"`, `[01]`} {
		if _, err := parser.SplitArray([]byte(bad)); err == nil {
			t.Errorf("SplitArray(%q) succeeded; want an error", bad)
		}
	}
	var buf [4]json.RawMessage
	data := []byte(`["a",1]`)
	if n := testing.AllocsPerRun(100, func() { _, _ = parser.AppendArray(buf[:0], data) }); n != 0 {
		t.Errorf("AppendArray into a buffer allocates %v times", n)
	}
}

func TestPlaceholder(t *testing.T) {
	cases := []struct {
		in   string
		num  int
		isPH bool
	}{
		{`{"_placeholder":true,"num":0}`, 0, true},
		{` {"num":3, "_placeholder":true} `, 3, true},
		{`{"_placeholder":true,"num":2.0}`, 2, true},
		{`{"\u005fplaceholder":true,"num":1}`, 1, true},
		{`{"_placeholder":true,"num":1,"_placeholder":false}`, 0, false}, // last key wins, as JSON.parse
		{`{"_placeholder":false,"num":0}`, 0, false},
		{`{"_placeholder":"true","num":0}`, 0, false},
		{`{"_placeholder":true,"num":-1}`, 0, false},
		{`{"_placeholder":true,"num":0.5}`, 0, false},
		{`{"_placeholder":true}`, 0, false},
		{`[{"_placeholder":true,"num":0}]`, 0, false},
		{`"x"`, 0, false},
		{`{"_placeholder":true,"num":0`, 0, false},
	}
	for _, tc := range cases {
		num, ok := parser.Placeholder([]byte(tc.in))
		if ok != tc.isPH || num != tc.num {
			t.Errorf("Placeholder(%s) = %d, %v; want %d, %v", tc.in, num, ok, tc.num, tc.isPH)
		}
	}
	atts := [][]byte{{1}, {2}}
	if b, ok := parser.Attachment(raw(`{"_placeholder":true,"num":1}`), atts); !ok || b[0] != 2 {
		t.Errorf("Attachment = %v, %v; want [2], true", b, ok)
	}
	if _, ok := parser.Attachment(raw(`{"_placeholder":true,"num":2}`), atts); ok {
		t.Error("Attachment out of range succeeded")
	}
	if _, ok := parser.Attachment(raw(`{"_placeholder":true,"num":0}`), nil); ok {
		t.Error("Attachment without attachments succeeded (a non-binary packet keeps its placeholders)")
	}
}

func TestReconstruct(t *testing.T) {
	p := parser.New(nil)
	atts := [][]byte{{1}, {2}}
	got, err := p.Reconstruct([]byte(`["f",{"a":[{"_placeholder":true,"num":1}],"b":{"_placeholder":true,"num":0,"x":{"_placeholder":true,"num":9}}},1]`), atts)
	if err != nil {
		t.Fatal(err)
	}
	want := []any{"f", map[string]any{"a": []any{[]byte{2}}, "b": []byte{1}}, 1.0}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatalf("(-want +got):\n%s", diff)
	}
	// Without attachments (a non-binary packet) placeholders stay objects, as in Node.
	got, err = p.Reconstruct([]byte(`{"_placeholder":true,"num":0}`), nil)
	if err != nil || !cmp.Equal(got, map[string]any{"_placeholder": true, "num": 0.0}) {
		t.Fatalf("Reconstruct without attachments = %v, %v", got, err)
	}
	if _, err := p.Reconstruct([]byte(`[{"_placeholder":true,"num":2}]`), atts); !errors.Is(err, parser.ErrInvalidPlaceholder) {
		t.Fatalf("out of range: %v; want ErrInvalidPlaceholder", err)
	}
	if _, err := p.Reconstruct([]byte(`[`), atts); !errors.Is(err, parser.ErrInvalidJSON) {
		t.Fatalf("invalid JSON: %v; want ErrInvalidJSON", err)
	}
	// json.Number from a codec that keeps numbers.
	v, err := parser.ReplacePlaceholders(map[string]any{"_placeholder": true, "num": json.Number("1")}, atts)
	if err != nil || !cmp.Equal(v, []byte{2}) {
		t.Fatalf("ReplacePlaceholders(json.Number) = %v, %v", v, err)
	}
}

func TestEventName(t *testing.T) {
	cases := []struct{ in, want string }{
		{`"chat"`, "chat"},
		{`"\u0063h\"at\ud83d\ude00"`, "ch\"at\U0001F600"},
		{`"\ud800"`, "\uFFFD"},
		{`1`, "1"}, {`1.0`, "1"}, {`-0`, "0"}, {`1e21`, "1e+21"}, {`1e20`, "100000000000000000000"},
		{`0.000001`, "0.000001"}, {`1e-7`, "1e-7"}, {`1.5`, "1.5"}, {`123e-20`, "1.23e-18"}, {`1e400`, "Infinity"},
	}
	for _, tc := range cases {
		got, err := parser.EventName([]byte(tc.in))
		if err != nil || got != tc.want {
			t.Errorf("EventName(%s) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
	for _, bad := range []string{``, `true`, `{}`, `"a`} {
		if _, err := parser.EventName([]byte(bad)); !errors.Is(err, parser.ErrInvalidEventName) {
			t.Errorf("EventName(%q) = %v; want ErrInvalidEventName", bad, err)
		}
	}
}

func TestSplitNamespaceQuery(t *testing.T) {
	for _, tc := range []struct{ in, name, query string }{
		{"/admin?token=abc", "/admin", "token=abc"},
		{"/admin", "/admin", ""},
		{"/a?x=1#frag", "/a", "x=1"},
	} {
		if n, q := parser.SplitNamespaceQuery(tc.in); n != tc.name || q != tc.query {
			t.Errorf("SplitNamespaceQuery(%q) = %q, %q; want %q, %q", tc.in, n, q, tc.name, tc.query)
		}
	}
}

func TestIsReservedEvent(t *testing.T) {
	for _, n := range []string{"connect", "connect_error", "disconnect", "disconnecting", "newListener", "removeListener"} {
		if !parser.IsReservedEvent(n) {
			t.Errorf("IsReservedEvent(%q) = false", n)
		}
	}
	if parser.IsReservedEvent("message") {
		t.Error(`IsReservedEvent("message") = true`)
	}
}
