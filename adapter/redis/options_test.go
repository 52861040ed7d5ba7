package redis_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/gosockio/gosockio/adapter"
	redisadapter "github.com/gosockio/gosockio/adapter/redis"
	"github.com/gosockio/gosockio/parser"
	"github.com/gosockio/gosockio/socketio"
	"github.com/gosockio/gosockio/socketio/sockettest"
	goredis "github.com/redis/go-redis/v9"
)

func TestPublishOnSpecificResponseChannel(t *testing.T) {
	nodes := cluster(t, 2, &redisadapter.Options{PublishOnSpecificResponseChannel: true})
	sockettest.NewClient(t, nodes[1].srv, "/")
	spy := newRedis(t, "spy-"+randomName()).PSubscribe(context.Background(), nodes[0].key+"-response#/#*")
	t.Cleanup(func() { _ = spy.Close() })
	if _, err := spy.Receive(context.Background()); err != nil {
		t.Fatal(err)
	}
	socks, err := nodes[0].srv.FetchSockets(context.Background())
	if err != nil || len(socks) != 1 {
		t.Fatalf("FetchSockets = %v, %v", socks, err)
	}
	m, err := spy.ReceiveMessage(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if want := nodes[0].key + "-response#/#" + nodes[0].adapter(t).UID() + "#"; m.Channel != want {
		t.Errorf("response published on %q, want %q", m.Channel, want)
	}
}

func TestShardedRequestsTimeOutWhenAServerIsSilent(t *testing.T) {
	nodes := shardedCluster(t, 2, &redisadapter.ShardedOptions{RequestsTimeout: 300 * time.Millisecond})
	nodes[1].srv.On("hello", func(ack func(string)) { ack("here") })
	silent := newRedis(t, "silent-"+randomName()).SSubscribe(context.Background(), nodes[0].key+"#/#")
	t.Cleanup(func() { _ = silent.Close() })
	if _, err := silent.Receive(context.Background()); err != nil {
		t.Fatal(err)
	}
	if _, err := nodes[0].srv.FetchSockets(context.Background()); !errors.Is(err, redisadapter.ErrRequestTimeout) || !strings.Contains(err.Error(), "1 of 2") {
		t.Fatalf("FetchSockets = %v, want ErrRequestTimeout with 1 of 2", err)
	}
	answers, err := nodes[0].srv.ServerSideEmitWithAck(context.Background(), "hello")
	if !errors.Is(err, redisadapter.ErrRequestTimeout) || len(answers) != 1 || answers[0] != "here" {
		t.Fatalf("ServerSideEmitWithAck = %v, %v", answers, err)
	}
}

// In the dynamic mode a server subscribes to a public room's channel while it has a
// member, and unsubscribes when the last one leaves.
func TestShardedDynamicRoomChannels(t *testing.T) {
	nodes := shardedCluster(t, 2, &redisadapter.ShardedOptions{SubscriptionMode: redisadapter.Dynamic})
	admin := newRedis(t, "admin-"+randomName())
	roomChannel := nodes[0].key + "#/#lobby#"
	subscribers := func() int64 {
		res, err := admin.PubSubShardNumSub(context.Background(), roomChannel).Result()
		if err != nil {
			t.Fatal(err)
		}
		return res[roomChannel]
	}
	c := sockettest.NewClient(t, nodes[1].srv, "/")
	if n := subscribers(); n != 0 {
		t.Fatalf("%d subscribers before anyone joined", n)
	}
	nodes[1].srv.In(c.SID).Local().SocketsJoin("lobby")
	waitFor(t, "node 1 to subscribe to the room channel", func() bool { return subscribers() == 1 })
	must(t, nodes[0].srv.To("lobby").Emit("hi"))
	if got := c.Next(); got != `2["hi"]` {
		t.Errorf("got %q", got)
	}
	// The socket's own id is private: no channel of its own.
	res, _ := admin.PubSubShardNumSub(context.Background(), nodes[0].key+"#/#"+c.SID+"#").Result()
	if n := res[nodes[0].key+"#/#"+c.SID+"#"]; n != 0 {
		t.Errorf("socket id room has %d subscribers", n)
	}
	nodes[1].srv.In(c.SID).Local().SocketsLeave("lobby")
	waitFor(t, "node 1 to unsubscribe", func() bool { return subscribers() == 0 })
}

func TestOptionErrors(t *testing.T) {
	rdb := newRedis(t, "opts-"+randomName())
	_, err := socketio.NewServer(&socketio.Options{Adapter: redisadapter.CreateShardedAdapter(rdb, &redisadapter.ShardedOptions{SubscriptionMode: "bogus"})})
	if err == nil || !strings.Contains(err.Error(), "SubscriptionMode") {
		t.Errorf("bad SubscriptionMode: %v", err)
	}
	down := goredis.NewClient(&goredis.Options{Addr: "127.0.0.1:1", MaxRetries: -1, DialTimeout: 100 * time.Millisecond})
	defer down.Close()
	f := redisadapter.CreateAdapter(down, &redisadapter.Options{RequestsTimeout: 300 * time.Millisecond})
	if _, err := f(fakeNamespace{}, &adapter.Config{Encoder: nil}); err == nil || !strings.Contains(err.Error(), "Encoder") {
		t.Errorf("adapter without Encoder: %v", err)
	}
	// Redis unreachable: the factory fails with the reason instead of a server that
	// silently misses the cluster.
	if _, err := f(fakeNamespace{}, &adapter.Config{Encoder: parser.New(nil).Encoder()}); err == nil || !strings.Contains(err.Error(), "subscribe") {
		t.Errorf("adapter with Redis down: %v", err)
	}
}

type fakeNamespace struct{ adapter.Namespace }

func (fakeNamespace) Name() string { return "/" }
