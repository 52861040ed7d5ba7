package socketio_test

import (
	"context"
	"errors"
	"testing"
	"testing/synctest"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/gosockio/gosockio/socketio"
)

func socketOf(t *testing.T, srv *socketio.Server, sid string) *socketio.Socket {
	t.Helper()
	s, ok := srv.Socket(sid)
	if !ok {
		t.Fatalf("no socket %s", sid)
	}
	return s
}

func TestEmit(t *testing.T) {
	srv, _ := newServer(t, nil)
	c, sid := connect(t, srv, "/")
	s := socketOf(t, srv, sid)
	if err := s.Emit("hello", "world", 1, map[string]any{"a": true}); err != nil {
		t.Fatal(err)
	}
	if got, want := next(t, c), `2["hello","world",1,{"a":true}]`; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	if err := s.Emit("bin", []byte{1, 2}); err != nil {
		t.Fatal(err)
	}
	if got, want := next(t, c), `51-["bin",{"_placeholder":true,"num":0}]`; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	if got := next(t, c); got != "bin:\x01\x02" {
		t.Errorf("attachment %q", got)
	}
	if err := s.Send("m"); err != nil {
		t.Fatal(err)
	}
	if got, want := next(t, c), `2["message","m"]`; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	for _, name := range []string{"connect", "connect_error", "disconnect", "disconnecting", "newListener", "removeListener"} {
		if err := s.Emit(name); !errors.Is(err, socketio.ErrReservedEvent) {
			t.Errorf("Emit(%q) = %v, want ErrReservedEvent", name, err)
		}
	}
}

func TestEmitOnOtherNamespace(t *testing.T) {
	srv, _ := newServer(t, nil)
	admin := srv.Of("/admin")
	c := dial(t, srv, 4)
	sid := join(t, c, "/admin", "")
	s, _ := admin.Socket(sid)
	_ = s.Emit("x")
	if got, want := next(t, c), `2/admin,["x"]`; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestEmitAckCallback(t *testing.T) {
	srv, _ := newServer(t, nil)
	c, sid := connect(t, srv, "/")
	s := socketOf(t, srv, sid)
	var got string
	var n int
	if err := s.Emit("q", 1, func(answer string, num int) { got, n = answer, num }); err != nil {
		t.Fatal(err)
	}
	if m, want := next(t, c), `20["q",1]`; m != want {
		t.Fatalf("got %q, want %q", m, want)
	}
	c.Deliver(`30["yes",7]`)
	if got != "yes" || n != 7 {
		t.Errorf("ack callback got %q %d", got, n)
	}
	// a second ACK with the same id is ignored (unknown id)
	c.Deliver(`30["again",8]`)
	if got != "yes" {
		t.Error("an ack id must be answered once")
	}
	expectOpen(t, c)
}

func TestEmitWithAck(t *testing.T) {
	srv, _ := newServer(t, nil)
	c, sid := connect(t, srv, "/")
	s := socketOf(t, srv, sid)
	done := make(chan struct{})
	var args socketio.Args
	var err error
	go func() {
		defer close(done)
		args, err = s.EmitWithAck(context.Background(), "q", "x")
	}()
	if m, want := next(t, c), `20["q","x"]`; m != want {
		t.Fatalf("got %q, want %q", m, want)
	}
	c.Deliver(`30[{"ok":true},"two"]`)
	<-done
	if err != nil {
		t.Fatal(err)
	}
	var v struct{ OK bool }
	var second string
	if err := args.Scan(&v, &second); err != nil || !v.OK || second != "two" {
		t.Errorf("Scan = %v, %+v %q", err, v, second)
	}
}

func TestEmitWithAckTimeout(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		srv, _ := newServer(t, nil)
		c, sid := connect(t, srv, "/")
		s := socketOf(t, srv, sid)
		_, err := s.Timeout(time.Second).EmitWithAck(context.Background(), "q")
		if !errors.Is(err, socketio.ErrAckTimeout) {
			t.Fatalf("err = %v, want ErrAckTimeout", err)
		}
		// callback form: error first
		var cbErr error
		_ = s.Timeout(time.Second).Emit("q2", func(err error, answer string) { cbErr = err })
		time.Sleep(2 * time.Second)
		synctest.Wait()
		if !errors.Is(cbErr, socketio.ErrAckTimeout) {
			t.Fatalf("callback err = %v", cbErr)
		}
		// a late answer is ignored
		c.Deliver(`30["late"]`)
		expectOpen(t, c)
	})
}

func TestEmitWithAckContext(t *testing.T) {
	srv, _ := newServer(t, nil)
	_, sid := connect(t, srv, "/")
	s := socketOf(t, srv, sid)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := s.EmitWithAck(ctx, "q"); !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
}

func TestEmitWithAckFailsOnDisconnect(t *testing.T) {
	srv, _ := newServer(t, nil)
	c, sid := connect(t, srv, "/")
	s := socketOf(t, srv, sid)
	errc := make(chan error, 1)
	go func() {
		_, err := s.EmitWithAck(context.Background(), "q")
		errc <- err
	}()
	next(t, c)
	c.CloseFromPeer("transport close")
	if err := <-errc; !errors.Is(err, socketio.ErrDisconnected) {
		t.Fatalf("err = %v, want ErrDisconnected", err)
	}
	if err := s.Emit("after"); !errors.Is(err, socketio.ErrDisconnected) {
		t.Errorf("Emit after disconnect = %v", err)
	}
}

func TestVolatileDroppedWhenNotWritable(t *testing.T) {
	srv, _ := newServer(t, nil)
	c, sid := connect(t, srv, "/")
	s := socketOf(t, srv, sid)
	c.SetWritable(false)
	if err := s.Volatile().Emit("v"); err != nil {
		t.Fatal(err)
	}
	_ = s.Emit("kept")
	if diff := cmp.Diff(`2["kept"]`, next(t, c)); diff != "" {
		t.Error(diff)
	}
	expectNoMessage(t, c)
}

func TestOnAnyOutgoing(t *testing.T) {
	srv, _ := newServer(t, nil)
	_, sid := connect(t, srv, "/")
	s := socketOf(t, srv, sid)
	var got []any
	s.OnAnyOutgoing(func(ev string, args []any) { got = append(got, ev, args) })
	_ = s.Emit("direct", 1)
	_ = srv.Emit("broadcast", "x")
	want := []any{"direct", []any{1}, "broadcast", []any{"x"}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestCompressFlag(t *testing.T) {
	srv, _ := newServer(t, nil)
	c, sid := connect(t, srv, "/")
	s := socketOf(t, srv, sid)
	_ = s.Emit("default")
	if c.LastSendOptions().NoCompress {
		t.Error("compression is on by default")
	}
	_ = s.Compress(false).Emit("off")
	if !c.LastSendOptions().NoCompress {
		t.Error("Compress(false) must reach the engine")
	}
	_ = srv.Compress(false).Emit("off")
	if !c.LastSendOptions().NoCompress {
		t.Error("broadcast Compress(false) must reach the engine")
	}
	_ = srv.Volatile().Emit("v")
	if !c.LastSendOptions().Volatile {
		t.Error("broadcast Volatile must reach the engine")
	}
}

func TestOffAnyAndOffAnyOutgoing(t *testing.T) {
	srv, _ := newServer(t, nil)
	c, sid := connect(t, srv, "/")
	s := socketOf(t, srv, sid)
	var in, out int
	inFn := func(string, socketio.Args) { in++ }
	outFn := func(string, []any) { out++ }
	s.OnAny(inFn)
	s.OnAnyOutgoing(outFn)
	s.PrependAnyOutgoing(func(string, []any) { out += 10 })
	c.Deliver(`2["a"]`)
	_ = s.Emit("b")
	s.OffAny(inFn)
	s.OffAnyOutgoing(outFn)
	c.Deliver(`2["a"]`)
	_ = s.Emit("b")
	if in != 1 || out != 21 {
		t.Errorf("in=%d out=%d, want 1 and 21", in, out)
	}
	s.OffAnyOutgoing(nil)
	_ = s.Emit("b")
	if out != 21 {
		t.Errorf("OffAnyOutgoing(nil) must remove all, out=%d", out)
	}
}
