package msgpack_test

import (
	"testing"

	"github.com/gosockio/gosockio/parser"
	"github.com/gosockio/gosockio/parser/msgpack"
)

var benchPackets = map[string]*parser.Packet{
	"small": {Type: parser.Event, Data: []any{"chat", "hello world", 42}},
	"binary": {Type: parser.Event, Namespace: "/files", ID: 12, HasID: true,
		Data: []any{"upload", map[string]any{"name": "a.png", "size": 4096}, make([]byte, 4096)}},
	"nested": {Type: parser.Event, Data: []any{"state", map[string]any{
		"users": []any{map[string]any{"id": 1, "name": "ann", "tags": []any{"a", "b"}}, map[string]any{"id": 2, "name": "bob", "tags": []any{}}},
		"score": 12.5, "ok": true}}},
}

func BenchmarkEncode(b *testing.B) {
	mp := msgpack.New(nil)
	for name, p := range benchPackets {
		b.Run(name, func(b *testing.B) {
			frames, _ := mp.Encode(p)
			b.SetBytes(int64(len(frames[0].Data)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := mp.Encode(p); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkDecode(b *testing.B) {
	mp := msgpack.New(nil)
	for name, p := range benchPackets {
		b.Run(name, func(b *testing.B) {
			frames, _ := mp.Encode(p)
			d := mp.NewDecoder()
			b.SetBytes(int64(len(frames[0].Data)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := d.Decode(frames[0]); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkJSONParser is the default JSON parser on the same packets, for
// comparison.
func BenchmarkJSONParser(b *testing.B) {
	jp := parser.New(nil)
	for name, p := range benchPackets {
		b.Run("encode/"+name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := jp.Encode(p); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run("decode/"+name, func(b *testing.B) {
			frames, _ := jp.Encode(p)
			b.ReportAllocs()
			for b.Loop() {
				d := jp.NewDecoder()
				for _, f := range frames {
					if _, err := d.Decode(f); err != nil {
						b.Fatal(err)
					}
				}
			}
		})
	}
}
