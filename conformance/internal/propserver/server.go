// Package propserver builds the socket.io server that the conformance server
// properties (conformance.CheckServerRooms) run against: our implementation of
// the property contract. conformance/node/prop-server.js is the same contract
// on Node's socket.io, and another implementation under test provides its own.
//
// The contract, on namespace "/" at path /socket.io/ (Engine.IO 4, websocket
// transport, default heartbeat):
//
//	"join"  (room, ack)              socket.join(room); ack()
//	"leave" (room, ack)              socket.leave(room); ack()
//	"emit"  ({to, except, self, id}, ack)
//	                                 op = self ? io : socket.broadcast
//	                                 op.to(...to).except(...except).emit("msg", id); ack()
//	                                 (to and except are arrays; empty means no filter)
//	"echo"  (...args, ack)           ack(...args)
//	on "disconnect"                  io.emit("gone", socket.id)
//
// Every handler finishes its emits before it acknowledges, so a client that
// has the acknowledgement knows the server has queued everything it caused.
//
// With Options.Recovery, connection state recovery is on as well
// (conformance.CheckServerRecovery; prop-server.js serves it on its
// "recoveryPort").
package propserver

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/gosockio/gosockio/engineio"
	"github.com/gosockio/gosockio/socketio"
)

// Path is where the server serves socket.io.
const Path = "/socket.io/"

// Faults break the server on purpose, so that tests can show the properties
// catch each kind of bug. The zero value is the correct server.
type Faults struct {
	// SelfBroadcast makes socket.broadcast include the sender.
	SelfBroadcast bool
	// IgnoreExcept drops the except filter of "emit".
	IgnoreExcept bool
	// DoubleAck sends every acknowledgement twice (at the engine level).
	DoubleAck bool
	// NoGone skips the "gone" broadcast on disconnect.
	NoGone bool
	// ReplayTwice sends the first "msg" EVENT after a recovered CONNECT reply
	// twice (at the engine level): with Recovery, a missed packet replayed
	// twice.
	ReplayTwice bool
	// DropReplayed drops the first "msg" EVENT after a recovered CONNECT
	// reply (at the engine level): with Recovery, a missed packet never
	// replayed.
	DropReplayed bool
}

// Options configure [New]. The zero value is the contract server.
type Options struct {
	// Logger receives the server's logs. Default: silent unless DEBUG is set.
	Logger *slog.Logger
	// Faults break the server (tests only).
	Faults Faults
	// Recovery turns on connection state recovery (2 minutes, middlewares
	// skipped; Node: connectionStateRecovery {maxDisconnectionDuration:
	// 120000, skipMiddlewares: true}). Default false.
	Recovery bool
}

// Server is the contract server: an [http.Handler] serving socket.io at [Path].
type Server struct {
	io *socketio.Server
}

// emitRequest is the argument of "emit".
type emitRequest struct {
	To     []string        `json:"to"`
	Except []string        `json:"except"`
	Self   bool            `json:"self"`
	ID     json.RawMessage `json:"id"`
}

// New builds the server.
func New(opts *Options) (*Server, error) {
	var o Options
	if opts != nil {
		o = *opts
	}
	sopts := &socketio.Options{Logger: o.Logger}
	if o.Recovery {
		sopts.ConnectionStateRecovery = &socketio.RecoveryOptions{MaxDisconnectionDuration: 2 * time.Minute}
	}
	io, err := socketio.NewServer(sopts)
	if err != nil {
		return nil, err
	}
	f := o.Faults
	switch {
	case f.DoubleAck:
		// Replaces the binding NewServer made, to duplicate outgoing ACKs.
		io.Engine().OnConnection(func(s *engineio.Socket) { io.ServeConn(doubleAcks{s}) })
	case f.ReplayTwice || f.DropReplayed:
		seen := &sync.Map{} // every sid a CONNECT reply carried
		io.Engine().OnConnection(func(s *engineio.Socket) {
			io.ServeConn(&tamperReplay{Socket: s, seen: seen, twice: f.ReplayTwice})
		})
	}
	root := io.Of("/")
	io.OnConnection(func(s *socketio.Socket) {
		s.On("join", func(room string, ack func(...any)) {
			s.Join(room)
			ack()
		})
		s.On("leave", func(room string, ack func(...any)) {
			s.Leave(room)
			ack()
		})
		s.On("emit", func(req emitRequest, ack func(...any)) {
			var op *socketio.BroadcastOperator
			if req.Self || f.SelfBroadcast {
				op = root.To(req.To...)
			} else {
				op = s.Broadcast().To(req.To...)
			}
			if len(req.Except) > 0 && !f.IgnoreExcept {
				op = op.Except(req.Except...)
			}
			_ = op.Emit("msg", req.ID)
			ack()
		})
		s.On("echo", func(args socketio.Args, ack func(...any)) {
			out := make([]any, args.Len())
			for i := range out {
				out[i] = args.Raw(i)
			}
			ack(out...)
		})
		s.OnDisconnect(func(socketio.DisconnectReason) {
			if !f.NoGone {
				_ = root.Emit("gone", s.ID())
			}
		})
	})
	return &Server{io: io}, nil
}

// doubleAcks sends every socket.io ACK packet twice.
type doubleAcks struct{ *engineio.Socket }

func (d doubleAcks) Send(msgs []engineio.Message, opts engineio.SendOptions) error {
	if len(msgs) == 1 && !msgs[0].Binary && len(msgs[0].Data) > 0 && msgs[0].Data[0] == '3' {
		msgs = append(msgs, msgs[0])
	}
	return d.Socket.Send(msgs, opts)
}

// tamperReplay duplicates (twice) or drops the first "msg" EVENT sent after a
// CONNECT reply whose sid an earlier CONNECT reply already carried.
type tamperReplay struct {
	*engineio.Socket
	seen  *sync.Map
	twice bool

	mu    sync.Mutex
	armed bool // guarded by mu
}

func (t *tamperReplay) Send(msgs []engineio.Message, opts engineio.SendOptions) error {
	t.mu.Lock()
	defer t.mu.Unlock() // keeps the tampering and the order of sends together
	var out []engineio.Message
	for _, m := range msgs {
		d := m.Data
		if !m.Binary && len(d) > 2 && d[0] == '0' && d[1] == '{' {
			var reply struct {
				SID string `json:"sid"`
			}
			if json.Unmarshal(d[1:], &reply) == nil && reply.SID != "" {
				_, t.armed = t.seen.LoadOrStore(reply.SID, true)
			}
		}
		if t.armed && !m.Binary && bytes.HasPrefix(d, []byte(`2["msg",`)) {
			t.armed = false
			if t.twice {
				out = append(out, m, m)
			}
			continue
		}
		out = append(out, m)
	}
	if len(out) == 0 {
		return nil
	}
	return t.Socket.Send(out, opts)
}

// ServeHTTP serves socket.io at [Path].
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.io.ServeHTTP(w, r) }

// Close disconnects every socket and waits for the server's goroutines until
// ctx ends.
func (s *Server) Close(ctx context.Context) error { return s.io.Close(ctx) }
