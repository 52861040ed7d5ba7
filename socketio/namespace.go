package socketio

import (
	"context"
	"fmt"
	"log/slog"
	"maps"
	"net/url"
	"regexp"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gosockio/gosockio/adapter"
	"github.com/gosockio/gosockio/parser"
)

// Namespace is a communication channel that splits the application over one shared
// connection ("/", "/chat", ...). Node: Namespace.
//
// A namespace made by Server.OfRegexp or Server.OfFunc is a parent: it holds no sockets
// itself; its middlewares and connection handlers are copied to each child namespace it
// creates, and its Emit reaches every child. Node: ParentNamespace.
//
// All methods are safe for concurrent use.
type Namespace struct {
	name    string
	srv     *Server
	adapter adapter.Adapter // nil for a parent
	log     *slog.Logger
	parent  *Namespace // set on a child of a parent namespace
	ackIDs  atomic.Uint64

	mu       sync.RWMutex
	sockets  map[string]*Socket      // connected sockets; guarded by mu
	mws      []Middleware            // guarded by mu
	onConn   []func(*Socket)         // guarded by mu
	handlers map[string][]*handler   // server-side events; guarded by mu
	children map[*Namespace]struct{} // parent only; guarded by mu
	isParent bool
	re       *regexp.Regexp // parent made by OfRegexp
}

func newNamespace(srv *Server, name string) (*Namespace, error) {
	n := &Namespace{
		name:    name,
		srv:     srv,
		log:     srv.log.With("component", "socket.io:namespace", "nsp", name),
		sockets: make(map[string]*Socket),
	}
	cfg := &adapter.Config{Encoder: srv.encoder}
	if r := srv.opts.ConnectionStateRecovery; r != nil {
		cfg.Recovery = &adapter.RecoveryConfig{MaxDisconnectionDuration: r.MaxDisconnectionDuration}
	}
	a, err := srv.opts.Adapter(bridge{n}, cfg)
	if err != nil {
		return nil, fmt.Errorf("socketio: adapter for namespace %q: %w", name, err)
	}
	n.adapter = a
	return n, nil
}

// Name returns the namespace's name. Node: namespace.name.
func (n *Namespace) Name() string { return n.name }

// Server returns the server the namespace belongs to. Node: namespace.server.
func (n *Namespace) Server() *Server { return n.srv }

// Adapter returns the namespace's adapter (nil for a parent namespace). Node:
// namespace.adapter.
func (n *Namespace) Adapter() adapter.Adapter { return n.adapter }

// nextAckID returns a fresh acknowledgement id. Node: namespace._ids++.
func (n *Namespace) nextAckID() uint64 { return n.ackIDs.Add(1) - 1 }

// Sockets returns the sockets connected to this namespace on this server, in no
// particular order. Node: namespace.sockets.
func (n *Namespace) Sockets() []*Socket {
	n.mu.RLock()
	defer n.mu.RUnlock()
	return slices.Collect(maps.Values(n.sockets))
}

// Socket returns the connected socket with this id. Node: namespace.sockets.get(id).
func (n *Namespace) Socket(id string) (*Socket, bool) {
	n.mu.RLock()
	defer n.mu.RUnlock()
	s, ok := n.sockets[id]
	return s, ok
}

// Use adds a connection middleware. Node: namespace.use.
func (n *Namespace) Use(mw Middleware) {
	n.mu.Lock()
	n.mws = append(slices.Clone(n.mws), mw)
	n.mu.Unlock()
}

// OnConnection registers fn, called for each socket that connects, on its connection's
// read path, after the CONNECT reply is queued. Node: namespace.on("connection").
func (n *Namespace) OnConnection(fn func(s *Socket)) {
	n.mu.Lock()
	n.onConn = append(slices.Clone(n.onConn), fn)
	n.mu.Unlock()
}

// On registers a handler for events other servers send with ServerSideEmit (same
// handler shapes as Socket.On). Node: namespace.on(event) for server-side events.
// On("connection", fn) and On("connect", fn) with a func(*Socket) are OnConnection.
func (n *Namespace) On(event string, fn any) {
	if f, ok := fn.(func(*Socket)); ok && (event == "connection" || event == "connect") {
		n.OnConnection(f)
		return
	}
	h := mustHandler(fn)
	n.mu.Lock()
	if n.handlers == nil {
		n.handlers = make(map[string][]*handler)
	}
	n.handlers[event] = append(n.handlers[event], h)
	n.mu.Unlock()
}

// Emit sends an event to every socket of the namespace. Node: namespace.emit.
func (n *Namespace) Emit(event string, args ...any) error { return newOperator(n).Emit(event, args...) }

// EmitWithAck sends an event to every socket and collects their answers. Node:
// namespace.timeout(d).emitWithAck.
func (n *Namespace) EmitWithAck(ctx context.Context, event string, args ...any) ([]Args, error) {
	return newOperator(n).EmitWithAck(ctx, event, args...)
}

// Send emits a "message" event to every socket. Node: namespace.send.
func (n *Namespace) Send(args ...any) error { return n.Emit("message", args...) }

// To returns an operator for the sockets in rooms. Node: namespace.to.
func (n *Namespace) To(rooms ...string) *BroadcastOperator { return newOperator(n).To(rooms...) }

// In is To. Node: namespace.in.
func (n *Namespace) In(rooms ...string) *BroadcastOperator { return n.To(rooms...) }

// Except returns an operator for every socket but those in rooms. Node: namespace.except.
func (n *Namespace) Except(rooms ...string) *BroadcastOperator {
	return newOperator(n).Except(rooms...)
}

// Volatile returns a volatile operator. Node: namespace.volatile.
func (n *Namespace) Volatile() *BroadcastOperator { return newOperator(n).Volatile() }

// Local returns an operator limited to this server. Node: namespace.local.
func (n *Namespace) Local() *BroadcastOperator { return newOperator(n).Local() }

// Compress returns an operator with compression set. Node: namespace.compress.
func (n *Namespace) Compress(compress bool) *BroadcastOperator {
	return newOperator(n).Compress(compress)
}

// Timeout returns an operator whose acknowledgements time out after d.
// Node: namespace.timeout.
func (n *Namespace) Timeout(d time.Duration) *BroadcastOperator { return newOperator(n).Timeout(d) }

// FetchSockets returns the sockets of the namespace, cluster-wide. Node: fetchSockets.
func (n *Namespace) FetchSockets(ctx context.Context) ([]*RemoteSocket, error) {
	return newOperator(n).FetchSockets(ctx)
}

// AllSockets returns the ids of the namespace's sockets. Node: allSockets.
func (n *Namespace) AllSockets(ctx context.Context) ([]string, error) {
	return newOperator(n).AllSockets(ctx)
}

// Clients is AllSockets, under socket.io 2.x's name. Node 2.x: namespace.clients(fn).
func (n *Namespace) Clients(ctx context.Context) ([]string, error) { return n.AllSockets(ctx) }

// SocketsJoin makes every socket join rooms. Node: socketsJoin.
func (n *Namespace) SocketsJoin(rooms ...string) { newOperator(n).SocketsJoin(rooms...) }

// SocketsLeave makes every socket leave rooms. Node: socketsLeave.
func (n *Namespace) SocketsLeave(rooms ...string) { newOperator(n).SocketsLeave(rooms...) }

// DisconnectSockets disconnects every socket. Node: disconnectSockets.
func (n *Namespace) DisconnectSockets(close bool) { newOperator(n).DisconnectSockets(close) }

// ServerSideEmit sends an event to the other servers of the cluster; with the in-memory
// adapter there are none and nothing happens. Node: serverSideEmit.
func (n *Namespace) ServerSideEmit(event string, args ...any) error {
	if reservedEvent(event) || event == "connection" || event == "new_namespace" {
		return fmt.Errorf("%w: %q", ErrReservedEvent, event)
	}
	if n.adapter == nil {
		return ErrParentNamespace
	}
	return n.adapter.ServerSideEmit(append([]any{event}, args...))
}

// ServerSideEmitWithAck sends an event to the other servers and returns their answers.
// It returns adapter.ErrUnsupported when the adapter cannot collect answers.
// Node: serverSideEmitWithAck.
func (n *Namespace) ServerSideEmitWithAck(ctx context.Context, event string, args ...any) ([]any, error) {
	if reservedEvent(event) || event == "connection" || event == "new_namespace" {
		return nil, fmt.Errorf("%w: %q", ErrReservedEvent, event)
	}
	a, ok := n.adapter.(adapter.ServerSideEmitterWithAck)
	if !ok {
		return nil, adapter.ErrUnsupported
	}
	return a.ServerSideEmitWithAck(ctx, append([]any{event}, args...))
}

// add runs the connection of client c to this namespace; query is the v4 namespace
// query (nil for v5). Node: namespace._add.
func (n *Namespace) add(c *client, auth map[string]any, query url.Values) {
	s := n.createSocket(c, auth, query)
	rec := n.srv.opts.ConnectionStateRecovery
	if !(rec != nil && *rec.SkipMiddlewares && s.recovered) {
		n.mu.RLock()
		mws := n.mws
		n.mu.RUnlock()
		for _, mw := range mws {
			if err := mw(s); err != nil {
				s.cleanup()
				if c.isClosed() {
					return
				}
				n.sendConnectError(c, err)
				return
			}
		}
	}
	if c.isClosed() {
		s.cleanup()
		return
	}
	// Hold what the socket sends until the connection handlers have run, as Node's
	// synchronous handlers do: a client that sees CONNECT knows they are done.
	s.holding = true
	defer s.release()
	n.mu.Lock()
	n.sockets[s.id] = s
	onConn := n.onConn
	n.mu.Unlock()
	s.onConnect()
	if !c.connected(s) {
		s.onClose(ReasonForcedServerClose)
		return
	}
	n.srv.stats.connectsTotal.Add(1)
	if s.recovered {
		for _, p := range s.missed {
			cp := *p
			if err := s.write(&cp, adapter.DeliverOptions{}); err != nil {
				s.log.Warn("socket.io: replay missed packet", "err", err)
			}
		}
		s.missed = nil
	}
	for _, fn := range onConn {
		fn(s)
	}
}

func (n *Namespace) sendConnectError(c *client, err error) {
	msg, data := err.Error(), any(nil)
	var ce *ConnectError
	if errorsAs(err, &ce) {
		msg, data = ce.Message, ce.Data
	}
	var payload any
	if c.conn.Protocol() == 3 {
		payload = msg
		if data != nil {
			payload = data
		}
	} else {
		payload = connectErrorPayload{Message: msg, Data: data}
	}
	c.writePacket(&parser.Packet{Type: parser.ConnectError, Namespace: n.name, Data: payload})
}

// createSocket makes a socket, restored from a session when the auth carries a valid
// pid and offset. Node: namespace._createSocket.
func (n *Namespace) createSocket(c *client, auth map[string]any, query url.Values) *Socket {
	s := &Socket{nsp: n, client: c, log: n.log}
	if n.srv.opts.ConnectionStateRecovery != nil {
		pid, _ := auth["pid"].(string)
		offset, _ := auth["offset"].(string)
		if pid != "" && offset != "" {
			sess, err := n.adapter.RestoreSession(context.Background(), pid, offset)
			if err != nil {
				n.log.Debug("socket.io: restore session", "err", err)
			}
			if sess != nil {
				s.id, s.pid, s.data, s.recovered = sess.SID, sess.PID, sess.Data, true
				s.missed = sess.MissedPackets
				s.hsArgs = newHsArgs(auth, query)
				s.log = n.srv.opts.Logger.With("component", "socket.io:socket", "nsp", n.name, "sid", s.id)
				n.adapter.AddAll(s.id, sess.Rooms)
				return s
			}
		}
		s.pid = newSocketID()
	}
	switch {
	case c.conn.Protocol() == 3 && n.name == "/":
		s.id = c.conn.ID()
	case c.conn.Protocol() == 3:
		s.id = n.name + "#" + c.conn.ID()
	default:
		s.id = newSocketID()
	}
	s.hsArgs = newHsArgs(auth, query)
	if l := n.srv.opts.Logger; !discards(l) {
		s.log = l.With("component", "socket.io:socket", "nsp", n.name, "sid", s.id)
	}
	return s
}

// remove forgets a socket that left. Node: namespace._remove.
func (n *Namespace) remove(s *Socket) {
	n.mu.Lock()
	if n.sockets[s.id] == s {
		delete(n.sockets, s.id)
	}
	empty := len(n.sockets) == 0
	n.mu.Unlock()
	if empty && n.parent != nil && n.srv.opts.CleanupEmptyChildNamespaces {
		n.srv.removeChild(n)
	}
}

// bridge is the adapter's view of a namespace (adapter.Namespace), kept off the public
// API of Namespace.
type bridge struct{ n *Namespace }

var _ adapter.Namespace = bridge{}

func (b bridge) Name() string      { return b.n.name }
func (b bridge) NextAckID() uint64 { return b.n.nextAckID() }

func (b bridge) Deliver(id string, p *parser.Packet, frames []parser.Frame, opts adapter.DeliverOptions) bool {
	s, ok := b.n.Socket(id)
	return ok && s.deliver(p, frames, opts)
}

func (b bridge) Join(id string, rooms []string) {
	if s, ok := b.n.Socket(id); ok {
		s.Join(rooms...)
	}
}

func (b bridge) Leave(id string, rooms []string) {
	if s, ok := b.n.Socket(id); ok {
		s.Leave(rooms...)
	}
}

func (b bridge) Disconnect(id string, close bool) {
	if s, ok := b.n.Socket(id); ok {
		s.Disconnect(close)
	}
}

func (b bridge) Details(id string) (adapter.SocketDetails, bool) {
	s, ok := b.n.Socket(id)
	if !ok {
		return adapter.SocketDetails{}, false
	}
	return adapter.SocketDetails{ID: s.id, Handshake: s.Handshake(), Rooms: s.Rooms(), Data: s.Data()}, true
}

func (b bridge) ServerSideEvent(args []any, ack func(any)) {
	if len(args) == 0 {
		return
	}
	event, _ := args[0].(string)
	b.n.mu.RLock()
	hs := b.n.handlers[event]
	b.n.mu.RUnlock()
	var send func([]any)
	if ack != nil {
		send = func(vals []any) {
			if len(vals) == 1 {
				ack(vals[0])
			} else {
				ack(vals)
			}
		}
	}
	a := argsFromValues(args[1:]...)
	for _, h := range hs {
		if err := h.call(event, a, send); err != nil {
			b.n.log.Warn("socket.io: server-side event handler", "event", event, "err", err)
		}
	}
}

// connectErrorPayload is CONNECT_ERROR's payload (v5), fields in Node's order.
type connectErrorPayload struct {
	Message string `json:"message"`
	Data    any    `json:"data,omitempty"`
}
