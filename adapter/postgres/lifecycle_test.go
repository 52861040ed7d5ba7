package postgres_test

import (
	"context"
	"testing"
	"time"

	"github.com/gosockio/gosockio/adapter/postgres"
	"github.com/gosockio/gosockio/socketio/sockettest"
)

// A namespace created after the LISTEN connection started is listened to as well
// (the listener is interrupted to LISTEN on its channel) and broadcasts reach the
// other server's clients of that namespace.
func TestNamespaceAddedLater(t *testing.T) {
	c := newCluster(t, 2, postgres.Options{}, false)
	for _, n := range c.nodes {
		n.srv.Of("/chat")
	}
	waitFor(t, "both /chat adapters to count 2 servers", func() bool {
		for _, n := range c.nodes {
			if got, _ := n.srv.Of("/chat").Adapter().ServerCount(context.Background()); got != 2 {
				return false
			}
		}
		return true
	})
	b := sockettest.NewClient(t, c.nodes[1].srv, "/chat")
	main := sockettest.NewClient(t, c.nodes[1].srv, "/")
	if err := c.nodes[0].srv.Of("/chat").Emit("m", "chat"); err != nil {
		t.Fatal(err)
	}
	if err := c.nodes[0].srv.Emit("m", "main"); err != nil {
		t.Fatal(err)
	}
	if got := b.Next(); got != `2/chat,["m","chat"]` {
		t.Errorf("/chat client got %q", got)
	}
	if got := main.Next(); got != `2["m","main"]` {
		t.Errorf("main namespace client got %q", got)
	}
}

// Every server sends a HEARTBEAT when it has been silent for HeartbeatInterval, so
// the others keep counting it well past HeartbeatTimeout without other traffic.
func TestHeartbeatsKeepServersCounted(t *testing.T) {
	c := newCluster(t, 2, postgres.Options{HeartbeatInterval: 100 * time.Millisecond, HeartbeatTimeout: time.Second}, false)
	l := newListener(t, c.prefix+"#/")
	seen := map[string]int{}
	for len(seen) < 2 || seen[minKey(seen)] < 15 {
		var m struct {
			Type int
			UID  string
		}
		if err := jsonUnmarshal(l.waitFor(`"type":2`), &m); err != nil {
			t.Fatal(err)
		}
		seen[m.UID]++
	}
	c.waitServers(2)
	for _, n := range c.nodes {
		if got, _ := n.srv.Adapter().ServerCount(context.Background()); got != 2 {
			t.Errorf("after 15 heartbeats each, ServerCount = %d, want 2", got)
		}
	}
}

func minKey(m map[string]int) string {
	best, k := -1, ""
	for key, v := range m {
		if best < 0 || v < best {
			best, k = v, key
		}
	}
	return k
}

// Close tells the other servers at once (ADAPTER_CLOSE), long before HeartbeatTimeout,
// and the last adapter of a Factory closes the LISTEN connection.
func TestCloseTellsOthersAndReleasesTheConnection(t *testing.T) {
	c := newCluster(t, 2, postgres.Options{HeartbeatTimeout: time.Hour, HeartbeatInterval: time.Minute}, false)
	listening := `SELECT count(*) FROM pg_stat_activity WHERE query = 'LISTEN "` + c.prefix + `#/"'`
	if n := c.count(listening); n != 2 {
		t.Fatalf("%d LISTEN connections, want 2", n)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := c.nodes[1].srv.Close(ctx); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "server 0 to count 1 server", func() bool {
		n, _ := c.nodes[0].srv.Adapter().ServerCount(context.Background())
		return n == 1
	})
	waitFor(t, "the closed server's LISTEN connection to go", func() bool { return c.count(listening) == 1 })
}
