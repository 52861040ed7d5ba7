package redis

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"strconv"
	"sync"
	"time"
	"unicode/utf16"

	"github.com/gosockio/gosockio/adapter"
	"github.com/gosockio/gosockio/parser"
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
	local    *adapter.InMemory // without recovery: offsets are the stream's entry ids
	nsp      adapter.Namespace
	rdb      goredis.UniversalClient
	opts     StreamsOptions
	log      *slog.Logger
	json     *parser.JSONParser
	recovery *adapter.RecoveryConfig
	reader   *streamReader

	uid            string
	stream         string
	publicChannel  string // <prefix>#<nsp>#
	privateChannel string // <prefix>#<nsp>#<uid>#

	ps     *goredis.PubSub
	ctx    context.Context // cancelled by Close
	cancel context.CancelFunc
	done   chan struct{} // closed by Close
	reqq   chan map[string]any
	wg     sync.WaitGroup // the pub/sub receive loop and the request worker

	mu      sync.Mutex
	pending map[string]*pending    // guarded by mu
	acks    map[string]*ackRequest // guarded by mu
	closed  bool                   // guarded by mu
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
	var id [8]byte
	_, _ = rand.Read(id[:])
	name := nsp.Name()
	localCfg := *cfg
	localCfg.Recovery = nil
	a := &StreamsAdapter{
		local:    adapter.NewInMemory(nsp, &localCfg),
		nsp:      nsp,
		rdb:      hub.rdb,
		opts:     o,
		log:      o.Logger.With("component", "socket.io-redis-streams-adapter", "nsp", name),
		json:     parser.New(nil),
		recovery: cfg.Recovery,
		uid:      hex.EncodeToString(id[:]),
		stream:   o.streamName(name),
		done:     make(chan struct{}),
		reqq:     make(chan map[string]any, 256),
		pending:  make(map[string]*pending),
		acks:     make(map[string]*ackRequest),
	}
	a.publicChannel = o.ChannelPrefix + "#" + name + "#"
	a.privateChannel = a.publicChannel + a.uid + "#"
	a.ctx, a.cancel = context.WithCancel(context.Background())

	ctx, cancel := context.WithTimeout(a.ctx, o.RequestsTimeout)
	defer cancel()
	if o.UseShardedPubSub {
		a.ps = hub.rdb.SSubscribe(ctx, a.publicChannel, a.privateChannel)
	} else {
		a.ps = hub.rdb.Subscribe(ctx, a.publicChannel, a.privateChannel)
	}
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
	if err == nil {
		a.reader, err = hub.register(ctx, a)
	}
	if err != nil {
		_ = a.ps.Close()
		a.cancel()
		return nil, fmt.Errorf("redis: streams adapter for namespace %q: %w", name, err)
	}
	a.wg.Add(2)
	go a.receive(early) // stopped by Close (closes done and the PubSub)
	go a.work()         // stopped by Close (closes done)
	return a, nil
}

// UID returns the id of this server in the cluster's messages. Node: adapter.uid.
func (a *StreamsAdapter) UID() string { return a.uid }

// Close stops reading the stream for this namespace (the shared reader stops with the
// last namespace), unsubscribes, and fails waiting requests with adapter.ErrClosed.
// Node: close.
func (a *StreamsAdapter) Close() error {
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
	a.reader.hub.unregister(a)
	close(a.done)
	a.cancel()
	err := a.ps.Close()
	a.wg.Wait()
	return err
}

// receive reads the pub/sub channels until Close; go-redis subscribes again after a
// lost connection.
func (a *StreamsAdapter) receive(early []*goredis.Message) {
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
			a.log.Warn("socket.io-redis-streams-adapter: subscription lost, reconnecting", "err", err, "retry", backoff)
			if !sleep(a.done, backoff) {
				return
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

// sleep waits d, or returns false at once when done closes.
func sleep(done <-chan struct{}, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-done:
		return false
	case <-t.C:
		return true
	}
}

// dispatch handles a pub/sub message: answers at once, requests on the worker.
func (a *StreamsAdapter) dispatch(m *goredis.Message) {
	v, err := decodeMsgpack([]byte(m.Payload))
	msg, ok := v.(map[string]any)
	if err != nil || !ok {
		a.log.Debug("socket.io-redis-streams-adapter: ignoring malformed message", "channel", m.Channel, "err", err)
		return
	}
	if str(msg, "uid") == a.uid || str(msg, "nsp") != a.nsp.Name() {
		return
	}
	t, _ := num(msg, "type")
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

// work handles the requests of other servers one at a time, off the receive loop (a
// server-side event handler may wait for an answer that the loop must read).
func (a *StreamsAdapter) work() {
	defer a.wg.Done()
	for {
		select {
		case <-a.done:
			return
		case m := <-a.reqq:
			a.onMessage(m, "")
		}
	}
}
