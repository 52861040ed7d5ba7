package engineio

import (
	"errors"
	"io"
	"net/http"
	"testing"
	"testing/synctest"
	"time"
)

// gatedPosts wraps a fakeEngine so that each POST waits for a token on gate before it is
// answered (its body is recorded at once).
func gatedPosts(f *fakeEngine, gate chan struct{}) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			f.ServeHTTP(w, r)
			return
		}
		b, _ := io.ReadAll(r.Body)
		f.posts <- string(b)
		select {
		case <-gate:
			_, _ = io.WriteString(w, "ok")
		case <-r.Context().Done():
		}
	})
}

func TestClientPollingBatchesQueuedPackets(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := newFakeEngine(hsV4)
		gate := make(chan struct{})
		hc := servePipe(t, gatedPosts(f, gate))
		s, err := Dial(t.Context(), "http://pipe", &DialOptions{HTTPClient: hc, Transports: []string{"polling"}})
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		if err := s.Send([]Message{{Data: []byte("a")}}, SendOptions{}); err != nil {
			t.Fatal(err)
		}
		if got := <-f.posts; got != "4a" {
			t.Fatalf("first POST %q", got)
		}
		// While the first POST is in flight, everything sent is queued for the next one.
		for _, m := range []Message{{Data: []byte("b")}, {Data: []byte{1, 2, 3}, Binary: true}, {Data: []byte("d")}} {
			if err := s.Send([]Message{m}, SendOptions{}); err != nil {
				t.Fatal(err)
			}
		}
		gate <- struct{}{}
		if got, want := <-f.posts, "4b\x1ebAQID\x1e4d"; got != want {
			t.Errorf("second POST %q, want %q", got, want)
		}
		gate <- struct{}{}
	})
}

func TestClientV3PollingPayloads(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := newFakeEngine(v3Payload(hsV3))
		f.ctype = "application/octet-stream"
		hc := servePipe(t, f)
		ev := newClientEvents()
		s, err := Dial(t.Context(), "http://pipe", ev.opts(&DialOptions{HTTPClient: hc, Protocol: 3, Transports: []string{"polling"}}))
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		// Text is length-prefixed in UTF-16 units; binary goes as an XHR2 binary payload.
		if err := s.Send([]Message{{Data: []byte("€")}}, SendOptions{}); err != nil {
			t.Fatal(err)
		}
		if got, want := <-f.posts, "2:4€"; got != want {
			t.Errorf("POST %q, want %q", got, want)
		}
		if err := s.Send([]Message{{Data: []byte{7}, Binary: true}}, SendOptions{}); err != nil {
			t.Fatal(err)
		}
		if got, want := <-f.posts, "\x01\x02\xff\x04\x07"; got != want {
			t.Errorf("POST %q, want %q", got, want)
		}
		// An XHR2 binary answer (Content-Type application/octet-stream) is decoded as such.
		f.gets <- string(AppendPayloadV3Binary(nil, []Packet{{Type: PacketMessage, Data: []byte("hi")}, {Type: PacketMessage, Data: []byte{0, 0xff}, Binary: true}}))
		if m := ev.waitMsg(t); m.Binary || string(m.Data) != "hi" {
			t.Errorf("message %+v, want text hi", m)
		}
		if m := ev.waitMsg(t); !m.Binary || string(m.Data) != "\x00\xff" {
			t.Errorf("message %+v, want binary 00ff", m)
		}
	})
}

func TestClientQueueLimits(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := newFakeEngine(hsV4)
		gate := make(chan struct{})
		hc := servePipe(t, gatedPosts(f, gate))
		ev := newClientEvents()
		s, err := Dial(t.Context(), "http://pipe", ev.opts(&DialOptions{HTTPClient: hc, Transports: []string{"polling"}, MaxQueuedMessages: 2}))
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		if err := s.Send([]Message{{Data: []byte("in flight")}}, SendOptions{}); err != nil {
			t.Fatal(err)
		}
		<-f.posts
		// A POST is in flight: the transport is not writable, volatile messages are dropped.
		if err := s.Send([]Message{{Data: []byte("v")}}, SendOptions{Volatile: true}); !errors.Is(err, ErrDropped) {
			t.Errorf("volatile Send while writing = %v, want ErrDropped", err)
		}
		if err := s.Send([]Message{{Data: []byte("1")}, {Data: []byte("2")}}, SendOptions{}); err != nil {
			t.Fatalf("Send within the limit: %v", err)
		}
		err = s.Send([]Message{{Data: []byte("3")}}, SendOptions{})
		if !errors.Is(err, ErrQueueFull) {
			t.Fatalf("Send over the limit = %v, want ErrQueueFull", err)
		}
		c := ev.waitClose(t)
		if c.reason != ReasonTransportError || !errors.Is(c.cause, ErrQueueFull) {
			t.Errorf("closed with %q (%v), want %q wrapping ErrQueueFull", c.reason, c.cause, ReasonTransportError)
		}
	})
}

func TestClientQueueBytesLimit(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := newFakeEngine(hsV4)
		gate := make(chan struct{})
		hc := servePipe(t, gatedPosts(f, gate))
		ev := newClientEvents()
		s, err := Dial(t.Context(), "http://pipe", ev.opts(&DialOptions{HTTPClient: hc, Transports: []string{"polling"}, MaxQueuedBytes: 4}))
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		if err := s.Send([]Message{{Data: []byte("1234")}}, SendOptions{}); err != nil {
			t.Fatal(err)
		}
		<-f.posts
		if err := s.Send([]Message{{Data: []byte("abcd")}}, SendOptions{}); err != nil {
			t.Fatalf("Send of 4 bytes with 4 allowed: %v", err)
		}
		if err := s.Send([]Message{{Data: []byte("e")}}, SendOptions{}); !errors.Is(err, ErrQueueFull) {
			t.Fatalf("Send over MaxQueuedBytes = %v, want ErrQueueFull", err)
		}
		if c := ev.waitClose(t); c.reason != ReasonTransportError {
			t.Errorf("closed with %q, want %q", c.reason, ReasonTransportError)
		}
	})
}

func TestClientCloseFlushesQueueAndSendsClose(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := newFakeEngine(hsV4)
		gate := make(chan struct{})
		hc := servePipe(t, gatedPosts(f, gate))
		ev := newClientEvents()
		s, err := Dial(t.Context(), "http://pipe", ev.opts(&DialOptions{HTTPClient: hc, Transports: []string{"polling"}}))
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Send([]Message{{Data: []byte("a")}}, SendOptions{}); err != nil {
			t.Fatal(err)
		}
		<-f.posts
		if err := s.Send([]Message{{Data: []byte("b")}}, SendOptions{}); err != nil {
			t.Fatal(err)
		}
		closed := make(chan struct{})
		go func() { // stopped: returns when Close does
			s.Close()
			close(closed)
		}()
		synctest.Wait() // Close has marked the socket closed and waits
		gate <- struct{}{}
		// The queued message goes out with the close packet, in one POST.
		if got, want := <-f.posts, "4b\x1e1"; got != want {
			t.Errorf("final POST %q, want %q", got, want)
		}
		gate <- struct{}{}
		<-closed
		if c := ev.waitClose(t); c.reason != ReasonForcedClose || c.cause != nil {
			t.Errorf("closed with %q (%v), want %q", c.reason, c.cause, ReasonForcedClose)
		}
		if err := s.Send([]Message{{Data: []byte("late")}}, SendOptions{}); !errors.Is(err, ErrClosed) {
			t.Errorf("Send after Close = %v, want ErrClosed", err)
		}
		if err := s.Close(); err != nil {
			t.Errorf("second Close = %v", err)
		}
	})
}

func TestClientCloseUnresponsiveServerIsBounded(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := newFakeEngine(hsV4)
		hc := servePipe(t, gatedPosts(f, make(chan struct{}))) // POSTs are never answered
		s, err := Dial(t.Context(), "http://pipe", &DialOptions{HTTPClient: hc, Transports: []string{"polling"}})
		if err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		s.Close()
		if d := time.Since(start); d != closeFlushTimeout {
			t.Errorf("Close took %v, want closeFlushTimeout %v", d, closeFlushTimeout)
		}
	})
}

func TestClientCloseFromHandler(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := newFakeEngine(hsV4)
		hc := servePipe(t, f)
		closes := make(chan string, 1)
		var s *ClientSocket
		ready := make(chan struct{})
		s, err := Dial(t.Context(), "http://pipe", &DialOptions{
			HTTPClient: hc,
			Transports: []string{"polling"},
			OnMessage: func(Message) {
				<-ready
				s.Close() // must not deadlock on its own delivery goroutine
			},
			OnClose: func(reason string, _ error) { closes <- reason },
		})
		if err != nil {
			t.Fatal(err)
		}
		close(ready)
		f.gets <- "4bye"
		if got := <-closes; got != ReasonForcedClose {
			t.Errorf("closed with %q, want %q", got, ReasonForcedClose)
		}
		s.Close()
	})
}
