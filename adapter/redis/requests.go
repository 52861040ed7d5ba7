package redis

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/gosockio/gosockio/adapter"
	"github.com/gosockio/gosockio/adapter/internal/jsvalue"
)

// pending is a request sent to the other servers, waiting for need answers.
type pending struct {
	need int
	once sync.Once
	done chan struct{}    // closed when every answer is in, or by fail
	msgs []jsvalue.Object // guarded by Adapter.mu
	err  error            // set before done is closed by fail
}

func (p *pending) fail(err error) {
	p.once.Do(func() {
		p.err = err
		close(p.done)
	})
}

// requestTable holds the requests and acknowledged broadcasts of one adapter that wait
// for the answers of other servers. Every adapter of the package embeds one.
type requestTable struct {
	mu      sync.Mutex
	pending map[string]*pending    // guarded by mu
	acks    map[string]*ackRequest // guarded by mu
	closed  bool                   // guarded by mu
}

// closeRequests marks the table closed, fails the waiting requests with
// adapter.ErrClosed and stops the acknowledged broadcasts' timers. It returns false
// when the table was closed already.
func (t *requestTable) closeRequests() bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.closed {
		return false
	}
	t.closed = true
	for id, p := range t.pending {
		delete(t.pending, id)
		p.fail(adapter.ErrClosed)
	}
	for id, r := range t.acks {
		delete(t.acks, id)
		r.timer.Stop()
	}
	return true
}

// addPending registers request rid, waiting for need answers; adapter.ErrClosed after
// closeRequests.
func (t *requestTable) addPending(rid string, need int) (*pending, error) {
	p := &pending{need: need, done: make(chan struct{})}
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.closed {
		return nil, adapter.ErrClosed
	}
	if t.pending == nil {
		t.pending = make(map[string]*pending)
	}
	t.pending[rid] = p
	return p, nil
}

// dropPending forgets request rid.
func (t *requestTable) dropPending(rid string) {
	t.mu.Lock()
	delete(t.pending, rid)
	t.mu.Unlock()
}

// answer adds an answer to request rid, which is done when it has them all; answers
// to unknown or complete requests are ignored.
func (t *requestTable) answer(rid string, m jsvalue.Object) {
	t.mu.Lock()
	defer t.mu.Unlock()
	p, ok := t.pending[rid]
	if !ok || len(p.msgs) >= p.need {
		return
	}
	p.msgs = append(p.msgs, m)
	if len(p.msgs) == p.need {
		p.once.Do(func() { close(p.done) })
	}
}

// wait waits until p has its need answers or wctx (ctx bounded by timeout) ends, and
// returns the answers so far; on timeout with an error wrapping ErrRequestTimeout, when
// ctx ends with ctx's error.
func (t *requestTable) wait(ctx, wctx context.Context, p *pending, kind string, need int, timeout time.Duration) ([]jsvalue.Object, error) {
	select {
	case <-p.done:
	case <-wctx.Done():
	}
	t.mu.Lock()
	msgs := slices.Clone(p.msgs)
	t.mu.Unlock()
	select {
	case <-p.done:
		return msgs, p.err
	default:
	}
	if err := ctx.Err(); err != nil {
		return msgs, fmt.Errorf("redis: %s request: %w (%d of %d servers answered)", kind, err, len(msgs), need)
	}
	return msgs, fmt.Errorf("%w: %s: %d of %d servers answered within %v", ErrRequestTimeout, kind, len(msgs), need, timeout)
}

// addAck registers the acknowledged broadcast rid, forgotten after keep;
// adapter.ErrClosed after closeRequests.
func (t *requestTable) addAck(rid string, r *ackRequest, keep time.Duration) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.closed {
		return adapter.ErrClosed
	}
	if t.acks == nil {
		t.acks = make(map[string]*ackRequest)
	}
	t.acks[rid] = r
	// Stopped by closeRequests or forgetAck, or fires once to forget the request.
	r.timer = time.AfterFunc(keep, func() {
		t.mu.Lock()
		delete(t.acks, rid)
		t.mu.Unlock()
	})
	return nil
}

// forgetAck drops the acknowledged broadcast rid (its publication failed).
func (t *requestTable) forgetAck(rid string) {
	t.mu.Lock()
	if r, ok := t.acks[rid]; ok {
		r.timer.Stop()
		delete(t.acks, rid)
	}
	t.mu.Unlock()
}

// requestContext bounds ctx by RequestsTimeout.
func (a *Adapter) requestContext(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, a.opts.RequestsTimeout)
}

// request publishes req (JSON, with a fresh requestId) on the request channel and waits
// for need answers, until RequestsTimeout or ctx ends. On timeout it returns the answers
// received so far with an error wrapping ErrRequestTimeout.
func (a *Adapter) request(ctx context.Context, kind string, req map[string]any, need int) ([]jsvalue.Object, error) {
	rid := newID()
	req["uid"] = a.uid
	req["requestId"] = rid
	msg, err := json.Marshal(req)
	if err != nil {
		return nil, fmt.Errorf("redis: encode %s request: %w", kind, err)
	}
	p, err := a.addPending(rid, need)
	if err != nil {
		return nil, err
	}
	defer a.dropPending(rid)
	wctx, cancel := a.requestContext(ctx)
	defer cancel()
	if err := a.publish(wctx, a.requestChannel, msg); err != nil {
		return nil, err
	}
	return a.wait(ctx, wctx, p, kind, need, a.opts.RequestsTimeout)
}

// onResponse routes an answer to the request or broadcast waiting for it.
func (a *Adapter) onResponse(payload []byte) {
	m, err := decodeMessage(payload)
	if err != nil {
		a.log.Debug("socket.io-redis: ignoring malformed response", "err", err)
		return
	}
	rid := m.Text("requestId")
	if rid == "" || a.onAckResponse(a.log, rid, m) {
		return
	}
	a.answer(rid, m)
}

// decodeMessage decodes a request or response: JSON when it starts with "{", msgpack
// otherwise, as Node decides.
func decodeMessage(payload []byte) (jsvalue.Object, error) {
	var v any
	var err error
	if len(payload) > 0 && payload[0] == '{' {
		v, err = jsvalue.DecodeJSON(payload)
	} else {
		v, err = jsvalue.DecodeMsgpack(payload)
	}
	if err != nil {
		return nil, err
	}
	m, ok := v.(jsvalue.Object)
	if !ok {
		return nil, fmt.Errorf("redis: message is a %T, not an object", v)
	}
	return m, nil
}

// remoteSocket reads a socket of another server's FETCH_SOCKETS answer; its handshake
// and data are plain Go values (map[string]any for objects).
func remoteSocket(sm jsvalue.Object) adapter.SocketDetails {
	return adapter.SocketDetails{ID: sm.Text("id"), Handshake: jsvalue.ToGo(sm.Get("handshake")), Rooms: jsvalue.Strings(sm.Get("rooms")), Data: jsvalue.ToGo(sm.Get("data"))}
}

func wireSelect(opts *adapter.BroadcastOptions) map[string]any {
	if opts == nil {
		opts = &adapter.BroadcastOptions{}
	}
	return map[string]any{"rooms": nonNil(opts.Rooms), "except": nonNil(opts.Except)}
}

// others returns the number of other servers, or 0 when the count fails (logged).
func (a *Adapter) others(ctx context.Context) (int, error) {
	n, err := a.ServerCount(ctx)
	if err != nil {
		return 0, err
	}
	return max(n-1, 0), nil
}

// FetchSockets returns the sockets opts selects on every server. Remote sockets carry
// their handshake and data as decoded JSON. Node: fetchSockets.
func (a *Adapter) FetchSockets(ctx context.Context, opts *adapter.BroadcastOptions) ([]adapter.SocketDetails, error) {
	out, err := a.local.FetchSockets(ctx, opts)
	if err != nil || isLocal(opts) {
		return out, err
	}
	n, err := a.others(ctx)
	if err != nil || n == 0 {
		return out, err
	}
	msgs, err := a.request(ctx, "fetchSockets", map[string]any{"type": typeRemoteFetch, "opts": wireSelect(opts)}, n)
	for _, m := range msgs {
		arr, _ := m.Get("sockets").([]any)
		for _, e := range arr {
			sm, ok := e.(jsvalue.Object)
			if !ok {
				continue
			}
			out = append(out, remoteSocket(sm))
		}
	}
	return out, err
}

// Sockets returns the ids of the sockets in any of rooms on every server (SOCKETS
// request), sorted. Node: sockets.
func (a *Adapter) Sockets(ctx context.Context, rooms []string) ([]string, error) {
	ids, err := a.local.Sockets(ctx, rooms)
	if err != nil {
		return nil, err
	}
	n, err := a.others(ctx)
	if err != nil || n == 0 {
		return ids, err
	}
	msgs, err := a.request(ctx, "sockets", map[string]any{"type": typeSockets, "rooms": nonNil(rooms)}, n)
	for _, m := range msgs {
		ids = append(ids, jsvalue.Strings(m.Get("sockets"))...)
	}
	slices.Sort(ids)
	return slices.Compact(ids), err
}

// AllRooms returns the names of the rooms of every server, sorted. Node: allRooms.
func (a *Adapter) AllRooms(ctx context.Context) ([]string, error) {
	rooms := a.local.Rooms()
	n, err := a.others(ctx)
	if err != nil || n == 0 {
		return rooms, err
	}
	msgs, err := a.request(ctx, "allRooms", map[string]any{"type": typeAllRooms}, n)
	for _, m := range msgs {
		rooms = append(rooms, jsvalue.Strings(m.Get("rooms"))...)
	}
	slices.Sort(rooms)
	return slices.Compact(rooms), err
}

// AddSockets makes the sockets opts selects join rooms, here at once and on the other
// servers through a REMOTE_JOIN request. Node: addSockets.
func (a *Adapter) AddSockets(opts *adapter.BroadcastOptions, rooms []string) {
	a.local.AddSockets(opts, rooms)
	if !isLocal(opts) {
		a.fireAndForget(map[string]any{"type": typeRemoteJoin, "opts": wireSelect(opts), "rooms": nonNil(rooms)})
	}
}

// DelSockets makes the sockets opts selects leave rooms, everywhere (REMOTE_LEAVE).
// Node: delSockets.
func (a *Adapter) DelSockets(opts *adapter.BroadcastOptions, rooms []string) {
	a.local.DelSockets(opts, rooms)
	if !isLocal(opts) {
		a.fireAndForget(map[string]any{"type": typeRemoteLeave, "opts": wireSelect(opts), "rooms": nonNil(rooms)})
	}
}

// DisconnectSockets disconnects the sockets opts selects, everywhere
// (REMOTE_DISCONNECT). Node: disconnectSockets.
func (a *Adapter) DisconnectSockets(opts *adapter.BroadcastOptions, close bool) {
	if !isLocal(opts) {
		// Published first: disconnecting local sockets may change their rooms.
		a.fireAndForget(map[string]any{"type": typeRemoteDisconnect, "opts": wireSelect(opts), "close": close})
	}
	a.local.DisconnectSockets(opts, close)
}

func (a *Adapter) fireAndForget(req map[string]any) {
	req["uid"] = a.uid
	msg, err := json.Marshal(req)
	if err != nil {
		a.log.Warn("socket.io-redis: encode request", "err", err)
		return
	}
	a.publishBackground(a.requestChannel, msg)
}

// ServerSideEmit sends an event (args[0] is its name) to the other servers.
// Node: serverSideEmit.
func (a *Adapter) ServerSideEmit(args []any) error {
	msg, err := json.Marshal(map[string]any{"uid": a.uid, "type": typeServerSideEmit, "data": args})
	if err != nil {
		return fmt.Errorf("redis: encode server-side emit: %w", err)
	}
	ctx, cancel := a.requestContext(a.ctx)
	defer cancel()
	return a.publish(ctx, a.requestChannel, msg)
}

// ServerSideEmitWithAck sends an event to the other servers and returns one answer per
// server. When some do not answer within RequestsTimeout (or before ctx ends) it returns
// the answers so far and an error wrapping ErrRequestTimeout (or ctx's error).
// Node: serverSideEmitWithAck.
func (a *Adapter) ServerSideEmitWithAck(ctx context.Context, args []any) ([]any, error) {
	n, err := a.others(ctx)
	if err != nil {
		return nil, err
	}
	if n == 0 {
		return []any{}, nil
	}
	msgs, err := a.request(ctx, "serverSideEmit", map[string]any{"type": typeServerSideEmit, "data": args}, n)
	out := make([]any, 0, len(msgs))
	for _, m := range msgs {
		out = append(out, jsvalue.ToGo(m.Get("data")))
	}
	return out, err
}
