package adapter_test

import (
	"encoding/json"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/gosockio/gosockio/adapter"
	"github.com/gosockio/gosockio/parser"
)

// countingEncoder writes "<type><nsp>,<id><json>" and counts its calls.
type countingEncoder struct{ calls atomic.Int64 }

func (e *countingEncoder) Encode(p *parser.Packet) ([]parser.Frame, error) {
	e.calls.Add(1)
	s := fmt.Sprintf("%d%s,", p.Type, p.Namespace)
	if p.HasID {
		s += fmt.Sprint(p.ID)
	}
	if p.Data != nil {
		b, err := json.Marshal(p.Data)
		if err != nil {
			return nil, err
		}
		s += string(b)
	}
	return []parser.Frame{{Data: []byte(s)}}, nil
}

type delivery struct {
	id     string
	frames []parser.Frame
	opts   adapter.DeliverOptions
}

// fakeNamespace records deliveries; connected says which ids are local sockets. Its
// Join/Leave/Disconnect call back into the adapter as socketio's namespace does.
type fakeNamespace struct {
	a         adapter.Adapter
	mu        sync.Mutex
	ids       atomic.Uint64
	connected map[string]bool
	got       []delivery
	disc      []string
	discard   bool // count nothing (benchmarks)
}

func newFakeNamespace() *fakeNamespace { return &fakeNamespace{connected: map[string]bool{}} }

func (n *fakeNamespace) Name() string      { return "/chat" }
func (n *fakeNamespace) NextAckID() uint64 { return n.ids.Add(1) - 1 }
func (n *fakeNamespace) Deliver(id string, p *parser.Packet, frames []parser.Frame, opts adapter.DeliverOptions) bool {
	n.mu.Lock()
	defer n.mu.Unlock()
	if !n.connected[id] {
		return false
	}
	if n.discard {
		return true
	}
	n.got = append(n.got, delivery{id, frames, opts})
	return true
}
func (n *fakeNamespace) Join(id string, rooms []string) { n.a.AddAll(id, rooms) }
func (n *fakeNamespace) Leave(id string, rooms []string) {
	for _, r := range rooms {
		n.a.Del(id, r)
	}
}
func (n *fakeNamespace) Disconnect(id string, close bool) {
	n.mu.Lock()
	n.disc = append(n.disc, id)
	delete(n.connected, id)
	n.mu.Unlock()
	n.a.DelAll(id)
}
func (n *fakeNamespace) Details(id string) (adapter.SocketDetails, bool) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if !n.connected[id] {
		return adapter.SocketDetails{}, false
	}
	return adapter.SocketDetails{ID: id, Rooms: n.a.SocketRooms(id), Data: "data-" + id}, true
}
func (n *fakeNamespace) ServerSideEvent([]any, func(any)) {}

func (n *fakeNamespace) receivers() []string {
	n.mu.Lock()
	defer n.mu.Unlock()
	var out []string
	for _, d := range n.got {
		out = append(out, d.id)
	}
	slices.Sort(out)
	n.got = nil
	return out
}

// setup makes an adapter with sockets connected and in the given rooms (each socket is
// also in its own room, as socketio does).
func setup(recovery *adapter.RecoveryConfig, members map[string][]string) (*adapter.InMemory, *fakeNamespace, *countingEncoder) {
	enc := &countingEncoder{}
	nsp := newFakeNamespace()
	a := adapter.NewInMemory(nsp, &adapter.Config{Encoder: enc, Recovery: recovery})
	nsp.a = a
	for id, rooms := range members {
		nsp.connected[id] = true
		a.AddAll(id, append([]string{id}, rooms...))
	}
	return a, nsp, enc
}
