package redis

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/gosockio/gosockio/adapter"
	"github.com/gosockio/gosockio/adapter/internal/jsvalue"
	"github.com/gosockio/gosockio/parser"
	goredis "github.com/redis/go-redis/v9"
)

// SubscriptionMode says which channels the sharded adapter uses. Node: subscriptionMode.
type SubscriptionMode string

const (
	// Static: one channel per namespace for everything.
	Static SubscriptionMode = "static"
	// Dynamic: one more channel per public room (a room that is not a socket id), so
	// that a broadcast to one room reaches only the servers that have it. The default.
	Dynamic SubscriptionMode = "dynamic"
	// DynamicPrivate: one more channel per room, socket ids included.
	DynamicPrivate SubscriptionMode = "dynamic-private"
)

// ShardedOptions configure the sharded adapter. The zero value (and a nil
// *ShardedOptions) is Node's default.
type ShardedOptions struct {
	// ChannelPrefix is the prefix of every channel name. Default "socket.io"
	// (Node: channelPrefix).
	ChannelPrefix string
	// SubscriptionMode: Static, Dynamic or DynamicPrivate. Default Dynamic
	// (Node: subscriptionMode).
	SubscriptionMode SubscriptionMode
	// RequestsTimeout bounds FetchSockets and ServerSideEmitWithAck. Default 5s
	// (Node: the cluster adapter's fixed timeout, or the fetchSockets flags.timeout).
	RequestsTimeout time.Duration
	// HealthCheckInterval is how often the adapter sends PING on its subscription
	// connection. A connection on which nothing arrives (no message, no answer to the
	// PING) for HealthCheckInterval + HealthCheckTimeout is taken for dead, as after a
	// network partition that drops packets without closing the connection: it is
	// closed, dialled again and subscribed again. Default 5s; a negative value turns the
	// check off, leaving dead connections to TCP keepalive (Node: none; the adapter
	// relies on its Redis client).
	HealthCheckInterval time.Duration
	// HealthCheckTimeout is how long the adapter waits for the answer to a health
	// check PING (see HealthCheckInterval). Default 3s.
	HealthCheckTimeout time.Duration
	// Logger receives the adapter's logs. Default: silent.
	Logger *slog.Logger
}

// ShardedAdapter is the Redis adapter on sharded pub/sub (Redis 7: SSUBSCRIBE,
// SPUBLISH, PUBSUB SHARDNUMSUB), wire-compatible with Node's createShardedAdapter of
// @socket.io/redis-adapter 8.x. Messages are socket.io-adapter's ClusterAdapter
// messages {uid, nsp, type, data}, as JSON, or msgpack when they carry binary.
// Node: ShardedRedisAdapter.
//
// All methods are safe for concurrent use.
type ShardedAdapter struct {
	clusterAdapter // channel is <prefix>#<nsp>#
	rdb            goredis.UniversalClient
	opts           ShardedOptions

	responseChannel string // <prefix>#<nsp>#<uid>#

	subsMu sync.Mutex
	refs   map[string]int // public room -> local members, for Dynamic modes; guarded by subsMu
}

var _ adapter.Adapter = (*ShardedAdapter)(nil)
var _ adapter.ServerSideEmitterWithAck = (*ShardedAdapter)(nil)

// CreateShardedAdapter returns the Factory of sharded Redis adapters that share client.
// Node: createShardedAdapter(pubClient, subClient, opts).
func CreateShardedAdapter(client goredis.UniversalClient, opts *ShardedOptions) adapter.Factory {
	var o ShardedOptions
	if opts != nil {
		o = *opts
	}
	if o.ChannelPrefix == "" {
		o.ChannelPrefix = "socket.io"
	}
	if o.SubscriptionMode == "" {
		o.SubscriptionMode = Dynamic
	}
	if o.RequestsTimeout <= 0 {
		o.RequestsTimeout = 5 * time.Second
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	return func(nsp adapter.Namespace, cfg *adapter.Config) (adapter.Adapter, error) {
		switch o.SubscriptionMode {
		case Static, Dynamic, DynamicPrivate:
		default:
			return nil, fmt.Errorf("redis: ShardedOptions.SubscriptionMode %q: want %q, %q or %q", o.SubscriptionMode, Static, Dynamic, DynamicPrivate)
		}
		if client == nil {
			return nil, fmt.Errorf("redis: CreateShardedAdapter needs a Redis client")
		}
		if cfg == nil || cfg.Encoder == nil {
			return nil, fmt.Errorf("redis: adapter for %q needs Config.Encoder", nsp.Name())
		}
		return newSharded(client, nsp, cfg, o)
	}
}

func newSharded(client goredis.UniversalClient, nsp adapter.Namespace, cfg *adapter.Config, o ShardedOptions) (*ShardedAdapter, error) {
	a := &ShardedAdapter{rdb: client, opts: o, refs: make(map[string]int)}
	a.init(a, nsp, cfg, o.Logger, "socket.io-redis", o.ChannelPrefix, o.RequestsTimeout)
	a.responseChannel = a.channel + a.uid + "#"
	a.hc = newHealthCheck(o.HealthCheckInterval, o.HealthCheckTimeout)
	ctx, cancel := context.WithTimeout(a.ctx, o.RequestsTimeout)
	defer cancel()
	a.ps = client.SSubscribe(ctx, a.channel, a.responseChannel)
	early, err := awaitSubscriptions(ctx, a.ps, 2)
	if err != nil {
		a.abort()
		return nil, fmt.Errorf("redis: SSUBSCRIBE to the channels of namespace %q (sharded pub/sub needs Redis 7): %w", nsp.Name(), err)
	}
	a.start(early, "socket.io-redis: sharded subscription lost, reconnecting", a.dispatch)
	return a, nil
}

// UID returns the id of this server in the cluster's messages. Node: adapter.uid.
func (a *ShardedAdapter) UID() string { return a.uid }

// Close unsubscribes, stops the adapter's goroutines and fails waiting requests with
// adapter.ErrClosed. Node: close.
func (a *ShardedAdapter) Close() error {
	if !a.closeRequests() {
		return nil
	}
	return a.stop()
}

func (a *ShardedAdapter) dispatch(m *goredis.Message) {
	msg, err := decodeMessage([]byte(m.Payload))
	if err != nil {
		a.log.Debug("socket.io-redis: ignoring malformed message", "channel", m.Channel, "err", err)
		return
	}
	t, _ := msg.Int("type")
	switch t {
	case ctFetchSocketsResponse, ctServerSideEmitResponse, ctBroadcastClientCount, ctBroadcastAck:
		a.onResponse(int(t), msg)
		return
	}
	if msg.Text("uid") == a.uid {
		return
	}
	select {
	case a.reqq <- msg:
	case <-a.done:
	}
}

// encode writes a cluster message as Node does: msgpack when its data holds binary,
// JSON otherwise.
func (a *ShardedAdapter) encode(t int, data jsvalue.Object) ([]byte, error) {
	msg := jsvalue.Object{{"type", int64(t)}, {"data", data}, {"uid", a.uid}, {"nsp", a.nsp.Name()}}
	if jsvalue.HasBinary(data) {
		return jsvalue.EncodeMsgpack(msg)
	}
	b, err := json.Marshal(msg)
	if err != nil {
		return nil, fmt.Errorf("redis: encode cluster message: %w", err)
	}
	return b, nil
}

func (a *ShardedAdapter) publishTo(ctx context.Context, channel string, t int, data jsvalue.Object) error {
	msg, err := a.encode(t, data)
	if err != nil {
		return err
	}
	if err := a.rdb.SPublish(ctx, channel, msg).Err(); err != nil {
		return fmt.Errorf("redis: SPUBLISH to %s: %w", channel, err)
	}
	return nil
}

// looksLikeASocketID is Node's test for a room that is a socket id.
func looksLikeASocketID(room string) bool { return len(room) == 20 }

func (a *ShardedAdapter) dynamicChannel(room string) string { return a.channel + room + "#" }

// broadcastChannel is Node's computeChannel for a broadcast without acknowledgements.
func (a *ShardedAdapter) broadcastChannel(opts *adapter.BroadcastOptions) string {
	if opts != nil && len(opts.Rooms) == 1 {
		room := opts.Rooms[0]
		if (a.opts.SubscriptionMode == Dynamic && !looksLikeASocketID(room)) || a.opts.SubscriptionMode == DynamicPrivate {
			return a.dynamicChannel(room)
		}
	}
	return a.channel
}

// ServerCount returns the number of servers subscribed to the namespace's channel
// (PUBSUB SHARDNUMSUB). Node: serverCount.
func (a *ShardedAdapter) ServerCount(ctx context.Context) (int, error) {
	res, err := a.rdb.PubSubShardNumSub(ctx, a.channel).Result()
	if err != nil {
		return 0, fmt.Errorf("redis: count servers (PUBSUB SHARDNUMSUB %s): %w", a.channel, err)
	}
	return int(res[a.channel]), nil
}

// isPublic reports whether room gets its own channel in the subscription mode.
func (a *ShardedAdapter) isPublic(id, room string) bool {
	switch a.opts.SubscriptionMode {
	case DynamicPrivate:
		return true
	case Dynamic:
		return room != id && a.local.SocketRooms(room) == nil
	}
	return false
}

// AddAll adds socket id to rooms; in the dynamic modes the first local member of a
// public room subscribes to its channel. Node: addAll ("create-room").
func (a *ShardedAdapter) AddAll(id string, rooms []string) {
	before := a.local.SocketRooms(id)
	a.local.AddAll(id, rooms)
	if a.opts.SubscriptionMode == Static {
		return
	}
	var subscribe []string
	a.subsMu.Lock()
	for _, room := range rooms {
		if slices.Contains(before, room) || !a.isPublic(id, room) {
			continue
		}
		a.refs[room]++
		if a.refs[room] == 1 {
			subscribe = append(subscribe, a.dynamicChannel(room))
		}
	}
	if len(subscribe) > 0 {
		ctx, cancel := context.WithTimeout(a.ctx, a.opts.RequestsTimeout)
		if err := a.ps.SSubscribe(ctx, subscribe...); err != nil {
			a.log.Warn("socket.io-redis: subscribe to room channels", "err", err)
		}
		cancel()
	}
	a.subsMu.Unlock()
}

func (a *ShardedAdapter) release(rooms []string) {
	if a.opts.SubscriptionMode == Static {
		return
	}
	var unsubscribe []string
	a.subsMu.Lock()
	for _, room := range rooms {
		n, ok := a.refs[room]
		if !ok {
			continue
		}
		if n <= 1 {
			delete(a.refs, room)
			unsubscribe = append(unsubscribe, a.dynamicChannel(room))
		} else {
			a.refs[room] = n - 1
		}
	}
	if len(unsubscribe) > 0 {
		ctx, cancel := context.WithTimeout(a.ctx, a.opts.RequestsTimeout)
		if err := a.ps.SUnsubscribe(ctx, unsubscribe...); err != nil {
			a.log.Debug("socket.io-redis: unsubscribe from room channels", "err", err)
		}
		cancel()
	}
	a.subsMu.Unlock()
}

// Del removes socket id from room. Node: del ("delete-room").
func (a *ShardedAdapter) Del(id, room string) {
	had := slices.Contains(a.local.SocketRooms(id), room)
	a.local.Del(id, room)
	if had {
		a.release([]string{room})
	}
}

// DelAll removes socket id from every room. Node: delAll.
func (a *ShardedAdapter) DelAll(id string) {
	rooms := a.local.SocketRooms(id)
	a.local.DelAll(id)
	a.release(rooms)
}

// SocketRooms returns the rooms of the local socket id. Node: socketRooms.
func (a *ShardedAdapter) SocketRooms(id string) []string { return a.local.SocketRooms(id) }

// Rooms returns the rooms known on this server. Node: adapter.rooms.
func (a *ShardedAdapter) Rooms() []string { return a.local.Rooms() }

// PersistSession stores a session on this server only. Node: persistSession.
func (a *ShardedAdapter) PersistSession(s *adapter.Session) { a.local.PersistSession(s) }

// RestoreSession restores a session stored on this server. Node: restoreSession.
func (a *ShardedAdapter) RestoreSession(ctx context.Context, pid, offset string) (*adapter.Session, error) {
	return a.local.RestoreSession(ctx, pid, offset)
}

func shardedOpts(opts *adapter.BroadcastOptions) jsvalue.Object {
	return wireOpts(opts)
}

// Broadcast publishes p (on the room's channel when the mode allows) and delivers it
// locally. Node: broadcast.
func (a *ShardedAdapter) Broadcast(p *parser.Packet, opts *adapter.BroadcastOptions) error {
	var perr error
	if !isLocal(opts) {
		pkt, err := jsvalue.WirePacket(p, a.nsp.Name())
		if err == nil {
			ctx, cancel := context.WithTimeout(a.ctx, a.opts.RequestsTimeout)
			err = a.publishTo(ctx, a.broadcastChannel(opts), ctBroadcast, jsvalue.Object{{"packet", pkt}, {"opts", shardedOpts(opts)}})
			cancel()
		}
		perr = err
	}
	return joinErr(a.local.Broadcast(p, opts), perr)
}

func joinErr(a, b error) error {
	if a != nil {
		return a
	}
	return b
}

// BroadcastWithAck publishes a broadcast with a requestId on the namespace channel and
// collects every server's client count and answers. Node: broadcastWithAck.
func (a *ShardedAdapter) BroadcastWithAck(p *parser.Packet, opts *adapter.BroadcastOptions, clientCount func(int), ack func(*adapter.AckPacket)) error {
	return a.broadcastWithAck(p, opts, clientCount, ack)
}

func selectData(opts *adapter.BroadcastOptions) jsvalue.Object {
	if opts == nil {
		opts = &adapter.BroadcastOptions{}
	}
	return jsvalue.Object{{"rooms", nonNil(opts.Rooms)}, {"except", nonNil(opts.Except)}, {"flags", wireFlags(opts.Flags)}}
}

// AddSockets makes the selected sockets join rooms, everywhere. Node: addSockets.
func (a *ShardedAdapter) AddSockets(opts *adapter.BroadcastOptions, rooms []string) {
	if !isLocal(opts) {
		a.publishBackground(a.channel, ctSocketsJoin, jsvalue.Object{{"opts", selectData(opts)}, {"rooms", nonNil(rooms)}})
	}
	a.local.AddSockets(opts, rooms)
}

// DelSockets makes the selected sockets leave rooms, everywhere. Node: delSockets.
func (a *ShardedAdapter) DelSockets(opts *adapter.BroadcastOptions, rooms []string) {
	if !isLocal(opts) {
		a.publishBackground(a.channel, ctSocketsLeave, jsvalue.Object{{"opts", selectData(opts)}, {"rooms", nonNil(rooms)}})
	}
	a.local.DelSockets(opts, rooms)
}

// DisconnectSockets disconnects the selected sockets, everywhere.
// Node: disconnectSockets.
func (a *ShardedAdapter) DisconnectSockets(opts *adapter.BroadcastOptions, close bool) {
	if !isLocal(opts) {
		a.publishBackground(a.channel, ctDisconnectSockets, jsvalue.Object{{"opts", selectData(opts)}, {"close", close}})
	}
	a.local.DisconnectSockets(opts, close)
}

// FetchSockets returns the selected sockets of every server. Node: fetchSockets.
func (a *ShardedAdapter) FetchSockets(ctx context.Context, opts *adapter.BroadcastOptions) ([]adapter.SocketDetails, error) {
	return a.fetchSockets(ctx, opts)
}

// Sockets returns the ids of the sockets in any of rooms on every server (through
// FetchSockets: the cluster protocol has no lighter request), sorted. Node: sockets.
func (a *ShardedAdapter) Sockets(ctx context.Context, rooms []string) ([]string, error) {
	return a.sockets(ctx, rooms)
}

// ServerSideEmit sends an event to the other servers. Node: serverSideEmit.
func (a *ShardedAdapter) ServerSideEmit(args []any) error { return a.serverSideEmit(args) }

// ServerSideEmitWithAck sends an event to the other servers and returns one answer per
// server (see Adapter.ServerSideEmitWithAck). Node: serverSideEmitWithAck.
func (a *ShardedAdapter) ServerSideEmitWithAck(ctx context.Context, args []any) ([]any, error) {
	return a.serverSideEmitWithAck(ctx, args)
}
