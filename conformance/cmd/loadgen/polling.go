package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// recordSep separates Engine.IO 4 packets in a polling body.
const recordSep = '\x1e'

// pollConn is one socket.io client on namespace "/" over Engine.IO 4 HTTP
// long-polling: a handshake GET, then one goroutine that keeps a GET pending for
// the server's packets and one that POSTs the client's packets, one POST at a time
// (engine.io answers overlapping POSTs with an error), batching what queued up
// meanwhile.
type pollConn struct {
	get    *httpConn // owned by getLoop once it runs
	poster *httpConn // owned by postLoop, then by close
	target string    // request target with the session id

	mu   sync.Mutex
	out  [][]byte // guarded by mu: packets waiting for the next POST
	err  error    // guarded by mu: why the session ended
	acks ackTable

	wake      chan struct{} // capacity 1: out has packets
	connected chan struct{} // closed when the socket.io CONNECT arrives
	connOnce  sync.Once

	life     context.Context // ends the pending GET and POST
	cancel   context.CancelFunc
	quit     chan struct{} // closed by close: the writer stops
	quitOnce sync.Once
	getDone  chan struct{} // closed when the GET loop returns
	postDone chan struct{} // closed when the writer returns
}

// dialPolling runs the Engine.IO handshake over polling, sends the socket.io
// CONNECT for "/" and returns once the server's CONNECT has arrived. The connection's
// GETs and POSTs go over two keep-alive connections dialed by d.
func dialPolling(ctx context.Context, d *net.Dialer, ep pollEndpoint) (*pollConn, error) {
	get := newHTTPConn(d, ep)
	body, err := pollDo(ctx, get, http.MethodGet, ep.target, nil)
	get.detach()
	if err != nil {
		get.close()
		return nil, fmt.Errorf("loadgen: polling handshake: %w", err)
	}
	first, _, _ := bytes.Cut(body, []byte{recordSep})
	if len(first) == 0 || first[0] != '0' {
		get.close()
		return nil, fmt.Errorf("loadgen: expected the Engine.IO open packet (0{...}), got %q", trunc(body))
	}
	var hs struct {
		SID string `json:"sid"`
	}
	if err := json.Unmarshal(first[1:], &hs); err != nil || hs.SID == "" {
		get.close()
		return nil, fmt.Errorf("loadgen: open packet %q has no sid (%v)", trunc(first), err)
	}
	life, cancel := context.WithCancel(context.Background())
	c := &pollConn{get: get, poster: newHTTPConn(d, ep), target: ep.target + "&sid=" + url.QueryEscape(hs.SID),
		wake:      make(chan struct{}, 1),
		connected: make(chan struct{}), life: life, cancel: cancel, quit: make(chan struct{}),
		getDone: make(chan struct{}), postDone: make(chan struct{})}
	// Both stopped by close (quit, then cancel); close waits on getDone and postDone.
	go c.getLoop()
	go c.postLoop()
	c.send([]byte("40"))
	select {
	case <-c.connected:
		return c, nil
	case <-c.getDone:
		select {
		case <-c.connected: // CONNECT arrived, then the session ended: the caller sees the end
			return c, nil
		default:
		}
		err = c.reason()
	case <-ctx.Done():
		err = fmt.Errorf("loadgen: waiting for CONNECT over polling: %w", ctx.Err())
	}
	c.close()
	return nil, err
}

// pollDo runs one request on h and returns the response body; any status but 200 is
// an error.
func pollDo(ctx context.Context, h *httpConn, method, target string, body []byte) ([]byte, error) {
	code, resp, err := h.do(ctx, method, target, body)
	if err != nil {
		return nil, err
	}
	if code != http.StatusOK {
		return nil, fmt.Errorf("%s: HTTP %d: %s", method, code, trunc(resp))
	}
	return resp, nil
}

// end records why the session ended (the first reason wins), fails the waiting
// calls and stops both loops.
func (c *pollConn) end(err error) {
	c.mu.Lock()
	if c.err == nil {
		c.err = err
	}
	c.mu.Unlock()
	c.acks.fail()
	c.cancel()
}

func (c *pollConn) reason() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.err == nil {
		return errClosed
	}
	return c.err
}

// getLoop keeps one GET pending and handles the packets of each response.
func (c *pollConn) getLoop() {
	defer close(c.getDone)
	defer c.get.close()
	for {
		body, err := pollDo(c.life, c.get, http.MethodGet, c.target, nil)
		if err != nil {
			c.end(fmt.Errorf("loadgen: polling GET: %w", err))
			return
		}
		for len(body) > 0 {
			var p []byte
			p, body, _ = bytes.Cut(body, []byte{recordSep})
			if !c.handle(p) {
				c.end(errClosed)
				return
			}
		}
	}
}

// handle processes one Engine.IO packet; false means the session is over.
func (c *pollConn) handle(p []byte) bool {
	if len(p) == 0 {
		return true
	}
	switch p[0] {
	case '2': // ping
		c.send([]byte("3"))
	case '1': // close
		return false
	case '4':
		if len(p) < 2 {
			return true
		}
		switch p[1] {
		case '0': // CONNECT
			c.connOnce.Do(func() { close(c.connected) })
		case '4': // CONNECT_ERROR
			c.end(fmt.Errorf("loadgen: server refused namespace \"/\": %s", trunc(p)))
			return false
		case '3':
			c.acks.resolve(p[2:])
		case '1': // DISCONNECT
			return false
		}
	}
	return true
}

// send queues one packet for the next POST.
func (c *pollConn) send(p []byte) {
	c.mu.Lock()
	c.out = append(c.out, p)
	c.mu.Unlock()
	select {
	case c.wake <- struct{}{}:
	default:
	}
}

// postLoop POSTs the queued packets, one request at a time.
func (c *pollConn) postLoop() {
	defer close(c.postDone)
	for {
		select {
		case <-c.wake:
		case <-c.quit:
			return
		case <-c.life.Done():
			return
		}
		c.mu.Lock()
		batch := c.out
		c.out = nil
		c.mu.Unlock()
		if len(batch) == 0 {
			continue
		}
		if err := c.post(c.life, bytes.Join(batch, []byte{recordSep})); err != nil {
			c.end(fmt.Errorf("loadgen: polling POST: %w", err))
			return
		}
	}
}

func (c *pollConn) post(ctx context.Context, body []byte) error {
	resp, err := pollDo(ctx, c.poster, http.MethodPost, c.target, body)
	if err != nil {
		return err
	}
	if string(resp) != "ok" {
		return fmt.Errorf("POST answered %q, want ok", trunc(resp))
	}
	return nil
}

// call sends an event with an ack id and waits for the ack's arguments until ctx
// ends.
func (c *pollConn) call(ctx context.Context, event string, args ...[]byte) ([]json.RawMessage, error) {
	id, ch, err := c.acks.add()
	if err != nil {
		return nil, err
	}
	c.send(encode(strconv.FormatUint(id, 10), event, args...))
	return c.acks.wait(ctx, id, ch)
}

// close sends the Engine.IO close packet (so that the server drops the session at
// once), ends both loops and waits for them.
func (c *pollConn) close() {
	c.quitOnce.Do(func() {
		close(c.quit)
		<-c.postDone
		if !c.acks.isEnded() {
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
			_ = c.post(ctx, []byte("1"))
			cancel()
		}
		c.poster.close()
		c.end(errClosed)
	})
	<-c.getDone
}

// pollDialers returns the dialer of each -source address (or one without -source);
// every polling connection dials its GET and POST connections with one of them.
func (r *runner) pollDialers() []*net.Dialer {
	k := max(len(r.cfg.sources), 1)
	ds := make([]*net.Dialer, k)
	for i := range k {
		ds[i] = r.sourceDialer(i)
	}
	return ds
}

// pollAddrs returns the polling address of each -url base.
func (r *runner) pollAddrs() ([]pollEndpoint, error) {
	var out []pollEndpoint
	for _, b := range splitURLs(r.cfg.url) {
		a, err := pollURL(b, r.cfg.path)
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, nil
}

// connectPolling opens n polling connections, at most -c handshakes at a time;
// connection i goes to -url i mod K from -source i mod S. Failed connections are
// nil in the result.
func (r *runner) connectPolling(ctx context.Context, n int, dialers []*net.Dialer, addrs []pollEndpoint) ([]*pollConn, int64) {
	conns := make([]*pollConn, n)
	var (
		wg  sync.WaitGroup
		nf  atomic.Int64
		sem = make(chan struct{}, r.cfg.c)
	)
	for i := range n {
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
			nf.Add(int64(n - i))
			wg.Wait()
			return conns, nf.Load()
		}
		wg.Add(1)
		// Ends after one handshake (bounded by -timeout); connectPolling waits for it.
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			hctx, cancel := context.WithTimeout(ctx, r.cfg.timeout)
			defer cancel()
			c, err := dialPolling(hctx, dialers[i%len(dialers)], addrs[i%len(addrs)])
			if err != nil {
				nf.Add(1)
				r.logf("connect", "connection %d: %v", i, err)
				return
			}
			conns[i] = c
		}()
	}
	wg.Wait()
	return conns, nf.Load()
}

// closePolling closes every connection, in parallel.
func closePolling(conns []*pollConn) {
	var wg sync.WaitGroup
	for _, c := range conns {
		if c != nil {
			wg.Add(1)
			// Ends when c's loops have; closePolling waits for it.
			go func() { defer wg.Done(); c.close() }()
		}
	}
	wg.Wait()
}
