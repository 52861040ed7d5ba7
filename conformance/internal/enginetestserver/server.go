// Package enginetestserver builds the engine-only echo server that the official
// Engine.IO protocol test suites run against (socket.io monorepo:
// docs/engine.io-protocol/v4-test-suite and v3-test-suite).
//
// The contract is the one those suites document for the reference JavaScript
// server: path /engine.io/, pingInterval 300 ms, pingTimeout 200 ms, maxPayload
// 1e6, CORS for any origin, EIO=3 allowed, and every message echoed back to the
// connection it came from (text as text, binary as binary). The command
// conformance/cmd/enginetestserver serves it on a TCP port; tests build it
// in-process with [New].
package enginetestserver

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/gosockio/gosockio/engineio"
)

// The fixed parameters of the official test suites (PING_INTERVAL, PING_TIMEOUT and
// the maxPayload they check in the handshake).
const (
	Path         = "/engine.io/"
	PingInterval = 300 * time.Millisecond
	PingTimeout  = 200 * time.Millisecond
	MaxPayload   = 1_000_000
)

// Hooks let a test watch the server without changing what it does. Every hook is
// optional and is called on the socket's own goroutine, in event order; a hook
// must not block for long, it delays that socket only.
type Hooks struct {
	// Connection is called for every new socket, after the echo handler is set
	// and before any of its messages is delivered.
	Connection func(s *engineio.Socket)
	// Message is called for every message a socket receives, before it is
	// echoed. m.Data is a copy the hook may keep.
	Message func(s *engineio.Socket, m engineio.Message)
	// Close is called once per socket with the engine's close reason.
	Close func(s *engineio.Socket, reason string, cause error)
}

// Options configure [New]. The zero value is the test-suite server.
type Options struct {
	// Logger receives the engine's logs. Default: silent unless DEBUG is set
	// (the engine's own default).
	Logger *slog.Logger
	// Hooks observe connections, messages and closes.
	Hooks Hooks
}

// Server is the echo server: an [http.Handler] that serves the engine at [Path]
// and answers 404 elsewhere.
type Server struct {
	engine  *engineio.Server
	handler http.Handler
}

// New builds the echo server. It returns an error only if the engine rejects
// its options.
func New(opts *Options) (*Server, error) {
	var o Options
	if opts != nil {
		o = *opts
	}
	engine, err := engineio.NewServer(&engineio.Options{
		Path:              Path,
		PingInterval:      PingInterval,
		PingTimeout:       PingTimeout,
		MaxHTTPBufferSize: MaxPayload,
		CORS:              &engineio.CORSOptions{Origins: []string{"*"}}, // Node: cors: {origin: "*"}
		Logger:            o.Logger,
		// EIO=3 is served by default (Options.DisableEIO3 is false).
	})
	if err != nil {
		return nil, err
	}
	hooks := o.Hooks
	engine.OnConnection(func(s *engineio.Socket) {
		s.OnMessage(func(m engineio.Message) {
			if hooks.Message != nil {
				hooks.Message(s, engineio.Message{Data: bytes.Clone(m.Data), Binary: m.Binary})
			}
			// A full queue closes the socket; the error is reported to Close.
			_ = s.Send([]engineio.Message{m}, engineio.SendOptions{})
		})
		if hooks.Close != nil {
			s.OnClose(func(reason string, cause error) { hooks.Close(s, reason, cause) })
		}
		if hooks.Connection != nil {
			hooks.Connection(s)
		}
	})
	mux := http.NewServeMux()
	mux.Handle(Path, engine)
	return &Server{engine: engine, handler: mux}, nil
}

// ServeHTTP serves the engine at [Path].
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.handler.ServeHTTP(w, r)
}

// Engine returns the engine.io server inside, for ClientsCount and the like.
func (s *Server) Engine() *engineio.Server { return s.engine }

// Shutdown closes every session ("server shutting down") and waits for the
// engine's goroutines until ctx ends.
func (s *Server) Shutdown(ctx context.Context) error {
	return s.engine.Shutdown(ctx)
}
