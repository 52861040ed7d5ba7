package enginetest

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/gosockio/gosockio/conformance/internal/nodeenv"
	"github.com/gosockio/gosockio/engineio"
)

// TestInteropOfficialClient drives the official engine.io clients from npm
// (engine.io-client 6.6.x for EIO=4, engine.io-client-v3 = 3.5.x for EIO=3)
// against the echo server, through conformance/node/engine-client.js, over each
// transport setup: polling only, websocket only, and polling upgraded to
// websocket. Close reasons on both sides are Node's (engine.io 6.6, checked
// with the same script against it).
//
// Known divergence: after a v3 client upgrades to websocket, Node's server
// stops timing it out (it clears its ping timer on upgrade and v3 pings only
// refresh a running timer), so a silent upgraded v3 client is never closed
// there; we keep timing it out, as the v3 protocol says, and the "heartbeat
// timeout" case checks that.
func TestInteropOfficialClient(t *testing.T) {
	clients := []struct {
		name    string
		version int
	}{
		{"engine.io-client 6.6", 4},
		{"engine.io-client 3.5", 3},
	}
	modes := []struct {
		name       string
		transports []string
		upgrade    bool
		first      string // the transport the session opens with
	}{
		{"polling", []string{"polling"}, false, "polling"},
		{"websocket", []string{"websocket"}, false, "websocket"},
		{"upgrade", []string{"polling", "websocket"}, true, "polling"},
	}
	scenarios := []struct {
		name string
		run  func(ic *interopClient)
	}{
		{"text and binary both ways", interopEcho},
		{"client close", func(ic *interopClient) {
			ic.command(map[string]any{"op": "close"})
			ic.wantClientClose("forced close")
			ic.h.wantCloseReason(ic.sid, "transport close")
		}},
		{"server close", func(ic *interopClient) {
			if err := ic.socket.Close(); err != nil {
				ic.h.t.Fatalf("server Socket.Close: %v", err)
			}
			ic.wantClientClose("transport close")
			ic.h.wantCloseReason(ic.sid, "forced close")
		}},
		{"heartbeat timeout", func(ic *interopClient) {
			ic.command(map[string]any{"op": "stopHeartbeat"})
			ic.waitEvent("stopped")
			ic.h.wantCloseReason(ic.sid, "ping timeout")
			// The client learns of it from the close packet on its pending poll
			// or the WebSocket closing ("transport close"), or from a poll that
			// reaches the server after the session is gone (HTTP 400: "transport
			// error"); Node's server gives the same two outcomes.
			ic.wantClientClose("transport close", "transport error")
		}},
		{"client vanishes", func(ic *interopClient) {
			// SIGKILL: the connections drop with no close packet. As Node's
			// server: a dropped WebSocket is "transport close", a dropped pending
			// poll "transport error" ("poll connection closed prematurely"); if
			// the kill fell between two polls, only the heartbeat notices.
			want := []string{"transport close"}
			if ic.transport == "polling" {
				want = []string{"transport error", "ping timeout"}
			}
			ic.command(map[string]any{"op": "crash"})
			if got, cause := ic.h.waitClose(ic.sid); !slices.Contains(want, got) {
				ic.h.t.Errorf("server closed with %q (cause %v), want one of %q", got, cause, want)
			}
		}},
	}
	for _, c := range clients {
		t.Run(c.name, func(t *testing.T) {
			for _, m := range modes {
				t.Run(m.name, func(t *testing.T) {
					for _, s := range scenarios {
						t.Run(s.name, func(t *testing.T) {
							t.Parallel()
							runAttempts(t, 0, func(a tb) {
								s.run(openInterop(t, a, c.version, m.transports, m.upgrade, m.first))
							})
						})
					}
				})
			}
		})
	}
}

// interopEcho sends text (with characters outside ASCII and the BMP, which v3
// payloads count in UTF-16 units) and binary from the client, checks what the
// server got and what came back, then sends text and binary from the server.
func interopEcho(ic *interopClient) {
	h := ic.h
	text := "hello é ✓ 😀"
	bin := []byte{0, 1, 2, 0xfe, 0xff}
	ic.command(map[string]any{"op": "send", "text": text})
	ic.command(map[string]any{"op": "send", "binary": base64.StdEncoding.EncodeToString(bin)})

	want := []engineio.Message{{Data: []byte(text)}, {Data: bin, Binary: true}}
	for i, w := range want {
		select {
		case got := <-ic.session.msgs:
			if got.Binary != w.Binary || string(got.Data) != string(w.Data) {
				h.t.Errorf("server message %d = %s, want %s", i, describeMsg(got.Message), describeMsg(w))
			}
			// The client reports "upgrade" after it sent the upgrade packet, so
			// what it sends next arrives on the new transport.
			if got.transport != ic.transport {
				h.t.Errorf("server message %d came over %q, want %q", i, got.transport, ic.transport)
			}
		case <-ic.session.closed:
			h.t.Fatalf("server message %d: the session closed first (%q)", i, ic.session.reason)
		case <-time.After(waitLimit):
			h.timedOut("server message %d: none within %v", i, waitLimit)
		}
	}
	ic.wantMessage(text, nil)
	ic.wantMessage("", bin)

	// Server to client, outside the echo.
	srvBin := []byte{0xca, 0xfe}
	if err := ic.socket.Send([]engineio.Message{{Data: []byte("from server")}, {Data: srvBin, Binary: true}}, engineio.SendOptions{}); err != nil {
		h.t.Fatalf("server Send: %v", err)
	}
	ic.wantMessage("from server", nil)
	ic.wantMessage("", srvBin)
}

func describeMsg(m engineio.Message) string {
	if m.Binary {
		return fmt.Sprintf("binary %v", m.Data)
	}
	return fmt.Sprintf("text %q", m.Data)
}

// clientEvent is one line of engine-client.js.
type clientEvent struct {
	Event       string `json:"event"`
	ID          string `json:"id"`
	Transport   string `json:"transport"`
	Text        string `json:"text"`
	Binary      string `json:"binary"`
	Reason      string `json:"reason"`
	Description string `json:"description"`
	Message     string `json:"message"`
}

// interopClient is one official client connected to a fresh echo server.
type interopClient struct {
	h         *harness
	p         *nodeenv.Process
	sid       string
	socket    *engineio.Socket // the server side
	session   *session
	transport string        // the transport messages travel on once open (and upgraded)
	backlog   []clientEvent // events read while waiting for another one
}

// openInterop starts engine-client.js (owned by the subtest owner: it lives
// until the subtest ends) and connects it to a new echo server (owned by the
// attempt t).
func openInterop(owner *testing.T, t tb, version int, transports []string, upgrade bool, first string) *interopClient {
	h := newHarness(t)
	p := nodeenv.Start(owner, "engine-client.js", nil)
	ic := &interopClient{h: h, p: p}
	ic.waitEvent("ready")
	ic.command(map[string]any{
		"op": "open", "version": version, "url": "http://" + h.host,
		"transports": transports, "upgrade": upgrade,
	})
	opened := ic.waitEvent("open")
	if opened.Transport != first {
		t.Errorf("client opened with %q, want %q", opened.Transport, first)
	}
	ic.sid = opened.ID
	ic.socket = h.nextConn()
	if ic.socket.ID() != ic.sid {
		t.Fatalf("server socket %q, client id %q", ic.socket.ID(), ic.sid)
	}
	if got := ic.socket.Protocol(); got != version {
		t.Errorf("server Protocol() = %d, want %d", got, version)
	}
	ic.session = h.events.session(ic.sid)
	if upgrade {
		if got := ic.waitEvent("upgrade"); got.Transport != "websocket" {
			t.Fatalf("client upgraded to %q, want websocket", got.Transport)
		}
		// The client reports "upgrade" once it has sent the upgrade packet; the
		// scenarios start once the server has processed it.
		h.waitUpgraded(ic.sid)
	} else if got := ic.socket.Transport(); got != first {
		t.Errorf("server Transport() = %q, want %q", got, first)
	}
	ic.transport = transports[len(transports)-1]
	return ic
}

func (ic *interopClient) command(cmd map[string]any) {
	ic.h.t.Helper()
	b, err := json.Marshal(cmd)
	if err != nil {
		ic.h.t.Fatal(err)
	}
	if err := ic.p.WriteLine(ic.h.ctx(), b); err != nil {
		ic.h.t.Fatalf("command %s: %v", b, err)
	}
}

// waitEvent returns the next event named name, keeping the others for later.
func (ic *interopClient) waitEvent(name string) clientEvent {
	ic.h.t.Helper()
	for i, e := range ic.backlog {
		if e.Event == name {
			ic.backlog = slices.Delete(ic.backlog, i, i+1)
			return e
		}
	}
	ctx, cancel := context.WithTimeout(ic.h.t.Context(), waitLimit)
	defer cancel()
	for {
		var e clientEvent
		if err := ic.p.ReadJSON(ctx, &e); err != nil {
			if ctx.Err() != nil {
				ic.h.timedOut("waiting for client event %q (seen %+v): %v", name, ic.backlog, err)
			}
			ic.h.t.Fatalf("waiting for client event %q (seen %+v): %v", name, ic.backlog, err)
		}
		if e.Event == name {
			return e
		}
		if e.Event == "close" {
			ic.h.t.Fatalf("waiting for client event %q, the client closed: %+v (seen %+v)", name, e, ic.backlog)
		}
		if e.Event == "error" && name != "error" {
			// Expected in some scenarios (a poll answered 400 after the server
			// closed the session); the scenario's own checks decide.
			ic.h.t.Logf("client error event: %s", e.Message)
		}
		ic.backlog = append(ic.backlog, e)
	}
}

// wantMessage wants the client's next message to be text, or bin when bin is
// not nil.
func (ic *interopClient) wantMessage(text string, bin []byte) {
	ic.h.t.Helper()
	e := ic.waitEvent("message")
	if bin != nil {
		got, err := base64.StdEncoding.DecodeString(e.Binary)
		if err != nil || e.Binary == "" || !slices.Equal(got, bin) {
			ic.h.t.Errorf("client message %+v, want binary %v", e, bin)
		}
		return
	}
	if e.Binary != "" || e.Text != text {
		ic.h.t.Errorf("client message %+v, want text %q", e, text)
	}
}

// wantClientClose waits for the client's close event and wants one of reasons.
func (ic *interopClient) wantClientClose(reasons ...string) {
	ic.h.t.Helper()
	if e := ic.waitEvent("close"); !slices.Contains(reasons, e.Reason) {
		ic.h.t.Errorf("client closed with %q (%s), want %q", e.Reason, e.Description, reasons)
	}
}
