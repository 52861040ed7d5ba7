package redis

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"slices"

	"github.com/gosockio/gosockio/adapter/internal/jsvalue"
	"github.com/gosockio/gosockio/parser"
	goredis "github.com/redis/go-redis/v9"
)

// emitterUID is the uid the emitter puts in its broadcasts (Node: "emitter").
const emitterUID = "emitter"

// EmitterOptions configure an Emitter. The zero value (and a nil *EmitterOptions) is
// Node's default.
type EmitterOptions struct {
	// Key is the prefix of every channel name; it must match the servers' Options.Key.
	// Default "socket.io" (Node: key).
	Key string
}

// Emitter sends events to the sockets of a cluster of socket.io servers that use the
// Redis adapter (Go or Node), from a process that is not a socket.io server itself.
// It publishes the same messages as @socket.io/redis-emitter 5.x. An Emitter is
// immutable and safe for concurrent use. Node: Emitter.
type Emitter struct {
	rdb goredis.UniversalClient
	key string
	nsp string
}

// NewEmitter returns an emitter for the main namespace "/" that publishes through
// client. Node: new Emitter(redisClient, opts).
func NewEmitter(client goredis.UniversalClient, opts *EmitterOptions) *Emitter {
	key := "socket.io"
	if opts != nil && opts.Key != "" {
		key = opts.Key
	}
	return &Emitter{rdb: client, key: key, nsp: "/"}
}

// Of returns an emitter for namespace nsp (a leading "/" is added when missing).
// Node: of.
func (e *Emitter) Of(nsp string) *Emitter {
	if len(nsp) == 0 || nsp[0] != '/' {
		nsp = "/" + nsp
	}
	c := *e
	c.nsp = nsp
	return &c
}

func (e *Emitter) op() *EmitterOperator { return &EmitterOperator{e: e} }

// Emit sends an event to every socket of the namespace. Node: emit.
func (e *Emitter) Emit(ctx context.Context, event string, args ...any) error {
	return e.op().Emit(ctx, event, args...)
}

// To selects the sockets in rooms. Node: to.
func (e *Emitter) To(rooms ...string) *EmitterOperator { return e.op().To(rooms...) }

// In is To. Node: in.
func (e *Emitter) In(rooms ...string) *EmitterOperator { return e.op().To(rooms...) }

// Except excludes the sockets in rooms. Node: except.
func (e *Emitter) Except(rooms ...string) *EmitterOperator { return e.op().Except(rooms...) }

// Volatile lets the event be dropped for sockets that are not ready. Node: volatile.
func (e *Emitter) Volatile() *EmitterOperator { return e.op().Volatile() }

// Compress sets the compress flag. Node: compress.
func (e *Emitter) Compress(compress bool) *EmitterOperator { return e.op().Compress(compress) }

// SocketsJoin makes every socket join rooms. Node: socketsJoin.
func (e *Emitter) SocketsJoin(ctx context.Context, rooms ...string) error {
	return e.op().SocketsJoin(ctx, rooms...)
}

// SocketsLeave makes every socket leave rooms. Node: socketsLeave.
func (e *Emitter) SocketsLeave(ctx context.Context, rooms ...string) error {
	return e.op().SocketsLeave(ctx, rooms...)
}

// DisconnectSockets disconnects every socket; close also closes the connections.
// Node: disconnectSockets.
func (e *Emitter) DisconnectSockets(ctx context.Context, close bool) error {
	return e.op().DisconnectSockets(ctx, close)
}

// ServerSideEmit sends an event to every server of the cluster. Acknowledgements are not
// supported: a trailing func argument returns ErrAckUnsupported. Node: serverSideEmit.
func (e *Emitter) ServerSideEmit(ctx context.Context, event string, args ...any) error {
	if len(args) > 0 && args[len(args)-1] != nil && reflect.TypeOf(args[len(args)-1]).Kind() == reflect.Func {
		return ErrAckUnsupported
	}
	msg, err := json.Marshal(map[string]any{"uid": emitterUID, "type": typeServerSideEmit, "data": append([]any{event}, args...)})
	if err != nil {
		return fmt.Errorf("redis: encode server-side emit: %w", err)
	}
	return e.publish(ctx, e.requestChannel(), msg)
}

func (e *Emitter) requestChannel() string { return e.key + "-request#" + e.nsp + "#" }

func (e *Emitter) publish(ctx context.Context, channel string, msg []byte) error {
	if err := e.rdb.Publish(ctx, channel, msg).Err(); err != nil {
		return fmt.Errorf("redis: emitter publish to %s: %w", channel, err)
	}
	return nil
}

// EmitterOperator is an emitter with rooms, exceptions and flags selected. Each method
// returns a new operator. Node: the emitter's BroadcastOperator.
type EmitterOperator struct {
	e        *Emitter
	rooms    []string
	except   []string
	volatile bool
	compress *bool
}

func (o *EmitterOperator) clone() *EmitterOperator {
	c := *o
	c.rooms = slices.Clip(c.rooms)
	c.except = slices.Clip(c.except)
	return &c
}

// To adds rooms to the selection. Node: to.
func (o *EmitterOperator) To(rooms ...string) *EmitterOperator {
	c := o.clone()
	for _, r := range rooms {
		if !slices.Contains(c.rooms, r) {
			c.rooms = append(c.rooms, r)
		}
	}
	return c
}

// In is To. Node: in.
func (o *EmitterOperator) In(rooms ...string) *EmitterOperator { return o.To(rooms...) }

// Except excludes the sockets in rooms. Node: except.
func (o *EmitterOperator) Except(rooms ...string) *EmitterOperator {
	c := o.clone()
	for _, r := range rooms {
		if !slices.Contains(c.except, r) {
			c.except = append(c.except, r)
		}
	}
	return c
}

// Volatile lets the event be dropped for sockets that are not ready. Node: volatile.
func (o *EmitterOperator) Volatile() *EmitterOperator {
	c := o.clone()
	c.volatile = true
	return c
}

// Compress sets the compress flag. Node: compress.
func (o *EmitterOperator) Compress(compress bool) *EmitterOperator {
	c := o.clone()
	c.compress = &compress
	return c
}

// Emit publishes the event to the selected sockets of every server. Node: emit.
func (o *EmitterOperator) Emit(ctx context.Context, event string, args ...any) error {
	if parser.IsReservedEvent(event) {
		return fmt.Errorf("redis: %q is a reserved event name", event)
	}
	data, err := jsvalue.FromGo(append([]any{event}, args...))
	if err != nil {
		return err
	}
	flags := jsvalue.Object{}
	if o.compress != nil {
		flags = append(flags, jsvalue.KV{"compress", *o.compress})
	}
	if o.volatile {
		flags = append(flags, jsvalue.KV{"volatile", true})
	}
	msg, err := jsvalue.EncodeMsgpack([]any{
		emitterUID,
		jsvalue.Object{{"type", int64(parser.Event)}, {"data", data}, {"nsp", o.e.nsp}},
		jsvalue.Object{{"rooms", nonNil(o.rooms)}, {"flags", flags}, {"except", nonNil(o.except)}},
	})
	if err != nil {
		return err
	}
	channel := o.e.key + "#" + o.e.nsp + "#"
	if len(o.rooms) == 1 {
		channel += o.rooms[0] + "#"
	}
	return o.e.publish(ctx, channel, msg)
}

func (o *EmitterOperator) request(ctx context.Context, req map[string]any) error {
	req["opts"] = map[string]any{"rooms": nonNil(o.rooms), "except": nonNil(o.except)}
	msg, err := json.Marshal(req)
	if err != nil {
		return fmt.Errorf("redis: encode emitter request: %w", err)
	}
	return o.e.publish(ctx, o.e.requestChannel(), msg)
}

// SocketsJoin makes the selected sockets join rooms. Node: socketsJoin.
func (o *EmitterOperator) SocketsJoin(ctx context.Context, rooms ...string) error {
	return o.request(ctx, map[string]any{"type": typeRemoteJoin, "rooms": nonNil(rooms)})
}

// SocketsLeave makes the selected sockets leave rooms. Node: socketsLeave.
func (o *EmitterOperator) SocketsLeave(ctx context.Context, rooms ...string) error {
	return o.request(ctx, map[string]any{"type": typeRemoteLeave, "rooms": nonNil(rooms)})
}

// DisconnectSockets disconnects the selected sockets; close also closes their
// connections. Node: disconnectSockets.
func (o *EmitterOperator) DisconnectSockets(ctx context.Context, close bool) error {
	return o.request(ctx, map[string]any{"type": typeRemoteDisconnect, "close": close})
}
