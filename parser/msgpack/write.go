package msgpack

import (
	"math"
	"unicode/utf8"

	"github.com/vmihailenco/msgpack/v5/msgpcode"
)

// The append functions below write msgpack values the way notepack.io 2.2 (the
// codec of socket.io-msgpack-parser 3.0.2) writes the JavaScript value: integers in
// the smallest form (non-negative ones as fixint or uint 8/16/32/64, negative ones as
// negative fixint or int 8/16/32/64), other numbers as float 64, strings as fixstr or
// str 8/16/32, binary as bin 8/16/32, undefined as fixext 1 type 0.

func appendUint(b []byte, v uint64) []byte {
	switch {
	case v <= uint64(msgpcode.PosFixedNumHigh):
		return append(b, byte(v))
	case v <= math.MaxUint8:
		return append(b, msgpcode.Uint8, byte(v))
	case v <= math.MaxUint16:
		return append(b, msgpcode.Uint16, byte(v>>8), byte(v))
	case v <= math.MaxUint32:
		return append(b, msgpcode.Uint32, byte(v>>24), byte(v>>16), byte(v>>8), byte(v))
	}
	return append(b, msgpcode.Uint64, byte(v>>56), byte(v>>48), byte(v>>40), byte(v>>32),
		byte(v>>24), byte(v>>16), byte(v>>8), byte(v))
}

func appendInt(b []byte, v int64) []byte {
	switch {
	case v >= 0:
		return appendUint(b, uint64(v))
	case v >= -32:
		return append(b, byte(v))
	case v >= math.MinInt8:
		return append(b, msgpcode.Int8, byte(v))
	case v >= math.MinInt16:
		return append(b, msgpcode.Int16, byte(v>>8), byte(v))
	case v >= math.MinInt32:
		return append(b, msgpcode.Int32, byte(v>>24), byte(v>>16), byte(v>>8), byte(v))
	}
	return append(b, msgpcode.Int64, byte(v>>56), byte(v>>48), byte(v>>40), byte(v>>32),
		byte(v>>24), byte(v>>16), byte(v>>8), byte(v))
}

// appendNumber writes a JavaScript number: an integral finite value as an integer
// (so 1.0 and -0 are written 0x01 and 0x00, as notepack.io does), anything else as
// float 64. Integral values outside the int64/uint64 range, which notepack.io
// cannot write correctly either, are written as float 64.
func appendNumber(b []byte, f float64) []byte {
	if f == math.Trunc(f) && !math.IsInf(f, 0) {
		switch {
		case f >= 0 && f < 1<<64:
			return appendUint(b, uint64(f))
		case f < 0 && f >= -(1<<63):
			return appendInt(b, int64(f))
		}
	}
	u := math.Float64bits(f)
	return append(b, msgpcode.Double, byte(u>>56), byte(u>>48), byte(u>>40), byte(u>>32),
		byte(u>>24), byte(u>>16), byte(u>>8), byte(u))
}

func appendStrHeader(b []byte, n int) []byte {
	switch {
	case n < 32:
		return append(b, msgpcode.FixedStrLow|byte(n))
	case n <= math.MaxUint8:
		return append(b, msgpcode.Str8, byte(n))
	case n <= math.MaxUint16:
		return append(b, msgpcode.Str16, byte(n>>8), byte(n))
	}
	return append(b, msgpcode.Str32, byte(n>>24), byte(n>>16), byte(n>>8), byte(n))
}

// appendString writes s as a msgpack str. Invalid UTF-8 is written as U+FFFD, one per
// invalid byte, as a JavaScript string holds only valid text.
func appendString(b []byte, s string) []byte {
	if utf8.ValidString(s) {
		b = appendStrHeader(b, len(s))
		return append(b, s...)
	}
	n := 0
	for _, r := range s { // invalid bytes come out as RuneError (3 bytes)
		n += utf8.RuneLen(r)
	}
	b = appendStrHeader(b, n)
	for _, r := range s {
		b = utf8.AppendRune(b, r)
	}
	return b
}

func appendBin(b []byte, v []byte) []byte {
	n := len(v)
	switch {
	case n <= math.MaxUint8:
		b = append(b, msgpcode.Bin8, byte(n))
	case n <= math.MaxUint16:
		b = append(b, msgpcode.Bin16, byte(n>>8), byte(n))
	default:
		b = append(b, msgpcode.Bin32, byte(n>>24), byte(n>>16), byte(n>>8), byte(n))
	}
	return append(b, v...)
}

func appendArrayHeader(b []byte, n int) []byte {
	switch {
	case n < 16:
		return append(b, msgpcode.FixedArrayLow|byte(n))
	case n <= math.MaxUint16:
		return append(b, msgpcode.Array16, byte(n>>8), byte(n))
	}
	return append(b, msgpcode.Array32, byte(n>>24), byte(n>>16), byte(n>>8), byte(n))
}

func appendMapHeader(b []byte, n int) []byte {
	switch {
	case n < 16:
		return append(b, msgpcode.FixedMapLow|byte(n))
	case n <= math.MaxUint16:
		return append(b, msgpcode.Map16, byte(n>>8), byte(n))
	}
	return append(b, msgpcode.Map32, byte(n>>24), byte(n>>16), byte(n>>8), byte(n))
}

func appendBool(b []byte, v bool) []byte {
	if v {
		return append(b, msgpcode.True)
	}
	return append(b, msgpcode.False)
}
