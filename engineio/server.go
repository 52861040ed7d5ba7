package engineio

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gosockio/gosockio/engineio/internal/wsserver"
)

// Server is an engine.io server (Node: engine.io's Server). It is an http.Handler serving
// protocol v4 (socket.io 3/4 clients) and v3 (socket.io 1/2 clients) over HTTP long-polling
// and WebSocket; mount it on Options.Path. Its methods are safe for concurrent use.
type Server struct {
	opts         Options
	log          *slog.Logger
	onConnection func(*Socket)

	mu      sync.Mutex
	clients map[string]*Socket // guarded by mu
	closed  bool               // guarded by mu

	wg sync.WaitGroup // request handlers, websocket writers and flushers; Shutdown waits for them

	flush flushers // write websockets without a goroutine per socket (see flusher.go)

	pollerOnce sync.Once
	poller     *wsserver.Poller // parks idle websockets (see wsPoller); nil where unsupported

	stats serverStats // counters read by Stats
}

// NewServer returns a server configured by opts (nil means all defaults). It fails when an
// option is invalid, naming the field.
func NewServer(opts *Options) (*Server, error) {
	o, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	s := &Server{
		opts:    o,
		log:     newLogger(o.Logger),
		clients: make(map[string]*Socket),
	}
	// Node's ws server does not check the Origin header; AllowRequest is the hook for that.
	return s, nil
}

// OnConnection sets the function called with each new socket (Node: the "connection"
// event). Set it before serving. fn runs before any message of that socket is delivered;
// set Socket.OnMessage, OnUpgrade and OnClose in it. A polling handshake's response is
// sent after fn returns; a websocket handshake's 101 response and open packet are sent
// before fn runs (as in Node, where the socket sends its open packet before "connection"
// is emitted), and what fn sends follows them.
func (s *Server) OnConnection(fn func(*Socket)) { s.onConnection = fn }

// ClientsCount returns the number of open sessions (Node: clientsCount).
func (s *Server) ClientsCount() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.clients)
}

// Shutdown closes every socket with reason "server shutting down" (polling sessions answer
// a pending GET with the close packet, websockets get a close frame), refuses new requests
// with 503, and waits until the goroutines serving them have returned or ctx ends (then it
// returns ctx's error). A second call returns ErrServerClosed.
func (s *Server) Shutdown(ctx context.Context) error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return ErrServerClosed
	}
	s.closed = true
	socks := make([]*Socket, 0, len(s.clients))
	for _, c := range s.clients {
		socks = append(socks, c)
	}
	s.mu.Unlock()
	for _, c := range socks {
		c.closeWith(ReasonServerShuttingDown, nil, closeDiscard)
	}
	// The flushers end when the sockets just closed have had their last round.
	s.stopFlushers()
	s.pollerOnce.Do(func() {}) // none is made from now on
	if s.poller != nil {
		// Websockets still parked (their close is under way) get their readers back.
		_ = s.poller.Close()
	}
	done := make(chan struct{})
	go func() { // exits when wg is done; if ctx ends first it finishes later, owned by wg
		s.wg.Wait()
		close(done)
	}()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("engineio: shutdown: %w", ctx.Err())
	}
}

func (s *Server) remove(c *Socket) {
	s.mu.Lock()
	if s.clients[c.id] == c {
		delete(s.clients, c.id)
	}
	s.mu.Unlock()
}

func (s *Server) lookup(sid string) *Socket {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.clients[sid]
}

// ServeHTTP handles an engine.io request: a handshake, a poll, a POST, or a WebSocket.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if !strings.HasPrefix(r.URL.Path, s.opts.Path) {
		http.NotFound(w, r)
		return
	}
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		http.Error(w, "engine.io server shutting down", http.StatusServiceUnavailable)
		return
	}
	s.wg.Add(1)
	s.mu.Unlock()
	defer s.wg.Done()

	if s.opts.CORS != nil && s.applyCORS(w, r) {
		return
	}
	q := r.URL.Query()
	transport := q.Get("transport")
	if !s.opts.allows(transport) {
		s.reject(w, r, errUnknownTransport, "transport", transport)
		return
	}
	if badHeaderValue(r.Header.Get("Origin")) {
		s.reject(w, r, errBadRequest, "reason", "invalid Origin header")
		return
	}
	protocol := 0
	switch q.Get("EIO") {
	case "4":
		protocol = ProtocolV4
	case "3":
		if !s.opts.DisableEIO3 {
			protocol = ProtocolV3
		}
	}
	jsonpIdx := -1
	if q.Has("j") {
		n, err := strconv.Atoi(q.Get("j"))
		if err != nil || n < 0 || strings.ContainsAny(q.Get("j"), "+-") {
			s.reject(w, r, errBadRequest, "reason", "j (JSONP index) is not a number")
			return
		}
		jsonpIdx = n
	}
	isWS := isWebSocketRequest(r)
	if isWS && transport != TransportWebSocket {
		s.reject(w, r, errBadRequest, "reason", "websocket request with transport="+transport)
		return
	}

	if sid := q.Get("sid"); sid != "" {
		if protocol == 0 {
			s.reject(w, r, errUnsupportedProtocol, "EIO", q.Get("EIO"))
			return
		}
		c := s.lookup(sid)
		if c == nil || c.expired() {
			s.reject(w, r, errUnknownSID, "sid", sid)
			return
		}
		if int(c.protocol) != protocol {
			s.reject(w, r, errBadRequest, "reason", "protocol mismatch", "sid", sid)
			return
		}
		if isWS {
			s.serveUpgrade(w, r, c)
			return
		}
		if c.Transport() != transport {
			s.reject(w, r, errBadRequest, "reason", "transport mismatch (polling after upgrade?)", "sid", sid)
			return
		}
		switch r.Method {
		case http.MethodGet:
			c.servePoll(w, r, false)
		case http.MethodPost:
			c.servePost(w, r)
		default:
			s.reject(w, r, errBadRequest, "reason", "method "+r.Method+" (polling takes GET and POST)", "sid", sid)
		}
		return
	}

	if r.Method != http.MethodGet {
		s.reject(w, r, errBadHandshakeMethod, "method", r.Method)
		return
	}
	if transport == TransportWebSocket && !isWS {
		s.reject(w, r, errBadRequest, "reason", "transport=websocket without a WebSocket upgrade")
		return
	}
	if s.opts.AllowRequest != nil {
		if err := s.opts.AllowRequest(r); err != nil {
			s.reject(w, r, forbidden(err), "reason", "AllowRequest")
			return
		}
	}
	// As in Node, the protocol revision is checked by the handshake, after AllowRequest.
	if protocol == 0 {
		s.reject(w, r, errUnsupportedProtocol, "EIO", q.Get("EIO"))
		return
	}
	s.handshake(w, r, transport, protocol, jsonpIdx, q.Has("b64"))
}

// handshake opens a new session. b64 is the query's b64 flag (binary as base64 text).
func (s *Server) handshake(w http.ResponseWriter, r *http.Request, transport string, protocol, jsonpIdx int, b64 bool) {
	id, err := s.opts.GenerateID(r)
	if err != nil || id == "" {
		s.reject(w, r, errBadRequest, "reason", "GenerateID failed", "err", err)
		return
	}
	c := &Socket{srv: s, id: id, req: trimRequest(r), protocol: uint8(protocol)}
	var conn *wsserver.Conn
	if transport == TransportWebSocket {
		c.transport = transportWebSocket
		c.wsB64 = b64
		var registered bool
		if conn, registered, err = s.acceptHandshake(w, r, c); err != nil {
			return
		}
		if !registered {
			_ = conn.CloseAndWait(wsserver.StatusGoingAway, "server shutting down")
			return
		}
	} else {
		c.poll = &pollTransport{b64: b64, jsonp: jsonpIdx >= 0, jsonpIdx: jsonpIdx}
		if !s.register(c) {
			http.Error(w, "engine.io server shutting down", http.StatusServiceUnavailable)
			return
		}
	}
	s.stats.connectionsTotal.Add(1)
	if s.log.Enabled(context.Background(), slog.LevelDebug) { // else the arguments would be boxed for nothing
		s.log.Debug("handshake", "component", "engine", "sid", id, "transport", transport, "protocol", protocol)
	}

	c.mu.Lock()
	if conn == nil { // a websocket's open packet went with the 101 response (acceptHandshake)
		var first [2]Packet
		for _, p := range s.appendFirstPackets(first[:0], id, protocol, transport) {
			c.queue = append(c.queue, queued{Packet: p})
		}
	}
	c.startHeartbeatLocked()
	c.mu.Unlock()

	if s.onConnection != nil {
		if err := c.call(func() { s.onConnection(c) }, "OnConnection"); err != nil {
			c.closeWith(ReasonTransportError, err, closeNow)
		}
	}
	if conn != nil {
		c.mu.Lock()
		c.flushLocked() // what OnConnection sent, if a flusher did not take it yet
		c.mu.Unlock()
		c.serveReader(conn)
		return
	}
	c.servePoll(w, r, true)
}

// appendFirstPackets appends what a new session sends first: the open packet, then
// Options.InitialPacket (Node: initialPacket) if set.
func (s *Server) appendFirstPackets(dst []Packet, id string, protocol int, transport string) []Packet {
	dst = append(dst, Packet{Type: PacketOpen, Data: s.openPayload(id, protocol, transport)})
	if m := s.opts.InitialPacket; m != nil {
		dst = append(dst, Packet{Type: PacketMessage, Data: m.Data, Binary: m.Binary})
	}
	return dst
}

// acceptHandshake completes the WebSocket handshake of a new session c (transport and
// b64 set): the 101 response carries the cookie, and the open packet (and
// Options.InitialPacket) follow it in the same write. As in Node, where the socket sends
// its open packet before the server emits "connection", they go out before OnConnection
// runs; what OnConnection sends follows them.
//
// c is registered (s.clients) before the response is written, as Node registers a socket
// before any of its I/O: a client may use the sid as soon as it has read the open packet.
// c.mu is held from the registration until the response is written, so that nothing (a
// Shutdown closing c) writes on the connection before it. registered is false when the
// server was shut down: the caller closes the connection.
func (s *Server) acceptHandshake(w http.ResponseWriter, r *http.Request, c *Socket) (conn *wsserver.Conn, registered bool, err error) {
	s.setCookie(w.Header(), c.id)
	opts := wsserver.Options{ReadLimit: s.opts.MaxHTTPBufferSize}
	if d := s.opts.PerMessageDeflate; d != nil {
		opts.Deflate = &wsserver.DeflateOptions{Threshold: d.Threshold}
	}
	proto := int(c.protocol)
	var first [2]Packet
	packets := first[:0]
	locked := false
	conn, err = wsserver.AcceptWith(w, r, opts, func(conn *wsserver.Conn, b []byte) []byte {
		c.mu.Lock()
		locked = true
		c.ws = conn
		if registered = s.register(c); !registered {
			return b
		}
		packets = s.appendFirstPackets(packets, c.id, proto, TransportWebSocket)
		for _, p := range packets {
			b, _ = appendWSFrame(conn, b, p, proto, c.wsB64, true)
		}
		return b
	})
	if locked {
		c.mu.Unlock()
	}
	if err != nil {
		if registered {
			s.remove(c)
		}
		s.debug("websocket accept failed", "component", "engine:ws", "sid", c.id, "err", err)
		return nil, false, err
	}
	for _, p := range packets {
		n, _ := wsPayloadLen(p, proto, c.wsB64)
		s.stats.countOut(p.Type, n)
	}
	return conn, registered, nil
}

// register adds c to the open sessions; false once the server is shut down.
func (s *Server) register(c *Socket) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return false
	}
	s.clients[c.id] = c
	return true
}

// wsPoller returns the poller that idle websockets park in, made on first use; nil where
// parking is unsupported (not Linux) or after Shutdown.
func (s *Server) wsPoller() *wsserver.Poller {
	s.pollerOnce.Do(func() {
		if p, err := wsserver.NewPoller(); err == nil {
			s.poller = p
		} else {
			s.debug("idle websockets keep a goroutine each", "component", "engine:ws", "err", err)
		}
	})
	return s.poller
}

// serveReader runs the reader of a new session's websocket. An idle websocket parks
// (wsserver.EnablePark): after a while without input its reader ends, and a new one starts
// on a goroutine of its own when input arrives, so that thousands of idle connections hold
// no goroutine (and no stack) each. The first message (a socket.io client's CONNECT, sent
// as soon as the open packet arrives) is read and handled on the handshake's handler
// goroutine, whose stack has grown already, where a new goroutine would grow one again
// to answer it; then the reader moves to a goroutine of its own and the handler returns,
// so that net/http frees its state for the connection (buffers, a grown stack) at once:
// holding it until the connection first parks raised the memory peak of a connection
// ramp, and with it the RSS per idle connection (7.7 against 6.7 KB at 10k).
// A websocket that cannot park (TLS) gets its own reader goroutine at once.
// Shutdown waits for the reader either way (ServeHTTP is counted in s.srv.wg too).
func (c *Socket) serveReader(conn *wsserver.Conn) {
	if c.enablePark(conn) && !c.readOne(conn) {
		return
	}
	c.srv.wg.Go(func() { c.readLoop(conn) })
}

// enablePark lets conn park when idle; its reader then ends on wsserver.ErrParked and is
// started anew by the poller (see serveReader). It reports whether conn can park.
func (c *Socket) enablePark(conn *wsserver.Conn) bool {
	return conn.EnablePark(c.srv.wsPoller(), func() { c.srv.wg.Go(func() { c.readLoop(conn) }) })
}

// openPayload is the JSON of the open packet.
func (s *Server) openPayload(id string, protocol int, transport string) []byte {
	upgrades := "[]"
	if transport == TransportPolling && !s.opts.DisableUpgrades && s.opts.allows(TransportWebSocket) {
		upgrades = `["websocket"]`
	}
	b := make([]byte, 0, 128)
	b = append(b, `{"sid":`...)
	b, _ = appendJSONString(b, id)
	b = append(b, `,"upgrades":`...)
	b = append(b, upgrades...)
	b = append(b, `,"pingInterval":`...)
	b = strconv.AppendInt(b, s.opts.PingInterval.Milliseconds(), 10)
	b = append(b, `,"pingTimeout":`...)
	b = strconv.AppendInt(b, s.opts.PingTimeout.Milliseconds(), 10)
	if protocol == ProtocolV4 {
		b = append(b, `,"maxPayload":`...)
		b = strconv.AppendInt(b, s.opts.MaxHTTPBufferSize, 10)
	}
	return append(b, '}')
}

// appendJSONString appends s as a JSON string. The ids GenerateID makes (base64url) are
// copied as they are; other strings go through encoding/json.
func appendJSONString(b []byte, s string) ([]byte, error) {
	if plainJSON(s) {
		b = append(b, '"')
		b = append(b, s...)
		return append(b, '"'), nil
	}
	j, err := json.Marshal(s)
	return append(b, j...), err
}

// plainJSON reports whether s is its own JSON string body: printable ASCII that neither
// JSON nor encoding/json's HTML-safe escaping (<, >, &) would escape.
func plainJSON(s string) bool {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c < 0x20 || c >= 0x7f, c == '"', c == '\\', c == '<', c == '>', c == '&':
			return false
		}
	}
	return true
}

// setCookie adds the session cookie to a handshake response.
func (s *Server) setCookie(h http.Header, id string) {
	ck := s.opts.Cookie
	if ck == nil {
		return
	}
	c := &http.Cookie{Name: ck.Name, Value: id, Path: ck.Path, Domain: ck.Domain, Secure: ck.Secure, HttpOnly: !ck.DisableHTTPOnly, SameSite: ck.SameSite}
	if ck.MaxAge > 0 {
		c.MaxAge = int(ck.MaxAge / time.Second)
	}
	h.Add("Set-Cookie", c.String())
}

func isWebSocketRequest(r *http.Request) bool {
	return r.Method == http.MethodGet && wsserver.HeaderHasToken(r.Header, "Connection", "upgrade") && wsserver.HeaderHasToken(r.Header, "Upgrade", "websocket")
}

// badHeaderValue reports a character not allowed in a header value (Node's
// checkInvalidHeaderChar).
func badHeaderValue(v string) bool {
	for i := 0; i < len(v); i++ {
		c := v[i]
		if (c < 0x20 && c != '\t') || c == 0x7f {
			return true
		}
	}
	return false
}
