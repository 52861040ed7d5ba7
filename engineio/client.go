package engineio

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"
)

// Bounds on the graceful end of a connection, after which the transports are torn down:
// closeFlushTimeout for a forced close (queued packets and the close packet, or the
// websocket close handshake), closePacketTimeout for the close packet that tells a polling
// server about a ping timeout or an error.
const (
	closeFlushTimeout  = 5 * time.Second
	closePacketTimeout = time.Second
)

// maxClientReadBytes caps one polling response or websocket frame, as the ws package's
// default maxPayload (100 MiB) caps what engine.io-client reads.
const maxClientReadBytes = 100 << 20

// priorWebsocketSuccess is engine.io-client's process-wide Socket.priorWebsocketSuccess:
// set when a connection opened on or upgraded to websocket, cleared when a probe starts or
// a transport fails. DialOptions.RememberUpgrade reads it.
var priorWebsocketSuccess atomic.Bool

// ClientSocket is one engine.io connection to a server, opened by Dial. Its methods are safe
// for concurrent use.
//
// Goroutines: a delivery goroutine calls the handlers and, once the socket is closed,
// waits for the network goroutines (the polling GET loop, the writer, the websocket reader,
// an upgrade probe) and then calls OnClose. Close stops them all.
type ClientSocket struct {
	opts  *DialOptions
	log   *slog.Logger
	base  *url.URL   // scheme http or https, host, path
	query url.Values // user query; EIO, transport, sid and the timestamp are added per request

	// Set by the handshake, read-only afterwards.
	sid          string
	upgrades     []string
	pingInterval time.Duration
	pingTimeout  time.Duration
	maxPayload   int

	ctx    context.Context // lifetime of the network goroutines; cancelled by teardown
	cancel context.CancelFunc
	wg     sync.WaitGroup // network goroutines; the delivery goroutine waits for them

	events    chan clientEvent // network goroutines -> delivery goroutine
	wake      chan struct{}    // cap 1: tells the writer to look at the queue/state
	closing   chan struct{}    // closed when the socket is marked closed
	done      chan struct{}    // closed after OnClose returned
	pingSent  chan struct{}    // cap 1, v3: the writer wrote a ping (OnPing)
	inHandler atomic.Bool      // the delivery goroutine is running a handler

	mu sync.Mutex
	// Fields below are guarded by mu.
	state       clientState
	transport   clientTransport
	upgrading   bool // a probe succeeded; writes and polls stop until the switch
	polling     bool // the GET loop is running (a GET in flight or its packets being handled)
	writing     bool // the writer has a batch in flight
	queue       []Packet
	queuedMsgs  int           // messages in queue (pings and pongs are not counted)
	queuedBytes int           // their data bytes
	changed     chan struct{} // closed and replaced when polling or writing turn false, or on close
	closeReason string
	closeCause  error
	pingTimer   *time.Timer // v4: no ping within pingInterval+pingTimeout; v3: no pong in time
	pingSched   *time.Timer // v3 only: sends the next ping
	teardownAt  *time.Timer // bounds the graceful close; stopped by teardown
}

type clientState int

const (
	clientOpen clientState = iota
	clientClosed
)

// clientEvent is a message, an upgrade notice or a v4 ping, in arrival order.
type clientEvent struct {
	msg     Message
	upgrade string // non-empty for an upgrade notice
	ping    bool   // a ping from the server (v4), for OnPing
}

// clientTransport is the write side of a transport (its read side is a goroutine).
type clientTransport interface {
	name() string
	// write sends packets as one unit: one POST, or consecutive websocket frames.
	write(ctx context.Context, packets []Packet) error
	// abort releases the transport at once, without a close handshake.
	abort()
}

func newClientSocket(o *DialOptions, base *url.URL, query url.Values) *ClientSocket {
	ctx, cancel := context.WithCancel(context.Background())
	return &ClientSocket{
		opts:    o,
		log:     o.Logger.With("component", clientLogComponent),
		base:    base,
		query:   query,
		ctx:     ctx,
		cancel:  cancel,
		events:  make(chan clientEvent, 16),
		wake:    make(chan struct{}, 1),
		closing: make(chan struct{}),
		done:    make(chan struct{}),
		changed: make(chan struct{}),

		pingSent: make(chan struct{}, 1),
	}
}

// ID returns the session id the server assigned in the handshake (Node: socket.id).
func (s *ClientSocket) ID() string { return s.sid }

// Protocol returns the engine.io protocol revision in use, 3 or 4.
func (s *ClientSocket) Protocol() int { return s.opts.Protocol }

// Transport returns the current transport's name, "polling" or "websocket"; it changes once
// the upgrade completes (Node: socket.transport.name).
func (s *ClientSocket) Transport() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.transport.name()
}

// Send queues msgs as one unit (all or none) for the writer, which sends everything queued
// in one POST when polling, or as consecutive frames over websocket. It never blocks.
// The caller must not modify the Data of msgs afterwards.
//
// Volatile: the messages are dropped (ErrDropped) when the transport is not writable at this
// moment (a write or an upgrade is in progress) or the queue has no room. A non-volatile
// send that overflows the queue (DialOptions.MaxQueuedMessages, MaxQueuedBytes) closes the socket with reason
// "transport error" and returns an error wrapping ErrQueueFull. After close: ErrClosed.
// NoCompress is accepted for symmetry with the server; the client does not compress.
func (s *ClientSocket) Send(msgs []Message, opts SendOptions) error {
	s.mu.Lock()
	if s.state != clientOpen {
		s.mu.Unlock()
		return ErrClosed
	}
	if len(msgs) == 0 {
		s.mu.Unlock()
		return nil
	}
	size := 0
	for _, m := range msgs {
		size += len(m.Data)
	}
	overMsgs := s.opts.MaxQueuedMessages >= 0 && s.queuedMsgs+len(msgs) > s.opts.MaxQueuedMessages
	overBytes := s.opts.MaxQueuedBytes >= 0 && s.queuedBytes+size > s.opts.MaxQueuedBytes
	if opts.Volatile && (overMsgs || overBytes || s.writing || s.upgrading) {
		s.mu.Unlock()
		return ErrDropped
	}
	if overMsgs || overBytes {
		queuedMsgs, queuedBytes := s.queuedMsgs, s.queuedBytes
		s.mu.Unlock()
		err := fmt.Errorf("engineio: client send of %d message(s) (%d bytes) with %d messages (%d bytes) queued exceeds DialOptions.MaxQueuedMessages %d or MaxQueuedBytes %d (the server reads too slowly; raise the limits or send volatile): %w",
			len(msgs), size, queuedMsgs, queuedBytes, s.opts.MaxQueuedMessages, s.opts.MaxQueuedBytes, ErrQueueFull)
		s.closeWith(ReasonTransportError, err)
		return err
	}
	for _, m := range msgs {
		s.queue = append(s.queue, Packet{Type: PacketMessage, Data: m.Data, Binary: m.Binary})
	}
	s.queuedMsgs += len(msgs)
	s.queuedBytes += size
	s.mu.Unlock()
	s.signalWriter()
	return nil
}

// Close closes the connection with reason "forced close": packets still queued are sent
// with the close (a close packet when polling, the websocket close handshake otherwise;
// bounded by a 5 s timeout), then Close waits until every goroutine of the socket has
// stopped and OnClose has returned. Called from inside a handler (or while a handler runs),
// it cannot wait for the delivery goroutine, which then finishes as soon as that handler
// returns. Close is idempotent and always returns nil (Node: socket.close()).
func (s *ClientSocket) Close() error {
	s.closeWith(ReasonForcedClose, nil)
	if s.inHandler.Load() {
		s.wg.Wait()
		return nil
	}
	<-s.done
	return nil
}

// closeWith marks the socket closed with reason and cause; the first call wins. Unless the
// close is forced (then the writer flushes and tears down), the transports are torn down
// at once.
func (s *ClientSocket) closeWith(reason string, cause error) {
	s.mu.Lock()
	if s.state == clientClosed {
		s.mu.Unlock()
		return
	}
	s.state = clientClosed
	s.closeReason, s.closeCause = reason, cause
	if s.pingTimer != nil {
		s.pingTimer.Stop()
	}
	if s.pingSched != nil {
		s.pingSched.Stop()
	}
	s.broadcastLocked()
	s.mu.Unlock()
	s.log.Debug("socket close", "sid", s.sid, "reason", reason, "cause", cause)
	if reason == ReasonTransportError { // as engine.io-client's onError
		priorWebsocketSuccess.Store(false)
	}
	close(s.closing)
	if reason == ReasonTransportClose {
		s.teardown() // the server is gone: nothing to tell it
		s.signalWriter()
		return
	}
	// Like engine.io-client, tell the server (the writer sends the close packet when polling,
	// after the queued packets on a forced close), but not for longer than the timeout.
	timeout := closePacketTimeout
	if reason == ReasonForcedClose {
		timeout = closeFlushTimeout
	}
	s.mu.Lock()
	s.teardownAt = time.AfterFunc(timeout, s.teardown) // stopped by teardown
	s.mu.Unlock()
	s.signalWriter()
}

// teardown cancels every network operation of the socket. Idempotent.
func (s *ClientSocket) teardown() {
	s.cancel()
	s.mu.Lock()
	tr := s.transport
	if s.teardownAt != nil {
		s.teardownAt.Stop()
	}
	s.mu.Unlock()
	if tr != nil {
		tr.abort()
	}
}

func (s *ClientSocket) isForcedClose() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.state == clientClosed && s.closeReason == ReasonForcedClose
}

// broadcastLocked wakes everyone waiting on s.changed.
func (s *ClientSocket) broadcastLocked() {
	close(s.changed)
	s.changed = make(chan struct{})
}

func (s *ClientSocket) signalWriter() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// enqueueControlLocked queues a ping or pong; control packets are not counted against
// MaxQueuedMessages.
func (s *ClientSocket) enqueueControlLocked(p Packet) {
	s.queue = append(s.queue, p)
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// onPacket handles one packet from the current transport, in arrival order. It reports
// whether the reader should go on.
func (s *ClientSocket) onPacket(p Packet) bool {
	if s.log.Enabled(context.Background(), slog.LevelDebug) {
		s.log.Debug("socket receive", "sid", s.sid, "type", p.Type.String(), "binary", p.Binary, "len", len(p.Data))
	}
	s.mu.Lock()
	if s.state != clientOpen {
		s.mu.Unlock()
		return false
	}
	if s.opts.Protocol == ProtocolV3 {
		s.heartbeatV3Locked()
	}
	switch p.Type {
	case PacketPing:
		if s.opts.Protocol == ProtocolV4 {
			s.enqueueControlLocked(Packet{Type: PacketPong})
			s.resetPingTimeoutLocked()
			if s.opts.OnPing != nil {
				s.mu.Unlock()
				return s.deliver(clientEvent{ping: true})
			}
		}
	case PacketPong:
		if s.opts.Protocol == ProtocolV3 {
			s.schedulePingLocked()
		}
	case PacketClose:
		s.mu.Unlock()
		s.closeWith(ReasonTransportClose, nil)
		return false
	case PacketMessage:
		s.mu.Unlock()
		// Cap Data so that a callee appending to it cannot overwrite the next packet of the
		// same payload.
		return s.deliver(clientEvent{msg: Message{Data: p.Data[:len(p.Data):len(p.Data)], Binary: p.Binary}})
	}
	s.mu.Unlock()
	return true
}

// deliver hands ev to the delivery goroutine; false once the socket is closed.
func (s *ClientSocket) deliver(ev clientEvent) bool {
	select {
	case s.events <- ev:
		return true
	case <-s.closing:
		return false
	}
}

// deliverLoop runs the handlers. It is the socket's supervisor: once the socket is closed it
// waits for the network goroutines, delivers what they queued before closing (unless the
// close was forced), calls OnClose and closes s.done. Started by Dial; stopped by closing.
func (s *ClientSocket) deliverLoop() {
	for {
		select {
		case ev := <-s.events:
			if !s.isForcedClose() {
				s.handle(ev)
			}
		case <-s.pingSent:
			if !s.isForcedClose() {
				s.handle(clientEvent{ping: true})
			}
		case <-s.closing:
			s.wg.Wait()
			s.cancel() // no-op when torn down already; releases the context otherwise
			if !s.isForcedClose() {
				s.drainEvents()
			}
			s.mu.Lock()
			reason, cause := s.closeReason, s.closeCause
			s.mu.Unlock()
			if fn := s.opts.OnClose; fn != nil {
				s.callHandler("OnClose", func() { fn(reason, cause) })
			}
			close(s.done)
			return
		}
	}
}

// drainEvents delivers the events queued before the close.
func (s *ClientSocket) drainEvents() {
	for {
		select {
		case ev := <-s.events:
			s.handle(ev)
		case <-s.pingSent:
			s.handle(clientEvent{ping: true})
		default:
			return
		}
	}
}

func (s *ClientSocket) handle(ev clientEvent) {
	if ev.ping {
		if fn := s.opts.OnPing; fn != nil {
			s.callHandler("OnPing", fn)
		}
		return
	}
	if ev.upgrade != "" {
		if fn := s.opts.OnUpgrade; fn != nil {
			s.callHandler("OnUpgrade", func() { fn(ev.upgrade) })
		}
		return
	}
	if fn := s.opts.OnMessage; fn != nil {
		s.callHandler("OnMessage", func() { fn(ev.msg) })
	}
}

// callHandler runs user code; a panic is logged with its stack and closes this socket only.
func (s *ClientSocket) callHandler(name string, fn func()) {
	s.inHandler.Store(true)
	defer s.inHandler.Store(false)
	defer func() {
		if r := recover(); r != nil {
			err := fmt.Errorf("engineio: %s handler panicked: %v", name, r)
			s.log.Error("handler panicked", "sid", s.sid, "handler", name, "panic", r, "stack", string(debug.Stack()))
			s.closeWith(ReasonTransportError, err) // does not wait: safe on the delivery goroutine
		}
	}()
	fn()
}

// writeLoop is the only writer: it drains the queue into the current transport, one batch at
// a time. On a forced close it sends what is queued plus the close and tears the socket
// down. Started by Dial; stopped by close.
func (s *ClientSocket) writeLoop() {
	defer s.wg.Done()
	for {
		s.mu.Lock()
		if s.state == clientClosed {
			reason, batch, tr := s.closeReason, s.queue, s.transport
			s.queue = nil
			s.mu.Unlock()
			if reason != ReasonTransportClose {
				if reason != ReasonForcedClose {
					batch = nil // engine.io-client drops its write buffer on close
				}
				s.flushAndClose(tr, batch, reason == ReasonForcedClose)
				s.teardown()
			}
			return
		}
		if len(s.queue) == 0 || s.upgrading {
			s.mu.Unlock()
			<-s.wake
			continue
		}
		tr := s.transport
		batch := s.takeBatchLocked(tr.name() == TransportPolling)
		s.writing = true
		s.mu.Unlock()

		if s.log.Enabled(context.Background(), slog.LevelDebug) {
			s.log.Debug("flushing", "sid", s.sid, "transport", tr.name(), "packets", len(batch), "first", batch[0].Type.String())
		}
		err := tr.write(s.ctx, batch)

		s.mu.Lock()
		s.writing = false
		s.broadcastLocked()
		s.mu.Unlock()
		if err != nil {
			// A failed POST is engine.io-client's "xhr post error" ("transport error"); a
			// websocket write fails only when the connection is gone, which it reports
			// through the websocket's close event ("transport close").
			reason := ReasonTransportError
			if tr.name() == TransportWebSocket {
				reason = ReasonTransportClose
			}
			s.closeWith(reason, fmt.Errorf("engineio: write to %s transport: %w", tr.name(), err))
		} else if s.opts.Protocol == ProtocolV3 && s.opts.OnPing != nil && hasPing(batch) {
			select { // coalesced: a slow handler must not hold the writer back
			case s.pingSent <- struct{}{}:
			default:
			}
		}
	}
}

// hasPing reports whether batch holds a heartbeat ping.
func hasPing(batch []Packet) bool {
	for _, p := range batch {
		if p.Type == PacketPing {
			return true
		}
	}
	return false
}

// takeBatchLocked removes the packets of the next write from the queue. Over polling it
// keeps the payload within the server's maxPayload, as engine.io-client does.
func (s *ClientSocket) takeBatchLocked(polling bool) []Packet {
	n := len(s.queue)
	if polling && s.maxPayload > 0 && n > 1 {
		size := 1
		for i, p := range s.queue {
			size += len(p.Data)
			if i > 0 && size > s.maxPayload {
				n = i
				break
			}
			size += 2
		}
	}
	batch := s.queue[:n:n]
	for _, p := range batch {
		if p.Type == PacketMessage {
			s.queuedMsgs--
			s.queuedBytes -= len(p.Data)
		}
	}
	if n == len(s.queue) {
		s.queue = nil
	} else {
		s.queue = s.queue[n:]
	}
	return batch
}

// flushAndClose performs the graceful end of a close on tr: over polling a POST of batch
// and the close packet; over websocket batch and, if graceful, the close handshake (else
// teardown just drops the connection, which the server sees as "transport close").
// Bounded by the teardown timer, which cancels s.ctx.
func (s *ClientSocket) flushAndClose(tr clientTransport, batch []Packet, graceful bool) {
	var err error
	switch t := tr.(type) {
	case *clientPolling:
		err = t.write(s.ctx, append(batch, Packet{Type: PacketClose}))
	case *clientWebSocket:
		if len(batch) > 0 {
			err = t.write(s.ctx, batch)
		}
		if graceful && err == nil {
			t.closeGracefully()
		}
	}
	if err != nil && !errors.Is(err, context.Canceled) {
		s.log.Debug("final flush failed", "sid", s.sid, "err", err)
	}
}
