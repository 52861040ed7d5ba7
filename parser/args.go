package parser

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// SplitArray splits a JSON array into its elements without unmarshalling them: each
// element is a sub-slice of data with surrounding whitespace removed. Use it on the
// Data of a decoded Event or Ack to get the event name and the arguments. An empty
// data (an Event or Ack decoded without a payload, which socket.io-parser allows)
// gives no elements, as Node's `packet.data || []`. Anything else that is not a JSON
// array is an error.
func SplitArray(data []byte) ([]json.RawMessage, error) {
	return AppendArray(make([]json.RawMessage, 0, 8), data)
}

// AppendArray is SplitArray appending to dst, so that a caller can reuse a buffer
// (for example a stack array) and split without allocating.
func AppendArray(dst []json.RawMessage, data []byte) ([]json.RawMessage, error) {
	i := skipWS(data, 0)
	if i == len(data) {
		return dst, nil
	}
	if data[i] != '[' {
		return dst, fmt.Errorf("%w: want a JSON array, got %s", ErrInvalidPayload, describe(data[i:]))
	}
	s := scanner{data: data, depth: 1}
	i = skipWS(data, i+1)
	if i < len(data) && data[i] == ']' {
		i++
	} else {
		for {
			end, _, err := s.value(i)
			if err != nil {
				return dst, err
			}
			dst = append(dst, json.RawMessage(data[i:end:end]))
			i = skipWS(data, end)
			if i >= len(data) {
				return dst, s.errAt(i, "unterminated array")
			}
			if data[i] == ']' {
				i++
				break
			}
			if data[i] != ',' {
				return dst, s.errAt(i, "expected ',' or ']' in array")
			}
			i = skipWS(data, i+1)
		}
	}
	if j := skipWS(data, i); j != len(data) {
		return dst, s.errAt(j, "data after the JSON array")
	}
	return dst, nil
}

// Placeholder reports whether elem (one JSON value) is a binary placeholder
// {"_placeholder":true,"num":N} and returns N. It does not allocate. A placeholder
// stands for an attachment only in a packet that has attachments (socket.io-parser
// leaves placeholders in a non-binary packet alone); see Attachment.
func Placeholder(elem []byte) (num int, ok bool) {
	elem = trimWS(elem)
	if len(elem) < 2 || elem[0] != '{' {
		return 0, false
	}
	s := scanner{data: elem, nAtt: math.MaxInt32}
	end, bad, err := s.value(0)
	if err != nil || end != len(elem) {
		return 0, false
	}
	if bad {
		return 0, false // a placeholder with an invalid num
	}
	// The object is valid; see whether it is a placeholder and read its num.
	isPH, numRaw := false, []byte(nil)
	i := skipWS(elem, 1)
	for i < len(elem) && elem[i] == '"' {
		kEnd, _ := s.str(i)
		key := elem[i:kEnd]
		i = skipWS(elem, skipWS(elem, kEnd)+1) // past ':'
		vEnd, _, _ := s.value(i)
		switch {
		case jsonStringEquals(key, "_placeholder"):
			isPH = string(elem[i:vEnd]) == "true"
		case jsonStringEquals(key, "num"):
			numRaw = nil
			if c := elem[i]; c == '-' || isDigit(c) {
				numRaw = elem[i:vEnd]
			}
		}
		i = skipWS(elem, vEnd)
		if i < len(elem) && elem[i] == ',' {
			i = skipWS(elem, i+1)
		}
	}
	if !isPH {
		return 0, false
	}
	return placeholderIndex(numRaw, math.MaxInt32)
}

// Attachment returns the attachment that elem stands for, when elem is a placeholder
// and attachments (the packet's) is not empty: the decoding of a []byte argument.
func Attachment(elem []byte, attachments [][]byte) ([]byte, bool) {
	if len(attachments) == 0 {
		return nil, false
	}
	n, ok := Placeholder(elem)
	if !ok || n >= len(attachments) {
		return nil, false
	}
	return attachments[n], true
}

// ReplacePlaceholders replaces, in a value unmarshalled from a packet's Data (nested
// []any and map[string]any, numbers as float64, json.Number or Go integers), every
// placeholder object with its attachment, as socket.io-parser's reconstructPacket
// does. It modifies v in place and returns the result (v itself, or the attachment
// when v is a placeholder). With no attachments, v is returned unchanged: a
// non-binary packet keeps its placeholder-like objects, as in Node.
func ReplacePlaceholders(v any, attachments [][]byte) (any, error) {
	if len(attachments) == 0 {
		return v, nil
	}
	return replace(v, attachments, 0)
}

func replace(v any, atts [][]byte, depth int) (any, error) {
	if depth > maxDepth {
		return v, fmt.Errorf("%w: nested deeper than %d", ErrInvalidJSON, maxDepth)
	}
	switch v := v.(type) {
	case map[string]any:
		if ph, _ := v["_placeholder"].(bool); ph {
			n, ok := numIndex(v["num"], len(atts))
			if !ok {
				return v, fmt.Errorf("%w: num %v is not an integer in [0, %d)", ErrInvalidPlaceholder, v["num"], len(atts))
			}
			return atts[n], nil
		}
		for k, x := range v {
			r, err := replace(x, atts, depth+1)
			if err != nil {
				return v, err
			}
			v[k] = r
		}
		return v, nil
	case []any:
		for i, x := range v {
			r, err := replace(x, atts, depth+1)
			if err != nil {
				return v, err
			}
			v[i] = r
		}
		return v, nil
	}
	return v, nil
}

func numIndex(num any, n int) (int, bool) {
	var f float64
	switch x := num.(type) {
	case float64:
		f = x
	case float32:
		f = float64(x)
	case json.Number:
		return placeholderIndex([]byte(x), n)
	case int:
		f = float64(x)
	case int64:
		f = float64(x)
	case int32:
		f = float64(x)
	case uint64:
		f = float64(x)
	case uint32:
		f = float64(x)
	default:
		return 0, false
	}
	if f != math.Trunc(f) || f < 0 || f >= float64(n) {
		return 0, false
	}
	return int(f), true
}

// Reconstruct unmarshals data (a packet's Data or one element of it) with the
// parser's JSON codec into an any and replaces its placeholders with attachments
// (the packet's Attachments): the decoding of an `any` argument, with []byte where
// the sender had binary.
func (p *JSONParser) Reconstruct(data []byte, attachments [][]byte) (any, error) {
	var v any
	if err := p.opts.JSON.Unmarshal(data, &v); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidJSON, err)
	}
	return ReplacePlaceholders(v, attachments)
}

// EventName returns the event name held by elem, the first element of an EVENT's
// data: a JSON string, or a JSON number named as JavaScript names it (socket.io-parser
// accepts numeric event names; Node's EventEmitter turns 1.0 into "1").
func EventName(elem []byte) (string, error) {
	elem = trimWS(elem)
	if len(elem) == 0 {
		return "", fmt.Errorf("%w: no event name", ErrInvalidEventName)
	}
	switch c := elem[0]; {
	case c == '"':
		s, ok := unquote(elem)
		if !ok {
			return "", fmt.Errorf("%w: %q is not a valid JSON string", ErrInvalidEventName, elem)
		}
		return s, nil
	case c == '-' || isDigit(c):
		f, err := strconv.ParseFloat(string(elem), 64)
		if err != nil {
			if ne, ok := err.(*strconv.NumError); !ok || ne.Err != strconv.ErrRange {
				return "", fmt.Errorf("%w: %q is not a valid JSON number", ErrInvalidEventName, elem)
			}
		}
		return jsNumberString(f), nil
	}
	return "", fmt.Errorf("%w: want a string or a number, got %s", ErrInvalidEventName, describe(elem))
}

// unquote decodes a JSON string literal (with quotes). Lone surrogates and invalid
// UTF-8 become U+FFFD, as encoding/json does.
func unquote(raw []byte) (string, bool) {
	s := scanner{data: raw}
	if len(raw) < 2 || raw[0] != '"' {
		return "", false
	}
	if end, err := s.str(0); err != nil || end != len(raw) {
		return "", false
	}
	body := raw[1 : len(raw)-1]
	plain := true
	for _, c := range body {
		if c == '\\' || c >= utf8.RuneSelf {
			plain = false
			break
		}
	}
	if plain {
		return string(body), true
	}
	var sb strings.Builder
	sb.Grow(len(body))
	for i := 0; i < len(body); {
		c := body[i]
		if c >= utf8.RuneSelf {
			r, size := utf8.DecodeRune(body[i:])
			sb.WriteRune(r) // RuneError for an invalid byte
			i += size
			continue
		}
		if c != '\\' {
			sb.WriteByte(c)
			i++
			continue
		}
		switch body[i+1] {
		case 'b':
			sb.WriteByte('\b')
		case 'f':
			sb.WriteByte('\f')
		case 'n':
			sb.WriteByte('\n')
		case 'r':
			sb.WriteByte('\r')
		case 't':
			sb.WriteByte('\t')
		case 'u':
			r, _ := hex4(body[i+2 : i+6])
			i += 6
			if utf16.IsSurrogate(r) {
				if i+6 <= len(body) && body[i] == '\\' && body[i+1] == 'u' {
					if r2, _ := hex4(body[i+2 : i+6]); utf16.DecodeRune(r, r2) != utf8.RuneError {
						sb.WriteRune(utf16.DecodeRune(r, r2))
						i += 6
						continue
					}
				}
				r = utf8.RuneError
			}
			sb.WriteRune(r)
			continue
		default: // '"', '\\', '/'
			sb.WriteByte(body[i+1])
		}
		i += 2
	}
	return sb.String(), true
}

// SplitNamespaceQuery splits a v4 CONNECT namespace such as "/admin?token=abc" (the
// form socket.io-client 2.x sends, 0/admin?token=abc,) into its name and query, as
// socket.io 2.x does with url.parse (a "#fragment" is dropped). Without '?' the query
// is "".
func SplitNamespaceQuery(nsp string) (name, query string) {
	nsp, _, _ = strings.Cut(nsp, "#") // url.parse drops the fragment
	name, query, _ = strings.Cut(nsp, "?")
	return name, query
}
