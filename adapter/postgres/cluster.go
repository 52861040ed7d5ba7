package postgres

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/gosockio/gosockio/adapter"
	"github.com/gosockio/gosockio/adapter/internal/jsvalue"
	"github.com/gosockio/gosockio/parser"
)

// onMessage takes a message from the listener: it notes that its sender is alive,
// answers to this server's requests at once, and queues the rest for the worker (a
// server-side event handler may wait for an answer the listener must read).
// Node: ClusterAdapterWithHeartbeat.onMessage.
func (a *Adapter) onMessage(m jsvalue.Object) {
	uid := m.Text("uid")
	if uid == a.uid || m.Text("nsp") != a.nsp.Name() {
		return
	}
	t, _ := m.Int("type")
	a.mu.Lock()
	if a.closed {
		a.mu.Unlock()
		return
	}
	if uid != "" && uid != emitterUID {
		a.nodes[uid] = time.Now()
	}
	if t == typeAdapterClose {
		a.removeNodeLocked(uid)
	}
	a.mu.Unlock()
	switch t {
	case typeHeartbeat, typeAdapterClose:
	case typeFetchSocketsResponse, typeServerSideEmitResponse, typeBroadcastClientCount, typeBroadcastAck:
		a.onResponse(int(t), uid, m)
	default:
		select {
		case a.inbox <- m:
		case <-a.ctx.Done():
		}
	}
}

// work handles the other servers' messages one at a time, in order.
func (a *Adapter) work() {
	defer a.wg.Done()
	for {
		select {
		case <-a.ctx.Done():
			return
		case m := <-a.inbox:
			a.handle(m)
		}
	}
}

// handle acts on a message of another server. Node: ClusterAdapter.onMessage.
func (a *Adapter) handle(m jsvalue.Object) {
	t, _ := m.Int("type")
	if t == typeInitialHeartbeat {
		a.publishBackground(typeHeartbeat, nil)
		return
	}
	data, _ := m.Get("data").(jsvalue.Object)
	if data == nil {
		a.log.Debug("socket.io-postgres-adapter: ignoring a message without data", "type", t)
		return
	}
	rid := data.Text("requestId")
	switch t {
	case typeBroadcast:
		p, err := readPacket(data.Get("packet"))
		if err != nil {
			a.log.Debug("socket.io-postgres-adapter: ignoring malformed broadcast", "err", err)
			return
		}
		opts := readOpts(data.Get("opts"))
		opts.Flags.Local = true
		if rid == "" {
			if err := a.local.Broadcast(p, opts); err != nil {
				a.log.Warn("socket.io-postgres-adapter: deliver broadcast", "err", err)
			}
			return
		}
		_ = a.local.BroadcastWithAck(p, opts, func(n int) {
			a.respond(typeBroadcastClientCount, jsvalue.Object{{"requestId", rid}, {"clientCount", n}})
		}, func(ack *adapter.AckPacket) {
			resp := jsvalue.Object{{"requestId", rid}}
			if arg, ok := firstArg(ack); ok {
				resp = append(resp, jsvalue.KV{"packet", arg})
			}
			a.respond(typeBroadcastAck, resp)
		})
	case typeSocketsJoin:
		a.local.AddSockets(readOpts(data.Get("opts")), jsvalue.Strings(data.Get("rooms")))
	case typeSocketsLeave:
		a.local.DelSockets(readOpts(data.Get("opts")), jsvalue.Strings(data.Get("rooms")))
	case typeDisconnectSockets:
		a.local.DisconnectSockets(readOpts(data.Get("opts")), data.Bool("close"))
	case typeFetchSockets:
		ctx, cancel := context.WithTimeout(a.ctx, a.opts.RequestsTimeout)
		ds, _ := a.local.FetchSockets(ctx, readOpts(data.Get("opts")))
		cancel()
		sockets := make([]any, 0, len(ds))
		for _, d := range ds {
			h, err := jsvalue.FromGo(d.Handshake)
			if err != nil {
				a.log.Warn("socket.io-postgres-adapter: encode a socket's handshake", "id", d.ID, "err", err)
			}
			v, err := jsvalue.FromGo(d.Data)
			if err != nil {
				a.log.Warn("socket.io-postgres-adapter: encode a socket's data", "id", d.ID, "err", err)
			}
			sockets = append(sockets, jsvalue.Object{{"id", d.ID}, {"handshake", h}, {"rooms", nonNil(d.Rooms)}, {"data", v}})
		}
		a.respond(typeFetchSocketsResponse, jsvalue.Object{{"requestId", rid}, {"sockets", sockets}})
	case typeServerSideEmit:
		args := jsvalue.EventArgs(data.Get("packet"))
		if len(args) == 0 {
			return
		}
		if rid == "" {
			a.nsp.ServerSideEvent(args, nil)
			return
		}
		var once sync.Once
		a.nsp.ServerSideEvent(args, func(arg any) {
			once.Do(func() {
				v, err := jsvalue.FromGo(arg)
				if err != nil {
					a.log.Warn("socket.io-postgres-adapter: encode server-side emit answer", "err", err)
					return
				}
				a.respond(typeServerSideEmitResponse, jsvalue.Object{{"requestId", rid}, {"packet", v}})
			})
		})
	default:
		a.log.Debug("socket.io-postgres-adapter: ignoring unknown message type", "type", t)
	}
}

// request is a FETCH_SOCKETS or SERVER_SIDE_EMIT request waiting for the servers that
// were known when it was sent. Node: customRequests of ClusterAdapterWithHeartbeat.
type request struct {
	expected int
	missing  map[string]struct{}
	answers  []jsvalue.Object // the data of each answer
	done     chan struct{}    // closed by finish
	finished bool
	err      error
}

// finish ends the request; called with Adapter.mu held.
func (r *request) finish(err error) {
	if !r.finished {
		r.finished = true
		r.err = err
		close(r.done)
	}
}

// ackRequest is a broadcast with acknowledgements sent to the other servers.
type ackRequest struct {
	clientCount func(int)
	ack         func(*adapter.AckPacket)
	timer       *time.Timer
}

// liveLocked returns the servers heard from within HeartbeatTimeout.
func (a *Adapter) liveLocked(now time.Time) []string {
	out := make([]string, 0, len(a.nodes))
	for uid, seen := range a.nodes {
		if now.Sub(seen) <= a.opts.HeartbeatTimeout {
			out = append(out, uid)
		}
	}
	return out
}

// expire forgets the servers silent for longer than HeartbeatTimeout.
func (a *Adapter) expire(now time.Time) {
	a.mu.Lock()
	defer a.mu.Unlock()
	for uid, seen := range a.nodes {
		if now.Sub(seen) > a.opts.HeartbeatTimeout {
			a.log.Debug("socket.io-postgres-adapter: server seems down", "server", uid)
			a.removeNodeLocked(uid)
		}
	}
}

// removeNodeLocked forgets server uid; the requests that waited only for it end.
// Node: removeNode.
func (a *Adapter) removeNodeLocked(uid string) {
	delete(a.nodes, uid)
	for rid, r := range a.requests {
		delete(r.missing, uid)
		if len(r.missing) == 0 {
			delete(a.requests, rid)
			r.finish(nil)
		}
	}
}

// onResponse routes an answer to the request or broadcast waiting for it.
// Node: ClusterAdapterWithHeartbeat.onResponse.
func (a *Adapter) onResponse(t int, uid string, m jsvalue.Object) {
	data, _ := m.Get("data").(jsvalue.Object)
	rid := data.Text("requestId")
	if rid == "" {
		return
	}
	switch t {
	case typeFetchSocketsResponse, typeServerSideEmitResponse:
		a.mu.Lock()
		defer a.mu.Unlock()
		r := a.requests[rid]
		if r == nil {
			return
		}
		r.answers = append(r.answers, data)
		delete(r.missing, uid)
		if len(r.missing) == 0 {
			delete(a.requests, rid)
			r.finish(nil)
		}
	case typeBroadcastClientCount, typeBroadcastAck:
		a.mu.Lock()
		r := a.acks[rid]
		a.mu.Unlock()
		if r == nil {
			return
		}
		if t == typeBroadcastClientCount {
			n, _ := data.Int("clientCount")
			r.clientCount(int(n))
			return
		}
		args := []any{}
		if v, ok := data.Lookup("packet"); ok {
			args = append(args, v)
		}
		raw, atts, err := jsvalue.PacketData(args)
		if err != nil {
			a.log.Debug("socket.io-postgres-adapter: ignoring malformed acknowledgement", "err", err)
			return
		}
		r.ack(&adapter.AckPacket{Type: parser.Ack, Data: raw, Attachments: atts})
	}
}

// request sends a request (data gets a fresh requestId) and waits for an answer from
// every server known now, until timeout or ctx ends; a server that leaves or goes
// silent meanwhile is no longer awaited. On timeout it returns the answers so far
// with an error wrapping ErrRequestTimeout that names the silent servers.
func (a *Adapter) request(ctx context.Context, kind string, t int, data jsvalue.Object, timeout time.Duration) ([]jsvalue.Object, error) {
	a.mu.Lock()
	if a.closed {
		a.mu.Unlock()
		return nil, adapter.ErrClosed
	}
	live := a.liveLocked(time.Now())
	if len(live) == 0 {
		a.mu.Unlock()
		return nil, nil
	}
	rid := randomID()
	r := &request{expected: len(live), missing: make(map[string]struct{}, len(live)), done: make(chan struct{})}
	for _, uid := range live {
		r.missing[uid] = struct{}{}
	}
	a.requests[rid] = r
	a.mu.Unlock()
	defer func() {
		a.mu.Lock()
		delete(a.requests, rid)
		a.mu.Unlock()
	}()
	if kind == "fetchSockets" {
		data = append(data, jsvalue.KV{"requestId", rid})
	} else {
		data = append(jsvalue.Object{{"requestId", rid}}, data...)
	}
	pctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	if err := a.publish(pctx, t, data); err != nil {
		return nil, err
	}
	tm := time.NewTimer(timeout)
	defer tm.Stop()
	select {
	case <-r.done:
	case <-tm.C:
	case <-ctx.Done():
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	answers := slices.Clone(r.answers)
	if r.finished {
		return answers, r.err
	}
	if err := ctx.Err(); err != nil {
		return answers, fmt.Errorf("postgres: %s request: %w (%d of %d servers answered)", kind, err, r.expected-len(r.missing), r.expected)
	}
	missing := make([]string, 0, len(r.missing))
	for uid := range r.missing {
		missing = append(missing, uid)
	}
	slices.Sort(missing)
	return answers, fmt.Errorf("%w: %s: no answer from %d of %d servers within %v (uids %s); a server that stopped is forgotten after HeartbeatTimeout (%v)",
		ErrRequestTimeout, kind, len(missing), r.expected, timeout, strings.Join(missing, ", "), a.opts.HeartbeatTimeout)
}

func isLocal(opts *adapter.BroadcastOptions) bool { return opts != nil && opts.Flags.Local }

// Broadcast sends p to the other servers and delivers it to the local sockets; a
// failure to reach the others is returned after local delivery. Node: broadcast.
func (a *Adapter) Broadcast(p *parser.Packet, opts *adapter.BroadcastOptions) error {
	var perr error
	if !isLocal(opts) {
		pkt, err := jsvalue.WirePacket(p, a.nsp.Name())
		if err == nil {
			ctx, cancel := context.WithTimeout(a.ctx, a.opts.RequestsTimeout)
			err = a.publish(ctx, typeBroadcast, jsvalue.Object{{"packet", pkt}, {"opts", wireOpts(opts)}})
			cancel()
		}
		perr = err
	}
	return errors.Join(a.local.Broadcast(p, opts), perr)
}

// BroadcastWithAck delivers p to the local sockets and sends it to the other servers
// with a requestId; each reports its client count and forwards its clients' answers
// until the broadcast's Timeout (RequestsTimeout when it has none).
// Node: broadcastWithAck.
func (a *Adapter) BroadcastWithAck(p *parser.Packet, opts *adapter.BroadcastOptions, clientCount func(int), ack func(*adapter.AckPacket)) error {
	if isLocal(opts) {
		return a.local.BroadcastWithAck(p, opts, clientCount, ack)
	}
	pkt, err := jsvalue.WirePacket(p, a.nsp.Name())
	if err != nil {
		return err
	}
	if err := a.local.BroadcastWithAck(p, opts, clientCount, ack); err != nil {
		return err
	}
	keep := a.opts.RequestsTimeout
	if opts != nil && opts.Flags.Timeout > 0 {
		keep = opts.Flags.Timeout
	}
	rid := randomID()
	r := &ackRequest{clientCount: clientCount, ack: ack}
	// Registered after the local broadcast (which sets p's ack id, read by the
	// callbacks) and under mu, which the listener takes to find it.
	a.mu.Lock()
	if a.closed {
		a.mu.Unlock()
		return adapter.ErrClosed
	}
	a.acks[rid] = r
	// Stopped by Close, or fires once to forget the broadcast.
	r.timer = time.AfterFunc(keep, func() {
		a.mu.Lock()
		delete(a.acks, rid)
		a.mu.Unlock()
	})
	a.mu.Unlock()
	ctx, cancel := context.WithTimeout(a.ctx, a.opts.RequestsTimeout)
	defer cancel()
	if err := a.publish(ctx, typeBroadcast, jsvalue.Object{{"packet", pkt}, {"requestId", rid}, {"opts", wireOpts(opts)}}); err != nil {
		a.mu.Lock()
		if r, ok := a.acks[rid]; ok {
			r.timer.Stop()
			delete(a.acks, rid)
		}
		a.mu.Unlock()
		return err
	}
	return nil
}

func selectOpts(opts *adapter.BroadcastOptions) jsvalue.Object { return wireOpts(opts) }

// AddSockets makes the selected sockets join rooms, on every server.
// Node: addSockets.
func (a *Adapter) AddSockets(opts *adapter.BroadcastOptions, rooms []string) {
	if !isLocal(opts) {
		a.publishBackground(typeSocketsJoin, jsvalue.Object{{"opts", selectOpts(opts)}, {"rooms", nonNil(rooms)}})
	}
	a.local.AddSockets(opts, rooms)
}

// DelSockets makes the selected sockets leave rooms, on every server.
// Node: delSockets.
func (a *Adapter) DelSockets(opts *adapter.BroadcastOptions, rooms []string) {
	if !isLocal(opts) {
		a.publishBackground(typeSocketsLeave, jsvalue.Object{{"opts", selectOpts(opts)}, {"rooms", nonNil(rooms)}})
	}
	a.local.DelSockets(opts, rooms)
}

// DisconnectSockets disconnects the selected sockets, on every server.
// Node: disconnectSockets.
func (a *Adapter) DisconnectSockets(opts *adapter.BroadcastOptions, close bool) {
	if !isLocal(opts) {
		a.publishBackground(typeDisconnectSockets, jsvalue.Object{{"opts", selectOpts(opts)}, {"close", close}})
	}
	a.local.DisconnectSockets(opts, close)
}

// FetchSockets returns the selected sockets of every server; remote ones carry their
// handshake and data as decoded JSON (jsvalue.Object, json.Number for numbers). It
// waits for every other server until the flags' Timeout, or RequestsTimeout; see
// ErrRequestTimeout. Node: fetchSockets.
func (a *Adapter) FetchSockets(ctx context.Context, opts *adapter.BroadcastOptions) ([]adapter.SocketDetails, error) {
	out, err := a.local.FetchSockets(ctx, opts)
	if err != nil || isLocal(opts) {
		return out, err
	}
	timeout := a.opts.RequestsTimeout
	if opts != nil && opts.Flags.Timeout > 0 {
		timeout = opts.Flags.Timeout
	}
	answers, err := a.request(ctx, "fetchSockets", typeFetchSockets, jsvalue.Object{{"opts", selectOpts(opts)}}, timeout)
	for _, m := range answers {
		arr, _ := m.Get("sockets").([]any)
		for _, e := range arr {
			if sm, ok := e.(jsvalue.Object); ok {
				out = append(out, adapter.SocketDetails{ID: sm.Text("id"), Handshake: jsvalue.ToGo(sm.Get("handshake")), Rooms: jsvalue.Strings(sm.Get("rooms")), Data: jsvalue.ToGo(sm.Get("data"))})
			}
		}
	}
	return out, err
}

// Sockets returns the ids of the sockets in any of rooms on every server (through
// FetchSockets: the cluster protocol has no lighter request), sorted. Node: sockets.
func (a *Adapter) Sockets(ctx context.Context, rooms []string) ([]string, error) {
	ds, err := a.FetchSockets(ctx, &adapter.BroadcastOptions{Rooms: rooms})
	ids := make([]string, 0, len(ds))
	for _, d := range ds {
		ids = append(ids, d.ID)
	}
	slices.Sort(ids)
	return slices.Compact(ids), err
}

// ServerSideEmit sends an event (args[0] is its name) to the other servers.
// Node: serverSideEmit.
func (a *Adapter) ServerSideEmit(args []any) error {
	js, err := jsvalue.FromGo(args)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(a.ctx, a.opts.RequestsTimeout)
	defer cancel()
	return a.publish(ctx, typeServerSideEmit, jsvalue.Object{{"packet", js}})
}

// ServerSideEmitWithAck sends an event to the other servers and returns one answer
// per server. When some do not answer within RequestsTimeout (or before ctx ends) it
// returns the answers so far and an error wrapping ErrRequestTimeout (or ctx's error).
// Node: serverSideEmitWithAck.
func (a *Adapter) ServerSideEmitWithAck(ctx context.Context, args []any) ([]any, error) {
	js, err := jsvalue.FromGo(args)
	if err != nil {
		return nil, err
	}
	answers, err := a.request(ctx, "serverSideEmit", typeServerSideEmit, jsvalue.Object{{"packet", js}}, a.opts.RequestsTimeout)
	out := make([]any, 0, len(answers))
	for _, m := range answers {
		out = append(out, jsvalue.ToGo(m.Get("packet")))
	}
	return out, err
}
