package engineio

import (
	"bytes"
	"context"
	"fmt"
	"sync"
	"testing"
	"testing/synctest"
	"time"
)

// clientServerEnv is our Server behind a pipe (run it inside synctest.Test) whose sockets
// echo every message; its sockets and their closes are reported on channels.
type clientServerEnv struct {
	srv    *Server
	socks  chan *Socket
	closes chan closeEvent
	client func(o *DialOptions) *DialOptions // fills HTTPClient
}

func newClientServerEnv(t *testing.T, opts *Options) *clientServerEnv {
	srv, err := NewServer(opts)
	if err != nil {
		t.Fatal(err)
	}
	e := &clientServerEnv{srv: srv, socks: make(chan *Socket, 16), closes: make(chan closeEvent, 16)}
	srv.OnConnection(func(s *Socket) {
		s.OnMessage(func(m Message) { _ = s.Send([]Message{m}, SendOptions{}) })
		s.OnClose(func(reason string, cause error) { e.closes <- closeEvent{s.ID(), reason, cause} })
		e.socks <- s
	})
	hc := servePipe(t, srv)
	t.Cleanup(func() { _ = srv.Shutdown(context.Background()) })
	e.client = func(o *DialOptions) *DialOptions {
		o.HTTPClient = hc
		return o
	}
	return e
}

var clientServerCases = []struct {
	name       string
	transports []string
	final      string // transport after the upgrade, if any
}{
	{"polling", []string{TransportPolling}, TransportPolling},
	{"websocket", []string{TransportWebSocket}, TransportWebSocket},
	{"upgrade", nil, TransportWebSocket},
}

func TestClientWithServer(t *testing.T) {
	for _, protocol := range []int{ProtocolV4, ProtocolV3} {
		for _, tc := range clientServerCases {
			t.Run(fmt.Sprintf("v%d/%s", protocol, tc.name), func(t *testing.T) {
				synctest.Test(t, func(t *testing.T) {
					env := newClientServerEnv(t, nil)
					ev := newClientEvents()
					c, err := Dial(t.Context(), "http://pipe", ev.opts(env.client(&DialOptions{Protocol: protocol, Transports: tc.transports})))
					if err != nil {
						t.Fatal(err)
					}
					ss := <-env.socks
					if ss.ID() != c.ID() || ss.Protocol() != protocol || c.Protocol() != protocol {
						t.Fatalf("server socket %s v%d, client %s v%d", ss.ID(), ss.Protocol(), c.ID(), c.Protocol())
					}
					if tc.transports == nil {
						if tr := <-ev.upgrades; tr != TransportWebSocket {
							t.Fatalf("OnUpgrade(%q)", tr)
						}
					}
					synctest.Wait()
					if c.Transport() != tc.final || ss.Transport() != tc.final {
						t.Errorf("transport: client %s, server %s, want %s", c.Transport(), ss.Transport(), tc.final)
					}

					// Text and binary, both ways (the server echoes).
					sent := []Message{{Data: []byte("héllo €")}, {Data: []byte{0, 1, 0xff}, Binary: true}}
					if err := c.Send(sent, SendOptions{}); err != nil {
						t.Fatal(err)
					}
					for _, want := range sent {
						if m := ev.waitMsg(t); m.Binary != want.Binary || !bytes.Equal(m.Data, want.Data) {
							t.Errorf("echo %+v, want %+v", m, want)
						}
					}

					// Close from the client: the server hears "transport close".
					c.Close()
					if got := (<-env.closes).reason; got != ReasonTransportClose {
						t.Errorf("server close reason %q, want %q", got, ReasonTransportClose)
					}
					if got := ev.waitClose(t).reason; got != ReasonForcedClose {
						t.Errorf("client close reason %q, want %q", got, ReasonForcedClose)
					}
				})
			})
		}
	}
}

func TestClientServerSideClose(t *testing.T) {
	for _, protocol := range []int{ProtocolV4, ProtocolV3} {
		for _, tc := range clientServerCases {
			t.Run(fmt.Sprintf("v%d/%s", protocol, tc.name), func(t *testing.T) {
				synctest.Test(t, func(t *testing.T) {
					env := newClientServerEnv(t, nil)
					ev := newClientEvents()
					c, err := Dial(t.Context(), "http://pipe", ev.opts(env.client(&DialOptions{Protocol: protocol, Transports: tc.transports})))
					if err != nil {
						t.Fatal(err)
					}
					defer c.Close()
					ss := <-env.socks
					if tc.transports == nil {
						<-ev.upgrades
					}
					ss.Close()
					if got := ev.waitClose(t); got.reason != ReasonTransportClose {
						t.Errorf("client close reason %q (%v), want %q", got.reason, got.cause, ReasonTransportClose)
					}
				})
			})
		}
	}
}

func TestClientHeartbeatWithServer(t *testing.T) {
	// Server pingInterval 1s, pingTimeout 500ms: over 10s both sides keep the session.
	for _, protocol := range []int{ProtocolV4, ProtocolV3} {
		for _, tc := range clientServerCases {
			t.Run(fmt.Sprintf("v%d/%s", protocol, tc.name), func(t *testing.T) {
				synctest.Test(t, func(t *testing.T) {
					env := newClientServerEnv(t, &Options{PingInterval: time.Second, PingTimeout: 500 * time.Millisecond})
					ev := newClientEvents()
					c, err := Dial(t.Context(), "http://pipe", ev.opts(env.client(&DialOptions{Protocol: protocol, Transports: tc.transports})))
					if err != nil {
						t.Fatal(err)
					}
					<-env.socks
					time.Sleep(10 * time.Second)
					synctest.Wait()
					select {
					case cl := <-ev.closes:
						t.Fatalf("client closed: %q (%v)", cl.reason, cl.cause)
					case cl := <-env.closes:
						t.Fatalf("server closed: %q (%v)", cl.reason, cl.cause)
					default:
					}
					if err := c.Send([]Message{{Data: []byte("still here")}}, SendOptions{}); err != nil {
						t.Fatal(err)
					}
					if m := ev.waitMsg(t); string(m.Data) != "still here" {
						t.Errorf("echo %q", m.Data)
					}
					c.Close()
				})
			})
		}
	}
}

func TestClientOrderAcrossUpgrade(t *testing.T) {
	for _, protocol := range []int{ProtocolV4, ProtocolV3} {
		t.Run(fmt.Sprintf("v%d", protocol), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				env := newClientServerEnv(t, nil)
				ev := newClientEvents()
				c, err := Dial(t.Context(), "http://pipe", ev.opts(env.client(&DialOptions{Protocol: protocol})))
				if err != nil {
					t.Fatal(err)
				}
				defer c.Close()
				const n = 100
				for i := range n { // sent while the upgrade runs
					if err := c.Send([]Message{{Data: fmt.Appendf(nil, "%d", i)}}, SendOptions{}); err != nil {
						t.Fatal(err)
					}
				}
				for i := range n {
					if m := ev.waitMsg(t); string(m.Data) != fmt.Sprint(i) {
						t.Fatalf("message %d = %q: lost, duplicated or reordered", i, m.Data)
					}
				}
				if tr := <-ev.upgrades; tr != TransportWebSocket {
					t.Errorf("OnUpgrade(%q)", tr)
				}
			})
		})
	}
}

func TestClientRememberUpgrade(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		env := newClientServerEnv(t, nil)
		priorWebsocketSuccess.Store(false)
		ev := newClientEvents()
		c, err := Dial(t.Context(), "http://pipe", ev.opts(env.client(&DialOptions{RememberUpgrade: true})))
		if err != nil {
			t.Fatal(err)
		}
		// Only a connection that started on polling upgrades (reading Transport() right
		// after Dial would race the upgrade, which may already have happened).
		startedOnPolling := func(ev *clientEvents) bool {
			select {
			case tr := <-ev.upgrades:
				return tr == TransportWebSocket
			case <-time.After(time.Minute):
				return false
			}
		}
		if !startedOnPolling(ev) {
			t.Errorf("first connection did not start on polling (no upgrade), now on %s", c.Transport())
		}
		c.Close()
		c2, err := Dial(t.Context(), "http://pipe", env.client(&DialOptions{RememberUpgrade: true}))
		if err != nil {
			t.Fatal(err)
		}
		defer c2.Close()
		if c2.Transport() != TransportWebSocket {
			t.Errorf("after an upgrade, RememberUpgrade starts on %s, want websocket", c2.Transport())
		}
		ev3 := newClientEvents()
		c3, err := Dial(t.Context(), "http://pipe", ev3.opts(env.client(&DialOptions{})))
		if err != nil {
			t.Fatal(err)
		}
		defer c3.Close()
		if !startedOnPolling(ev3) {
			t.Errorf("without RememberUpgrade the handshake was not on polling (no upgrade), now on %s", c3.Transport())
		}
	})
}

func TestClientDisableUpgrades(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		env := newClientServerEnv(t, nil)
		ev := newClientEvents()
		c, err := Dial(t.Context(), "http://pipe", ev.opts(env.client(&DialOptions{DisableUpgrades: true})))
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		time.Sleep(time.Minute)
		synctest.Wait()
		if c.Transport() != TransportPolling || len(ev.upgrades) != 0 {
			t.Errorf("transport %s after a minute with DisableUpgrades, want polling", c.Transport())
		}
	})
}

func TestClientSendConcurrentSafe(t *testing.T) {
	for _, tc := range clientServerCases {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				env := newClientServerEnv(t, nil)
				ev := newClientEvents()
				c, err := Dial(t.Context(), "http://pipe", ev.opts(env.client(&DialOptions{Transports: tc.transports})))
				if err != nil {
					t.Fatal(err)
				}
				defer c.Close()
				const senders, each = 8, 25
				var wg sync.WaitGroup
				for g := range senders {
					wg.Go(func() {
						for i := range each {
							if err := c.Send([]Message{{Data: fmt.Appendf(nil, "%d/%d", g, i)}}, SendOptions{}); err != nil {
								t.Error(err)
								return
							}
						}
					})
				}
				wg.Wait()
				next := make([]int, senders) // per sender, messages arrive in send order
				for range senders * each {
					m := ev.waitMsg(t)
					var g, i int
					if _, err := fmt.Sscanf(string(m.Data), "%d/%d", &g, &i); err != nil || g >= senders || i != next[g] {
						t.Fatalf("echo %q: want %d/%d", m.Data, g, next[g])
					}
					next[g]++
				}
			})
		})
	}
}
