package postgres

import (
	"fmt"
	"log/slog"
	"regexp"
	"time"
)

// Options configure the Postgres adapter. The zero value (and a nil *Options) is Node's
// default. CreateAdapter copies the struct; the caller's value is never modified.
type Options struct {
	// ChannelPrefix is the prefix of the notification channels: the adapter of
	// namespace nsp listens and notifies on "<ChannelPrefix>#<nsp>". PostgreSQL
	// limits channel names to 63 bytes. Default "socket.io" (Node: channelPrefix).
	ChannelPrefix string
	// TableName is the table that holds the messages too large for a notification or
	// carrying binary, referred to by id in the notification. It is SQL text, as in
	// Node: a name, or schema.name; CreateAdapter rejects anything else.
	// Default "socket_io_attachments" (Node: tableName).
	TableName string
	// PayloadThreshold is the size in bytes above which a message goes to the
	// attachment table. Messages of 8000 bytes or more always do (PostgreSQL's
	// limit for a notification payload). Default 8000 (Node: payloadThreshold).
	PayloadThreshold int
	// CleanupInterval is the period of the query that deletes the attachments older
	// than CleanupInterval. Default 30s (Node: cleanupInterval).
	CleanupInterval time.Duration
	// HeartbeatInterval is how long a server stays silent before it tells the others
	// it is alive. Default 5s (Node: heartbeatInterval).
	HeartbeatInterval time.Duration
	// HeartbeatTimeout is how long a server may stay silent before the others count
	// it as gone: it is no longer counted by ServerCount and no longer awaited by the
	// requests in flight. It must be longer than HeartbeatInterval.
	// Default 10s (Node: heartbeatTimeout).
	HeartbeatTimeout time.Duration
	// RequestsTimeout bounds FetchSockets (unless the broadcast flags carry a
	// Timeout) and ServerSideEmitWithAck, and how long a broadcast with
	// acknowledgements but no Timeout keeps listening for remote answers.
	// Default 5s (Node: the fixed 5000 ms of socket.io-adapter's ClusterAdapter).
	RequestsTimeout time.Duration
	// CreateTable, when set, makes the adapter create the attachment table (CREATE
	// TABLE IF NOT EXISTS, with Node's documented columns) when it starts, which Node
	// leaves to the user. A failure is logged and the adapter starts anyway.
	// Default false.
	CreateTable bool
	// Logger receives the adapter's logs (Node: errorHandler, which logs by default).
	// Default: silent.
	Logger *slog.Logger
}

// maxNotifyPayload is PostgreSQL's limit for a NOTIFY payload: a payload must be
// shorter (BLCKSZ - NAMEDATALEN - 128 with the default build settings).
const maxNotifyPayload = 8000

// maxChannelName is the longest identifier PostgreSQL keeps (NAMEDATALEN - 1); LISTEN
// truncates longer names and pg_notify rejects them.
const maxChannelName = 63

var tableNameRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_$]*(\.[A-Za-z_][A-Za-z0-9_$]*)?$`)

func (o *Options) withDefaults() (Options, error) {
	var c Options
	if o != nil {
		c = *o
	}
	if c.ChannelPrefix == "" {
		c.ChannelPrefix = "socket.io"
	}
	if c.TableName == "" {
		c.TableName = "socket_io_attachments"
	}
	if c.PayloadThreshold <= 0 {
		c.PayloadThreshold = 8000
	}
	if c.CleanupInterval <= 0 {
		c.CleanupInterval = 30 * time.Second
	}
	if c.HeartbeatInterval <= 0 {
		c.HeartbeatInterval = 5 * time.Second
	}
	if c.HeartbeatTimeout <= 0 {
		c.HeartbeatTimeout = 10 * time.Second
	}
	if c.RequestsTimeout <= 0 {
		c.RequestsTimeout = 5 * time.Second
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if !tableNameRE.MatchString(c.TableName) {
		return c, fmt.Errorf("postgres: Options.TableName %q is not a table name (letters, digits, _ and $, optionally schema.table)", c.TableName)
	}
	if c.HeartbeatTimeout <= c.HeartbeatInterval {
		return c, fmt.Errorf("postgres: Options.HeartbeatTimeout (%v) must be longer than HeartbeatInterval (%v), or every server would count the others as gone between two heartbeats", c.HeartbeatTimeout, c.HeartbeatInterval)
	}
	return c, nil
}
