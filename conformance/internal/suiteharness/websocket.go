package suiteharness

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/coder/websocket"
)

// Frame is one WebSocket message.
type Frame struct {
	Binary bool
	Data   string
}

// String shows the frame as the suites print it in failures.
func (f Frame) String() string {
	if f.Binary {
		return fmt.Sprintf("binary %v", []byte(f.Data))
	}
	return fmt.Sprintf("text %q", f.Data)
}

// TB is the part of testing.TB the WebSocket helpers use. *testing.T and
// *[Attempt] satisfy it.
type TB interface {
	Helper()
	Fatalf(format string, args ...any)
	Cleanup(func())
}

// WS holds what the raw WebSocket helpers need from a suite's harness.
type WS struct {
	// T is the case's test or attempt.
	T TB
	// Base is the ws:// URL of the server's path, without query.
	Base string
	// Ctx returns a context that ends after WaitLimit (or with the case).
	Ctx func() context.Context
	// TimedOut fails the case for an event that never came.
	TimedOut func(format string, args ...any)
	// WaitLimit is how long Ctx waits, for the failure messages.
	WaitLimit time.Duration
}

// Dial opens a raw WebSocket to Base with the given query; the connection is
// closed when the case ends.
func (w WS) Dial(query string) (*websocket.Conn, *http.Response, error) {
	c, resp, err := websocket.Dial(w.Ctx(), w.Base+"?"+query, nil)
	if c != nil {
		c.SetReadLimit(-1)
		w.T.Cleanup(func() { c.CloseNow() })
	}
	return c, resp, err
}

// MustDial is Dial that fails the case on error.
func (w WS) MustDial(query string) *websocket.Conn {
	w.T.Helper()
	c, _, err := w.Dial(query)
	if err != nil {
		w.T.Fatalf("dial ?%s: %v", query, err)
	}
	return c
}

// MustDialRefused opens a WebSocket with a query the server must reject, which
// the suites observe as a "close" event. Either the upgrade is refused with
// HTTP 400 (what we do, and Node for a bad transport), or it is accepted and
// the connection closed before any packet (what Node does for a bad EIO: it
// checks the version only after the upgrade).
func (w WS) MustDialRefused(query string) {
	w.T.Helper()
	c, resp, err := w.Dial(query)
	if err == nil {
		if got := w.WaitClosed(c); len(got) != 0 {
			w.T.Fatalf("dial ?%s: the server sent %v, want the connection refused or closed", query, got)
		}
		return
	}
	if resp == nil || resp.StatusCode != http.StatusBadRequest {
		status := "no response"
		if resp != nil {
			status = resp.Status
		}
		w.T.Fatalf("dial ?%s: %v (%s), want HTTP 400", query, err, status)
	}
}

// Read returns the next frame, pings included.
func (w WS) Read(c *websocket.Conn) Frame {
	w.T.Helper()
	ctx := w.Ctx()
	typ, b, err := c.Read(ctx)
	if err != nil {
		if ctx.Err() != nil {
			w.TimedOut("websocket read: nothing within %v", w.WaitLimit)
		}
		w.T.Fatalf("websocket read: %v", err)
	}
	return Frame{Binary: typ == websocket.MessageBinary, Data: string(b)}
}

// Write sends one message of type typ, failing the case on error.
func (w WS) Write(c *websocket.Conn, typ websocket.MessageType, data string) {
	w.T.Helper()
	if err := c.Write(w.Ctx(), typ, []byte(data)); err != nil {
		w.T.Fatalf("websocket write %q: %v", data, err)
	}
}

// WaitClosed reads until the server ends the WebSocket (close frame or EOF)
// and returns the frames that came before, pings included, unanswered.
func (w WS) WaitClosed(c *websocket.Conn) []Frame {
	w.T.Helper()
	ctx := w.Ctx()
	var got []Frame
	for {
		typ, b, err := c.Read(ctx)
		if err != nil {
			if ctx.Err() != nil {
				w.TimedOut("the server did not close the WebSocket within %v (got %v)", w.WaitLimit, got)
			}
			return got
		}
		got = append(got, Frame{Binary: typ == websocket.MessageBinary, Data: string(b)})
	}
}
