package client

import (
	"context"
	"errors"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gosockio/gosockio/engineio"
	"github.com/gosockio/gosockio/socketio"
)

// newTestServer serves our socketio server on 127.0.0.1:0 with the handlers the tests
// use, and returns its URL.
func newTestServer(t *testing.T, opts *socketio.Options) (*socketio.Server, string) {
	t.Helper()
	if opts == nil {
		opts = &socketio.Options{}
	}
	io, err := socketio.NewServer(opts)
	if err != nil {
		t.Fatal(err)
	}
	io.OnConnection(func(s *socketio.Socket) {
		s.On("echo", func(a socketio.Args, ack func(...any)) { ack(a.Values()...) })
		s.On("join", func(room string, ack func()) { s.Join(room); ack() })
		s.On("to-room", func(room, msg string) { _ = io.To(room).Emit("room-msg", room, msg) })
		s.On("ask", func(ack func(string)) {
			_ = s.Timeout(2*time.Second).Emit("question", "q?", func(err error, answer string) {
				if err != nil {
					ack("error: " + err.Error())
					return
				}
				ack(answer)
			})
		})
		s.On("disconnect-me", func() { s.Disconnect(false) })
		s.On("drop", func() { _ = s.Conn().Close() })
	})
	ts := httptest.NewServer(io)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = io.Close(ctx)
		ts.Close()
	})
	return io, ts.URL
}

func waitChan[T any](t *testing.T, ch <-chan T, what string) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(10 * time.Second):
		t.Fatalf("timed out waiting for %s", what)
		panic("unreachable")
	}
}

func connectT(t *testing.T, url string, opts *Options) *Socket {
	t.Helper()
	o := Options{ReconnectionDelay: 20 * time.Millisecond, ReconnectionDelayMax: 50 * time.Millisecond}
	if opts != nil {
		o = *opts
	}
	// The caller registers its listeners, then calls Connect: nothing can be missed.
	o.ForceNew, o.AutoConnect = true, new(false)
	s, err := Connect(url, &o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Manager().Close(); s.Manager().Wait() })
	return s
}

func TestConnectAndEchoOverTransports(t *testing.T) {
	_, url := newTestServer(t, nil)
	for _, tr := range [][]string{{"polling"}, {"websocket"}, nil} {
		t.Run(strings.Join(tr, "+"), func(t *testing.T) {
			s := connectT(t, url, &Options{Transports: tr})
			connected := make(chan struct{}, 1)
			s.OnConnect(func() { connected <- struct{}{} })
			s.Connect()
			waitChan(t, connected, "connect")
			if s.ID() == "" || !s.Connected() {
				t.Fatalf("ID %q Connected %v after connect", s.ID(), s.Connected())
			}
			ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
			defer cancel()
			a, err := s.EmitWithAck(ctx, "echo", "hi", 42, []byte{1, 2, 3})
			if err != nil {
				t.Fatal(err)
			}
			var str string
			var n int
			var b []byte
			if err := a.Scan(&str, &n, &b); err != nil {
				t.Fatal(err)
			}
			if str != "hi" || n != 42 || string(b) != "\x01\x02\x03" {
				t.Fatalf("echo = %q %d %v", str, n, b)
			}
		})
	}
}

func TestServerAsksClientAck(t *testing.T) {
	_, url := newTestServer(t, nil)
	s := connectT(t, url, nil)
	s.On("question", func(q string, ack func(string)) { ack("answer to " + q) })
	s.Connect()
	got, err := s.Timeout(5*time.Second).EmitWithAck(t.Context(), "ask")
	if err != nil {
		t.Fatal(err)
	}
	var ans string
	_ = got.Decode(0, &ans)
	if ans != "answer to q?" {
		t.Fatalf("answer %q", ans)
	}
}

func TestServerDisconnectReason(t *testing.T) {
	_, url := newTestServer(t, nil)
	for _, tc := range []struct{ event, reason string }{
		{"disconnect-me", ReasonIOServerDisconnect},
		{"drop", ReasonTransportClose},
	} {
		t.Run(tc.event, func(t *testing.T) {
			s := connectT(t, url, &Options{Transports: []string{"websocket"}, ReconnectionDelay: 20 * time.Millisecond})
			reasons := make(chan string, 4)
			connects := make(chan struct{}, 4)
			s.OnDisconnect(func(r string) { reasons <- r })
			s.OnConnect(func() { connects <- struct{}{} })
			s.Connect()
			waitChan(t, connects, "connect")
			if err := s.Emit(tc.event); err != nil {
				t.Fatal(err)
			}
			if r := waitChan(t, reasons, "disconnect"); r != tc.reason {
				t.Fatalf("reason %q, want %q", r, tc.reason)
			}
			if tc.reason == ReasonTransportClose {
				waitChan(t, connects, "reconnect")
			} else if s.Active() {
				t.Fatal("socket still active after server disconnect")
			}
		})
	}
}

func TestMiddlewareRejection(t *testing.T) {
	io, url := newTestServer(t, nil)
	io.Of("/private").Use(func(s *socketio.Socket) error {
		return &socketio.ConnectError{Message: "not authorized", Data: map[string]any{"code": 42}}
	})
	s := connectT(t, url+"/private", nil)
	errs := make(chan error, 1)
	s.OnConnectError(func(err error) { errs <- err })
	s.Connect()
	err := waitChan(t, errs, "connect_error")
	var ce *ConnectError
	if !errors.As(err, &ce) || ce.Message != "not authorized" {
		t.Fatalf("err %v", err)
	}
	var d struct{ Code int }
	if err := ce.DecodeData(&d); err != nil || d.Code != 42 {
		t.Fatalf("data %s (%v)", ce.Data, err)
	}
	if s.Active() {
		t.Fatal("socket still active after a refusal")
	}
}

var _ = engineio.ErrClosed

func TestHandshakeCarriesQueryHeadersAndPath(t *testing.T) {
	io, err := socketio.NewServer(&socketio.Options{Options: engineio.Options{Path: "/custom/"}})
	if err != nil {
		t.Fatal(err)
	}
	seen := make(chan string, 1)
	io.OnConnection(func(s *socketio.Socket) {
		seen <- s.Request().Header.Get("X-Test") + " " + s.Handshake().Query.Get("a") + " " + s.Handshake().Query.Get("b")
	})
	ts := httptest.NewServer(io)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = io.Close(ctx)
		ts.Close()
	})
	s := connectT(t, ts.URL+"/?a=1", &Options{
		Path:         "/custom/",
		Query:        map[string][]string{"b": {"2"}},
		ExtraHeaders: map[string][]string{"X-Test": {"yes"}},
		Transports:   []string{"polling"},
		Upgrade:      new(false),
	})
	s.Connect()
	if got := waitChan(t, seen, "connection"); got != "yes 1 2" {
		t.Fatalf("server saw %q", got)
	}
	if tr := s.Manager().Transport(); tr != "polling" {
		t.Fatalf("transport %q", tr)
	}
}

func TestUpgradeToWebSocket(t *testing.T) {
	_, url := newTestServer(t, nil)
	s, err := Connect(url, &Options{ForceNew: true, AutoConnect: new(false)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Manager().Close(); s.Manager().Wait() })
	up := make(chan string, 1)
	s.Manager().OnUpgrade(func(tr string) { up <- tr })
	s.Connect()
	if tr := waitChan(t, up, "upgrade"); tr != "websocket" || s.Manager().Transport() != "websocket" {
		t.Fatalf("upgraded to %q, transport %q", tr, s.Manager().Transport())
	}
	if _, err := s.EmitWithAck(t.Context(), "echo", 1); err != nil {
		t.Fatal(err)
	}
}
