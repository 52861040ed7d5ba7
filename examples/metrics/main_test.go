package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/gosockio/gosockio/client"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// scrape returns the /metrics samples without labels, by name.
func scrape(t *testing.T, url string) map[string]string {
	t.Helper()
	res, err := http.Get(url + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil || res.StatusCode != http.StatusOK {
		t.Fatalf("GET /metrics: %d %v", res.StatusCode, err)
	}
	got := map[string]string{}
	for line := range strings.Lines(string(body)) {
		if strings.HasPrefix(line, "#") {
			continue
		}
		name, value, ok := strings.Cut(strings.TrimSpace(line), " ")
		if ok {
			got[name] = value
		}
	}
	return got
}

func TestMetrics(t *testing.T) {
	io, h, err := newHandler()
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(h)
	defer ts.Close()
	defer func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = io.Close(ctx)
	}()
	defer http.DefaultTransport.(*http.Transport).CloseIdleConnections()

	before := scrape(t, ts.URL)
	for name, want := range map[string]string{
		"engineio_connections_open": "0", "engineio_connections_total": "0",
		"socketio_namespaces": "1", "socketio_sockets_connected": "0", "socketio_events_received_total": "0",
	} {
		if before[name] != want {
			t.Errorf("before: %s = %q, want %s", name, before[name], want)
		}
	}

	s, err := client.Connect(ts.URL, &client.Options{ForceNew: true, Transports: []string{"websocket"}})
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
		t.Fatalf("echo answered %q (%v)", got, err)
	}

	m := scrape(t, ts.URL)
	for name, want := range map[string]string{
		"engineio_connections_open":      "1",
		"engineio_connections_total":     "1",
		"socketio_namespaces":            "1",
		"socketio_sockets_connected":     "1",
		"socketio_connects_total":        "1",
		"socketio_events_received_total": "1",
		"socketio_acks_sent_total":       "1",
		"socketio_events_sent_total":     "0",
		"socketio_acks_received_total":   "0",
	} {
		if m[name] != want {
			t.Errorf("%s = %q, want %s", name, m[name], want)
		}
	}
	// CONNECT and EVENT in; open, CONNECT reply and ACK out (the ACK's write may still be
	// counted after the client read it, so at least 2 here).
	for name, min := range map[string]float64{
		"engineio_messages_received_total": 2, "engineio_packets_received_total": 2,
		"engineio_messages_sent_total": 1, "engineio_packets_sent_total": 2,
		"engineio_received_bytes_total": float64(len(`40`) + len(`420["echo","hello"]`)),
		"engineio_sent_bytes_total":     1,
	} {
		if v := parse(t, m[name]); v < min {
			t.Errorf("%s = %v, want at least %v", name, v, min)
		}
	}
	for _, name := range []string{"engineio_volatile_dropped_total", "engineio_slow_consumer_closes_total"} {
		if m[name] != "0" {
			t.Errorf("%s = %q, want 0", name, m[name])
		}
	}
}

func parse(t *testing.T, s string) float64 {
	t.Helper()
	var v float64
	if _, err := fmt.Sscan(s, &v); err != nil {
		t.Fatalf("metric value %q: %v", s, err)
	}
	return v
}
