package redis

import (
	"testing"

	"github.com/gosockio/gosockio/adapter"
	"github.com/gosockio/gosockio/adapter/internal/jsvalue"
	"github.com/gosockio/gosockio/parser"
)

// The per-broadcast work of the adapter besides Redis itself: building and encoding
// the published message, and decoding it on the other servers.

var benchPacket = &parser.Packet{Type: parser.Event, Data: []any{"chat", map[string]any{"user": "ada", "text": "hello, world", "n": 42}, []byte("0123456789abcdef")}}

func BenchmarkEncodeBroadcast(b *testing.B) {
	opts := &adapter.BroadcastOptions{Rooms: []string{"lobby"}, Except: []string{"muted"}}
	b.ReportAllocs()
	for b.Loop() {
		pkt, err := jsvalue.WirePacket(benchPacket, "/")
		if err != nil {
			b.Fatal(err)
		}
		msg, err := jsvalue.EncodeMsgpack([]any{"abc123", pkt, wireOpts(opts)})
		if err != nil {
			b.Fatal(err)
		}
		b.SetBytes(int64(len(msg)))
	}
}

func BenchmarkDecodeBroadcast(b *testing.B) {
	pkt, _ := jsvalue.WirePacket(benchPacket, "/")
	msg, err := jsvalue.EncodeMsgpack([]any{"abc123", pkt, wireOpts(&adapter.BroadcastOptions{Rooms: []string{"lobby"}})})
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(msg)))
	b.ReportAllocs()
	for b.Loop() {
		v, err := jsvalue.DecodeMsgpack(msg)
		if err != nil {
			b.Fatal(err)
		}
		arr := v.([]any)
		if _, _, err := decodeBroadcast(arr[1].(jsvalue.Object), arr[2].(jsvalue.Object)); err != nil {
			b.Fatal(err)
		}
	}
}
