// Package jsvalue holds the JavaScript values that cluster adapters exchange with
// Node servers, and their codecs: MessagePack as notepack.io and @msgpack/msgpack write
// it, JSON read with its objects' key order kept, and JSON written as JSON.stringify
// writes it.
//
// A value is nil, bool, a number (int64, uint64 or float64 when decoded from
// MessagePack, json.Number when decoded from JSON, any Go number when written), string,
// []byte (a Node Buffer), []any, Object (keys in order) or, when written,
// map[string]any (keys sorted) and []string. Undefined is JavaScript's undefined.
//
// Decoded objects keep the order of their keys as JavaScript gives it (array-index keys
// first, in numeric order, then the others in insertion order), so that a packet another
// server broadcasts reaches clients byte for byte as that server's own clients get it:
// PacketData writes an event's arguments as the pre-encoded JSON (json.RawMessage) and
// attachments a parser.Packet carries.
package jsvalue
