package socketio

import (
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"runtime/debug"
	"slices"
	"sync"
	"time"

	"github.com/gosockio/gosockio/adapter"
	"github.com/gosockio/gosockio/engineio"
	"github.com/gosockio/gosockio/parser"
)

// client is one engine connection and the sockets on it, one per namespace.
// Node: Client.
type client struct {
	srv  *Server
	conn EngineConn
	enc  parser.Encoder
	log  *slog.Logger
	dec  parser.Decoder // read path only

	mu     sync.Mutex
	nsps   []*Socket   // one socket per namespace (a list: usually one); guarded by mu
	closed bool        // guarded by mu
	timer  *time.Timer // connect timeout; guarded by mu
	// attachTimer closes the connection when a binary packet's attachments do not all
	// arrive in time; started and stopped on the read path, stopped on close; guarded by mu.
	attachTimer *time.Timer
}

// ServeConn serves socket.io on an engine connection: it sets the connection's message
// and close callbacks, so it must be called before the engine delivers any message
// (engineio calls it from OnConnection). Engine.IO v3 connections are connected to "/"
// at once, as socket.io 2.x expects. Node: server.onconnection(conn).
func (srv *Server) ServeConn(conn EngineConn) {
	p := srv.parserFor(conn.Protocol())
	c := &client{
		srv:  srv,
		conn: conn,
		enc:  p.Encoder(),
		dec:  p.NewDecoder(),
		log:  srv.log,
	}
	if !discards(srv.log) {
		c.log = srv.log.With("component", "socket.io:client", "sid", conn.ID())
	}
	if !srv.addClient(c) {
		_ = conn.Close()
		return
	}
	conn.OnMessage(c.onMessage)
	conn.OnClose(c.onClose)
	if u, ok := conn.(upgrader); ok {
		u.OnUpgrade(c.onUpgrade)
	}
	srv.notifyConnOpened(conn)
	if d := srv.opts.ConnectTimeout; d > 0 {
		c.mu.Lock()
		// Owned by the client: stopped on the first namespace connection or on close.
		c.timer = time.AfterFunc(d, c.onConnectTimeout)
		c.mu.Unlock()
	}
	if conn.Protocol() == 3 {
		c.guard(func() { c.connect("/", map[string]any{}, nil) })
	}
}

// offStack runs fn on a short-lived goroutine and waits for it to return. The engine's
// websocket reader is a long-lived goroutine that stays parked between messages; a
// namespace connection (middlewares, the OnConnection handler, reflect-based On) grows a
// stack by several KB, which the runtime then keeps for as long as the connection is
// idle (it only halves a stack at a GC, and only when less than a quarter is in use).
// Running it here keeps the reader's stack small; this goroutine's stack is freed when
// it returns. fn must not panic (wrap it in client.guard).
func offStack(fn func()) {
	done := make(chan struct{})
	// Owned by offStack, which waits for it to end.
	go func() {
		defer close(done)
		fn()
	}()
	<-done
}

func (c *client) onConnectTimeout() {
	c.mu.Lock()
	joined := len(c.nsps) > 0
	c.mu.Unlock()
	if !joined {
		c.log.Debug("socket.io: no namespace joined within connectTimeout, closing")
		c.close()
	}
}

// guard runs fn, turning a panic in user code into a logged error that closes only this
// connection.
func (c *client) guard(fn func()) {
	defer func() {
		if r := recover(); r != nil {
			c.log.Error("socket.io: panic in handler, closing the connection", "panic", r, "stack", string(debug.Stack()))
			c.close()
		}
	}()
	fn()
}

func (c *client) onMessage(m engineio.Message) {
	c.guard(func() {
		if d, ok := c.dec.(*parser.JSONDecoder); ok {
			c.decodeInto(d, parser.Frame(m))
			return
		}
		p, err := c.dec.Decode(parser.Frame(m))
		c.watchAttachments()
		if err != nil {
			c.protocolError(fmt.Errorf("socketio: decode packet: %w", err))
			return
		}
		if p != nil {
			c.onPacket(p)
		}
	})
}

// decodeInto is onMessage's decoding with the JSON parser's decoder: an EVENT is decoded
// into a Packet on this goroutine's stack, which the event path does not keep (see
// client.onEvent), saving an allocation per event. Other packets get a Packet of their
// own: an ACK reaches callbacks (an adapter's, for a broadcast) that may keep it.
func (c *client) decodeInto(d *parser.JSONDecoder, f parser.Frame) {
	var p parser.Packet
	ok, err := d.DecodeInto(f, &p)
	c.watchAttachments()
	switch {
	case err != nil:
		c.protocolError(fmt.Errorf("socketio: decode packet: %w", err))
	case !ok: // attachments expected
	case p.Type == parser.Event:
		c.onEvent(&p)
	default:
		q := new(parser.Packet)
		*q = p
		c.onPacket(q)
	}
}

// watchAttachments bounds the wait for a binary packet's attachments: a peer that
// announces attachments and never sends them is closed after the connect timeout
// (45s by default), so it cannot pin the buffered frames.
func (c *client) watchAttachments() {
	pending := c.dec.Pending()
	c.mu.Lock()
	defer c.mu.Unlock()
	switch {
	case pending && c.attachTimer == nil:
		d := c.srv.opts.ConnectTimeout
		if d <= 0 {
			d = DefaultConnectTimeout
		}
		// Owned by the read path: stopped when the packet completes or the client closes.
		c.attachTimer = time.AfterFunc(d, func() {
			c.log.Debug("socket.io: binary attachments did not arrive in time, closing")
			_ = c.conn.Close()
		})
	case !pending && c.attachTimer != nil:
		c.attachTimer.Stop()
		c.attachTimer = nil
	}
}

// protocolError reports bad input to the sockets' "error" listeners and closes the
// connection. Node: client.onerror.
func (c *client) protocolError(err error) {
	c.log.Debug("socket.io: invalid input, closing the connection", "err", err)
	for _, s := range c.sockets() {
		s.emitReserved("error", err.Error())
	}
	_ = c.conn.Close()
}

func (c *client) onPacket(p *parser.Packet) {
	s, name, auth, query, ok := c.route(p)
	if !ok {
		return
	}
	switch {
	case s == nil && p.Type == parser.Connect:
		// On its own goroutine: see offStack.
		offStack(func() { c.guard(func() { c.connect(name, auth, query) }) })
	case s != nil && p.Type != parser.Connect && p.Type != parser.ConnectError:
		s.onPacket(p)
	default:
		c.invalidState(p, name)
	}
}

// onEvent is onPacket for an EVENT that must not outlive the call (see decodeInto):
// apart from onPacket, whose other packets reach callbacks that may keep theirs.
func (c *client) onEvent(p *parser.Packet) {
	s, name, _, _, ok := c.route(p)
	if !ok {
		return
	}
	if s == nil {
		c.invalidState(p, name)
		return
	}
	s.nsp.srv.stats.eventsIn.Add(1)
	s.onEvent(p)
}

// route finds the socket of p's namespace (nil when not connected) and, for a CONNECT,
// its auth and query; a packet whose namespace cannot be read closes the connection
// (ok false).
func (c *client) route(p *parser.Packet) (s *Socket, name string, auth map[string]any, query url.Values, ok bool) {
	name, auth, query, err := c.parseNamespace(p)
	if err != nil {
		c.protocolError(err)
		return nil, "", nil, nil, false
	}
	c.mu.Lock()
	s = c.socketLocked(name)
	c.mu.Unlock()
	return s, name, auth, query, true
}

// invalidState closes the connection after a packet the namespace's state does not allow.
func (c *client) invalidState(p *parser.Packet, name string) {
	c.protocolError(fmt.Errorf("socketio: %s packet for namespace %q in invalid state (connect to the namespace first, once)", p.Type, name))
}

// parseNamespace returns the namespace name and the auth payload of p: the CONNECT data
// for v5, the namespace's query for v4 ("/admin?token=abc"), which it also returns as
// query (nil for v5) to be merged into the handshake query, as socket.io 2.x does.
func (c *client) parseNamespace(p *parser.Packet) (string, map[string]any, url.Values, error) {
	name := p.Namespace
	if name == "" {
		name = "/"
	}
	var auth map[string]any // only a CONNECT carries one
	if p.Type == parser.Connect {
		auth = map[string]any{}
	}
	if c.conn.Protocol() == 3 {
		u, err := url.Parse(name)
		if err != nil {
			return "", nil, nil, fmt.Errorf("socketio: namespace %q: %w", name, err)
		}
		query := u.Query()
		if auth != nil {
			for k, v := range query {
				auth[k] = v[len(v)-1]
			}
		}
		if u.Path != "" {
			name = u.Path
		}
		return name, auth, query, nil
	}
	if p.Type == parser.Connect && p.Data != nil {
		var b []byte
		switch d := p.Data.(type) {
		case json.RawMessage:
			b = d
		default:
			b, _ = json.Marshal(d)
		}
		// Unmarshal into a copy declared here: taking auth's address would move it to the
		// heap on every packet, not only on a CONNECT.
		a := auth
		if err := json.Unmarshal(b, &a); err != nil || a == nil {
			return "", nil, nil, fmt.Errorf("socketio: CONNECT to %q: the auth payload must be a JSON object", name)
		}
		auth = a
	}
	return name, auth, nil, nil
}

func (c *client) connect(name string, auth map[string]any, query url.Values) {
	nsp := c.srv.namespaceFor(name, auth)
	if nsp == nil {
		c.log.Debug("socket.io: CONNECT to unknown namespace", "nsp", name)
		var data any = connectErrorPayload{Message: "Invalid namespace"}
		if c.conn.Protocol() == 3 {
			data = "Invalid namespace"
		}
		c.writePacket(&parser.Packet{Type: parser.ConnectError, Namespace: name, Data: data})
		return
	}
	nsp.add(c, auth, query)
}

// connected registers s as the client's socket for its namespace.
func (c *client) connected(s *Socket) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return false
	}
	if i := c.indexLocked(s.nsp.name); i >= 0 {
		c.nsps[i] = s
	} else {
		c.nsps = append(c.nsps, s)
	}
	if c.timer != nil {
		c.timer.Stop()
		c.timer = nil
	}
	return true
}

func (c *client) isClosed() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.closed
}

func (c *client) remove(s *Socket) {
	c.mu.Lock()
	if i := c.indexLocked(s.nsp.name); i >= 0 && c.nsps[i] == s {
		c.nsps = slices.Delete(c.nsps, i, i+1)
	}
	c.mu.Unlock()
}

// indexLocked returns the index in c.nsps of the socket of namespace name, or -1.
func (c *client) indexLocked(name string) int {
	return slices.IndexFunc(c.nsps, func(s *Socket) bool { return s.nsp.name == name })
}

// socketLocked returns the socket of namespace name, or nil.
func (c *client) socketLocked(name string) *Socket {
	if i := c.indexLocked(name); i >= 0 {
		return c.nsps[i]
	}
	return nil
}

func (c *client) sockets() []*Socket {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.nsps)
}

// writePacket encodes and sends a packet that belongs to no socket (CONNECT_ERROR).
func (c *client) writePacket(p *parser.Packet) {
	frames, err := c.enc.Encode(p)
	if err != nil {
		c.log.Error("socket.io: encode", "type", p.Type, "err", err)
		return
	}
	c.send(frames, adapter.DeliverOptions{})
}

// send queues frames on the engine connection. A volatile drop is silent; an overflow is
// logged (the engine closes the connection).
func (c *client) send(frames []parser.Frame, opts adapter.DeliverOptions) {
	err := c.conn.Send(toMessages(frames), engineio.SendOptions{Volatile: opts.Volatile, NoCompress: opts.NoCompress})
	switch {
	case err == nil, errors.Is(err, engineio.ErrDropped), errors.Is(err, engineio.ErrClosed):
	default:
		c.log.Warn("socket.io: send failed, the connection is closed", "err", err)
	}
}

// disconnectAll disconnects every socket of the client then closes the connection.
// Node: client._disconnect.
func (c *client) disconnectAll() {
	socks := c.sockets()
	for _, s := range socks {
		s.Disconnect(false)
	}
	// A socket whose connection handlers are still running holds its frames (CONNECT
	// first): they go to the engine before the close, which drains its queue, so the
	// client sees CONNECT, what the handlers sent and DISCONNECT, as from Node.
	for _, s := range socks {
		s.release()
	}
	c.close()
}

// close closes the engine connection; the sockets left get "forced server close".
func (c *client) close() {
	_ = c.conn.Close()
	c.onClose(ReasonForcedServerClose, nil)
}

// onClose is the engine's close callback. Node: client.onclose.
func (c *client) onClose(reason string, cause error) {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return
	}
	c.closed = true
	if c.timer != nil {
		c.timer.Stop()
		c.timer = nil
	}
	c.mu.Unlock()
	c.log.Debug("socket.io: client closed", "reason", reason, "cause", cause)
	c.stopAttachTimer()
	c.srv.notifyConnClosed(c.conn, reason)
	for _, s := range c.sockets() {
		s.onClose(reason)
	}
	c.srv.removeClient(c)
}

func (c *client) stopAttachTimer() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.attachTimer != nil {
		c.attachTimer.Stop()
		c.attachTimer = nil
	}
}
