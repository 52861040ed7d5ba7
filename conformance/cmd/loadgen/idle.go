package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"
)

// idleConn is one idle socket.io client on "/" over a WebSocket (EIO 4): after the
// CONNECT it only answers pings, so it costs the tool little memory (no ack table,
// no event handler) and the server holds it as an idle connection.
type idleConn struct {
	ws      *websocket.Conn
	closing atomic.Bool
	dropped atomic.Bool   // the connection ended before close
	done    chan struct{} // closed when the read goroutine returns
}

// dialIdle opens the WebSocket through client, reads the open packet, sends
// CONNECT for "/" and waits for the server's CONNECT.
func dialIdle(ctx context.Context, client *http.Client, addr string) (*idleConn, error) {
	ws, _, err := websocket.Dial(ctx, addr, &websocket.DialOptions{HTTPClient: client})
	if err != nil {
		return nil, fmt.Errorf("loadgen: dial %s: %w", addr, err)
	}
	fail := func(err error) (*idleConn, error) {
		_ = ws.CloseNow()
		return nil, err
	}
	if _, err := readOpen(ctx, ws); err != nil {
		return fail(err)
	}
	if err := ws.Write(ctx, websocket.MessageText, []byte("40")); err != nil {
		return fail(fmt.Errorf("loadgen: send CONNECT: %w", err))
	}
	if err := awaitConnect(ctx, ws); err != nil {
		return fail(err)
	}
	c := &idleConn{ws: ws, done: make(chan struct{})}
	// Stopped by close (CloseNow makes Read fail); close waits on c.done.
	go c.readLoop()
	return c, nil
}

// readLoop answers pings until the connection ends; an end that close did not
// cause marks the connection dropped.
func (c *idleConn) readLoop() {
	defer close(c.done)
	ctx := context.Background()
	for {
		_, m, err := c.ws.Read(ctx)
		if err != nil || (len(m) > 0 && m[0] == '1') || bytes.HasPrefix(m, []byte("41")) {
			if !c.closing.Load() {
				c.dropped.Store(true)
			}
			return
		}
		if string(m) == "2" {
			_ = c.ws.Write(ctx, websocket.MessageText, []byte("3"))
		}
	}
}

func (c *idleConn) close() {
	c.closing.Store(true)
	_ = c.ws.CloseNow()
	<-c.done
}

// runIdle opens -n connections (connection i to -url i mod K, from -source i mod
// S), writes the -ready file, holds them for -hold (0 = until ctx ends, i.e.
// SIGTERM/SIGINT) and closes them. Connections the server dropped during the hold
// fail the run.
func runIdle(ctx context.Context, r *runner, rep *report) error {
	var addrs []string
	for _, b := range splitURLs(r.cfg.url) {
		a, err := wsURL(b, r.cfg.path, 4)
		if err != nil {
			return err
		}
		addrs = append(addrs, a)
	}
	k := max(len(r.cfg.sources), 1)
	clients := make([]*http.Client, k)
	for i := range k {
		// WebSocket upgrades are never pooled: no idle connections to keep.
		clients[i] = &http.Client{Transport: httpTransport(r.sourceDialer(i), 0)}
	}
	n := r.cfg.n
	conns := make([]*idleConn, n)
	lat := make([]int64, n)
	var (
		wg   sync.WaitGroup
		nf   atomic.Int64
		sem  = make(chan struct{}, r.cfg.c)
		mu   sync.Mutex
		last time.Time
	)
	start := time.Now()
	for i := range n {
		if ctx.Err() != nil {
			nf.Add(int64(n - i))
			break
		}
		sem <- struct{}{}
		wg.Add(1)
		// Ends after one handshake (bounded by -timeout); runIdle waits for it.
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			hctx, cancel := context.WithTimeout(ctx, r.cfg.timeout)
			defer cancel()
			t0 := time.Now()
			c, err := dialIdle(hctx, clients[i%k], addrs[i%len(addrs)])
			if err != nil {
				nf.Add(1)
				r.logf("connect", "connection %d: %v", i, err)
				return
			}
			now := time.Now()
			conns[i], lat[i] = c, now.Sub(t0).Nanoseconds()
			mu.Lock()
			if now.After(last) {
				last = now
			}
			mu.Unlock()
		}()
	}
	wg.Wait()
	defer func() {
		var cw sync.WaitGroup
		for _, c := range conns {
			if c != nil {
				cw.Add(1)
				// Ends when c's reader has; the deferred close waits for it.
				go func() { defer cw.Done(); c.close() }()
			}
		}
		cw.Wait()
	}()
	ok := lat[:0]
	for i, c := range conns {
		if c != nil {
			ok = append(ok, lat[i])
		}
	}
	rep.Connected, rep.Failed = int64(len(ok)), nf.Load()
	if len(ok) > 0 {
		rep.ConnectRate = rate(int64(len(ok)), last.Sub(start).Seconds())
		var tmp report
		tmp.setLatency(ok)
		rep.ConnP50, rep.ConnP99 = tmp.LatP50, tmp.LatP99
	}
	if r.cfg.ready != "" {
		line, _ := json.Marshal(map[string]int64{"connected": rep.Connected, "failed": rep.Failed})
		// Written whole, then renamed, so that a script polling for the file never
		// reads half of it.
		tmp := r.cfg.ready + ".tmp"
		if err := os.WriteFile(tmp, append(line, '\n'), 0o644); err != nil {
			return fmt.Errorf("loadgen: -ready: %w", err)
		}
		if err := os.Rename(tmp, r.cfg.ready); err != nil {
			return fmt.Errorf("loadgen: -ready: %w", err)
		}
	}
	var stop <-chan time.Time
	if r.cfg.hold > 0 {
		t := time.NewTimer(r.cfg.hold)
		defer t.Stop()
		stop = t.C
	}
	select {
	case <-stop:
	case <-ctx.Done():
	}
	var dropped int64
	for _, c := range conns {
		if c != nil && c.dropped.Load() {
			dropped++
		}
	}
	if dropped > 0 {
		return fmt.Errorf("%d connections dropped by the server during the hold", dropped)
	}
	return nil
}
