package main

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/gosockio/gosockio/socketio"
)

// metric describes one exported value of socketio.Stats.
type metric struct {
	desc  *prometheus.Desc
	typ   prometheus.ValueType
	value func(*socketio.Stats) float64
}

// Collector is a prometheus.Collector that reads socketio.Server.Stats on each scrape.
type Collector struct {
	srv     *socketio.Server
	metrics []metric
}

// NewCollector returns a Collector for srv. Metric names start with "socketio_" (the
// socket.io layer) and "engineio_" (the engine underneath).
func NewCollector(srv *socketio.Server) *Collector {
	gauge, counter := prometheus.GaugeValue, prometheus.CounterValue
	m := func(name, help string, typ prometheus.ValueType, v func(*socketio.Stats) float64) metric {
		return metric{prometheus.NewDesc(name, help, nil, nil), typ, v}
	}
	return &Collector{srv: srv, metrics: []metric{
		m("engineio_connections_open", "Open engine.io sessions.", gauge, func(s *socketio.Stats) float64 { return float64(s.Engine.ConnectionsOpen) }),
		m("engineio_connections_total", "Engine.io sessions opened.", counter, func(s *socketio.Stats) float64 { return float64(s.Engine.ConnectionsTotal) }),
		m("engineio_packets_received_total", "Engine.io packets received, all types.", counter, func(s *socketio.Stats) float64 { return float64(s.Engine.PacketsIn) }),
		m("engineio_packets_sent_total", "Engine.io packets written, all types.", counter, func(s *socketio.Stats) float64 { return float64(s.Engine.PacketsOut) }),
		m("engineio_messages_received_total", "Engine.io message packets received.", counter, func(s *socketio.Stats) float64 { return float64(s.Engine.MessagesIn) }),
		m("engineio_messages_sent_total", "Engine.io message packets written.", counter, func(s *socketio.Stats) float64 { return float64(s.Engine.MessagesOut) }),
		m("engineio_received_bytes_total", "Encoded engine.io bytes read (frame payloads, POST bodies).", counter, func(s *socketio.Stats) float64 { return float64(s.Engine.BytesIn) }),
		m("engineio_sent_bytes_total", "Encoded engine.io bytes written (frame payloads, GET bodies).", counter, func(s *socketio.Stats) float64 { return float64(s.Engine.BytesOut) }),
		m("engineio_volatile_dropped_total", "Volatile messages dropped.", counter, func(s *socketio.Stats) float64 { return float64(s.Engine.VolatileDropped) }),
		m("engineio_slow_consumer_closes_total", "Sockets closed because their write queue overflowed.", counter, func(s *socketio.Stats) float64 { return float64(s.Engine.SlowConsumerCloses) }),
		m("socketio_namespaces", "Namespaces that exist.", gauge, func(s *socketio.Stats) float64 { return float64(s.Namespaces) }),
		m("socketio_sockets_connected", "Sockets connected, summed over namespaces.", gauge, func(s *socketio.Stats) float64 { return float64(s.SocketsConnected) }),
		m("socketio_connects_total", "Sockets that joined a namespace.", counter, func(s *socketio.Stats) float64 { return float64(s.ConnectsTotal) }),
		m("socketio_events_received_total", "EVENT packets received.", counter, func(s *socketio.Stats) float64 { return float64(s.EventsIn) }),
		m("socketio_events_sent_total", "EVENT packets sent, one per recipient.", counter, func(s *socketio.Stats) float64 { return float64(s.EventsOut) }),
		m("socketio_acks_received_total", "ACK packets received.", counter, func(s *socketio.Stats) float64 { return float64(s.AcksIn) }),
		m("socketio_acks_sent_total", "ACK packets sent.", counter, func(s *socketio.Stats) float64 { return float64(s.AcksOut) }),
	}}
}

// Describe sends the descriptors of every metric.
func (c *Collector) Describe(ch chan<- *prometheus.Desc) {
	for _, m := range c.metrics {
		ch <- m.desc
	}
}

// Collect takes one Stats snapshot and sends every metric from it.
func (c *Collector) Collect(ch chan<- prometheus.Metric) {
	st := c.srv.Stats()
	for _, m := range c.metrics {
		ch <- prometheus.MustNewConstMetric(m.desc, m.typ, m.value(&st))
	}
}
