package socketio_test

import (
	"errors"
	"testing"

	"github.com/gosockio/gosockio/socketio"
)

// Protocol v4 (socket.io 2.x clients over Engine.IO v3); expected bytes from
// socket.io 2.5.1 (node_modules/socket.io-v2).
func TestV4AutoConnectsMainNamespace(t *testing.T) {
	srv, _ := newServer(t, nil)
	var got *socketio.Socket
	srv.OnConnection(func(s *socketio.Socket) { got = s })
	c := dial(t, srv, 3)
	if m := next(t, c); m != "0" {
		t.Fatalf("first message = %q, want \"0\"", m)
	}
	if got == nil || got.ID() != c.ID() {
		t.Fatalf("socket id must be the engine id %q, got %v", c.ID(), got)
	}
	_ = got.Emit("hi", 1)
	if m := next(t, c); m != `2["hi",1]` {
		t.Errorf("event = %q", m)
	}
}

func TestV4NamespaceWithQuery(t *testing.T) {
	srv, _ := newServer(t, nil)
	var got *socketio.Socket
	srv.Of("/admin").OnConnection(func(s *socketio.Socket) { got = s })
	c := dial(t, srv, 3)
	next(t, c)
	c.Deliver("0/admin?token=abc&x=1,")
	if m := next(t, c); m != "0/admin," {
		t.Fatalf("reply = %q, want 0/admin,", m)
	}
	if got == nil || got.ID() != "/admin#"+c.ID() {
		t.Fatalf("id = %v, want /admin#%s", got, c.ID())
	}
	if got.Handshake().Auth["token"] != "abc" || got.Handshake().Auth["x"] != "1" {
		t.Errorf("auth = %v", got.Handshake().Auth)
	}
	c.Deliver(`2/admin,["ev"]`)
	expectOpen(t, c)
}

// socket.io 2.5.1 (socket.js buildHandshake) merges the namespace query over the engine
// request's query: Object.assign({}, requestQuery, query), so the namespace's keys win.
func TestV4NamespaceQueryMergedIntoHandshake(t *testing.T) {
	srv, _ := newServer(t, nil)
	var main, admin *socketio.Socket
	srv.OnConnection(func(s *socketio.Socket) { main = s })
	srv.Of("/admin").OnConnection(func(s *socketio.Socket) { admin = s })
	c := dial(t, srv, 3) // request query: EIO=3&transport=websocket&token=q1
	next(t, c)
	c.Deliver("0/admin?token=abc&x=1&x=2,")
	if m := next(t, c); m != "0/admin," {
		t.Fatalf("reply = %q, want 0/admin,", m)
	}
	if admin == nil {
		t.Fatal("no connection on /admin")
	}
	q := admin.Handshake().Query
	if got := q["token"]; len(got) != 1 || got[0] != "abc" {
		t.Errorf("query token = %q, want [abc] (the namespace query wins)", got)
	}
	if got := q["x"]; len(got) != 2 || got[0] != "1" || got[1] != "2" {
		t.Errorf("query x = %q, want [1 2]", got)
	}
	if q.Get("EIO") != "3" || q.Get("transport") != "websocket" {
		t.Errorf("query = %v, want the request's other keys kept", q)
	}
	if got := main.Handshake().Query.Get("token"); got != "q1" {
		t.Errorf("main namespace query token = %q, want the request's q1", got)
	}
}

func TestV4Errors(t *testing.T) {
	srv, _ := newServer(t, nil)
	srv.Of("/private").Use(func(*socketio.Socket) error { return errors.New("nope") })
	srv.Of("/data").Use(func(*socketio.Socket) error {
		return &socketio.ConnectError{Message: "m", Data: map[string]any{"why": "x"}}
	})
	c := dial(t, srv, 3)
	next(t, c)
	c.Deliver("0/random,")
	if m := next(t, c); m != `4/random,"Invalid namespace"` {
		t.Errorf("unknown namespace: %q", m)
	}
	c.Deliver("0/private,")
	if m := next(t, c); m != `4/private,"nope"` {
		t.Errorf("middleware error: %q", m)
	}
	c.Deliver("0/data,")
	if m := next(t, c); m != `4/data,{"why":"x"}` {
		t.Errorf("middleware error data: %q", m)
	}
	expectOpen(t, c)
}

func TestV4MiddlewareOnMainNamespace(t *testing.T) {
	srv, _ := newServer(t, nil)
	srv.Use(func(s *socketio.Socket) error { return errors.New("denied") })
	c := dial(t, srv, 3)
	if m := next(t, c); m != `4"denied"` {
		t.Errorf("got %q", m)
	}
}
