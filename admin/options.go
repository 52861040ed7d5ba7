package admin

import (
	"fmt"
	"log/slog"
	"os"
	"strings"
	"time"

	"golang.org/x/crypto/bcrypt"
)

// Mode says how much the instrumentation reports. Node: the mode option.
type Mode string

const (
	// Development reports every socket, room and event as it happens (all_sockets,
	// socket_connected, room_joined, event_received, ...) besides the server stats.
	Development Mode = "development"
	// Production reports only the server stats (counts and aggregated events): cheaper on a
	// busy server, and no event payload leaves it.
	Production Mode = "production"
)

// Options configures Instrument. The zero value is Node's defaults, except that one of
// Auth or NoAuth must be set, as Node requires the auth option.
type Options struct {
	// NamespaceName is the namespace the admin UI connects to. Default "/admin"
	// (Node: namespaceName).
	NamespaceName string
	// Auth enables basic authentication: the UI's CONNECT auth must carry this user
	// name and a password matching the bcrypt hash. Node: auth {type: "basic"}.
	Auth *BasicAuth
	// NoAuth disables authentication: anyone who can reach the server can watch it (and,
	// unless ReadOnly, act on it). Node: auth: false.
	NoAuth bool
	// ReadOnly refuses the UI's commands (emit, join, leave, disconnect): the UI is only
	// told the AGGREGATED_EVENTS (and ALL_EVENTS) features. Default false (Node: readonly).
	ReadOnly bool
	// ServerID names this server in the UI's server list. Default the host name
	// (Node: serverId; Node adds "#pid" in a cluster worker).
	ServerID string
	// Store keeps the session ids given to authenticated UIs, so a reloaded UI reconnects
	// without the password. Default a new InMemoryStore (Node: store).
	Store Store
	// Mode is Development (the default) or Production. Node: mode, whose default is
	// process.env.NODE_ENV || "development"; the environment is not read here.
	Mode Mode
	// ServerStatsInterval is the period of the server_stats event. Default 2s (Node:
	// serverStatsInterval in later versions; 2000 ms fixed in admin-ui 0.5).
	ServerStatsInterval time.Duration
	// Logger receives debug records (component "socket.io-admin"). Default: the server's
	// logger (socketio.Options.Logger).
	Logger *slog.Logger
}

// BasicAuth is the user name and bcrypt hash an admin UI must match.
// Node: {type: "basic", username, password}.
type BasicAuth struct {
	// Username is compared as is.
	Username string
	// Password is a bcrypt hash ($2a$, $2b$ or $2y$), for example from
	// bcrypt.GenerateFromPassword or `htpasswd -nbBC 10 "" secret`; never the password
	// itself.
	Password string
}

// DefaultServerStatsInterval is the default Options.ServerStatsInterval.
const DefaultServerStatsInterval = 2 * time.Second

// withDefaults returns a copy of o with defaults filled in, or an error naming the field
// that is wrong.
func (o *Options) withDefaults(serverLogger *slog.Logger) (Options, error) {
	var c Options
	if o != nil {
		c = *o
	}
	switch {
	case c.Auth == nil && !c.NoAuth:
		return c, fmt.Errorf("admin: Options.Auth must be set, or Options.NoAuth to true to disable authentication (Node: the auth option must be specified or explicitly set to false)")
	case c.Auth != nil && c.NoAuth:
		return c, fmt.Errorf("admin: Options.Auth and Options.NoAuth are both set; set only one")
	case c.Auth != nil:
		if _, err := bcrypt.Cost([]byte(c.Auth.Password)); err != nil {
			return c, fmt.Errorf("admin: Options.Auth.Password must be a valid bcrypt hash (see bcrypt.GenerateFromPassword): %w", err)
		}
		a := *c.Auth
		c.Auth = &a
	}
	if c.NamespaceName == "" {
		c.NamespaceName = "/admin"
	}
	if !strings.HasPrefix(c.NamespaceName, "/") {
		c.NamespaceName = "/" + c.NamespaceName
	}
	switch c.Mode {
	case "":
		c.Mode = Development
	case Development, Production:
	default:
		return c, fmt.Errorf("admin: Options.Mode must be %q or %q, got %q", Development, Production, c.Mode)
	}
	if c.ServerStatsInterval < 0 {
		return c, fmt.Errorf("admin: Options.ServerStatsInterval must not be negative, got %v", c.ServerStatsInterval)
	}
	if c.ServerStatsInterval == 0 {
		c.ServerStatsInterval = DefaultServerStatsInterval
	}
	if c.ServerID == "" {
		c.ServerID = hostname()
	}
	if c.Store == nil {
		c.Store = NewInMemoryStore()
	}
	if c.Logger == nil {
		c.Logger = serverLogger
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	c.Logger = c.Logger.With("component", "socket.io-admin")
	return c, nil
}

func hostname() string {
	h, err := os.Hostname()
	if err != nil {
		return "unknown"
	}
	return h
}
