package engineio

import (
	"testing"
	"testing/synctest"
	"time"
)

// The fake's handshake says pingInterval 1000ms, pingTimeout 500ms.

func TestClientV4PingTimeout(t *testing.T) {
	for _, transport := range []string{TransportPolling, TransportWebSocket} {
		t.Run(transport, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				f := newFakeEngine(hsV4)
				hc := servePipe(t, f)
				ev := newClientEvents()
				start := time.Now()
				s, err := Dial(t.Context(), "http://pipe", ev.opts(&DialOptions{HTTPClient: hc, Transports: []string{transport}}))
				if err != nil {
					t.Fatal(err)
				}
				defer s.Close()
				c := ev.waitClose(t)
				if c.reason != ReasonPingTimeout {
					t.Errorf("closed with %q (%v), want %q", c.reason, c.cause, ReasonPingTimeout)
				}
				if d := time.Since(start); d != 1500*time.Millisecond {
					t.Errorf("closed after %v, want pingInterval+pingTimeout = 1.5s", d)
				}
				if transport == TransportPolling {
					// As engine.io-client, the client tells the server with a close packet.
					if got := <-f.posts; got != "1" {
						t.Errorf("POST after the timeout = %q, want the close packet", got)
					}
				}
			})
		})
	}
}

func TestClientV4AnswersPings(t *testing.T) {
	for _, transport := range []string{TransportPolling, TransportWebSocket} {
		t.Run(transport, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				f := newFakeEngine(hsV4)
				hc := servePipe(t, f)
				ev := newClientEvents()
				s, err := Dial(t.Context(), "http://pipe", ev.opts(&DialOptions{HTTPClient: hc, Transports: []string{transport}}))
				if err != nil {
					t.Fatal(err)
				}
				// Ping every second for 5s, longer than pingInterval+pingTimeout: each ping is
				// answered by a pong and restarts the timeout.
				for range 5 {
					time.Sleep(time.Second)
					var pong string
					if transport == TransportPolling {
						f.gets <- "2"
						pong = <-f.posts
					} else {
						f.frames <- fakeFrame{data: "2"}
						pong = <-f.wsIn
					}
					if pong != "3" {
						t.Fatalf("answer to ping = %q, want %q", pong, "3")
					}
				}
				select {
				case c := <-ev.closes:
					t.Fatalf("closed with %q (%v) although pinged", c.reason, c.cause)
				default:
				}
				s.Close()
				if c := ev.waitClose(t); c.reason != ReasonForcedClose {
					t.Errorf("closed with %q, want %q", c.reason, ReasonForcedClose)
				}
			})
		})
	}
}

func TestClientV3Heartbeat(t *testing.T) {
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
				start := time.Now()
				s, err := Dial(t.Context(), "http://pipe", ev.opts(&DialOptions{HTTPClient: hc, Protocol: 3, Transports: []string{transport}}))
				if err != nil {
					t.Fatal(err)
				}
				defer s.Close()
				recv := func() string {
					if transport == TransportPolling {
						return <-f.posts
					}
					return <-f.wsIn
				}
				pong := func() {
					if transport == TransportPolling {
						f.gets <- v3Payload("3")
					} else {
						f.frames <- fakeFrame{data: "3"}
					}
				}
				wantPing := "1:2"
				if transport == TransportWebSocket {
					wantPing = "2"
				}
				// The client pings pingInterval after the handshake and after each pong.
				for i := range 3 {
					if got := recv(); got != wantPing {
						t.Fatalf("ping %d = %q, want %q", i, got, wantPing)
					}
					if d := time.Since(start); d != time.Duration(i+1)*time.Second {
						t.Errorf("ping %d after %v, want %v", i, d, time.Duration(i+1)*time.Second)
					}
					pong()
				}
				// Without a pong it gives up pingTimeout after the ping.
				if got := recv(); got != wantPing {
					t.Fatalf("ping = %q, want %q", got, wantPing)
				}
				pinged := time.Now()
				c := ev.waitClose(t)
				if c.reason != ReasonPingTimeout {
					t.Errorf("closed with %q (%v), want %q", c.reason, c.cause, ReasonPingTimeout)
				}
				if d := time.Since(pinged); d != 500*time.Millisecond {
					t.Errorf("closed %v after the unanswered ping, want pingTimeout 500ms", d)
				}
			})
		})
	}
}
