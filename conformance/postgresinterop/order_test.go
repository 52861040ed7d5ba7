package postgresinterop

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/gosockio/gosockio/conformance/internal/keyorder"
)

// Object keys keep their order through PostgreSQL: a Node server's broadcast reaches a
// Go client on a Go server with the exact JSON text Node's own clients get, whether it
// came in a JSON notification or as MessagePack through the attachment table (a binary
// argument); a Go server's struct reaches Go and Node clients with its fields in order;
// and a Node server-side event reaches the Go servers' handlers in order.
func TestKeyOrderAcrossServers(t *testing.T) {
	w := newWorld(t)
	notes := make(chan string, 8)
	for _, g := range w.gos {
		g.On("ordnote", func(v json.RawMessage) { notes <- string(v) })
	}
	r := keyorder.Dial(t, w.URLs[0])
	w.Connect("n", 2)
	waitFor(t, "every server to see 2 sockets", func() bool {
		ds, err := w.gos[1].FetchSockets(context.Background())
		return err == nil && len(ds) == 2
	})
	wantEvent := `["ord",` + keyorder.Arg + `]`

	// Node -> Go, in a JSON notification.
	w.Call(map[string]any{"op": "emit", "args": []any{"ord", json.RawMessage(keyorder.Arg)}}, nil)
	keyorder.WantFirst(t, "Node broadcast (notification), Go client on a Go server", r.Next("ord"), keyorder.Arg)
	if got := w.Next("n"); got != wantEvent {
		t.Errorf("Node broadcast, official client on the Node server:\n got %s\nwant %s", got, wantEvent)
	}

	// Node -> Go, as MessagePack in the attachment table.
	w.Call(map[string]any{"op": "emit", "args": []any{"ordbin", json.RawMessage(keyorder.Arg), map[string]any{"$bin": "0102"}}}, nil)
	args := r.Next("ordbin")
	keyorder.WantFirst(t, "Node broadcast (attachment), Go client on a Go server", args, keyorder.Arg)
	if want := `["ordbin",` + keyorder.Arg + `,{"$bin":"0102"}]`; w.Next("n") != want {
		t.Errorf("Node binary broadcast, official client on the Node server: want %s", want)
	}

	// Go -> Go and Go -> Node.
	must(t, w.gos[1].Emit("ord", keyorder.NewPayload()))
	keyorder.WantFirst(t, "Go broadcast, Go client on another Go server", r.Next("ord"), keyorder.Arg)
	if got := w.Next("n"); got != wantEvent {
		t.Errorf("Go broadcast, official client on the Node server:\n got %s\nwant %s", got, wantEvent)
	}

	// Node's server-side event reaches the Go servers' handlers in order.
	w.Call(map[string]any{"op": "serverSideEmit", "args": []any{"ordnote", json.RawMessage(keyorder.Arg)}}, nil)
	for range w.gos {
		if got := <-notes; got != keyorder.Arg {
			t.Errorf("server-side event on a Go server:\n got %s\nwant %s", got, keyorder.Arg)
		}
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
