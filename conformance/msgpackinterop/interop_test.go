package msgpackinterop

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/gosockio/gosockio/conformance/internal/nodeenv"
	"github.com/gosockio/gosockio/parser/msgpack"
	"github.com/gosockio/gosockio/socketio"
)

// bin is a binary value as msgpack-client.js reports it.
func bin(b ...byte) map[string]any {
	return map[string]any{"$bin": base64.StdEncoding.EncodeToString(b)}
}

// serverSeen is what the Go server observed, reported by its handlers.
type serverSeen struct {
	echo   []any // the "echo" arguments, decoded with Args.Values
	answer []any // the client's answer to "ask"
	auth   map[string]any
}

// TestInterop runs msgpack-client.js (socket.io-client 4.8.4 with
// socket.io-msgpack-parser 3.0.2) against our server with Options.Parser set to
// msgpack.New(nil), over polling, websocket, and polling upgraded to websocket:
// events with binary both ways, acknowledgements both ways, namespaces with auth,
// and a middleware's CONNECT_ERROR with data.
func TestInterop(t *testing.T) {
	modes := []struct{ name, transports, final string }{
		{"polling", "polling", "polling"},
		{"websocket", "websocket", "websocket"},
		{"polling upgraded to websocket", "polling,websocket", "websocket"},
	}
	for _, m := range modes {
		t.Run(m.name, func(t *testing.T) {
			t.Parallel()
			runScenario(t, m.transports, m.final)
		})
	}
}

func runScenario(t *testing.T, transports, final string) {
	srv, err := socketio.NewServer(&socketio.Options{Parser: msgpack.New(nil)})
	if err != nil {
		t.Fatal(err)
	}
	seenEcho := make(chan []any, 1)
	seenAnswer := make(chan []any, 1)
	seenAuth := make(chan map[string]any, 1)
	srv.OnConnection(func(s *socketio.Socket) {
		if err := s.Emit("welcome", "hi", []byte{1, 2, 3}, map[string]any{"nested": []byte{4}, "n": 42}); err != nil {
			t.Errorf("emit welcome: %v", err)
		}
		s.On("echo", func(args socketio.Args, ack func(...any)) {
			vals := args.Values()
			seenEcho <- vals
			ack(vals...)
			err := s.Emit("ask", []byte{10}, func(answer socketio.Args) { seenAnswer <- answer.Values() })
			if err != nil {
				t.Errorf("emit ask: %v", err)
			}
		})
	})
	srv.Of("/admin").OnConnection(func(s *socketio.Socket) {
		seenAuth <- s.Handshake().Auth
		if err := s.Emit("adminHello", s.Handshake().Auth["token"], []byte{0xff}); err != nil {
			t.Errorf("emit adminHello: %v", err)
		}
	})
	srv.Of("/private").Use(func(s *socketio.Socket) error {
		return &socketio.ConnectError{Message: "not allowed", Data: map[string]any{"code": 403}}
	})
	ts := httptest.NewServer(srv)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := srv.Close(ctx); err != nil && !errors.Is(err, socketio.ErrServerClosed) {
			t.Errorf("server Close: %v", err)
		}
		ts.Close()
	})

	p := nodeenv.Start(t, "msgpack-client.js", &nodeenv.Options{Args: []string{ts.URL, transports}})
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	var got []map[string]any
	for {
		var line map[string]any
		if err := p.ReadJSON(ctx, &line); err != nil {
			t.Fatalf("reading msgpack-client.js: %v (so far %v)\nstderr: %s", err, got, p.Stderr())
		}
		if line["event"] == "fail" {
			t.Fatalf("msgpack-client.js failed: %v\nstderr: %s", line["message"], p.Stderr())
		}
		if line["event"] == "upgrade" {
			continue // checked through "done"'s transport
		}
		got = append(got, line)
		if line["event"] == "done" {
			break
		}
	}
	echoArgs := []any{"text", bin(5, 6), map[string]any{"n": 1.5, "list": []any{1.0, "a", nil}, "bin": bin(7)}}
	want := []map[string]any{
		{"event": "connect", "nsp": "/"},
		{"event": "event", "nsp": "/", "name": "welcome", "args": []any{"hi", bin(1, 2, 3), map[string]any{"nested": bin(4), "n": 42.0}}},
		{"event": "ackReply", "nsp": "/", "args": echoArgs},
		{"event": "event", "nsp": "/", "name": "ask", "args": []any{bin(10)}},
		{"event": "event", "nsp": "/admin", "name": "adminHello", "args": []any{"t0k", bin(0xff)}},
		{"event": "connect_error", "nsp": "/private", "message": "not allowed", "data": map[string]any{"code": 403.0}},
		{"event": "done", "transport": final},
	}
	// "ask" may come before or after the ack reply: the client reports the reply
	// once its promise settles.
	byJSON := cmpopts.SortSlices(func(a, b map[string]any) bool {
		x, _ := json.Marshal(a)
		y, _ := json.Marshal(b)
		return string(x) < string(y)
	})
	if diff := cmp.Diff(want, got, byJSON); diff != "" {
		t.Errorf("the client saw (-want +got):\n%s", diff)
	}

	// What the server decoded from the client's msgpack frames.
	wait := func(name string, ch <-chan []any) []any {
		select {
		case v := <-ch:
			return v
		case <-ctx.Done():
			t.Fatalf("server never saw %s", name)
			return nil
		}
	}
	gotEcho := wait("echo", seenEcho)
	wantEcho := []any{"text", []byte{5, 6}, map[string]any{"n": 1.5, "list": []any{1.0, "a", nil}, "bin": []byte{7}}}
	if diff := cmp.Diff(wantEcho, gotEcho); diff != "" {
		t.Errorf("server decoded echo (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]any{"answer", []byte{8, 9}}, wait("answer", seenAnswer)); diff != "" {
		t.Errorf("server decoded the answer to ask (-want +got):\n%s", diff)
	}
	select {
	case auth := <-seenAuth:
		if diff := cmp.Diff(map[string]any{"token": "t0k"}, auth); diff != "" {
			t.Errorf("auth (-want +got):\n%s", diff)
		}
	case <-ctx.Done():
		t.Fatal("no /admin connection")
	}
}
