package client

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/gosockio/gosockio/parser"
)

// Emitter emits with modifiers (Timeout, Volatile, Compress), as Node's chained
// socket.timeout(ms).emit(...). Get one from Socket.Timeout, Socket.Volatile or
// Socket.Compress; it is a value, safe to reuse and to share.
type Emitter struct {
	s *Socket
	f emitFlags
}

// Timeout returns an emitter whose ack callbacks receive ErrAckTimeout (and whose
// EmitWithAck returns it) when the server has not answered within d. Node: socket.timeout(d).
func (s *Socket) Timeout(d time.Duration) Emitter { return Emitter{s: s}.Timeout(d) }

// Volatile returns an emitter whose events are dropped, not buffered, when the socket is
// not connected or the transport is busy. Node: socket.volatile.
func (s *Socket) Volatile() Emitter { return Emitter{s: s}.Volatile() }

// Compress returns an emitter that asks (or not) for compression. The engine client
// does not compress; the flag is kept for symmetry with Node's socket.compress(bool).
func (s *Socket) Compress(compress bool) Emitter { return Emitter{s: s}.Compress(compress) }

// Timeout is Socket.Timeout on this emitter.
func (e Emitter) Timeout(d time.Duration) Emitter {
	e.f.timeout, e.f.hasTimeout = d, true
	return e
}

// Volatile is Socket.Volatile on this emitter.
func (e Emitter) Volatile() Emitter {
	e.f.volatile = true
	return e
}

// Compress is Socket.Compress on this emitter.
func (e Emitter) Compress(compress bool) Emitter {
	e.f.noCompress = !compress
	return e
}

// Emit is Socket.Emit with the emitter's modifiers.
func (e Emitter) Emit(event string, args ...any) error { return e.s.emit(e.f, event, args) }

// EmitWithAck is Socket.EmitWithAck with the emitter's modifiers.
func (e Emitter) EmitWithAck(ctx context.Context, event string, args ...any) (Args, error) {
	return e.s.emitWithAck(ctx, e.f, event, args)
}

// Send is Socket.Send with the emitter's modifiers.
func (e Emitter) Send(args ...any) error { return e.s.emit(e.f, "message", args) }

// Emit sends an event with args: JSON-encodable values and []byte (a []byte argument,
// or one inside a []any or map[string]any, travels as a binary attachment; inside a
// struct encoding/json writes it as base64).
//
// A trailing func argument is the ack callback: its parameters receive the server's
// answer decoded as a handler's do. If its first parameter is an error, it is called
// with nil and the answer, or with ErrAckTimeout (after Timeout or Options.AckTimeout) or
// ErrDisconnected and zero values. It runs on the dispatcher.
//
// While the socket is not connected, events are kept in the offline buffer and sent on
// (re)connection; volatile events are dropped. With Options.Retries, events go through
// the retry queue. Emit returns ErrReservedEvent for a reserved name, or the encoding
// error; it never waits for the network. Node: socket.emit.
func (s *Socket) Emit(event string, args ...any) error { return s.emit(emitFlags{}, event, args) }

// Send emits a "message" event. Node: socket.send.
func (s *Socket) Send(args ...any) error { return s.emit(emitFlags{}, "message", args) }

// EmitWithAck sends an event and waits for the server's answer, until ctx ends (the
// error then matches ctx's), the Timeout (or Options.AckTimeout) expires (ErrAckTimeout),
// or the socket disconnects after sending it (ErrDisconnected; Node's emitWithAck waits
// forever there unless a timeout is set). It may be called from a handler: the answer
// does not go through the dispatcher. Node: socket.emitWithAck.
func (s *Socket) EmitWithAck(ctx context.Context, event string, args ...any) (Args, error) {
	return s.emitWithAck(ctx, emitFlags{}, event, args)
}

type ackResult struct {
	args Args
	err  error
}

func (s *Socket) emitWithAck(ctx context.Context, f emitFlags, event string, args []any) (Args, error) {
	if _, fn := splitAck(args); fn != nil {
		return Args{}, fmt.Errorf("client: EmitWithAck %q: pass no ack callback (the answer is returned)", event)
	}
	ch := make(chan ackResult, 1)
	f.alwaysErr = true
	id, direct, err := s.send(f, event, args, func(a Args, err error) {
		select {
		case ch <- ackResult{a, err}:
		default:
		}
	})
	if err != nil {
		return Args{}, err
	}
	select {
	case r := <-ch:
		return r.args, r.err
	case <-ctx.Done():
		if direct {
			s.forgetAck(id)
		}
		return Args{}, fmt.Errorf("client: EmitWithAck %q: %w", event, ctx.Err())
	}
}

func (s *Socket) forgetAck(id uint64) {
	s.m.mu.Lock()
	defer s.m.mu.Unlock()
	if pa, ok := s.acks[id]; ok {
		delete(s.acks, id)
		if pa.timer != nil {
			pa.timer.Stop()
		}
	}
}

func (s *Socket) emit(f emitFlags, event string, args []any) error {
	args, fn := splitAck(args)
	var cb func(Args, error)
	if fn != nil {
		ac, err := newAckCallback(fn)
		if err != nil {
			return err
		}
		cb = func(a Args, err error) {
			s.m.disp.post(func() {
				if err := ac.answer(a, err); err != nil {
					s.m.log.Warn("ack callback", "nsp", s.nsp, "event", event, "err", err)
				}
			})
		}
		f.alwaysErr = false
		if ac.withErr && f.hasTimeout == false && s.m.opts.AckTimeout == 0 {
			// Node tells a callback that takes an error about a disconnection only when
			// it has a timeout; a Go callback that asks for an error gets it anyway.
			f.alwaysErr = true
		}
	}
	_, _, err := s.send(f, event, args, cb)
	return err
}

// send emits event; cb, when non-nil, receives the answer (called under m.mu: it must
// not block). It returns the ack id and whether it is registered directly (not queued).
func (s *Socket) send(f emitFlags, event string, args []any, cb func(Args, error)) (uint64, bool, error) {
	if parser.IsReservedEvent(event) {
		return 0, false, fmt.Errorf("%w: %q (reserved names are connect, connect_error, disconnect, disconnecting, newListener, removeListener)", ErrReservedEvent, event)
	}
	m := s.m
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.opts.Retries > 0 && !f.fromQueue && !f.volatile {
		// validate now: a packet that cannot be encoded must not block the queue
		if _, err := m.enc.Encode(eventPacket(s.nsp, event, args)); err != nil {
			return 0, false, fmt.Errorf("client: emit %q: %w", event, err)
		}
		s.queueSeq++
		s.queue = append(s.queue, &queued{seq: s.queueSeq, event: event, args: args, cb: cb, f: f})
		s.drainQueueLocked(false)
		return 0, false, nil
	}
	id, err := s.emitLocked(f, event, args, cb)
	return id, true, err
}

func eventPacket(nsp, event string, args []any) *parser.Packet {
	data := make([]any, 0, len(args)+1)
	data = append(data, event)
	data = append(data, args...)
	return &parser.Packet{Type: parser.Event, Namespace: nsp, Data: data}
}

func (s *Socket) emitLocked(f emitFlags, event string, args []any, cb func(Args, error)) (uint64, error) {
	p := eventPacket(s.nsp, event, args)
	var id uint64
	if cb != nil {
		id = s.ackSeq
		s.ackSeq++
		p.ID, p.HasID = id, true
	}
	frames, err := s.m.enc.Encode(p)
	if err != nil {
		return 0, fmt.Errorf("client: emit %q: %w", event, err)
	}
	if cb != nil {
		s.registerAckLocked(id, cb, f)
	}
	switch {
	case s.connected:
		s.notifyOutgoingLocked(event, args)
		if err := s.m.sendLocked(frames, f.volatile, !f.noCompress); err != nil && !f.volatile {
			// the connection is closing: keep the packet for the next one
			s.sendBuf = append(s.sendBuf, outgoing{frames, id, cb != nil, event, args, !f.noCompress})
		}
	case f.volatile:
		s.m.log.Debug("volatile event dropped while disconnected", "nsp", s.nsp, "event", event)
	default:
		s.sendBuf = append(s.sendBuf, outgoing{frames, id, cb != nil, event, args, !f.noCompress})
	}
	return id, nil
}

func (s *Socket) registerAckLocked(id uint64, cb func(Args, error), f emitFlags) {
	timeout := s.m.opts.AckTimeout
	if f.hasTimeout {
		timeout = f.timeout
	}
	pa := &pendingAck{fn: cb, withErr: f.alwaysErr}
	if timeout > 0 {
		pa.withErr = true
		pa.timer = time.AfterFunc(timeout, func() { // stopped when the ack arrives or is cleared
			s.m.mu.Lock()
			defer s.m.mu.Unlock()
			if s.acks[id] != pa {
				return
			}
			delete(s.acks, id)
			s.sendBuf = slices.DeleteFunc(s.sendBuf, func(o outgoing) bool { return o.hasID && o.id == id })
			cb(Args{}, fmt.Errorf("%w (after %v)", ErrAckTimeout, timeout))
		})
	}
	s.acks[id] = pa
}

// drainQueueLocked sends the head of the retry queue (Node: _drainQueue).
func (s *Socket) drainQueueLocked(force bool) {
	if !s.connected || len(s.queue) == 0 {
		return
	}
	q := s.queue[0]
	if q.pending && !force {
		return
	}
	q.pending = true
	q.tries++
	f := q.f
	f.fromQueue = true
	_, err := s.emitLocked(f, q.event, q.args, func(a Args, err error) {
		s.m.disp.post(func() { s.onQueuedAck(q, a, err) })
	})
	if err != nil { // validated at emit time; only a custom parser can get here
		s.queue = s.queue[1:]
		if q.cb != nil {
			q.cb(Args{}, err)
		}
	}
}

func (s *Socket) onQueuedAck(q *queued, a Args, err error) {
	s.m.mu.Lock()
	defer s.m.mu.Unlock()
	if len(s.queue) == 0 || s.queue[0] != q {
		return // answered already
	}
	if err != nil {
		if q.tries > s.m.opts.Retries {
			s.queue = s.queue[1:]
			if q.cb != nil {
				q.cb(Args{}, err)
			}
		}
	} else {
		s.queue = s.queue[1:]
		if q.cb != nil {
			q.cb(a, nil)
		}
	}
	q.pending = false
	s.drainQueueLocked(false)
}
