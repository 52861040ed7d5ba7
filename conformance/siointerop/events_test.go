package siointerop

import (
	"context"
	"errors"
	"slices"
	"strings"
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

// testBroadcastAcks: a broadcast that asks for acknowledgements: each client
// answers its own ack request; EmitWithAck collects every answer, or times out
// with the answers so far.
func testBroadcastAcks(t *testing.T, d *driver, m mode) {
	w := newWorld(t, d, m, nil, nil)
	a, sa := w.dial("a", "/", nil)
	b, sb := w.dial("b", "/", nil)
	sa.Join("r")
	sb.Join("r")

	type result struct {
		answers []socketio.Args
		err     error
	}
	ctx := t.Context()
	res := make(chan result, 1)
	// Owned by this test: ends when both clients answer or the timeout expires.
	go func() {
		ans, err := w.srv.To("r").Timeout(waitLimit).EmitWithAck(ctx, "vote", []byte{1})
		res <- result{ans, err}
	}()
	ea, eb := a.wantEvent("vote"), b.wantEvent("vote")
	for _, e := range []clientEvent{ea, eb} {
		if diff := cmp.Diff([]any{[]byte{1}}, fromJSArgs(t, e.Args)); diff != "" {
			t.Errorf("vote args (-want +got):\n%s", diff)
		}
	}
	a.ack(ea, "a", []byte{0xa})
	b.ack(eb, "b")
	r := <-res
	if r.err != nil {
		t.Fatalf("EmitWithAck: %v", r.err)
	}
	var got [][]any
	for _, ans := range r.answers {
		got = append(got, ans.Values())
	}
	slices.SortFunc(got, func(x, y []any) int { return strings.Compare(x[0].(string), y[0].(string)) })
	if diff := cmp.Diff([][]any{{"a", []byte{0xa}}, {"b"}}, got); diff != "" {
		t.Errorf("answers (-want +got):\n%s", diff)
	}

	// One client does not answer: the timeout ends the wait with the other's.
	go func() {
		ans, err := w.srv.To("r").Timeout(time.Second).EmitWithAck(ctx, "vote2")
		res <- result{ans, err}
	}()
	ea = a.wantEvent("vote2")
	b.wantEvent("vote2")
	a.ack(ea, "only a")
	r = <-res
	if !errors.Is(r.err, socketio.ErrAckTimeout) {
		t.Errorf("EmitWithAck with a silent client: %v, want ErrAckTimeout", r.err)
	}
	if len(r.answers) != 1 || !cmp.Equal(r.answers[0].Values(), []any{"only a"}) {
		t.Errorf("answers before the timeout: %v", r.answers)
	}
}

// testOrderedBurst: bursts both ways right after connecting, while an
// upgrade is under way in upgrade mode, then again on the final transport:
// every event arrives once, in order (polling batches them into payloads).
func testOrderedBurst(t *testing.T, d *driver, m mode) {
	w := newWorld(t, d, m, nil, nil)
	c := w.open("a", "/", nil)
	_, ss := w.connect(c, "/")
	const n = 100
	burst := func(round int) {
		t.Helper()
		for i := range n {
			c.emit("seq", round, i)
			must(t, ss.Emit("seq", round, i, []byte{byte(i)}))
		}
		for i := range n {
			e := w.wantServerEvent(ss, "seq")
			if got := e.args.Values(); !cmp.Equal(got, []any{float64(round), float64(i)}) {
				t.Fatalf("server event %d of round %d: %v", i, round, got)
			}
			if got := fromJSArgs(t, c.wantEvent("seq").Args); !cmp.Equal(got, []any{float64(round), float64(i), []byte{byte(i)}}) {
				t.Fatalf("client event %d of round %d: %v", i, round, got)
			}
		}
	}
	burst(0)
	w.waitOpen(c) // the engine opened (and upgraded) meanwhile
	w.waitTransport(ss)
	burst(1)
}
