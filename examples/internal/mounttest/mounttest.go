// Package mounttest holds the checks shared by the example programs' tests: a server that
// answers the socket.io handshake and acknowledges "echo" with the same string, over both
// transports, reached with our client.
package mounttest

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gosockio/gosockio/client"
	"github.com/gosockio/gosockio/socketio"
)

// Check builds a handler with newHandler, serves it on a test server and checks the mount
// examples' contract: GET /health answers "ok", GET /socket.io/ answers the polling
// handshake, and an "echo" emitted with an acknowledgement comes back unchanged over polling
// and over websocket. newHandler returns the handler and the socket.io server inside it;
// Check closes that server and the test server when t ends.
func Check(t *testing.T, newHandler func() (http.Handler, *socketio.Server, error)) {
	t.Helper()
	handler, sio, err := newHandler()
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(handler)
	t.Cleanup(func() {
		_ = sio.Close(context.Background())
		ts.Close()
	})

	status, body := Get(t, nil, ts.URL+"/health")
	if status != http.StatusOK {
		t.Fatalf("GET /health: %d %s", status, body)
	}
	if body != "ok" {
		t.Errorf("GET /health = %q, want ok", body)
	}
	Handshake(t, nil, ts.URL+"/socket.io/")
	EchoTransports(t, ts.URL, nil, "hello")
}

// Get returns the status and body of the answer to GET url, sent with hc
// (nil: http.DefaultClient).
func Get(t *testing.T, hc *http.Client, url string) (int, string) {
	t.Helper()
	if hc == nil {
		hc = http.DefaultClient
	}
	res, err := hc.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return res.StatusCode, string(body)
}

// Handshake checks that GET path?EIO=4&transport=polling, sent with hc (nil:
// http.DefaultClient), answers 200 with an engine.io open packet. path is the full URL of
// the socket.io path, e.g. "http://127.0.0.1:1234/socket.io/".
func Handshake(t *testing.T, hc *http.Client, path string) {
	t.Helper()
	status, body := Get(t, hc, path+"?EIO=4&transport=polling")
	if status != http.StatusOK || !strings.HasPrefix(body, `0{"sid":`) {
		t.Errorf("handshake at %s = %d %q, want 200 and an open packet 0{\"sid\":...", path, status, body)
	}
}

// EchoTransports runs EchoRoundTrip as the subtests "polling" and "websocket".
func EchoTransports(t *testing.T, url string, opts *client.Options, msg string) {
	t.Helper()
	for _, transport := range []string{"polling", "websocket"} {
		t.Run(transport, func(t *testing.T) { EchoRoundTrip(t, url, transport, opts, msg) })
	}
}

// EchoRoundTrip connects our client to url over transport only, emits "echo" with msg and
// checks that the acknowledgement carries msg back and that the transport did not change.
// opts (nil: the defaults) is copied; ForceNew and Transports are set on the copy.
func EchoRoundTrip(t *testing.T, url, transport string, opts *client.Options, msg string) {
	t.Helper()
	var o client.Options
	if opts != nil {
		o = *opts
	}
	o.ForceNew = true
	o.Transports = []string{transport}
	s, err := client.Connect(url, &o)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Manager().Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	answer, err := s.EmitWithAck(ctx, "echo", msg)
	if err != nil {
		t.Fatal(err)
	}
	var got string
	if err := answer.Scan(&got); err != nil || got != msg {
		t.Errorf("echo answered %q (%v), want %q", got, err, msg)
	}
	if tr := s.Manager().Transport(); tr != transport {
		t.Errorf("transport = %q, want %q", tr, transport)
	}
}
