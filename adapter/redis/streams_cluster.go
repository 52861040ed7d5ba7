package redis

import (
	"context"
	"fmt"
	"slices"

	"github.com/gosockio/gosockio/adapter"
	"github.com/gosockio/gosockio/adapter/internal/jsvalue"
	"github.com/gosockio/gosockio/parser"
)

// ServerCount returns the number of servers subscribed to the namespace's public
// channel (PUBSUB NUMSUB, or SHARDNUMSUB), this one included. Node: serverCount.
func (a *StreamsAdapter) ServerCount(ctx context.Context) (int, error) {
	var res map[string]int64
	var err error
	if a.opts.UseShardedPubSub {
		res, err = a.rdb.PubSubShardNumSub(ctx, a.channel).Result()
	} else {
		res, err = a.rdb.PubSubNumSub(ctx, a.channel).Result()
	}
	if err != nil {
		return 0, fmt.Errorf("redis: count servers (PUBSUB NUMSUB %s): %w", a.channel, err)
	}
	return int(res[a.channel]), nil
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
	pkt, err := jsvalue.WirePacket(p, a.nsp.Name())
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(a.ctx, a.opts.RequestsTimeout)
	offset, perr := a.xadd(ctx, ctBroadcast, jsvalue.Object{{"packet", pkt}, {"opts", wireOpts(opts)}})
	cancel()
	lp := p
	if perr == nil && a.withOffset(p, opts) {
		if args, ok := pkt[1].Value.([]any); ok {
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
	return a.broadcastWithAck(p, opts, clientCount, ack)
}

// AddSockets makes the selected sockets join rooms, everywhere (a SOCKETS_JOIN entry).
// Node: addSockets.
func (a *StreamsAdapter) AddSockets(opts *adapter.BroadcastOptions, rooms []string) {
	if !isLocal(opts) {
		a.appendBackground(ctSocketsJoin, jsvalue.Object{{"opts", selectData(opts)}, {"rooms", nonNil(rooms)}})
	}
	a.local.AddSockets(opts, rooms)
}

// DelSockets makes the selected sockets leave rooms, everywhere (SOCKETS_LEAVE).
// Node: delSockets.
func (a *StreamsAdapter) DelSockets(opts *adapter.BroadcastOptions, rooms []string) {
	if !isLocal(opts) {
		a.appendBackground(ctSocketsLeave, jsvalue.Object{{"opts", selectData(opts)}, {"rooms", nonNil(rooms)}})
	}
	a.local.DelSockets(opts, rooms)
}

// DisconnectSockets disconnects the selected sockets, everywhere (DISCONNECT_SOCKETS).
// Node: disconnectSockets.
func (a *StreamsAdapter) DisconnectSockets(opts *adapter.BroadcastOptions, close bool) {
	if !isLocal(opts) {
		a.appendBackground(ctDisconnectSockets, jsvalue.Object{{"opts", selectData(opts)}, {"close", close}})
	}
	a.local.DisconnectSockets(opts, close)
}

// FetchSockets returns the selected sockets of every server; remote ones carry their
// handshake and data as decoded JSON. Node: fetchSockets.
func (a *StreamsAdapter) FetchSockets(ctx context.Context, opts *adapter.BroadcastOptions) ([]adapter.SocketDetails, error) {
	return a.fetchSockets(ctx, opts)
}

// Sockets returns the ids of the sockets in any of rooms on every server (through
// FetchSockets), sorted. Node: sockets.
func (a *StreamsAdapter) Sockets(ctx context.Context, rooms []string) ([]string, error) {
	return a.sockets(ctx, rooms)
}

// ServerSideEmit sends an event (args[0] is its name) to the other servers.
// Node: serverSideEmit.
func (a *StreamsAdapter) ServerSideEmit(args []any) error { return a.serverSideEmit(args) }

// ServerSideEmitWithAck sends an event to the other servers and returns one answer per
// server; when some do not answer within RequestsTimeout (or before ctx ends) it
// returns the answers so far and an error wrapping ErrRequestTimeout (or ctx's error).
// Node: serverSideEmitWithAck.
func (a *StreamsAdapter) ServerSideEmitWithAck(ctx context.Context, args []any) ([]any, error) {
	return a.serverSideEmitWithAck(ctx, args)
}
