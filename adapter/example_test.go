package adapter_test

import (
	"fmt"

	"github.com/gosockio/gosockio/adapter"
	"github.com/gosockio/gosockio/parser"
)

func ExampleInMemory_Broadcast() {
	nsp := newFakeNamespace() // in a server, socketio's namespace
	a := adapter.NewInMemory(nsp, &adapter.Config{Encoder: &countingEncoder{}})
	nsp.a = a
	for _, id := range []string{"alice", "bob", "carol"} {
		nsp.connected[id] = true
		a.AddAll(id, []string{id}) // every socket is in its own room
	}
	a.AddAll("alice", []string{"news"})
	a.AddAll("bob", []string{"news"})

	_ = a.Broadcast(&parser.Packet{Type: parser.Event, Data: []any{"headline", 1}},
		&adapter.BroadcastOptions{Rooms: []string{"news"}, Except: []string{"bob"}})
	for _, d := range nsp.got {
		fmt.Println(d.id, string(d.frames[0].Data))
	}
	// Output:
	// alice 2/chat,["headline",1]
}
