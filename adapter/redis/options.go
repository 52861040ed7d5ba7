package redis

import (
	"log/slog"
	"time"
)

// Options configure the Redis adapter. The zero value (and a nil *Options) is Node's
// default. CreateAdapter copies the struct; the caller's value is never modified.
type Options struct {
	// Key is the prefix of every channel name. Default "socket.io" (Node: key).
	Key string
	// RequestsTimeout bounds a request to the other servers (FetchSockets, AllRooms,
	// Sockets, ServerSideEmitWithAck) and how long a broadcast without an explicit
	// Timeout keeps listening for remote acknowledgements. Default 5s
	// (Node: requestsTimeout).
	RequestsTimeout time.Duration
	// PublishOnSpecificResponseChannel makes this server answer a request on the
	// requester's own channel (<key>-response#<nsp>#<uid>#) instead of the shared one.
	// Default false (Node: publishOnSpecificResponseChannel).
	PublishOnSpecificResponseChannel bool
	// HealthCheckInterval is how often the adapter sends PING on its subscription
	// connection. A connection on which nothing arrives (no message, no answer to the
	// PING) for HealthCheckInterval + HealthCheckTimeout is taken for dead, as after a
	// network partition that drops packets without closing the connection: it is
	// closed, dialled again and subscribed again. Default 5s; a negative value turns the
	// check off, leaving dead connections to TCP keepalive (Node: none; the adapter
	// relies on its Redis client).
	HealthCheckInterval time.Duration
	// HealthCheckTimeout is how long the adapter waits for the answer to a health
	// check PING (see HealthCheckInterval). Default 3s.
	HealthCheckTimeout time.Duration
	// Logger receives the adapter's logs. Default: silent.
	Logger *slog.Logger
}

func (o *Options) withDefaults() Options {
	var c Options
	if o != nil {
		c = *o
	}
	if c.Key == "" {
		c.Key = "socket.io"
	}
	if c.RequestsTimeout <= 0 {
		c.RequestsTimeout = 5 * time.Second
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	return c
}
