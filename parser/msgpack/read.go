package msgpack

import (
	"encoding/binary"
	"fmt"
	"math"

	"github.com/vmihailenco/msgpack/v5/msgpcode"
)

// maxDepth bounds the nesting of arrays and maps in a packet, as the JSON parser
// bounds JSON nesting (Node's recursive decoder overflows its stack instead).
const maxDepth = 10000

// kind is the kind of a msgpack value, as notepack.io decodes it.
type kind uint8

const (
	kindNil kind = iota
	kindBool
	kindInt   // i
	kindUint  // u
	kindFloat // f (float 32 or 64)
	kindStr   // n bytes at start
	kindBin   // n bytes at start; also ext 8/16/32 of type 0 (an ArrayBuffer)
	kindArray // n elements from start
	kindMap   // n key/value pairs from start
	kindUndefined
	kindDate // fixext 8 of type 0: i holds milliseconds since the epoch
	kindExt  // any other extension: ext type in i, n bytes at start
)

var kindNames = [...]string{"nil", "a boolean", "an integer", "an integer", "a float", "a string", "binary", "an array", "a map", "undefined", "a Date", "an extension"}

func (k kind) String() string { return kindNames[k] }

// head is the header of one msgpack value.
type head struct {
	kind  kind
	b     bool
	i     int64
	u     uint64
	f     float64
	n     int // length of a str, bin or ext, or element count of an array or map
	start int // where the payload or the first element starts
}

// number returns the value of a numeric head as a float64, as JavaScript reads it.
func (h head) number() (float64, bool) {
	switch h.kind {
	case kindInt:
		return float64(h.i), true
	case kindUint:
		return float64(h.u), true
	case kindFloat:
		return h.f, true
	}
	return 0, false
}

// errTruncated reports a value that runs past the end of the frame.
func errTruncated(at, need, have int) error {
	return fmt.Errorf("%w: the value at byte %d needs %d more bytes, the frame has %d", ErrMalformed, at, need, have)
}

// readHead reads the header of the value at b[i]. It checks every length against
// the bytes left, so that no header can make the decoder allocate more than the
// frame holds: a str, bin or ext must fit, an array needs a byte per element, a map
// two per pair. next is where the following value (or the first element) starts.
func readHead(b []byte, i int) (h head, next int, err error) {
	if i >= len(b) {
		return h, i, errTruncated(i, 1, 0)
	}
	c := b[i]
	p := i + 1 // past the code
	need := func(n int) error {
		if len(b)-p < n {
			return errTruncated(i, n, len(b)-p)
		}
		return nil
	}
	var n uint64 // length for sized kinds, set below
	switch {
	case c <= msgpcode.PosFixedNumHigh:
		return head{kind: kindUint, u: uint64(c)}, p, nil
	case c >= msgpcode.NegFixedNumLow:
		return head{kind: kindInt, i: int64(int8(c))}, p, nil
	case c >= msgpcode.FixedMapLow && c <= msgpcode.FixedMapHigh:
		h, n = head{kind: kindMap}, uint64(c&msgpcode.FixedMapMask)
	case c >= msgpcode.FixedArrayLow && c <= msgpcode.FixedArrayHigh:
		h, n = head{kind: kindArray}, uint64(c&msgpcode.FixedArrayMask)
	case c >= msgpcode.FixedStrLow && c <= msgpcode.FixedStrHigh:
		h, n = head{kind: kindStr}, uint64(c&msgpcode.FixedStrMask)
	default:
		switch c {
		case msgpcode.Nil:
			return head{kind: kindNil}, p, nil
		case msgpcode.False, msgpcode.True:
			return head{kind: kindBool, b: c == msgpcode.True}, p, nil
		case msgpcode.Uint8, msgpcode.Int8:
			if err := need(1); err != nil {
				return h, i, err
			}
			if c == msgpcode.Uint8 {
				return head{kind: kindUint, u: uint64(b[p])}, p + 1, nil
			}
			return head{kind: kindInt, i: int64(int8(b[p]))}, p + 1, nil
		case msgpcode.Uint16, msgpcode.Int16:
			if err := need(2); err != nil {
				return h, i, err
			}
			v := binary.BigEndian.Uint16(b[p:])
			if c == msgpcode.Uint16 {
				return head{kind: kindUint, u: uint64(v)}, p + 2, nil
			}
			return head{kind: kindInt, i: int64(int16(v))}, p + 2, nil
		case msgpcode.Uint32, msgpcode.Int32, msgpcode.Float:
			if err := need(4); err != nil {
				return h, i, err
			}
			v := binary.BigEndian.Uint32(b[p:])
			switch c {
			case msgpcode.Uint32:
				return head{kind: kindUint, u: uint64(v)}, p + 4, nil
			case msgpcode.Int32:
				return head{kind: kindInt, i: int64(int32(v))}, p + 4, nil
			}
			return head{kind: kindFloat, f: float64(math.Float32frombits(v))}, p + 4, nil
		case msgpcode.Uint64, msgpcode.Int64, msgpcode.Double:
			if err := need(8); err != nil {
				return h, i, err
			}
			v := binary.BigEndian.Uint64(b[p:])
			switch c {
			case msgpcode.Uint64:
				return head{kind: kindUint, u: v}, p + 8, nil
			case msgpcode.Int64:
				return head{kind: kindInt, i: int64(v)}, p + 8, nil
			}
			return head{kind: kindFloat, f: math.Float64frombits(v)}, p + 8, nil
		case msgpcode.Str8, msgpcode.Bin8, msgpcode.Ext8:
			if err := need(1); err != nil {
				return h, i, err
			}
			n, p = uint64(b[p]), p+1
		case msgpcode.Str16, msgpcode.Bin16, msgpcode.Ext16, msgpcode.Array16, msgpcode.Map16:
			if err := need(2); err != nil {
				return h, i, err
			}
			n, p = uint64(binary.BigEndian.Uint16(b[p:])), p+2
		case msgpcode.Str32, msgpcode.Bin32, msgpcode.Ext32, msgpcode.Array32, msgpcode.Map32:
			if err := need(4); err != nil {
				return h, i, err
			}
			n, p = uint64(binary.BigEndian.Uint32(b[p:])), p+4
		case msgpcode.FixExt1, msgpcode.FixExt2, msgpcode.FixExt4, msgpcode.FixExt8, msgpcode.FixExt16:
			n = 1 << (c - msgpcode.FixExt1)
		default: // 0xc1, never used
			return h, i, fmt.Errorf("%w: byte %d is 0x%02x, which is not a msgpack type code", ErrMalformed, i, c)
		}
		switch c {
		case msgpcode.Str8, msgpcode.Str16, msgpcode.Str32:
			h.kind = kindStr
		case msgpcode.Bin8, msgpcode.Bin16, msgpcode.Bin32:
			h.kind = kindBin
		case msgpcode.Array16, msgpcode.Array32:
			h.kind = kindArray
		case msgpcode.Map16, msgpcode.Map32:
			h.kind = kindMap
		default: // ext: the type byte follows the length
			if err := need(1); err != nil {
				return h, i, err
			}
			typ := int8(b[p])
			p++
			switch {
			case c == msgpcode.FixExt1 && typ == 0:
				// notepack.io's undefined: the data byte is ignored.
				if err := need(1); err != nil {
					return h, i, err
				}
				return head{kind: kindUndefined}, p + 1, nil
			case c == msgpcode.FixExt8 && typ == 0:
				if err := need(8); err != nil {
					return h, i, err
				}
				hi := int64(int32(binary.BigEndian.Uint32(b[p:])))
				lo := int64(binary.BigEndian.Uint32(b[p+4:]))
				return head{kind: kindDate, i: hi<<32 | lo}, p + 8, nil
			case typ == 0 && (c == msgpcode.Ext8 || c == msgpcode.Ext16 || c == msgpcode.Ext32):
				h.kind = kindBin // notepack.io decodes it as an ArrayBuffer
			default:
				h.kind, h.i = kindExt, int64(typ)
			}
		}
	}
	left := uint64(len(b) - p)
	switch h.kind {
	case kindArray:
		if n > left {
			return h, i, fmt.Errorf("%w: the array at byte %d claims %d elements, but only %d bytes follow", ErrMalformed, i, n, left)
		}
	case kindMap:
		if n > left/2 {
			return h, i, fmt.Errorf("%w: the map at byte %d claims %d entries, but only %d bytes follow", ErrMalformed, i, n, left)
		}
	default:
		if n > left {
			return h, i, fmt.Errorf("%w: %s at byte %d claims %d bytes, but only %d follow", ErrMalformed, h.kind, i, n, left)
		}
		h.n, h.start = int(n), p
		return h, p + int(n), nil
	}
	h.n, h.start = int(n), p
	return h, p, nil
}

// skip checks the value at b[i] and returns where it ends.
func skip(b []byte, i, depth int) (int, error) {
	h, next, err := readHead(b, i)
	if err != nil {
		return i, err
	}
	switch h.kind {
	case kindArray, kindMap:
		if depth >= maxDepth {
			return i, fmt.Errorf("%w: nested deeper than %d", ErrMalformed, maxDepth)
		}
		n := h.n
		if h.kind == kindMap {
			n *= 2
		}
		for range n {
			if next, err = skip(b, next, depth+1); err != nil {
				return i, err
			}
		}
	}
	return next, nil
}
