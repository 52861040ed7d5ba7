package adapter_test

import (
	"fmt"
	"testing"

	"github.com/gosockio/gosockio/adapter"
	"github.com/gosockio/gosockio/parser"
)

func benchAdapter(n int) *adapter.InMemory {
	members := map[string][]string{}
	for i := range n {
		rooms := []string{"all"}
		if i%2 == 0 {
			rooms = append(rooms, "even")
		}
		members[fmt.Sprintf("s%d", i)] = rooms
	}
	a, nsp, _ := setup(nil, members)
	nsp.discard = true
	return a
}

func BenchmarkBroadcastOneRoom(b *testing.B) {
	a := benchAdapter(1000)
	p := &parser.Packet{Type: parser.Event, Data: []any{"e", 1}}
	opts := &adapter.BroadcastOptions{Rooms: []string{"all"}, Except: []string{"even"}}
	b.ReportAllocs()
	for b.Loop() {
		_ = a.Broadcast(p, opts)
	}
}

func BenchmarkBroadcastTwoRooms(b *testing.B) {
	a := benchAdapter(1000)
	p := &parser.Packet{Type: parser.Event, Data: []any{"e", 1}}
	opts := &adapter.BroadcastOptions{Rooms: []string{"all", "even"}}
	b.ReportAllocs()
	for b.Loop() {
		_ = a.Broadcast(p, opts)
	}
}
