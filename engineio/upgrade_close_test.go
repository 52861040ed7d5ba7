package engineio

import (
	"context"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/coder/websocket"
)

// upgradeEnv is a pipeEnv whose sockets echo messages and report every callback, in order,
// on events: "message <data>", "upgrade <argument> <Transport() during the call>",
// "close <reason>".
type upgradeEnv struct {
	*pipeEnv
	events chan string
}

func newUpgradeEnv(t *testing.T, opts *Options) *upgradeEnv {
	u := &upgradeEnv{pipeEnv: newPipeEnv(t, opts), events: make(chan string, 16)}
	// Replaces pipeEnv's handler; no request has been served yet.
	u.srv.OnConnection(func(s *Socket) {
		s.OnMessage(func(m Message) {
			u.events <- "message " + string(m.Data)
			_ = s.Send([]Message{m}, SendOptions{})
		})
		s.OnUpgrade(func(tr string) { u.events <- "upgrade " + tr + " " + s.Transport() })
		s.OnClose(func(reason string, _ error) { u.events <- "close " + reason })
	})
	return u
}

// open starts a polling session and returns it with the query string of its requests.
func (u *upgradeEnv) open(eio string) (*Socket, string) {
	u.t.Helper()
	body := u.do("GET", "EIO="+eio+"&transport=polling&b64=1", "").body
	if eio == "3" {
		ps, err := DecodePayloadV3([]byte(body))
		if err != nil || len(ps) == 0 {
			u.t.Fatalf("v3 handshake %q: %v", body, err)
		}
		body = "0" + string(ps[0].Data)
	}
	sid := sidOf(u.t, body)
	s := u.srv.lookup(sid)
	if s == nil {
		u.t.Fatalf("no socket %s", sid)
	}
	return s, "EIO=" + eio + "&transport=polling&sid=" + sid
}

// wantEvents waits until every goroutine of the bubble is blocked, then checks that the
// callbacks reported so far are exactly want.
func (u *upgradeEnv) wantEvents(want ...string) {
	u.t.Helper()
	synctest.Wait()
	var got []string
	for len(u.events) > 0 {
		got = append(got, <-u.events)
	}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		u.t.Fatalf("callbacks %q, want %q", got, want)
	}
}

// closePacket is a polling body that holds only the close packet.
func closePacket(eio string) string {
	if eio == "3" {
		return "1:1"
	}
	return "1"
}

// Node finishes an upgrade that is under way when socket.close() is called with no GET to
// carry the close packet, then closes the new websocket at once with "forced close"; it does
// not wait for the polling close timeout (30 s).
func TestCloseDuringUpgrade(t *testing.T) {
	for _, eio := range []string{"4", "3"} {
		for _, phase := range []string{"after probe", "before probe"} {
			t.Run("EIO="+eio+"/"+phase, func(t *testing.T) {
				synctest.Test(t, func(t *testing.T) {
					u := newUpgradeEnv(t, nil)
					s, q := u.open(eio)
					if err := s.Send([]Message{{Data: []byte("bye")}}, SendOptions{}); err != nil {
						t.Fatal(err)
					}
					c := u.dial(strings.Replace(q, "polling", "websocket", 1))
					synctest.Wait() // the server holds the probe
					if phase == "after probe" {
						wsWrite(t, c, websocket.MessageText, "2probe")
						if _, msg := wsRead(t, c); msg != "3probe" {
							t.Fatalf("probe answer %q", msg)
						}
					}
					start := time.Now()
					_ = s.Close()
					if err := s.Send([]Message{{Data: []byte("late")}}, SendOptions{}); err != ErrClosed {
						t.Fatalf("Send after Close: %v, want ErrClosed", err)
					}
					u.wantEvents() // still waiting: for a GET or for the upgrade
					if phase == "before probe" {
						wsWrite(t, c, websocket.MessageText, "2probe")
						if _, msg := wsRead(t, c); msg != "3probe" {
							t.Fatalf("probe answer %q", msg)
						}
					}
					wsWrite(t, c, websocket.MessageText, "5")
					if _, msg := wsRead(t, c); msg != "4bye" {
						t.Fatalf("queued message over the new websocket: %q", msg)
					}
					if err := wsWaitClosed(t, c); websocket.CloseStatus(err) != websocket.StatusNormalClosure {
						t.Fatalf("websocket end: %v, want a normal closure", err)
					}
					u.wantEvents("upgrade websocket websocket", "close forced close")
					if d := time.Since(start); d != 0 {
						t.Fatalf("closed after %v, want at once", d)
					}
					wantError(t, u.do("GET", q, ""), 400, `{"code":1,"message":"Session ID unknown"}`)
				})
			})
		}
	}
}

// A GET pending when Close is called carries the close packet at once; the upgrade under
// way is dropped (Node: the polling transport is writable, so it closes at once, and the
// socket's close ends the probe).
func TestCloseDuringUpgradeWithPendingGET(t *testing.T) {
	for _, eio := range []string{"4", "3"} {
		for _, phase := range []string{"before probe", "after probe"} {
			t.Run("EIO="+eio+"/"+phase, func(t *testing.T) {
				synctest.Test(t, func(t *testing.T) {
					u := newUpgradeEnv(t, nil)
					s, q := u.open(eio)
					c := u.dial(strings.Replace(q, "polling", "websocket", 1))
					if phase == "after probe" {
						wsWrite(t, c, websocket.MessageText, "2probe")
						if _, msg := wsRead(t, c); msg != "3probe" {
							t.Fatalf("probe answer %q", msg)
						}
					}
					// After the probe the GET waits upgradeNoopDelay for the "5" before
					// it is answered with noop; Close comes first.
					poll := async(func() resp { return u.do("GET", q, "") })
					synctest.Wait()
					start := time.Now()
					_ = s.Close()
					if r := <-poll; r.body != closePacket(eio) {
						t.Fatalf("pending GET %q, want the close packet", r.body)
					}
					if _, _, err := c.Read(context.Background()); err == nil {
						t.Fatal("the probe websocket is still open")
					}
					u.wantEvents("close forced close")
					if d := time.Since(start); d != 0 {
						t.Fatalf("closed after %v, want at once", d)
					}
				})
			})
		}
	}
}

// After Close during an upgrade, the session still ends when the client polls instead of
// upgrading, or, if it does neither, when the probe times out (UpgradeTimeout) and then the
// polling close timeout passes (Node: closeTimeout, 30 s).
func TestCloseDuringUpgradeNotCompleted(t *testing.T) {
	for _, eio := range []string{"4", "3"} {
		t.Run("EIO="+eio+"/GET", func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				u := newUpgradeEnv(t, nil)
				s, q := u.open(eio)
				c := u.dial(strings.Replace(q, "polling", "websocket", 1))
				wsWrite(t, c, websocket.MessageText, "2probe")
				wsRead(t, c)
				_ = s.Close()
				if r := u.do("GET", q, ""); r.body != closePacket(eio) {
					t.Fatalf("GET %q, want the close packet", r.body)
				}
				if _, _, err := c.Read(context.Background()); err == nil {
					t.Fatal("the probe websocket is still open")
				}
				u.wantEvents("close forced close")
			})
		})
		t.Run("EIO="+eio+"/timeouts", func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				u := newUpgradeEnv(t, &Options{UpgradeTimeout: 2 * time.Second})
				s, q := u.open(eio)
				c := u.dial(strings.Replace(q, "polling", "websocket", 1))
				wsWrite(t, c, websocket.MessageText, "2probe")
				wsRead(t, c)
				start := time.Now()
				_ = s.Close()
				if _, _, err := c.Read(context.Background()); err == nil {
					t.Fatal("read from the probe succeeded")
				}
				if d := time.Since(start); d != 2*time.Second {
					t.Fatalf("probe dropped after %v, want UpgradeTimeout (2s)", d)
				}
				time.Sleep(pollingCloseTimeout - 2*time.Second - time.Nanosecond)
				u.wantEvents()
				time.Sleep(time.Nanosecond)
				u.wantEvents("close forced close")
			})
		})
	}
}

func TestOnUpgrade(t *testing.T) {
	for _, eio := range []string{"4", "3"} {
		t.Run("EIO="+eio, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				u := newUpgradeEnv(t, nil)
				_, q := u.open(eio)
				c := u.dial(strings.Replace(q, "polling", "websocket", 1))
				wsWrite(t, c, websocket.MessageText, "2probe")
				wsRead(t, c)
				u.wantEvents() // not before the upgrade packet
				wsWrite(t, c, websocket.MessageText, "5")
				wsWrite(t, c, websocket.MessageText, "4over websocket")
				if _, msg := wsRead(t, c); msg != "4over websocket" {
					t.Fatalf("echo %q", msg)
				}
				u.wantEvents("upgrade websocket websocket", "message over websocket")
				wsWrite(t, c, websocket.MessageText, "1")
				wsWaitClosed(t, c)
				u.wantEvents("close transport close") // once only
			})
		})
	}
	// Sessions opened on websocket, and failed upgrades, report no upgrade.
	synctest.Test(t, func(t *testing.T) {
		u := newUpgradeEnv(t, &Options{UpgradeTimeout: time.Second})
		c := u.dial("EIO=4&transport=websocket")
		wsRead(t, c)
		_, q := u.open("4")
		p := u.dial(strings.Replace(q, "polling", "websocket", 1))
		wsWrite(t, p, websocket.MessageText, "2probe")
		wsRead(t, p)
		time.Sleep(time.Second) // UpgradeTimeout
		if _, _, err := p.Read(context.Background()); err == nil {
			t.Fatal("the probe outlived UpgradeTimeout")
		}
		u.wantEvents()
	})
}

// A panic in OnUpgrade closes only that socket, with "transport error".
func TestOnUpgradePanic(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newPipeEnv(t, nil)
		e.srv.OnConnection(func(s *Socket) {
			s.OnUpgrade(func(string) { panic("boom") })
			s.OnClose(func(reason string, cause error) { e.closes <- closeEvent{s.ID(), reason, cause} })
		})
		sid := sidOf(t, e.do("GET", "EIO=4&transport=polling", "").body)
		c := e.dial("EIO=4&transport=websocket&sid=" + sid)
		wsWrite(t, c, websocket.MessageText, "2probe")
		wsRead(t, c)
		wsWrite(t, c, websocket.MessageText, "5")
		wsWaitClosed(t, c)
		ev := <-e.closes
		if ev.reason != ReasonTransportError || ev.cause == nil || !strings.Contains(ev.cause.Error(), "panic in OnUpgrade") {
			t.Fatalf("close %q %v, want transport error from the panic", ev.reason, ev.cause)
		}
	})
}
