package redis

import (
	"testing"

	"github.com/gosockio/gosockio/adapter"
	"github.com/gosockio/gosockio/parser"
)

// The per-broadcast work of the adapter besides Redis itself: building and encoding
// the published message, and decoding it on the other servers.

var benchPacket = &parser.Packet{Type: parser.Event, Data: []any{"chat", map[string]any{"user": "ada", "text": "hello, world", "n": 42}, []byte("0123456789abcdef")}}

func BenchmarkEncodeBroadcast(b *testing.B) {
	opts := &adapter.BroadcastOptions{Rooms: []string{"lobby"}, Except: []string{"muted"}}
	b.ReportAllocs()
	for b.Loop() {
		pkt, err := wirePacket(benchPacket, "/")
		if err != nil {
			b.Fatal(err)
		}
		msg, err := encodeMsgpack([]any{"abc123", pkt, wireOpts(opts)})
		if err != nil {
			b.Fatal(err)
		}
		b.SetBytes(int64(len(msg)))
	}
}

func BenchmarkDecodeBroadcast(b *testing.B) {
	pkt, _ := wirePacket(benchPacket, "/")
	msg, err := encodeMsgpack([]any{"abc123", pkt, wireOpts(&adapter.BroadcastOptions{Rooms: []string{"lobby"}})})
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(msg)))
	b.ReportAllocs()
	for b.Loop() {
		v, err := decodeMsgpack(msg)
		if err != nil {
			b.Fatal(err)
		}
		arr := v.([]any)
		if _, _, err := decodeBroadcast(arr[1].(map[string]any), arr[2].(map[string]any)); err != nil {
			b.Fatal(err)
		}
	}
}
