package socketio

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"reflect"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gosockio/gosockio/adapter"
	"github.com/gosockio/gosockio/parser"
)

// socket states
const (
	statePending   = iota // created, middlewares running
	stateConnected        // CONNECT sent
	stateClosing          // disconnecting listeners running
	stateClosed           // gone
)

// Socket is one client's connection to one namespace. Node: Socket.
//
// All methods are safe for concurrent use. Event handlers of one socket run one at a time,
// in arrival order, on the connection's read path: a handler that blocks delays only this
// connection (and its other namespaces).
type Socket struct {
	id        string
	pid       string
	nsp       *Namespace
	client    *client
	handshake *Handshake // built on first use (see Handshake); guarded by mu
	hsArgs    hsArgs     // what builds it; guarded by mu
	recovered bool
	log       *slog.Logger

	mu       sync.Mutex
	state    int                    // guarded by mu
	data     any                    // guarded by mu
	handlers []eventHandler         // in registration order, copy-on-write (see dispatch); guarded by mu
	anyIn    []*anyListener         // guarded by mu
	anyOut   []*outListener         // guarded by mu
	mws      []PacketMiddleware     // guarded by mu
	acks     map[uint64]*pendingAck // guarded by mu
	missed   []*parser.Packet       // recovered packets to replay; connection path only
	holding  bool                   // queue sends in held until release; guarded by mu
	held     []heldFrames           // guarded by mu
	// releaseMu makes release exclusive, so two goroutines releasing held frames (the
	// connection path and a Disconnect from elsewhere) cannot interleave their batches.
	releaseMu sync.Mutex
}

type heldFrames struct {
	frames []parser.Frame
	opts   adapter.DeliverOptions
}

type anyListener struct {
	fn  func(event string, args Args)
	ptr uintptr
}

type outListener struct {
	fn  func(event string, args []any)
	ptr uintptr
}

// pendingAck waits for one ACK packet; fn is called once, with the packet or an error.
type pendingAck struct {
	fn    func(p *parser.Packet, err error)
	timer *time.Timer
}

func newSocketID() string {
	var b [15]byte
	_, _ = rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// ID returns the socket id: random for v5 clients; the engine id (or "<nsp>#<engine
// id>" outside "/") for v4 clients. Node: socket.id.
func (s *Socket) ID() string { return s.id }

// Namespace returns the socket's namespace. Node: socket.nsp.
func (s *Socket) Namespace() *Namespace { return s.nsp }

// Handshake returns the connection details. Node: socket.handshake.
func (s *Socket) Handshake() *Handshake {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.handshake == nil {
		s.handshake = s.hsArgs.build(s.client.conn)
		s.hsArgs = hsArgs{}
	}
	return s.handshake
}

// Conn returns the engine connection. Node: socket.conn.
func (s *Socket) Conn() EngineConn { return s.client.conn }

// Request returns the engine's handshake request. Node: socket.request.
func (s *Socket) Request() *http.Request { return s.client.conn.Request() }

// Recovered reports whether the socket's state was restored by connection state
// recovery. Node: socket.recovered.
func (s *Socket) Recovered() bool { return s.recovered }

// Connected reports whether the socket is connected. Node: socket.connected.
func (s *Socket) Connected() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.state == stateConnected || s.state == stateClosing
}

// Data returns the user data attached to the socket (nil by default). Node: socket.data.
func (s *Socket) Data() any {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.data
}

// SetData attaches user data to the socket; it is kept by connection state recovery and
// reported by FetchSockets.
func (s *Socket) SetData(v any) {
	s.mu.Lock()
	s.data = v
	s.mu.Unlock()
	s.notifyDataSet()
}

// Rooms returns the rooms the socket is in, its own id included. Node: socket.rooms.
func (s *Socket) Rooms() []string {
	rooms := s.nsp.adapter.SocketRooms(s.id)
	if rooms == nil {
		return []string{}
	}
	return rooms
}

// Join adds the socket to rooms. Node: socket.join. It does nothing after disconnection.
func (s *Socket) Join(rooms ...string) {
	s.mu.Lock()
	closed := s.state == stateClosed
	s.mu.Unlock()
	switch {
	case closed || len(rooms) == 0:
	case s.nsp.srv.observed():
		s.joinObserved(rooms)
	default:
		s.nsp.adapter.AddAll(s.id, rooms)
	}
}

// Leave removes the socket from rooms. Node: socket.leave.
func (s *Socket) Leave(rooms ...string) {
	if s.nsp.srv.observed() {
		s.leaveObserved(rooms)
		return
	}
	for _, r := range rooms {
		s.nsp.adapter.Del(s.id, r)
	}
}

// On registers handler for event. handler is a func whose parameters receive the event's
// arguments in order, decoded from JSON (a []byte parameter receives a binary attachment;
// a socketio.Args parameter receives the remaining arguments undecoded; a trailing func
// parameter is the acknowledgement callback: calling it answers the peer). It may return
// an error, which is logged. Arguments that do not fit are logged as an *ArgsError and the
// handler is not called; the socket stays connected. Reserved events are registered the
// same way: "disconnecting" and "disconnect" receive (reason string), "error" receives
// (err string).
//
// On panics if handler is not such a func (a programming error). Node: socket.on.
func (s *Socket) On(event string, fn any) {
	h := mustHandler(fn)
	s.mu.Lock()
	s.handlers = append(s.handlers, eventHandler{event, h})
	s.mu.Unlock()
}

// Once is On for one call. Node: socket.once.
func (s *Socket) Once(event string, fn any) {
	h := mustHandler(fn)
	h.once = true
	s.mu.Lock()
	s.handlers = append(s.handlers, eventHandler{event, h})
	s.mu.Unlock()
}

// Off removes handler from event, or every handler of event when handler is nil.
// Handlers are compared by function pointer: two closures made by the same func literal
// are the same handler. Node: socket.off.
func (s *Socket) Off(event string, handler any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if handler == nil {
		s.handlers = slices.DeleteFunc(slices.Clone(s.handlers), func(e eventHandler) bool { return e.event == event })
		return
	}
	ptr := reflect.ValueOf(handler).Pointer()
	for i, e := range s.handlers {
		if e.event == event && e.h.ptr == ptr {
			s.handlers = slices.Delete(slices.Clone(s.handlers), i, i+1)
			return
		}
	}
}

// OnDisconnect registers fn for "disconnect", after the socket left its rooms.
func (s *Socket) OnDisconnect(fn func(reason DisconnectReason)) { s.On("disconnect", fn) }

// OnDisconnecting registers fn for "disconnecting", called while the socket is still in
// its rooms.
func (s *Socket) OnDisconnecting(fn func(reason DisconnectReason)) { s.On("disconnecting", fn) }

// OnError registers fn for "error": a per-packet middleware refused an event, or the
// connection sent something invalid.
func (s *Socket) OnError(fn func(err error)) {
	h := mustHandler(func(msg string) { fn(fmt.Errorf("%s", msg)) })
	h.ptr = reflect.ValueOf(fn).Pointer()
	s.mu.Lock()
	s.handlers = append(s.handlers, eventHandler{"error", h})
	s.mu.Unlock()
}

// OnAny registers fn for every incoming event, called before middlewares and handlers.
// Node: socket.onAny.
func (s *Socket) OnAny(fn func(event string, args Args)) {
	s.mu.Lock()
	s.anyIn = append(slices.Clone(s.anyIn), &anyListener{fn, reflect.ValueOf(fn).Pointer()})
	s.mu.Unlock()
}

// PrependAny is OnAny, called before the listeners already registered. Node: prependAny.
func (s *Socket) PrependAny(fn func(event string, args Args)) {
	s.mu.Lock()
	s.anyIn = append([]*anyListener{{fn, reflect.ValueOf(fn).Pointer()}}, s.anyIn...)
	s.mu.Unlock()
}

// OffAny removes fn, or every any-listener when fn is nil. Node: offAny.
func (s *Socket) OffAny(fn func(event string, args Args)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if fn == nil {
		s.anyIn = nil
		return
	}
	ptr := reflect.ValueOf(fn).Pointer()
	if i := slices.IndexFunc(s.anyIn, func(l *anyListener) bool { return l.ptr == ptr }); i >= 0 {
		s.anyIn = slices.Delete(slices.Clone(s.anyIn), i, i+1)
	}
}

// OnAnyOutgoing registers fn for every event sent to this socket (direct or broadcast),
// called before the packet is queued. args must not be modified. Node: onAnyOutgoing.
func (s *Socket) OnAnyOutgoing(fn func(event string, args []any)) {
	s.mu.Lock()
	s.anyOut = append(slices.Clone(s.anyOut), &outListener{fn, reflect.ValueOf(fn).Pointer()})
	s.mu.Unlock()
}

// PrependAnyOutgoing is OnAnyOutgoing, called before the listeners already registered.
// Node: prependAnyOutgoing.
func (s *Socket) PrependAnyOutgoing(fn func(event string, args []any)) {
	s.mu.Lock()
	s.anyOut = append([]*outListener{{fn, reflect.ValueOf(fn).Pointer()}}, s.anyOut...)
	s.mu.Unlock()
}

// OffAnyOutgoing removes fn, or every outgoing listener when fn is nil.
func (s *Socket) OffAnyOutgoing(fn func(event string, args []any)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if fn == nil {
		s.anyOut = nil
		return
	}
	ptr := reflect.ValueOf(fn).Pointer()
	if i := slices.IndexFunc(s.anyOut, func(l *outListener) bool { return l.ptr == ptr }); i >= 0 {
		s.anyOut = slices.Delete(slices.Clone(s.anyOut), i, i+1)
	}
}

// Use adds a per-packet middleware. Node: socket.use.
func (s *Socket) Use(mw PacketMiddleware) {
	s.mu.Lock()
	s.mws = append(slices.Clone(s.mws), mw)
	s.mu.Unlock()
}

// Emit sends an event to this socket. args are JSON-encodable values and []byte: a
// []byte argument, or one inside a []any or map[string]any at any depth, travels as a
// binary attachment (inside a struct, encoding/json writes it as base64).
//
// A trailing func is the acknowledgement callback; its parameters receive the peer's
// answer as a handler's do. If its first parameter is an error, it is called with nil
// and the answer, or with ErrAckTimeout (after Timeout) or ErrDisconnected and zero
// values; without one, it is called only with an answer. It runs on the connection's
// read path (or the timer's goroutine for a timeout).
//
// Emit returns ErrReservedEvent for a reserved name, ErrDisconnected after
// disconnection, or the encoding error. It never waits for the network. Node: socket.emit.
func (s *Socket) Emit(event string, args ...any) error {
	return s.emit(adapter.BroadcastFlags{}, event, args)
}

// EmitWithAck sends an event and waits for the peer's answer, until ctx ends (the error
// then matches ctx's), the Timeout set with Socket.Timeout expires (ErrAckTimeout) or the
// socket disconnects (ErrDisconnected). Node: socket.emitWithAck.
//
// Do not call it from a handler of the same connection: the answer is read by the
// connection's read path, which the handler holds, so the wait can only end by timeout.
// Use Emit with a trailing callback there, or wait from another goroutine.
func (s *Socket) EmitWithAck(ctx context.Context, event string, args ...any) (Args, error) {
	return s.emitWithAck(ctx, adapter.BroadcastFlags{}, event, args)
}

// Send emits a "message" event. Node: socket.send.
func (s *Socket) Send(args ...any) error { return s.Emit("message", args...) }

// Timeout returns an emitter whose acknowledgements fail with ErrAckTimeout after d.
// Node: socket.timeout(d).
func (s *Socket) Timeout(d time.Duration) *Emitter {
	return &Emitter{s: s, flags: adapter.BroadcastFlags{Timeout: d}}
}

// Volatile returns an emitter whose events may be dropped when the connection is not
// ready. Node: socket.volatile.
func (s *Socket) Volatile() *Emitter {
	return &Emitter{s: s, flags: adapter.BroadcastFlags{Volatile: true}}
}

// Compress returns an emitter that compresses (or not) its events. Node: socket.compress.
func (s *Socket) Compress(compress bool) *Emitter {
	return &Emitter{s: s, flags: adapter.BroadcastFlags{Compress: &compress}}
}

// Broadcast returns an operator that reaches every socket of the namespace but this one.
// Node: socket.broadcast.
func (s *Socket) Broadcast() *BroadcastOperator {
	return newOperator(s.nsp).Except(s.id)
}

// To returns an operator for rooms, excluding this socket. Node: socket.to.
func (s *Socket) To(rooms ...string) *BroadcastOperator { return s.Broadcast().To(rooms...) }

// In is To. Node: socket.in.
func (s *Socket) In(rooms ...string) *BroadcastOperator { return s.To(rooms...) }

// Except returns an operator for every socket but this one and those in rooms.
// Node: socket.except.
func (s *Socket) Except(rooms ...string) *BroadcastOperator { return s.Broadcast().Except(rooms...) }

// Local returns an operator limited to this server, excluding this socket.
// Node: socket.local.
func (s *Socket) Local() *BroadcastOperator { return s.Broadcast().Local() }

// Disconnect disconnects the socket from its namespace (the client receives DISCONNECT;
// reason "server namespace disconnect"); with close, the whole engine connection is
// closed too. Node: socket.disconnect(close).
func (s *Socket) Disconnect(close bool) {
	if !s.Connected() {
		return
	}
	if close {
		s.client.disconnectAll()
		return
	}
	s.write(&parser.Packet{Type: parser.Disconnect}, adapter.DeliverOptions{})
	s.onClose(ReasonServerNamespaceDisconnect)
}

// Emitter sends events to one socket with flags (Timeout, Volatile, Compress).
type Emitter struct {
	s     *Socket
	flags adapter.BroadcastFlags
}

// Timeout sets the acknowledgement timeout.
func (e *Emitter) Timeout(d time.Duration) *Emitter {
	c := *e
	c.flags.Timeout = d
	return &c
}

// Volatile marks the events volatile.
func (e *Emitter) Volatile() *Emitter {
	c := *e
	c.flags.Volatile = true
	return &c
}

// Compress sets compression.
func (e *Emitter) Compress(compress bool) *Emitter {
	c := *e
	c.flags.Compress = &compress
	return &c
}

// Emit is Socket.Emit with the emitter's flags.
func (e *Emitter) Emit(event string, args ...any) error { return e.s.emit(e.flags, event, args) }

// EmitWithAck is Socket.EmitWithAck with the emitter's flags.
func (e *Emitter) EmitWithAck(ctx context.Context, event string, args ...any) (Args, error) {
	return e.s.emitWithAck(ctx, e.flags, event, args)
}

// Send emits a "message" event.
func (e *Emitter) Send(args ...any) error { return e.Emit("message", args...) }

func (s *Socket) emit(flags adapter.BroadcastFlags, event string, args []any) error {
	if reservedEvent(event) {
		return fmt.Errorf("%w: %q", ErrReservedEvent, event)
	}
	args, ackFn := splitAck(args)
	data := make([]any, 0, len(args)+1)
	data = append(append(data, event), args...)
	p := &parser.Packet{Type: parser.Event, Data: data}
	if ackFn != nil {
		cb, err := newAckCallback(ackFn)
		if err != nil {
			return err
		}
		p.ID, p.HasID = s.nsp.nextAckID(), true
		if !s.registerAck(p.ID, flags.Timeout, func(ack *parser.Packet, err error) {
			var args Args
			if err == nil {
				args, err = parseArgs(ack.Data, ack.Attachments)
			}
			if cerr := cb.answer(args, err); cerr != nil {
				s.log.Warn("socket.io: ack callback", "sid", s.id, "nsp", s.nsp.name, "err", cerr)
			}
		}) {
			return ErrDisconnected
		}
	}
	return s.send(p, flags)
}

// send writes an event packet to this socket, through the adapter when recovery is on
// (so it gets an offset and is kept for replay).
func (s *Socket) send(p *parser.Packet, flags adapter.BroadcastFlags) error {
	if !s.Connected() {
		if p.HasID {
			s.takeAck(p.ID)
		}
		return ErrDisconnected
	}
	if s.nsp.srv.opts.ConnectionStateRecovery != nil {
		return s.nsp.adapter.Broadcast(p, &adapter.BroadcastOptions{Rooms: []string{s.id}, Flags: flags})
	}
	s.notifyOutgoing(p)
	return s.write(p, adapter.DeliverOptions{Volatile: flags.Volatile, NoCompress: flags.NoCompress()})
}

func (s *Socket) emitWithAck(ctx context.Context, flags adapter.BroadcastFlags, event string, args []any) (Args, error) {
	type result struct {
		args Args
		err  error
	}
	ch := make(chan result, 1)
	if reservedEvent(event) {
		return Args{}, fmt.Errorf("%w: %q", ErrReservedEvent, event)
	}
	data := make([]any, 0, len(args)+1)
	data = append(append(data, event), args...)
	p := &parser.Packet{Type: parser.Event, Data: data, ID: s.nsp.nextAckID(), HasID: true}
	if !s.registerAck(p.ID, flags.Timeout, func(ack *parser.Packet, err error) {
		var a Args
		if err == nil {
			a, err = parseArgs(ack.Data, ack.Attachments)
		}
		ch <- result{a, err}
	}) {
		return Args{}, ErrDisconnected
	}
	if err := s.send(p, flags); err != nil {
		s.takeAck(p.ID)
		return Args{}, err
	}
	select {
	case r := <-ch:
		return r.args, r.err
	case <-ctx.Done():
		s.takeAck(p.ID)
		return Args{}, fmt.Errorf("socketio: waiting for ack of %q: %w", event, ctx.Err())
	}
}

// registerAck stores fn under id; with a timeout, fn gets ErrAckTimeout when it expires.
// It reports false when the socket is closed.
func (s *Socket) registerAck(id uint64, timeout time.Duration, fn func(*parser.Packet, error)) bool {
	pa := &pendingAck{fn: fn}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.state == stateClosed {
		return false
	}
	if s.acks == nil {
		s.acks = make(map[uint64]*pendingAck)
	}
	s.acks[id] = pa
	if timeout > 0 {
		// The timer goroutine is owned by the ack: stopped when the answer arrives, the
		// wait is cancelled, or the socket closes.
		pa.timer = time.AfterFunc(timeout, func() {
			if p := s.takeAck(id); p != nil {
				p.fn(nil, ErrAckTimeout)
			}
		})
	}
	return true
}

// takeAck removes and returns the pending ack id, stopping its timer.
func (s *Socket) takeAck(id uint64) *pendingAck {
	s.mu.Lock()
	pa := s.acks[id]
	delete(s.acks, id)
	s.mu.Unlock()
	if pa != nil && pa.timer != nil {
		pa.timer.Stop()
	}
	return pa
}

// write encodes p for this socket's connection and queues it.
func (s *Socket) write(p *parser.Packet, opts adapter.DeliverOptions) error {
	p.Namespace = s.nsp.name
	frames, err := s.client.enc.Encode(p)
	if err != nil {
		return fmt.Errorf("socketio: encode %s for %s: %w", p.Type, s.id, err)
	}
	s.nsp.srv.stats.countOut(p.Type)
	s.sendFrames(frames, opts)
	return nil
}

// sendFrames queues frames on the connection, or holds them while the connection
// handlers run (so the client sees CONNECT only after them, with what they sent).
func (s *Socket) sendFrames(frames []parser.Frame, opts adapter.DeliverOptions) {
	s.mu.Lock()
	if s.holding {
		s.held = append(s.held, heldFrames{frames, opts})
		s.mu.Unlock()
		return
	}
	s.mu.Unlock()
	s.client.send(frames, opts)
}

// release sends the held frames in order, then stops holding. Sends that arrive while
// a batch is being written are held and go out in the next batch, keeping the order.
func (s *Socket) release() {
	s.releaseMu.Lock()
	defer s.releaseMu.Unlock()
	for {
		s.mu.Lock()
		batch := s.held
		s.held = nil
		if len(batch) == 0 {
			s.holding = false
			s.mu.Unlock()
			return
		}
		s.mu.Unlock()
		for _, h := range batch {
			s.client.send(h.frames, h.opts)
		}
	}
}

// deliver is the adapter's path to this socket: pre-encoded frames. It takes the
// socket's lock once (the per-recipient cost of a broadcast).
func (s *Socket) deliver(p *parser.Packet, frames []parser.Frame, opts adapter.DeliverOptions) bool {
	s.mu.Lock()
	if s.state != stateConnected && s.state != stateClosing {
		s.mu.Unlock()
		return false
	}
	if opts.Ack != nil {
		ack := opts.Ack
		if s.acks == nil {
			s.acks = make(map[uint64]*pendingAck)
		}
		s.acks[p.ID] = &pendingAck{fn: func(a *parser.Packet, err error) {
			if err == nil {
				ack(a)
			}
		}}
	}
	outs := s.anyOut
	held := s.holding
	s.nsp.srv.stats.countOut(p.Type)
	if held {
		s.held = append(s.held, heldFrames{frames, opts})
	}
	s.mu.Unlock()
	if len(outs) > 0 {
		s.notifyListeners(outs, p)
	}
	if !held {
		s.client.send(frames, opts)
	}
	return true
}

func (s *Socket) notifyOutgoing(p *parser.Packet) {
	s.mu.Lock()
	ls := s.anyOut
	s.mu.Unlock()
	if len(ls) > 0 {
		s.notifyListeners(ls, p)
	}
}

func (s *Socket) notifyListeners(ls []*outListener, p *parser.Packet) {
	data, _ := p.Data.([]any)
	if len(data) == 0 {
		if a, err := parseArgs(p.Data, p.Attachments); err == nil {
			data = a.Values()
		}
	}
	if len(data) == 0 {
		return
	}
	name, _ := data[0].(string)
	for _, l := range ls {
		l.fn(name, data[1:])
	}
}

// onPacket handles a packet for this socket, on the read path.
func (s *Socket) onPacket(p *parser.Packet) {
	switch p.Type {
	case parser.Event, parser.BinaryEvent:
		s.nsp.srv.stats.eventsIn.Add(1)
		s.onEvent(p)
	case parser.Ack, parser.BinaryAck:
		s.nsp.srv.stats.acksIn.Add(1)
		if pa := s.takeAck(p.ID); pa != nil {
			pa.fn(p, nil)
		} else {
			s.log.Debug("socket.io: ack for unknown id ignored", "sid", s.id, "nsp", s.nsp.name, "id", p.ID)
		}
	case parser.Disconnect:
		s.onClose(ReasonClientNamespaceDisconnect)
	}
}

func (s *Socket) onEvent(p *parser.Packet) {
	all, a, err := parseEventArgs(p.Data, p.Attachments, p.HasID)
	if err != nil || all.Len() == 0 {
		s.client.protocolError(fmt.Errorf("socketio: EVENT on %q: the payload must be a non-empty array: %v", s.nsp.name, err))
		return
	}
	s.mu.Lock()
	anyIn, mws, hs := s.anyIn, s.mws, s.handlers
	s.mu.Unlock()
	name, err := eventName(all, hs)
	if err != nil {
		s.client.protocolError(fmt.Errorf("socketio: EVENT on %q: %w", s.nsp.name, err))
		return
	}
	args := Args{raw: all.raw[1:], attachments: all.attachments}
	var ack func(...any)
	if a != nil {
		a.s, a.p = s, parser.Packet{Type: parser.Ack, ID: p.ID, HasID: true}
		ack = a.send
	}
	for _, l := range anyIn {
		l.fn(name, args)
	}
	if len(mws) > 0 {
		// The Event escapes to the middlewares: built only when there are some.
		ev := &Event{Name: name, Args: args, Ack: ack}
		for _, mw := range mws {
			if err := mw(ev); err != nil {
				s.emitReserved("error", err.Error())
				return
			}
		}
		name, args, ack = ev.Name, ev.Args, ev.Ack
	}
	if !s.Connected() {
		return
	}
	s.dispatch(name, args, ack)
}

// errEventNameType is the complaint about an event name that is neither a string nor a
// number.
var errEventNameType = errors.New("the event name must be a string")

// eventName returns the event name, the first of all. A plain name (no escapes, ASCII)
// equal to the event of a handler in hs is that handler's string, so that receiving an
// event with a handler does not allocate its name.
func eventName(all Args, hs []eventHandler) (string, error) {
	r := all.Raw(0)
	if len(r) > 0 && r[0] == '"' {
		// r is one valid JSON value (parseEventArgs splits with a scanner), so a string
		// literal whose body has neither escapes nor multi-byte characters is its body.
		if len(r) >= 2 && plainASCII(r[1:len(r)-1]) {
			body := r[1 : len(r)-1]
			for _, e := range hs {
				if e.event == string(body) {
					return e.event, nil
				}
			}
		}
		return parser.EventName(r)
	}
	var name string
	if err := all.Decode(0, &name); err != nil {
		var num float64
		if all.Decode(0, &num) != nil {
			return "", errEventNameType
		}
		name = string(all.Raw(0))
	}
	return name, nil
}

// plainASCII reports whether b holds only ASCII characters other than the backslash.
func plainASCII(b []byte) bool {
	for _, c := range b {
		if c == '\\' || c >= 0x80 {
			return false
		}
	}
	return true
}

// eventAck is the acknowledgement callback of one received event (Event.Ack, the
// handler's ack): only its first call sends. It holds the ACK packet, so that answering
// costs no allocation besides the ack arguments' and the encoding's.
type eventAck struct {
	s    *Socket
	sent atomic.Bool
	p    parser.Packet // Type, ID and HasID set
}

// send writes the ACK packet with args, the first time only.
func (a *eventAck) send(args ...any) {
	if !a.sent.CompareAndSwap(false, true) {
		return
	}
	if args == nil {
		args = []any{}
	}
	a.p.Data = args
	err := a.s.write(&a.p, adapter.DeliverOptions{})
	a.p.Data = nil // the encoded frames are out; keep no user values alive
	if err != nil {
		a.s.log.Warn("socket.io: send ack", "sid", a.s.id, "nsp", a.s.nsp.name, "err", err)
	}
}

// eventHandler is one registration of Socket.On. A socket has a few of them, so a list
// is smaller than a map of lists (this is per connection memory).
type eventHandler struct {
	event string
	h     *handler
}

// dispatch calls the handlers of event. It calls them outside mu on a snapshot of
// s.handlers, which is why s.handlers is never modified in place: removals replace it with
// a modified copy, and appends only write past the snapshot's length.
func (s *Socket) dispatch(event string, args Args, ack func(...any)) {
	s.mu.Lock()
	hs := s.handlers
	isOnce := func(e eventHandler) bool { return e.h.once && e.event == event }
	if slices.ContainsFunc(hs, isOnce) {
		s.handlers = slices.DeleteFunc(slices.Clone(hs), isOnce)
	}
	s.mu.Unlock()
	for _, e := range hs {
		if e.event != event {
			continue
		}
		if err := e.h.invoke(event, args, ack); err != nil {
			s.log.Warn("socket.io: event handler", "sid", s.id, "nsp", s.nsp.name, "event", event, "err", err)
		}
	}
}

// emitReserved calls the handlers of a reserved event ("disconnecting", "disconnect",
// "error"); with none (the usual case) it does not encode vals at all.
func (s *Socket) emitReserved(event string, vals ...any) {
	s.mu.Lock()
	listened := slices.ContainsFunc(s.handlers, func(e eventHandler) bool { return e.event == event })
	s.mu.Unlock()
	if listened {
		s.dispatch(event, argsFromValues(vals...), nil)
	}
}

// onConnect marks the socket connected, joins its own room and answers CONNECT.
func (s *Socket) onConnect() {
	s.mu.Lock()
	s.state = stateConnected
	s.mu.Unlock()
	// CONNECT is queued before the socket joins its own room: from the Join on, broadcasts
	// from other goroutines reach it, and none may overtake the CONNECT reply (Node joins
	// and replies in one synchronous step).
	p := &parser.Packet{Type: parser.Connect}
	if s.client.conn.Protocol() != 3 {
		p.Data = connectReply(s.id, s.pid)
	}
	if err := s.write(p, adapter.DeliverOptions{}); err != nil {
		s.log.Error("socket.io: CONNECT reply", "sid", s.id, "err", err)
	}
	s.Join(s.id)
}

// onClose runs the disconnection: "disconnecting", session persistence, cleanup,
// "disconnect". It runs once.
func (s *Socket) onClose(reason string) {
	s.mu.Lock()
	if s.state != stateConnected {
		s.mu.Unlock()
		return
	}
	s.state = stateClosing
	s.mu.Unlock()
	s.emitReserved("disconnecting", reason)
	if s.nsp.srv.opts.ConnectionStateRecovery != nil && recoverable(reason) {
		s.nsp.adapter.PersistSession(&adapter.Session{SID: s.id, PID: s.pid, Rooms: s.Rooms(), Data: s.Data()})
	}
	s.cleanup()
	s.client.remove(s)
	s.failAcks()
	s.emitReserved("disconnect", reason)
}

// cleanup leaves all rooms and the namespace.
func (s *Socket) cleanup() {
	s.mu.Lock()
	s.state = stateClosed
	s.mu.Unlock()
	var rooms []string
	if s.nsp.srv.observed() {
		rooms = s.nsp.adapter.SocketRooms(s.id)
	}
	s.nsp.adapter.DelAll(s.id)
	s.nsp.srv.notifyRooms(s.nsp, s.id, false, rooms)
	s.nsp.remove(s)
}

// failAcks ends every pending acknowledgement with ErrDisconnected.
func (s *Socket) failAcks() {
	s.mu.Lock()
	acks := s.acks
	s.acks = nil
	s.mu.Unlock()
	for _, pa := range acks {
		if pa.timer != nil {
			pa.timer.Stop()
		}
		pa.fn(nil, ErrDisconnected)
	}
}
