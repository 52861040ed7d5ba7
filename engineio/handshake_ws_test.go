package engineio

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gosockio/gosockio/engineio/internal/wsserver"
)

// dialOpen opens a websocket session with a raw TCP client and returns the open packet's
// payload (the frame after the 101 response) and the connection, positioned after it
// (bytes after the open packet that arrived with it fail the test). Reads give up after
// a while, so that a server that never sends fails the test.
func dialOpen(t testing.TB, addr string) (net.Conn, string) {
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	_ = c.SetReadDeadline(time.Now().Add(10 * time.Second))
	_, _ = c.Write([]byte("GET /engine.io/?EIO=4&transport=websocket HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
		"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"))
	r := bufio.NewReaderSize(c, 512)
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			c.Close()
			t.Fatal(err)
		}
		if line == "\r\n" {
			break
		}
	}
	var hdr [2]byte
	if _, err := io.ReadFull(r, hdr[:]); err != nil {
		c.Close()
		t.Fatal(err)
	}
	p := make([]byte, hdr[1]&0x7f)
	if _, err := io.ReadFull(r, p); err != nil {
		c.Close()
		t.Fatal(err)
	}
	if r.Buffered() > 0 {
		c.Close()
		t.Fatal("bytes after the open packet")
	}
	_ = c.SetReadDeadline(time.Time{})
	return c, string(p)
}

// A websocket session's open packet goes out with the 101 response, before OnConnection
// runs, as in Node (the socket sends it before the server emits "connection"); what
// OnConnection sends follows it.
func TestWebSocketOpenPacketBeforeOnConnection(t *testing.T) {
	srv, _ := NewServer(nil)
	opened := make(chan struct{})
	srv.OnConnection(func(s *Socket) {
		<-opened // the client has the open packet while this runs
		_ = s.Send([]Message{{Data: []byte("hello")}}, SendOptions{})
	})
	ts := httptest.NewServer(srv)
	defer ts.Close()
	defer srv.Shutdown(context.Background())
	release := sync.OnceFunc(func() { close(opened) })
	defer release() // dialOpen failed: let OnConnection return before Shutdown waits for it
	c, open := dialOpen(t, strings.TrimPrefix(ts.URL, "http://"))
	defer c.Close()
	release()
	if !strings.HasPrefix(open, `0{"sid":"`) || !strings.HasSuffix(open, `","upgrades":[],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000}`) {
		t.Fatalf("open packet %q", open)
	}
	_ = c.SetReadDeadline(time.Now().Add(10 * time.Second))
	var b [8]byte
	if _, err := io.ReadFull(c, b[:]); err != nil || string(b[:]) != "\x81\x064hello" {
		t.Fatalf("frame after the open packet %q %v, want the message OnConnection sent", b, err)
	}
}

// The first message of a websocket session is read on the goroutine that served the
// handshake (its stack has grown already), not on a new one; then the reader moves to a
// goroutine of its own and the handler returns.
func TestWebSocketFirstReaderOnHandlerGoroutine(t *testing.T) {
	// No parking during the test: the handler's return below comes from the handoff.
	defer wsserver.SetParkAfter(time.Hour)()
	srv, _ := NewServer(nil)
	stacks := make(chan string, 2)
	srv.OnConnection(func(s *Socket) {
		s.OnMessage(func(Message) {
			buf := make([]byte, 64<<10)
			stacks <- string(buf[:runtime.Stack(buf, false)])
		})
	})
	returned := make(chan struct{}, 1)
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		srv.ServeHTTP(w, r)
		returned <- struct{}{}
	}))
	defer ts.Close()
	defer srv.Shutdown(context.Background())
	c, _ := dialOpen(t, strings.TrimPrefix(ts.URL, "http://"))
	defer c.Close()
	_, _ = c.Write([]byte{0x81, 0x82, 0, 0, 0, 0, '4', '0'}) // masked text frame "40", key 0
	if st := <-stacks; !strings.Contains(st, "net/http.(*conn).serve") {
		t.Fatalf("the first message was read on a reader of its own:\n%s", st)
	}
	// Then the handler returns (net/http frees its state) while the websocket stays open.
	select {
	case <-returned:
	case <-time.After(10 * time.Second):
		t.Fatal("ServeHTTP did not return after the first message")
	}
	_, _ = c.Write([]byte{0x81, 0x82, 0, 0, 0, 0, '4', '1'})
	if st := <-stacks; strings.Contains(st, "net/http.(*conn).serve") {
		t.Fatalf("the second message was read on the handler's goroutine:\n%s", st)
	}
}

// A websocket session (handshake, open packet, close) allocates a bounded number of
// times, raw TCP client included.
func TestWebSocketSessionAllocations(t *testing.T) {
	srv, _ := NewServer(nil)
	closed := make(chan struct{}, 1)
	srv.OnConnection(func(s *Socket) {
		s.OnClose(func(string, error) { closed <- struct{}{} })
	})
	ts := httptest.NewServer(srv)
	defer ts.Close()
	defer srv.Shutdown(context.Background())
	addr := strings.TrimPrefix(ts.URL, "http://")
	session := func() {
		c, _ := dialOpen(t, addr)
		c.Close()
		<-closed
	}
	session() // warm up: pools, the poller
	n := testing.AllocsPerRun(50, session)
	t.Logf("%.1f allocations per session", n)
	// 90 when written (93 with -race, where sync.Pool drops some of what is put back);
	// 111 (118) before the 101 response and the open packet shared a write and the
	// handshake stopped canonicalizing header names, hashing the key and marshaling the
	// sid through allocating APIs, and parsing the query twice.
	if n > 100 {
		t.Fatalf("a session allocated %.1f times, want at most 100", n)
	}
}

// The open packet's sid is written as encoding/json writes it, with or without the fast
// path for plain ids.
func TestAppendJSONString(t *testing.T) {
	for _, id := range []string{"lv_VI97HAXpY6yYWAAAC", "custom-id", "", "a\"b", "a\\b", "<&>", "tab\there", "\u00e9t\u00e9", "\x7f"} {
		want, _ := json.Marshal(id)
		if got, err := appendJSONString(nil, id); err != nil || string(got) != string(want) {
			t.Errorf("appendJSONString(%q) = %s, %v; want %s", id, got, err, want)
		}
	}
}

// BenchmarkWebSocketSession measures a websocket session from handshake to close over
// loopback TCP (raw client included): accept, the 101 response and open packet, one
// message in, the close.
func BenchmarkWebSocketSession(b *testing.B) {
	srv, _ := NewServer(nil)
	closed := make(chan struct{}, 1)
	srv.OnConnection(func(s *Socket) {
		s.OnMessage(func(m Message) { _ = s.Send([]Message{m}, SendOptions{}) })
		s.OnClose(func(string, error) { closed <- struct{}{} })
	})
	ts := httptest.NewServer(srv)
	defer ts.Close()
	defer srv.Shutdown(context.Background())
	addr := strings.TrimPrefix(ts.URL, "http://")
	b.ReportAllocs()
	for b.Loop() {
		c, _ := dialOpen(b, addr)
		_, _ = c.Write([]byte{0x81, 0x82, 0, 0, 0, 0, '4', '0'}) // "40", as a socket.io CONNECT
		var reply [4]byte
		if _, err := io.ReadFull(c, reply[:]); err != nil {
			b.Fatal(err)
		}
		c.Close()
		<-closed
	}
}
