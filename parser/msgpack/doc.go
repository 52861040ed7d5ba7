// Package msgpack is a socket.io parser that speaks the wire format of
// socket.io-msgpack-parser 3.0.2 (which uses notepack.io 2.2): pass New(nil) as the
// server's or client's Options.Parser, and configure every peer with
// socket.io-msgpack-parser (Node: new Server({parser: require("socket.io-msgpack-parser")}),
// io(url, {parser: require("socket.io-msgpack-parser")})).
//
// # Wire format
//
// Every packet is one msgpack map in one binary engine.io frame; binary values
// travel inline as msgpack bin, so there are no attachments frames and no
// BINARY_EVENT/BINARY_ACK types. Encode writes the keys in the order
//
//	{"type": 2, "data": ["chat", "hi"], "nsp": "/", "id": 7}
//
// leaving out "data" when Packet.Data is nil and "id" without HasID. Values are
// written as notepack.io writes the JavaScript value: integral numbers as the
// smallest msgpack integer (1.0 as 0x01), other numbers as float 64, strings as
// fixstr/str 8/16/32, []byte as bin 8/16/32. The decoder accepts any key order,
// ignores unknown keys (socket.io-client adds "options"), takes the last of a
// repeated key, and reads what notepack.io writes for JavaScript values a Go
// encoder never produces: undefined (fixext 1 type 0) as an absent value, an
// ArrayBuffer (ext type 0) as binary, a Date (fixext 8 type 0) as its toJSON string.
//
// # Decoded packets
//
// A decoded packet has the shape the JSON parser gives, so the socketio server and
// the client decode event arguments the same way with either parser: Data is a
// json.RawMessage holding the data converted to JSON (what JSON.stringify would write
// for the value notepack.io decodes: undefined in an array is null, in a map it is
// left out, NaN and ±Infinity are null), with every binary value replaced by a
// placeholder {"_placeholder":true,"num":N}; Attachments holds the binary values
// (sub-slices of the frame) in placeholder order. Event and Ack are never reported
// as BINARY_EVENT/BINARY_ACK; binary values in CONNECT or CONNECT_ERROR data, which
// msgpack can carry, are reported the same way. Integers are written exactly (Node would round those
// beyond 2^53). A decoded packet encodes again to the same value (the relay form:
// Data a json.RawMessage whose placeholders refer to Attachments); with sorted map
// keys, to the same bytes.
//
// # Validation
//
// Decode refuses what socket.io-msgpack-parser's checkPacket refuses (type not an
// integer 0-4, nsp not a string, CONNECT data not a map, DISCONNECT with data,
// CONNECT_ERROR data not a string or map, EVENT/ACK data not an array, an id that
// is not an integer) and, as the JSON parser does, a namespace that does not start
// with "/", an ack id outside [0, 2^53), an EVENT without a string or number event
// name or with a reserved name (IsReservedEvent), which Node's msgpack parser
// accepts. It also refuses malformed msgpack (truncated values, trailing bytes,
// nesting deeper than 10000, map keys that are not strings, numbers, booleans or nil),
// and a packet
// that holds both binary values and a map with "_placeholder": true, which the JSON
// form could not tell apart. Every length in the frame is checked against the bytes
// that are left before anything is allocated for it, so a 5-byte frame cannot claim
// a 4 GiB array. Encode refuses what the peer would refuse, with the same errors.
//
// # Known differences from notepack.io
//
//   - An integral float64 of 2^64 or more (1e21) is written as float 64; notepack.io
//     writes it as a uint 64 modulo 2^64, which decodes to another number.
//   - Map keys are written sorted ([]any and map[string]any values; a json.RawMessage
//     or a struct keeps its order); JavaScript objects list integer-like keys first.
//   - NaN and ±Inf are an error on encode (they could not come back through JSON).
//
// # Place in the stack
//
// Imports the parser package and github.com/vmihailenco/msgpack/v5 (for its type
// codes only). Data values Encode does not walk itself (structs, typed maps and
// slices) go through Options.JSON and then into msgpack, so they reach the peer as
// they would with the JSON parser ([]byte fields of a struct as base64 strings).
package msgpack
