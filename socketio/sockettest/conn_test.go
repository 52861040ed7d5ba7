package sockettest_test

import (
	"context"
	"errors"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/gosockio/gosockio/engineio"
	"github.com/gosockio/gosockio/socketio"
	"github.com/gosockio/gosockio/socketio/sockettest"
)

// guard bounds a wait that should end at once; it is a failure guard, not a timing
// assertion.
func guard(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func text(ms ...string) []engineio.Message {
	out := make([]engineio.Message, len(ms))
	for i, m := range ms {
		out[i] = engineio.Message{Data: []byte(m)}
	}
	return out
}

func TestNewConnDefaults(t *testing.T) {
	a, b := sockettest.NewConn(nil), sockettest.NewConn(&sockettest.ConnOptions{})
	if a.ID() == "" || a.ID() == b.ID() {
		t.Errorf("ids %q and %q, want distinct non-empty ids", a.ID(), b.ID())
	}
	if a.Protocol() != 4 || a.Transport() != "websocket" || a.RemoteAddr() != "192.0.2.1:1234" {
		t.Errorf("protocol %d, transport %q, address %q", a.Protocol(), a.Transport(), a.RemoteAddr())
	}
	if got := a.Request().URL.String(); got != "/socket.io/?EIO=4&transport=websocket" {
		t.Errorf("request URL %q", got)
	}
	if closed, _ := a.Closed(); closed {
		t.Error("a new Conn is closed")
	}

	r := httptest.NewRequest("GET", "/socket.io/?EIO=3&transport=websocket&token=t", nil)
	r.RemoteAddr = "198.51.100.7:999"
	c := sockettest.NewConn(&sockettest.ConnOptions{ID: "e1", Protocol: 3, Request: r})
	if c.ID() != "e1" || c.Protocol() != 3 || c.Request() != r || c.RemoteAddr() != "198.51.100.7:999" {
		t.Errorf("with options: id %q, protocol %d, address %q", c.ID(), c.Protocol(), c.RemoteAddr())
	}
	if got := sockettest.NewConn(&sockettest.ConnOptions{Protocol: 3}).Request().URL.Query().Get("EIO"); got != "3" {
		t.Errorf("default request for protocol 3 has EIO=%s", got)
	}
}

func TestNewConnRejectsUnknownProtocol(t *testing.T) {
	defer func() {
		if r := recover(); r == nil || !strings.Contains(r.(string), "ConnOptions.Protocol is 5") {
			t.Errorf("recovered %v, want a panic naming ConnOptions.Protocol", r)
		}
	}()
	sockettest.NewConn(&sockettest.ConnOptions{Protocol: 5})
}

func TestSendNextPending(t *testing.T) {
	c := sockettest.NewConn(nil)
	msgs := text("a", "b")
	if err := c.Send(msgs, engineio.SendOptions{}); err != nil {
		t.Fatal(err)
	}
	msgs[0].Data[0] = 'x' // the Conn keeps copies
	bin := []engineio.Message{{Data: []byte{1, 2}, Binary: true}}
	if err := c.Send(text("c"), engineio.SendOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := c.Send(bin, engineio.SendOptions{NoCompress: true}); err != nil {
		t.Fatal(err)
	}
	if got := c.LastSendOptions(); !got.NoCompress {
		t.Errorf("LastSendOptions = %+v, want NoCompress", got)
	}
	m, err := c.Next(guard(t))
	if err != nil || string(m.Data) != "a" || m.Binary {
		t.Fatalf("Next = %q (binary %v), %v; want a", m.Data, m.Binary, err)
	}
	want := []engineio.Message{{Data: []byte("b")}, {Data: []byte("c")}, {Data: []byte{1, 2}, Binary: true}}
	if diff := cmp.Diff(want, c.Pending()); diff != "" {
		t.Errorf("Pending (-want +got):\n%s", diff)
	}
	if p := c.Pending(); len(p) != 0 {
		t.Errorf("second Pending = %v, want nothing: the first marked all read", p)
	}

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := c.Next(ctx); !errors.Is(err, sockettest.ErrNoMessage) || !errors.Is(err, context.Canceled) {
		t.Errorf("Next with nothing sent and ctx done = %v, want ErrNoMessage and context.Canceled", err)
	}
}

// Next waits for a send from another goroutine.
func TestNextWaitsForSend(t *testing.T) {
	c := sockettest.NewConn(nil)
	var wg sync.WaitGroup
	defer wg.Wait()
	wg.Go(func() { // ends after one Send
		if err := c.Send(text("late"), engineio.SendOptions{}); err != nil {
			t.Error(err)
		}
	})
	if m, err := c.Next(guard(t)); err != nil || string(m.Data) != "late" {
		t.Fatalf("Next = %q, %v", m.Data, err)
	}
}

func TestNextAfterCloseReadsThenFails(t *testing.T) {
	c := sockettest.NewConn(nil)
	if err := c.Send(text("last"), engineio.SendOptions{}); err != nil {
		t.Fatal(err)
	}
	c.CloseFromPeer("transport close")
	if err := c.Send(text("more"), engineio.SendOptions{}); !errors.Is(err, engineio.ErrClosed) {
		t.Errorf("Send after close = %v, want engineio.ErrClosed", err)
	}
	if m, err := c.Next(guard(t)); err != nil || string(m.Data) != "last" {
		t.Fatalf("Next = %q, %v; want the message sent before the close", m.Data, err)
	}
	// No wait: the guard's deadline is far, the error is immediate.
	_, err := c.Next(guard(t))
	if !errors.Is(err, sockettest.ErrNoMessage) || !errors.Is(err, engineio.ErrClosed) || errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Next on a closed, drained Conn = %v, want ErrNoMessage and engineio.ErrClosed", err)
	}
	if closed, reason := c.Closed(); !closed || reason != "transport close" {
		t.Errorf("Closed = %v, %q", closed, reason)
	}
}

func TestVolatileDroppedWhenNotWritable(t *testing.T) {
	c := sockettest.NewConn(nil)
	c.SetWritable(false)
	if err := c.Send(text("v1"), engineio.SendOptions{Volatile: true}); !errors.Is(err, engineio.ErrDropped) {
		t.Errorf("volatile Send while not writable = %v, want engineio.ErrDropped", err)
	}
	if err := c.Send(text("n"), engineio.SendOptions{}); err != nil {
		t.Errorf("non-volatile Send while not writable = %v, want it recorded", err)
	}
	c.SetWritable(true)
	if err := c.Send(text("v2"), engineio.SendOptions{Volatile: true}); err != nil {
		t.Errorf("volatile Send while writable = %v", err)
	}
	if diff := cmp.Diff(text("n", "v2"), c.Pending()); diff != "" {
		t.Errorf("recorded (-want +got):\n%s", diff)
	}
	if closed, _ := c.Closed(); closed {
		t.Error("a dropped volatile message closed the connection")
	}
}

func TestMaxQueuedOverflowCloses(t *testing.T) {
	c := sockettest.NewConn(nil)
	type closeCall struct {
		reason string
		cause  error
	}
	var closes []closeCall
	c.OnClose(func(reason string, cause error) { closes = append(closes, closeCall{reason, cause}) })
	c.SetMaxQueued(2)
	if err := c.Send(text("1", "2"), engineio.SendOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Next(guard(t)); err != nil { // reading frees one place
		t.Fatal(err)
	}
	if err := c.Send(text("3"), engineio.SendOptions{}); err != nil {
		t.Fatalf("Send within the bound after a read = %v", err)
	}
	if err := c.Send(text("v"), engineio.SendOptions{Volatile: true}); !errors.Is(err, engineio.ErrDropped) {
		t.Errorf("volatile Send over the bound = %v, want engineio.ErrDropped", err)
	}
	if closed, _ := c.Closed(); closed || len(closes) != 0 {
		t.Fatal("a dropped volatile message closed the connection")
	}
	err := c.Send(text("4"), engineio.SendOptions{})
	if !errors.Is(err, engineio.ErrQueueFull) {
		t.Fatalf("Send over the bound = %v, want engineio.ErrQueueFull", err)
	}
	if closed, reason := c.Closed(); !closed || reason != "transport error" {
		t.Errorf("Closed = %v, %q; want closed with \"transport error\"", closed, reason)
	}
	if len(closes) != 1 || closes[0].reason != "transport error" || !errors.Is(closes[0].cause, engineio.ErrQueueFull) {
		t.Errorf("OnClose calls %v, want one with \"transport error\" and engineio.ErrQueueFull", closes)
	}
	if diff := cmp.Diff(text("2", "3"), c.Pending()); diff != "" {
		t.Errorf("recorded (-want +got):\n%s", diff)
	}
}

// A Close made inside the message callback is reported after the callback returns, as
// engineio.Socket does; deliveries after the close are ignored.
func TestCloseInsideCallbackReportsAfterIt(t *testing.T) {
	c := sockettest.NewConn(nil)
	var events []string
	c.OnMessage(func(m engineio.Message) {
		events = append(events, "message "+string(m.Data))
		if err := c.Close(); err != nil {
			t.Error(err)
		}
		events = append(events, "Close returned")
	})
	c.OnClose(func(reason string, cause error) { events = append(events, "close "+reason) })
	c.Deliver("bye")
	c.Deliver("ignored")
	if err := c.Close(); err != nil { // twice: nothing more
		t.Error(err)
	}
	want := []string{"message bye", "Close returned", "close forced close"}
	if diff := cmp.Diff(want, events); diff != "" {
		t.Errorf("events (-want +got):\n%s", diff)
	}
}

// An overflow inside a callback (a handler emitting to its own full connection) is
// reported after the callback, with its cause.
func TestOverflowInsideCallbackKeepsCause(t *testing.T) {
	c := sockettest.NewConn(nil)
	c.SetMaxQueued(1)
	var reported error
	c.OnMessage(func(m engineio.Message) {
		_ = c.Send(text("1", "2"), engineio.SendOptions{})
		if reported != nil {
			t.Error("OnClose ran inside the callback")
		}
	})
	c.OnClose(func(reason string, cause error) { reported = cause })
	c.Deliver("go")
	if !errors.Is(reported, engineio.ErrQueueFull) {
		t.Errorf("OnClose cause = %v, want engineio.ErrQueueFull", reported)
	}
}

func TestDeliverBinary(t *testing.T) {
	c := sockettest.NewConn(nil)
	var got []engineio.Message
	c.OnMessage(func(m engineio.Message) { got = append(got, m) })
	c.Deliver("t")
	c.DeliverBinary([]byte{9})
	want := []engineio.Message{{Data: []byte("t")}, {Data: []byte{9}, Binary: true}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("delivered (-want +got):\n%s", diff)
	}
}

func newServer(t *testing.T) *socketio.Server {
	t.Helper()
	srv, err := socketio.NewServer(nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := srv.Close(ctx); err != nil {
			t.Error(err)
		}
	})
	return srv
}

func TestConnect(t *testing.T) {
	srv := newServer(t)
	var auth map[string]any
	srv.Of("/chat").OnConnection(func(s *socketio.Socket) { auth = s.Handshake().Auth })
	srv.Of("/closed").Use(func(*socketio.Socket) error {
		return &socketio.ConnectError{Message: "not now", Data: map[string]any{"retry": 3.0}}
	})
	c := sockettest.NewConn(nil)
	srv.ServeConn(c)

	sid, err := c.Connect(guard(t), "/", "")
	if err != nil {
		t.Fatal(err)
	}
	if s, ok := srv.Socket(sid); !ok || s.ID() != sid {
		t.Errorf("Connect returned %q, not a socket of \"/\"", sid)
	}
	sid, err = c.Connect(guard(t), "/chat", `{"token":"x"}`)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := srv.Of("/chat").Socket(sid); !ok || auth["token"] != "x" {
		t.Errorf("Connect to /chat returned %q, auth %v", sid, auth)
	}

	_, err = c.Connect(guard(t), "/closed", "")
	var ce *socketio.ConnectError
	if !errors.As(err, &ce) || ce.Message != "not now" || !cmp.Equal(ce.Data, map[string]any{"retry": 3.0}) {
		t.Errorf("Connect refused by a middleware = %v, want the ConnectError", err)
	}
	_, err = c.Connect(guard(t), "/nope", "")
	if !errors.As(err, &ce) || ce.Message != "Invalid namespace" {
		t.Errorf("Connect to an unknown namespace = %v, want ConnectError \"Invalid namespace\"", err)
	}

	// The answer must be the next message: one sent before is reported.
	if err := srv.Emit("early"); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Connect(guard(t), "/nope", ""); err == nil || !strings.Contains(err.Error(), `the server answered "2[\"early\"]"`) {
		t.Errorf("Connect after an unread event = %v, want the event named", err)
	}
}

func TestConnectNeedsProtocol4(t *testing.T) {
	srv := newServer(t)
	c := sockettest.NewConn(&sockettest.ConnOptions{Protocol: 3})
	srv.ServeConn(c)
	if _, err := c.Connect(guard(t), "/", ""); err == nil || !strings.Contains(err.Error(), "needs a protocol 4 Conn") {
		t.Errorf("Connect on protocol 3 = %v, want an error saying it needs protocol 4", err)
	}
	if m, err := c.Next(guard(t)); err != nil || string(m.Data) != "0" {
		t.Errorf("protocol 3 server's first message = %q, %v; want its own CONNECT \"0\"", m.Data, err)
	}
}

func TestConnectOnClosedConn(t *testing.T) {
	srv := newServer(t)
	c := sockettest.NewConn(nil)
	srv.ServeConn(c)
	c.CloseFromPeer("transport close")
	if _, err := c.Connect(guard(t), "/", ""); !errors.Is(err, engineio.ErrClosed) {
		t.Errorf("Connect on a closed Conn = %v, want engineio.ErrClosed", err)
	}
}
