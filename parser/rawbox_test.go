package parser

import (
	"bytes"
	"encoding/json"
	"reflect"
	"runtime"
	"testing"
)

// A boxed json.RawMessage behaves as one converted the usual way: type assertion,
// type switch, reflection, encoding/json, and it outlives a GC that frees nothing it
// points into.
func TestBoxRaw(t *testing.T) {
	c := &decoded{}
	raw := json.RawMessage(`["chat",{"a":1}]`)
	c.Data = boxRaw(&raw)
	pkt := &c.Packet
	c = nil
	runtime.GC()
	runtime.GC()

	raw, ok := pkt.Data.(json.RawMessage)
	if !ok || string(raw) != `["chat",{"a":1}]` {
		t.Fatalf("Data.(json.RawMessage) = %q, %v", raw, ok)
	}
	switch v := pkt.Data.(type) {
	case []byte:
		t.Fatalf("type switch matched []byte with %q", v)
	case json.RawMessage:
	default:
		t.Fatalf("type switch: %T", v)
	}
	if rt := reflect.TypeOf(pkt.Data); rt != reflect.TypeFor[json.RawMessage]() {
		t.Fatalf("reflect.TypeOf = %v", rt)
	}
	if got := reflect.ValueOf(pkt.Data).Bytes(); !bytes.Equal(got, raw) {
		t.Fatalf("reflect Bytes = %q", got)
	}
	out, err := json.Marshal(pkt.Data)
	if err != nil || string(out) != `["chat",{"a":1}]` {
		t.Fatalf("json.Marshal = %s, %v", out, err)
	}
	var iface any = json.RawMessage(`["chat",{"a":1}]`)
	if !reflect.DeepEqual(iface, pkt.Data) {
		t.Fatal("DeepEqual with a converted json.RawMessage is false")
	}
}

// Decoding a packet costs two allocations: the packet (with its Data bytes and a single
// attachment's slice together) and the interface box for Data.
func TestDecodeAllocs(t *testing.T) {
	p := New(nil)
	d := p.NewJSONDecoder()
	text := Frame{Data: []byte(`2["chat",{"user":"a","text":"hello"}]`)}
	if n := testing.AllocsPerRun(100, func() {
		if _, err := d.Decode(text); err != nil {
			t.Fatal(err)
		}
	}); n > 2 {
		t.Errorf("Decode(text) allocates %v times; want 2", n)
	}
	bin := []Frame{{Data: []byte(`51-["up",{"_placeholder":true,"num":0}]`)}, {Data: []byte{1}, Binary: true}}
	if n := testing.AllocsPerRun(100, func() {
		for _, f := range bin {
			if _, err := d.Decode(f); err != nil {
				t.Fatal(err)
			}
		}
	}); n > 2 {
		t.Errorf("Decode(binary) allocates %v times; want 2", n)
	}
}
