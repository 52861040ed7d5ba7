package parser

import "fmt"

// Type is a socket.io packet type, the first character of every encoded packet.
type Type byte

// The socket.io packet types. Protocol v4 (socket.io 1.x/2.x) calls type 4 ERROR;
// v5 (socket.io 3.x/4.x) calls it CONNECT_ERROR.
const (
	Connect      Type = 0 // CONNECT
	Disconnect   Type = 1 // DISCONNECT
	Event        Type = 2 // EVENT
	Ack          Type = 3 // ACK
	ConnectError Type = 4 // CONNECT_ERROR (v5), ERROR (v4)
	BinaryEvent  Type = 5 // BINARY_EVENT: an EVENT with binary attachments
	BinaryAck    Type = 6 // BINARY_ACK: an ACK with binary attachments
)

var typeNames = [...]string{"CONNECT", "DISCONNECT", "EVENT", "ACK", "CONNECT_ERROR", "BINARY_EVENT", "BINARY_ACK"}

// String returns the packet type's name as socket.io-parser spells it.
func (t Type) String() string {
	if int(t) < len(typeNames) {
		return typeNames[t]
	}
	return fmt.Sprintf("Type(%d)", byte(t))
}

// Revision is a socket.io protocol revision. The zero value means V5.
type Revision int

// The protocol revisions gosockio speaks.
const (
	// V5 is the protocol of socket.io 3.x and 4.x (socket.io-parser 4.x), over Engine.IO v4.
	V5 Revision = 5
	// V4 is the protocol of socket.io 1.x and 2.x (socket.io-parser 3.x), over Engine.IO v3.
	V4 Revision = 4
)

// Frame is one engine.io message that carries (part of) a socket.io packet: a text
// frame holds an encoded packet, a binary frame holds one attachment (or, for a
// binary parser such as msgpack, a whole packet).
type Frame struct {
	Data   []byte
	Binary bool
}

// Packet is one socket.io packet.
//
// On decode, Data holds the packet's JSON payload undecoded (a json.RawMessage, nil
// when the packet has none), with binary placeholders ({"_placeholder":true,"num":N})
// left in place, and Attachments holds the binary frames in order. BINARY_EVENT and
// BINARY_ACK are reported as Event and Ack with non-nil Attachments, as socket.io-parser
// does. Namespace is "/" when the packet names none. An Event or Ack may have no Data
// at all ("2" is accepted by socket.io-parser): treat it as no arguments. Data aliases
// the text frame, Attachments the binary frames.
//
// On encode, Data may be any JSON-encodable value. []byte values found in Data, at any
// depth of []any and map[string]any values, become placeholders and attachments, and an
// Event or Ack with attachments goes on the wire as BINARY_EVENT or BINARY_ACK. A
// json.RawMessage is written verbatim; if Attachments is non-empty, Data must already
// hold their placeholders (the relay form: a decoded packet encoded again gives the
// same frames). See JSONParser.Encode.
type Packet struct {
	Type      Type
	Namespace string // "" and "/" both mean the main namespace
	ID        uint64 // the ack id, when HasID
	HasID     bool
	Data      any
	// Attachments are the binary attachments of a decoded packet, in order.
	Attachments [][]byte
}

// Encoder turns packets into frames. Implementations must be safe for concurrent use:
// one encoder serves a whole server, and a broadcast is encoded once for all recipients.
type Encoder interface {
	// Encode returns the frames that carry p, in the order they must be sent. The
	// frames are not modified afterwards and may be shared by many connections.
	Encode(p *Packet) ([]Frame, error)
}

// Decoder reassembles packets from frames, for one connection. It is not safe for
// concurrent use.
type Decoder interface {
	// Decode feeds one frame. It returns the packet once complete, and (nil, nil) while
	// the attachments of a binary packet are still expected. After an error, any packet
	// being reassembled is discarded, and the decoder is ready for the next packet.
	Decode(f Frame) (*Packet, error)
	// Pending reports whether a binary packet is waiting for attachments.
	Pending() bool
	// Reset discards a packet waiting for attachments; the owner calls it when the wait
	// has lasted too long or the connection closes.
	Reset()
}

// Parser makes encoders and decoders; a server or client takes one in its options
// (socket.io's "parser" option).
type Parser interface {
	Encoder() Encoder
	NewDecoder() Decoder
}
