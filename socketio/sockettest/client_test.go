package sockettest_test

import (
	"fmt"
	"runtime"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/gosockio/gosockio/socketio/sockettest"
)

// fakeTB records the failure of a Client and ends its goroutine, as t.Fatalf does.
type fakeTB struct {
	testing.TB
	failure string
}

func (f *fakeTB) Helper() {}

func (f *fakeTB) Fatalf(format string, args ...any) {
	f.failure = fmt.Sprintf(format, args...)
	runtime.Goexit()
}

// failure runs fn on its own goroutine, as a test does, and returns what it reported to
// tb ("" when it did not fail).
func failure(tb *fakeTB, fn func()) string {
	done := make(chan struct{})
	// Owned by failure, which waits for it.
	go func() {
		defer close(done)
		fn()
	}()
	<-done
	return tb.failure
}

func TestNewClient(t *testing.T) {
	srv := newServer(t)
	srv.Of("/chat")
	c := sockettest.NewClient(t, srv, "/")
	if _, ok := srv.Socket(c.SID); !ok || c.Namespace != "/" || c.T != t {
		t.Errorf("client %+v, want a socket of \"/\"", c)
	}
	chat := sockettest.NewClient(t, srv, "/chat")
	if _, ok := srv.Of("/chat").Socket(chat.SID); !ok || chat.Namespace != "/chat" || chat.Conn == c.Conn {
		t.Errorf("client %+v, want a socket of /chat on its own connection", chat)
	}

	tb := &fakeTB{}
	got := failure(tb, func() { sockettest.NewClient(tb, srv, "/nope") })
	if !strings.Contains(got, "NewClient") || !strings.Contains(got, "Invalid namespace") {
		t.Errorf("NewClient refused reported %q, want the refusal", got)
	}
}

func TestClientReads(t *testing.T) {
	srv := newServer(t)
	c := sockettest.NewClient(t, srv, "/")
	s, _ := srv.Socket(c.SID)
	for _, ev := range []string{"a", "b", "c", "d", "e", "f"} {
		if err := s.Emit(ev); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Emit("bin", []byte{7}); err != nil {
		t.Fatal(err)
	}
	if got := c.Next(); got != `2["a"]` {
		t.Errorf("Next = %q", got)
	}
	if got, want := c.Collect(2), []string{`2["b"]`, `2["c"]`}; !cmp.Equal(got, want) {
		t.Errorf("Collect = %q, want %q", got, want)
	}
	if got, want := c.Until(`2["e"]`), []string{`2["d"]`}; !cmp.Equal(got, want) {
		t.Errorf("Until = %q, want %q", got, want)
	}
	if got, want := c.UntilAll("bin:\x07", `2["f"]`), []string{`51-["bin",{"_placeholder":true,"num":0}]`}; !cmp.Equal(got, want) {
		t.Errorf("UntilAll = %q, want %q", got, want)
	}
	// Nothing is left: NextWithin(0) looks without waiting.
	if m, ok := c.NextWithin(0); ok {
		t.Errorf("NextWithin after reading all = %q", m)
	}
	if err := s.Emit("g"); err != nil {
		t.Fatal(err)
	}
	if m, ok := c.NextWithin(0); !ok || m != `2["g"]` {
		t.Errorf("NextWithin = %q, %v", m, ok)
	}
}

func TestClientNextFailsOnClosedConn(t *testing.T) {
	srv := newServer(t)
	tb := &fakeTB{}
	c := sockettest.NewClient(t, srv, "/")
	c.T = tb
	c.Conn.CloseFromPeer("transport close")
	if got := failure(tb, func() { c.Next() }); !strings.Contains(got, "socket closed") {
		t.Errorf("Next on a closed connection reported %q", got)
	}
}

func TestClientWaitDisconnected(t *testing.T) {
	srv := newServer(t)
	chatNsp := srv.Of("/chat")

	root := sockettest.NewClient(t, srv, "/")
	chat := sockettest.NewClient(t, srv, "/chat")
	if err := srv.Emit("before"); err != nil {
		t.Fatal(err)
	}
	srv.DisconnectSockets(false) // DISCONNECT "1"; the connection stays
	root.WaitDisconnected()
	if closed, _ := root.Conn.Closed(); closed {
		t.Fatal("the connection closed; the test needs a DISCONNECT on an open one")
	}

	s, _ := chatNsp.Socket(chat.SID)
	s.Disconnect(false) // DISCONNECT "1/chat,"
	chat.WaitDisconnected()

	closed := sockettest.NewClient(t, srv, "/")
	closed.Conn.CloseFromPeer("transport close")
	closed.WaitDisconnected()

	tb := &fakeTB{}
	open := sockettest.NewClient(t, srv, "/")
	open.T, open.Timeout = tb, 1 // a guard that ends at once
	if got := failure(tb, open.WaitDisconnected); !strings.Contains(got, "was not disconnected") {
		t.Errorf("WaitDisconnected on a connected client reported %q", got)
	}
}
