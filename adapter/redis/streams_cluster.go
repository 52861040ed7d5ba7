package redis

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/gosockio/gosockio/adapter"
	"github.com/gosockio/gosockio/parser"
)

// onMessage handles a message of another server: from the stream (offset is its entry
// id) or from pub/sub (offset is empty). Node: ClusterAdapter.onMessage.
func (a *StreamsAdapter) onMessage(m map[string]any, offset string) {
	if str(m, "nsp") != a.nsp.Name() {
		return
	}
	t, _ := num(m, "type")
	data, _ := m["data"].(map[string]any)
	if data == nil {
		return
	}
	if o, ok := data["opts"]; ok {
		if _, isObject := o.(map[string]any); !isObject {
			a.log.Debug("socket.io-redis-streams-adapter: ignoring message whose opts is not an object", "type", t)
			return
		}
	}
	requester := str(m, "uid")
	rid := str(data, "requestId")
	switch t {
	case ctBroadcast:
		pm, _ := data["packet"].(map[string]any)
		om, _ := data["opts"].(map[string]any)
		if pm == nil {
			return
		}
		p, opts, err := decodeBroadcast(pm, om)
		if err != nil {
			a.log.Debug("socket.io-redis-streams-adapter: ignoring malformed broadcast", "err", err)
			return
		}
		opts.Flags.Local = true
		if rid == "" {
			if offset != "" && a.recovery != nil && !opts.Flags.Volatile {
				args, _ := p.Data.([]any)
				p.Data = append(args, offset)
			}
			if err := a.local.Broadcast(p, opts); err != nil {
				a.log.Warn("socket.io-redis-streams-adapter: deliver broadcast", "err", err)
			}
			return
		}
		respCh := a.responseChannel(requester)
		_ = a.local.BroadcastWithAck(p, opts, func(n int) {
			a.publishBackground(respCh, ctBroadcastClientCount, ordered{{"requestId", rid}, {"clientCount", int64(n)}})
		}, func(ack *adapter.AckPacket) {
			resp := ordered{{"requestId", rid}}
			if arg, ok := firstArg(a.json, ack); ok {
				resp = append(resp, kv{"packet", arg})
			}
			a.publishBackground(respCh, ctBroadcastAck, resp)
		})
	case ctSocketsJoin:
		a.local.AddSockets(selectOpts(data["opts"]), strs(data["rooms"]))
	case ctSocketsLeave:
		a.local.DelSockets(selectOpts(data["opts"]), strs(data["rooms"]))
	case ctDisconnectSockets:
		a.local.DisconnectSockets(selectOpts(data["opts"]), boolean(data, "close"))
	case ctFetchSockets:
		ctx, cancel := context.WithTimeout(a.ctx, a.opts.RequestsTimeout)
		ds, _ := a.local.FetchSockets(ctx, selectOpts(data["opts"]))
		cancel()
		sockets := make([]any, 0, len(ds))
		for _, d := range ds {
			h, _ := jsValue(d.Handshake)
			v, _ := jsValue(d.Data)
			sockets = append(sockets, ordered{{"id", d.ID}, {"handshake", h}, {"rooms", nonNil(d.Rooms)}, {"data", v}})
		}
		a.publishBackground(a.responseChannel(requester), ctFetchSocketsResponse, ordered{{"requestId", rid}, {"sockets", sockets}})
	case ctServerSideEmit:
		args, _ := data["packet"].([]any)
		if len(args) == 0 {
			return
		}
		if rid == "" {
			a.nsp.ServerSideEvent(args, nil)
			return
		}
		var once sync.Once
		respCh := a.responseChannel(requester)
		a.nsp.ServerSideEvent(args, func(arg any) {
			once.Do(func() {
				v, err := jsValue(arg)
				if err != nil {
					a.log.Warn("socket.io-redis-streams-adapter: encode server-side emit answer", "err", err)
					return
				}
				a.publishBackground(respCh, ctServerSideEmitResponse, ordered{{"requestId", rid}, {"packet", v}})
			})
		})
	default:
		a.log.Debug("socket.io-redis-streams-adapter: ignoring unknown message type", "type", t)
	}
}

// onResponse routes an answer to the request or broadcast waiting for it.
// Node: ClusterAdapter.onResponse.
func (a *StreamsAdapter) onResponse(t int, m map[string]any) {
	data, _ := m["data"].(map[string]any)
	if data == nil {
		return
	}
	rid := str(data, "requestId")
	switch t {
	case ctBroadcastClientCount, ctBroadcastAck:
		resp := map[string]any{"clientCount": data["clientCount"]}
		if t == ctBroadcastClientCount {
			resp["type"] = int64(typeBroadcastClientCount)
		} else {
			resp["type"] = int64(typeBroadcastAck)
			if v, ok := data["packet"]; ok {
				resp["packet"] = v
			}
		}
		onAckResponse(&a.mu, a.acks, a.log, rid, resp)
	case ctFetchSocketsResponse, ctServerSideEmitResponse:
		a.mu.Lock()
		defer a.mu.Unlock()
		p, ok := a.pending[rid]
		if !ok || len(p.msgs) >= p.need {
			return
		}
		p.msgs = append(p.msgs, data)
		if len(p.msgs) == p.need {
			p.once.Do(func() { close(p.done) })
		}
	}
}

// ServerCount returns the number of servers subscribed to the namespace's public
// channel (PUBSUB NUMSUB, or SHARDNUMSUB), this one included. Node: serverCount.
func (a *StreamsAdapter) ServerCount(ctx context.Context) (int, error) {
	var res map[string]int64
	var err error
	if a.opts.UseShardedPubSub {
		res, err = a.rdb.PubSubShardNumSub(ctx, a.publicChannel).Result()
	} else {
		res, err = a.rdb.PubSubNumSub(ctx, a.publicChannel).Result()
	}
	if err != nil {
		return 0, fmt.Errorf("redis: count servers (PUBSUB NUMSUB %s): %w", a.publicChannel, err)
	}
	return int(res[a.publicChannel]), nil
}

// AddAll adds socket id to rooms (local state). Node: addAll.
func (a *StreamsAdapter) AddAll(id string, rooms []string) { a.local.AddAll(id, rooms) }

// Del removes socket id from room (local state). Node: del.
func (a *StreamsAdapter) Del(id, room string) { a.local.Del(id, room) }

// DelAll removes socket id from every room (local state). Node: delAll.
func (a *StreamsAdapter) DelAll(id string) { a.local.DelAll(id) }

// SocketRooms returns the rooms of the local socket id. Node: socketRooms.
func (a *StreamsAdapter) SocketRooms(id string) []string { return a.local.SocketRooms(id) }

// Rooms returns the rooms known on this server. Node: adapter.rooms.
func (a *StreamsAdapter) Rooms() []string { return a.local.Rooms() }

// withOffset reports whether a broadcast of p gets the stream offset appended to its
// arguments (Node: addOffsetIfNecessary): recovery on, an event without ack id, not
// volatile.
func (a *StreamsAdapter) withOffset(p *parser.Packet, opts *adapter.BroadcastOptions) bool {
	return a.recovery != nil && (p.Type == parser.Event || p.Type == parser.BinaryEvent) && !p.HasID &&
		(opts == nil || !opts.Flags.Volatile)
}

// Broadcast appends p to the stream, which the other servers read, and delivers it to
// the local sockets; with connection state recovery on, the entry id is appended to the
// event's arguments as its offset. A failed append is returned after local delivery
// (without offset). Node: broadcast.
func (a *StreamsAdapter) Broadcast(p *parser.Packet, opts *adapter.BroadcastOptions) error {
	if isLocal(opts) {
		return a.local.Broadcast(p, opts)
	}
	pkt, err := wirePacket(p, a.nsp.Name())
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(a.ctx, a.opts.RequestsTimeout)
	offset, perr := a.xadd(ctx, ctBroadcast, ordered{{"packet", pkt}, {"opts", wireOpts(opts)}})
	cancel()
	lp := p
	if perr == nil && a.withOffset(p, opts) {
		if args, ok := pkt[1].v.([]any); ok {
			cp := *p
			cp.Type = parser.Event
			cp.Data = append(slices.Clip(args), offset)
			cp.Attachments = nil
			lp = &cp
		}
	}
	return joinErr(a.local.Broadcast(lp, opts), perr)
}

// BroadcastWithAck publishes p with a requestId on the public channel (not on the
// stream: it cannot be replayed) and collects every server's client count and
// answers. Node: broadcastWithAck.
func (a *StreamsAdapter) BroadcastWithAck(p *parser.Packet, opts *adapter.BroadcastOptions, clientCount func(int), ack func(*adapter.AckPacket)) error {
	if isLocal(opts) {
		return a.local.BroadcastWithAck(p, opts, clientCount, ack)
	}
	pkt, err := wirePacket(p, a.nsp.Name())
	if err != nil {
		return err
	}
	rid := randomRequestID()
	keep := a.opts.RequestsTimeout
	if opts != nil && opts.Flags.Timeout > 0 {
		keep = opts.Flags.Timeout
	}
	r := &ackRequest{clientCount: clientCount, ack: ack}
	r.mu.Lock()
	defer r.mu.Unlock()
	a.mu.Lock()
	if a.closed {
		a.mu.Unlock()
		return adapter.ErrClosed
	}
	a.acks[rid] = r
	// Stopped by Close, or fires once to forget the request.
	r.timer = time.AfterFunc(keep, func() {
		a.mu.Lock()
		delete(a.acks, rid)
		a.mu.Unlock()
	})
	a.mu.Unlock()
	ctx, cancel := context.WithTimeout(a.ctx, a.opts.RequestsTimeout)
	defer cancel()
	if err := a.publishTo(ctx, a.publicChannel, ctBroadcast, ordered{{"packet", pkt}, {"requestId", rid}, {"opts", wireOpts(opts)}}); err != nil {
		a.mu.Lock()
		r.timer.Stop()
		delete(a.acks, rid)
		a.mu.Unlock()
		return err
	}
	return a.local.BroadcastWithAck(p, opts, clientCount, ack)
}

func randomRequestID() string {
	var id [8]byte
	_, _ = rand.Read(id[:])
	return hex.EncodeToString(id[:])
}

// AddSockets makes the selected sockets join rooms, everywhere (a SOCKETS_JOIN entry).
// Node: addSockets.
func (a *StreamsAdapter) AddSockets(opts *adapter.BroadcastOptions, rooms []string) {
	if !isLocal(opts) {
		a.appendBackground(ctSocketsJoin, ordered{{"opts", selectData(opts)}, {"rooms", nonNil(rooms)}})
	}
	a.local.AddSockets(opts, rooms)
}

// DelSockets makes the selected sockets leave rooms, everywhere (SOCKETS_LEAVE).
// Node: delSockets.
func (a *StreamsAdapter) DelSockets(opts *adapter.BroadcastOptions, rooms []string) {
	if !isLocal(opts) {
		a.appendBackground(ctSocketsLeave, ordered{{"opts", selectData(opts)}, {"rooms", nonNil(rooms)}})
	}
	a.local.DelSockets(opts, rooms)
}

// DisconnectSockets disconnects the selected sockets, everywhere (DISCONNECT_SOCKETS).
// Node: disconnectSockets.
func (a *StreamsAdapter) DisconnectSockets(opts *adapter.BroadcastOptions, close bool) {
	if !isLocal(opts) {
		a.appendBackground(ctDisconnectSockets, ordered{{"opts", selectData(opts)}, {"close", close}})
	}
	a.local.DisconnectSockets(opts, close)
}

// request publishes a request on the public channel and waits for need answers, until
// RequestsTimeout or ctx ends; on timeout it returns the answers so far with an error
// wrapping ErrRequestTimeout.
func (a *StreamsAdapter) request(ctx context.Context, kind string, t int, data ordered, need int) ([]map[string]any, error) {
	rid := randomRequestID()
	p := &pending{need: need, done: make(chan struct{})}
	a.mu.Lock()
	if a.closed {
		a.mu.Unlock()
		return nil, adapter.ErrClosed
	}
	a.pending[rid] = p
	a.mu.Unlock()
	defer func() {
		a.mu.Lock()
		delete(a.pending, rid)
		a.mu.Unlock()
	}()
	wctx, cancel := context.WithTimeout(ctx, a.opts.RequestsTimeout)
	defer cancel()
	if err := a.publishTo(wctx, a.publicChannel, t, append(data, kv{"requestId", rid})); err != nil {
		return nil, err
	}
	select {
	case <-p.done:
	case <-wctx.Done():
	}
	a.mu.Lock()
	msgs := slices.Clone(p.msgs)
	a.mu.Unlock()
	select {
	case <-p.done:
		return msgs, p.err
	default:
	}
	if err := ctx.Err(); err != nil {
		return msgs, fmt.Errorf("redis: %s request: %w (%d of %d servers answered)", kind, err, len(msgs), need)
	}
	return msgs, fmt.Errorf("%w: %s: %d of %d servers answered within %v", ErrRequestTimeout, kind, len(msgs), need, a.opts.RequestsTimeout)
}

func (a *StreamsAdapter) others(ctx context.Context) (int, error) {
	n, err := a.ServerCount(ctx)
	if err != nil {
		return 0, err
	}
	return max(n-1, 0), nil
}

// FetchSockets returns the selected sockets of every server; remote ones carry their
// handshake and data as decoded JSON. Node: fetchSockets.
func (a *StreamsAdapter) FetchSockets(ctx context.Context, opts *adapter.BroadcastOptions) ([]adapter.SocketDetails, error) {
	out, err := a.local.FetchSockets(ctx, opts)
	if err != nil || isLocal(opts) {
		return out, err
	}
	n, err := a.others(ctx)
	if err != nil || n == 0 {
		return out, err
	}
	msgs, err := a.request(ctx, "fetchSockets", ctFetchSockets, ordered{{"opts", selectData(opts)}}, n)
	for _, m := range msgs {
		arr, _ := m["sockets"].([]any)
		for _, e := range arr {
			if sm, ok := e.(map[string]any); ok {
				out = append(out, adapter.SocketDetails{ID: str(sm, "id"), Handshake: sm["handshake"], Rooms: strs(sm["rooms"]), Data: sm["data"]})
			}
		}
	}
	return out, err
}

// Sockets returns the ids of the sockets in any of rooms on every server (through
// FetchSockets), sorted. Node: sockets.
func (a *StreamsAdapter) Sockets(ctx context.Context, rooms []string) ([]string, error) {
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
func (a *StreamsAdapter) ServerSideEmit(args []any) error {
	js, err := jsValue(args)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(a.ctx, a.opts.RequestsTimeout)
	defer cancel()
	return a.publishTo(ctx, a.publicChannel, ctServerSideEmit, ordered{{"packet", js}})
}

// ServerSideEmitWithAck sends an event to the other servers and returns one answer per
// server; when some do not answer within RequestsTimeout (or before ctx ends) it
// returns the answers so far and an error wrapping ErrRequestTimeout (or ctx's error).
// Node: serverSideEmitWithAck.
func (a *StreamsAdapter) ServerSideEmitWithAck(ctx context.Context, args []any) ([]any, error) {
	js, err := jsValue(args)
	if err != nil {
		return nil, err
	}
	n, err := a.others(ctx)
	if err != nil {
		return nil, err
	}
	if n == 0 {
		return []any{}, nil
	}
	msgs, err := a.request(ctx, "serverSideEmit", ctServerSideEmit, ordered{{"packet", js}}, n)
	out := make([]any, 0, len(msgs))
	for _, m := range msgs {
		out = append(out, m["packet"])
	}
	return out, err
}
