package socketio_test

import (
	"fmt"
	"slices"
	"sort"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/gosockio/gosockio/socketio"
	"github.com/gosockio/gosockio/socketio/sockettest"
)

// recorder is an Observer that writes down what it sees, one line per call.
type recorder struct {
	mu    sync.Mutex
	lines []string
}

func (r *recorder) add(format string, args ...any) {
	r.mu.Lock()
	r.lines = append(r.lines, fmt.Sprintf(format, args...))
	r.mu.Unlock()
}

// take returns the lines so far and forgets them.
func (r *recorder) take() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	l := r.lines
	r.lines = nil
	return l
}

func (r *recorder) observer() socketio.Observer {
	return socketio.Observer{
		ConnOpened: func(c socketio.EngineConn) { r.add("open %s", c.ID()) },
		ConnUpgraded: func(c socketio.EngineConn, transport string, sockets []*socketio.Socket) {
			var nsps []string
			for _, s := range sockets {
				nsps = append(nsps, s.Namespace().Name())
			}
			sort.Strings(nsps)
			r.add("upgrade %s %s %v", c.ID(), transport, nsps)
		},
		ConnClosed: func(c socketio.EngineConn, reason string) { r.add("close %s %s", c.ID(), reason) },
		RoomJoined: func(n *socketio.Namespace, room, id string) { r.add("join %s %s %s", n.Name(), room, id) },
		RoomLeft:   func(n *socketio.Namespace, room, id string) { r.add("leave %s %s %s", n.Name(), room, id) },
		DataSet:    func(s *socketio.Socket) { r.add("data %s %v", s.ID(), s.Data()) },
	}
}

// upgradingConn is a fake engine connection that can report an upgrade, as
// engineio.Socket does.
type upgradingConn struct {
	*sockettest.Conn
	mu        sync.Mutex
	onUpgrade func(string)
}

func (c *upgradingConn) OnUpgrade(fn func(string)) { c.mu.Lock(); c.onUpgrade = fn; c.mu.Unlock() }

func (c *upgradingConn) upgrade(t *testing.T) {
	c.mu.Lock()
	fn := c.onUpgrade
	c.mu.Unlock()
	if fn == nil {
		t.Fatal("ServeConn did not set OnUpgrade on a connection that has it")
	}
	fn("websocket")
}

func TestObserver(t *testing.T) {
	srv, _ := newServer(t, nil)
	var rec recorder
	stop := srv.Observe(rec.observer())

	conn := &upgradingConn{Conn: sockettest.NewConn(&sockettest.ConnOptions{ID: "engobs1"})}
	srv.ServeConn(conn)
	if got, want := rec.take(), []string{"open engobs1"}; !cmp.Equal(got, want) {
		t.Fatalf("after ServeConn: %q, want %q", got, want)
	}

	sid := join(t, conn.Conn, "/", "")
	s := socketOf(t, srv, sid)
	// The socket joins its own room on connection.
	if got, want := rec.take(), []string{"join / " + sid + " " + sid}; !cmp.Equal(got, want) {
		t.Fatalf("after CONNECT: %q, want %q", got, want)
	}

	s.Join("a", "b", "a")
	s.Join("a") // already in: not reported
	srv.In("a").SocketsJoin("c")
	want := []string{"join / a " + sid, "join / b " + sid, "join / c " + sid}
	if got := rec.take(); !cmp.Equal(got, want) {
		t.Fatalf("joins:\n got %q\nwant %q", got, want)
	}

	s.Leave("b", "nope") // not in "nope": not reported
	srv.SocketsLeave("c")
	if got, want := rec.take(), []string{"leave / b " + sid, "leave / c " + sid}; !cmp.Equal(got, want) {
		t.Fatalf("leaves:\n got %q\nwant %q", got, want)
	}

	s.SetData("x")
	if got, want := rec.take(), []string{"data " + sid + " x"}; !cmp.Equal(got, want) {
		t.Fatalf("SetData: %q, want %q", got, want)
	}

	conn.upgrade(t)
	if got, want := rec.take(), []string{"upgrade engobs1 websocket [/]"}; !cmp.Equal(got, want) {
		t.Fatalf("upgrade: %q, want %q", got, want)
	}

	conn.CloseFromPeer("transport close")
	got := rec.take()
	if len(got) == 0 || got[0] != "close engobs1 transport close" {
		t.Fatalf("close: %q, want the close first", got)
	}
	leaves := got[1:]
	slices.Sort(leaves)
	want = []string{"leave / " + sid + " " + sid, "leave / a " + sid}
	slices.Sort(want)
	if !cmp.Equal(leaves, want) {
		t.Fatalf("rooms left on disconnection: %q, want %q", leaves, want)
	}

	stop()
	stop() // twice is fine
	c2, sid2 := connect(t, srv, "/")
	socketOf(t, srv, sid2).Join("z")
	c2.CloseFromPeer("transport close")
	if got := rec.take(); len(got) != 0 {
		t.Fatalf("after stop: %q, want nothing", got)
	}
}

func TestNamespaces(t *testing.T) {
	srv, _ := newServer(t, nil)
	srv.Of("/chat")
	var names []string
	for _, n := range srv.Namespaces() {
		names = append(names, n.Name())
	}
	slices.Sort(names)
	if want := []string{"/", "/chat"}; !cmp.Equal(names, want) {
		t.Fatalf("Namespaces: %q, want %q", names, want)
	}
}
