package wsserver

import (
	"errors"
	"fmt"
	"os"
	"sync"
	"syscall"
)

// Poller waits for the readability of parked connections (Conn.EnablePark) with one
// epoll instance and one goroutine for all of them, so that an idle connection holds no
// goroutine of its own. The epoll descriptor is itself waited for in the runtime's poller,
// so the waiting goroutine holds no thread. The descriptor and the goroutine exist only
// while some connection is parked. A Poller is safe for concurrent use; its zero value is
// not: use NewPoller.
type Poller struct {
	mu     sync.Mutex
	ep     *epollSet       // nil while nothing is parked
	conns  map[int32]*Conn // parked connections by descriptor
	closed bool
	wg     sync.WaitGroup // wait loops
}

// epollSet is one epoll instance and its wait loop.
type epollSet struct {
	f  *os.File
	rc syscall.RawConn
	fd int
}

// NewPoller returns a Poller. On systems without epoll it returns an error, and
// connections keep a reading goroutine each.
func NewPoller() (*Poller, error) {
	return &Poller{conns: make(map[int32]*Conn)}, nil
}

// Len returns the number of connections parked now.
func (p *Poller) Len() int {
	if p == nil {
		return 0
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.conns)
}

// errPollerClosed is returned by add after Close.
var errPollerClosed = errors.New("wsserver: poller closed")

// add registers c, whose reader is parking, for one readability event.
func (p *Poller) add(c *Conn) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return errPollerClosed
	}
	if p.ep == nil {
		ep, err := newEpollSet()
		if err != nil {
			return err
		}
		p.ep = ep
		p.wg.Go(func() { p.loop(ep) })
	}
	ev := syscall.EpollEvent{Events: syscall.EPOLLIN | syscall.EPOLLRDHUP | syscall.EPOLLONESHOT, Fd: c.park.fd}
	if err := syscall.EpollCtl(p.ep.fd, syscall.EPOLL_CTL_ADD, int(c.park.fd), &ev); err != nil {
		p.stopIfIdleLocked()
		return fmt.Errorf("wsserver: epoll_ctl ADD: %w", err)
	}
	p.conns[c.park.fd] = c
	return nil
}

// remove takes c out of the poller (its parking ended).
func (p *Poller) remove(c *Conn) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.conns[c.park.fd] != c {
		return
	}
	delete(p.conns, c.park.fd)
	if p.ep != nil {
		_ = syscall.EpollCtl(p.ep.fd, syscall.EPOLL_CTL_DEL, int(c.park.fd), nil)
	}
	p.stopIfIdleLocked()
}

// stopIfIdleLocked closes the epoll instance when nothing is parked; its loop ends.
func (p *Poller) stopIfIdleLocked() {
	if len(p.conns) == 0 && p.ep != nil {
		_ = p.ep.f.Close()
		p.ep = nil
	}
}

// Close stops the poller: its goroutine ends, and every connection still parked gets its
// reader back (resume). Connections that try to park afterwards keep their reader.
func (p *Poller) Close() error {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return nil
	}
	p.closed = true
	parked := make([]*Conn, 0, len(p.conns))
	for _, c := range p.conns {
		parked = append(parked, c)
	}
	if p.ep != nil {
		_ = p.ep.f.Close()
		p.ep = nil
	}
	p.mu.Unlock()
	p.wg.Wait()
	for _, c := range parked {
		c.unpark()
	}
	return nil
}

func newEpollSet() (*epollSet, error) {
	fd, err := syscall.EpollCreate1(syscall.EPOLL_CLOEXEC)
	if err != nil {
		return nil, fmt.Errorf("wsserver: epoll_create1: %w", err)
	}
	if err := syscall.SetNonblock(fd, true); err != nil {
		_ = syscall.Close(fd)
		return nil, fmt.Errorf("wsserver: epoll descriptor: %w", err)
	}
	// A non-blocking descriptor in an os.File is waited for in the runtime's poller.
	f := os.NewFile(uintptr(fd), "wsserver-epoll")
	rc, err := f.SyscallConn()
	if err != nil {
		_ = f.Close()
		return nil, fmt.Errorf("wsserver: epoll descriptor: %w", err)
	}
	return &epollSet{f: f, rc: rc, fd: fd}, nil
}

// loop hands each readable connection back to a reader, until ep is closed.
func (p *Poller) loop(ep *epollSet) {
	var events [128]syscall.EpollEvent
	var n int
	var werr error
	wait := func(fd uintptr) bool {
		for {
			n, werr = syscall.EpollWait(int(fd), events[:], 0)
			if werr != syscall.EINTR {
				break
			}
		}
		// Nothing ready: wait for the descriptor's readability in the runtime.
		return werr != nil || n > 0
	}
	for {
		if err := ep.rc.Read(wait); err != nil || werr != nil {
			return // closed (the poller stopped or nothing is parked)
		}
		for _, ev := range events[:n] {
			p.wake(ep, ev.Fd)
		}
	}
}

// wake ends the parking of the connection with descriptor fd, reported by ep.
func (p *Poller) wake(ep *epollSet, fd int32) {
	p.mu.Lock()
	c := p.conns[fd]
	if p.ep != ep {
		c = nil // a closed instance's report; the connection is registered anew
	}
	p.mu.Unlock()
	if c != nil {
		c.unpark()
	}
}
