package msgpack

import (
	"encoding/json"
	"fmt"
	"unicode/utf8"

	"github.com/gosockio/gosockio/parser"
)

// transcoder writes valid JSON (checked by the caller) as msgpack, keeping the
// order of object keys. With atts, a placeholder object {"_placeholder":true,
// "num":N} becomes the bin atts[N].
type transcoder struct {
	js   []byte
	atts [][]byte
}

func isWS(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

func skipWS(b []byte, i int) int {
	for i < len(b) && isWS(b[i]) {
		i++
	}
	return i
}

func trimWS(b []byte) []byte {
	i := skipWS(b, 0)
	j := len(b)
	for j > i && isWS(b[j-1]) {
		j--
	}
	return b[i:j]
}

// value writes the JSON value at t.js[i] (no leading whitespace) and returns where
// it ends.
func (t *transcoder) value(b []byte, i, depth int) ([]byte, int, error) {
	js := t.js
	if c := js[i]; (c == '{' || c == '[') && depth > maxDepth+1 { // +1: a placeholder at the deepest level
		return b, i, fmt.Errorf("%w: JSON nested deeper than %d", parser.ErrUnsupportedValue, maxDepth)
	}
	switch c := js[i]; {
	case c == '{':
		return t.object(b, i, depth)
	case c == '[':
		return t.array(b, i, depth)
	case c == '"':
		end := stringEnd(js, i)
		return appendJSONStringLit(b, js[i:end]), end, nil
	case c == 't':
		return append(b, 0xc3), i + 4, nil
	case c == 'f':
		return append(b, 0xc2), i + 5, nil
	case c == 'n':
		return append(b, 0xc0), i + 4, nil
	}
	end := i
	for end < len(js) && (js[end] == '-' || js[end] == '+' || js[end] == '.' || js[end] == 'e' || js[end] == 'E' || (js[end] >= '0' && js[end] <= '9')) {
		end++
	}
	b, err := appendJSONNumber(b, string(js[i:end]))
	return b, end, err
}

// header reserves one byte for a fix header; finish rewrites it once the count is
// known, moving the body when a longer header is needed.
func finish(b []byte, at, n int, fixLow, code16, code32 byte) []byte {
	if n < 16 {
		b[at] = fixLow | byte(n)
		return b
	}
	var h []byte
	if n <= 0xffff {
		h = []byte{code16, byte(n >> 8), byte(n)}
	} else {
		h = []byte{code32, byte(n >> 24), byte(n >> 16), byte(n >> 8), byte(n)}
	}
	extra := len(h) - 1
	b = append(b, h[:extra]...)
	copy(b[at+len(h):], b[at+1:len(b)-extra])
	copy(b[at:], h)
	return b
}

func (t *transcoder) array(b []byte, i, depth int) ([]byte, int, error) {
	js := t.js
	at := len(b)
	b = append(b, 0x90)
	n := 0
	i = skipWS(js, i+1)
	var err error
	for js[i] != ']' {
		if b, i, err = t.value(b, i, depth+1); err != nil {
			return b, i, err
		}
		n++
		i = skipWS(js, i)
		if js[i] == ',' {
			i = skipWS(js, i+1)
		}
	}
	return finish(b, at, n, 0x90, 0xdc, 0xdd), i + 1, nil
}

func (t *transcoder) object(b []byte, i, depth int) ([]byte, int, error) {
	js := t.js
	start := i
	at := len(b)
	b = append(b, 0x80)
	n := 0
	isPH := false
	i = skipWS(js, i+1)
	var err error
	for js[i] != '}' {
		kEnd := stringEnd(js, i)
		key := js[i:kEnd]
		b = appendJSONStringLit(b, key)
		i = skipWS(js, skipWS(js, kEnd)+1) // past ':'
		if string(key) == `"_placeholder"` && js[i] == 't' {
			isPH = true
		}
		if b, i, err = t.value(b, i, depth+1); err != nil {
			return b, i, err
		}
		n++
		i = skipWS(js, i)
		if js[i] == ',' {
			i = skipWS(js, i+1)
		}
	}
	i++
	if isPH && len(t.atts) > 0 {
		num, ok := parser.Placeholder(js[start:i])
		if !ok || num >= len(t.atts) {
			return b, i, fmt.Errorf("%w: %s does not refer to one of the %d attachments", parser.ErrInvalidPlaceholder, js[start:i], len(t.atts))
		}
		return appendBin(b[:at], t.atts[num]), i, nil
	}
	return finish(b, at, n, 0x80, 0xde, 0xdf), i, nil
}

// stringEnd returns the index after the JSON string literal at js[i].
func stringEnd(js []byte, i int) int {
	for j := i + 1; j < len(js); j++ {
		switch js[j] {
		case '\\':
			j++
		case '"':
			return j + 1
		}
	}
	return len(js)
}

// appendJSONStringLit writes the JSON string literal lit (quotes included) as a
// msgpack str.
func appendJSONStringLit(b, lit []byte) []byte {
	body := lit[1 : len(lit)-1]
	plain := utf8.Valid(body)
	for _, c := range body {
		if c == '\\' {
			plain = false
			break
		}
	}
	if plain {
		b = appendStrHeader(b, len(body))
		return append(b, body...)
	}
	var s string
	_ = json.Unmarshal(lit, &s) // valid JSON: cannot fail
	return appendString(b, s)
}
