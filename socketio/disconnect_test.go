package socketio_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
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

// A Disconnect(true) inside the connection handler sends what the handler sent first:
// the client gets CONNECT, the event and DISCONNECT, then the engine's close, as from
// Node (the frames held while the handlers run used to be dropped with the close).
func TestDisconnectInConnectionHandlerSendsHeldFrames(t *testing.T) {
	srv, _ := newServer(t, nil)
	srv.OnConnection(func(s *socketio.Socket) {
		s.Emit("hi", 1)
		s.Disconnect(true)
	})
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)
	base := ts.URL + "/socket.io/?EIO=4&transport=polling"
	get := func(url string) string {
		resp, err := http.Get(url)
		if err != nil {
			t.Error(err)
			return ""
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return string(b)
	}
	open := get(base)
	i := strings.Index(open, `"sid":"`)
	if i < 0 {
		t.Fatalf("open = %q", open)
	}
	sid := open[i+7 : i+7+strings.Index(open[i+7:], `"`)]
	got := make(chan string, 1)
	go func() { got <- get(base + "&sid=" + sid) }() // a GET waiting when the handler runs
	resp, err := http.Post(base+"&sid="+sid, "text/plain", strings.NewReader("40"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	body := <-got
	parts := strings.Split(body, "\x1e")
	if len(parts) != 3 || !strings.HasPrefix(parts[0], `40{"sid":`) || parts[1] != `42["hi",1]` || parts[2] != "41" {
		t.Fatalf("GET = %q, want CONNECT, 42[\"hi\",1] and 41", body)
	}
	if last := get(base + "&sid=" + sid); last != "1" {
		t.Fatalf("next GET = %q, want the close packet 1", last)
	}
}
