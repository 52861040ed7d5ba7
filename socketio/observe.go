package socketio

import (
	"maps"
	"slices"
)

// Observer receives notifications of what happens on a Server's connections, sockets
// and rooms, for instrumentation: the admin UI's server side (package
// github.com/gosockio/gosockio/admin), metrics, audit logs. Every field is optional.
//
// Callbacks run synchronously on the goroutine where the event happens (a connection's
// read path, the caller of Join or SetData, a closing connection); they must return
// quickly and must not block on network I/O. Emitting or broadcasting from them is fine:
// that only queues. Node has no single equivalent: these are the engine's "connection"
// event, the engine socket's "upgrade" and "close" events, the adapter's "join-room" and
// "leave-room" events, and what admin-ui's proxy on socket.data sees.
type Observer struct {
	// ConnOpened is called when the server starts serving an engine connection, before
	// the connection delivers any message. Node: engine.on("connection").
	ConnOpened func(conn EngineConn)
	// ConnUpgraded is called when conn's transport changed (to "websocket"), with the
	// sockets the connection carries then (one per namespace joined). It runs on the
	// connection's read path, before any message that came over the new transport.
	// Node: conn.on("upgrade").
	ConnUpgraded func(conn EngineConn, transport string, sockets []*Socket)
	// ConnClosed is called once when conn closed, with Node's reason ("transport close",
	// "ping timeout", "forced server close", ...), before its sockets run their
	// disconnection. Node: conn.on("close").
	ConnClosed func(conn EngineConn, reason string)
	// RoomJoined is called after the socket id of nsp joined room, through Socket.Join
	// (the socket's own room on connection included) or a broadcast operator's
	// SocketsJoin reaching this server, when it was not in the room yet. A user who
	// calls nsp.Adapter().AddAll directly bypasses it. Node: adapter.on("join-room").
	RoomJoined func(nsp *Namespace, room, id string)
	// RoomLeft is called after the socket id of nsp left room, through Socket.Leave,
	// SocketsLeave, or its disconnection (every room it was in, its own included), when
	// it was in the room. Node: adapter.on("leave-room").
	RoomLeft func(nsp *Namespace, room, id string)
	// DataSet is called after Socket.SetData replaced the socket's data. Node has no
	// event; admin-ui watches socket.data through a Proxy.
	DataSet func(s *Socket)
}

// Observe registers o and returns a func that unregisters it (safe to call more than
// once). An observer sees only what happens after Observe returns. Observers are called in
// registration order. Safe for concurrent use.
func (srv *Server) Observe(o Observer) (stop func()) {
	p := &o
	srv.mu.Lock()
	srv.setObservers(append(srv.loadObservers(), p))
	srv.mu.Unlock()
	return func() {
		srv.mu.Lock()
		defer srv.mu.Unlock()
		obs := srv.loadObservers()
		if i := slices.Index(obs, p); i >= 0 {
			srv.setObservers(slices.Delete(slices.Clone(obs), i, i+1))
		}
	}
}

// Namespaces returns the namespaces that exist now, "/" and the children of parent
// namespaces included (parents themselves are not: they hold no sockets), in no
// particular order. Node: io._nsps.
func (srv *Server) Namespaces() []*Namespace {
	srv.mu.RLock()
	defer srv.mu.RUnlock()
	return slices.Collect(maps.Values(srv.nsps))
}

// loadObservers returns the registered observers; the slice is never modified in place.
func (srv *Server) loadObservers() []*Observer {
	if p := srv.observers.Load(); p != nil {
		return *p
	}
	return nil
}

// setObservers replaces the observer list; the caller holds srv.mu.
func (srv *Server) setObservers(obs []*Observer) {
	if len(obs) == 0 {
		srv.observers.Store(nil)
		return
	}
	srv.observers.Store(&obs)
}

// observed reports whether any observer is registered: the hooks skip their extra work
// (room snapshots) when none is.
func (srv *Server) observed() bool { return srv.observers.Load() != nil }

func (srv *Server) notifyConnOpened(conn EngineConn) {
	for _, o := range srv.loadObservers() {
		if o.ConnOpened != nil {
			o.ConnOpened(conn)
		}
	}
}

func (srv *Server) notifyConnClosed(conn EngineConn, reason string) {
	for _, o := range srv.loadObservers() {
		if o.ConnClosed != nil {
			o.ConnClosed(conn, reason)
		}
	}
}

func (srv *Server) notifyRooms(n *Namespace, id string, joined bool, rooms []string) {
	for _, o := range srv.loadObservers() {
		fn := o.RoomLeft
		if joined {
			fn = o.RoomJoined
		}
		if fn == nil {
			continue
		}
		for _, r := range rooms {
			fn(n, r, id)
		}
	}
}

// upgrader is the optional part of an EngineConn that reports transport upgrades;
// engineio.Socket has it.
type upgrader interface {
	OnUpgrade(fn func(transport string))
}

// onUpgrade is the engine's upgrade callback.
func (c *client) onUpgrade(transport string) {
	obs := c.srv.loadObservers()
	if len(obs) == 0 {
		return
	}
	sockets := c.sockets()
	for _, o := range obs {
		if o.ConnUpgraded != nil {
			o.ConnUpgraded(c.conn, transport, sockets)
		}
	}
}

// joinObserved is Join when observers are registered: it reports the rooms the socket
// was not in yet.
func (s *Socket) joinObserved(rooms []string) {
	before := s.nsp.adapter.SocketRooms(s.id)
	s.nsp.adapter.AddAll(s.id, rooms)
	var added []string
	for _, r := range rooms {
		if !slices.Contains(before, r) && !slices.Contains(added, r) {
			added = append(added, r)
		}
	}
	s.nsp.srv.notifyRooms(s.nsp, s.id, true, added)
}

// leaveObserved is Leave when observers are registered: it reports the rooms the socket
// was in.
func (s *Socket) leaveObserved(rooms []string) {
	before := s.nsp.adapter.SocketRooms(s.id)
	var left []string
	for _, r := range rooms {
		s.nsp.adapter.Del(s.id, r)
		if slices.Contains(before, r) && !slices.Contains(left, r) {
			left = append(left, r)
		}
	}
	s.nsp.srv.notifyRooms(s.nsp, s.id, false, left)
}

func (s *Socket) notifyDataSet() {
	for _, o := range s.nsp.srv.loadObservers() {
		if o.DataSet != nil {
			o.DataSet(s)
		}
	}
}
