package redis

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/gosockio/gosockio/adapter"
	"github.com/gosockio/gosockio/adapter/internal/jsvalue"
	"github.com/gosockio/gosockio/parser"
	goredis "github.com/redis/go-redis/v9"
)

// Message types of socket.io-adapter's ClusterAdapter, which the sharded and streams
// adapters speak.
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

// clusterTransport is what the ClusterAdapter message handling needs from the adapter
// that embeds it: the sharded adapter (sharded pub/sub) or the streams adapter (pub/sub
// or sharded pub/sub for requests and answers).
type clusterTransport interface {
	// publishTo publishes a cluster message of type t with data on channel.
	publishTo(ctx context.Context, channel string, t int, data jsvalue.Object) error
	// ServerCount returns the number of servers of the namespace, this one included.
	ServerCount(ctx context.Context) (int, error)
}

// clusterAdapter is the part of socket.io-adapter's ClusterAdapter shared by the
// sharded and streams adapters: the handling of the other servers' messages
// {uid, nsp, type, data}, and the requests and acknowledged broadcasts this server
// sends them. Node: ClusterAdapter.
type clusterAdapter struct {
	local     *adapter.InMemory
	nsp       adapter.Namespace
	log       *slog.Logger
	transport clusterTransport
	logPrefix string        // "socket.io-redis" or "socket.io-redis-streams-adapter"
	timeout   time.Duration // RequestsTimeout
	// recovery, when set, makes a broadcast read from the stream carry its entry id as
	// its offset (the streams adapter with connection state recovery).
	recovery *adapter.RecoveryConfig
	// requestIDLast puts the requestId of a request after its data (as the streams
	// adapter writes it) rather than before (as the sharded adapter does).
	requestIDLast bool

	uid     string
	channel string // <prefix>#<nsp>#: requests, and broadcasts to the namespace

	ps     *goredis.PubSub
	hc     healthCheck     // of the pub/sub connection
	ctx    context.Context // cancelled by stop
	cancel context.CancelFunc
	done   chan struct{} // closed by stop
	reqq   chan jsvalue.Object
	wg     sync.WaitGroup // the pub/sub receive loop and the request worker

	requestTable
}

// randomRequestID returns a fresh requestId: 16 hex digits.
func randomRequestID() string {
	var id [8]byte
	_, _ = rand.Read(id[:])
	return hex.EncodeToString(id[:])
}

// init sets up the state shared by the sharded and streams adapters of nsp: local
// delivery with localCfg, logs under logPrefix, the namespace channel
// <channelPrefix>#<nsp>#, a fresh uid, and the context stop cancels.
func (c *clusterAdapter) init(t clusterTransport, nsp adapter.Namespace, localCfg *adapter.Config, logger *slog.Logger, logPrefix, channelPrefix string, timeout time.Duration) {
	name := nsp.Name()
	c.local = adapter.NewInMemory(nsp, localCfg)
	c.nsp = nsp
	c.log = logger.With("component", logPrefix, "nsp", name)
	c.transport = t
	c.logPrefix = logPrefix
	c.timeout = timeout
	c.uid = randomRequestID()
	c.channel = channelPrefix + "#" + name + "#"
	c.done = make(chan struct{})
	c.reqq = make(chan jsvalue.Object, 256)
	c.ctx, c.cancel = context.WithCancel(context.Background())
}

// start runs the receive loop, which hands the early messages and then every message
// of ps to dispatch (logging lost when the subscription is lost), and the request
// worker.
func (c *clusterAdapter) start(early []*goredis.Message, lost string, dispatch func(*goredis.Message)) {
	c.wg.Add(2)
	go func() { // stopped by stop (closes done and the PubSub)
		defer c.wg.Done()
		receiveLoop(c.ctx, c.done, c.ps, early, c.hc, c.log, lost, dispatch)
	}()
	go c.work() // stopped by stop (closes done)
}

// abort releases what init and the subscription took, when the subscription failed.
func (c *clusterAdapter) abort() {
	_ = c.ps.Close()
	c.cancel()
}

// answerChannel is the channel on which server uid waits for answers.
func (c *clusterAdapter) answerChannel(uid string) string { return c.channel + uid + "#" }

// stop ends the goroutines and the subscription, after closeRequests.
func (c *clusterAdapter) stop() error {
	close(c.done)
	c.cancel()
	err := c.ps.Close()
	c.wg.Wait()
	return err
}

// publishBackground publishes for a caller with no context and no error to return;
// failures are logged.
func (c *clusterAdapter) publishBackground(channel string, t int, data jsvalue.Object) {
	ctx, cancel := context.WithTimeout(c.ctx, c.timeout)
	defer cancel()
	if err := c.transport.publishTo(ctx, channel, t, data); err != nil {
		c.log.Warn(c.logPrefix+": publish failed", "err", err)
	}
}

// work handles the requests of other servers one at a time, off the receive loop (a
// server-side event handler may wait for an answer that the loop must read).
func (c *clusterAdapter) work() {
	defer c.wg.Done()
	for {
		select {
		case <-c.done:
			return
		case m := <-c.reqq:
			c.onMessage(m, "")
		}
	}
}

// onMessage handles a message of another server: from the stream (offset is its entry
// id) or from pub/sub (offset is empty). Node: ClusterAdapter.onMessage.
func (c *clusterAdapter) onMessage(m jsvalue.Object, offset string) {
	if m.Text("nsp") != c.nsp.Name() {
		return
	}
	t, _ := m.Int("type")
	data, _ := m.Get("data").(jsvalue.Object)
	if data == nil {
		return
	}
	if o, ok := data.Lookup("opts"); ok {
		if _, isObject := o.(jsvalue.Object); !isObject {
			c.log.Debug(c.logPrefix+": ignoring message whose opts is not an object", "type", t)
			return
		}
	}
	requester := m.Text("uid")
	rid := data.Text("requestId")
	switch t {
	case ctBroadcast:
		pm, _ := data.Get("packet").(jsvalue.Object)
		om, _ := data.Get("opts").(jsvalue.Object)
		if pm == nil {
			return
		}
		p, opts, err := decodeBroadcast(pm, om)
		if err != nil {
			c.log.Debug(c.logPrefix+": ignoring malformed broadcast", "err", err)
			return
		}
		opts.Flags.Local = true
		if rid == "" {
			if offset != "" && c.recovery != nil && !opts.Flags.Volatile {
				withOffset(p, offset)
			}
			if err := c.local.Broadcast(p, opts); err != nil {
				c.log.Warn(c.logPrefix+": deliver broadcast", "err", err)
			}
			return
		}
		respCh := c.answerChannel(requester)
		_ = c.local.BroadcastWithAck(p, opts, func(n int) {
			c.publishBackground(respCh, ctBroadcastClientCount, jsvalue.Object{{"requestId", rid}, {"clientCount", int64(n)}})
		}, func(ack *adapter.AckPacket) {
			resp := jsvalue.Object{{"requestId", rid}}
			if arg, ok := firstArg(ack); ok {
				resp = append(resp, jsvalue.KV{"packet", arg})
			}
			c.publishBackground(respCh, ctBroadcastAck, resp)
		})
	case ctSocketsJoin:
		c.local.AddSockets(selectOpts(data.Get("opts")), jsvalue.Strings(data.Get("rooms")))
	case ctSocketsLeave:
		c.local.DelSockets(selectOpts(data.Get("opts")), jsvalue.Strings(data.Get("rooms")))
	case ctDisconnectSockets:
		c.local.DisconnectSockets(selectOpts(data.Get("opts")), data.Bool("close"))
	case ctFetchSockets:
		ctx, cancel := context.WithTimeout(c.ctx, c.timeout)
		ds, _ := c.local.FetchSockets(ctx, selectOpts(data.Get("opts")))
		cancel()
		sockets := make([]any, 0, len(ds))
		for _, d := range ds {
			h, _ := jsvalue.FromGo(d.Handshake)
			v, _ := jsvalue.FromGo(d.Data)
			sockets = append(sockets, jsvalue.Object{{"id", d.ID}, {"handshake", h}, {"rooms", nonNil(d.Rooms)}, {"data", v}})
		}
		c.publishBackground(c.answerChannel(requester), ctFetchSocketsResponse, jsvalue.Object{{"requestId", rid}, {"sockets", sockets}})
	case ctServerSideEmit:
		args := jsvalue.EventArgs(data.Get("packet"))
		if len(args) == 0 {
			return
		}
		if rid == "" {
			c.nsp.ServerSideEvent(args, nil)
			return
		}
		var once sync.Once
		respCh := c.answerChannel(requester)
		c.nsp.ServerSideEvent(args, func(arg any) {
			once.Do(func() {
				v, err := jsvalue.FromGo(arg)
				if err != nil {
					c.log.Warn(c.logPrefix+": encode server-side emit answer", "err", err)
					return
				}
				c.publishBackground(respCh, ctServerSideEmitResponse, jsvalue.Object{{"requestId", rid}, {"packet", v}})
			})
		})
	default:
		c.log.Debug(c.logPrefix+": ignoring unknown message type", "type", t)
	}
}

// onResponse routes an answer to the request or broadcast waiting for it.
// Node: ClusterAdapter.onResponse.
func (c *clusterAdapter) onResponse(t int, m jsvalue.Object) {
	data, _ := m.Get("data").(jsvalue.Object)
	if data == nil {
		return
	}
	rid := data.Text("requestId")
	switch t {
	case ctBroadcastClientCount, ctBroadcastAck:
		// The ack requests share the handling of the classic adapter, whose response
		// types differ: translate.
		resp := jsvalue.Object{{"clientCount", data.Get("clientCount")}}
		if t == ctBroadcastClientCount {
			resp = append(resp, jsvalue.KV{"type", int64(typeBroadcastClientCount)})
		} else {
			resp = append(resp, jsvalue.KV{"type", int64(typeBroadcastAck)})
			if v, ok := data.Lookup("packet"); ok {
				resp = append(resp, jsvalue.KV{"packet", v})
			}
		}
		c.onAckResponse(c.log, rid, resp)
	case ctFetchSocketsResponse, ctServerSideEmitResponse:
		c.answer(rid, data)
	}
}

// broadcastWithAck publishes p with a requestId on the namespace channel and collects
// every server's client count and answers. Node: ClusterAdapter.broadcastWithAck.
func (c *clusterAdapter) broadcastWithAck(p *parser.Packet, opts *adapter.BroadcastOptions, clientCount func(int), ack func(*adapter.AckPacket)) error {
	if isLocal(opts) {
		return c.local.BroadcastWithAck(p, opts, clientCount, ack)
	}
	pkt, err := jsvalue.WirePacket(p, c.nsp.Name())
	if err != nil {
		return err
	}
	rid := randomRequestID()
	keep := c.timeout
	if opts != nil && opts.Flags.Timeout > 0 {
		keep = opts.Flags.Timeout
	}
	r := &ackRequest{clientCount: clientCount, ack: ack}
	r.mu.Lock()
	defer r.mu.Unlock()
	if err := c.addAck(rid, r, keep); err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(c.ctx, c.timeout)
	defer cancel()
	if err := c.transport.publishTo(ctx, c.channel, ctBroadcast, jsvalue.Object{{"packet", pkt}, {"requestId", rid}, {"opts", wireOpts(opts)}}); err != nil {
		c.forgetAck(rid)
		return err
	}
	return c.local.BroadcastWithAck(p, opts, clientCount, ack)
}

// request publishes a request on the namespace channel and waits for need answers,
// until RequestsTimeout or ctx ends; on timeout it returns the answers so far with an
// error wrapping ErrRequestTimeout.
func (c *clusterAdapter) request(ctx context.Context, kind string, t int, data jsvalue.Object, need int) ([]jsvalue.Object, error) {
	rid := randomRequestID()
	p, err := c.addPending(rid, need)
	if err != nil {
		return nil, err
	}
	defer c.dropPending(rid)
	wctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	if c.requestIDLast {
		data = append(data, jsvalue.KV{"requestId", rid})
	} else {
		data = append(jsvalue.Object{{"requestId", rid}}, data...)
	}
	if err := c.transport.publishTo(wctx, c.channel, t, data); err != nil {
		return nil, err
	}
	return c.wait(ctx, wctx, p, kind, need, c.timeout)
}

// others returns the number of other servers.
func (c *clusterAdapter) others(ctx context.Context) (int, error) {
	n, err := c.transport.ServerCount(ctx)
	if err != nil {
		return 0, err
	}
	return max(n-1, 0), nil
}

// fetchSockets returns the selected sockets of every server; remote ones carry their
// handshake and data as decoded JSON. Node: ClusterAdapter.fetchSockets.
func (c *clusterAdapter) fetchSockets(ctx context.Context, opts *adapter.BroadcastOptions) ([]adapter.SocketDetails, error) {
	out, err := c.local.FetchSockets(ctx, opts)
	if err != nil || isLocal(opts) {
		return out, err
	}
	n, err := c.others(ctx)
	if err != nil || n == 0 {
		return out, err
	}
	msgs, err := c.request(ctx, "fetchSockets", ctFetchSockets, jsvalue.Object{{"opts", selectData(opts)}}, n)
	for _, m := range msgs {
		arr, _ := m.Get("sockets").([]any)
		for _, e := range arr {
			if sm, ok := e.(jsvalue.Object); ok {
				out = append(out, remoteSocket(sm))
			}
		}
	}
	return out, err
}

// sockets returns the ids of the sockets in any of rooms on every server (through
// fetchSockets: the cluster protocol has no lighter request), sorted.
func (c *clusterAdapter) sockets(ctx context.Context, rooms []string) ([]string, error) {
	ds, err := c.fetchSockets(ctx, &adapter.BroadcastOptions{Rooms: rooms})
	ids := make([]string, 0, len(ds))
	for _, d := range ds {
		ids = append(ids, d.ID)
	}
	slices.Sort(ids)
	return slices.Compact(ids), err
}

// serverSideEmit publishes an event (args[0] is its name) on the namespace channel.
func (c *clusterAdapter) serverSideEmit(args []any) error {
	js, err := jsvalue.FromGo(args)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(c.ctx, c.timeout)
	defer cancel()
	return c.transport.publishTo(ctx, c.channel, ctServerSideEmit, jsvalue.Object{{"packet", js}})
}

// serverSideEmitWithAck publishes an event and returns one answer per other server.
func (c *clusterAdapter) serverSideEmitWithAck(ctx context.Context, args []any) ([]any, error) {
	js, err := jsvalue.FromGo(args)
	if err != nil {
		return nil, err
	}
	n, err := c.others(ctx)
	if err != nil {
		return nil, err
	}
	if n == 0 {
		return []any{}, nil
	}
	msgs, err := c.request(ctx, "serverSideEmit", ctServerSideEmit, jsvalue.Object{{"packet", js}}, n)
	out := make([]any, 0, len(msgs))
	for _, m := range msgs {
		out = append(out, jsvalue.ToGo(m.Get("packet")))
	}
	return out, err
}
