package redis

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"time"

	goredis "github.com/redis/go-redis/v9"
)

// streamsHub holds the readers of one CreateStreamsAdapter factory: one per stream,
// started by the first namespace on it and stopped with the last (Node starts one
// reading client per stream with the factory).
type streamsHub struct {
	rdb  goredis.UniversalClient
	opts StreamsOptions

	mu      sync.Mutex
	readers map[string]*streamReader // stream name -> reader; guarded by mu
}

// streamReader reads one stream with XREAD BLOCK and hands each entry to the adapters
// of its namespace, in stream order.
type streamReader struct {
	hub    *streamsHub
	stream string

	mu       sync.Mutex
	adapters map[string][]*StreamsAdapter // nsp -> adapters; guarded by mu

	done     chan struct{} // closed to stop the loop
	stopped  chan struct{} // closed when the loop has returned
	clientID atomic.Int64  // Redis CLIENT ID of the connection blocked in XREAD, 0 if none
	// delivering is set while the loop hands entries to adapters, which may run user
	// code (a remote disconnect) that closes the last adapter of this stream.
	delivering atomic.Bool
}

// register adds a to the reader of its stream, starting the reader at the stream's
// current end when a is the first. Once it returns, every entry added later reaches a.
func (h *streamsHub) register(ctx context.Context, a *StreamsAdapter) (*streamReader, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	r := h.readers[a.stream]
	if r == nil {
		last, err := h.rdb.XRevRangeN(ctx, a.stream, "+", "-", 1).Result()
		if err != nil {
			return nil, err
		}
		offset := "0-0"
		if len(last) > 0 {
			offset = last[0].ID
		}
		r = &streamReader{
			hub:      h,
			stream:   a.stream,
			adapters: make(map[string][]*StreamsAdapter),
			done:     make(chan struct{}),
			stopped:  make(chan struct{}),
		}
		h.readers[a.stream] = r
		go r.run(offset) // stopped by streamsHub.unregister of the stream's last adapter
	}
	r.mu.Lock()
	name := a.nsp.Name()
	r.adapters[name] = append(r.adapters[name], a)
	r.mu.Unlock()
	return r, nil
}

// unregister removes a from its reader and stops the reader when a was the last.
func (h *streamsHub) unregister(a *StreamsAdapter) {
	h.mu.Lock()
	r := a.reader
	r.mu.Lock()
	name := a.nsp.Name()
	list := r.adapters[name]
	for i, e := range list {
		if e == a {
			list = append(list[:i:i], list[i+1:]...)
			break
		}
	}
	if len(list) == 0 {
		delete(r.adapters, name)
	} else {
		r.adapters[name] = list
	}
	empty := len(r.adapters) == 0
	r.mu.Unlock()
	if !empty {
		h.mu.Unlock()
		return
	}
	// A namespace made meanwhile starts a new reader; this one is stopped outside the
	// lock, so that what it is delivering may create namespaces.
	delete(h.readers, r.stream)
	h.mu.Unlock()
	r.stop()
}

// stop ends the loop and waits for it, unless it is delivering entries (stop may then
// be running inside the loop). A connection blocked in XREAD is released with CLIENT
// UNBLOCK (repeated, in case the loop was about to block); without a dedicated
// connection the wait lasts at most BlockTime.
func (r *streamReader) stop() {
	close(r.done)
	if r.delivering.Load() {
		// Possibly called from the loop itself (through user code): waiting would never
		// end. The loop sees done once the delivery returns, and exits.
		return
	}
	for {
		if id := r.clientID.Load(); id != 0 {
			ctx, cancel := context.WithTimeout(context.Background(), time.Second)
			_ = r.hub.rdb.ClientUnblock(ctx, id).Err()
			cancel()
		}
		t := time.NewTimer(50 * time.Millisecond)
		select {
		case <-r.stopped:
			t.Stop()
			return
		case <-t.C:
		}
	}
}

// dedicated is implemented by *redis.Client: a connection of its own that the reader
// can unblock.
type dedicated interface {
	Conn() *goredis.Conn
}

func (r *streamReader) run(offset string) {
	defer close(r.stopped)
	opts := r.hub.opts
	log := opts.Logger.With("component", "socket.io-redis-streams-adapter", "stream", r.stream)
	const minBackoff, maxBackoff = 50 * time.Millisecond, 2 * time.Second
	backoff := minBackoff
	var conn *goredis.Conn
	defer func() {
		if conn != nil {
			_ = conn.Close()
		}
	}()
	ctx := context.Background()
	for {
		select {
		case <-r.done:
			return
		default:
		}
		if d, ok := r.hub.rdb.(dedicated); ok && conn == nil {
			conn = d.Conn()
			id, err := conn.ClientID(ctx).Result()
			if err != nil {
				_ = conn.Close()
				conn = nil
				log.Warn("socket.io-redis-streams-adapter: connect the stream reader", "err", err, "retry", backoff)
				if !sleep(r.done, backoff) {
					return
				}
				backoff = min(2*backoff, maxBackoff)
				continue
			}
			r.clientID.Store(id)
		}
		args := &goredis.XReadArgs{Streams: []string{r.stream, offset}, Count: opts.ReadCount, Block: opts.BlockTime}
		var res []goredis.XStream
		var err error
		if conn != nil {
			res, err = conn.XRead(ctx, args).Result()
		} else {
			res, err = r.hub.rdb.XRead(ctx, args).Result()
		}
		if errors.Is(err, goredis.Nil) {
			continue // BLOCK timed out, or CLIENT UNBLOCK
		}
		if err != nil {
			select {
			case <-r.done:
				return
			default:
			}
			// Keep the offset: after reconnecting, reading resumes where it stopped and
			// nothing appended meanwhile is lost.
			log.Warn("socket.io-redis-streams-adapter: reading the stream failed, retrying", "err", err, "retry", backoff)
			if conn != nil {
				r.clientID.Store(0)
				_ = conn.Close()
				conn = nil
			}
			if !sleep(r.done, backoff) {
				return
			}
			backoff = min(2*backoff, maxBackoff)
			continue
		}
		backoff = minBackoff
		r.delivering.Store(true)
		for _, s := range res {
			for _, e := range s.Messages {
				r.deliver(e)
				offset = e.ID
			}
		}
		r.delivering.Store(false)
	}
}

// deliver hands one entry to the adapters of its namespace (entries without nsp are
// ignored, as Node does).
func (r *streamReader) deliver(e goredis.XMessage) {
	nsp, _ := e.Values["nsp"].(string)
	if nsp == "" {
		return
	}
	r.mu.Lock()
	list := r.adapters[nsp]
	r.mu.Unlock()
	if len(list) == 0 {
		return
	}
	msg, err := decodeStreamEntry(e.Values)
	if err != nil {
		r.hub.opts.Logger.Debug("socket.io-redis-streams-adapter: ignoring malformed entry", "id", e.ID, "err", err)
		return
	}
	for _, a := range list {
		if msg.Text("uid") != a.uid {
			a.onMessage(msg, e.ID)
		}
	}
}
