package engineio

import (
	"context"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/coder/websocket"
)

// pipeListener is an in-memory net.Listener over net.Pipe, so that a whole server and its
// clients run inside a testing/synctest bubble (pipes block durably, sockets do not).
type pipeListener struct {
	ch   chan net.Conn
	done chan struct{}
	once sync.Once
}

func newPipeListener() *pipeListener {
	return &pipeListener{ch: make(chan net.Conn), done: make(chan struct{})}
}

func (l *pipeListener) Accept() (net.Conn, error) {
	select {
	case c := <-l.ch:
		return c, nil
	case <-l.done:
		return nil, net.ErrClosed
	}
}

func (l *pipeListener) Close() error   { l.once.Do(func() { close(l.done) }); return nil }
func (l *pipeListener) Addr() net.Addr { return pipeAddr{} }

func (l *pipeListener) dial(ctx context.Context, _, _ string) (net.Conn, error) {
	client, server := net.Pipe()
	select {
	case l.ch <- server:
		return client, nil
	case <-l.done:
		return nil, net.ErrClosed
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

type pipeAddr struct{}

func (pipeAddr) Network() string { return "pipe" }
func (pipeAddr) String() string  { return "pipe" }

// pipeEnv is a Server served over a pipeListener; use it inside synctest.Test.
type pipeEnv struct {
	t      *testing.T
	srv    *Server
	client *http.Client
	closes chan closeEvent
}

func newPipeEnv(t *testing.T, opts *Options) *pipeEnv {
	srv, err := NewServer(opts)
	if err != nil {
		t.Fatal(err)
	}
	e := &pipeEnv{t: t, srv: srv, closes: make(chan closeEvent, 16)}
	srv.OnConnection(func(s *Socket) {
		s.OnMessage(func(m Message) { _ = s.Send([]Message{m}, SendOptions{}) })
		s.OnClose(func(reason string, cause error) { e.closes <- closeEvent{s.ID(), reason, cause} })
	})
	l := newPipeListener()
	hs := &http.Server{Handler: srv}
	var wg sync.WaitGroup
	wg.Go(func() { _ = hs.Serve(l) }) // stopped by hs.Close in Cleanup
	tr := &http.Transport{DialContext: l.dial}
	e.client = &http.Client{Transport: tr}
	t.Cleanup(func() {
		_ = srv.Shutdown(context.Background())
		tr.CloseIdleConnections()
		_ = hs.Close()
		wg.Wait()
	})
	return e
}

func (e *pipeEnv) do(method, query, body string) resp {
	e.t.Helper()
	req, _ := http.NewRequest(method, "http://pipe/engine.io/?"+query, strings.NewReader(body))
	res, err := e.client.Do(req)
	if err != nil {
		e.t.Fatalf("%s %s: %v", method, query, err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return resp{res.StatusCode, string(b), res.Header}
}

func (e *pipeEnv) dial(query string) *websocket.Conn {
	e.t.Helper()
	c, _, err := websocket.Dial(context.Background(), "ws://pipe/engine.io/?"+query, &websocket.DialOptions{HTTPClient: e.client})
	if err != nil {
		e.t.Fatal(err)
	}
	e.t.Cleanup(func() { _ = c.CloseNow() })
	return c
}
