package clientinterop

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gosockio/gosockio/client"
	"github.com/gosockio/gosockio/engineio"
)

// transport modes: the client's Options.Transports.
var modes = []struct {
	name       string
	transports []string
}{
	{"polling", []string{"polling"}},
	{"websocket", []string{"websocket"}},
	{"polling upgrade", nil},
}

type scenario struct {
	name     string
	only     int  // when not zero, the only client protocol the scenario applies to
	recovery bool // needs a server with connection state recovery
	run      func(t *testing.T, e env)
}

var scenarios = []scenario{
	{"connect", 0, false, testConnect},
	{"namespaces multiplexed", 0, false, testMultiplex},
	{"auth", 0, false, testAuth},
	{"middleware rejection", 0, false, testRejection},
	{"invalid namespace", 0, false, testInvalidNamespace},
	{"ack client to server", 0, false, testAckToServer},
	{"ack server to client", 0, false, testAckToClient},
	{"binary", 0, false, testBinary},
	{"rooms", 0, false, testRooms},
	{"disconnect io server disconnect", 0, false, testServerDisconnect},
	{"disconnect io client disconnect", 0, false, testClientDisconnect},
	{"reconnect after transport close", 0, false, testReconnect},
	{"offline buffer", 0, false, testOfflineBuffer},
	{"connection state recovery", 5, true, testRecovery},
	{"protocol 5 client on a protocol 4 server", 4, false, testWrongProtocol},
}

// TestClientInterop runs every scenario against every server over every transport.
// A server is started per target (and per target with recovery) and shared by the
// parallel subtests.
func TestClientInterop(t *testing.T) {
	for _, tg := range targets {
		t.Run(tg.name, func(t *testing.T) {
			t.Parallel()
			url := tg.start(t, false)
			var recoveryURL string
			if tg.protocol == 5 {
				recoveryURL = tg.start(t, true)
			}
			for _, m := range modes {
				t.Run(m.name, func(t *testing.T) {
					t.Parallel()
					for _, sc := range scenarios {
						if sc.only != 0 && sc.only != tg.protocol {
							continue
						}
						t.Run(sc.name, func(t *testing.T) {
							t.Parallel()
							e := env{url: url, transports: m.transports, protocol: tg.protocol, target: tg}
							if sc.recovery {
								e.url = recoveryURL
							}
							sc.run(t, e)
						})
					}
				})
			}
		})
	}
}

func testConnect(t *testing.T, e env) {
	s, err := client.Connect(e.url, e.options())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Manager().Close(); s.Manager().Wait() })
	p := attach(s)
	upgrades := make(chan string, 1)
	s.Manager().OnUpgrade(func(tr string) { upgrades <- tr })
	s.Connect()
	id := recv(t, p.connects, "connect")
	if e.transports == nil {
		if tr := recv(t, upgrades, "upgrade"); tr != "websocket" {
			t.Fatalf("upgraded to %q", tr)
		}
	} else if tr := s.Manager().Transport(); tr != e.transports[0] {
		t.Fatalf("transport %q, want %q", tr, e.transports[0])
	}
	h := p.hello(t)
	if id == "" || h.ID != id {
		t.Fatalf("client id %q, server id %q", id, h.ID)
	}
	if h.Nsp != "/" || !p.s.Connected() {
		t.Fatalf("nsp %q connected %v", h.Nsp, p.s.Connected())
	}
}

func testMultiplex(t *testing.T, e env) {
	m, err := client.NewManager(e.url, e.options()) // AutoConnect off: listeners first
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = m.Close(); m.Wait() })
	opens := make(chan struct{}, 8)
	m.OnOpen(func() { opens <- struct{}{} })
	root := attach(m.Socket("/", nil))
	admin := attach(m.Socket("/admin", &client.SocketOptions{Query: map[string][]string{"token": {"abc"}}}))
	if m.Socket("/admin", nil) != admin.s {
		t.Fatal("Manager.Socket made a second socket for the same namespace")
	}
	root.s.Connect()
	admin.s.Connect()
	recv(t, root.connects, "connect /")
	recv(t, admin.connects, "connect /admin")
	hr, ha := root.hello(t), admin.hello(t)
	if hr.Nsp != "/" || ha.Nsp != "/admin" {
		t.Fatalf("namespaces %q %q", hr.Nsp, ha.Nsp)
	}
	// socket.io 2.x merges the query of a protocol v4 CONNECT ("0/admin?token=abc,")
	// into the socket's handshake query; ours does the same.
	if e.protocol == 4 && ha.Query["token"] != "abc" {
		t.Fatalf("namespace query not seen by the server: %v", ha.Query)
	}
	for _, p := range []*probe{root, admin} {
		a, err := p.s.EmitWithAck(ctxT(t), "echo", p.s.Namespace())
		if err != nil {
			t.Fatal(err)
		}
		var got string
		_ = a.Decode(0, &got)
		if got != p.s.Namespace() {
			t.Fatalf("echo on %s: %q", p.s.Namespace(), got)
		}
	}
	// "/" leaves and comes back while "/admin" keeps the connection open (with protocol
	// 4 the client must then send CONNECT for "/", which the server first did by itself).
	root.s.Disconnect()
	if r := recv(t, root.disconnects, "disconnect /"); r != client.ReasonIOClientDisconnect {
		t.Fatalf("reason %q", r)
	}
	// socket.io 4.8 handles a DISCONNECT a tick late and closes the connection on a
	// CONNECT for a namespace it still has ("invalid state"); socket.io-client would hit
	// that too with disconnect() then connect(). A round trip on "/admin" lets it finish.
	if _, err := admin.s.EmitWithAck(ctxT(t), "echo"); err != nil {
		t.Fatal(err)
	}
	root.s.Connect()
	recv(t, root.connects, "connect / again")
	// A socket.io 2.x server registers "/" a tick after its CONNECT: a round trip on
	// "/admin" (answered after that tick) makes sure it has.
	if _, err := admin.s.EmitWithAck(ctxT(t), "echo"); err != nil {
		t.Fatal(err)
	}
	if _, err := root.s.EmitWithAck(ctxT(t), "echo"); err != nil {
		t.Fatal(err)
	}
	if n := len(opens); n != 1 {
		t.Fatalf("%d engine connections opened for two namespaces, want 1", n)
	}
}

func testAuth(t *testing.T, e env) {
	o := e.options()
	if e.protocol == 4 {
		o.Query = map[string][]string{"token": {"good"}}
	} else {
		calls := 0
		o.Auth = func() any { calls++; return map[string]any{"token": "good", "call": calls} }
	}
	p := e.dial(t, "/auth", o)
	recv(t, p.connects, "connect")
	h := p.hello(t)
	if e.protocol == 4 {
		if h.Query["token"] != "good" {
			t.Fatalf("query %v", h.Query)
		}
		return
	}
	if h.Auth["token"] != "good" || h.Auth["call"] != 1.0 {
		t.Fatalf("auth seen by the server: %v", h.Auth)
	}
}

func testRejection(t *testing.T, e env) {
	o := e.options()
	if e.protocol == 4 {
		o.Query = map[string][]string{"token": {"bad"}}
	} else {
		o.Auth = map[string]any{"token": "bad"}
	}
	p := e.dial(t, "/auth", o)
	err := recv(t, p.connErrs, "connect_error")
	var ce *client.ConnectError
	if !errors.As(err, &ce) {
		t.Fatalf("connect_error %T %v, want *client.ConnectError", err, err)
	}
	var d struct{ Code int }
	if err := ce.DecodeData(&d); err != nil || d.Code != 42 {
		t.Fatalf("data %s (%v), want {\"code\":42}", ce.Data, err)
	}
	if e.protocol == 5 && ce.Message != "not authorized" {
		t.Fatalf("message %q", ce.Message)
	}
	if p.s.Active() || p.s.Connected() {
		t.Fatal("socket still active after a refusal")
	}
}

func testAckToServer(t *testing.T, e env) {
	p := e.dial(t, "/", nil)
	recv(t, p.connects, "connect")
	a, err := p.s.EmitWithAck(ctxT(t), "echo", "a", 1, true, map[string]any{"k": "v"})
	if err != nil {
		t.Fatal(err)
	}
	if got := mustJSON(a); got != `["a",1,true,{"k":"v"}]` {
		t.Fatalf("echo answer %s", got)
	}
	answers := make(chan string, 1)
	if err := p.s.Emit("echo", "cb", func(s string) { answers <- s }); err != nil {
		t.Fatal(err)
	}
	if got := recv(t, answers, "ack callback"); got != "cb" {
		t.Fatalf("ack callback got %q", got)
	}
	start := time.Now()
	_, err = p.s.Timeout(150*time.Millisecond).EmitWithAck(ctxT(t), "nobody-answers")
	if !errors.Is(err, client.ErrAckTimeout) {
		t.Fatalf("err %v after %v, want ErrAckTimeout", err, time.Since(start))
	}
	errs := make(chan error, 1)
	_ = p.s.Timeout(150*time.Millisecond).Emit("nobody-answers", func(err error) { errs <- err })
	if err := recv(t, errs, "timeout callback"); !errors.Is(err, client.ErrAckTimeout) {
		t.Fatalf("callback err %v", err)
	}
}

func testAckToClient(t *testing.T, e env) {
	p := e.dial(t, "/", nil)
	p.s.On("question", func(q string, ack func(string)) { ack("answer to " + q) })
	p.s.On("ignored", func(q string) {})
	recv(t, p.connects, "connect")
	a, err := p.s.EmitWithAck(ctxT(t), "ask")
	if err != nil {
		t.Fatal(err)
	}
	var got string
	_ = a.Decode(0, &got)
	if got != "answer to q?" {
		t.Fatalf("server relayed %q", got)
	}
	if e.protocol == 4 {
		return // socket.io 2.x has no ack timeout
	}
	a, err = p.s.EmitWithAck(ctxT(t), "ask-ignored")
	if err != nil {
		t.Fatal(err)
	}
	_ = a.Decode(0, &got)
	if !strings.HasPrefix(got, "error: ") || !strings.Contains(got, "timed out") {
		t.Fatalf("server's ack timeout: %q", got)
	}
}

func testBinary(t *testing.T, e env) {
	p := e.dial(t, "/", nil)
	recv(t, p.connects, "connect")
	blob := []byte{0, 1, 2, 250, 255}
	a, err := p.s.EmitWithAck(ctxT(t), "echo", blob, map[string]any{"nested": []any{[]byte("x"), "y"}}, "text")
	if err != nil {
		t.Fatal(err)
	}
	var b []byte
	var nested map[string]any // binary inside any is restored as []byte
	var text string
	if err := a.Scan(&b, &nested, &text); err != nil {
		t.Fatal(err)
	}
	list, _ := nested["nested"].([]any)
	if string(b) != string(blob) || text != "text" || len(list) != 2 {
		t.Fatalf("binary echo: %v %v %q", b, nested, text)
	}
	if got, ok := list[0].([]byte); !ok || string(got) != "x" {
		t.Fatalf("nested binary: %#v", list[0])
	}
	if len(a.Attachments()) != 2 {
		t.Fatalf("%d attachments, want 2", len(a.Attachments()))
	}
}

func testRooms(t *testing.T, e env) {
	in := e.dial(t, "/", nil)
	out := e.dial(t, "/", nil)
	recv(t, in.connects, "connect")
	recv(t, out.connects, "connect")
	if _, err := in.s.EmitWithAck(ctxT(t), "join", "r1"); err != nil {
		t.Fatal(err)
	}
	if err := out.s.Emit("to-room", "r1", "hi room"); err != nil {
		t.Fatal(err)
	}
	a := in.next(t, "room-msg")
	var room, msg string
	_ = a.Scan(&room, &msg)
	if room != "r1" || msg != "hi room" {
		t.Fatalf("room-msg %q %q", room, msg)
	}
	// the sender is not in the room: a round trip later it has received nothing
	if _, err := out.s.EmitWithAck(ctxT(t), "echo"); err != nil {
		t.Fatal(err)
	}
	for len(out.events) > 0 {
		if ev := <-out.events; ev.name == "room-msg" {
			t.Fatal("a socket outside the room received the room's event")
		}
	}
}

func testServerDisconnect(t *testing.T, e env) {
	p := e.dial(t, "/", nil)
	recv(t, p.connects, "connect")
	_ = p.s.Emit("disconnect-me")
	if r := recv(t, p.disconnects, "disconnect"); r != client.ReasonIOServerDisconnect {
		t.Fatalf("reason %q, want %q", r, client.ReasonIOServerDisconnect)
	}
	if p.s.Active() {
		t.Fatal("socket reconnects after the server disconnected it")
	}
}

func testClientDisconnect(t *testing.T, e env) {
	p := e.dial(t, "/", nil)
	recv(t, p.connects, "connect")
	p.s.Disconnect()
	if r := recv(t, p.disconnects, "disconnect"); r != client.ReasonIOClientDisconnect {
		t.Fatalf("reason %q", r)
	}
	if p.s.Connected() || p.s.Active() {
		t.Fatal("still connected")
	}
	// Connect again on the same socket.
	p.s.Connect()
	recv(t, p.connects, "connect again")
}

func testReconnect(t *testing.T, e env) {
	p := e.dial(t, "/", nil)
	attempts := make(chan int, 16)
	reconnected := make(chan int, 4)
	p.s.Manager().OnReconnectAttempt(func(n int) { attempts <- n })
	p.s.Manager().OnReconnect(func(n int) { reconnected <- n })
	first := recv(t, p.connects, "connect")
	_ = p.s.Emit("drop")
	if r := recv(t, p.disconnects, "disconnect"); r != client.ReasonTransportClose {
		t.Fatalf("reason %q, want %q", r, client.ReasonTransportClose)
	}
	if n := recv(t, attempts, "reconnect_attempt"); n != 1 {
		t.Fatalf("first reconnect_attempt %d", n)
	}
	if n := recv(t, reconnected, "reconnect"); n != 1 {
		t.Fatalf("reconnect after %d attempts", n)
	}
	second := recv(t, p.connects, "connect after reconnection")
	if second == "" || (second == first && e.protocol == 5) {
		t.Fatalf("ids %q then %q", first, second)
	}
	if _, err := p.s.EmitWithAck(ctxT(t), "echo"); err != nil {
		t.Fatal(err)
	}
}

func testOfflineBuffer(t *testing.T, e env) {
	p := e.dial(t, "/", nil)
	key := fmt.Sprintf("%s-%d", t.Name(), time.Now().UnixNano())
	p.s.OnDisconnect(func(string) {
		// disconnected: these wait in the offline buffer, the volatile one is dropped
		for i := range 3 {
			_ = p.s.Emit("buffered", key, i)
		}
		_ = p.s.Volatile().Emit("buffered", key, 99)
	})
	recv(t, p.connects, "connect")
	_ = p.s.Emit("drop")
	recv(t, p.disconnects, "disconnect")
	recv(t, p.connects, "reconnect")
	a, err := p.s.EmitWithAck(ctxT(t), "get-buffered", key)
	if err != nil {
		t.Fatal(err)
	}
	var got []int
	_ = a.Decode(0, &got)
	if !slices.Equal(got, []int{0, 1, 2}) {
		t.Fatalf("server received %v, want [0 1 2]", got)
	}
}

func testRecovery(t *testing.T, e env) {
	p := e.dial(t, "/", nil)
	first := recv(t, p.connects, "connect")
	if p.s.Recovered() {
		t.Fatal("recovered on the first connection")
	}
	if _, err := p.s.EmitWithAck(ctxT(t), "join", "rr"); err != nil {
		t.Fatal(err)
	}
	_ = p.s.Emit("drop-then-emit", "rr", 3)
	recv(t, p.disconnects, "disconnect")
	second := recv(t, p.connects, "reconnect")
	if !p.s.Recovered() || second != first {
		t.Fatalf("recovered %v, ids %q then %q", p.s.Recovered(), first, second)
	}
	for i := range 3 {
		var n int
		_ = p.next(t, "missed").Decode(0, &n)
		if n != i {
			t.Fatalf("missed event %d, want %d", n, i)
		}
	}
}

func testInvalidNamespace(t *testing.T, e env) {
	p := e.dial(t, "/does-not-exist", nil)
	err := recv(t, p.connErrs, "connect_error")
	var ce *client.ConnectError
	if !errors.As(err, &ce) || ce.Message != "Invalid namespace" {
		t.Fatalf("connect_error %v, want *client.ConnectError \"Invalid namespace\"", err)
	}
	if p.s.Active() {
		t.Fatal("socket still active")
	}
}

// testWrongProtocol connects with protocol 5 to a server tested with protocol 4: a
// socket.io 2.x server must be refused with a clear error, not hang; our server serves
// both revisions, so the client connects.
func testWrongProtocol(t *testing.T, e env) {
	o := e.options()
	o.Protocol = 5
	o.Reconnection = new(false)
	p := e.dial(t, "/", o)
	if !e.target.onlyV4 {
		recv(t, p.connects, "connect")
		return
	}
	err := recv(t, p.connErrs, "connect_error")
	t.Logf("connect_error: %v", err)
	if !errors.Is(err, client.ErrV2Server) && !errors.Is(err, engineio.ErrHandshake) {
		t.Fatalf("connect_error %v, want ErrV2Server or engineio.ErrHandshake", err)
	}
}
