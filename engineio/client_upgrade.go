package engineio

import (
	"fmt"
	"slices"
)

// Upgrade from polling to websocket, as engine.io-client does it: open a websocket for the
// session, send "2probe", expect "3probe", pause polling (wait for the GET in flight, which
// the server releases with a noop, and for the POST in flight), switch, send "5", flush.
// A failed probe leaves the connection on polling (Node: the "upgradeError" event; here a
// debug log record).

// upgradeCandidate returns the transport to probe after a polling handshake, or "".
func (s *ClientSocket) upgradeCandidate() string {
	if !s.opts.DisableUpgrades && s.opts.allows(TransportWebSocket) && slices.Contains(s.upgrades, TransportWebSocket) {
		return TransportWebSocket
	}
	return ""
}

// probe runs the upgrade and, when it succeeds, becomes the websocket reader. Started by
// Dial; stopped by close (the context ends the dial or read; closing wakes the pause).
func (s *ClientSocket) probe() {
	defer s.wg.Done()
	priorWebsocketSuccess.Store(false)
	ws, err := s.dialWebsocket(s.ctx)
	if err != nil {
		s.upgradeFailed(err)
		return
	}
	if err := ws.write(s.ctx, []Packet{{Type: PacketPing, Data: []byte("probe")}}); err != nil {
		ws.abort()
		s.upgradeFailed(err)
		return
	}
	p, err := ws.read(s.ctx)
	if err != nil || p.Type != PacketPong || string(p.Data) != "probe" {
		ws.abort()
		if err == nil {
			err = fmt.Errorf("engineio: probe answered with %s %q instead of pong \"probe\"", p.Type, p.Data)
		}
		s.upgradeFailed(err)
		return
	}

	s.mu.Lock()
	s.upgrading = true
	for s.state == clientOpen && (s.polling || s.writing) {
		ch := s.changed
		s.mu.Unlock()
		<-ch // closed when polling or writing turn false, or on close
		s.mu.Lock()
	}
	if s.state != clientOpen {
		s.upgrading = false
		s.mu.Unlock()
		ws.abort()
		return
	}
	s.transport = ws
	s.upgrading = false
	s.queue = append([]Packet{{Type: PacketUpgrade}}, s.queue...)
	s.mu.Unlock()
	s.signalWriter()
	priorWebsocketSuccess.Store(true)
	s.log.Debug("upgraded", "sid", s.sid, "transport", TransportWebSocket)
	if !s.deliver(clientEvent{upgrade: TransportWebSocket}) {
		return
	}
	s.wsReadLoop(ws)
}

func (s *ClientSocket) upgradeFailed(err error) {
	s.log.Debug("probe failed", "sid", s.sid, "transport", TransportWebSocket, "err", err)
}
