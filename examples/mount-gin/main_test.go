package main

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/gosockio/gosockio/client"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	gin.SetMode(gin.ReleaseMode) // no route listing in the test output
	goleak.VerifyTestMain(m)
}

func TestMount(t *testing.T) {
	handler, sio, err := newHandler()
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(handler)
	t.Cleanup(func() {
		_ = sio.Close(context.Background())
		ts.Close()
	})

	if got := get(t, ts.URL+"/health"); got != "ok" {
		t.Errorf("GET /health = %q, want ok", got)
	}
	if got := get(t, ts.URL+"/socket.io/?EIO=4&transport=polling"); !strings.HasPrefix(got, `0{"sid":`) {
		t.Errorf("handshake = %q, want an open packet 0{\"sid\":...", got)
	}
	for _, transport := range []string{"polling", "websocket"} {
		t.Run(transport, func(t *testing.T) { echoRoundTrip(t, ts.URL, transport) })
	}
}

// get returns the body of a 200 answer to GET url.
func get(t *testing.T, url string) string {
	t.Helper()
	res, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	if res.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %s %s", url, res.Status, body)
	}
	return string(body)
}

// echoRoundTrip connects our client over transport and checks the "echo" acknowledgement.
func echoRoundTrip(t *testing.T, url, transport string) {
	t.Helper()
	s, err := client.Connect(url, &client.Options{ForceNew: true, Transports: []string{transport}})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Manager().Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	answer, err := s.EmitWithAck(ctx, "echo", "hello")
	if err != nil {
		t.Fatal(err)
	}
	var got string
	if err := answer.Scan(&got); err != nil || got != "hello" {
		t.Errorf("echo answered %q (%v), want hello", got, err)
	}
	if tr := s.Manager().Transport(); tr != transport {
		t.Errorf("transport = %q, want %q", tr, transport)
	}
}
