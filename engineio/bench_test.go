package engineio

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/coder/websocket"
)

func BenchmarkHandshake(b *testing.B) {
	srv, _ := NewServer(nil)
	defer srv.Shutdown(context.Background())
	b.ReportAllocs()
	for b.Loop() {
		rec := httptest.NewRecorder()
		srv.ServeHTTP(rec, httptest.NewRequest("GET", "/engine.io/?EIO=4&transport=polling", nil))
		if rec.Code != 200 {
			b.Fatal(rec.Code)
		}
		srv.lookup(sidOfBody(rec.Body.String())).closeWith(ReasonForcedClose, nil, closeNow)
	}
}

func sidOfBody(body string) string { return body[9:29] }

func BenchmarkWebSocketEcho(b *testing.B) {
	srv, _ := NewServer(nil)
	srv.OnConnection(func(s *Socket) {
		s.OnMessage(func(m Message) { _ = s.Send([]Message{m}, SendOptions{}) })
	})
	ts := httptest.NewServer(srv)
	defer ts.Close()
	defer srv.Shutdown(context.Background())
	ctx := context.Background()
	c, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(ts.URL, "http")+"/engine.io/?EIO=4&transport=websocket", nil)
	if err != nil {
		b.Fatal(err)
	}
	defer c.CloseNow()
	_, _, _ = c.Read(ctx)
	msg := []byte("4" + strings.Repeat("x", 100))
	b.SetBytes(int64(len(msg)))
	b.ReportAllocs()
	for b.Loop() {
		if err := c.Write(ctx, websocket.MessageText, msg); err != nil {
			b.Fatal(err)
		}
		if _, _, err := c.Read(ctx); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkPollingEcho(b *testing.B) {
	srv, _ := NewServer(nil)
	srv.OnConnection(func(s *Socket) {
		s.OnMessage(func(m Message) { _ = s.Send([]Message{m}, SendOptions{}) })
	})
	ts := httptest.NewServer(srv)
	defer ts.Close()
	defer srv.Shutdown(context.Background())
	client := &http.Client{Transport: &http.Transport{}}
	defer client.CloseIdleConnections()
	res, err := client.Get(ts.URL + "/engine.io/?EIO=4&transport=polling")
	if err != nil {
		b.Fatal(err)
	}
	var sb strings.Builder
	buf := make([]byte, 4096)
	n, _ := res.Body.Read(buf)
	res.Body.Close()
	u := ts.URL + "/engine.io/?EIO=4&transport=polling&sid=" + sidOfBody(string(buf[:n]))
	b.ReportAllocs()
	for b.Loop() {
		res, err := client.Post(u, "text/plain", strings.NewReader("4hello"))
		if err != nil {
			b.Fatal(err)
		}
		_, _ = res.Body.Read(buf)
		res.Body.Close()
		res, err = client.Get(u)
		if err != nil {
			b.Fatal(err)
		}
		sb.Reset()
		n, _ := res.Body.Read(buf)
		res.Body.Close()
		if string(buf[:n]) != "4hello" {
			b.Fatalf("%q", buf[:n])
		}
	}
}

// BenchmarkPollingBody measures the assembly of one polling response of 64 queued messages.
func BenchmarkPollingBody(b *testing.B) {
	batch := make([]queued, 64)
	for i := range batch {
		batch[i] = queued{Packet: Packet{Type: PacketMessage, Data: []byte(`2["chat","hello there, how are you?"]`)}}
	}
	batch[10].Binary = true
	for _, tt := range []struct {
		name     string
		protocol uint8
		pt       pollTransport
	}{
		{"v4", ProtocolV4, pollTransport{}},
		{"v3-text", ProtocolV3, pollTransport{b64: true}},
		{"v3-xhr2", ProtocolV3, pollTransport{}},
		{"v3-jsonp", ProtocolV3, pollTransport{jsonp: true}},
	} {
		b.Run(tt.name, func(b *testing.B) {
			s := &Socket{protocol: tt.protocol}
			b.ReportAllocs()
			for b.Loop() {
				bp := bodyPool.Get().(*[]byte)
				body, _ := s.encodePayload((*bp)[:0], &tt.pt, batch)
				b.SetBytes(int64(len(body)))
				*bp = body[:0]
				bodyPool.Put(bp)
			}
		})
	}
}

// BenchmarkWriteBatching measures 16 Sends on one polling socket drained by one GET.
func BenchmarkWriteBatching(b *testing.B) {
	srv, _ := NewServer(&Options{HTTPCompressionThreshold: -1})
	var sock *Socket
	srv.OnConnection(func(s *Socket) { sock = s })
	defer srv.Shutdown(context.Background())
	rec := httptest.NewRecorder()
	srv.ServeHTTP(rec, httptest.NewRequest("GET", "/engine.io/?EIO=4&transport=polling", nil))
	req := httptest.NewRequest("GET", "/engine.io/?EIO=4&transport=polling&sid="+sock.ID(), nil)
	msg := []Message{{Data: []byte(`2["tick",12345]`)}}
	w := &discardWriter{h: http.Header{}}
	b.ReportAllocs()
	for b.Loop() {
		for range 16 {
			if err := sock.Send(msg, SendOptions{}); err != nil {
				b.Fatal(err)
			}
		}
		clear(w.h)
		srv.ServeHTTP(w, req)
	}
}

type discardWriter struct{ h http.Header }

func (w *discardWriter) Header() http.Header         { return w.h }
func (w *discardWriter) Write(p []byte) (int, error) { return len(p), nil }
func (w *discardWriter) WriteHeader(int)             {}
