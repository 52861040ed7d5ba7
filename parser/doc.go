// Package parser encodes and decodes socket.io packets, byte for byte as the official
// socket.io-parser package does.
//
// A socket.io packet travels as one engine.io text message,
//
//	<type>[<attachments>-][<namespace>,][<ack id>][<JSON data>]
//
// for example 2["chat","hi"], 2/admin,12["chat"] or 0{"token":"abc"}, followed, for a
// BINARY_EVENT or BINARY_ACK (51-["file",{"_placeholder":true,"num":0}]), by one
// binary message per attachment.
//
// New returns the default JSONParser: its Encode turns a Packet into frames, and each
// connection gets a Decoder (NewDecoder) that is fed frames one by one and returns
// whole packets once their attachments have arrived. Decoded packets keep their data
// as undecoded JSON (json.RawMessage, placeholders in place) so that a server only
// decodes what a handler asks for: SplitArray splits the arguments, EventName reads the
// event name, Attachment and Placeholder resolve a []byte argument, and
// JSONParser.Reconstruct builds an `any` argument with []byte where the sender had
// binary. A decoded packet can be encoded again as is (the relay form): the frames
// decode to the same packet, and are byte for byte the frames Encode made in the first
// place.
//
// # Revisions
//
// V5 is the protocol of socket.io 3.x and 4.x (socket.io-parser 4.2.7, over Engine.IO
// v4); V4 is the protocol of socket.io 1.x and 2.x (socket.io-parser 3.4.5 in the
// socket.io 2.x server, 3.3.x in socket.io-client 2.5; both read headers and
// attachments the same way), over Engine.IO v3. The wire format is the same; they
// differ in what a payload may be:
//
//	           v5                                      v4
//	CONNECT    absent or an object                     absent, object, array or null;
//	                                                   the namespace may carry a query,
//	                                                   0/admin?token=abc, (SplitNamespaceQuery)
//	type 4     CONNECT_ERROR: a string or an object    ERROR: a string, object, array or null
//	EVENT      first element a string or a number,     first element a string or a number
//	           not a reserved name (IsReservedEvent)
//
// In both, DISCONNECT has no data, ACK data is an array, and an EVENT or ACK may come
// without data at all ("2"), which socket.io-parser accepts (Node's server then treats
// it as no arguments; SplitArray returns none).
//
// # Place in the stack
//
// The parser imports only the standard library. The engine (package engineio) moves
// frames; the server (socketio) and the client take a Parser in their options, and
// the adapters broadcast frames encoded once. A custom parser, such as msgpack,
// implements the same Encoder and Decoder interfaces.
//
// # Headers are read as Node reads them
//
// socket.io-parser reads the type, the attachment count and the ack id with
// JavaScript's Number(), and the decoder reproduces it: an empty frame, or one that
// starts with whitespace, is a CONNECT; the attachment count may be written 1, 1.0,
// +1, 0x1 or " 1 "; the ack id is a run of digits and whitespace, so "2 [...]" is an
// EVENT with ack id 0 and "2007[...]" has ack id 7. The namespace runs from "/" to the
// first ",", or to the end of the frame when there is no comma.
//
// # Where the decoder is stricter than Node
//
// Each of these is an error here, where Node accepts something no client sends:
//
//   - an ack id of 2^53 or more (Node rounds it) or with whitespace inside ("21 2[...]",
//     which Node decodes as NaN);
//   - a placeholder whose num is not an integer (Node substitutes undefined);
//   - JSON nested deeper than 10000 levels;
//   - v4: an unknown packet type (socket.io-parser 3.x turns it into an ERROR packet
//     "parser error: unknown packet type N" for the socket's error listeners);
//   - v4: more than MaxAttachments attachments, or a count below 1 (as 3.4.5 and 3.3.6;
//     3.4.3 had no such check);
//   - attachments larger than MaxAttachmentBytes together (Node has no limit).
//
// Placeholders are checked against the attachment count when the text frame arrives,
// not when the last attachment does, so the error comes before any attachment is
// buffered. A text frame that arrives while attachments are still expected is an
// error that discards the pending packet and the text frame (Node throws and keeps
// waiting for the attachments); the connection should be closed either way.
//
// # Encoding
//
// Encode writes strings, numbers, booleans and nil as JSON.stringify does: no escaping
// of <, >, &, U+2028 or U+2029, control characters as \n or \u001f, invalid UTF-8 as
// U+FFFD; floats in the form JavaScript prints them (1e+21, 1e-7). []any and
// map[string]any are walked for []byte (map keys are sorted, where JavaScript keeps
// insertion order). Other values go through Options.JSON; with the default StdJSON
// (encoding/json) they differ from JSON.stringify only in ways that decode to the same
// value: U+2028 and U+2029 are escaped and invalid UTF-8 is written \ufffd. NaN and
// ±Inf are an error (JSON.stringify writes null). Encode also refuses what the peer
// would refuse (see JSONParser.Encode), so a packet it returns is always accepted.
//
// # Ownership
//
// A decoded packet aliases its frames (Data is a sub-slice of the text frame,
// Attachments are the binary frames), and encoded binary frames alias the []byte
// values of the packet: neither side may modify them afterwards. Encoders are safe for
// concurrent use; a Decoder belongs to one connection.
package parser
