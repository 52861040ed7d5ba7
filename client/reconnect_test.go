package client

import (
	"errors"
	"slices"
	"sync"
	"testing"
	"testing/synctest"
	"time"
)

// events records callbacks with the fake time they ran at.
type events struct {
	mu    sync.Mutex
	start time.Time
	log   []string
}

func (e *events) add(format string, args ...any) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.log = append(e.log, time.Since(e.start).String()+" "+sprintf(format, args...))
}

func (e *events) get() []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	return slices.Clone(e.log)
}

func TestReconnectBackoffSchedule(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := &fakeServer{onMessage: answerConnect}
		m := newFakeManager(t, f, &Options{
			ReconnectionDelay:    time.Second,
			ReconnectionDelayMax: 5 * time.Second,
			RandomizationFactor:  -1, // no jitter: exact delays
			ReconnectionAttempts: 4,
		})
		ev := &events{start: time.Now()}
		m.OnReconnectAttempt(func(n int) { ev.add("attempt %d", n) })
		m.OnReconnectError(func(err error) { ev.add("reconnect_error %v", errors.Is(err, errRefused)) })
		m.OnReconnectFailed(func() { ev.add("reconnect_failed") })
		s := m.Socket("/", nil)
		s.OnConnect(func() { ev.add("connect") })
		s.OnDisconnect(func(r string) { ev.add("disconnect %s", r) })
		synctest.Wait()
		f.set(func() { f.refuse = true })
		f.last().drop(ReasonTransportClose)
		time.Sleep(time.Minute)
		synctest.Wait()
		want := []string{
			"0s connect",
			"0s disconnect transport close",
			"1s attempt 1", "1s reconnect_error true",
			"3s attempt 2", "3s reconnect_error true",
			"7s attempt 3", "7s reconnect_error true",
			// as socket.io-client: reconnect() gives up before reconnect_error is emitted
			"12s attempt 4", "12s reconnect_failed", "12s reconnect_error true",
		}
		if got := ev.get(); !slices.Equal(got, want) {
			t.Fatalf("events:\n%q\nwant:\n%q", got, want)
		}
		if s.Connected() || m.Reconnecting() {
			t.Fatal("still connected or reconnecting after reconnect_failed")
		}
		// a later Connect starts over
		f.set(func() { f.refuse = false })
		s.Connect()
		synctest.Wait()
		if !s.Connected() {
			t.Fatal("Connect after reconnect_failed did not connect")
		}
		_ = m.Close()
		m.Wait()
	})
}

func TestReconnectSucceedsAndResetsBackoff(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := &fakeServer{onMessage: answerConnect}
		m := newFakeManager(t, f, &Options{RandomizationFactor: -1})
		ev := &events{start: time.Now()}
		m.OnReconnect(func(n int) { ev.add("reconnect %d", n) })
		s := m.Socket("/", nil)
		s.OnConnect(func() { ev.add("connect %s", s.ID()) })
		synctest.Wait()
		f.set(func() { f.refuse = true })
		f.last().drop(ReasonPingTimeout)
		time.Sleep(2500 * time.Millisecond) // attempts at 1s and 3s: one has failed
		f.set(func() { f.refuse = false })
		time.Sleep(time.Second)
		synctest.Wait()
		// a second drop starts from ReconnectionDelay again
		f.last().drop(ReasonTransportClose)
		time.Sleep(1100 * time.Millisecond)
		synctest.Wait()
		want := []string{"0s connect s-e1", "3s reconnect 2", "3s connect s-e3", "4.5s reconnect 1", "4.5s connect s-e4"}
		if got := ev.get(); !slices.Equal(got, want) {
			t.Fatalf("events %q, want %q", got, want)
		}
		_ = m.Close()
		m.Wait()
	})
}

func TestNoReconnectionWhenDisabled(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := &fakeServer{onMessage: answerConnect}
		m := newFakeManager(t, f, &Options{Reconnection: new(false)})
		s := m.Socket("/", nil)
		synctest.Wait()
		f.last().drop(ReasonTransportClose)
		time.Sleep(time.Hour)
		synctest.Wait()
		if f.dials != 1 || s.Connected() {
			t.Fatalf("%d dials, connected %v", f.dials, s.Connected())
		}
		_ = m.Close()
	})
}

func TestConnectTimeout(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := &fakeServer{hang: true}
		m := newFakeManager(t, f, &Options{Reconnection: new(false)})
		s := m.Socket("/", nil)
		start := time.Now()
		var got error
		var at time.Duration
		s.OnConnectError(func(err error) { got, at = err, time.Since(start) })
		time.Sleep(time.Minute)
		synctest.Wait()
		if !errors.Is(got, ErrTimeout) || at != DefaultTimeout {
			t.Fatalf("connect_error %v at %v, want ErrTimeout at %v", got, at, DefaultTimeout)
		}
		_ = m.Close()
	})
}

func TestCloseStopsPendingReconnection(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := &fakeServer{onMessage: answerConnect}
		m := newFakeManager(t, f, nil)
		m.Socket("/", nil)
		synctest.Wait()
		f.last().drop(ReasonTransportClose)
		synctest.Wait()
		if !m.Reconnecting() {
			t.Fatal("not reconnecting after a drop")
		}
		_ = m.Close()
		time.Sleep(time.Minute)
		synctest.Wait()
		if f.dials != 1 {
			t.Fatalf("%d dials after Close, want 1", f.dials)
		}
	})
}
