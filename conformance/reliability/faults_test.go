package reliability

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gosockio/gosockio/engineio"
	"github.com/gosockio/gosockio/socketio"
)

// TestStalledReader has a websocket client (a raw TCP connection with a 4 KiB receive
// buffer, handshake done by hand) connect to "/" and never read again while the server
// broadcasts to everyone. Its TCP window fills, the server's write to it blocks, its
// write queue reaches MaxQueuedMessages/MaxQueuedBytes (small here) and the server
// closes it with "transport error" (cause ErrQueueFull). Two well-behaved clients
// receive every broadcast, in order, before and after: none is lost, and the broadcast
// never waits on the stalled one.
func TestStalledReader(t *testing.T) {
	s := newServer(t, &socketio.Options{Options: engineio.Options{MaxQueuedMessages: 32, MaxQueuedBytes: 256 << 10}})
	goods := []*wsClient{s.dialWS("/"), s.dialWS("/")}
	bad := s.dialRaw(4096)
	bad.text("40")
	if got := bad.read(); !strings.HasPrefix(got, "40{") {
		t.Fatalf("CONNECT answered %q", got)
	}
	s.mu.Lock()
	badDone := s.doneLocked(bad.sid)
	s.mu.Unlock()

	payload := strings.Repeat("x", 32<<10)
	after := -1 // broadcasts left to send once the stalled client is closed
	for i := 0; after != 0; i++ {
		if i == 2000 {
			t.Fatalf("stalled client %s still open after %d broadcasts of %d bytes", bad.sid, i, len(payload))
		}
		if err := s.io.Emit("tick", i, payload); err != nil {
			t.Fatal(err)
		}
		want := fmt.Sprintf(`42["tick",%d,"%s"]`, i, payload)
		for _, g := range goods {
			if got := g.next(); got != want {
				t.Fatalf("client %s: broadcast %d: got %.40q..., want %.40q...", g.sid, i, got, want)
			}
		}
		select {
		case <-badDone:
			if after < 0 {
				after = 20
				t.Logf("stalled client closed after %d broadcasts of %d bytes", i+1, len(payload))
			}
		default:
		}
		if after > 0 {
			after--
		}
	}
	got := s.wantClose(bad.sid, engineio.ReasonTransportError)
	if !errors.Is(got.cause, engineio.ErrQueueFull) {
		t.Errorf("close cause %v, want one wrapping engineio.ErrQueueFull", got.cause)
	}
	// socket.io reports the engine's reason to the "disconnect" listeners.
	bad.waitEOF()
	if got := s.disconnectReason(bad.sid); got != socketio.ReasonTransportError {
		t.Errorf("socket.io disconnect reason %q, want %q", got, socketio.ReasonTransportError)
	}
	for _, g := range goods {
		g.works()
	}
}

// TestHalfClose: a client that shuts down its sending side (TCP FIN, no close frame or
// close packet) ends its session; the server closes its side too. Node reports the
// websocket as "transport close" (ws: close 1006) and a pending poll as "transport
// error" ("poll connection closed prematurely").
func TestHalfClose(t *testing.T) {
	s := newServer(t, nil)
	good := s.dialWS("/")

	t.Run("websocket", func(t *testing.T) {
		s := s.sub(t)
		bad := s.dialRaw(0)
		bad.text("40")
		bad.read()
		if err := bad.conn.CloseWrite(); err != nil {
			t.Fatal(err)
		}
		s.wantClose(bad.sid, engineio.ReasonTransportClose)
		bad.waitEOF()
		good.works()
	})

	t.Run("pending poll", func(t *testing.T) {
		s := s.sub(t)
		sid := s.openPolling()
		c := dialTCP(t, s.host, 0)
		fmt.Fprintf(c, "GET %s?EIO=4&transport=polling&sid=%s HTTP/1.1\r\nHost: %s\r\n\r\n", socketio.DefaultPath, sid, s.host)
		if err := c.CloseWrite(); err != nil {
			t.Fatal(err)
		}
		got := s.wantClose(sid, engineio.ReasonTransportError)
		t.Logf("cause: %v", got.cause)
		_ = c.SetReadDeadline(time.Now().Add(waitLimit))
		_, _ = io.Copy(io.Discard, c)
		good.works()
	})
}

// TestPollCutMidBody: a polling client's GET is cut (TCP reset) while the server writes
// a large response (a 4 MB event to a client with a 4 KiB receive window). What
// happens, the same as in Node (engine.io 6.6 polling.ts: the response is handed to
// res.end and the request's "close" listener removed at once, so a failed write is
// not seen): the session stays open, the packets of the cut response are lost, the
// next GET receives what is sent afterwards, and a client that never comes back is
// closed by the heartbeat ("ping timeout") with no state or goroutine left behind.
func TestPollCutMidBody(t *testing.T) {
	const interval = 200 * time.Millisecond
	s := newServer(t, &socketio.Options{Options: engineio.Options{PingInterval: interval, PingTimeout: interval}})
	good := s.dialWS("/")

	sid := s.openPolling()
	if code := s.post(sid, strings.NewReader("40")); code != http.StatusOK {
		t.Fatalf("CONNECT: status %d", code)
	}
	nspSID := ""
	for nspSID == "" {
		for _, p := range strings.Split(s.get(s.url("EIO=4&transport=polling&sid="+sid)), "\x1e") {
			var ack struct{ SID string }
			if rest, ok := strings.CutPrefix(p, "40"); ok && json.Unmarshal([]byte(rest), &ack) == nil {
				nspSID = ack.SID
			} else if p == "2" {
				s.post(sid, strings.NewReader("3"))
			}
		}
	}

	big := strings.Repeat("b", 4<<20)
	if err := s.io.To(nspSID).Emit("big", big); err != nil {
		t.Fatal(err)
	}
	c := dialTCP(t, s.host, 4096)
	fmt.Fprintf(c, "GET %s?EIO=4&transport=polling&sid=%s HTTP/1.1\r\nHost: %s\r\n\r\n", socketio.DefaultPath, sid, s.host)
	_ = c.SetReadDeadline(time.Now().Add(waitLimit))
	br := bufio.NewReader(c)
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatal(err)
	}
	if resp.ContentLength < int64(len(big)) {
		t.Fatalf("the cut GET announces %d bytes, want the big event", resp.ContentLength)
	}
	if _, err := io.ReadFull(resp.Body, make([]byte, 1000)); err != nil {
		t.Fatal(err)
	}
	_ = c.SetLinger(0)
	_ = c.Close() // RST mid-body
	// Until its write fails, the cut GET is still the session's GET: a new one would
	// overlap it (400, and the session closes with "transport error"). Node hands the
	// body to res.end and forgets the request at once, so there a GET sent at this
	// point is served. Wait for the server to be done with the cut connection.
	s.waitTCPEnded(c)

	if err := s.io.To(nspSID).Emit("after", 1); err != nil {
		t.Fatal(err)
	}
	// The next polls get "after" (and pings), never the big event again.
	for got := false; !got; {
		for _, p := range strings.Split(s.get(s.url("EIO=4&transport=polling&sid="+sid)), "\x1e") {
			switch {
			case p == "2":
				s.post(sid, strings.NewReader("3"))
			case p == `42["after",1]`:
				got = true
			case strings.HasPrefix(p, `42["big"`):
				t.Fatalf("the big event was sent again after the cut (Node does not)")
			default:
				t.Fatalf("unexpected packet %.40q", p)
			}
		}
	}
	good.works()
	// The client vanishes: the heartbeat ends the session.
	s.wantClose(sid, engineio.ReasonPingTimeout)
	if n := s.io.Engine().ClientsCount(); n != 1 {
		t.Errorf("%d engine sessions left, want 1 (the well-behaved client)", n)
	}
	good.works()
}

// TestVanishedPollingSessions: a client opens 1,000 polling sessions and never polls
// again. Each is closed by the heartbeat after PingInterval + PingTimeout (short here)
// with "ping timeout", as in Node; the server holds none of them afterwards, and a
// websocket client connected meanwhile is unaffected.
func TestVanishedPollingSessions(t *testing.T) {
	const (
		n        = 1000
		interval = 200 * time.Millisecond
	)
	s := newServer(t, &socketio.Options{Options: engineio.Options{PingInterval: interval, PingTimeout: interval}})
	good := s.dialWS("/")
	sids := make([]string, n)
	for i := range sids {
		sids[i] = s.openPolling()
	}
	for _, sid := range sids {
		s.wantClose(sid, engineio.ReasonPingTimeout)
	}
	if got := s.closedCount(engineio.ReasonPingTimeout); got != n {
		t.Errorf("%d sessions closed by ping timeout, want %d", got, n)
	}
	if got := s.io.Engine().ClientsCount(); got != 1 {
		t.Errorf("%d engine sessions left, want 1 (the well-behaved client)", got)
	}
	good.works()
}
