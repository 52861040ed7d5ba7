package engineio

import (
	"fmt"
	"time"
)

// Heartbeat. Protocol v4: the server sends a ping every PingInterval and expects a pong
// within PingTimeout. Protocol v3: the client pings, the server answers with a pong, and a
// client silent for PingInterval + PingTimeout is timed out. Both use time.AfterFunc timers,
// no goroutine per connection. Socket.deadline is when the timeout falls due if nothing
// happens; a request that arrives after it is treated as timed out even when the timer has
// not run yet (timers fire late on a busy machine).

// startHeartbeatLocked arms the timers of a new socket.
func (s *Socket) startHeartbeatLocked() {
	o := &s.srv.opts
	s.deadline = time.Now().Add(o.PingInterval + o.PingTimeout).UnixNano()
	if s.protocol == ProtocolV3 {
		s.timeoutTimer = time.AfterFunc(o.PingInterval+o.PingTimeout, s.onPingTimeout)
		return
	}
	s.pingTimer = time.AfterFunc(o.PingInterval, s.sendPing)
}

// sendPing is the v4 ping timer: it queues a ping and arms the pong deadline.
func (s *Socket) sendPing() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.state != stateOpen {
		return
	}
	s.awaitingPong = true
	s.refreshed = false
	// The deadline counts from when the ping was due, so that a late timer does not lengthen
	// pingInterval + pingTimeout; the client gets at least half of pingTimeout to answer.
	now := time.Now()
	wait := max(time.Duration(s.deadline-now.UnixNano()), s.srv.opts.PingTimeout/2)
	s.deadline = now.Add(wait).UnixNano()
	if s.timeoutTimer == nil {
		s.timeoutTimer = time.AfterFunc(wait, s.onPingTimeout)
	} else {
		s.timeoutTimer.Reset(wait)
	}
	s.srv.debug("ping", "component", "engine:socket", "sid", s.id)
	s.sendPacketLocked(Packet{Type: PacketPing})
}

// onPongLocked handles a v4 pong: the deadline is cleared and the next ping scheduled.
func (s *Socket) onPongLocked() {
	if !s.awaitingPong {
		return
	}
	o := &s.srv.opts
	s.awaitingPong = false
	s.timeoutTimer.Stop()
	s.deadline = time.Now().Add(o.PingInterval + o.PingTimeout).UnixNano()
	s.pingTimer.Reset(o.PingInterval)
}

// refreshLocked extends the v4 pong deadline once when another packet arrives while a pong
// is awaited (Node 6.x: the client is evidently alive).
func (s *Socket) refreshLocked() {
	s.refreshed = true
	s.deadline = time.Now().Add(s.srv.opts.PingTimeout).UnixNano()
	s.timeoutTimer.Reset(s.srv.opts.PingTimeout)
}

// resetV3TimeoutLocked restarts the v3 deadline after a client ping.
func (s *Socket) resetV3TimeoutLocked() {
	d := s.srv.opts.PingInterval + s.srv.opts.PingTimeout
	s.deadline = time.Now().Add(d).UnixNano()
	s.timeoutTimer.Reset(d)
}

// onPingTimeout is the deadline timer.
func (s *Socket) onPingTimeout() {
	s.mu.Lock()
	late := s.state == stateOpen && (s.protocol == ProtocolV3 || s.awaitingPong)
	s.mu.Unlock()
	if late {
		s.closeWith(ReasonPingTimeout, s.timeoutError(), closeNow)
	}
}

// expired closes the socket with "ping timeout" and reports true when its deadline has
// passed; ServeHTTP calls it before serving a request for the session.
func (s *Socket) expired() bool {
	s.mu.Lock()
	late := s.state == stateOpen && s.deadline != 0 && time.Now().UnixNano() > s.deadline
	s.mu.Unlock()
	if late {
		s.closeWith(ReasonPingTimeout, s.timeoutError(), closeNow)
	}
	return late
}

func (s *Socket) timeoutError() error {
	o := &s.srv.opts
	if s.protocol == ProtocolV3 {
		return fmt.Errorf("engineio: no ping from the client within %v (pingInterval + pingTimeout)", o.PingInterval+o.PingTimeout)
	}
	return fmt.Errorf("engineio: no pong from the client within %v (pingTimeout)", o.PingTimeout)
}
