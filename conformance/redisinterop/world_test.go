package redisinterop

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

	redisadapter "github.com/gosockio/gosockio/adapter/redis"
	"github.com/gosockio/gosockio/conformance/internal/nodeenv"
	"github.com/gosockio/gosockio/socketio"
	goredis "github.com/redis/go-redis/v9"
)

// goServer is one Go server of the cluster.
type goServer struct {
	srv *socketio.Server
	url string
	rdb *goredis.Client
}

// world is a cluster of two Go servers (0 and 1) and one Node server (2).
type world struct {
	t    *testing.T
	key  string
	node *nodeenv.Bridge
	gos  []*goServer
	urls []string
	ssl  chan string // server-side events seen by the Go servers: "<i>:<event>:<arg>"
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func newRedis(t *testing.T, name string) *goredis.Client {
	t.Helper()
	rdb := goredis.NewClient(&goredis.Options{Addr: redisAddr, ClientName: name})
	t.Cleanup(func() { _ = rdb.Close() })
	if err := rdb.Ping(context.Background()).Err(); err != nil {
		t.Fatalf("redis at %s: %v", redisAddr, err)
	}
	return rdb
}

// newWorld starts the cluster with the classic adapter (mode "") or the sharded one in
// subscription mode mode, on both sides.
func newWorld(t *testing.T, requestsTimeout time.Duration, mode redisadapter.SubscriptionMode) *world {
	t.Helper()
	w := &world{t: t, key: "gosockio-interop-" + randomHex(6), ssl: make(chan string, 64)}
	for i := range 2 {
		rdb := newRedis(t, fmt.Sprintf("%s-go%d", w.key, i))
		factory := redisadapter.CreateAdapter(rdb, &redisadapter.Options{Key: w.key, RequestsTimeout: requestsTimeout})
		if mode != "" {
			factory = redisadapter.CreateShardedAdapter(rdb, &redisadapter.ShardedOptions{ChannelPrefix: w.key, SubscriptionMode: mode, RequestsTimeout: requestsTimeout})
		}
		srv, err := socketio.NewServer(&socketio.Options{Adapter: factory})
		if err != nil {
			t.Fatal(err)
		}
		srv.OnConnection(func(s *socketio.Socket) { s.SetData(map[string]any{"node": fmt.Sprintf("go%d", i)}) })
		srv.On("hello", func(arg string, ack func(string)) {
			w.ssl <- fmt.Sprintf("%d:hello:%s", i, arg)
			ack(fmt.Sprintf("go%d", i))
		})
		srv.On("note", func(arg string) { w.ssl <- fmt.Sprintf("%d:note:%s", i, arg) })
		hs := httptest.NewServer(srv)
		t.Cleanup(func() {
			hs.Close()
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			_ = srv.Close(ctx)
		})
		w.gos = append(w.gos, &goServer{srv: srv, url: hs.URL, rdb: rdb})
		w.urls = append(w.urls, hs.URL)
	}
	w.node = nodeenv.StartBridge(t, "redis-node.js", nil)
	var started struct{ Port int }
	w.call(map[string]any{"op": "start", "redis": "redis://" + redisAddr, "key": w.key, "requestsTimeout": requestsTimeout.Milliseconds(), "sharded": string(mode)}, &started)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = w.node.Call(ctx, map[string]any{"op": "stop"}, nil)
	})
	w.urls = append(w.urls, fmt.Sprintf("http://127.0.0.1:%d", started.Port))
	// The Node adapter subscribes without waiting for Redis to confirm.
	waitFor(t, "every server to count 3 servers", func() bool {
		for _, g := range w.gos {
			if n, err := g.srv.Adapter().ServerCount(context.Background()); err != nil || n != 3 {
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
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
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

// collect returns the next n events client name received, each as compact JSON
// ([event, ...args]; binary as {"$bin":"hex"}), sorted.
func (w *world) collect(name string, n int) []string {
	w.t.Helper()
	var evs []json.RawMessage
	w.call(map[string]any{"op": "collect", "c": name, "n": n}, &evs)
	out := make([]string, len(evs))
	for i, e := range evs {
		out[i] = string(e)
	}
	slices.Sort(out)
	return out
}

// until returns the events client name received before one equal to marker (sorted).
func (w *world) until(name, marker string) []string {
	w.t.Helper()
	var before []string
	for {
		evs := w.collect(name, 1)
		if evs[0] == marker {
			slices.Sort(before)
			return before
		}
		before = append(before, evs[0])
	}
}

// quiet returns what client name received and nobody collected.
func (w *world) quiet(name string) []string {
	w.t.Helper()
	var evs []json.RawMessage
	w.call(map[string]any{"op": "quiet", "c": name}, &evs)
	out := make([]string, len(evs))
	for i, e := range evs {
		out[i] = string(e)
	}
	return out
}

// nodeRooms returns the rooms of a socket of the Node server.
func (w *world) nodeRooms(id string) []string {
	var rooms []string
	w.call(map[string]any{"op": "rooms", "id": id}, &rooms)
	return rooms
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		tm := time.NewTimer(10 * time.Millisecond)
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

// modes runs body with the classic adapter and with the sharded adapter in each
// subscription mode.
func modes(t *testing.T, body func(t *testing.T, mode redisadapter.SubscriptionMode)) {
	t.Run("classic", func(t *testing.T) { body(t, "") })
	for _, m := range []redisadapter.SubscriptionMode{redisadapter.Static, redisadapter.Dynamic, redisadapter.DynamicPrivate} {
		t.Run("sharded-"+string(m), func(t *testing.T) { body(t, m) })
	}
}
