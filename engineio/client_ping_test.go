package engineio

import (
	"testing"
	"testing/synctest"
	"time"
)

// OnPing with protocol 4: called for each ping from the server, after the pong is queued,
// in order with the messages around it (engine.io-client 6.6 emits "ping" in _onPacket).
func TestClientV4OnPing(t *testing.T) {
	for _, transport := range []string{TransportPolling, TransportWebSocket} {
		t.Run(transport, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				f := newFakeEngine(hsV4)
				hc := servePipe(t, f)
				ev := newClientEvents()
				order := make(chan string, 16)
				o := ev.opts(&DialOptions{HTTPClient: hc, Transports: []string{transport}})
				o.OnMessage = func(m Message) { order <- "msg " + string(m.Data) }
				o.OnPing = func() { order <- "ping" }
				s, err := Dial(t.Context(), "http://pipe", o)
				if err != nil {
					t.Fatal(err)
				}
				defer s.Close()
				var pong string
				if transport == TransportPolling {
					f.gets <- "4a\x1e2\x1e4b"
					pong = <-f.posts
				} else {
					for _, d := range []string{"4a", "2", "4b"} {
						f.frames <- fakeFrame{data: d}
					}
					pong = <-f.wsIn
				}
				if pong != "3" {
					t.Fatalf("answer to ping = %q, want %q", pong, "3")
				}
				for i, want := range []string{"msg a", "ping", "msg b"} {
					if got := <-order; got != want {
						t.Fatalf("event %d = %q, want %q", i, got, want)
					}
				}
				synctest.Wait()
				if len(order) != 0 {
					t.Errorf("%d extra events, want none", len(order))
				}
			})
		})
	}
}

// OnPing with protocol 3: called once the client's own ping has been written
// (engine.io-client 3.x emits "ping" when its ping packet is flushed), not before.
func TestClientV3OnPing(t *testing.T) {
	for _, transport := range []string{TransportPolling, TransportWebSocket} {
		t.Run(transport, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				hs := v3Payload(hsV3)
				if transport == TransportWebSocket {
					hs = hsV3
				}
				f := newFakeEngine(hs)
				hc := servePipe(t, f)
				ev := newClientEvents()
				pings := make(chan time.Time, 16)
				o := ev.opts(&DialOptions{HTTPClient: hc, Protocol: 3, Transports: []string{transport}})
				o.OnPing = func() { pings <- time.Now() }
				start := time.Now()
				s, err := Dial(t.Context(), "http://pipe", o)
				if err != nil {
					t.Fatal(err)
				}
				defer s.Close()
				for i := range 2 {
					synctest.Wait()
					if len(pings) != 0 {
						t.Fatalf("OnPing called before ping %d was sent", i)
					}
					var sent string
					if transport == TransportPolling {
						sent = <-f.posts
					} else {
						sent = <-f.wsIn
					}
					if sent != "1:2" && sent != "2" {
						t.Fatalf("client sent %q, want its ping", sent)
					}
					at := <-pings
					if want := start.Add(time.Duration(i+1) * time.Second); !at.Equal(want) {
						t.Errorf("OnPing %d at %v after the start, want %v (pingInterval after the last pong)", i, at.Sub(start), want.Sub(start))
					}
					if transport == TransportPolling {
						f.gets <- v3Payload("3")
					} else {
						f.frames <- fakeFrame{data: "3"}
					}
				}
			})
		})
	}
}
