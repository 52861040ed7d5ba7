package redis

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/gosockio/gosockio/adapter"
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
	// Logger receives the adapter's logs. Default: silent.
	Logger *slog.Logger
}

// Message types of socket.io-adapter's ClusterAdapter, which the sharded adapter speaks.
const (
	ctBroadcast              = 3
	ctSocketsJoin            = 4
	ctSocketsLeave           = 5
	ctDisconnectSockets      = 6
	ctFetchSockets           = 7
	ctFetchSocketsResponse   = 8
	ctServerSideEmit         = 9
	ctServerSideEmitResponse = 10
	ctBroadcastClientCount   = 11
	ctBroadcastAck           = 12
)

// ShardedAdapter is the Redis adapter on sharded pub/sub (Redis 7: SSUBSCRIBE,
// SPUBLISH, PUBSUB SHARDNUMSUB), wire-compatible with Node's createShardedAdapter of
// @socket.io/redis-adapter 8.x. Messages are socket.io-adapter's ClusterAdapter
// messages {uid, nsp, type, data}, as JSON, or msgpack when they carry binary.
// Node: ShardedRedisAdapter.
//
// All methods are safe for concurrent use.
type ShardedAdapter struct {
	local *adapter.InMemory
	nsp   adapter.Namespace
	rdb   goredis.UniversalClient
	opts  ShardedOptions
	log   *slog.Logger
	json  *parser.JSONParser

	uid             string
	channel         string // <prefix>#<nsp>#
	responseChannel string // <prefix>#<nsp>#<uid>#

	ps     *goredis.PubSub
	ctx    context.Context
	cancel context.CancelFunc
	done   chan struct{}
	reqq   chan map[string]any
	wg     sync.WaitGroup

	mu      sync.Mutex
	pending map[string]*pending
	acks    map[string]*ackRequest
	closed  bool

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
	var id [8]byte
	_, _ = rand.Read(id[:])
	name := nsp.Name()
	a := &ShardedAdapter{
		local:   adapter.NewInMemory(nsp, cfg),
		nsp:     nsp,
		rdb:     client,
		opts:    o,
		log:     o.Logger.With("component", "socket.io-redis", "nsp", name),
		json:    parser.New(nil),
		uid:     hex.EncodeToString(id[:]),
		done:    make(chan struct{}),
		reqq:    make(chan map[string]any, 256),
		pending: make(map[string]*pending),
		acks:    make(map[string]*ackRequest),
		refs:    make(map[string]int),
	}
	a.channel = o.ChannelPrefix + "#" + name + "#"
	a.responseChannel = a.channel + a.uid + "#"
	a.ctx, a.cancel = context.WithCancel(context.Background())
	ctx, cancel := context.WithTimeout(a.ctx, o.RequestsTimeout)
	defer cancel()
	a.ps = client.SSubscribe(ctx, a.channel, a.responseChannel)
	var early []*goredis.Message
	var err error
	for confirmed := 0; confirmed < 2; {
		var msg any
		if msg, err = a.ps.Receive(ctx); err != nil {
			break
		}
		switch m := msg.(type) {
		case *goredis.Subscription:
			confirmed++
		case *goredis.Message:
			early = append(early, m)
		}
	}
	if err != nil {
		_ = a.ps.Close()
		a.cancel()
		return nil, fmt.Errorf("redis: SSUBSCRIBE to the channels of namespace %q (sharded pub/sub needs Redis 7): %w", name, err)
	}
	a.wg.Add(2)
	go a.receive(early) // stopped by Close (closes done and the PubSub)
	go a.work()         // stopped by Close (closes done)
	return a, nil
}

// UID returns the id of this server in the cluster's messages. Node: adapter.uid.
func (a *ShardedAdapter) UID() string { return a.uid }

// Close unsubscribes, stops the adapter's goroutines and fails waiting requests with
// adapter.ErrClosed. Node: close.
func (a *ShardedAdapter) Close() error {
	a.mu.Lock()
	if a.closed {
		a.mu.Unlock()
		return nil
	}
	a.closed = true
	for id, p := range a.pending {
		delete(a.pending, id)
		p.fail(adapter.ErrClosed)
	}
	for id, r := range a.acks {
		delete(a.acks, id)
		r.timer.Stop()
	}
	a.mu.Unlock()
	close(a.done)
	a.cancel()
	err := a.ps.Close()
	a.wg.Wait()
	return err
}

func (a *ShardedAdapter) receive(early []*goredis.Message) {
	defer a.wg.Done()
	for _, m := range early {
		a.dispatch(m)
	}
	const minBackoff, maxBackoff = 50 * time.Millisecond, 2 * time.Second
	backoff := minBackoff
	for {
		msg, err := a.ps.Receive(a.ctx)
		if err != nil {
			select {
			case <-a.done:
				return
			default:
			}
			a.log.Warn("socket.io-redis: sharded subscription lost, reconnecting", "err", err, "retry", backoff)
			t := time.NewTimer(backoff)
			select {
			case <-a.done:
				t.Stop()
				return
			case <-t.C:
			}
			backoff = min(2*backoff, maxBackoff)
			continue
		}
		backoff = minBackoff
		if m, ok := msg.(*goredis.Message); ok {
			a.dispatch(m)
		}
	}
}

func (a *ShardedAdapter) dispatch(m *goredis.Message) {
	msg, err := decodeMessage([]byte(m.Payload))
	if err != nil {
		a.log.Debug("socket.io-redis: ignoring malformed message", "channel", m.Channel, "err", err)
		return
	}
	t, _ := num(msg, "type")
	switch t {
	case ctFetchSocketsResponse, ctServerSideEmitResponse, ctBroadcastClientCount, ctBroadcastAck:
		a.onResponse(int(t), msg)
		return
	}
	if str(msg, "uid") == a.uid {
		return
	}
	select {
	case a.reqq <- msg:
	case <-a.done:
	}
}

func (a *ShardedAdapter) work() {
	defer a.wg.Done()
	for {
		select {
		case <-a.done:
			return
		case m := <-a.reqq:
			a.onMessage(m)
		}
	}
}

// encode writes a cluster message as Node does: msgpack when its data holds binary,
// JSON otherwise.
func (a *ShardedAdapter) encode(t int, data ordered) ([]byte, error) {
	msg := ordered{{"type", int64(t)}, {"data", data}, {"uid", a.uid}, {"nsp", a.nsp.Name()}}
	if hasBinary(data) {
		return encodeMsgpack(msg)
	}
	b, err := json.Marshal(msg)
	if err != nil {
		return nil, fmt.Errorf("redis: encode cluster message: %w", err)
	}
	return b, nil
}

func (a *ShardedAdapter) publishTo(ctx context.Context, channel string, t int, data ordered) error {
	msg, err := a.encode(t, data)
	if err != nil {
		return err
	}
	if err := a.rdb.SPublish(ctx, channel, msg).Err(); err != nil {
		return fmt.Errorf("redis: SPUBLISH to %s: %w", channel, err)
	}
	return nil
}

func (a *ShardedAdapter) publishBackground(channel string, t int, data ordered) {
	ctx, cancel := context.WithTimeout(a.ctx, a.opts.RequestsTimeout)
	defer cancel()
	if err := a.publishTo(ctx, channel, t, data); err != nil {
		a.log.Warn("socket.io-redis: publish failed", "err", err)
	}
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

func (a *ShardedAdapter) onMessage(m map[string]any) {
	if nsp, _ := m["nsp"].(string); nsp != a.nsp.Name() {
		return
	}
	t, _ := num(m, "type")
	data, _ := m["data"].(map[string]any)
	if data == nil {
		return
	}
	requester := str(m, "uid")
	rid := str(data, "requestId")
	if o, ok := data["opts"]; ok {
		if _, isObject := o.(map[string]any); !isObject {
			a.log.Debug("socket.io-redis: ignoring message whose opts is not an object", "type", t)
			return
		}
	}
	ctx, cancel := context.WithTimeout(a.ctx, a.opts.RequestsTimeout)
	defer cancel()
	switch t {
	case ctBroadcast:
		pm, _ := data["packet"].(map[string]any)
		om, _ := data["opts"].(map[string]any)
		if pm == nil {
			return
		}
		p, opts, err := decodeBroadcast(pm, om)
		if err != nil {
			return
		}
		opts.Flags.Local = true
		if rid == "" {
			if err := a.local.Broadcast(p, opts); err != nil {
				a.log.Warn("socket.io-redis: deliver broadcast", "err", err)
			}
			return
		}
		respCh := a.channel + requester + "#"
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
		ds, _ := a.local.FetchSockets(ctx, selectOpts(data["opts"]))
		sockets := make([]any, 0, len(ds))
		for _, d := range ds {
			h, _ := jsValue(d.Handshake)
			v, _ := jsValue(d.Data)
			sockets = append(sockets, ordered{{"id", d.ID}, {"handshake", h}, {"rooms", nonNil(d.Rooms)}, {"data", v}})
		}
		a.publishBackground(a.channel+requester+"#", ctFetchSocketsResponse, ordered{{"requestId", rid}, {"sockets", sockets}})
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
		respCh := a.channel + requester + "#"
		a.nsp.ServerSideEvent(args, func(arg any) {
			once.Do(func() {
				v, err := jsValue(arg)
				if err != nil {
					a.log.Warn("socket.io-redis: encode server-side emit answer", "err", err)
					return
				}
				a.publishBackground(respCh, ctServerSideEmitResponse, ordered{{"requestId", rid}, {"packet", v}})
			})
		})
	}
}

func (a *ShardedAdapter) onResponse(t int, m map[string]any) {
	data, _ := m["data"].(map[string]any)
	if data == nil {
		return
	}
	rid := str(data, "requestId")
	switch t {
	case ctBroadcastClientCount, ctBroadcastAck:
		// The ack requests share the handling of the classic adapter, whose response
		// types differ: translate.
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

func shardedOpts(opts *adapter.BroadcastOptions) ordered {
	return wireOpts(opts)
}

// Broadcast publishes p (on the room's channel when the mode allows) and delivers it
// locally. Node: broadcast.
func (a *ShardedAdapter) Broadcast(p *parser.Packet, opts *adapter.BroadcastOptions) error {
	var perr error
	if !isLocal(opts) {
		pkt, err := wirePacket(p, a.nsp.Name())
		if err == nil {
			ctx, cancel := context.WithTimeout(a.ctx, a.opts.RequestsTimeout)
			err = a.publishTo(ctx, a.broadcastChannel(opts), ctBroadcast, ordered{{"packet", pkt}, {"opts", shardedOpts(opts)}})
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
	if isLocal(opts) {
		return a.local.BroadcastWithAck(p, opts, clientCount, ack)
	}
	pkt, err := wirePacket(p, a.nsp.Name())
	if err != nil {
		return err
	}
	var id [8]byte
	_, _ = rand.Read(id[:])
	rid := hex.EncodeToString(id[:])
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
	if err := a.publishTo(ctx, a.channel, ctBroadcast, ordered{{"packet", pkt}, {"requestId", rid}, {"opts", shardedOpts(opts)}}); err != nil {
		a.mu.Lock()
		r.timer.Stop()
		delete(a.acks, rid)
		a.mu.Unlock()
		return err
	}
	return a.local.BroadcastWithAck(p, opts, clientCount, ack)
}

func selectData(opts *adapter.BroadcastOptions) ordered {
	if opts == nil {
		opts = &adapter.BroadcastOptions{}
	}
	return ordered{{"rooms", nonNil(opts.Rooms)}, {"except", nonNil(opts.Except)}, {"flags", wireFlags(opts.Flags)}}
}

// AddSockets makes the selected sockets join rooms, everywhere. Node: addSockets.
func (a *ShardedAdapter) AddSockets(opts *adapter.BroadcastOptions, rooms []string) {
	if !isLocal(opts) {
		a.publishBackground(a.channel, ctSocketsJoin, ordered{{"opts", selectData(opts)}, {"rooms", nonNil(rooms)}})
	}
	a.local.AddSockets(opts, rooms)
}

// DelSockets makes the selected sockets leave rooms, everywhere. Node: delSockets.
func (a *ShardedAdapter) DelSockets(opts *adapter.BroadcastOptions, rooms []string) {
	if !isLocal(opts) {
		a.publishBackground(a.channel, ctSocketsLeave, ordered{{"opts", selectData(opts)}, {"rooms", nonNil(rooms)}})
	}
	a.local.DelSockets(opts, rooms)
}

// DisconnectSockets disconnects the selected sockets, everywhere.
// Node: disconnectSockets.
func (a *ShardedAdapter) DisconnectSockets(opts *adapter.BroadcastOptions, close bool) {
	if !isLocal(opts) {
		a.publishBackground(a.channel, ctDisconnectSockets, ordered{{"opts", selectData(opts)}, {"close", close}})
	}
	a.local.DisconnectSockets(opts, close)
}

// request publishes a request and waits for need responses (see Adapter.request).
func (a *ShardedAdapter) request(ctx context.Context, kind string, t int, data ordered, need int) ([]map[string]any, error) {
	var id [8]byte
	_, _ = rand.Read(id[:])
	rid := hex.EncodeToString(id[:])
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
	if err := a.publishTo(wctx, a.channel, t, append(ordered{{"requestId", rid}}, data...)); err != nil {
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

func (a *ShardedAdapter) others(ctx context.Context) (int, error) {
	n, err := a.ServerCount(ctx)
	if err != nil {
		return 0, err
	}
	return max(n-1, 0), nil
}

// FetchSockets returns the selected sockets of every server. Node: fetchSockets.
func (a *ShardedAdapter) FetchSockets(ctx context.Context, opts *adapter.BroadcastOptions) ([]adapter.SocketDetails, error) {
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
// FetchSockets: the cluster protocol has no lighter request), sorted. Node: sockets.
func (a *ShardedAdapter) Sockets(ctx context.Context, rooms []string) ([]string, error) {
	ds, err := a.FetchSockets(ctx, &adapter.BroadcastOptions{Rooms: rooms})
	ids := make([]string, 0, len(ds))
	for _, d := range ds {
		ids = append(ids, d.ID)
	}
	slices.Sort(ids)
	return slices.Compact(ids), err
}

// ServerSideEmit sends an event to the other servers. Node: serverSideEmit.
func (a *ShardedAdapter) ServerSideEmit(args []any) error {
	js, err := jsValue(args)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(a.ctx, a.opts.RequestsTimeout)
	defer cancel()
	return a.publishTo(ctx, a.channel, ctServerSideEmit, ordered{{"packet", js}})
}

// ServerSideEmitWithAck sends an event to the other servers and returns one answer per
// server (see Adapter.ServerSideEmitWithAck). Node: serverSideEmitWithAck.
func (a *ShardedAdapter) ServerSideEmitWithAck(ctx context.Context, args []any) ([]any, error) {
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
