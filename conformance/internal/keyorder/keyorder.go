// Package keyorder holds what the cluster interop tests (redisinterop,
// postgresinterop) use to check that objects keep their keys' order from server to
// client: an object whose keys are not sorted at any depth, the same object as a Go
// struct, and a gosockio client that reports each argument as the exact JSON text of
// the packet that carried it.
package keyorder

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/gosockio/gosockio/client"
)

// Arg is the object the tests send: keys deliberately not sorted, at every depth.
const Arg = `{"t":1,"s":2,"p":3,"n":{"z":[1,{"y":true,"b":null}],"a":1.5,"i":-7}}`

// Payload is Arg as a Go value: a struct, whose fields a Go server writes in their
// declared order.
type Payload struct {
	T int `json:"t"`
	S int `json:"s"`
	P int `json:"p"`
	N struct {
		Z []any   `json:"z"`
		A float64 `json:"a"`
		I int     `json:"i"`
	} `json:"n"`
}

// NewPayload returns Arg as a Payload.
func NewPayload() Payload {
	var p Payload
	p.T, p.S, p.P = 1, 2, 3
	p.N.Z = []any{1, json.RawMessage(`{"y":true,"b":null}`)}
	p.N.A, p.N.I = 1.5, -7
	return p
}

// waitLimit bounds each wait for the client, so that a missing event fails the test
// with a message instead of hanging it.
const waitLimit = 20 * time.Second

// Client is gosockio's client; it reports every event with its arguments as the exact
// JSON text of the packet that carried them (client.Args.Raw).
type Client struct {
	t      testing.TB
	events chan []string // [event, raw arg 0, raw arg 1, ...]
}

// Dial connects a Client to url over WebSocket and waits until it is connected; the
// test's cleanup closes it.
func Dial(t testing.TB, url string) *Client {
	t.Helper()
	c := &Client{t: t, events: make(chan []string, 64)}
	manual := false
	s, err := client.Connect(url, &client.Options{ForceNew: true, AutoConnect: &manual, Transports: []string{"websocket"}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Manager().Close() })
	connected := make(chan struct{})
	var once bool
	s.OnConnect(func() {
		if !once {
			once = true
			close(connected)
		}
	})
	s.OnAny(func(event string, args client.Args) {
		ev := []string{event}
		for i := range args.Len() {
			ev = append(ev, string(args.Raw(i)))
		}
		c.events <- ev
	})
	s.Connect()
	select {
	case <-connected:
	case <-time.After(waitLimit):
		t.Fatal("the Go client did not connect")
	}
	return c
}

// Next returns the raw arguments of the next event named event, skipping others.
func (c *Client) Next(event string) []string {
	c.t.Helper()
	for {
		select {
		case ev := <-c.events:
			if ev[0] == event {
				return ev[1:]
			}
		case <-time.After(waitLimit):
			c.t.Fatalf("the Go client received no %q event", event)
			return nil
		}
	}
}

// WantFirst fails the test unless the first of args is exactly want.
func WantFirst(t testing.TB, what string, args []string, want string) {
	t.Helper()
	if len(args) == 0 || args[0] != want {
		t.Errorf("%s: first argument\n got %s\nwant %s", what, strings.Join(args, " "), want)
	}
}
