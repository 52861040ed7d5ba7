package enginetest

import (
	"fmt"
	"net/http"

	"github.com/coder/websocket"
)

// dial opens a raw WebSocket to the engine path with the given query.
func (h *harness) dial(query string) (*websocket.Conn, *http.Response, error) {
	c, resp, err := websocket.Dial(h.ctx(), h.wsBase+"?"+query, nil)
	if c != nil {
		c.SetReadLimit(-1)
		h.t.Cleanup(func() { c.CloseNow() })
	}
	return c, resp, err
}

func (h *harness) mustDial(query string) *websocket.Conn {
	h.t.Helper()
	c, _, err := h.dial(query)
	if err != nil {
		h.t.Fatalf("dial ?%s: %v", query, err)
	}
	return c
}

// mustDialRefused opens a WebSocket with a query the server must reject, which
// the suites observe as a "close" event. Either the upgrade is refused with
// HTTP 400 (what we do, and Node for a bad transport), or it is accepted and the
// connection closed before any packet (what Node does for a bad EIO: it checks
// the version only after the upgrade).
func (h *harness) mustDialRefused(query string) {
	h.t.Helper()
	c, resp, err := h.dial(query)
	if err == nil {
		if got := h.waitClosed(c); len(got) != 0 {
			h.t.Fatalf("dial ?%s: the server sent %v, want the connection refused or closed", query, got)
		}
		return
	}
	if resp == nil || resp.StatusCode != http.StatusBadRequest {
		status := "no response"
		if resp != nil {
			status = resp.Status
		}
		h.t.Fatalf("dial ?%s: %v (%s), want HTTP 400", query, err, status)
	}
}

// frame is one WebSocket message.
type frame struct {
	binary bool
	data   string
}

func (f frame) String() string {
	if f.binary {
		return fmt.Sprintf("binary %v", []byte(f.data))
	}
	return fmt.Sprintf("text %q", f.data)
}

func (h *harness) read(c *websocket.Conn) frame {
	h.t.Helper()
	ctx := h.ctx()
	typ, b, err := c.Read(ctx)
	if err != nil {
		if ctx.Err() != nil {
			h.timedOut("websocket read: nothing within %v", waitLimit)
		}
		h.t.Fatalf("websocket read: %v", err)
	}
	return frame{binary: typ == websocket.MessageBinary, data: string(b)}
}

func (h *harness) readText(c *websocket.Conn, want string) {
	h.t.Helper()
	if got := h.read(c); got != (frame{data: want}) {
		h.t.Fatalf("websocket read %v, want text %q", got, want)
	}
}

func (h *harness) write(c *websocket.Conn, typ websocket.MessageType, data string) {
	h.t.Helper()
	if err := c.Write(h.ctx(), typ, []byte(data)); err != nil {
		h.t.Fatalf("websocket write %q: %v", data, err)
	}
}

// waitClosed reads until the server ends the WebSocket (close frame or EOF) and
// returns the frames that came before.
func (h *harness) waitClosed(c *websocket.Conn) []frame {
	h.t.Helper()
	ctx := h.ctx()
	var got []frame
	for {
		typ, b, err := c.Read(ctx)
		if err != nil {
			if ctx.Err() != nil {
				h.timedOut("the server did not close the WebSocket within %v (got %v)", waitLimit, got)
			}
			return got
		}
		got = append(got, frame{binary: typ == websocket.MessageBinary, data: string(b)})
	}
}
