package socketio

import (
	"io/fs"
	"log/slog"
	"time"

	"github.com/gosockio/gosockio/adapter"
	"github.com/gosockio/gosockio/engineio"
	"github.com/gosockio/gosockio/parser"
)

// Options configure a Server. The zero value (and a nil *Options) is the Node default.
// NewServer copies the struct; the caller's value is never modified.
type Options struct {
	// Options are the engine's options (PingInterval, PingTimeout, MaxHTTPBufferSize, ...).
	// Path defaults to "/socket.io/" here (Node: path).
	engineio.Options

	// ServeClient, when non-nil, serves the browser client files (socket.io.js,
	// socket.io.min.js, their .map and .esm/.msgpack variants) found in this file system
	// under Path. gosockio bundles no copy: point it at, for example,
	// os.DirFS("node_modules/socket.io/client-dist"). Default nil (Node: serveClient,
	// which defaults to true with the bundled copy).
	ServeClient fs.FS

	// Adapter makes each namespace's adapter. Default adapter.InMemoryFactory
	// (Node: adapter).
	Adapter adapter.Factory

	// Parser encodes and decodes socket.io packets for every connection. Default: the
	// JSON parser of package parser, protocol v5 for Engine.IO v4 clients and v4 for
	// Engine.IO v3 clients (Node: parser).
	Parser parser.Parser

	// ConnectTimeout is how long a client may stay connected without joining any
	// namespace before it is closed. Default 45s; negative disables it
	// (Node: connectTimeout).
	ConnectTimeout time.Duration

	// ConnectionStateRecovery turns on connection state recovery when non-nil: a client
	// that lost its connection gets its id, rooms, data and missed packets back when it
	// reconnects in time. Default nil, off (Node: connectionStateRecovery).
	ConnectionStateRecovery *RecoveryOptions

	// CleanupEmptyChildNamespaces removes a dynamic child namespace when its last socket
	// leaves. Default false (Node: cleanupEmptyChildNamespaces).
	CleanupEmptyChildNamespaces bool

	// Logger receives the server's logs. Default: silent, unless the DEBUG environment
	// variable names socket.io components (DEBUG=socket.io*), read once in NewServer.
	Logger *slog.Logger
}

// RecoveryOptions configure connection state recovery. Node: connectionStateRecovery.
type RecoveryOptions struct {
	// MaxDisconnectionDuration is how long the state of a disconnected socket is kept.
	// Default 2 minutes (Node: maxDisconnectionDuration).
	MaxDisconnectionDuration time.Duration
	// SkipMiddlewares skips the namespace middlewares when a socket is recovered.
	// nil means true, the Node default (Node: skipMiddlewares).
	SkipMiddlewares *bool
}

// DefaultPath is where the server answers by default. Node: path "/socket.io".
const DefaultPath = "/socket.io/"

// DefaultConnectTimeout is Options.ConnectTimeout's default. Node: connectTimeout.
const DefaultConnectTimeout = 45 * time.Second

// DefaultMaxDisconnectionDuration is RecoveryOptions.MaxDisconnectionDuration's default.
const DefaultMaxDisconnectionDuration = 2 * time.Minute

// withDefaults returns a copy of o with zero fields set to their defaults.
func (o *Options) withDefaults() Options {
	var c Options
	if o != nil {
		c = *o
	}
	if c.Path == "" {
		c.Path = DefaultPath
	}
	if c.Adapter == nil {
		c.Adapter = adapter.InMemoryFactory
	}
	if c.ConnectTimeout == 0 {
		c.ConnectTimeout = DefaultConnectTimeout
	}
	if c.ConnectionStateRecovery != nil {
		r := *c.ConnectionStateRecovery
		if r.MaxDisconnectionDuration == 0 {
			r.MaxDisconnectionDuration = DefaultMaxDisconnectionDuration
		}
		if r.SkipMiddlewares == nil {
			t := true
			r.SkipMiddlewares = &t
		}
		c.ConnectionStateRecovery = &r
	}
	if c.Logger == nil {
		c.Logger = debugLogger()
	}
	return c
}
