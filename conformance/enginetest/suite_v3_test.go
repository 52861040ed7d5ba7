package enginetest

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/coder/websocket"
)

// TestEngineIOProtocolV3 is the official Engine.IO v3 protocol test suite
// (socket.io monorepo, docs/engine.io-protocol/v3-test-suite/test-suite.js),
// ported case by case: the subtest path is describe/describe/it. Checks marked
// "beyond the suite" compare with Node (engine.io 6.6 with allowEIO3, and
// engine.io 3.6).
func TestEngineIOProtocolV3(t *testing.T) {
	runSuite(t, suiteV3(), newHarness)
}

func suiteV3() []suiteCase {
	return []suiteCase{
		{"handshake/HTTP long-polling/successfully opens a session", func(h *harness) {
			r := h.get("EIO=3&transport=polling")
			wantStatus(h.t, "handshake", r, http.StatusOK)
			length, packet := v3DecodeOne(h.t, r.Body)
			if want := strconv.Itoa(utf16Len(packet)); length != want {
				h.t.Errorf("payload length prefix %q, want %q (the packet's length)", length, want)
			}
			hs, _ := parseOpen(h.t, packet)
			if hs.SID == "" {
				h.t.Errorf("handshake sid is empty")
			}
			if !slices.Equal(hs.Upgrades, []string{"websocket"}) {
				h.t.Errorf("upgrades = %#v, want [websocket]", hs.Upgrades)
			}
			wantTimersV3(h.t, hs)
		}},
		{"handshake/HTTP long-polling/fails with an invalid 'transport' query parameter", func(h *harness) {
			wantStatus(h.t, "no transport", h.get("EIO=3"), http.StatusBadRequest)
			wantStatus(h.t, "transport=abc", h.get("EIO=3&transport=abc"), http.StatusBadRequest)
		}},
		{"handshake/HTTP long-polling/fails with an invalid request method", func(h *harness) {
			wantStatus(h.t, "POST handshake", h.post("EIO=3&transport=polling", ""), http.StatusBadRequest)
		}},
		{"handshake/WebSocket/successfully opens a session", func(h *harness) {
			c := h.mustDial("EIO=3&transport=websocket")
			f := h.read(c)
			hs, _ := parseOpen(h.t, f.Data)
			if hs.SID == "" {
				h.t.Errorf("handshake sid is empty")
			}
			if hs.Upgrades == nil || len(hs.Upgrades) != 0 {
				h.t.Errorf("upgrades = %#v, want []", hs.Upgrades)
			}
			wantTimersV3(h.t, hs)
			c.Close(websocket.StatusNormalClosure, "")
		}},
		// The JS case does not await its "close" events (a slip in the suite);
		// we check what it means to: both upgrades are refused.
		{"handshake/WebSocket/fails with an invalid 'EIO' query parameter", func(h *harness) {
			h.mustDialRefused("transport=websocket")
			h.mustDialRefused("EIO=abc&transport=websocket")
		}},
		{"handshake/WebSocket/fails with an invalid 'transport' query parameter", func(h *harness) {
			h.mustDialRefused("EIO=3")
			h.mustDialRefused("EIO=3&transport=abc")
		}},

		{"message/HTTP long-polling/sends and receives a payload containing one plain text packet", func(h *harness) {
			v3PollingEcho(h, "6:4hello")
		}},
		{"message/HTTP long-polling/sends and receives a payload containing several plain text packets", func(h *harness) {
			v3PollingEcho(h, "6:4test16:4test26:4test3")
		}},
		{"message/HTTP long-polling/sends and receives a payload containing plain text and binary packets (base64 encoded)", func(h *harness) {
			v3PollingEcho(h, "6:4hello10:b4AQIDBA==")
		}},
		{"message/HTTP long-polling/sends and receives a payload containing plain text and binary packets (binary)", func(h *harness) {
			sid := v3OpenPolling(h, true)
			wantBody(h.t, "POST", h.post(v3Query(sid), "6:4hello10:b4AQIDBA=="), "ok")
			// 0 6 255 "4hello": a string packet of 6 bytes; 1 5 255 4 1 2 3 4: a
			// binary packet of 5 bytes, the message type 4 then the data.
			want := string([]byte{0, 6, 255, 52, 104, 101, 108, 108, 111, 1, 5, 255, 4, 1, 2, 3, 4})
			r := h.get(v3Query(sid))
			if r.Status != http.StatusOK || r.Body != want {
				h.t.Fatalf("GET = %d %v, want 200 %v", r.Status, []byte(r.Body), []byte(want))
			}
		}},
		{"message/HTTP long-polling/closes the session upon invalid packet format", func(h *harness) {
			sid := v3OpenPolling(h, false)
			// As in v4, the suite's 400 check sits in a try/catch that swallows it.
			_, _ = h.do(h.ctx(), http.MethodPost, v3Query(sid), "abc", "")
			wantStatus(h.t, "GET after the invalid packet", h.get(v3Query(sid)), http.StatusBadRequest)
			h.wantCloseReason(sid, "parse error") // beyond the suite
		}},
		// it.skip in the JS suite ("FIXME CORS error", a browser-only problem).
		// Its last expectation, 500 for a poll on the closed session, is not
		// what Node answers (400, "Session ID unknown", as every other case of
		// both suites expects), so we check 400.
		{"message/HTTP long-polling/closes the session upon duplicate poll requests", func(h *harness) {
			sid := v3OpenPolling(h, false)
			first, second := duplicatePolls(h, v3Query(sid))
			if first.Status != http.StatusOK {
				first, second = second, first
			}
			wantBody(h.t, "the pending GET", first, "1:1")
			wantStatus(h.t, "the duplicate GET", second, http.StatusBadRequest, http.StatusInternalServerError)
			wantStatus(h.t, "GET after the duplicate", h.get(v3Query(sid)), http.StatusBadRequest)
			h.wantCloseReason(sid, "transport error") // beyond the suite
		}},
		{"message/WebSocket/sends and receives a plain text packet", func(h *harness) {
			c := h.mustDial("EIO=3&transport=websocket")
			h.read(c) // handshake
			h.write(c, websocket.MessageText, "4hello")
			h.readText(c, "4hello")
			c.Close(websocket.StatusNormalClosure, "")
		}},
		{"message/WebSocket/sends and receives a binary packet", func(h *harness) {
			c := h.mustDial("EIO=3&transport=websocket")
			h.read(c) // handshake
			// v3 binary frames carry the packet type as their first byte.
			h.write(c, websocket.MessageBinary, "\x04\x01\x02\x03\x04")
			if got := h.read(c); got != (frame{Binary: true, Data: "\x04\x01\x02\x03\x04"}) {
				h.t.Fatalf("echo = %v, want binary [4 1 2 3 4]", got)
			}
			c.Close(websocket.StatusNormalClosure, "")
		}},
		{"message/WebSocket/closes the session upon invalid packet format", func(h *harness) {
			c := h.mustDial("EIO=3&transport=websocket")
			hs := wsHandshake(h, c)
			h.write(c, websocket.MessageText, "abc")
			h.waitClosed(c)
			h.wantCloseReason(hs.SID, "parse error") // beyond the suite
		}},

		{"heartbeat/HTTP long-polling/sends ping/pong packets", func(h *harness) {
			sid := v3OpenPolling(h, false)
			for i := range 3 {
				n := strconv.Itoa(i + 1)
				wantBody(h.t, "ping "+n, h.post(v3Query(sid), "1:2"), "ok")
				wantBody(h.t, "poll "+n, h.get(v3Query(sid)), "1:3")
			}
		}},
		{"heartbeat/HTTP long-polling/closes the session upon ping timeout", func(h *harness) {
			sid := v3OpenPolling(h, false)
			// The suite sleeps pingInterval+pingTimeout; we wait for the close.
			h.wantCloseReason(sid, "ping timeout") // beyond the suite
			wantStatus(h.t, "ping after the timeout", h.post(v3Query(sid), "1:2"), http.StatusBadRequest)
		}},
		{"heartbeat/WebSocket/sends ping/pong packets", func(h *harness) {
			c := h.mustDial("EIO=3&transport=websocket")
			h.read(c) // handshake
			for range 3 {
				h.write(c, websocket.MessageText, "2")
				h.readText(c, "3")
			}
			c.Close(websocket.StatusNormalClosure, "")
		}},
		{"heartbeat/WebSocket/closes the session upon ping timeout", func(h *harness) {
			c := h.mustDial("EIO=3&transport=websocket")
			hs := wsHandshake(h, c)
			if got := h.waitClosed(c); len(got) != 0 {
				h.t.Errorf("a v3 server sent %v before timing out, want nothing (the client pings in v3)", got) // beyond the suite
			}
			h.wantCloseReason(hs.SID, "ping timeout") // beyond the suite
		}},

		{"close/HTTP long-polling/forcefully closes the session", func(h *harness) {
			sid := v3OpenPolling(h, false)
			poll := closeWhilePolling(h, v3Query(sid), "1:1")
			wantBody(h.t, "the pending GET", poll, "1:6")
			wantStatus(h.t, "GET after the close", h.get(v3Query(sid)), http.StatusBadRequest)
			h.wantCloseReason(sid, "transport close") // beyond the suite
		}},
		{"close/WebSocket/forcefully closes the session", func(h *harness) {
			c := h.mustDial("EIO=3&transport=websocket")
			h.read(c) // handshake
			h.write(c, websocket.MessageText, "1")
			h.waitClosed(c)
		}},

		{"upgrade/successfully upgrades from HTTP long-polling to WebSocket", func(h *harness) {
			sid := v3OpenPolling(h, false)
			c := h.mustDial(v3WSQuery(sid))
			h.write(c, websocket.MessageText, "2probe")
			h.readText(c, "3probe")
			wantBody(h.t, "GET during the upgrade", h.get(v3Query(sid)), "1:6")
			h.write(c, websocket.MessageText, "5")
			h.write(c, websocket.MessageText, "4hello")
			h.readText(c, "4hello")
		}},
		{"upgrade/ignores HTTP requests with same sid after upgrade", func(h *harness) {
			sid := v3OpenPolling(h, false)
			c := h.mustDial(v3WSQuery(sid))
			h.write(c, websocket.MessageText, "2probe")
			h.readText(c, "3probe")
			h.write(c, websocket.MessageText, "5")
			h.waitUpgraded(sid)
			wantStatus(h.t, "GET after the upgrade", h.get(v3Query(sid)), http.StatusBadRequest)
			h.write(c, websocket.MessageText, "4hello")
			h.readText(c, "4hello")
		}},
		{"upgrade/ignores WebSocket connection with same sid after upgrade", func(h *harness) {
			sid := v3OpenPolling(h, false)
			c := h.mustDial(v3WSQuery(sid))
			h.write(c, websocket.MessageText, "2probe")
			h.readText(c, "3probe")
			h.write(c, websocket.MessageText, "5")
			h.waitUpgraded(sid)
			secondWebSocketClosed(h, v3WSQuery(sid))
			h.write(c, websocket.MessageText, "4hello")
			h.readText(c, "4hello")
		}},
	}
}

func v3Query(sid string) string {
	return "EIO=3&transport=polling&sid=" + url.QueryEscape(sid)
}
func v3WSQuery(sid string) string {
	return "EIO=3&transport=websocket&sid=" + url.QueryEscape(sid)
}

// v3OpenPolling is the suite's initLongPollingSession: without supportsBinary
// the handshake asks for base64 (b64=1).
func v3OpenPolling(h *harness, supportsBinary bool) string {
	h.t.Helper()
	q := "EIO=3&transport=polling"
	if !supportsBinary {
		q += "&b64=1"
	}
	r := h.get(q)
	wantStatus(h.t, "handshake", r, http.StatusOK)
	_, packet := v3DecodeOne(h.t, r.Body)
	hs, _ := parseOpen(h.t, packet)
	if hs.SID == "" {
		h.t.Fatalf("handshake %q has no sid", r.Body)
	}
	return hs.SID
}

// v3DecodeOne is the suite's decodePayload: it splits "<length>:<packet>" at the
// first colon.
func v3DecodeOne(t tb, payload string) (length, packet string) {
	t.Helper()
	length, packet, ok := strings.Cut(payload, ":")
	if !ok {
		t.Fatalf("payload %q has no length prefix", payload)
	}
	return length, packet
}

// utf16Len is JavaScript's String.prototype.length.
func utf16Len(s string) int {
	n := 0
	for _, r := range s {
		n++
		if r > 0xFFFF {
			n++
		}
	}
	return n
}

func wantTimersV3(t tb, hs handshake) {
	t.Helper()
	if hs.PingInterval != 300 || hs.PingTimeout != 200 {
		t.Errorf("pingInterval, pingTimeout = %d, %d, want 300, 200", hs.PingInterval, hs.PingTimeout)
	}
	if hs.MaxPayload != nil && *hs.MaxPayload != 1000000 {
		t.Errorf("maxPayload = %d, want absent or 1000000", *hs.MaxPayload)
	}
}

func v3PollingEcho(h *harness, payload string) {
	sid := v3OpenPolling(h, false)
	wantBody(h.t, "POST", h.post(v3Query(sid), payload), "ok")
	wantBody(h.t, "GET", h.get(v3Query(sid)), payload)
}
