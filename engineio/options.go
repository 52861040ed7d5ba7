package engineio

import (
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"time"
)

// Transport names, as sent in the transport query parameter.
const (
	TransportPolling   = "polling"
	TransportWebSocket = "websocket"
)

// Options configures a Server. The zero value (or a nil *Options) gives Node's defaults, except
// where a field says otherwise. NewServer copies the struct; later changes have no effect.
type Options struct {
	// Path is where the server answers. Default "/engine.io/" (Node: path). socket.io mounts
	// its engine at "/socket.io/". A request whose URL path does not start with Path gets 404.
	Path string
	// DisableTrailingSlash keeps Path without a trailing slash (Node: addTrailingSlash: false).
	// Default false: a "/" is appended, so "/engine.io" serves "/engine.io/…".
	DisableTrailingSlash bool

	// PingInterval is the heartbeat period. Default 25s (Node: pingInterval).
	// v4: the server pings every PingInterval; v3: the client pings and is timed out after
	// PingInterval + PingTimeout without a ping.
	PingInterval time.Duration
	// PingTimeout is how long a v4 client has to answer a ping. Default 20s (Node: pingTimeout).
	PingTimeout time.Duration
	// UpgradeTimeout is how long a started upgrade to websocket may take before the probe
	// connection is dropped (the session goes on over polling). Default 10s (Node: upgradeTimeout).
	UpgradeTimeout time.Duration
	// MaxHTTPBufferSize is the largest polling POST body and WebSocket message accepted, in
	// bytes; it is also sent as maxPayload in the v4 handshake. A larger message closes the
	// session (413 on polling). Default 1e6 (Node: maxHttpBufferSize).
	MaxHTTPBufferSize int64

	// Transports lists the transports served, in any order: "polling", "websocket".
	// Default both (Node: transports).
	Transports []string
	// DisableUpgrades stops offering and accepting polling → websocket upgrades
	// (Node: allowUpgrades: false). Default false: upgrades allowed.
	DisableUpgrades bool
	// DisableEIO3 refuses protocol v3 (socket.io 1.x/2.x clients) with
	// 400 {"code":5,"message":"Unsupported protocol version"}. Default false: v3 is served,
	// unlike Node (allowEIO3 defaults to false there), so that old clients work out of the box.
	DisableEIO3 bool

	// AllowRequest decides whether a handshake (a request without sid) is accepted. A non-nil
	// error refuses it with 403 {"code":4,"message":<error text>}. Default nil: all accepted
	// (Node: allowRequest). Use it for origin checks on WebSocket handshakes.
	AllowRequest func(r *http.Request) error
	// CORS adds Cross-Origin Resource Sharing headers and answers preflight requests.
	// Default nil: no CORS headers (Node: cors: false).
	CORS *CORSOptions
	// Cookie sets a cookie holding the session id on the handshake response.
	// Default nil: no cookie (Node: cookie: false).
	Cookie *CookieOptions
	// InitialPacket, when set, is sent as a message right after the open packet
	// (Node: initialPacket).
	InitialPacket *Message
	// GenerateID returns the id of a new session. An error refuses the handshake with
	// 400 {"code":3,"message":"Bad request"}. Default: 20 URL-safe base64 characters, random
	// with a counter, like Node's base64id (Node: generateId).
	GenerateID func(r *http.Request) (string, error)

	// PerMessageDeflate enables WebSocket permessage-deflate for clients that offer it.
	// Default nil: off (Node: perMessageDeflate: false). The server negotiates
	// server_no_context_takeover and client_no_context_takeover: every message is
	// compressed on its own, so that a connection keeps no compression window between
	// messages (Node keeps the client's by default).
	PerMessageDeflate *PerMessageDeflateOptions
	// HTTPCompressionThreshold is the smallest polling response body, in bytes, compressed with
	// gzip or deflate when the client accepts it. Default 1024 (Node: httpCompression.threshold);
	// a negative value disables HTTP compression (Node: httpCompression: false).
	HTTPCompressionThreshold int

	// MaxQueuedMessages bounds the packets waiting in one connection's write queue.
	// Default 1024; negative means unbounded (Node has no bound). See Socket.Send for what
	// happens on overflow.
	MaxQueuedMessages int
	// MaxQueuedBytes bounds the data bytes waiting in one connection's write queue.
	// Default 16 MiB; negative means unbounded.
	MaxQueuedBytes int

	// Logger receives debug records (component "engine", "engine:socket", ...). Default nil:
	// silent, unless the DEBUG environment variable matches "engine" in Node's debug syntax
	// (for example DEBUG=engine* or DEBUG=*), read once by NewServer; then records go to stderr.
	Logger *slog.Logger
}

// CORSOptions configures the CORS headers (Node: the cors package options).
type CORSOptions struct {
	// Origins lists the allowed origins ("https://example.com"); "*" allows any origin.
	// With Credentials the wildcard is never sent: the request's origin is echoed instead.
	Origins []string
	// AllowOrigin, when set, decides instead of Origins.
	AllowOrigin func(origin string) bool
	// Credentials sends Access-Control-Allow-Credentials: true.
	Credentials bool
	// Methods for preflight answers. Default GET,HEAD,PUT,PATCH,POST,DELETE (as the cors package).
	Methods []string
	// AllowedHeaders for preflight answers. Default: echo Access-Control-Request-Headers.
	AllowedHeaders []string
	// ExposedHeaders sent as Access-Control-Expose-Headers.
	ExposedHeaders []string
	// MaxAge of a preflight answer; zero sends no Access-Control-Max-Age.
	MaxAge time.Duration
}

// CookieOptions configures the session cookie (Node: cookie).
type CookieOptions struct {
	// Name of the cookie. Default "io".
	Name string
	// Path of the cookie. Default "/".
	Path string
	// Domain of the cookie. Default none.
	Domain string
	// MaxAge of the cookie; zero makes a session cookie.
	MaxAge time.Duration
	// Secure marks the cookie Secure.
	Secure bool
	// SameSite policy. Default http.SameSiteLaxMode.
	SameSite http.SameSite
	// DisableHTTPOnly drops the HttpOnly attribute (Node: httpOnly: false). Default: HttpOnly.
	DisableHTTPOnly bool
}

// PerMessageDeflateOptions configures WebSocket compression (Node: perMessageDeflate).
type PerMessageDeflateOptions struct {
	// Threshold is the smallest message compressed, in bytes. Default 1024.
	Threshold int
}

const (
	defaultPath              = "/engine.io/"
	defaultMaxQueuedMessages = 1024
	defaultMaxQueuedBytes    = 16 << 20
	// pollingCloseTimeout is how long a closing polling session waits for a GET to deliver
	// its last packets and the close packet (Node: closeTimeout, 30s, not configurable).
	pollingCloseTimeout = 30 * time.Second
)

// normalizePath returns path (the option named field) with its default, defaultPath, and a
// trailing slash unless noTrailingSlash (Node: addTrailingSlash false), or an error when it
// does not start with "/".
func normalizePath(field, path string, noTrailingSlash bool) (string, error) {
	if path == "" {
		path = defaultPath
	}
	if !strings.HasPrefix(path, "/") {
		return "", fmt.Errorf("engineio: %s %q must start with /", field, path)
	}
	path = strings.TrimSuffix(path, "/")
	if !noTrailingSlash {
		path += "/"
	}
	return path, nil
}

// withDefaults returns a copy of o with zero fields set to their defaults, or an error naming
// the invalid field.
func (o *Options) withDefaults() (Options, error) {
	var c Options
	if o != nil {
		c = *o
	}
	path, err := normalizePath("Options.Path", c.Path, c.DisableTrailingSlash)
	if err != nil {
		return c, err
	}
	c.Path = path
	if c.PingInterval == 0 {
		c.PingInterval = 25 * time.Second
	}
	if c.PingTimeout == 0 {
		c.PingTimeout = 20 * time.Second
	}
	if c.UpgradeTimeout == 0 {
		c.UpgradeTimeout = 10 * time.Second
	}
	if c.PingInterval < 0 || c.PingTimeout < 0 || c.UpgradeTimeout < 0 {
		return c, fmt.Errorf("engineio: Options.PingInterval, PingTimeout and UpgradeTimeout must not be negative")
	}
	if c.MaxHTTPBufferSize == 0 {
		c.MaxHTTPBufferSize = 1e6
	}
	if c.MaxHTTPBufferSize < 0 {
		return c, fmt.Errorf("engineio: Options.MaxHTTPBufferSize %d must be positive", c.MaxHTTPBufferSize)
	}
	if len(c.Transports) == 0 {
		c.Transports = []string{TransportPolling, TransportWebSocket}
	} else {
		c.Transports = slices.Clone(c.Transports)
		for _, t := range c.Transports {
			if t != TransportPolling && t != TransportWebSocket {
				return c, fmt.Errorf("engineio: Options.Transports: unknown transport %q (want %q or %q)", t, TransportPolling, TransportWebSocket)
			}
		}
	}
	if c.HTTPCompressionThreshold == 0 {
		c.HTTPCompressionThreshold = 1024
	}
	if c.MaxQueuedMessages == 0 {
		c.MaxQueuedMessages = defaultMaxQueuedMessages
	}
	if c.MaxQueuedBytes == 0 {
		c.MaxQueuedBytes = defaultMaxQueuedBytes
	}
	if c.CORS != nil {
		cors := *c.CORS
		if len(cors.Methods) == 0 {
			cors.Methods = []string{"GET", "HEAD", "PUT", "PATCH", "POST", "DELETE"}
		}
		c.CORS = &cors
	}
	if c.Cookie != nil {
		ck := *c.Cookie
		if ck.Name == "" {
			ck.Name = "io"
		}
		if ck.Path == "" {
			ck.Path = "/"
		}
		if ck.SameSite == 0 {
			ck.SameSite = http.SameSiteLaxMode
		}
		c.Cookie = &ck
	}
	if c.PerMessageDeflate != nil {
		d := *c.PerMessageDeflate
		if d.Threshold == 0 {
			d.Threshold = 1024
		}
		c.PerMessageDeflate = &d
	}
	if c.InitialPacket != nil {
		m := Message{Data: slices.Clone(c.InitialPacket.Data), Binary: c.InitialPacket.Binary}
		c.InitialPacket = &m
	}
	if c.GenerateID == nil {
		c.GenerateID = generateID
	}
	return c, nil
}

func (o *Options) allows(transport string) bool { return slices.Contains(o.Transports, transport) }
