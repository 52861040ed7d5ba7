package wsserver

import (
	"errors"
	"os"
	"sync"
	"time"
)

// parkAfter is how long a connection with parking enabled waits for input on its reader's
// goroutine before it parks. Shorter parks more connections sooner (less memory, more
// park/resume cycles for connections that send every few seconds); a variable for tests.
var parkAfter = 2 * time.Second

// ErrParked is returned by ReadMessage of a connection with parking enabled (EnablePark)
// when the connection parked: the reader's goroutine should end; the Poller calls resume
// once input (or the end of the stream) is there, or when the Conn is closed.
var ErrParked = errors.New("wsserver: connection parked until it is readable")

// parking is a Conn's part in parking. The fields under pmu are shared by the reader, the
// closers (Close, CloseNow, readFailed) and the Poller; armed and reads are the reader's.
type parking struct {
	poller *Poller // nil: parking is off
	resume func()
	fd     int32

	pmu      sync.Mutex
	parked   bool      // registered with the poller; no goroutine reads
	closing  bool      // a close began: no more parking, and deadlines are the close's
	deadline time.Time // the read deadline the Conn set last (zero: none)
	idle     bool      // that deadline is the idle one (armIdle)

	armed bool   // the idle deadline is set (reader only)
	reads uint32 // reads that returned input since it was set (reader only)
}

// EnablePark lets the connection park while it is idle: when no input arrives for a while
// at a message boundary, ReadMessage returns ErrParked instead of waiting, and the
// connection waits in p, which holds no goroutine per connection. Once the connection is
// readable, or closed by Close or CloseNow, p calls resume (on its own goroutine, or on the
// closer's): resume must start a new reader and return at once. Call it before the first
// ReadMessage, or between two ReadMessage calls on the reader's goroutine. It reports whether parking is on: a connection without raw socket access
// (TLS, pipes) or a nil p cannot park.
func (c *Conn) EnablePark(p *Poller, resume func()) bool {
	if p == nil || c.rc == nil || resume == nil {
		return false
	}
	fd := int32(-1)
	if err := c.rc.Control(func(u uintptr) { fd = int32(u) }); err != nil || fd < 0 {
		return false
	}
	c.park.poller, c.park.resume, c.park.fd = p, resume, fd
	return true
}

// waitInput reads input at a message boundary. With parking on it arms the idle deadline
// first, and parks the connection when that deadline passes with no input since it was
// armed; parked is then true and the reader must return ErrParked.
func (c *Conn) waitInput() (parked bool, err error) {
	for {
		if c.park.poller == nil { // the poller refused: read as a connection that never parks
			return false, c.fill()
		}
		if !c.park.armed {
			c.armIdle()
		}
		err := c.readMore()
		if err == nil {
			return false, nil
		}
		switch c.deadlineKind(err) {
		case deadlineOld:
			continue
		case deadlineIdle:
			if c.park.reads > 0 {
				c.park.armed = false // input came since: wait another parkAfter
				continue
			}
			if c.tryPark() {
				return true, nil
			}
			continue
		}
		return false, err
	}
}

// armIdle sets the idle read deadline, unless a close began (its deadline stays).
func (c *Conn) armIdle() {
	c.park.armed, c.park.reads = true, 0
	c.park.pmu.Lock()
	if !c.park.closing {
		c.setDeadlineLocked(time.Now().Add(parkAfter), true)
	}
	c.park.pmu.Unlock()
}

// setDeadlineLocked sets the read deadline and records it; pmu is held.
func (c *Conn) setDeadlineLocked(t time.Time, idle bool) {
	c.park.deadline, c.park.idle = t, idle
	_ = c.nc.SetReadDeadline(t)
}

// setCloseDeadline marks the connection closing and sets the read deadline that bounds
// the rest of the closing handshake (zero: none).
func (c *Conn) setCloseDeadline(t time.Time) {
	c.park.pmu.Lock()
	c.park.closing = true
	c.setDeadlineLocked(t, false)
	c.park.pmu.Unlock()
}

const (
	deadlineNone = iota // not a deadline error, or the deadline that ends the read
	deadlineIdle        // the idle deadline passed
	deadlineOld         // a deadline that has since been moved passed: read again
)

// deadlineKind tells what a read error means for a connection that parks: only the idle
// deadline and a deadline replaced after it fired are the Conn's own business.
func (c *Conn) deadlineKind(err error) int {
	if c.park.poller == nil || !errors.Is(err, os.ErrDeadlineExceeded) {
		return deadlineNone
	}
	c.park.pmu.Lock()
	defer c.park.pmu.Unlock()
	switch {
	case c.park.idle && !c.park.closing:
		return deadlineIdle
	case !c.park.deadline.IsZero() && time.Now().Before(c.park.deadline):
		return deadlineOld
	}
	return deadlineNone
}

// clearIdle takes the idle deadline away (a read in the middle of a message ran into it).
func (c *Conn) clearIdle() {
	c.park.armed = false
	c.park.pmu.Lock()
	if c.park.idle && !c.park.closing {
		c.setDeadlineLocked(time.Time{}, false)
	}
	c.park.pmu.Unlock()
}

// tryPark registers the connection with the poller; false when a close began or the
// poller refused (then parking stays off for this connection).
func (c *Conn) tryPark() bool {
	c.park.armed = false
	c.park.pmu.Lock()
	defer c.park.pmu.Unlock()
	if c.park.closing {
		return false
	}
	c.setDeadlineLocked(time.Time{}, false)
	c.release()
	c.park.parked = true
	if err := c.park.poller.add(c); err != nil {
		c.park.parked = false
		c.park.poller = nil
		return false
	}
	return true
}

// unpark ends the parking of a parked connection: it leaves the poller and a new reader
// is started. It is a no-op when the connection is not parked.
func (c *Conn) unpark() {
	if !c.takeParked(false) {
		return
	}
	c.park.poller.remove(c)
	c.park.resume()
}

// takeParked clears parked and reports whether it was set; with closing it also marks the
// connection closing.
func (c *Conn) takeParked(closing bool) bool {
	c.park.pmu.Lock()
	was := c.park.parked
	c.park.parked = false
	if closing {
		c.park.closing = true
	}
	c.park.pmu.Unlock()
	return was
}

// closeParked closes the network connection of a Conn that a closer ends: a parked
// connection leaves the poller before its descriptor closes, and its reader is started
// after, so that it sees the end.
func (c *Conn) closeParked() error {
	was := c.takeParked(true)
	if was {
		c.park.poller.remove(c)
	}
	err := c.nc.Close()
	if was {
		c.park.resume()
	}
	return err
}

// SetParkAfter sets how long an idle connection keeps its reader before it parks, and
// returns a function that restores the previous value. For tests; not safe while
// connections read.
func SetParkAfter(d time.Duration) (restore func()) {
	old := parkAfter
	parkAfter = d
	return func() { parkAfter = old }
}
