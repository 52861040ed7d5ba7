package enginetest

import (
	"sync"
	"time"

	"github.com/gosockio/gosockio/conformance/internal/enginetestserver"
	"github.com/gosockio/gosockio/engineio"
)

// session is what the server's hooks reported about one sid.
type session struct {
	closed   chan struct{} // closed after reason and cause are set
	reason   string
	cause    error
	msgs     chan received
	upgraded chan struct{}    // closed when the server reports the upgrade
	socket   *engineio.Socket // Go target only; guarded by events.mu
}

// received is a message the server got, with the transport it came over.
type received struct {
	engineio.Message
	transport string
}

// events collects the hooks' reports by sid.
type events struct {
	mu    sync.Mutex
	bySID map[string]*session
	conns chan *engineio.Socket // every new socket, for tests that act on it
}

func (e *events) session(sid string) *session {
	e.mu.Lock()
	defer e.mu.Unlock()
	s, ok := e.bySID[sid]
	if !ok {
		s = &session{closed: make(chan struct{}), msgs: make(chan received, 64), upgraded: make(chan struct{})}
		e.bySID[sid] = s
	}
	return s
}

func (e *events) hooks() enginetestserver.Hooks {
	return enginetestserver.Hooks{
		Connection: func(s *engineio.Socket) {
			ss := e.session(s.ID())
			e.mu.Lock()
			ss.socket = s
			e.mu.Unlock()
			// Called from the server's OnConnection callback, as OnUpgrade requires.
			s.OnUpgrade(func(string) { close(ss.upgraded) })
			select {
			case e.conns <- s:
			default:
			}
		},
		Message: func(s *engineio.Socket, m engineio.Message) {
			select {
			case e.session(s.ID()).msgs <- received{m, s.Transport()}:
			default:
			}
		},
		Close: func(s *engineio.Socket, reason string, cause error) {
			ss := e.session(s.ID())
			ss.reason, ss.cause = reason, cause
			close(ss.closed)
		},
	}
}

// waitClose waits until the server closes the session sid and returns its reason.
func (h *harness) waitClose(sid string) (string, error) {
	h.t.Helper()
	s := h.events.session(sid)
	select {
	case <-s.closed:
		return s.reason, s.cause
	case <-time.After(waitLimit):
		h.timedOut("the server did not close session %s within %v", sid, waitLimit)
		return "", nil
	}
}

// wantCloseReason waits for the server to close sid and checks its reason
// (Node's reason strings).
func (h *harness) wantCloseReason(sid, want string) {
	h.t.Helper()
	if got, cause := h.waitClose(sid); got != want {
		h.t.Errorf("server closed session %s with reason %q (cause %v), want %q as Node", sid, got, cause, want)
	}
}

// socketOf returns the server socket of sid, or nil before its Connection hook.
func (e *events) socketOf(sid string) *engineio.Socket {
	ss := e.session(sid)
	e.mu.Lock()
	defer e.mu.Unlock()
	return ss.socket
}

// waitUpgraded waits until the server has completed the upgrade of sid to
// websocket (it has processed the client's upgrade packet). The suites assume
// that a request sent after the upgrade packet is handled after it, which holds
// in Node's single event loop but not in a server that reads the WebSocket and
// the HTTP requests on different goroutines.
func (h *harness) waitUpgraded(sid string) {
	h.t.Helper()
	select {
	case <-h.events.session(sid).upgraded:
	case <-time.After(waitLimit):
		h.timedOut("the server did not report the upgrade of %s within %v", sid, waitLimit)
	}
}

// serverClose closes the session sid from the server side (Socket.Close, or
// socket.close() in Node) and returns once the call has been made.
func (h *harness) serverClose(sid string) {
	h.t.Helper()
	if h.srv != nil {
		s := h.events.socketOf(sid)
		if s == nil {
			h.t.Fatalf("serverClose: no socket %s", sid)
		}
		if err := s.Close(); err != nil {
			h.t.Fatalf("Socket.Close: %v", err)
		}
		return
	}
	if err := h.node.WriteLine(h.ctx(), []byte(`{"close":"`+sid+`"}`)); err != nil {
		h.t.Fatal(err)
	}
	select {
	case got := <-h.closing:
		if got != sid {
			h.t.Fatalf("Node closed %s, want %s", got, sid)
		}
	case <-time.After(waitLimit):
		h.timedOut("Node did not close %s within %v", sid, waitLimit)
	}
}

// timedOut fails the case for an event that never came. Such a failure is
// final: a stall of the test process explains a missed 300 ms deadline, not a
// silence of waitLimit.
func (h *harness) timedOut(format string, args ...any) {
	h.t.Helper()
	if a, ok := h.t.(*attempt); ok {
		a.MarkFinal()
	}
	h.t.Fatalf(format, args...)
}

// nextConn returns the next socket the server opens.
func (h *harness) nextConn() *engineio.Socket {
	h.t.Helper()
	select {
	case s := <-h.events.conns:
		return s
	case <-time.After(waitLimit):
		h.timedOut("no connection within %v", waitLimit)
		return nil
	}
}
