package parser

import (
	"math"
	"strconv"
	"strings"
	"unicode/utf8"
)

// The header of a socket.io packet is read by socket.io-parser with JavaScript's
// Number(): the type character, the attachment count and the ack id. These helpers
// reproduce what Number() accepts so that we decode exactly the headers Node decodes.

// isJSSpace reports whether r is a JavaScript WhiteSpace or LineTerminator, the
// characters Number() trims (ECMA-262 StrWhiteSpaceChar).
func isJSSpace(r rune) bool {
	switch r {
	case '\t', '\n', '\v', '\f', '\r', ' ', 0xA0, 0x1680, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000, 0xFEFF:
		return true
	}
	return r >= 0x2000 && r <= 0x200A
}

// jsSpaceAt returns the byte length of the JavaScript whitespace character at
// b[i:], or 0 when there is none.
func jsSpaceAt(b []byte, i int) int {
	if i >= len(b) {
		return 0
	}
	if c := b[i]; c < utf8.RuneSelf {
		if isJSSpace(rune(c)) {
			return 1
		}
		return 0
	}
	r, n := utf8.DecodeRune(b[i:])
	if r == utf8.RuneError || !isJSSpace(r) {
		return 0
	}
	return n
}

// trimJSSpace trims JavaScript whitespace from both ends of b.
func trimJSSpace(b []byte) []byte {
	for len(b) > 0 {
		n := jsSpaceAt(b, 0)
		if n == 0 {
			break
		}
		b = b[n:]
	}
	for len(b) > 0 {
		r, n := utf8.DecodeLastRune(b)
		if r == utf8.RuneError || !isJSSpace(r) {
			break
		}
		b = b[:len(b)-n]
	}
	return b
}

// jsNumber converts b as JavaScript's Number(string) does (ECMA-262
// StringToNumber); ok is false where Number() returns NaN.
func jsNumber(b []byte) (f float64, ok bool) {
	if n, ok := smallUint(b); ok {
		return float64(n), true // the common "1": no trimming, no ParseFloat
	}
	b = trimJSSpace(b)
	if len(b) == 0 {
		return 0, true
	}
	if len(b) > 2 && b[0] == '0' {
		base := 0
		switch b[1] {
		case 'x', 'X':
			base = 16
		case 'o', 'O':
			base = 8
		case 'b', 'B':
			base = 2
		}
		if base != 0 {
			for _, c := range b[2:] {
				d := digitVal(c)
				if d >= base {
					return 0, false
				}
				f = f*float64(base) + float64(d)
			}
			return f, true
		}
	}
	s := b
	sign := 1.0
	if s[0] == '+' || s[0] == '-' {
		if s[0] == '-' {
			sign = -1
		}
		s = s[1:]
	}
	if string(s) == "Infinity" {
		return sign * math.Inf(1), true
	}
	// StrUnsignedDecimalLiteral: digits [. [digits]] [exp] | . digits [exp]
	i, intDigits, fracDigits := 0, 0, 0
	for i < len(s) && isDigit(s[i]) {
		i++
		intDigits++
	}
	if i < len(s) && s[i] == '.' {
		i++
		for i < len(s) && isDigit(s[i]) {
			i++
			fracDigits++
		}
	}
	if intDigits+fracDigits == 0 {
		return 0, false
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		expDigits := 0
		for i < len(s) && isDigit(s[i]) {
			i++
			expDigits++
		}
		if expDigits == 0 {
			return 0, false
		}
	}
	if i != len(s) {
		return 0, false
	}
	v, err := strconv.ParseFloat(string(b), 64)
	if err != nil {
		// Only range errors remain: ParseFloat returns ±Inf or ±0, as Number() does.
		if ne, isNum := err.(*strconv.NumError); !isNum || ne.Err != strconv.ErrRange {
			return 0, false
		}
	}
	return v, true
}

func digitVal(c byte) int {
	switch {
	case c >= '0' && c <= '9':
		return int(c - '0')
	case c >= 'a' && c <= 'z':
		return int(c-'a') + 10
	case c >= 'A' && c <= 'Z':
		return int(c-'A') + 10
	}
	return 99
}

// jsNumberString formats f as JavaScript's Number.prototype.toString() does
// (ECMA-262 Number::toString with radix 10).
func jsNumberString(f float64) string {
	switch {
	case math.IsNaN(f):
		return "NaN"
	case math.IsInf(f, 1):
		return "Infinity"
	case math.IsInf(f, -1):
		return "-Infinity"
	case f == 0:
		return "0"
	}
	var sb strings.Builder
	if f < 0 {
		sb.WriteByte('-')
		f = -f
	}
	e := strconv.FormatFloat(f, 'e', -1, 64) // d.ddde±XX
	mant, exp, _ := strings.Cut(e, "e")
	digits := strings.Replace(mant, ".", "", 1)
	x, _ := strconv.Atoi(exp)
	k, n := len(digits), x+1
	switch {
	case k <= n && n <= 21:
		sb.WriteString(digits)
		sb.WriteString(strings.Repeat("0", n-k))
	case 0 < n && n <= 21:
		sb.WriteString(digits[:n])
		sb.WriteByte('.')
		sb.WriteString(digits[n:])
	case -6 < n && n <= 0:
		sb.WriteString("0.")
		sb.WriteString(strings.Repeat("0", -n))
		sb.WriteString(digits)
	default:
		sb.WriteByte(digits[0])
		if k > 1 {
			sb.WriteByte('.')
			sb.WriteString(digits[1:])
		}
		sb.WriteByte('e')
		if n-1 >= 0 {
			sb.WriteByte('+')
		}
		sb.WriteString(strconv.Itoa(n - 1))
	}
	return sb.String()
}

// smallUint reads b when it is 1 to 15 decimal digits (any leading zeros), a value
// that float64 holds exactly, as both Number() and JSON read it.
func smallUint(b []byte) (uint64, bool) {
	if len(b) == 0 || len(b) > 15 {
		return 0, false
	}
	var n uint64
	for _, c := range b {
		if !isDigit(c) {
			return 0, false
		}
		n = n*10 + uint64(c-'0')
	}
	return n, true
}
