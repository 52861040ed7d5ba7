package redis_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gosockio/gosockio/adapter"
	redisadapter "github.com/gosockio/gosockio/adapter/redis"
	"github.com/gosockio/gosockio/socketio"
	"github.com/gosockio/gosockio/socketio/sockettest"
	goredis "github.com/redis/go-redis/v9"
	"github.com/vmihailenco/msgpack/v5"
)

var _ adapter.Adapter = (*redisadapter.StreamsAdapter)(nil)

// streamsNames gives a test its own stream, channel prefix and session key prefix, and
// deletes the stream and the sessions when the test ends.
func streamsNames(t *testing.T, admin *goredis.Client) redisadapter.StreamsOptions {
	t.Helper()
	key := prefix(t)
	o := redisadapter.StreamsOptions{StreamName: key + "-stream", ChannelPrefix: key, SessionKeyPrefix: key + ":session:"}
	t.Cleanup(func() {
		ctx := context.Background()
		sessions, _ := admin.Keys(ctx, o.SessionKeyPrefix+"*").Result()
		streams, _ := admin.Keys(ctx, o.StreamName+"*").Result() // StreamCount > 1: <name>-<i>
		if keys := append(sessions, streams...); len(keys) > 0 {
			_ = admin.Del(ctx, keys...).Err()
		}
	})
	return o
}

// streamsCluster starts count servers with the streams adapter on one stream;
// recovery turns on connection state recovery.
func streamsCluster(t *testing.T, count int, recovery bool, opts *redisadapter.StreamsOptions) []*node {
	t.Helper()
	admin := newRedis(t, "admin-"+randomName())
	o := streamsNames(t, admin)
	if opts != nil {
		o.BlockTime, o.MaxLen, o.StreamCount, o.UseShardedPubSub = opts.BlockTime, opts.MaxLen, opts.StreamCount, opts.UseShardedPubSub
	}
	nodes := make([]*node, count)
	for i := range nodes {
		rdb := newRedis(t, o.ChannelPrefix+"-"+randomName())
		so := &socketio.Options{Adapter: redisadapter.CreateStreamsAdapter(rdb, &o)}
		if recovery {
			so.ConnectionStateRecovery = &socketio.RecoveryOptions{MaxDisconnectionDuration: time.Minute}
		}
		srv, err := socketio.NewServer(so)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			_ = srv.Close(ctx)
		})
		nodes[i] = &node{key: o.StreamName, srv: srv, rdb: rdb}
	}
	for _, n := range nodes {
		got, err := n.srv.Adapter().ServerCount(context.Background())
		if err != nil || got != count {
			t.Fatalf("ServerCount = %d, %v; want %d", got, err, count)
		}
	}
	return nodes
}

func TestStreamsBroadcastReachesEveryClientOnce(t *testing.T) {
	testBroadcastReachesEveryClientOnce(t, streamsCluster(t, 2, false, nil))
}

func TestStreamsRoomsAndExceptAcrossNodes(t *testing.T) {
	testRoomsAndExceptAcrossNodes(t, streamsCluster(t, 2, false, nil))
}

func TestStreamsFetchSocketsAcrossNodes(t *testing.T) {
	testFetchSocketsAcrossNodes(t, streamsCluster(t, 2, false, nil))
}

func TestStreamsSocketsLeaveAndDisconnectAcrossNodes(t *testing.T) {
	testSocketsLeaveAndDisconnectAcrossNodes(t, streamsCluster(t, 2, false, nil))
}

func TestStreamsServerSideEmitWithAcks(t *testing.T) {
	testServerSideEmitWithAcks(t, streamsCluster(t, 3, false, nil))
}

func TestStreamsBroadcastWithAckAcrossNodes(t *testing.T) {
	testBroadcastWithAckAcrossNodes(t, streamsCluster(t, 2, false, nil))
}

func TestStreamsNamespacesStayApart(t *testing.T) {
	testNamespacesStayApart(t, streamsCluster(t, 2, false, nil))
}

// With several streams each namespace has its own (Node's hash routing); everything
// works as with one.
func TestStreamsSeveralStreams(t *testing.T) {
	nodes := streamsCluster(t, 2, false, &redisadapter.StreamsOptions{StreamCount: 3})
	testNamespacesStayApart(t, nodes)
	ctx := context.Background()
	// "/" goes to <name>-2 and "/chat" to <name>-1, as in Node.
	for stream, want := range map[string]int64{nodes[0].key + "-2": 1, nodes[0].key + "-1": 1, nodes[0].key: 0} {
		if n, err := nodes[0].rdb.XLen(ctx, stream).Result(); err != nil || n != want {
			t.Errorf("XLEN %s = %d, %v; want %d", stream, n, err, want)
		}
	}
}

// Requests and answers over sharded pub/sub (Redis 7).
func TestStreamsShardedPubSub(t *testing.T) {
	t.Run("broadcast", func(t *testing.T) {
		testBroadcastReachesEveryClientOnce(t, streamsCluster(t, 2, false, &redisadapter.StreamsOptions{UseShardedPubSub: true}))
	})
	t.Run("fetchSockets", func(t *testing.T) {
		testFetchSocketsAcrossNodes(t, streamsCluster(t, 2, false, &redisadapter.StreamsOptions{UseShardedPubSub: true}))
	})
	t.Run("serverSideEmit", func(t *testing.T) {
		testServerSideEmitWithAcks(t, streamsCluster(t, 3, false, &redisadapter.StreamsOptions{UseShardedPubSub: true}))
	})
	t.Run("broadcastWithAck", func(t *testing.T) {
		testBroadcastWithAckAcrossNodes(t, streamsCluster(t, 2, false, &redisadapter.StreamsOptions{UseShardedPubSub: true}))
	})
}

// The entries are what Node's adapter writes and reads: fields uid, nsp, type, data in
// that order; data JSON, or base64 msgpack when it holds binary.
func TestStreamsEntryFormat(t *testing.T) {
	nodes := streamsCluster(t, 1, false, nil)
	must(t, nodes[0].srv.To("r").Emit("m", 1, "s"))
	must(t, nodes[0].srv.Emit("b", []byte{1, 2, 3}))
	nodes[0].srv.In("x").SocketsJoin("y")
	entries, err := nodes[0].rdb.XRange(context.Background(), nodes[0].key, "-", "+").Result()
	if err != nil || len(entries) != 3 {
		t.Fatalf("XRANGE = %v, %v; want 3 entries", entries, err)
	}
	uid := nodes[0].srv.Adapter().(*redisadapter.StreamsAdapter).UID()
	for _, e := range entries {
		if e.Values["uid"] != uid || e.Values["nsp"] != "/" {
			t.Errorf("entry %v: uid/nsp", e.Values)
		}
	}
	if got, want := entries[0].Values["type"], "3"; got != want {
		t.Errorf("type = %v, want %v", got, want)
	}
	if got, want := entries[0].Values["data"], `{"packet":{"type":2,"data":["m",1,"s"],"nsp":"/"},"opts":{"rooms":["r"],"except":[],"flags":{}}}`; got != want {
		t.Errorf("data =\n %v\nwant\n %v", got, want)
	}
	raw, err := base64.StdEncoding.DecodeString(entries[1].Values["data"].(string))
	if err != nil {
		t.Fatalf("binary data is not base64: %v", err)
	}
	var bin struct {
		Packet struct {
			Data []any `msgpack:"data"`
		} `msgpack:"packet"`
	}
	if err := msgpack.Unmarshal(raw, &bin); err != nil || len(bin.Packet.Data) != 2 || string(bin.Packet.Data[1].([]byte)) != "\x01\x02\x03" {
		t.Errorf("binary data = %#v, %v", bin, err)
	}
	if got, want := entries[2].Values["type"], "4"; got != want {
		t.Errorf("SocketsJoin type = %v, want %v", got, want)
	}
	if got, want := entries[2].Values["data"], `{"opts":{"rooms":["x"],"except":[],"flags":{}},"rooms":["y"]}`; got != want {
		t.Errorf("SocketsJoin data = %v, want %v", got, want)
	}
}

// XADD trims the stream with MAXLEN ~ MaxLen.
func TestStreamsMaxLen(t *testing.T) {
	nodes := streamsCluster(t, 1, false, &redisadapter.StreamsOptions{MaxLen: 10})
	for range 300 {
		must(t, nodes[0].srv.Emit("m"))
	}
	n, err := nodes[0].rdb.XLen(context.Background(), nodes[0].key).Result()
	if err != nil || n >= 300 {
		t.Errorf("XLEN = %d, %v; want the stream trimmed", n, err)
	}
}

// Entries written as Node writes them (JSON and base64 msgpack, another uid) reach the
// Go server's clients.
func TestStreamsReadsNodeEntries(t *testing.T) {
	nodes := streamsCluster(t, 1, false, nil)
	c := sockettest.NewClient(t, nodes[0].srv, "/")
	ctx := context.Background()
	add := func(typ, data string) {
		t.Helper()
		must(t, nodes[0].rdb.XAdd(ctx, &goredis.XAddArgs{Stream: nodes[0].key, Values: []string{"uid", "node1", "nsp", "/", "type", typ, "data", data}}).Err())
	}
	add("3", `{"packet":{"type":2,"data":["json",{"a":[1,2.5]}]},"opts":{"rooms":[],"except":[],"flags":{}}}`)
	mp, err := msgpack.Marshal(map[string]any{
		"packet": map[string]any{"type": 2, "data": []any{"bin", []byte{9}}},
		"opts":   map[string]any{"rooms": []string{}, "except": []string{}, "flags": map[string]any{}},
	})
	must(t, err)
	add("3", base64.StdEncoding.EncodeToString(mp))
	// Entries without nsp are ignored, as in Node.
	must(t, nodes[0].rdb.XAdd(ctx, &goredis.XAddArgs{Stream: nodes[0].key, Values: []string{"foo", "bar"}}).Err())
	add("3", `{"packet":{"type":2,"data":["end"]},"opts":{"rooms":[],"except":[],"flags":{}}}`)
	got := c.Collect(4)
	want := []string{`2["json",{"a":[1,2.5]}]`, `51-["bin",{"_placeholder":true,"num":0}]`, "bin:\x09", `2["end"]`}
	if !slices.Equal(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
}

// A client that loses its connection to one server and reconnects to another gets its
// id, rooms and the packets it missed, in order, each with its stream offset.
func TestStreamsRecoveryAcrossNodes(t *testing.T) {
	nodes := streamsCluster(t, 2, true, nil)
	a, b := nodes[0].srv, nodes[1].srv
	c, pid := connectRecoverable(t, a, "")
	a.In(c.SID).SocketsJoin("r")
	must(t, b.Emit("first"))
	offset := lastOffset(t, c.Next(), `["first",`)

	c.Conn.CloseFromPeer("transport close")
	must(t, b.Emit("m1", 1))
	must(t, a.To("r").Emit("m2"))
	must(t, b.Except("r").Emit("skipped"))
	must(t, a.To("other").Emit("skipped"))
	must(t, a.Of("/chat").Emit("skipped"))
	must(t, b.To("r").Emit("m3", []byte{7}))

	c2, pid2 := connectRecoverable(t, b, `{"pid":"`+pid+`","offset":"`+offset+`"}`)
	if c2.SID != c.SID || pid2 != pid {
		t.Fatalf("recovered as %s (pid %s), want %s (pid %s)", c2.SID, pid2, c.SID, pid)
	}
	var offsets []string
	for _, prefix := range []string{`2["m1",1,`, `2["m2",`, `51-["m3",{"_placeholder":true,"num":0},`} {
		m := c2.Next()
		if !strings.HasPrefix(m, prefix) {
			t.Fatalf("missed packet %q, want %s...", m, prefix)
		}
		offsets = append(offsets, lastOffset(t, m, ""))
	}
	if m := c2.Next(); m != "bin:\x07" {
		t.Fatalf("attachment = %q", m)
	}
	if !slices.IsSortedFunc(append([]string{offset}, offsets...), compareOffsets) {
		t.Errorf("offsets out of order: %s then %q", offset, offsets)
	}
	if !slices.Contains(b.Adapter().SocketRooms(c.SID), "r") {
		t.Errorf("rooms on the new server = %q, want r restored", b.Adapter().SocketRooms(c.SID))
	}
	must(t, a.To("r").Emit("after"))
	if m := c2.Next(); !strings.HasPrefix(m, `2["after",`) {
		t.Errorf("broadcast to the restored room: %q", m)
	}
	// A session is restored once.
	c3, _ := connectRecoverable(t, a, `{"pid":"`+pid+`","offset":"`+offset+`"}`)
	if c3.SID == c.SID {
		t.Error("the same session was restored twice")
	}
}

// An offset that is gone or malformed gives a new session.
func TestStreamsRecoveryRejectsUnknownOffset(t *testing.T) {
	nodes := streamsCluster(t, 2, true, nil)
	for _, off := range []string{"1-0", "not-an-offset"} {
		c, pid := connectRecoverable(t, nodes[0].srv, "")
		c.Conn.CloseFromPeer("transport close")
		c2, _ := connectRecoverable(t, nodes[1].srv, `{"pid":"`+pid+`","offset":"`+off+`"}`)
		if c2.SID == c.SID {
			t.Errorf("offset %q: session restored", off)
		}
	}
}

func connectRecoverable(t *testing.T, srv *socketio.Server, auth string) (*sockettest.Client, string) {
	t.Helper()
	conn := sockettest.NewConn(nil)
	srv.ServeConn(conn)
	conn.Deliver("0" + auth)
	cl := &sockettest.Client{T: t, Conn: conn}
	var p struct{ Sid, Pid string }
	first := cl.Next()
	if !strings.HasPrefix(first, "0{") || json.Unmarshal([]byte(first[1:]), &p) != nil || p.Sid == "" || p.Pid == "" {
		t.Fatalf("CONNECT answer: %q", first)
	}
	cl.SID = p.Sid
	return cl, p.Pid
}

// lastOffset returns the last argument of the event packet m (a string).
func lastOffset(t *testing.T, m, wantPrefix string) string {
	t.Helper()
	i := strings.IndexByte(m, '[')
	var args []any
	if i < 0 || !strings.HasPrefix(m[i:], wantPrefix) || json.Unmarshal([]byte(m[i:]), &args) != nil || len(args) < 2 {
		t.Fatalf("packet %q has no offset", m)
	}
	s, ok := args[len(args)-1].(string)
	if !ok || !strings.Contains(s, "-") {
		t.Fatalf("packet %q: last argument is not a stream offset", m)
	}
	return s
}

func compareOffsets(x, y string) int {
	xa, xb, _ := strings.Cut(x, "-")
	ya, yb, _ := strings.Cut(y, "-")
	if c := cmpNum(xa, ya); c != 0 {
		return c
	}
	return cmpNum(xb, yb)
}

func cmpNum(x, y string) int {
	if len(x) != len(y) {
		return len(x) - len(y)
	}
	return strings.Compare(x, y)
}

// After every Redis connection of both servers is killed, the readers resume where
// they stopped: a broadcast made while they were reconnecting is delivered, once.
func TestStreamsResumesAfterConnectionsKilled(t *testing.T) {
	nodes := streamsCluster(t, 2, false, &redisadapter.StreamsOptions{BlockTime: time.Second})
	a, b := sockettest.NewClient(t, nodes[0].srv, "/"), sockettest.NewClient(t, nodes[1].srv, "/")
	admin := newRedis(t, "admin-"+randomName())
	for _, n := range nodes {
		if killClients(t, admin, n.rdb.Options().ClientName) == 0 {
			t.Fatal("no connection to kill")
		}
	}
	must(t, nodes[0].srv.Emit("during"))
	for _, c := range []*sockettest.Client{a, b} {
		if got := c.Next(); got != `2["during"]` {
			t.Errorf("client %s got %q", c.SID, got)
		}
	}
	waitFor(t, "both nodes subscribed again", func() bool {
		for _, n := range nodes {
			if c, err := n.srv.Adapter().ServerCount(context.Background()); err != nil || c != 2 {
				return false
			}
		}
		return true
	})
	must(t, nodes[1].srv.Emit("after"))
	for _, c := range []*sockettest.Client{a, b} {
		if got := c.Next(); got != `2["after"]` {
			t.Errorf("client %s got %q", c.SID, got)
		}
		if m, ok := c.NextWithin(100 * time.Millisecond); ok {
			t.Errorf("client %s got a duplicate %q", c.SID, m)
		}
	}
	socks, err := nodes[1].srv.FetchSockets(context.Background())
	if err != nil || len(socks) != 2 {
		t.Errorf("FetchSockets after reconnecting = %d sockets, %v", len(socks), err)
	}
}

// Close returns promptly though the reader is blocked in XREAD (CLIENT UNBLOCK).
func TestStreamsCloseUnblocksReader(t *testing.T) {
	admin := newRedis(t, "admin-"+randomName())
	o := streamsNames(t, admin)
	o.BlockTime = time.Hour
	name := "closer-" + randomName()
	rdb := newRedis(t, name)
	srv, err := socketio.NewServer(&socketio.Options{Adapter: redisadapter.CreateStreamsAdapter(rdb, &o)})
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the reader to block in XREAD", func() bool {
		list, err := admin.ClientList(context.Background()).Result()
		for _, line := range strings.Split(list, "\n") {
			if err == nil && strings.Contains(line, " name="+name+" ") && strings.Contains(line, " cmd=xread ") && strings.Contains(line, " flags=b ") {
				return true
			}
		}
		return false
	})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Close(ctx); err != nil {
		t.Fatal(err)
	}
	// goleak (TestMain) fails the package if the reader is still running.
}

// Malformed entries and messages from other writers are ignored; the server goes on.
func TestStreamsIgnoresMalformedInput(t *testing.T) {
	nodes := streamsCluster(t, 1, true, nil)
	c := sockettest.NewClient(t, nodes[0].srv, "/")
	ctx := context.Background()
	for _, v := range [][]string{
		{"uid", "x", "nsp", "/", "type", "three", "data", "{}"},
		{"uid", "x", "nsp", "/", "type", "3", "data", "{not json"},
		{"uid", "x", "nsp", "/", "type", "3", "data", "%%%not base64"},
		{"uid", "x", "nsp", "/", "type", "3", "data", base64.StdEncoding.EncodeToString([]byte{0xc1})},
		{"uid", "x", "nsp", "/", "type", "3", "data", `{"packet":"p","opts":[]}`},
		{"uid", "x", "nsp", "/", "type", "3", "data", `{"packet":{"type":2,"data":["connect"]},"opts":{}}`},
		{"uid", "x", "nsp", "/", "type", "3", "data", `{"packet":{"type":2,"data":[]},"opts":{"rooms":[]}}`},
		{"uid", "x", "nsp", "/", "type", "4", "data", `{"opts":{"rooms":1},"rooms":{}}`},
		{"uid", "x", "nsp", "/", "type", "99", "data", `{}`},
		{"uid", "x", "nsp", "/", "type", "3"},
	} {
		must(t, nodes[0].rdb.XAdd(ctx, &goredis.XAddArgs{Stream: nodes[0].key, Values: v}).Err())
	}
	ch := nodes[0].key[:len(nodes[0].key)-len("-stream")] + "#/#"
	for _, payload := range []string{"", "\xc1", "\x93\x01\x02\x03", "\x81\xa4type\x07"} {
		must(t, nodes[0].rdb.Publish(ctx, ch, payload).Err())
	}
	must(t, nodes[0].rdb.XAdd(ctx, &goredis.XAddArgs{Stream: nodes[0].key, Values: []string{"uid", "x", "nsp", "/", "type", "3",
		"data", `{"packet":{"type":2,"data":["ok"]},"opts":{"rooms":[],"except":[],"flags":{}}}`}}).Err())
	if got := c.Next(); !strings.HasPrefix(got, `2["ok","`) {
		t.Errorf("after malformed entries the client got %q", got)
	}
}

// A remote disconnection can empty a dynamic child namespace that is alone on its
// stream: its adapter is then closed from inside the stream reader, which must not wait
// for itself.
func TestStreamsChildNamespaceClosedFromReader(t *testing.T) {
	admin := newRedis(t, "admin-"+randomName())
	o := streamsNames(t, admin)
	o.StreamCount = 3 // "/" goes to <name>-2, "/chat" to <name>-1
	servers := make([]*socketio.Server, 2)
	for i := range servers {
		rdb := newRedis(t, o.ChannelPrefix+"-"+randomName())
		srv, err := socketio.NewServer(&socketio.Options{Adapter: redisadapter.CreateStreamsAdapter(rdb, &o), CleanupEmptyChildNamespaces: true})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			_ = srv.Close(ctx)
		})
		servers[i] = srv
	}
	servers[1].OfRegexp(regexp.MustCompile(`^/chat$`))
	c := sockettest.NewClient(t, servers[1], "/chat")
	servers[0].Of("/chat").DisconnectSockets(false)
	c.Until("1/chat,")
	// The child namespace is gone and its reader stopped (goleak checks it at the end);
	// the server still works.
	c2 := sockettest.NewClient(t, servers[1], "/chat")
	servers[0].Of("/chat").Emit("again")
	if got := c2.Next(); got != `2/chat,["again"]` {
		t.Errorf("after the child namespace came back: %q", got)
	}
}
