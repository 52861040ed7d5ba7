package redis_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"strings"
	"testing"
	"time"

	"github.com/gosockio/gosockio/adapter"
	redisadapter "github.com/gosockio/gosockio/adapter/redis"
	"github.com/gosockio/gosockio/socketio"
	goredis "github.com/redis/go-redis/v9"
)

// prefix returns a key prefix of this test alone.
func prefix(t *testing.T) string {
	var b [4]byte
	_, _ = rand.Read(b[:])
	name := strings.NewReplacer("/", "_", " ", "_").Replace(t.Name())
	return "gosockio-test-" + name + "-" + hex.EncodeToString(b[:])
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

// node is one socket.io server of a test cluster.
type node struct {
	key string
	srv *socketio.Server
	rdb *goredis.Client
}

func newNode(t *testing.T, key string, opts *redisadapter.Options) *node {
	t.Helper()
	o := redisadapter.Options{}
	if opts != nil {
		o = *opts
	}
	o.Key = key
	return newNodeWith(t, key, func(rdb *goredis.Client) adapter.Factory { return redisadapter.CreateAdapter(rdb, &o) })
}

func newNodeWith(t *testing.T, key string, factory func(*goredis.Client) adapter.Factory) *node {
	t.Helper()
	rdb := newRedis(t, key+"-"+randomName())
	srv, err := socketio.NewServer(&socketio.Options{Adapter: factory(rdb)})
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

func randomName() string {
	var b [3]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

func (n *node) adapter(t *testing.T) *redisadapter.Adapter {
	t.Helper()
	a, ok := n.srv.Adapter().(*redisadapter.Adapter)
	if !ok {
		t.Fatalf("adapter is %T", n.srv.Adapter())
	}
	return a
}

// cluster starts count nodes on one key prefix and waits until each sees them all.
func cluster(t *testing.T, count int, opts *redisadapter.Options) []*node {
	t.Helper()
	key := prefix(t)
	nodes := make([]*node, count)
	for i := range nodes {
		nodes[i] = newNode(t, key, opts)
	}
	for _, n := range nodes {
		got, err := n.srv.Adapter().ServerCount(context.Background())
		if err != nil || got != count {
			t.Fatalf("ServerCount = %d, %v; want %d", got, err, count)
		}
	}
	return nodes
}

var _ adapter.Adapter = (*redisadapter.Adapter)(nil)

// shardedCluster is cluster with the sharded adapter.
func shardedCluster(t *testing.T, count int, opts *redisadapter.ShardedOptions) []*node {
	t.Helper()
	key := prefix(t)
	o := redisadapter.ShardedOptions{}
	if opts != nil {
		o = *opts
	}
	o.ChannelPrefix = key
	nodes := make([]*node, count)
	for i := range nodes {
		nodes[i] = newNodeWith(t, key, func(rdb *goredis.Client) adapter.Factory { return redisadapter.CreateShardedAdapter(rdb, &o) })
	}
	for _, n := range nodes {
		got, err := n.srv.Adapter().ServerCount(context.Background())
		if err != nil || got != count {
			t.Fatalf("ServerCount = %d, %v; want %d", got, err, count)
		}
	}
	return nodes
}

// bothAdapters runs body on a cluster of the classic adapter and on clusters of the
// sharded adapter in each subscription mode.
func bothAdapters(t *testing.T, count int, body func(*testing.T, []*node)) {
	t.Run("classic", func(t *testing.T) { body(t, cluster(t, count, nil)) })
	for _, mode := range []redisadapter.SubscriptionMode{redisadapter.Static, redisadapter.Dynamic, redisadapter.DynamicPrivate} {
		t.Run("sharded-"+string(mode), func(t *testing.T) {
			body(t, shardedCluster(t, count, &redisadapter.ShardedOptions{SubscriptionMode: mode}))
		})
	}
}
