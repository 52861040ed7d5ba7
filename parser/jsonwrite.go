package parser

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"unicode/utf8"
)

// Writing JSON values as JSON.stringify writes them.

func trimWS(b []byte) []byte {
	i := skipWS(b, 0)
	return trimRightWS(b[i:])
}

func appendInt(b []byte, v any) []byte {
	switch v := v.(type) {
	case int:
		return strconv.AppendInt(b, int64(v), 10)
	case int8:
		return strconv.AppendInt(b, int64(v), 10)
	case int16:
		return strconv.AppendInt(b, int64(v), 10)
	case int32:
		return strconv.AppendInt(b, int64(v), 10)
	case int64:
		return strconv.AppendInt(b, v, 10)
	case uint:
		return strconv.AppendUint(b, uint64(v), 10)
	case uint8:
		return strconv.AppendUint(b, uint64(v), 10)
	case uint16:
		return strconv.AppendUint(b, uint64(v), 10)
	case uint32:
		return strconv.AppendUint(b, uint64(v), 10)
	case uint64:
		return strconv.AppendUint(b, v, 10)
	}
	panic("parser: appendInt called with a non-integer")
}

// appendFloat writes f as JSON.stringify does: encoding/json's format, which follows
// JavaScript's ("1e+21", "1e-7"), except that -0 is "0".
func appendFloat(b []byte, f float64, bits int) ([]byte, error) {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return b, fmt.Errorf("%w: %v has no JSON form", ErrUnsupportedValue, f)
	}
	if f == 0 {
		return append(b, '0'), nil // JSON.stringify(-0) is "0"
	}
	abs := math.Abs(f)
	format := byte('f')
	if abs != 0 {
		if bits == 64 && (abs < 1e-6 || abs >= 1e21) || bits == 32 && (float32(abs) < 1e-6 || float32(abs) >= 1e21) {
			format = 'e'
		}
	}
	b = strconv.AppendFloat(b, f, format, -1, bits)
	if format == 'e' {
		// clean up e-09 to e-9
		n := len(b)
		if n >= 4 && b[n-4] == 'e' && b[n-3] == '-' && b[n-2] == '0' {
			b[n-2] = b[n-1]
			b = b[:n-1]
		}
	}
	return b, nil
}

func appendNumber(b []byte, n json.Number) ([]byte, error) {
	s := scanner{data: []byte(n)}
	if len(n) == 0 {
		return b, fmt.Errorf("%w: empty json.Number", ErrUnsupportedValue)
	}
	if end, err := s.number(0); err != nil || end != len(n) {
		return b, fmt.Errorf("%w: json.Number %q is not a JSON number", ErrUnsupportedValue, string(n))
	}
	return append(b, n...), nil
}

// escapeLen[c] is the length of ASCII byte c inside a JSON.stringify string.
var escapeLen = func() (t [utf8.RuneSelf]uint8) {
	for c := range t {
		switch {
		case c == '"' || c == '\\' || c == '\b' || c == '\f' || c == '\n' || c == '\r' || c == '\t':
			t[c] = 2
		case c < 0x20:
			t[c] = 6
		default:
			t[c] = 1
		}
	}
	return t
}()

// quotedLen returns len(appendQuoted(nil, s)).
func quotedLen(s string) int {
	n := 2
	for {
		k := plainLen(s)
		n += k
		s = s[k:]
		if len(s) == 0 {
			return n
		}
		if c := s[0]; c < utf8.RuneSelf {
			n += int(escapeLen[c])
			s = s[1:]
			continue
		}
		r, size := utf8.DecodeRuneInString(s)
		if r == utf8.RuneError && size == 1 {
			n += 3 // U+FFFD
		} else {
			n += size
		}
		s = s[size:]
	}
}

const hexDigits = "0123456789abcdef"

// appendQuoted writes s as JSON.stringify writes a string: only '"', '\\' and
// control characters are escaped (U+2028, U+2029, <, >, & are not); invalid UTF-8
// bytes become U+FFFD, as when Node decodes them.
func appendQuoted(b []byte, s string) []byte {
	k := 0
	if len(s) < 8 { // short: no call
		for k < len(s) && plainByte[s[k]] {
			k++
		}
	} else {
		k = plainLen(s)
	}
	if k == len(s) {
		b = append(b, '"')
		b = append(b, s...)
		return append(b, '"')
	}
	b = append(b, '"')
	for {
		k := plainLen(s)
		b = append(b, s[:k]...)
		s = s[k:]
		if len(s) == 0 {
			return append(b, '"')
		}
		c := s[0]
		if c < utf8.RuneSelf {
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			s = s[1:]
			continue
		}
		r, size := utf8.DecodeRuneInString(s)
		if r == utf8.RuneError && size == 1 {
			b = append(b, "\uFFFD"...)
		} else {
			b = append(b, s[:size]...)
		}
		s = s[size:]
	}
}
