package enginetest

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"time"

	"github.com/gosockio/gosockio/conformance/internal/enginetestserver"
	"github.com/gosockio/gosockio/conformance/internal/nodeenv"
	"github.com/gosockio/gosockio/conformance/internal/suiteharness"
	"github.com/gosockio/gosockio/engineio"
)

// waitLimit bounds every wait for an event. It is not a speed assertion: it
// is generous so that a loaded machine (node starting slowly) does not fail a
// test; a healthy run never comes near it.
const waitLimit = 15 * time.Second

// tagHeader names a request so the test can wait until the server has it.
const tagHeader = "X-Enginetest-Tag"

// target is a server under test with a raw HTTP client and a record of what
// the server saw: our echo server (one per test, [newHarness]) or Node's
// engine.io (one per top-level test, shared by its subtests, [startNodeTarget]).
type target struct {
	base    string // http://127.0.0.1:PORT/engine.io/
	wsBase  string // ws://127.0.0.1:PORT/engine.io/
	host    string // 127.0.0.1:PORT
	client  *http.Client
	events  *events
	srv     *enginetestserver.Server // nil for Node
	node    *nodeenv.Process         // Node only: the reference server
	closing chan string              // Node only: sids whose close() has been called

	mu      sync.Mutex
	waiters map[string]chan struct{} // by tag; closed when the request reaches the server
	nextTag int
}

// harness is what one test case uses: a target and the test.
type harness struct {
	t tb
	*target
}

func newEvents() *events {
	return &events{bySID: map[string]*session{}, conns: make(chan *engineio.Socket, 16)}
}

// newHarness starts our echo server on 127.0.0.1:0 for one test.
func newHarness(t tb) *harness {
	t.Helper()
	ev := newEvents()
	srv, err := enginetestserver.New(&enginetestserver.Options{Hooks: ev.hooks()})
	if err != nil {
		t.Fatalf("enginetestserver.New: %v", err)
	}
	tg := &target{srv: srv, events: ev, waiters: map[string]chan struct{}{}}
	ts := httptest.NewServer(http.HandlerFunc(tg.serve))
	transport := &http.Transport{}
	tg.setAddr(strings.TrimPrefix(ts.URL, "http://"), transport)
	// Cleanups run last-registered first: the engine shuts down (answering any
	// pending long-poll), then the HTTP server and the client's connections close.
	t.Cleanup(func() {
		ts.Close()
		transport.CloseIdleConnections()
	})
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
		defer cancel()
		if err := srv.Shutdown(ctx); err != nil {
			t.Errorf("engine Shutdown: %v", err)
		}
	})
	return &harness{t: t, target: tg}
}

func (tg *target) setAddr(host string, transport *http.Transport) {
	tg.host = host
	tg.client = &http.Client{Transport: transport}
	tg.base = "http://" + host + enginetestserver.Path
	tg.wsBase = "ws://" + host + enginetestserver.Path
}

// serve lets the engine handle r after waking whoever waits for r's tag.
func (tg *target) serve(w http.ResponseWriter, r *http.Request) {
	tg.arrived(r.Header.Get(tagHeader))
	tg.srv.ServeHTTP(w, r)
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

// arrival returns a new tag and a channel closed when the request carrying that
// tag reaches the server's handler. Call it before sending that request.
func (h *harness) arrival() (string, <-chan struct{}) {
	ch := make(chan struct{})
	h.mu.Lock()
	defer h.mu.Unlock()
	h.nextTag++
	tag := fmt.Sprintf("req-%d", h.nextTag)
	h.waiters[tag] = ch
	return tag, ch
}

// reply is an HTTP response read in full.
type reply = suiteharness.Reply

// do sends one HTTP request to the engine path with the given query; tag, when
// not empty, names it for [harness.arrival]. It is safe to call from any
// goroutine.
func (h *harness) do(ctx context.Context, method, query, body, tag string) (reply, error) {
	return suiteharness.Do(ctx, h.client, h.base, tagHeader, method, query, body, tag)
}

// get and post are [harness.do] for the test goroutine: a transport error fails
// the test.
func (h *harness) get(query string) reply {
	h.t.Helper()
	r, err := h.do(h.ctx(), http.MethodGet, query, "", "")
	if err != nil {
		h.t.Fatalf("GET ?%s: %v", query, err)
	}
	return r
}

func (h *harness) post(query, body string) reply {
	h.t.Helper()
	r, err := h.do(h.ctx(), http.MethodPost, query, body, "")
	if err != nil {
		h.t.Fatalf("POST ?%s: %v", query, err)
	}
	return r
}

// ctx is a context that ends after waitLimit (or with the test).
func (h *harness) ctx() context.Context {
	ctx, cancel := context.WithTimeout(h.t.Context(), waitLimit)
	h.t.Cleanup(cancel)
	return ctx
}

// handshake is the JSON of an open packet.
type handshake = suiteharness.Handshake

// parseOpen decodes an open packet ("0{...}") and returns its fields and the set
// of its keys (see [suiteharness.ParseOpen]).
func parseOpen(t tb, packet string) (handshake, []string) {
	t.Helper()
	return suiteharness.ParseOpen(t, packet)
}

// wantStatus checks an HTTP status.
func wantStatus(t tb, what string, r reply, want ...int) {
	t.Helper()
	for _, w := range want {
		if r.Status == w {
			return
		}
	}
	t.Fatalf("%s: status %d (body %q), want %v", what, r.Status, r.Body, want)
}

func wantBody(t tb, what string, r reply, want string) {
	t.Helper()
	suiteharness.WantBody(t, what, r, want)
}
