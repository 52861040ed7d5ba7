package engineio

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
)

// Issue 4, "Bad input, one case each": every case gets a clear answer, closes at most the
// offending session, and the server goes on serving others.
func TestBadInput(t *testing.T) {
	const (
		badRequest = `{"code":3,"message":"Bad request"}`
		unknownSID = `{"code":1,"message":"Session ID unknown"}`
	)
	tests := []struct {
		name string
		opts *Options
		run  func(t *testing.T, e *testEnv)
	}{
		{"unknown transport", nil, func(t *testing.T, e *testEnv) {
			wantError(t, e.get("EIO=4&transport=abc"), 400, `{"code":0,"message":"Transport unknown"}`)
			wantError(t, e.get("EIO=4"), 400, `{"code":0,"message":"Transport unknown"}`)
		}},
		{"transport not enabled", &Options{Transports: []string{"websocket"}}, func(t *testing.T, e *testEnv) {
			wantError(t, e.get("EIO=4&transport=polling"), 400, `{"code":0,"message":"Transport unknown"}`)
			c, _, err := e.dial("EIO=4&transport=websocket")
			if err != nil {
				t.Fatal(err)
			}
			wsRead(t, c)
		}},
		{"unsupported protocol", nil, func(t *testing.T, e *testEnv) {
			for _, q := range []string{"transport=polling", "EIO=abc&transport=polling", "EIO=5&transport=polling", "EIO=2&transport=polling"} {
				wantError(t, e.get(q), 400, `{"code":5,"message":"Unsupported protocol version"}`)
			}
		}},
		{"EIO=3 disabled", &Options{DisableEIO3: true}, func(t *testing.T, e *testEnv) {
			wantError(t, e.get("EIO=3&transport=polling"), 400, `{"code":5,"message":"Unsupported protocol version"}`)
		}},
		{"unknown sid", nil, func(t *testing.T, e *testEnv) {
			wantError(t, e.get("EIO=4&transport=polling&sid=nope"), 400, unknownSID)
			wantError(t, e.post("EIO=4&transport=polling&sid=nope", "4x"), 400, unknownSID)
			if _, res, err := e.dial("EIO=4&transport=websocket&sid=nope"); err == nil || res.StatusCode != 400 {
				t.Fatalf("websocket with unknown sid: %v", err)
			}
		}},
		{"bad method", nil, func(t *testing.T, e *testEnv) {
			wantError(t, e.post("EIO=4&transport=polling", ""), 400, `{"code":2,"message":"Bad handshake method"}`)
			wantError(t, e.do("PUT", "EIO=4&transport=polling", "", ""), 400, `{"code":2,"message":"Bad handshake method"}`)
			sid := e.handshake("4", "")
			wantError(t, e.do("PUT", "EIO=4&transport=polling&sid="+sid, "", ""), 400, badRequest)
		}},
		{"websocket handshake without upgrade", nil, func(t *testing.T, e *testEnv) {
			wantError(t, e.get("EIO=4&transport=websocket"), 400, badRequest)
		}},
		{"protocol mismatch", nil, func(t *testing.T, e *testEnv) {
			sid := e.handshake("4", "")
			wantError(t, e.get("EIO=3&transport=polling&sid="+sid), 400, badRequest)
		}},
		{"POST over MaxHTTPBufferSize", &Options{MaxHTTPBufferSize: 100}, func(t *testing.T, e *testEnv) {
			sid := e.handshake("4", "")
			q := "EIO=4&transport=polling&sid=" + sid
			if r := e.post(q, "4"+strings.Repeat("x", 200)); r.status != http.StatusRequestEntityTooLarge {
				t.Fatalf("status %d", r.status)
			}
			if ev := e.waitClose(sid); ev.reason != "transport error" {
				t.Fatalf("reason %q", ev.reason)
			}
			wantError(t, e.get(q), 400, unknownSID)
		}},
		{"websocket message over MaxHTTPBufferSize", &Options{MaxHTTPBufferSize: 100}, func(t *testing.T, e *testEnv) {
			c, _, err := e.dial("EIO=4&transport=websocket")
			if err != nil {
				t.Fatal(err)
			}
			_, open := wsRead(t, c)
			wsWrite(t, c, websocket.MessageText, "4"+strings.Repeat("x", 200))
			wsWaitClosed(t, c)
			if ev := e.waitClose(sidOf(t, open)); ev.reason != "transport error" {
				t.Fatalf("reason %q", ev.reason)
			}
		}},
		{"malformed payload", nil, func(t *testing.T, e *testEnv) {
			for _, tt := range []struct{ eio, body string }{{"4", "abc"}, {"4", "4a\x1e\x1e"}, {"3", "abc"}, {"3", "9:4hello"}} {
				sid := e.handshake(tt.eio, "&b64=1")
				q := "EIO=" + tt.eio + "&transport=polling&sid=" + sid
				wantError(t, e.post(q, tt.body), 400, badRequest)
				if ev := e.waitClose(sid); ev.reason != "parse error" {
					t.Fatalf("%q: reason %q", tt.body, ev.reason)
				}
				wantError(t, e.get(q), 400, unknownSID)
			}
		}},
		{"malformed websocket frame", nil, func(t *testing.T, e *testEnv) {
			c, _, err := e.dial("EIO=4&transport=websocket")
			if err != nil {
				t.Fatal(err)
			}
			_, open := wsRead(t, c)
			wsWrite(t, c, websocket.MessageText, "abc")
			wsWaitClosed(t, c)
			if ev := e.waitClose(sidOf(t, open)); ev.reason != "parse error" {
				t.Fatalf("reason %q", ev.reason)
			}
		}},
		{"v4 octet-stream POST", nil, func(t *testing.T, e *testEnv) {
			sid := e.handshake("4", "")
			wantError(t, e.do("POST", "EIO=4&transport=polling&sid="+sid, "application/octet-stream", "4x"), 400, badRequest)
			e.waitClose(sid)
		}},
		{"second concurrent GET", nil, func(t *testing.T, e *testEnv) {
			sid := e.handshake("4", "")
			q := "EIO=4&transport=polling&sid=" + sid
			first := async(func() resp { return e.get(q) })
			waitPending(t, e.srv, sid)
			wantError(t, e.get(q+"&t=burst"), 400, badRequest)
			if r := <-first; r.status != 200 || r.body != "1" {
				t.Fatalf("pending GET: %d %q", r.status, r.body)
			}
			if ev := e.waitClose(sid); ev.reason != "transport error" {
				t.Fatalf("reason %q", ev.reason)
			}
			wantError(t, e.get(q), 400, unknownSID)
		}},
		{"cancelled GET", nil, func(t *testing.T, e *testEnv) {
			sid := e.handshake("4", "")
			q := "EIO=4&transport=polling&sid=" + sid
			ctx, cancel := context.WithCancel(context.Background())
			req, _ := http.NewRequestWithContext(ctx, "GET", e.url(q), nil)
			done := async(func() error { _, err := e.client.Do(req); return err })
			waitPending(t, e.srv, sid)
			cancel()
			<-done
			if ev := e.waitClose(sid); ev.reason != "transport error" {
				t.Fatalf("reason %q", ev.reason)
			}
			wantError(t, e.get(q), 400, unknownSID)
		}},
		{"websocket for an upgraded sid", nil, func(t *testing.T, e *testEnv) {
			c, _, err := e.dial("EIO=4&transport=websocket")
			if err != nil {
				t.Fatal(err)
			}
			_, open := wsRead(t, c)
			sid := sidOf(t, open)
			c2, _, err := e.dial("EIO=4&transport=websocket&sid=" + sid)
			if err != nil {
				t.Fatal(err)
			}
			if err := wsWaitClosed(t, c2); websocket.CloseStatus(err) != websocket.StatusNormalClosure {
				t.Fatalf("second websocket: %v", err)
			}
			wsWrite(t, c, websocket.MessageText, "4ok")
			if _, msg := wsRead(t, c); msg != "4ok" {
				t.Fatalf("first websocket: %q", msg)
			}
		}},
		{"v4 client that pings", nil, func(t *testing.T, e *testEnv) {
			sid := e.handshake("4", "")
			if r := e.post("EIO=4&transport=polling&sid="+sid, "2"); r.status != 200 {
				t.Fatalf("status %d", r.status)
			}
			if ev := e.waitClose(sid); ev.reason != "parse error" || !errors.Is(ev.cause, ErrParse) {
				t.Fatalf("close %q %v", ev.reason, ev.cause)
			}
		}},
		{"v3 client that pongs", nil, func(t *testing.T, e *testEnv) {
			c, _, err := e.dial("EIO=3&transport=websocket")
			if err != nil {
				t.Fatal(err)
			}
			_, open := wsRead(t, c)
			wsWrite(t, c, websocket.MessageText, "3")
			wsWaitClosed(t, c)
			if ev := e.waitClose(sidOf(t, open)); ev.reason != "parse error" {
				t.Fatalf("reason %q", ev.reason)
			}
		}},
		{"JSONP j not a number", nil, func(t *testing.T, e *testEnv) {
			for _, j := range []string{"abc", "", "1a", "-1"} {
				wantError(t, e.get("EIO=3&transport=polling&j="+j), 400, badRequest)
			}
		}},
		{"client never finishes the upgrade", &Options{UpgradeTimeout: 50 * time.Millisecond}, func(t *testing.T, e *testEnv) {
			sid := e.handshake("4", "")
			c, _, err := e.dial("EIO=4&transport=websocket&sid=" + sid)
			if err != nil {
				t.Fatal(err)
			}
			wsWaitClosed(t, c)
			if s := e.srv.lookup(sid); s == nil || s.Transport() != "polling" {
				t.Fatal("session lost with the upgrade")
			}
		}},
		{"invalid Origin header", nil, func(t *testing.T, e *testEnv) {
			// Go's HTTP client and server refuse such headers; Node checks them itself.
			req := httptest.NewRequest("GET", "/engine.io/?EIO=4&transport=polling", nil)
			req.Header.Set("Origin", "a\x01b")
			rec := httptest.NewRecorder()
			e.srv.ServeHTTP(rec, req)
			wantError(t, resp{rec.Code, rec.Body.String(), rec.Header()}, 400, badRequest)
		}},
		{"wrong path", nil, func(t *testing.T, e *testEnv) {
			res, err := e.client.Get(e.ts.URL + "/other/?EIO=4&transport=polling")
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			if res.StatusCode != 404 {
				t.Fatalf("status %d", res.StatusCode)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, tt.opts)
			var others []string
			if tt.opts == nil || len(tt.opts.Transports) != 1 {
				for range 2 {
					others = append(others, e.handshake("4", ""))
				}
			}
			tt.run(t, e)
			for _, sid := range others {
				q := "EIO=4&transport=polling&sid=" + sid
				if r := e.post(q, "4other"); r.status != 200 {
					t.Fatalf("other session POST: %d %s", r.status, r.body)
				}
				if r := e.get(q); r.body != "4other" {
					t.Fatalf("other session GET: %q", r.body)
				}
			}
			if others != nil {
				e.assertServing()
			}
		})
	}
}
