package parser

import (
	"encoding/json"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// The fast path and the general path write the same bytes.
func TestEncodeFlatMatchesGeneral(t *testing.T) {
	p := New(nil)
	data := []any{"e", "q\"\n\u2028\xff", 1, int64(-2), uint8(3), 1.5, float32(2.5), nil, true, json.RawMessage(` {"a":1} `), json.Number("7"), []byte{1}, []byte{2}}
	pkt := &Packet{Type: Event, Namespace: "/n", ID: 3, HasID: true, Data: data}
	flat, ok, err := p.encodeFlat(pkt, Event, "/n", data)
	if !ok || err != nil {
		t.Fatalf("encodeFlat: ok %v, err %v", ok, err)
	}
	general, err := p.encodeGeneral(pkt, Event, "/n", data)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(general, flat); diff != "" {
		t.Fatalf("(-general +flat):\n%s", diff)
	}
	if cap(flat[0].Data) > len(flat[0].Data)+headerLen("/n")+25*len(data) {
		t.Errorf("fast path text frame: len %d cap %d; the size estimate is off", len(flat[0].Data), cap(flat[0].Data))
	}
}

// Args that are already JSON, strings, numbers or []byte cost the text frame and the
// frames slice, nothing more.
func TestEncodeFlatAllocs(t *testing.T) {
	p := New(nil)
	pkt := &Packet{Type: Event, Data: []any{"chat", json.RawMessage(`{"user":"a","text":"hello"}`), []byte{1, 2}, 42, 1.5}}
	allocs := testing.AllocsPerRun(100, func() {
		if _, err := p.Encode(pkt); err != nil {
			t.Fatal(err)
		}
	})
	if allocs > 2 {
		t.Fatalf("Encode allocates %v times; want 2 (text frame and frames slice)", allocs)
	}
}
