package socketio_test

import (
	"testing"

	"github.com/gosockio/gosockio/socketio"
)

func TestStats(t *testing.T) {
	srv, _ := newServer(t, nil)
	srv.OnConnection(func(s *socketio.Socket) {
		s.On("sum", func(a, b int, ack func(int)) { ack(a + b) })
	})
	if got, want := srv.Stats(), (socketio.Stats{Namespaces: 1}); got != want {
		t.Fatalf("fresh server: %+v, want %+v", got, want)
	}
	c, sid := connect(t, srv, "/")
	if st := srv.Stats(); st.SocketsConnected != 1 || st.ConnectsTotal != 1 {
		t.Fatalf("after connect: %+v", st)
	}

	c.Deliver(`213["sum",2,3]`) // an event asking for an ack
	if got := next(t, c); got != `313[5]` {
		t.Fatalf("ack %q", got)
	}
	if st := srv.Stats(); st.EventsIn != 1 || st.AcksOut != 1 || st.EventsOut != 0 || st.AcksIn != 0 {
		t.Fatalf("after event with ack: %+v", st)
	}

	if err := socketOf(t, srv, sid).Emit("hello"); err != nil {
		t.Fatal(err)
	}
	next(t, c)
	if err := srv.Emit("all"); err != nil { // a broadcast: one per recipient
		t.Fatal(err)
	}
	next(t, c)
	if st := srv.Stats(); st.EventsOut != 2 {
		t.Fatalf("after emit and broadcast: %+v", st)
	}

	c.Deliver(`37[1]`) // an ack for an id never used: ignored, counted
	if st := srv.Stats(); st.AcksIn != 1 {
		t.Fatalf("after ack in: %+v", st)
	}

	srv.Of("/admin")
	if st := srv.Stats(); st.Namespaces != 2 {
		t.Fatalf("after Of: %+v", st)
	}

	c.Deliver("1") // DISCONNECT from "/"
	want := socketio.Stats{Namespaces: 2, ConnectsTotal: 1, EventsIn: 1, EventsOut: 2, AcksIn: 1, AcksOut: 1}
	if got := srv.Stats(); got != want {
		t.Fatalf("after disconnect:\n got %+v\nwant %+v", got, want)
	}
}
