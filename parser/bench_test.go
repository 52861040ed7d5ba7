package parser_test

import (
	"strings"
	"testing"

	"github.com/gosockio/gosockio/parser"
)

// The packets of the shared benchmark table (BENCHMARKS.md); the Node benchmark
// encodes and decodes the same ones.
var benchPackets = []struct {
	name string
	pkt  parser.Packet
}{
	{"small", parser.Packet{Type: parser.Event, Data: []any{"chat", map[string]any{"user": "a", "text": "hello"}}}},
	{"binary1k", parser.Packet{Type: parser.Event, Data: []any{"upload", make([]byte, 1024)}}},
	{"string64k", parser.Packet{Type: parser.Event, Data: []any{"big", strings.Repeat("x", 64<<10)}}},
}

func frameBytes(frames []parser.Frame) int64 {
	var n int64
	for _, f := range frames {
		n += int64(len(f.Data))
	}
	return n
}

func BenchmarkEncode(b *testing.B) {
	p := parser.New(nil)
	for _, bc := range benchPackets {
		b.Run(bc.name, func(b *testing.B) {
			frames, err := p.Encode(&bc.pkt)
			if err != nil {
				b.Fatal(err)
			}
			b.SetBytes(frameBytes(frames))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := p.Encode(&bc.pkt); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkDecode(b *testing.B) {
	p := parser.New(nil)
	for _, bc := range benchPackets {
		b.Run(bc.name, func(b *testing.B) {
			frames, err := p.Encode(&bc.pkt)
			if err != nil {
				b.Fatal(err)
			}
			d := p.NewDecoder()
			b.SetBytes(frameBytes(frames))
			b.ReportAllocs()
			for b.Loop() {
				var got *parser.Packet
				for _, f := range frames {
					if got, err = d.Decode(f); err != nil {
						b.Fatal(err)
					}
				}
				if got == nil {
					b.Fatal("no packet")
				}
			}
		})
	}
}
