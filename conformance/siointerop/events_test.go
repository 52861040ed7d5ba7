package siointerop

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/gosockio/gosockio/socketio"
)

// payload returns event arguments with text outside ASCII and the BMP, and
// binary at the top level and nested in objects and arrays.
func payload() []any {
	return []any{
		"héllo ✓ 😀",
		42.5,
		true,
		nil,
		[]byte{0, 1, 2, 0xfe, 0xff},
		map[string]any{
			"bin":    []byte{3, 4},
			"nested": map[string]any{"list": []any{[]byte{5}, "x", 7.0, []byte{6, 6}}},
		},
		[]any{[]byte{8}, map[string]any{"deep": []byte{9, 10}}},
	}
}

// testEvents: events with text and binary arguments, both ways.
func testEvents(t *testing.T, d *driver, m mode) {
	w := newWorld(t, d, m, nil, nil)
	c, ss := w.dial("a", "/", nil)

	// Client to server.
	c.emit("plain", "a", 1, map[string]any{"k": "v"}, []any{"x", 2})
	if diff := cmp.Diff([]any{"a", 1.0, map[string]any{"k": "v"}, []any{"x", 2.0}}, w.wantServerEvent(ss, "plain").args.Values()); diff != "" {
		t.Errorf("text event (-want +got):\n%s", diff)
	}
	c.emit("data", payload()...)
	got := w.wantServerEvent(ss, "data").args
	if diff := cmp.Diff(payload(), got.Values()); diff != "" {
		t.Errorf("binary event at the server (-want +got):\n%s", diff)
	}
	if n := len(got.Attachments()); n != 6 {
		t.Errorf("server got %d attachments, want 6", n)
	}

	// Server to client.
	must(t, ss.Emit("plain", "b", 2, map[string]any{"k": []any{1, "two"}}))
	if diff := cmp.Diff([]any{"b", 2.0, map[string]any{"k": []any{1.0, "two"}}}, fromJSArgs(t, c.wantEvent("plain").Args)); diff != "" {
		t.Errorf("text event at the client (-want +got):\n%s", diff)
	}
	must(t, ss.Emit("data", payload()...))
	if diff := cmp.Diff(payload(), fromJSArgs(t, c.wantEvent("data").Args)); diff != "" {
		t.Errorf("binary event at the client (-want +got):\n%s", diff)
	}

	// Round trip through the server's handler.
	c.emit("echo", payload()...)
	if diff := cmp.Diff(payload(), fromJSArgs(t, c.wantEvent("echo").Args)); diff != "" {
		t.Errorf("echo (-want +got):\n%s", diff)
	}

	// A typed handler.
	ss.On("typed", func(name string, n int, blob []byte, obj struct{ Bin []byte }) {
		_ = ss.Emit("typed", name, n, blob, map[string]any{"bin": obj.Bin})
	})
	c.emit("typed", "x", 3, []byte{1}, map[string]any{"Bin": []byte{2}})
	if diff := cmp.Diff([]any{"x", 3.0, []byte{1}, map[string]any{"bin": []byte{2}}}, fromJSArgs(t, c.wantEvent("typed").Args)); diff != "" {
		t.Errorf("typed handler (-want +got):\n%s", diff)
	}
}

// testAckToServer: the client emits with an ack callback; the server's
// handler answers with text and binary.
func testAckToServer(t *testing.T, d *driver, m mode) {
	w := newWorld(t, d, m, nil, nil)
	c, ss := w.dial("a", "/", nil)
	ss.On("sum", func(a, b int, ack func(int, string)) { ack(a+b, "done") })

	c.emitAck("r1", "echoAck", payload()...)
	e := c.want("ack r1", func(e clientEvent) bool { return e.Event == "ackReply" && e.Req == "r1" })
	if diff := cmp.Diff(payload(), fromJSArgs(t, e.Args)); diff != "" {
		t.Errorf("ack with binary (-want +got):\n%s", diff)
	}
	c.emitAck("r2", "sum", 2, 3)
	e = c.want("ack r2", func(e clientEvent) bool { return e.Event == "ackReply" && e.Req == "r2" })
	if diff := cmp.Diff([]any{5.0, "done"}, fromJSArgs(t, e.Args)); diff != "" {
		t.Errorf("typed ack (-want +got):\n%s", diff)
	}
	if d.version == 4 {
		// socket.timeout(ms).emit: the callback takes an error first.
		c.cmd("emit", map[string]any{"name": "sum", "args": []any{4, 5}, "req": "r3", "timeout": int(waitLimit / time.Millisecond)})
		e = c.want("ack r3", func(e clientEvent) bool { return e.Event == "ackReply" && e.Req == "r3" })
		if e.Err != "" || !cmp.Equal(fromJSArgs(t, e.Args), []any{9.0, "done"}) {
			t.Errorf("timeout ack: err %q args %v", e.Err, fromJSArgs(t, e.Args))
		}
	}
}

// testAckToClient: the server emits with an ack callback, with EmitWithAck,
// and with a timeout the client lets expire.
func testAckToClient(t *testing.T, d *driver, m mode) {
	w := newWorld(t, d, m, nil, nil)
	c, ss := w.dial("a", "/", nil)

	// Emit with a trailing callback.
	type answer struct {
		s   string
		bin []byte
	}
	got := make(chan answer, 1)
	must(t, ss.Emit("ask", "q1", []byte{1}, func(s string, bin []byte) { got <- answer{s, bin} }))
	e := c.wantEvent("ask")
	if diff := cmp.Diff([]any{"q1", []byte{1}}, fromJSArgs(t, e.Args)); diff != "" {
		t.Errorf("ask args (-want +got):\n%s", diff)
	}
	c.ack(e, "a1", []byte{9, 8})
	select {
	case a := <-got:
		if a.s != "a1" || !cmp.Equal(a.bin, []byte{9, 8}) {
			t.Errorf("ack callback got %q %v", a.s, a.bin)
		}
	case <-time.After(waitLimit):
		t.Fatal("ack callback not called")
	}

	// EmitWithAck, answered.
	type result struct {
		args socketio.Args
		err  error
	}
	res := make(chan result, 1)
	ctx, cancel := context.WithTimeout(t.Context(), waitLimit)
	defer cancel()
	// Owned by this test: ends when the client answers or ctx ends.
	go func() {
		a, err := ss.Timeout(waitLimit).EmitWithAck(ctx, "ask2", map[string]any{"b": []byte{7}})
		res <- result{a, err}
	}()
	e = c.wantEvent("ask2")
	c.ack(e, "ok", map[string]any{"b": []byte{6}})
	r := <-res
	if r.err != nil {
		t.Fatalf("EmitWithAck: %v", r.err)
	}
	if diff := cmp.Diff([]any{"ok", map[string]any{"b": []byte{6}}}, r.args.Values()); diff != "" {
		t.Errorf("EmitWithAck answer (-want +got):\n%s", diff)
	}

	// EmitWithAck that times out; the late answer is ignored.
	_, err := ss.Timeout(200*time.Millisecond).EmitWithAck(ctx, "ask3", 1)
	if !errors.Is(err, socketio.ErrAckTimeout) {
		t.Errorf("EmitWithAck without answer: %v, want ErrAckTimeout", err)
	}
	late := c.wantEvent("ask3")
	c.ack(late, "too late")

	// Emit with an error-first callback and a timeout.
	errs := make(chan error, 1)
	must(t, ss.Timeout(200*time.Millisecond).Emit("ask4", func(err error, s string) { errs <- err }))
	c.wantEvent("ask4")
	select {
	case err := <-errs:
		if !errors.Is(err, socketio.ErrAckTimeout) {
			t.Errorf("callback error %v, want ErrAckTimeout", err)
		}
	case <-time.After(waitLimit):
		t.Fatal("timeout callback not called")
	}

	// The connection is fine after the late answer.
	must(t, ss.Emit("after", 1))
	c.wantEvent("after")
	if !ss.Connected() {
		t.Error("socket disconnected by a late ack")
	}
}

// testVolatile: volatile events are delivered at most once and in order,
// delivered when the transport is writable, and dropped (not queued) when it
// is not.
func testVolatile(t *testing.T, d *driver, m mode) {
	w := newWorld(t, d, m, nil, nil)
	c, ss := w.dial("a", "/", nil)

	// Delivered when writable: try until one arrives (a polling transport is
	// writable only while the client's GET is pending).
	delivered := false
	for i := range 50 {
		must(t, ss.Volatile().Emit("vol", i))
		if _, err := c.wait(100*time.Millisecond, func(e clientEvent) bool { return e.Event == "event" && e.Name == "vol" }); err == nil {
			delivered = true
			break
		} else if !errors.Is(err, errNoEvent) {
			t.Fatal(err)
		}
	}
	if !delivered {
		t.Fatal("no volatile event delivered in 50 tries")
	}

	// A burst: what arrives arrives once, in order, before the marker.
	for i := 100; i < 150; i++ {
		must(t, ss.Volatile().Emit("vol", i))
	}
	must(t, ss.Emit("end"))
	last := -1.0
	for _, e := range c.eventsUntil("end") {
		n, _ := fromJSArgs(t, e.Args)[0].(float64)
		if n <= last {
			t.Errorf("volatile %v after %v: duplicated or out of order", n, last)
		}
		last = n
	}

	if m.final != "polling" {
		return
	}
	// Polling: with no GET pending the event is dropped, not delivered later.
	c.cmd("holdPolls", map[string]any{"hold": true})
	c.sync()
	must(t, ss.Emit("flush")) // completes the pending GET; the client polls no more
	c.wantEvent("flush")
	must(t, ss.Volatile().Emit("dropped"))
	c.cmd("holdPolls", map[string]any{"hold": false})
	must(t, ss.Emit("after"))
	for _, e := range c.eventsUntil("after") {
		t.Errorf("got %v while no poll was pending, want it dropped", e)
	}
	// And it does not come later either.
	must(t, ss.Emit("end2"))
	for _, e := range c.eventsUntil("end2") {
		t.Errorf("got %v, want the volatile event dropped", e)
	}
}
