package redisinterop

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"testing"
	"time"

	redisadapter "github.com/gosockio/gosockio/adapter/redis"
	"github.com/gosockio/gosockio/conformance/internal/nodeenv"
	"github.com/gosockio/gosockio/conformance/internal/nodeworld"
	"github.com/gosockio/gosockio/socketio"
	goredis "github.com/redis/go-redis/v9"
)

// goServer is one Go server of the cluster.
type goServer struct {
	srv *socketio.Server
	rdb *goredis.Client
}

// world is a cluster of two Go servers (0 and 1) and one Node server (2).
type world struct {
	nodeworld.World
	key string
	gos []*goServer
	ssl chan string // server-side events seen by the Go servers: "<i>:<event>:<arg>"
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
	w := &world{World: nodeworld.World{T: t, CallTimeout: 20 * time.Second}, key: "gosockio-interop-" + randomHex(6), ssl: make(chan string, 64)}
	for i := range 2 {
		rdb := newRedis(t, fmt.Sprintf("%s-go%d", w.key, i))
		factory := redisadapter.CreateAdapter(rdb, &redisadapter.Options{Key: w.key, RequestsTimeout: requestsTimeout})
		if mode != "" {
			factory = redisadapter.CreateShardedAdapter(rdb, &redisadapter.ShardedOptions{ChannelPrefix: w.key, SubscriptionMode: mode, RequestsTimeout: requestsTimeout})
		}
		srv := w.ServeGo(i, factory, w.ssl)
		w.gos = append(w.gos, &goServer{srv: srv, rdb: rdb})
	}
	w.Node = nodeenv.StartBridge(t, "redis-node.js", nil)
	var started struct{ Port int }
	w.Call(map[string]any{"op": "start", "redis": "redis://" + redisAddr, "key": w.key, "requestsTimeout": requestsTimeout.Milliseconds(), "sharded": string(mode)}, &started)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = w.Node.Call(ctx, map[string]any{"op": "stop"}, nil)
	})
	w.URLs = append(w.URLs, fmt.Sprintf("http://127.0.0.1:%d", started.Port))
	// The Node adapter subscribes without waiting for Redis to confirm.
	waitFor(t, "every server to count 3 servers", func() bool {
		for _, g := range w.gos {
			if n, err := g.srv.Adapter().ServerCount(context.Background()); err != nil || n != 3 {
				return false
			}
		}
		var n int
		w.Call(map[string]any{"op": "serverCount"}, &n)
		return n == 3
	})
	return w
}

// waitFor fails t if cond does not hold within 5s.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	nodeworld.WaitFor(t, what, 5*time.Second, cond)
}

// want fails t unless got and wnt hold the same strings in any order.
func want(t *testing.T, what string, got, wnt []string) {
	t.Helper()
	nodeworld.Want(t, what, got, wnt)
}

// modes runs body with the classic adapter and with the sharded adapter in each
// subscription mode.
func modes(t *testing.T, body func(t *testing.T, mode redisadapter.SubscriptionMode)) {
	t.Run("classic", func(t *testing.T) { body(t, "") })
	for _, m := range []redisadapter.SubscriptionMode{redisadapter.Static, redisadapter.Dynamic, redisadapter.DynamicPrivate} {
		t.Run("sharded-"+string(m), func(t *testing.T) { body(t, m) })
	}
}
