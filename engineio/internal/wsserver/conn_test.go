package wsserver

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// clientFrame returns one masked client frame (RFC 6455 section 5.3).
func clientFrame(fin bool, rsv, op byte, payload []byte) []byte {
	b0 := rsv<<4 | op
	if fin {
		b0 |= 0x80
	}
	h := AppendHeader(nil, 0, len(payload))
	h[0] = b0
	h[1] |= 0x80
	key := [4]byte{0x37, 0xfa, 0x21, 0x3d}
	h = append(h, key[:]...)
	p := bytes.Clone(payload)
	mask(p, key, 0)
	return append(h, p...)
}

// readServerFrame reads one unmasked server frame.
func readServerFrame(t *testing.T, r *bufio.Reader) (fin bool, op byte, payload []byte) {
	t.Helper()
	var h [2]byte
	if _, err := io.ReadFull(r, h[:]); err != nil {
		t.Fatalf("read frame header: %v", err)
	}
	if h[1]&0x80 != 0 {
		t.Fatal("server frame is masked")
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
	payload = make([]byte, n)
	if _, err := io.ReadFull(r, payload); err != nil {
		t.Fatalf("read frame payload: %v", err)
	}
	return h[0]&0x80 != 0, h[0] & 0x0f, payload
}

// pair is a server Conn and the raw client end of its connection.
type pair struct {
	srv    *Conn
	client net.Conn
	r      *bufio.Reader
}

// transports runs f over a TCP connection (raw socket reads) and over net.Pipe (the
// per-connection buffer fallback).
func transports(t *testing.T, opts Options, f func(t *testing.T, p pair)) {
	t.Run("tcp", func(t *testing.T) {
		c, client := tcpConn(t, opts)
		defer c.CloseNow()
		if !c.CanTryWrite() {
			t.Fatal("TCP connection without raw access")
		}
		f(t, pair{c, client, bufio.NewReader(client)})
	})
	t.Run("pipe", func(t *testing.T) {
		client, sc := net.Pipe()
		defer client.Close()
		c := newConn(sc, nil, opts)
		defer c.CloseNow()
		f(t, pair{c, client, bufio.NewReader(client)})
	})
}

// tcpConn returns a server Conn over a TCP connection and the client end (closed at the
// end of the test).
func tcpConn(t *testing.T, opts Options) (*Conn, net.Conn) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	client, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { client.Close() })
	sc, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	return newConn(sc, nil, opts), client
}

// send writes b from the client on its own goroutine (a pipe blocks until read) and
// returns a wait function.
func (p pair) send(b []byte) (wait func()) {
	var wg sync.WaitGroup
	wg.Go(func() { _, _ = p.client.Write(b) })
	return wg.Wait
}

func TestAcceptKeyRFCExample(t *testing.T) {
	// RFC 6455 section 1.3.
	if got := AcceptKey("dGhlIHNhbXBsZSBub25jZQ=="); got != "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=" {
		t.Fatalf("AcceptKey = %q", got)
	}
}

func TestAppendFrameRFCExamples(t *testing.T) {
	// RFC 6455 section 5.7.
	for _, tt := range []struct {
		name string
		got  []byte
		want []byte
	}{
		{"unmasked text Hello", AppendFrame(nil, OpText, []byte("Hello")), []byte{0x81, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f}},
		{"unmasked ping Hello", AppendFrame(nil, OpPing, []byte("Hello")), []byte{0x89, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f}},
		{"256 bytes binary header", AppendHeader(nil, OpBinary, 256), []byte{0x82, 0x7E, 0x01, 0x00}},
		{"64 KiB binary header", AppendHeader(nil, OpBinary, 65536), []byte{0x82, 0x7F, 0, 0, 0, 0, 0, 1, 0, 0}},
		{"close 1000", AppendClose(nil, 1000, "ok"), []byte{0x88, 0x04, 0x03, 0xe8, 'o', 'k'}},
		{"empty close", AppendClose(nil, 0, ""), []byte{0x88, 0x00}},
	} {
		if !bytes.Equal(tt.got, tt.want) {
			t.Errorf("%s: % x, want % x", tt.name, tt.got, tt.want)
		}
	}
	for _, n := range []int{0, 125, 126, 65535, 65536} {
		if got := len(AppendHeader(nil, OpText, n)); got != HeaderLen(n) {
			t.Errorf("HeaderLen(%d) = %d, header is %d bytes", n, HeaderLen(n), got)
		}
	}
}

func TestReadRFCExamples(t *testing.T) {
	transports(t, Options{}, func(t *testing.T, p pair) {
		// RFC 6455 section 5.7: a masked "Hello", then "Hel"+"lo" in two fragments (masked
		// here, as a client must).
		in := []byte{0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58}
		in = append(in, clientFrame(false, 0, OpText, []byte("Hel"))...)
		in = append(in, clientFrame(true, 0, OpContinuation, []byte("lo"))...)
		wait := p.send(in)
		defer wait()
		for range 2 {
			data, bin, err := p.srv.ReadMessage()
			if err != nil || bin || string(data) != "Hello" {
				t.Fatalf("ReadMessage = %q, %v, %v; want text Hello", data, bin, err)
			}
		}
	})
}

func TestFragmentsWithInterleavedPing(t *testing.T) {
	transports(t, Options{}, func(t *testing.T, p pair) {
		big := bytes.Repeat([]byte{0xAB}, 70000) // 64-bit length, read past the buffer
		var in []byte
		in = append(in, clientFrame(false, 0, OpBinary, big[:30000])...)
		in = append(in, clientFrame(true, 0, OpPing, []byte("are you there"))...)
		in = append(in, clientFrame(false, 0, OpContinuation, big[30000:40000])...)
		in = append(in, clientFrame(true, 0, OpPong, nil)...)
		in = append(in, clientFrame(true, 0, OpContinuation, big[40000:])...)
		wait := p.send(in)
		defer wait()
		var pong []byte
		var wg sync.WaitGroup
		wg.Go(func() {
			_, op, payload := readServerFrame(t, p.r)
			if op != OpPong {
				t.Errorf("server answered a ping with opcode %#x", op)
			}
			pong = payload
		})
		data, bin, err := p.srv.ReadMessage()
		wg.Wait()
		if err != nil || !bin || !bytes.Equal(data, big) {
			t.Fatalf("ReadMessage: %d bytes, binary %v, %v; want the 70000 bytes", len(data), bin, err)
		}
		if string(pong) != "are you there" {
			t.Fatalf("pong payload %q", pong)
		}
	})
}

func TestBadInputClosesWithStatus(t *testing.T) {
	long := bytes.Repeat([]byte("x"), 126)
	hugeHeader := []byte{0x81, 0xFF, 0x40, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4} // 2^62 bytes, never sent
	for _, tt := range []struct {
		name string
		in   []byte
		code int
	}{
		{"unmasked client frame", AppendFrame(nil, OpText, []byte("hi")), StatusProtocolError},
		{"reserved data opcode", clientFrame(true, 0, 0x3, nil), StatusProtocolError},
		{"reserved control opcode", clientFrame(true, 0, 0xB, nil), StatusProtocolError},
		{"RSV1 without extension", clientFrame(true, 4, OpText, []byte("hi")), StatusProtocolError},
		{"RSV2", clientFrame(true, 2, OpText, []byte("hi")), StatusProtocolError},
		{"RSV3", clientFrame(true, 1, OpText, []byte("hi")), StatusProtocolError},
		{"oversize control frame", clientFrame(true, 0, OpPing, long), StatusProtocolError},
		{"fragmented control frame", clientFrame(false, 0, OpPing, []byte("p")), StatusProtocolError},
		{"continuation without start", clientFrame(true, 0, OpContinuation, []byte("x")), StatusProtocolError},
		{"new message inside fragments", append(clientFrame(false, 0, OpText, []byte("a")), clientFrame(true, 0, OpText, []byte("b"))...), StatusProtocolError},
		{"bad UTF-8 text", clientFrame(true, 0, OpText, []byte{'4', 0xff, 0xfe}), StatusInvalidPayload},
		{"bad UTF-8 across fragments", append(clientFrame(false, 0, OpText, []byte{'4', 0xe2, 0x82}), clientFrame(true, 0, OpContinuation, []byte{0x28})...), StatusInvalidPayload},
		{"surrogate in text", clientFrame(true, 0, OpText, []byte{0xed, 0xa0, 0x80}), StatusInvalidPayload},
		{"bad close code", clientFrame(true, 0, OpClose, []byte{0x03, 0xe7}), StatusProtocolError},           // 999
		{"reserved close code 1005", clientFrame(true, 0, OpClose, []byte{0x03, 0xed}), StatusProtocolError}, // 1005
		{"1-byte close payload", clientFrame(true, 0, OpClose, []byte{0x03}), StatusProtocolError},
		{"close reason not UTF-8", clientFrame(true, 0, OpClose, []byte{0x03, 0xe8, 0xff}), StatusInvalidPayload},
		{"message over the limit", clientFrame(true, 0, OpText, bytes.Repeat([]byte("a"), 101)), StatusMessageTooBig},
		{"fragments over the limit", append(clientFrame(false, 0, OpText, bytes.Repeat([]byte("a"), 60)), clientFrame(true, 0, OpContinuation, bytes.Repeat([]byte("a"), 41))...), StatusMessageTooBig},
		{"header announcing 2^62 bytes", hugeHeader, StatusMessageTooBig},
		{"length over 2^63", []byte{0x82, 0xFF, 0x80, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4}, StatusMessageTooBig},
	} {
		t.Run(tt.name, func(t *testing.T) {
			transports(t, Options{ReadLimit: 100}, func(t *testing.T, p pair) {
				wait := p.send(tt.in)
				defer wait()
				errc := make(chan error, 1)
				go func() { _, _, err := p.srv.ReadMessage(); errc <- err }()
				_, op, payload := readServerFrame(t, p.r)
				if op != OpClose || len(payload) < 2 {
					t.Fatalf("server sent opcode %#x % x, want a close frame with a status", op, payload)
				}
				if code := int(binary.BigEndian.Uint16(payload)); code != tt.code {
					t.Fatalf("close status %d (%s), want %d", code, payload[2:], tt.code)
				}
				_, _ = p.client.Write(clientFrame(true, 0, OpClose, payload[:2]))
				// As ws and browsers do once the close frames crossed: end the stream (the
				// server stops waiting for it after a frame it cannot skip).
				if cw, ok := p.client.(interface{ CloseWrite() error }); ok {
					_ = cw.CloseWrite()
				} else {
					_ = p.client.Close()
				}
				err := <-errc
				var pe *ProtocolError
				if !errors.As(err, &pe) || pe.Code != tt.code {
					t.Fatalf("ReadMessage error %v, want a ProtocolError with status %d", err, tt.code)
				}
			})
		})
	}
}

func TestPeerCloseIsAnswered(t *testing.T) {
	for _, tt := range []struct {
		name    string
		payload []byte
		code    int
		echo    []byte
	}{
		{"with status and reason", []byte{0x03, 0xe8, 'b', 'y', 'e'}, StatusNormalClosure, []byte{0x03, 0xe8}},
		{"application status", []byte{0x0f, 0xa0}, 4000, []byte{0x0f, 0xa0}},
		{"empty", nil, StatusNoStatus, nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			transports(t, Options{}, func(t *testing.T, p pair) {
				wait := p.send(clientFrame(true, 0, OpClose, tt.payload))
				defer wait()
				errc := make(chan error, 1)
				go func() { _, _, err := p.srv.ReadMessage(); errc <- err }()
				_, op, payload := readServerFrame(t, p.r)
				if op != OpClose || !bytes.Equal(payload, tt.echo) {
					t.Fatalf("reply opcode %#x payload % x, want close % x", op, payload, tt.echo)
				}
				var ce *CloseError
				if err := <-errc; !errors.As(err, &ce) || ce.Code != tt.code {
					t.Fatalf("ReadMessage error %v, want CloseError %d", err, tt.code)
				}
				if _, err := p.r.ReadByte(); err == nil {
					t.Fatal("connection still open after the close handshake")
				}
			})
		})
	}
}

func TestServerCloseHandshake(t *testing.T) {
	transports(t, Options{}, func(t *testing.T, p pair) {
		errc := make(chan error, 1)
		go func() { errc <- p.srv.CloseAndWait(StatusGoingAway, "bye") }()
		_, op, payload := readServerFrame(t, p.r)
		if op != OpClose || !bytes.Equal(payload, []byte{0x03, 0xe9, 'b', 'y', 'e'}) {
			t.Fatalf("close frame %#x % x", op, payload)
		}
		if err := p.srv.Write(AppendFrame(nil, OpText, []byte("late"))); !errors.Is(err, ErrCloseSent) {
			t.Fatalf("Write after close: %v, want ErrCloseSent", err)
		}
		_, _ = p.client.Write(clientFrame(true, 0, OpClose, payload[:2]))
		if err := <-errc; err != nil {
			t.Fatal(err)
		}
		if _, err := p.r.ReadByte(); err == nil {
			t.Fatal("connection still open after the close handshake")
		}
	})
}

// A batch of frames appended to one buffer goes out in one write, and TryWrite on a
// socket that cannot take it all keeps the rest for Write, in order.
func TestBatchAndTryWrite(t *testing.T) {
	transports(t, Options{}, func(t *testing.T, p pair) {
		var batch []byte
		for i := range 3 {
			batch = AppendFrame(batch, OpText, []byte{'a' + byte(i)})
		}
		done := make(chan error, 1)
		go func() { done <- p.srv.Write(batch) }()
		for i := range 3 {
			if _, op, payload := readServerFrame(t, p.r); op != OpText || string(payload) != string(rune('a'+i)) {
				t.Fatalf("frame %d: %#x %q", i, op, payload)
			}
		}
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	})
	t.Run("TryWrite over a full socket", func(t *testing.T) {
		ln, _ := net.Listen("tcp", "127.0.0.1:0")
		defer ln.Close()
		client, _ := net.Dial("tcp", ln.Addr().String())
		defer client.Close()
		sc, _ := ln.Accept()
		c := newConn(sc, nil, Options{})
		defer c.CloseNow()
		big := AppendFrame(nil, OpBinary, bytes.Repeat([]byte{7}, 8<<20)) // more than the socket buffers take
		ok, flushed, err := c.TryWrite(big)
		if !ok || flushed || err != nil {
			t.Fatalf("TryWrite of 8 MiB to a client that does not read = %v %v %v, want taken, not flushed", ok, flushed, err)
		}
		tail := AppendFrame(nil, OpText, []byte("after"))
		done := make(chan error, 1)
		go func() { done <- c.Write(tail) }()
		r := bufio.NewReader(client)
		if _, op, payload := readServerFrame(t, r); op != OpBinary || len(payload) != 8<<20 {
			t.Fatalf("first frame %#x %d bytes", op, len(payload))
		}
		if _, op, payload := readServerFrame(t, r); op != OpText || string(payload) != "after" {
			t.Fatalf("second frame %#x %q", op, payload)
		}
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	})
}

// An idle connection over TCP holds no read buffer between messages.
func TestIdleConnHoldsNoBuffer(t *testing.T) {
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	defer ln.Close()
	client, _ := net.Dial("tcp", ln.Addr().String())
	defer client.Close()
	sc, _ := ln.Accept()
	c := newConn(sc, []byte(clientFrame(true, 0, OpText, []byte("early"))), Options{})
	defer c.CloseNow()
	if data, _, err := c.ReadMessage(); err != nil || string(data) != "early" {
		t.Fatalf("early bytes: %q %v", data, err)
	}
	_, _ = client.Write(clientFrame(true, 0, OpText, []byte("x")))
	if _, _, err := c.ReadMessage(); err != nil {
		t.Fatal(err)
	}
	if c.rbuf != nil {
		t.Fatal("read buffer still held after the message")
	}
	done := make(chan struct{})
	go func() { _, _, _ = c.ReadMessage(); close(done) }()
	time.Sleep(10 * time.Millisecond) // let the reader park
	_ = c.CloseNow()
	<-done
}

func TestAcceptHandshake(t *testing.T) {
	var got *Conn
	ready := make(chan struct{})
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Set-Cookie", "io=abc")
		c, err := Accept(w, r, Options{})
		if err == nil {
			got = c
			close(ready)
		}
	}))
	defer ts.Close()
	for _, tt := range []struct {
		name, headers string
		status        int
	}{
		{"no Upgrade", "Connection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n", 426},
		{"version 8", "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 8\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n", 400},
		{"short key", "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: abcd\r\n", 400},
	} {
		c, err := net.Dial("tcp", strings.TrimPrefix(ts.URL, "http://"))
		if err != nil {
			t.Fatal(err)
		}
		_, _ = c.Write([]byte("GET / HTTP/1.1\r\nHost: x\r\n" + tt.headers + "\r\n"))
		res, err := http.ReadResponse(bufio.NewReader(c), nil)
		if err != nil || res.StatusCode != tt.status {
			t.Errorf("%s: %v %v, want %d", tt.name, res, err, tt.status)
		}
		c.Close()
	}
	c, err := net.Dial("tcp", strings.TrimPrefix(ts.URL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	// The first frame comes in the same packet as the request.
	_, _ = c.Write(append([]byte("GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: keep-alive, Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n"),
		clientFrame(true, 0, OpText, []byte("first"))...))
	br := bufio.NewReader(c)
	res, err := http.ReadResponse(br, nil)
	if err != nil || res.StatusCode != 101 || res.Header.Get("Sec-WebSocket-Accept") != "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=" || res.Header.Get("Set-Cookie") != "io=abc" {
		t.Fatalf("handshake response %v %v", res, err)
	}
	<-ready
	defer got.CloseNow()
	if data, _, err := got.ReadMessage(); err != nil || string(data) != "first" {
		t.Fatalf("first message %q %v", data, err)
	}
}
