package postgres_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"slices"
	"testing"
	"time"

	"github.com/gosockio/gosockio/adapter"
	"github.com/gosockio/gosockio/adapter/postgres"
	"github.com/gosockio/gosockio/socketio"
	"github.com/jackc/pgx/v5/pgxpool"
)

// node is one Go server of a test cluster.
type node struct {
	srv  *socketio.Server
	pool *pgxpool.Pool
}

// cluster is n Go servers on one PostgreSQL, with a channel prefix and an attachment
// table of their own (dropped at the end).
type cluster struct {
	t      *testing.T
	prefix string
	table  string
	admin  *pgxpool.Pool // the test's own queries
	nodes  []*node
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

// newCluster starts n servers with opts (ChannelPrefix, TableName and CreateTable are
// set by the test). With shared, every server uses the same pool and Factory.
func newCluster(t *testing.T, n int, opts postgres.Options, shared bool) *cluster {
	t.Helper()
	c := &cluster{t: t, prefix: "gsio" + randomHex(4), table: "gsio_att_" + randomHex(4)}
	c.admin = newPool(t)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if _, err := c.admin.Exec(ctx, "DROP TABLE IF EXISTS "+c.table); err != nil {
			t.Errorf("drop %s: %v", c.table, err)
		}
	})
	opts.ChannelPrefix, opts.TableName, opts.CreateTable = c.prefix, c.table, true
	var pool *pgxpool.Pool
	var factory adapter.Factory
	for range n {
		if pool == nil || !shared {
			pool = newPool(t)
			factory = postgres.CreateAdapter(pool, &opts)
		}
		srv, err := socketio.NewServer(&socketio.Options{Adapter: factory})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			_ = srv.Close(ctx)
		})
		c.nodes = append(c.nodes, &node{srv: srv, pool: pool})
	}
	c.waitServers(n)
	return c
}

// waitServers waits until every server counts n servers.
func (c *cluster) waitServers(n int) {
	c.t.Helper()
	waitFor(c.t, "every server to count the others", func() bool {
		for _, nd := range c.nodes {
			if got, _ := nd.srv.Adapter().ServerCount(context.Background()); got != n {
				return false
			}
		}
		return true
	})
}

// notify sends payload on the channel of namespace "/", as another server would.
func (c *cluster) notify(payload string) {
	c.t.Helper()
	if _, err := c.admin.Exec(context.Background(), "SELECT pg_notify($1, $2)", c.prefix+"#/", payload); err != nil {
		c.t.Fatal(err)
	}
}

func (c *cluster) count(sql string) int {
	c.t.Helper()
	var n int
	if err := c.admin.QueryRow(context.Background(), sql).Scan(&n); err != nil {
		c.t.Fatal(err)
	}
	return n
}

// waitFor polls cond every 10ms until it holds; it gives up after 20s.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting for %s", what)
		}
		tm := time.NewTimer(10 * time.Millisecond)
		<-tm.C
	}
}

func sorted(s []string) []string { s = slices.Clone(s); slices.Sort(s); return s }

func hasRoom(n *node, sid, room string) func() bool {
	return func() bool { return slices.Contains(n.srv.Adapter().SocketRooms(sid), room) }
}
