package postgres_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gosockio/gosockio/engineio"
	"github.com/gosockio/gosockio/socketio"
)

// memConn is an in-memory engine connection (socketio.EngineConn): what the server
// sends lands in out; the test delivers client packets with send. A Close made from
// inside a callback reports the close after the callback, as the engine does.
type memConn struct {
	id  string
	req *http.Request
	out chan engineio.Message

	deliver sync.Mutex // one delivery at a time

	mu        sync.Mutex
	onMessage func(engineio.Message)
	onClose   func(string, error)
	closed    bool
	inside    bool // a callback is running
	pending   bool // closed while inside
}

var connSeq atomic.Int64

func (c *memConn) ID() string                          { return c.id }
func (c *memConn) Request() *http.Request              { return c.req }
func (c *memConn) Transport() string                   { return "websocket" }
func (c *memConn) Protocol() int                       { return 4 }
func (c *memConn) RemoteAddr() string                  { return "192.0.2.7:4000" }
func (c *memConn) OnMessage(fn func(engineio.Message)) { c.mu.Lock(); c.onMessage = fn; c.mu.Unlock() }
func (c *memConn) OnClose(fn func(string, error))      { c.mu.Lock(); c.onClose = fn; c.mu.Unlock() }

func (c *memConn) Send(msgs []engineio.Message, _ engineio.SendOptions) error {
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

func (c *memConn) Close() error {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return nil
	}
	c.closed = true
	if c.inside {
		c.pending = true
		c.mu.Unlock()
		return nil
	}
	fn := c.onClose
	c.mu.Unlock()
	if fn != nil {
		fn("forced close", nil)
	}
	return nil
}

func (c *memConn) isClosed() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.closed
}

func (c *memConn) send(text string) { c.deliverMessage(engineio.Message{Data: []byte(text)}) }

func (c *memConn) deliverMessage(m engineio.Message) {
	c.deliver.Lock()
	defer c.deliver.Unlock()
	c.mu.Lock()
	fn := c.onMessage
	if c.closed || fn == nil {
		c.mu.Unlock()
		return
	}
	c.inside = true
	c.mu.Unlock()
	fn(m)
	c.mu.Lock()
	c.inside = false
	pending, onClose := c.pending, c.onClose
	c.pending = false
	c.mu.Unlock()
	if pending && onClose != nil {
		onClose("forced close", nil)
	}
}

// client is a socket.io client of namespace "/" on a memConn.
type client struct {
	t    *testing.T
	conn *memConn
	sid  string
}

func connect(t *testing.T, srv *socketio.Server) *client {
	t.Helper()
	return connectTo(t, srv, "/")
}

// connectTo connects a client to namespace nsp of srv.
func connectTo(t *testing.T, srv *socketio.Server, nsp string) *client {
	t.Helper()
	c := &memConn{
		id:  fmt.Sprintf("mem%05d", connSeq.Add(1)),
		req: httptest.NewRequest(http.MethodGet, "/socket.io/?EIO=4&transport=websocket", nil),
		out: make(chan engineio.Message, 1024),
	}
	srv.ServeConn(c)
	prefix := "0"
	if nsp != "/" {
		prefix = "0" + nsp + ","
	}
	c.send(prefix)
	cl := &client{t: t, conn: c}
	first := cl.next()
	var p struct{ Sid string }
	if !strings.HasPrefix(first, prefix+"{") || json.Unmarshal([]byte(first[len(prefix):]), &p) != nil || p.Sid == "" {
		t.Fatalf("CONNECT answer: got %q", first)
	}
	cl.sid = p.Sid
	return cl
}

// next returns the next message from the server ("bin:" + bytes for a binary one).
func (c *client) next() string {
	c.t.Helper()
	m, ok := c.within(10 * time.Second)
	if !ok {
		c.t.Fatalf("client %s: nothing from the server within 10s", c.sid)
	}
	return m
}

func (c *client) within(d time.Duration) (string, bool) {
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

// until reads messages until one equals marker and returns those before it.
func (c *client) until(marker string) []string {
	c.t.Helper()
	var before []string
	for {
		m := c.next()
		if m == marker {
			return before
		}
		before = append(before, m)
	}
}

// untilAll reads messages until it has seen every marker (a marker listed twice must
// be seen twice) and returns the others.
func (c *client) untilAll(markers ...string) []string {
	c.t.Helper()
	left := slices.Clone(markers)
	var others []string
	for len(left) > 0 {
		m := c.next()
		if i := slices.Index(left, m); i >= 0 {
			left = slices.Delete(left, i, i+1)
			continue
		}
		others = append(others, m)
	}
	return others
}

// waitDisconnected waits until the server disconnected the socket or closed the
// connection.
func (c *client) waitDisconnected() {
	c.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if c.conn.isClosed() {
			return
		}
		if m, ok := c.within(20 * time.Millisecond); ok && m == "1" {
			return
		}
	}
	c.t.Fatalf("client %s was not disconnected", c.sid)
}
