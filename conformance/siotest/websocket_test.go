package siotest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"

	"github.com/coder/websocket"
)

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

func text(s string) frame { return frame{data: s} }

// dial opens a raw WebSocket to the socket.io path with the given query.
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
// the suite observes as a "close" event: either the upgrade is refused with HTTP
// 400, or it is accepted and the connection closed before any packet.
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

// read returns the next frame, pings included (the suite's waitFor).
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

// next returns the next frame that is not a ping, answering the pings it skips.
// The suite's waitFor takes pings too and relies on every case beating the first
// ping (300 ms); skipping them keeps a case valid on a slow machine, where a ping
// legitimately comes first, without changing what it checks.
func (h *harness) next(c *websocket.Conn) frame {
	h.t.Helper()
	for {
		f := h.read(c)
		if f != text("2") {
			return f
		}
		h.write(c, websocket.MessageText, "3")
	}
}

// nextText is next for a frame that must be text.
func (h *harness) nextText(c *websocket.Conn) string {
	h.t.Helper()
	f := h.next(c)
	if f.binary {
		h.t.Fatalf("websocket read %v, want a text frame", f)
	}
	return f.data
}

// wantNext checks the next frame that is not a ping.
func (h *harness) wantNext(c *websocket.Conn, want frame) {
	h.t.Helper()
	if got := h.next(c); got != want {
		h.t.Fatalf("websocket read %v, want %v", got, want)
	}
}

func (h *harness) write(c *websocket.Conn, typ websocket.MessageType, data string) {
	h.t.Helper()
	if err := c.Write(h.ctx(), typ, []byte(data)); err != nil {
		h.t.Fatalf("websocket write %q: %v", data, err)
	}
}

func (h *harness) send(c *websocket.Conn, data string) {
	h.t.Helper()
	h.write(c, websocket.MessageText, data)
}

// waitClosed reads until the server ends the WebSocket (close frame or EOF) and
// returns the frames that came before, pings included, unanswered.
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

// waitClosedAnswering is waitClosed for a client that keeps answering pings, so
// that a ping timeout cannot be what closes it. It returns the frames that were
// not pings.
func (h *harness) waitClosedAnswering(c *websocket.Conn) []frame {
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
		f := frame{binary: typ == websocket.MessageBinary, data: string(b)}
		if f == text("2") {
			// The server may close between the ping and this pong.
			_ = c.Write(ctx, websocket.MessageText, []byte("3"))
			continue
		}
		got = append(got, f)
	}
}

// handshake is the JSON of an Engine.IO open packet.
type handshake struct {
	SID          string   `json:"sid"`
	Upgrades     []string `json:"upgrades"`
	PingInterval int      `json:"pingInterval"`
	PingTimeout  int      `json:"pingTimeout"`
	MaxPayload   *int     `json:"maxPayload"`
}

// parseOpen decodes an open packet ("0{...}") and returns its fields and the set
// of its keys.
func parseOpen(t tb, packet string) (handshake, []string) {
	t.Helper()
	if !strings.HasPrefix(packet, "0") {
		t.Fatalf("open packet %q does not start with \"0\"", packet)
	}
	var keys map[string]json.RawMessage
	if err := json.Unmarshal([]byte(packet[1:]), &keys); err != nil {
		t.Fatalf("open packet %q: %v", packet, err)
	}
	var hs handshake
	if err := json.Unmarshal([]byte(packet[1:]), &hs); err != nil {
		t.Fatalf("open packet %q: %v", packet, err)
	}
	names := make([]string, 0, len(keys))
	for k := range keys {
		names = append(names, k)
	}
	return hs, names
}

// openWebSocket opens a WebSocket session and returns it with its engine id (the
// suite's createWebSocket and its "Engine.IO handshake" waitFor).
func (h *harness) openWebSocket() (*websocket.Conn, string) {
	h.t.Helper()
	c := h.mustDial("EIO=4&transport=websocket")
	hs, _ := parseOpen(h.t, h.nextText(c))
	if hs.SID == "" {
		h.t.Fatalf("open packet without sid")
	}
	return c, hs.SID
}

// initSocketIOConnection is the suite's helper: a WebSocket session connected to
// "/", with the CONNECT reply and the "auth" event read.
func (h *harness) initSocketIOConnection() (*websocket.Conn, string) {
	h.t.Helper()
	c, sid := h.openWebSocket()
	h.send(c, "40")
	if got := h.nextText(c); !strings.HasPrefix(got, "40") {
		h.t.Fatalf("CONNECT reply %q, want 40{...}", got)
	}
	h.wantNext(c, text(`42["auth",{}]`))
	return c, sid
}
