package engineio

import (
	"bytes"
	"fmt"
)

// RecordSeparator joins the packets of a protocol v4 polling payload.
const RecordSeparator = '\x1e'

// AppendPayload appends a protocol v4 polling payload: the text form of each packet (binary
// packets as "b" + base64) joined by RecordSeparator, e.g. "4hello\x1ebAQIDBA==".
func AppendPayload(dst []byte, packets []Packet) []byte {
	for i, p := range packets {
		if i > 0 {
			dst = append(dst, RecordSeparator)
		}
		dst = AppendText(dst, p, ProtocolV4)
	}
	return dst
}

// PayloadLen returns the exact length of AppendPayload(nil, packets).
func PayloadLen(packets []Packet) int {
	n := 0
	for i, p := range packets {
		if i > 0 {
			n++
		}
		n += textLen(p, ProtocolV4)
	}
	return n
}

// textLen is len(AppendText(nil, p, protocol)).
func textLen(p Packet, protocol int) int {
	if !p.Binary {
		return 1 + len(p.Data)
	}
	n := 1 + (len(p.Data)+2)/3*4
	if protocol == ProtocolV3 {
		n++
	}
	return n
}

// DecodePayload decodes a protocol v4 polling payload. An empty body, an empty entry or a
// malformed packet is an error wrapping ErrParse. Text Data aliases body.
func DecodePayload(body []byte) ([]Packet, error) {
	if len(body) == 0 {
		return nil, fmt.Errorf("%w: empty payload", ErrParse)
	}
	n := bytes.Count(body, []byte{RecordSeparator}) + 1
	packets := make([]Packet, 0, n)
	for range n {
		entry := body
		if i := bytes.IndexByte(body, RecordSeparator); i >= 0 {
			entry, body = body[:i], body[i+1:]
		}
		p, err := DecodeText(entry, ProtocolV4)
		if err != nil {
			return nil, fmt.Errorf("payload packet %d: %w", len(packets), err)
		}
		packets = append(packets, p)
	}
	return packets, nil
}
