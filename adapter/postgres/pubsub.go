package postgres

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"sync"

	"github.com/gosockio/gosockio/adapter/internal/jsvalue"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

// pubsub is what the adapters made by one CreateAdapter share, as the PubSubClient of
// Node's adapter: the pool that sends notifications and stores attachments, and a
// listener (the dedicated LISTEN connection and the attachment cleanup) that runs
// while at least one of the adapters is open.
type pubsub struct {
	pool *pgxpool.Pool
	opts Options
	log  *slog.Logger

	// Statements with the table name in them (Node interpolates it too).
	insertSQL, selectSQL, cleanupSQL, createSQL string

	mu       sync.Mutex
	channels map[string]*channelState // guarded by mu
	run      *listener                // non-nil while channels is not empty; guarded by mu
	created  bool                     // the table was created; guarded by mu
}

// channelState is one notification channel and the adapters that read it (several
// when servers of one process share a Factory).
type channelState struct {
	adapters  []*Adapter
	ready     chan struct{} // closed once the listener listens on the channel
	listening bool
}

func newPubSub(pool *pgxpool.Pool, o Options) *pubsub {
	t := o.TableName
	return &pubsub{
		pool:       pool,
		opts:       o,
		log:        o.Logger.With("component", "socket.io-postgres-adapter"),
		insertSQL:  "INSERT INTO " + t + " (payload) VALUES ($1) RETURNING id",
		selectSQL:  "SELECT payload FROM " + t + " WHERE id = $1",
		cleanupSQL: "DELETE FROM " + t + " WHERE created_at < now() - $1::float8 * interval '1 millisecond'",
		createSQL:  "CREATE TABLE IF NOT EXISTS " + t + " (id bigserial UNIQUE, created_at timestamptz DEFAULT NOW(), payload bytea)",
		channels:   make(map[string]*channelState),
	}
}

// ensureTable creates the attachment table once (Options.CreateTable); a failure is
// logged and tried again by the next adapter.
func (ps *pubsub) ensureTable(ctx context.Context) {
	ps.mu.Lock()
	done := ps.created
	ps.mu.Unlock()
	if done || !ps.opts.CreateTable {
		return
	}
	_, err := ps.pool.Exec(ctx, ps.createSQL)
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && (pgErr.Code == "23505" || pgErr.Code == "42P07") {
		err = nil // another server created it at the same moment
	}
	if err != nil {
		ps.log.Warn("socket.io-postgres-adapter: create the attachment table", "table", ps.opts.TableName, "err", err)
		return
	}
	ps.mu.Lock()
	ps.created = true
	ps.mu.Unlock()
}

// register adds a to the readers of its channel, starting the listener if needed, and
// returns a channel closed once the listener listens on it.
func (ps *pubsub) register(a *Adapter) <-chan struct{} {
	ps.mu.Lock()
	defer ps.mu.Unlock()
	st := ps.channels[a.channel]
	if st == nil {
		st = &channelState{ready: make(chan struct{})}
		ps.channels[a.channel] = st
	}
	st.adapters = append(st.adapters, a)
	if ps.run == nil {
		ps.run = startListener(ps)
	} else {
		ps.run.poke()
	}
	return st.ready
}

// unregister removes a; the last adapter out stops the listener and waits for it.
func (ps *pubsub) unregister(a *Adapter) {
	ps.mu.Lock()
	if st := ps.channels[a.channel]; st != nil {
		st.adapters = slices.DeleteFunc(st.adapters, func(x *Adapter) bool { return x == a })
		if len(st.adapters) == 0 {
			delete(ps.channels, a.channel)
		}
	}
	var stop *listener
	if len(ps.channels) == 0 {
		stop, ps.run = ps.run, nil
	} else if ps.run != nil {
		ps.run.poke()
	}
	ps.mu.Unlock()
	if stop != nil {
		stop.stop()
	}
}

// wanted returns the channels the listener must listen on.
func (ps *pubsub) wanted() map[string]bool {
	ps.mu.Lock()
	defer ps.mu.Unlock()
	out := make(map[string]bool, len(ps.channels))
	for name := range ps.channels {
		out[name] = true
	}
	return out
}

// listening marks the channels of active as listened to.
func (ps *pubsub) listening(active map[string]bool) {
	ps.mu.Lock()
	defer ps.mu.Unlock()
	for name := range active {
		if st := ps.channels[name]; st != nil && !st.listening {
			st.listening = true
			close(st.ready)
		}
	}
}

func (ps *pubsub) readers(channel string) []*Adapter {
	ps.mu.Lock()
	defer ps.mu.Unlock()
	if st := ps.channels[channel]; st != nil {
		return slices.Clone(st.adapters)
	}
	return nil
}

// dispatch hands a notification to the adapters of its channel, reading the message
// from the attachment table when the notification carries an attachmentId. It runs on
// the listener's goroutine. Node: PubSubClient's "notification" handler.
func (ps *pubsub) dispatch(ctx context.Context, n *pgconn.Notification) {
	adapters := ps.readers(n.Channel)
	if len(adapters) == 0 {
		return
	}
	v, err := jsvalue.DecodeJSON([]byte(n.Payload))
	m, ok := v.(jsvalue.Object)
	if err != nil || !ok {
		ps.log.Debug("socket.io-postgres-adapter: ignoring a notification that is not a JSON object", "channel", n.Channel, "err", err)
		return
	}
	if _, has := m.Lookup("attachmentId"); has {
		// The header names its sender but not its namespace: skip our own messages
		// before reading the table.
		uid := m.Text("uid")
		if slices.ContainsFunc(adapters, func(a *Adapter) bool { return a.uid == uid }) {
			return
		}
		aid, ok := id(m, "attachmentId")
		if !ok {
			ps.log.Debug("socket.io-postgres-adapter: ignoring a notification with a malformed attachmentId", "channel", n.Channel)
			return
		}
		if m, err = ps.attachment(ctx, aid); err != nil {
			ps.log.Warn("socket.io-postgres-adapter: read attachment", "id", aid, "err", err)
			return
		}
	}
	for _, a := range adapters {
		a.onMessage(m)
	}
}

func (ps *pubsub) attachment(ctx context.Context, aid int64) (jsvalue.Object, error) {
	ctx, cancel := context.WithTimeout(ctx, ps.opts.RequestsTimeout)
	defer cancel()
	var payload []byte
	if err := ps.pool.QueryRow(ctx, ps.selectSQL, aid).Scan(&payload); err != nil {
		if errors.Is(err, pgx.ErrNoRows) {
			return nil, fmt.Errorf("no row %d in %s (deleted by the cleanup? CleanupInterval may be too short)", aid, ps.opts.TableName)
		}
		return nil, err
	}
	v, err := jsvalue.DecodeMsgpack(payload)
	if err != nil {
		return nil, err
	}
	m, ok := v.(jsvalue.Object)
	if !ok {
		return nil, fmt.Errorf("attachment %d is a %T, not an object", aid, v)
	}
	return m, nil
}

// publish sends msg (whose type is t and sender uid) on channel: as a notification
// whose payload is the JSON message, or, when the message holds binary or its JSON is
// longer than PayloadThreshold, as a row of the attachment table (MessagePack) whose id
// the notification carries. Node: PubSubClient.publish. Node sends binary to the table
// for broadcasts, acknowledgements and server-side emits only (other messages lose
// their binary in JSON); this adapter does so for every message.
func (ps *pubsub) publish(ctx context.Context, channel string, t int, uid string, msg jsvalue.Object) error {
	if !jsvalue.HasBinary(msg) {
		payload, err := jsvalue.Marshal(msg)
		if err != nil {
			return fmt.Errorf("postgres: encode message: %w", err)
		}
		if len(payload) <= ps.opts.PayloadThreshold && len(payload) < maxNotifyPayload {
			return ps.notify(ctx, channel, payload)
		}
	}
	b, err := jsvalue.EncodeMsgpack(msg)
	if err != nil {
		return fmt.Errorf("postgres: encode message: %w", err)
	}
	var aid int64
	if err := ps.pool.QueryRow(ctx, ps.insertSQL, b).Scan(&aid); err != nil {
		return fmt.Errorf("postgres: store a message in %s (create it as Node's README says, or set Options.CreateTable): %w", ps.opts.TableName, err)
	}
	header, err := jsvalue.Marshal(jsvalue.Object{{"uid", uid}, {"type", t}, {"attachmentId", strconv.FormatInt(aid, 10)}})
	if err != nil {
		return err
	}
	return ps.notify(ctx, channel, header)
}

func (ps *pubsub) notify(ctx context.Context, channel string, payload []byte) error {
	if _, err := ps.pool.Exec(ctx, "SELECT pg_notify($1, $2)", channel, string(payload)); err != nil {
		return fmt.Errorf("postgres: notify %s: %w", channel, err)
	}
	return nil
}

// cleanup deletes the attachments older than CleanupInterval. Node: the cleanup timer.
func (ps *pubsub) cleanup(ctx context.Context) {
	ctx, cancel := context.WithTimeout(ctx, ps.opts.RequestsTimeout)
	defer cancel()
	if _, err := ps.pool.Exec(ctx, ps.cleanupSQL, float64(ps.opts.CleanupInterval.Milliseconds())); err != nil && ctx.Err() == nil {
		ps.log.Warn("socket.io-postgres-adapter: remove old attachments", "table", ps.opts.TableName, "err", err)
	}
}
