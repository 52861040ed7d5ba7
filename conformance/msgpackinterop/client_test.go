package msgpackinterop

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/gosockio/gosockio/client"
	"github.com/gosockio/gosockio/conformance/internal/nodeenv"
	"github.com/gosockio/gosockio/parser/msgpack"
)

// TestClientInterop runs our Go client with Options.Parser set to msgpack.New(nil)
// against the official socket.io 4.8.4 server configured with
// socket.io-msgpack-parser 3.0.2 (msgpack-server.js), over polling and websocket:
// binary events both ways, acknowledgements both ways, a second namespace with auth.
func TestClientInterop(t *testing.T) {
	for _, tr := range []string{"polling", "websocket"} {
		t.Run(tr, func(t *testing.T) {
			t.Parallel()
			p := nodeenv.Start(t, "msgpack-server.js", nil)
			ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
			defer cancel()
			var hello struct{ Port int }
			if err := p.ReadJSON(ctx, &hello); err != nil {
				t.Fatalf("msgpack-server.js: %v\n%s", err, p.Stderr())
			}
			base := fmt.Sprintf("http://127.0.0.1:%d", hello.Port)
			off, no := false, false
			opts := &client.Options{Parser: msgpack.New(nil), Transports: []string{tr}, ForceNew: true, AutoConnect: &off, Reconnection: &no}

			root, err := client.Connect(base+"/", opts)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = root.Manager().Close(); root.Manager().Wait() })
			helloCh := make(chan []any, 1)
			askCh := make(chan []any, 1)
			errCh := make(chan error, 4)
			root.On("hello", func(args client.Args) { helloCh <- args.Values() })
			root.On("ask", func(b []byte, ack func(...any)) {
				askCh <- []any{b}
				ack("answer", []byte{8, 9})
			})
			root.OnConnectError(func(err error) { errCh <- err })
			root.Connect()

			recv := func(name string, ch <-chan []any) []any {
				select {
				case v := <-ch:
					return v
				case err := <-errCh:
					t.Fatalf("connect_error: %v", err)
				case <-ctx.Done():
					t.Fatalf("no %s: %v\nserver stderr: %s", name, ctx.Err(), p.Stderr())
				}
				return nil
			}
			if diff := cmp.Diff([]any{"hi", []byte{1, 2, 3}, map[string]any{"nested": []byte{4}}}, recv("hello", helloCh)); diff != "" {
				t.Errorf("hello (-want +got):\n%s", diff)
			}
			echo := []any{"text", []byte{5, 6}, map[string]any{"n": 1.5, "list": []any{1.0, "a", nil}, "bin": []byte{7}}}
			reply, err := root.EmitWithAck(ctx, "echo", echo...)
			if err != nil {
				t.Fatalf("echo: %v", err)
			}
			if diff := cmp.Diff(echo, reply.Values()); diff != "" {
				t.Errorf("echo ack (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff([]any{[]byte{10}}, recv("ask", askCh)); diff != "" {
				t.Errorf("ask (-want +got):\n%s", diff)
			}

			admin, err := client.Connect(base+"/admin", &client.Options{Parser: msgpack.New(nil), Transports: []string{tr}, ForceNew: true, Reconnection: &no, Auth: map[string]any{"token": "t0k"}})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = admin.Manager().Close(); admin.Manager().Wait() })
			if _, err := admin.EmitWithAck(ctx, "echo", "x"); err != nil {
				t.Fatalf("echo on /admin: %v", err)
			}

			// What the Node server saw from our client.
			want := map[string]any{
				"connection /":      map[string]any{"event": "connection", "nsp": "/", "auth": map[string]any{}},
				"echo":              map[string]any{"event": "echo", "args": []any{"text", bin(5, 6), map[string]any{"n": 1.5, "list": []any{1.0, "a", nil}, "bin": bin(7)}}},
				"answer":            map[string]any{"event": "answer", "args": []any{"answer", bin(8, 9)}},
				"connection /admin": map[string]any{"event": "connection", "nsp": "/admin", "auth": map[string]any{"token": "t0k"}},
			}
			got := map[string]any{}
			for len(got) < len(want)+1 { // + the echo on /admin
				var line map[string]any
				if err := p.ReadJSON(ctx, &line); err != nil {
					t.Fatalf("msgpack-server.js: %v (so far %v)\n%s", err, got, p.Stderr())
				}
				key := line["event"].(string)
				if key == "connection" {
					key += " " + line["nsp"].(string)
				}
				if key == "echo" && len(line["args"].([]any)) == 1 {
					key = "echo /admin"
				}
				got[key] = line
			}
			delete(got, "echo /admin")
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("the Node server saw (-want +got):\n%s", diff)
			}
		})
	}
}
