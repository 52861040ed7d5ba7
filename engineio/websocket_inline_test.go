package engineio

import (
	"bufio"
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"net"
	"net/http/httptest"
	"runtime"
	"strings"
	"testing"

	"github.com/gosockio/gosockio/engineio/internal/wsserver"
)

// inlineEnv is a server over real TCP (inline writes need a raw socket) with one raw
// websocket client. onMessage runs as the session's OnMessage.
func inlineEnv(t *testing.T, onMessage func(s *Socket, m Message)) (c net.Conn, r *bufio.Reader) {
	srv, err := NewServer(nil)
	if err != nil {
		t.Fatal(err)
	}
	srv.OnConnection(func(s *Socket) { s.OnMessage(func(m Message) { onMessage(s, m) }) })
	ts := httptest.NewServer(srv)
	t.Cleanup(func() { _ = srv.Shutdown(context.Background()); ts.Close() })
	c = dialRawWebSocket(t, strings.TrimPrefix(ts.URL, "http://"))
	t.Cleanup(func() { _ = c.Close() })
	return c, bufio.NewReader(c)
}

// sendText writes one masked client text frame.
func sendText(t *testing.T, c net.Conn, text string) {
	t.Helper()
	key := [4]byte{1, 2, 3, 4}
	f := []byte{0x81, 0x80 | byte(len(text))}
	f = append(f, key[:]...)
	for i := range len(text) {
		f = append(f, text[i]^key[i%4])
	}
	if _, err := c.Write(f); err != nil {
		t.Fatal(err)
	}
}

// readTextFrame reads one unmasked text frame from the server.
func readTextFrame(t *testing.T, r *bufio.Reader) string {
	t.Helper()
	var h [2]byte
	if _, err := io.ReadFull(r, h[:]); err != nil {
		t.Fatal(err)
	}
	n := uint64(h[1] & 0x7f)
	switch n {
	case 126:
		var e [2]byte
		_, _ = io.ReadFull(r, e[:])
		n = uint64(binary.BigEndian.Uint16(e[:]))
	case 127:
		var e [8]byte
		_, _ = io.ReadFull(r, e[:])
		n = binary.BigEndian.Uint64(e[:])
	}
	p := make([]byte, n)
	if _, err := io.ReadFull(r, p); err != nil {
		t.Fatal(err)
	}
	if h[0] != 0x81 {
		t.Fatalf("frame %#x, want a final text frame", h[0])
	}
	return string(p)
}

// A reply sent from the socket's OnMessage to an idle websocket is written on that
// goroutine: when Send returns, the frame is on the wire and no writer goroutine runs.
func TestReplyWritesInline(t *testing.T) {
	type state struct {
		writing bool
		queued  int
	}
	after := make(chan state, 3)
	c, r := inlineEnv(t, func(s *Socket, m Message) {
		// The writer goroutine that sent the open packet may still be finishing.
		for {
			s.mu.Lock()
			busy := s.writing
			s.mu.Unlock()
			if !busy {
				break
			}
			runtime.Gosched()
		}
		if err := s.Send([]Message{{Data: append([]byte("re:"), m.Data...)}}, SendOptions{}); err != nil {
			t.Error(err)
		}
		s.mu.Lock()
		after <- state{s.writing, len(s.queue)}
		s.mu.Unlock()
	})
	for i := range 3 {
		sendText(t, c, fmt.Sprint("4m", i))
		if st := <-after; st.writing || st.queued != 0 {
			t.Fatalf("after the reply's Send: writer running %v, %d queued; want the frame written inline", st.writing, st.queued)
		}
		if got := readTextFrame(t, r); got != fmt.Sprint("4re:m", i) {
			t.Fatalf("frame %q", got)
		}
	}
}

// A client that does not read while replies pile up: Sends never block, what the socket
// does not take goes to the writer goroutine, and everything arrives in order once the
// client reads.
func TestInlineWriteSlowClientKeepsOrder(t *testing.T) {
	const n = 100
	payload := strings.Repeat("x", 64<<10)
	sent := make(chan struct{})
	c, r := inlineEnv(t, func(s *Socket, m Message) {
		defer close(sent)
		for i := range n {
			if err := s.Send([]Message{{Data: []byte(fmt.Sprintf("%03d%s", i, payload))}}, SendOptions{}); err != nil {
				t.Errorf("Send %d: %v", i, err)
			}
		}
	})
	sendText(t, c, "4go")
	<-sent // all Sends returned while the client read nothing
	for i := range n {
		got := readTextFrame(t, r)
		if want := fmt.Sprintf("4%03d", i); !strings.HasPrefix(got, want) || len(got) != 4+len(payload) {
			t.Fatalf("frame %d starts %q (%d bytes), want %q", i, got[:min(len(got), 4)], len(got), want)
		}
	}
}

// The writer goroutine sends everything queued as consecutive frames in one write.
func TestWriteLoopBatchesInOneWrite(t *testing.T) {
	srv, _ := NewServer(nil)
	defer srv.Shutdown(context.Background())
	cc := &countingConn{Conn: tcpPair(t)}
	s := &Socket{srv: srv, id: "batch", protocol: ProtocolV4, transport: transportWebSocket, ws: wsserver.NewConn(cc, nil, wsserver.Options{})}
	s.mu.Lock()
	for i := range 10 {
		s.queue = append(s.queue, queued{Packet: Packet{Type: PacketMessage, Data: []byte(fmt.Sprint(i))}})
	}
	s.writing = true
	s.mu.Unlock()
	s.writeLoop()
	if got := cc.writes.Load(); got != 1 {
		t.Fatalf("%d writes for 10 queued packets, want 1", got)
	}
}
