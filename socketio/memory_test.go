package socketio_test

import (
	"bufio"
	"context"
	"io"
	"log/slog"
	"net"
	"net/http/httptest"
	"runtime"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/gosockio/gosockio/engineio"
	"github.com/gosockio/gosockio/socketio"
)

// The namespace connection (middlewares, OnConnection) runs on a goroutine of its own, not
// on the goroutine that delivers the engine message, so that the engine's long-lived
// reader keeps a small stack while the connection is idle.
func TestConnectRunsOffTheReaderGoroutine(t *testing.T) {
	srv, err := socketio.NewServer(&socketio.Options{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close(context.Background())
	stacks := make(chan string, 1)
	srv.OnConnection(func(s *socketio.Socket) {
		buf := make([]byte, 64<<10)
		stacks <- string(buf[:runtime.Stack(buf, false)])
	})
	c := &nopConn{id: "c1"}
	srv.ServeConn(c)
	c.msg(engineio.Message{Data: []byte("0")})
	select {
	case st := <-stacks:
		if strings.Contains(st, ".TestConnectRunsOffTheReaderGoroutine(") { // this test's own frame
			t.Fatalf("OnConnection ran on the goroutine that delivered CONNECT:\n%s", st)
		}
	default:
		t.Fatal("OnConnection did not run before the CONNECT delivery returned")
	}
}

// The Handshake is built on first use, but describes the connection as it was at connect
// time.
func TestHandshakeBuiltLaterKeepsConnectTime(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		srv, err := socketio.NewServer(&socketio.Options{Logger: slog.New(slog.DiscardHandler)})
		if err != nil {
			t.Fatal(err)
		}
		defer srv.Close(context.Background())
		sockets := make(chan *socketio.Socket, 1)
		srv.OnConnection(func(s *socketio.Socket) { sockets <- s })
		c := &nopConn{id: "c1"}
		srv.ServeConn(c)
		connected := time.Now()
		c.msg(engineio.Message{Data: []byte(`0{"token":"t1"}`)})
		s := <-sockets
		time.Sleep(time.Minute)
		h := s.Handshake()
		if !h.Time.Equal(connected) || h.Issued != connected.UnixMilli() || h.Auth["token"] != "t1" {
			t.Fatalf("Handshake() = time %v issued %d auth %v, want time %v and auth token t1", h.Time, h.Issued, h.Auth, connected)
		}
		if s.Handshake() != h {
			t.Fatal("Handshake() built a second Handshake")
		}
	})
}

// On allocates only the registration: the handler's signature is derived once per func
// type, and a socket's handlers are a list, not a map of lists.
func TestOnAllocations(t *testing.T) {
	srv, err := socketio.NewServer(&socketio.Options{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close(context.Background())
	sockets := make(chan *socketio.Socket, 1)
	srv.OnConnection(func(s *socketio.Socket) { sockets <- s })
	c := &nopConn{id: "c1"}
	srv.ServeConn(c)
	c.msg(engineio.Message{Data: []byte("0")})
	s := <-sockets
	h := func(args socketio.Args, ack func(...any)) {}
	s.On("warm", h) // the func type's signature is now cached
	// one allocation for the handler, plus the list's amortized growth
	if n := testing.AllocsPerRun(100, func() { s.On("echo", h) }); n > 1 {
		t.Fatalf("Socket.On allocated %v times per call, want at most 1", n)
	}
}

// BenchmarkIdleSocketMemory reports the server's heap and stack bytes per idle socket.io
// connection (websocket, connected to "/" with two handlers registered, as the bench
// kit's server does). Clients are raw TCP connections so that they cost the process
// almost nothing.
func BenchmarkIdleSocketMemory(b *testing.B) {
	const n = 1000
	srv, err := socketio.NewServer(&socketio.Options{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		b.Fatal(err)
	}
	srv.OnConnection(func(s *socketio.Socket) {
		s.On("echo", func(args socketio.Args, ack func(...any)) { ack() })
		s.On("bcast", func(args socketio.Args) {})
	})
	ts := httptest.NewServer(srv)
	defer ts.Close()
	defer srv.Close(context.Background())
	addr := strings.TrimPrefix(ts.URL, "http://")
	// The CONNECT packet "40" as a masked text frame (mask key 0: payload unchanged).
	connectFrame := []byte{0x81, 0x82, 0, 0, 0, 0, '4', '0'}
	for b.Loop() {
		heap0, stack0 := memInUse()
		g0 := runtime.NumGoroutine()
		conns := make([]net.Conn, 0, n)
		for range n {
			c, err := net.Dial("tcp", addr)
			if err != nil {
				b.Fatal(err)
			}
			conns = append(conns, c)
			_, _ = c.Write([]byte("GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
				"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"))
			r := bufio.NewReaderSize(c, 512)
			for {
				line, err := r.ReadString('\n')
				if err != nil {
					b.Fatal(err)
				}
				if line == "\r\n" {
					break
				}
			}
			readFrame(b, r) // the engine's open packet
			_, _ = c.Write(connectFrame)
			if f := readFrame(b, r); !strings.HasPrefix(f, "40") {
				b.Fatalf("CONNECT reply %q, want 40{...}", f)
			}
		}
		// Idle websockets park after a while (the engine's reader goroutines end): wait
		// for their goroutines to go, then measure.
		deadline := time.Now().Add(10 * time.Second)
		for runtime.NumGoroutine() > g0+10 && time.Now().Before(deadline) {
			time.Sleep(10 * time.Millisecond)
		}
		heap1, stack1 := memInUse()
		b.ReportMetric(float64(runtime.NumGoroutine()-g0)/n, "goroutines/idle-conn")
		b.ReportMetric(float64(heap1-heap0+stack1-stack0)/n, "B/idle-conn")
		b.ReportMetric(float64(heap1-heap0)/n, "heapB/idle-conn")
		b.ReportMetric(float64(stack1-stack0)/n, "stackB/idle-conn")
		for _, c := range conns {
			_ = c.Close()
		}
		deadline = time.Now().Add(5 * time.Second)
		for srv.Engine().ClientsCount() > 0 && time.Now().Before(deadline) {
			time.Sleep(time.Millisecond)
		}
	}
}

// readFrame reads one small unmasked server frame (payload under 126 bytes).
func readFrame(b *testing.B, r *bufio.Reader) string {
	hdr := make([]byte, 2)
	if _, err := io.ReadFull(r, hdr); err != nil {
		b.Fatal(err)
	}
	p := make([]byte, int(hdr[1]&0x7f))
	if _, err := io.ReadFull(r, p); err != nil {
		b.Fatal(err)
	}
	return string(p)
}

func memInUse() (heap, stack int64) {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return int64(m.HeapAlloc), int64(m.StackInuse)
}
