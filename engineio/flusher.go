package engineio

import (
	"runtime"
	"sync"
	"sync/atomic"
	"time"
)

// flusherIdle is how long a flusher goroutine waits for work before it ends (one to two
// periods). Long enough
// that a server broadcasting a few times a second keeps its flushers, short enough that an
// idle server holds none.
const flusherIdle = 100 * time.Millisecond

// flushers write websockets that have something queued and no writer, on a few
// long-lived goroutines instead of one new goroutine per socket and delivery. A broadcast
// to N idle websockets queues one frame on each; with a goroutine per socket it started N
// goroutines, each living for one write. A flusher instead takes the sockets one after
// the other and writes each without blocking (wsserver.Conn.TryWrite): one round per
// socket, the whole queue in one write. A socket whose write cannot finish at once (a
// client that reads slowly: its kernel buffer is full) goes to its own writer goroutine
// (writeLoop), which may block, so that a flusher never waits for one client.
//
// There are at most GOMAXPROCS flushers (their work is CPU: encoding and non-blocking
// syscalls), started when sockets wait and no flusher is free, ending after one to two
// flusherIdle periods without work. They run under Server.wg; Shutdown wakes the idle
// ones (see stopFlushers) so that they end at once.
type flushers struct {
	mu      sync.Mutex
	list    []*Socket // sockets waiting for a round: list[head:], oldest first
	head    int
	idle    []*flusherWait // flushers waiting for work, the last one woken first
	running int            // flusher goroutines alive, idle ones included
	max     int            // GOMAXPROCS, read at the first push and at each idle timeout
	stopped bool           // Shutdown ran: flushers end when the list is empty

	// writers counts writeLoop starts, so that tests can tell a broadcast written by the
	// flushers from one that needed a goroutine per socket.
	writers atomic.Int64
}

// flusherWait is one flusher's state. An idle flusher waits on wake, which a sender,
// Shutdown or the idle timer fills (one token, so the send never blocks) after taking it
// off the idle list.
type flusherWait struct {
	wake  chan struct{}
	timer *time.Timer // the idle period (see flusherTimeout)
	// Guarded by flushers.mu:
	worked bool // a round ran since the timer was armed
	exit   bool // the idle timer ended the flusher
	ended  bool // the flusher returned
}

// pushFlush queues c for a flusher round; the caller holds c.mu and has set c.writing (c's
// write ownership passes to the flusher that pops it). It wakes or starts a flusher when
// the waiting sockets outnumber the working flushers.
func (s *Server) pushFlush(c *Socket) {
	f := &s.flush
	f.mu.Lock()
	if f.head > 0 && len(f.list) == cap(f.list) {
		// Reuse the room before head rather than grow: the list never empties while
		// senders keep up with the flushers.
		n := copy(f.list, f.list[f.head:])
		clear(f.list[n:])
		f.list, f.head = f.list[:n], 0
	}
	f.list = append(f.list, c)
	if len(f.list)-f.head > f.running-len(f.idle) {
		if n := len(f.idle); n > 0 {
			w := f.idle[n-1]
			f.idle[n-1] = nil
			f.idle = f.idle[:n-1]
			w.wake <- struct{}{}
		} else {
			if f.max == 0 {
				f.max = runtime.GOMAXPROCS(0)
			}
			if f.running < f.max {
				f.running++
				s.wg.Go(s.runFlusher)
			}
		}
	}
	f.mu.Unlock()
}

// runFlusher is one flusher goroutine: it gives each socket of the list one round (see
// Socket.flushRound) until a whole flusherIdle period passed without work (see
// flusherTimeout), or Shutdown ran.
func (s *Server) runFlusher() {
	f := &s.flush
	w := &flusherWait{wake: make(chan struct{}, 1)}
	// An idle flusher waits on its channel alone: a timer channel in that select would be
	// put in the runtime's timer heap and taken out again at every wait, which costs a
	// one-socket Send about as much as the goroutine start the flushers save. The timer
	// runs instead as a function, armed once per period (set under f.mu, which the
	// function takes).
	f.mu.Lock()
	w.timer = time.AfterFunc(flusherIdle, func() { s.flusherTimeout(w) })
	for {
		if f.head < len(f.list) {
			c := f.list[f.head]
			f.list[f.head] = nil
			f.head++
			if f.head == len(f.list) {
				f.list, f.head = f.list[:0], 0
			}
			f.mu.Unlock()
			c.flushRound()
			f.mu.Lock()
			w.worked = true
			continue
		}
		if f.stopped {
			break
		}
		f.idle = append(f.idle, w)
		f.mu.Unlock()
		<-w.wake
		f.mu.Lock()
		if w.exit { // flusherTimeout took it off the running count already
			w.ended = true
			f.mu.Unlock()
			return
		}
	}
	f.running--
	w.ended = true
	f.mu.Unlock()
	w.timer.Stop()
}

// flusherTimeout runs at the end of each flusherIdle period of the flusher w: it ends w if
// w is idle and did no work during the period, else arms the timer for the next one.
func (s *Server) flusherTimeout(w *flusherWait) {
	f := &s.flush
	f.mu.Lock()
	defer f.mu.Unlock()
	if w.ended {
		return
	}
	f.max = runtime.GOMAXPROCS(0) // it may change while the server runs
	i := indexWait(f.idle, w)
	if w.worked || i < 0 {
		w.worked = false
		w.timer.Reset(flusherIdle)
		return
	}
	f.idle = append(f.idle[:i], f.idle[i+1:]...)
	// Off the running count now, not when it wakes: a socket pushed meanwhile must start
	// another flusher rather than count on this one, which ends without looking.
	f.running--
	w.exit = true
	w.wake <- struct{}{}
}

func indexWait(ws []*flusherWait, w *flusherWait) int {
	for i, x := range ws {
		if x == w {
			return i
		}
	}
	return -1
}

// stopFlushers makes the flushers end once the list is empty: the idle ones now, the
// others after their last round. Shutdown calls it after closing the sockets; it waits
// for them through Server.wg. A socket pushed afterwards still gets its round (a
// flusher is started for it and ends after it).
func (s *Server) stopFlushers() {
	f := &s.flush
	f.mu.Lock()
	f.stopped = true
	for i, w := range f.idle {
		w.wake <- struct{}{}
		f.idle[i] = nil
	}
	f.idle = f.idle[:0]
	f.mu.Unlock()
}
