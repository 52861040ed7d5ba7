//go:build linux

package wsserver

import (
	"bufio"
	"errors"
	"fmt"
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// parkReader reads a Conn with parking on, as engineio does: a reader goroutine ends on
// ErrParked and resume starts a new one.
type parkReader struct {
	c       *Conn
	msgs    chan string
	end     chan error    // the error that ended reading (not ErrParked)
	parked  chan struct{} // one value per park
	live    atomic.Int32  // reader goroutines running
	resumes atomic.Int32
	parks   atomic.Int32
	wg      sync.WaitGroup
}

func newParkReader(t *testing.T, c *Conn, p *Poller) *parkReader {
	t.Helper()
	pr := &parkReader{c: c, msgs: make(chan string, 16), end: make(chan error, 1), parked: make(chan struct{}, 16)}
	if !c.EnablePark(p, func() { pr.resumes.Add(1); pr.start() }) {
		t.Fatal("EnablePark over TCP = false")
	}
	pr.start()
	return pr
}

func (pr *parkReader) start() {
	pr.live.Add(1)
	pr.wg.Go(func() {
		defer pr.live.Add(-1)
		for {
			data, _, err := pr.c.ReadMessage()
			if errors.Is(err, ErrParked) {
				pr.parks.Add(1)
				select {
				case pr.parked <- struct{}{}:
				default: // nobody waits for parks (TestParkStress counts them)
				}
				return
			}
			if err != nil {
				pr.end <- err
				return
			}
			pr.msgs <- string(data)
		}
	})
}

// waitParked waits for the next park and checks that no reader goroutine is left.
func (pr *parkReader) waitParked(t *testing.T) {
	t.Helper()
	select {
	case <-pr.parked:
	case err := <-pr.end:
		t.Fatalf("reading ended with %v, want a park", err)
	case <-time.After(10 * time.Second):
		t.Fatal("the idle connection did not park")
	}
	deadline := time.Now().Add(5 * time.Second)
	for pr.live.Load() != 0 && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	if n := pr.live.Load(); n != 0 {
		t.Fatalf("%d reader goroutines while parked, want 0", n)
	}
}

func (pr *parkReader) message(t *testing.T) string {
	t.Helper()
	select {
	case m := <-pr.msgs:
		return m
	case err := <-pr.end:
		t.Fatalf("reading ended with %v, want a message", err)
	case <-time.After(10 * time.Second):
		t.Fatal("no message")
	}
	return ""
}

func (pr *parkReader) ended(t *testing.T) error {
	t.Helper()
	select {
	case err := <-pr.end:
		return err
	case m := <-pr.msgs:
		t.Fatalf("message %q, want the end", m)
	case <-time.After(10 * time.Second):
		t.Fatal("reading did not end")
	}
	return nil
}

func newTestPoller(t *testing.T) *Poller {
	t.Helper()
	t.Cleanup(SetParkAfter(20 * time.Millisecond))
	p, err := NewPoller()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	return p
}

func parkedCount(p *Poller) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.conns)
}

// An idle connection parks (no reader goroutine), input starts a reader again, and the
// peer's close frame reaches the resumed reader.
func TestParkAndResume(t *testing.T) {
	p := newTestPoller(t)
	c, client := tcpConn(t, Options{})
	defer c.CloseNow()
	pr := newParkReader(t, c, p)

	pr.waitParked(t)
	if n := parkedCount(p); n != 1 {
		t.Fatalf("poller holds %d connections, want 1", n)
	}
	_, _ = client.Write(clientFrame(true, 0, OpText, []byte("hello")))
	if m := pr.message(t); m != "hello" {
		t.Fatalf("message %q", m)
	}
	pr.waitParked(t)
	_, _ = client.Write(clientFrame(true, 0, OpClose, []byte{0x03, 0xe8}))
	var ce *CloseError
	if err := pr.ended(t); !errors.As(err, &ce) || ce.Code != StatusNormalClosure {
		t.Fatalf("end %v, want the peer's close 1000", err)
	}
	if n := pr.resumes.Load(); n != 2 {
		t.Fatalf("%d resumes, want 2", n)
	}
	if n := parkedCount(p); n != 0 {
		t.Fatalf("poller holds %d connections after the end, want 0", n)
	}
	pr.wg.Wait()
}

// CloseNow of a parked connection gives it a reader that sees the end.
func TestParkedCloseNow(t *testing.T) {
	p := newTestPoller(t)
	c, _ := tcpConn(t, Options{})
	pr := newParkReader(t, c, p)
	pr.waitParked(t)
	if err := c.CloseNow(); err != nil {
		t.Fatal(err)
	}
	if err := pr.ended(t); err == nil || errors.Is(err, ErrParked) {
		t.Fatalf("end %v, want a read error", err)
	}
	if n := parkedCount(p); n != 0 {
		t.Fatalf("poller holds %d connections, want 0", n)
	}
	pr.wg.Wait()
}

// Close of a parked connection sends the close frame and gives it a reader, which reads
// the peer's answer: the closing handshake completes.
func TestParkedCloseHandshake(t *testing.T) {
	p := newTestPoller(t)
	c, client := tcpConn(t, Options{})
	pr := newParkReader(t, c, p)
	pr.waitParked(t)
	if err := c.Close(StatusGoingAway, "bye"); err != nil {
		t.Fatal(err)
	}
	r := bufio.NewReader(client)
	if _, op, payload := readServerFrame(t, r); op != OpClose || len(payload) < 2 {
		t.Fatalf("frame %#x % x, want close", op, payload)
	}
	_, _ = client.Write(clientFrame(true, 0, OpClose, []byte{0x03, 0xe9}))
	var ce *CloseError
	if err := pr.ended(t); !errors.As(err, &ce) || ce.Code != StatusGoingAway {
		t.Fatalf("end %v, want the peer's answering close 1001", err)
	}
	pr.wg.Wait()
}

// A message whose bytes arrive slowly is read whole: the idle deadline that parks a
// connection between messages does not cut one in the middle.
func TestSlowMessageIsNotCut(t *testing.T) {
	p := newTestPoller(t)
	c, client := tcpConn(t, Options{})
	defer c.CloseNow()
	pr := newParkReader(t, c, p)
	pr.waitParked(t)
	frame := clientFrame(true, 0, OpText, []byte("slow message"))
	for i := range frame { // one byte at a time, each after more than the idle time
		if _, err := client.Write(frame[i : i+1]); err != nil {
			t.Fatal(err)
		}
		time.Sleep(3 * parkAfter)
	}
	if m := pr.message(t); m != "slow message" {
		t.Fatalf("message %q", m)
	}
	pr.waitParked(t)
}

// Poller.Close gives every parked connection its reader back; they read on, and do not
// park again.
func TestPollerCloseResumes(t *testing.T) {
	p := newTestPoller(t)
	var readers []*parkReader
	var clients []net.Conn
	for range 3 {
		c, client := tcpConn(t, Options{})
		defer c.CloseNow()
		pr := newParkReader(t, c, p)
		pr.waitParked(t)
		readers, clients = append(readers, pr), append(clients, client)
	}
	if n := parkedCount(p); n != 3 {
		t.Fatalf("poller holds %d connections, want 3", n)
	}
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(5 * parkAfter) // long enough to park, had the poller been open
	for i, pr := range readers {
		if n := pr.live.Load(); n != 1 {
			t.Fatalf("connection %d: %d readers after Poller.Close, want 1", i, n)
		}
		_, _ = clients[i].Write(clientFrame(true, 0, OpText, []byte("after")))
		if m := pr.message(t); m != "after" {
			t.Fatalf("message %q", m)
		}
		select {
		case <-pr.parked:
			t.Fatal("a connection parked after Poller.Close")
		default:
		}
	}
	for _, pr := range readers {
		_ = pr.c.CloseNow()
		pr.ended(t)
		pr.wg.Wait()
	}
}

// Only a connection with raw socket access parks.
func TestEnableParkNeedsRawSocket(t *testing.T) {
	p := newTestPoller(t)
	a, b := net.Pipe()
	defer a.Close()
	defer b.Close()
	c := newConn(a, nil, Options{})
	if c.EnablePark(p, func() {}) {
		t.Fatal("EnablePark over net.Pipe = true")
	}
}

// Many connections park and resume at random while their clients send with pauses around
// the idle time, and some are closed by the server (Close or CloseNow) at random moments:
// every message sent before a close arrives once and in order, every reader ends, and
// nothing stays parked.
func TestParkStress(t *testing.T) {
	t.Cleanup(SetParkAfter(time.Millisecond))
	p, err := NewPoller()
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	const conns, msgs = 40, 30
	var wg sync.WaitGroup
	var parks atomic.Int32
	for i := range conns {
		c, client := tcpConn(t, Options{})
		pr := newParkReader(t, c, p)
		wg.Go(func() {
			defer client.Close()
			rng := uint32(i*7919 + 1)
			next := func(n uint32) uint32 { rng = rng*1664525 + 1013904223; return (rng >> 8) % n }
			closeAt := -1 // the server closes after this many messages; -1: never
			if i%3 == 0 {
				closeAt = int(next(msgs))
			}
			for k := range msgs {
				if k == closeAt {
					if i%2 == 0 {
						_ = c.CloseNow()
					} else {
						_ = c.Close(StatusGoingAway, "") // sends the close frame; does not wait
					}
					break
				}
				time.Sleep(time.Duration(next(3000)) * time.Microsecond) // around parkAfter
				want := fmt.Sprintf("m%d", k)
				if _, err := client.Write(clientFrame(true, 0, OpText, []byte(want))); err != nil {
					t.Errorf("conn %d: write %d: %v", i, k, err)
					return
				}
				select {
				case got := <-pr.msgs:
					if got != want {
						t.Errorf("conn %d: got %q, want %q", i, got, want)
						return
					}
				case err := <-pr.end:
					t.Errorf("conn %d: reading ended at message %d: %v", i, k, err)
					return
				case <-time.After(10 * time.Second):
					t.Errorf("conn %d: message %d not read", i, k)
					return
				}
			}
			if closeAt < 0 {
				_, _ = client.Write(clientFrame(true, 0, OpClose, []byte{0x03, 0xe8}))
			} else {
				// Answer the server's close frame (if one comes) so that Close completes.
				_, _ = client.Write(clientFrame(true, 0, OpClose, []byte{0x03, 0xe9}))
			}
			select {
			case <-pr.end:
			case m := <-pr.msgs:
				t.Errorf("conn %d: message %q after the end", i, m)
			case <-time.After(10 * time.Second):
				t.Errorf("conn %d: reading did not end", i)
			}
			_ = c.CloseNow()
			pr.wg.Wait()
			parks.Add(pr.parks.Load())
		})
	}
	wg.Wait()
	t.Logf("%d parks on %d connections", parks.Load(), conns)
	if parks.Load() < conns {
		t.Fatalf("%d parks on %d connections: the test did not make them park", parks.Load(), conns)
	}
	if n := parkedCount(p); n != 0 {
		t.Fatalf("%d connections still parked", n)
	}
}
