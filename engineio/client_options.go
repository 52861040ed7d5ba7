package engineio

import (
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
)

// DialOptions configures Dial. The zero value (or nil) gives engine.io-client's defaults.
// Dial copies the struct; the caller's value is never modified.
type DialOptions struct {
	// Path is the engine.io endpoint. The path of the URL given to Dial is ignored
	// (socket.io uses it for the namespace). Default "/engine.io/" (Node: path).
	Path string
	// DisableTrailingSlash keeps Path without a trailing slash (Node: addTrailingSlash:
	// false). Default false: a "/" is appended, so "/engine.io" requests "/engine.io/".
	DisableTrailingSlash bool

	// Query is added to every request's query string after the query of the URL given to
	// Dial. EIO, transport, sid and the timestamp parameter are set by the client and
	// override keys of the same name. Default none (Node: query).
	Query url.Values

	// ExtraHeaders are sent with every polling request and with the websocket handshake.
	// Default none (Node: extraHeaders).
	ExtraHeaders http.Header

	// Transports lists the transports to use, in order of preference: the first is used for
	// the handshake, the others are upgrade candidates. Allowed names are
	// TransportPolling and TransportWebSocket. Default {"polling", "websocket"}
	// (Node: transports; webtransport is not supported).
	Transports []string

	// DisableUpgrades keeps the handshake transport for the life of the connection: no
	// probe/upgrade to websocket (Node: upgrade: false). Default false: upgrade when the
	// server offers websocket and Transports allows it.
	DisableUpgrades bool

	// RememberUpgrade starts with websocket directly when a previous connection of this
	// process upgraded to (or opened on) websocket successfully, as engine.io-client does
	// with its process-wide priorWebsocketSuccess flag. Default false (Node: rememberUpgrade).
	RememberUpgrade bool

	// TimestampRequests adds a cache-busting TimestampParam with a unique value to requests.
	// nil means the engine.io-client default: on for polling requests, off for the
	// websocket handshake; true adds it to both; false to neither
	// (Node: timestampRequests).
	TimestampRequests *bool

	// TimestampParam is the name of the cache-busting query parameter. Default "t"
	// (Node: timestampParam).
	TimestampParam string

	// HTTPClient performs the polling requests and the websocket handshake; set its
	// Transport's TLSClientConfig for custom TLS, and its Jar for cookies (Node:
	// withCredentials, ca, cert, rejectUnauthorized ...). Its Timeout, if any, must exceed
	// the server's pingInterval, since a long-polling GET stays open that long.
	// Default http.DefaultClient.
	HTTPClient *http.Client

	// Protocol is the engine.io protocol revision: 4 (engine.io 4+, socket.io 3/4 servers)
	// or 3 (engine.io 3.x, socket.io 1.x/2.x servers). Default 4 (Node: engine.io-client
	// 6.x speaks 4, 3.x speaks 3).
	Protocol int

	// MaxQueuedMessages bounds the messages waiting in the write queue. A volatile Send that
	// does not fit is dropped; a non-volatile one closes the connection ("transport error",
	// cause wraps ErrQueueFull). Default 1024; negative means unbounded
	// (engine.io-client's buffer is unbounded). Pings and pongs are not counted.
	MaxQueuedMessages int
	// MaxQueuedBytes bounds the data bytes waiting in the write queue, as MaxQueuedMessages.
	// Default 16 MiB; negative means unbounded.
	MaxQueuedBytes int

	// Logger receives debug records, with attribute component "engine.io-client:socket".
	// nil means silent unless the DEBUG environment variable selects that name in the
	// syntax of Node's debug module (DEBUG=engine.io-client:*, DEBUG=*), read by Dial; then
	// records go to stderr.
	Logger *slog.Logger

	// OnMessage is called for every message the server sends, one at a time, in arrival
	// order, on the socket's delivery goroutine (a handler that blocks delays only this
	// socket, and holds back its reads). Message.Data is owned by the callee.
	// Handlers are part of the options, not set after Dial, so that no message can arrive
	// before its handler exists: a server may send in the same response as the
	// handshake (socket.io 2.x does). They may run before Dial returns. Default: messages
	// are discarded (Node: the "message" event).
	OnMessage func(Message)

	// OnClose is called exactly once when the socket closes, after all of its network
	// goroutines have stopped and after the last OnMessage call, with engine.io-client's
	// reason ("transport close", "ping timeout", "transport error", "forced close",
	// "parse error") and the error that caused it, if any (Node: the "close" event).
	OnClose func(reason string, cause error)

	// OnUpgrade is called on the delivery goroutine when the connection has switched
	// transport, with the new transport's name (Node: the "upgrade" event).
	OnUpgrade func(transport string)

	// OnPing is called on the delivery goroutine on each heartbeat (Node: the "ping"
	// event, which socket.io-client's Manager re-emits). With protocol 4 it is called when
	// a ping arrives from the server (after the pong is queued), in order with the
	// messages around it. With protocol 3 it is called once the client's own ping has
	// been written (engine.io-client 3.x emits "ping" when its ping is flushed); that call
	// is not ordered with messages, and pings written while an earlier call is still
	// pending are reported once. Default: nothing is called.
	OnPing func()
}

// Defaults of DialOptions.
const defaultTimestampParam = "t"

// withDefaults returns a copy of o with zero fields set to their defaults, or an error
// naming the invalid field.
func (o *DialOptions) withDefaults() (*DialOptions, error) {
	var c DialOptions
	if o != nil {
		c = *o
	}
	path, err := normalizePath("DialOptions.Path", c.Path, c.DisableTrailingSlash)
	if err != nil {
		return nil, err
	}
	c.Path = path
	if len(c.Transports) == 0 {
		c.Transports = []string{TransportPolling, TransportWebSocket}
	} else {
		c.Transports = slices.Clone(c.Transports)
		for _, t := range c.Transports {
			if t != TransportPolling && t != TransportWebSocket {
				return nil, fmt.Errorf("engineio: DialOptions.Transports: unknown transport %q (use %q or %q)", t, TransportPolling, TransportWebSocket)
			}
		}
	}
	if c.TimestampParam == "" {
		c.TimestampParam = defaultTimestampParam
	}
	if c.HTTPClient == nil {
		c.HTTPClient = http.DefaultClient
	}
	switch c.Protocol {
	case 0:
		c.Protocol = ProtocolV4
	case ProtocolV3, ProtocolV4:
	default:
		return nil, fmt.Errorf("engineio: DialOptions.Protocol: %d is not an engine.io revision (use 4, or 3 for socket.io 2.x servers)", c.Protocol)
	}
	if c.MaxQueuedMessages == 0 {
		c.MaxQueuedMessages = defaultMaxQueuedMessages
	}
	if c.MaxQueuedBytes == 0 {
		c.MaxQueuedBytes = defaultMaxQueuedBytes
	}
	c.Query = cloneValues(c.Query)
	c.ExtraHeaders = c.ExtraHeaders.Clone()
	if c.Logger == nil {
		c.Logger = debugLogger(clientLogComponent)
	}
	return &c, nil
}

// timestamp reports whether requests of the given transport carry the timestamp parameter.
func (o *DialOptions) timestamp(transport string) bool {
	if o.TimestampRequests == nil {
		return transport == TransportPolling
	}
	return *o.TimestampRequests
}

func (o *DialOptions) allows(transport string) bool {
	return slices.Contains(o.Transports, transport)
}

func cloneValues(v url.Values) url.Values {
	out := make(url.Values, len(v))
	for k, vs := range v {
		out[k] = slices.Clone(vs)
	}
	return out
}
