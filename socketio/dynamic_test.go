package socketio_test

import (
	"context"
	"errors"
	"regexp"
	"testing"

	"github.com/gosockio/gosockio/socketio"
)

func TestDynamicNamespaceRegexp(t *testing.T) {
	srv, _ := newServer(t, nil)
	var created []string
	srv.OnNewNamespace(func(n *socketio.Namespace) { created = append(created, n.Name()) })
	parent := srv.OfRegexp(regexp.MustCompile(`^/dyn-\d+$`))
	var conns []string
	parent.Use(func(s *socketio.Socket) error {
		if s.Handshake().Auth["deny"] == true {
			return errors.New("denied")
		}
		return nil
	})
	parent.OnConnection(func(s *socketio.Socket) { conns = append(conns, s.Namespace().Name()) })

	c1 := dial(t, srv, 4)
	join(t, c1, "/dyn-1", "")
	c2 := dial(t, srv, 4)
	join(t, c2, "/dyn-2", "")
	if len(conns) != 2 || conns[0] != "/dyn-1" || conns[1] != "/dyn-2" {
		t.Fatalf("connections = %v", conns)
	}
	if len(created) != 2 {
		t.Errorf("new namespaces = %v", created)
	}
	c2.Deliver(`0/dyn-3,{"deny":true}`)
	if m := next(t, c2); m != `4/dyn-3,{"message":"denied"}` {
		t.Errorf("middleware copied to children: %q", m)
	}
	c2.Deliver("0/static,")
	if m := next(t, c2); m != `4/static,{"message":"Invalid namespace"}` {
		t.Errorf("non-matching: %q", m)
	}
	// emit on the parent reaches every child
	if err := parent.Emit("all"); err != nil {
		t.Fatal(err)
	}
	if m := next(t, c1); m != `2/dyn-1,["all"]` {
		t.Errorf("c1 got %q", m)
	}
	if m := next(t, c2); m != `2/dyn-2,["all"]` {
		t.Errorf("c2 got %q", m)
	}
	if _, err := parent.FetchSockets(context.Background()); !errors.Is(err, socketio.ErrParentNamespace) {
		t.Errorf("FetchSockets on parent = %v", err)
	}
	// Of on a matching name attaches to the parent
	if n := srv.Of("/dyn-1"); n.Name() != "/dyn-1" || len(n.Sockets()) != 1 {
		t.Errorf("Of(/dyn-1) = %s with %d sockets", n.Name(), len(n.Sockets()))
	}
}

func TestDynamicNamespaceFuncAndCleanup(t *testing.T) {
	srv, _ := newServer(t, &socketio.Options{CleanupEmptyChildNamespaces: true})
	srv.OfFunc(func(name string, auth map[string]any) bool { return auth["ok"] == true })
	c := dial(t, srv, 4)
	c.Deliver(`0/fn,{"ok":false}`)
	if m := next(t, c); m != `4/fn,{"message":"Invalid namespace"}` {
		t.Errorf("refused: %q", m)
	}
	join(t, c, "/fn", `{"ok":true}`)
	var created []string
	srv.OnNewNamespace(func(n *socketio.Namespace) { created = append(created, n.Name()) })
	c.Deliver("1/fn,")
	// the child was removed: connecting again creates it anew
	join(t, c, "/fn", `{"ok":true}`)
	if len(created) != 1 {
		t.Errorf("child namespace must be recreated after cleanup, created %v", created)
	}
}
