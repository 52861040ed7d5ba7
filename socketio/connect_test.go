package socketio_test

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/gosockio/gosockio/adapter"
	"github.com/gosockio/gosockio/engineio"
	"github.com/gosockio/gosockio/parser"
	"github.com/gosockio/gosockio/socketio"
)

func TestConnectMainNamespace(t *testing.T) {
	srv, _ := newServer(t, nil)
	var got *socketio.Socket
	srv.OnConnection(func(s *socketio.Socket) { got = s })
	c := dial(t, srv, 4)
	expectNoMessage(t, c) // v5: nothing until the client sends CONNECT
	sid := join(t, c, "/", `{"token":"abc"}`)
	if got == nil || got.ID() != sid {
		t.Fatalf("connection handler got %v, want socket %s", got, sid)
	}
	if sid == c.ID() {
		t.Errorf("v5 socket id must not be the engine id")
	}
	if got.Handshake().Auth["token"] != "abc" {
		t.Errorf("auth = %v", got.Handshake().Auth)
	}
	h := got.Handshake()
	if h.Query.Get("token") != "q1" || h.Headers.Get("X-Test") != "yes" || h.Address != "192.0.2.1:1234" || h.Issued == 0 || !strings.HasPrefix(h.URL, "/socket.io/?EIO=4") {
		t.Errorf("handshake = %+v", h)
	}
	if rooms := got.Rooms(); len(rooms) != 1 || rooms[0] != sid {
		t.Errorf("rooms = %v, want [%s]", rooms, sid)
	}
	if !got.Connected() {
		t.Error("socket must be connected")
	}
	if s, ok := srv.Socket(sid); !ok || s != got {
		t.Error("namespace must list the socket")
	}
}

func TestConnectOtherNamespace(t *testing.T) {
	srv, _ := newServer(t, nil)
	var n int
	srv.Of("/chat").OnConnection(func(s *socketio.Socket) { n++ })
	c := dial(t, srv, 4)
	join(t, c, "/chat", "")
	if n != 1 {
		t.Fatalf("connection handler called %d times", n)
	}
	// a second namespace on the same connection
	join(t, c, "/", "")
	if len(srv.Sockets()) != 1 || len(srv.Of("chat").Sockets()) != 1 {
		t.Errorf("sockets: / %d, /chat %d", len(srv.Sockets()), len(srv.Of("chat").Sockets()))
	}
}

func TestConnectUnknownNamespace(t *testing.T) {
	srv, _ := newServer(t, nil)
	c := dial(t, srv, 4)
	c.Deliver("0/random,")
	if got, want := next(t, c), `4/random,{"message":"Invalid namespace"}`; got != want {
		t.Fatalf("reply = %q, want %q", got, want)
	}
	expectOpen(t, c)
}

func TestMiddlewareRefuses(t *testing.T) {
	srv, _ := newServer(t, nil)
	called := false
	srv.Use(func(s *socketio.Socket) error {
		if s.Handshake().Auth["token"] != "good" {
			return &socketio.ConnectError{Message: "not authorized", Data: map[string]any{"code": 42}}
		}
		s.SetData("user-1")
		return nil
	})
	srv.Use(func(s *socketio.Socket) error { return nil })
	srv.OnConnection(func(s *socketio.Socket) { called = true })

	c := dial(t, srv, 4)
	c.Deliver(`0{"token":"bad"}`)
	if got, want := next(t, c), `4{"message":"not authorized","data":{"code":42}}`; got != want {
		t.Fatalf("reply = %q, want %q", got, want)
	}
	if called || len(srv.Sockets()) != 0 {
		t.Fatal("refused socket must not connect")
	}
	// plain errors carry only the message
	srv2, _ := newServer(t, nil)
	srv2.Use(func(*socketio.Socket) error { return errors.New("plain") })
	c2 := dial(t, srv2, 4)
	c2.Deliver("0")
	if got, want := next(t, c2), `4{"message":"plain"}`; got != want {
		t.Fatalf("reply = %q, want %q", got, want)
	}
	// the client may retry on the same connection
	sid := join(t, c, "/", `{"token":"good"}`)
	s, _ := srv.Socket(sid)
	if !called || s.Data() != "user-1" {
		t.Fatalf("accepted socket: called=%v data=%v", called, s.Data())
	}
}

func TestConnectTimeoutClosesIdleClient(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		srv, _ := newServer(t, &socketio.Options{ConnectTimeout: 10 * time.Second})
		idle := dial(t, srv, 4)
		active := dial(t, srv, 4)
		join(t, active, "/", "")
		time.Sleep(9 * time.Second)
		synctest.Wait()
		expectOpen(t, idle)
		time.Sleep(2 * time.Second)
		synctest.Wait()
		expectClosed(t, idle)
		expectOpen(t, active)
	})
}

func TestConnectTimeoutDisabled(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		srv, _ := newServer(t, &socketio.Options{ConnectTimeout: -1})
		idle := dial(t, srv, 4)
		time.Sleep(time.Hour)
		synctest.Wait()
		expectOpen(t, idle)
	})
}

func TestNewServerValidatesOptions(t *testing.T) {
	_, err := socketio.NewServer(&socketio.Options{ConnectionStateRecovery: &socketio.RecoveryOptions{MaxDisconnectionDuration: -1}})
	if err == nil || !strings.Contains(err.Error(), "MaxDisconnectionDuration") {
		t.Errorf("err = %v, want one naming MaxDisconnectionDuration", err)
	}
}

func TestConnectReplyAfterConnectionHandlers(t *testing.T) {
	srv, _ := newServer(t, nil)
	var sentDuringHandler int = -1
	var conn interface{ Pending() []engineio.Message }
	srv.OnConnection(func(s *socketio.Socket) {
		s.Join("room")
		_ = s.Emit("welcome")
		sentDuringHandler = len(conn.Pending())
	})
	c := dial(t, srv, 4)
	conn = c
	c.Deliver("0")
	if sentDuringHandler != 0 {
		t.Fatalf("%d messages reached the connection before the handlers returned", sentDuringHandler)
	}
	if m := next(t, c); !strings.HasPrefix(m, `0{"sid":`) {
		t.Fatalf("first = %q, want the CONNECT reply", m)
	}
	if m := next(t, c); m != `2["welcome"]` {
		t.Fatalf("second = %q", m)
	}
}

// joinBroadcastAdapter broadcasts an event the moment a socket joins its own room: a
// broadcast from another goroutine that lands right after the join.
type joinBroadcastAdapter struct {
	*adapter.InMemory
}

func (a joinBroadcastAdapter) AddAll(id string, rooms []string) {
	a.InMemory.AddAll(id, rooms)
	if slices.Contains(rooms, id) {
		_ = a.InMemory.Broadcast(&parser.Packet{Type: parser.Event, Data: []any{"early"}}, nil)
	}
}

// The CONNECT reply goes out before anything a broadcast can send to the new socket
// (found by conformance's server property; Node joins and replies in one step).
func TestConnectReplyComesBeforeBroadcasts(t *testing.T) {
	srv, _ := newServer(t, &socketio.Options{Adapter: func(nsp adapter.Namespace, cfg *adapter.Config) (adapter.Adapter, error) {
		return joinBroadcastAdapter{adapter.NewInMemory(nsp, cfg)}, nil
	}})
	c := dial(t, srv, 4)
	c.Deliver("0")
	if first := next(t, c); !strings.HasPrefix(first, `0{"sid":`) {
		t.Fatalf("first packet = %q, want the CONNECT reply", first)
	}
	if second := next(t, c); second != `2["early"]` {
		t.Fatalf("second packet = %q, want the broadcast", second)
	}
}
