package main

import (
	"encoding/json"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestIdle(t *testing.T) {
	rs := startRecordingServer(t)
	ready := filepath.Join(t.TempDir(), "ready")
	code, rep, stderr := runTool(t, "idle", "-url", rs.url, "-n", "30", "-c", "10", "-hold", "10ms",
		"-source", "127.0.0.2,127.0.0.3,127.0.0.4", "-ready", ready)
	if code != 0 || !rep.OK || rep.Connected != 30 || rep.Failed != 0 || rep.ConnectRate <= 0 || rep.ConnP99 < rep.ConnP50 {
		t.Fatalf("exit %d, report %+v, stderr %s", code, rep, stderr)
	}
	b, err := os.ReadFile(ready)
	if err != nil {
		t.Fatal(err)
	}
	var got struct{ Connected, Failed int64 }
	if err := json.Unmarshal(b, &got); err != nil || got.Connected != 30 || got.Failed != 0 {
		t.Fatalf("ready file %q: %v", b, err)
	}
	if src := rs.sources(); !slices.Equal(src, []string{"127.0.0.2", "127.0.0.3", "127.0.0.4"}) {
		t.Fatalf("connections came from %v, want 127.0.0.2-4", src)
	}
}

func TestIdleRefused(t *testing.T) {
	url := startServer(t, faults{})
	code, rep, stderr := runTool(t, "idle", "-url", url, "-path", "/nope/", "-n", "3", "-hold", "1ms")
	if code != 1 || rep.Failed != 3 || !strings.Contains(stderr, "3 failed connections") {
		t.Fatalf("exit %d, report %+v, stderr %s", code, rep, stderr)
	}
}

// TestIdleDropped checks that a connection the server ends is marked dropped, and
// one that close ends is not.
func TestIdleDropped(t *testing.T) {
	client := &http.Client{Transport: httpTransport(&net.Dialer{}, 0)}
	addr := func(base string) string {
		a, err := wsURL(base, "/socket.io/", 4)
		if err != nil {
			t.Fatal(err)
		}
		return a
	}
	rs := startRecordingServer(t)
	c, err := dialIdle(t.Context(), client, addr(rs.url))
	if err != nil {
		t.Fatal(err)
	}
	rs.io.DisconnectSockets(true)
	<-c.done
	if !c.dropped.Load() {
		t.Fatal("the server ended the connection, but it is not marked dropped")
	}
	c.close()

	c, err = dialIdle(t.Context(), client, addr(rs.url))
	if err != nil {
		t.Fatal(err)
	}
	c.close()
	if c.dropped.Load() {
		t.Fatal("close ended the connection, but it is marked dropped")
	}
}

func TestIdleNodeServer(t *testing.T) {
	url := startNode(t, false)
	code, rep, stderr := runTool(t, "idle", "-url", url, "-n", "20", "-hold", "1ms")
	if code != 0 || rep.Connected != 20 || rep.Failed != 0 {
		t.Fatalf("exit %d, report %+v, stderr %s", code, rep, stderr)
	}
}
