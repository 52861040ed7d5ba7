package admin

import (
	"github.com/gosockio/gosockio/socketio"
)

// registerCommands answers the UI's commands on admin socket s, unless read-only.
// Each acts cluster-wide through the namespace's adapter, on every socket of the
// namespace or on those in the room given as filter. A namespace that does not exist is
// ignored (Node's io.of(nsp) would create it). Node: registerFeatureHandlers.
func (in *Instrumentation) registerCommands(s *socketio.Socket) {
	if in.opts.ReadOnly {
		return
	}
	// emit (nsp, filter, event, ...args)
	s.On("emit", func(a socketio.Args) {
		var nsp, filter, event string
		if err := a.Scan(&nsp, &filter, &event); err != nil || event == "" {
			in.log.Debug("admin: bad emit command", "err", err)
			return
		}
		n := in.namespace(nsp)
		if n == nil || in.closed.Load() {
			return
		}
		var args []any
		if vals := a.Values(); len(vals) > 3 {
			args = vals[3:]
		}
		in.log.Debug("admin: emit", "nsp", nsp, "filter", filter, "event", event)
		var err error
		if filter != "" {
			err = n.In(filter).Emit(event, args...)
		} else {
			err = n.Emit(event, args...)
		}
		if err != nil {
			in.log.Debug("admin: emit command", "event", event, "err", err)
		}
	})
	// join (nsp, room, filter), leave (nsp, room, filter)
	for _, cmd := range []string{"join", "leave"} {
		s.On(cmd, func(a socketio.Args) {
			var nsp, room, filter string
			if err := a.Scan(&nsp, &room, &filter); err != nil || room == "" {
				in.log.Debug("admin: bad command", "command", cmd, "err", err)
				return
			}
			n := in.namespace(nsp)
			if n == nil || in.closed.Load() {
				return
			}
			in.log.Debug("admin: "+cmd, "nsp", nsp, "room", room, "filter", filter)
			switch {
			case cmd == "join" && filter != "":
				n.In(filter).SocketsJoin(room)
			case cmd == "join":
				n.SocketsJoin(room)
			case filter != "":
				n.In(filter).SocketsLeave(room)
			default:
				n.SocketsLeave(room)
			}
		})
	}
	// _disconnect (nsp, close, filter)
	s.On("_disconnect", func(a socketio.Args) {
		var nsp, filter string
		var closeConn bool
		if err := a.Scan(&nsp, &closeConn, &filter); err != nil {
			in.log.Debug("admin: bad _disconnect command", "err", err)
			return
		}
		n := in.namespace(nsp)
		if n == nil || in.closed.Load() {
			return
		}
		in.log.Debug("admin: disconnect", "nsp", nsp, "close", closeConn, "filter", filter)
		if filter != "" {
			n.In(filter).DisconnectSockets(closeConn)
		} else {
			n.DisconnectSockets(closeConn)
		}
	})
}

// namespace returns the existing namespace called name, or nil.
func (in *Instrumentation) namespace(name string) *socketio.Namespace {
	for _, n := range in.io.Namespaces() {
		if n.Name() == name {
			return n
		}
	}
	return nil
}
