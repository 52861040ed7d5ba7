package socketio_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/gosockio/gosockio/engineio"
	"github.com/gosockio/gosockio/socketio"
)

// Receiving an event and acknowledging it allocates only what outlives the call or
// leaves the socket: the decoded payload's box, the arguments (Args) with the ack's
// state, the ack callback, the ACK's data and its encoded frame. The handler here
// (benchserver's echo) adds two: its []any and one json.RawMessage boxed in it.
func TestEchoAckAllocations(t *testing.T) {
	c := echoConn(t)
	m := engineio.Message{Data: []byte(`20["echo",{"p":"` + strings.Repeat("x", 100) + `"}]`)}
	if n := testing.AllocsPerRun(200, func() { c.msg(m) }); n > 7 {
		t.Fatalf("an acknowledged echo allocates %v times, want at most 7 (5 + the handler's 2)", n)
	}
	// Without an ack id: the arguments and the payload's box; the handler's ack is a no-op.
	m = engineio.Message{Data: []byte(`2["echo",{"p":"x"}]`)}
	if n := testing.AllocsPerRun(200, func() { c.msg(m) }); n > 4 {
		t.Fatalf("an echo without ack allocates %v times, want at most 4 (2 + the handler's 2)", n)
	}
}

// A handler may keep its Args and its ack callback after returning: they stay valid
// after later events, and the ack sends once, whenever it is called.
func TestHandlerKeepsArgsAndAck(t *testing.T) {
	srv, _, onConn := setupSocket(t)
	var kept []socketio.Args
	var acks []func(...any)
	onConn(func(s *socketio.Socket) {
		s.On("keep", func(args socketio.Args, ack func(...any)) {
			kept = append(kept, args)
			acks = append(acks, ack)
		})
	})
	c, _ := connect(t, srv, "/")
	c.Deliver(`21["keep","one",{"a":1}]`)
	c.Deliver(`22["keep","two"]`)
	c.Deliver(`2["keep","three"]`)
	want := []string{`"one" {"a":1}`, `"two"`, `"three"`}
	for i, a := range kept {
		var parts []string
		for j := range a.Len() {
			parts = append(parts, string(a.Raw(j)))
		}
		if got := strings.Join(parts, " "); got != want[i] {
			t.Errorf("kept args %d = %s, want %s", i, got, want[i])
		}
	}
	acks[1]("b")
	acks[0]()
	acks[1]("again")
	acks[2]("none asked")
	for _, w := range []string{`32["b"]`, `31[]`} {
		if got := next(t, c); got != w {
			t.Fatalf("got %q, want %q", got, w)
		}
	}
	expectNoMessage(t, c)
}

// A packet middleware sees the ack callback and may replace or remove it; the handler
// gets what the middleware left.
func TestPacketMiddlewareAck(t *testing.T) {
	srv, _, onConn := setupSocket(t)
	onConn(func(s *socketio.Socket) {
		s.Use(func(ev *socketio.Event) error {
			switch ev.Name {
			case "wrap":
				orig := ev.Ack
				ev.Ack = func(args ...any) { orig(append([]any{"wrapped"}, args...)...) }
			case "drop":
				ev.Ack = nil
			case "refuse":
				ev.Ack("refused")
				return errors.New("refused")
			}
			return nil
		})
		s.On("wrap", func(args socketio.Args, ack func(...any)) { ack(1) })
		s.On("drop", func(args socketio.Args, ack func(...any)) { ack(2) })
		s.On("refuse", func(args socketio.Args, ack func(...any)) { ack(3) })
	})
	c, _ := connect(t, srv, "/")
	c.Deliver(`21["wrap"]`)
	if got := next(t, c); got != `31["wrapped",1]` {
		t.Fatalf("got %q", got)
	}
	c.Deliver(`22["drop"]`)
	c.Deliver(`23["refuse"]`)
	if got := next(t, c); got != `33["refused"]` {
		t.Fatalf("got %q", got)
	}
	expectNoMessage(t, c)
}

// Events of every argument count get their arguments and their ack (the arguments and
// the ack share one allocation up to 4 elements, the name included).
func TestEventArgCounts(t *testing.T) {
	srv, _, onConn := setupSocket(t)
	onConn(func(s *socketio.Socket) {
		s.On("n", func(args socketio.Args, ack func(...any)) {
			vals := make([]any, args.Len())
			for i := range vals {
				vals[i] = args.Raw(i)
			}
			ack(vals...)
		})
	})
	c, _ := connect(t, srv, "/")
	var list []string
	for n := range 10 {
		payload := strings.Join(append([]string{`"n"`}, list...), ",")
		id := itoa(n + 1)
		c.Deliver(`2` + id + `[` + payload + `]`)
		if got, want := next(t, c), `3`+id+`[`+strings.Join(list, ",")+`]`; got != want {
			t.Fatalf("%d arguments: got %q, want %q", n, got, want)
		}
		list = append(list, `{"i":`+itoa(n)+`}`)
	}
}
