package engineio

import "time"

// Heartbeat, as engine.io-client does it.
//
// v4: the server pings every pingInterval; the client answers each ping with a pong and
// closes with "ping timeout" when no ping arrived within pingInterval+pingTimeout (the timer
// starts at the handshake and restarts on every ping).
//
// v3: the client pings pingInterval after the handshake and after every pong, and expects
// the pong within pingTimeout; any packet from the server restarts the timeout with
// pingInterval+pingTimeout (engine.io-client 3.x's "heartbeat" listener).

// startHeartbeatLocked arms the timers after the handshake.
func (s *ClientSocket) startHeartbeatLocked() {
	if s.opts.Protocol == ProtocolV4 {
		s.resetPingTimeoutLocked()
		return
	}
	s.schedulePingLocked()
}

// resetPingTimeoutLocked restarts the v4 ping timeout.
func (s *ClientSocket) resetPingTimeoutLocked() {
	s.armPingTimerLocked(s.pingInterval + s.pingTimeout)
}

// heartbeatV3Locked restarts the v3 timeout on any packet from the server.
func (s *ClientSocket) heartbeatV3Locked() {
	s.armPingTimerLocked(s.pingInterval + s.pingTimeout)
}

func (s *ClientSocket) armPingTimerLocked(d time.Duration) {
	if s.pingTimer == nil {
		s.pingTimer = time.AfterFunc(d, s.onPingTimeout) // stopped by closeWith
		return
	}
	s.pingTimer.Reset(d)
}

func (s *ClientSocket) onPingTimeout() {
	s.closeWith(ReasonPingTimeout, nil)
}

// schedulePingLocked sends the next v3 ping after pingInterval.
func (s *ClientSocket) schedulePingLocked() {
	if s.pingSched == nil {
		s.pingSched = time.AfterFunc(s.pingInterval, s.sendPingV3) // stopped by closeWith
		return
	}
	s.pingSched.Reset(s.pingInterval)
}

func (s *ClientSocket) sendPingV3() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.state != clientOpen {
		return
	}
	s.enqueueControlLocked(Packet{Type: PacketPing})
	s.armPingTimerLocked(s.pingTimeout)
}
