package main

import (
	"bufio"
	"context"
	"io"
	"net/http"
	"strings"
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// TestRun serves on the port from $PORT, answers an EIO=4 handshake at
// /engine.io/ with the suite's timers, and returns nil once its context ends.
func TestRun(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	getenv := func(k string) string {
		if k == "PORT" {
			return "0"
		}
		return ""
	}
	// Stopped by cancel below; the test waits for it.
	go func() { done <- run(ctx, getenv, pw); pw.Close() }()

	line, err := bufio.NewReader(pr).ReadString('\n')
	if err != nil {
		t.Fatalf("read the listening line: %v", err)
	}
	const prefix = "listening on "
	if !strings.HasPrefix(line, prefix) || !strings.HasPrefix(line, prefix+"http://127.0.0.1:") {
		t.Fatalf("first line = %q, want %q followed by the 127.0.0.1 URL", line, prefix)
	}
	url := strings.TrimSpace(strings.TrimPrefix(line, prefix))
	go io.Copy(io.Discard, pr) // Ends when run closes pw.

	client := &http.Client{Transport: &http.Transport{}}
	defer client.CloseIdleConnections()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url+"?EIO=4&transport=polling", nil)
	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("handshake: %v", err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(string(body), "0{") ||
		!strings.Contains(string(body), `"pingInterval":300`) || !strings.Contains(string(body), `"pingTimeout":200`) {
		t.Fatalf("handshake = %d %q, want 200 and an open packet with pingInterval 300, pingTimeout 200", resp.StatusCode, body)
	}

	cancel()
	if err := <-done; err != nil {
		t.Fatalf("run after cancel: %v", err)
	}
}
