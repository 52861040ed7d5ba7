package postgres

import (
	"context"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgconn/ctxwatch"
)

// Reconnection delays of the LISTEN connection: the first retry after about
// minReconnect, doubling up to about maxReconnect, each with ±50% jitter (Node waits
// 1 to 3 s every time).
const (
	minReconnect = 100 * time.Millisecond
	maxReconnect = 2 * time.Second
	// dialTimeout bounds connecting and each LISTEN/UNLISTEN.
	dialTimeout = 10 * time.Second
)

// listener owns the dedicated LISTEN connection (opened with the pool's connection
// settings, outside the pool) and the periodic cleanup of the attachment table. It is
// started by the first adapter of a pubsub and stopped by the last one's Close.
type listener struct {
	ps     *pubsub
	ctx    context.Context // cancelled by stop
	cancel context.CancelFunc
	wake   chan struct{} // cap 1: the set of channels changed
	wg     sync.WaitGroup

	mu        sync.Mutex
	interrupt context.CancelFunc // ends the current wait for a notification; guarded by mu
}

func startListener(ps *pubsub) *listener {
	l := &listener{ps: ps, wake: make(chan struct{}, 1)}
	l.ctx, l.cancel = context.WithCancel(context.Background())
	l.wg.Add(2)
	go l.listen() // stopped by stop (cancels ctx)
	go l.clean()  // stopped by stop (cancels ctx)
	return l
}

// poke makes the listener listen on (and unlisten from) the channels that changed.
func (l *listener) poke() {
	select {
	case l.wake <- struct{}{}:
	default:
	}
	l.mu.Lock()
	if l.interrupt != nil {
		l.interrupt()
	}
	l.mu.Unlock()
}

func (l *listener) stop() {
	l.cancel()
	l.wg.Wait()
}

func (l *listener) clean() {
	defer l.wg.Done()
	t := time.NewTicker(l.ps.opts.CleanupInterval)
	defer t.Stop()
	for {
		select {
		case <-l.ctx.Done():
			return
		case <-t.C:
			l.ps.cleanup(l.ctx)
		}
	}
}

// connect opens the LISTEN connection. A cancelled context must interrupt a wait
// without closing the connection, so it uses deadlines, never a cancel request (which
// could cancel the next LISTEN).
func (l *listener) connect() (*pgx.Conn, error) {
	cfg := l.ps.pool.Config().ConnConfig
	cfg.BuildContextWatcherHandler = func(c *pgconn.PgConn) ctxwatch.Handler {
		return &pgconn.DeadlineContextWatcherHandler{Conn: c.Conn()}
	}
	ctx, cancel := context.WithTimeout(l.ctx, dialTimeout)
	defer cancel()
	return pgx.ConnectConfig(ctx, cfg)
}

// sync makes the connection listen on exactly the wanted channels; active holds the
// channels it listens on.
func (l *listener) sync(conn *pgx.Conn, active map[string]bool) error {
	want := l.ps.wanted()
	ctx, cancel := context.WithTimeout(l.ctx, dialTimeout)
	defer cancel()
	for name := range want {
		if active[name] {
			continue
		}
		if _, err := conn.Exec(ctx, "LISTEN "+pgx.Identifier{name}.Sanitize()); err != nil {
			return err
		}
		active[name] = true
	}
	for name := range active {
		if want[name] {
			continue
		}
		if _, err := conn.Exec(ctx, "UNLISTEN "+pgx.Identifier{name}.Sanitize()); err != nil {
			return err
		}
		delete(active, name)
	}
	l.ps.listening(active)
	return nil
}

// listen connects, listens on the channels and hands every notification to the
// pubsub, until stop. A lost connection is opened again (notifications sent meanwhile
// are lost, as in Node) and listens on every channel again.
func (l *listener) listen() {
	defer l.wg.Done()
	var conn *pgx.Conn
	defer func() {
		if conn != nil {
			ctx, cancel := context.WithTimeout(context.Background(), time.Second)
			_ = conn.Close(ctx)
			cancel()
		}
	}()
	active := map[string]bool{}
	backoff := minReconnect
	retry := func(what string, err error) bool {
		if conn != nil {
			ctx, cancel := context.WithTimeout(context.Background(), time.Second)
			_ = conn.Close(ctx)
			cancel()
			conn = nil
		}
		d := time.Duration(float64(backoff) * (0.5 + rand.Float64()))
		l.ps.log.Warn("socket.io-postgres-adapter: "+what+", reconnecting", "err", err, "retry", d)
		backoff = min(2*backoff, maxReconnect)
		t := time.NewTimer(d)
		defer t.Stop()
		select {
		case <-l.ctx.Done():
			return false
		case <-t.C:
			return true
		}
	}
	for l.ctx.Err() == nil {
		if conn == nil {
			c, err := l.connect()
			if err != nil {
				if l.ctx.Err() != nil || !retry("cannot open the LISTEN connection", err) {
					return
				}
				continue
			}
			conn, active = c, map[string]bool{}
		}
		select {
		case <-l.wake:
		default:
		}
		if err := l.sync(conn, active); err != nil {
			if l.ctx.Err() != nil || !retry("LISTEN failed", err) {
				return
			}
			continue
		}
		backoff = minReconnect
		wctx, cancel := context.WithCancel(l.ctx)
		l.mu.Lock()
		l.interrupt = cancel
		l.mu.Unlock()
		select {
		case <-l.wake: // the channels changed since sync: sync again
			cancel()
			continue
		default:
		}
		var werr error
		for werr == nil {
			var n *pgconn.Notification
			n, werr = conn.WaitForNotification(wctx)
			if n != nil {
				l.ps.dispatch(l.ctx, n)
			}
		}
		interrupted := wctx.Err() != nil
		cancel()
		l.mu.Lock()
		l.interrupt = nil
		l.mu.Unlock()
		if l.ctx.Err() != nil {
			return
		}
		if conn.IsClosed() || !interrupted {
			if !retry("LISTEN connection lost", werr) {
				return
			}
		}
	}
}
