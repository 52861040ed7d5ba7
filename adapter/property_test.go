package adapter_test

import (
	"fmt"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
	"pgregory.net/rapid"

	"github.com/gosockio/gosockio/adapter"
	"github.com/gosockio/gosockio/parser"
)

// TestDeliverySetMatchesModel: for random memberships and random to/except sets, the
// sockets a broadcast reaches are exactly those of a naive model.
func TestDeliverySetMatchesModel(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		sockets := []string{"s0", "s1", "s2", "s3", "s4", "s5"}
		rooms := []string{"r0", "r1", "r2", "r3"}
		anyRoom := rapid.SampledFrom(append(slices.Clone(rooms), sockets...))
		model := map[string]map[string]bool{} // socket -> rooms, as the adapter holds them
		connected := map[string]bool{}
		add := func(id string, rooms ...string) {
			if model[id] == nil {
				model[id] = map[string]bool{}
			}
			for _, r := range rooms {
				model[id][r] = true
			}
		}
		a, nsp, _ := setup(nil, nil)

		steps := rapid.IntRange(0, 40).Draw(t, "steps")
		for i := 0; i < steps; i++ {
			id := rapid.SampledFrom(sockets).Draw(t, "id")
			switch rapid.IntRange(0, 3).Draw(t, "op") {
			case 0: // connect / join rooms
				rs := rapid.SliceOfDistinct(rapid.SampledFrom(rooms), rapid.ID[string]).Draw(t, "rooms")
				nsp.connected[id] = true
				connected[id] = true
				a.AddAll(id, append([]string{id}, rs...))
				add(id, append([]string{id}, rs...)...)
			case 1: // leave a room
				r := rapid.SampledFrom(rooms).Draw(t, "room")
				a.Del(id, r)
				if model[id] != nil {
					delete(model[id], r)
				}
			case 2: // disconnect
				a.DelAll(id)
				delete(nsp.connected, id)
				delete(connected, id)
				delete(model, id)
			case 3: // joined but not connected yet: in the rooms, never delivered to
				if !nsp.connected[id] {
					a.AddAll(id, []string{"r0"})
					add(id, "r0")
				}
			}
		}
		to := rapid.SliceOfN(anyRoom, 0, 3).Draw(t, "to")
		except := rapid.SliceOfN(anyRoom, 0, 3).Draw(t, "except")

		var want []string
		for id, rs := range model {
			if !connected[id] {
				continue
			}
			in := len(to) == 0
			for _, r := range to {
				in = in || rs[r]
			}
			for _, r := range except {
				in = in && !rs[r]
			}
			if in {
				want = append(want, id)
			}
		}
		slices.Sort(want)
		if err := a.Broadcast(&parser.Packet{Type: parser.Event, Data: []any{"e"}}, &adapter.BroadcastOptions{Rooms: to, Except: except}); err != nil {
			t.Fatal(err)
		}
		got := nsp.receivers()
		if diff := cmp.Diff(want, got); diff != "" {
			t.Fatalf("to=%v except=%v model=%v (-want +got):\n%s", to, except, fmt.Sprint(model), diff)
		}
	})
}
