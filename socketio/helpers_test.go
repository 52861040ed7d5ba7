package socketio_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gosockio/gosockio/socketio"
	"github.com/gosockio/gosockio/socketio/sockettest"
)

// logBuffer collects log output for assertions.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

func newServer(t *testing.T, opts *socketio.Options) (*socketio.Server, *logBuffer) {
	t.Helper()
	logs := &logBuffer{}
	var o socketio.Options
	if opts != nil {
		o = *opts
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	srv, err := socketio.NewServer(&o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Close(ctx)
	})
	return srv, logs
}

var connCount atomic.Int64

// dial serves a new fake v5 (protocol 4) or v4 (protocol 3) connection, whose
// handshake request has query token=q1 and header X-Test: yes.
func dial(t *testing.T, srv *socketio.Server, protocol int) *sockettest.Conn {
	t.Helper()
	r := httptest.NewRequest(http.MethodGet, fmt.Sprintf("/socket.io/?EIO=%d&transport=websocket&token=q1", protocol), nil)
	r.Header.Set("X-Test", "yes")
	c := sockettest.NewConn(&sockettest.ConnOptions{ID: fmt.Sprintf("eng%06d", connCount.Add(1)), Protocol: protocol, Request: r})
	srv.ServeConn(c)
	return c
}

// next returns the next message the server sent as a string; binary messages are
// prefixed with "bin:".
func next(t *testing.T, c *sockettest.Conn) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	m, err := c.Next(ctx)
	if err != nil {
		t.Fatalf("waiting for a message from the server: %v", err)
	}
	if m.Binary {
		return "bin:" + string(m.Data)
	}
	return string(m.Data)
}

// connect dials a v5 connection and joins nsp, returning the socket id.
func connect(t *testing.T, srv *socketio.Server, nsp string) (*sockettest.Conn, string) {
	t.Helper()
	c := dial(t, srv, 4)
	return c, join(t, c, nsp, "")
}

// join sends CONNECT for nsp (with an auth payload) and returns the socket id.
func join(t *testing.T, c *sockettest.Conn, nsp, auth string) string {
	t.Helper()
	prefix := ""
	if nsp != "/" {
		prefix = nsp + ","
	}
	c.Deliver("0" + prefix + auth)
	reply := next(t, c)
	if !strings.HasPrefix(reply, "0"+prefix+"{") {
		t.Fatalf("CONNECT reply = %q, want 0%s{...}", reply, prefix)
	}
	var d struct {
		SID string `json:"sid"`
	}
	if err := json.Unmarshal([]byte(reply[1+len(prefix):]), &d); err != nil || d.SID == "" {
		t.Fatalf("CONNECT reply %q: %v", reply, err)
	}
	return d.SID
}

func expectNoMessage(t *testing.T, c *sockettest.Conn) {
	t.Helper()
	if p := c.Pending(); len(p) > 0 {
		t.Fatalf("unexpected messages: %v", p)
	}
}

func expectClosed(t *testing.T, c *sockettest.Conn) {
	t.Helper()
	if closed, _ := c.Closed(); !closed {
		t.Fatal("the connection must be closed")
	}
}

func expectOpen(t *testing.T, c *sockettest.Conn) {
	t.Helper()
	if closed, reason := c.Closed(); closed {
		t.Fatalf("the connection must stay open, closed with %q", reason)
	}
}
