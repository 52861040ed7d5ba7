package redis

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"reflect"
	"slices"

	"github.com/vmihailenco/msgpack/v5"
)

// The values that travel between servers are JavaScript values: nil, bool, float64 or
// int64 numbers, strings, []byte (a Node Buffer), []any and map[string]any. Node writes
// them with notepack.io; writeValue writes them the same way (integers in the smallest
// int format, other numbers as float64, strings as fixstr/str8/16/32, Buffers as bin).

// kv is one key of a map written in a fixed order (Node keeps insertion order).
type kv struct {
	k string
	v any
}

// ordered is a map whose keys are written in order; keys whose value is undefined are
// skipped, as notepack and JSON.stringify skip undefined (nil is written as null).
type ordered []kv

// undefinedT is JavaScript's undefined: a key with this value is not written.
type undefinedT struct{}

func isUndefined(v any) bool { _, ok := v.(undefinedT); return ok }

func encodeMsgpack(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := msgpack.NewEncoder(&buf)
	if err := writeValue(enc, v); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func writeValue(enc *msgpack.Encoder, v any) error {
	switch x := v.(type) {
	case nil:
		return enc.EncodeNil()
	case bool:
		return enc.EncodeBool(x)
	case string:
		return enc.EncodeString(x)
	case []byte:
		return enc.EncodeBytes(x)
	case json.Number:
		if i, err := x.Int64(); err == nil {
			return enc.EncodeInt(i)
		}
		f, err := x.Float64()
		if err != nil {
			return fmt.Errorf("redis: encode number %q: %w", x, err)
		}
		return writeFloat(enc, f)
	case float64:
		return writeFloat(enc, x)
	case float32:
		return writeFloat(enc, float64(x))
	case int:
		return enc.EncodeInt(int64(x))
	case int8:
		return enc.EncodeInt(int64(x))
	case int16:
		return enc.EncodeInt(int64(x))
	case int32:
		return enc.EncodeInt(int64(x))
	case int64:
		return enc.EncodeInt(x)
	case uint:
		return enc.EncodeUint(uint64(x))
	case uint8:
		return enc.EncodeUint(uint64(x))
	case uint16:
		return enc.EncodeUint(uint64(x))
	case uint32:
		return enc.EncodeUint(uint64(x))
	case uint64:
		return enc.EncodeUint(x)
	case []string:
		if err := enc.EncodeArrayLen(len(x)); err != nil {
			return err
		}
		for _, s := range x {
			if err := enc.EncodeString(s); err != nil {
				return err
			}
		}
		return nil
	case []any:
		if err := enc.EncodeArrayLen(len(x)); err != nil {
			return err
		}
		for _, e := range x {
			if err := writeValue(enc, e); err != nil {
				return err
			}
		}
		return nil
	case ordered:
		n := 0
		for _, e := range x {
			if !isUndefined(e.v) {
				n++
			}
		}
		if err := enc.EncodeMapLen(n); err != nil {
			return err
		}
		for _, e := range x {
			if isUndefined(e.v) {
				continue
			}
			if err := enc.EncodeString(e.k); err != nil {
				return err
			}
			if err := writeValue(enc, e.v); err != nil {
				return err
			}
		}
		return nil
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		if err := enc.EncodeMapLen(len(keys)); err != nil {
			return err
		}
		for _, k := range keys {
			if err := enc.EncodeString(k); err != nil {
				return err
			}
			if err := writeValue(enc, x[k]); err != nil {
				return err
			}
		}
		return nil
	default:
		// Any other Go value is first turned into its JSON form, as JSON.stringify
		// would see it.
		js, err := jsValue(v)
		if err != nil {
			return err
		}
		if reflect.TypeOf(js) == reflect.TypeOf(v) {
			return fmt.Errorf("redis: cannot encode %T", v)
		}
		return writeValue(enc, js)
	}
}

// writeFloat writes an integral float as an int and anything else as a float64, as
// notepack.io does.
func writeFloat(enc *msgpack.Encoder, f float64) error {
	if f == math.Trunc(f) && !math.IsInf(f, 0) && math.Abs(f) < 1<<63 {
		return enc.EncodeInt(int64(f))
	}
	return enc.EncodeFloat64(f)
}

// decodeMsgpack decodes one value into the JavaScript shapes above: maps with string
// keys, int64 (uint64 beyond) and float64 numbers, []byte for bin; an extension (which
// Node does not send) decodes to nil. Every length is checked against the bytes left
// before anything is allocated, so a hostile message cannot make it allocate more than
// its own size.
func decodeMsgpack(b []byte) (any, error) {
	d := mpDecoder{b: b}
	v, err := d.value(0)
	if err == nil && d.i != len(d.b) {
		err = fmt.Errorf("%d bytes after the value", len(d.b)-d.i)
	}
	if err != nil {
		return nil, fmt.Errorf("redis: decode msgpack message: %w", err)
	}
	return v, nil
}

const maxDepth = 1000

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
	if depth > maxDepth {
		return nil, fmt.Errorf("nested deeper than %d", maxDepth)
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
		_, err := d.take(1 + 1<<(c-0xd4))
		return nil, err
	case 0xc7, 0xc8, 0xc9: // ext 8/16/32
		n, err := d.uint(1 << (c - 0xc7))
		if err != nil {
			return nil, err
		}
		_, err = d.take(int(min(n, uint64(len(d.b)+1))) + 1)
		return nil, err
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
	out := make(map[string]any, n)
	for range n {
		k, err := d.value(depth + 1)
		if err != nil {
			return nil, err
		}
		v, err := d.value(depth + 1)
		if err != nil {
			return nil, err
		}
		switch key := k.(type) {
		case string:
			out[key] = v
		default:
			out[fmt.Sprint(key)] = v
		}
	}
	return out, nil
}

// MarshalJSON writes the keys in order, skipping undefined values.
func (o ordered) MarshalJSON() ([]byte, error) {
	var buf bytes.Buffer
	buf.WriteByte('{')
	first := true
	for _, e := range o {
		if isUndefined(e.v) {
			continue
		}
		if !first {
			buf.WriteByte(',')
		}
		first = false
		k, _ := json.Marshal(e.k)
		buf.Write(k)
		buf.WriteByte(':')
		v, err := json.Marshal(e.v)
		if err != nil {
			return nil, err
		}
		buf.Write(v)
	}
	buf.WriteByte('}')
	return buf.Bytes(), nil
}

// hasBinary reports whether v holds a []byte at any depth.
func hasBinary(v any) bool {
	switch x := v.(type) {
	case []byte:
		return true
	case []any:
		for _, e := range x {
			if hasBinary(e) {
				return true
			}
		}
	case map[string]any:
		for _, e := range x {
			if hasBinary(e) {
				return true
			}
		}
	case ordered:
		for _, e := range x {
			if hasBinary(e.v) {
				return true
			}
		}
	}
	return false
}
