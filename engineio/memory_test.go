package engineio

import (
	"context"
	"net"
	"net/http/httptest"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/gosockio/gosockio/engineio/internal/wsserver"
)

// BenchmarkIdleWebSocketMemory reports the server's heap and stack bytes per idle websocket
// session (after the handshake, nothing queued). Clients are raw TCP connections so that
// they cost the process almost nothing.
func BenchmarkIdleWebSocketMemory(b *testing.B) {
	const n = 1000
	defer wsserver.SetParkAfter(10 * time.Millisecond)()
	srv, _ := NewServer(nil)
	ts := httptest.NewServer(srv)
	defer ts.Close()
	defer srv.Shutdown(context.Background())
	addr := strings.TrimPrefix(ts.URL, "http://")
	for b.Loop() {
		heap0, stack0 := memInUse()
		conns := make([]net.Conn, 0, n)
		for range n {
			c, _ := dialOpen(b, addr)
			conns = append(conns, c)
		}
		deadline := time.Now().Add(5 * time.Second)
		for srv.ClientsCount() < n && time.Now().Before(deadline) {
			time.Sleep(time.Millisecond)
		}
		// Idle websockets park (no reader goroutine) after a while: measure them parked.
		for parked(srv) < n && time.Now().Before(deadline) {
			time.Sleep(time.Millisecond)
		}
		if p := parked(srv); p < n {
			b.Fatalf("%d of %d idle websockets parked", p, n)
		}
		heap1, stack1 := memInUse()
		b.ReportMetric(float64(heap1-heap0+stack1-stack0)/n, "B/idle-conn")
		b.ReportMetric(float64(heap1-heap0)/n, "heapB/idle-conn")
		b.ReportMetric(float64(stack1-stack0)/n, "stackB/idle-conn")
		for _, c := range conns {
			_ = c.Close()
		}
		for srv.ClientsCount() > 0 && time.Now().Before(deadline) {
			time.Sleep(time.Millisecond)
		}
	}
}

func memInUse() (heap, stack int64) {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return int64(m.HeapAlloc), int64(m.StackInuse)
}

// parked returns how many of srv's websockets are parked.
func parked(srv *Server) int { return srv.wsPoller().Len() }
