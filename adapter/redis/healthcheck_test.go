package redis_test

import (
	"context"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gosockio/gosockio/adapter"
	redisadapter "github.com/gosockio/gosockio/adapter/redis"
	"github.com/gosockio/gosockio/socketio"
	"github.com/gosockio/gosockio/socketio/sockettest"
	goredis "github.com/redis/go-redis/v9"
)

// freezer is a TCP proxy to Redis whose connections can be frozen: a frozen connection
// stays open at both ends but the proxy forwards none of its bytes any more, in either
// direction, as when a network partition silently drops packets (no FIN, no RST).
// Connections opened after a freeze work normally.
type freezer struct {
	t      *testing.T
	ln     net.Listener
	stop   chan struct{} // closed by close
	wg     sync.WaitGroup
	mu     sync.Mutex
	conns  map[string]*proxied // by the address Redis sees (upstream local address)
	closed bool
}

// proxied is one client connection and its upstream connection to Redis.
type proxied struct {
	down, up net.Conn
	mu       sync.Mutex
	frozen   bool
}

func newFreezer(t *testing.T) *freezer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	f := &freezer{t: t, ln: ln, stop: make(chan struct{}), conns: make(map[string]*proxied)}
	f.wg.Add(1)
	go f.accept() // stopped by close (closes the listener)
	t.Cleanup(f.close)
	return f
}

func (f *freezer) addr() string { return f.ln.Addr().String() }

func (f *freezer) accept() {
	defer f.wg.Done()
	for {
		down, err := f.ln.Accept()
		if err != nil {
			return
		}
		up, err := net.Dial("tcp", redisAddr)
		if err != nil {
			_ = down.Close()
			continue
		}
		p := &proxied{down: down, up: up}
		f.mu.Lock()
		if f.closed {
			f.mu.Unlock()
			_ = down.Close()
			_ = up.Close()
			return
		}
		f.conns[up.LocalAddr().String()] = p
		f.wg.Add(2)
		f.mu.Unlock()
		go f.pipe(p, up, down) // both stopped by close (closes the connections)
		go f.pipe(p, down, up)
	}
}

// pipe forwards src to dst until either side closes, or, once p is frozen, swallows
// what arrives and then stops reading, leaving both connections open until close.
func (f *freezer) pipe(p *proxied, dst, src net.Conn) {
	defer f.wg.Done()
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		if p.isFrozen() {
			<-f.stop
			return
		}
		if n > 0 {
			if _, werr := dst.Write(buf[:n]); werr != nil {
				err = werr
			}
		}
		if err != nil {
			_ = p.down.Close()
			_ = p.up.Close()
			return
		}
	}
}

func (p *proxied) isFrozen() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.frozen
}

// freeze freezes the connection Redis knows by its address redisSide ("addr=" in
// CLIENT LIST).
func (f *freezer) freeze(redisSide string) {
	f.t.Helper()
	f.mu.Lock()
	p := f.conns[redisSide]
	f.mu.Unlock()
	if p == nil {
		f.t.Fatalf("no proxied connection from %s", redisSide)
	}
	p.mu.Lock()
	p.frozen = true
	p.mu.Unlock()
}

func (f *freezer) close() {
	f.mu.Lock()
	if f.closed {
		f.mu.Unlock()
		return
	}
	f.closed = true
	close(f.stop)
	_ = f.ln.Close()
	for _, p := range f.conns {
		_ = p.down.Close()
		_ = p.up.Close()
	}
	f.mu.Unlock()
	f.wg.Wait()
}

// subscribers returns the addresses ("addr=" in CLIENT LIST) of the connections named
// name that hold subscriptions (sub, psub or ssub > 0).
func subscribers(t *testing.T, admin *goredis.Client, name string) []string {
	t.Helper()
	list, err := admin.ClientList(context.Background()).Result()
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, line := range strings.Split(list, "\n") {
		var addr string
		named, subscribed := false, false
		for _, f := range strings.Fields(line) {
			k, v, _ := strings.Cut(f, "=")
			switch k {
			case "addr":
				addr = v
			case "name":
				named = v == name
			case "sub", "psub", "ssub":
				subscribed = subscribed || (v != "" && v != "0")
			}
		}
		if named && subscribed {
			out = append(out, addr)
		}
	}
	return out
}

// partitionedPair starts two servers on one key prefix: the first reaches Redis
// through a freezer, the second directly. factory builds the adapter of each.
func partitionedPair(t *testing.T, factory func(rdb *goredis.Client, key string) adapter.Factory) (via, direct *node, f *freezer) {
	t.Helper()
	key := prefix(t)
	f = newFreezer(t)
	start := func(addr string) *node {
		rdb := goredis.NewClient(&goredis.Options{Addr: addr, ClientName: key + "-" + randomName()})
		t.Cleanup(func() { _ = rdb.Close() })
		srv, err := socketio.NewServer(&socketio.Options{Adapter: factory(rdb, key)})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			_ = srv.Close(ctx)
		})
		return &node{key: key, srv: srv, rdb: rdb}
	}
	via, direct = start(f.addr()), start(redisAddr)
	waitFor(t, "both servers in the cluster", func() bool {
		n, err := via.srv.Adapter().ServerCount(context.Background())
		return err == nil && n == 2
	})
	return via, direct, f
}

// freezeSubscription freezes n's subscription connection and returns its address.
func freezeSubscription(t *testing.T, admin *goredis.Client, n *node, f *freezer) string {
	t.Helper()
	subs := subscribers(t, admin, n.rdb.Options().ClientName)
	if len(subs) != 1 {
		t.Fatalf("want one subscription connection, CLIENT LIST shows %q", subs)
	}
	f.freeze(subs[0])
	return subs[0]
}

func TestHealthCheckReplacesAFrozenSubscription(t *testing.T) {
	hc := func(rdb *goredis.Client, key string) adapter.Factory {
		return redisadapter.CreateAdapter(rdb, &redisadapter.Options{Key: key, HealthCheckInterval: 200 * time.Millisecond, HealthCheckTimeout: 500 * time.Millisecond})
	}
	shardedHC := func(rdb *goredis.Client, key string) adapter.Factory {
		return redisadapter.CreateShardedAdapter(rdb, &redisadapter.ShardedOptions{ChannelPrefix: key, HealthCheckInterval: 200 * time.Millisecond, HealthCheckTimeout: 500 * time.Millisecond})
	}
	for name, factory := range map[string]func(*goredis.Client, string) adapter.Factory{"classic": hc, "sharded": shardedHC} {
		t.Run(name, func(t *testing.T) {
			via, direct, f := partitionedPair(t, factory)
			a, b := sockettest.NewClient(t, via.srv, "/"), sockettest.NewClient(t, direct.srv, "/")
			admin := newRedis(t, "admin-"+randomName())
			frozen := freezeSubscription(t, admin, via, f)

			// The PINGs go unanswered: the adapter drops the frozen connection and
			// subscribes again on a new one (Redis still lists the frozen one, whose
			// peer never said goodbye).
			name := via.rdb.Options().ClientName
			waitFor(t, "a new subscription connection", func() bool {
				for _, s := range subscribers(t, admin, name) {
					if s != frozen {
						return true
					}
				}
				return false
			})
			// Broadcasts flow both ways again.
			must(t, direct.srv.Emit("resumed", 1))
			if got := a.Next(); got != `2["resumed",1]` {
				t.Errorf("client of the partitioned server got %q", got)
			}
			must(t, via.srv.Emit("resumed", 0))
			if got := b.Until(`2["resumed",0]`); len(got) != 1 || got[0] != `2["resumed",1]` {
				t.Errorf("client of the other server got %q before the partitioned server's broadcast", got)
			}
		})
	}
}

func TestWithoutHealthCheckAFrozenSubscriptionStaysStuck(t *testing.T) {
	off := func(rdb *goredis.Client, key string) adapter.Factory {
		return redisadapter.CreateAdapter(rdb, &redisadapter.Options{Key: key, HealthCheckInterval: -1})
	}
	via, direct, f := partitionedPair(t, off)
	a := sockettest.NewClient(t, via.srv, "/")
	admin := newRedis(t, "admin-"+randomName())
	frozen := freezeSubscription(t, admin, via, f)

	must(t, direct.srv.Emit("lost"))
	// The test with the health check on (200ms + 500ms) recovers well within this
	// window; without it nothing happens: no message, no new connection.
	if m, ok := a.NextWithin(2 * time.Second); ok {
		t.Errorf("client of the partitioned server got %q through a frozen connection", m)
	}
	if subs := subscribers(t, admin, via.rdb.Options().ClientName); len(subs) != 1 || subs[0] != frozen {
		t.Errorf("subscription connections %q, want only the frozen %s", subs, frozen)
	}
}

func TestHealthCheckPingsDoNotDisturbAQuietCluster(t *testing.T) {
	// Without the PINGs, a read would fail after 450ms of silence.
	nodes := cluster(t, 2, &redisadapter.Options{HealthCheckInterval: 50 * time.Millisecond, HealthCheckTimeout: 400 * time.Millisecond})
	a, b := sockettest.NewClient(t, nodes[0].srv, "/"), sockettest.NewClient(t, nodes[1].srv, "/")
	admin := newRedis(t, "admin-"+randomName())
	before := subscribers(t, admin, nodes[0].rdb.Options().ClientName)
	// Let many pings go by on an idle subscription, then check the connection is the
	// same one and still delivers.
	tm := time.NewTimer(1200 * time.Millisecond)
	<-tm.C
	if after := subscribers(t, admin, nodes[0].rdb.Options().ClientName); len(after) != 1 || len(before) != 1 || after[0] != before[0] {
		t.Errorf("subscription connection changed on an idle cluster: %q -> %q", before, after)
	}
	must(t, nodes[1].srv.Emit("quiet"))
	for _, c := range []*sockettest.Client{a, b} {
		if got := c.Next(); got != `2["quiet"]` {
			t.Errorf("client %s got %q", c.SID, got)
		}
	}
}
