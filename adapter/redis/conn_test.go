package redis_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gosockio/gosockio/engineio"
	"github.com/gosockio/gosockio/socketio"
)

// testConn is an in-process engine connection: what the server sends lands in out, and
// the test delivers client packets with send.
type testConn struct {
	id  string
	req *http.Request
	out chan engineio.Message

	deliverMu sync.Mutex // one delivery at a time, as an engine does

	mu        sync.Mutex
	onMessage func(engineio.Message)
	onClose   func(string, error)
	closed    bool
	inCb      bool
	closePend bool
	reason    string
}

var connIDs atomic.Int64

func newTestConn() *testConn {
	return &testConn{
		id:  fmt.Sprintf("eng%05d", connIDs.Add(1)),
		req: httptest.NewRequest(http.MethodGet, "/socket.io/?EIO=4&transport=websocket", nil),
		out: make(chan engineio.Message, 4096),
	}
}

func (c *testConn) ID() string                          { return c.id }
func (c *testConn) Request() *http.Request              { return c.req }
func (c *testConn) Transport() string                   { return "websocket" }
func (c *testConn) Protocol() int                       { return 4 }
func (c *testConn) RemoteAddr() string                  { return "192.0.2.1:1234" }
func (c *testConn) OnMessage(fn func(engineio.Message)) { c.mu.Lock(); c.onMessage = fn; c.mu.Unlock() }
func (c *testConn) OnClose(fn func(string, error))      { c.mu.Lock(); c.onClose = fn; c.mu.Unlock() }

func (c *testConn) Send(msgs []engineio.Message, _ engineio.SendOptions) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return engineio.ErrClosed
	}
	if len(c.out)+len(msgs) > cap(c.out) {
		return engineio.ErrQueueFull
	}
	for _, m := range msgs {
		c.out <- engineio.Message{Data: append([]byte(nil), m.Data...), Binary: m.Binary}
	}
	return nil
}

func (c *testConn) Close() error { c.closeWith("forced close"); return nil }

func (c *testConn) closeWith(reason string) {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return
	}
	c.closed, c.reason = true, reason
	if c.inCb {
		c.closePend = true
		c.mu.Unlock()
		return
	}
	fn := c.onClose
	c.mu.Unlock()
	if fn != nil {
		fn(reason, nil)
	}
}

func (c *testConn) isClosed() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.closed
}

func (c *testConn) send(text string) {
	c.deliverMu.Lock()
	defer c.deliverMu.Unlock()
	c.mu.Lock()
	fn := c.onMessage
	if c.closed || fn == nil {
		c.mu.Unlock()
		return
	}
	c.inCb = true
	c.mu.Unlock()
	fn(engineio.Message{Data: []byte(text)})
	c.mu.Lock()
	c.inCb = false
	pend, onClose, reason := c.closePend, c.onClose, c.reason
	c.closePend = false
	c.mu.Unlock()
	if pend && onClose != nil {
		onClose(reason, nil)
	}
}

// client is a socket.io client on a testConn, connected to "/".
type client struct {
	t    *testing.T
	conn *testConn
	sid  string
}

func connect(t *testing.T, srv *socketio.Server) *client {
	t.Helper()
	c := newTestConn()
	srv.ServeConn(c)
	c.send("0")
	cl := &client{t: t, conn: c}
	first := cl.next()
	var p struct{ Sid string }
	if !strings.HasPrefix(first, "0{") || json.Unmarshal([]byte(first[1:]), &p) != nil || p.Sid == "" {
		t.Fatalf("CONNECT answer: got %q", first)
	}
	cl.sid = p.Sid
	return cl
}

// next returns the next message the server sent ("bin:" + bytes for binary ones).
func (c *client) next() string {
	c.t.Helper()
	m, ok := c.nextWithin(5 * time.Second)
	if !ok {
		c.t.Fatalf("client %s: no message from the server within 5s", c.sid)
	}
	return m
}

func (c *client) nextWithin(d time.Duration) (string, bool) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case m := <-c.conn.out:
		if m.Binary {
			return "bin:" + string(m.Data), true
		}
		return string(m.Data), true
	case <-t.C:
		return "", false
	}
}

// collect reads messages until it has n of them.
func (c *client) collect(n int) []string {
	c.t.Helper()
	out := make([]string, 0, n)
	for len(out) < n {
		out = append(out, c.next())
	}
	return out
}

// until reads messages until one equals want, and returns those before it.
func (c *client) until(want string) []string {
	c.t.Helper()
	var before []string
	for {
		m := c.next()
		if m == want {
			return before
		}
		before = append(before, m)
	}
}

// waitClosed waits until the server closed the connection or disconnected the socket.
func (c *client) waitDisconnected() {
	c.t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		if c.conn.isClosed() {
			return
		}
		if m, ok := c.nextWithin(50 * time.Millisecond); ok && m == "1" {
			return
		}
	}
	c.t.Fatalf("client %s was not disconnected", c.sid)
}
