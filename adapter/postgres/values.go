package postgres

import (
	"fmt"
	"strconv"
	"time"

	"github.com/gosockio/gosockio/adapter"
	"github.com/gosockio/gosockio/adapter/internal/jsvalue"
	"github.com/gosockio/gosockio/parser"
)

// Messages between servers are trees of JavaScript values (see package jsvalue):
// objects decoded from JSON notifications or MessagePack attachments keep their keys in
// the order the sending server wrote them, so that a broadcast reaches clients as that
// server's own clients receive it.

// firstArg returns the first argument of an acknowledgement (Node's cluster adapter
// forwards only that one).
func firstArg(p *adapter.AckPacket) (any, bool) {
	v, err := jsvalue.PacketArgs(p)
	if err != nil {
		return nil, false
	}
	args, _ := v.([]any)
	if len(args) == 0 {
		return nil, false
	}
	return args[0], true
}

// wireOpts writes {rooms, except, flags} (Node: encodeOptions).
func wireOpts(opts *adapter.BroadcastOptions) jsvalue.Object {
	if opts == nil {
		opts = &adapter.BroadcastOptions{}
	}
	flags := jsvalue.Object{}
	if opts.Flags.Volatile {
		flags = append(flags, jsvalue.KV{"volatile", true})
	}
	if opts.Flags.Compress != nil {
		flags = append(flags, jsvalue.KV{"compress", *opts.Flags.Compress})
	}
	if opts.Flags.Timeout > 0 {
		flags = append(flags, jsvalue.KV{"timeout", opts.Flags.Timeout.Milliseconds()})
	}
	if opts.Flags.ExpectSingleResponse {
		flags = append(flags, jsvalue.KV{"expectSingleResponse", true})
	}
	return jsvalue.Object{{"rooms", nonNil(opts.Rooms)}, {"except", nonNil(opts.Except)}, {"flags", flags}}
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// readOpts reads {rooms, except, flags}; a missing or malformed part selects nothing
// more than its zero value.
func readOpts(v any) *adapter.BroadcastOptions {
	m, _ := v.(jsvalue.Object)
	opts := &adapter.BroadcastOptions{Rooms: jsvalue.Strings(m.Get("rooms")), Except: jsvalue.Strings(m.Get("except"))}
	if f, ok := m.Get("flags").(jsvalue.Object); ok {
		opts.Flags.Volatile = f.Bool("volatile")
		if c, ok := f.Get("compress").(bool); ok {
			opts.Flags.Compress = &c
		}
		if ms, ok := f.Int("timeout"); ok && ms > 0 {
			opts.Flags.Timeout = time.Duration(ms) * time.Millisecond
		}
		opts.Flags.ExpectSingleResponse = f.Bool("expectSingleResponse")
	}
	return opts
}

// readPacket reads the packet of a BROADCAST message. Servers broadcast events only;
// anything else would reach clients as a packet they reject. The packet's Data is the
// JSON its clients receive (json.RawMessage, objects' keys in the sender's order), with
// Attachments for the binary values.
func readPacket(v any) (*parser.Packet, error) {
	m, ok := v.(jsvalue.Object)
	if !ok {
		return nil, fmt.Errorf("packet is a %T, not an object", v)
	}
	t, _ := m.Int("type")
	if t != int64(parser.Event) && t != int64(parser.BinaryEvent) {
		return nil, fmt.Errorf("packet type %d is not an event", t)
	}
	data, _ := m.Get("data").([]any)
	if len(data) == 0 {
		return nil, fmt.Errorf("event without arguments")
	}
	if name, ok := data[0].(string); !ok || parser.IsReservedEvent(name) {
		return nil, fmt.Errorf("event name %#v is not a string or is reserved", data[0])
	}
	raw, atts, err := jsvalue.PacketData(data)
	if err != nil {
		return nil, err
	}
	p := &parser.Packet{Type: parser.Event, Data: raw}
	if len(atts) > 0 {
		p.Attachments = atts
	}
	return p, nil
}

// id reads an identifier written as a string (node-postgres returns bigserial
// values as strings) or as a number.
func id(m jsvalue.Object, k string) (int64, bool) {
	if s, ok := m.Get(k).(string); ok {
		i, err := strconv.ParseInt(s, 10, 64)
		return i, err == nil
	}
	return m.Int(k)
}
