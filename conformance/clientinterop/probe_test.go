package clientinterop

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/gosockio/gosockio/client"
)

// waitTimeout bounds every wait of a scenario.
const waitTimeout = 10 * time.Second

// event is one event the server sent.
type event struct {
	name string
	args client.Args
}

// probe records what a socket sees, in channels the scenario reads in order.
type probe struct {
	s           *client.Socket
	connects    chan string // the id at each connect
	disconnects chan string
	connErrs    chan error
	events      chan event
}

// hello is the payload of the server's "hello" event.
type hello struct {
	Nsp   string            `json:"nsp"`
	ID    string            `json:"id"`
	Auth  map[string]any    `json:"auth"`
	Query map[string]string `json:"query"`
}

func attach(s *client.Socket) *probe {
	p := &probe{
		s:           s,
		connects:    make(chan string, 16),
		disconnects: make(chan string, 16),
		connErrs:    make(chan error, 16),
		events:      make(chan event, 64),
	}
	s.OnConnect(func() { p.connects <- s.ID() })
	s.OnDisconnect(func(r string) { p.disconnects <- r })
	s.OnConnectError(func(err error) { p.connErrs <- err })
	s.OnAny(func(name string, args client.Args) { p.events <- event{name, args} })
	return p
}

// env is what a scenario gets: the server, the transports and the protocol to use.
type env struct {
	url        string
	transports []string
	protocol   int
	target     target
}

// options returns client options for the scenario, with short reconnection delays.
func (e env) options() *client.Options {
	return &client.Options{
		ForceNew:             true,
		AutoConnect:          new(false),
		Transports:           e.transports,
		Protocol:             e.protocol,
		ReconnectionDelay:    50 * time.Millisecond,
		ReconnectionDelayMax: 200 * time.Millisecond,
		Timeout:              5 * time.Second,
	}
}

// dial makes a socket on path (a namespace, possibly with a query), attaches a probe and
// connects it; the Manager is closed when the test ends.
func (e env) dial(t *testing.T, path string, opts *client.Options) *probe {
	t.Helper()
	if opts == nil {
		opts = e.options()
	}
	s, err := client.Connect(e.url+path, opts)
	if err != nil {
		t.Fatal(err)
	}
	p := attach(s)
	t.Cleanup(func() {
		_ = s.Manager().Close()
		s.Manager().Wait()
	})
	s.Connect()
	return p
}

func recv[T any](t *testing.T, ch <-chan T, what string) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(waitTimeout):
		t.Fatalf("timed out after %v waiting for %s", waitTimeout, what)
		panic("unreachable")
	}
}

// next returns the next event named name, skipping others.
func (p *probe) next(t *testing.T, name string) client.Args {
	t.Helper()
	deadline := time.After(waitTimeout)
	for {
		select {
		case ev := <-p.events:
			if ev.name == name {
				return ev.args
			}
		case <-deadline:
			t.Fatalf("timed out waiting for event %q", name)
		}
	}
}

func (p *probe) hello(t *testing.T) hello {
	t.Helper()
	var h hello
	if err := p.next(t, "hello").Decode(0, &h); err != nil {
		t.Fatalf("hello: %v", err)
	}
	return h
}

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(t.Context(), waitTimeout)
	t.Cleanup(cancel)
	return ctx
}

func mustJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}
