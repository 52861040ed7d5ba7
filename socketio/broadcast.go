package socketio

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/gosockio/gosockio/adapter"
	"github.com/gosockio/gosockio/parser"
)

// BroadcastOperator selects sockets of a namespace (rooms, exceptions, flags) and acts
// on them. Each method returns a new operator; an operator is immutable and safe to share.
// Node: BroadcastOperator.
type BroadcastOperator struct {
	nsp    *Namespace
	rooms  []string
	except []string
	flags  adapter.BroadcastFlags
}

func newOperator(n *Namespace) *BroadcastOperator { return &BroadcastOperator{nsp: n} }

func (b *BroadcastOperator) clone() *BroadcastOperator {
	c := *b
	c.rooms = slices.Clip(c.rooms)
	c.except = slices.Clip(c.except)
	return &c
}

// To adds rooms to target (a socket id is a room too). Node: to.
func (b *BroadcastOperator) To(rooms ...string) *BroadcastOperator {
	c := b.clone()
	c.rooms = append(c.rooms, rooms...)
	return c
}

// In is To. Node: in.
func (b *BroadcastOperator) In(rooms ...string) *BroadcastOperator { return b.To(rooms...) }

// Except excludes the sockets in rooms. Node: except.
func (b *BroadcastOperator) Except(rooms ...string) *BroadcastOperator {
	c := b.clone()
	c.except = append(c.except, rooms...)
	return c
}

// Compress sets compression. Node: compress.
func (b *BroadcastOperator) Compress(compress bool) *BroadcastOperator {
	c := b.clone()
	c.flags.Compress = &compress
	return c
}

// Volatile lets the event be dropped for sockets that are not ready. Node: volatile.
func (b *BroadcastOperator) Volatile() *BroadcastOperator {
	c := b.clone()
	c.flags.Volatile = true
	return c
}

// Local limits the operation to this server. Node: local.
func (b *BroadcastOperator) Local() *BroadcastOperator {
	c := b.clone()
	c.flags.Local = true
	return c
}

// Timeout bounds EmitWithAck. Node: timeout.
func (b *BroadcastOperator) Timeout(d time.Duration) *BroadcastOperator {
	c := b.clone()
	c.flags.Timeout = d
	return c
}

func (b *BroadcastOperator) opts() *adapter.BroadcastOptions {
	return &adapter.BroadcastOptions{Rooms: b.rooms, Except: b.except, Flags: b.flags}
}

// targets returns the namespaces the operator acts on: its own, or a parent's children.
func (b *BroadcastOperator) targets() []*Namespace {
	if !b.nsp.isParent {
		return []*Namespace{b.nsp}
	}
	b.nsp.mu.RLock()
	defer b.nsp.mu.RUnlock()
	out := make([]*Namespace, 0, len(b.nsp.children))
	for c := range b.nsp.children {
		out = append(out, c)
	}
	return out
}

// Emit sends an event to the selected sockets; the packet is encoded once. A trailing
// func(err error, answers []Args) collects acknowledgements: it is called once, with
// every answer, or with ErrAckTimeout and the answers so far when Timeout expires first
// (Timeout is required then). Node: emit.
func (b *BroadcastOperator) Emit(event string, args ...any) error {
	if reservedEvent(event) {
		return fmt.Errorf("%w: %q", ErrReservedEvent, event)
	}
	args, ackFn := splitAck(args)
	if ackFn != nil {
		cb, ok := ackFn.(func(error, []Args))
		if !ok {
			return fmt.Errorf("socketio: broadcast ack callback must be func(error, []socketio.Args), got %T", ackFn)
		}
		if b.flags.Timeout <= 0 {
			return fmt.Errorf("socketio: a broadcast with an ack callback needs Timeout(d)")
		}
		_, err := b.emitWithAck(event, args, func(as []Args, err error) { cb(err, as) })
		return err
	}
	data := make([]any, 0, len(args)+1)
	data = append(append(data, event), args...)
	for _, n := range b.targets() {
		if err := n.adapter.Broadcast(&parser.Packet{Type: parser.Event, Data: data}, b.opts()); err != nil {
			return err
		}
	}
	return nil
}

// Send emits a "message" event. Node: send.
func (b *BroadcastOperator) Send(args ...any) error { return b.Emit("message", args...) }

// EmitWithAck sends an event to the selected sockets and waits for every answer, until
// ctx ends or the Timeout expires; it then returns the answers received so far with an
// error (ErrAckTimeout, or one matching ctx's error). Answers come in arrival order.
// Node: timeout(d).emitWithAck.
func (b *BroadcastOperator) EmitWithAck(ctx context.Context, event string, args ...any) ([]Args, error) {
	if reservedEvent(event) {
		return nil, fmt.Errorf("%w: %q", ErrReservedEvent, event)
	}
	type result struct {
		as  []Args
		err error
	}
	ch := make(chan result, 1)
	cancel, err := b.emitWithAck(event, args, func(as []Args, err error) { ch <- result{as, err} })
	if err != nil {
		return nil, err
	}
	select {
	case r := <-ch:
		return r.as, r.err
	case <-ctx.Done():
		cancel(fmt.Errorf("socketio: waiting for acks of %q: %w", event, ctx.Err()))
		r := <-ch
		return r.as, r.err
	}
}

// emitWithAck broadcasts with acknowledgements; done is called exactly once, when every
// answer is in, when the Timeout expires, or when cancel is called.
func (b *BroadcastOperator) emitWithAck(event string, args []any, done func([]Args, error)) (cancel func(error), err error) {
	if b.nsp.isParent {
		return nil, ErrParentNamespace
	}
	servers, err := b.nsp.adapter.ServerCount(context.Background())
	if err != nil {
		return nil, err
	}
	var (
		mu        sync.Mutex
		responses []Args
		expected  = -1
		counted   int
		total     int
		finished  bool
		timer     *time.Timer
		ackID     uint64
		haveID    bool
	)
	data := make([]any, 0, len(args)+1)
	data = append(append(data, event), args...)
	p := &parser.Packet{Type: parser.Event, Data: data}
	// finish must be called with mu held; it calls done outside the lock.
	finish := func(err error) func() {
		if finished {
			return func() {}
		}
		finished = true
		if timer != nil {
			timer.Stop()
		}
		as := slices.Clone(responses)
		id, clean := ackID, err != nil && haveID
		return func() {
			if clean {
				for _, s := range b.nsp.Sockets() {
					s.takeAck(id)
				}
			}
			done(as, err)
		}
	}
	cancel = func(err error) {
		mu.Lock()
		f := finish(err)
		mu.Unlock()
		f()
	}
	mu.Lock()
	if b.flags.Timeout > 0 {
		// Owned by this broadcast: stopped by finish.
		timer = time.AfterFunc(b.flags.Timeout, func() { cancel(ErrAckTimeout) })
	}
	mu.Unlock()
	complete := func() func() {
		if expected >= 0 && len(responses) >= expected {
			return finish(nil)
		}
		return func() {}
	}
	err = b.nsp.adapter.BroadcastWithAck(p, b.opts(), func(n int) {
		mu.Lock()
		ackID, haveID = p.ID, true
		counted++
		total += n
		if counted >= servers {
			expected = total
		}
		f := complete()
		mu.Unlock()
		f()
	}, func(ack *adapter.AckPacket) {
		a, err := parseArgs(ack.Data, ack.Attachments)
		if err != nil {
			return
		}
		mu.Lock()
		if !finished {
			responses = append(responses, a)
		}
		f := complete()
		mu.Unlock()
		f()
	})
	if err != nil {
		mu.Lock()
		finished = true
		if timer != nil {
			timer.Stop()
		}
		mu.Unlock()
		return nil, err
	}
	return cancel, nil
}

// FetchSockets returns the selected sockets, cluster-wide. Node: fetchSockets.
func (b *BroadcastOperator) FetchSockets(ctx context.Context) ([]*RemoteSocket, error) {
	if b.nsp.isParent {
		return nil, ErrParentNamespace
	}
	ds, err := b.nsp.adapter.FetchSockets(ctx, b.opts())
	if err != nil {
		return nil, err
	}
	out := make([]*RemoteSocket, len(ds))
	for i, d := range ds {
		out[i] = newRemoteSocket(b.nsp, d)
	}
	return out, nil
}

// AllSockets returns the ids of the sockets in the selected rooms. Node: allSockets.
func (b *BroadcastOperator) AllSockets(ctx context.Context) ([]string, error) {
	if b.nsp.isParent {
		return nil, ErrParentNamespace
	}
	return b.nsp.adapter.Sockets(ctx, b.rooms)
}

// SocketsJoin makes the selected sockets join rooms. Node: socketsJoin.
func (b *BroadcastOperator) SocketsJoin(rooms ...string) {
	for _, n := range b.targets() {
		n.adapter.AddSockets(b.opts(), rooms)
	}
}

// SocketsLeave makes the selected sockets leave rooms. Node: socketsLeave.
func (b *BroadcastOperator) SocketsLeave(rooms ...string) {
	for _, n := range b.targets() {
		n.adapter.DelSockets(b.opts(), rooms)
	}
}

// DisconnectSockets disconnects the selected sockets; close also closes their
// connections. Node: disconnectSockets.
func (b *BroadcastOperator) DisconnectSockets(close bool) {
	for _, n := range b.targets() {
		n.adapter.DisconnectSockets(b.opts(), close)
	}
}

// RemoteSocket is a socket as FetchSockets reports it: on this server or another one of
// the cluster. Its methods act through the adapter. Node: RemoteSocket.
type RemoteSocket struct {
	ID        string
	Handshake any // *Handshake for a socket of this server
	Rooms     []string
	Data      any
	op        *BroadcastOperator
}

func newRemoteSocket(n *Namespace, d adapter.SocketDetails) *RemoteSocket {
	op := newOperator(n).To(d.ID)
	op.flags.ExpectSingleResponse = true
	return &RemoteSocket{ID: d.ID, Handshake: d.Handshake, Rooms: d.Rooms, Data: d.Data, op: op}
}

// Emit sends an event to the socket. Node: remoteSocket.emit.
func (r *RemoteSocket) Emit(event string, args ...any) error { return r.op.Emit(event, args...) }

// EmitWithAck sends an event and waits for the answer. Node: remoteSocket.emitWithAck.
func (r *RemoteSocket) EmitWithAck(ctx context.Context, event string, args ...any) (Args, error) {
	as, err := r.op.EmitWithAck(ctx, event, args...)
	if err != nil {
		return Args{}, err
	}
	if len(as) == 0 {
		return Args{}, ErrDisconnected
	}
	return as[0], nil
}

// Timeout returns a copy whose EmitWithAck times out after d. Node: remoteSocket.timeout.
func (r *RemoteSocket) Timeout(d time.Duration) *RemoteSocket {
	c := *r
	c.op = r.op.Timeout(d)
	return &c
}

// Join makes the socket join rooms. Node: remoteSocket.join.
func (r *RemoteSocket) Join(rooms ...string) { r.op.SocketsJoin(rooms...) }

// Leave makes the socket leave rooms. Node: remoteSocket.leave.
func (r *RemoteSocket) Leave(rooms ...string) { r.op.SocketsLeave(rooms...) }

// Disconnect disconnects the socket. Node: remoteSocket.disconnect.
func (r *RemoteSocket) Disconnect(close bool) { r.op.DisconnectSockets(close) }
