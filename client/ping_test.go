package client

import (
	"slices"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/gosockio/gosockio/engineio"
	"github.com/gosockio/gosockio/socketio"
)

// Manager "ping" (socket.io-client 4.8 re-emits the engine's "ping"): dispatched in order
// with the packets around it, to every listener, only for the current connection.
func TestManagerOnPing(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := &fakeServer{onMessage: answerConnect}
		m := newFakeManager(t, f, &Options{RandomizationFactor: -1})
		var (
			mu  sync.Mutex
			got []string
		)
		add := func(s string) { mu.Lock(); got = append(got, s); mu.Unlock() }
		m.OnPing(func() { add("ping 1") })
		m.OnPing(func() { add("ping 2") })
		s := m.Socket("/", nil)
		s.On("ev", func(n int) { add(sprintf("ev %d", n)) })
		synctest.Wait()
		if !s.Connected() {
			t.Fatal("not connected")
		}
		c := f.last()
		if c.opts.OnPing == nil {
			t.Fatal("the Manager sets no engineio.DialOptions.OnPing")
		}
		c.deliver(`2["ev",1]`)
		c.opts.OnPing()
		c.deliver(`2["ev",2]`)
		synctest.Wait()
		// A ping of a connection that is gone is not reported.
		c.drop(engineio.ReasonTransportClose)
		synctest.Wait()
		c.opts.OnPing()
		time.Sleep(2 * time.Second) // the reconnection (after 1s) opens a new connection
		synctest.Wait()
		var n int
		f.set(func() { n = len(f.conns) })
		if n != 2 {
			t.Fatalf("%d connections, want 2", n)
		}
		f.last().opts.OnPing()
		synctest.Wait()
		want := []string{"ev 1", "ping 1", "ping 2", "ev 2", "ping 1", "ping 2"}
		mu.Lock()
		defer mu.Unlock()
		if !slices.Equal(got, want) {
			t.Fatalf("events %q, want %q", got, want)
		}
		_ = m.Close()
		m.Wait()
	})
}

// Against our server: protocol 5 reports the server's pings, protocol 4 (Engine.IO v3)
// the client's own.
func TestManagerOnPingServer(t *testing.T) {
	for _, proto := range []int{5, 4} {
		t.Run(sprintf("protocol %d", proto), func(t *testing.T) {
			_, url := newTestServer(t, &socketio.Options{Options: engineio.Options{PingInterval: 20 * time.Millisecond}})
			s, err := Connect(url, &Options{ForceNew: true, AutoConnect: new(false), Protocol: proto})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = s.Manager().Close(); s.Manager().Wait() })
			pings := make(chan struct{}, 16)
			s.Manager().OnPing(func() {
				select {
				case pings <- struct{}{}:
				default:
				}
			})
			s.Connect()
			for range 3 {
				waitChan(t, pings, "ping")
			}
			if !s.Connected() {
				t.Fatal("not connected after three heartbeats")
			}
		})
	}
}
