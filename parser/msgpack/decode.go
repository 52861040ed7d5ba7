package msgpack

import (
	"encoding/json"
	"fmt"
	"math"
	"strings"

	"github.com/gosockio/gosockio/parser"
)

// maxAckID is the largest ack id accepted, 2^53-1 (Number.MAX_SAFE_INTEGER), as in
// the JSON parser.
const maxAckID = 1<<53 - 1

// Decoder decodes the frames of one connection. Every packet is one binary frame,
// so a Decoder never waits for more frames: Pending is always false. It is not safe
// for concurrent use (the Decoder contract), although it keeps no state.
type Decoder struct {
	opts *Options
}

var _ parser.Decoder = (*Decoder)(nil)

// Pending reports false: a msgpack packet is never split over frames.
func (d *Decoder) Pending() bool { return false }

// Reset does nothing: there is never a packet being reassembled.
func (d *Decoder) Reset() {}

// Decode decodes one frame, a msgpack map {type, nsp, data, id}, and checks it as
// socket.io-msgpack-parser's Decoder.checkPacket does, plus the JSON parser's rules
// (see the package doc). The packet's Data is the data converted to JSON (a
// json.RawMessage, nil when the packet has no data) with every binary value replaced
// by a placeholder {"_placeholder":true,"num":N}, and Attachments holds the binary
// values in placeholder order; they alias f.Data. Errors wrap ErrMalformed,
// ErrTextFrame or the parser package's sentinels and say what was wrong.
func (d *Decoder) Decode(f parser.Frame) (*parser.Packet, error) {
	if !f.Binary {
		return nil, fmt.Errorf("%w: got a text frame of %d bytes, but socket.io-msgpack-parser sends every packet as one binary frame; configure the peer with the msgpack parser (or this side with the default JSON parser)", ErrTextFrame, len(f.Data))
	}
	b := f.Data
	h, next, err := readHead(b, 0)
	if err != nil {
		return nil, err
	}
	if h.kind != kindMap {
		end, err := skip(b, 0, 0)
		if err == nil && end != len(b) {
			err = fmt.Errorf("%w: %d trailing bytes after the packet", ErrMalformed, len(b)-end)
		}
		if err != nil {
			return nil, err
		}
		return nil, fmt.Errorf("%w: the packet must be a msgpack map {type, nsp, data, id}, got %s", parser.ErrUnknownType, h.kind)
	}
	// Walk the map once: check every key and value, keep where the four fields
	// start (the last one wins for a repeated key, as in JavaScript). Other keys,
	// such as the "options" that socket.io-client adds, are ignored.
	typeAt, nspAt, dataAt, idAt := -1, -1, -1, -1
	for range h.n {
		kh, vAt, err := readHead(b, next)
		if err != nil {
			return nil, err
		}
		if kh.kind == kindArray || kh.kind == kindMap {
			if vAt, err = skip(b, next, 1); err != nil {
				return nil, err
			}
		}
		if next, err = skip(b, vAt, 1); err != nil {
			return nil, err
		}
		if kh.kind != kindStr {
			continue
		}
		switch string(b[kh.start : kh.start+kh.n]) {
		case "type":
			typeAt = vAt
		case "nsp":
			nspAt = vAt
		case "data":
			dataAt = vAt
		case "id":
			idAt = vAt
		}
	}
	if next != len(b) {
		return nil, fmt.Errorf("%w: %d trailing bytes after the packet", ErrMalformed, len(b)-next)
	}
	p := &parser.Packet{}
	// type: an integer from 0 (CONNECT) to 4 (CONNECT_ERROR).
	if typeAt < 0 {
		return nil, fmt.Errorf("%w: the packet has no \"type\"", parser.ErrUnknownType)
	}
	th, _, _ := readHead(b, typeAt)
	if v, ok := th.number(); !ok || v != math.Trunc(v) || v < 0 || v > float64(parser.ConnectError) {
		return nil, fmt.Errorf("%w: \"type\" must be an integer from 0 to 4, got %s", parser.ErrUnknownType, describe(b, typeAt))
	} else {
		p.Type = parser.Type(v)
	}
	// nsp: a string that starts with "/".
	if nspAt < 0 {
		return nil, fmt.Errorf("%w: the packet has no \"nsp\"", parser.ErrInvalidNamespace)
	}
	nh, _, _ := readHead(b, nspAt)
	if nh.kind != kindStr {
		return nil, fmt.Errorf("%w: \"nsp\" must be a string, got %s", parser.ErrInvalidNamespace, nh.kind)
	}
	nsp := b[nh.start : nh.start+nh.n]
	if len(nsp) == 0 || nsp[0] != '/' {
		return nil, fmt.Errorf("%w: %q must start with \"/\"", parser.ErrInvalidNamespace, nsp)
	}
	if string(nsp) == "/" {
		p.Namespace = "/"
	} else {
		p.Namespace = strings.ToValidUTF8(string(nsp), "\uFFFD")
	}
	// id: absent, undefined, or an integer in [0, 2^53).
	if idAt >= 0 {
		ih, _, _ := readHead(b, idAt)
		if ih.kind != kindUndefined {
			v, ok := ih.number()
			if !ok || v != math.Trunc(v) || v < 0 || v > maxAckID {
				return nil, fmt.Errorf("%w: \"id\" must be an integer in [0, 2^53), got %s", parser.ErrInvalidAckID, describe(b, idAt))
			}
			p.ID, p.HasID = uint64(v), true
		}
	}
	// data: checked for the type, then converted to JSON.
	if dataAt >= 0 {
		if dh, _, _ := readHead(b, dataAt); dh.kind == kindUndefined {
			dataAt = -1
		}
	}
	if err := checkData(p.Type, b, dataAt); err != nil {
		return nil, err
	}
	if dataAt >= 0 {
		c := converter{b: b, max: d.opts.MaxAttachments}
		sp := scratchPool.Get().(*[]byte)
		js, _, _, err := c.value((*sp)[:0], dataAt, 0)
		out := make([]byte, len(js)) // exact size: binary values are not copied
		copy(out, js)
		if *sp = js; cap(js) <= 64<<10 {
			scratchPool.Put(sp)
		}
		if err != nil {
			return nil, fmt.Errorf("%w (in the %s data)", err, p.Type)
		}
		if c.literalPH && len(c.atts) > 0 {
			return nil, fmt.Errorf("%w: the %s data holds both binary values and a map with \"_placeholder\": true, which would be taken for one of them once converted to JSON", parser.ErrInvalidPlaceholder, p.Type)
		}
		p.Data = json.RawMessage(out)
		p.Attachments = c.atts
	}
	return p, nil
}

// checkData applies socket.io-msgpack-parser's isDataValid to the data at b[at] (at
// < 0: no data) of a packet of type t, plus the JSON parser's event name rules: an
// EVENT's first element must be a string that is not a reserved name, or a number.
func checkData(t parser.Type, b []byte, at int) error {
	if at < 0 {
		switch t {
		case parser.Connect, parser.Disconnect:
			return nil
		case parser.ConnectError:
			return fmt.Errorf("%w: CONNECT_ERROR must carry a string or a map", parser.ErrInvalidPayload)
		}
		return fmt.Errorf("%w: %s must carry an array", parser.ErrInvalidPayload, t)
	}
	h, next, _ := readHead(b, at)
	switch t {
	case parser.Connect:
		if h.kind != kindMap {
			return fmt.Errorf("%w: CONNECT data must be a map, got %s", parser.ErrInvalidPayload, h.kind)
		}
	case parser.Disconnect:
		return fmt.Errorf("%w: DISCONNECT must not carry data, got %s", parser.ErrInvalidPayload, h.kind)
	case parser.ConnectError:
		if h.kind != kindMap && h.kind != kindStr {
			return fmt.Errorf("%w: CONNECT_ERROR data must be a string or a map, got %s", parser.ErrInvalidPayload, h.kind)
		}
	case parser.Ack:
		if h.kind != kindArray {
			return fmt.Errorf("%w: ACK data must be an array, got %s", parser.ErrInvalidPayload, h.kind)
		}
	case parser.Event:
		if h.kind != kindArray {
			return fmt.Errorf("%w: EVENT data must be an array, got %s", parser.ErrInvalidPayload, h.kind)
		}
		if h.n == 0 {
			return fmt.Errorf("%w: EVENT data is an empty array; the first element must be the event name", parser.ErrInvalidEventName)
		}
		eh, _, err := readHead(b, next)
		if err != nil {
			return err
		}
		switch eh.kind {
		case kindInt, kindUint, kindFloat:
		case kindStr:
			if name := b[eh.start : eh.start+eh.n]; parser.IsReservedEvent(string(name)) {
				return fmt.Errorf("%w: %q is a reserved event name", parser.ErrInvalidEventName, name)
			}
		default:
			return fmt.Errorf("%w: the first element of EVENT data must be a string or a number, got %s", parser.ErrInvalidEventName, eh.kind)
		}
	default:
		return fmt.Errorf("%w: %d", parser.ErrUnknownType, byte(t))
	}
	return nil
}

// describe names the value at b[i] for errors.
func describe(b []byte, i int) string {
	h, _, err := readHead(b, i)
	if err != nil {
		return "a malformed value"
	}
	if v, ok := h.number(); ok {
		return fmt.Sprint(v)
	}
	if h.kind == kindStr {
		return fmt.Sprintf("the string %q", b[h.start:h.start+min(h.n, 32)])
	}
	return h.kind.String()
}
