package client

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"sync"
	"time"

	"github.com/gosockio/gosockio/client/internal/backoff"
	"github.com/gosockio/gosockio/engineio"
	"github.com/gosockio/gosockio/parser"
)

// engineConn is what the Manager needs from an engine connection; *engineio.ClientSocket
// satisfies it, and tests plug in an in-memory one.
type engineConn interface {
	ID() string
	Transport() string
	Send(msgs []engineio.Message, opts engineio.SendOptions) error
	Close() error
}

var _ engineConn = (*engineio.ClientSocket)(nil)

// dialFunc opens an engine connection (engineio.Dial).
type dialFunc func(ctx context.Context, rawURL string, opts *engineio.DialOptions) (engineConn, error)

func engineDial(ctx context.Context, rawURL string, opts *engineio.DialOptions) (engineConn, error) {
	c, err := engineio.Dial(ctx, rawURL, opts)
	if err != nil {
		return nil, err
	}
	return c, nil
}

type managerState int

const (
	stateClosed managerState = iota
	stateOpening
	stateOpen
)

// Manager is one engine connection to a server, shared by the sockets of several
// namespaces, and the reconnection logic around it (Node: Manager). Make one with
// NewManager, or let Connect share one per host.
//
// Its methods are safe for concurrent use. Callbacks of the Manager and of all its
// sockets run one at a time, in order, on one dispatcher goroutine per Manager, which
// exists only while callbacks are pending.
type Manager struct {
	uri     *url.URL // scheme and host
	opts    Options
	rev     parser.Revision
	enc     parser.Encoder
	log     *slog.Logger
	dial    dialFunc
	disp    *dispatcher
	onClose func(*Manager) // removes the Manager from the Connect cache

	wg sync.WaitGroup // dial goroutines; Close waits for them

	// Fields below are guarded by mu.
	mu            sync.Mutex
	state         managerState
	att           *attempt // the current engine connection attempt or connection
	nsps          map[string]*Socket
	socks         []*Socket // nsps in creation order, for a deterministic event order
	bo            backoff.Backoff
	reconnecting  bool
	skipReconnect bool
	timer         *time.Timer // the pending reconnection attempt
	closed        bool        // Close was called

	reconnectAttemptL []func(int)
	reconnectL        []func(int)
	reconnectErrorL   []func(error)
	reconnectFailedL  []func()
	errorL            []func(error)
	openL             []func()
	upgradeL          []func(string)
	pingL             []func()
	closeL            []func(string, error)
}

// attempt is one engine connection, from the dial to its close.
type attempt struct {
	cancel   context.CancelFunc
	conn     engineConn
	opened   bool             // the dial returned a connection
	early    []*parser.Packet // packets that arrived before the dial returned
	closed   bool             // OnClose ran before the dial returned
	reason   string
	cause    error
	dec      parser.Decoder
	attTimer *time.Timer // a binary packet waits for its attachments
	rootConn bool        // protocol 4: the server connected "/" by itself
	rootGone bool        // protocol 4: "/" was disconnected since: it must send CONNECT to come back
}

// NewManager returns a Manager for the server at rawURL (http, https, ws or wss; the
// path is ignored, Options.Path is used). It does not connect: Socket and Open do.
// Node: new Manager(url, opts) with autoConnect false.
func NewManager(rawURL string, opts *Options) (*Manager, error) {
	o, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, fmt.Errorf("client: parse URL %q: %w", rawURL, err)
	}
	switch u.Scheme {
	case "http", "https", "ws", "wss":
	default:
		return nil, fmt.Errorf("client: URL %q: scheme must be http, https, ws or wss", rawURL)
	}
	if u.Host == "" {
		return nil, fmt.Errorf("client: URL %q has no host", rawURL)
	}
	q := u.Query()
	for k, vs := range o.Query {
		for _, v := range vs {
			q.Add(k, v)
		}
	}
	o.Query = q
	rev := parser.V5
	if o.Protocol == 4 {
		rev = parser.V4
	}
	m := &Manager{
		uri:  &url.URL{Scheme: u.Scheme, Host: u.Host},
		opts: o,
		rev:  rev,
		enc:  o.Parser.Encoder(),
		log:  newLogger(o.Logger),
		dial: engineDial,
		nsps: make(map[string]*Socket),
		bo: backoff.Backoff{
			Min:    o.ReconnectionDelay,
			Max:    o.ReconnectionDelayMax,
			Jitter: o.RandomizationFactor,
		},
	}
	m.disp = newDispatcher(m.log)
	return m, nil
}

// Socket returns the Manager's socket for namespace nsp ("/chat"), creating it (with
// opts' Auth and Query; other fields are the Manager's) and, unless AutoConnect is off,
// connecting it. A second call for the same namespace returns the same socket.
// Node: manager.socket(nsp, opts).
//
// With AutoConnect the connection starts before Socket returns, on other goroutines: a
// "connect" or "connect_error" that comes at once (a server on this machine, a refused
// dial) may be dispatched before listeners set after Socket returns, where Node, which
// emits on a later tick, would always call them. To be sure to see them, set
// Options.AutoConnect to false, set the listeners, then call Socket.Connect.
func (m *Manager) Socket(nsp string, opts *SocketOptions) *Socket {
	nsp = normalizeNamespace(nsp)
	m.mu.Lock()
	s, ok := m.nsps[nsp]
	if !ok {
		s = newSocket(m, nsp, opts)
		m.nsps[nsp] = s
		m.socks = append(m.socks, s)
	}
	active := s.active
	m.mu.Unlock()
	if m.opts.autoConnect() && !active {
		s.Connect()
	}
	return s
}

// SocketOptions are the per-namespace options of Manager.Socket.
type SocketOptions struct {
	// Auth is sent in the CONNECT packet of this namespace (see Options.Auth).
	// Default: the Manager's Options.Auth.
	Auth any
	// Query is sent in the CONNECT packet with Protocol 4 (socket.io 2.x servers read it
	// as the namespace's query). Default: the Manager's query.
	Query url.Values
}

// Open connects the engine if it is not connected or connecting. It returns at once; the
// outcome is reported by the "open" and "error" events. Node: manager.open().
func (m *Manager) Open() {
	m.mu.Lock()
	m.openLocked(nil)
	m.mu.Unlock()
}

// openLocked starts an engine connection attempt unless one exists. done, when non-nil,
// is called (under mu) with the outcome instead of the default reconnect-on-failure.
func (m *Manager) openLocked(done func(error)) {
	if m.state != stateClosed || m.closed {
		return
	}
	m.log.Debug("opening", "url", m.uri.String())
	m.state = stateOpening
	m.skipReconnect = false
	var ctx context.Context
	var cancel context.CancelFunc
	if m.opts.Timeout > 0 {
		ctx, cancel = context.WithTimeout(context.Background(), m.opts.Timeout)
	} else {
		ctx, cancel = context.WithCancel(context.Background())
	}
	a := &attempt{cancel: cancel, dec: m.opts.Parser.NewDecoder()}
	m.att = a
	dopts := &engineio.DialOptions{
		Path:            m.opts.Path,
		Query:           m.opts.Query,
		ExtraHeaders:    m.opts.ExtraHeaders,
		Transports:      m.opts.Transports,
		DisableUpgrades: !m.opts.upgrade(),
		HTTPClient:      m.opts.HTTPClient,
		Protocol:        engineio.ProtocolV4,
		Logger:          m.opts.Logger,
		OnMessage:       func(msg engineio.Message) { m.onMessage(a, msg) },
		OnClose:         func(reason string, cause error) { m.onEngineClose(a, reason, cause) },
		OnUpgrade:       func(transport string) { m.onUpgrade(a, transport) },
		OnPing:          func() { m.onPing(a) },
	}
	if m.rev == parser.V4 {
		dopts.Protocol = engineio.ProtocolV3
	}
	m.wg.Add(1)
	go func() { // ends when the dial returns; Close cancels it
		defer m.wg.Done()
		conn, err := m.dial(ctx, m.uri.String(), dopts)
		if err != nil && ctx.Err() == context.DeadlineExceeded {
			err = fmt.Errorf("%w after %v (Options.Timeout): %w", ErrTimeout, m.opts.Timeout, err)
		}
		m.onDialResult(a, conn, err, done)
	}()
}

func (m *Manager) onDialResult(a *attempt, conn engineConn, err error, done func(error)) {
	m.mu.Lock()
	if m.att != a { // closed meanwhile
		m.mu.Unlock()
		if conn != nil {
			_ = conn.Close()
		}
		return
	}
	if err != nil {
		m.log.Debug("connect error", "err", err)
		a.cancel()
		m.att = nil
		m.state = stateClosed
		m.emitErrorLocked(err)
		if done != nil {
			done(err)
		} else {
			m.maybeReconnectOnOpenLocked()
		}
		m.mu.Unlock()
		return
	}
	a.conn, a.opened = conn, true
	m.state = stateOpen
	m.log.Debug("open", "sid", conn.ID())
	for _, fn := range m.openL {
		m.disp.post(fn)
	}
	for _, s := range m.socks {
		if s.active {
			s.onOpenLocked()
		}
	}
	if done != nil {
		done(nil)
	}
	early := a.early
	a.early = nil
	var toClose engineConn
	for _, p := range early {
		if m.att != a {
			break
		}
		if c := m.onPacketLocked(a, p); c != nil {
			toClose = c
		}
	}
	if a.closed && m.att == a {
		m.oncloseLocked(a.reason, a.cause)
	}
	m.mu.Unlock()
	if toClose != nil {
		_ = toClose.Close()
	}
}

func (m *Manager) emitErrorLocked(err error) {
	for _, fn := range m.errorL {
		m.disp.post(func() { fn(err) })
	}
	for _, s := range m.socks {
		if s.active && !s.connected {
			s.emitConnectErrorLocked(err)
		}
	}
}

// onMessage runs on the engine's delivery goroutine: it decodes the frame and handles the
// packet (user callbacks are posted to the dispatcher).
func (m *Manager) onMessage(a *attempt, msg engineio.Message) {
	m.mu.Lock()
	if m.att != a {
		m.mu.Unlock()
		return
	}
	p, err := a.dec.Decode(parser.Frame{Data: msg.Data, Binary: msg.Binary})
	m.watchAttachmentsLocked(a)
	var toClose engineConn
	switch {
	case err != nil:
		m.log.Debug("parse error", "err", err)
		toClose = a.conn
		m.oncloseLocked(ReasonParseError, fmt.Errorf("client: the server sent an invalid packet: %w", err))
	case p == nil: // waiting for attachments
	case !a.opened:
		a.early = append(a.early, p)
	default:
		toClose = m.onPacketLocked(a, p)
	}
	m.mu.Unlock()
	if toClose != nil {
		_ = toClose.Close()
	}
}

// watchAttachmentsLocked bounds the wait for the attachments of a binary packet by
// Options.Timeout: a server that announces attachments and never sends them would
// otherwise hold the decoder (and its buffered attachments) for the connection's life.
func (m *Manager) watchAttachmentsLocked(a *attempt) {
	pending := a.dec.Pending()
	switch {
	case pending && a.attTimer == nil && m.opts.Timeout > 0:
		a.attTimer = time.AfterFunc(m.opts.Timeout, func() { // stopped when the packet completes or the connection closes
			m.mu.Lock()
			if m.att != a || !a.dec.Pending() {
				m.mu.Unlock()
				return
			}
			conn := a.conn
			m.oncloseLocked(ReasonParseError, fmt.Errorf("client: the attachments of a binary packet did not arrive within %v (Options.Timeout)", m.opts.Timeout))
			m.mu.Unlock()
			if conn != nil {
				_ = conn.Close()
			}
		})
	case !pending && a.attTimer != nil:
		a.attTimer.Stop()
		a.attTimer = nil
	}
}

// onPacketLocked routes a packet to its socket. It returns a connection to close (outside
// mu) when the packet was fatal.
func (m *Manager) onPacketLocked(a *attempt, p *parser.Packet) engineConn {
	nsp := p.Namespace
	if nsp == "" {
		nsp = "/"
	}
	if m.rev == parser.V4 && p.Type == parser.Connect && nsp == "/" {
		a.rootConn, a.rootGone = true, false
	}
	s := m.nsps[nsp]
	if s == nil || !s.active {
		m.log.Debug("packet for a namespace without active socket", "nsp", nsp, "type", p.Type)
		return nil
	}
	err := s.onPacketLocked(p)
	conn := s.pendingClose
	s.pendingClose = nil
	if err != nil {
		m.log.Debug("parse error", "err", err)
		if m.att == a {
			m.oncloseLocked(ReasonParseError, err)
		}
		return a.conn
	}
	return conn
}

func (m *Manager) onEngineClose(a *attempt, reason string, cause error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.att != a {
		return
	}
	if !a.opened {
		a.closed, a.reason, a.cause = true, reason, cause
		return
	}
	m.oncloseLocked(reason, cause)
}

// oncloseLocked is Node's Manager.onclose: the engine is gone (or abandoned); tell the
// sockets and reconnect unless told not to.
func (m *Manager) oncloseLocked(reason string, cause error) {
	m.log.Debug("close", "reason", reason, "cause", cause)
	if m.att != nil {
		m.att.cancel()
		m.att.dec.Reset()
		if m.att.attTimer != nil {
			m.att.attTimer.Stop()
		}
	}
	m.att = nil
	m.bo.Reset()
	m.state = stateClosed
	for _, fn := range m.closeL {
		m.disp.post(func() { fn(reason, cause) })
	}
	for _, s := range m.socks {
		if s.active {
			s.oncloseLocked(reason)
		}
	}
	if m.opts.reconnection() && !m.skipReconnect {
		m.reconnectLocked()
	}
}

func (m *Manager) maybeReconnectOnOpenLocked() {
	if !m.reconnecting && m.opts.reconnection() && m.bo.Attempts() == 0 {
		m.reconnectLocked()
	}
}

// reconnectLocked schedules the next attempt after the backoff delay (Node: reconnect).
func (m *Manager) reconnectLocked() {
	if m.reconnecting || m.skipReconnect || m.closed {
		return
	}
	if m.opts.ReconnectionAttempts > 0 && m.bo.Attempts() >= m.opts.ReconnectionAttempts {
		m.log.Debug("reconnect failed")
		m.bo.Reset()
		m.reconnecting = false
		for _, fn := range m.reconnectFailedL {
			m.disp.post(fn)
		}
		return
	}
	delay := m.bo.Duration()
	m.reconnecting = true
	m.log.Debug("will wait before reconnect attempt", "delay", delay)
	m.timer = time.AfterFunc(delay, m.reconnectNow) // stopped by closeLocked
}

func (m *Manager) reconnectNow() {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.timer = nil
	if m.skipReconnect || m.closed || !m.reconnecting {
		return
	}
	attempt := m.bo.Attempts()
	m.log.Debug("attempting reconnect", "attempt", attempt)
	for _, fn := range m.reconnectAttemptL {
		m.disp.post(func() { fn(attempt) })
	}
	m.openLocked(func(err error) {
		if err != nil {
			m.reconnecting = false
			m.reconnectLocked()
			for _, fn := range m.reconnectErrorL {
				m.disp.post(func() { fn(err) })
			}
			return
		}
		n := m.bo.Attempts()
		m.reconnecting = false
		m.bo.Reset()
		for _, fn := range m.reconnectL {
			m.disp.post(func() { fn(n) })
		}
	})
}

// destroyLocked is called when socket s stops being active: the Manager closes when no
// socket is active any more (Node: manager._destroy). It returns the connection to close.
func (m *Manager) destroyLocked() engineConn {
	for _, s := range m.socks {
		if s.active {
			return nil
		}
	}
	return m.closeLocked()
}

// closeLocked is Node's manager._close: no more reconnection, "forced close" to the
// sockets. It returns the engine connection, to be closed outside mu.
func (m *Manager) closeLocked() engineConn {
	m.log.Debug("disconnect")
	m.skipReconnect = true
	m.reconnecting = false
	if m.timer != nil {
		m.timer.Stop()
		m.timer = nil
	}
	var conn engineConn
	if m.att != nil {
		conn = m.att.conn
	}
	if m.state != stateClosed || m.att != nil {
		m.oncloseLocked(ReasonForcedClose, nil)
	}
	if m.onClose != nil {
		m.onClose(m)
	}
	return conn
}

// Close disconnects every socket of the Manager ("io client disconnect"), stops
// reconnecting and closes the engine connection, then waits for the connection's
// goroutines. Callbacks already posted still run. Close is idempotent; a closed Manager
// cannot be opened again. Node: manager._close() after socket.disconnect() on each socket.
func (m *Manager) Close() error {
	m.mu.Lock()
	var conn engineConn
	if m.att != nil {
		conn = m.att.conn
	}
	for _, s := range m.socks {
		if s.active {
			s.disconnectLocked() // the last one closes the Manager
		}
	}
	if c := m.closeLocked(); c != nil {
		conn = c
	}
	m.closed = true
	m.mu.Unlock()
	if conn != nil {
		_ = conn.Close()
	}
	m.wg.Wait()
	return nil
}

// Wait blocks until every callback posted so far has run. It must not be called from a
// callback (it would wait for itself).
func (m *Manager) Wait() { m.disp.wait() }

// Reconnecting reports whether a reconnection attempt is scheduled or in progress.
func (m *Manager) Reconnecting() bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.reconnecting
}

// sendLocked encodes nothing: it writes already encoded frames on the current connection.
func (m *Manager) sendLocked(frames []parser.Frame, volatile, compress bool) error {
	if m.att == nil || m.att.conn == nil {
		return engineio.ErrClosed
	}
	msgs := make([]engineio.Message, len(frames))
	for i, f := range frames {
		msgs[i] = engineio.Message{Data: f.Data, Binary: f.Binary}
	}
	err := m.att.conn.Send(msgs, engineio.SendOptions{Volatile: volatile, NoCompress: !compress})
	if errors.Is(err, engineio.ErrDropped) {
		return nil
	}
	return err
}

func (m *Manager) onUpgrade(a *attempt, transport string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.att != a {
		return
	}
	for _, fn := range m.upgradeL {
		m.disp.post(func() { fn(transport) })
	}
}

// onPing runs on the engine's delivery goroutine, in order with onMessage. A ping of an
// attempt whose dial has not returned yet is not reported: like socket.io-client, which
// listens for "ping" from "open" on, the Manager reports pings of an open connection.
func (m *Manager) onPing(a *attempt) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.att != a || !a.opened {
		return
	}
	for _, fn := range m.pingL {
		m.disp.post(fn)
	}
}

// Transport returns the name of the engine connection's transport, "polling" or
// "websocket", or "" while not connected (Node: manager.engine.transport.name).
func (m *Manager) Transport() string {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.att == nil || m.att.conn == nil {
		return ""
	}
	return m.att.conn.Transport()
}

// OnUpgrade registers fn, called when the engine connection has upgraded from polling to
// the transport named (Node: manager.engine.on("upgrade")).
func (m *Manager) OnUpgrade(fn func(transport string)) {
	m.mu.Lock()
	m.upgradeL = append(m.upgradeL, fn)
	m.mu.Unlock()
}

// OnPing registers fn for "ping": with Options.Protocol 5 (the default) a ping arrived
// from the server, in order with the packets around it; with protocol 4 (socket.io 2.x
// servers) the client's own ping was sent, as engine.io-client 3.x reports it.
// Node: manager.on("ping").
func (m *Manager) OnPing(fn func()) {
	m.mu.Lock()
	m.pingL = append(m.pingL, fn)
	m.mu.Unlock()
}

// On* register Manager event listeners; each runs on the dispatcher.

// OnOpen registers fn for "open": the engine connection is established.
func (m *Manager) OnOpen(fn func()) { m.mu.Lock(); m.openL = append(m.openL, fn); m.mu.Unlock() }

// OnClose registers fn for "close": the engine connection closed, with the reason
// ("transport close", "ping timeout", "transport error", "parse error", "forced close")
// and its cause.
func (m *Manager) OnClose(fn func(reason string, cause error)) {
	m.mu.Lock()
	m.closeL = append(m.closeL, fn)
	m.mu.Unlock()
}

// OnError registers fn for "error": a connection attempt failed.
func (m *Manager) OnError(fn func(err error)) {
	m.mu.Lock()
	m.errorL = append(m.errorL, fn)
	m.mu.Unlock()
}

// OnReconnectAttempt registers fn for "reconnect_attempt", called before each attempt
// with its number (1, 2, ...).
func (m *Manager) OnReconnectAttempt(fn func(attempt int)) {
	m.mu.Lock()
	m.reconnectAttemptL = append(m.reconnectAttemptL, fn)
	m.mu.Unlock()
}

// OnReconnect registers fn for "reconnect": a reconnection attempt succeeded, after
// attempt attempts.
func (m *Manager) OnReconnect(fn func(attempt int)) {
	m.mu.Lock()
	m.reconnectL = append(m.reconnectL, fn)
	m.mu.Unlock()
}

// OnReconnectError registers fn for "reconnect_error": a reconnection attempt failed.
func (m *Manager) OnReconnectError(fn func(err error)) {
	m.mu.Lock()
	m.reconnectErrorL = append(m.reconnectErrorL, fn)
	m.mu.Unlock()
}

// OnReconnectFailed registers fn for "reconnect_failed": ReconnectionAttempts attempts
// failed, the Manager gives up.
func (m *Manager) OnReconnectFailed(fn func()) {
	m.mu.Lock()
	m.reconnectFailedL = append(m.reconnectFailedL, fn)
	m.mu.Unlock()
}
