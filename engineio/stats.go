package engineio

import "sync/atomic"

// Stats is a snapshot of a Server's counters, returned by Server.Stats. All counters except
// ConnectionsOpen only grow (from NewServer on); take the difference of two snapshots for a
// rate. Counting is a few atomic additions per packet: no locks, no allocation. Bytes are
// engine.io-encoded packet bytes (what a WebSocket frame or a polling body carries, after
// base64 where the session uses it), without HTTP or WebSocket framing and before HTTP
// compression.
type Stats struct {
	// ConnectionsOpen is the number of open sessions (a gauge; the same as ClientsCount).
	ConnectionsOpen int64
	// ConnectionsTotal is the number of sessions opened (successful handshakes).
	ConnectionsTotal uint64
	// PacketsIn is the number of engine.io packets received from clients, of every type
	// (message, ping, pong, close, upgrade, noop), on either transport, probes included.
	PacketsIn uint64
	// PacketsOut is the number of engine.io packets written to clients, of every type.
	PacketsOut uint64
	// MessagesIn is the number of message packets (type 4) received from clients.
	MessagesIn uint64
	// MessagesOut is the number of message packets (type 4) written to clients. A message
	// queued by Socket.Send but discarded because the socket closed is not counted.
	MessagesOut uint64
	// BytesIn is the number of encoded bytes read: WebSocket frame payloads and polling
	// POST bodies.
	BytesIn uint64
	// BytesOut is the number of encoded bytes written: WebSocket frame payloads and polling
	// GET bodies (before HTTP compression).
	BytesOut uint64
	// VolatileDropped is the number of messages a volatile Socket.Send dropped (returning
	// ErrDropped) because the transport was not writable or the queue was full.
	VolatileDropped uint64
	// SlowConsumerCloses is the number of sockets closed because a non-volatile Send
	// overflowed their write queue (Options.MaxQueuedMessages, MaxQueuedBytes; the close
	// cause wraps ErrQueueFull).
	SlowConsumerCloses uint64
}

// serverStats holds a Server's counters.
type serverStats struct {
	connectionsTotal   atomic.Uint64
	packetsIn          atomic.Uint64
	packetsOut         atomic.Uint64
	messagesIn         atomic.Uint64
	messagesOut        atomic.Uint64
	bytesIn            atomic.Uint64
	bytesOut           atomic.Uint64
	volatileDropped    atomic.Uint64
	slowConsumerCloses atomic.Uint64
}

// Stats returns a snapshot of the server's counters. Each field is read atomically on its
// own; the snapshot as a whole is not taken at one instant.
func (s *Server) Stats() Stats {
	st := &s.stats
	return Stats{
		ConnectionsOpen:    int64(s.ClientsCount()),
		ConnectionsTotal:   st.connectionsTotal.Load(),
		PacketsIn:          st.packetsIn.Load(),
		PacketsOut:         st.packetsOut.Load(),
		MessagesIn:         st.messagesIn.Load(),
		MessagesOut:        st.messagesOut.Load(),
		BytesIn:            st.bytesIn.Load(),
		BytesOut:           st.bytesOut.Load(),
		VolatileDropped:    st.volatileDropped.Load(),
		SlowConsumerCloses: st.slowConsumerCloses.Load(),
	}
}

// packetIn counts one packet received.
func (st *serverStats) packetIn(t PacketType) {
	st.packetsIn.Add(1)
	if t == PacketMessage {
		st.messagesIn.Add(1)
	}
}

// packetsOutBatch counts the packets of batch as written.
func (st *serverStats) packetsOutBatch(batch []queued) {
	msgs := 0
	for i := range batch {
		if batch[i].Type == PacketMessage {
			msgs++
		}
	}
	st.packetsOut.Add(uint64(len(batch)))
	if msgs > 0 {
		st.messagesOut.Add(uint64(msgs))
	}
}

// countOut counts one packet of type t written as n encoded bytes.
func (st *serverStats) countOut(t PacketType, n int) {
	st.packetsOut.Add(1)
	st.bytesOut.Add(uint64(n))
	if t == PacketMessage {
		st.messagesOut.Add(1)
	}
}
