package nodeworld

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gosockio/gosockio/conformance/internal/nodeenv"
)

// defaultCallTimeout is how long Call waits for the bridge when
// World.CallTimeout is zero.
const defaultCallTimeout = 30 * time.Second

// World is the Node side of a mixed cluster as a test sees it: the bridge to the
// Node script and the URLs of every server of the cluster. Set T when creating
// it, then Node and URLs as the servers start. It is not safe for concurrent use
// (its helpers call T.Fatalf).
type World struct {
	// T is the test the helpers report to.
	T *testing.T
	// Node is the bridge to the suite's Node script.
	Node *nodeenv.Bridge
	// URLs are the base URLs of the cluster's servers; Connect's i indexes it.
	URLs []string
	// CallTimeout bounds each Call. Default 30s.
	CallTimeout time.Duration
}

// Call sends req to the bridge and unmarshals the answer into resp (nil to
// discard it). It fails the test if the bridge errs or does not answer within
// CallTimeout.
func (w *World) Call(req map[string]any, resp any) {
	w.T.Helper()
	timeout := w.CallTimeout
	if timeout == 0 {
		timeout = defaultCallTimeout
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	if err := w.Node.Call(ctx, req, resp); err != nil {
		w.T.Fatalf("node %s: %v", req["op"], err)
	}
}

// Connect connects an official client named name to server i (an index into
// URLs) and returns its socket id.
func (w *World) Connect(name string, i int) string {
	w.T.Helper()
	var r struct{ ID string }
	w.Call(map[string]any{"op": "connect", "c": name, "url": w.URLs[i]}, &r)
	return r.ID
}

// Collect returns the next n events client name received, each as compact JSON
// ([event, ...args]; binary as {"$bin":"hex"}), sorted. It waits for them as long
// as Call does.
func (w *World) Collect(name string, n int) []string {
	w.T.Helper()
	var evs []json.RawMessage
	w.Call(map[string]any{"op": "collect", "c": name, "n": n}, &evs)
	out := make([]string, len(evs))
	for i, e := range evs {
		out[i] = string(e)
	}
	slices.Sort(out)
	return out
}

// Next returns the next event client name received, as compact JSON
// ([event, ...args]; binary as {"$bin":"hex"}).
func (w *World) Next(name string) string {
	w.T.Helper()
	return w.Collect(name, 1)[0]
}

// Until returns the events client name received before one equal to marker,
// sorted; the marker itself is consumed.
func (w *World) Until(name, marker string) []string {
	w.T.Helper()
	var before []string
	for {
		ev := w.Next(name)
		if ev == marker {
			slices.Sort(before)
			return before
		}
		before = append(before, ev)
	}
}

// UntilAll returns the events client name received until it has seen every
// marker (a marker listed twice must be seen twice), sorted and without the
// markers.
func (w *World) UntilAll(name string, markers ...string) []string {
	w.T.Helper()
	left := slices.Clone(markers)
	var others []string
	for len(left) > 0 {
		ev := w.Next(name)
		if i := slices.Index(left, ev); i >= 0 {
			left = slices.Delete(left, i, i+1)
			continue
		}
		others = append(others, ev)
	}
	slices.Sort(others)
	return others
}

// Quiet returns, in arrival order, what client name received and nobody
// collected, without waiting for more.
func (w *World) Quiet(name string) []string {
	w.T.Helper()
	var evs []json.RawMessage
	w.Call(map[string]any{"op": "quiet", "c": name}, &evs)
	out := make([]string, len(evs))
	for i, e := range evs {
		out[i] = string(e)
	}
	return out
}

// NodeRooms returns the rooms of socket id on the Node server.
func (w *World) NodeRooms(id string) []string {
	w.T.Helper()
	var rooms []string
	w.Call(map[string]any{"op": "rooms", "id": id}, &rooms)
	return rooms
}

// WaitFor polls cond every 10ms until it returns true, and fails t if that takes
// longer than timeout.
func WaitFor(t testing.TB, what string, timeout time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", timeout, what)
		}
		tm := time.NewTimer(10 * time.Millisecond)
		<-tm.C
	}
}

// Want reports an error on t unless got and want hold the same strings,
// ignoring order (duplicates count).
func Want(t testing.TB, what string, got, want []string) {
	t.Helper()
	g, wn := slices.Clone(got), slices.Clone(want)
	slices.Sort(g)
	slices.Sort(wn)
	if !slices.Equal(g, wn) {
		t.Errorf("%s:\n got %s\nwant %s", what, strings.Join(g, " "), strings.Join(wn, " "))
	}
}
