// Package siotestserver builds the socket.io server that the official Socket.IO
// protocol v5 test suite runs against (socket.io monorepo:
// docs/socket.io-protocol/v5-test-suite; its contract is the server listed in
// docs/socket.io-protocol/v5-current.md, "Test suite").
//
// The contract: path /socket.io/, pingInterval 300 ms, pingTimeout 200 ms,
// maxPayload 1e6, connectTimeout 1 s, CORS for any origin; on "/" and "/custom"
// every new socket is sent "auth" with its handshake auth; on "/", "message" is
// echoed back as "message-back" with the same arguments (binary included), and
// "message-with-ack" is acknowledged with its arguments. EIO=3 is refused, as
// Node's socket.io 4.8 does by default (allowEIO3: false).
//
// The command conformance/cmd/testserver serves it on a TCP port; tests build it
// in-process with [New].
package siotestserver

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"time"

	"github.com/gosockio/gosockio/engineio"
	"github.com/gosockio/gosockio/socketio"
)

// The fixed parameters of the suite (PING_INTERVAL, PING_TIMEOUT, the maxPayload it
// checks in the handshake) and of its reference server (connectTimeout).
const (
	Path           = "/socket.io/"
	PingInterval   = 300 * time.Millisecond
	PingTimeout    = 200 * time.Millisecond
	MaxPayload     = 1_000_000
	ConnectTimeout = time.Second
)

// Hooks let a test watch the server without changing what it does. Every hook is
// optional, is called on the connection's own goroutine and must not block for long.
type Hooks struct {
	// Open is called for every new engine connection, before socket.io serves it.
	Open func(conn *engineio.Socket)
	// Close is called once per engine connection with its id and the engine's close
	// reason (Node's strings: "ping timeout", "forced close", ...).
	Close func(sid, reason string)
}

// Options configure [New]. The zero value is the test-suite server.
type Options struct {
	// Logger receives the server's logs. Default: silent unless DEBUG is set.
	Logger *slog.Logger
	// Hooks observe the engine connections.
	Hooks Hooks
}

// Server is the test-suite server: an [http.Handler] serving socket.io at [Path].
type Server struct {
	io *socketio.Server
}

// New builds the server. It returns an error only if socketio rejects its options.
func New(opts *Options) (*Server, error) {
	var o Options
	if opts != nil {
		o = *opts
	}
	io, err := socketio.NewServer(&socketio.Options{
		Options: engineio.Options{
			PingInterval:      PingInterval,
			PingTimeout:       PingTimeout,
			MaxHTTPBufferSize: MaxPayload,
			CORS:              &engineio.CORSOptions{Origins: []string{"*"}}, // Node: cors: {origin: "*"}
			DisableEIO3:       true,                                          // Node: allowEIO3 defaults to false
		},
		ConnectTimeout: ConnectTimeout,
		Logger:         o.Logger,
	})
	if err != nil {
		return nil, err
	}
	if hooks := o.Hooks; hooks.Open != nil || hooks.Close != nil {
		// Replaces the binding NewServer made, to watch each connection.
		io.Engine().OnConnection(func(s *engineio.Socket) {
			if hooks.Open != nil {
				hooks.Open(s)
			}
			if hooks.Close == nil {
				io.ServeConn(s)
				return
			}
			io.ServeConn(&watchedConn{Socket: s, onClose: hooks.Close})
		})
	}
	io.OnConnection(func(s *socketio.Socket) {
		_ = s.Emit("auth", s.Handshake().Auth)
		s.On("message", func(args socketio.Args) {
			_ = s.Emit("message-back", echo(args)...)
		})
		s.On("message-with-ack", func(args socketio.Args, ack func(...any)) {
			ack(echo(args)...)
		})
	})
	io.Of("/custom").OnConnection(func(s *socketio.Socket) {
		_ = s.Emit("auth", s.Handshake().Auth)
	})
	return &Server{io: io}, nil
}

// echo returns args as values to emit again: each argument verbatim, except those
// that hold binary placeholders, which are decoded so that their attachments travel
// as attachments again.
func echo(args socketio.Args) []any {
	out := make([]any, args.Len())
	for i := range out {
		raw := args.Raw(i)
		if len(args.Attachments()) == 0 || !bytes.Contains(raw, []byte(`"_placeholder"`)) {
			out[i] = json.RawMessage(raw)
			continue
		}
		var v any
		if err := args.Decode(i, &v); err != nil {
			v = json.RawMessage(raw)
		}
		out[i] = v
	}
	return out
}

// watchedConn is an engine connection whose close is also reported to a hook.
type watchedConn struct {
	*engineio.Socket
	onClose func(sid, reason string)
}

// OnClose sets fn as the close callback, called after the hook.
func (c *watchedConn) OnClose(fn func(reason string, cause error)) {
	c.Socket.OnClose(func(reason string, cause error) {
		c.onClose(c.ID(), reason)
		fn(reason, cause)
	})
}

// ServeHTTP serves socket.io at [Path].
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.io.ServeHTTP(w, r)
}

// SocketIO returns the socket.io server inside.
func (s *Server) SocketIO() *socketio.Server { return s.io }

// Close disconnects every socket ("server shutting down"), shuts the engine down and
// waits for its goroutines until ctx ends.
func (s *Server) Close(ctx context.Context) error {
	return s.io.Close(ctx)
}
