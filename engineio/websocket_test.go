package engineio

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
)

func TestWebSocketEcho(t *testing.T) {
	for _, tt := range []struct {
		name, query string
		typ         websocket.MessageType
		send, want  string
		wantTyp     websocket.MessageType
	}{
		{"v4 text", "EIO=4", websocket.MessageText, "4hello", "4hello", websocket.MessageText},
		{"v4 binary raw", "EIO=4", websocket.MessageBinary, "\x01\x02\x03\x04", "\x01\x02\x03\x04", websocket.MessageBinary},
		{"v4 base64 text frame", "EIO=4", websocket.MessageText, "bAQID", "\x01\x02\x03", websocket.MessageBinary},
		{"v3 text", "EIO=3", websocket.MessageText, "4hello", "4hello", websocket.MessageText},
		{"v3 binary with type byte", "EIO=3", websocket.MessageBinary, "\x04\x01\x02\x03\x04", "\x04\x01\x02\x03\x04", websocket.MessageBinary},
		{"v3 b64=1 binary as text", "EIO=3&b64=1", websocket.MessageBinary, "\x04\x01\x02\x03", "b4AQID", websocket.MessageText},
	} {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, nil)
			c, _, err := e.dial(tt.query + "&transport=websocket")
			if err != nil {
				t.Fatal(err)
			}
			wsRead(t, c) // open
			wsWrite(t, c, tt.typ, tt.send)
			if typ, msg := wsRead(t, c); typ != tt.wantTyp || msg != tt.want {
				t.Fatalf("got %v %q, want %v %q", typ, msg, tt.wantTyp, tt.want)
			}
		})
	}
}

func TestWebSocketClientClose(t *testing.T) {
	e := newEnv(t, nil)
	c, _, err := e.dial("EIO=4&transport=websocket")
	if err != nil {
		t.Fatal(err)
	}
	_, open := wsRead(t, c)
	sid := open[9:29]
	wsWrite(t, c, websocket.MessageText, "1")
	wsWaitClosed(t, c)
	if ev := e.waitClose(sid); ev.reason != "transport close" {
		t.Fatalf("reason %q", ev.reason)
	}
}

func TestUpgrade(t *testing.T) {
	for _, tt := range []struct{ eio, noop string }{{"4", "6"}, {"3", "1:6"}} {
		t.Run("EIO="+tt.eio, func(t *testing.T) {
			e := newEnv(t, nil)
			sid := e.handshake(tt.eio, "&b64=1")
			q := "EIO=" + tt.eio + "&transport=polling&sid=" + sid
			poll := async(func() resp { return e.get(q) })
			waitPending(t, e.srv, sid)
			c, _, err := e.dial("EIO=" + tt.eio + "&transport=websocket&sid=" + sid)
			if err != nil {
				t.Fatal(err)
			}
			wsWrite(t, c, websocket.MessageText, "2probe")
			if _, msg := wsRead(t, c); msg != "3probe" {
				t.Fatalf("probe answer %q", msg)
			}
			if r := <-poll; r.body != tt.noop {
				t.Fatalf("pending GET %q, want noop", r.body)
			}
			// A GET after the probe is answered with noop at once.
			if r := e.get(q); r.body != tt.noop {
				t.Fatalf("GET during upgrade %q", r.body)
			}
			wsWrite(t, c, websocket.MessageText, "5")
			wsWrite(t, c, websocket.MessageText, "4hello")
			if _, msg := wsRead(t, c); msg != "4hello" {
				t.Fatalf("echo %q", msg)
			}
			if tr := e.srv.lookup(sid).Transport(); tr != "websocket" {
				t.Fatalf("Transport() = %q", tr)
			}
			// Polling after the upgrade: 400; a second websocket: refused.
			wantError(t, e.get(q), 400, `{"code":3,"message":"Bad request"}`)
			c2, _, err := e.dial("EIO=" + tt.eio + "&transport=websocket&sid=" + sid)
			if err != nil {
				t.Fatal(err)
			}
			if err := wsWaitClosed(t, c2); websocket.CloseStatus(err) != websocket.StatusNormalClosure {
				t.Fatalf("second websocket: %v", err)
			}
			wsWrite(t, c, websocket.MessageText, "4again")
			if _, msg := wsRead(t, c); msg != "4again" {
				t.Fatalf("echo after refused websocket %q", msg)
			}
		})
	}
}

func TestUpgradeDeliversQueuedPackets(t *testing.T) {
	e := newEnv(t, nil)
	sid := e.handshake("4", "")
	s := e.socket(sid)
	c, _, err := e.dial("EIO=4&transport=websocket&sid=" + sid)
	if err != nil {
		t.Fatal(err)
	}
	wsWrite(t, c, websocket.MessageText, "2probe")
	wsRead(t, c)
	wsWrite(t, c, websocket.MessageText, "5")
	waitFor(t, func() bool { return s.Transport() == "websocket" })
	if err := s.Send([]Message{{Data: []byte("a")}, {Data: []byte("b")}}, SendOptions{}); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"4a", "4b"} {
		if _, msg := wsRead(t, c); msg != want {
			t.Fatalf("got %q, want %q", msg, want)
		}
	}
}

func TestUpgradeTimeout(t *testing.T) {
	e := newEnv(t, &Options{UpgradeTimeout: 300 * time.Millisecond})
	sid := e.handshake("4", "")
	c, _, err := e.dial("EIO=4&transport=websocket&sid=" + sid)
	if err != nil {
		t.Fatal(err)
	}
	wsWrite(t, c, websocket.MessageText, "2probe")
	wsRead(t, c)
	wsWaitClosed(t, c) // never sent "5": the probe is dropped after UpgradeTimeout
	q := "EIO=4&transport=polling&sid=" + sid
	if r := e.post(q, "4still polling"); r.status != 200 {
		t.Fatalf("POST %d", r.status)
	}
	if r := e.get(q); r.body != "4still polling" {
		t.Fatalf("GET %q", r.body)
	}
	// A new upgrade attempt is allowed.
	c2, _, err := e.dial("EIO=4&transport=websocket&sid=" + sid)
	if err != nil {
		t.Fatal(err)
	}
	wsWrite(t, c2, websocket.MessageText, "2probe")
	if _, msg := wsRead(t, c2); msg != "3probe" {
		t.Fatalf("%q", msg)
	}
}

// With PerMessageDeflate the server negotiates permessage-deflate without context
// takeover either way, also with a client that offers to keep its context (the server's
// client_no_context_takeover makes it compress each message alone).
func TestPerMessageDeflate(t *testing.T) {
	for _, mode := range []websocket.CompressionMode{websocket.CompressionNoContextTakeover, websocket.CompressionContextTakeover} {
		e := newEnv(t, &Options{PerMessageDeflate: &PerMessageDeflateOptions{}})
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		c, res, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(e.url("EIO=4&transport=websocket"), "http"),
			&websocket.DialOptions{CompressionMode: mode})
		if err != nil {
			t.Fatal(err)
		}
		defer c.CloseNow()
		if ext := res.Header.Get("Sec-WebSocket-Extensions"); ext != "permessage-deflate; server_no_context_takeover; client_no_context_takeover" {
			t.Fatalf("extensions %q", ext)
		}
		wsRead(t, c)
		for _, big := range []string{"4" + strings.Repeat("y", 5000), "4" + strings.Repeat("y", 4000) + "z", "4small"} {
			wsWrite(t, c, websocket.MessageText, big)
			if _, msg := wsRead(t, c); msg != big {
				t.Fatalf("mode %v: echo mismatch", mode)
			}
		}
	}
}

// The official suite's "ignores HTTP requests with same sid after upgrade": a GET sent right
// after "5" is refused even if it overtakes the websocket frame.
func TestPollRightAfterUpgrade(t *testing.T) {
	for range 5 {
		e := newEnv(t, nil)
		sid := e.handshake("4", "")
		c, _, err := e.dial("EIO=4&transport=websocket&sid=" + sid)
		if err != nil {
			t.Fatal(err)
		}
		wsWrite(t, c, websocket.MessageText, "2probe")
		wsRead(t, c)
		wsWrite(t, c, websocket.MessageText, "5")
		wantError(t, e.get("EIO=4&transport=polling&sid="+sid), 400, `{"code":3,"message":"Bad request"}`)
		wsWrite(t, c, websocket.MessageText, "4hello")
		if _, msg := wsRead(t, c); msg != "4hello" {
			t.Fatalf("echo %q", msg)
		}
	}
}

func TestForcedCloseWebSocket(t *testing.T) {
	e := newEnv(t, nil)
	c, _, err := e.dial("EIO=4&transport=websocket")
	if err != nil {
		t.Fatal(err)
	}
	_, open := wsRead(t, c)
	s := e.socket(sidOf(t, open))
	_ = s.Send([]Message{{Data: []byte("last")}, {Data: []byte{7}, Binary: true}}, SendOptions{})
	_ = s.Close()
	if _, msg := wsRead(t, c); msg != "4last" {
		t.Fatalf("got %q", msg)
	}
	if typ, msg := wsRead(t, c); typ != websocket.MessageBinary || msg != "\x07" {
		t.Fatalf("got %v %q", typ, msg)
	}
	if err := wsWaitClosed(t, c); websocket.CloseStatus(err) != websocket.StatusNormalClosure {
		t.Fatalf("close: %v", err)
	}
	if ev := e.waitClose(s.ID()); ev.reason != "forced close" {
		t.Fatalf("reason %q", ev.reason)
	}
}
