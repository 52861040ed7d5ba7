package jsvalue

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"reflect"
	"time"
)

// EncodeMsgpack writes v as notepack.io writes the same JavaScript value: integers in
// the smallest int format, other numbers as float 64, strings as fixstr/str 8/16/32,
// binary as bin 8/16/32, Object keys in order (undefined ones skipped), map[string]any
// keys sorted (it has no order); any other Go value is first turned into its JSON form
// (see FromGo).
func EncodeMsgpack(v any) ([]byte, error) {
	return appendMsgpack(make([]byte, 0, 64), v, 0)
}

func appendMsgpack(b []byte, v any, depth int) ([]byte, error) {
	if depth > MaxDepth {
		return nil, fmt.Errorf("value nested deeper than %d", MaxDepth)
	}
	switch x := v.(type) {
	case nil, Undefined:
		return append(b, 0xc0), nil
	case bool:
		if x {
			return append(b, 0xc3), nil
		}
		return append(b, 0xc2), nil
	case string:
		return appendStr(b, x), nil
	case []byte:
		return appendBin(b, x), nil
	case json.Number:
		if i, err := x.Int64(); err == nil {
			return appendInt(b, i), nil
		}
		f, err := x.Float64()
		if err != nil {
			return nil, fmt.Errorf("encode number %q: %w", x, err)
		}
		return appendFloat(b, f), nil
	case float64:
		return appendFloat(b, x), nil
	case float32:
		return appendFloat(b, float64(x)), nil
	case int:
		return appendInt(b, int64(x)), nil
	case int8:
		return appendInt(b, int64(x)), nil
	case int16:
		return appendInt(b, int64(x)), nil
	case int32:
		return appendInt(b, int64(x)), nil
	case int64:
		return appendInt(b, x), nil
	case uint:
		return appendUint(b, uint64(x)), nil
	case uint8:
		return appendUint(b, uint64(x)), nil
	case uint16:
		return appendUint(b, uint64(x)), nil
	case uint32:
		return appendUint(b, uint64(x)), nil
	case uint64:
		return appendUint(b, x), nil
	case []string:
		b = appendHeader(b, len(x), 0x90, 0xdc)
		for _, s := range x {
			b = appendStr(b, s)
		}
		return b, nil
	case []any:
		b = appendHeader(b, len(x), 0x90, 0xdc)
		for _, e := range x {
			var err error
			if b, err = appendMsgpack(b, e, depth+1); err != nil {
				return nil, err
			}
		}
		return b, nil
	case Object:
		n := 0
		for _, e := range x {
			if !IsUndefined(e.Value) {
				n++
			}
		}
		b = appendHeader(b, n, 0x80, 0xde)
		for _, e := range x {
			if IsUndefined(e.Value) {
				continue
			}
			b = appendStr(b, e.Key)
			var err error
			if b, err = appendMsgpack(b, e.Value, depth+1); err != nil {
				return nil, err
			}
		}
		return b, nil
	case map[string]any:
		return appendMsgpack(b, sortedObject(x), depth)
	default:
		// Any other Go value is first turned into its JSON form, as JSON.stringify
		// would see it.
		js, err := FromGo(v)
		if err != nil {
			return nil, err
		}
		if reflect.TypeOf(js) == reflect.TypeOf(v) {
			return nil, fmt.Errorf("cannot encode %T", v)
		}
		return appendMsgpack(b, js, depth)
	}
}

// appendHeader writes the header of an array or map of n elements: the fix form
// (fix|n) below 16, else the 16-bit form (code16) or the 32-bit one (code16+1).
func appendHeader(b []byte, n int, fix, code16 byte) []byte {
	switch {
	case n < 16:
		return append(b, fix|byte(n))
	case n <= math.MaxUint16:
		return binary.BigEndian.AppendUint16(append(b, code16), uint16(n))
	default:
		return binary.BigEndian.AppendUint32(append(b, code16+1), uint32(n))
	}
}

func appendStr(b []byte, s string) []byte {
	n := len(s)
	switch {
	case n < 32:
		b = append(b, 0xa0|byte(n))
	case n <= math.MaxUint8:
		b = append(b, 0xd9, byte(n))
	case n <= math.MaxUint16:
		b = binary.BigEndian.AppendUint16(append(b, 0xda), uint16(n))
	default:
		b = binary.BigEndian.AppendUint32(append(b, 0xdb), uint32(n))
	}
	return append(b, s...)
}

func appendBin(b []byte, p []byte) []byte {
	n := len(p)
	switch {
	case n <= math.MaxUint8:
		b = append(b, 0xc4, byte(n))
	case n <= math.MaxUint16:
		b = binary.BigEndian.AppendUint16(append(b, 0xc5), uint16(n))
	default:
		b = binary.BigEndian.AppendUint32(append(b, 0xc6), uint32(n))
	}
	return append(b, p...)
}

func appendUint(b []byte, u uint64) []byte {
	switch {
	case u < 128:
		return append(b, byte(u))
	case u <= math.MaxUint8:
		return append(b, 0xcc, byte(u))
	case u <= math.MaxUint16:
		return binary.BigEndian.AppendUint16(append(b, 0xcd), uint16(u))
	case u <= math.MaxUint32:
		return binary.BigEndian.AppendUint32(append(b, 0xce), uint32(u))
	default:
		return binary.BigEndian.AppendUint64(append(b, 0xcf), u)
	}
}

func appendInt(b []byte, i int64) []byte {
	switch {
	case i >= 0:
		return appendUint(b, uint64(i))
	case i >= -32:
		return append(b, byte(i))
	case i >= math.MinInt8:
		return append(b, 0xd0, byte(i))
	case i >= math.MinInt16:
		return binary.BigEndian.AppendUint16(append(b, 0xd1), uint16(i))
	case i >= math.MinInt32:
		return binary.BigEndian.AppendUint32(append(b, 0xd2), uint32(i))
	default:
		return binary.BigEndian.AppendUint64(append(b, 0xd3), uint64(i))
	}
}

// appendFloat writes an integral number as an int (-0 as 0) and anything else as a
// float 64, as notepack.io does. (@msgpack/msgpack, Node's Postgres adapter's codec,
// writes integers beyond 2^53 as float 64 instead; both read back as the same Number.)
func appendFloat(b []byte, f float64) []byte {
	if f == math.Trunc(f) && !math.IsInf(f, 0) && math.Abs(f) < 1<<63 {
		return appendInt(b, int64(f))
	}
	return binary.BigEndian.AppendUint64(append(b, 0xcb), math.Float64bits(f))
}

// DecodeMsgpack decodes one MessagePack value (as notepack.io or @msgpack/msgpack
// write it) into the JavaScript shapes of this package: maps as Object (keys in the
// order a JavaScript object gives them), int64 (uint64 beyond) and float64 numbers,
// []byte for bin, and the extensions as extValue says (a Date becomes its JSON string).
// Every length is checked against the bytes left before anything is allocated, so a
// hostile message cannot make it allocate more than its own size.
func DecodeMsgpack(b []byte) (any, error) {
	d := mpDecoder{b: b}
	v, err := d.value(0)
	if err == nil && d.i != len(d.b) {
		err = fmt.Errorf("%d bytes after the value", len(d.b)-d.i)
	}
	if err != nil {
		return nil, fmt.Errorf("decode msgpack message: %w", err)
	}
	return v, nil
}

// MaxDepth is the deepest nesting of arrays and maps the decoders accept; deeper input
// is refused (a hostile message cannot exhaust the stack).
const MaxDepth = 1000

type mpDecoder struct {
	b []byte
	i int
}

var errShort = errors.New("message ends early")

func (d *mpDecoder) take(n int) ([]byte, error) {
	if n < 0 || n > len(d.b)-d.i {
		return nil, errShort
	}
	s := d.b[d.i : d.i+n]
	d.i += n
	return s, nil
}

func (d *mpDecoder) uint(n int) (uint64, error) {
	s, err := d.take(n)
	if err != nil {
		return 0, err
	}
	var u uint64
	for _, c := range s {
		u = u<<8 | uint64(c)
	}
	return u, nil
}

func (d *mpDecoder) value(depth int) (any, error) {
	if depth > MaxDepth {
		return nil, fmt.Errorf("nested deeper than %d", MaxDepth)
	}
	s, err := d.take(1)
	if err != nil {
		return nil, err
	}
	c := s[0]
	switch {
	case c <= 0x7f:
		return int64(c), nil
	case c >= 0xe0:
		return int64(int8(c)), nil
	case c&0xf0 == 0x80:
		return d.mapN(int(c&0x0f), depth)
	case c&0xf0 == 0x90:
		return d.arrayN(int(c&0x0f), depth)
	case c&0xe0 == 0xa0:
		return d.str(int(c & 0x1f))
	}
	switch c {
	case 0xc0:
		return nil, nil
	case 0xc2:
		return false, nil
	case 0xc3:
		return true, nil
	case 0xc4, 0xc5, 0xc6:
		n, err := d.uint(1 << (c - 0xc4))
		if err != nil {
			return nil, err
		}
		b, err := d.take(int(min(n, uint64(len(d.b)+1))))
		if err != nil {
			return nil, err
		}
		return bytes.Clone(b), nil
	case 0xca:
		u, err := d.uint(4)
		return float64(math.Float32frombits(uint32(u))), err
	case 0xcb:
		u, err := d.uint(8)
		return math.Float64frombits(u), err
	case 0xcc, 0xcd, 0xce, 0xcf:
		u, err := d.uint(1 << (c - 0xcc))
		if err != nil {
			return nil, err
		}
		if u > math.MaxInt64 {
			return u, nil
		}
		return int64(u), nil
	case 0xd0, 0xd1, 0xd2, 0xd3:
		n := 1 << (c - 0xd0)
		u, err := d.uint(n)
		if err != nil {
			return nil, err
		}
		shift := 64 - 8*n
		return int64(u<<shift) >> shift, nil
	case 0xd4, 0xd5, 0xd6, 0xd7, 0xd8: // fixext: type byte + 1..16 bytes
		s, err := d.take(1 + 1<<(c-0xd4))
		if err != nil {
			return nil, err
		}
		return extValue(int8(s[0]), s[1:], true), nil
	case 0xc7, 0xc8, 0xc9: // ext 8/16/32
		n, err := d.uint(1 << (c - 0xc7))
		if err != nil {
			return nil, err
		}
		s, err := d.take(int(min(n, uint64(len(d.b)+1))) + 1)
		if err != nil {
			return nil, err
		}
		return extValue(int8(s[0]), s[1:], false), nil
	case 0xd9, 0xda, 0xdb:
		n, err := d.uint(1 << (c - 0xd9))
		if err != nil {
			return nil, err
		}
		return d.str(int(min(n, uint64(len(d.b)+1))))
	case 0xdc, 0xdd:
		n, err := d.uint(2 << (c - 0xdc))
		if err != nil {
			return nil, err
		}
		return d.arrayN(int(min(n, uint64(len(d.b)+1))), depth)
	case 0xde, 0xdf:
		n, err := d.uint(2 << (c - 0xde))
		if err != nil {
			return nil, err
		}
		return d.mapN(int(min(n, uint64(len(d.b)+1))), depth)
	}
	return nil, fmt.Errorf("unknown msgpack code 0x%02x", c)
}

func (d *mpDecoder) str(n int) (any, error) {
	b, err := d.take(n)
	if err != nil {
		return nil, err
	}
	return string(b), nil
}

// arrayN and mapN check that n elements can fit (each takes at least one byte) before
// allocating.
func (d *mpDecoder) arrayN(n, depth int) (any, error) {
	if n > len(d.b)-d.i {
		return nil, errShort
	}
	out := make([]any, n)
	for k := range out {
		v, err := d.value(depth + 1)
		if err != nil {
			return nil, err
		}
		out[k] = v
	}
	return out, nil
}

func (d *mpDecoder) mapN(n, depth int) (any, error) {
	if 2*n > len(d.b)-d.i {
		return nil, errShort
	}
	var o objectBuilder
	o.grow(n)
	for range n {
		k, err := d.value(depth + 1)
		if err != nil {
			return nil, err
		}
		v, err := d.value(depth + 1)
		if err != nil {
			return nil, err
		}
		var key string
		switch x := k.(type) {
		case string:
			key = x
		case nil:
			key = "null"
		case float64:
			key = jsNumberString(x)
		default:
			key = fmt.Sprint(x)
		}
		o.set(key, v)
	}
	return o.done(), nil
}

// jsNumberString is String(f) in JavaScript.
func jsNumberString(f float64) string {
	switch {
	case math.IsNaN(f):
		return "NaN"
	case math.IsInf(f, 1):
		return "Infinity"
	case math.IsInf(f, -1):
		return "-Infinity"
	}
	return string(AppendFloat(nil, f))
}

// extValue is the value notepack.io 3.0.1 decodes for an extension of type t with
// data b (fixed tells a fixext from an ext 8/16/32): a timestamp (type -1) or
// notepack's old Date (fixext 8 of type 0) is a Date, written as its toJSON string; a
// fixext 1 of type 0 is undefined; an ext 8/16/32 of type 0 is an ArrayBuffer (binary);
// any other is [type, Buffer].
func extValue(t int8, b []byte, fixed bool) any {
	switch {
	case t == -1:
		if ms, ok := timestampMillis(b); ok {
			return jsDate(ms)
		}
	case t == 0 && fixed && len(b) == 1:
		return Undefined{}
	case t == 0 && fixed && len(b) == 8:
		hi := int64(int32(binary.BigEndian.Uint32(b)))
		return jsDate(hi<<32 + int64(binary.BigEndian.Uint32(b[4:])))
	case t == 0 && !fixed:
		return bytes.Clone(b)
	}
	return []any{int64(t), bytes.Clone(b)}
}

// timestampMillis reads a msgpack timestamp (32, 64 or 96 bits) as the milliseconds of
// a JavaScript Date.
func timestampMillis(b []byte) (int64, bool) {
	switch len(b) {
	case 4:
		return int64(binary.BigEndian.Uint32(b)) * 1000, true
	case 8:
		hi := binary.BigEndian.Uint32(b)
		ns := int64(hi >> 2)
		s := int64(hi&3)<<32 | int64(binary.BigEndian.Uint32(b[4:]))
		return s*1000 + ns/1e6, true
	case 12:
		ns := int64(binary.BigEndian.Uint32(b))
		s := int64(binary.BigEndian.Uint64(b[4:]))
		return s*1000 + ns/1e6, true
	}
	return 0, false
}

// jsDate is what JSON.stringify writes for a Date of ms milliseconds since the epoch:
// its ISO string, or null when the Date is invalid (beyond ±8.64e15 ms).
func jsDate(ms int64) any {
	if ms > 8.64e15 || ms < -8.64e15 {
		return nil
	}
	t := time.UnixMilli(ms).UTC()
	if y := t.Year(); y < 0 || y > 9999 {
		sign := "+"
		if y < 0 {
			sign, y = "-", -y
		}
		return fmt.Sprintf("%s%06d-%s", sign, y, t.Format("01-02T15:04:05.000Z"))
	}
	return t.Format("2006-01-02T15:04:05.000Z")
}

// HasBinary reports whether v holds a []byte at any depth.
func HasBinary(v any) bool {
	switch x := v.(type) {
	case []byte:
		return true
	case []any:
		for _, e := range x {
			if HasBinary(e) {
				return true
			}
		}
	case map[string]any:
		for _, e := range x {
			if HasBinary(e) {
				return true
			}
		}
	case Object:
		for _, e := range x {
			if HasBinary(e.Value) {
				return true
			}
		}
	}
	return false
}
