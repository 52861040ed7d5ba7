package parser_test

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/gosockio/gosockio/parser"
)

// checkDecodeInto feeds f to into with DecodeInto and checks that it gives what Decode
// gave for the same frame (pkt, err) on a decoder in the same state.
func checkDecodeInto(t *testing.T, into *parser.JSONDecoder, f parser.Frame, pkt *parser.Packet, err error) {
	t.Helper()
	got := parser.Packet{Type: parser.Ack, Namespace: "/stale", Data: "stale"} // overwritten
	ok, ierr := into.DecodeInto(f, &got)
	if (err == nil) != (ierr == nil) || err != nil && err.Error() != ierr.Error() {
		t.Fatalf("frame %q: Decode error %v, DecodeInto error %v", f.Data, err, ierr)
	}
	if ok != (pkt != nil) {
		t.Fatalf("frame %q: Decode packet %v, DecodeInto ok %v", f.Data, pkt, ok)
	}
	if !ok {
		if !cmp.Equal(got, parser.Packet{}) {
			t.Fatalf("frame %q: DecodeInto without a packet left %+v", f.Data, got)
		}
		return
	}
	if !cmp.Equal(*pkt, got, equate) {
		t.Fatalf("frame %q: (-Decode +DecodeInto):\n%s", f.Data, cmp.Diff(*pkt, got, equate))
	}
}

// DecodeInto gives the packets and errors Decode gives, on every wire case and on
// frame sequences that interleave text and binary frames wrongly.
func TestDecodeIntoMatchesDecode(t *testing.T) {
	seqs := [][]parser.Frame{
		{text(`51-["a",{"_placeholder":true,"num":0}]`), text(`2["b"]`), text(`2["c"]`)},
		{{Data: []byte{1}, Binary: true}, text(`21["x",1]`)},
		{text(`52-/n,7["a",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]`),
			{Data: []byte{1}, Binary: true}, {Data: []byte{2}, Binary: true}, text(`3/n,7[]`)},
		{text(`9`), text(`2`), text(``), text(`2/a`), text(`2[`), text(`21x`)},
	}
	for _, tc := range wireCases {
		seqs = append(seqs, tc.frames)
	}
	for _, rev := range []parser.Revision{parser.V5, parser.V4} {
		for _, frames := range seqs {
			p := parser.New(&parser.Options{Revision: rev})
			d, into := p.NewDecoder(), p.NewJSONDecoder()
			for _, f := range frames {
				pkt, err := d.Decode(f)
				checkDecodeInto(t, into, f, pkt, err)
			}
		}
	}
}

// DecodeInto decodes a text packet with one allocation (boxing Data), Decode with two.
func TestDecodeIntoAllocs(t *testing.T) {
	d := parser.New(nil).NewJSONDecoder()
	f := text(`20["echo",{"p":"` + strings.Repeat("x", 100) + `"}]`)
	var p parser.Packet
	into := testing.AllocsPerRun(100, func() {
		if ok, err := d.DecodeInto(f, &p); !ok || err != nil {
			t.Fatal(ok, err)
		}
	})
	if into > 1 {
		t.Errorf("DecodeInto: %v allocations per packet, want 1", into)
	}
	decode := testing.AllocsPerRun(100, func() {
		if _, err := d.Decode(f); err != nil {
			t.Fatal(err)
		}
	})
	if decode > 2 {
		t.Errorf("Decode: %v allocations per packet, want 2", decode)
	}
}
