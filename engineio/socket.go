package engineio

import (
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"runtime/debug"
	"sync"
	"syscall"
	"time"

	"github.com/gosockio/gosockio/engineio/internal/wsserver"
)

// Message is one engine.io message (packet type 4): text (UTF-8) or binary data.
type Message struct {
	// Data is the message: UTF-8 text, or bytes when Binary.
	Data []byte
	// Binary is true for a binary message (a Buffer/ArrayBuffer in Node), false for text.
	Binary bool
}

// SendOptions modify one Socket.Send call.
type SendOptions struct {
	// Volatile messages are dropped (Send returns ErrDropped) rather than queued when the
	// transport is not writable right now or the write queue is full.
	Volatile bool
	// NoCompress turns off compression for these messages: HTTP compression on polling (a
	// polling response is compressed only when one of its packets allows it) and
	// permessage-deflate on websocket (Node: compress: false).
	NoCompress bool
}

// Socket states.
const (
	stateOpen    uint8 = iota
	stateClosing       // polling only: waiting for a GET to carry the last packets and "1"
	stateClosed
)

// Upgrade progress.
const (
	upgradeNone     uint8 = iota
	upgradeStarted        // a probe websocket is open
	upgradeProbed         // "2probe" answered; the pending GET is released with noop
	upgradeComplete       // transport is websocket
)

// How closeWith ends the transport.
type closeMode uint8

const (
	closeNow     closeMode = iota // error or timeout: drop the queue, end the transport now
	closeClient                   // the client sent "1": a pending GET answers noop
	closeDrain                    // Socket.Close: deliver what is queued, then close
	closeDiscard                  // Server.Shutdown: close frame or "1" now, no waiting for a GET
)

// queued is a packet in the write queue.
type queued struct {
	Packet
	noCompress bool
}

// Socket is one engine.io session on the server (Node: Socket). Its methods are safe for
// concurrent use. A Socket is handed to the Server.OnConnection callback before any of its
// messages is delivered; set OnMessage, OnUpgrade and OnClose there.
//
// Concurrency: the transport that reads (a polling POST, or the websocket read loop) calls
// OnMessage, one call at a time, in arrival order. Writes go through a bounded queue drained
// by one writer at a time: the pending polling GET, or for a websocket one of the server's
// flusher goroutines (one non-blocking write of the whole queue; see flusher.go), or a
// writer goroutine of the socket's own while its client reads too slowly for that (a reply
// sent from OnMessage to an idle websocket is written inline, without blocking).
type Socket struct {
	srv      *Server
	id       string
	req      *http.Request
	protocol uint8

	onMessage func(Message)                    // set in OnConnection, read-only afterwards
	onClose   func(reason string, cause error) // idem
	onUpgrade func(transport string)           // idem

	deliverMu sync.Mutex // serializes callbacks (a POST and the websocket during an upgrade)

	mu sync.Mutex
	// Fields below are guarded by mu.
	state        uint8
	upgrade      uint8
	transport    uint8 // 0 polling, 1 websocket
	inCallback   bool  // an OnMessage call is running
	closePending bool  // OnClose must run when that call returns
	writing      bool  // websocket write ownership (flusher round, writer goroutine, inline write)
	overflowed   bool  // Send overflowed the queue; the close is under way
	awaitingPong bool  // v4: a ping was sent and no pong came yet
	refreshed    bool  // v4: the pong deadline was extended once by another packet
	wsGraceful   bool  // the websocket writer ends with a close handshake
	wsB64        bool  // v3 websocket without binary support: binary as "b4..." text frames
	queueBytes   int
	deadline     int64 // heartbeat: when the ping timeout falls due (Unix ns), see heartbeat.go
	queue        []queued
	poll         *pollTransport // while the transport is polling
	ws           *wsserver.Conn // when the transport is websocket
	probe        *wsserver.Conn // the upgrade candidate
	wsPending    []byte         // frames an inline write could not start; writeLoop sends them first
	pingTimer    *time.Timer    // v4: next ping; closing: polling close timeout
	timeoutTimer *time.Timer    // v4: pong deadline; v3: ping deadline
	upgradeTimer *time.Timer
	closeReason  string // set when closing starts
	pendingCause error  // the cause, when OnClose waits for an OnMessage call to return
}

const (
	transportPolling uint8 = iota
	transportWebSocket
)

// ID returns the session id (the sid query parameter).
func (s *Socket) ID() string { return s.id }

// Request returns the handshake request, trimmed to what describes the client: Method,
// URL, Proto, Header, Host, RemoteAddr, RequestURI and TLS. The rest (body, form, context,
// net/http's per-request state) is dropped so that an idle connection does not keep it
// alive; Context() returns context.Background(). Treat it as read-only.
func (s *Socket) Request() *http.Request { return s.req }

// Protocol returns the engine.io protocol revision of the session: 3 or 4.
func (s *Socket) Protocol() int { return int(s.protocol) }

// RemoteAddr returns the network address of the client that sent the handshake
// (http.Request.RemoteAddr; Node: remoteAddress).
func (s *Socket) RemoteAddr() string { return s.req.RemoteAddr }

// Transport returns the current transport name: "polling" or "websocket"; it changes to
// "websocket" when an upgrade completes.
func (s *Socket) Transport() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.transport == transportWebSocket {
		return TransportWebSocket
	}
	return TransportPolling
}

// OnMessage sets the function called with each message the client sends. Set it inside the
// Server.OnConnection callback. Calls come one at a time, in arrival order, on the socket's
// read path (a handler that blocks delays only this socket). fn owns Message.Data.
func (s *Socket) OnMessage(fn func(Message)) { s.onMessage = fn }

// OnClose sets the function called once when the socket closes, with Node's reason string
// ("transport close", "ping timeout", "transport error", "forced close", "parse error",
// "server shutting down"; see the Reason constants) and the underlying error, if any. Set
// it inside the Server.OnConnection callback. It never runs concurrently with OnMessage or
// OnUpgrade.
func (s *Socket) OnClose(fn func(reason string, cause error)) { s.onClose = fn }

// OnUpgrade sets the function called once the socket has upgraded (Node: socket.on
// ("upgrade")), with the new transport name, "websocket". It runs after the client's upgrade
// packet, when Transport already reports the new transport and before any message that came
// over it is delivered. Set it inside the Server.OnConnection callback. It never runs
// concurrently with OnMessage or OnClose. Default: none. As Node, it is also called when
// Socket.Close was called during the upgrade; OnClose follows at once.
func (s *Socket) OnUpgrade(fn func(transport string)) { s.onUpgrade = fn }

// Send queues msgs as one unit (all or none) on the bounded per-connection write queue and
// returns without waiting for the network. Send keeps the Data slices until they are
// written: do not modify them afterwards (the same slices may be given to many sockets).
//
// A volatile send is dropped, returning ErrDropped, when the transport is not writable right
// now (no pending poll, or a websocket write in progress) or the queue is full. A
// non-volatile send that would overflow the queue (Options.MaxQueuedMessages,
// MaxQueuedBytes) closes the socket with reason "transport error" and a cause wrapping
// ErrQueueFull, and returns that error. After the socket closed, Send returns ErrClosed.
func (s *Socket) Send(msgs []Message, opts SendOptions) error {
	n := 0
	for _, m := range msgs {
		n += len(m.Data)
	}
	s.mu.Lock()
	if s.state != stateOpen {
		s.mu.Unlock()
		return ErrClosed
	}
	if opts.Volatile && !s.writableLocked() {
		s.mu.Unlock()
		s.srv.stats.volatileDropped.Add(uint64(len(msgs)))
		return ErrDropped
	}
	o := &s.srv.opts
	if s.overflowed ||
		(o.MaxQueuedMessages >= 0 && len(s.queue)+len(msgs) > o.MaxQueuedMessages) ||
		(o.MaxQueuedBytes >= 0 && s.queueBytes+n > o.MaxQueuedBytes) {
		if opts.Volatile {
			s.mu.Unlock()
			s.srv.stats.volatileDropped.Add(uint64(len(msgs)))
			return ErrDropped
		}
		err := fmt.Errorf("%w: %d messages (%d bytes) queued for socket %s, limits %d messages and %d bytes (Options.MaxQueuedMessages, MaxQueuedBytes); the client reads too slowly",
			ErrQueueFull, len(s.queue), s.queueBytes, s.id, o.MaxQueuedMessages, o.MaxQueuedBytes)
		first := !s.overflowed
		s.overflowed = true
		s.mu.Unlock()
		if first {
			s.srv.stats.slowConsumerCloses.Add(1)
			s.srv.log.Warn("engine.io write queue overflow, closing socket", "component", "engine:socket", "sid", s.id, "err", err)
			// The close (and the user's OnClose) runs on its own goroutine, never in the
			// sender's: a broadcast loop or a handler holding its own lock must not run
			// another socket's disconnect handlers. Server.Shutdown waits for it.
			s.srv.wg.Go(func() { s.closeWith(ReasonTransportError, err, closeNow) })
		}
		return err
	}
	if s.inCallback && s.transport == transportWebSocket && !s.writing && len(s.queue) == 0 && s.wsPending == nil {
		// Inline fast path for a reply (an ack, an echo) sent while this socket's OnMessage
		// runs: nothing queued and no writer, so this goroutine takes the write ownership
		// and writes without blocking (see sendInline). Other sends, broadcasts above
		// all, go to the server's flushers: they write on all cores and batch what queues
		// up meanwhile, where a broadcaster writing to every socket itself would be one
		// core's worth of syscalls.
		if s.ws.CanTryWrite() {
			s.writing = true
			conn, b64 := s.ws, s.wsB64
			s.mu.Unlock()
			s.sendInline(conn, msgs, b64, !opts.NoCompress)
			return nil
		}
	}
	for _, m := range msgs {
		s.queue = append(s.queue, queued{Packet: Packet{Type: PacketMessage, Data: m.Data, Binary: m.Binary}, noCompress: opts.NoCompress})
	}
	s.queueBytes += n
	s.flushLocked()
	s.mu.Unlock()
	return nil
}

// Close closes the socket with reason "forced close" after the packets already queued are
// written (Node: socket.close()). It returns at once; OnClose runs when the transport is done.
func (s *Socket) Close() error {
	s.closeWith(ReasonForcedClose, nil, closeDrain)
	return nil
}

// writableLocked reports whether a write would go out right now (Node: transport.writable).
func (s *Socket) writableLocked() bool {
	if s.transport == transportWebSocket {
		return !s.writing
	}
	return s.poll != nil && s.poll.wake != nil
}

// sendPacketLocked queues a control packet; control packets ignore the queue bounds.
func (s *Socket) sendPacketLocked(p Packet) {
	s.queue = append(s.queue, queued{Packet: p})
	s.queueBytes += len(p.Data)
	s.flushLocked()
}

// flushLocked hands the queue to the transport's writer: it wakes the pending GET, or gives
// the websocket to a flusher (see flusher.go), or, on a connection that cannot be written
// without blocking (TLS), starts its writer goroutine.
func (s *Socket) flushLocked() {
	if len(s.queue) == 0 {
		return
	}
	if s.transport == transportPolling {
		if s.poll != nil && s.poll.wake != nil {
			close(s.poll.wake)
			s.poll.wake = nil
		}
		return
	}
	if !s.writing {
		s.writing = true
		if s.state == stateOpen && s.ws.CanTryWrite() {
			s.srv.pushFlush(s)
			return
		}
		s.startWriteLoop()
	}
}

// takeQueueLocked returns the queued packets and empties the queue, keeping a small backing
// array for reuse.
func (s *Socket) takeQueueLocked() []queued {
	q := s.queue
	s.queue = nil
	s.queueBytes = 0
	return q
}

// onPacket handles one packet read from the socket's transport.
func (s *Socket) onPacket(p Packet) {
	s.mu.Lock()
	if s.state != stateOpen {
		s.mu.Unlock()
		return
	}
	if s.protocol == ProtocolV4 && s.awaitingPong && !s.refreshed && p.Type != PacketPong {
		s.refreshLocked()
	}
	switch p.Type {
	case PacketPing:
		if s.protocol == ProtocolV4 {
			s.mu.Unlock()
			s.closeWith(ReasonParseError, fmt.Errorf("%w: a v4 client sent a ping; in protocol v4 the server pings", ErrParse), closeNow)
			return
		}
		s.resetV3TimeoutLocked()
		s.sendPacketLocked(Packet{Type: PacketPong, Data: p.Data})
		s.mu.Unlock()
	case PacketPong:
		if s.protocol == ProtocolV3 {
			s.mu.Unlock()
			s.closeWith(ReasonParseError, fmt.Errorf("%w: a v3 client sent a pong; in protocol v3 the client pings", ErrParse), closeNow)
			return
		}
		s.onPongLocked()
		s.mu.Unlock()
	case PacketMessage:
		s.mu.Unlock()
		s.deliver(Message{Data: p.Data, Binary: p.Binary})
	case PacketClose:
		s.mu.Unlock()
		s.closeWith(ReasonTransportClose, nil, closeClient)
	default: // open, upgrade, noop: nothing to do (Node ignores them too)
		s.mu.Unlock()
	}
}

// deliver calls OnMessage.
func (s *Socket) deliver(m Message) {
	if s.onMessage != nil {
		s.runCallback("OnMessage", func() { s.onMessage(m) }, false)
	}
}

// runCallback runs fn, a user callback named name, one at a time with the socket's other
// callbacks; OnClose is held back until it returns, and a panic in it closes only this
// socket. It does nothing once the socket has closed, nor, unless whileClosing, once
// Socket.Close has been called.
func (s *Socket) runCallback(name string, fn func(), whileClosing bool) {
	s.deliverMu.Lock()
	defer s.deliverMu.Unlock()
	s.mu.Lock()
	if s.state == stateClosed || (s.state == stateClosing && !whileClosing) {
		s.mu.Unlock()
		return
	}
	s.inCallback = true
	s.mu.Unlock()

	panicked := s.call(fn, name)

	s.mu.Lock()
	s.inCallback = false
	fire := s.closePending
	s.closePending = false
	reason := s.closeReason
	s.mu.Unlock()
	if fire { // the socket closed during the call
		s.callOnClose(reason, s.pendingCause)
		return
	}
	if panicked != nil {
		s.closeWith(ReasonTransportError, panicked, closeNow)
	}
}

// call runs fn and turns a panic into an error, logged with its stack.
func (s *Socket) call(fn func(), name string) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("engineio: panic in %s of socket %s: %v", name, s.id, r)
			s.srv.log.Error("engine.io callback panicked", "component", "engine:socket", "sid", s.id, "callback", name, "panic", r, "stack", string(debug.Stack()))
		}
	}()
	fn()
	return nil
}

// closeWith closes the socket once. See closeMode for how the transport ends.
func (s *Socket) closeWith(reason string, cause error, mode closeMode) {
	s.mu.Lock()
	switch {
	case s.state == stateClosed:
		s.mu.Unlock()
		return
	case s.state == stateClosing && mode == closeDrain && s.transport == transportPolling:
		s.mu.Unlock()
		return
	case s.state == stateClosing:
		// A drain close on websocket here means an upgrade completed while the close
		// waited for a GET: the new websocket is closed after the queue (Node does the same).
		reason = s.closeReason
	}
	if s.transport == transportPolling && mode == closeDrain && s.state == stateOpen && s.poll.wake == nil {
		// Node: wait for the next GET to carry the queue and the close packet. An upgrade
		// under way goes on (its UpgradeTimeout still runs): if it completes, the socket
		// closes over the new websocket instead (see probeLoop).
		s.stopHeartbeatLocked()
		s.state = stateClosing
		s.closeReason = reason
		s.pingTimer = time.AfterFunc(pollingCloseTimeout, func() { s.closeWith(reason, nil, closeNow) })
		s.mu.Unlock()
		return
	}
	s.stopTimersLocked()
	probe := s.probe
	s.probe = nil
	var closeNowConn *wsserver.Conn
	startWriter := false
	if s.transport == transportPolling {
		pt := s.poll
		if mode != closeDrain {
			s.takeQueueLocked()
		}
		if pt.wake != nil {
			pt.tail = PacketClose
			if mode == closeClient {
				pt.tail = PacketNoop
			}
			pt.hasTail = true
			close(pt.wake)
			pt.wake = nil
		}
	} else {
		if mode == closeDrain || mode == closeDiscard || reason == ReasonParseError {
			if mode != closeDrain {
				s.takeQueueLocked()
			}
			s.wsGraceful = true
			if !s.writing {
				s.writing = true
				startWriter = true
			}
		} else {
			s.takeQueueLocked()
			closeNowConn = s.ws
		}
	}
	s.state = stateClosed
	s.closeReason = reason
	fire := !s.inCallback
	if !fire {
		s.closePending = true
		s.pendingCause = cause
	}
	s.mu.Unlock()

	if probe != nil {
		_ = probe.CloseNow()
	}
	if closeNowConn != nil {
		_ = closeNowConn.CloseNow()
	}
	if startWriter {
		// The close handshake may block: a writer goroutine of its own, not a flusher.
		s.startWriteLoop()
	}
	s.srv.remove(s)
	s.srv.debug("socket closed", "component", "engine:socket", "sid", s.id, "reason", reason, "cause", cause)
	if fire {
		s.callOnClose(reason, cause)
	}
}

func (s *Socket) callOnClose(reason string, cause error) {
	if s.onClose == nil {
		return
	}
	_ = s.call(func() { s.onClose(reason, cause) }, "OnClose")
}

func (s *Socket) stopTimersLocked() {
	s.stopHeartbeatLocked()
	if s.upgradeTimer != nil {
		s.upgradeTimer.Stop()
	}
}

// stopHeartbeatLocked stops the ping and timeout timers (pingTimer is also the polling close
// timeout while closing).
func (s *Socket) stopHeartbeatLocked() {
	for _, t := range []*time.Timer{s.pingTimer, s.timeoutTimer} {
		if t != nil {
			t.Stop()
		}
	}
}

// isCloseError reports whether err ended a websocket read because the peer went away (a
// close frame, the end of the stream, a reset) rather than because it broke a rule (a
// message over the read limit, a malformed frame such as one with RSV bits set: a
// *wsserver.ProtocolError). Node's ws reports the latter as an "error" event, which
// engine.io turns into "transport error"; the former is "transport close".
func isCloseError(err error) bool {
	var ce *wsserver.CloseError
	if errors.As(err, &ce) {
		return true
	}
	return errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, net.ErrClosed) ||
		errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE)
}
