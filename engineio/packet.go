package engineio

import (
	"encoding/base64"
	"fmt"
)

// PacketType is the engine.io packet type, sent as one ASCII digit ('0'..'6') in text form
// and as one byte (0..6) in front of v3 binary packets.
type PacketType byte

// The engine.io packet types (identical in protocol v3 and v4).
const (
	PacketOpen    PacketType = 0 // handshake, server to client
	PacketClose   PacketType = 1 // close the session
	PacketPing    PacketType = 2 // heartbeat (v4: server to client; v3: client to server); "2probe" starts an upgrade
	PacketPong    PacketType = 3 // heartbeat answer; "3probe" answers the upgrade probe
	PacketMessage PacketType = 4 // application data
	PacketUpgrade PacketType = 5 // completes the upgrade to websocket
	PacketNoop    PacketType = 6 // no operation (releases a pending poll during an upgrade)
)

// Protocol revisions of engine.io, as sent in the EIO query parameter.
const (
	ProtocolV3 = 3 // socket.io 1.x/2.x clients (engine.io-client 3.x)
	ProtocolV4 = 4 // socket.io 3.x/4.x clients (engine.io-client 4.x-6.x)
)

var packetTypeNames = [...]string{"open", "close", "ping", "pong", "message", "upgrade", "noop"}

// String returns Node's name for the type ("open", "close", "ping", ...).
func (t PacketType) String() string {
	if int(t) < len(packetTypeNames) {
		return packetTypeNames[t]
	}
	return fmt.Sprintf("PacketType(%d)", byte(t))
}

// Valid reports whether t is one of the seven engine.io packet types.
func (t PacketType) Valid() bool { return t <= PacketNoop }

// Packet is one engine.io packet. Binary is true when Data is binary (a Buffer/ArrayBuffer in
// Node); binary packets in protocol v4 are always of type PacketMessage.
//
// Decoders may return Data that aliases the input buffer (text packets) or a fresh slice
// (base64 packets); copy it if the input is reused.
type Packet struct {
	// Type is the packet type, PacketOpen to PacketNoop.
	Type PacketType
	// Data is the payload after the type: text (UTF-8), or bytes when Binary. Empty for
	// most control packets; "probe" for the upgrade probe's ping and pong.
	Data []byte
	// Binary is true when Data is binary.
	Binary bool
}

// AppendText appends the text form of p: the type digit followed by the data, or, for a binary
// packet, the base64 form ("b" + base64 in v4, "b" + type digit + base64 in v3).
// It is the form used inside polling payloads and for text WebSocket frames.
func AppendText(dst []byte, p Packet, protocol int) []byte {
	if p.Binary {
		dst = append(dst, 'b')
		if protocol == ProtocolV3 {
			dst = append(dst, '0'+byte(p.Type))
		}
		return base64.StdEncoding.AppendEncode(dst, p.Data)
	}
	dst = append(dst, '0'+byte(p.Type))
	return append(dst, p.Data...)
}

// AppendFrame appends p as the content of one WebSocket frame and reports whether that frame
// must be sent as a binary frame. Text packets are "4hello"; binary packets are the raw bytes
// in v4 and the type byte followed by the bytes in v3.
func AppendFrame(dst []byte, p Packet, protocol int) (frame []byte, binary bool) {
	if !p.Binary {
		return AppendText(dst, p, protocol), false
	}
	if protocol == ProtocolV3 {
		dst = append(dst, byte(p.Type))
	}
	return append(dst, p.Data...), true
}

// DecodeText decodes one packet in text form ("4hello", "2", "bAQID" in v4, "b4AQID" in v3).
// Data aliases text unless the packet is base64 encoded.
func DecodeText(text []byte, protocol int) (Packet, error) {
	if len(text) == 0 {
		return Packet{}, fmt.Errorf("%w: empty packet", ErrParse)
	}
	if text[0] == 'b' {
		t := PacketMessage
		b64 := text[1:]
		if protocol == ProtocolV3 {
			if len(b64) == 0 || b64[0] < '0' || b64[0] > '6' {
				return Packet{}, fmt.Errorf("%w: base64 packet without a valid type digit", ErrParse)
			}
			t = PacketType(b64[0] - '0')
			b64 = b64[1:]
		}
		data, err := decodeBase64(b64)
		if err != nil {
			return Packet{}, fmt.Errorf("%w: base64 packet: %v", ErrParse, err)
		}
		return Packet{Type: t, Data: data, Binary: true}, nil
	}
	if text[0] < '0' || text[0] > '6' {
		return Packet{}, fmt.Errorf("%w: unknown packet type %q", ErrParse, text[0])
	}
	p := Packet{Type: PacketType(text[0] - '0')}
	if len(text) > 1 {
		p.Data = text[1:len(text):len(text)] // capped: appending must not overwrite what follows
	}
	return p, nil
}

// DecodeFrame decodes the content of one WebSocket frame. A binary frame is a binary message
// (v4) or a type byte followed by binary data (v3); a text frame is decoded by DecodeText.
// Data aliases frame unless the packet is base64 encoded.
func DecodeFrame(frame []byte, binary bool, protocol int) (Packet, error) {
	if !binary {
		return DecodeText(frame, protocol)
	}
	if protocol == ProtocolV3 {
		if len(frame) == 0 || !PacketType(frame[0]).Valid() {
			return Packet{}, fmt.Errorf("%w: binary frame without a valid type byte", ErrParse)
		}
		return Packet{Type: PacketType(frame[0]), Data: frame[1:len(frame):len(frame)], Binary: true}, nil
	}
	return Packet{Type: PacketMessage, Data: frame[:len(frame):len(frame)], Binary: true}, nil
}

// decodeBase64 accepts padded and unpadded standard base64 (Node's Buffer.from(s, "base64")
// accepts both).
func decodeBase64(b []byte) ([]byte, error) {
	for len(b) > 0 && b[len(b)-1] == '=' {
		b = b[:len(b)-1]
	}
	out := make([]byte, base64.RawStdEncoding.DecodedLen(len(b)))
	n, err := base64.RawStdEncoding.Decode(out, b)
	if err != nil {
		return nil, err
	}
	return out[:n], nil
}
