package redis_test

import (
	"context"
	"fmt"
	"net"
	"os/exec"
	"slices"
	"strings"
	"testing"
	"time"

	redisadapter "github.com/gosockio/gosockio/adapter/redis"
	"github.com/gosockio/gosockio/socketio"
	"github.com/gosockio/gosockio/socketio/sockettest"
	goredis "github.com/redis/go-redis/v9"
)

// killClients closes every Redis connection named name (CLIENT KILL ID), as a network
// failure or a Redis failover would.
func killClients(t *testing.T, admin *goredis.Client, name string) int {
	t.Helper()
	list, err := admin.ClientList(context.Background()).Result()
	if err != nil {
		t.Fatal(err)
	}
	killed := 0
	for _, line := range strings.Split(list, "\n") {
		var id string
		match := false
		for _, f := range strings.Fields(line) {
			if v, ok := strings.CutPrefix(f, "id="); ok {
				id = v
			}
			if f == "name="+name {
				match = true
			}
		}
		if match && id != "" {
			if err := admin.Do(context.Background(), "CLIENT", "KILL", "ID", id).Err(); err != nil {
				t.Fatal(err)
			}
			killed++
		}
	}
	return killed
}

func TestResumesAfterConnectionsKilled(t *testing.T) {
	nodes := cluster(t, 2, nil)
	a, b := sockettest.NewClient(t, nodes[0].srv, "/"), sockettest.NewClient(t, nodes[1].srv, "/")
	admin := newRedis(t, "admin-"+randomName())
	for _, n := range nodes {
		if killClients(t, admin, n.rdb.Options().ClientName) == 0 {
			t.Fatal("no connection to kill")
		}
	}
	// Each node's subscription is gone until go-redis reconnects and subscribes again.
	waitFor(t, "both nodes subscribed again", func() bool {
		for _, n := range nodes {
			if c, err := n.srv.Adapter().ServerCount(context.Background()); err != nil || c != 2 {
				return false
			}
		}
		return true
	})
	// Broadcasts flow both ways again, each exactly once.
	if err := nodes[0].srv.Emit("from0"); err != nil {
		t.Fatal(err)
	}
	if err := nodes[1].srv.Emit("from1"); err != nil {
		t.Fatal(err)
	}
	for _, c := range []*sockettest.Client{a, b} {
		got := sorted(c.Collect(2))
		if got[0] != `2["from0"]` || got[1] != `2["from1"]` {
			t.Errorf("client %s got %q after reconnecting", c.SID, got)
		}
	}
	socks, err := nodes[1].srv.FetchSockets(context.Background())
	if err != nil || len(socks) != 2 {
		t.Errorf("FetchSockets after reconnecting = %d sockets, %v", len(socks), err)
	}
}

// privateRedis runs a redis-server of this test alone on a free port; restart stops it
// and starts it again on the same port (an empty server, as after a crash).
type privateRedis struct {
	t    *testing.T
	port int
	cmd  *exec.Cmd
}

func startPrivateRedis(t *testing.T) *privateRedis {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	_ = ln.Close()
	r := &privateRedis{t: t, port: port}
	r.start()
	t.Cleanup(r.stop)
	return r
}

func (r *privateRedis) addr() string { return fmt.Sprintf("127.0.0.1:%d", r.port) }

func (r *privateRedis) start() {
	r.t.Helper()
	path, err := exec.LookPath("redis-server")
	if err != nil {
		r.t.Fatal("redis-server is not installed (apt-get install redis-server)")
	}
	r.cmd = exec.Command(path, "--port", fmt.Sprint(r.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no")
	if err := r.cmd.Start(); err != nil {
		r.t.Fatal(err)
	}
	waitFor(r.t, "private redis-server to listen", func() bool {
		c, err := net.DialTimeout("tcp", r.addr(), 100*time.Millisecond)
		if err == nil {
			_ = c.Close()
		}
		return err == nil
	})
}

func (r *privateRedis) stop() {
	if r.cmd != nil && r.cmd.Process != nil {
		_ = r.cmd.Process.Kill()
		_ = r.cmd.Wait()
		r.cmd = nil
	}
}

func TestResumesAfterRedisRestart(t *testing.T) {
	r := startPrivateRedis(t)
	key := prefix(t)
	var nodes []*node
	for i := range 2 {
		rdb := goredis.NewClient(&goredis.Options{Addr: r.addr(), ClientName: fmt.Sprintf("n%d", i), MaxRetries: -1})
		t.Cleanup(func() { _ = rdb.Close() })
		srv, err := socketio.NewServer(&socketio.Options{Adapter: redisadapter.CreateAdapter(rdb, &redisadapter.Options{Key: key, RequestsTimeout: time.Second})})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			_ = srv.Close(ctx)
		})
		nodes = append(nodes, &node{key: key, srv: srv, rdb: rdb})
	}
	a, b := sockettest.NewClient(t, nodes[0].srv, "/"), sockettest.NewClient(t, nodes[1].srv, "/")

	r.stop()
	// While Redis is down a broadcast still reaches the local sockets and reports the
	// failed publish.
	if err := nodes[0].srv.Emit("down"); err == nil {
		t.Error("Emit while Redis is down returned no error")
	}
	if got := a.Next(); got != `2["down"]` {
		t.Errorf("local delivery while Redis is down: %q", got)
	}
	if _, err := nodes[0].srv.FetchSockets(context.Background()); err == nil {
		t.Error("FetchSockets while Redis is down returned no error")
	}
	r.start()

	waitFor(t, "both nodes subscribed again", func() bool {
		for _, n := range nodes {
			if c, err := n.srv.Adapter().ServerCount(context.Background()); err != nil || c != 2 {
				return false
			}
		}
		return true
	})
	must(t, nodes[0].srv.Emit("up", 0))
	must(t, nodes[1].srv.Emit("up", 1))
	for _, c := range []*sockettest.Client{a, b} {
		got := sorted(c.Collect(2))
		if !slices.Equal(got, []string{`2["up",0]`, `2["up",1]`}) {
			t.Errorf("client %s after the restart: %q", c.SID, got)
		}
	}
}
