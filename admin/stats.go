package admin

import (
	"os"
	"sync"
	"time"

	"github.com/gosockio/gosockio/engineio"
	"github.com/gosockio/gosockio/socketio"
)

// processStart approximates the process's start, for the uptime field.
var processStart = time.Now()

// serverStats is the server_stats payload. Node: emitStats in initStatsEmitter.
type serverStats struct {
	ServerID            string             `json:"serverId"`
	Hostname            string             `json:"hostname"`
	PID                 int                `json:"pid"`
	Uptime              float64            `json:"uptime"` // seconds
	ClientsCount        int                `json:"clientsCount"`
	PollingClientsCount int                `json:"pollingClientsCount"`
	AggregatedEvents    []aggregatedEvent  `json:"aggregatedEvents"`
	Namespaces          []namespaceDetails `json:"namespaces"`
}

type namespaceDetails struct {
	Name         string `json:"name"`
	SocketsCount int    `json:"socketsCount"`
}

// aggregatedEvent counts the events of one type (and sub-type) within one second.
// Node: NamespaceEvent.
type aggregatedEvent struct {
	Timestamp int64  `json:"timestamp"` // ms since the epoch, whole seconds
	Type      string `json:"type"`
	SubType   string `json:"subType,omitempty"`
	Count     uint64 `json:"count"`
}

type eventKey struct {
	sec     int64
	typ     string
	subType string
}

// eventBuffer aggregates events per second between two server_stats. Node: EventBuffer.
type eventBuffer struct {
	mu     sync.Mutex
	counts map[eventKey]uint64 // guarded by mu
	order  []eventKey          // first-seen order; guarded by mu
}

func (b *eventBuffer) push(now time.Time, typ, subType string, n uint64) {
	if n == 0 {
		return
	}
	k := eventKey{now.Unix(), typ, subType}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.counts == nil {
		b.counts = make(map[eventKey]uint64)
	}
	if _, ok := b.counts[k]; !ok {
		b.order = append(b.order, k)
	}
	b.counts[k] += n
}

// take returns the aggregated events and clears the buffer. Node: getValuesAndClear.
func (b *eventBuffer) take() []aggregatedEvent {
	b.mu.Lock()
	defer b.mu.Unlock()
	out := make([]aggregatedEvent, 0, len(b.order))
	for _, k := range b.order {
		out = append(out, aggregatedEvent{Timestamp: k.sec * 1000, Type: k.typ, SubType: k.subType, Count: b.counts[k]})
	}
	clear(b.counts)
	b.order = b.order[:0]
	return out
}

// pollingConns tracks the engine connections on the polling transport (Node:
// io._pollingClientsCount): added when opened on polling, removed when upgraded or
// closed. Connections opened before Instrument are not counted, as in Node.
type pollingConns struct {
	mu    sync.Mutex
	conns map[socketio.EngineConn]struct{} // guarded by mu
}

func (p *pollingConns) opened(c socketio.EngineConn) {
	if c.Transport() != engineio.TransportPolling {
		return
	}
	p.mu.Lock()
	if p.conns == nil {
		p.conns = make(map[socketio.EngineConn]struct{})
	}
	p.conns[c] = struct{}{}
	p.mu.Unlock()
}

func (p *pollingConns) gone(c socketio.EngineConn) {
	p.mu.Lock()
	delete(p.conns, c)
	p.mu.Unlock()
}

func (p *pollingConns) count() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.conns)
}

// engineCounters are the engine counters read at the previous server_stats, to report
// what happened since as packetsIn/Out and bytesIn/Out.
type engineCounters struct {
	messagesIn, messagesOut, bytesIn, bytesOut uint64
}

func countersOf(st engineio.Stats) engineCounters {
	return engineCounters{st.MessagesIn, st.MessagesOut, st.BytesIn, st.BytesOut}
}

// collectStats builds one server_stats payload. The packet and byte counts come from the
// engine's counters (messages, and encoded bytes with their framing) since the previous
// call, attributed to now's second; Node counts each packet as it happens.
func (in *Instrumentation) collectStats(now time.Time) serverStats {
	if e := in.io.Engine(); e != nil {
		cur := countersOf(e.Stats())
		in.statsMu.Lock()
		prev := in.lastCounters
		in.lastCounters = cur
		in.statsMu.Unlock()
		in.events.push(now, "packetsIn", "", cur.messagesIn-prev.messagesIn)
		in.events.push(now, "packetsOut", "", cur.messagesOut-prev.messagesOut)
		in.events.push(now, "bytesIn", "", cur.bytesIn-prev.bytesIn)
		in.events.push(now, "bytesOut", "", cur.bytesOut-prev.bytesOut)
	}
	var nsps []namespaceDetails
	for _, n := range in.io.Namespaces() {
		nsps = append(nsps, namespaceDetails{Name: n.Name(), SocketsCount: len(n.Sockets())})
	}
	st := serverStats{
		ServerID:            in.opts.ServerID,
		Hostname:            hostname(),
		PID:                 os.Getpid(),
		Uptime:              now.Sub(processStart).Seconds(),
		PollingClientsCount: in.polling.count(),
		AggregatedEvents:    in.events.take(),
		Namespaces:          nsps,
	}
	if e := in.io.Engine(); e != nil {
		st.ClientsCount = e.ClientsCount()
	}
	return st
}
