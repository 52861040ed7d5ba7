package wsserver

import (
	"bufio"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// hijackRecorder is a ResponseWriter whose Hijack hands out a connection that records
// each Write call.
type hijackRecorder struct {
	*httptest.ResponseRecorder
	conn *writeRecorder
}

func (h *hijackRecorder) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	return h.conn, bufio.NewReadWriter(bufio.NewReader(strings.NewReader("")), bufio.NewWriter(h.conn)), nil
}

// writeRecorder is a net.Conn that keeps what each Write call wrote.
type writeRecorder struct {
	net.Conn // nil: only Write, SetDeadline and Close are used
	mu       sync.Mutex
	writes   []string
}

func (w *writeRecorder) Write(b []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.writes = append(w.writes, string(b))
	return len(b), nil
}

func (w *writeRecorder) SetDeadline(time.Time) error { return nil }
func (w *writeRecorder) Close() error                { return nil }

func upgradeRequest() *http.Request {
	r := httptest.NewRequest("GET", "/", nil)
	r.Header.Set("Upgrade", "websocket")
	r.Header.Set("Connection", "Upgrade")
	r.Header.Set("Sec-WebSocket-Version", "13")
	r.Header.Set("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ==")
	return r
}

// AcceptWith sends the 101 response, the caller's headers and the first frames in one
// write, and hands first the Conn the frames are for.
func TestAcceptWithWritesResponseAndFirstFramesAtOnce(t *testing.T) {
	wr := &writeRecorder{}
	w := &hijackRecorder{httptest.NewRecorder(), wr}
	w.Header().Set("Set-Cookie", "io=abc")
	var seen *Conn
	c, err := AcceptWith(w, upgradeRequest(), Options{}, func(c *Conn, b []byte) []byte {
		seen = c
		return AppendFrame(b, OpText, []byte(`0{"sid":"x"}`))
	})
	if err != nil {
		t.Fatal(err)
	}
	if seen != c {
		t.Fatalf("first got Conn %p, AcceptWith returned %p", seen, c)
	}
	want := "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
		"Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\nSet-Cookie: io=abc\r\n\r\n" +
		"\x81\x0c" + `0{"sid":"x"}`
	if len(wr.writes) != 1 || wr.writes[0] != want {
		t.Fatalf("writes = %q, want one: %q", wr.writes, want)
	}
}

// Checking a handshake request allocates nothing: the header names are looked up in
// canonical form (Header.Get would canonicalize "Sec-WebSocket-Key" into a new string),
// and the key is decoded into a stack array.
func TestCheckRequestAllocations(t *testing.T) {
	r := upgradeRequest()
	if key, err := CheckRequest(r); err != nil || key != "dGhlIHNhbXBsZSBub25jZQ==" {
		t.Fatalf("CheckRequest = %q, %v", key, err)
	}
	if n := testing.AllocsPerRun(100, func() { _, _ = CheckRequest(r) }); n != 0 {
		t.Fatalf("CheckRequest allocated %v times, want 0", n)
	}
	if n := testing.AllocsPerRun(100, func() { _ = appendAcceptKey(make([]byte, 0, 64), "dGhlIHNhbXBsZSBub25jZQ==") }); n > 0 {
		t.Fatalf("appendAcceptKey allocated %v times, want 0", n)
	}
}

// Keys CheckRequest refuses: not 24 characters of base64 for 16 bytes.
func TestCheckRequestBadKeys(t *testing.T) {
	for _, key := range []string{"", "abcd", "dGhlIHNhbXBsZSBub25jZQ", "dGhlIHNhbXBsZSBub25jZQ=!", "dGhlIHNhbXBsZSBub25jZXg=", "dGhlIHNhbXBsZSBub25jZQ==dGhl"} {
		r := upgradeRequest()
		r.Header.Set("Sec-WebSocket-Key", key)
		if _, err := CheckRequest(r); err == nil {
			t.Errorf("CheckRequest accepted key %q", key)
		}
	}
}
