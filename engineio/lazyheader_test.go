package engineio

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
)

// lazyHeaderWriter holds WriteHeader back until WriteHeaderNow or the end of the handler,
// as gin's ResponseWriter does.
type lazyHeaderWriter struct {
	http.ResponseWriter
	status  int
	written bool
}

func (w *lazyHeaderWriter) WriteHeader(code int) { w.status = code }

func (w *lazyHeaderWriter) WriteHeaderNow() {
	if !w.written && w.status != 0 {
		w.written = true
		w.ResponseWriter.WriteHeader(w.status)
	}
}

func (w *lazyHeaderWriter) Write(b []byte) (int, error) {
	w.WriteHeaderNow()
	return w.ResponseWriter.Write(b)
}

func (w *lazyHeaderWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// A router whose writer delays WriteHeader (gin) must still get the 101 out before the
// connection is hijacked; otherwise the websocket handshake hangs.
func TestWebSocketBehindLazyHeaderWriter(t *testing.T) {
	srv, err := NewServer(nil)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = srv.Shutdown(context.Background()) }()
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		lw := &lazyHeaderWriter{ResponseWriter: w}
		srv.ServeHTTP(lw, r)
		lw.WriteHeaderNow()
	}))
	defer ts.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(ts.URL, "http")+"/engine.io/?EIO=4&transport=websocket", nil)
	if err != nil {
		t.Fatalf("websocket handshake through a lazy-header writer: %v", err)
	}
	defer c.CloseNow()
	_, open, err := c.Read(ctx)
	if err != nil || !strings.HasPrefix(string(open), `0{"sid":`) {
		t.Fatalf("open packet %q, %v", open, err)
	}
}
