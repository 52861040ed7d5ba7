package client

import (
	"encoding/json"
	"errors"
	"reflect"
	"testing"
)

func TestArgsDecode(t *testing.T) {
	a, err := argsFromData(json.RawMessage(`["s",1.5,{"b":{"_placeholder":true,"num":0},"n":2},{"_placeholder":true,"num":1},null]`), [][]byte{{1}, {2, 3}})
	if err != nil {
		t.Fatal(err)
	}
	if a.Len() != 5 || string(a.Raw(0)) != `"s"` || a.Raw(9) != nil || len(a.Attachments()) != 2 {
		t.Fatalf("Len %d Raw %s", a.Len(), a.Raw(0))
	}
	var s string
	var f float64
	var st struct {
		B []byte
		N int
	}
	var b []byte
	if err := a.Scan(&s, &f, &st, &b); err != nil {
		t.Fatal(err)
	}
	if s != "s" || f != 1.5 || string(st.B) != "\x01" || st.N != 2 || string(b) != "\x02\x03" {
		t.Fatalf("decoded %q %v %+v %v", s, f, st, b)
	}
	vals := a.Values()
	want := []any{"s", 1.5, map[string]any{"b": []byte{1}, "n": 2.0}, []byte{2, 3}, nil}
	if !reflect.DeepEqual(vals, want) {
		t.Fatalf("Values %#v", vals)
	}
	if err := a.Decode(0, s); err == nil {
		t.Fatal("Decode into a non-pointer succeeded")
	}
	var n int
	if err := a.Decode(0, &n); err == nil {
		t.Fatal("Decode of a string into an int succeeded")
	}
	if got, _ := json.Marshal(Args{}); string(got) != "[]" {
		t.Fatalf("empty Args marshal to %s", got)
	}
}

func TestHandlerShapes(t *testing.T) {
	for _, bad := range []any{nil, 42, func(...int) {}, func() int { return 0 }, func(func(), int) {}, func(Args, int) {}, func(func() int) {}} {
		if _, err := newHandler(bad); err == nil {
			t.Errorf("newHandler(%T) accepted", bad)
		}
	}
	a, _ := argsFromData(json.RawMessage(`["x",1,2]`), nil)
	var got []any
	h, err := newHandler(func(s string, rest Args, ack func(...any)) error {
		got = append(got, s, rest.Len())
		ack("a", 1)
		return errors.New("boom")
	})
	if err != nil {
		t.Fatal(err)
	}
	var acked []any
	err = h.call("ev", a, func(v []any) { acked = v })
	if err == nil || !reflect.DeepEqual(got, []any{"x", 2}) || !reflect.DeepEqual(acked, []any{"a", 1}) {
		t.Fatalf("err %v got %v acked %v", err, got, acked)
	}
	h2, _ := newHandler(func(n int) {})
	var ae *ArgsError
	if err := h2.call("ev", a, nil); !errors.As(err, &ae) || ae.Index != 0 || ae.Event != "ev" {
		t.Fatalf("err %v, want *ArgsError at 0", err)
	}
}
