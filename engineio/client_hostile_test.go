package engineio

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"testing/synctest"
	"time"
)

const (
	hsV4 = `0{"sid":"abc","upgrades":[],"pingInterval":1000,"pingTimeout":500,"maxPayload":1000000}`
	hsV3 = `0{"sid":"abc","upgrades":[],"pingInterval":1000,"pingTimeout":500}`
)

// v3Payload frames one text packet as a v3 polling payload.
func v3Payload(packets ...string) string {
	var b []byte
	for _, p := range packets {
		b = AppendPayloadV3(b, []Packet{{Type: PacketType(p[0] - '0'), Data: []byte(p[1:])}})
	}
	return string(b)
}

func TestDialRejectsBadHandshake(t *testing.T) {
	for _, tc := range []struct {
		name      string
		protocol  int
		transport string
		status    int
		body      string
		want      string // in the error text
	}{
		{"not json", 4, "polling", 0, `0{nope`, "not the handshake JSON"},
		{"no sid", 4, "polling", 0, `0{"upgrades":[],"pingInterval":25000,"pingTimeout":20000}`, "no sid"},
		{"zero ping interval", 4, "polling", 0, `0{"sid":"a","upgrades":[],"pingInterval":0,"pingTimeout":1}`, "pingInterval"},
		{"negative maxPayload", 4, "polling", 0, `0{"sid":"a","pingInterval":1,"pingTimeout":1,"maxPayload":-1}`, "maxPayload"},
		{"message first", 4, "polling", 0, `4hello`, "expected an open packet"},
		{"not a payload", 4, "polling", 0, "\x00\x01zz", "unknown packet type"},
		{"empty body", 4, "polling", 0, "", "empty payload"},
		{"unsupported version", 4, "polling", 400, `{"code":5,"message":"Unsupported protocol version"}`, "Unsupported protocol version"},
		{"v3 bad length", 3, "polling", 0, `99:0{}`, "exceeds the payload"},
		{"v3 not json", 3, "polling", 0, v3Payload(`0{nope`), "not the handshake JSON"},
		{"websocket not json", 4, "websocket", 0, `0{nope`, "not the handshake JSON"},
		{"websocket garbage", 4, "websocket", 0, `x`, "unknown packet type"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				f := newFakeEngine(tc.body)
				f.status = tc.status
				hc := servePipe(t, f)
				ev := newClientEvents()
				s, err := Dial(t.Context(), "http://pipe", ev.opts(&DialOptions{HTTPClient: hc, Protocol: tc.protocol, Transports: []string{tc.transport}}))
				if err == nil {
					s.Close()
					t.Fatal("Dial succeeded")
				}
				if !errors.Is(err, ErrHandshake) {
					t.Errorf("err = %v, want ErrHandshake", err)
				}
				if !strings.Contains(err.Error(), tc.want) {
					t.Errorf("err = %q, want it to mention %q", err, tc.want)
				}
				select {
				case c := <-ev.closes:
					t.Errorf("OnClose called after a failed Dial: %+v", c)
				default:
				}
			})
		})
	}
}

func TestDialHandshakeNeverAnswered(t *testing.T) {
	for _, transport := range []string{TransportPolling, TransportWebSocket} {
		t.Run(transport, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				f := newFakeEngine("")
				f.silent = true
				hc := servePipe(t, f)
				ctx, cancel := context.WithTimeout(t.Context(), 3*time.Second)
				defer cancel()
				start := time.Now()
				_, err := Dial(ctx, "http://pipe", &DialOptions{HTTPClient: hc, Transports: []string{transport}})
				if !errors.Is(err, context.DeadlineExceeded) {
					t.Fatalf("err = %v, want context.DeadlineExceeded", err)
				}
				if d := time.Since(start); d != 3*time.Second {
					t.Errorf("Dial returned after %v, want the 3s of ctx", d)
				}
			})
		})
	}
}

func TestClientGarbageClosesWithParseError(t *testing.T) {
	for _, tc := range []struct {
		name      string
		protocol  int
		transport string
		poll      string    // a GET answer, for polling
		frame     fakeFrame // for websocket
		ctype     string
	}{
		{name: "v4 polling unknown type", protocol: 4, transport: "polling", poll: "4ok\x1e9garbage"},
		{name: "v4 polling bad base64", protocol: 4, transport: "polling", poll: "b!!!"},
		{name: "v4 polling empty entry", protocol: 4, transport: "polling", poll: "4a\x1e\x1e4b"},
		{name: "v3 polling bad length", protocol: 3, transport: "polling", poll: "7:4ab"},
		{name: "v3 polling no colon", protocol: 3, transport: "polling", poll: "4hello"},
		{name: "v3 polling bad binary payload", protocol: 3, transport: "polling", poll: "\x07\x01\xff4", ctype: "application/octet-stream"},
		{name: "v4 websocket unknown type", protocol: 4, transport: "websocket", frame: fakeFrame{data: "x"}},
		{name: "v4 websocket empty", protocol: 4, transport: "websocket", frame: fakeFrame{data: ""}},
		{name: "v3 websocket bad binary type", protocol: 3, transport: "websocket", frame: fakeFrame{data: "\x09abc", binary: true}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				hs := hsV4
				if tc.protocol == 3 {
					hs = v3Payload(hsV3)
					if tc.transport == TransportWebSocket {
						hs = hsV3
					}
				}
				f := newFakeEngine(hs)
				f.ctype = tc.ctype
				hc := servePipe(t, f)
				ev := newClientEvents()
				s, err := Dial(t.Context(), "http://pipe", ev.opts(&DialOptions{HTTPClient: hc, Protocol: tc.protocol, Transports: []string{tc.transport}}))
				if err != nil {
					t.Fatal(err)
				}
				if tc.transport == TransportPolling {
					f.gets <- tc.poll
				} else {
					f.frames <- tc.frame
				}
				c := ev.waitClose(t)
				if c.reason != ReasonParseError || !errors.Is(c.cause, ErrParse) {
					t.Errorf("closed with %q (%v), want %q wrapping ErrParse", c.reason, c.cause, ReasonParseError)
				}
				if err := s.Send([]Message{{Data: []byte("x")}}, SendOptions{}); !errors.Is(err, ErrClosed) {
					t.Errorf("Send after close = %v, want ErrClosed", err)
				}
				s.Close()
			})
		})
	}
}

func TestClientServerErrorStatusIsTransportError(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := newFakeEngine(hsV4)
		hc := servePipe(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Query().Get("sid") != "" && r.Method == http.MethodGet {
				w.WriteHeader(http.StatusBadRequest)
				_, _ = w.Write([]byte(`{"code":1,"message":"Session ID unknown"}`))
				return
			}
			f.ServeHTTP(w, r)
		}))
		ev := newClientEvents()
		s, err := Dial(t.Context(), "http://pipe", ev.opts(&DialOptions{HTTPClient: hc, Transports: []string{"polling"}}))
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		c := ev.waitClose(t)
		if c.reason != ReasonTransportError || !strings.Contains(c.cause.Error(), "Session ID unknown") {
			t.Errorf("closed with %q (%v), want %q naming the server's error", c.reason, c.cause, ReasonTransportError)
		}
	})
}

func TestClientServerClosePacket(t *testing.T) {
	for _, tc := range []struct {
		name      string
		transport string
	}{{"polling", TransportPolling}, {"websocket", TransportWebSocket}} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				f := newFakeEngine(hsV4)
				hc := servePipe(t, f)
				ev := newClientEvents()
				s, err := Dial(t.Context(), "http://pipe", ev.opts(&DialOptions{HTTPClient: hc, Transports: []string{tc.transport}}))
				if err != nil {
					t.Fatal(err)
				}
				defer s.Close()
				if tc.transport == TransportPolling {
					f.gets <- "4last\x1e1"
				} else {
					f.frames <- fakeFrame{data: "4last"}
					f.frames <- fakeFrame{data: "1"}
				}
				if m := ev.waitMsg(t); string(m.Data) != "last" {
					t.Errorf("message %q, want the one sent before the close", m.Data)
				}
				if c := ev.waitClose(t); c.reason != ReasonTransportClose {
					t.Errorf("closed with %q (%v), want %q", c.reason, c.cause, ReasonTransportClose)
				}
			})
		})
	}
}

func TestClientHandlerPanicClosesSocket(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := newFakeEngine(hsV4)
		hc := servePipe(t, f)
		closes := make(chan closeEvent, 1)
		s, err := Dial(t.Context(), "http://pipe", &DialOptions{
			HTTPClient: hc,
			Transports: []string{"polling"},
			OnMessage:  func(Message) { panic("boom") },
			OnClose:    func(reason string, cause error) { closes <- closeEvent{reason: reason, cause: cause} },
		})
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		f.gets <- "4hi"
		c := <-closes
		if c.reason != ReasonTransportError || !strings.Contains(c.cause.Error(), "boom") {
			t.Errorf("closed with %q (%v), want %q naming the panic", c.reason, c.cause, ReasonTransportError)
		}
	})
}
