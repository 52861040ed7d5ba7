package conformance

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"pgregory.net/rapid"

	"github.com/gosockio/gosockio/conformance/internal/nodeenv"
	"github.com/gosockio/gosockio/engineio"
)

// limitChecks runs fewer rapid examples than rapid's default unless
// -rapid.checks was given on the command line, to keep the package fast; the
// network properties cost milliseconds per example.
func limitChecks(t *testing.T, n int) {
	t.Helper()
	checksOnce.Do(func() {
		flag.Visit(func(f *flag.Flag) { checksExplicit = checksExplicit || f.Name == "rapid.checks" })
	})
	if checksExplicit {
		return
	}
	old := flag.Lookup("rapid.checks").Value.String()
	if err := flag.Set("rapid.checks", strconv.Itoa(n)); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { flag.Set("rapid.checks", old) })
}

var (
	checksOnce     sync.Once
	checksExplicit bool // -rapid.checks was on the command line; set once by checksOnce
)

// echoFault breaks the echo server for TestEnginePropertiesCatchBrokenServers.
type echoFault int

const (
	echoCorrect echoFault = iota
	echoDropsSecond
	echoSwapsFirstTwo
	echoDuplicatesFirst
)

// startEchoEngine serves an engine.io echo server (ours) on a loopback port
// and returns it as a driver whose close reasons come from the engine.
func startEchoEngine(t *testing.T, opts engineio.Options, fault echoFault) EngineServer {
	t.Helper()
	e, err := engineio.NewServer(&opts)
	if err != nil {
		t.Fatal(err)
	}
	closes := NewCloseLog()
	e.OnConnection(func(s *engineio.Socket) {
		var n int
		var held *engineio.Message
		s.OnMessage(func(m engineio.Message) {
			// The faults spare the property's sync markers, which it
			// waits for (a dropped marker would only make it time out).
			marker := bytes.HasPrefix(m.Data, []byte("\x00gosockio-conformance-sync-marker-"))
			if !marker {
				n++
			}
			out := []engineio.Message{{Data: bytes.Clone(m.Data), Binary: m.Binary}}
			switch {
			case marker:
			case fault == echoDropsSecond && n == 2:
				return
			case fault == echoSwapsFirstTwo && n == 1:
				held = &out[0]
				return
			case fault == echoSwapsFirstTwo && n == 2:
				out = append(out, *held)
			case fault == echoDuplicatesFirst && n == 1:
				out = append(out, out[0])
			}
			_ = s.Send(out, engineio.SendOptions{})
		})
		s.OnClose(func(reason string, _ error) { closes.Record(s.ID(), reason) })
	})
	path := opts.Path
	if path == "" {
		path = "/engine.io/"
	}
	mux := http.NewServeMux()
	mux.Handle(path, e)
	srv := httptest.NewServer(mux)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = e.Shutdown(ctx)
		srv.Close()
	})
	return EngineServer{Endpoint: srv.URL + path, Closes: closes}
}

func TestEngineProperties(t *testing.T) {
	t.Run("Handshake", func(t *testing.T) {
		limitChecks(t, 40)
		CheckEngineHandshake(t, startEchoEngine(t, engineio.Options{}, echoCorrect))
	})
	t.Run("Ordering", func(t *testing.T) {
		limitChecks(t, 100)
		CheckEngineOrdering(t, startEchoEngine(t, engineio.Options{}, echoCorrect))
	})
	t.Run("CloseReasons", func(t *testing.T) {
		limitChecks(t, 40)
		// A short heartbeat, so that the "ping timeout" way is drawn too.
		d := startEchoEngine(t, engineio.Options{PingInterval: 100 * time.Millisecond, PingTimeout: 100 * time.Millisecond}, echoCorrect)
		CheckEngineCloseReasons(t, d)
	})
}

// startNodeEchoEngine runs node/engine-server.js (engine.io 6.6, allowEIO3
// off) with args and returns it as a driver whose close reasons come from the
// script's {"event":"close"} lines.
func startNodeEchoEngine(t *testing.T, args ...string) EngineServer {
	t.Helper()
	p := nodeenv.Start(t, "engine-server.js", &nodeenv.Options{Args: args})
	ctx, cancel := context.WithCancel(context.Background())
	var hello struct {
		Port int `json:"port"`
	}
	hctx, hcancel := context.WithTimeout(ctx, 30*time.Second)
	defer hcancel()
	if err := p.ReadJSON(hctx, &hello); err != nil {
		cancel()
		t.Fatalf("engine-server.js did not announce its port: %v\nstderr:\n%s", err, p.Stderr())
	}
	closes := NewCloseLog()
	done := make(chan struct{})
	go func() { // stopped by the cleanup below (cancel)
		defer close(done)
		for {
			line, err := p.ReadLine(ctx)
			if err != nil {
				return
			}
			var ev struct {
				Event, ID, Reason string
			}
			if json.Unmarshal([]byte(line), &ev) == nil && ev.Event == "close" {
				closes.Record(ev.ID, ev.Reason)
			}
		}
	}()
	t.Cleanup(func() {
		cancel()
		<-done
	})
	return EngineServer{Endpoint: fmt.Sprintf("http://127.0.0.1:%d/engine.io/", hello.Port), Closes: closes, WithoutEIO3: true}
}

// TestNodeEngineProperties runs the engine properties against Node's
// engine.io 6.6 (node/engine-server.js): the properties expect what the
// reference implementation does.
func TestNodeEngineProperties(t *testing.T) {
	t.Run("Handshake", func(t *testing.T) {
		limitChecks(t, 40)
		CheckEngineHandshake(t, startNodeEchoEngine(t))
	})
	t.Run("Ordering", func(t *testing.T) {
		limitChecks(t, 100)
		CheckEngineOrdering(t, startNodeEchoEngine(t))
	})
	t.Run("CloseReasons", func(t *testing.T) {
		limitChecks(t, 40)
		CheckEngineCloseReasons(t, startNodeEchoEngine(t, "--ping-interval=100", "--ping-timeout=100"))
	})
}

// wrongReasons reports every close as "forced close".
type wrongReasons struct{ EngineServer }

func (w wrongReasons) CloseReason(ctx context.Context, sid string) (string, error) {
	if _, err := w.EngineServer.CloseReason(ctx, sid); err != nil {
		return "", err
	}
	return "forced close", nil
}

// noMaxPayload removes maxPayload from v4 handshakes, as an EIO=3 server would.
func noMaxPayload(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("transport") == "websocket" {
			h.ServeHTTP(w, r) // a recorder cannot hijack; websocket handshakes stay intact
			return
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, r)
		body := rec.Body.Bytes()
		if r.URL.Query().Get("sid") == "" {
			body = []byte(strings.Replace(string(body), `,"maxPayload":1000000`, "", 1))
		}
		for k, v := range rec.Header() {
			w.Header()[k] = v
		}
		w.Header().Del("Content-Length")
		w.WriteHeader(rec.Code)
		w.Write(body)
	})
}

// brokenHeartbeat pings often, so that a GET waiting for an echo the broken
// server dropped returns soon (with the ping) and the property fails fast.
var brokenHeartbeat = engineio.Options{PingInterval: 100 * time.Millisecond, PingTimeout: 2 * time.Second}

func TestEnginePropertiesCatchBrokenServers(t *testing.T) {
	for _, tc := range []struct {
		name  string
		check func(rapid.TB, EngineDriver)
		d     func(t *testing.T) EngineDriver
		want  string
	}{
		{"Ordering/drops a message", CheckEngineOrdering, func(t *testing.T) EngineDriver {
			return startEchoEngine(t, brokenHeartbeat, echoDropsSecond)
		}, "\ngot  ["},
		{"Ordering/reorders", CheckEngineOrdering, func(t *testing.T) EngineDriver {
			return startEchoEngine(t, brokenHeartbeat, echoSwapsFirstTwo)
		}, "\ngot  ["},
		{"Ordering/duplicates", CheckEngineOrdering, func(t *testing.T) EngineDriver {
			return startEchoEngine(t, brokenHeartbeat, echoDuplicatesFirst)
		}, "\ngot  ["},
		{"CloseReasons/wrong reason", CheckEngineCloseReasons, func(t *testing.T) EngineDriver {
			return wrongReasons{startEchoEngine(t, engineio.Options{}, echoCorrect)}
		}, "closed with reason \"forced close\""},
		{"Handshake/no maxPayload", CheckEngineHandshake, func(t *testing.T) EngineDriver {
			e, err := engineio.NewServer(nil)
			if err != nil {
				t.Fatal(err)
			}
			srv := httptest.NewServer(noMaxPayload(e))
			t.Cleanup(func() {
				ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
				defer cancel()
				_ = e.Shutdown(ctx)
				srv.Close()
			})
			return EngineServer{Endpoint: srv.URL + "/engine.io/"}
		}, "want exactly"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := tc.d(t)
			r := runFailing(t, func(tb rapid.TB) { tc.check(tb, d) })
			if !r.Failed() {
				t.Fatalf("the property passed against a broken server; log:\n%s", r.log())
			}
			if !strings.Contains(r.log(), "[rapid] failed") || !strings.Contains(r.log(), tc.want) {
				t.Fatalf("the property failed, but not through rapid with %q:\n%s", tc.want, r.log())
			}
		})
	}
}
