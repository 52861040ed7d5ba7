package main

import (
	"bytes"
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gosockio/gosockio/engineio"
	"github.com/gosockio/gosockio/socketio"
)

// recordingServer serves `echo` (acked with the same arguments) and records the
// remote IP of every HTTP request.
type recordingServer struct {
	url string
	io  *socketio.Server
	mu  sync.Mutex
	ips map[string]int // guarded by mu
}

func startRecordingServer(t *testing.T) *recordingServer {
	t.Helper()
	io, err := socketio.NewServer(&socketio.Options{Options: engineio.Options{Path: "/socket.io/"}})
	if err != nil {
		t.Fatal(err)
	}
	io.OnConnection(func(s *socketio.Socket) {
		s.On("echo", func(args socketio.Args, ack func(...any)) { ack(raw(args)...) })
	})
	rs := &recordingServer{io: io, ips: map[string]int{}}
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if host, _, err := net.SplitHostPort(r.RemoteAddr); err == nil {
			rs.mu.Lock()
			rs.ips[host]++
			rs.mu.Unlock()
		}
		io.ServeHTTP(w, r)
	}))
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = io.Close(ctx)
		hs.Close()
	})
	rs.url = hs.URL
	return rs
}

// sources returns the remote IPs seen so far, sorted.
func (rs *recordingServer) sources() []string {
	rs.mu.Lock()
	defer rs.mu.Unlock()
	var out []string
	for ip := range rs.ips {
		out = append(out, ip)
	}
	slices.Sort(out)
	return out
}

func TestPollingEcho(t *testing.T) {
	rs := startRecordingServer(t)
	code, rep, stderr := runTool(t, "echo", "-transport", "polling", "-url", rs.url, "-n", "8", "-count", "40", "-d", "0",
		"-source", "127.0.0.2,127.0.0.3")
	if code != 0 || !rep.OK {
		t.Fatalf("exit %d, report %+v, stderr %s", code, rep, stderr)
	}
	if rep.Connected != 8 || rep.Sent != 320 || rep.Acks != 320 || rep.Lost+rep.Bad+rep.Dup != 0 || rep.AcksPerS <= 0 || rep.LatP99 < rep.LatP50 || rep.LatP50 <= 0 {
		t.Fatalf("report %+v", rep)
	}
	// Every request came from the -source addresses, none from 127.0.0.1.
	if got := rs.sources(); !slices.Equal(got, []string{"127.0.0.2", "127.0.0.3"}) {
		t.Fatalf("requests came from %v, want 127.0.0.2 and 127.0.0.3", got)
	}
}

func TestPollingEchoWrongAck(t *testing.T) {
	url := startServer(t, faults{echoWrong: true})
	code, rep, stderr := runTool(t, "echo", "-transport", "polling", "-url", url, "-n", "2", "-count", "5", "-d", "0")
	if code != 1 || rep.Acks != 10 || rep.Bad != 10 || !strings.Contains(stderr, "10 malformed packets") {
		t.Fatalf("exit %d, report %+v, stderr %s", code, rep, stderr)
	}
}

func TestPollingEchoLostAck(t *testing.T) {
	url := startServer(t, faults{echoSkip: 10})
	code, rep, stderr := runTool(t, "echo", "-transport", "polling", "-url", url, "-n", "1", "-count", "20", "-d", "0", "-timeout", "200ms")
	if code != 1 || rep.Sent != 20 || rep.Acks != 18 || rep.Lost != 2 || !strings.Contains(stderr, "2 lost messages") {
		t.Fatalf("exit %d, report %+v, stderr %s", code, rep, stderr)
	}
}

func TestPollingRefused(t *testing.T) {
	url := startServer(t, faults{})
	code, rep, stderr := runTool(t, "echo", "-transport", "polling", "-url", url, "-path", "/nope/", "-n", "2", "-count", "1", "-d", "0")
	if code != 1 || rep.Failed != 2 || rep.Connected != 0 || !strings.Contains(stderr, "HTTP 404") {
		t.Fatalf("exit %d, report %+v, stderr %s", code, rep, stderr)
	}
}

// TestPollingSessionEnds checks that a session the server closes fails the calls
// waiting on it (a send error, not a hang until -timeout).
func TestPollingSessionEnds(t *testing.T) {
	rs := startRecordingServer(t)
	addr, err := pollURL(rs.url, "/socket.io/")
	if err != nil {
		t.Fatal(err)
	}
	c, err := dialPolling(t.Context(), &net.Dialer{}, addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.close()
	rs.io.DisconnectSockets(true)
	<-c.getDone // the server's DISCONNECT or close ends the GET loop
	if _, err := c.call(t.Context(), "echo", []byte(`{}`)); err != errClosed {
		t.Fatalf("call after the session ended: %v, want errClosed", err)
	}
}

func TestPollingNodeServer(t *testing.T) {
	url := startNode(t, false)
	code, rep, stderr := runTool(t, "echo", "-transport", "polling", "-url", url, "-n", "4", "-count", "50", "-d", "0")
	if code != 0 || rep.Connected != 4 || rep.Sent != 200 || rep.Acks != 200 || rep.Lost+rep.Bad+rep.Dup != 0 {
		t.Fatalf("exit %d, report %+v, stderr %s", code, rep, stderr)
	}
}

func TestTransportFlags(t *testing.T) {
	for _, args := range [][]string{
		{"echo", "-url", "http://x", "-transport", "carrier-pigeon"},
		{"broadcast", "-url", "http://x", "-transport", "polling"},
		{"echo", "-url", "http://x", "-transport", "polling", "-eio", "3"},
		{"echo", "-url", "http://x", "-source", "127.0.0.2"},
		{"idle", "-url", "http://x", "-source", "not-an-ip"},
		{"idle", "-url", "http://x", "-eio", "3"},
		{"connect", "-url", "http://x", "-ready", "/tmp/x"},
	} {
		var out, errb bytes.Buffer
		if code := run(context.Background(), args, &out, &errb); code != 2 || out.Len() != 0 || errb.Len() == 0 {
			t.Errorf("%q: exit %d, stdout %q, stderr %q", args, code, out.String(), errb.String())
		}
	}
}
