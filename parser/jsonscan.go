package parser

import (
	"bytes"
	"fmt"
	"math"
	"math/bits"
	"strconv"
)

// maxDepth bounds the nesting of arrays and objects the scanner accepts, as
// encoding/json does. V8's JSON.parse has no such limit; nothing a real client sends
// comes close.
const maxDepth = 10000

// scanner validates JSON text (RFC 8259, the grammar of JSON.parse) without
// allocating. When nAtt > 0 it also checks binary placeholders the way
// socket.io-parser's reconstructPacket does: every object whose (last) "_placeholder"
// member is true must have a (last) "num" member that is an integer in [0, nAtt);
// objects nested inside a placeholder are not looked at.
type scanner struct {
	data  []byte
	depth int
	nAtt  int    // check placeholders against this many attachments when > 0
	bad   []byte // the first invalid placeholder's num (or the object) for the error
}

func isWS(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

func skipWS(d []byte, i int) int {
	for i < len(d) && isWS(d[i]) {
		i++
	}
	return i
}

func (s *scanner) errAt(i int, what string) error {
	if i >= len(s.data) {
		return fmt.Errorf("%w: unexpected end of input (%s)", ErrInvalidJSON, what)
	}
	return fmt.Errorf("%w: %s at offset %d (%q)", ErrInvalidJSON, what, i, s.data[i])
}

// document validates data as exactly one JSON value with optional surrounding
// whitespace. badPlaceholder reports a placeholder that fails the nAtt check.
func (s *scanner) document() (badPlaceholder bool, err error) {
	i := skipWS(s.data, 0)
	end, bad, err := s.value(i)
	if err != nil {
		return false, err
	}
	if j := skipWS(s.data, end); j != len(s.data) {
		return false, s.errAt(j, "data after the JSON value")
	}
	return bad, nil
}

// value scans the value that starts at i (no leading whitespace) and returns the
// index just after it.
func (s *scanner) value(i int) (end int, bad bool, err error) {
	d := s.data
	if i >= len(d) {
		return i, false, s.errAt(i, "expected a value")
	}
	switch c := d[i]; {
	case c == '"':
		end, err = s.str(i)
		return end, false, err
	case c == '{':
		return s.object(i)
	case c == '[':
		return s.array(i)
	case c == '-' || (c >= '0' && c <= '9'):
		end, err = s.number(i)
		return end, false, err
	case c == 't':
		return s.literal(i, "true")
	case c == 'f':
		return s.literal(i, "false")
	case c == 'n':
		return s.literal(i, "null")
	default:
		return i, false, s.errAt(i, "expected a value")
	}
}

// elem is value with the string case first and without a call: most elements of
// arrays and objects are strings.
func (s *scanner) elem(i int) (end int, bad bool, err error) {
	if i < len(s.data) && s.data[i] == '"' {
		end, err = s.str(i)
		return end, false, err
	}
	return s.value(i)
}

func (s *scanner) literal(i int, lit string) (int, bool, error) {
	if len(s.data)-i >= len(lit) && string(s.data[i:i+len(lit)]) == lit {
		return i + len(lit), false, nil
	}
	return i, false, s.errAt(i, "invalid literal")
}

// str scans a string starting at the opening quote.
func (s *scanner) str(i int) (int, error) {
	d := s.data
	i++
	for {
		// Plain bytes, a word (or a vector) at a time; the first word inline, as
		// most strings end in it.
		if i+8 <= len(d) {
			if m := decodeMask(le64(d[i:])); m != 0 {
				i += bits.TrailingZeros64(m) >> 3
			} else {
				i = stringRun(d, i+8)
			}
		} else {
			i = stringRun(d, i)
		}
		if i >= len(d) {
			return i, s.errAt(i, "unterminated string")
		}
		switch c := d[i]; {
		case c == '"':
			return i + 1, nil
		case c < 0x20:
			return i, s.errAt(i, "control character in string")
		}
		// backslash
		i++
		if i >= len(d) {
			return i, s.errAt(i, "unterminated escape")
		}
		switch d[i] {
		case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
			i++
		case 'u':
			if len(d)-i < 5 || !isHex(d[i+1]) || !isHex(d[i+2]) || !isHex(d[i+3]) || !isHex(d[i+4]) {
				return i, s.errAt(i, "invalid \\u escape")
			}
			i += 5
		default:
			return i, s.errAt(i, "invalid escape")
		}
	}
}

func isHex(c byte) bool {
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// number scans -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
func (s *scanner) number(i int) (int, error) {
	d := s.data
	start := i
	if d[i] == '-' {
		i++
	}
	switch {
	case i < len(d) && d[i] == '0':
		i++
	case i < len(d) && d[i] >= '1' && d[i] <= '9':
		for i < len(d) && isDigit(d[i]) {
			i++
		}
	default:
		return start, s.errAt(i, "invalid number")
	}
	if i < len(d) && d[i] == '.' {
		i++
		if i >= len(d) || !isDigit(d[i]) {
			return start, s.errAt(i, "invalid number")
		}
		for i < len(d) && isDigit(d[i]) {
			i++
		}
	}
	if i < len(d) && (d[i] == 'e' || d[i] == 'E') {
		i++
		if i < len(d) && (d[i] == '+' || d[i] == '-') {
			i++
		}
		if i >= len(d) || !isDigit(d[i]) {
			return start, s.errAt(i, "invalid number")
		}
		for i < len(d) && isDigit(d[i]) {
			i++
		}
	}
	return i, nil
}

func (s *scanner) array(i int) (int, bool, error) {
	s.depth++
	if s.depth > maxDepth {
		return i, false, fmt.Errorf("%w: nested deeper than %d", ErrInvalidJSON, maxDepth)
	}
	d := s.data
	i = skipWS(d, i+1)
	anyBad := false
	if i < len(d) && d[i] == ']' {
		s.depth--
		return i + 1, false, nil
	}
	for {
		end, bad, err := s.elem(i)
		if err != nil {
			return end, false, err
		}
		anyBad = anyBad || bad
		i = skipWS(d, end)
		if i >= len(d) {
			return i, false, s.errAt(i, "unterminated array")
		}
		switch d[i] {
		case ',':
			i = skipWS(d, i+1)
		case ']':
			s.depth--
			return i + 1, anyBad, nil
		default:
			return i, false, s.errAt(i, "expected ',' or ']' in array")
		}
	}
}

func (s *scanner) object(i int) (int, bool, error) {
	s.depth++
	if s.depth > maxDepth {
		return i, false, fmt.Errorf("%w: nested deeper than %d", ErrInvalidJSON, maxDepth)
	}
	d := s.data
	objStart := i
	i = skipWS(d, i+1)
	childBad := false
	isPlaceholder := false
	var num []byte // raw value of the last "num" member; nil when not a number
	if i < len(d) && d[i] == '}' {
		s.depth--
		return i + 1, false, nil
	}
	for {
		if i >= len(d) || d[i] != '"' {
			return i, false, s.errAt(i, "expected a string key in object")
		}
		keyStart := i
		end, err := s.str(i)
		if err != nil {
			return end, false, err
		}
		key := d[keyStart:end]
		i = skipWS(d, end)
		if i >= len(d) || d[i] != ':' {
			return i, false, s.errAt(i, "expected ':' after object key")
		}
		i = skipWS(d, i+1)
		vStart := i
		end, bad, err := s.elem(i)
		if err != nil {
			return end, false, err
		}
		childBad = childBad || bad
		if s.nAtt > 0 {
			switch {
			case jsonStringEquals(key, "_placeholder"):
				isPlaceholder = string(d[vStart:end]) == "true"
			case jsonStringEquals(key, "num"):
				if c := d[vStart]; c == '-' || isDigit(c) {
					num = d[vStart:end]
				} else {
					num = nil
				}
			}
		}
		i = skipWS(d, end)
		if i >= len(d) {
			return i, false, s.errAt(i, "unterminated object")
		}
		switch d[i] {
		case ',':
			i = skipWS(d, i+1)
		case '}':
			s.depth--
			if isPlaceholder {
				// Node replaces the whole object and never looks inside it.
				if !placeholderNumOK(num, s.nAtt) {
					if s.bad == nil {
						s.bad = d[objStart : i+1]
					}
					return i + 1, true, nil
				}
				return i + 1, false, nil
			}
			return i + 1, childBad, nil
		default:
			return i, false, s.errAt(i, "expected ',' or '}' in object")
		}
	}
}

// placeholderNumOK reports whether the raw JSON number num is an integer in [0, n).
func placeholderNumOK(num []byte, n int) bool {
	_, ok := placeholderIndex(num, n)
	return ok
}

func placeholderIndex(num []byte, n int) (int, bool) {
	if num == nil {
		return 0, false
	}
	if v, ok := smallUint(num); ok {
		return int(v), v < uint64(n)
	}
	f, err := strconv.ParseFloat(string(num), 64)
	if err != nil || f != math.Trunc(f) || f < 0 || f >= float64(n) {
		return 0, false
	}
	return int(f), true
}

// jsonStringEquals reports whether the JSON string literal raw (with quotes) decodes
// to want (an ASCII string without '\\'). It does not allocate.
func jsonStringEquals(raw []byte, want string) bool {
	if len(raw) < 2 {
		return false
	}
	raw = raw[1 : len(raw)-1]
	switch {
	case len(raw) == len(want):
		// Equal bytes, or an escape (which makes the decoded string shorter).
		return string(raw) == want
	case len(raw) < len(want) || bytes.IndexByte(raw, '\\') < 0:
		return false
	}
	j := 0
	for i := 0; i < len(raw); {
		if j >= len(want) {
			return false
		}
		c := raw[i]
		if c != '\\' {
			if c != want[j] {
				return false
			}
			i++
			j++
			continue
		}
		if i+1 >= len(raw) {
			return false
		}
		var r byte
		switch raw[i+1] {
		case '"', '\\', '/':
			r = raw[i+1]
			i += 2
		case 'b':
			r, i = '\b', i+2
		case 'f':
			r, i = '\f', i+2
		case 'n':
			r, i = '\n', i+2
		case 'r':
			r, i = '\r', i+2
		case 't':
			r, i = '\t', i+2
		case 'u':
			if i+6 > len(raw) {
				return false
			}
			v, ok := hex4(raw[i+2 : i+6])
			if !ok || v >= 0x80 {
				return false // want is ASCII
			}
			r = byte(v)
			i += 6
		default:
			return false
		}
		if r != want[j] {
			return false
		}
		j++
	}
	return j == len(want)
}

// hex4 decodes four hex digits.
func hex4(b []byte) (rune, bool) {
	var v rune
	for _, c := range b[:4] {
		switch {
		case c >= '0' && c <= '9':
			v = v<<4 | rune(c-'0')
		case c >= 'a' && c <= 'f':
			v = v<<4 | rune(c-'a'+10)
		case c >= 'A' && c <= 'F':
			v = v<<4 | rune(c-'A'+10)
		default:
			return 0, false
		}
	}
	return v, true
}
