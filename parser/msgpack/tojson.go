package msgpack

import (
	"fmt"
	"math"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/gosockio/gosockio/parser"
)

// converter turns the msgpack data of a packet into the JSON a socket.io-parser
// packet would carry: the value JSON.stringify would write for what notepack.io
// decodes, with every binary value replaced by a placeholder and collected in atts.
//
//	msgpack                         JSON
//	nil, bool, str                  null, true/false, string (invalid UTF-8 as U+FFFD)
//	int, uint                       the integer, exactly
//	float 32/64                     the number (NaN and ±Infinity as null)
//	bin, ext 8/16/32 of type 0      {"_placeholder":true,"num":N}
//	fixext 1 of type 0 (undefined)  null in an array, left out in a map
//	fixext 8 of type 0 (Date)       its toJSON string, "2024-01-02T03:04:05.678Z"
//	other ext                       [type, {"_placeholder":true,"num":N}]
//	array, map                      array, object (keys: strings; numbers, nil and
//	                                booleans as String() writes them)
type converter struct {
	b         []byte
	atts      [][]byte
	max       int  // Options.MaxAttachments
	literalPH bool // a map with "_placeholder": true was seen
}

// value appends the JSON for the value at c.b[i] and returns where it ends. undef
// reports an undefined, for which nothing was appended.
func (c *converter) value(dst []byte, i, depth int) (out []byte, next int, undef bool, err error) {
	h, next, err := readHead(c.b, i)
	if err != nil {
		return dst, i, false, err
	}
	switch h.kind {
	case kindNil:
		dst = append(dst, "null"...)
	case kindBool:
		dst = strconv.AppendBool(dst, h.b)
	case kindInt:
		dst = strconv.AppendInt(dst, h.i, 10)
	case kindUint:
		dst = strconv.AppendUint(dst, h.u, 10)
	case kindFloat:
		dst = appendJSONFloat(dst, h.f)
	case kindStr:
		dst = appendJSONString(dst, c.b[h.start:h.start+h.n])
	case kindBin:
		if dst, err = c.attach(dst, c.b[h.start:h.start+h.n:h.start+h.n]); err != nil {
			return dst, i, false, err
		}
	case kindUndefined:
		return dst, next, true, nil
	case kindDate:
		dst = appendDate(dst, h.i)
	case kindExt:
		dst = append(dst, '[')
		dst = strconv.AppendInt(dst, h.i, 10)
		dst = append(dst, ',')
		if dst, err = c.attach(dst, c.b[h.start:h.start+h.n:h.start+h.n]); err != nil {
			return dst, i, false, err
		}
		dst = append(dst, ']')
	case kindArray:
		if depth >= maxDepth {
			return dst, i, false, fmt.Errorf("%w: nested deeper than %d", ErrMalformed, maxDepth)
		}
		dst = append(dst, '[')
		for k := range h.n {
			if k > 0 {
				dst = append(dst, ',')
			}
			var u bool
			if dst, next, u, err = c.value(dst, next, depth+1); err != nil {
				return dst, i, false, err
			}
			if u {
				dst = append(dst, "null"...) // JSON.stringify writes undefined as null in arrays
			}
		}
		dst = append(dst, ']')
	case kindMap:
		if depth >= maxDepth {
			return dst, i, false, fmt.Errorf("%w: nested deeper than %d", ErrMalformed, maxDepth)
		}
		dst = append(dst, '{')
		first := true
		for range h.n {
			mark := len(dst)
			if !first {
				dst = append(dst, ',')
			}
			var isPH bool
			if dst, next, isPH, err = c.key(dst, next); err != nil {
				return dst, i, false, err
			}
			dst = append(dst, ':')
			vAt := next
			var u bool
			if dst, next, u, err = c.value(dst, next, depth+1); err != nil {
				return dst, i, false, err
			}
			if u {
				dst = dst[:mark] // JSON.stringify leaves out undefined properties
				continue
			}
			if isPH && c.b[vAt] == 0xc3 {
				c.literalPH = true
			}
			first = false
		}
		dst = append(dst, '}')
	}
	return dst, next, false, nil
}

// key appends a map key as a JSON string, converted as JavaScript converts a
// property key (String(key)); isPH reports the key "_placeholder".
func (c *converter) key(dst []byte, i int) (out []byte, next int, isPH bool, err error) {
	h, next, err := readHead(c.b, i)
	if err != nil {
		return dst, i, false, err
	}
	switch h.kind {
	case kindStr:
		k := c.b[h.start : h.start+h.n]
		return appendJSONString(dst, k), next, string(k) == "_placeholder", nil
	case kindNil:
		return append(dst, `"null"`...), next, false, nil
	case kindUndefined:
		return append(dst, `"undefined"`...), next, false, nil
	case kindBool:
		return append(strconv.AppendBool(append(dst, '"'), h.b), '"'), next, false, nil
	case kindInt, kindUint, kindFloat:
		v, _ := h.number()
		return append(append(append(dst, '"'), jsNumber(v)...), '"'), next, false, nil
	}
	return dst, i, false, fmt.Errorf("%w: a map key at byte %d is %s; only strings, numbers, booleans and nil are accepted as keys", ErrMalformed, i, h.kind)
}

func (c *converter) attach(dst []byte, v []byte) ([]byte, error) {
	if c.max > 0 && len(c.atts) >= c.max {
		return dst, fmt.Errorf("%w: more than MaxAttachments (%d) binary values", parser.ErrTooManyAttachments, c.max)
	}
	dst = append(dst, `{"_placeholder":true,"num":`...)
	dst = strconv.AppendInt(dst, int64(len(c.atts)), 10)
	dst = append(dst, '}')
	c.atts = append(c.atts, v)
	return dst, nil
}

// appendJSONFloat writes f as JSON; NaN and ±Inf, which JSON cannot hold, as null
// (as JSON.stringify does), other numbers as JavaScript prints them.
func appendJSONFloat(dst []byte, f float64) []byte {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return append(dst, "null"...)
	}
	return append(dst, jsNumber(f)...) // -0 as 0, as JSON.stringify writes it
}

// jsNumber formats v as JavaScript's String(v) does (for a property key).
func jsNumber(v float64) string {
	switch {
	case math.IsNaN(v):
		return "NaN"
	case math.IsInf(v, 1):
		return "Infinity"
	case math.IsInf(v, -1):
		return "-Infinity"
	case v == 0:
		return "0"
	}
	abs := math.Abs(v)
	if abs >= 1e21 || abs < 1e-6 {
		s := strconv.FormatFloat(v, 'e', -1, 64) // 1e+21, 1.5e-7
		// JavaScript writes the exponent without leading zeros: 1e-7, not 1e-07.
		for i := 0; i < len(s); i++ {
			if s[i] == 'e' && i+2 < len(s) && s[i+2] == '0' && i+3 < len(s) {
				s = s[:i+2] + s[i+3:]
				break
			}
		}
		return s
	}
	return strconv.FormatFloat(v, 'f', -1, 64)
}

// appendDate writes the JSON of a JavaScript Date: toISOString, or null for a time
// outside the Date range (an Invalid Date).
func appendDate(dst []byte, ms int64) []byte {
	const maxDate = 8.64e15
	if ms > maxDate || ms < -maxDate {
		return append(dst, "null"...)
	}
	t := time.UnixMilli(ms).UTC()
	dst = append(dst, '"')
	if y := t.Year(); y < 0 || y > 9999 {
		sign := byte('+')
		if y < 0 {
			sign, y = '-', -y
		}
		dst = append(dst, sign)
		dst = fmt.Appendf(dst, "%06d", y)
		dst = t.AppendFormat(dst, "-01-02T15:04:05.000Z")
	} else {
		dst = t.AppendFormat(dst, "2006-01-02T15:04:05.000Z")
	}
	return append(dst, '"')
}

const hexDigits = "0123456789abcdef"

// appendJSONString writes s as a JSON string as JSON.stringify does (no HTML
// escaping), with invalid UTF-8 as U+FFFD.
func appendJSONString(dst, s []byte) []byte {
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			switch c {
			case '"', '\\':
				dst = append(dst, '\\', c)
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			case '\b':
				dst = append(dst, '\\', 'b')
			case '\f':
				dst = append(dst, '\\', 'f')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRune(s[i:])
		if r == utf8.RuneError && size == 1 {
			dst = append(dst, s[start:i]...)
			dst = append(dst, "\uFFFD"...)
			i++
			start = i
			continue
		}
		i += size
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}
