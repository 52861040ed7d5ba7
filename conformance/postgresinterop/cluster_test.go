package postgresinterop

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"
)

// Broadcasts from each of the three servers (Go, Go, Node), with a binary argument
// (sent through the attachment table), reach every client of the cluster exactly once.
func TestBroadcastsReachEveryClientOnce(t *testing.T) {
	w := newWorld(t)
	clients := map[string]int{"c0": 0, "c1": 1, "c2": 2, "c2b": 2}
	for name, i := range clients {
		w.Connect(name, i)
	}
	for i, g := range w.gos {
		if err := g.Emit("m", fmt.Sprintf("go%d", i), map[string]any{"bin": []byte{byte(i)}}); err != nil {
			t.Fatal(err)
		}
	}
	w.Call(map[string]any{"op": "emit", "args": []any{"m", "node", map[string]any{"bin": map[string]any{"$bin": "02"}}}}, nil)
	all := []string{
		`["m","go0",{"bin":{"$bin":"00"}}]`,
		`["m","go1",{"bin":{"$bin":"01"}}]`,
		`["m","node",{"bin":{"$bin":"02"}}]`,
	}
	events := map[string][]string{}
	for name := range clients {
		events[name] = all
	}
	w.expect(events)
}

// Rooms joined and left through another server, in both directions, and To/Except
// selections sent by Go and by Node reach exactly the selected sockets.
func TestRoomsAndExceptAcrossNodes(t *testing.T) {
	w := newWorld(t)
	a, b, n := w.Connect("a", 0), w.Connect("b", 1), w.Connect("n", 2)

	w.gos[0].In(n).SocketsJoin("r")
	w.Call(map[string]any{"op": "socketsJoin", "to": []string{b}, "rooms": []string{"r", "x"}}, nil)
	w.gos[0].In(a).SocketsJoin("r")
	waitFor(t, "the Node socket in r", func() bool { return slices.Contains(w.NodeRooms(n), "r") })
	waitFor(t, "b in r and x", func() bool {
		rooms := w.gos[1].Adapter().SocketRooms(b)
		return slices.Contains(rooms, "r") && slices.Contains(rooms, "x")
	})

	if err := w.gos[0].To("r").Except("x").Emit("m", "go-r-except-x"); err != nil {
		t.Fatal(err)
	}
	w.Call(map[string]any{"op": "emit", "to": []string{"r"}, "except": []string{a}, "args": []any{"m", "node-r-except-a"}}, nil)
	if err := w.gos[1].To("x", n).Emit("m", "go-x-or-n"); err != nil {
		t.Fatal(err)
	}
	w.expect(map[string][]string{
		"a": {`["m","go-r-except-x"]`},
		"b": {`["m","node-r-except-a"]`, `["m","go-x-or-n"]`},
		"n": {`["m","go-r-except-x"]`, `["m","node-r-except-a"]`, `["m","go-x-or-n"]`},
	})

	w.Call(map[string]any{"op": "socketsLeave", "to": []string{b}, "rooms": []string{"r"}}, nil)
	w.gos[1].In(n).SocketsLeave("r")
	waitFor(t, "b out of r", func() bool { return !slices.Contains(w.gos[1].Adapter().SocketRooms(b), "r") })
	waitFor(t, "the Node socket out of r", func() bool { return !slices.Contains(w.NodeRooms(n), "r") })
}

func ids(sockets []struct {
	ID    string
	Rooms []string
	Data  map[string]any
}) []string {
	out := make([]string, 0, len(sockets))
	for _, s := range sockets {
		out = append(out, s.ID)
	}
	return out
}

// fetchSockets, serverSideEmit with and without answers, a broadcast with
// acknowledgements and disconnectSockets issued from Go are answered by Node (and
// the other Go server).
func TestRequestsFromGoAnsweredByNode(t *testing.T) {
	w := newWorld(t)
	a, b, n := w.Connect("a", 0), w.Connect("b", 1), w.Connect("n", 2)
	ctx := context.Background()

	all, err := w.gos[0].FetchSockets(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, s := range all {
		got = append(got, s.ID)
		if s.ID == n {
			if fmt.Sprint(s.Data) != "map[node:node]" || !slices.Contains(s.Rooms, n) {
				t.Errorf("the Node socket as Go sees it: %+v", s)
			}
		}
	}
	want(t, "FetchSockets from Go", got, []string{a, b, n})
	only, err := w.gos[0].In(n).FetchSockets(ctx)
	if err != nil || len(only) != 1 || only[0].ID != n {
		t.Errorf("In(node socket).FetchSockets = %v, %v", only, err)
	}

	answers, err := w.gos[0].ServerSideEmitWithAck(ctx, "hello", "from-go")
	if err != nil {
		t.Fatal(err)
	}
	var as []string
	for _, v := range answers {
		as = append(as, fmt.Sprint(v))
	}
	want(t, "ServerSideEmitWithAck answers", as, []string{"go1", "node"})
	if err := w.gos[0].ServerSideEmit("note", "plain"); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "Node to log both server-side events", func() bool {
		var log []json.RawMessage
		w.Call(map[string]any{"op": "serverSideLog"}, &log)
		for _, l := range log {
			got = append(got, string(l))
		}
		return slices.Contains(got, `["hello","from-go"]`) && slices.Contains(got, `["note","plain"]`)
	})
	want(t, "Go server 1's server-side events", []string{<-w.ssl, <-w.ssl}, []string{"1:hello:from-go", "1:note:plain"})

	ackCtx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	acks, err := w.gos[0].Timeout(10*time.Second).EmitWithAck(ackCtx, "q", 1)
	if err != nil {
		t.Fatal(err)
	}
	var ackStrs []string
	for _, x := range acks {
		ackStrs = append(ackStrs, fmt.Sprint(x.Values()...))
	}
	want(t, "EmitWithAck answers", ackStrs, []string{"yes-" + a, "yes-" + b, "yes-" + n})
	for _, name := range []string{"a", "b", "n"} {
		if ev := w.Next(name); ev != `["q",1]` {
			t.Errorf("client %s got %s, want the acknowledged event", name, ev)
		}
	}

	w.gos[0].In(n).DisconnectSockets(false)
	if ev := w.Next("n"); ev != `["#disconnect","io server disconnect"]` {
		t.Errorf("the Node client got %s, want its disconnection", ev)
	}
}

// fetchSockets, serverSideEmit with and without answers, a broadcast with
// acknowledgements, socketsJoin and disconnectSockets issued from Node are answered by
// the Go servers.
func TestRequestsFromNodeAnsweredByGo(t *testing.T) {
	w := newWorld(t)
	a, b, n := w.Connect("a", 0), w.Connect("b", 1), w.Connect("n", 2)

	var sockets []struct {
		ID    string
		Rooms []string
		Data  map[string]any
	}
	w.Call(map[string]any{"op": "fetchSockets"}, &sockets)
	want(t, "fetchSockets from Node", ids(sockets), []string{a, b, n})
	for _, s := range sockets {
		if s.ID == a && (fmt.Sprint(s.Data) != "map[node:go0]" || !slices.Contains(s.Rooms, a)) {
			t.Errorf("the Go socket as Node sees it: %+v", s)
		}
	}

	var answers []string
	w.Call(map[string]any{"op": "serverSideEmitWithAck", "args": []any{"hello", "from-node"}}, &answers)
	want(t, "serverSideEmitWithAck answers", answers, []string{"go0", "go1"})
	w.Call(map[string]any{"op": "serverSideEmit", "args": []any{"note", "n1"}}, nil)
	want(t, "Go server-side events", []string{<-w.ssl, <-w.ssl, <-w.ssl, <-w.ssl},
		[]string{"0:hello:from-node", "1:hello:from-node", "0:note:n1", "1:note:n1"})

	var acks []string
	w.Call(map[string]any{"op": "emitWithAck", "args": []any{"q", 2}, "timeout": 10000}, &acks)
	want(t, "emitWithAck answers", acks, []string{"yes-" + a, "yes-" + b, "yes-" + n})
	for _, name := range []string{"a", "b", "n"} {
		if ev := w.Next(name); ev != `["q",2]` {
			t.Errorf("client %s got %s, want the acknowledged event", name, ev)
		}
	}

	w.Call(map[string]any{"op": "socketsJoin", "to": []string{a}, "rooms": []string{"z"}}, nil)
	waitFor(t, "a in z", func() bool { return slices.Contains(w.gos[0].Adapter().SocketRooms(a), "z") })
	w.Call(map[string]any{"op": "disconnectSockets", "to": []string{b}, "close": true}, nil)
	if ev := w.Next("b"); !strings.HasPrefix(ev, `["#disconnect",`) {
		t.Errorf("client b got %s, want its disconnection", ev)
	}
}

// A message over the 8000-byte threshold goes through the attachment table in both
// directions: broadcasts and server-side emits (with answers) from Go reach Node and
// from Node reach Go.
func TestLargePayloadBothWays(t *testing.T) {
	w := newWorld(t)
	w.Connect("a", 0)
	w.Connect("n", 2)
	fromGo, fromNode := strings.Repeat("g", 20000), strings.Repeat("n", 20000)

	if err := w.gos[0].Emit("big", fromGo); err != nil {
		t.Fatal(err)
	}
	if n := w.count("SELECT count(*) FROM " + w.table); n < 1 {
		t.Errorf("the attachment table has %d rows after a 20 kB broadcast from Go", n)
	}
	w.Call(map[string]any{"op": "emit", "args": []any{"big", fromNode}}, nil)
	bigs := []string{`["big","` + fromGo + `"]`, `["big","` + fromNode + `"]`}
	w.expect(map[string][]string{"a": bigs, "n": bigs})

	w.Call(map[string]any{"op": "serverSideEmit", "args": []any{"note", fromNode}}, nil)
	want(t, "Go server-side events", []string{<-w.ssl, <-w.ssl}, []string{"0:note:" + fromNode[:40], "1:note:" + fromNode[:40]})
	answers, err := w.gos[0].ServerSideEmitWithAck(context.Background(), "hello", fromGo)
	if err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(answers); got != "[go1 node]" && got != "[node go1]" {
		t.Errorf("answers to a large server-side emit: %s", got)
	}
	<-w.ssl // go1's hello
	var log [][]string
	w.Call(map[string]any{"op": "serverSideLog"}, &log)
	if len(log) != 1 || len(log[0]) != 2 || log[0][1] != fromGo {
		t.Errorf("Node's server-side log has %d entries, want the large hello", len(log))
	}
}
