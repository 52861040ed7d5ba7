package socketio_test

import (
	"context"
	"errors"
	"slices"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/gosockio/gosockio/parser"
	"github.com/gosockio/gosockio/socketio"
	"github.com/gosockio/gosockio/socketio/sockettest"
)

type peer struct {
	c   *sockettest.Conn
	sid string
	s   *socketio.Socket
}

func peers(t *testing.T, srv *socketio.Server, n int) []peer {
	out := make([]peer, n)
	for i := range out {
		c, sid := connect(t, srv, "/")
		out[i] = peer{c, sid, socketOf(t, srv, sid)}
	}
	return out
}

// receivedBy returns which peers got exactly msg next.
func receivedBy(t *testing.T, ps []peer, msg string) []int {
	t.Helper()
	var got []int
	for i, p := range ps {
		pend := p.c.Pending()
		if len(pend) > 1 {
			t.Fatalf("peer %d got %d messages", i, len(pend))
		}
		if len(pend) == 1 {
			if string(pend[0].Data) != msg {
				t.Fatalf("peer %d got %q, want %q", i, pend[0].Data, msg)
			}
			got = append(got, i)
		}
	}
	return got
}

func TestBroadcastRooms(t *testing.T) {
	srv, _ := newServer(t, nil)
	ps := peers(t, srv, 4)
	ps[0].s.Join("a")
	ps[1].s.Join("a", "b")
	ps[2].s.Join("b")

	tests := []struct {
		name string
		emit func() error
		want []int
	}{
		{"all", func() error { return srv.Emit("e") }, []int{0, 1, 2, 3}},
		{"to a", func() error { return srv.To("a").Emit("e") }, []int{0, 1}},
		{"in a,b", func() error { return srv.In("a", "b").Emit("e") }, []int{0, 1, 2}},
		{"to a except b", func() error { return srv.To("a").Except("b").Emit("e") }, []int{0}},
		{"to socket id", func() error { return srv.To(ps[3].sid).Emit("e") }, []int{3}},
		{"socket broadcast", func() error { return ps[0].s.Broadcast().Emit("e") }, []int{1, 2, 3}},
		{"socket to a", func() error { return ps[0].s.To("a").Emit("e") }, []int{1}},
		{"socket except b", func() error { return ps[0].s.Except("b").Emit("e") }, []int{3}},
		{"volatile local compress", func() error { return srv.Volatile().Local().Compress(false).To("b").Emit("e") }, []int{1, 2}},
		{"namespace send", func() error { return srv.To("b").Send("e") }, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.emit(); err != nil {
				t.Fatal(err)
			}
			msg := `2["e"]`
			if tt.name == "namespace send" {
				msg = `2["message","e"]`
				tt.want = []int{1, 2}
			}
			if diff := cmp.Diff(tt.want, receivedBy(t, ps, msg)); diff != "" {
				t.Errorf("receivers (-want +got):\n%s", diff)
			}
		})
	}
	if err := srv.To("a").Emit("disconnect"); !errors.Is(err, socketio.ErrReservedEvent) {
		t.Errorf("reserved: %v", err)
	}
}

func TestBroadcastSlowConsumerDoesNotBlock(t *testing.T) {
	srv, _ := newServer(t, nil)
	ps := peers(t, srv, 3)
	ps[1].c.SetMaxQueued(1) // already full after one unread message
	for range 3 {
		if err := srv.Emit("e"); err != nil {
			t.Fatal(err)
		}
	}
	expectClosed(t, ps[1].c)
	if _, ok := srv.Socket(ps[1].sid); ok {
		t.Error("the slow consumer's socket must be gone")
	}
	for _, i := range []int{0, 2} {
		if n := len(ps[i].c.Pending()); n != 3 {
			t.Errorf("peer %d got %d messages, want 3", i, n)
		}
	}
}

func TestBroadcastEmitWithAck(t *testing.T) {
	srv, _ := newServer(t, nil)
	ps := peers(t, srv, 3)
	ps[0].s.Join("r")
	ps[1].s.Join("r")
	type result struct {
		as  []socketio.Args
		err error
	}
	ch := make(chan result, 1)
	go func() {
		as, err := srv.To("r").Timeout(time.Minute).EmitWithAck(context.Background(), "q", 1)
		ch <- result{as, err}
	}()
	for _, p := range ps[:2] {
		if got, want := next(t, p.c), `20["q",1]`; got != want {
			t.Fatalf("got %q, want %q", got, want)
		}
	}
	ps[1].c.Deliver(`30["b"]`)
	ps[0].c.Deliver(`30["a"]`)
	r := <-ch
	if r.err != nil {
		t.Fatal(r.err)
	}
	var got []string
	for _, a := range r.as {
		var s string
		_ = a.Decode(0, &s)
		got = append(got, s)
	}
	if diff := cmp.Diff([]string{"b", "a"}, got); diff != "" {
		t.Errorf("answers in arrival order (-want +got):\n%s", diff)
	}
	expectNoMessage(t, ps[2].c)
}

func TestBroadcastEmitWithAckNoRecipients(t *testing.T) {
	srv, _ := newServer(t, nil)
	as, err := srv.To("nobody").EmitWithAck(context.Background(), "q")
	if err != nil || len(as) != 0 {
		t.Fatalf("= %v, %v; want no answers, nil", as, err)
	}
}

func TestBroadcastEmitWithAckTimeout(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		srv, _ := newServer(t, nil)
		ps := peers(t, srv, 2)
		var cbErr error
		var cbAnswers []socketio.Args
		err := srv.Timeout(time.Second).Emit("q", func(err error, as []socketio.Args) { cbErr, cbAnswers = err, as })
		if err != nil {
			t.Fatal(err)
		}
		next(t, ps[0].c)
		next(t, ps[1].c)
		ps[0].c.Deliver(`30["only"]`)
		time.Sleep(2 * time.Second)
		synctest.Wait()
		if !errors.Is(cbErr, socketio.ErrAckTimeout) || len(cbAnswers) != 1 {
			t.Fatalf("callback got %v with %d answers; want ErrAckTimeout with 1", cbErr, len(cbAnswers))
		}
		ps[1].c.Deliver(`30["late"]`) // ignored
		expectOpen(t, ps[1].c)
	})
}

func TestFetchSocketsJoinLeaveDisconnect(t *testing.T) {
	srv, _ := newServer(t, nil)
	ps := peers(t, srv, 3)
	ps[0].s.Join("r")
	ps[1].s.Join("r")
	ps[0].s.SetData("d0")
	ctx := context.Background()

	rs, err := srv.In("r").FetchSockets(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, r := range rs {
		ids = append(ids, r.ID)
		if r.ID == ps[0].sid && (r.Data != "d0" || !slices.Contains(r.Rooms, "r")) {
			t.Errorf("remote socket = %+v", r)
		}
	}
	slices.Sort(ids)
	want := []string{ps[0].sid, ps[1].sid}
	slices.Sort(want)
	if diff := cmp.Diff(want, ids); diff != "" {
		t.Error(diff)
	}

	srv.In("r").SocketsJoin("x")
	if !slices.Contains(ps[1].s.Rooms(), "x") || slices.Contains(ps[2].s.Rooms(), "x") {
		t.Errorf("SocketsJoin: %v %v", ps[1].s.Rooms(), ps[2].s.Rooms())
	}
	srv.Except(ps[0].sid).SocketsLeave("x")
	if !slices.Contains(ps[0].s.Rooms(), "x") || slices.Contains(ps[1].s.Rooms(), "x") {
		t.Errorf("SocketsLeave: %v %v", ps[0].s.Rooms(), ps[1].s.Rooms())
	}
	all, _ := srv.AllSockets(ctx)
	if len(all) != 3 {
		t.Errorf("AllSockets = %v", all)
	}
	if cl, _ := srv.Clients(ctx); len(cl) != 3 {
		t.Errorf("Clients = %v", cl)
	}

	// RemoteSocket methods act through the adapter
	for _, r := range rs {
		if r.ID == ps[1].sid {
			if err := r.Emit("hey"); err != nil {
				t.Fatal(err)
			}
			r.Disconnect(false)
		}
	}
	if got := next(t, ps[1].c); got != `2["hey"]` {
		t.Errorf("got %q", got)
	}
	if got := next(t, ps[1].c); got != `1` {
		t.Errorf("got %q, want DISCONNECT", got)
	}
	srv.In("r").DisconnectSockets(true)
	expectClosed(t, ps[0].c)
	expectOpen(t, ps[2].c)
}

func TestRemoteSocketEmitWithAckJoinLeave(t *testing.T) {
	srv, _ := newServer(t, nil)
	ps := peers(t, srv, 2)
	rs, err := srv.In(ps[0].sid).FetchSockets(context.Background())
	if err != nil || len(rs) != 1 {
		t.Fatalf("FetchSockets = %v, %v", rs, err)
	}
	r := rs[0]
	if h, ok := r.Handshake.(*socketio.Handshake); !ok || h.Address == "" {
		t.Errorf("local handshake = %#v", r.Handshake)
	}
	r.Join("x")
	if !slices.Contains(ps[0].s.Rooms(), "x") {
		t.Error("RemoteSocket.Join")
	}
	r.Leave("x")
	if slices.Contains(ps[0].s.Rooms(), "x") {
		t.Error("RemoteSocket.Leave")
	}
	type result struct {
		a   socketio.Args
		err error
	}
	ch := make(chan result, 1)
	go func() {
		a, err := r.Timeout(time.Minute).EmitWithAck(context.Background(), "q")
		ch <- result{a, err}
	}()
	if m := next(t, ps[0].c); m != `20["q"]` {
		t.Fatalf("got %q", m)
	}
	ps[0].c.Deliver(`30["answer"]`)
	res := <-ch
	var s string
	if res.err != nil || res.a.Decode(0, &s) != nil || s != "answer" {
		t.Fatalf("= %q, %v", s, res.err)
	}
	expectNoMessage(t, ps[1].c)
}

type countingParser struct {
	parser.Parser
	encodes *atomic.Int64
}

func (p countingParser) Encoder() parser.Encoder {
	return countingEncoder{p.Parser.Encoder(), p.encodes}
}

type countingEncoder struct {
	parser.Encoder
	n *atomic.Int64
}

func (e countingEncoder) Encode(p *parser.Packet) ([]parser.Frame, error) {
	e.n.Add(1)
	return e.Encoder.Encode(p)
}

func TestBroadcastEncodesOnce(t *testing.T) {
	var n atomic.Int64
	srv, _ := newServer(t, &socketio.Options{Parser: countingParser{parser.New(nil), &n}})
	ps := peers(t, srv, 5)
	before := n.Load()
	if err := srv.Emit("e", []byte{1}); err != nil {
		t.Fatal(err)
	}
	if got := n.Load() - before; got != 1 {
		t.Errorf("a broadcast to 5 sockets encoded %d times, want 1", got)
	}
	for _, p := range ps {
		if m := next(t, p.c); m != `51-["e",{"_placeholder":true,"num":0}]` {
			t.Errorf("got %q", m)
		}
	}
}
