package admin_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http/httptest"
	"slices"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/gosockio/gosockio/admin"
	"github.com/gosockio/gosockio/client"
	"github.com/gosockio/gosockio/socketio"
)

// waitTimeout bounds every wait for something the server must send; it is a deadlock
// guard, not a performance assertion.
const waitTimeout = 15 * time.Second

const (
	testUser     = "admin"
	testPassword = "s3cret"
)

var (
	hashOnce sync.Once
	hash     string
)

// testHash is a bcrypt hash of testPassword (MinCost, to keep the tests quick).
func testHash(t *testing.T) string {
	hashOnce.Do(func() {
		b, err := bcrypt.GenerateFromPassword([]byte(testPassword), bcrypt.MinCost)
		if err != nil {
			panic(err)
		}
		hash = string(b)
	})
	return hash
}

type env struct {
	io  *socketio.Server
	in  *admin.Instrumentation
	url string
}

// newEnv serves a socketio server instrumented with opts (basic auth with testUser and
// testPassword when opts.Auth is nil and NoAuth false). setup runs before Instrument.
func newEnv(t *testing.T, opts admin.Options, setup func(io *socketio.Server)) *env {
	t.Helper()
	io, err := socketio.NewServer(nil)
	if err != nil {
		t.Fatal(err)
	}
	if setup != nil {
		setup(io)
	}
	if opts.Auth == nil && !opts.NoAuth {
		opts.Auth = &admin.BasicAuth{Username: testUser, Password: testHash(t)}
	}
	in, err := admin.Instrument(io, &opts)
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(io)
	t.Cleanup(func() {
		if err := in.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = io.Close(ctx)
		ts.Close()
	})
	return &env{io: io, in: in, url: ts.URL}
}

// connectEvent is recorded when the client connects.
const connectEvent = "$connect"

// event is one event a client received.
type event struct {
	name string
	args client.Args
}

// peer is a Go client socket that records what it receives.
type peer struct {
	s *client.Socket

	mu     sync.Mutex
	events []event
	errs   []error
	signal chan struct{} // closed and replaced on each new record; guarded by mu
}

// dial connects a client to url (namespace included) with auth, on transports (nil:
// polling then websocket).
func dial(t *testing.T, url string, auth any, transports ...string) *peer {
	t.Helper()
	no := false
	// AutoConnect off: the listeners below are in place before the connection can complete.
	s, err := client.Connect(url, &client.Options{ForceNew: true, Reconnection: &no, Auth: auth, Transports: transports, AutoConnect: new(false)})
	if err != nil {
		t.Fatal(err)
	}
	p := &peer{s: s, signal: make(chan struct{})}
	s.OnAny(func(name string, args client.Args) { p.record(event{name, args}, nil) })
	s.OnConnectError(func(err error) { p.record(event{}, err) })
	s.OnConnect(func() { p.record(event{name: connectEvent}, nil) })
	t.Cleanup(func() { _ = s.Manager().Close() })
	s.Connect()
	return p
}

func (p *peer) record(ev event, err error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if err != nil {
		p.errs = append(p.errs, err)
	} else {
		p.events = append(p.events, ev)
	}
	close(p.signal)
	p.signal = make(chan struct{})
}

// waitFor waits until cond, called under the lock with everything received so far,
// returns true.
func (p *peer) waitFor(t *testing.T, what string, cond func(events []event, errs []error) bool) {
	t.Helper()
	deadline := time.NewTimer(waitTimeout)
	defer deadline.Stop()
	for {
		p.mu.Lock()
		ok := cond(p.events, p.errs)
		ch := p.signal
		n := len(p.events)
		p.mu.Unlock()
		if ok {
			return
		}
		select {
		case <-ch:
		case <-deadline.C:
			t.Fatalf("waited %v for %s; got %d events: %s", waitTimeout, what, n, p.dump())
		}
	}
}

// waitEvent waits for an event called name whose arguments match (match may be nil)
// and returns it.
func (p *peer) waitEvent(t *testing.T, name string, match func(a client.Args) bool) client.Args {
	t.Helper()
	var found client.Args
	p.waitFor(t, "event "+name, func(events []event, _ []error) bool {
		for _, ev := range events {
			if ev.name == name && (match == nil || match(ev.args)) {
				found = ev.args
				return true
			}
		}
		return false
	})
	return found
}

// count returns how many events called name were received.
func (p *peer) count(name string) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	n := 0
	for _, ev := range p.events {
		if ev.name == name {
			n++
		}
	}
	return n
}

func (p *peer) dump() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	var out []string
	for _, ev := range p.events {
		b, _ := json.Marshal(ev.args)
		out = append(out, ev.name+string(b))
	}
	for _, err := range p.errs {
		out = append(out, "connect_error: "+err.Error())
	}
	b, _ := json.Marshal(out)
	return string(b)
}

// waitConnected waits for the socket's connection and returns its id.
func (p *peer) waitConnected(t *testing.T) string {
	t.Helper()
	p.waitFor(t, "connect", func(events []event, errs []error) bool {
		if len(errs) > 0 {
			t.Fatalf("connect error: %v", errors.Join(errs...))
		}
		return slices.ContainsFunc(events, func(ev event) bool { return ev.name == connectEvent })
	})
	return p.s.ID()
}

// str decodes argument i as a string.
func str(a client.Args, i int) string {
	var s string
	_ = a.Decode(i, &s)
	return s
}

// adminAuth is the CONNECT auth the UI sends after its login form.
func adminAuth() map[string]any {
	return map[string]any{"username": testUser, "password": testPassword}
}

// newTestServer serves io over HTTP until the test ends and returns its URL.
func newTestServer(t *testing.T, io *socketio.Server) string {
	t.Helper()
	ts := httptest.NewServer(io)
	t.Cleanup(ts.Close)
	return ts.URL
}
