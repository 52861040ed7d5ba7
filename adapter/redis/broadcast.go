package redis

import (
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/gosockio/gosockio/adapter"
	"github.com/gosockio/gosockio/adapter/internal/jsvalue"
	"github.com/gosockio/gosockio/parser"
)

// wireFlags writes the flags Node's BroadcastOperator sets; unset ones are absent.
func wireFlags(f adapter.BroadcastFlags) jsvalue.Object {
	o := jsvalue.Object{}
	if f.Volatile {
		o = append(o, jsvalue.KV{"volatile", true})
	}
	if f.Compress != nil {
		o = append(o, jsvalue.KV{"compress", *f.Compress})
	}
	if f.Timeout > 0 {
		o = append(o, jsvalue.KV{"timeout", f.Timeout.Milliseconds()})
	}
	if f.ExpectSingleResponse {
		o = append(o, jsvalue.KV{"expectSingleResponse", true})
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
func wireOpts(opts *adapter.BroadcastOptions) jsvalue.Object {
	if opts == nil {
		opts = &adapter.BroadcastOptions{}
	}
	return jsvalue.Object{{"rooms", nonNil(opts.Rooms)}, {"except", dedup(opts.Except)}, {"flags", wireFlags(opts.Flags)}}
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
	pkt, err := jsvalue.WirePacket(p, a.nsp.Name())
	if err != nil {
		return err
	}
	msg, err := jsvalue.EncodeMsgpack([]any{a.uid, pkt, wireOpts(opts)})
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
	v, err := jsvalue.DecodeMsgpack(payload)
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
	pm, _ := arr[1].(jsvalue.Object)
	om, _ := arr[2].(jsvalue.Object)
	if pm == nil {
		return
	}
	nsp := "/"
	if s, ok := pm.Get("nsp").(string); ok {
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

// decodeBroadcast reads a broadcast packet {type, data, nsp} and its options. The
// packet's Data is the JSON its clients receive (json.RawMessage, objects' keys in the
// sender's order), with Attachments for the binary values.
func decodeBroadcast(pm, om jsvalue.Object) (*parser.Packet, *adapter.BroadcastOptions, error) {
	t, ok := pm.Int("type")
	if !ok {
		return nil, nil, fmt.Errorf("packet without type")
	}
	// Servers broadcast events only (socket.io's BroadcastOperator); anything else
	// would reach clients as a packet they reject.
	if t != int64(parser.Event) && t != int64(parser.BinaryEvent) {
		return nil, nil, fmt.Errorf("packet type %d is not an event", t)
	}
	data, _ := pm.Get("data").([]any)
	if len(data) == 0 {
		return nil, nil, fmt.Errorf("event without arguments")
	}
	if name, ok := data[0].(string); !ok || parser.IsReservedEvent(name) {
		return nil, nil, fmt.Errorf("event name %#v is not a string or is reserved", data[0])
	}
	raw, atts, err := jsvalue.PacketData(data)
	if err != nil {
		return nil, nil, err
	}
	p := &parser.Packet{Type: parser.Event, Data: raw}
	if len(atts) > 0 {
		p.Attachments = atts
	}
	opts := &adapter.BroadcastOptions{}
	if om != nil {
		opts.Rooms = jsvalue.Strings(om.Get("rooms"))
		opts.Except = jsvalue.Strings(om.Get("except"))
		if fm, ok := om.Get("flags").(jsvalue.Object); ok {
			opts.Flags.Volatile = fm.Bool("volatile")
			if c, ok := fm.Get("compress").(bool); ok {
				opts.Flags.Compress = &c
			}
			if ms, ok := fm.Int("timeout"); ok {
				opts.Flags.Timeout = time.Duration(ms) * time.Millisecond
			}
			opts.Flags.ExpectSingleResponse = fm.Bool("expectSingleResponse")
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
	pkt, err := jsvalue.WirePacket(p, a.nsp.Name())
	if err != nil {
		return err
	}
	rid := newID()
	msg, err := jsvalue.EncodeMsgpack(jsvalue.Object{
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
func (t *requestTable) onAckResponse(log *slog.Logger, rid string, m jsvalue.Object) bool {
	t.mu.Lock()
	r, ok := t.acks[rid]
	t.mu.Unlock()
	if !ok {
		return false
	}
	typ, _ := m.Int("type")
	r.mu.Lock()
	defer r.mu.Unlock()
	switch typ {
	case typeBroadcastClientCount:
		n, _ := m.Int("clientCount")
		r.clientCount(int(n))
	case typeBroadcastAck:
		var args []any
		if v, ok := m.Lookup("packet"); ok {
			args = []any{v}
		} else {
			args = []any{}
		}
		data, atts, err := jsvalue.PacketData(args)
		if err != nil {
			log.Debug("socket.io-redis: ignoring malformed acknowledgement", "err", err)
			return true
		}
		r.ack(&adapter.AckPacket{Type: parser.Ack, Data: json.RawMessage(data), Attachments: atts})
	}
	return true
}

// withOffset appends offset to the arguments of p, a packet decodeBroadcast made (the
// offset of connection state recovery).
func withOffset(p *parser.Packet, offset string) {
	if raw, ok := p.Data.(json.RawMessage); ok {
		p.Data = jsvalue.AppendRawArg(raw, offset)
	}
}
