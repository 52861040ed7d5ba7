package enginetest

import (
	"context"
	"encoding/json"
	"net"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/gosockio/gosockio/conformance/internal/nodeenv"
	"github.com/gosockio/gosockio/engineio"
)

// countingListener counts the bytes its connections read and write.
type countingListener struct {
	net.Listener
	in, out *atomic.Int64
}

func (l countingListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return &countingConn{Conn: c, in: l.in, out: l.out}, nil
}

type countingConn struct {
	net.Conn
	in, out *atomic.Int64
}

func (c *countingConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	c.in.Add(int64(n))
	return n, err
}

func (c *countingConn) Write(p []byte) (int, error) {
	n, err := c.Conn.Write(p)
	c.out.Add(int64(n))
	return n, err
}

// TestPerMessageDeflateOfficialClient: with Options.PerMessageDeflate the official
// clients (they offer permessage-deflate through Node's ws, with a 1024-byte threshold)
// negotiate it with our server, which answers server_no_context_takeover and
// client_no_context_takeover; large messages travel compressed both ways (the bytes on
// the wire are a fraction of the messages), small ones uncompressed, and every message
// arrives intact, the second large one too (no context carried over).
func TestPerMessageDeflateOfficialClient(t *testing.T) {
	for _, version := range []int{4, 3} {
		t.Run("EIO="+string(rune('0'+version)), func(t *testing.T) {
			srv, err := engineio.NewServer(&engineio.Options{PerMessageDeflate: &engineio.PerMessageDeflateOptions{}})
			if err != nil {
				t.Fatal(err)
			}
			srv.OnConnection(func(s *engineio.Socket) {
				s.OnMessage(func(m engineio.Message) { _ = s.Send([]engineio.Message{m}, engineio.SendOptions{}) })
			})
			var in, out atomic.Int64
			ts := httptest.NewUnstartedServer(srv)
			ts.Listener = countingListener{Listener: ts.Listener, in: &in, out: &out}
			ts.Start()
			defer ts.Close()
			defer func() { _ = srv.Shutdown(context.Background()) }()

			p := nodeenv.Start(t, "engine-client.js", nil)
			ctx, cancel := context.WithTimeout(t.Context(), waitLimit)
			defer cancel()
			next := func(name string) clientEvent {
				t.Helper()
				for {
					var e clientEvent
					if err := p.ReadJSON(ctx, &e); err != nil {
						t.Fatalf("waiting for client event %q: %v", name, err)
					}
					if e.Event == name {
						return e
					}
					if e.Event == "close" || e.Event == "error" {
						t.Fatalf("waiting for client event %q: %+v", name, e)
					}
				}
			}
			command := func(cmd map[string]any) {
				t.Helper()
				b, _ := json.Marshal(cmd)
				if err := p.WriteLine(ctx, b); err != nil {
					t.Fatal(err)
				}
			}
			next("ready")
			command(map[string]any{"op": "open", "version": version, "url": ts.URL, "transports": []string{"websocket"}})
			next("open")
			first := strings.Repeat("compress me, ", 20000)
			second := strings.Repeat("and again ", 30000)
			for _, msg := range []string{first, "small", second} {
				command(map[string]any{"op": "send", "text": msg})
				if e := next("message"); e.Text != msg {
					t.Fatalf("echo of a %d-byte message: %d bytes back", len(msg), len(e.Text))
				}
			}
			raw := int64(len(first) + len(second))
			if in.Load() > raw/10 || out.Load() > raw/10 {
				t.Fatalf("%d bytes read and %d written for %d bytes of large messages each way: not compressed", in.Load(), out.Load(), raw)
			}
			command(map[string]any{"op": "close"})
			next("close")
		})
	}
}
