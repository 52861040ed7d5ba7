package engineio

import (
	"bytes"
	"compress/gzip"
	"io"
	"strings"
	"testing"
)

// The cases of the official test suites (docs/engine.io-protocol/v*-test-suite) against the
// echo server.
func TestPollingEcho(t *testing.T) {
	for _, tt := range []struct {
		name, eio, hs, body, want, wantType string
	}{
		{"v4 one text", "4", "", "4hello", "4hello", "text/plain; charset=UTF-8"},
		{"v4 several", "4", "", "4test1\x1e4test2\x1e4test3", "4test1\x1e4test2\x1e4test3", "text/plain; charset=UTF-8"},
		{"v4 text and binary", "4", "", "4hello\x1ebAQIDBA==", "4hello\x1ebAQIDBA==", "text/plain; charset=UTF-8"},
		{"v3 one text", "3", "&b64=1", "6:4hello", "6:4hello", "text/plain; charset=UTF-8"},
		{"v3 several", "3", "&b64=1", "6:4test16:4test26:4test3", "6:4test16:4test26:4test3", "text/plain; charset=UTF-8"},
		{"v3 utf-16 lengths", "3", "&b64=1", "2:4€3:4😀", "2:4€3:4😀", "text/plain; charset=UTF-8"},
		{"v3 binary as base64", "3", "&b64=1", "6:4hello10:b4AQIDBA==", "6:4hello10:b4AQIDBA==", "text/plain; charset=UTF-8"},
		{"v3 binary as XHR2", "3", "", "6:4hello10:b4AQIDBA==",
			string([]byte{0, 6, 255, 52, 104, 101, 108, 108, 111, 1, 5, 255, 4, 1, 2, 3, 4}), "application/octet-stream"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, nil)
			sid := e.handshake(tt.eio, tt.hs)
			q := "EIO=" + tt.eio + "&transport=polling&sid=" + sid
			if r := e.post(q, tt.body); r.status != 200 || r.body != "ok" {
				t.Fatalf("POST: %d %q", r.status, r.body)
			}
			r := e.get(q)
			if r.status != 200 || r.body != tt.want || r.header.Get("Content-Type") != tt.wantType {
				t.Fatalf("GET: %d %q %q, want %q %q", r.status, r.body, r.header.Get("Content-Type"), tt.want, tt.wantType)
			}
		})
	}
}

func TestPollingV3BinaryPost(t *testing.T) {
	e := newEnv(t, nil)
	sid := e.handshake("3", "")
	q := "EIO=3&transport=polling&sid=" + sid
	body := AppendPayloadV3Binary(nil, []Packet{{Type: PacketMessage, Data: []byte("hi")}, {Type: PacketMessage, Data: []byte{9, 8}, Binary: true}})
	if r := e.do("POST", q, "application/octet-stream", string(body)); r.status != 200 {
		t.Fatalf("POST: %d %q", r.status, r.body)
	}
	r := e.get(q)
	want := string([]byte{0, 3, 255, '4', 'h', 'i', 1, 3, 255, 4, 9, 8})
	if r.body != want {
		t.Fatalf("GET %q, want %q", r.body, want)
	}
}

func TestJSONPPolling(t *testing.T) {
	e := newEnv(t, nil)
	r := e.get("EIO=3&transport=polling&j=2")
	if !strings.HasPrefix(r.body, `___eio[2]("97:0{\"sid\":\"`) || !strings.HasSuffix(r.body, `}");`) {
		t.Fatalf("handshake %q", r.body)
	}
	_, payload, err := DecodeJSONP([]byte(r.body))
	if err != nil {
		t.Fatal(err)
	}
	ps, err := DecodePayloadV3(payload)
	if err != nil {
		t.Fatal(err)
	}
	sid := string(ps[0].Data[8:28])
	q := "EIO=3&transport=polling&j=2&sid=" + sid
	form := AppendJSONPForm(nil, []byte("12:4line1\nline2"))
	if r := e.do("POST", q, "application/x-www-form-urlencoded", string(form)); r.status != 200 || r.body != "ok" {
		t.Fatalf("POST %d %q", r.status, r.body)
	}
	if r := e.get(q); r.body != `___eio[2]("12:4line1\nline2");` {
		t.Fatalf("GET %q", r.body)
	}
	// Binary goes out as base64 on JSONP.
	if r := e.do("POST", q, "application/x-www-form-urlencoded", "d=6%3Ab4AQID"); r.status != 200 {
		t.Fatalf("POST %d %q", r.status, r.body)
	}
	if r := e.get(q); r.body != `___eio[2]("6:b4AQID");` {
		t.Fatalf("GET %q", r.body)
	}
}

func TestPollingClientClose(t *testing.T) {
	for _, tt := range []struct{ eio, closeBody, want string }{{"4", "1", "6"}, {"3", "1:1", "1:6"}} {
		t.Run("EIO="+tt.eio, func(t *testing.T) {
			e := newEnv(t, nil)
			sid := e.handshake(tt.eio, "&b64=1")
			q := "EIO=" + tt.eio + "&transport=polling&sid=" + sid
			poll := async(func() resp { return e.get(q) })
			waitPending(t, e.srv, sid)
			if r := e.post(q, tt.closeBody); r.status != 200 {
				t.Fatalf("POST: %d", r.status)
			}
			if r := <-poll; r.body != tt.want {
				t.Fatalf("pending GET %q, want %q", r.body, tt.want)
			}
			if ev := e.waitClose(sid); ev.reason != "transport close" {
				t.Fatalf("reason %q", ev.reason)
			}
			wantError(t, e.get(q), 400, `{"code":1,"message":"Session ID unknown"}`)
		})
	}
}

// waitPending blocks until the session has a GET waiting for packets.
func waitPending(t *testing.T, srv *Server, sid string) {
	t.Helper()
	waitFor(t, func() bool {
		c := srv.lookup(sid)
		if c == nil {
			return false
		}
		c.mu.Lock()
		defer c.mu.Unlock()
		return c.poll != nil && c.poll.wake != nil
	})
}

func TestForcedClosePolling(t *testing.T) {
	e := newEnv(t, nil)
	sid := e.handshake("4", "")
	s := e.socket(sid)
	q := "EIO=4&transport=polling&sid=" + sid
	// No GET pending: the next GET carries the queue, the one after it the close
	// packet (as Node's engine.io: a client acts on a payload's close packet before
	// the messages ahead of it reach its application).
	if err := s.Send([]Message{{Data: []byte("bye")}}, SendOptions{}); err != nil {
		t.Fatal(err)
	}
	_ = s.Close()
	if err := s.Send([]Message{{Data: []byte("late")}}, SendOptions{}); err != ErrClosed {
		t.Fatalf("Send after Close: %v", err)
	}
	if r := e.get(q); r.body != "4bye" {
		t.Fatalf("GET %q, want the queued message alone", r.body)
	}
	if r := e.get(q); r.body != "1" {
		t.Fatalf("second GET %q, want the close packet", r.body)
	}
	if ev := e.waitClose(sid); ev.reason != "forced close" {
		t.Fatalf("reason %q", ev.reason)
	}
	// GET pending: it is answered with the close packet.
	sid = e.handshake("4", "")
	s = e.socket(sid)
	q = "EIO=4&transport=polling&sid=" + sid
	poll := async(func() resp { return e.get(q) })
	waitPending(t, e.srv, sid)
	_ = s.Close()
	if r := <-poll; r.body != "1" {
		t.Fatalf("GET %q", r.body)
	}
	e.waitClose(sid)
}

// TestForcedClosePollingAfterWake: a GET woken by a message, with Close called
// before it answers, carries the message alone; the close packet comes with the
// next GET (Node), or the client's own "1" ends the session at once.
func TestForcedClosePollingAfterWake(t *testing.T) {
	e := newEnv(t, nil)
	for _, clientCloses := range []bool{false, true} {
		sid := e.handshake("4", "")
		s := e.socket(sid)
		q := "EIO=4&transport=polling&sid=" + sid
		poll := async(func() resp { return e.get(q) })
		waitPending(t, e.srv, sid)
		// Send wakes the pending GET; Close comes right after, usually before
		// that GET has taken the queue. Either way the session is closing after
		// the GET, waiting for the next one (the first subtest of
		// TestForcedClosePolling pins the order deterministically).
		if err := s.Send([]Message{{Data: []byte("bye")}}, SendOptions{}); err != nil {
			t.Fatal(err)
		}
		_ = s.Close()
		if r := <-poll; r.body != "4bye" {
			t.Fatalf("woken GET %q, want the message alone", r.body)
		}
		if clientCloses {
			if r := e.post(q, "1"); r.status != 200 {
				t.Fatalf("POST close: %d %s", r.status, r.body)
			}
		} else if r := e.get(q); r.body != "1" {
			t.Fatalf("next GET %q, want the close packet", r.body)
		}
		if ev := e.waitClose(sid); ev.reason != "forced close" {
			t.Fatalf("reason %q, want forced close", ev.reason)
		}
	}
}

func TestHTTPCompression(t *testing.T) {
	e := newEnv(t, nil)
	sid := e.handshake("4", "")
	s := e.socket(sid)
	big := strings.Repeat("x", 2000)
	_ = s.Send([]Message{{Data: []byte(big)}}, SendOptions{})
	// http.Transport adds Accept-Encoding gzip itself and decompresses transparently only when
	// it added the header; set it explicitly to see the raw body.
	r := e.do("GET", "EIO=4&transport=polling&sid="+sid, "", "", "Accept-Encoding", "gzip")
	if r.header.Get("Content-Encoding") != "gzip" {
		t.Fatalf("Content-Encoding %q", r.header.Get("Content-Encoding"))
	}
	zr, err := gzip.NewReader(bytes.NewReader([]byte(r.body)))
	if err != nil {
		t.Fatal(err)
	}
	plain, _ := io.ReadAll(zr)
	if string(plain) != "4"+big {
		t.Fatalf("decompressed %d bytes", len(plain))
	}
	// Below the threshold, or NoCompress: identity.
	_ = s.Send([]Message{{Data: []byte(big)}}, SendOptions{NoCompress: true})
	r = e.do("GET", "EIO=4&transport=polling&sid="+sid, "", "", "Accept-Encoding", "gzip")
	if r.header.Get("Content-Encoding") != "" || r.body != "4"+big {
		t.Fatalf("NoCompress: %q", r.header.Get("Content-Encoding"))
	}
}

func TestAcceptedEncoding(t *testing.T) {
	for in, want := range map[string]string{
		"": "", "gzip": "gzip", "deflate": "deflate", "gzip, deflate, br": "gzip", "deflate;q=1, gzip;q=0.5": "deflate",
		"br": "", "gzip;q=0": "", "*": "gzip", "identity": "",
	} {
		if got := acceptedEncoding(in); got != want {
			t.Errorf("acceptedEncoding(%q) = %q, want %q", in, got, want)
		}
	}
}
