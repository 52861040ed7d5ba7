package client

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/gosockio/gosockio/parser"
)

// Defaults of Options, as socket.io-client 4.8.
const (
	DefaultReconnectionDelay    = time.Second
	DefaultReconnectionDelayMax = 5 * time.Second
	DefaultRandomizationFactor  = 0.5
	DefaultTimeout              = 20 * time.Second
	DefaultPath                 = "/socket.io/"
)

// Options configure a Manager and the sockets made by Connect. The zero value (and a nil
// *Options) is socket.io-client 4.8's default. Connect and NewManager copy the struct;
// the caller's value is never modified. Boolean options whose Node default is true are
// *bool: nil means true (new(false) turns them off).
type Options struct {
	// ForceNew makes Connect create a new Manager instead of sharing the one of the same
	// host. Default false (Node: forceNew).
	ForceNew bool
	// Multiplex shares one Manager (one engine connection) between the sockets of the
	// namespaces of a host. nil means true (Node: multiplex).
	Multiplex *bool
	// AutoConnect connects a socket as soon as it is made. nil means true
	// (Node: autoConnect). Otherwise call Socket.Connect.
	AutoConnect *bool

	// Reconnection reconnects automatically after the connection was lost. nil means true
	// (Node: reconnection).
	Reconnection *bool
	// ReconnectionAttempts is how many reconnection attempts are made before giving up
	// ("reconnect_failed"). Default 0: unlimited (Node: reconnectionAttempts, Infinity).
	ReconnectionAttempts int
	// ReconnectionDelay is the first delay before a reconnection attempt; it doubles at
	// each attempt. Default 1s (Node: reconnectionDelay).
	ReconnectionDelay time.Duration
	// ReconnectionDelayMax caps the delay between attempts. Default 5s
	// (Node: reconnectionDelayMax).
	ReconnectionDelayMax time.Duration
	// RandomizationFactor in [0, 1] spreads the delays by up to ± that fraction. Default
	// 0.5; negative means 0, no jitter (Node: randomizationFactor).
	RandomizationFactor float64
	// Timeout bounds the engine handshake of each connection attempt; an attempt that
	// takes longer fails with ErrTimeout. It also bounds the wait for the attachments of
	// a binary packet (the connection is closed with "parse error" after it; Node has no
	// such limit). Default 20s; negative disables both (Node: timeout).
	Timeout time.Duration

	// Transports lists the engine transports in order of preference: "polling",
	// "websocket". Default {"polling", "websocket"} (Node: transports).
	Transports []string
	// Upgrade lets a polling connection upgrade to websocket. nil means true
	// (Node: upgrade).
	Upgrade *bool
	// Path is the server's endpoint. Default "/socket.io/" (Node: path).
	Path string
	// Query is added to the handshake's query string, after the query of the URL given to
	// Connect (Node: query). With Protocol 4 it is also sent in each namespace's CONNECT
	// packet, as socket.io-client 2.x does.
	Query url.Values
	// ExtraHeaders are sent with every HTTP request and the websocket handshake
	// (Node: extraHeaders).
	ExtraHeaders http.Header
	// HTTPClient performs the requests; set its Transport for TLS and its Jar for cookies.
	// Default http.DefaultClient (Node: withCredentials, ca, ...).
	HTTPClient *http.Client

	// Auth is sent in each CONNECT packet (Node: auth): a value that encodes to a JSON
	// object (a map or a struct), or a func() any (or func() map[string]any) called on
	// the dispatcher before every connection attempt (Node's auth callback), for example
	// to refresh a token. Default none.
	// Protocol 4 servers have no auth: use Query.
	Auth any

	// AckTimeout is the default timeout of acknowledgements: an ack callback whose first
	// parameter is an error receives ErrAckTimeout after it. Default 0: no timeout
	// (Node: ackTimeout).
	AckTimeout time.Duration
	// Retries is how many times an emit is retried when its acknowledgement does not come
	// in time (with AckTimeout or Timeout). Emits then go through a queue, one at a time,
	// in order, as socket.io-client 4.6+. Default 0: no retries, no queue (Node: retries).
	Retries int

	// Protocol is the socket.io protocol revision: 5 (socket.io 3.x/4.x servers, over
	// Engine.IO v4) or 4 (socket.io 1.x/2.x servers, over Engine.IO v3). Default 5.
	Protocol int
	// Parser encodes and decodes packets. Default the JSON parser of package parser for
	// Protocol (Node: parser).
	Parser parser.Parser

	// Logger receives debug records (component "socket.io-client"). nil means silent,
	// unless the DEBUG environment variable selects socket.io-client (DEBUG=socket.io-client*
	// or DEBUG=*): then records go to stderr.
	Logger *slog.Logger
}

func (o *Options) withDefaults() (Options, error) {
	var c Options
	if o != nil {
		c = *o
	}
	if c.ReconnectionDelay == 0 {
		c.ReconnectionDelay = DefaultReconnectionDelay
	}
	if c.ReconnectionDelayMax == 0 {
		c.ReconnectionDelayMax = DefaultReconnectionDelayMax
	}
	if c.RandomizationFactor == 0 {
		c.RandomizationFactor = DefaultRandomizationFactor
	} else if c.RandomizationFactor < 0 {
		c.RandomizationFactor = 0
	}
	if c.Timeout == 0 {
		c.Timeout = DefaultTimeout
	}
	if c.Path == "" {
		c.Path = DefaultPath
	}
	if c.Protocol == 0 {
		c.Protocol = 5
	}
	var errs []error
	if c.Protocol != 4 && c.Protocol != 5 {
		errs = append(errs, fmt.Errorf("client: Options.Protocol is %d; use 5 (socket.io 3/4 servers) or 4 (socket.io 1/2 servers)", c.Protocol))
	}
	if c.RandomizationFactor > 1 {
		errs = append(errs, fmt.Errorf("client: Options.RandomizationFactor is %v; it must be in [0, 1]", c.RandomizationFactor))
	}
	if c.ReconnectionDelay < 0 || c.ReconnectionDelayMax < 0 {
		errs = append(errs, errors.New("client: Options.ReconnectionDelay and ReconnectionDelayMax must not be negative"))
	}
	if c.ReconnectionAttempts < 0 {
		errs = append(errs, errors.New("client: Options.ReconnectionAttempts must not be negative (0 means unlimited)"))
	}
	if c.Retries < 0 {
		errs = append(errs, errors.New("client: Options.Retries must not be negative"))
	}
	if c.AckTimeout < 0 {
		errs = append(errs, errors.New("client: Options.AckTimeout must not be negative (0 means none)"))
	}
	if fn, ok := c.Auth.(func() map[string]any); ok {
		c.Auth = func() any { return fn() }
	}
	if c.Auth != nil {
		if _, ok := c.Auth.(func() any); !ok && c.Protocol == 5 {
			if _, err := authMap(c.Auth); err != nil {
				errs = append(errs, fmt.Errorf("client: Options.Auth: %w", err))
			}
		}
	}
	for _, tr := range c.Transports {
		if tr != "polling" && tr != "websocket" {
			errs = append(errs, fmt.Errorf("client: Options.Transports: unknown transport %q (use \"polling\" or \"websocket\")", tr))
		}
	}
	if c.Parser == nil {
		rev := parser.V5
		if c.Protocol == 4 {
			rev = parser.V4
		}
		c.Parser = parser.New(&parser.Options{Revision: rev})
	}
	c.Query = cloneValues(c.Query)
	c.ExtraHeaders = c.ExtraHeaders.Clone()
	c.Transports = append([]string(nil), c.Transports...)
	return c, errors.Join(errs...)
}

func (o *Options) reconnection() bool { return o.Reconnection == nil || *o.Reconnection }
func (o *Options) autoConnect() bool  { return o.AutoConnect == nil || *o.AutoConnect }
func (o *Options) multiplex() bool    { return o.Multiplex == nil || *o.Multiplex }
func (o *Options) upgrade() bool      { return o.Upgrade == nil || *o.Upgrade }

func cloneValues(v url.Values) url.Values {
	if v == nil {
		return nil
	}
	c := make(url.Values, len(v))
	for k, vs := range v {
		c[k] = append([]string(nil), vs...)
	}
	return c
}

// normalizeNamespace turns "", "chat" and "/chat/" into "/", "/chat" and "/chat/" (the
// path of the URL is the namespace, as in Node).
func normalizeNamespace(nsp string) string {
	if nsp == "" {
		return "/"
	}
	if !strings.HasPrefix(nsp, "/") {
		return "/" + nsp
	}
	return nsp
}
