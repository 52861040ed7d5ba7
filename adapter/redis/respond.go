package redis

import (
	"encoding/json"
	"sync"

	"github.com/gosockio/gosockio/adapter"
	"github.com/gosockio/gosockio/adapter/internal/jsvalue"
	"github.com/gosockio/gosockio/parser"
)

// onRequest answers a request of another server or of an emitter (Node: onrequest).
// Requests with this adapter's own uid are ignored: it acts locally when it sends them.
func (a *Adapter) onRequest(payload []byte) {
	m, err := decodeMessage(payload)
	if err != nil {
		a.log.Debug("socket.io-redis: ignoring malformed request", "err", err)
		return
	}
	uid := m.Text("uid")
	if uid == a.uid {
		return
	}
	t, ok := m.Int("type")
	if !ok {
		a.log.Debug("socket.io-redis: ignoring request without type")
		return
	}
	rid := m.Text("requestId")
	ctx, cancel := a.requestContext(a.ctx)
	defer cancel()
	switch t {
	case typeSockets:
		ids, _ := a.local.Sockets(ctx, jsvalue.Strings(m.Get("rooms")))
		a.respondJSON(uid, map[string]any{"requestId": rid, "sockets": nonNil(ids)})
	case typeAllRooms:
		a.respondJSON(uid, map[string]any{"requestId": rid, "rooms": nonNil(a.local.Rooms())})
	case typeRemoteJoin, typeRemoteLeave, typeRemoteDisconnect:
		a.onRemoteAction(int(t), uid, rid, m)
	case typeRemoteFetch:
		ds, _ := a.local.FetchSockets(ctx, selectOpts(m.Get("opts")))
		sockets := make([]any, 0, len(ds))
		for _, d := range ds {
			sockets = append(sockets, map[string]any{"id": d.ID, "handshake": d.Handshake, "rooms": nonNil(d.Rooms), "data": d.Data})
		}
		a.respondJSON(uid, map[string]any{"requestId": rid, "sockets": sockets})
	case typeServerSideEmit:
		data := jsvalue.EventArgs(m.Get("data"))
		if len(data) == 0 {
			return
		}
		if rid == "" {
			a.nsp.ServerSideEvent(data, nil)
			return
		}
		var once sync.Once
		a.nsp.ServerSideEvent(data, func(arg any) {
			once.Do(func() {
				// Node answers server-side emits on the shared response channel.
				msg, err := json.Marshal(map[string]any{"type": typeServerSideEmit, "requestId": rid, "data": arg})
				if err != nil {
					a.log.Warn("socket.io-redis: encode server-side emit answer", "err", err)
					return
				}
				a.publishBackground(a.responseChannel, msg)
			})
		})
	case typeBroadcast:
		a.onBroadcastRequest(uid, rid, m)
	default:
		a.log.Debug("socket.io-redis: ignoring unknown request type", "type", t)
	}
}

func selectOpts(v any) *adapter.BroadcastOptions {
	m, _ := v.(jsvalue.Object)
	return &adapter.BroadcastOptions{Rooms: jsvalue.Strings(m.Get("rooms")), Except: jsvalue.Strings(m.Get("except"))}
}

// onRemoteAction handles REMOTE_JOIN, REMOTE_LEAVE and REMOTE_DISCONNECT: with opts
// (what Node 8.x and the emitter send) it acts on the selected sockets and does not
// answer; the older form names one socket (sid) and is answered.
func (a *Adapter) onRemoteAction(t int, uid, rid string, m jsvalue.Object) {
	if o, ok := m.Lookup("opts"); ok && o != nil {
		if _, isObject := o.(jsvalue.Object); !isObject {
			a.log.Debug("socket.io-redis: ignoring request whose opts is not an object", "type", t)
			return
		}
		opts := selectOpts(o)
		switch t {
		case typeRemoteJoin:
			a.local.AddSockets(opts, jsvalue.Strings(m.Get("rooms")))
		case typeRemoteLeave:
			a.local.DelSockets(opts, jsvalue.Strings(m.Get("rooms")))
		default:
			a.local.DisconnectSockets(opts, m.Bool("close"))
		}
		return
	}
	sid := m.Text("sid")
	if _, ok := a.nsp.Details(sid); !ok {
		return
	}
	switch t {
	case typeRemoteJoin:
		a.nsp.Join(sid, []string{m.Text("room")})
	case typeRemoteLeave:
		a.nsp.Leave(sid, []string{m.Text("room")})
	default:
		a.nsp.Disconnect(sid, m.Bool("close"))
	}
	a.respondJSON(uid, map[string]any{"requestId": rid})
}

// onBroadcastRequest delivers a broadcast with acknowledgements from another server and
// sends back the local client count and each answer (Node: BROADCAST).
func (a *Adapter) onBroadcastRequest(uid, rid string, m jsvalue.Object) {
	pm, _ := m.Get("packet").(jsvalue.Object)
	om, _ := m.Get("opts").(jsvalue.Object)
	if pm == nil {
		return
	}
	p, opts, err := decodeBroadcast(pm, om)
	if err != nil {
		a.log.Debug("socket.io-redis: ignoring malformed broadcast request", "err", err)
		return
	}
	opts.Flags.Local = true
	err = a.local.BroadcastWithAck(p, opts, func(n int) {
		a.respondJSON(uid, map[string]any{"type": typeBroadcastClientCount, "requestId": rid, "clientCount": n})
	}, func(ack *adapter.AckPacket) {
		resp := jsvalue.Object{{"type", int64(typeBroadcastAck)}, {"requestId", rid}}
		if arg, ok := firstArg(ack); ok {
			resp = append(resp, jsvalue.KV{"packet", arg})
		}
		msg, err := jsvalue.EncodeMsgpack(resp)
		if err != nil {
			a.log.Warn("socket.io-redis: encode acknowledgement", "err", err)
			return
		}
		a.publishBackground(a.responseChannelFor(uid), msg)
	})
	if err != nil {
		a.log.Warn("socket.io-redis: deliver broadcast request", "err", err)
	}
}

// firstArg returns the first argument of a socket's acknowledgement, as a JavaScript
// value with its keys in the order the client wrote them (Node forwards only the first
// one).
func firstArg(ack *adapter.AckPacket) (any, bool) {
	switch d := ack.Data.(type) {
	case json.RawMessage:
		elems, err := parser.SplitArray(d)
		if err != nil || len(elems) == 0 {
			return nil, false
		}
		v, err := jsvalue.DecodeJSON(elems[0])
		if err != nil {
			return nil, false
		}
		if len(ack.Attachments) > 0 {
			if v, err = jsvalue.ReplacePlaceholders(v, ack.Attachments); err != nil {
				return nil, false
			}
		}
		return v, true
	case []any:
		if len(d) == 0 {
			return nil, false
		}
		v, err := jsvalue.FromGo(d[0])
		return v, err == nil
	}
	return nil, false
}

func (a *Adapter) responseChannelFor(uid string) string {
	if a.opts.PublishOnSpecificResponseChannel && uid != "" {
		return a.responseChannel + uid + "#"
	}
	return a.responseChannel
}

func (a *Adapter) respondJSON(uid string, resp map[string]any) {
	msg, err := json.Marshal(resp)
	if err != nil {
		a.log.Warn("socket.io-redis: encode response", "err", err)
		return
	}
	a.publishBackground(a.responseChannelFor(uid), msg)
}
