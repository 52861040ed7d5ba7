package parser

import (
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"sync"
)

const placeholderPrefix = `{"_placeholder":true,"num":`

// Encode returns the frames that carry pkt: one text frame, then one binary frame per
// attachment. It is safe for concurrent use and does not modify pkt.
//
// Data is written as JSON.stringify would write it: []any and map[string]any are
// walked (map keys sorted), and every []byte found in them becomes a placeholder
// {"_placeholder":true,"num":N} and an attachment, so an Event or Ack with binary
// goes out as BINARY_EVENT or BINARY_ACK ("51-..."). Strings, numbers, booleans, nil,
// json.Number and json.RawMessage (validated, then written verbatim) are written
// directly; any other value goes through Options.JSON. A json.RawMessage Data with
// Attachments is the relay form: its placeholders must refer to those attachments.
// The binary frames alias the caller's []byte values and Attachments; do not modify
// them while the frames are in use.
//
// Encode refuses what the peer's socket.io-parser would refuse (an EVENT that is not
// an array with an event name first, a reserved event name in v5, a DISCONNECT with
// data, a namespace without a leading "/" or with a ",", an ack id of 2^53 or more,
// more attachments than MaxAttachments, binary in a CONNECT or CONNECT_ERROR), with an
// error wrapping the matching sentinel.
func (p *JSONParser) Encode(pkt *Packet) ([]Frame, error) {
	t := pkt.Type
	switch t {
	case BinaryEvent:
		t = Event
	case BinaryAck:
		t = Ack
	}
	if t > BinaryAck {
		return nil, fmt.Errorf("%w: cannot encode type %d", ErrUnknownType, byte(pkt.Type))
	}
	nsp := pkt.Namespace
	if nsp == "/" {
		nsp = ""
	}
	if nsp != "" {
		if nsp[0] != '/' {
			return nil, fmt.Errorf("%w: %q must start with \"/\"", ErrInvalidNamespace, pkt.Namespace)
		}
		for i := 0; i < len(nsp); i++ {
			if nsp[i] == ',' {
				return nil, fmt.Errorf("%w: %q contains a comma, which ends the namespace on the wire", ErrInvalidNamespace, pkt.Namespace)
			}
		}
	}
	if pkt.HasID && pkt.ID > maxAckID {
		return nil, fmt.Errorf("%w: %d is not below 2^53", ErrInvalidAckID, pkt.ID)
	}
	data := pkt.Data
	if raw, ok := data.(json.RawMessage); ok {
		raw = trimWS(raw)
		if len(raw) == 0 {
			data = nil
		} else {
			data = raw
		}
	}
	if data == nil {
		// No payload. Attachments without data are the relay of "51-", which
		// socket.io-parser accepts (and reconstructs to no data).
		natt := len(pkt.Attachments)
		if err := p.checkAttachmentCount(t, natt); err != nil {
			return nil, err
		}
		frames, buf := newFrames(1+natt, headerSize(natt, nsp, pkt))
		buf = p.appendHeader(buf, t, natt, nsp, pkt)
		frames[0] = Frame{Data: buf[:len(buf):len(buf)]}
		for i, a := range pkt.Attachments {
			frames[1+i] = Frame{Data: a, Binary: true}
		}
		return frames, nil
	}
	if t == Disconnect {
		return nil, fmt.Errorf("%w: DISCONNECT must not carry data", ErrInvalidPayload)
	}
	if args, ok := data.([]any); ok && len(pkt.Attachments) == 0 {
		if frames, ok, err := p.encodeFlat(pkt, t, nsp, args); ok || err != nil {
			return frames, err
		}
		if frames, ok := p.encodeShallow(pkt, t, nsp, args); ok {
			return frames, nil
		}
	}
	return p.encodeGeneral(pkt, t, nsp, data)
}

// headerLen bounds the length of any header for nsp.
func headerLen(nsp string) int { return 1 + 21 + len(nsp) + 1 + 20 }

// headerSize is the exact length of the header appendHeader writes.
func headerSize(natt int, nsp string, pkt *Packet) int {
	n := 1
	if natt > 0 {
		n += decimalLen(uint64(natt)) + 1
	}
	if nsp != "" {
		n += len(nsp) + 1
	}
	if pkt.HasID {
		n += decimalLen(pkt.ID)
	}
	return n
}

// decimalLen is the number of decimal digits of v.
func decimalLen(v uint64) int {
	n := 1
	for v >= 10 {
		v /= 10
		n++
	}
	return n
}

// appendSmallUint is strconv.AppendUint for the small numbers of headers and
// placeholders, a digit at a time below 10.
func appendSmallUint(b []byte, v uint64) []byte {
	if v < 10 {
		return append(b, byte('0'+v))
	}
	return strconv.AppendUint(b, v, 10)
}

// appendHeader writes <type>[<n>-][<nsp>,][<id>].
func (p *JSONParser) appendHeader(b []byte, t Type, natt int, nsp string, pkt *Packet) []byte {
	if natt > 0 {
		b = append(b, byte('0'+t+3))
		b = appendSmallUint(b, uint64(natt))
		b = append(b, '-')
	} else {
		b = append(b, byte('0'+t))
	}
	if nsp != "" {
		b = append(b, nsp...)
		b = append(b, ',')
	}
	if pkt.HasID {
		b = appendSmallUint(b, pkt.ID)
	}
	return b
}

func (p *JSONParser) checkAttachmentCount(t Type, n int) error {
	if n == 0 {
		return nil
	}
	if t != Event && t != Ack {
		return fmt.Errorf("%w: %s has %d binary attachments; they are allowed only in EVENT and ACK", ErrUnsupportedValue, t, n)
	}
	if max := p.opts.MaxAttachments; n > max {
		return fmt.Errorf("%w: %s has %d attachments, more than MaxAttachments (%d), which the peer's parser refuses too", ErrTooManyAttachments, t, n, max)
	}
	return nil
}

// encodeFlat is the fast path: Data is []any whose elements are all scalars,
// json.RawMessage or []byte. It sizes the text frame (exactly but for numbers) and
// allocates only it and the frames, together when they are small (newFrames). ok is
// false when an element needs the general path.
func (p *JSONParser) encodeFlat(pkt *Packet, t Type, nsp string, args []any) (frames []Frame, ok bool, err error) {
	size := 2 // [ ]
	natt := 0
	var plain uint64 // bit i: args[i] is a string with nothing to escape
	for i, v := range args {
		if i > 0 {
			size++
		}
		switch v := v.(type) {
		case nil:
			size += 4
		case bool:
			size += 5
		case string:
			q := quotedLen(v)
			if q == len(v)+2 && i < 64 {
				plain |= 1 << i // nothing to escape: copy it as is below
			}
			size += q
		case json.RawMessage:
			v = trimWS(v)
			s := scanner{data: v}
			if _, err := s.document(); err != nil {
				return nil, false, fmt.Errorf("%w (in %s argument %d, a json.RawMessage)", err, t, i)
			}
			size += len(v)
		case json.Number:
			size += len(v)
		case []byte:
			size += len(placeholderPrefix) + decimalLen(uint64(natt)) + 1
			natt++
		case int, int8, int16, int32, int64, uint, uint8, uint16, uint32, uint64:
			size += 20
		case float64, float32:
			size += 25
		default:
			return nil, false, nil
		}
	}
	if err := p.checkAttachmentCount(t, natt); err != nil {
		return nil, true, err
	}
	frames, buf := newFrames(1+natt, headerSize(natt, nsp, pkt)+size)
	buf = p.appendHeader(buf, t, natt, nsp, pkt)
	start := len(buf)
	natt = 0
	buf = append(buf, '[')
	for i, v := range args {
		if i > 0 {
			buf = append(buf, ',')
		}
		switch v := v.(type) {
		case nil:
			buf = append(buf, "null"...)
		case bool:
			buf = strconv.AppendBool(buf, v)
		case string:
			if i < 64 && plain&(1<<i) != 0 {
				buf = append(buf, '"')
				buf = append(buf, v...)
				buf = append(buf, '"')
			} else {
				buf = appendQuoted(buf, v)
			}
		case json.RawMessage:
			buf = append(buf, trimWS(v)...)
		case json.Number:
			if buf, err = appendNumber(buf, v); err != nil {
				return nil, true, fmt.Errorf("%w (in %s argument %d)", err, t, i)
			}
		case []byte:
			buf = append(buf, placeholderPrefix...)
			buf = appendSmallUint(buf, uint64(natt))
			buf = append(buf, '}')
			natt++
			frames[natt] = Frame{Data: v, Binary: true}
		case float64:
			if buf, err = appendFloat(buf, v, 64); err != nil {
				return nil, true, fmt.Errorf("%w (in %s argument %d)", err, t, i)
			}
		case float32:
			if buf, err = appendFloat(buf, float64(v), 32); err != nil {
				return nil, true, fmt.Errorf("%w (in %s argument %d)", err, t, i)
			}
		default:
			buf = appendInt(buf, v)
		}
	}
	buf = append(buf, ']')
	wire := t
	if natt > 0 {
		wire += 3
	}
	if argsValid(p.opts.Revision, t, args) {
		// checkPayload would accept it: skip re-reading the payload.
	} else if err := checkPayload(p.opts.Revision, wire, buf[start:]); err != nil {
		return nil, true, err
	}
	frames[0] = Frame{Data: buf[:len(buf):len(buf)]}
	return frames, true, nil
}

var scratchPool = sync.Pool{New: func() any { b := make([]byte, 0, 512); return &b }}

// encodeGeneral writes any Data into a pooled scratch buffer, then copies header and
// payload into an exactly sized text frame. (The scratch cannot live on the stack:
// it goes through the recursive appendValue, which escape analysis gives up on.)
func (p *JSONParser) encodeGeneral(pkt *Packet, t Type, nsp string, data any) ([]Frame, error) {
	sp := scratchPool.Get().(*[]byte)
	frames, err := p.encodeGeneralInto(sp, pkt, t, nsp, data)
	if cap(*sp) <= 64<<10 {
		scratchPool.Put(sp)
	}
	return frames, err
}

func (p *JSONParser) encodeGeneralInto(sp *[]byte, pkt *Packet, t Type, nsp string, data any) ([]Frame, error) {
	e := encState{codec: p.opts.JSON}
	pre := len(pkt.Attachments)
	if raw, ok := data.(json.RawMessage); ok && pre > 0 {
		// The relay form: placeholders must refer to the given attachments.
		s := scanner{data: raw, nAtt: pre}
		bad, err := s.document()
		if err != nil {
			return nil, fmt.Errorf("%w (in the %s data, a json.RawMessage)", err, t)
		}
		if bad {
			return nil, fmt.Errorf("%w: %s data has the placeholder %s but Attachments holds %d", ErrInvalidPlaceholder, t, s.bad, pre)
		}
		e.trusted = true
	}
	e.next = pre
	payload, err := e.appendValue((*sp)[:0], data)
	*sp = payload
	if err != nil {
		return nil, fmt.Errorf("%w (in the %s data)", err, t)
	}
	natt := pre + len(e.atts)
	if err := p.checkAttachmentCount(t, natt); err != nil {
		return nil, err
	}
	wire := t
	if natt > 0 {
		wire += 3
	}
	if err := checkPayload(p.opts.Revision, wire, payload); err != nil {
		return nil, err
	}
	frames, buf := newFrames(1+natt, headerSize(natt, nsp, pkt)+len(payload))
	buf = p.appendHeader(buf, t, natt, nsp, pkt)
	buf = append(buf, payload...)
	frames[0] = Frame{Data: buf[:len(buf):len(buf)]}
	for i, a := range pkt.Attachments {
		frames[1+i] = Frame{Data: a, Binary: true}
	}
	for i, a := range e.atts {
		frames[1+pre+i] = Frame{Data: a, Binary: true}
	}
	return frames, nil
}

// encState is the state of one general-path encoding.
type encState struct {
	codec   JSONCodec
	atts    [][]byte // []byte values found, in placeholder order
	next    int      // the num of the next placeholder
	depth   int
	trusted bool // the top-level RawMessage was validated already
}

func (e *encState) appendValue(b []byte, v any) ([]byte, error) {
	switch v := v.(type) {
	case nil:
		return append(b, "null"...), nil
	case bool:
		return strconv.AppendBool(b, v), nil
	case string:
		return appendQuoted(b, v), nil
	case json.RawMessage:
		v = trimWS(v)
		if len(v) == 0 {
			return append(b, "null"...), nil // as encoding/json writes a nil RawMessage
		}
		if !e.trusted || e.depth > 0 {
			s := scanner{data: v}
			if _, err := s.document(); err != nil {
				return b, fmt.Errorf("%w (in a json.RawMessage)", err)
			}
		}
		return append(b, v...), nil
	case json.Number:
		return appendNumber(b, v)
	case []byte:
		b = append(b, placeholderPrefix...)
		b = appendSmallUint(b, uint64(e.next))
		e.next++
		e.atts = append(e.atts, v)
		return append(b, '}'), nil
	case float64:
		return appendFloat(b, v, 64)
	case float32:
		return appendFloat(b, float64(v), 32)
	case int, int8, int16, int32, int64, uint, uint8, uint16, uint32, uint64:
		return appendInt(b, v), nil
	case []any:
		if v == nil {
			return append(b, "null"...), nil
		}
		if err := e.enter(); err != nil {
			return b, err
		}
		b = append(b, '[')
		for i, x := range v {
			if i > 0 {
				b = append(b, ',')
			}
			var err error
			if b, err = e.appendValue(b, x); err != nil {
				return b, err
			}
		}
		e.depth--
		return append(b, ']'), nil
	case map[string]any:
		if v == nil {
			return append(b, "null"...), nil
		}
		if err := e.enter(); err != nil {
			return b, err
		}
		if len(v) <= smallMap {
			return e.appendSmallMap(b, v)
		}
		keys := make([]string, 0, len(v))
		for k := range v {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		b = append(b, '{')
		for i, k := range keys {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendQuoted(b, k)
			b = append(b, ':')
			var err error
			if b, err = e.appendValue(b, v[k]); err != nil {
				return b, err
			}
		}
		e.depth--
		return append(b, '}'), nil
	default:
		out, err := e.codec.Marshal(v)
		if err != nil {
			return b, fmt.Errorf("%w: %T: %w", ErrUnsupportedValue, v, err)
		}
		out = trimWS(out)
		if len(out) == 0 {
			return b, fmt.Errorf("%w: the JSON codec wrote nothing for %T", ErrUnsupportedValue, v)
		}
		return append(b, out...), nil
	}
}

func (e *encState) enter() error {
	e.depth++
	if e.depth > maxDepth {
		return fmt.Errorf("%w: nested deeper than %d (a cycle?)", ErrUnsupportedValue, maxDepth)
	}
	return nil
}

// smallMap is the size up to which a map[string]any is sorted on the stack.
const smallMap = 8

// appendSmallMap writes a map of at most smallMap entries: entries are collected and
// sorted (insertion sort, by key as encoding/json sorts them) in a stack array, with
// no lookup or allocation. The caller has entered the map's depth.
func (e *encState) appendSmallMap(b []byte, m map[string]any) ([]byte, error) {
	var kv [smallMap]struct {
		k string
		v any
	}
	n := 0
	for k, v := range m {
		if n == len(kv) {
			n++ // grown by another goroutine while we read it (a data race): stop
			break
		}
		j := n
		for ; j > 0 && kv[j-1].k > k; j-- {
			kv[j] = kv[j-1]
		}
		kv[j].k, kv[j].v = k, v
		n++
	}
	if n > len(kv) {
		return b, fmt.Errorf("%w: a map[string]any changed while it was encoded", ErrUnsupportedValue)
	}
	b = append(b, '{')
	for i := range n {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendQuoted(b, kv[i].k)
		b = append(b, ':')
		var err error
		if b, err = e.appendValue(b, kv[i].v); err != nil {
			return b, err
		}
	}
	e.depth--
	return append(b, '}'), nil
}
