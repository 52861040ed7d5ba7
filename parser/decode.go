package parser

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
)

// maxAckID is the largest ack id accepted: 2^53-1, the largest integer a JavaScript
// number holds exactly (Number.MAX_SAFE_INTEGER).
const maxAckID = 1<<53 - 1

// JSONDecoder reassembles packets from the frames of one connection. It is the
// Decoder that JSONParser.NewDecoder returns; it is not safe for concurrent use.
//
// A decoded packet aliases the frames it was decoded from: Data is a sub-slice of the
// text frame and Attachments are the binary frames' Data. The caller hands ownership
// of every frame to Decode and must not modify it afterwards.
type JSONDecoder struct {
	opts *Options // the parser's, shared and read-only

	pending  *Packet // a binary packet waiting for attachments
	want     int     // attachments pending needs
	bytes    int     // attachment bytes buffered for pending
	binaryOf Type    // the wire type of pending, for errors
	lastNsp  string  // the last namespace decoded, reused to save an allocation
}

var _ Decoder = (*JSONDecoder)(nil)

// NewJSONDecoder returns a decoder with the parser's options (the concrete type
// behind NewDecoder).
func (p *JSONParser) NewJSONDecoder() *JSONDecoder {
	return &JSONDecoder{opts: &p.opts, lastNsp: "/"}
}

// Pending reports whether a binary packet is waiting for attachments.
func (d *JSONDecoder) Pending() bool { return d.pending != nil }

// Reset discards a packet waiting for attachments, if any.
func (d *JSONDecoder) Reset() {
	d.pending = nil
	d.want = 0
	d.bytes = 0
}

// Decode feeds one frame. A text frame is one encoded packet; for a BINARY_EVENT or
// BINARY_ACK, Decode returns (nil, nil) until the announced number of binary frames
// has arrived, then returns the packet as Event or Ack with its Attachments. Errors
// wrap the sentinels of errors.go and say what was wrong; after an error the decoder
// holds nothing and is ready for the next packet.
func (d *JSONDecoder) Decode(f Frame) (*Packet, error) {
	if f.Binary {
		if d.pending == nil {
			return nil, fmt.Errorf("%w: got a binary frame of %d bytes but no BINARY_EVENT or BINARY_ACK is waiting for attachments", ErrUnexpectedBinary, len(f.Data))
		}
		d.bytes += len(f.Data)
		if max := d.opts.MaxAttachmentBytes; max >= 0 && d.bytes > max {
			err := fmt.Errorf("%w: %s announced %d attachments whose first %d hold %d bytes, more than MaxAttachmentBytes (%d); the packet was discarded",
				ErrAttachmentsTooLarge, d.binaryOf, d.want, len(d.pending.Attachments)+1, d.bytes, max)
			d.Reset()
			return nil, err
		}
		d.pending.Attachments = append(d.pending.Attachments, f.Data)
		if len(d.pending.Attachments) < d.want {
			return nil, nil
		}
		p := d.pending
		d.Reset()
		return p, nil
	}
	if d.pending != nil {
		err := fmt.Errorf("%w: the pending %s on %q had %d of its %d attachments; it was discarded, and so was this text frame",
			ErrUnexpectedText, d.binaryOf, d.pending.Namespace, len(d.pending.Attachments), d.want)
		d.Reset()
		return nil, err
	}
	c := &decoded{}
	n, err := d.decodeText(f.Data, &c.Packet)
	if err != nil {
		return nil, err
	}
	if n > 0 {
		d.wait(c, n)
		return nil, nil
	}
	return &c.Packet, nil
}

// DecodeInto is Decode for a caller that is done with the packet before it feeds the
// next frame: a complete packet is written into *p instead of a new Packet, which saves
// an allocation per text packet; the decoder does not keep p. ok reports whether *p
// holds a packet: it is false (with *p zeroed) while the attachments of a binary packet
// are expected, and on error. Data and Attachments alias the frames as with Decode.
func (d *JSONDecoder) DecodeInto(f Frame, p *Packet) (ok bool, err error) {
	if f.Binary || d.pending != nil {
		q, err := d.Decode(f)
		if q == nil {
			*p = Packet{}
			return false, err
		}
		*p = *q
		return true, nil
	}
	*p = Packet{}
	n, err := d.decodeText(f.Data, p)
	if err != nil {
		*p = Packet{}
		return false, err
	}
	if n > 0 {
		// The packet waits in the decoder: it needs a home of its own.
		c := &decoded{Packet: *p}
		*p = Packet{}
		d.wait(c, n)
		return false, nil
	}
	return true, nil
}

// wait holds c, a binary packet whose n attachments must follow.
func (d *JSONDecoder) wait(c *decoded, n int) {
	if n == 1 {
		c.Attachments = c.one[:0:1]
	} else {
		c.Attachments = make([][]byte, 0, n)
	}
	d.binaryOf = c.Type + 3 // Event -> BinaryEvent, Ack -> BinaryAck
	d.pending, d.want, d.bytes = &c.Packet, n, 0
}

// decodeText decodes one text frame into p (zero on entry) the way socket.io-parser's
// decodeString reads it, and returns the number of attachments that must follow (p's
// Attachments are left to the caller). p does not escape: DecodeInto's caller owns it.
func (d *JSONDecoder) decodeText(b []byte, p *Packet) (int, error) {
	p.Namespace = "/"
	i := 0
	// Type: Number(str.charAt(0)). An empty frame or a whitespace character is 0.
	switch {
	case len(b) == 0:
		p.Type = Connect
	case b[0] >= '0' && b[0] <= '6':
		p.Type = Type(b[0] - '0')
		i = 1
	default:
		if n := jsSpaceAt(b, 0); n > 0 {
			p.Type = Connect
			i = n
		} else {
			return 0, fmt.Errorf("%w: the packet starts with %q, want a digit 0-6", ErrUnknownType, firstChar(b))
		}
	}
	binary := p.Type == BinaryEvent || p.Type == BinaryAck
	wire := p.Type
	n := 0
	if binary {
		// Attachment count: everything up to the first '-', read with Number().
		j := indexByte(b[i:], '-')
		if j < 0 {
			return 0, fmt.Errorf("%w: %s header has no '-' after the attachment count", ErrInvalidAttachments, wire)
		}
		count := b[i : i+j]
		v, ok := jsNumber(count)
		switch {
		case !ok || math.IsInf(v, 0) || v != math.Trunc(v) || v < 1:
			return 0, fmt.Errorf("%w: %s attachment count %q is not an integer >= 1", ErrInvalidAttachments, wire, count)
		case d.opts.MaxAttachments < 0:
			return 0, fmt.Errorf("%w: %s with %q attachments, but binary packets are disabled (MaxAttachments < 0)", ErrTooManyAttachments, wire, count)
		case v > float64(d.opts.MaxAttachments):
			return 0, fmt.Errorf("%w: %s announces %q attachments, more than MaxAttachments (%d)", ErrTooManyAttachments, wire, count, d.opts.MaxAttachments)
		}
		n = int(v)
		i += j + 1
		p.Type -= 3 // BinaryEvent -> Event, BinaryAck -> Ack
	}
	// Namespace: from '/' up to ',' or the end of the frame.
	if i < len(b) && b[i] == '/' {
		j := bytes.IndexByte(b[i:], ',')
		var nsp []byte
		if j < 0 {
			nsp, i = b[i:], len(b)
		} else {
			nsp, i = b[i:i+j], i+j+1
		}
		if string(nsp) != d.lastNsp {
			d.lastNsp = string(nsp)
		}
		p.Namespace = d.lastNsp
	}
	// Ack id: a run of digits (and, as Number(char) == char holds for them,
	// JavaScript whitespace), read with Number().
	if start := i; i < len(b) {
		for i < len(b) {
			if isDigit(b[i]) {
				i++
			} else if n := jsSpaceAt(b, i); n > 0 {
				i += n
			} else {
				break
			}
		}
		if i > start {
			id, err := parseAckID(b[start:i])
			if err != nil {
				return 0, err
			}
			p.ID, p.HasID = id, true
		}
	}
	// Payload: the rest of the frame.
	if i < len(b) {
		payload := b[i:]
		s := scanner{data: payload, nAtt: n}
		var bad bool
		var err error
		if n > 0 || !valid(payload) {
			bad, err = s.document() // placeholders to check, or an error to report
		}
		if err != nil {
			hint := ""
			if c := payload[0]; c != '{' && c != '[' && c != '"' && c != 't' && c != 'f' && c != 'n' && c != '-' && !isDigit(c) {
				hint = `; the header is <type>[<attachments>-][<namespace>,][<ack id>] and a namespace starts with "/"`
			}
			return 0, fmt.Errorf("%w (in the %s payload%s)", err, wire, hint)
		}
		payload = trimRightWS(payload)
		if err := checkPayload(d.opts.Revision, wire, payload); err != nil {
			return 0, err
		}
		if bad {
			return 0, fmt.Errorf("%w: %s with %d attachments has the placeholder %s; num must be an integer in [0, %d)", ErrInvalidPlaceholder, wire, n, s.bad, n)
		}
		raw := json.RawMessage(payload)
		p.Data = boxRaw(&raw)
	}
	return n, nil
}

// decoded holds a decoded packet with the backing array of a single attachment: one
// allocation for the common packet (and one for boxing its Data, see boxRaw).
type decoded struct {
	Packet
	one [1][]byte
}

// parseAckID reads an ack id run (digits and JavaScript whitespace) as Number() does.
func parseAckID(run []byte) (uint64, error) {
	digits := trimJSSpace(run)
	var id uint64
	for _, c := range digits {
		if !isDigit(c) {
			return 0, fmt.Errorf("%w: %q is not a number", ErrInvalidAckID, run)
		}
		id = id*10 + uint64(c-'0')
		if id > maxAckID {
			return 0, fmt.Errorf("%w: %q is not below 2^53", ErrInvalidAckID, run)
		}
	}
	return id, nil
}

func trimRightWS(b []byte) []byte {
	for len(b) > 0 && isWS(b[len(b)-1]) {
		b = b[:len(b)-1]
	}
	return b
}

func firstChar(b []byte) string {
	r := []rune(string(b[:min(len(b), 4)]))
	if len(r) == 0 {
		return ""
	}
	return string(r[0])
}
