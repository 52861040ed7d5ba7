package siointerop

import (
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// testRooms: three clients in rooms; each broadcast (To, Except, socket
// broadcasts that exclude the sender, several rooms, socket ids as rooms)
// reaches exactly the right clients, once each, in emission order.
func testRooms(t *testing.T, d *driver, m mode) {
	w := newWorld(t, d, m, nil, nil)
	a, sa := w.dial("a", "/", nil)
	b, sb := w.dial("b", "/", nil)
	c, sc := w.dial("c", "/", nil)
	sa.Join("r1")
	sb.Join("r1", "r2")
	sc.Join("r2")
	if got := sb.Rooms(); !slices.Contains(got, "r1") || !slices.Contains(got, "r2") || !slices.Contains(got, sb.ID()) {
		t.Errorf("b's rooms %v, want r1, r2 and its id", got)
	}
	srv := w.srv

	must(t, srv.To("r1").Emit("m", "to r1"))
	must(t, srv.To("r1").Except("r2").Emit("m", "r1 except r2"))
	must(t, srv.To("r1", "r2").Emit("m", "r1 and r2"))
	must(t, srv.Except("r1").Emit("m", "except r1"))
	must(t, sb.To("r1").Emit("m", "b to r1"))
	must(t, sa.Broadcast().Emit("m", "a broadcast"))
	must(t, sa.Except("r2").Emit("m", "a except r2"))
	must(t, srv.Emit("m", "all"))
	must(t, srv.To(sc.ID()).Emit("m", "to c's id"))
	must(t, srv.To("r2").Emit("m", "binary to r2", []byte{1, 2}))
	srv.In("r1").SocketsJoin("r3")
	must(t, srv.To("r3").Emit("m", "to r3"))
	sa.Leave("r1")
	must(t, srv.To("r1").Emit("m", "to r1 after a left"))
	must(t, srv.Volatile().To("r2").Except("r1").Emit("m", "volatile r2 except r1"))
	for _, s := range []*srvSocket{sa, sb, sc} {
		must(t, s.Emit("end"))
	}

	want := map[*client][]any{
		a: {"to r1", "r1 except r2", "r1 and r2", "b to r1", "all", "to r3"},
		b: {"to r1", "r1 and r2", "a broadcast", "all", "binary to r2", "to r3", "to r1 after a left"},
		c: {"r1 and r2", "except r1", "a broadcast", "all", "to c's id", "binary to r2"},
	}
	// The volatile one may be dropped when c's transport is busy; if it
	// arrives, it arrives once, last.
	for _, cl := range []*client{a, b, c} {
		var got []any
		for _, e := range cl.eventsUntil("end") {
			if e.Name != "m" {
				t.Errorf("client %s: event %v", cl.name, e)
				continue
			}
			args := fromJSArgs(t, e.Args)
			if args[0] == "binary to r2" && !cmp.Equal(args, []any{"binary to r2", []byte{1, 2}}) {
				t.Errorf("client %s: binary broadcast %v", cl.name, args)
			}
			got = append(got, args[0])
		}
		if cl == c && len(got) > 0 && got[len(got)-1] == "volatile r2 except r1" {
			got = got[:len(got)-1]
		}
		if diff := cmp.Diff(want[cl], got); diff != "" {
			t.Errorf("client %s received (-want +got):\n%s", cl.name, diff)
		}
	}
}
