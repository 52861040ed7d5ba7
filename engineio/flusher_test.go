package engineio

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gosockio/gosockio/engineio/internal/wsserver"
)

// flushEnv is a server over real TCP (flushers need raw sockets) with n raw websocket
// clients; socks[i] is the session of conns[i]. No pings: the clients read only what the
// test sends.
type flushEnv struct {
	srv     *Server
	conns   []net.Conn
	readers []*bufio.Reader
	socks   []*Socket
	closed  chan string // OnClose reasons
}

func newFlushEnv(t *testing.T, n int) *flushEnv {
	return newFlushEnvOpts(t, n, &Options{})
}

func newFlushEnvOpts(t *testing.T, n int, opts *Options) *flushEnv {
	t.Helper()
	opts.PingInterval = time.Hour
	srv, err := NewServer(opts)
	if err != nil {
		t.Fatal(err)
	}
	e := &flushEnv{srv: srv, closed: make(chan string, n)}
	connected := make(chan *Socket, 1)
	srv.OnConnection(func(s *Socket) {
		s.OnClose(func(reason string, _ error) { e.closed <- reason })
		connected <- s
	})
	ts := httptest.NewServer(srv)
	t.Cleanup(func() { _ = srv.Shutdown(context.Background()); ts.Close() })
	addr := strings.TrimPrefix(ts.URL, "http://")
	for range n {
		c := dialRawWebSocket(t, addr)
		t.Cleanup(func() { _ = c.Close() })
		e.conns = append(e.conns, c)
		e.readers = append(e.readers, bufio.NewReader(c))
		e.socks = append(e.socks, <-connected) // one dial at a time: the order matches
	}
	return e
}

// A broadcast to many idle websockets whose clients read is written by the flushers: no
// socket gets a writer goroutine of its own, and at most GOMAXPROCS flushers run.
func TestBroadcastWrittenByFlushers(t *testing.T) {
	const n = 200
	e := newFlushEnv(t, n)
	for round := range 3 {
		for _, s := range e.socks {
			if err := s.Send([]Message{{Data: []byte(fmt.Sprint("news", round))}}, SendOptions{}); err != nil {
				t.Fatal(err)
			}
		}
		for i, r := range e.readers {
			if got := readTextFrame(t, r); got != fmt.Sprint("4news", round) {
				t.Fatalf("client %d, round %d: frame %q", i, round, got)
			}
		}
	}
	f := &e.srv.flush
	if got := f.writers.Load(); got != 0 {
		t.Errorf("%d writer goroutines started for %d deliveries to clients that read, want 0 (the flushers write)", got, 3*n)
	}
	f.mu.Lock()
	running, max := f.running, f.max
	f.mu.Unlock()
	if running > max {
		t.Errorf("%d flushers running, limit %d", running, max)
	}
	// A flusher counts a delivery after its write returns, so the client may read the
	// last frame before it is counted: wait for the count.
	waitFor(t, func() bool { return e.srv.Stats().MessagesOut >= 3*n })
	if st := e.srv.Stats(); st.MessagesOut != 3*n {
		t.Errorf("Stats.MessagesOut = %d, want %d", st.MessagesOut, 3*n)
	}
}

// Idle flushers end by themselves, without a Shutdown.
func TestFlushersEndWhenIdle(t *testing.T) {
	e := newFlushEnv(t, 4)
	for _, s := range e.socks {
		if err := s.Send([]Message{{Data: []byte("x")}}, SendOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	for _, r := range e.readers {
		readTextFrame(t, r)
	}
	f := &e.srv.flush
	waitFor(t, func() bool {
		f.mu.Lock()
		defer f.mu.Unlock()
		return f.running == 0 && len(f.idle) == 0
	})
}

// Sends to one socket from many goroutines at once arrive in each sender's order, and
// none is lost, whichever writer (flusher or writer goroutine) takes them.
func TestFlusherKeepsOrderUnderConcurrentSends(t *testing.T) {
	const senders, each = 8, 300
	// The clients are read one after the other: the queues of the others may grow long.
	e := newFlushEnvOpts(t, 3, &Options{MaxQueuedMessages: -1})
	var wg sync.WaitGroup
	for g := range senders {
		wg.Go(func() {
			for i := range each {
				for _, s := range e.socks {
					if err := s.Send([]Message{{Data: []byte(fmt.Sprintf("%d:%d", g, i))}}, SendOptions{}); err != nil {
						t.Error(err)
						return
					}
				}
			}
		})
	}
	for ci, r := range e.readers {
		next := make([]int, senders)
		for range senders * each {
			got := readTextFrame(t, r)
			gs, is, ok := strings.Cut(strings.TrimPrefix(got, "4"), ":")
			g, err1 := strconv.Atoi(gs)
			i, err2 := strconv.Atoi(is)
			if !ok || err1 != nil || err2 != nil || g < 0 || g >= senders {
				t.Fatalf("client %d: frame %q", ci, got)
			}
			if i != next[g] {
				t.Fatalf("client %d: sender %d's message %d arrived when %d was due", ci, g, i, next[g])
			}
			next[g]++
		}
	}
	wg.Wait()
}

// A client that does not read: its kernel buffer fills, the flusher's write cannot finish
// and the socket goes to a writer goroutine of its own. Sends never block, the other
// clients are served meanwhile, and the slow client gets everything in order once it
// reads.
func TestFlusherHandsSlowClientToWriter(t *testing.T) {
	const n = 100
	e := newFlushEnv(t, 2)
	slow, fast := e.socks[0], e.socks[1]
	payload := strings.Repeat("x", 64<<10)
	for i := range n {
		for _, s := range []*Socket{slow, fast} {
			if err := s.Send([]Message{{Data: []byte(fmt.Sprintf("%03d%s", i, payload))}}, SendOptions{}); err != nil {
				t.Fatalf("Send %d: %v", i, err)
			}
		}
		// The fast client reads as it goes; the slow one reads nothing yet.
		if got := readTextFrame(t, e.readers[1]); !strings.HasPrefix(got, fmt.Sprintf("4%03d", i)) {
			t.Fatalf("fast client: frame %d starts %q", i, got[:min(len(got), 4)])
		}
	}
	if e.srv.flush.writers.Load() == 0 {
		t.Error("no writer goroutine started for a client that does not read 6 MB")
	}
	for i := range n {
		got := readTextFrame(t, e.readers[0])
		if want := fmt.Sprintf("4%03d", i); !strings.HasPrefix(got, want) || len(got) != 4+len(payload) {
			t.Fatalf("slow client: frame %d starts %q (%d bytes), want %q", i, got[:min(len(got), 4)], len(got), want)
		}
	}
}

// Shutdown while the flushers are busy with a broadcast: it returns once they ended, every
// socket closes, and no goroutine is left (TestMain's goleak).
func TestShutdownDuringFlush(t *testing.T) {
	const n = 50
	e := newFlushEnv(t, n)
	var wg sync.WaitGroup
	for _, r := range e.readers[1:] {
		wg.Go(func() { _, _ = io.Copy(io.Discard, r) }) // ends when the test closes the conn
	}
	stop := make(chan struct{})
	wg.Go(func() {
		for {
			select {
			case <-stop:
				return
			default:
			}
			for _, s := range e.socks {
				_ = s.Send([]Message{{Data: []byte("tick")}}, SendOptions{})
			}
		}
	})
	for _, r := range e.readers[:1] {
		readTextFrame(t, r) // the broadcast is under way
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	shutdown := async(func() error { return e.srv.Shutdown(ctx) })
	for range n {
		if r := <-e.closed; r != ReasonServerShuttingDown {
			t.Errorf("OnClose reason %q, want %q", r, ReasonServerShuttingDown)
		}
	}
	// The clients go away rather than answer the close frames (Shutdown would wait for
	// the answers a while).
	for _, c := range e.conns {
		_ = c.Close()
	}
	if err := <-shutdown; err != nil {
		t.Fatal(err)
	}
	close(stop)
	wg.Wait()
	f := &e.srv.flush
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.running != 0 || f.head != len(f.list) {
		t.Errorf("after Shutdown: %d flushers running, %d sockets listed", f.running, len(f.list)-f.head)
	}
}

// Sockets closed while the flushers write to them: Socket.Close delivers what was queued
// and then the close frame; a client that goes away makes the write fail and closes its
// socket. Each socket closes once.
func TestCloseDuringFlush(t *testing.T) {
	const n = 40
	e := newFlushEnv(t, n)
	var wg sync.WaitGroup
	wg.Go(func() {
		for i := range 20 {
			for _, s := range e.socks {
				_ = s.Send([]Message{{Data: []byte(fmt.Sprint(i))}}, SendOptions{})
			}
		}
	})
	for i, s := range e.socks {
		if i%2 == 0 {
			_ = s.Close()
		} else {
			_ = e.conns[i].Close()
		}
	}
	wg.Wait()
	for range n {
		select {
		case <-e.closed:
		case <-time.After(10 * time.Second):
			t.Fatal("a socket did not close")
		}
	}
	// A closed socket's client reads its messages in order, then the close frame.
	for i := 0; i < n; i += 2 {
		r := e.readers[i]
		next := 0
		for {
			var h [2]byte
			if _, err := r.Read(h[:1]); err != nil {
				t.Fatalf("client %d: %v before the close frame", i, err)
			}
			if h[0] == 0x88 { // close
				break
			}
			_ = r.UnreadByte()
			got := readTextFrame(t, r)
			if got != fmt.Sprint("4", next) {
				t.Fatalf("client %d: frame %q, want %q", i, got, fmt.Sprint("4", next))
			}
			next++
		}
	}
}

// wsSocket is a session over one end of a loopback TCP connection, as handshake makes it
// (no heartbeat); the other end is read and discarded.
func wsSocket(t *testing.T, srv *Server) (*Socket, *wsserver.Conn, net.Conn) {
	nc := tcpPair(t)
	conn := wsserver.NewConn(nc, nil, wsserver.Options{})
	return &Socket{srv: srv, id: "direct", protocol: ProtocolV4, transport: transportWebSocket, ws: conn}, conn, nc
}

// A flusher's write that fails closes the socket ("transport error"), off the flusher.
func TestFlusherWriteErrorClosesSocket(t *testing.T) {
	srv, _ := NewServer(nil)
	defer srv.Shutdown(context.Background())
	s, _, nc := wsSocket(t, srv)
	closed := make(chan string, 1)
	s.OnClose(func(reason string, _ error) { closed <- reason })
	_ = nc.Close() // the write fails at once
	if err := s.Send([]Message{{Data: []byte("lost")}}, SendOptions{}); err != nil {
		t.Fatal(err)
	}
	if r := <-closed; r != ReasonTransportError {
		t.Fatalf("OnClose reason %q, want %q", r, ReasonTransportError)
	}
	waitFor(t, func() bool { s.mu.Lock(); defer s.mu.Unlock(); return !s.writing })
	if st := srv.Stats(); st.MessagesOut != 0 {
		t.Errorf("Stats.MessagesOut = %d for a failed write, want 0", st.MessagesOut)
	}
}

// After the close frame went out (the connection is closing), a flusher drops what is
// queued, as the writer goroutine does, and gives the write ownership back.
func TestFlusherDropsAfterCloseFrame(t *testing.T) {
	srv, _ := NewServer(nil)
	defer srv.Shutdown(context.Background())
	s, conn, _ := wsSocket(t, srv)
	if err := conn.Close(wsserver.StatusNormalClosure, ""); err != nil {
		t.Fatal(err)
	}
	if err := s.Send([]Message{{Data: []byte("late")}}, SendOptions{}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, func() bool { s.mu.Lock(); defer s.mu.Unlock(); return !s.writing })
	if st := srv.Stats(); st.MessagesOut != 0 {
		t.Errorf("Stats.MessagesOut = %d for a dropped message, want 0", st.MessagesOut)
	}
	_ = conn.CloseNow()
}

// A flusher that its idle timer ends leaves the running count at once, before it wakes: a
// socket pushed in between starts another flusher instead of waiting for that one, which
// ends without looking at the list.
func TestFlusherIdleEndKeepsNewWork(t *testing.T) {
	e := newFlushEnv(t, 1)
	f := &e.srv.flush
	if err := e.socks[0].Send([]Message{{Data: []byte("a")}}, SendOptions{}); err != nil {
		t.Fatal(err)
	}
	readTextFrame(t, e.readers[0])
	var w *flusherWait
	waitFor(t, func() bool {
		f.mu.Lock()
		defer f.mu.Unlock()
		if len(f.idle) == 1 && f.running == 1 {
			w = f.idle[0]
			return true
		}
		return false
	})
	e.srv.flusherTimeout(w) // the period it worked in
	e.srv.flusherTimeout(w) // a period without work: it ends
	f.mu.Lock()
	running, exit := f.running, w.exit
	f.mu.Unlock()
	if exit && running != 0 {
		t.Fatalf("%d flushers counted running after the only one was told to end", running)
	}
	if err := e.socks[0].Send([]Message{{Data: []byte("b")}}, SendOptions{}); err != nil {
		t.Fatal(err)
	}
	if got := readTextFrame(t, e.readers[0]); got != "4b" {
		t.Fatalf("frame %q", got)
	}
}
