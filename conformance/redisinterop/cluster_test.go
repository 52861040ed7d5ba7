package redisinterop

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	redisadapter "github.com/gosockio/gosockio/adapter/redis"
)

// connectAll connects client c<i> to server i (go0, go1, node) and returns the ids.
func connectAll(w *world) [3]string {
	var ids [3]string
	for i := range 3 {
		ids[i] = w.Connect(fmt.Sprintf("c%d", i), i)
	}
	return ids
}

func TestMixedBroadcastReachesEveryClientOnce(t *testing.T) {
	modes(t, testMixedBroadcastReachesEveryClientOnce)
}

func testMixedBroadcastReachesEveryClientOnce(t *testing.T, mode redisadapter.SubscriptionMode) {
	w := newWorld(t, 5*time.Second, mode)
	connectAll(w)
	for i, g := range w.gos {
		if err := g.srv.Emit("m", fmt.Sprintf("go%d", i), []byte{byte(i)}); err != nil {
			t.Fatal(err)
		}
	}
	w.Call(map[string]any{"op": "emit", "args": []any{"m", "node", map[string]any{"$bin": "ff"}}}, nil)
	for i, g := range w.gos {
		if err := g.srv.Emit("end", i); err != nil {
			t.Fatal(err)
		}
	}
	w.Call(map[string]any{"op": "emit", "args": []any{"end", 2}}, nil)
	all := []string{
		`["m","go0",{"$bin":"00"}]`, `["m","go1",{"$bin":"01"}]`, `["m","node",{"$bin":"ff"}]`,
		`["end",0]`, `["end",1]`, `["end",2]`,
	}
	// A duplicate from one server would arrive before that server's end marker, so six
	// events holding every marker mean every broadcast arrived exactly once.
	for c := range 3 {
		want(t, fmt.Sprintf("client on server %d", c), w.Collect(fmt.Sprintf("c%d", c), 6), all)
	}
}

func TestMixedRoomsAndExcept(t *testing.T) { modes(t, testMixedRoomsAndExcept) }

func testMixedRoomsAndExcept(t *testing.T, mode redisadapter.SubscriptionMode) {
	w := newWorld(t, 5*time.Second, mode)
	ids := connectAll(w)
	g0, g1 := w.gos[0].srv, w.gos[1].srv

	g0.In(ids[2]).SocketsJoin("r")                                                                        // Go -> Node
	w.Call(map[string]any{"op": "socketsJoin", "to": []string{ids[1]}, "rooms": []string{"r", "x"}}, nil) // Node -> Go
	g1.In(ids[0]).SocketsJoin("r")                                                                        // Go -> Go
	waitFor(t, "node socket in r", func() bool { return slices.Contains(w.NodeRooms(ids[2]), "r") })
	waitFor(t, "go1 socket in r and x", func() bool {
		r := g1.Adapter().SocketRooms(ids[1])
		return slices.Contains(r, "r") && slices.Contains(r, "x")
	})
	waitFor(t, "go0 socket in r", func() bool { return slices.Contains(g0.Adapter().SocketRooms(ids[0]), "r") })

	must(t, g0.To("r").Except("x").Emit("m", "go0"))
	w.Call(map[string]any{"op": "emit", "to": []string{"r"}, "except": []string{ids[0]}, "args": []any{"m", "node"}}, nil)
	must(t, g1.To("x", ids[2]).Emit("m", "go1"))
	must(t, g0.Emit("end", 0))
	must(t, g1.Emit("end", 1))
	w.Call(map[string]any{"op": "emit", "args": []any{"end", 2}}, nil)
	ends := []string{`["end",0]`, `["end",1]`, `["end",2]`}
	want(t, "c0 (go0, in r)", w.Collect("c0", 4), append([]string{`["m","go0"]`}, ends...))
	want(t, "c1 (go1, in r and x)", w.Collect("c1", 5), append([]string{`["m","node"]`, `["m","go1"]`}, ends...))
	want(t, "c2 (node, in r)", w.Collect("c2", 6), append([]string{`["m","go0"]`, `["m","node"]`, `["m","go1"]`}, ends...))

	w.Call(map[string]any{"op": "socketsLeave", "to": []string{ids[1]}, "rooms": []string{"x"}}, nil)
	waitFor(t, "go1 socket out of x", func() bool { return !slices.Contains(g1.Adapter().SocketRooms(ids[1]), "x") })
	g0.In("r").SocketsLeave("r")
	waitFor(t, "node socket out of r", func() bool { return !slices.Contains(w.NodeRooms(ids[2]), "r") })
}

func TestMixedFetchSocketsAndDisconnect(t *testing.T) { modes(t, testMixedFetchSocketsAndDisconnect) }

func testMixedFetchSocketsAndDisconnect(t *testing.T, mode redisadapter.SubscriptionMode) {
	w := newWorld(t, 5*time.Second, mode)
	ids := connectAll(w)
	g0, g1 := w.gos[0].srv, w.gos[1].srv
	w.Call(map[string]any{"op": "socketsJoin", "to": []string{ids[0], ids[2]}, "rooms": []string{"f"}}, nil)
	waitFor(t, "go0 socket in f", func() bool { return slices.Contains(g0.Adapter().SocketRooms(ids[0]), "f") })
	waitFor(t, "node socket in f", func() bool { return slices.Contains(w.NodeRooms(ids[2]), "f") })

	// Go asks, Node (and Go) answer.
	socks, err := g1.In("f").FetchSockets(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, s := range socks {
		rooms := slices.Clone(s.Rooms)
		slices.Sort(rooms)
		got = append(got, fmt.Sprintf("%s %v %v", s.ID, rooms, s.Data))
	}
	want(t, "Go FetchSockets", got, []string{
		fmt.Sprintf("%s %v map[node:go0]", ids[0], sortedPair(ids[0], "f")),
		fmt.Sprintf("%s %v map[node:node]", ids[2], sortedPair(ids[2], "f")),
	})
	all, err := g1.FetchSockets(context.Background())
	if err != nil || len(all) != 3 {
		t.Fatalf("Go FetchSockets of all = %d sockets, %v", len(all), err)
	}

	// Node asks, Go answers.
	var nodeSocks []struct {
		ID    string
		Rooms []string
		Data  map[string]string
	}
	w.Call(map[string]any{"op": "fetchSockets", "to": []string{"f"}}, &nodeSocks)
	got = got[:0]
	for _, s := range nodeSocks {
		got = append(got, fmt.Sprintf("%s %v %s", s.ID, s.Rooms, s.Data["node"]))
	}
	want(t, "Node fetchSockets", got, []string{
		fmt.Sprintf("%s %v go0", ids[0], sortedPair(ids[0], "f")),
		fmt.Sprintf("%s %v node", ids[2], sortedPair(ids[2], "f")),
	})

	if mode == "" {
		// SOCKETS and ALL_ROOMS, both ways (the classic adapter only).
		all, err := g1.AllSockets(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		want(t, "Go AllSockets", all, ids[:])
		rooms, err := g1.Adapter().(*redisadapter.Adapter).AllRooms(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		want(t, "Go AllRooms", rooms, append(ids[:], "f"))
		var nodeRooms []string
		w.Call(map[string]any{"op": "allRooms"}, &nodeRooms)
		want(t, "Node allRooms", nodeRooms, append(ids[:], "f"))
	}

	// A RemoteSocket of the Node server, driven from Go.
	for _, s := range socks {
		if s.ID == ids[2] {
			must(t, s.Emit("direct", 1))
		}
	}
	want(t, "remote emit to the Node socket", w.Collect("c2", 1), []string{`["direct",1]`})

	g1.In(ids[2]).DisconnectSockets(false) // Go -> Node
	want(t, "c2 disconnected by Go", w.Collect("c2", 1), []string{`["#disconnect","io server disconnect"]`})
	w.Call(map[string]any{"op": "disconnectSockets", "to": []string{ids[1]}, "close": true}, nil) // Node -> Go
	ev := w.Collect("c1", 1)
	if len(ev) != 1 || !strings.HasPrefix(ev[0], `["#disconnect",`) {
		t.Errorf("c1 after Node's disconnectSockets: %q", ev)
	}
	if q := w.Quiet("c0"); len(q) != 0 {
		t.Errorf("c0 (not selected) got %q", q)
	}
}

func sortedPair(a, b string) []string {
	s := []string{a, b}
	slices.Sort(s)
	return s
}

func TestMixedServerSideEmit(t *testing.T) { modes(t, testMixedServerSideEmit) }

func testMixedServerSideEmit(t *testing.T, mode redisadapter.SubscriptionMode) {
	w := newWorld(t, 5*time.Second, mode)
	g0, g1 := w.gos[0].srv, w.gos[1].srv

	answers, err := g0.ServerSideEmitWithAck(context.Background(), "hello", "from-go0")
	if err != nil {
		t.Fatal(err)
	}
	var as []string
	for _, a := range answers {
		as = append(as, fmt.Sprint(a))
	}
	want(t, "answers to Go's serverSideEmitWithAck", as, []string{"go1", "node"})
	if got := <-w.ssl; got != "1:hello:from-go0" {
		t.Errorf("go1 saw %q", got)
	}
	var log []any
	w.Call(map[string]any{"op": "serverSideLog"}, &log)
	if fmt.Sprint(log) != "[[hello from-go0]]" {
		t.Errorf("node saw %v", log)
	}

	var nodeAnswers []string
	w.Call(map[string]any{"op": "serverSideEmitWithAck", "args": []any{"hello", "from-node"}}, &nodeAnswers)
	want(t, "answers to Node's serverSideEmitWithAck", nodeAnswers, []string{"go0", "go1"})
	want(t, "Go servers saw", []string{<-w.ssl, <-w.ssl}, []string{"0:hello:from-node", "1:hello:from-node"})

	must(t, g1.ServerSideEmit("note", "x"))
	w.Call(map[string]any{"op": "serverSideEmit", "args": []any{"note", "y"}}, nil)
	want(t, "Go servers saw notes", []string{<-w.ssl, <-w.ssl, <-w.ssl}, []string{"0:note:x", "0:note:y", "1:note:y"})
	waitFor(t, "node to see note x", func() bool {
		w.Call(map[string]any{"op": "serverSideLog"}, &log)
		return fmt.Sprint(log) == "[[note x]]"
	})
}

func TestMixedBroadcastWithAck(t *testing.T) { modes(t, testMixedBroadcastWithAck) }

func testMixedBroadcastWithAck(t *testing.T, mode redisadapter.SubscriptionMode) {
	w := newWorld(t, 5*time.Second, mode)
	ids := connectAll(w)
	yes := []string{"yes-" + ids[0], "yes-" + ids[1], "yes-" + ids[2]}

	as, err := w.gos[0].srv.Timeout(5*time.Second).EmitWithAck(context.Background(), "ask", 1)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, a := range as {
		var s string
		must(t, a.Decode(0, &s))
		got = append(got, s)
	}
	want(t, "answers to Go's broadcast", got, yes)

	var nodeGot []string
	w.Call(map[string]any{"op": "emitWithAck", "args": []any{"ask", 2}, "timeout": 5000}, &nodeGot)
	want(t, "answers to Node's broadcast", nodeGot, yes)
	for c := range 3 {
		want(t, fmt.Sprintf("c%d", c), w.Collect(fmt.Sprintf("c%d", c), 2), []string{`["ask",1]`, `["ask",2]`})
	}

	// One socket of the Node server, from Go (expectSingleResponse).
	socks, err := w.gos[1].srv.In(ids[2]).FetchSockets(context.Background())
	if err != nil || len(socks) != 1 {
		t.Fatalf("FetchSockets(node socket) = %v, %v", socks, err)
	}
	a, err := socks[0].Timeout(5*time.Second).EmitWithAck(context.Background(), "ask", 3)
	if err != nil {
		t.Fatal(err)
	}
	var s string
	must(t, a.Decode(0, &s))
	if s != yes[2] {
		t.Errorf("remote socket answered %q", s)
	}
}

// The emitters speak the classic adapter's channels only (as @socket.io/redis-emitter).
func TestMixedEmitters(t *testing.T) {
	w := newWorld(t, 5*time.Second, "")
	ids := connectAll(w)
	em := redisadapter.NewEmitter(newRedis(t, w.key+"-emitter"), &redisadapter.EmitterOptions{Key: w.key})
	ctx := context.Background()

	w.Call(map[string]any{"op": "emitter", "key": w.key, "action": "emit", "args": []any{"e", "node-emitter", map[string]any{"$bin": "0102"}}}, nil)
	must(t, em.Emit(ctx, "e", "go-emitter", []byte{7}))
	for c := range 3 {
		want(t, fmt.Sprintf("c%d", c), w.Collect(fmt.Sprintf("c%d", c), 2),
			[]string{`["e","node-emitter",{"$bin":"0102"}]`, `["e","go-emitter",{"$bin":"07"}]`})
	}

	w.Call(map[string]any{"op": "emitter", "key": w.key, "action": "emit", "to": []string{ids[0]}, "args": []any{"only", "c0"}}, nil)
	must(t, em.To(ids[2]).Emit(ctx, "only", "c2"))
	must(t, em.Except(ids[0], ids[2]).Volatile().Emit(ctx, "only", "c1"))
	want(t, "c0", w.Collect("c0", 1), []string{`["only","c0"]`})
	want(t, "c1", w.Collect("c1", 1), []string{`["only","c1"]`})
	want(t, "c2", w.Collect("c2", 1), []string{`["only","c2"]`})

	w.Call(map[string]any{"op": "emitter", "key": w.key, "action": "socketsJoin", "to": []string{ids[1]}, "rooms": []string{"em"}}, nil)
	must(t, em.In(ids[2]).SocketsJoin(ctx, "em"))
	waitFor(t, "go1 socket in em", func() bool { return slices.Contains(w.gos[1].srv.Adapter().SocketRooms(ids[1]), "em") })
	waitFor(t, "node socket in em", func() bool { return slices.Contains(w.NodeRooms(ids[2]), "em") })

	w.Call(map[string]any{"op": "emitter", "key": w.key, "action": "serverSideEmit", "args": []any{"note", "ne"}}, nil)
	must(t, em.ServerSideEmit(ctx, "note", "ge"))
	want(t, "Go servers saw", []string{<-w.ssl, <-w.ssl, <-w.ssl, <-w.ssl}, []string{"0:note:ne", "1:note:ne", "0:note:ge", "1:note:ge"})
	var nodeSaw []string
	waitFor(t, "node to see both notes", func() bool {
		var log []any
		w.Call(map[string]any{"op": "serverSideLog"}, &log)
		for _, e := range log {
			nodeSaw = append(nodeSaw, fmt.Sprint(e))
		}
		return len(nodeSaw) >= 2
	})
	want(t, "node saw", nodeSaw, []string{"[note ne]", "[note ge]"})

	must(t, em.In("em").DisconnectSockets(ctx, false))
	want(t, "c1", w.Collect("c1", 1), []string{`["#disconnect","io server disconnect"]`})
	want(t, "c2", w.Collect("c2", 1), []string{`["#disconnect","io server disconnect"]`})
	w.Call(map[string]any{"op": "emitter", "key": w.key, "action": "disconnectSockets", "to": []string{ids[0]}}, nil)
	want(t, "c0", w.Collect("c0", 1), []string{`["#disconnect","io server disconnect"]`})
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
