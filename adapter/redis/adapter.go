package redis

import (
	"context"
	"crypto/rand"
	"fmt"
	"log/slog"
	"strings"
	"sync"

	"github.com/gosockio/gosockio/adapter"
	goredis "github.com/redis/go-redis/v9"
)

// Request types of the messages between servers (Node: RequestType).
const (
	typeSockets              = 0
	typeAllRooms             = 1
	typeRemoteJoin           = 2
	typeRemoteLeave          = 3
	typeRemoteDisconnect     = 4
	typeRemoteFetch          = 5
	typeServerSideEmit       = 6
	typeBroadcast            = 7
	typeBroadcastClientCount = 8
	typeBroadcastAck         = 9
)

// Adapter is the Redis adapter of one namespace: room membership and local delivery as
// in adapter.InMemory, plus Redis pub/sub to reach the other servers of the cluster,
// which may be Node servers using @socket.io/redis-adapter 8.x. Node: RedisAdapter.
//
// All methods are safe for concurrent use.
type Adapter struct {
	local *adapter.InMemory
	nsp   adapter.Namespace
	rdb   goredis.UniversalClient
	opts  Options
	log   *slog.Logger

	uid                     string
	channel                 string // <key>#<nsp>#
	requestChannel          string // <key>-request#<nsp>#
	responseChannel         string // <key>-response#<nsp>#
	specificResponseChannel string // <key>-response#<nsp>#<uid>#

	ps     *goredis.PubSub
	hc     healthCheck
	ctx    context.Context // cancelled by Close
	cancel context.CancelFunc
	done   chan struct{}  // closed by Close
	reqq   chan []byte    // requests from other servers, for the request worker
	wg     sync.WaitGroup // the receive loop and the request worker

	requestTable
}

var _ adapter.Adapter = (*Adapter)(nil)
var _ adapter.ServerSideEmitterWithAck = (*Adapter)(nil)

// CreateAdapter returns the Factory of Redis adapters that share client (a *redis.Client,
// *redis.ClusterClient or other UniversalClient). Each namespace's adapter takes one
// connection of client's pool for its subscriptions and publishes through the pool.
// Node: createAdapter(pubClient, subClient, opts).
func CreateAdapter(client goredis.UniversalClient, opts *Options) adapter.Factory {
	o := opts.withDefaults()
	return func(nsp adapter.Namespace, cfg *adapter.Config) (adapter.Adapter, error) {
		return newAdapter(client, nsp, cfg, o)
	}
}

func newAdapter(client goredis.UniversalClient, nsp adapter.Namespace, cfg *adapter.Config, o Options) (*Adapter, error) {
	if client == nil {
		return nil, fmt.Errorf("redis: CreateAdapter needs a Redis client")
	}
	if cfg == nil || cfg.Encoder == nil {
		return nil, fmt.Errorf("redis: adapter for %q needs Config.Encoder", nsp.Name())
	}
	name := nsp.Name()
	a := &Adapter{
		local: adapter.NewInMemory(nsp, cfg),
		nsp:   nsp,
		rdb:   client,
		opts:  o,
		log:   o.Logger.With("component", "socket.io-redis", "nsp", name),
		uid:   newID(),
		done:  make(chan struct{}),
		reqq:  make(chan []byte, 256),
		hc:    newHealthCheck(o.HealthCheckInterval, o.HealthCheckTimeout),
	}
	a.channel = o.Key + "#" + name + "#"
	a.requestChannel = o.Key + "-request#" + name + "#"
	a.responseChannel = o.Key + "-response#" + name + "#"
	a.specificResponseChannel = a.responseChannel + a.uid + "#"
	a.ctx, a.cancel = context.WithCancel(context.Background())

	// Wait until Redis confirms the four subscriptions, so that the server counts in the
	// cluster (PUBSUB NUMSUB) as soon as the namespace exists.
	ctx, cancel := context.WithTimeout(a.ctx, o.RequestsTimeout)
	defer cancel()
	a.ps = client.Subscribe(ctx, a.requestChannel, a.responseChannel, a.specificResponseChannel)
	var early []*goredis.Message
	err := a.ps.PSubscribe(ctx, a.channel+"*")
	if err == nil {
		early, err = awaitSubscriptions(ctx, a.ps, 4)
	}
	if err != nil {
		_ = a.ps.Close()
		a.cancel()
		return nil, fmt.Errorf("redis: subscribe to the channels of namespace %q: %w", name, err)
	}
	a.wg.Add(2)
	go a.receive(early) // stopped by Close (closes done and the PubSub)
	go a.work()         // stopped by Close (closes done)
	return a, nil
}

// newID returns 6 random characters, as Node's uid2(6).
func newID() string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
	var b [6]byte
	_, _ = rand.Read(b[:])
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b[:])
}

// UID returns the id this adapter puts in its messages; other servers ignore what
// comes back with their own uid. Node: adapter.uid.
func (a *Adapter) UID() string { return a.uid }

// Close unsubscribes, stops the adapter's goroutines and fails the requests still
// waiting with adapter.ErrClosed. Node: close.
func (a *Adapter) Close() error {
	if !a.closeRequests() {
		return nil
	}
	close(a.done)
	a.cancel()
	err := a.ps.Close()
	a.wg.Wait()
	return err
}

// receive reads the subscriptions until Close; go-redis reconnects and subscribes again
// after a lost connection, and the loop waits a little between failed attempts.
func (a *Adapter) receive(early []*goredis.Message) {
	defer a.wg.Done()
	receiveLoop(a.ctx, a.done, a.ps, early, a.hc, a.log, "socket.io-redis: subscription lost, reconnecting", a.dispatch)
}

func (a *Adapter) dispatch(m *goredis.Message) {
	switch {
	case strings.HasPrefix(m.Channel, a.channel):
		a.onBroadcast(m.Channel, []byte(m.Payload))
	case strings.HasPrefix(m.Channel, a.responseChannel):
		a.onResponse([]byte(m.Payload))
	case m.Channel == a.requestChannel:
		select {
		case a.reqq <- []byte(m.Payload):
		case <-a.done:
		}
	}
}

// work answers the requests of other servers, one at a time, off the receive loop (a
// server-side event handler may itself wait for an answer that the loop must read).
func (a *Adapter) work() {
	defer a.wg.Done()
	for {
		select {
		case <-a.done:
			return
		case msg := <-a.reqq:
			a.onRequest(msg)
		}
	}
}

func (a *Adapter) publish(ctx context.Context, channel string, msg []byte) error {
	if err := a.rdb.Publish(ctx, channel, msg).Err(); err != nil {
		return fmt.Errorf("redis: publish to %s: %w", channel, err)
	}
	return nil
}

// publishBackground publishes for a caller that has no context and no error to return
// (Node's fire-and-forget publishes); failures are logged.
func (a *Adapter) publishBackground(channel string, msg []byte) {
	ctx, cancel := context.WithTimeout(a.ctx, a.opts.RequestsTimeout)
	defer cancel()
	if err := a.publish(ctx, channel, msg); err != nil {
		a.log.Warn("socket.io-redis: publish failed", "err", err)
	}
}

// ServerCount returns the number of servers subscribed to this namespace's request
// channel (PUBSUB NUMSUB), this one included. Node: serverCount.
func (a *Adapter) ServerCount(ctx context.Context) (int, error) {
	res, err := a.rdb.PubSubNumSub(ctx, a.requestChannel).Result()
	if err != nil {
		return 0, fmt.Errorf("redis: count servers (PUBSUB NUMSUB %s): %w", a.requestChannel, err)
	}
	return int(res[a.requestChannel]), nil
}

// AddAll adds socket id to rooms (local state). Node: addAll.
func (a *Adapter) AddAll(id string, rooms []string) { a.local.AddAll(id, rooms) }

// Del removes socket id from room (local state). Node: del.
func (a *Adapter) Del(id, room string) { a.local.Del(id, room) }

// DelAll removes socket id from every room (local state). Node: delAll.
func (a *Adapter) DelAll(id string) { a.local.DelAll(id) }

// SocketRooms returns the rooms of the local socket id. Node: socketRooms.
func (a *Adapter) SocketRooms(id string) []string { return a.local.SocketRooms(id) }

// Rooms returns the rooms known on this server. See AllRooms for the whole cluster.
// Node: adapter.rooms.
func (a *Adapter) Rooms() []string { return a.local.Rooms() }

// PersistSession stores a session on this server only (Node's Redis adapter does not
// support connection state recovery across servers). Node: persistSession.
func (a *Adapter) PersistSession(s *adapter.Session) { a.local.PersistSession(s) }

// RestoreSession restores a session stored on this server. Node: restoreSession.
func (a *Adapter) RestoreSession(ctx context.Context, pid, offset string) (*adapter.Session, error) {
	return a.local.RestoreSession(ctx, pid, offset)
}
