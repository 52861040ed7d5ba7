package redisinterop

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/gosockio/gosockio/adapter"
	redisadapter "github.com/gosockio/gosockio/adapter/redis"
	goredis "github.com/redis/go-redis/v9"
)

// A Node server that stops answering mid-request: Go's requests fail after
// RequestsTimeout with a clear error, and work again once it is back.
func TestMixedUnresponsiveNodeServer(t *testing.T) {
	// Classic only: the Node sharded adapter has no requestsTimeout option.
	w := newWorld(t, 400*time.Millisecond, "")
	connectAll(w)
	g0 := w.gos[0].srv

	w.Call(map[string]any{"op": "hang", "ms": 1500}, nil)
	if _, err := g0.FetchSockets(context.Background()); !errors.Is(err, redisadapter.ErrRequestTimeout) || !strings.Contains(err.Error(), "fetchSockets: 1 of 2 servers answered") {
		t.Fatalf("FetchSockets while the Node server hangs: err = %v", err)
	}
	// The adapter returns what did arrive with the error.
	socks, err := g0.Adapter().FetchSockets(context.Background(), &adapter.BroadcastOptions{})
	if !errors.Is(err, redisadapter.ErrRequestTimeout) || len(socks) != 2 {
		t.Errorf("adapter FetchSockets returned %d sockets and %v, want the 2 of the Go servers and a timeout", len(socks), err)
	}
	answers, err := g0.ServerSideEmitWithAck(context.Background(), "hello", "x")
	if !errors.Is(err, redisadapter.ErrRequestTimeout) || fmt.Sprint(answers) != "[go1]" {
		t.Fatalf("ServerSideEmitWithAck while the Node server hangs = %v, %v", answers, err)
	}
	<-w.ssl

	// Back: the late answers to the old requests are ignored, new requests complete.
	waitFor(t, "the Node server to answer again", func() bool {
		socks, err := g0.FetchSockets(context.Background())
		return err == nil && len(socks) == 3
	})
	must(t, g0.Emit("after"))
	for c := range 3 {
		want(t, fmt.Sprintf("c%d", c), w.Collect(fmt.Sprintf("c%d", c), 1), []string{`["after"]`})
	}
}

// killClients closes every Redis connection whose name starts with prefix.
func killClients(t *testing.T, admin *goredis.Client, prefix string) int {
	t.Helper()
	list, err := admin.ClientList(context.Background()).Result()
	if err != nil {
		t.Fatal(err)
	}
	killed := 0
	for _, line := range strings.Split(list, "\n") {
		var id, name string
		for _, f := range strings.Fields(line) {
			if v, ok := strings.CutPrefix(f, "id="); ok {
				id = v
			}
			if v, ok := strings.CutPrefix(f, "name="); ok {
				name = v
			}
		}
		if id != "" && name != "" && strings.HasPrefix(name, prefix) {
			if err := admin.Do(context.Background(), "CLIENT", "KILL", "ID", id).Err(); err != nil {
				t.Fatal(err)
			}
			killed++
		}
	}
	return killed
}

// The Go servers' Redis connections are killed mid-test: they reconnect, subscribe
// again and the mixed cluster works as before, without a panic.
func TestMixedResumesAfterConnectionsKilled(t *testing.T) {
	modes(t, testMixedResumesAfterConnectionsKilled)
}

func testMixedResumesAfterConnectionsKilled(t *testing.T, mode redisadapter.SubscriptionMode) {
	w := newWorld(t, 5*time.Second, mode)
	connectAll(w)
	admin := newRedis(t, "admin-"+randomHex(4))
	if n := killClients(t, admin, w.key+"-go"); n < 2 {
		t.Fatalf("killed %d connections, want at least one per Go server", n)
	}
	waitFor(t, "every server to count 3 servers again", func() bool {
		for _, g := range w.gos {
			if n, err := g.srv.Adapter().ServerCount(context.Background()); err != nil || n != 3 {
				return false
			}
		}
		return true
	})
	must(t, w.gos[1].srv.Emit("m", "go1"))
	w.Call(map[string]any{"op": "emit", "args": []any{"m", "node"}}, nil)
	for c := range 3 {
		want(t, fmt.Sprintf("c%d", c), w.Collect(fmt.Sprintf("c%d", c), 2), []string{`["m","go1"]`, `["m","node"]`})
	}
	socks, err := w.gos[0].srv.FetchSockets(context.Background())
	if err != nil || len(socks) != 3 {
		t.Errorf("FetchSockets after reconnecting = %d, %v", len(socks), err)
	}
	var nodeSocks []struct{ ID string }
	w.Call(map[string]any{"op": "fetchSockets"}, &nodeSocks)
	if len(nodeSocks) != 3 {
		t.Errorf("Node fetchSockets after the Go servers reconnected = %v", nodeSocks)
	}
}
