package socketio_test

import (
	"context"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/gosockio/gosockio/socketio"
)

// track records a socket's disconnecting/disconnect events, with the rooms it was in
// while disconnecting.
func track(s *socketio.Socket, log *[]string) {
	s.OnDisconnecting(func(reason string) {
		*log = append(*log, "disconnecting:"+reason)
		if slices.Contains(s.Rooms(), "room") {
			*log = append(*log, "still in room")
		}
	})
	s.OnDisconnect(func(reason string) {
		*log = append(*log, "disconnect:"+reason)
		if len(s.Rooms()) == 0 {
			*log = append(*log, "left rooms")
		}
	})
}

func TestDisconnectReasons(t *testing.T) {
	tests := []struct {
		name   string
		action func(t *testing.T, p peer)
		reason string
		closed bool
	}{
		{"client namespace disconnect", func(t *testing.T, p peer) { p.c.Deliver("1") }, "client namespace disconnect", false},
		{"server namespace disconnect", func(t *testing.T, p peer) {
			p.s.Disconnect(false)
			if got := next(t, p.c); got != "1" {
				t.Errorf("got %q, want DISCONNECT", got)
			}
		}, "server namespace disconnect", false},
		{"transport close", func(t *testing.T, p peer) { p.c.CloseFromPeer("transport close") }, "transport close", true},
		{"ping timeout", func(t *testing.T, p peer) { p.c.CloseFromPeer("ping timeout") }, "ping timeout", true},
		{"disconnect(true)", func(t *testing.T, p peer) {
			p.s.Disconnect(true)
			if got := next(t, p.c); got != "1" {
				t.Errorf("got %q, want DISCONNECT", got)
			}
		}, "server namespace disconnect", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, _ := newServer(t, nil)
			var log []string
			srv.OnConnection(func(s *socketio.Socket) { s.Join("room"); track(s, &log) })
			p := peers(t, srv, 1)[0]
			tt.action(t, p)
			want := []string{"disconnecting:" + tt.reason, "still in room", "disconnect:" + tt.reason, "left rooms"}
			if diff := cmp.Diff(want, log); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
			if p.s.Connected() {
				t.Error("socket still connected")
			}
			if _, ok := srv.Socket(p.sid); ok {
				t.Error("namespace still lists the socket")
			}
			if ids, _ := srv.AllSockets(context.Background()); len(ids) != 0 {
				t.Errorf("adapter still has %v", ids)
			}
			if closed, _ := p.c.Closed(); closed != tt.closed {
				t.Errorf("connection closed = %v, want %v", closed, tt.closed)
			}
		})
	}
}

func TestDisconnectOneNamespaceKeepsOthers(t *testing.T) {
	srv, _ := newServer(t, nil)
	chat := srv.Of("/chat")
	c := dial(t, srv, 4)
	join(t, c, "/", "")
	join(t, c, "/chat", "")
	c.Deliver("1/chat,")
	if len(chat.Sockets()) != 0 || len(srv.Sockets()) != 1 {
		t.Fatalf("sockets: /chat %d, / %d", len(chat.Sockets()), len(srv.Sockets()))
	}
	// reconnecting to the namespace on the same connection works
	join(t, c, "/chat", "")
	expectOpen(t, c)
}

func TestServerClose(t *testing.T) {
	srv, _ := newServer(t, nil)
	var log []string
	srv.OnConnection(func(s *socketio.Socket) { track(s, &log) })
	p := peers(t, srv, 1)[0]
	idle := dial(t, srv, 4)
	if err := srv.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	if log[0] != "disconnecting:server shutting down" {
		t.Errorf("log = %v", log)
	}
	expectClosed(t, p.c)
	expectClosed(t, idle)
	late := dial(t, srv, 4)
	expectClosed(t, late)
}
