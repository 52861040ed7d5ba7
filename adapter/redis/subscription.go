package redis

import (
	"context"
	"log/slog"
	"time"

	goredis "github.com/redis/go-redis/v9"
)

// awaitSubscriptions reads ps until Redis has confirmed n subscriptions, so that the
// server counts in the cluster as soon as its namespace exists, and returns the
// messages that arrived meanwhile.
func awaitSubscriptions(ctx context.Context, ps *goredis.PubSub, n int) ([]*goredis.Message, error) {
	var early []*goredis.Message
	for confirmed := 0; confirmed < n; {
		msg, err := ps.Receive(ctx)
		if err != nil {
			return early, err
		}
		switch m := msg.(type) {
		case *goredis.Subscription:
			confirmed++
		case *goredis.Message:
			early = append(early, m)
		}
	}
	return early, nil
}

// Defaults of the subscription health check.
const (
	defaultHealthCheckInterval = 5 * time.Second
	defaultHealthCheckTimeout  = 3 * time.Second
)

// healthCheck says how a receive loop watches its subscription connection: it sends
// PING every interval and takes the connection for dead when nothing (no message, no
// pong) arrived for interval+timeout. interval 0 turns it off.
type healthCheck struct {
	interval, timeout time.Duration
}

// newHealthCheck fills the defaults of the HealthCheckInterval and HealthCheckTimeout
// options: zero means the default, a negative interval turns the check off.
func newHealthCheck(interval, timeout time.Duration) healthCheck {
	if interval < 0 {
		return healthCheck{}
	}
	if interval == 0 {
		interval = defaultHealthCheckInterval
	}
	if timeout <= 0 {
		timeout = defaultHealthCheckTimeout
	}
	return healthCheck{interval: interval, timeout: timeout}
}

// receiveLoop hands the early messages, then every message of ps, to dispatch until
// done closes; go-redis reconnects and subscribes again after a lost connection, and
// the loop logs lost and waits a little between failed attempts.
//
// With hc on, a pinger sends PING on the subscription every hc.interval and every read
// has a deadline hc.interval+hc.timeout ahead: a connection that went silent without
// being closed (a network partition drops packets, no TCP reset arrives) makes the
// read fail, and go-redis closes it, dials again and subscribes again, as after any
// other read error.
func receiveLoop(ctx context.Context, done <-chan struct{}, ps *goredis.PubSub, early []*goredis.Message, hc healthCheck, log *slog.Logger, lost string, dispatch func(*goredis.Message)) {
	for _, m := range early {
		dispatch(m)
	}
	if hc.interval > 0 {
		pinged := make(chan struct{})
		go func() { // stopped by done, which closes before receiveLoop returns
			defer close(pinged)
			pingLoop(done, ps, hc, log)
		}()
		defer func() { <-pinged }()
	}
	const minBackoff, maxBackoff = 50 * time.Millisecond, 2 * time.Second
	backoff := minBackoff
	for {
		msg, err := receive(ctx, ps, hc)
		if err != nil {
			select {
			case <-done:
				return
			default:
			}
			log.Warn(lost, "err", err, "retry", backoff)
			if !sleep(done, backoff) {
				return
			}
			backoff = min(2*backoff, maxBackoff)
			continue
		}
		backoff = minBackoff
		if m, ok := msg.(*goredis.Message); ok {
			dispatch(m)
		}
	}
}

// receive reads the next message of ps; with hc on, the read fails when nothing
// arrives within hc.interval+hc.timeout, and go-redis then drops the connection (a
// read that ends on its context's deadline marks the connection bad).
func receive(ctx context.Context, ps *goredis.PubSub, hc healthCheck) (any, error) {
	if hc.interval <= 0 {
		return ps.Receive(ctx)
	}
	rctx, cancel := context.WithTimeout(ctx, hc.interval+hc.timeout)
	defer cancel()
	return ps.Receive(rctx)
}

// pingLoop sends PING on ps every hc.interval until done closes. Redis answers on the
// subscription connection, so the receive loop's reads see traffic at least every
// hc.interval while the connection is alive.
func pingLoop(done <-chan struct{}, ps *goredis.PubSub, hc healthCheck, log *slog.Logger) {
	t := time.NewTicker(hc.interval)
	defer t.Stop()
	for {
		select {
		case <-done:
			return
		case <-t.C:
		}
		ctx, cancel := context.WithTimeout(context.Background(), hc.timeout)
		err := ps.Ping(ctx)
		cancel()
		if err != nil {
			log.Debug("socket.io-redis: health check PING failed", "err", err)
		}
	}
}

// sleep waits d, or returns false at once when done closes.
func sleep(done <-chan struct{}, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-done:
		return false
	case <-t.C:
		return true
	}
}
