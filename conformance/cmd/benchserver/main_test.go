package main

import (
	"bufio"
	"context"
	"io"
	"net/http"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// server is run() in a goroutine, with the addresses it printed.
type server struct {
	base, pprof string
	gc          chan os.Signal
	cancel      context.CancelFunc
	done        chan error
}

var addrLine = regexp.MustCompile(`^(pprof on|.* listening on) http://([0-9.:]+)/`)

func start(t *testing.T, cfg config) *server {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	s := &server{gc: make(chan os.Signal), cancel: cancel, done: make(chan error, 1)}
	// Stopped by s.stop (cancel); stop waits for it.
	go func() { s.done <- run(ctx, cfg, pw, s.gc); pw.Close() }()
	r := bufio.NewReader(pr)
	for s.base == "" {
		line, err := r.ReadString('\n')
		if err != nil {
			cancel()
			t.Fatalf("read the listening line: %v (server: %v)", err, <-s.done)
		}
		m := addrLine.FindStringSubmatch(line)
		if m == nil {
			t.Fatalf("unexpected line %q", line)
		}
		if m[1] == "pprof on" {
			s.pprof = "http://" + m[2]
		} else {
			s.base = "http://" + m[2]
		}
	}
	// Drain the rest of stdout; ends when run returns (pw.Close).
	go func() { _, _ = io.Copy(io.Discard, r) }()
	t.Cleanup(func() { s.stop(t) })
	return s
}

func (s *server) stop(t *testing.T) {
	t.Helper()
	if s.cancel == nil {
		return
	}
	s.cancel()
	s.cancel = nil
	if err := <-s.done; err != nil {
		t.Errorf("run returned %v after SIGTERM, want nil (graceful exit)", err)
	}
}

type wsClient struct {
	t  *testing.T
	ws *websocket.Conn
}

// dial opens a WebSocket-only session as sioload does and checks the open packet.
func dial(t *testing.T, ctx context.Context, base string) *wsClient {
	t.Helper()
	ws, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(base, "http")+"/socket.io/?EIO=4&transport=websocket", nil)
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	c := &wsClient{t, ws}
	t.Cleanup(func() { ws.CloseNow() })
	if open := c.read(ctx); !strings.HasPrefix(open, `0{"sid":`) || !strings.Contains(open, `"pingInterval":25000`) {
		t.Fatalf("open packet = %q, want 0{\"sid\":... with \"pingInterval\":25000", open)
	}
	return c
}

func (c *wsClient) send(ctx context.Context, s string) {
	c.t.Helper()
	if err := c.ws.Write(ctx, websocket.MessageText, []byte(s)); err != nil {
		c.t.Fatalf("write %q: %v", s, err)
	}
}

func (c *wsClient) read(ctx context.Context) string {
	c.t.Helper()
	_, b, err := c.ws.Read(ctx)
	if err != nil {
		c.t.Fatalf("read: %v", err)
	}
	return string(b)
}

// connect joins "/" and checks the CONNECT answer.
func (c *wsClient) connect(ctx context.Context) {
	c.t.Helper()
	c.send(ctx, "40")
	if got := c.read(ctx); !strings.HasPrefix(got, `40{"sid":"`) {
		c.t.Fatalf("CONNECT answer = %q, want 40{\"sid\":\"...", got)
	}
}

func testCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// TestEcho: "echo" with an ack id is acknowledged with the same arguments, byte for byte.
func TestEcho(t *testing.T) {
	ctx := testCtx(t)
	s := start(t, config{addr: "127.0.0.1:0"})
	c := dial(t, ctx, s.base)
	c.connect(ctx)
	c.send(ctx, `420["echo",{"p":"xxxx","n":1.50,"u":"\u00e9"},[1,2]]`)
	if got, want := c.read(ctx), `430[{"p":"xxxx","n":1.50,"u":"\u00e9"},[1,2]]`; got != want {
		t.Fatalf("echo ack = %q, want %q", got, want)
	}
	c.send(ctx, `4217["echo","a"]`)
	if got, want := c.read(ctx), `4317["a"]`; got != want {
		t.Fatalf("echo ack = %q, want %q", got, want)
	}
}

// TestBroadcast: "bcast" reaches every socket of "/", the sender included.
func TestBroadcast(t *testing.T) {
	ctx := testCtx(t)
	s := start(t, config{addr: "127.0.0.1:0"})
	a, b := dial(t, ctx, s.base), dial(t, ctx, s.base)
	a.connect(ctx)
	b.connect(ctx)
	const msg = `42["bcast",{"t":1764000000000000000,"s":7,"p":"xx"}]`
	a.send(ctx, msg)
	for name, c := range map[string]*wsClient{"sender": a, "other": b} {
		if got := c.read(ctx); got != msg {
			t.Errorf("%s got %q, want %q", name, got, msg)
		}
	}
}

// TestGCSignalAndShutdown: a SIGUSR2 value is consumed while serving (the server keeps
// answering), and the end of the context closes the connections and returns nil.
func TestGCSignalAndShutdown(t *testing.T) {
	ctx := testCtx(t)
	s := start(t, config{addr: "127.0.0.1:0"})
	c := dial(t, ctx, s.base)
	c.connect(ctx)
	select {
	case s.gc <- syscallUSR2():
	case <-ctx.Done():
		t.Fatal("run did not take the SIGUSR2 value")
	}
	c.send(ctx, `421["echo",1]`)
	if got := c.read(ctx); got != `431[1]` {
		t.Fatalf("echo after GC = %q, want 431[1]", got)
	}
	// The client keeps reading (as sioload does) so that the close handshake completes.
	closed := make(chan error, 1)
	// Ends when the server closes the connection (or at the test deadline).
	go func() {
		for {
			if _, _, err := c.ws.Read(ctx); err != nil {
				closed <- err
				return
			}
		}
	}()
	s.stop(t)
	if err := <-closed; websocket.CloseStatus(err) == -1 {
		t.Fatalf("client read %v after shutdown, want a close frame from the server", err)
	}
}

// TestEngineMode: -engine answers CONNECT with the engine id as sid and ignores the rest.
func TestEngineMode(t *testing.T) {
	ctx := testCtx(t)
	s := start(t, config{addr: "127.0.0.1:0", engine: true})
	c := dial(t, ctx, s.base)
	c.send(ctx, `420["echo",1]`) // not a CONNECT: no answer
	c.send(ctx, "40")
	if got := c.read(ctx); !regexp.MustCompile(`^40\{"sid":"[^"]+"\}$`).MatchString(got) {
		t.Fatalf("CONNECT answer = %q, want 40{\"sid\":\"...\"}", got)
	}
}

// TestPprof: -pprof serves the net/http/pprof index.
func TestPprof(t *testing.T) {
	ctx := testCtx(t)
	s := start(t, config{addr: "127.0.0.1:0", pprof: "127.0.0.1:0"})
	if s.pprof == "" {
		t.Fatal("no pprof line printed")
	}
	hc := &http.Client{Transport: &http.Transport{}}
	defer hc.CloseIdleConnections()
	req, _ := http.NewRequestWithContext(ctx, "GET", s.pprof+"/debug/pprof/", nil)
	res, err := hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 200 || !strings.Contains(string(body), "goroutine") {
		t.Fatalf("pprof index: %d %.80q", res.StatusCode, body)
	}
}

// TestListenError: a busy -addr is reported, not a panic.
func TestListenError(t *testing.T) {
	s := start(t, config{addr: "127.0.0.1:0"})
	err := run(t.Context(), config{addr: strings.TrimPrefix(s.base, "http://")}, io.Discard, nil)
	if err == nil || !strings.Contains(err.Error(), "-addr") {
		t.Fatalf("run on a busy port = %v, want an error naming -addr", err)
	}
}
