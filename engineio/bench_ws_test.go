package engineio

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/gosockio/gosockio/engineio/internal/wsserver"
)

// countingConn counts the writes that reach the connection (one per syscall here).
type countingConn struct {
	net.Conn
	writes atomic.Int64
}

func (c *countingConn) Write(p []byte) (int, error) {
	c.writes.Add(1)
	return c.Conn.Write(p)
}

// tcpPair returns the server end of a loopback TCP connection whose client end is read and
// discarded until the benchmark ends.
func tcpPair(b testing.TB) net.Conn {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	defer ln.Close()
	client, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		b.Fatal(err)
	}
	server, err := ln.Accept()
	if err != nil {
		b.Fatal(err)
	}
	var wg sync.WaitGroup
	wg.Go(func() { _, _ = io.Copy(io.Discard, client) })
	b.Cleanup(func() { _ = server.Close(); _ = client.Close(); wg.Wait() })
	return server
}

// BenchmarkWebSocketWriteBatch writes N queued 100-byte packets to one websocket: batched
// (writeLoop: all frames in one buffer, one write) against one write per frame (what a
// per-message websocket API such as coder/websocket's does). writes/op is the number of
// write syscalls.
func BenchmarkWebSocketWriteBatch(b *testing.B) {
	srv, _ := NewServer(nil)
	defer srv.Shutdown(context.Background())
	for _, n := range []int{1, 16, 128} {
		batch := make([]queued, n)
		for i := range batch {
			batch[i] = queued{Packet: Packet{Type: PacketMessage, Data: []byte(strings.Repeat("x", 100))}}
		}
		for _, mode := range []string{"batched", "frame-per-write"} {
			b.Run(fmt.Sprintf("frames=%d/%s", n, mode), func(b *testing.B) {
				cc := &countingConn{Conn: tcpPair(b)}
				conn := wsserver.NewConn(cc, nil, wsserver.Options{})
				s := &Socket{srv: srv, id: "bench", protocol: ProtocolV4, ws: conn}
				b.SetBytes(int64(n * 101))
				b.ReportAllocs()
				var buf []byte
				for b.Loop() {
					if mode == "batched" {
						if err := s.writeBatch(conn, batch, nil, false); err != nil {
							b.Fatal(err)
						}
						continue
					}
					for _, q := range batch {
						buf, _ = appendWSFrame(conn, buf[:0], q.Packet, ProtocolV4, false, false)
						if err := conn.Write(buf); err != nil {
							b.Fatal(err)
						}
					}
				}
				b.ReportMetric(float64(cc.writes.Load())/float64(b.N), "writes/op")
			})
		}
	}
}

// BenchmarkBroadcastFanout sends one message to each of N idle websocket sessions of a
// server from one goroutine, as a broadcast does (each Send queues the frame and starts
// or feeds that socket's writer goroutine, which writes what queued in one write), then
// waits until every socket has written it. Clients are raw TCP connections that discard
// what they read.
func BenchmarkBroadcastFanout(b *testing.B) {
	for _, n := range []int{100, 1000} {
		b.Run(fmt.Sprintf("sockets=%d", n), func(b *testing.B) {
			srv, _ := NewServer(nil)
			var mu sync.Mutex
			var socks []*Socket
			srv.OnConnection(func(s *Socket) { mu.Lock(); socks = append(socks, s); mu.Unlock() })
			ts := httptest.NewServer(srv)
			defer ts.Close()
			defer srv.Shutdown(context.Background())
			var wg sync.WaitGroup
			defer wg.Wait()
			addr := strings.TrimPrefix(ts.URL, "http://")
			for range n {
				c := dialRawWebSocket(b, addr)
				defer c.Close()
				wg.Go(func() { _, _ = io.Copy(io.Discard, c) })
			}
			mu.Lock()
			targets := socks
			mu.Unlock()
			msg := []Message{{Data: []byte(`2["news","hello",42]`)}}
			b.ReportAllocs()
			for b.Loop() {
				for _, s := range targets {
					if err := s.Send(msg, SendOptions{}); err != nil {
						b.Fatal(err)
					}
				}
				// One broadcast is done when every socket has written it.
				for _, s := range targets {
					for {
						s.mu.Lock()
						busy := s.writing
						s.mu.Unlock()
						if !busy {
							break
						}
						runtime.Gosched()
					}
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/delivery")
		})
	}
}

// dialRawWebSocket opens a websocket session with a raw TCP client and reads the open
// packet; the returned conn is positioned after it.
func dialRawWebSocket(b testing.TB, addr string) net.Conn {
	c, err := net.Dial("tcp", addr)
	if err != nil {
		b.Fatal(err)
	}
	_, _ = c.Write([]byte("GET /engine.io/?EIO=4&transport=websocket HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
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
	hdr := make([]byte, 2)
	if _, err := io.ReadFull(r, hdr); err != nil {
		b.Fatal(err)
	}
	if _, err := r.Discard(int(hdr[1] & 0x7f)); err != nil {
		b.Fatal(err)
	}
	if r.Buffered() > 0 {
		b.Fatal("bytes after the open packet")
	}
	return c
}
