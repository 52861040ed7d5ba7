package siotest

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/gosockio/gosockio/conformance/internal/nodeenv"
	"github.com/gosockio/gosockio/conformance/internal/siotestserver"
	"github.com/gosockio/gosockio/conformance/internal/suiteharness"
	"github.com/gosockio/gosockio/engineio"
)

// waitLimit bounds every wait for an event. It is not a speed assertion: it is
// generous so that a loaded machine does not fail a test; a healthy run never
// comes near it.
const waitLimit = 15 * time.Second

// tagHeader names a request so the test can wait until the server has it.
const tagHeader = "X-Siotest-Tag"

// target is a server under test and what it reported: our server (one per
// attempt, [newGoTarget]) or Node's socket.io (one per top-level test, shared by
// its subtests, [startNodeTarget]).
type target struct {
	base   string // http://127.0.0.1:PORT/socket.io/
	wsBase string // ws://127.0.0.1:PORT/socket.io/
	client *http.Client
	node   bool // Node's socket.io rather than ours

	mu       sync.Mutex
	sessions map[string]*session      // by engine id
	waiters  map[string]chan struct{} // by request tag; closed when it reaches the server
	nextTag  int
}

// session is what the server reported about one engine connection.
type session struct {
	closed   chan struct{} // closed after reason is set
	reason   string
	upgraded chan struct{}    // Node only: closed when Node reports the upgrade
	conn     *engineio.Socket // ours only; guarded by target.mu
}

func newTarget(host string, node bool) *target {
	return &target{
		base:     "http://" + host + siotestserver.Path,
		wsBase:   "ws://" + host + siotestserver.Path,
		client:   &http.Client{Transport: &http.Transport{}},
		node:     node,
		sessions: map[string]*session{},
		waiters:  map[string]chan struct{}{},
	}
}

func (tg *target) session(sid string) *session {
	tg.mu.Lock()
	defer tg.mu.Unlock()
	s, ok := tg.sessions[sid]
	if !ok {
		s = &session{closed: make(chan struct{}), upgraded: make(chan struct{})}
		tg.sessions[sid] = s
	}
	return s
}

func (tg *target) closeIdle() {
	tg.client.Transport.(*http.Transport).CloseIdleConnections()
}

// newGoTarget starts our test-suite server on 127.0.0.1:0 for one attempt.
func newGoTarget(t tb) *target {
	var tg *target
	srv, err := siotestserver.New(&siotestserver.Options{Hooks: siotestserver.Hooks{
		Open: func(c *engineio.Socket) {
			s := tg.session(c.ID())
			tg.mu.Lock()
			s.conn = c
			tg.mu.Unlock()
		},
		Close: func(sid, reason string) {
			s := tg.session(sid)
			s.reason = reason
			close(s.closed)
		},
	}})
	if err != nil {
		t.Fatalf("siotestserver.New: %v", err)
	}
	ts := httptest.NewUnstartedServer(nil)
	tg = newTarget(ts.Listener.Addr().String(), false)
	ts.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tg.arrived(r.Header.Get(tagHeader))
		srv.ServeHTTP(w, r)
	})
	ts.Start()
	// Cleanups run last-registered first: socket.io closes (answering any pending
	// long-poll), then the HTTP server and the client's connections.
	t.Cleanup(func() {
		ts.Close()
		tg.closeIdle()
	})
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
		defer cancel()
		if err := srv.Close(ctx); err != nil {
			t.Errorf("socket.io Close: %v", err)
		}
	})
	return tg
}

// startNodeTarget starts conformance/node/sio-testserver.js for t and its subtests.
func startNodeTarget(t *testing.T) *target {
	t.Helper()
	p := nodeenv.Start(t, "sio-testserver.js", nil)
	port := suiteharness.NodePort(t, p, "sio-testserver.js", waitLimit)
	tg := newTarget("127.0.0.1:"+strconv.Itoa(port), true)
	suiteharness.ReadNodeReports(t, p, "sio-testserver.js", tg.dispatchNodeReport, tg.closeIdle)
	return tg
}

// dispatchNodeReport records one stdout line of sio-testserver.js.
func (tg *target) dispatchNodeReport(line string) error {
	var r struct {
		Request string  `json:"request"`
		Upgrade string  `json:"upgrade"`
		Close   *string `json:"close"`
		Reason  string  `json:"reason"`
	}
	if err := json.Unmarshal([]byte(line), &r); err != nil {
		return fmt.Errorf("report %q: %v", line, err)
	}
	switch {
	case r.Request != "":
		tg.arrived(r.Request)
	case r.Upgrade != "":
		close(tg.session(r.Upgrade).upgraded)
	case r.Close != nil:
		s := tg.session(*r.Close)
		s.reason = r.Reason
		close(s.closed)
	default:
		return fmt.Errorf("unknown report %q", line)
	}
	return nil
}

// arrived wakes whoever waits for the request tagged tag.
func (tg *target) arrived(tag string) {
	if tag == "" {
		return
	}
	tg.mu.Lock()
	defer tg.mu.Unlock()
	if ch, ok := tg.waiters[tag]; ok {
		close(ch)
		delete(tg.waiters, tag)
	}
}

// harness is what one attempt of a case uses: a target and the attempt.
type harness struct {
	t tb
	*target
}

// arrival returns a new tag and a channel closed when the request carrying that
// tag reaches the server. Call it before sending that request.
func (h *harness) arrival() (string, <-chan struct{}) {
	ch := make(chan struct{})
	h.mu.Lock()
	defer h.mu.Unlock()
	h.nextTag++
	tag := fmt.Sprintf("req-%d", h.nextTag)
	h.waiters[tag] = ch
	return tag, ch
}

// ctx is a context that ends after waitLimit (or with the attempt).
func (h *harness) ctx() context.Context {
	ctx, cancel := context.WithTimeout(h.t.Context(), waitLimit)
	h.t.Cleanup(cancel)
	return ctx
}

// timedOut fails the case for an event that never came. Such a failure is final:
// a stall explains a missed 200 ms deadline, not a silence of waitLimit.
func (h *harness) timedOut(format string, args ...any) {
	h.t.Helper()
	if a, ok := h.t.(*attempt); ok {
		a.MarkFinal()
	}
	h.t.Fatalf(format, args...)
}

// waitClose waits until the server closes the engine connection sid and returns
// its close reason.
func (h *harness) waitClose(sid string) string {
	h.t.Helper()
	s := h.session(sid)
	select {
	case <-s.closed:
		return s.reason
	case <-time.After(waitLimit):
		h.timedOut("the server did not close session %s within %v", sid, waitLimit)
		return ""
	}
}

// waitUpgraded waits until the server has processed the upgrade packet of sid.
// The suite assumes that a request sent after the upgrade packet is handled
// after it, which holds in Node's single event loop but not in a server that
// reads the WebSocket and the HTTP requests on different goroutines.
func (h *harness) waitUpgraded(sid string) {
	h.t.Helper()
	if h.node {
		select {
		case <-h.session(sid).upgraded:
		case <-time.After(waitLimit):
			h.timedOut("Node did not report the upgrade of %s within %v", sid, waitLimit)
		}
		return
	}
	// Our engine has no upgrade event: poll the transport, with a deadline.
	deadline := time.Now().Add(waitLimit)
	s := h.session(sid)
	for {
		h.mu.Lock()
		c := s.conn
		h.mu.Unlock()
		if c != nil && c.Transport() == "websocket" {
			return
		}
		if time.Now().After(deadline) {
			h.timedOut("server connection %s did not switch to websocket within %v", sid, waitLimit)
		}
		time.Sleep(time.Millisecond)
	}
}

// reply is an HTTP response read in full.
type reply = suiteharness.Reply

// do sends one HTTP request to the socket.io path with the given query; tag, when
// not empty, names it for [harness.arrival]. Safe to call from any goroutine.
func (h *harness) do(ctx context.Context, method, query, body, tag string) (reply, error) {
	return suiteharness.Do(ctx, h.client, h.base, tagHeader, method, query, body, tag)
}

func (h *harness) request(method, query, body string) reply {
	h.t.Helper()
	r, err := h.do(h.ctx(), method, query, body, "")
	if err != nil {
		h.t.Fatalf("%s ?%s: %v", method, query, err)
	}
	return r
}

func (h *harness) get(query string) reply { return h.request(http.MethodGet, query, "") }

func (h *harness) post(query, body string) reply { return h.request(http.MethodPost, query, body) }

func wantStatus(t tb, what string, r reply, want int) {
	t.Helper()
	if r.Status != want {
		t.Fatalf("%s: status %d (body %q), want %d", what, r.Status, r.Body, want)
	}
}

func wantBody(t tb, what string, r reply, want string) {
	t.Helper()
	suiteharness.WantBody(t, what, r, want)
}
