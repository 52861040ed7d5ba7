package client

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gosockio/gosockio/engineio"
)

// hostileServer is an engine.io server (Path /socket.io/) that answers each socket.io
// CONNECT with reply, then with bad.
func hostileServer(t *testing.T, bad []engineio.Message) string {
	t.Helper()
	e, err := engineio.NewServer(&engineio.Options{Path: "/socket.io/"})
	if err != nil {
		t.Fatal(err)
	}
	e.OnConnection(func(s *engineio.Socket) {
		s.OnMessage(func(m engineio.Message) {
			if strings.HasPrefix(string(m.Data), "0") {
				_ = s.Send(append([]engineio.Message{{Data: []byte(`0{"sid":"hostile"}`)}}, bad...), engineio.SendOptions{})
			}
		})
	})
	ts := httptest.NewServer(e)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = e.Shutdown(ctx)
		ts.Close()
	})
	return ts.URL
}

func TestHostileServerPackets(t *testing.T) {
	tests := []struct {
		name string
		bad  []engineio.Message
	}{
		{"event not an array", []engineio.Message{{Data: []byte(`2{"x":1}`)}}},
		{"unknown packet type", []engineio.Message{{Data: []byte(`8hello`)}}},
		{"invalid JSON", []engineio.Message{{Data: []byte(`2["a",`)}}},
		{"huge attachment count", []engineio.Message{{Data: []byte(`5999999999-["a",{"_placeholder":true,"num":0}]`)}}},
		{"attachment count above limit", []engineio.Message{{Data: []byte(`511-["a",{"_placeholder":true,"num":0}]`)}}},
		{"placeholder out of range", []engineio.Message{{Data: []byte(`51-["a",{"_placeholder":true,"num":5}]`)}}},
		{"binary frame without packet", []engineio.Message{{Data: []byte{1, 2}, Binary: true}}},
		{"reserved event name", []engineio.Message{{Data: []byte(`2["disconnect"]`)}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			url := hostileServer(t, tc.bad)
			s := connectT(t, url, &Options{Transports: []string{"websocket"}, ReconnectionDelay: 10 * time.Millisecond, ReconnectionDelayMax: 20 * time.Millisecond})
			reasons := make(chan string, 8)
			s.OnDisconnect(func(r string) { reasons <- r })
			attempts := make(chan int, 8)
			s.Manager().OnReconnectAttempt(func(n int) { attempts <- n })
			s.Connect()
			if r := waitChan(t, reasons, "disconnect"); r != ReasonParseError {
				t.Fatalf("reason %q, want %q", r, ReasonParseError)
			}
			waitChan(t, attempts, "reconnect_attempt") // reconnection goes on
		})
	}
}

func TestServerNeverAnswersHandshake(t *testing.T) {
	var mu sync.Mutex
	requests := 0
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		requests++
		mu.Unlock()
		<-r.Context().Done() // the client gives up
	}))
	t.Cleanup(ts.Close)
	s := connectT(t, ts.URL, &Options{Timeout: 100 * time.Millisecond, ReconnectionDelay: 10 * time.Millisecond, ReconnectionDelayMax: 20 * time.Millisecond, ReconnectionAttempts: 2})
	errs := make(chan error, 8)
	s.OnConnectError(func(err error) { errs <- err })
	failed := make(chan struct{}, 1)
	s.Manager().OnReconnectFailed(func() { failed <- struct{}{} })
	s.Connect()
	for range 3 {
		if err := waitChan(t, errs, "connect_error"); !errors.Is(err, ErrTimeout) {
			t.Fatalf("connect_error %v, want ErrTimeout", err)
		}
	}
	waitChan(t, failed, "reconnect_failed")
	if s.Connected() {
		t.Fatal("connected to a server that never answered")
	}
}

func TestServerAnswersGarbageHandshake(t *testing.T) {
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte("<html>not engine.io</html>"))
	}))
	t.Cleanup(ts.Close)
	s := connectT(t, ts.URL, &Options{Reconnection: new(false)})
	errs := make(chan error, 1)
	s.OnConnectError(func(err error) { errs <- err })
	s.Connect()
	if err := waitChan(t, errs, "connect_error"); !errors.Is(err, engineio.ErrHandshake) {
		t.Fatalf("connect_error %v, want engineio.ErrHandshake", err)
	}
}
