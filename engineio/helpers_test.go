package engineio

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"
)

// closeEvent is one OnClose call.
type closeEvent struct {
	sid    string
	reason string
	cause  error
}

// testEnv is a Server behind an httptest.Server whose sockets echo every message.
type testEnv struct {
	t      *testing.T
	srv    *Server
	ts     *httptest.Server
	client *http.Client
	closes chan closeEvent
	seen   map[string]closeEvent // closes read while waiting for another socket
	socks  chan *Socket
}

func newEnv(t *testing.T, opts *Options) *testEnv {
	t.Helper()
	srv, err := NewServer(opts)
	if err != nil {
		t.Fatal(err)
	}
	e := &testEnv{t: t, srv: srv, closes: make(chan closeEvent, 64), seen: map[string]closeEvent{}, socks: make(chan *Socket, 64)}
	srv.OnConnection(func(s *Socket) {
		s.OnMessage(func(m Message) { _ = s.Send([]Message{m}, SendOptions{}) })
		s.OnClose(func(reason string, cause error) { e.closes <- closeEvent{s.ID(), reason, cause} })
		e.socks <- s
	})
	e.ts = httptest.NewServer(srv)
	e.client = &http.Client{Transport: &http.Transport{}}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := srv.Shutdown(ctx); err != nil && err != ErrServerClosed {
			t.Errorf("Shutdown: %v", err)
		}
		e.client.CloseIdleConnections()
		e.ts.Close()
	})
	return e
}

func (e *testEnv) url(query string) string { return e.ts.URL + "/engine.io/?" + query }

type resp struct {
	status int
	body   string
	header http.Header
}

func (e *testEnv) do(method, query, ctype, body string, hdr ...string) resp {
	e.t.Helper()
	req, err := http.NewRequest(method, e.url(query), strings.NewReader(body))
	if err != nil {
		e.t.Fatal(err)
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	res, err := e.client.Do(req)
	if err != nil {
		e.t.Fatalf("%s %s: %v", method, query, err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		e.t.Fatal(err)
	}
	return resp{res.StatusCode, string(b), res.Header}
}

func (e *testEnv) get(query string) resp { e.t.Helper(); return e.do("GET", query, "", "") }

func (e *testEnv) post(query, body string) resp {
	e.t.Helper()
	return e.do("POST", query, "text/plain;charset=UTF-8", body)
}

// handshake opens a polling session and returns its sid.
func (e *testEnv) handshake(eio string, extra string) string {
	e.t.Helper()
	r := e.get("EIO=" + eio + "&transport=polling" + extra)
	if r.status != 200 {
		e.t.Fatalf("handshake: %d %s", r.status, r.body)
	}
	body := r.body
	if eio == "3" {
		ps, err := DecodePayloadV3([]byte(body))
		if err != nil || len(ps) == 0 {
			e.t.Fatalf("handshake payload %q: %v", body, err)
		}
		body = "0" + string(ps[0].Data)
	}
	var h struct{ Sid string }
	if err := json.Unmarshal([]byte(body[1:]), &h); err != nil {
		e.t.Fatalf("handshake %q: %v", body, err)
	}
	return h.Sid
}

// wantError checks a Node error answer.
func wantError(t *testing.T, r resp, status int, body string) {
	t.Helper()
	if r.status != status || r.body != body {
		t.Fatalf("got %d %s, want %d %s", r.status, r.body, status, body)
	}
}

// dial opens a websocket to the server.
func (e *testEnv) dial(query string) (*websocket.Conn, *http.Response, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c, res, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(e.url(query), "http"), nil)
	if err == nil {
		e.t.Cleanup(func() { _ = c.CloseNow() })
	}
	return c, res, err
}

func wsRead(t *testing.T, c *websocket.Conn) (websocket.MessageType, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	typ, b, err := c.Read(ctx)
	if err != nil {
		t.Fatalf("websocket read: %v", err)
	}
	return typ, string(b)
}

func wsWrite(t *testing.T, c *websocket.Conn, typ websocket.MessageType, s string) {
	t.Helper()
	if err := c.Write(context.Background(), typ, []byte(s)); err != nil {
		t.Fatalf("websocket write: %v", err)
	}
}

// wsWaitClosed reads until the server closes the connection.
func wsWaitClosed(t *testing.T, c *websocket.Conn) error {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for {
		if _, _, err := c.Read(ctx); err != nil {
			if ctx.Err() != nil {
				t.Fatal("websocket not closed by the server within 5s")
			}
			return err
		}
	}
}

func (e *testEnv) waitClose(sid string) closeEvent {
	e.t.Helper()
	if ev, ok := e.seen[sid]; ok {
		return ev
	}
	timeout := time.After(5 * time.Second)
	for {
		select {
		case ev := <-e.closes:
			if ev.sid == sid {
				return ev
			}
			e.seen[ev.sid] = ev
		case <-timeout:
			e.t.Fatalf("socket %s not closed within 5s", sid)
		}
	}
}

func (e *testEnv) socket(sid string) *Socket {
	e.t.Helper()
	timeout := time.After(5 * time.Second)
	for {
		select {
		case s := <-e.socks:
			if s.ID() == sid {
				return s
			}
		case <-timeout:
			e.t.Fatalf("no socket %s", sid)
		}
	}
}

// async runs f in a goroutine and returns its result on a channel.
func async[T any](f func() T) <-chan T {
	ch := make(chan T, 1)
	var wg sync.WaitGroup
	wg.Go(func() { ch <- f() })
	return ch
}

// assertServing checks that the server still opens and serves a new session.
func (e *testEnv) assertServing() {
	e.t.Helper()
	sid := e.handshake("4", "")
	if r := e.post("EIO=4&transport=polling&sid="+sid, "4still"); r.status != 200 {
		e.t.Fatalf("post: %d %s", r.status, r.body)
	}
	if r := e.get("EIO=4&transport=polling&sid=" + sid); r.body != "4still" {
		e.t.Fatalf("echo: %q", r.body)
	}
}

// waitFor polls cond until it holds, failing after 5s. For conditions no event announces.
func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met within 5s")
		}
		time.Sleep(time.Millisecond)
	}
}
