package redisinterop

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	redisadapter "github.com/gosockio/gosockio/adapter/redis"
	"github.com/gosockio/gosockio/conformance/internal/keyorder"
)

// Object keys keep their order through Redis, in every direction: a Node server's
// broadcast reaches the clients of a Go server (Go's client, which shows the exact
// bytes, and the official client) with its keys as Node wrote them, as a Node server
// delivers it; a Go server's struct reaches Node's and Go's clients with its fields in
// order; server-side events and their answers keep it too; and so does
// @socket.io/redis-emitter's emit (classic adapter).
func TestMixedKeyOrder(t *testing.T) {
	for _, mode := range []redisadapter.SubscriptionMode{"", redisadapter.Static} {
		name := "classic"
		if mode != "" {
			name = "sharded-" + string(mode)
		}
		t.Run(name, func(t *testing.T) { testMixedKeyOrder(t, mode) })
	}
}

func testMixedKeyOrder(t *testing.T, mode redisadapter.SubscriptionMode) {
	w := newWorld(t, 5*time.Second, mode)
	notes := make(chan string, 8)
	for _, g := range w.gos {
		g.srv.On("ordnote", func(v json.RawMessage) { notes <- string(v) })
		g.srv.On("ordask", func(v json.RawMessage, ack func(keyorder.Payload)) { ack(keyorder.NewPayload()) })
	}
	r0 := keyorder.Dial(t, w.URLs[0])
	w.Connect("c0", 0)
	w.Connect("c2", 2)
	// r0 and c0 are on go0, c2 on the Node server; wait until the cluster knows r0.
	waitFor(t, "every server to see 3 sockets", func() bool {
		ids, err := w.gos[1].srv.FetchSockets(context.Background())
		return err == nil && len(ids) == 3
	})
	wantEvent := `["ord",` + keyorder.Arg + `]`

	// Node -> Go.
	w.Call(map[string]any{"op": "emit", "args": []any{"ord", json.RawMessage(keyorder.Arg)}}, nil)
	keyorder.WantFirst(t, "Node broadcast, Go client on a Go server", r0.Next("ord"), keyorder.Arg)
	want(t, "Node broadcast, official client on a Go server", w.Collect("c0", 1), []string{wantEvent})
	want(t, "Node broadcast, official client on the Node server", w.Collect("c2", 1), []string{wantEvent})

	// Go -> Node and Go -> Go.
	must(t, w.gos[1].srv.Emit("ord", keyorder.NewPayload()))
	keyorder.WantFirst(t, "Go broadcast, Go client on another Go server", r0.Next("ord"), keyorder.Arg)
	want(t, "Go broadcast, official client on another Go server", w.Collect("c0", 1), []string{wantEvent})
	want(t, "Go broadcast, official client on the Node server", w.Collect("c2", 1), []string{wantEvent})

	// Server-side events, Node -> Go, and Go's answers to Node.
	w.Call(map[string]any{"op": "serverSideEmit", "args": []any{"ordnote", json.RawMessage(keyorder.Arg)}}, nil)
	for range w.gos {
		select {
		case got := <-notes:
			if got != keyorder.Arg {
				t.Errorf("server-side event on a Go server:\n got %s\nwant %s", got, keyorder.Arg)
			}
		case <-time.After(20 * time.Second):
			t.Fatal("a Go server did not receive the server-side event")
		}
	}
	var answers []json.RawMessage
	w.Call(map[string]any{"op": "serverSideEmitWithAck", "args": []any{"ordask", "x"}, "timeout": 5000}, &answers)
	if len(answers) != 2 {
		t.Fatalf("serverSideEmitWithAck: %d answers, want 2", len(answers))
	}
	for _, a := range answers {
		if string(a) != keyorder.Arg {
			t.Errorf("Go server's answer as Node sees it:\n got %s\nwant %s", a, keyorder.Arg)
		}
	}

	if mode != "" {
		return // @socket.io/redis-emitter speaks the classic adapter only
	}
	w.Call(map[string]any{"op": "emitter", "action": "emit", "key": w.key, "args": []any{"ord", json.RawMessage(keyorder.Arg)}}, nil)
	keyorder.WantFirst(t, "Node emitter, Go client on a Go server", r0.Next("ord"), keyorder.Arg)
	want(t, "Node emitter, official client on a Go server", w.Collect("c0", 1), []string{wantEvent})
	want(t, "Node emitter, official client on the Node server", w.Collect("c2", 1), []string{wantEvent})

	// Our emitter, Go -> Node.
	em := redisadapter.NewEmitter(w.gos[0].rdb, &redisadapter.EmitterOptions{Key: w.key})
	must(t, em.Emit(context.Background(), "ord", keyorder.NewPayload()))
	keyorder.WantFirst(t, "Go emitter, Go client on a Go server", r0.Next("ord"), keyorder.Arg)
	want(t, "Go emitter, official client on the Node server", w.Collect("c2", 1), []string{wantEvent})
	want(t, "Go emitter, official client on a Go server", w.Collect("c0", 1), []string{wantEvent})
}

// The same through the streams adapter (with connection state recovery, so an offset
// is appended to each event): Node -> Go and Go -> Node.
func TestStreamsMixedKeyOrder(t *testing.T) {
	w := newStreamsWorld(t, true)
	r := keyorder.Dial(t, w.goURL)
	w.connect("c", w.nodeURL, false)
	w.nodeEmit(map[string]any{"op": "emit", "args": []any{"ord", json.RawMessage(keyorder.Arg)}})
	args := r.Next("ord")
	keyorder.WantFirst(t, "Node broadcast, Go client on the Go server", args, keyorder.Arg)
	if len(args) != 2 || !strings.HasPrefix(args[1], `"`) {
		t.Errorf("Node broadcast: arguments %v, want the object and an offset", args)
	}
	if got := w.collect("c", 1)[0]; !strings.HasPrefix(got, `["ord",`+keyorder.Arg+`,"`) {
		t.Errorf("Node broadcast, official client on the Node server: %s", got)
	}

	must(t, w.goSrv.Emit("ord", keyorder.NewPayload()))
	keyorder.WantFirst(t, "Go broadcast, Go client on the Go server", r.Next("ord"), keyorder.Arg)
	if got := w.collect("c", 1)[0]; !strings.HasPrefix(got, `["ord",`+keyorder.Arg+`,"`) {
		t.Errorf("Go broadcast, official client on the Node server: %s", got)
	}
}
