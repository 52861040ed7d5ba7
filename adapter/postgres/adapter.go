package postgres

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/gosockio/gosockio/adapter"
	"github.com/gosockio/gosockio/adapter/internal/jsvalue"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Message types of socket.io-adapter's ClusterAdapterWithHeartbeat (Node: MessageType).
const (
	typeInitialHeartbeat       = 1
	typeHeartbeat              = 2
	typeBroadcast              = 3
	typeSocketsJoin            = 4
	typeSocketsLeave           = 5
	typeDisconnectSockets      = 6
	typeFetchSockets           = 7
	typeFetchSocketsResponse   = 8
	typeServerSideEmit         = 9
	typeServerSideEmitResponse = 10
	typeBroadcastClientCount   = 11
	typeBroadcastAck           = 12
	typeAdapterClose           = 13
)

// emitterUID is the uid of emitters, which are not servers and are not counted.
const emitterUID = "emitter"

// Adapter is the Postgres adapter of one namespace: room membership and local delivery
// as in adapter.InMemory, plus PostgreSQL LISTEN/NOTIFY to reach the other servers of
// the cluster, which may be Node servers using @socket.io/postgres-adapter 0.5.
// Node: PostgresAdapter (a ClusterAdapterWithHeartbeat).
//
// All methods are safe for concurrent use.
type Adapter struct {
	local   *adapter.InMemory
	nsp     adapter.Namespace
	ps      *pubsub
	opts    Options
	log     *slog.Logger
	uid     string
	channel string // <ChannelPrefix>#<nsp>

	ctx       context.Context // cancelled by Close
	cancel    context.CancelFunc
	inbox     chan jsvalue.Object // messages of other servers, for the worker
	published chan struct{}       // cap 1: a message was sent (the heartbeat waits longer)
	wg        sync.WaitGroup      // the worker and the heartbeat loop

	mu       sync.Mutex
	closed   bool                   // guarded by mu
	nodes    map[string]time.Time   // other servers: uid -> last message; guarded by mu
	requests map[string]*request    // guarded by mu
	acks     map[string]*ackRequest // guarded by mu
}

var _ adapter.Adapter = (*Adapter)(nil)
var _ adapter.ServerSideEmitterWithAck = (*Adapter)(nil)

// CreateAdapter returns the Factory of Postgres adapters that share pool. They send
// notifications and store attachments through the pool, and share one dedicated LISTEN
// connection, opened with the pool's connection settings (outside the pool) while at
// least one of them is open, which also deletes old attachments every CleanupInterval.
// Invalid options make every call of the Factory fail with an error naming the field.
// The pool must stay open until the servers using the Factory are closed (Close sends
// a last message through it). Node: createAdapter(pool, opts).
func CreateAdapter(pool *pgxpool.Pool, opts *Options) adapter.Factory {
	o, oerr := opts.withDefaults()
	ps := newPubSub(pool, o)
	return func(nsp adapter.Namespace, cfg *adapter.Config) (adapter.Adapter, error) {
		if oerr != nil {
			return nil, oerr
		}
		if pool == nil {
			return nil, errors.New("postgres: CreateAdapter needs a *pgxpool.Pool")
		}
		if cfg == nil || cfg.Encoder == nil {
			return nil, fmt.Errorf("postgres: adapter for %q needs Config.Encoder", nsp.Name())
		}
		return newAdapter(ps, nsp, cfg)
	}
}

// randomID returns 16 hex digits, as Node's randomId: the uid of a server and the id of
// a request.
func randomID() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

func newAdapter(ps *pubsub, nsp adapter.Namespace, cfg *adapter.Config) (*Adapter, error) {
	name := nsp.Name()
	a := &Adapter{
		local:     adapter.NewInMemory(nsp, cfg),
		nsp:       nsp,
		ps:        ps,
		opts:      ps.opts,
		uid:       randomID(),
		channel:   ps.opts.ChannelPrefix + "#" + name,
		inbox:     make(chan jsvalue.Object, 256),
		published: make(chan struct{}, 1),
		nodes:     make(map[string]time.Time),
		requests:  make(map[string]*request),
		acks:      make(map[string]*ackRequest),
	}
	if len(a.channel) > maxChannelName {
		return nil, fmt.Errorf("postgres: channel %q of namespace %q is %d bytes; PostgreSQL allows %d: shorten Options.ChannelPrefix", a.channel, name, len(a.channel), maxChannelName)
	}
	a.log = ps.log.With("nsp", name, "uid", a.uid)
	a.ctx, a.cancel = context.WithCancel(context.Background())

	// Connecting and listening may take longer than a request on a loaded machine.
	wait := max(a.opts.RequestsTimeout, dialTimeout)
	ctx, cancel := context.WithTimeout(a.ctx, wait)
	defer cancel()
	a.ps.ensureTable(ctx)
	// Listen before announcing this server, so that the answers to the initial
	// heartbeat are heard.
	ready := ps.register(a)
	select {
	case <-ready:
	case <-ctx.Done():
		a.cancel()
		ps.unregister(a)
		return nil, fmt.Errorf("postgres: LISTEN on channel %q did not succeed within %v (is PostgreSQL reachable with the pool's settings?)", a.channel, wait)
	}
	a.wg.Add(2)
	go a.work()      // stopped by Close (cancels ctx)
	go a.heartbeat() // stopped by Close (cancels ctx)
	// Node: init().
	if err := a.publish(ctx, typeInitialHeartbeat, nil); err != nil {
		a.log.Warn("socket.io-postgres-adapter: send the initial heartbeat", "err", err)
	}
	return a, nil
}

// UID returns the id of this server in the cluster's messages. Node: adapter.uid.
func (a *Adapter) UID() string { return a.uid }

// Close tells the other servers that this one leaves (ADAPTER_CLOSE), fails the
// requests still waiting with adapter.ErrClosed, stops the adapter's goroutines and,
// for the last open adapter of its Factory, the LISTEN connection. Node: close.
func (a *Adapter) Close() error {
	a.mu.Lock()
	if a.closed {
		a.mu.Unlock()
		return nil
	}
	a.closed = true
	for rid, r := range a.requests {
		delete(a.requests, rid)
		r.finish(adapter.ErrClosed)
	}
	for rid, r := range a.acks {
		delete(a.acks, rid)
		r.timer.Stop()
	}
	a.mu.Unlock()
	ctx, cancel := context.WithTimeout(a.ctx, a.opts.RequestsTimeout)
	err := a.ps.publish(ctx, a.channel, typeAdapterClose, a.uid, a.message(typeAdapterClose, nil))
	cancel()
	a.cancel()
	a.wg.Wait()
	a.ps.unregister(a)
	if err != nil {
		return fmt.Errorf("postgres: tell the other servers that %q closes: %w", a.nsp.Name(), err)
	}
	return nil
}

// message is the envelope of a message from this server: {type, data, uid, nsp}.
func (a *Adapter) message(t int, data jsvalue.Object) jsvalue.Object {
	m := jsvalue.Object{{"type", t}}
	if data != nil {
		m = append(m, jsvalue.KV{"data", data})
	}
	return append(m, jsvalue.KV{"uid", a.uid}, jsvalue.KV{"nsp", a.nsp.Name()})
}

// publish sends a message to the other servers and postpones the next heartbeat.
// Node: publish.
func (a *Adapter) publish(ctx context.Context, t int, data jsvalue.Object) error {
	select {
	case a.published <- struct{}{}:
	default:
	}
	return a.ps.publish(ctx, a.channel, t, a.uid, a.message(t, data))
}

// publishBackground publishes for a caller with no context and no error to return (the
// fire-and-forget messages of Node); failures are logged.
func (a *Adapter) publishBackground(t int, data jsvalue.Object) {
	ctx, cancel := context.WithTimeout(a.ctx, a.opts.RequestsTimeout)
	defer cancel()
	if err := a.publish(ctx, t, data); err != nil && a.ctx.Err() == nil {
		a.log.Warn("socket.io-postgres-adapter: publish failed", "type", t, "err", err)
	}
}

// respond sends an answer to a request; answers do not postpone the heartbeat.
// Node: publishResponse.
func (a *Adapter) respond(t int, data jsvalue.Object) {
	ctx, cancel := context.WithTimeout(a.ctx, a.opts.RequestsTimeout)
	defer cancel()
	if err := a.ps.publish(ctx, a.channel, t, a.uid, a.message(t, data)); err != nil && a.ctx.Err() == nil {
		a.log.Warn("socket.io-postgres-adapter: answer failed", "type", t, "err", err)
	}
}

// heartbeat sends a HEARTBEAT after HeartbeatInterval without any message from this
// server, and forgets the servers silent for longer than HeartbeatTimeout (checked
// every second, or every quarter of HeartbeatTimeout when that is shorter).
// Node: scheduleHeartbeat and the cleanup timer of ClusterAdapterWithHeartbeat.
func (a *Adapter) heartbeat() {
	defer a.wg.Done()
	hb := time.NewTimer(a.opts.HeartbeatInterval)
	defer hb.Stop()
	check := time.NewTicker(max(min(time.Second, a.opts.HeartbeatTimeout/4), time.Millisecond))
	defer check.Stop()
	for {
		select {
		case <-a.ctx.Done():
			return
		case <-a.published:
			hb.Reset(a.opts.HeartbeatInterval)
		case <-hb.C:
			a.publishBackground(typeHeartbeat, nil)
		case now := <-check.C:
			a.expire(now)
		}
	}
}

// ServerCount returns the number of servers of the namespace: this one and those
// heard from within HeartbeatTimeout. Node: serverCount.
func (a *Adapter) ServerCount(ctx context.Context) (int, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	return 1 + len(a.liveLocked(time.Now())), nil
}

// AddAll adds socket id to rooms (local state). Node: addAll.
func (a *Adapter) AddAll(id string, rooms []string) { a.local.AddAll(id, rooms) }

// Del removes socket id from room (local state). Node: del.
func (a *Adapter) Del(id, room string) { a.local.Del(id, room) }

// DelAll removes socket id from every room (local state). Node: delAll.
func (a *Adapter) DelAll(id string) { a.local.DelAll(id) }

// SocketRooms returns the rooms of the local socket id. Node: socketRooms.
func (a *Adapter) SocketRooms(id string) []string { return a.local.SocketRooms(id) }

// Rooms returns the rooms known on this server. Node: adapter.rooms.
func (a *Adapter) Rooms() []string { return a.local.Rooms() }

// PersistSession stores a session on this server only (Node's Postgres adapter does
// not support connection state recovery across servers). Node: persistSession.
func (a *Adapter) PersistSession(s *adapter.Session) { a.local.PersistSession(s) }

// RestoreSession restores a session stored on this server. Node: restoreSession.
func (a *Adapter) RestoreSession(ctx context.Context, pid, offset string) (*adapter.Session, error) {
	return a.local.RestoreSession(ctx, pid, offset)
}
