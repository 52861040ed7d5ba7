package engineio

import (
	"bytes"
	"compress/zlib"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"
)

func TestCORS(t *testing.T) {
	t.Run("listed origin, preflight", func(t *testing.T) {
		e := newEnv(t, &Options{CORS: &CORSOptions{Origins: []string{"https://a.example"}, Credentials: true, MaxAge: time.Hour}})
		r := e.do("OPTIONS", "EIO=4&transport=polling", "", "", "Origin", "https://a.example", "Access-Control-Request-Headers", "x-token")
		h := r.header
		if r.status != 204 || h.Get("Access-Control-Allow-Origin") != "https://a.example" || h.Get("Access-Control-Allow-Credentials") != "true" ||
			h.Get("Access-Control-Allow-Methods") != "GET,HEAD,PUT,PATCH,POST,DELETE" || h.Get("Access-Control-Allow-Headers") != "x-token" ||
			h.Get("Access-Control-Max-Age") != "3600" || !strings.Contains(strings.Join(h.Values("Vary"), ","), "Origin") {
			t.Fatalf("preflight: %d %v", r.status, h)
		}
		r = e.do("GET", "EIO=4&transport=polling", "", "", "Origin", "https://a.example")
		if r.status != 200 || r.header.Get("Access-Control-Allow-Origin") != "https://a.example" {
			t.Fatalf("GET: %d %v", r.status, r.header)
		}
	})
	t.Run("other origin gets no headers", func(t *testing.T) {
		e := newEnv(t, &Options{CORS: &CORSOptions{Origins: []string{"https://a.example"}}})
		r := e.do("GET", "EIO=4&transport=polling", "", "", "Origin", "https://evil.example")
		if r.header.Get("Access-Control-Allow-Origin") != "" {
			t.Fatalf("headers %v", r.header)
		}
	})
	t.Run("wildcard", func(t *testing.T) {
		e := newEnv(t, &Options{CORS: &CORSOptions{Origins: []string{"*"}}})
		r := e.do("GET", "EIO=4&transport=polling", "", "", "Origin", "https://b.example")
		if r.header.Get("Access-Control-Allow-Origin") != "*" {
			t.Fatalf("headers %v", r.header)
		}
	})
	t.Run("wildcard with credentials echoes the origin", func(t *testing.T) {
		e := newEnv(t, &Options{CORS: &CORSOptions{Origins: []string{"*"}, Credentials: true}})
		r := e.do("GET", "EIO=4&transport=polling", "", "", "Origin", "https://b.example")
		if r.header.Get("Access-Control-Allow-Origin") != "https://b.example" || r.header.Get("Access-Control-Allow-Credentials") != "true" {
			t.Fatalf("headers %v", r.header)
		}
	})
	t.Run("func and error answers", func(t *testing.T) {
		e := newEnv(t, &Options{CORS: &CORSOptions{AllowOrigin: func(o string) bool { return strings.HasSuffix(o, ".example") }}})
		r := e.do("GET", "EIO=9&transport=polling", "", "", "Origin", "https://c.example")
		if r.status != 400 || r.header.Get("Access-Control-Allow-Origin") != "https://c.example" {
			t.Fatalf("error answer without CORS headers: %d %v", r.status, r.header)
		}
	})
}

func TestAllowRequest(t *testing.T) {
	e := newEnv(t, &Options{AllowRequest: func(r *http.Request) error {
		if r.Header.Get("X-Token") != "ok" {
			return errors.New("Thou shall not pass")
		}
		return nil
	}})
	wantError(t, e.get("EIO=4&transport=polling"), 403, `{"code":4,"message":"Thou shall not pass"}`)
	// As in Node, AllowRequest runs before the handshake checks the protocol revision.
	wantError(t, e.get("EIO=9&transport=polling"), 403, `{"code":4,"message":"Thou shall not pass"}`)
	// A refused upgrade is answered as Node's abortUpgrade does: 400, the message as text/html.
	if _, res, err := e.dial("EIO=4&transport=websocket"); err == nil || res.StatusCode != 400 || res.Header.Get("Content-Type") != "text/html" {
		t.Fatalf("websocket: %v %v", err, res)
	}
	if r := e.do("GET", "EIO=4&transport=polling", "", "", "X-Token", "ok"); r.status != 200 {
		t.Fatalf("allowed: %d", r.status)
	}
}

func TestCookie(t *testing.T) {
	e := newEnv(t, &Options{Cookie: &CookieOptions{}})
	r := e.get("EIO=4&transport=polling")
	sid := sidOf(t, r.body)
	if got, want := r.header.Get("Set-Cookie"), "io="+sid+"; Path=/; HttpOnly; SameSite=Lax"; got != want {
		t.Fatalf("Set-Cookie %q, want %q", got, want)
	}
	if r := e.post("EIO=4&transport=polling&sid="+sid, "4x"); r.header.Get("Set-Cookie") != "" {
		t.Fatal("cookie on a later request")
	}
	if r := e.get("EIO=4&transport=polling&sid=" + sid); r.body != "4x" || r.header.Get("Set-Cookie") != "" {
		t.Fatalf("cookie on a later GET: %q %v", r.body, r.header)
	}
}

func TestInitialPacketAndOptions(t *testing.T) {
	e := newEnv(t, &Options{InitialPacket: &Message{Data: []byte("welcome")}, Path: "/io", DisableTrailingSlash: true,
		PingInterval: time.Second, PingTimeout: 500 * time.Millisecond, MaxHTTPBufferSize: 10, DisableUpgrades: true})
	res, err := e.client.Get(e.ts.URL + "/io?EIO=4&transport=polling")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var b bytes.Buffer
	_, _ = b.ReadFrom(res.Body)
	if !strings.HasPrefix(b.String(), `0{"sid":"`) || !strings.HasSuffix(b.String(), `","upgrades":[],"pingInterval":1000,"pingTimeout":500,"maxPayload":10}`+"\x1e4welcome") {
		t.Fatalf("handshake %q", b.String())
	}
}

func TestNewServerErrors(t *testing.T) {
	for _, o := range []*Options{{Path: "x"}, {Transports: []string{"carrier-pigeon"}}, {PingInterval: -1}, {MaxHTTPBufferSize: -5}} {
		if _, err := NewServer(o); err == nil {
			t.Errorf("NewServer(%+v): no error", o)
		}
	}
}

func TestQueueOverflow(t *testing.T) {
	e := newEnv(t, &Options{MaxQueuedMessages: 3})
	sid := e.handshake("4", "")
	s := e.socket(sid)
	if err := s.Send([]Message{{Data: []byte("v")}}, SendOptions{Volatile: true}); !errors.Is(err, ErrDropped) {
		t.Fatalf("volatile without pending GET: %v", err)
	}
	if err := s.Send([]Message{{Data: []byte("a")}, {Data: []byte("b")}, {Data: []byte("c")}}, SendOptions{}); err != nil {
		t.Fatal(err)
	}
	err := s.Send([]Message{{Data: []byte("d")}}, SendOptions{})
	if !errors.Is(err, ErrQueueFull) {
		t.Fatalf("overflow: %v", err)
	}
	if ev := e.waitClose(sid); ev.reason != "transport error" || !errors.Is(ev.cause, ErrQueueFull) {
		t.Fatalf("close %q %v", ev.reason, ev.cause)
	}
	if err := s.Send([]Message{{Data: []byte("e")}}, SendOptions{}); !errors.Is(err, ErrClosed) {
		t.Fatalf("after close: %v", err)
	}

	// A volatile send with a pending GET goes out; one that overflows is dropped.
	sid = e.handshake("4", "")
	s = e.socket(sid)
	poll := async(func() resp { return e.get("EIO=4&transport=polling&sid=" + sid) })
	waitPending(t, e.srv, sid)
	if err := s.Send([]Message{{Data: []byte("1")}, {Data: []byte("2")}, {Data: []byte("3")}, {Data: []byte("4")}}, SendOptions{Volatile: true}); !errors.Is(err, ErrDropped) {
		t.Fatalf("volatile overflow: %v", err)
	}
	if err := s.Send([]Message{{Data: []byte("v")}}, SendOptions{Volatile: true}); err != nil {
		t.Fatal(err)
	}
	if r := <-poll; r.body != "4v" {
		t.Fatalf("GET %q", r.body)
	}
}

func TestShutdown(t *testing.T) {
	e := newEnv(t, nil)
	sid := e.handshake("4", "")
	poll := async(func() resp { return e.get("EIO=4&transport=polling&sid=" + sid) })
	waitPending(t, e.srv, sid)
	c, _, err := e.dial("EIO=4&transport=websocket")
	if err != nil {
		t.Fatal(err)
	}
	_, open := wsRead(t, c)
	closed := async(func() error { _, _, err := c.Read(context.Background()); return err })
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := e.srv.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	if r := <-poll; r.body != "1" {
		t.Fatalf("pending GET %q", r.body)
	}
	if err := <-closed; websocket.CloseStatus(err) != websocket.StatusNormalClosure {
		t.Fatalf("websocket: %v", err)
	}
	for _, id := range []string{sid, sidOf(t, open)} {
		if ev := e.waitClose(id); ev.reason != "server shutting down" {
			t.Fatalf("reason %q", ev.reason)
		}
	}
	if n := e.srv.ClientsCount(); n != 0 {
		t.Fatalf("ClientsCount %d", n)
	}
	if r := e.get("EIO=4&transport=polling"); r.status != 503 {
		t.Fatalf("after shutdown: %d", r.status)
	}
	if err := e.srv.Shutdown(ctx); !errors.Is(err, ErrServerClosed) {
		t.Fatalf("second Shutdown: %v", err)
	}
}

func TestPanicInOnMessageClosesOnlyThatSocket(t *testing.T) {
	srvEnv := newEnv(t, nil)
	srvEnv.srv.OnConnection(func(s *Socket) {
		s.OnMessage(func(m Message) {
			if string(m.Data) == "boom" {
				panic("boom")
			}
			_ = s.Send([]Message{m}, SendOptions{})
		})
		s.OnClose(func(reason string, cause error) { srvEnv.closes <- closeEvent{s.ID(), reason, cause} })
	})
	sid := srvEnv.handshake("4", "")
	srvEnv.post("EIO=4&transport=polling&sid="+sid, "4boom")
	if ev := srvEnv.waitClose(sid); ev.reason != "transport error" {
		t.Fatalf("reason %q", ev.reason)
	}
	srvEnv.assertServing()
}

func TestSocketAccessors(t *testing.T) {
	e := newEnv(t, nil)
	sid := e.handshake("3", "&b64=1")
	s := e.socket(sid)
	if s.ID() != sid || s.Protocol() != 3 || s.Transport() != "polling" || s.RemoteAddr() == "" || s.Request().URL.Query().Get("EIO") != "3" {
		t.Fatalf("accessors: %s %d %s %s", s.ID(), s.Protocol(), s.Transport(), s.RemoteAddr())
	}
	if e.srv.ClientsCount() != 1 {
		t.Fatalf("ClientsCount %d", e.srv.ClientsCount())
	}
}

func TestDebugEnabled(t *testing.T) {
	for env, want := range map[string]bool{"": false, "engine": true, "engine*": true, "engine:*": true, "*": true,
		"socket.io*": false, "engine*,-engine:socket,-engine,-engine:polling,-engine:ws,-engine:transport": false, "foo, engine:ws": true} {
		if got := debugSelects(env, debugComponents...); got != want {
			t.Errorf("debugSelects(%q) = %v, want %v", env, got, want)
		}
	}
}

func TestGenerateID(t *testing.T) {
	n := 0
	e := newEnv(t, &Options{GenerateID: func(r *http.Request) (string, error) {
		n++
		if n == 2 {
			return "", errors.New("no ids left")
		}
		return "custom-id", nil
	}})
	if sid := e.handshake("4", ""); sid != "custom-id" {
		t.Fatalf("sid %q", sid)
	}
	wantError(t, e.get("EIO=4&transport=polling"), 400, `{"code":3,"message":"Bad request"}`)
}

func TestDeflateCompression(t *testing.T) {
	body := []byte(strings.Repeat("abc", 1000))
	z := compressBody(nil, "deflate", body)
	zr, err := zlib.NewReader(bytes.NewReader(z))
	if err != nil {
		t.Fatal(err)
	}
	plain, _ := io.ReadAll(zr)
	if !bytes.Equal(plain, body) {
		t.Fatal("deflate round trip")
	}
}

func TestConcurrentPostClosesSession(t *testing.T) {
	e := newEnv(t, nil)
	release := make(chan struct{})
	entered := make(chan struct{}, 1)
	e.srv.OnConnection(func(s *Socket) {
		s.OnMessage(func(m Message) {
			entered <- struct{}{}
			<-release
		})
		s.OnClose(func(reason string, cause error) { e.closes <- closeEvent{s.ID(), reason, cause} })
	})
	sid := e.handshake("4", "")
	q := "EIO=4&transport=polling&sid=" + sid
	first := async(func() resp { return e.post(q, "4slow") })
	<-entered
	wantError(t, e.post(q, "4second"), 400, `{"code":3,"message":"Bad request"}`)
	close(release)
	<-first
	if ev := e.waitClose(sid); ev.reason != "transport error" {
		t.Fatalf("reason %q", ev.reason)
	}
}

// An overflow closes the socket, but its OnClose must not run in the sender's goroutine:
// a broadcast loop or a handler that holds a lock its disconnect handler also takes would
// deadlock (as a chat server that emits under its state lock does).
func TestQueueOverflowCloseRunsOffSender(t *testing.T) {
	srv, err := NewServer(&Options{MaxQueuedMessages: 1})
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	socks := make(chan *Socket, 1)
	closed := make(chan string, 1)
	srv.OnConnection(func(s *Socket) {
		s.OnClose(func(reason string, _ error) {
			mu.Lock()
			defer mu.Unlock()
			closed <- reason
		})
		socks <- s
	})
	ts := httptest.NewServer(srv)
	defer ts.Close()
	defer func() { _ = srv.Shutdown(context.Background()) }()
	res, err := http.Get(ts.URL + "/engine.io/?EIO=4&transport=polling")
	if err != nil {
		t.Fatal(err)
	}
	_ = res.Body.Close()
	s := <-socks

	mu.Lock()
	locked := true
	defer func() {
		if locked {
			mu.Unlock()
		}
	}()
	if err := s.Send([]Message{{Data: []byte("a")}}, SendOptions{}); err != nil {
		t.Fatal(err)
	}
	sent := make(chan error, 1)
	go func() { sent <- s.Send([]Message{{Data: []byte("b")}}, SendOptions{}) }()
	select {
	case err := <-sent:
		if !errors.Is(err, ErrQueueFull) {
			t.Fatalf("overflowing Send: %v, want ErrQueueFull", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the overflowing Send did not return while the OnClose handler was blocked: OnClose ran in the sender's goroutine")
	}
	if err := s.Send([]Message{{Data: []byte("c")}}, SendOptions{}); !errors.Is(err, ErrQueueFull) && !errors.Is(err, ErrClosed) {
		t.Fatalf("Send after overflow: %v", err)
	}
	mu.Unlock()
	locked = false
	if r := <-closed; r != ReasonTransportError {
		t.Fatalf("close reason %q", r)
	}
}
