package redis

import (
	"context"
	"fmt"
	"log/slog"
	"strconv"
	"time"
	"unicode/utf16"

	"github.com/gosockio/gosockio/adapter"
	"github.com/gosockio/gosockio/adapter/internal/jsvalue"
	goredis "github.com/redis/go-redis/v9"
)

// StreamsOptions configure the Redis streams adapter. The zero value (and a nil
// *StreamsOptions) is the default of Node's @socket.io/redis-streams-adapter 0.3.1.
// CreateStreamsAdapter copies the struct; the caller's value is never modified.
type StreamsOptions struct {
	// StreamName is the name of the Redis stream, or the prefix of the stream names
	// when StreamCount > 1. Default "socket.io" (Node: streamName).
	StreamName string
	// StreamCount is the number of streams; each namespace is routed to one of them
	// (by the same hash as Node) to keep its messages in order. Default 1
	// (Node: streamCount).
	StreamCount int
	// ChannelPrefix is the prefix of the pub/sub channels that carry requests and
	// answers (<prefix>#<nsp># and <prefix>#<nsp>#<uid>#). Default "socket.io"
	// (Node: channelPrefix).
	ChannelPrefix string
	// UseShardedPubSub sends requests and answers with sharded pub/sub (Redis 7:
	// SPUBLISH, SSUBSCRIBE, PUBSUB SHARDNUMSUB). Default false (Node: useShardedPubSub).
	UseShardedPubSub bool
	// MaxLen caps the stream (XADD MAXLEN ~). Default 10_000 (Node: maxLen).
	MaxLen int64
	// ReadCount is the number of entries one XREAD fetches. Default 100
	// (Node: readCount).
	ReadCount int64
	// BlockTime is how long one XREAD waits for new entries. Default 5s
	// (Node: blockTimeInMs).
	BlockTime time.Duration
	// SessionKeyPrefix is the prefix of the keys that hold the sessions of
	// disconnected sockets, for connection state recovery. Default "sio:session:"
	// (Node: sessionKeyPrefix).
	SessionKeyPrefix string
	// OnlyPlaintext skips the search for binary values: stream entries are always
	// written as JSON. Default false (Node: onlyPlaintext).
	OnlyPlaintext bool
	// RequestsTimeout bounds FetchSockets and ServerSideEmitWithAck, how long a
	// broadcast with acknowledgements and no Timeout listens for remote answers, and
	// each Redis command the adapter sends on its own (appends, session storage).
	// Default 5s (Node: the cluster adapter's fixed 5s timeout).
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

func (o *StreamsOptions) withDefaults() StreamsOptions {
	var c StreamsOptions
	if o != nil {
		c = *o
	}
	if c.StreamName == "" {
		c.StreamName = "socket.io"
	}
	if c.StreamCount <= 0 {
		c.StreamCount = 1
	}
	if c.ChannelPrefix == "" {
		c.ChannelPrefix = "socket.io"
	}
	if c.MaxLen <= 0 {
		c.MaxLen = 10_000
	}
	if c.ReadCount <= 0 {
		c.ReadCount = 100
	}
	if c.BlockTime <= 0 {
		c.BlockTime = 5 * time.Second
	}
	if c.SessionKeyPrefix == "" {
		c.SessionKeyPrefix = "sio:session:"
	}
	if c.RequestsTimeout <= 0 {
		c.RequestsTimeout = 5 * time.Second
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	return c
}

// streamName is Node's computeStreamName: the stream of namespace nsp.
func (o *StreamsOptions) streamName(nsp string) string {
	if o.StreamCount == 1 {
		return o.StreamName
	}
	// Java's String.hashCode over UTF-16 units, in int32, then JavaScript's %, whose
	// sign follows the dividend as Go's does.
	var h int32
	for _, u := range utf16.Encode([]rune(nsp)) {
		h = h*31 + int32(u)
	}
	return o.StreamName + "-" + strconv.Itoa(int(h)%o.StreamCount)
}

// StreamsAdapter is the adapter of one namespace on Redis streams, wire-compatible with
// Node's @socket.io/redis-streams-adapter 0.3.1: broadcasts and room changes are
// appended to a stream that every server reads, and requests go through pub/sub. With
// connection state recovery on, sessions are kept in Redis and the missed packets are
// read back from the stream, so a client can recover on any server of the cluster.
// Node: RedisStreamsAdapter.
//
// All methods are safe for concurrent use.
type StreamsAdapter struct {
	// clusterAdapter's local is without recovery: offsets are the stream's entry ids;
	// its channel is the public channel <prefix>#<nsp>#.
	clusterAdapter
	rdb    goredis.UniversalClient
	opts   StreamsOptions
	reader *streamReader

	stream         string
	privateChannel string // <prefix>#<nsp>#<uid>#
}

var _ adapter.Adapter = (*StreamsAdapter)(nil)
var _ adapter.ServerSideEmitterWithAck = (*StreamsAdapter)(nil)

// CreateStreamsAdapter returns the Factory of Redis streams adapters that share client
// (a *redis.Client, *redis.ClusterClient or other UniversalClient). The adapters of
// one Factory share one reader per stream, which holds one connection while it waits
// in XREAD; each namespace's adapter also holds one pub/sub connection.
// Node: createAdapter(redisClient, opts) of @socket.io/redis-streams-adapter.
func CreateStreamsAdapter(client goredis.UniversalClient, opts *StreamsOptions) adapter.Factory {
	o := opts.withDefaults()
	hub := &streamsHub{rdb: client, opts: o, readers: make(map[string]*streamReader)}
	return func(nsp adapter.Namespace, cfg *adapter.Config) (adapter.Adapter, error) {
		if client == nil {
			return nil, fmt.Errorf("redis: CreateStreamsAdapter needs a Redis client")
		}
		if cfg == nil || cfg.Encoder == nil {
			return nil, fmt.Errorf("redis: adapter for %q needs Config.Encoder", nsp.Name())
		}
		return newStreamsAdapter(hub, nsp, cfg)
	}
}

func newStreamsAdapter(hub *streamsHub, nsp adapter.Namespace, cfg *adapter.Config) (*StreamsAdapter, error) {
	o := hub.opts
	name := nsp.Name()
	localCfg := *cfg
	localCfg.Recovery = nil
	a := &StreamsAdapter{rdb: hub.rdb, opts: o, stream: o.streamName(name)}
	a.init(a, nsp, &localCfg, o.Logger, "socket.io-redis-streams-adapter", o.ChannelPrefix, o.RequestsTimeout)
	a.recovery = cfg.Recovery
	a.requestIDLast = true
	a.privateChannel = a.channel + a.uid + "#"
	a.hc = newHealthCheck(o.HealthCheckInterval, o.HealthCheckTimeout)

	ctx, cancel := context.WithTimeout(a.ctx, o.RequestsTimeout)
	defer cancel()
	if o.UseShardedPubSub {
		a.ps = hub.rdb.SSubscribe(ctx, a.channel, a.privateChannel)
	} else {
		a.ps = hub.rdb.Subscribe(ctx, a.channel, a.privateChannel)
	}
	early, err := awaitSubscriptions(ctx, a.ps, 2)
	if err == nil {
		a.reader, err = hub.register(ctx, a)
	}
	if err != nil {
		a.abort()
		return nil, fmt.Errorf("redis: streams adapter for namespace %q: %w", name, err)
	}
	a.start(early, "socket.io-redis-streams-adapter: subscription lost, reconnecting", a.dispatch)
	return a, nil
}

// UID returns the id of this server in the cluster's messages. Node: adapter.uid.
func (a *StreamsAdapter) UID() string { return a.uid }

// Close stops reading the stream for this namespace (the shared reader stops with the
// last namespace), unsubscribes, and fails waiting requests with adapter.ErrClosed.
// Node: close.
func (a *StreamsAdapter) Close() error {
	if !a.closeRequests() {
		return nil
	}
	a.reader.hub.unregister(a)
	return a.stop()
}

// dispatch handles a pub/sub message: answers at once, requests on the worker.
func (a *StreamsAdapter) dispatch(m *goredis.Message) {
	v, err := jsvalue.DecodeMsgpack([]byte(m.Payload))
	msg, ok := v.(jsvalue.Object)
	if err != nil || !ok {
		a.log.Debug("socket.io-redis-streams-adapter: ignoring malformed message", "channel", m.Channel, "err", err)
		return
	}
	if msg.Text("uid") == a.uid || msg.Text("nsp") != a.nsp.Name() {
		return
	}
	t, _ := msg.Int("type")
	switch t {
	case ctFetchSocketsResponse, ctServerSideEmitResponse, ctBroadcastClientCount, ctBroadcastAck:
		a.onResponse(int(t), msg)
		return
	}
	select {
	case a.reqq <- msg:
	case <-a.done:
	}
}
