package engineio

import (
	"context"
	"encoding/json"
	"testing"
	"testing/synctest"
	"time"

	"github.com/coder/websocket"
)

func sidOf(t *testing.T, open string) string {
	t.Helper()
	var h struct{ Sid string }
	if err := json.Unmarshal([]byte(open[1:]), &h); err != nil {
		t.Fatalf("open packet %q: %v", open, err)
	}
	return h.Sid
}

func TestHeartbeatV4Polling(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newPipeEnv(t, nil)
		start := time.Now()
		sid := sidOf(t, e.do("GET", "EIO=4&transport=polling", "").body)
		q := "EIO=4&transport=polling&sid=" + sid
		for i := range 3 {
			r := e.do("GET", q, "") // held until the ping
			if r.body != "2" {
				t.Fatalf("ping %d: %q", i, r.body)
			}
			if got, want := time.Since(start), time.Duration(i+1)*25*time.Second; got != want {
				t.Fatalf("ping %d after %v, want %v", i, got, want)
			}
			time.Sleep(19 * time.Second) // answer late but within pingTimeout
			start = start.Add(19 * time.Second)
			if r := e.do("POST", q, "3"); r.status != 200 {
				t.Fatalf("pong: %d", r.status)
			}
		}
		// No pong: closed after pingInterval + pingTimeout.
		if r := e.do("GET", q, ""); r.body != "2" {
			t.Fatalf("ping: %q", r.body)
		}
		time.Sleep(20*time.Second - time.Nanosecond)
		synctest.Wait()
		if len(e.closes) != 0 {
			t.Fatal("closed before pingTimeout")
		}
		time.Sleep(time.Nanosecond)
		synctest.Wait()
		if ev := <-e.closes; ev.reason != "ping timeout" {
			t.Fatalf("reason %q", ev.reason)
		}
		wantError(t, e.do("GET", q, ""), 400, `{"code":1,"message":"Session ID unknown"}`)
	})
}

func TestHeartbeatV3Polling(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newPipeEnv(t, nil)
		r := e.do("GET", "EIO=3&transport=polling&b64=1", "")
		ps, _ := DecodePayloadV3([]byte(r.body))
		sid := sidOf(t, "0"+string(ps[0].Data))
		q := "EIO=3&transport=polling&sid=" + sid
		for range 3 {
			time.Sleep(44 * time.Second)
			if r := e.do("POST", q, "1:2"); r.status != 200 {
				t.Fatalf("ping: %d %q", r.status, r.body)
			}
			if r := e.do("GET", q, ""); r.body != "1:3" {
				t.Fatalf("pong: %q", r.body)
			}
		}
		time.Sleep(45 * time.Second)
		synctest.Wait()
		if ev := <-e.closes; ev.reason != "ping timeout" {
			t.Fatalf("reason %q", ev.reason)
		}
		wantError(t, e.do("POST", q, "1:2"), 400, `{"code":1,"message":"Session ID unknown"}`)
	})
}

func TestHeartbeatWebSocket(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newPipeEnv(t, &Options{PingInterval: 300 * time.Millisecond, PingTimeout: 200 * time.Millisecond})
		c := e.dial("EIO=4&transport=websocket")
		ctx := context.Background()
		if _, _, err := c.Read(ctx); err != nil {
			t.Fatal(err)
		}
		for range 3 {
			_, msg, err := c.Read(ctx)
			if err != nil || string(msg) != "2" {
				t.Fatalf("ping: %q %v", msg, err)
			}
			_ = c.Write(ctx, websocket.MessageText, []byte("3"))
		}
		start := time.Now()
		if _, msg, _ := c.Read(ctx); string(msg) != "2" {
			t.Fatalf("ping: %q", msg)
		}
		if _, _, err := c.Read(ctx); err == nil {
			t.Fatal("still open without pong")
		}
		if d := time.Since(start); d != 500*time.Millisecond {
			t.Fatalf("closed after %v, want 500ms", d)
		}
		if ev := <-e.closes; ev.reason != "ping timeout" {
			t.Fatalf("reason %q", ev.reason)
		}
	})
}

func TestHeartbeatV3WebSocket(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newPipeEnv(t, &Options{PingInterval: 300 * time.Millisecond, PingTimeout: 200 * time.Millisecond})
		c := e.dial("EIO=3&transport=websocket")
		ctx := context.Background()
		_, _, _ = c.Read(ctx)
		for range 3 {
			time.Sleep(450 * time.Millisecond)
			_ = c.Write(ctx, websocket.MessageText, []byte("2"))
			if _, msg, err := c.Read(ctx); err != nil || string(msg) != "3" {
				t.Fatalf("pong: %q %v", msg, err)
			}
		}
		start := time.Now()
		if _, _, err := c.Read(ctx); err == nil {
			t.Fatal("still open without ping")
		}
		if d := time.Since(start); d != 500*time.Millisecond {
			t.Fatalf("closed after %v, want 500ms", d)
		}
	})
}

// Node 6.x: a packet other than pong, while a pong is awaited, extends the deadline once.
func TestHeartbeatRefreshedByOtherPacket(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newPipeEnv(t, nil)
		sid := sidOf(t, e.do("GET", "EIO=4&transport=polling", "").body)
		q := "EIO=4&transport=polling&sid=" + sid
		if r := e.do("GET", q, ""); r.body != "2" {
			t.Fatalf("ping: %q", r.body)
		}
		time.Sleep(15 * time.Second)
		e.do("POST", q, "4busy") // extends the deadline to 15s + 20s after the ping
		time.Sleep(10 * time.Second)
		e.do("POST", q, "4again") // the second packet does not extend it again
		time.Sleep(10*time.Second - time.Nanosecond)
		synctest.Wait()
		if len(e.closes) != 0 {
			t.Fatal("closed before the extended deadline")
		}
		time.Sleep(time.Nanosecond)
		synctest.Wait()
		if ev := <-e.closes; ev.reason != "ping timeout" {
			t.Fatalf("reason %q", ev.reason)
		}
	})
}

// A request that arrives after the heartbeat deadline is refused even if the timeout timer
// has not run yet (timers fire late on a loaded machine).
func TestRequestAfterDeadline(t *testing.T) {
	e := newEnv(t, nil)
	sid := e.handshake("4", "")
	c := e.srv.lookup(sid)
	c.mu.Lock()
	c.deadline = time.Now().Add(-time.Millisecond).UnixNano()
	c.mu.Unlock()
	wantError(t, e.post("EIO=4&transport=polling&sid="+sid, "3"), 400, `{"code":1,"message":"Session ID unknown"}`)
	if ev := e.waitClose(sid); ev.reason != "ping timeout" {
		t.Fatalf("reason %q", ev.reason)
	}
}
