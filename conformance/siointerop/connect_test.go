package siointerop

import (
	"errors"
	"fmt"
	"regexp"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/gosockio/gosockio/socketio"
)

// testConnect: the client connects to "/"; ids, protocol, transport and the
// handshake as the server sees them.
func testConnect(t *testing.T, d *driver, m mode) {
	w := newWorld(t, d, m, nil, nil)
	c, ss := w.dial("a", "/", nil)
	if got := ss.Conn().ID(); got != c.engineID {
		t.Errorf("server engine id %q, client's %q", got, c.engineID)
	}
	wantProto := map[int]int{4: 4, 2: 3}[d.version]
	if got := ss.Conn().Protocol(); got != wantProto {
		t.Errorf("server Protocol() = %d, want %d", got, wantProto)
	}
	if d.version == 2 {
		// socket.io 2.x: the socket id of "/" is the engine id.
		if ss.ID() != c.engineID {
			t.Errorf("v4 socket id %q, want the engine id %q", ss.ID(), c.engineID)
		}
	} else if ss.ID() == c.engineID || ss.ID() == "" {
		t.Errorf("v5 socket id %q: want a fresh id, not the engine id %q", ss.ID(), c.engineID)
	}
	h := ss.Handshake()
	if got, want := h.Query.Get("EIO"), fmt.Sprint(wantProto); got != want {
		t.Errorf("Handshake.Query EIO = %q, want %q", got, want)
	}
	if got := h.Query.Get("transport"); got != m.transports[0] {
		t.Errorf("Handshake.Query transport = %q, want %q", got, m.transports[0])
	}
	if h.Address == "" || h.Issued == 0 || h.Time.IsZero() || h.URL == "" {
		t.Errorf("Handshake lacks address/time/url: %+v", h)
	}
	if !ss.Connected() {
		t.Error("server socket not Connected()")
	}
	// One exchange proves the session works on the final transport.
	c.emit("echo", "hi")
	if got := fromJSArgs(t, c.wantEvent("echo").Args); !cmp.Equal(got, []any{"hi"}) {
		t.Errorf("echo = %v", got)
	}
}

// testMultiplex: "/" and "/admin" on one Manager share one engine connection;
// events reach the right namespace; leaving one keeps the other.
func testMultiplex(t *testing.T, d *driver, m mode) {
	w := newWorld(t, d, m, nil, nil)
	a, sa := w.dial("a", "/", nil)
	b := w.openOn("b", a, "/admin", nil)
	_, sb := w.connect(b, "/admin")
	if sa.Conn().ID() != sb.Conn().ID() {
		t.Errorf("namespaces on engine connections %q and %q, want one", sa.Conn().ID(), sb.Conn().ID())
	}
	if d.version == 2 {
		if want := "/admin#" + a.engineID; sb.ID() != want {
			t.Errorf("v4 socket id on /admin %q, want %q", sb.ID(), want)
		}
	} else if sa.ID() == sb.ID() {
		t.Errorf("both namespaces have socket id %q", sa.ID())
	}
	if sb.Namespace().Name() != "/admin" {
		t.Errorf("server namespace %q", sb.Namespace().Name())
	}

	must(t, sa.Emit("which", "/"))
	must(t, sb.Emit("which", "/admin"))
	if got := fromJSArgs(t, a.wantEvent("which").Args); !cmp.Equal(got, []any{"/"}) {
		t.Errorf("client / got which %v", got)
	}
	if got := fromJSArgs(t, b.wantEvent("which").Args); !cmp.Equal(got, []any{"/admin"}) {
		t.Errorf("client /admin got which %v", got)
	}
	// A namespace-wide emit reaches that namespace only.
	must(t, w.srv.Of("/admin").Emit("nsp", "admin only"))
	must(t, sa.Emit("marker"))
	if got := fromJSArgs(t, b.wantEvent("nsp").Args); !cmp.Equal(got, []any{"admin only"}) {
		t.Errorf("client /admin got nsp %v", got)
	}
	for _, e := range a.eventsUntil("marker") {
		t.Errorf("client / got %v, want nothing before the marker", e)
	}
	b.emit("hello", "from admin")
	a.emit("hello", "from root")
	if got := w.wantServerEvent(sb, "hello").args.Values(); !cmp.Equal(got, []any{"from admin"}) {
		t.Errorf("/admin got %v", got)
	}
	if got := w.wantServerEvent(sa, "hello").args.Values(); !cmp.Equal(got, []any{"from root"}) {
		t.Errorf("/ got %v", got)
	}

	// Leaving /admin keeps / and its engine connection.
	b.cmd("disconnect", nil)
	wantDisconnect(t, b, "io client disconnect")
	w.wantReason(sb, socketio.ReasonClientNamespaceDisconnect)
	must(t, sa.Emit("still", 1))
	if got := fromJSArgs(t, a.wantEvent("still").Args); !cmp.Equal(got, []any{1.0}) {
		t.Errorf("still = %v", got)
	}
	if !sa.Connected() {
		t.Error("/ disconnected with /admin")
	}
}

// testAuthQuery: the CONNECT auth (v5) or the namespace's query (v4), and the
// engine handshake's query, reach Handshake.
func testAuthQuery(t *testing.T, d *driver, m mode) {
	w := newWorld(t, d, m, nil, nil)
	if d.version == 4 {
		a := w.open("a", "/", map[string]any{
			"auth":  map[string]any{"token": "abc", "n": 1},
			"query": map[string]any{"q": "1"},
		})
		w.waitOpen(a)
		_, sa := w.connect(a, "/")
		if diff := cmp.Diff(map[string]any{"token": "abc", "n": 1.0}, sa.Handshake().Auth); diff != "" {
			t.Errorf("Auth on / (-want +got):\n%s", diff)
		}
		var auth struct {
			Token string
			N     int
		}
		if err := sa.Handshake().DecodeAuth(&auth); err != nil || auth.Token != "abc" || auth.N != 1 {
			t.Errorf("DecodeAuth = %+v, %v", auth, err)
		}
		if got := sa.Handshake().Query.Get("q"); got != "1" {
			t.Errorf("Query q = %q, want 1", got)
		}
		b := w.openOn("b", a, "/admin", map[string]any{"auth": map[string]any{"token": "xyz"}})
		_, sb := w.connect(b, "/admin")
		if diff := cmp.Diff(map[string]any{"token": "xyz"}, sb.Handshake().Auth); diff != "" {
			t.Errorf("Auth on /admin (-want +got):\n%s", diff)
		}
		return
	}
	// socket.io-client 2.x: io("http://host/admin?token=abc") sends the query
	// with the namespace's CONNECT packet ("0/admin?token=abc,").
	a := w.openURL("a", w.url+"/admin?token=abc&n=1", nil)
	w.waitOpen(a)
	_, sa := w.connect(a, "/admin")
	if diff := cmp.Diff(map[string]any{"token": "abc", "n": "1"}, sa.Handshake().Auth); diff != "" {
		t.Errorf("Auth from the namespace query (-want +got):\n%s", diff)
	}
	if q := sa.Handshake().Query; q.Get("token") != "abc" || q.Get("n") != "1" {
		t.Errorf("Query = %v, want token=abc and n=1 from the namespace query", q)
	}
	// The engine handshake query (opts.query).
	b := w.open("b", "/", map[string]any{"query": map[string]any{"q": "1"}})
	w.waitOpen(b)
	for {
		// "/" of client a (connected by the server at once for v3) comes first.
		sb := w.nextSocket("/")
		if sb.Conn().ID() != b.engineID {
			continue
		}
		if got := sb.Handshake().Query.Get("q"); got != "1" {
			t.Errorf("Query q = %q, want 1", got)
		}
		break
	}
	b.wantKind("connect")
	// A socket with its own query on b's Manager: socket.io 2.x merges the CONNECT's
	// namespace query over the engine query (q=1), the namespace's keys winning.
	c := w.openOn("c", b, "/admin", map[string]any{"query": map[string]any{"q": "2", "token": "xyz"}})
	_, sc := w.connect(c, "/admin")
	q := sc.Handshake().Query
	if q.Get("q") != "2" || len(q["q"]) != 1 || q.Get("token") != "xyz" || q.Get("EIO") != "3" {
		t.Errorf("Query = %v, want q=2 and token=xyz (namespace query over the engine's q=1), EIO=3", q)
	}
}

// testMiddlewareErrors: a namespace middleware refuses the connection. v5
// clients get connect_error with err.message and err.data; v4 clients get an
// "error" event with the data, or the message when there is no data.
func testMiddlewareErrors(t *testing.T, d *driver, m mode) {
	w := newWorld(t, d, m, nil, func(srv *socketio.Server) {
		srv.Of("/admin").Use(func(s *socketio.Socket) error {
			return &socketio.ConnectError{Message: "not authorized", Data: map[string]any{"code": 42, "why": "no token"}}
		})
		srv.Of("/private").Use(func(s *socketio.Socket) error {
			return errors.New("private only")
		})
	})
	// "/" keeps the Manager's engine connection open (socket.io-client 4 closes
	// a Manager whose sockets are all refused).
	a, _ := w.dial("a", "/", nil)
	b := w.openOn("b", a, "/admin", nil)
	c := w.openOn("c", a, "/private", nil)
	if d.version == 4 {
		e := b.wantKind("connect_error")
		if e.Message != "not authorized" {
			t.Errorf("connect_error message %q", e.Message)
		}
		if diff := cmp.Diff(map[string]any{"code": 42.0, "why": "no token"}, fromJS(t, e.Data)); diff != "" {
			t.Errorf("connect_error data (-want +got):\n%s", diff)
		}
		e = c.wantKind("connect_error")
		if e.Message != "private only" || string(e.Data) != "null" {
			t.Errorf("connect_error %q data %s, want \"private only\" and no data", e.Message, e.Data)
		}
	} else {
		if diff := cmp.Diff(map[string]any{"code": 42.0, "why": "no token"}, fromJS(t, b.wantKind("error").Data)); diff != "" {
			t.Errorf("error data (-want +got):\n%s", diff)
		}
		if got := fromJS(t, c.wantKind("error").Data); got != "private only" {
			t.Errorf("error data %v, want \"private only\"", got)
		}
	}
	// The namespace that accepted still works on the same connection.
	a.emit("echo", "still here")
	a.wantEvent("echo")
	w.noSocket("/admin")
	w.noSocket("/private")

	// A refusal on "/" itself.
	w2 := newWorld(t, d, m, nil, func(srv *socketio.Server) {
		srv.Use(func(s *socketio.Socket) error { return errors.New("root refused") })
	})
	r := w2.open("r", "/", nil)
	if d.version == 4 {
		if e := r.wantKind("connect_error"); e.Message != "root refused" {
			t.Errorf("connect_error on / %q", e.Message)
		}
	} else if got := fromJS(t, r.wantKind("error").Data); got != "root refused" {
		t.Errorf("error on / %v", got)
	}
	w2.noSocket("/")
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// testDynamicNamespaces: a namespace made on demand by OfRegexp; an unknown
// namespace is refused with "Invalid namespace" (v5: connect_error; v4: an
// "error" event).
func testDynamicNamespaces(t *testing.T, d *driver, m mode) {
	joined := make(chan *socketio.Socket, 1)
	w := newWorld(t, d, m, nil, func(srv *socketio.Server) {
		srv.OfRegexp(regexp.MustCompile(`^/dyn-\d+$`)).OnConnection(func(s *socketio.Socket) {
			joined <- s
			_ = s.Emit("welcome", s.Namespace().Name())
		})
	})
	a, _ := w.dial("a", "/", nil)
	b := w.openOn("b", a, "/dyn-42", nil)
	b.wantKind("connect")
	if got := fromJSArgs(t, b.wantEvent("welcome").Args); !cmp.Equal(got, []any{"/dyn-42"}) {
		t.Errorf("welcome %v", got)
	}
	select {
	case s := <-joined:
		if s.Namespace().Name() != "/dyn-42" {
			t.Errorf("child namespace %q", s.Namespace().Name())
		}
	default:
		t.Error("no connection on the child namespace")
	}
	c := w.openOn("c", a, "/nowhere", nil)
	if d.version == 4 {
		if e := c.wantKind("connect_error"); e.Message != "Invalid namespace" {
			t.Errorf("connect_error %q, want Invalid namespace", e.Message)
		}
	} else if got := fromJS(t, c.wantKind("error").Data); got != "Invalid namespace" {
		t.Errorf("error %v, want Invalid namespace", got)
	}
	// The connection is unharmed.
	a.emit("echo", 1)
	a.wantEvent("echo")
}
