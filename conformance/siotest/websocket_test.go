package siotest

import (
	"net/http"
	"strings"

	"github.com/coder/websocket"

	"github.com/gosockio/gosockio/conformance/internal/suiteharness"
)

// frame is one WebSocket message.
type frame = suiteharness.Frame

func text(s string) frame { return frame{Data: s} }

// ws returns the shared raw WebSocket helpers bound to this harness.
func (h *harness) ws() suiteharness.WS {
	return suiteharness.WS{T: h.t, Base: h.wsBase, Ctx: h.ctx, TimedOut: h.timedOut, WaitLimit: waitLimit}
}

// dial opens a raw WebSocket to the socket.io path with the given query.
func (h *harness) dial(query string) (*websocket.Conn, *http.Response, error) {
	return h.ws().Dial(query)
}

func (h *harness) mustDial(query string) *websocket.Conn {
	h.t.Helper()
	return h.ws().MustDial(query)
}

// mustDialRefused opens a WebSocket with a query the server must reject (see
// [suiteharness.WS.MustDialRefused]).
func (h *harness) mustDialRefused(query string) {
	h.t.Helper()
	h.ws().MustDialRefused(query)
}

// read returns the next frame, pings included (the suite's waitFor).
func (h *harness) read(c *websocket.Conn) frame {
	h.t.Helper()
	return h.ws().Read(c)
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
	if f.Binary {
		h.t.Fatalf("websocket read %v, want a text frame", f)
	}
	return f.Data
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
	h.ws().Write(c, typ, data)
}

func (h *harness) send(c *websocket.Conn, data string) {
	h.t.Helper()
	h.write(c, websocket.MessageText, data)
}

// waitClosed reads until the server ends the WebSocket (close frame or EOF) and
// returns the frames that came before, pings included, unanswered.
func (h *harness) waitClosed(c *websocket.Conn) []frame {
	h.t.Helper()
	return h.ws().WaitClosed(c)
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
		f := frame{Binary: typ == websocket.MessageBinary, Data: string(b)}
		if f == text("2") {
			// The server may close between the ping and this pong.
			_ = c.Write(ctx, websocket.MessageText, []byte("3"))
			continue
		}
		got = append(got, f)
	}
}

// handshake is the JSON of an open packet.
type handshake = suiteharness.Handshake

// parseOpen decodes an open packet ("0{...}") and returns its fields and the set
// of its keys (see [suiteharness.ParseOpen]).
func parseOpen(t tb, packet string) (handshake, []string) {
	t.Helper()
	return suiteharness.ParseOpen(t, packet)
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
