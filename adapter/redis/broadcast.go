package redis

import (
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/gosockio/gosockio/adapter"
	"github.com/gosockio/gosockio/parser"
)

// wirePacket is a packet as Node's adapter publishes it: {type, data, nsp}, before the
// socket.io encoder has split out binary attachments (so binary is msgpack bin and the
// type is EVENT or ACK, never BINARY_*).
func wirePacket(p *parser.Packet, nsp string) (ordered, error) {
	data, err := packetArgs(p)
	if err != nil {
		return nil, err
	}
	t := p.Type
	switch t {
	case parser.BinaryEvent:
		t = parser.Event
	case parser.BinaryAck:
		t = parser.Ack
	}
	return ordered{{"type", int64(t)}, {"data", data}, {"nsp", nsp}}, nil
}

// wireFlags writes the flags Node's BroadcastOperator sets; unset ones are absent.
func wireFlags(f adapter.BroadcastFlags) ordered {
	o := ordered{}
	if f.Volatile {
		o = append(o, kv{"volatile", true})
	}
	if f.Compress != nil {
		o = append(o, kv{"compress", *f.Compress})
	}
	if f.Timeout > 0 {
		o = append(o, kv{"timeout", f.Timeout.Milliseconds()})
	}
	if f.ExpectSingleResponse {
		o = append(o, kv{"expectSingleResponse", true})
	}
	return o
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// wireOpts writes {rooms, except, flags} (Node: rawOpts).
func wireOpts(opts *adapter.BroadcastOptions) ordered {
	if opts == nil {
		opts = &adapter.BroadcastOptions{}
	}
	return ordered{{"rooms", nonNil(opts.Rooms)}, {"except", dedup(opts.Except)}, {"flags", wireFlags(opts.Flags)}}
}

func dedup(s []string) []string {
	out := make([]string, 0, len(s))
	seen := make(map[string]struct{}, len(s))
	for _, e := range s {
		if _, ok := seen[e]; !ok {
			seen[e] = struct{}{}
			out = append(out, e)
		}
	}
	return out
}

func isLocal(opts *adapter.BroadcastOptions) bool { return opts != nil && opts.Flags.Local }

// Broadcast publishes p to the other servers (on <key>#<nsp># or, for exactly one room,
// <key>#<nsp>#<room>#) and delivers it to the local sockets. A publish failure is
// returned after local delivery. Node: broadcast.
func (a *Adapter) Broadcast(p *parser.Packet, opts *adapter.BroadcastOptions) error {
	var perr error
	if !isLocal(opts) {
		perr = a.publishBroadcast(p, opts)
	}
	return errors.Join(a.local.Broadcast(p, opts), perr)
}

func (a *Adapter) publishBroadcast(p *parser.Packet, opts *adapter.BroadcastOptions) error {
	pkt, err := wirePacket(p, a.nsp.Name())
	if err != nil {
		return err
	}
	msg, err := encodeMsgpack([]any{a.uid, pkt, wireOpts(opts)})
	if err != nil {
		return err
	}
	channel := a.channel
	if opts != nil && len(opts.Rooms) == 1 {
		channel += opts.Rooms[0] + "#"
	}
	ctx, cancel := a.requestContext(a.ctx)
	defer cancel()
	return a.publish(ctx, channel, msg)
}

// onBroadcast delivers a packet another server (or an emitter) published.
func (a *Adapter) onBroadcast(channel string, payload []byte) {
	v, err := decodeMsgpack(payload)
	if err != nil {
		a.log.Debug("socket.io-redis: ignoring malformed broadcast", "channel", channel, "err", err)
		return
	}
	arr, ok := v.([]any)
	if !ok || len(arr) < 3 {
		a.log.Debug("socket.io-redis: ignoring malformed broadcast", "channel", channel)
		return
	}
	if uid, _ := arr[0].(string); uid == a.uid {
		return
	}
	pm, _ := arr[1].(map[string]any)
	om, _ := arr[2].(map[string]any)
	if pm == nil {
		return
	}
	nsp := "/"
	if s, ok := pm["nsp"].(string); ok {
		nsp = s
	}
	if nsp != a.nsp.Name() {
		return
	}
	p, opts, err := decodeBroadcast(pm, om)
	if err != nil {
		a.log.Debug("socket.io-redis: ignoring malformed broadcast", "channel", channel, "err", err)
		return
	}
	opts.Flags.Local = true
	if err := a.local.Broadcast(p, opts); err != nil {
		a.log.Warn("socket.io-redis: deliver broadcast", "err", err)
	}
}

func decodeBroadcast(pm, om map[string]any) (*parser.Packet, *adapter.BroadcastOptions, error) {
	t, ok := num(pm, "type")
	if !ok {
		return nil, nil, fmt.Errorf("packet without type")
	}
	// Servers broadcast events only (socket.io's BroadcastOperator); anything else
	// would reach clients as a packet they reject.
	if t != int64(parser.Event) && t != int64(parser.BinaryEvent) {
		return nil, nil, fmt.Errorf("packet type %d is not an event", t)
	}
	data, _ := pm["data"].([]any)
	if len(data) == 0 {
		return nil, nil, fmt.Errorf("event without arguments")
	}
	if name, ok := data[0].(string); !ok || parser.IsReservedEvent(name) {
		return nil, nil, fmt.Errorf("event name %#v is not a string or is reserved", data[0])
	}
	p := &parser.Packet{Type: parser.Event, Data: data}
	opts := &adapter.BroadcastOptions{}
	if om != nil {
		opts.Rooms = strs(om["rooms"])
		opts.Except = strs(om["except"])
		if fm, ok := om["flags"].(map[string]any); ok {
			opts.Flags.Volatile = boolean(fm, "volatile")
			if c, ok := fm["compress"].(bool); ok {
				opts.Flags.Compress = &c
			}
			if ms, ok := num(fm, "timeout"); ok {
				opts.Flags.Timeout = time.Duration(ms) * time.Millisecond
			}
			opts.Flags.ExpectSingleResponse = boolean(fm, "expectSingleResponse")
		}
	}
	return p, opts, nil
}

// ackRequest is a broadcast with acknowledgements sent to the other servers: their
// client counts and answers come back on the response channel.
type ackRequest struct {
	mu          sync.Mutex // held until the local part of the broadcast has been made
	clientCount func(int)
	ack         func(*adapter.AckPacket)
	timer       *time.Timer
}

// BroadcastWithAck sends p to the other servers as a BROADCAST request and to the local
// sockets; every server reports its client count and forwards each answer. Remote
// answers are collected until the broadcast's Timeout, or RequestsTimeout when it has
// none. Node: broadcastWithAck.
func (a *Adapter) BroadcastWithAck(p *parser.Packet, opts *adapter.BroadcastOptions, clientCount func(int), ack func(*adapter.AckPacket)) error {
	if isLocal(opts) {
		return a.local.BroadcastWithAck(p, opts, clientCount, ack)
	}
	pkt, err := wirePacket(p, a.nsp.Name())
	if err != nil {
		return err
	}
	rid := newID()
	msg, err := encodeMsgpack(ordered{
		{"uid", a.uid}, {"requestId", rid}, {"type", int64(typeBroadcast)},
		{"packet", pkt}, {"opts", wireOpts(opts)},
	})
	if err != nil {
		return err
	}
	keep := a.opts.RequestsTimeout
	if opts != nil && opts.Flags.Timeout > 0 {
		keep = opts.Flags.Timeout
	}
	r := &ackRequest{clientCount: clientCount, ack: ack}
	r.mu.Lock()
	defer r.mu.Unlock()
	if err := a.addAck(rid, r, keep); err != nil {
		return err
	}
	ctx, cancel := a.requestContext(a.ctx)
	defer cancel()
	if err := a.publish(ctx, a.requestChannel, msg); err != nil {
		a.forgetAck(rid)
		return err
	}
	return a.local.BroadcastWithAck(p, opts, clientCount, ack)
}

// onAckResponse routes a client count or an answer (BROADCAST_CLIENT_COUNT or
// BROADCAST_ACK, in the classic adapter's response form) to the broadcast rid; it
// reports whether the response belonged to one of this server's broadcasts.
func (t *requestTable) onAckResponse(log *slog.Logger, rid string, m map[string]any) bool {
	t.mu.Lock()
	r, ok := t.acks[rid]
	t.mu.Unlock()
	if !ok {
		return false
	}
	typ, _ := num(m, "type")
	r.mu.Lock()
	defer r.mu.Unlock()
	switch typ {
	case typeBroadcastClientCount:
		n, _ := num(m, "clientCount")
		r.clientCount(int(n))
	case typeBroadcastAck:
		var args []any
		if v, ok := m["packet"]; ok {
			args = []any{v}
		} else {
			args = []any{}
		}
		data, atts, err := deconstruct(args)
		if err != nil {
			log.Debug("socket.io-redis: ignoring malformed acknowledgement", "err", err)
			return true
		}
		r.ack(&adapter.AckPacket{Type: parser.Ack, Data: json.RawMessage(data), Attachments: atts})
	}
	return true
}
