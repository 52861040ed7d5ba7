package parser_test

import (
	"encoding/json"
	"testing"

	"github.com/gosockio/gosockio/parser"
)

// countingCodec is a JSONCodec that counts its calls.
type countingCodec struct{ marshal, unmarshal int }

func (c *countingCodec) Marshal(v any) ([]byte, error) {
	c.marshal++
	return json.Marshal(v)
}

func (c *countingCodec) Unmarshal(data []byte, v any) error {
	c.unmarshal++
	return json.Unmarshal(data, v)
}

func TestCustomCodec(t *testing.T) {
	c := &countingCodec{}
	p := parser.New(&parser.Options{JSON: c})
	type point struct{ X, Y int }
	frames, err := p.Encode(&parser.Packet{Type: parser.Event, Data: []any{"p", point{1, 2}, "s", 3}})
	if err != nil {
		t.Fatal(err)
	}
	if got := string(frames[0].Data); got != `2["p",{"X":1,"Y":2},"s",3]` || c.marshal != 1 {
		t.Fatalf("Encode = %s with %d Marshal calls; want one call for the struct", got, c.marshal)
	}
	if _, err := p.Encode(&parser.Packet{Type: parser.Event, Data: []any{"s", 1, []byte{1}}}); err != nil || c.marshal != 1 {
		t.Fatalf("the fast path called Marshal (%d calls, err %v)", c.marshal, err)
	}
	if _, err := p.Reconstruct([]byte(`[1]`), nil); err != nil || c.unmarshal != 1 {
		t.Fatalf("Reconstruct: %v, %d Unmarshal calls", err, c.unmarshal)
	}
}

func TestStdJSONNoHTMLEscape(t *testing.T) {
	b, err := parser.StdJSON{}.Marshal(map[string]string{"a": "<&>"})
	if err != nil || string(b) != `{"a":"<&>"}` {
		t.Fatalf("Marshal = %s, %v", b, err)
	}
}
