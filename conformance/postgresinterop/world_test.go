package postgresinterop

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"testing"
	"time"

	"github.com/gosockio/gosockio/adapter/postgres"
	"github.com/gosockio/gosockio/conformance/internal/nodeenv"
	"github.com/gosockio/gosockio/conformance/internal/nodeworld"
	"github.com/gosockio/gosockio/socketio"
	"github.com/jackc/pgx/v5/pgxpool"
)

// world is a cluster of two Go servers (0 and 1) and one Node server (2) on one
// PostgreSQL, with a channel prefix and an attachment table of its own.
type world struct {
	nodeworld.World
	prefix string
	table  string
	admin  *pgxpool.Pool
	gos    []*socketio.Server
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
	w := &world{World: nodeworld.World{T: t, CallTimeout: 30 * time.Second}, prefix: "gsio" + randomHex(4), table: "gsio_att_" + randomHex(4), ssl: make(chan string, 64)}
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
		srv := w.ServeGo(i, factory, w.ssl)
		w.gos = append(w.gos, srv)
	}
	w.Node = nodeenv.StartBridge(t, "postgres-node.js", nil)
	var started struct{ Port int }
	w.Call(map[string]any{"op": "start", "pg": dsn, "channelPrefix": w.prefix, "tableName": w.table, "heartbeatInterval": heartbeat.Milliseconds()}, &started)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = w.Node.Call(ctx, map[string]any{"op": "stop"}, nil)
	})
	w.URLs = append(w.URLs, fmt.Sprintf("http://127.0.0.1:%d", started.Port))
	waitFor(t, "every server to count 3 servers", func() bool {
		for _, g := range w.gos {
			if n, err := g.Adapter().ServerCount(context.Background()); err != nil || n != 3 {
				return false
			}
		}
		var n int
		w.Call(map[string]any{"op": "serverCount"}, &n)
		return n == 3
	})
	return w
}

// expect checks that each client receives exactly the events listed for it, in any
// order, nothing else and nothing twice. Node's adapter may reorder a server's
// messages (it reads attachments asynchronously and sends through several pool
// connections at once), so no marker can close the list: expect reads each client's
// events until it has them all, then sends a barrier broadcast from every server and
// checks that nothing else arrived before the three barriers.
func (w *world) expect(events map[string][]string) {
	w.T.Helper()
	for name, evs := range events {
		if extra := w.UntilAll(name, evs...); len(extra) > 0 {
			w.T.Errorf("client %s got unexpected events %.200q", name, extra)
		}
	}
	for i, g := range w.gos {
		if err := g.Emit("barrier", i); err != nil {
			w.T.Fatal(err)
		}
	}
	w.Call(map[string]any{"op": "emit", "args": []any{"barrier", 2}}, nil)
	for name := range events {
		if extra := w.UntilAll(name, `["barrier",0]`, `["barrier",1]`, `["barrier",2]`); len(extra) > 0 {
			w.T.Errorf("client %s got unexpected events %.200q (duplicates or wrong recipients)", name, extra)
		}
	}
}

func (w *world) count(sql string) int {
	w.T.Helper()
	var n int
	if err := w.admin.QueryRow(context.Background(), sql).Scan(&n); err != nil {
		w.T.Fatal(err)
	}
	return n
}

// waitFor fails t if cond does not hold within 20s.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	nodeworld.WaitFor(t, what, 20*time.Second, cond)
}

// want fails t unless got and wnt hold the same strings in any order.
func want(t *testing.T, what string, got, wnt []string) {
	t.Helper()
	nodeworld.Want(t, what, got, wnt)
}
