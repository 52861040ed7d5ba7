package sockettest

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/gosockio/gosockio/engineio"
	"github.com/gosockio/gosockio/socketio"
)

// DefaultTimeout bounds each wait of a Client whose Timeout is zero.
const DefaultTimeout = 10 * time.Second

// Client is a socket.io 3/4 client of one namespace on a Conn, for tests: it reads what
// the server sent as strings, a text message as its data and a binary one as "bin:"
// followed by its bytes, and fails the test (T.Fatalf) when an expected message does not
// come within Timeout. NewClient serves and connects one; a Client literal with T and
// Conn wraps a Conn connected by hand. Next, Collect, Until, UntilAll and
// WaitDisconnected call T.Fatalf, so call them from the test's goroutine; the Conn's
// own methods are safe from any.
type Client struct {
	// T is the test the Client reports failures to. Required.
	T testing.TB
	// Conn is the connection the client lives on: deliver packets with Conn.Deliver.
	// Required.
	Conn *Conn
	// Namespace is the namespace the client joined, which WaitDisconnected watches.
	// Default "/".
	Namespace string
	// SID is the socket id of the server's CONNECT answer.
	SID string
	// Timeout bounds each wait, as a guard against a test hanging, not as a timing
	// assertion. Default DefaultTimeout.
	Timeout time.Duration
}

// NewClient serves a new Conn (NewConn(nil)) on srv, connects it to namespace nsp ("/",
// "/chat") without auth, and returns the client with the socket id. It fails t when
// the server refuses or does not answer within DefaultTimeout.
func NewClient(t testing.TB, srv *socketio.Server, nsp string) *Client {
	t.Helper()
	conn := NewConn(nil)
	srv.ServeConn(conn)
	ctx, cancel := context.WithTimeout(context.Background(), DefaultTimeout)
	defer cancel()
	sid, err := conn.Connect(ctx, nsp, "")
	if err != nil {
		t.Fatalf("sockettest: NewClient: %v", err)
	}
	return &Client{T: t, Conn: conn, Namespace: nsp, SID: sid}
}

func (c *Client) timeout() time.Duration {
	if c.Timeout > 0 {
		return c.Timeout
	}
	return DefaultTimeout
}

func (c *Client) prefix() string {
	if c.Namespace == "" || c.Namespace == "/" {
		return ""
	}
	return c.Namespace + ","
}

// Next returns the next message the server sent, waiting up to Timeout; it fails the
// test when none comes or the connection closed.
func (c *Client) Next() string {
	c.T.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), c.timeout())
	defer cancel()
	m, err := c.Conn.Next(ctx)
	if err != nil {
		c.T.Fatalf("sockettest: client %s waited for a message from the server: %v", c.SID, err)
	}
	return messageText(m)
}

// NextWithin returns the next message the server sends within d, and false when none
// comes (or the connection closed and every message was read). It never fails the
// test: use it to check that nothing arrives, or to poll.
func (c *Client) NextWithin(d time.Duration) (string, bool) {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	m, err := c.Conn.Next(ctx)
	if err != nil {
		return "", false
	}
	return messageText(m), true
}

// Collect reads n messages, each with Next.
func (c *Client) Collect(n int) []string {
	c.T.Helper()
	out := make([]string, 0, n)
	for len(out) < n {
		out = append(out, c.Next())
	}
	return out
}

// Until reads messages with Next until one equals marker, and returns those before it.
func (c *Client) Until(marker string) []string {
	c.T.Helper()
	var before []string
	for {
		m := c.Next()
		if m == marker {
			return before
		}
		before = append(before, m)
	}
}

// UntilAll reads messages with Next until it has seen every marker, in any order (a
// marker listed twice must be seen twice), and returns the other messages.
func (c *Client) UntilAll(markers ...string) []string {
	c.T.Helper()
	left := slices.Clone(markers)
	var others []string
	for len(left) > 0 {
		m := c.Next()
		if i := slices.Index(left, m); i >= 0 {
			left = slices.Delete(left, i, i+1)
			continue
		}
		others = append(others, m)
	}
	return others
}

// WaitDisconnected reads messages until the server sends DISCONNECT for the client's
// namespace or closes the connection, and fails the test when neither happens within
// Timeout. It returns at once when the connection is already closed.
func (c *Client) WaitDisconnected() {
	c.T.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), c.timeout())
	defer cancel()
	disconnect := "1" + c.prefix()
	for {
		if closed, _ := c.Conn.Closed(); closed {
			return
		}
		m, err := c.Conn.Next(ctx)
		switch {
		case errors.Is(err, engineio.ErrClosed):
			return
		case err != nil:
			c.T.Fatalf("sockettest: client %s was not disconnected: %v", c.SID, err)
		case !m.Binary && string(m.Data) == disconnect:
			return
		}
	}
}

func messageText(m engineio.Message) string {
	if m.Binary {
		return "bin:" + string(m.Data)
	}
	return string(m.Data)
}
