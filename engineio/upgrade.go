package engineio

import (
	"errors"
	"net/http"
	"time"

	"github.com/gosockio/gosockio/engineio/internal/wsserver"
)

// serveUpgrade handles a websocket request for an existing session: the probe/upgrade dance
// (client "2probe", server "3probe", the pending GET released with noop, client "5"), then
// the websocket read loop. A websocket for a session that is already on websocket, or
// already upgrading, is accepted and closed at once, as Node does.
func (s *Server) serveUpgrade(w http.ResponseWriter, r *http.Request, c *Socket) {
	if s.opts.DisableUpgrades {
		s.reject(w, r, errBadRequest, "reason", "upgrades are disabled (Options.DisableUpgrades)", "sid", c.id)
		return
	}
	c.mu.Lock()
	if c.state != stateOpen || c.transport == transportWebSocket || c.upgrade != upgradeNone {
		c.mu.Unlock()
		// As Node: the websocket is accepted, then closed at once.
		s.debug("upgrade refused: session already upgraded or upgrading", "component", "engine", "sid", c.id)
		if conn, err := s.acceptWebSocket(w, r, c.id, false); err == nil {
			_ = conn.CloseAndWait(wsserver.StatusNormalClosure, "session already upgraded")
		}
		return
	}
	c.upgrade = upgradeStarted
	c.mu.Unlock()

	conn, err := s.acceptWebSocket(w, r, c.id, false)
	c.mu.Lock()
	// A Socket.Close meanwhile does not stop the upgrade (see closeWith); the end of the
	// session does.
	if err != nil || c.state == stateClosed {
		c.upgrade = upgradeNone
		c.mu.Unlock()
		if conn != nil {
			_ = conn.CloseNow()
		}
		return
	}
	c.probe = conn
	c.upgradeTimer = time.AfterFunc(s.opts.UpgradeTimeout, func() { c.abortUpgrade(conn) })
	c.mu.Unlock()
	// A goroutine of its own, as in handshake; it stops when the probe fails or is dropped,
	// or, after the upgrade, when the connection ends. Shutdown waits for it.
	s.wg.Go(func() { c.probeLoop(conn, r) })
}

// probeLoop reads the probe websocket until the upgrade completes (then it becomes the
// socket's read loop) or fails.
func (c *Socket) probeLoop(conn *wsserver.Conn, r *http.Request) {
	for {
		data, binary, err := conn.ReadMessage()
		if err != nil {
			c.abortUpgrade(conn)
			return
		}
		c.srv.stats.bytesIn.Add(uint64(len(data)))
		p, err := DecodeFrame(data, binary, int(c.protocol))
		if err == nil {
			c.srv.stats.packetIn(p.Type)
		}
		switch {
		case err == nil && p.Type == PacketPing && string(p.Data) == "probe":
			// The state changes before "3probe" is written, so that a request the client
			// sends after reading it sees the upgrade under way (Node does both in one tick).
			c.mu.Lock()
			if c.probe == conn {
				c.upgrade = upgradeProbed
				c.releasePollLocked()
			}
			c.mu.Unlock()
			if conn.WriteMessage(false, []byte("3probe")) != nil {
				c.abortUpgrade(conn)
				return
			}
			c.srv.stats.countOut(PacketPong, len("3probe"))
		case err == nil && p.Type == PacketUpgrade:
			ok, closing := c.completeUpgrade(conn, r)
			if !ok {
				_ = conn.CloseNow()
				return
			}
			if c.onUpgrade != nil {
				c.runCallback("OnUpgrade", func() { c.onUpgrade(TransportWebSocket) }, true)
			}
			if closing {
				// Socket.Close ran during the upgrade and was waiting for a GET: as Node,
				// the session closes over the new websocket, after what is queued.
				c.closeWith(ReasonForcedClose, nil, closeDrain)
			}
			c.enablePark(conn)
			c.readLoop(conn)
			return
		default: // anything else ends the attempt (Node closes the probe transport)
			c.abortUpgrade(conn)
			return
		}
	}
}

// releasePollLocked answers a waiting GET with noop (or with what is queued).
func (c *Socket) releasePollLocked() {
	pt := c.poll
	if pt == nil || pt.wake == nil {
		return
	}
	if len(c.queue) == 0 {
		pt.hasTail, pt.tail = true, PacketNoop
	}
	close(pt.wake)
	pt.wake = nil
}

// completeUpgrade switches the socket to conn; ok is false when the attempt was dropped
// meanwhile, closing is true when Socket.Close was called during the upgrade.
func (c *Socket) completeUpgrade(conn *wsserver.Conn, r *http.Request) (ok, closing bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.state == stateClosed || c.probe != conn {
		return false, false
	}
	c.upgradeTimer.Stop()
	c.releasePollLocked()
	c.probe = nil
	c.upgrade = upgradeComplete
	c.transport = transportWebSocket
	c.ws = conn
	c.wsB64 = r.URL.Query().Has("b64")
	c.poll = nil
	c.flushLocked()
	c.srv.debug("upgraded", "component", "engine:socket", "sid", c.id)
	return true, c.state == stateClosing
}

var errUpgradeAborted = errors.New("engineio: upgrade not completed")

// abortUpgrade drops the probe websocket; the session goes on over polling.
func (c *Socket) abortUpgrade(conn *wsserver.Conn) {
	c.mu.Lock()
	mine := c.probe == conn
	if mine {
		c.probe = nil
		c.upgrade = upgradeNone
		c.upgradeTimer.Stop()
	}
	c.mu.Unlock()
	_ = conn.CloseNow()
	if mine {
		c.srv.debug("upgrade aborted", "component", "engine:socket", "sid", c.id, "err", errUpgradeAborted)
	}
}
