package client

import (
	"encoding/json"
	"fmt"
	"net/url"
	"reflect"
	"slices"
	"time"

	"github.com/gosockio/gosockio/parser"
)

// Socket is a client's connection to one namespace of a server, multiplexed with the
// other namespaces of its Manager on one engine connection. Node: Socket.
//
// All methods are safe for concurrent use. Handlers and ack callbacks run on the
// Manager's dispatcher goroutine, one at a time, in arrival order.
type Socket struct {
	m     *Manager
	nsp   string
	auth  any
	query url.Values

	// Fields below are guarded by m.mu.
	active     bool // subscribed to the Manager: connected, connecting or reconnecting
	connected  bool
	recovered  bool
	id         string
	pid        string
	lastOffset string
	ackSeq     uint64
	acks       map[uint64]*pendingAck
	sendBuf    []outgoing
	recvBuf    []incoming
	queue      []*queued
	queueSeq   uint64
	// pendingClose is an engine connection the last packet made obsolete (the last
	// socket was destroyed); the Manager closes it outside the lock.
	pendingClose engineConn

	handlers    map[string][]*handler
	anyL        []anyListener
	anyOutL     []anyOutListener
	connectL    []*handler
	connectErrL []*handler
	disconnL    []*handler
}

type anyListener struct {
	fn  func(event string, args Args)
	ptr uintptr
}

type anyOutListener struct {
	fn  func(event string, args []any)
	ptr uintptr
}

// outgoing is an encoded packet waiting in the offline buffer.
type outgoing struct {
	frames   []parser.Frame
	id       uint64
	hasID    bool
	event    string
	args     []any
	compress bool
}

// incoming is an event received before the socket connected.
type incoming struct {
	name string
	args Args
	ack  func([]any)
}

// pendingAck waits for the server's acknowledgement. fn is called under m.mu: it must
// neither block nor take the lock (user callbacks are posted to the dispatcher).
type pendingAck struct {
	fn      func(Args, error)
	withErr bool // told about a disconnection (Node: ack.withError)
	timer   *time.Timer
}

// queued is an emit in the retry queue (Options.Retries).
type queued struct {
	seq     uint64
	event   string
	args    []any
	cb      func(Args, error) // nil without ack
	f       emitFlags
	tries   int
	pending bool
}

type emitFlags struct {
	volatile   bool
	noCompress bool
	timeout    time.Duration
	hasTimeout bool
	fromQueue  bool
	alwaysErr  bool // EmitWithAck: report a disconnection even without timeout
}

func newSocket(m *Manager, nsp string, opts *SocketOptions) *Socket {
	s := &Socket{
		m:        m,
		nsp:      nsp,
		auth:     m.opts.Auth,
		query:    m.opts.Query,
		acks:     make(map[uint64]*pendingAck),
		handlers: make(map[string][]*handler),
	}
	if opts != nil {
		if fn, ok := opts.Auth.(func() map[string]any); ok {
			s.auth = func() any { return fn() }
		} else if opts.Auth != nil {
			s.auth = opts.Auth
		}
		if opts.Query != nil {
			s.query = cloneValues(opts.Query)
		}
	}
	return s
}

// ID returns the socket's id given by the server, "" while disconnected. Node: socket.id.
func (s *Socket) ID() string {
	s.m.mu.Lock()
	defer s.m.mu.Unlock()
	return s.id
}

// Connected reports whether the socket is connected to its namespace. Node: socket.connected.
func (s *Socket) Connected() bool {
	s.m.mu.Lock()
	defer s.m.mu.Unlock()
	return s.connected
}

// Active reports whether the socket is connected or trying to (it was not disconnected
// by Disconnect, by the server or by a connect_error of the server). Node: socket.active.
func (s *Socket) Active() bool {
	s.m.mu.Lock()
	defer s.m.mu.Unlock()
	return s.active
}

// Recovered reports whether the last connection restored the previous session
// (connection state recovery): the id, rooms and missed events were kept.
// Node: socket.recovered.
func (s *Socket) Recovered() bool {
	s.m.mu.Lock()
	defer s.m.mu.Unlock()
	return s.recovered
}

// Namespace returns the socket's namespace, "/chat". Node: socket.nsp.
func (s *Socket) Namespace() string { return s.nsp }

// Manager returns the socket's Manager. Node: socket.io.
func (s *Socket) Manager() *Manager { return s.m }

// Connect connects the socket, opening the Manager's connection if needed; it returns at
// once (the "connect" or "connect_error" event tells the outcome). It does nothing when
// the socket is connected. Node: socket.connect().
func (s *Socket) Connect() {
	m := s.m
	m.mu.Lock()
	defer m.mu.Unlock()
	if s.connected || m.closed {
		return
	}
	s.active = true
	if !m.reconnecting {
		m.openLocked(nil)
	}
	if m.state == stateOpen {
		s.onOpenLocked()
	}
}

// Disconnect disconnects the socket ("io client disconnect"): it sends DISCONNECT, stops
// reconnecting it, and closes the Manager's connection when no other socket uses it.
// Node: socket.disconnect().
func (s *Socket) Disconnect() {
	s.m.mu.Lock()
	conn := s.disconnectLocked()
	s.m.mu.Unlock()
	if conn != nil {
		_ = conn.Close()
	}
}

// Close is Disconnect. Node: socket.close().
func (s *Socket) Close() { s.Disconnect() }

func (s *Socket) disconnectLocked() engineConn {
	if s.connected {
		if frames, err := s.m.enc.Encode(&parser.Packet{Type: parser.Disconnect, Namespace: s.nsp}); err == nil {
			_ = s.m.sendLocked(frames, false, true)
		}
	}
	s.markRootGoneLocked()
	conn := s.destroyLocked()
	if s.connected {
		s.oncloseLocked(ReasonIOClientDisconnect)
	}
	return conn
}

// markRootGoneLocked records, with protocol 4, that "/" left the current connection, so
// that connecting it again sends CONNECT (the server connects "/" by itself only once).
func (s *Socket) markRootGoneLocked() {
	if s.m.rev == parser.V4 && s.nsp == "/" && s.m.att != nil {
		s.m.att.rootConn, s.m.att.rootGone = false, true
	}
}

func (s *Socket) destroyLocked() engineConn {
	s.active = false
	return s.m.destroyLocked()
}

// onOpenLocked runs when the Manager's engine connection opens: send CONNECT.
func (s *Socket) onOpenLocked() {
	a := s.m.att
	if s.m.rev == parser.V4 {
		if s.nsp == "/" {
			switch {
			case a.rootGone:
				// Disconnected on this connection: ask again. socket.io 2.x connects "/"
				// without answering (it sent its CONNECT in the initial handshake), so the
				// socket counts as connected at once; a refusal by a middleware comes as
				// an ERROR packet afterwards.
				s.sendPacketLocked(&parser.Packet{Type: parser.Connect, Namespace: "/"})
				a.rootConn, a.rootGone = true, false
				s.onConnectLocked(a.conn.ID(), "")
			case a.rootConn && !s.connected:
				s.onConnectLocked(a.conn.ID(), "")
			}
			return // otherwise a socket.io 2.x server connects "/" by itself
		}
		nsp := s.nsp
		if len(s.query) > 0 {
			nsp += "?" + s.query.Encode()
		}
		s.sendPacketLocked(&parser.Packet{Type: parser.Connect, Namespace: nsp})
		return
	}
	if fn, ok := s.auth.(func() any); ok {
		s.m.disp.post(func() { // the auth callback is user code: not under the lock
			v := fn()
			s.m.mu.Lock()
			defer s.m.mu.Unlock()
			if s.m.att == a && s.active && !s.connected {
				s.sendConnectLocked(v)
			}
		})
		return
	}
	s.sendConnectLocked(s.auth)
}

func (s *Socket) sendConnectLocked(auth any) {
	data, err := authMap(auth)
	if err != nil {
		s.emitConnectErrorLocked(fmt.Errorf("client: Options.Auth: %w", err))
		return
	}
	if s.pid != "" {
		withPID := map[string]any{"pid": s.pid, "offset": s.lastOffset}
		for k, v := range data {
			withPID[k] = v
		}
		data = withPID
	}
	p := &parser.Packet{Type: parser.Connect, Namespace: s.nsp}
	if data != nil {
		p.Data = data
	}
	s.sendPacketLocked(p)
}

func (s *Socket) sendPacketLocked(p *parser.Packet) {
	frames, err := s.m.enc.Encode(p)
	if err != nil {
		s.m.log.Warn("encode", "nsp", s.nsp, "type", p.Type, "err", err)
		return
	}
	_ = s.m.sendLocked(frames, false, true)
}

// authMap turns an Auth value into the JSON object sent in CONNECT.
func authMap(v any) (map[string]any, error) {
	switch a := v.(type) {
	case nil:
		return nil, nil
	case map[string]any:
		return maps2(a), nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil || m == nil {
		return nil, fmt.Errorf("auth must encode to a JSON object, got %s", b)
	}
	return m, nil
}

func maps2(m map[string]any) map[string]any {
	c := make(map[string]any, len(m))
	for k, v := range m {
		c[k] = v
	}
	return c
}

// onPacketLocked handles a packet of this namespace. It returns a connection to close
// (the last socket was destroyed) or an error for an invalid packet.
func (s *Socket) onPacketLocked(p *parser.Packet) error {
	switch p.Type {
	case parser.Connect:
		if s.m.rev == parser.V4 {
			if s.connected {
				return nil // "/" counted as connected already (see onOpenLocked)
			}
			id := s.m.att.conn.ID()
			if s.nsp != "/" {
				id = s.nsp + "#" + id
			}
			s.onConnectLocked(id, "")
			return nil
		}
		var d struct {
			SID string `json:"sid"`
			PID string `json:"pid"`
		}
		if raw, ok := p.Data.(json.RawMessage); ok && len(raw) > 0 {
			_ = json.Unmarshal(raw, &d)
		}
		if d.SID == "" {
			s.emitConnectErrorLocked(ErrV2Server)
			return nil
		}
		s.onConnectLocked(d.SID, d.PID)
	case parser.Event, parser.BinaryEvent:
		return s.onEventLocked(p)
	case parser.Ack, parser.BinaryAck:
		return s.onAckLocked(p)
	case parser.Disconnect:
		s.m.log.Debug("server disconnect", "nsp", s.nsp)
		s.markRootGoneLocked()
		s.pendingClose = s.destroyLocked()
		s.oncloseLocked(ReasonIOServerDisconnect)
	case parser.ConnectError:
		err := connectError(p.Data)
		if s.connected { // protocol 4: an error on a connected socket
			s.m.log.Debug("server error", "nsp", s.nsp, "err", err)
			if s.nsp != "/" {
				return nil
			}
			// "/" connected again optimistically and refused by a middleware
			s.pendingClose = s.destroyLocked()
			s.oncloseLocked(ReasonIOServerDisconnect)
			s.emitConnectErrorLocked(err)
			return nil
		}
		s.pendingClose = s.destroyLocked()
		s.emitConnectErrorLocked(err)
	}
	return nil
}

// connectError builds the *ConnectError of a CONNECT_ERROR (v5: {"message","data"};
// v4: a string, or the data object of the server's error).
func connectError(data any) *ConnectError {
	raw, _ := data.(json.RawMessage)
	ce := &ConnectError{}
	var str string
	if json.Unmarshal(raw, &str) == nil {
		ce.Message = str
		return ce
	}
	var obj struct {
		Message *string         `json:"message"`
		Data    json.RawMessage `json:"data"`
	}
	if json.Unmarshal(raw, &obj) == nil && obj.Message != nil {
		ce.Message, ce.Data = *obj.Message, obj.Data
		return ce
	}
	ce.Message, ce.Data = string(raw), raw
	return ce
}

func (s *Socket) onConnectLocked(id, pid string) {
	s.m.log.Debug("connected", "nsp", s.nsp, "id", id)
	s.id = id
	s.recovered = pid != "" && s.pid == pid
	s.pid = pid
	s.connected = true
	for _, ev := range s.recvBuf {
		s.updateOffsetLocked(ev.args)
		s.postEventLocked(ev.name, ev.args, ev.ack)
	}
	s.recvBuf = nil
	for _, out := range s.sendBuf {
		s.notifyOutgoingLocked(out.event, out.args)
		_ = s.m.sendLocked(out.frames, false, out.compress)
	}
	s.sendBuf = nil
	s.drainQueueLocked(true)
	s.postReservedLocked(&s.connectL)
}

func (s *Socket) emitConnectErrorLocked(err error) {
	s.postReservedLocked(&s.connectErrL, reflect.ValueOf(&err).Elem())
}

func (s *Socket) oncloseLocked(reason string) {
	s.m.log.Debug("disconnect", "nsp", s.nsp, "reason", reason)
	s.connected = false
	s.id = ""
	s.postReservedLocked(&s.disconnL, reflect.ValueOf(reason))
	s.clearAcksLocked()
}

// clearAcksLocked fails the acks whose packet was sent (not the buffered ones, which go
// out on reconnection) with ErrDisconnected (Node: _clearAcks).
func (s *Socket) clearAcksLocked() {
	for id, pa := range s.acks {
		if slices.ContainsFunc(s.sendBuf, func(o outgoing) bool { return o.hasID && o.id == id }) {
			continue
		}
		delete(s.acks, id)
		if pa.timer != nil {
			pa.timer.Stop()
		}
		if pa.withErr {
			pa.fn(Args{}, ErrDisconnected)
		}
	}
}

func (s *Socket) onEventLocked(p *parser.Packet) error {
	args, err := argsFromData(p.Data, p.Attachments)
	if err != nil {
		return fmt.Errorf("client: event on %s: %w", s.nsp, err)
	}
	if args.Len() == 0 {
		return fmt.Errorf("client: event on %s without a name", s.nsp)
	}
	name, err := parser.EventName(args.raw[0])
	if err != nil {
		return fmt.Errorf("client: event on %s: %w", s.nsp, err)
	}
	rest := Args{raw: args.raw[1:], attachments: args.attachments}
	var ack func([]any)
	if p.HasID {
		ack = s.ackSender(p.ID)
	}
	if !s.connected {
		s.recvBuf = append(s.recvBuf, incoming{name, rest, ack})
		return nil
	}
	s.updateOffsetLocked(rest)
	s.postEventLocked(name, rest, ack)
	return nil
}

// updateOffsetLocked records the offset of connection state recovery: the last argument
// of an event, when the session has a private id and that argument is a string.
func (s *Socket) updateOffsetLocked(args Args) {
	if s.pid == "" || args.Len() == 0 {
		return
	}
	var off string
	if json.Unmarshal(args.raw[args.Len()-1], &off) == nil {
		s.lastOffset = off
	}
}

// ackSender returns the func that answers the server's ack request id, once.
func (s *Socket) ackSender(id uint64) func([]any) {
	a := s.m.att
	sent := false
	return func(vals []any) {
		s.m.mu.Lock()
		defer s.m.mu.Unlock()
		if sent || s.m.att != a {
			return
		}
		sent = true
		if vals == nil {
			vals = []any{}
		}
		s.sendPacketLocked(&parser.Packet{Type: parser.Ack, Namespace: s.nsp, ID: id, HasID: true, Data: vals})
	}
}

// postEventLocked queues the any-listeners and handlers of an event on the dispatcher;
// the listeners are read when the event is delivered.
func (s *Socket) postEventLocked(name string, args Args, ack func([]any)) {
	s.m.disp.post(func() {
		s.m.mu.Lock()
		anyL := slices.Clone(s.anyL)
		hs := slices.Clone(s.handlers[name])
		if len(hs) > 0 {
			s.handlers[name] = slices.DeleteFunc(s.handlers[name], func(h *handler) bool { return h.once })
		}
		s.m.mu.Unlock()
		for _, l := range anyL {
			l.fn(name, args)
		}
		for _, h := range hs {
			if err := h.call(name, args, ack); err != nil {
				s.m.log.Warn("event handler", "nsp", s.nsp, "event", name, "err", err)
			}
		}
	})
}

// postReservedLocked queues the listeners of a reserved event with the given arguments;
// the listeners are read when the event is delivered, as for other events.
func (s *Socket) postReservedLocked(list *[]*handler, args ...reflect.Value) {
	s.m.disp.post(func() {
		s.m.mu.Lock()
		hs := slices.Clone(*list)
		if len(hs) > 0 {
			*list = slices.DeleteFunc(*list, func(h *handler) bool { return h.once })
		}
		s.m.mu.Unlock()
		for _, h := range hs {
			in := args[:min(len(args), len(h.params))]
			h.fn.Call(in)
		}
	})
}

func (s *Socket) onAckLocked(p *parser.Packet) error {
	pa, ok := s.acks[p.ID]
	if !p.HasID {
		ok = false // Node looks up acks[undefined]: ignored
	}
	if !ok {
		s.m.log.Debug("ack with unknown id", "nsp", s.nsp, "id", p.ID)
		return nil
	}
	args, err := argsFromData(p.Data, p.Attachments)
	if err != nil {
		return fmt.Errorf("client: ack on %s: %w", s.nsp, err)
	}
	delete(s.acks, p.ID)
	if pa.timer != nil {
		pa.timer.Stop()
	}
	pa.fn(args, nil)
	return nil
}

func (s *Socket) notifyOutgoingLocked(event string, args []any) {
	if len(s.anyOutL) == 0 {
		return
	}
	ls := slices.Clone(s.anyOutL)
	s.m.disp.post(func() {
		for _, l := range ls {
			l.fn(event, args)
		}
	})
}
