package redis_test

import (
	"context"
	"errors"
	"slices"
	"testing"

	redisadapter "github.com/gosockio/gosockio/adapter/redis"
	"github.com/gosockio/gosockio/socketio/sockettest"
)

func TestEmitterReachesEveryNode(t *testing.T) {
	nodes := cluster(t, 2, nil)
	a, b := sockettest.NewClient(t, nodes[0].srv, "/"), sockettest.NewClient(t, nodes[1].srv, "/")
	seen := make(chan string, 4)
	for _, n := range nodes {
		n.srv.On("sse", func(x string) { seen <- x })
	}
	em := redisadapter.NewEmitter(newRedis(t, "emitter-"+randomName()), &redisadapter.EmitterOptions{Key: nodes[0].key})
	ctx := context.Background()

	if err := em.Emit(ctx, "hi", 1, []byte{9}); err != nil {
		t.Fatal(err)
	}
	for _, c := range []*sockettest.Client{a, b} {
		if got := c.Collect(2); !slices.Equal(got, []string{`51-["hi",1,{"_placeholder":true,"num":0}]`, "bin:\x09"}) {
			t.Errorf("client %s got %q", c.SID, got)
		}
	}
	must(t, em.To(b.SID).Emit(ctx, "only-b"))
	must(t, em.Except(b.SID).Volatile().Compress(false).Emit(ctx, "not-b"))
	must(t, em.Emit(ctx, "end"))
	if got := a.Until(`2["end"]`); !slices.Equal(got, []string{`2["not-b"]`}) {
		t.Errorf("a got %q", got)
	}
	if got := b.Until(`2["end"]`); !slices.Equal(got, []string{`2["only-b"]`}) {
		t.Errorf("b got %q", got)
	}

	must(t, em.In(a.SID, b.SID).SocketsJoin(ctx, "j"))
	waitFor(t, "a in j", hasRoom(nodes[0], a.SID, "j"))
	waitFor(t, "b in j", hasRoom(nodes[1], b.SID, "j"))
	must(t, em.In(a.SID).SocketsLeave(ctx, "j"))
	waitFor(t, "a out of j", func() bool { return !hasRoom(nodes[0], a.SID, "j")() })

	must(t, em.ServerSideEmit(ctx, "sse", "x"))
	if x, y := <-seen, <-seen; x != "x" || y != "x" {
		t.Errorf("server-side event args = %q, %q", x, y)
	}
	if err := em.ServerSideEmit(ctx, "sse", func() {}); !errors.Is(err, redisadapter.ErrAckUnsupported) {
		t.Errorf("ServerSideEmit with ack = %v", err)
	}
	if err := em.Emit(ctx, "disconnect"); err == nil {
		t.Error("Emit of a reserved event succeeded")
	}

	must(t, em.In("j").DisconnectSockets(ctx, true))
	b.WaitDisconnected()
	if _, ok := nodes[0].srv.Socket(a.SID); !ok {
		t.Error("a (not in j) was disconnected")
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
