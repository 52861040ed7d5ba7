package engineio

import (
	"context"
	"net/http"
	"testing"
	"time"
)

// Socket.Request keeps what describes the client, not net/http's per-request state (its
// context, body): an idle connection must not keep that alive.
func TestRequestIsTrimmed(t *testing.T) {
	e := newEnv(t, nil)
	c, _, err := e.dial("EIO=4&transport=websocket&token=abc")
	if err != nil {
		t.Fatal(err)
	}
	defer c.CloseNow()
	var s *Socket
	select {
	case s = <-e.socks:
	case <-time.After(5 * time.Second):
		t.Fatal("no socket after the websocket handshake")
	}
	r := s.Request()
	if r.Context() != context.Background() {
		t.Errorf("Request().Context() = %v, want context.Background() (the handler's context is not kept)", r.Context())
	}
	if r.Body != http.NoBody {
		t.Errorf("Request().Body = %T, want http.NoBody", r.Body)
	}
	if r.Method != http.MethodGet || r.URL.Query().Get("token") != "abc" || r.Header.Get("Sec-WebSocket-Version") != "13" ||
		r.RemoteAddr == "" || r.RemoteAddr != s.RemoteAddr() || r.Host == "" || r.RequestURI == "" || r.TLS != nil || r.ProtoMajor != 1 {
		t.Errorf("Request() lost a field: method %q url %v header %v remote %q host %q uri %q tls %v proto %d",
			r.Method, r.URL, r.Header, r.RemoteAddr, r.Host, r.RequestURI, r.TLS, r.ProtoMajor)
	}
}
