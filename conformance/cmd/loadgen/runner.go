package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// runner holds what every scenario shares: the flags, the server address and the
// error log (the first few errors of each kind go to stderr unless -q).
type runner struct {
	cfg    config
	addrs  []string // WebSocket addresses; connection i dials addrs[i mod len]
	pad    string
	stderr io.Writer

	mu     sync.Mutex
	logged map[string]int // guarded by mu
}

func newRunner(cfg config, stderr io.Writer) *runner {
	addrs, _ := wsURLs(cfg.url, cfg.path, cfg.eio) // checked by parse
	return &runner{cfg: cfg, addrs: addrs, pad: strings.Repeat("x", max(cfg.payload, 0)), stderr: stderr,
		logged: map[string]int{}}
}

// logf prints the first 3 messages of each kind.
func (r *runner) logf(kind, format string, a ...any) {
	if r.cfg.quiet {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.logged[kind]++
	if r.logged[kind] <= 3 {
		fmt.Fprintf(r.stderr, "loadgen: "+format+"\n", a...)
	}
}

// message builds one payload object.
func (r *runner) message(sender int, seq int64) []byte {
	b, _ := json.Marshal(payload{I: sender, S: seq, T: time.Now().UnixNano(), P: r.pad})
	return b
}

// connectAll opens n connections, at most -c handshakes at a time; handler(i)
// gives connection i's event callback. Failed connections are nil in the result.
// lat holds the handshake durations (ns) of the successful ones; last is when the
// last one succeeded.
func (r *runner) connectAll(ctx context.Context, n int, handler func(i int) func(string, []json.RawMessage)) (conns []*conn, lat []int64, failed int64, last time.Time) {
	conns = make([]*conn, n)
	lat = make([]int64, n)
	var (
		wg   sync.WaitGroup
		nf   atomic.Int64
		mu   sync.Mutex
		sem  = make(chan struct{}, r.cfg.c)
		lost = false
	)
	for i := range n {
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
			lost = true
		}
		if lost {
			nf.Add(int64(n - i))
			break
		}
		wg.Add(1)
		// Ends after one handshake (bounded by -timeout); connectAll waits for it.
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			hctx, cancel := context.WithTimeout(ctx, r.cfg.timeout)
			defer cancel()
			t0 := time.Now()
			c, err := dial(hctx, r.addrs[i%len(r.addrs)], r.cfg.eio, handler(i))
			if err != nil {
				nf.Add(1)
				r.logf("connect", "connection %d: %v", i, err)
				return
			}
			now := time.Now()
			conns[i] = c
			lat[i] = now.Sub(t0).Nanoseconds()
			mu.Lock()
			if now.After(last) {
				last = now
			}
			mu.Unlock()
		}()
	}
	wg.Wait()
	ok := lat[:0]
	for i, c := range conns {
		if c != nil {
			ok = append(ok, lat[i])
		}
	}
	return conns, ok, nf.Load(), last
}

func closeAll(conns []*conn) {
	var wg sync.WaitGroup
	for _, c := range conns {
		if c != nil {
			wg.Add(1)
			// Ends when c's goroutines have; closeAll waits for it.
			go func() { defer wg.Done(); c.close() }()
		}
	}
	wg.Wait()
}

// pace calls send(seq) for seq = 0, 1, ... at -rate per second, until -count
// messages, -d elapsed or ctx ends. It returns how many were sent and for how long.
func (r *runner) pace(ctx context.Context, send func(seq int64)) (int64, time.Duration) {
	start := time.Now()
	timer := time.NewTimer(0)
	defer timer.Stop()
	<-timer.C
	var seq int64
	for ; r.cfg.count <= 0 || seq < r.cfg.count; seq++ {
		due := time.Duration(float64(seq) / r.cfg.rate * float64(time.Second))
		if r.cfg.d > 0 && due >= r.cfg.d {
			break
		}
		if wait := due - time.Since(start); wait > 0 {
			timer.Reset(wait)
			select {
			case <-timer.C:
			case <-ctx.Done():
				return seq, time.Since(start)
			}
		}
		if ctx.Err() != nil {
			break
		}
		send(seq)
	}
	return seq, time.Since(start)
}

// settle is how long drain keeps listening after every expected message has
// arrived, so that late duplicates are seen too (at most -drain).
const settle = 100 * time.Millisecond

// drain waits until total() reaches want, -drain passes or ctx ends; then it waits
// settle more (bounded by the same deadline).
func (r *runner) drain(ctx context.Context, want int64, total func() int64) {
	deadline := time.Now().Add(r.cfg.drain)
	defer func() {
		wait := min(settle, time.Until(deadline))
		if wait <= 0 {
			return
		}
		t := time.NewTimer(wait)
		defer t.Stop()
		select {
		case <-ctx.Done():
		case <-t.C:
		}
	}()
	t := time.NewTicker(5 * time.Millisecond)
	defer t.Stop()
	for total() < want && time.Now().Before(deadline) {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
