package postgres_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gosockio/gosockio/adapter"
	"github.com/gosockio/gosockio/adapter/postgres"
	"github.com/gosockio/gosockio/socketio"
	"github.com/gosockio/gosockio/socketio/sockettest"
)

// A broadcast from each server reaches every client of the cluster exactly once, the
// sender's own clients included (the sender ignores its own notification), whether
// the servers have a Factory each or share one.
func TestBroadcastReachesEveryClientOnce(t *testing.T) {
	for _, shared := range []bool{false, true} {
		t.Run(fmt.Sprintf("shared=%v", shared), func(t *testing.T) {
			c := newCluster(t, 2, postgres.Options{}, shared)
			var clients []*sockettest.Client
			for _, n := range c.nodes {
				clients = append(clients, sockettest.NewClient(t, n.srv, "/"), sockettest.NewClient(t, n.srv, "/"))
			}
			for i, n := range c.nodes {
				if err := n.srv.Emit("m", fmt.Sprintf("from%d", i), i, map[string]any{"k": []any{true, nil, 1.5}}); err != nil {
					t.Fatal(err)
				}
			}
			for i, n := range c.nodes {
				if err := n.srv.Emit("end", i); err != nil {
					t.Fatal(err)
				}
			}
			want := []string{`2["m","from0",0,{"k":[true,null,1.5]}]`, `2["m","from1",1,{"k":[true,null,1.5]}]`}
			for _, cl := range clients {
				// Every server's messages arrive in order, so a duplicate would show up
				// before that server's end marker.
				got := cl.UntilAll(`2["end",0]`, `2["end",1]`)
				if !slices.Equal(sorted(got), want) {
					t.Errorf("client %s got %q, want %q", cl.SID, got, want)
				}
			}
		})
	}
}

// Rooms joined through another server (SOCKETS_JOIN), To/Except across servers, and a
// binary broadcast (sent through the attachment table) reach exactly the selected
// sockets.
func TestRoomsExceptAndBinaryAcrossNodes(t *testing.T) {
	c := newCluster(t, 2, postgres.Options{}, false)
	n0, n1 := c.nodes[0], c.nodes[1]
	a1, a2 := sockettest.NewClient(t, n0.srv, "/"), sockettest.NewClient(t, n0.srv, "/")
	b1, b2 := sockettest.NewClient(t, n1.srv, "/"), sockettest.NewClient(t, n1.srv, "/")

	n1.srv.In(a1.SID).SocketsJoin("r")
	n0.srv.In(b1.SID, b2.SID).SocketsJoin("r")
	n0.srv.In(b2.SID).SocketsJoin("x")
	waitFor(t, "a1 in r", hasRoom(n0, a1.SID, "r"))
	waitFor(t, "b1 in r", hasRoom(n1, b1.SID, "r"))
	waitFor(t, "b2 in x", hasRoom(n1, b2.SID, "x"))

	if err := n0.srv.To("r").Except("x").Emit("m", "r-except-x"); err != nil {
		t.Fatal(err)
	}
	if err := n1.srv.To("x", a2.SID).Emit("m", "x-or-a2"); err != nil {
		t.Fatal(err)
	}
	if err := n1.srv.To("r").Emit("bin", map[string]any{"b": []byte{1, 2, 3}}); err != nil {
		t.Fatal(err)
	}
	for _, n := range c.nodes {
		if err := n.srv.Emit("end"); err != nil {
			t.Fatal(err)
		}
	}
	binary := []string{`51-["bin",{"b":{"_placeholder":true,"num":0}}]`, "bin:\x01\x02\x03"}
	cases := []struct {
		c    *sockettest.Client
		want []string
	}{
		{a1, append([]string{`2["m","r-except-x"]`}, binary...)},
		{a2, []string{`2["m","x-or-a2"]`}},
		{b1, append([]string{`2["m","r-except-x"]`}, binary...)},
		{b2, append([]string{`2["m","x-or-a2"]`}, binary...)},
	}
	for _, tc := range cases {
		got := tc.c.UntilAll(`2["end"]`, `2["end"]`)
		if !slices.Equal(sorted(got), sorted(tc.want)) {
			t.Errorf("client %s got %q, want %q", tc.c.SID, got, tc.want)
		}
	}
	// SOCKETS_LEAVE through the other server.
	n1.srv.In(a1.SID).SocketsLeave("r")
	waitFor(t, "a1 out of r", func() bool { return !hasRoom(n0, a1.SID, "r")() })
}

// A message longer than PayloadThreshold goes through the attachment table, arrives
// once everywhere, and the cleanup deletes the row after CleanupInterval.
func TestLargePayloadThroughAttachmentTable(t *testing.T) {
	c := newCluster(t, 2, postgres.Options{PayloadThreshold: 1000, CleanupInterval: 300 * time.Millisecond}, false)
	a, b := sockettest.NewClient(t, c.nodes[0].srv, "/"), sockettest.NewClient(t, c.nodes[1].srv, "/")
	big := strings.Repeat("x", 20000)
	if err := c.nodes[0].srv.Emit("big", big); err != nil {
		t.Fatal(err)
	}
	if n := c.count("SELECT count(*) FROM " + c.table); n < 1 {
		t.Fatalf("the attachment table has %d rows after a 20 kB broadcast, want at least 1", n)
	}
	if err := c.nodes[0].srv.Emit("end"); err != nil {
		t.Fatal(err)
	}
	want := []string{`2["big","` + big + `"]`}
	for _, cl := range []*sockettest.Client{a, b} {
		if got := cl.Until(`2["end"]`); !slices.Equal(got, want) {
			t.Errorf("client %s got %d messages (%.60q...), want the big one once", cl.SID, len(got), got)
		}
	}
	waitFor(t, "the cleanup to delete old attachments", func() bool {
		return c.count("SELECT count(*) FROM "+c.table) == 0
	})
}

// FetchSockets, DisconnectSockets and server-side emits with and without answers work
// across servers; a binary argument of a server-side emit arrives as []byte.
func TestRequestsAcrossNodes(t *testing.T) {
	c := newCluster(t, 2, postgres.Options{}, false)
	n0, n1 := c.nodes[0], c.nodes[1]
	n1.srv.OnConnection(func(s *socketio.Socket) { s.SetData(map[string]any{"node": 1}); s.Join("remote") })
	events := make(chan string, 8)
	n1.srv.On("hello", func(name string, ack func(string)) { ack("hi " + name + " from 1") })
	n1.srv.On("blob", func(name string, b []byte) { events <- fmt.Sprintf("%s:%x", name, b) })
	a := sockettest.NewClient(t, n0.srv, "/")
	b := sockettest.NewClient(t, n1.srv, "/")

	all, err := n0.srv.FetchSockets(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, s := range all {
		ids = append(ids, s.ID)
	}
	if want := sorted([]string{a.SID, b.SID}); !slices.Equal(sorted(ids), want) {
		t.Fatalf("FetchSockets ids = %q, want %q", ids, want)
	}
	remote, err := n0.srv.In("remote").FetchSockets(context.Background())
	if err != nil || len(remote) != 1 {
		t.Fatalf("In(remote).FetchSockets = %v, %v", remote, err)
	}
	if rs := remote[0]; rs.ID != b.SID || !slices.Contains(rs.Rooms, "remote") || fmt.Sprint(rs.Data) != "map[node:1]" {
		t.Errorf("remote socket = %+v", rs)
	}

	answers, err := n0.srv.ServerSideEmitWithAck(context.Background(), "hello", "go0")
	if err != nil || len(answers) != 1 || answers[0] != "hi go0 from 1" {
		t.Errorf("ServerSideEmitWithAck = %v, %v", answers, err)
	}
	if err := n0.srv.ServerSideEmit("blob", "x", []byte{0xca, 0xfe}); err != nil {
		t.Fatal(err)
	}
	if got := <-events; got != "x:cafe" {
		t.Errorf("server-side emit with binary reached the other server as %q", got)
	}

	n0.srv.In("remote").DisconnectSockets(false)
	b.WaitDisconnected()
	waitFor(t, "b to leave", func() bool {
		ids, err := n0.srv.AllSockets(context.Background())
		return err == nil && slices.Equal(ids, []string{a.SID})
	})
}

// answerAcks answers every event that asks for an acknowledgement with "ok-<sid>"
// (and a binary for the client named bin) until ctx ends or the connection closes.
func answerAcks(ctx context.Context, cl *sockettest.Client, withBinary bool, wg *sync.WaitGroup) {
	defer wg.Done()
	for {
		m, err := cl.Conn.Next(ctx)
		if err != nil {
			return
		}
		s := string(m.Data)
		if m.Binary || !strings.HasPrefix(s, "2") {
			continue
		}
		i := strings.IndexByte(s, '[')
		if i <= 1 {
			continue
		}
		ackID := s[1:i]
		if _, err := strconv.Atoi(ackID); err != nil {
			continue
		}
		if withBinary {
			cl.Conn.Deliver("61-" + ackID + `[{"_placeholder":true,"num":0}]`)
			cl.Conn.DeliverBinary([]byte{7, 7})
			continue
		}
		cl.Conn.Deliver("3" + ackID + `["ok-` + cl.SID + `"]`)
	}
}

// A broadcast with acknowledgements collects the answers of the clients of every
// server (BROADCAST with a requestId, BROADCAST_CLIENT_COUNT, BROADCAST_ACK), binary
// answers included.
func TestBroadcastWithAckAcrossNodes(t *testing.T) {
	c := newCluster(t, 2, postgres.Options{}, false)
	a := sockettest.NewClient(t, c.nodes[0].srv, "/")
	b := sockettest.NewClient(t, c.nodes[1].srv, "/")
	bb := sockettest.NewClient(t, c.nodes[1].srv, "/")
	acks, stopAcks := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Add(3)
	go answerAcks(acks, a, false, &wg) // stopped by stopAcks
	go answerAcks(acks, b, false, &wg) // stopped by stopAcks
	go answerAcks(acks, bb, true, &wg) // stopped by stopAcks
	defer wg.Wait()
	defer stopAcks()

	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	answers, err := c.nodes[0].srv.Timeout(15*time.Second).EmitWithAck(ctx, "q", 1)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, as := range answers {
		v := as.Values()
		if len(v) != 1 {
			t.Fatalf("answer %v", v)
		}
		if b, ok := v[0].([]byte); ok {
			got = append(got, fmt.Sprintf("bin:%x", b))
		} else {
			got = append(got, fmt.Sprint(v[0]))
		}
	}
	if want := sorted([]string{"ok-" + a.SID, "ok-" + b.SID, "bin:0707"}); !slices.Equal(sorted(got), want) {
		t.Errorf("answers %q, want %q", got, want)
	}
}

// A server that stops without saying so (here a fake one that sent a single
// heartbeat) makes requests fail after RequestsTimeout with ErrRequestTimeout naming
// it, until HeartbeatTimeout passes and it is forgotten.
func TestRequestTimesOutWhenNodeIsGone(t *testing.T) {
	opts := postgres.Options{RequestsTimeout: 300 * time.Millisecond, HeartbeatInterval: 200 * time.Millisecond, HeartbeatTimeout: 1500 * time.Millisecond}
	c := newCluster(t, 1, opts, false)
	srv := c.nodes[0].srv
	c.notify(`{"type":2,"uid":"ghost0000000000","nsp":"/"}`)
	c.waitServers(2)

	_, err := srv.FetchSockets(context.Background())
	if !errors.Is(err, postgres.ErrRequestTimeout) || !strings.Contains(err.Error(), "ghost0000000000") || !strings.Contains(err.Error(), "fetchSockets") {
		t.Errorf("FetchSockets with a silent server: err = %v, want ErrRequestTimeout naming fetchSockets and ghost0000000000", err)
	}
	answers, err := srv.ServerSideEmitWithAck(context.Background(), "hello")
	if !errors.Is(err, postgres.ErrRequestTimeout) || len(answers) != 0 {
		t.Errorf("ServerSideEmitWithAck with a silent server = %v, %v; want no answers and ErrRequestTimeout", answers, err)
	}
	c.waitServers(1)
	if _, err := srv.FetchSockets(context.Background()); err != nil {
		t.Errorf("FetchSockets once the silent server is forgotten: %v", err)
	}
}

// A request waiting for a server ends, without error, when that server says it
// leaves (ADAPTER_CLOSE): it no longer waits for RequestsTimeout.
func TestRequestEndsWhenNodeLeaves(t *testing.T) {
	c := newCluster(t, 1, postgres.Options{RequestsTimeout: time.Minute}, false)
	srv := c.nodes[0].srv
	listen := newListener(t, c.prefix+"#/")
	c.notify(`{"type":2,"uid":"leaver000000000","nsp":"/"}`)
	c.waitServers(2)
	done := make(chan error, 1)
	go func() { // ends when the request does
		_, err := srv.FetchSockets(context.Background())
		done <- err
	}()
	listen.waitFor(`"type":7`)
	c.notify(`{"type":13,"uid":"leaver000000000","nsp":"/"}`)
	if err := <-done; err != nil {
		t.Errorf("FetchSockets after the awaited server left: %v", err)
	}
	if n, _ := srv.Adapter().ServerCount(context.Background()); n != 1 {
		t.Errorf("ServerCount after ADAPTER_CLOSE = %d, want 1", n)
	}
}

// When the LISTEN connection is killed (pg_terminate_backend), the adapter opens
// another and the broadcasts of the other server reach its clients again.
func TestListenReconnectsAfterTerminate(t *testing.T) {
	c := newCluster(t, 2, postgres.Options{}, false)
	a := sockettest.NewClient(t, c.nodes[0].srv, "/")
	var killed int
	waitFor(t, "the LISTEN connections to be seen", func() bool {
		killed = c.count(`SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE query = 'LISTEN "` + c.prefix + `#/"'`)
		return killed == 2
	})
	// Notifications sent while no connection listens are lost: send until one
	// arrives, then check that the next one arrives exactly once.
	for i := 0; ; i++ {
		if err := c.nodes[1].srv.Emit("probe", i); err != nil {
			t.Fatal(err)
		}
		if m, ok := a.NextWithin(200 * time.Millisecond); ok {
			if !strings.HasPrefix(m, `2["probe",`) {
				t.Fatalf("client got %q", m)
			}
			break
		}
		if i == 100 {
			t.Fatal("no broadcast arrived after the LISTEN connection was killed")
		}
	}
	c.waitServers(2)
	if err := c.nodes[1].srv.Emit("after"); err != nil {
		t.Fatal(err)
	}
	if err := c.nodes[1].srv.Emit("end"); err != nil {
		t.Fatal(err)
	}
	got := a.Until(`2["end"]`)
	got = slices.DeleteFunc(got, func(s string) bool { return strings.HasPrefix(s, `2["probe",`) })
	if !slices.Equal(got, []string{`2["after"]`}) {
		t.Errorf("after reconnection the client got %q, want the broadcast once", got)
	}
}

// Invalid options fail in the Factory with an error naming the field.
func TestOptionsValidation(t *testing.T) {
	pool := newPool(t)
	cases := []struct {
		name string
		opts postgres.Options
		want string
	}{
		{"table name", postgres.Options{TableName: "x; DROP TABLE y"}, "Options.TableName"},
		{"heartbeat", postgres.Options{HeartbeatInterval: 2 * time.Second, HeartbeatTimeout: time.Second}, "Options.HeartbeatTimeout"},
		{"channel length", postgres.Options{ChannelPrefix: strings.Repeat("p", 70)}, "Options.ChannelPrefix"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := socketio.NewServer(&socketio.Options{Adapter: postgres.CreateAdapter(pool, &tc.opts)})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err = %v, want one naming %s", err, tc.want)
			}
		})
	}
}

var _ adapter.Adapter = (*postgres.Adapter)(nil)
