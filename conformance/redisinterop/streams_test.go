package redisinterop

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	redisadapter "github.com/gosockio/gosockio/adapter/redis"
	"github.com/gosockio/gosockio/client"
	"github.com/gosockio/gosockio/conformance/internal/nodeenv"
	"github.com/gosockio/gosockio/socketio"
	goredis "github.com/redis/go-redis/v9"
)

// streamsWorld is a mixed cluster on one Redis stream: one Go server with
// adapter/redis's streams adapter and one Node server with socket.io 4.8.4 and
// @socket.io/redis-streams-adapter 0.3.1 (conformance/node/redis-streams-node.js).
type streamsWorld struct {
	t        *testing.T
	opts     redisadapter.StreamsOptions
	admin    *goredis.Client
	goSrv    *socketio.Server
	goURL    string
	goAddr   string
	node     *nodeenv.Bridge
	nodeURL  string
	nodeAddr string
	ssl      chan string // server-side events seen by the Go server
	probe    string      // id of the Node server's probe client
}

func newStreamsWorld(t *testing.T, recovery bool) *streamsWorld {
	t.Helper()
	key := "gosockio-streams-" + randomHex(6)
	w := &streamsWorld{
		t:     t,
		opts:  redisadapter.StreamsOptions{StreamName: key, ChannelPrefix: key, SessionKeyPrefix: key + ":session:", BlockTime: time.Second},
		admin: newRedis(t, key+"-admin"),
		ssl:   make(chan string, 16),
	}
	t.Cleanup(func() {
		ctx := context.Background()
		keys, _ := w.admin.Keys(ctx, w.opts.SessionKeyPrefix+"*").Result()
		_ = w.admin.Del(ctx, append(keys, w.opts.StreamName)...).Err()
	})
	rdb := newRedis(t, key+"-go")
	so := &socketio.Options{Adapter: redisadapter.CreateStreamsAdapter(rdb, &w.opts)}
	if recovery {
		so.ConnectionStateRecovery = &socketio.RecoveryOptions{MaxDisconnectionDuration: time.Minute}
	}
	srv, err := socketio.NewServer(so)
	if err != nil {
		t.Fatal(err)
	}
	srv.OnConnection(func(s *socketio.Socket) {
		if !s.Recovered() {
			s.SetData(map[string]any{"node": "go"})
		}
	})
	srv.On("hello", func(arg string, ack func(string)) {
		w.ssl <- "hello:" + arg
		ack("go")
	})
	hs := httptest.NewServer(srv)
	t.Cleanup(func() {
		hs.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Close(ctx)
	})
	w.goSrv, w.goURL, w.goAddr = srv, hs.URL, hs.Listener.Addr().String()

	w.node = nodeenv.StartBridge(t, "redis-streams-node.js", nil)
	var started struct{ Port int }
	w.call(map[string]any{"op": "start", "redis": "redis://" + redisAddr, "streamName": key, "channelPrefix": key,
		"sessionKeyPrefix": w.opts.SessionKeyPrefix, "recovery": recovery}, &started)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = w.node.Call(ctx, map[string]any{"op": "stop"}, nil)
	})
	w.nodeAddr = fmt.Sprintf("127.0.0.1:%d", started.Port)
	w.nodeURL = "http://" + w.nodeAddr
	// The Node adapter subscribes (and starts reading the stream) without waiting.
	waitFor(t, "both servers to count 2 servers", func() bool {
		if n, err := w.goSrv.Adapter().ServerCount(context.Background()); err != nil || n != 2 {
			return false
		}
		var n int
		w.call(map[string]any{"op": "serverCount"}, &n)
		return n == 2
	})
	w.nodeReading()
	return w
}

// nodeReading waits until the Node server reads the stream: its polling starts at "$"
// some time after the adapter is made, and entries added before are not for it.
func (w *streamsWorld) nodeReading() {
	w.t.Helper()
	w.probe = w.connect("probe", w.nodeURL, false)
	waitFor(w.t, "the Node server to read the stream", func() bool {
		must(w.t, w.goSrv.To(w.probe).Emit("probe"))
		var evs []json.RawMessage
		w.call(map[string]any{"op": "quiet", "c": "probe"}, &evs)
		return len(evs) > 0
	})
}

// nodeEmit has the Node server emit and waits until its entry is in the stream (Node
// appends it asynchronously), so that the stream's order is the test's.
func (w *streamsWorld) nodeEmit(req map[string]any) {
	w.t.Helper()
	ctx := context.Background()
	before, err := w.admin.XLen(ctx, w.opts.StreamName).Result()
	must(w.t, err)
	w.call(req, nil)
	waitFor(w.t, "the Node server's entry", func() bool {
		n, err := w.admin.XLen(ctx, w.opts.StreamName).Result()
		return err == nil && n > before
	})
}

func (w *streamsWorld) call(req map[string]any, resp any) {
	w.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := w.node.Call(ctx, req, resp); err != nil {
		w.t.Fatalf("node %s: %v", req["op"], err)
	}
}

// connect connects an official client named name to url and returns its id.
func (w *streamsWorld) connect(name, url string, reconnect bool) string {
	w.t.Helper()
	var r struct{ ID string }
	w.call(map[string]any{"op": "connect", "c": name, "url": url, "reconnect": reconnect}, &r)
	return r.ID
}

func (w *streamsWorld) collect(name string, n int) []string {
	w.t.Helper()
	var evs []json.RawMessage
	w.call(map[string]any{"op": "collect", "c": name, "n": n}, &evs)
	out := make([]string, len(evs))
	for i, e := range evs {
		out[i] = string(e)
	}
	return out
}

func (w *streamsWorld) quiet(name string) []string {
	w.t.Helper()
	var evs []json.RawMessage
	w.call(map[string]any{"op": "quiet", "c": name}, &evs)
	out := make([]string, len(evs))
	for i, e := range evs {
		out[i] = string(e)
	}
	return out
}

// Broadcasts both ways reach every client exactly once, binary included; rooms and
// except, broadcasts with acknowledgements, fetchSockets and server-side emits with
// acks work across the two.
func TestStreamsMixedCluster(t *testing.T) {
	w := newStreamsWorld(t, false)
	goID := w.connect("g", w.goURL, false)
	nodeID := w.connect("n", w.nodeURL, false)

	must(t, w.goSrv.Emit("m", "go", []byte{1, 2}, map[string]any{"k": 1.5}))
	w.call(map[string]any{"op": "emit", "args": []any{"m", "node", map[string]any{"$bin": "0304"}}}, nil)
	for _, c := range []string{"g", "n"} {
		want(t, c, w.collect(c, 2), []string{`["m","go",{"$bin":"0102"},{"k":1.5}]`, `["m","node",{"$bin":"0304"}]`})
	}

	// Rooms: each server joins the other's socket; except on both sides.
	w.goSrv.In(nodeID).SocketsJoin("r")
	w.call(map[string]any{"op": "socketsJoin", "to": []string{goID}, "rooms": []string{"r", "x"}}, nil)
	waitFor(t, "the Node socket in r", func() bool {
		var rooms []string
		w.call(map[string]any{"op": "rooms", "id": nodeID}, &rooms)
		return slices.Contains(rooms, "r")
	})
	waitFor(t, "the Go socket in x", func() bool {
		return slices.Contains(w.goSrv.Adapter().SocketRooms(goID), "x")
	})
	must(t, w.goSrv.To("r").Except("x").Emit("only-node"))
	w.call(map[string]any{"op": "emit", "to": []string{"r"}, "except": []string{nodeID}, "args": []any{"only-go"}}, nil)
	must(t, w.goSrv.Emit("end"))
	want(t, "g", w.collect("g", 2), []string{`["only-go"]`, `["end"]`})
	want(t, "n", w.collect("n", 2), []string{`["only-node"]`, `["end"]`})
	want(t, "g (nothing more)", w.quiet("g"), nil)
	want(t, "n (nothing more)", w.quiet("n"), nil)

	socks, err := w.goSrv.FetchSockets(context.Background())
	if err != nil || len(socks) != 3 { // g, n and the probe
		t.Errorf("Go FetchSockets = %d sockets, %v; want 3", len(socks), err)
	}
	var nodeSocks []struct {
		ID   string
		Data map[string]any
	}
	w.call(map[string]any{"op": "fetchSockets"}, &nodeSocks)
	found := false
	for _, s := range nodeSocks {
		found = found || (s.ID == goID && s.Data["node"] == "go")
	}
	if len(nodeSocks) != 3 || !found {
		t.Errorf("Node fetchSockets = %+v; want 3 with the Go socket and its data", nodeSocks)
	}

	// Broadcasts with acknowledgements, both ways (pub/sub requests and answers).
	acks, err := w.goSrv.Timeout(5*time.Second).EmitWithAck(context.Background(), "ask", "go")
	var got []string
	for _, a := range acks {
		var s string
		_ = a.Decode(0, &s)
		got = append(got, s)
	}
	if err != nil {
		t.Errorf("Go EmitWithAck: %v", err)
	}
	want(t, "answers to the Go server", got, []string{"yes-" + goID, "yes-" + nodeID, "yes-" + w.probe})
	var nodeAcks []string
	w.call(map[string]any{"op": "emitWithAck", "args": []any{"ask", "node"}}, &nodeAcks)
	want(t, "answers to the Node server", nodeAcks, []string{"yes-" + goID, "yes-" + nodeID, "yes-" + w.probe})
	want(t, "g asked", w.collect("g", 2), []string{`["ask","go"]`, `["ask","node"]`})
	want(t, "n asked", w.collect("n", 2), []string{`["ask","go"]`, `["ask","node"]`})

	answers, err := w.goSrv.ServerSideEmitWithAck(context.Background(), "hello", "from-go")
	if err != nil || fmt.Sprint(answers) != "[node]" {
		t.Errorf("Go ServerSideEmitWithAck = %v, %v", answers, err)
	}
	var nodeAnswers []any
	w.call(map[string]any{"op": "serverSideEmitWithAck", "args": []any{"hello", "from-node"}}, &nodeAnswers)
	if fmt.Sprint(nodeAnswers) != "[go]" {
		t.Errorf("Node serverSideEmitWithAck = %v", nodeAnswers)
	}
	if got := <-w.ssl; got != "hello:from-node" {
		t.Errorf("Go server-side event = %q", got)
	}
}

// A client of one server loses its connection and reconnects to the other (through a
// proxy that switches servers): it gets its id, rooms and missed events back, across
// the Go and the Node implementations, both ways.
func TestStreamsMixedRecovery(t *testing.T) {
	official := func(w *streamsWorld) recoveringClient { return &officialClient{w: w} }
	ours := func(w *streamsWorld) recoveringClient { return &goClient{t: w.t, events: make(chan string, 64)} }
	t.Run("official-client/node-to-go", func(t *testing.T) { testStreamsMixedRecovery(t, false, official) })
	t.Run("official-client/go-to-node", func(t *testing.T) { testStreamsMixedRecovery(t, true, official) })
	t.Run("go-client/node-to-go", func(t *testing.T) { testStreamsMixedRecovery(t, false, ours) })
	t.Run("go-client/go-to-node", func(t *testing.T) { testStreamsMixedRecovery(t, true, ours) })
}

// recoveringClient is a client that reconnects by itself, and logs its events as
// [event, ...args] JSON (binary as {"$bin":"hex"}), ["#connect", id, recovered] on each
// reconnection and ["#disconnect", reason].
type recoveringClient interface {
	connect(url string) string
	collect(n int) []string
	quiet() []string
}

// officialClient is socket.io-client 4.8.4 in the Node bridge.
type officialClient struct{ w *streamsWorld }

func (c *officialClient) connect(url string) string { return c.w.connect("c", url, true) }
func (c *officialClient) collect(n int) []string    { return c.w.collect("c", n) }
func (c *officialClient) quiet() []string           { return c.w.quiet("c") }

// goClient is gosockio's client.
type goClient struct {
	t      *testing.T
	events chan string
}

func (c *goClient) log(v ...any) {
	b, err := json.Marshal(v)
	if err != nil {
		c.t.Errorf("log event: %v", err)
	}
	c.events <- string(b)
}

func (c *goClient) connect(url string) string {
	c.t.Helper()
	manual := false // handlers first, then Connect: the first "connect" must not be missed
	s, err := client.Connect(url, &client.Options{ForceNew: true, AutoConnect: &manual, Transports: []string{"websocket"},
		ReconnectionDelay: 50 * time.Millisecond, ReconnectionDelayMax: 200 * time.Millisecond})
	if err != nil {
		c.t.Fatal(err)
	}
	c.t.Cleanup(func() { _ = s.Manager().Close() })
	first := make(chan struct{})
	connected := false
	s.OnConnect(func() {
		if !connected {
			connected = true
			close(first)
			return
		}
		c.log("#connect", s.ID(), s.Recovered())
	})
	s.OnDisconnect(func(reason string) { c.log("#disconnect", reason) })
	s.OnAny(func(event string, args client.Args) {
		out := []any{event}
		for _, v := range args.Values() {
			if b, ok := v.([]byte); ok {
				v = map[string]any{"$bin": hex.EncodeToString(b)}
			}
			out = append(out, v)
		}
		c.log(out...)
	})
	s.Connect()
	select {
	case <-first:
	case <-time.After(5 * time.Second):
		c.t.Fatal("the Go client did not connect within 5s")
	}
	return s.ID()
}

func (c *goClient) collect(n int) []string {
	c.t.Helper()
	out := make([]string, 0, n)
	for len(out) < n {
		select {
		case e := <-c.events:
			out = append(out, e)
		case <-time.After(5 * time.Second):
			c.t.Fatalf("the Go client has %d events, want %d: %q", len(out), n, out)
		}
	}
	return out
}

func (c *goClient) quiet() []string {
	var out []string
	for {
		select {
		case e := <-c.events:
			out = append(out, e)
		default:
			return out
		}
	}
}

func testStreamsMixedRecovery(t *testing.T, fromGo bool, newClient func(*streamsWorld) recoveringClient) {
	w := newStreamsWorld(t, true)
	first, second := w.nodeAddr, w.goAddr
	if fromGo {
		first, second = second, first
	}
	p := startProxy(t, first)
	c := newClient(w)
	id := c.connect("http://" + p.addr())

	// The other server puts the client in room r through the stream.
	if fromGo {
		w.call(map[string]any{"op": "socketsJoin", "to": []string{id}, "rooms": []string{"r"}}, nil)
		waitFor(t, "the client in r", func() bool {
			return slices.Contains(w.goSrv.Adapter().SocketRooms(id), "r")
		})
	} else {
		w.goSrv.In(id).SocketsJoin("r")
		waitFor(t, "the client in r", func() bool {
			var rooms []string
			w.call(map[string]any{"op": "rooms", "id": id}, &rooms)
			return slices.Contains(rooms, "r")
		})
	}
	must(t, w.goSrv.Emit("first"))
	if got := c.collect(1)[0]; !strings.HasPrefix(got, `["first","`) {
		t.Fatalf("first event = %s, want it with an offset", got)
	}

	p.hold(second)
	p.killAll()
	if got := c.collect(1)[0]; got != `["#disconnect","transport close"]` {
		t.Fatalf("got %s, want the disconnection", got)
	}
	waitFor(t, "the first server to store the session", func() bool {
		keys, err := w.admin.Keys(context.Background(), w.opts.SessionKeyPrefix+"*").Result()
		return err == nil && len(keys) == 1
	})
	must(t, w.goSrv.To("r").Emit("missed", "go"))
	w.nodeEmit(map[string]any{"op": "emit", "args": []any{"missed", "node", map[string]any{"$bin": "09"}}})
	must(t, w.goSrv.Except("r").Emit("skipped"))
	w.nodeEmit(map[string]any{"op": "emit", "to": []string{"other"}, "args": []any{"skipped"}})
	must(t, w.goSrv.Emit("missed", "last"))
	p.release()

	// socket.io-client hands events that arrive before CONNECT (the Node server sends
	// the missed ones first) to the application before "connect".
	var events []string
	reconnected := false
	got := c.collect(4)
	for _, e := range got {
		if strings.HasPrefix(e, `["#connect",`) {
			reconnected = true
			if e != fmt.Sprintf(`["#connect",%q,true]`, id) {
				t.Fatalf("reconnection = %s, want the same id (%s), recovered", e, id)
			}
			continue
		}
		events = append(events, e)
	}
	if !reconnected {
		t.Fatalf("no reconnection, got %q", events)
	}
	prefixes := []string{`["missed","go","`, `["missed","node",{"$bin":"09"},"`, `["missed","last","`}
	for i, pre := range prefixes {
		if !strings.HasPrefix(events[i], pre) {
			t.Errorf("missed event %d = %s, want %s<offset>\"] (all: %q)", i, events[i], pre, got)
		}
	}
	// The room came back on the new server: a broadcast to r from the old one arrives.
	if fromGo {
		must(t, w.goSrv.To("r").Emit("after"))
	} else {
		w.call(map[string]any{"op": "emit", "to": []string{"r"}, "args": []any{"after"}}, nil)
	}
	if got := c.collect(1)[0]; !strings.HasPrefix(got, `["after","`) {
		t.Errorf("broadcast to the restored room = %s", got)
	}
	want(t, "c (nothing more)", c.quiet(), nil)
}

// proxy forwards TCP connections to one server; hold makes new connections wait and
// release sends them to the next server (a load balancer failing over).
type proxy struct {
	t  *testing.T
	ln net.Listener
	wg sync.WaitGroup

	mu     sync.Mutex
	target string
	held   chan struct{} // closed by release; nil when not holding
	conns  map[net.Conn]struct{}
}

func startProxy(t *testing.T, target string) *proxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &proxy{t: t, ln: ln, target: target, conns: make(map[net.Conn]struct{})}
	p.wg.Add(1)
	go p.accept() // stopped by the cleanup (closes the listener)
	t.Cleanup(func() {
		_ = ln.Close()
		p.release()
		p.killAll()
		p.wg.Wait()
	})
	return p
}

func (p *proxy) addr() string { return p.ln.Addr().String() }

func (p *proxy) hold(next string) {
	p.mu.Lock()
	p.target = next
	if p.held == nil {
		p.held = make(chan struct{})
	}
	p.mu.Unlock()
}

func (p *proxy) release() {
	p.mu.Lock()
	if p.held != nil {
		close(p.held)
		p.held = nil
	}
	p.mu.Unlock()
}

func (p *proxy) killAll() {
	p.mu.Lock()
	for c := range p.conns {
		_ = c.Close()
	}
	p.mu.Unlock()
}

func (p *proxy) track(c net.Conn) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.conns[c] = struct{}{}
	return true
}

func (p *proxy) accept() {
	defer p.wg.Done()
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		p.track(c)
		p.wg.Add(1)
		go p.serve(c) // ends when either side closes (killAll closes both)
	}
}

func (p *proxy) serve(c net.Conn) {
	defer p.wg.Done()
	defer func() {
		p.mu.Lock()
		delete(p.conns, c)
		p.mu.Unlock()
		_ = c.Close()
	}()
	p.mu.Lock()
	held := p.held
	p.mu.Unlock()
	if held != nil {
		<-held
	}
	p.mu.Lock()
	target := p.target
	p.mu.Unlock()
	s, err := net.Dial("tcp", target)
	if err != nil {
		return
	}
	p.track(s)
	defer func() {
		p.mu.Lock()
		delete(p.conns, s)
		p.mu.Unlock()
		_ = s.Close()
	}()
	done := make(chan struct{}, 2)
	go func() { _, _ = io.Copy(s, c); _ = s.Close(); done <- struct{}{} }() // ends when c or s closes
	_, _ = io.Copy(c, s)
	_ = c.Close()
	<-done
}

// The Go server's Redis connections (stream reader, pub/sub, pool) are killed
// mid-test: the reader resumes from its last entry, so a Node broadcast made meanwhile
// still arrives, once, and the cluster works as before.
func TestStreamsMixedResumesAfterConnectionsKilled(t *testing.T) {
	w := newStreamsWorld(t, false)
	w.connect("g", w.goURL, false)
	w.connect("n", w.nodeURL, false)
	if n := killClients(t, w.admin, w.opts.StreamName+"-go"); n < 2 {
		t.Fatalf("killed %d connections, want the Go server's reader and subscription", n)
	}
	w.call(map[string]any{"op": "emit", "args": []any{"during", "node"}}, nil)
	must(t, w.goSrv.Emit("during", "go"))
	for _, c := range []string{"g", "n"} {
		want(t, c, w.collect(c, 2), []string{`["during","go"]`, `["during","node"]`})
	}
	waitFor(t, "both servers to count 2 servers again", func() bool {
		n, err := w.goSrv.Adapter().ServerCount(context.Background())
		return err == nil && n == 2
	})
	answers, err := w.goSrv.ServerSideEmitWithAck(context.Background(), "hello", "again")
	if err != nil || fmt.Sprint(answers) != "[node]" {
		t.Errorf("Go ServerSideEmitWithAck after reconnecting = %v, %v", answers, err)
	}
	must(t, w.goSrv.Emit("end"))
	for _, c := range []string{"g", "n"} {
		want(t, c, w.collect(c, 1), []string{`["end"]`})
		want(t, c+" (nothing more)", w.quiet(c), nil)
	}
}
