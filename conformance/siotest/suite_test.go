package siotest

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/coder/websocket"

	"github.com/gosockio/gosockio/conformance/internal/suiteharness"
)

// suiteCase is one it(...) of a suite; name is its describe/.../it path.
type suiteCase struct {
	name string
	run  func(h *harness)
}

// runSuite runs every case as a parallel subtest, each attempt on the target
// newTarget gives it (see runAttempts).
func runSuite(t *testing.T, cases []suiteCase, newTarget func(tb) *target) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			runAttempts(t, func(a tb) { tc.run(&harness{t: a, target: newTarget(a)}) })
		})
	}
}

// TestSocketIOProtocolV5 is the official Socket.IO v5 protocol test suite
// (socket.io monorepo, docs/socket.io-protocol/v5-test-suite/test-suite.js),
// ported case by case against our server: the subtest path is
// describe/describe/it with the JS names. Checks the JS does not make are marked
// "beyond the suite"; TestSocketIOProtocolV5Reference runs them against Node too.
func TestSocketIOProtocolV5(t *testing.T) {
	runSuite(t, suiteV5(), newGoTarget)
}

func suiteV5() []suiteCase {
	return []suiteCase{
		// Engine.IO protocol

		{"Engine.IO protocol/handshake/HTTP long-polling/should successfully open a session", func(h *harness) {
			r := h.get("EIO=4&transport=polling")
			wantStatus(h.t, "handshake", r, http.StatusOK)
			hs, keys := parseOpen(h.t, r.Body)
			suiteharness.WantHandshakeV4(h.t, hs, keys, []string{"websocket"})
		}},
		{"Engine.IO protocol/handshake/HTTP long-polling/should fail with an invalid 'EIO' query parameter", func(h *harness) {
			wantStatus(h.t, "no EIO", h.get("transport=polling"), http.StatusBadRequest)
			wantStatus(h.t, "EIO=abc", h.get("EIO=abc&transport=polling"), http.StatusBadRequest)
		}},
		{"Engine.IO protocol/handshake/HTTP long-polling/should fail with an invalid 'transport' query parameter", func(h *harness) {
			wantStatus(h.t, "no transport", h.get("EIO=4"), http.StatusBadRequest)
			wantStatus(h.t, "transport=abc", h.get("EIO=4&transport=abc"), http.StatusBadRequest)
		}},
		{"Engine.IO protocol/handshake/HTTP long-polling/should fail with an invalid request method", func(h *harness) {
			wantStatus(h.t, "POST handshake", h.post("EIO=4&transport=polling", ""), http.StatusBadRequest)
			wantStatus(h.t, "PUT handshake", h.request(http.MethodPut, "EIO=4&transport=polling", ""), http.StatusBadRequest)
		}},
		{"Engine.IO protocol/handshake/WebSocket/should successfully open a session", func(h *harness) {
			c := h.mustDial("EIO=4&transport=websocket")
			hs, keys := parseOpen(h.t, h.nextText(c))
			suiteharness.WantHandshakeV4(h.t, hs, keys, []string{})
			c.Close(websocket.StatusNormalClosure, "")
		}},
		{"Engine.IO protocol/handshake/WebSocket/should fail with an invalid 'EIO' query parameter", func(h *harness) {
			h.mustDialRefused("transport=websocket")
			h.mustDialRefused("EIO=abc&transport=websocket")
		}},
		{"Engine.IO protocol/handshake/WebSocket/should fail with an invalid 'transport' query parameter", func(h *harness) {
			h.mustDialRefused("EIO=4")
			h.mustDialRefused("EIO=4&transport=abc")
		}},

		{"Engine.IO protocol/heartbeat/HTTP long-polling/should send ping/pong packets", func(h *harness) {
			sid := openPolling(h)
			for range 3 {
				wantBody(h.t, "poll", h.get(pollingQuery(sid)), "2")
				wantBody(h.t, "pong", h.post(pollingQuery(sid), "3"), "ok")
			}
		}},
		{"Engine.IO protocol/heartbeat/HTTP long-polling/should close the session upon ping timeout", func(h *harness) {
			sid := openPolling(h)
			// The suite sleeps pingInterval+pingTimeout; we wait for the close
			// itself, then check what the suite checks.
			if got := h.waitClose(sid); got != "ping timeout" {
				h.t.Errorf("close reason %q, want \"ping timeout\"", got) // beyond the suite
			}
			wantStatus(h.t, "GET after the ping timeout", h.get(pollingQuery(sid)), http.StatusBadRequest)
		}},
		{"Engine.IO protocol/heartbeat/WebSocket/should send ping/pong packets", func(h *harness) {
			c := h.mustDial("EIO=4&transport=websocket")
			h.read(c) // handshake
			for range 3 {
				if got := h.read(c); got != text("2") {
					h.t.Fatalf("websocket read %v, want the ping \"2\"", got)
				}
				h.send(c, "3")
			}
			c.Close(websocket.StatusNormalClosure, "")
		}},
		{"Engine.IO protocol/heartbeat/WebSocket/should close the session upon ping timeout", func(h *harness) {
			c := h.mustDial("EIO=4&transport=websocket")
			got := h.waitClosed(c)
			// Beyond the suite: what came before the close.
			if len(got) != 2 || !strings.HasPrefix(got[0].Data, "0{") || got[1] != text("2") {
				h.t.Errorf("before the close the server sent %v, want the open packet and one ping", got)
			}
		}},

		{"Engine.IO protocol/close/HTTP long-polling/should forcefully close the session", func(h *harness) {
			sid := openPolling(h)
			poll := closeWhilePolling(h, pollingQuery(sid), "1")
			wantBody(h.t, "the pending GET", poll, "6")
			wantStatus(h.t, "GET after the close", h.get(pollingQuery(sid)), http.StatusBadRequest)
		}},
		{"Engine.IO protocol/close/WebSocket/should forcefully close the session", func(h *harness) {
			c := h.mustDial("EIO=4&transport=websocket")
			h.read(c) // handshake
			h.send(c, "1")
			h.waitClosed(c)
		}},

		{"Engine.IO protocol/upgrade/should successfully upgrade from HTTP long-polling to WebSocket", func(h *harness) {
			sid := openPolling(h)
			c := h.mustDial(wsQuery(sid))
			h.send(c, "2probe")
			h.wantNext(c, text("3probe"))
			h.send(c, "5")
			// Beyond the suite: the upgraded connection carries socket.io.
			h.send(c, "40")
			if got := h.nextText(c); !strings.HasPrefix(got, `40{"sid":`) {
				h.t.Fatalf("CONNECT reply over the upgraded connection %q, want 40{\"sid\":...}", got)
			}
		}},
		{"Engine.IO protocol/upgrade/should ignore HTTP requests with same sid after upgrade", func(h *harness) {
			sid := openPolling(h)
			c := h.mustDial(wsQuery(sid))
			h.send(c, "2probe")
			h.wantNext(c, text("3probe"))
			h.send(c, "5")
			h.waitUpgraded(sid)
			wantStatus(h.t, "GET after the upgrade", h.get(pollingQuery(sid)), http.StatusBadRequest)
		}},
		{"Engine.IO protocol/upgrade/should ignore WebSocket connection with same sid after upgrade", func(h *harness) {
			sid := openPolling(h)
			c := h.mustDial(wsQuery(sid))
			h.send(c, "2probe")
			h.wantNext(c, text("3probe"))
			h.send(c, "5")
			h.waitUpgraded(sid)
			c2, _, err := h.dial(wsQuery(sid))
			if err != nil {
				return // refused at the upgrade: the suite's "close" event
			}
			if got := h.waitClosed(c2); len(got) != 0 {
				h.t.Errorf("second WebSocket for an upgraded sid received %v, want it closed", got)
			}
		}},

		// Socket.IO protocol

		{"Socket.IO protocol/connect/should allow connection to the main namespace", func(h *harness) {
			connectCase(h, "40", "40", `42["auth",{}]`)
		}},
		{"Socket.IO protocol/connect/should allow connection to the main namespace with a payload", func(h *harness) {
			connectCase(h, `40{"token":"123"}`, "40", `42["auth",{"token":"123"}]`)
		}},
		{"Socket.IO protocol/connect/should allow connection to a custom namespace", func(h *harness) {
			connectCase(h, "40/custom,", "40/custom,", `42/custom,["auth",{}]`)
		}},
		{"Socket.IO protocol/connect/should allow connection to a custom namespace with a payload", func(h *harness) {
			connectCase(h, `40/custom,{"token":"abc"}`, "40/custom,", `42/custom,["auth",{"token":"abc"}]`)
		}},
		{"Socket.IO protocol/connect/should disallow connection to an unknown namespace", func(h *harness) {
			c, _ := h.openWebSocket()
			h.send(c, "40/random")
			h.wantNext(c, text(`44/random,{"message":"Invalid namespace"}`))
		}},
		{"Socket.IO protocol/connect/should disallow connection with an invalid handshake", func(h *harness) {
			c, _ := h.openWebSocket()
			h.send(c, "4abc")
			h.waitClosed(c)
		}},
		{"Socket.IO protocol/connect/should close the connection if no handshake is received", func(h *harness) {
			c := h.mustDial("EIO=4&transport=websocket")
			h.waitClosed(c)
		}},

		{"Socket.IO protocol/disconnect/should disconnect from the main namespace", func(h *harness) {
			c, _ := h.initSocketIOConnection()
			h.send(c, "41")
			// Nothing but the next ping comes after the DISCONNECT.
			if got := h.read(c); got != text("2") {
				h.t.Fatalf("after 41 the server sent %v, want the ping \"2\"", got)
			}
		}},
		{"Socket.IO protocol/disconnect/should connect then disconnect from a custom namespace", func(h *harness) {
			c, _ := h.initSocketIOConnection()
			// The suite waits for a ping and does not answer it; we answer it, so
			// that the rest of the case has pingInterval more before the next one.
			for h.read(c) != text("2") {
			}
			h.send(c, "3")
			h.send(c, "40/custom")
			if got := h.nextText(c); !strings.HasPrefix(got, "40/custom,") {
				h.t.Fatalf("CONNECT reply %q, want 40/custom,{...}", got)
			}
			h.next(c) // auth packet
			h.send(c, "41/custom")
			h.send(c, `42["message","message to main namespace"]`)
			h.wantNext(c, text(`42["message-back","message to main namespace"]`))
		}},

		{"Socket.IO protocol/message/should send a plain-text packet", func(h *harness) {
			c, _ := h.initSocketIOConnection()
			h.send(c, `42["message",1,"2",{"3":[true]}]`)
			h.wantNext(c, text(`42["message-back",1,"2",{"3":[true]}]`))
		}},
		{"Socket.IO protocol/message/should send a packet with binary attachments", func(h *harness) {
			c, _ := h.initSocketIOConnection()
			h.send(c, `452-["message",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]`)
			h.write(c, websocket.MessageBinary, "\x01\x02\x03")
			h.write(c, websocket.MessageBinary, "\x04\x05\x06")
			h.wantNext(c, text(`452-["message-back",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]`))
			h.wantNext(c, frame{Binary: true, Data: "\x01\x02\x03"})
			h.wantNext(c, frame{Binary: true, Data: "\x04\x05\x06"})
			c.Close(websocket.StatusNormalClosure, "")
		}},
		{"Socket.IO protocol/message/should send a plain-text packet with an ack", func(h *harness) {
			c, _ := h.initSocketIOConnection()
			h.send(c, `42456["message-with-ack",1,"2",{"3":[false]}]`)
			h.wantNext(c, text(`43456[1,"2",{"3":[false]}]`))
		}},
		{"Socket.IO protocol/message/should send a packet with binary attachments and an ack", func(h *harness) {
			c, _ := h.initSocketIOConnection()
			h.send(c, `452-789["message-with-ack",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]`)
			h.write(c, websocket.MessageBinary, "\x01\x02\x03")
			h.write(c, websocket.MessageBinary, "\x04\x05\x06")
			h.wantNext(c, text(`462-789[{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]`))
			h.wantNext(c, frame{Binary: true, Data: "\x01\x02\x03"})
			h.wantNext(c, frame{Binary: true, Data: "\x04\x05\x06"})
			c.Close(websocket.StatusNormalClosure, "")
		}},
		{"Socket.IO protocol/message/should close the connection upon invalid format (unknown packet type)", func(h *harness) {
			c, _ := h.initSocketIOConnection()
			h.send(c, "4abc")
			h.waitClosed(c)
		}},
		{"Socket.IO protocol/message/should close the connection upon invalid format (invalid payload format)", func(h *harness) {
			c, _ := h.initSocketIOConnection()
			h.send(c, "42{}")
			h.waitClosed(c)
		}},
		{"Socket.IO protocol/message/should close the connection upon invalid format (invalid ack id)", func(h *harness) {
			c, _ := h.initSocketIOConnection()
			h.send(c, `42abc["message-with-ack",1,"2",{"3":[false]}]`)
			h.waitClosed(c)
		}},
	}
}

func pollingQuery(sid string) string { return "EIO=4&transport=polling&sid=" + url.QueryEscape(sid) }
func wsQuery(sid string) string      { return "EIO=4&transport=websocket&sid=" + url.QueryEscape(sid) }

// openPolling is the suite's initLongPollingSession.
func openPolling(h *harness) string {
	h.t.Helper()
	r := h.get("EIO=4&transport=polling")
	wantStatus(h.t, "handshake", r, http.StatusOK)
	hs, _ := parseOpen(h.t, r.Body)
	if hs.SID == "" {
		h.t.Fatalf("handshake %q has no sid", r.Body)
	}
	return hs.SID
}

// connectCase is the suite's connect cases: send connect, want a CONNECT reply
// with replyPrefix followed by exactly {"sid": string}, then the auth event.
func connectCase(h *harness, connect, replyPrefix, auth string) {
	h.t.Helper()
	c, _ := h.openWebSocket()
	h.send(c, connect)
	got := h.nextText(c)
	if !strings.HasPrefix(got, replyPrefix) {
		h.t.Fatalf("CONNECT reply %q, want it to start with %q", got, replyPrefix)
	}
	var hs map[string]any
	if err := json.Unmarshal([]byte(got[len(replyPrefix):]), &hs); err != nil {
		h.t.Fatalf("CONNECT reply %q: %v", got, err)
	}
	if sid, ok := hs["sid"].(string); len(hs) != 1 || !ok {
		h.t.Fatalf("CONNECT reply %q, want exactly the key \"sid\" with a string (got %q)", got, sid)
	}
	h.wantNext(c, text(auth))
}

// closeWhilePolling sends a GET and, once the server has it, POSTs closeBody
// (a close packet) and returns the GET's reply (see
// [suiteharness.CloseWhilePolling]).
func closeWhilePolling(h *harness, query, closeBody string) reply {
	h.t.Helper()
	tag, arrived := h.arrival()
	return suiteharness.CloseWhilePolling(h.ctx(), h.t, h.do, tag, arrived, query, closeBody)
}
