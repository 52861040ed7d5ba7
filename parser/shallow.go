package parser

import (
	"encoding/json"
	"strconv"
)

// The shallow path: Data is []any whose elements are scalars, json.RawMessage,
// []byte, or a map[string]any (of at most smallMap entries) or []any of those, the
// shape of nearly every event. It writes into a stack buffer with no recursion (so
// that the buffer stays on the stack) and allocates only the frames (newFrames). Any
// other shape, and any error, is left to encodeGeneral, which writes the same bytes
// or returns the error with its context.

const (
	shallowScratch = 512 // bytes of payload written on the stack
	shallowAtts    = 4   // attachments collected on the stack
)

// shallowState is the state of one shallow encoding.
type shallowState struct {
	atts [shallowAtts][]byte
	n    int
}

func (p *JSONParser) encodeShallow(pkt *Packet, t Type, nsp string, args []any) ([]Frame, bool) {
	var scratch [shallowScratch]byte
	var st shallowState
	b := append(scratch[:0], '[')
	for i, v := range args {
		if i > 0 {
			b = append(b, ',')
		}
		var ok bool
		switch v := v.(type) {
		case map[string]any:
			b, ok = st.appendMap(b, v)
		case []any:
			b, ok = st.appendSlice(b, v)
		default:
			b, ok = st.appendScalar(b, v)
		}
		if !ok || len(b) > shallowScratch {
			return nil, false
		}
	}
	b = append(b, ']')
	natt := st.n
	if p.checkAttachmentCount(t, natt) != nil {
		return nil, false
	}
	wire := t
	if natt > 0 {
		wire += 3
	}
	if !argsValid(p.opts.Revision, t, args) && checkPayload(p.opts.Revision, wire, b) != nil {
		return nil, false
	}
	frames, buf := newFrames(1+natt, headerSize(natt, nsp, pkt)+len(b))
	buf = p.appendHeader(buf, t, natt, nsp, pkt)
	buf = append(buf, b...)
	frames[0] = Frame{Data: buf[:len(buf):len(buf)]}
	for i := range natt {
		frames[1+i] = Frame{Data: st.atts[i], Binary: true}
	}
	return frames, true
}

// appendScalar writes v if it is not a container; ok is false otherwise, and when v
// cannot be written (NaN, invalid json.RawMessage, ...).
func (st *shallowState) appendScalar(b []byte, v any) ([]byte, bool) {
	var err error
	switch v := v.(type) {
	case nil:
		return append(b, "null"...), true
	case bool:
		return strconv.AppendBool(b, v), true
	case string:
		return appendQuoted(b, v), true
	case json.RawMessage:
		v = trimWS(v)
		if len(v) == 0 {
			return append(b, "null"...), true
		}
		s := scanner{data: v}
		if _, err := s.document(); err != nil {
			return b, false
		}
		return append(b, v...), true
	case json.Number:
		b, err = appendNumber(b, v)
	case []byte:
		if st.n == len(st.atts) {
			return b, false
		}
		b = append(b, placeholderPrefix...)
		b = appendSmallUint(b, uint64(st.n))
		st.atts[st.n] = v
		st.n++
		return append(b, '}'), true
	case float64:
		b, err = appendFloat(b, v, 64)
	case float32:
		b, err = appendFloat(b, float64(v), 32)
	case int, int8, int16, int32, int64, uint, uint8, uint16, uint32, uint64:
		return appendInt(b, v), true
	default:
		return b, false
	}
	return b, err == nil
}

// appendSlice writes an []any of scalars.
func (st *shallowState) appendSlice(b []byte, s []any) ([]byte, bool) {
	if s == nil {
		return append(b, "null"...), true
	}
	b = append(b, '[')
	for i, v := range s {
		if i > 0 {
			b = append(b, ',')
		}
		var ok bool
		if b, ok = st.appendScalar(b, v); !ok {
			return b, false
		}
	}
	return append(b, ']'), true
}

// appendMap writes a map[string]any of scalars, keys sorted as encodeGeneral sorts
// them (see appendSmallMap).
func (st *shallowState) appendMap(b []byte, m map[string]any) ([]byte, bool) {
	if m == nil {
		return append(b, "null"...), true
	}
	if len(m) > smallMap {
		return b, false
	}
	var kv [smallMap]struct {
		k string
		v any
	}
	n := 0
	for k, v := range m {
		if n == len(kv) {
			return b, false // grown by another goroutine (a data race)
		}
		j := n
		for ; j > 0 && kv[j-1].k > k; j-- {
			kv[j] = kv[j-1]
		}
		kv[j].k, kv[j].v = k, v
		n++
	}
	b = append(b, '{')
	for i := range n {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendQuoted(b, kv[i].k)
		b = append(b, ':')
		var ok bool
		if b, ok = st.appendScalar(b, kv[i].v); !ok {
			return b, false
		}
	}
	return append(b, '}'), true
}
