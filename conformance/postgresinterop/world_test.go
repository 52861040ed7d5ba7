package postgresinterop

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gosockio/gosockio/adapter/postgres"
	"github.com/gosockio/gosockio/conformance/internal/nodeenv"
	"github.com/gosockio/gosockio/socketio"
	"github.com/jackc/pgx/v5/pgxpool"
)

// world is a cluster of two Go servers (0 and 1) and one Node server (2) on one
// PostgreSQL, with a channel prefix and an attachment table of its own.
type world struct {
	t      *testing.T
	prefix string
	table  string
	admin  *pgxpool.Pool
	node   *nodeenv.Bridge
	gos    []*socketio.Server
	urls   []string
	ssl    chan string // server-side events seen by the Go servers: "<i>:<event>:<arg>"
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func newPool(t *testing.T) *pgxpool.Pool {
	t.Helper()
	pool, err := pgxpool.New(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	return pool
}

// heartbeat is the heartbeat interval of every server: Node's adapter starts
// listening after it announces itself, so it learns of the Go servers from their next
// heartbeat.
const heartbeat = 300 * time.Millisecond

func newWorld(t *testing.T) *world {
	t.Helper()
	w := &world{t: t, prefix: "gsio" + randomHex(4), table: "gsio_att_" + randomHex(4), ssl: make(chan string, 64)}
	w.admin = newPool(t)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if _, err := w.admin.Exec(ctx, "DROP TABLE IF EXISTS "+w.table); err != nil {
			t.Errorf("drop %s: %v", w.table, err)
		}
	})
	for i := range 2 {
		factory := postgres.CreateAdapter(newPool(t), &postgres.Options{
			ChannelPrefix: w.prefix, TableName: w.table, CreateTable: true,
			HeartbeatInterval: heartbeat,
		})
		srv, err := socketio.NewServer(&socketio.Options{Adapter: factory})
		if err != nil {
			t.Fatal(err)
		}
		srv.OnConnection(func(s *socketio.Socket) { s.SetData(map[string]any{"node": fmt.Sprintf("go%d", i)}) })
		srv.On("hello", func(arg string, ack func(string)) {
			w.ssl <- fmt.Sprintf("%d:hello:%s", i, arg)
			ack(fmt.Sprintf("go%d", i))
		})
		srv.On("note", func(arg string) { w.ssl <- fmt.Sprintf("%d:note:%.40s", i, arg) })
		hs := httptest.NewServer(srv)
		t.Cleanup(func() {
			hs.Close()
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			_ = srv.Close(ctx)
		})
		w.gos = append(w.gos, srv)
		w.urls = append(w.urls, hs.URL)
	}
	w.node = nodeenv.StartBridge(t, "postgres-node.js", nil)
	var started struct{ Port int }
	w.call(map[string]any{"op": "start", "pg": dsn, "channelPrefix": w.prefix, "tableName": w.table, "heartbeatInterval": heartbeat.Milliseconds()}, &started)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = w.node.Call(ctx, map[string]any{"op": "stop"}, nil)
	})
	w.urls = append(w.urls, fmt.Sprintf("http://127.0.0.1:%d", started.Port))
	waitFor(t, "every server to count 3 servers", func() bool {
		for _, g := range w.gos {
			if n, err := g.Adapter().ServerCount(context.Background()); err != nil || n != 3 {
				return false
			}
		}
		var n int
		w.call(map[string]any{"op": "serverCount"}, &n)
		return n == 3
	})
	return w
}

func (w *world) call(req map[string]any, resp any) {
	w.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := w.node.Call(ctx, req, resp); err != nil {
		w.t.Fatalf("node %s: %v", req["op"], err)
	}
}

// connect connects an official client named name to server i and returns its id.
func (w *world) connect(name string, i int) string {
	w.t.Helper()
	var r struct{ ID string }
	w.call(map[string]any{"op": "connect", "c": name, "url": w.urls[i]}, &r)
	return r.ID
}

// next returns the next event client name received, as compact JSON
// ([event, ...args]; binary as {"$bin":"hex"}).
func (w *world) next(name string) string {
	w.t.Helper()
	var evs []json.RawMessage
	w.call(map[string]any{"op": "collect", "c": name, "n": 1}, &evs)
	return string(evs[0])
}

// untilAll returns the events client name received until it has seen every marker
// (a marker listed twice must be seen twice), sorted.
func (w *world) untilAll(name string, markers ...string) []string {
	w.t.Helper()
	left := slices.Clone(markers)
	var others []string
	for len(left) > 0 {
		ev := w.next(name)
		if i := slices.Index(left, ev); i >= 0 {
			left = slices.Delete(left, i, i+1)
			continue
		}
		others = append(others, ev)
	}
	slices.Sort(others)
	return others
}

// expect checks that each client receives exactly the events listed for it, in any
// order, nothing else and nothing twice. Node's adapter may reorder a server's
// messages (it reads attachments asynchronously and sends through several pool
// connections at once), so no marker can close the list: expect reads each client's
// events until it has them all, then sends a barrier broadcast from every server and
// checks that nothing else arrived before the three barriers.
func (w *world) expect(events map[string][]string) {
	w.t.Helper()
	for name, evs := range events {
		if extra := w.untilAll(name, evs...); len(extra) > 0 {
			w.t.Errorf("client %s got unexpected events %.200q", name, extra)
		}
	}
	for i, g := range w.gos {
		if err := g.Emit("barrier", i); err != nil {
			w.t.Fatal(err)
		}
	}
	w.call(map[string]any{"op": "emit", "args": []any{"barrier", 2}}, nil)
	for name := range events {
		if extra := w.untilAll(name, `["barrier",0]`, `["barrier",1]`, `["barrier",2]`); len(extra) > 0 {
			w.t.Errorf("client %s got unexpected events %.200q (duplicates or wrong recipients)", name, extra)
		}
	}
}

// nodeRooms returns the rooms of a socket of the Node server.
func (w *world) nodeRooms(id string) []string {
	var rooms []string
	w.call(map[string]any{"op": "rooms", "id": id}, &rooms)
	return rooms
}

func (w *world) count(sql string) int {
	w.t.Helper()
	var n int
	if err := w.admin.QueryRow(context.Background(), sql).Scan(&n); err != nil {
		w.t.Fatal(err)
	}
	return n
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting for %s", what)
		}
		tm := time.NewTimer(20 * time.Millisecond)
		<-tm.C
	}
}

func want(t *testing.T, what string, got, want []string) {
	t.Helper()
	g, wn := slices.Clone(got), slices.Clone(want)
	slices.Sort(g)
	slices.Sort(wn)
	if !slices.Equal(g, wn) {
		t.Errorf("%s:\n got %s\nwant %s", what, strings.Join(g, " "), strings.Join(wn, " "))
	}
}
