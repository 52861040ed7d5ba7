package enginetest

import (
	"net/http"

	"github.com/coder/websocket"

	"github.com/gosockio/gosockio/conformance/internal/suiteharness"
)

// ws returns the shared raw WebSocket helpers bound to this harness.
func (h *harness) ws() suiteharness.WS {
	return suiteharness.WS{T: h.t, Base: h.wsBase, Ctx: h.ctx, TimedOut: h.timedOut, WaitLimit: waitLimit}
}

// dial opens a raw WebSocket to the engine path with the given query.
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

// frame is one WebSocket message.
type frame = suiteharness.Frame

func (h *harness) read(c *websocket.Conn) frame {
	h.t.Helper()
	return h.ws().Read(c)
}

func (h *harness) readText(c *websocket.Conn, want string) {
	h.t.Helper()
	if got := h.read(c); got != (frame{Data: want}) {
		h.t.Fatalf("websocket read %v, want text %q", got, want)
	}
}

func (h *harness) write(c *websocket.Conn, typ websocket.MessageType, data string) {
	h.t.Helper()
	h.ws().Write(c, typ, data)
}

// waitClosed reads until the server ends the WebSocket (close frame or EOF) and
// returns the frames that came before.
func (h *harness) waitClosed(c *websocket.Conn) []frame {
	h.t.Helper()
	return h.ws().WaitClosed(c)
}
