package socketio

import (
	"encoding/json"
	"errors"
	"reflect"
	"testing"
)

// The common handler shapes are called without reflection, with the same arguments and
// ack as the reflect path, and cost fewer allocations than it.
func TestHandlerDirectCall(t *testing.T) {
	args := Args{raw: []json.RawMessage{json.RawMessage(`1`), json.RawMessage(`"a"`)}}
	boom := errors.New("boom")
	var got Args
	var acked []any
	send := func(vals []any) { acked = vals }
	for _, tt := range []struct {
		name    string
		fn      any
		wantErr bool
		wantAck bool
	}{
		{"func(Args)", func(a Args) { got = a }, false, false},
		{"func(Args, func(...any))", func(a Args, ack func(...any)) { got = a; ack("ok", 2) }, false, true},
		{"func(Args) error", func(a Args) error { got = a; return boom }, true, false},
		{"func(Args, func(...any)) error", func(a Args, ack func(...any)) error { got = a; ack("ok", 2); return nil }, false, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			h := mustHandler(tt.fn)
			for _, direct := range []bool{true, false} {
				got, acked = Args{}, nil
				var err error
				if direct {
					var ok bool
					if err, ok = h.callDirect(args, func(vals ...any) { send(vals) }); !ok {
						t.Fatal("not called directly")
					}
				} else {
					h.raw = nil // the reflect path
					err = h.call("ev", args, send)
					h.raw = tt.fn
				}
				if (err != nil) != tt.wantErr || tt.wantErr && !errors.Is(err, boom) {
					t.Fatalf("direct=%v: err %v", direct, err)
				}
				if !reflect.DeepEqual(got, args) {
					t.Fatalf("direct=%v: handler got %#v, want %#v", direct, got, args)
				}
				if wantAck := []any{"ok", 2}; tt.wantAck && !reflect.DeepEqual(acked, wantAck) {
					t.Fatalf("direct=%v: ack %#v, want %#v", direct, acked, wantAck)
				}
			}
		})
	}
	// No ack asked for: the handler's ack is a no-op on both paths.
	h := mustHandler(func(a Args, ack func(...any)) { ack("x") })
	if err := h.call("ev", args, nil); err != nil {
		t.Fatal(err)
	}
	called := false
	h0 := mustHandler(func() { called = true })
	if err := h0.call("ev", args, send); err != nil || !called {
		t.Fatalf("func(): called %v, err %v", called, err)
	}

	ackHandler := func(a Args, ack func(...any)) { ack() }
	h = mustHandler(ackHandler)
	direct := testing.AllocsPerRun(100, func() { _ = h.call("ev", args, send) })
	h.raw = nil
	reflected := testing.AllocsPerRun(100, func() { _ = h.call("ev", args, send) })
	if direct >= reflected {
		t.Fatalf("direct call: %v allocations, reflect call: %v; want fewer", direct, reflected)
	}
	t.Logf("allocations per call: direct %v, reflect %v", direct, reflected)
}
