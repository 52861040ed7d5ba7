package redis_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gosockio/gosockio/adapter"
	redisadapter "github.com/gosockio/gosockio/adapter/redis"
	"github.com/gosockio/gosockio/socketio"
	"github.com/gosockio/gosockio/socketio/sockettest"
)

// waitFor polls cond until it holds or 5s pass.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		tm := time.NewTimer(10 * time.Millisecond)
		<-tm.C
	}
}

func hasRoom(n *node, sid, room string) func() bool {
	return func() bool { return slices.Contains(n.srv.Adapter().SocketRooms(sid), room) }
}

func sorted(s []string) []string { s = slices.Clone(s); slices.Sort(s); return s }

func TestBroadcastReachesEveryClientOnce(t *testing.T) {
	bothAdapters(t, 2, testBroadcastReachesEveryClientOnce)
}

func testBroadcastReachesEveryClientOnce(t *testing.T, nodes []*node) {
	var clients []*sockettest.Client
	for _, n := range nodes {
		clients = append(clients, sockettest.NewClient(t, n.srv, "/"), sockettest.NewClient(t, n.srv, "/"))
	}
	for i, n := range nodes {
		if err := n.srv.Emit("m", fmt.Sprintf("from%d", i), i, map[string]any{"k": []any{true, nil, 1.5}}); err != nil {
			t.Fatal(err)
		}
	}
	for i, n := range nodes {
		if err := n.srv.Emit("end", i); err != nil {
			t.Fatal(err)
		}
	}
	want := []string{
		`2["end",0]`, `2["end",1]`,
		`2["m","from0",0,{"k":[true,null,1.5]}]`, `2["m","from1",1,{"k":[true,null,1.5]}]`,
	}
	for _, c := range clients {
		// A duplicate from one server would come before that server's end marker, so
		// four messages holding each marker once mean each broadcast arrived once.
		if got := sorted(c.Collect(4)); !slices.Equal(got, want) {
			t.Errorf("client %s got %q, want %q", c.SID, got, want)
		}
	}
}

func TestRoomsAndExceptAcrossNodes(t *testing.T) { bothAdapters(t, 2, testRoomsAndExceptAcrossNodes) }

func testRoomsAndExceptAcrossNodes(t *testing.T, nodes []*node) {
	a1, a2 := sockettest.NewClient(t, nodes[0].srv, "/"), sockettest.NewClient(t, nodes[0].srv, "/")
	b1, b2 := sockettest.NewClient(t, nodes[1].srv, "/"), sockettest.NewClient(t, nodes[1].srv, "/")

	// Joins issued on one node for sockets of the other (REMOTE_JOIN).
	nodes[1].srv.In(a1.SID).SocketsJoin("r")
	nodes[0].srv.In(b1.SID, b2.SID).SocketsJoin("r")
	nodes[0].srv.In(b2.SID).SocketsJoin("x")
	waitFor(t, "a1 in r", hasRoom(nodes[0], a1.SID, "r"))
	waitFor(t, "b1 in r", hasRoom(nodes[1], b1.SID, "r"))
	waitFor(t, "b2 in x", hasRoom(nodes[1], b2.SID, "x"))

	if err := nodes[0].srv.To("r").Except("x").Emit("m", "r-except-x"); err != nil {
		t.Fatal(err)
	}
	if err := nodes[1].srv.To("x", a2.SID).Emit("m", "x-or-a2"); err != nil {
		t.Fatal(err)
	}
	if err := nodes[1].srv.To("r").Emit("bin", []byte{1, 2, 3}); err != nil {
		t.Fatal(err)
	}
	for _, n := range nodes {
		if err := n.srv.Emit("end"); err != nil {
			t.Fatal(err)
		}
	}
	binary := []string{`51-["bin",{"_placeholder":true,"num":0}]`, "bin:\x01\x02\x03"}
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
		var got []string
		for range 2 {
			got = append(got, tc.c.Until(`2["end"]`)...)
		}
		if !slices.Equal(sorted(got), sorted(tc.want)) {
			t.Errorf("client %s got %q, want %q", tc.c.SID, got, tc.want)
		}
	}
}

func TestFetchSocketsAcrossNodes(t *testing.T) { bothAdapters(t, 2, testFetchSocketsAcrossNodes) }

func testFetchSocketsAcrossNodes(t *testing.T, nodes []*node) {
	nodes[1].srv.OnConnection(func(s *socketio.Socket) { s.SetData(map[string]any{"node": 1}); s.Join("remote") })
	a := sockettest.NewClient(t, nodes[0].srv, "/")
	b := sockettest.NewClient(t, nodes[1].srv, "/")

	all, err := nodes[0].srv.FetchSockets(context.Background())
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
	remote, err := nodes[0].srv.In("remote").FetchSockets(context.Background())
	if err != nil || len(remote) != 1 {
		t.Fatalf("In(remote).FetchSockets = %v, %v", remote, err)
	}
	rs := remote[0]
	if rs.ID != b.SID || !slices.Equal(sorted(rs.Rooms), sorted([]string{b.SID, "remote"})) {
		t.Errorf("remote socket = %+v", rs)
	}
	if m, ok := rs.Data.(map[string]any); !ok || fmt.Sprint(m["node"]) != "1" {
		t.Errorf("remote socket data = %#v", rs.Data)
	}
	if h, ok := rs.Handshake.(map[string]any); !ok || h["url"] == nil {
		t.Errorf("remote socket handshake = %#v", rs.Handshake)
	}

	// The RemoteSocket acts through the cluster.
	if err := rs.Emit("direct", 7); err != nil {
		t.Fatal(err)
	}
	if got := b.Next(); got != `2["direct",7]` {
		t.Errorf("remote emit: got %q", got)
	}
	ids, err = nodes[0].srv.AllSockets(context.Background())
	if err != nil || !slices.Equal(ids, sorted([]string{a.SID, b.SID})) {
		t.Errorf("AllSockets = %q, %v", ids, err)
	}
	if ra, ok := nodes[0].srv.Adapter().(*redisadapter.Adapter); ok {
		rooms, err := ra.AllRooms(context.Background())
		if err != nil || !slices.Equal(rooms, sorted([]string{a.SID, b.SID, "remote"})) {
			t.Errorf("AllRooms = %q, %v", rooms, err)
		}
	}
}

func TestSocketsLeaveAndDisconnectAcrossNodes(t *testing.T) {
	bothAdapters(t, 2, testSocketsLeaveAndDisconnectAcrossNodes)
}

func testSocketsLeaveAndDisconnectAcrossNodes(t *testing.T, nodes []*node) {
	nodes[1].srv.OnConnection(func(s *socketio.Socket) { s.Join("r") })
	b1, b2 := sockettest.NewClient(t, nodes[1].srv, "/"), sockettest.NewClient(t, nodes[1].srv, "/")
	a := sockettest.NewClient(t, nodes[0].srv, "/")

	nodes[0].srv.In(b2.SID).SocketsLeave("r")
	waitFor(t, "b2 out of r", func() bool { return !hasRoom(nodes[1], b2.SID, "r")() })
	nodes[0].srv.In("r").DisconnectSockets(false)
	b1.WaitDisconnected()
	waitFor(t, "b1 gone", func() bool { _, ok := nodes[1].srv.Socket(b1.SID); return !ok })
	if _, ok := nodes[1].srv.Socket(b2.SID); !ok {
		t.Error("b2 (not in r) was disconnected")
	}
	nodes[1].srv.DisconnectSockets(true)
	a.WaitDisconnected()
	b2.WaitDisconnected()
}

func TestServerSideEmitWithAcks(t *testing.T) { bothAdapters(t, 3, testServerSideEmitWithAcks) }

func testServerSideEmitWithAcks(t *testing.T, nodes []*node) {
	got := make(chan string, 10)
	for i, n := range nodes {
		n.srv.On("hello", func(who string, ack func(string)) {
			got <- fmt.Sprintf("%d:%s", i, who)
			ack(fmt.Sprintf("node%d", i))
		})
		n.srv.On("note", func(who string) { got <- fmt.Sprintf("%d:note:%s", i, who) })
	}
	answers, err := nodes[0].srv.ServerSideEmitWithAck(context.Background(), "hello", "n0")
	if err != nil {
		t.Fatal(err)
	}
	var as []string
	for _, a := range answers {
		as = append(as, fmt.Sprint(a))
	}
	if !slices.Equal(sorted(as), []string{"node1", "node2"}) {
		t.Errorf("answers = %q", as)
	}
	if err := nodes[2].srv.ServerSideEmit("note", "n2"); err != nil {
		t.Fatal(err)
	}
	var seen []string
	for range 4 {
		seen = append(seen, <-got)
	}
	wantSeen := []string{"0:note:n2", "1:n0", "1:note:n2", "2:n0"}
	if !slices.Equal(sorted(seen), wantSeen) {
		t.Errorf("server-side events = %q, want %q", sorted(seen), wantSeen)
	}
}

func TestBroadcastWithAckAcrossNodes(t *testing.T) {
	bothAdapters(t, 2, testBroadcastWithAckAcrossNodes)
}

func testBroadcastWithAckAcrossNodes(t *testing.T, nodes []*node) {
	clients := []*sockettest.Client{
		sockettest.NewClient(t, nodes[0].srv, "/"),
		sockettest.NewClient(t, nodes[1].srv, "/"),
		sockettest.NewClient(t, nodes[1].srv, "/"),
	}
	type result struct {
		as  []socketio.Args
		err error
	}
	done := make(chan result, 1)
	go func() { // ends when EmitWithAck returns (answers or its 5s timeout)
		as, err := nodes[0].srv.Timeout(5*time.Second).EmitWithAck(context.Background(), "ask", "q")
		done <- result{as, err}
	}()
	for _, c := range clients {
		m := c.Next()
		rest, ok := strings.CutPrefix(m, "2")
		i := strings.IndexByte(rest, '[')
		if !ok || i <= 0 || rest[i:] != `["ask","q"]` {
			t.Fatalf("client %s got %q, want an EVENT with ack id", c.SID, m)
		}
		id, err := strconv.Atoi(rest[:i])
		if err != nil {
			t.Fatal(err)
		}
		c.Conn.Deliver(fmt.Sprintf(`3%d["yes-%s"]`, id, c.SID))
	}
	r := <-done
	if r.err != nil {
		t.Fatal(r.err)
	}
	var got []string
	for _, a := range r.as {
		var s string
		if err := a.Decode(0, &s); err != nil {
			t.Fatal(err)
		}
		got = append(got, s)
	}
	var want []string
	for _, c := range clients {
		want = append(want, "yes-"+c.SID)
	}
	if !slices.Equal(sorted(got), sorted(want)) {
		t.Errorf("answers = %q, want %q", got, want)
	}
}

func TestRequestsTimeOutWhenAServerIsSilent(t *testing.T) {
	opts := &redisadapter.Options{RequestsTimeout: 300 * time.Millisecond}
	nodes := cluster(t, 2, opts)
	nodes[1].srv.On("hello", func(ack func(string)) { ack("here") })
	// A third server that subscribed and then hangs: it counts in PUBSUB NUMSUB but never
	// answers, like a node that died without its connection being closed yet.
	silent := newRedis(t, "silent-"+randomName())
	ps := silent.Subscribe(context.Background(), requestChannel(t, nodes[0]))
	t.Cleanup(func() { _ = ps.Close() })
	if _, err := ps.Receive(context.Background()); err != nil {
		t.Fatal(err)
	}
	if n, _ := nodes[0].srv.Adapter().ServerCount(context.Background()); n != 3 {
		t.Fatalf("ServerCount = %d, want 3", n)
	}

	start := time.Now()
	_, err := nodes[0].srv.FetchSockets(context.Background())
	if !errors.Is(err, redisadapter.ErrRequestTimeout) || !strings.Contains(err.Error(), "fetchSockets: 1 of 2 servers answered") {
		t.Fatalf("FetchSockets error = %v, want ErrRequestTimeout naming fetchSockets and 1 of 2", err)
	}
	answers, err := nodes[0].srv.ServerSideEmitWithAck(context.Background(), "hello")
	if !errors.Is(err, redisadapter.ErrRequestTimeout) || len(answers) != 1 || answers[0] != "here" {
		t.Fatalf("ServerSideEmitWithAck = %v, %v; want [here] and ErrRequestTimeout", answers, err)
	}
	if time.Since(start) > 30*time.Second {
		t.Fatal("requests hung")
	}

	// A cancelled context ends the wait early with the context's error.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := nodes[0].srv.FetchSockets(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("FetchSockets with cancelled ctx = %v", err)
	}
}

func requestChannel(t *testing.T, n *node) string {
	t.Helper()
	chans, err := n.rdb.PubSubChannels(context.Background(), "*-request#/#").Result()
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range chans {
		if strings.HasPrefix(c, "gosockio-test-"+strings.NewReplacer("/", "_").Replace(t.Name())) {
			return c
		}
	}
	t.Fatalf("no request channel among %q", chans)
	return ""
}

func TestAdapterCloseFailsPendingRequests(t *testing.T) {
	nodes := cluster(t, 2, &redisadapter.Options{RequestsTimeout: 5 * time.Second})
	silent := newRedis(t, "silent-"+randomName())
	ps := silent.Subscribe(context.Background(), requestChannel(t, nodes[0]))
	t.Cleanup(func() { _ = ps.Close() })
	if _, err := ps.Receive(context.Background()); err != nil {
		t.Fatal(err)
	}
	errc := make(chan error, 1)
	go func() { // ends when the request fails
		_, err := nodes[0].srv.FetchSockets(context.Background())
		errc <- err
	}()
	// Close as soon as the request is on the wire (the silent server has seen it).
	if _, err := ps.ReceiveMessage(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := nodes[0].adapter(t).Close(); err != nil {
		t.Fatal(err)
	}
	if err := <-errc; !errors.Is(err, adapter.ErrClosed) {
		t.Fatalf("pending FetchSockets after Close = %v, want adapter.ErrClosed", err)
	}
}

func TestNamespacesStayApart(t *testing.T) { bothAdapters(t, 2, testNamespacesStayApart) }

func testNamespacesStayApart(t *testing.T, nodes []*node) {
	for _, n := range nodes {
		n.srv.Of("/chat")
	}
	waitFor(t, "both /chat adapters", func() bool {
		c, err := nodes[0].srv.Of("/chat").Adapter().ServerCount(context.Background())
		return err == nil && c == 2
	})
	main := sockettest.NewClient(t, nodes[1].srv, "/")
	chat := sockettest.NewClient(t, nodes[1].srv, "/chat")
	must(t, nodes[0].srv.Of("/chat").Emit("m", "chat"))
	must(t, nodes[0].srv.Emit("m", "main"))
	if got := chat.Next(); got != `2/chat,["m","chat"]` {
		t.Errorf("/chat client got %q", got)
	}
	if got := main.Next(); got != `2["m","main"]` {
		t.Errorf("/ client got %q", got)
	}
	socks, err := nodes[0].srv.Of("/chat").FetchSockets(context.Background())
	if err != nil || len(socks) != 1 || socks[0].ID != chat.SID {
		t.Errorf("/chat FetchSockets = %v, %v", socks, err)
	}
}
