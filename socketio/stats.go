package socketio

import (
	"sync/atomic"

	"github.com/gosockio/gosockio/engineio"
	"github.com/gosockio/gosockio/parser"
)

// Stats is a snapshot of a Server's counters, returned by Server.Stats. Counters (the
// ...Total, ...In and ...Out fields) only grow from NewServer on; take the difference of
// two snapshots for a rate. Counting is an atomic addition per packet: no locks, no
// allocation.
type Stats struct {
	// Engine holds the counters of the underlying engine.io server (connections, packets,
	// bytes, volatile drops, slow-consumer closes).
	Engine engineio.Stats
	// Namespaces is the number of namespaces that exist now, "/" and dynamic children
	// included (a gauge).
	Namespaces int64
	// SocketsConnected is the number of sockets connected now, summed over namespaces (a
	// gauge; a client connected to two namespaces counts twice).
	SocketsConnected int64
	// ConnectsTotal is the number of sockets that joined a namespace (middlewares passed),
	// recovered sessions included.
	ConnectsTotal uint64
	// EventsIn is the number of EVENT and BINARY_EVENT packets received from clients.
	EventsIn uint64
	// EventsOut is the number of EVENT packets handed to a socket's connection: one per
	// socket per Emit, one per recipient of a broadcast, and replays of missed packets. A
	// volatile event the engine dropped is counted here and in Engine.VolatileDropped.
	EventsOut uint64
	// AcksIn is the number of ACK and BINARY_ACK packets received from clients, including
	// those for an unknown or expired id (ignored, as in Node).
	AcksIn uint64
	// AcksOut is the number of ACK packets sent: answers of a handler to an event that
	// asked for an acknowledgement.
	AcksOut uint64
}

// serverStats holds a Server's counters.
type serverStats struct {
	connectsTotal atomic.Uint64
	eventsIn      atomic.Uint64
	eventsOut     atomic.Uint64
	acksIn        atomic.Uint64
	acksOut       atomic.Uint64
}

// countOut counts one packet of type t written to one socket.
func (st *serverStats) countOut(t parser.Type) {
	switch t {
	case parser.Event, parser.BinaryEvent:
		st.eventsOut.Add(1)
	case parser.Ack, parser.BinaryAck:
		st.acksOut.Add(1)
	}
}

// Stats returns a snapshot of the server's counters and those of its engine. Each field is
// read on its own; the snapshot as a whole is not taken at one instant. The gauges take
// the namespaces' locks briefly: call it per scrape, not per packet.
func (s *Server) Stats() Stats {
	s.mu.RLock()
	nsps := make([]*Namespace, 0, len(s.nsps))
	for _, n := range s.nsps {
		nsps = append(nsps, n)
	}
	s.mu.RUnlock()
	var sockets int64
	for _, n := range nsps {
		n.mu.RLock()
		sockets += int64(len(n.sockets))
		n.mu.RUnlock()
	}
	st := &s.stats
	return Stats{
		Engine:           s.engine.Stats(),
		Namespaces:       int64(len(nsps)),
		SocketsConnected: sockets,
		ConnectsTotal:    st.connectsTotal.Load(),
		EventsIn:         st.eventsIn.Load(),
		EventsOut:        st.eventsOut.Load(),
		AcksIn:           st.acksIn.Load(),
		AcksOut:          st.acksOut.Load(),
	}
}
