package socketio_test

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/coder/websocket"

	"github.com/gosockio/gosockio/socketio"
)

func wsDial(t *testing.T, ctx context.Context, url string) *websocket.Conn {
	t.Helper()
	ws, _, err := websocket.Dial(ctx, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ws.CloseNow() })
	return ws
}

func wsRead(t *testing.T, ctx context.Context, ws *websocket.Conn) string {
	t.Helper()
	typ, b, err := ws.Read(ctx)
	if err != nil {
		t.Fatalf("read: %v", err)
	}
	if typ == websocket.MessageBinary {
		return "bin:" + string(b)
	}
	return string(b)
}

func wsWrite(t *testing.T, ctx context.Context, ws *websocket.Conn, s string) {
	t.Helper()
	typ := websocket.MessageText
	if strings.HasPrefix(s, "bin:") {
		typ, s = websocket.MessageBinary, s[4:]
	}
	if err := ws.Write(ctx, typ, []byte(s)); err != nil {
		t.Fatalf("write: %v", err)
	}
}

func TestOverWebSocket(t *testing.T) {
	srv, _ := newServer(t, nil)
	disconnected := make(chan string, 1)
	srv.OnConnection(func(s *socketio.Socket) {
		s.On("echo", func(msg string) { _ = s.Emit("echo", msg) })
		s.On("bin", func(b []byte, ack func(...any)) { ack(len(b), b) })
		s.OnDisconnect(func(reason string) { disconnected <- reason })
	})
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	ws := wsDial(t, ctx, "ws"+ts.URL[4:]+"/socket.io/?EIO=4&transport=websocket")
	if m := wsRead(t, ctx, ws); !strings.HasPrefix(m, `0{"sid":`) {
		t.Fatalf("open = %q", m)
	}
	wsWrite(t, ctx, ws, "40")
	if m := wsRead(t, ctx, ws); !strings.HasPrefix(m, `40{"sid":`) {
		t.Fatalf("connect = %q", m)
	}
	wsWrite(t, ctx, ws, `42["echo","hi"]`)
	if m := wsRead(t, ctx, ws); m != `42["echo","hi"]` {
		t.Fatalf("echo = %q", m)
	}
	wsWrite(t, ctx, ws, `451-3["bin",{"_placeholder":true,"num":0}]`)
	wsWrite(t, ctx, ws, "bin:\x01\x02\x03")
	if m := wsRead(t, ctx, ws); m != `461-3[3,{"_placeholder":true,"num":0}]` {
		t.Fatalf("binary ack = %q", m)
	}
	if m := wsRead(t, ctx, ws); m != "bin:\x01\x02\x03" {
		t.Fatalf("attachment = %q", m)
	}
	ws.Close(websocket.StatusNormalClosure, "")
	select {
	case r := <-disconnected:
		if r != "transport close" {
			t.Errorf("reason = %q, want transport close", r)
		}
	case <-ctx.Done():
		t.Fatal("no disconnect")
	}
}

func TestOverWebSocketV3(t *testing.T) {
	srv, _ := newServer(t, nil)
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	ws := wsDial(t, ctx, "ws"+ts.URL[4:]+"/socket.io/?EIO=3&transport=websocket")
	if m := wsRead(t, ctx, ws); !strings.HasPrefix(m, `0{"sid":`) {
		t.Fatalf("open = %q", m)
	}
	if m := wsRead(t, ctx, ws); m != "40" {
		t.Fatalf("auto connect = %q, want 40", m)
	}
	wsWrite(t, ctx, ws, "40/nope,")
	if m := wsRead(t, ctx, ws); m != `44/nope,"Invalid namespace"` {
		t.Fatalf("got %q", m)
	}
}

func TestOverPolling(t *testing.T) {
	srv, _ := newServer(t, nil)
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)
	base := ts.URL + "/socket.io/?EIO=4&transport=polling"
	get := func(url string) string {
		t.Helper()
		resp, err := http.Get(url)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return string(b)
	}
	open := get(base)
	i := strings.Index(open, `"sid":"`)
	if i < 0 {
		t.Fatalf("open = %q", open)
	}
	sid := open[i+7 : i+7+strings.Index(open[i+7:], `"`)]
	resp, err := http.Post(base+"&sid="+sid, "text/plain", strings.NewReader("40"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if m := get(base + "&sid=" + sid); !strings.HasPrefix(m, `40{"sid":`) {
		t.Fatalf("connect reply = %q", m)
	}
}

func TestServeHTTPOutsidePath(t *testing.T) {
	srv, _ := newServer(t, &socketio.Options{ServeClient: fstest.MapFS{
		"socket.io.js": {Data: []byte("// client")},
	}})
	rec := httptest.NewRecorder()
	srv.ServeHTTP(rec, httptest.NewRequest("GET", "/other", nil))
	if rec.Code != http.StatusNotFound {
		t.Errorf("outside path: %d", rec.Code)
	}
	rec = httptest.NewRecorder()
	srv.ServeHTTP(rec, httptest.NewRequest("GET", "/socket.io/socket.io.js", nil))
	if rec.Code != http.StatusOK || rec.Body.String() != "// client" || !strings.HasPrefix(rec.Header().Get("Content-Type"), "application/javascript") {
		t.Errorf("client file: %d %q %q", rec.Code, rec.Body.String(), rec.Header().Get("Content-Type"))
	}
}

func TestServeAndClose(t *testing.T) {
	srv, err := socketio.NewServer(nil)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	ws := wsDial(t, ctx, "ws://"+ln.Addr().String()+"/socket.io/?EIO=4&transport=websocket")
	wsRead(t, ctx, ws)
	wsWrite(t, ctx, ws, "40")
	wsRead(t, ctx, ws)
	closed := ws.CloseRead(ctx) // answers the server's close frame
	if err := srv.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if err := <-errc; !errors.Is(err, socketio.ErrServerClosed) {
		t.Errorf("Serve = %v, want ErrServerClosed", err)
	}
	if err := srv.Close(ctx); !errors.Is(err, socketio.ErrServerClosed) {
		t.Errorf("second Close = %v", err)
	}
	<-closed.Done()
}

func TestListenAndClose(t *testing.T) {
	srv, err := socketio.NewServer(nil)
	if err != nil {
		t.Fatal(err)
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Listen("127.0.0.1:0") }()
	// Close may win the race with Listen; either way Listen returns ErrServerClosed.
	if err := srv.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := <-errc; !errors.Is(err, socketio.ErrServerClosed) {
		t.Errorf("Listen = %v, want ErrServerClosed", err)
	}
}
