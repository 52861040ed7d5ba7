package siotest

import (
	"strings"
	"testing"
)

// TestBadInput sends malformed or out-of-order input over the wire to our server:
// each case checks what happens to the offending connection (Node's socket.io 4.8
// does the same, see TestBadInputReference) and that the server still serves
// another client.
func TestBadInput(t *testing.T) {
	runSuite(t, badInput(), newGoTarget)
}

func badInput() []suiteCase {
	return []suiteCase{
		{"reserved event name closes the connection", func(h *harness) {
			c, _ := h.initSocketIOConnection()
			h.send(c, `42["disconnect","forged"]`)
			h.waitClosed(c)
			h.anotherClientWorks()
		}},
		{"non-array event closes the connection", func(h *harness) {
			c, _ := h.initSocketIOConnection()
			h.send(c, `42"message"`)
			h.waitClosed(c)
			h.anotherClientWorks()
		}},
		{"ack for an unknown id is ignored", func(h *harness) {
			// Node's socket.onack drops an ACK whose id it did not send ("bad
			// ack"); the connection goes on.
			c, _ := h.initSocketIOConnection()
			h.send(c, `43999["unexpected"]`)
			h.send(c, `42["message","still here"]`)
			h.wantNext(c, text(`42["message-back","still here"]`))
			h.anotherClientWorks()
		}},
		{"CONNECT to an unknown namespace gets CONNECT_ERROR and the connection stays", func(h *harness) {
			c, _ := h.openWebSocket()
			h.send(c, "40/nope,")
			h.wantNext(c, text(`44/nope,{"message":"Invalid namespace"}`))
			h.send(c, "40")
			if got := h.nextText(c); !strings.HasPrefix(got, `40{"sid":`) {
				h.t.Fatalf("CONNECT to \"/\" after the refusal: %q, want 40{\"sid\":...}", got)
			}
			h.anotherClientWorks()
		}},
		{"EVENT before CONNECT closes the connection", func(h *harness) {
			c, _ := h.openWebSocket()
			h.send(c, `42["message","too early"]`)
			h.waitClosed(c)
			h.anotherClientWorks()
		}},
		{"a client that joins no namespace is closed after connectTimeout", func(h *harness) {
			c, sid := h.openWebSocket()
			// Pings are answered, so only the connect timeout (1 s) can end it.
			if got := h.waitClosedAnswering(c); len(got) != 0 {
				h.t.Errorf("before the close the server sent %v, want nothing but pings", got)
			}
			if got := h.waitClose(sid); got != "forced close" {
				h.t.Errorf("close reason %q, want \"forced close\" (the connect timeout), as Node", got)
			}
			h.anotherClientWorks()
		}},
	}
}

// anotherClientWorks connects a new client to "/" and has a message echoed.
func (h *harness) anotherClientWorks() {
	h.t.Helper()
	c, _ := h.initSocketIOConnection()
	h.send(c, `42["message","another client"]`)
	h.wantNext(c, text(`42["message-back","another client"]`))
}
