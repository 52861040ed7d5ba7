package clientinterop

import (
	"context"
	"fmt"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/gosockio/gosockio/conformance/internal/nodeenv"
	"github.com/gosockio/gosockio/socketio"
)

// target is one server implementation the client is tested against.
type target struct {
	name     string
	protocol int // the client's Options.Protocol
	// start starts a server (with connection state recovery when recovery is set) for
	// the test and returns its base URL.
	start func(t *testing.T, recovery bool) string
	// onlyV4: the server speaks only protocol 4 (a protocol 5 client must be refused);
	// our server serves both revisions on one endpoint.
	onlyV4 bool
}

var targets = []target{
	{name: "node socket.io 4.8.4", protocol: 5, start: startNode(false)},
	{name: "node socket.io 2.5.1", protocol: 4, start: startNode(true), onlyV4: true},
	{name: "go socketio", protocol: 5, start: startGo},
	{name: "go socketio EIO3", protocol: 4, start: startGo},
}

func startNode(v2 bool) func(t *testing.T, recovery bool) string {
	return func(t *testing.T, recovery bool) string {
		var args []string
		if v2 {
			args = append(args, "--v2")
		}
		if recovery {
			args = append(args, "--recovery")
		}
		p := nodeenv.Start(t, "sio-server.js", &nodeenv.Options{Args: args})
		ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
		defer cancel()
		var hello struct{ Port int }
		if err := p.ReadJSON(ctx, &hello); err != nil {
			t.Fatalf("sio-server.js did not start: %v\n%s", err, p.Stderr())
		}
		return fmt.Sprintf("http://127.0.0.1:%d", hello.Port)
	}
}

// startGo serves our socketio server with the handlers of sio-server.js.
func startGo(t *testing.T, recovery bool) string {
	opts := &socketio.Options{}
	opts.PingInterval = time.Second
	opts.PingTimeout = 2 * time.Second
	if recovery {
		opts.ConnectionStateRecovery = &socketio.RecoveryOptions{MaxDisconnectionDuration: time.Minute}
	}
	io, err := socketio.NewServer(opts)
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	recorded := map[string][]int{}
	setup := func(nsp *socketio.Namespace) {
		nsp.OnConnection(func(s *socketio.Socket) {
			h := s.Handshake()
			var auth any = h.Auth
			if h.Auth == nil {
				auth = nil
			}
			query := map[string]string{}
			for k := range h.Query {
				query[k] = h.Query.Get(k)
			}
			_ = s.Emit("hello", map[string]any{"nsp": nsp.Name(), "id": s.ID(), "auth": auth, "query": query})
			s.On("echo", func(a socketio.Args, ack func(...any)) { ack(a.Values()...) })
			ask := func(event string, d time.Duration) func(ack func(string)) {
				return func(ack func(string)) {
					_ = s.Timeout(d).Emit(event, "q?", func(err error, answer string) {
						if err != nil {
							ack("error: " + err.Error())
							return
						}
						ack(answer)
					})
				}
			}
			s.On("ask", ask("question", 2*time.Second))
			s.On("ask-ignored", ask("ignored", 200*time.Millisecond))
			s.On("join", func(room string, ack func()) { s.Join(room); ack() })
			s.On("to-room", func(room, msg string) { _ = nsp.To(room).Emit("room-msg", room, msg) })
			s.On("disconnect-me", func() { s.Disconnect(false) })
			s.On("drop", func() { _ = s.Conn().Close() })
			s.On("drop-then-emit", func(room string, n int) {
				_ = s.Conn().Close()
				time.AfterFunc(50*time.Millisecond, func() {
					for i := range n {
						_ = nsp.To(room).Emit("missed", i)
					}
				})
			})
			s.On("buffered", func(key string, i int) {
				mu.Lock()
				recorded[key] = append(recorded[key], i)
				mu.Unlock()
			})
			s.On("get-buffered", func(key string, ack func([]int)) {
				mu.Lock()
				got := append([]int{}, recorded[key]...)
				mu.Unlock()
				ack(got)
			})
		})
	}
	setup(io.Namespace)
	setup(io.Of("/admin"))
	authNsp := io.Of("/auth")
	authNsp.Use(func(s *socketio.Socket) error {
		if tok, _ := s.Handshake().Auth["token"].(string); tok == "good" {
			return nil
		}
		if s.Handshake().Query.Get("token") == "good" { // protocol v4 clients have no auth
			return nil
		}
		return &socketio.ConnectError{Message: "not authorized", Data: map[string]any{"code": 42}}
	})
	setup(authNsp)
	ts := httptest.NewServer(io)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = io.Close(ctx)
		ts.Close()
	})
	return ts.URL
}
