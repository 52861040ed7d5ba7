package engineio

import (
	"errors"
	"testing"

	"github.com/coder/websocket"
)

func TestStatsPolling(t *testing.T) {
	e := newEnv(t, &Options{MaxQueuedMessages: 2})
	if st := e.srv.Stats(); st != (Stats{}) {
		t.Fatalf("fresh server: %+v, want zero", st)
	}
	r := e.get("EIO=4&transport=polling")
	if r.status != 200 {
		t.Fatalf("handshake: %d %s", r.status, r.body)
	}
	st := e.srv.Stats()
	if st.ConnectionsOpen != 1 || st.ConnectionsTotal != 1 || st.PacketsOut != 1 || st.MessagesOut != 0 || st.BytesOut != uint64(len(r.body)) {
		t.Fatalf("after handshake (%d bytes): %+v", len(r.body), st)
	}
	s := <-e.socks
	sid := s.ID()

	// "4hello" in (6 bytes), echoed back by the test server.
	if r := e.post("EIO=4&transport=polling&sid="+sid, "4hello"); r.status != 200 {
		t.Fatalf("post: %d %s", r.status, r.body)
	}
	st = e.srv.Stats()
	if st.PacketsIn != 1 || st.MessagesIn != 1 || st.BytesIn != 6 {
		t.Fatalf("after POST: %+v", st)
	}
	if r := e.get("EIO=4&transport=polling&sid=" + sid); r.body != "4hello" {
		t.Fatalf("GET %q", r.body)
	}
	st = e.srv.Stats()
	if st.PacketsOut != 2 || st.MessagesOut != 1 {
		t.Fatalf("after GET: %+v", st)
	}

	// No pending GET: two volatile messages are dropped.
	if err := s.Send([]Message{{Data: []byte("a")}, {Data: []byte("b")}}, SendOptions{Volatile: true}); !errors.Is(err, ErrDropped) {
		t.Fatalf("volatile: %v", err)
	}
	if st := e.srv.Stats(); st.VolatileDropped != 2 || st.SlowConsumerCloses != 0 {
		t.Fatalf("after volatile drop: %+v", st)
	}

	// Overflow of the queue (2 messages) closes the socket as a slow consumer.
	if err := s.Send([]Message{{Data: []byte("a")}, {Data: []byte("b")}, {Data: []byte("c")}}, SendOptions{}); !errors.Is(err, ErrQueueFull) {
		t.Fatalf("overflow: %v", err)
	}
	e.waitClose(sid)
	st = e.srv.Stats()
	if st.SlowConsumerCloses != 1 || st.ConnectionsOpen != 0 || st.ConnectionsTotal != 1 {
		t.Fatalf("after overflow: %+v", st)
	}
}

func TestStatsWebSocket(t *testing.T) {
	e := newEnv(t, nil)
	c, _, err := e.dial("EIO=4&transport=websocket")
	if err != nil {
		t.Fatal(err)
	}
	defer c.CloseNow()
	_, open := wsRead(t, c)
	waitFor(t, func() bool { return e.srv.Stats().PacketsOut == 1 })
	if st := e.srv.Stats(); st.ConnectionsOpen != 1 || st.ConnectionsTotal != 1 || st.BytesOut != uint64(len(open)) {
		t.Fatalf("after open (%d bytes): %+v", len(open), st)
	}
	wsWrite(t, c, websocket.MessageText, "4hi")
	wsWrite(t, c, websocket.MessageBinary, "\x01\x02\x03")
	if _, m := wsRead(t, c); m != "4hi" {
		t.Fatalf("echo %q", m)
	}
	if _, m := wsRead(t, c); m != "\x01\x02\x03" {
		t.Fatalf("echo %q", m)
	}
	waitFor(t, func() bool { return e.srv.Stats().PacketsOut == 3 })
	st := e.srv.Stats()
	want := Stats{ConnectionsOpen: 1, ConnectionsTotal: 1, PacketsIn: 2, PacketsOut: 3, MessagesIn: 2, MessagesOut: 2,
		BytesIn: 6, BytesOut: uint64(len(open)) + 6}
	if st != want {
		t.Fatalf("after echo:\n got %+v\nwant %+v", st, want)
	}
	c.Close(websocket.StatusNormalClosure, "")
	<-e.socks
	waitFor(t, func() bool { return e.srv.Stats().ConnectionsOpen == 0 })
}

func TestStatsUpgrade(t *testing.T) {
	e := newEnv(t, nil)
	r := e.get("EIO=4&transport=polling")
	s := <-e.socks
	c, _, err := e.dial("EIO=4&transport=websocket&sid=" + s.ID())
	if err != nil {
		t.Fatal(err)
	}
	defer c.CloseNow()
	wsWrite(t, c, websocket.MessageText, "2probe")
	if _, m := wsRead(t, c); m != "3probe" {
		t.Fatalf("probe answer %q", m)
	}
	wsWrite(t, c, websocket.MessageText, "5")
	wsWrite(t, c, websocket.MessageText, "4x")
	if _, m := wsRead(t, c); m != "4x" {
		t.Fatalf("echo %q", m)
	}
	waitFor(t, func() bool { return e.srv.Stats().PacketsOut == 3 })
	want := Stats{ConnectionsOpen: 1, ConnectionsTotal: 1, PacketsIn: 3, PacketsOut: 3, MessagesIn: 1, MessagesOut: 1,
		BytesIn: uint64(len("2probe5" + "4x")), BytesOut: uint64(len(r.body) + len("3probe4x"))}
	if st := e.srv.Stats(); st != want {
		t.Fatalf("after upgrade and echo:\n got %+v\nwant %+v", st, want)
	}
}
