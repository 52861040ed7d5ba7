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

// receiveLoop hands the early messages, then every message of ps, to dispatch until
// done closes; go-redis reconnects and subscribes again after a lost connection, and
// the loop logs lost and waits a little between failed attempts.
func receiveLoop(ctx context.Context, done <-chan struct{}, ps *goredis.PubSub, early []*goredis.Message, log *slog.Logger, lost string, dispatch func(*goredis.Message)) {
	for _, m := range early {
		dispatch(m)
	}
	const minBackoff, maxBackoff = 50 * time.Millisecond, 2 * time.Second
	backoff := minBackoff
	for {
		msg, err := ps.Receive(ctx)
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
