package engineio

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

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
// server from one goroutine, as a broadcast does (each Send queues the frame and hands the
// socket to a flusher, or feeds the round it waits for; see flusher.go), then waits until
// every socket has written it. Clients are raw TCP connections that discard what they
// read.
func BenchmarkBroadcastFanout(b *testing.B) {
	for _, n := range []int{100, 1000} {
		b.Run(fmt.Sprintf("sockets=%d", n), func(b *testing.B) {
			srv, _ := NewServer(nil)
			conns := make(chan *Socket, n)
			srv.OnConnection(func(s *Socket) { conns <- s })
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
			// The open packet goes out before OnConnection runs: wait for all n.
			targets := make([]*Socket, 0, n)
			for range n {
				targets = append(targets, <-conns)
			}
			msg := []Message{{Data: []byte(`2["news","hello",42]`)}}
			b.ReportAllocs()
			cpu0 := processCPU()
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
			user, sys := processCPU().sub(cpu0)
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/delivery")
			// The process's CPU: the server's and the clients' reads (the same for any
			// server), user and kernel.
			b.ReportMetric(float64(user.Nanoseconds())/float64(b.N*n), "user-ns/delivery")
			b.ReportMetric(float64(sys.Nanoseconds())/float64(b.N*n), "sys-ns/delivery")
		})
	}
}

// BenchmarkBroadcastFanoutReceived is BenchmarkBroadcastFanout timed end to end: a
// broadcast is done when the last client has read its frame (the fan-out's latency), and
// the broadcaster waits for that on a channel rather than polling, so that the CPU figures
// hold only the server's work and the clients' reads. sockets=1 is the latency of one
// Send to an idle websocket (not from its OnMessage) until the client reads it.
func BenchmarkBroadcastFanoutReceived(b *testing.B) {
	msg := []Message{{Data: []byte(`2["news","hello",42]`)}}
	frameLen := int64(2 + 1 + len(msg[0].Data)) // header, packet type, data
	for _, n := range []int{1, 100, 1000} {
		b.Run(fmt.Sprintf("sockets=%d", n), func(b *testing.B) {
			srv, _ := NewServer(&Options{PingInterval: time.Hour}) // no ping frames
			conns := make(chan *Socket, n)
			srv.OnConnection(func(s *Socket) { conns <- s })
			ts := httptest.NewServer(srv)
			defer ts.Close()
			defer srv.Shutdown(context.Background())
			var (
				got, want atomic.Int64 // bytes read by all clients, and expected so far
				done      = make(chan struct{}, 1)
				wg        sync.WaitGroup
			)
			defer wg.Wait()
			addr := strings.TrimPrefix(ts.URL, "http://")
			for range n {
				c := dialRawWebSocket(b, addr)
				defer c.Close()
				wg.Go(func() {
					buf := make([]byte, 4096)
					for {
						k, err := c.Read(buf)
						if k > 0 && got.Add(int64(k)) == want.Load() {
							done <- struct{}{}
						}
						if err != nil {
							return
						}
					}
				})
			}
			// The open packet goes out before OnConnection runs: wait for all n.
			targets := make([]*Socket, 0, n)
			for range n {
				targets = append(targets, <-conns)
			}
			b.ReportAllocs()
			cpu0 := processCPU()
			for b.Loop() {
				want.Add(int64(n) * frameLen)
				for _, s := range targets {
					if err := s.Send(msg, SendOptions{}); err != nil {
						b.Fatal(err)
					}
				}
				<-done
			}
			user, sys := processCPU().sub(cpu0)
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/delivery")
			b.ReportMetric(float64(user.Nanoseconds())/float64(b.N*n), "user-ns/delivery")
			b.ReportMetric(float64(sys.Nanoseconds())/float64(b.N*n), "sys-ns/delivery")
		})
	}
}

// cpuTimes is the process's CPU time so far, user and system.
type cpuTimes struct{ user, sys time.Duration }

func processCPU() cpuTimes {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return cpuTimes{time.Duration(ru.Utime.Nano()), time.Duration(ru.Stime.Nano())}
}

func (c cpuTimes) sub(old cpuTimes) (user, sys time.Duration) {
	return c.user - old.user, c.sys - old.sys
}

// dialRawWebSocket opens a websocket session with a raw TCP client and reads the open
// packet; the returned conn is positioned after it.
func dialRawWebSocket(b testing.TB, addr string) net.Conn {
	c, _ := dialOpen(b, addr)
	return c
}
