package adapter

import (
	"context"
	"fmt"
	"slices"
	"sync"

	"github.com/gosockio/gosockio/parser"
)

// InMemory is the default adapter: room membership in maps, broadcasts to the sockets of
// this process only. Node: the Adapter class of socket.io-adapter, or SessionAwareAdapter
// when connection state recovery is on (Config.Recovery non-nil).
//
// A broadcast encodes its packet once and hands the same frames to every recipient. The
// recipient set is read from the room maps under a read lock, into a pooled slice of ids;
// room maps are never copied. Delivery happens after the lock is released.
type InMemory struct {
	nsp      Namespace
	enc      parser.Encoder
	sessions *sessionStore // nil when recovery is off

	mu    sync.RWMutex
	rooms map[string]map[string]struct{} // room -> socket ids; guarded by mu
	sids  map[string]map[string]struct{} // socket id -> rooms; guarded by mu
}

var _ Adapter = (*InMemory)(nil)

// NewInMemory returns an in-memory adapter for nsp. cfg.Encoder is required.
func NewInMemory(nsp Namespace, cfg *Config) *InMemory {
	a := &InMemory{
		nsp:   nsp,
		enc:   cfg.Encoder,
		rooms: make(map[string]map[string]struct{}),
		sids:  make(map[string]map[string]struct{}),
	}
	if cfg.Recovery != nil {
		a.sessions = newSessionStore(cfg.Recovery.MaxDisconnectionDuration)
	}
	return a
}

// InMemoryFactory is the Factory of the in-memory adapter, the server's default.
func InMemoryFactory(nsp Namespace, cfg *Config) (Adapter, error) {
	if cfg == nil || cfg.Encoder == nil {
		return nil, fmt.Errorf("adapter: in-memory adapter for %q needs Config.Encoder", nsp.Name())
	}
	return NewInMemory(nsp, cfg), nil
}

// Close does nothing: the in-memory adapter holds no outside resources.
func (a *InMemory) Close() error { return nil }

// ServerCount returns 1.
func (a *InMemory) ServerCount(context.Context) (int, error) { return 1, nil }

// AddAll adds socket id to rooms.
func (a *InMemory) AddAll(id string, rooms []string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	mine := a.sids[id]
	if mine == nil {
		mine = make(map[string]struct{}, len(rooms))
		a.sids[id] = mine
	}
	for _, room := range rooms {
		mine[room] = struct{}{}
		members := a.rooms[room]
		if members == nil {
			members = make(map[string]struct{}, 1)
			a.rooms[room] = members
		}
		members[id] = struct{}{}
	}
}

// Del removes socket id from room.
func (a *InMemory) Del(id, room string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if mine := a.sids[id]; mine != nil {
		delete(mine, room)
	}
	a.delLocked(room, id)
}

func (a *InMemory) delLocked(room, id string) {
	members := a.rooms[room]
	if members == nil {
		return
	}
	delete(members, id)
	if len(members) == 0 {
		delete(a.rooms, room)
	}
}

// DelAll removes socket id from all its rooms.
func (a *InMemory) DelAll(id string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	for room := range a.sids[id] {
		a.delLocked(room, id)
	}
	delete(a.sids, id)
}

// SocketRooms returns a copy of the rooms of socket id, nil when unknown.
func (a *InMemory) SocketRooms(id string) []string {
	a.mu.RLock()
	defer a.mu.RUnlock()
	mine, ok := a.sids[id]
	if !ok {
		return nil
	}
	out := make([]string, 0, len(mine))
	for room := range mine {
		out = append(out, room)
	}
	slices.Sort(out)
	return out
}

// Rooms returns the names of all rooms, sorted.
func (a *InMemory) Rooms() []string {
	a.mu.RLock()
	defer a.mu.RUnlock()
	out := make([]string, 0, len(a.rooms))
	for room := range a.rooms {
		out = append(out, room)
	}
	slices.Sort(out)
	return out
}

// idPool recycles the id slices of recipient sets.
var idPool = sync.Pool{New: func() any { s := make([]string, 0, 64); return &s }}

// seenPool recycles the dedup sets of multi-room broadcasts.
var seenPool = sync.Pool{New: func() any { return make(map[string]struct{}) }}

// recipients appends to buf the ids opts selects, without copying any room map.
func (a *InMemory) recipients(opts *BroadcastOptions, buf []string) []string {
	a.mu.RLock()
	defer a.mu.RUnlock()
	var except []string
	if opts != nil {
		except = opts.Except
	}
	excluded := func(id string) bool {
		for _, room := range except {
			if _, ok := a.rooms[room][id]; ok {
				return true
			}
		}
		return false
	}
	if opts == nil || len(opts.Rooms) == 0 {
		for id := range a.sids {
			if !excluded(id) {
				buf = append(buf, id)
			}
		}
		return buf
	}
	if len(opts.Rooms) == 1 {
		for id := range a.rooms[opts.Rooms[0]] {
			if !excluded(id) {
				buf = append(buf, id)
			}
		}
		return buf
	}
	seen := seenPool.Get().(map[string]struct{})
	defer func() { clear(seen); seenPool.Put(seen) }()
	for _, room := range opts.Rooms {
		for id := range a.rooms[room] {
			if _, dup := seen[id]; dup {
				continue
			}
			seen[id] = struct{}{}
			if !excluded(id) {
				buf = append(buf, id)
			}
		}
	}
	return buf
}

// apply calls fn for each selected id, outside the lock.
func (a *InMemory) apply(opts *BroadcastOptions, fn func(id string)) {
	bp := idPool.Get().(*[]string)
	ids := a.recipients(opts, (*bp)[:0])
	for _, id := range ids {
		fn(id)
	}
	clear(ids)
	*bp = ids[:0]
	idPool.Put(bp)
}

func deliverOptions(opts *BroadcastOptions) DeliverOptions {
	if opts == nil {
		return DeliverOptions{}
	}
	return DeliverOptions{Volatile: opts.Flags.Volatile, NoCompress: opts.Flags.NoCompress()}
}

// Broadcast encodes p once and delivers the frames to every selected local socket. With
// recovery on, an EVENT without ack id that is not volatile gets an offset appended to its
// arguments and is kept for replay.
func (a *InMemory) Broadcast(p *parser.Packet, opts *BroadcastOptions) error {
	pkt := *p
	pkt.Namespace = a.nsp.Name()
	if a.sessions != nil && pkt.Type == parser.Event && !pkt.HasID && (opts == nil || !opts.Flags.Volatile) {
		a.sessions.store(&pkt, opts)
	}
	frames, err := a.enc.Encode(&pkt)
	if err != nil {
		return fmt.Errorf("adapter: encode broadcast on %q: %w", pkt.Namespace, err)
	}
	dopts := deliverOptions(opts)
	a.apply(opts, func(id string) { a.nsp.Deliver(id, &pkt, frames, dopts) })
	return nil
}

// BroadcastWithAck sets p's ack id (p.ID, p.HasID) from the namespace, encodes it once, delivers it and
// reports the number of sockets reached through clientCount, before returning.
func (a *InMemory) BroadcastWithAck(p *parser.Packet, opts *BroadcastOptions, clientCount func(int), ack func(*AckPacket)) error {
	p.ID, p.HasID = a.nsp.NextAckID(), true
	pkt := *p
	pkt.Namespace = a.nsp.Name()
	frames, err := a.enc.Encode(&pkt)
	if err != nil {
		return fmt.Errorf("adapter: encode broadcast on %q: %w", pkt.Namespace, err)
	}
	dopts := deliverOptions(opts)
	dopts.Ack = ack
	n := 0
	a.apply(opts, func(id string) {
		if a.nsp.Deliver(id, &pkt, frames, dopts) {
			n++
		}
	})
	clientCount(n)
	return nil
}

// Sockets returns the ids of the sockets in any of rooms (all when rooms is empty) that
// are connected to the namespace.
func (a *InMemory) Sockets(_ context.Context, rooms []string) ([]string, error) {
	var out []string
	a.apply(&BroadcastOptions{Rooms: rooms}, func(id string) {
		if _, ok := a.nsp.Details(id); ok {
			out = append(out, id)
		}
	})
	slices.Sort(out)
	return out, nil
}

// FetchSockets returns the details of the selected connected sockets.
func (a *InMemory) FetchSockets(_ context.Context, opts *BroadcastOptions) ([]SocketDetails, error) {
	var out []SocketDetails
	a.apply(opts, func(id string) {
		if d, ok := a.nsp.Details(id); ok {
			out = append(out, d)
		}
	})
	return out, nil
}

// AddSockets makes the selected sockets join rooms.
func (a *InMemory) AddSockets(opts *BroadcastOptions, rooms []string) {
	a.apply(opts, func(id string) { a.nsp.Join(id, rooms) })
}

// DelSockets makes the selected sockets leave rooms.
func (a *InMemory) DelSockets(opts *BroadcastOptions, rooms []string) {
	a.apply(opts, func(id string) { a.nsp.Leave(id, rooms) })
}

// DisconnectSockets disconnects the selected sockets.
func (a *InMemory) DisconnectSockets(opts *BroadcastOptions, close bool) {
	a.apply(opts, func(id string) { a.nsp.Disconnect(id, close) })
}

// ServerSideEmit does nothing: there is no other server.
func (a *InMemory) ServerSideEmit([]any) error { return nil }

// PersistSession keeps s for MaxDisconnectionDuration when recovery is on.
func (a *InMemory) PersistSession(s *Session) {
	if a.sessions != nil {
		a.sessions.persist(s)
	}
}

// RestoreSession returns the session saved under pid with the packets sent after offset
// that it should receive, or (nil, nil). A session is restored at most once.
func (a *InMemory) RestoreSession(_ context.Context, pid, offset string) (*Session, error) {
	if a.sessions == nil {
		return nil, nil
	}
	return a.sessions.restore(pid, offset), nil
}
