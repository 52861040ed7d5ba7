package engineio

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"net/url"
	"strconv"
	"unicode/utf8"
)

// Protocol v3 polling payloads come in three framings:
//
//   - text: "<length>:<packet>" repeated, the length counted in UTF-16 code units (as
//     JavaScript's String.length), binary packets as "b4" + base64: "6:4hello2:4€";
//   - binary (XHR2): per packet a marker byte (0 text, 1 binary), the decimal digits of the
//     length as bytes 0-9, 0xff, then the packet (UTF-8 text, or the type byte and the data);
//     sent by the server when the payload holds binary and the client did not ask for b64=1;
//   - JSONP: the text payload as a JavaScript string literal, "___eio[N](\"...\");", and
//     POST bodies as a form with the text payload in field "d".

// HasBinary reports whether any packet is binary.
func HasBinary(packets []Packet) bool {
	for _, p := range packets {
		if p.Binary {
			return true
		}
	}
	return false
}

// AppendPayloadV3 appends the protocol v3 text payload of packets; binary packets are base64
// ("b4..."). An empty list is "0:", as Node sends it.
func AppendPayloadV3(dst []byte, packets []Packet) []byte {
	if len(packets) == 0 {
		return append(dst, "0:"...)
	}
	for _, p := range packets {
		n := textLen(p, ProtocolV3)
		if !p.Binary {
			n = 1 + utf16Len(p.Data)
		}
		dst = strconv.AppendInt(dst, int64(n), 10)
		dst = append(dst, ':')
		dst = AppendText(dst, p, ProtocolV3)
	}
	return dst
}

// AppendPayloadV3Binary appends the protocol v3 binary (XHR2) payload of packets, served
// with Content-Type application/octet-stream.
func AppendPayloadV3Binary(dst []byte, packets []Packet) []byte {
	for _, p := range packets {
		if p.Binary {
			dst = append(dst, 1)
			dst = appendDigitBytes(dst, 1+len(p.Data))
			dst = append(dst, 0xff, byte(p.Type))
			dst = append(dst, p.Data...)
			continue
		}
		dst = append(dst, 0)
		dst = appendDigitBytes(dst, 1+len(p.Data))
		dst = append(dst, 0xff, '0'+byte(p.Type))
		dst = append(dst, p.Data...)
	}
	return dst
}

func appendDigitBytes(dst []byte, n int) []byte {
	start := len(dst)
	dst = strconv.AppendInt(dst, int64(n), 10)
	for i := start; i < len(dst); i++ {
		dst[i] -= '0'
	}
	return dst
}

// DecodePayloadV3 decodes a protocol v3 text payload. Empty entries ("0:") are skipped. Text
// Data aliases body.
func DecodePayloadV3(body []byte) ([]Packet, error) {
	if len(body) == 0 {
		return nil, fmt.Errorf("%w: empty payload", ErrParse)
	}
	var packets []Packet
	for len(body) > 0 {
		colon := bytes.IndexByte(body, ':')
		if colon <= 0 || colon > 10 {
			return nil, fmt.Errorf("%w: payload entry %d: missing or bad length prefix", ErrParse, len(packets))
		}
		n, err := strconv.Atoi(string(body[:colon]))
		if err != nil || n < 0 {
			return nil, fmt.Errorf("%w: payload entry %d: length %q is not a number", ErrParse, len(packets), body[:colon])
		}
		body = body[colon+1:]
		size, ok := utf16Prefix(body, n)
		if !ok {
			return nil, fmt.Errorf("%w: payload entry %d: length %d exceeds the payload", ErrParse, len(packets), n)
		}
		entry := body[:size]
		body = body[size:]
		if size == 0 {
			continue
		}
		p, err := DecodeText(entry, ProtocolV3)
		if err != nil {
			return nil, fmt.Errorf("payload entry %d: %w", len(packets), err)
		}
		packets = append(packets, p)
	}
	return packets, nil
}

// DecodePayloadV3Binary decodes a protocol v3 binary (XHR2) payload. Data aliases body unless
// a text entry is base64 encoded.
func DecodePayloadV3Binary(body []byte) ([]Packet, error) {
	if len(body) == 0 {
		return nil, fmt.Errorf("%w: empty payload", ErrParse)
	}
	var packets []Packet
	for len(body) > 0 {
		marker := body[0]
		if marker > 1 {
			return nil, fmt.Errorf("%w: binary payload entry %d: marker byte %d is neither 0 nor 1", ErrParse, len(packets), marker)
		}
		n, i := 0, 1
		for ; i < len(body) && body[i] != 0xff; i++ {
			if body[i] > 9 || i > 10 {
				return nil, fmt.Errorf("%w: binary payload entry %d: bad length digits", ErrParse, len(packets))
			}
			n = n*10 + int(body[i])
		}
		if i == 1 || i == len(body) {
			return nil, fmt.Errorf("%w: binary payload entry %d: missing length", ErrParse, len(packets))
		}
		body = body[i+1:]
		if n > len(body) {
			return nil, fmt.Errorf("%w: binary payload entry %d: length %d exceeds the payload", ErrParse, len(packets), n)
		}
		entry := body[:n]
		body = body[n:]
		var (
			p   Packet
			err error
		)
		if marker == 0 {
			p, err = DecodeText(entry, ProtocolV3)
		} else {
			p, err = DecodeFrame(entry, true, ProtocolV3)
		}
		if err != nil {
			return nil, fmt.Errorf("binary payload entry %d: %w", len(packets), err)
		}
		packets = append(packets, p)
	}
	return packets, nil
}

// utf16Len counts the UTF-16 code units of UTF-8 text (an invalid byte counts as one unit,
// as its replacement character does in JavaScript).
func utf16Len(b []byte) int {
	// ASCII prefix, 8 bytes at a time.
	i := 0
	for ; i+8 <= len(b); i += 8 {
		if binary.LittleEndian.Uint64(b[i:])&0x8080808080808080 != 0 {
			break
		}
	}
	n := i
	for i < len(b) {
		c := b[i]
		if c < utf8.RuneSelf {
			n++
			i++
			continue
		}
		r, size := utf8.DecodeRune(b[i:])
		i += size
		n++
		if r >= 0x10000 {
			n++
		}
	}
	return n
}

// utf16Prefix returns the byte length of the prefix of b that holds exactly units UTF-16
// code units; ok is false when b is shorter or a surrogate pair would be split.
func utf16Prefix(b []byte, units int) (size int, ok bool) {
	for units > 0 {
		if size >= len(b) {
			return 0, false
		}
		c := b[size]
		if c < utf8.RuneSelf {
			size++
			units--
			continue
		}
		r, n := utf8.DecodeRune(b[size:])
		w := 1
		if r >= 0x10000 {
			w = 2
		}
		if w > units {
			return 0, false
		}
		size += n
		units -= w
	}
	return size, true
}

// AppendJSONP appends the JSONP response body for a protocol v3 text payload:
// ___eio[index]("<payload as a JavaScript string>"); (index is the j query parameter).
func AppendJSONP(dst []byte, index int, payload []byte) []byte {
	dst = append(dst, "___eio["...)
	dst = strconv.AppendInt(dst, int64(index), 10)
	dst = append(dst, "]("...)
	dst = appendJSString(dst, payload)
	return append(dst, ");"...)
}

// DecodeJSONP extracts the index and the text payload from a JSONP response body.
func DecodeJSONP(body []byte) (index int, payload []byte, err error) {
	rest, ok := bytes.CutPrefix(body, []byte("___eio["))
	if !ok {
		return 0, nil, fmt.Errorf("%w: JSONP body does not start with ___eio[", ErrParse)
	}
	close := bytes.IndexByte(rest, ']')
	if close <= 0 {
		return 0, nil, fmt.Errorf("%w: JSONP body without index", ErrParse)
	}
	index, err = strconv.Atoi(string(rest[:close]))
	if err != nil {
		return 0, nil, fmt.Errorf("%w: JSONP index %q: %v", ErrParse, rest[:close], err)
	}
	lit, ok := bytes.CutPrefix(rest[close+1:], []byte("("))
	if ok {
		lit, ok = bytes.CutSuffix(lit, []byte(");"))
	}
	if !ok {
		return 0, nil, fmt.Errorf("%w: JSONP body is not a call ___eio[N](...);", ErrParse)
	}
	var s string
	if err := json.Unmarshal(lit, &s); err != nil {
		return 0, nil, fmt.Errorf("%w: JSONP argument is not a string: %v", ErrParse, err)
	}
	return index, []byte(s), nil
}

// AppendJSONPForm appends the form body a JSONP client posts: "d=" and the text payload,
// newlines escaped as engine.io-client 3.x does ("\n" as `\n`, `\n` as `\\n`) and URL-encoded.
func AppendJSONPForm(dst []byte, payload []byte) []byte {
	var esc []byte
	for i := 0; i < len(payload); i++ {
		switch {
		case payload[i] == '\n':
			esc = append(esc, '\\', 'n')
		case payload[i] == '\\' && i+1 < len(payload) && payload[i+1] == 'n':
			esc = append(esc, '\\', '\\', 'n')
			i++
		default:
			esc = append(esc, payload[i])
		}
	}
	dst = append(dst, "d="...)
	return append(dst, url.QueryEscape(string(esc))...)
}

// DecodeJSONPForm extracts the text payload from a JSONP POST body (a URL-encoded form with
// the payload in field "d"), undoing the client's newline escaping as Node does.
func DecodeJSONPForm(body []byte) ([]byte, error) {
	form, err := url.ParseQuery(string(body))
	if err != nil {
		return nil, fmt.Errorf("%w: JSONP form: %v", ErrParse, err)
	}
	if !form.Has("d") {
		return nil, fmt.Errorf("%w: JSONP form has no field d", ErrParse)
	}
	d := form.Get("d")
	out := make([]byte, 0, len(d))
	for i := 0; i < len(d); i++ {
		switch {
		case d[i] == '\\' && i+2 < len(d) && d[i+1] == '\\' && d[i+2] == 'n':
			out = append(out, '\\', 'n') // `\\n` -> `\n`
			i += 2
		case d[i] == '\\' && i+1 < len(d) && d[i+1] == 'n':
			out = append(out, '\n') // `\n` -> newline
			i++
		default:
			out = append(out, d[i])
		}
	}
	return out, nil
}

// appendJSString appends s as JSON.stringify writes a string, with U+2028 and U+2029 escaped
// so that the result is valid JavaScript.
func appendJSString(dst []byte, s []byte) []byte {
	const hex = "0123456789abcdef"
	dst = append(dst, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch c {
			case '"', '\\':
				dst = append(dst, '\\', c)
			case '\b':
				dst = append(dst, '\\', 'b')
			case '\f':
				dst = append(dst, '\\', 'f')
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default:
				if c < 0x20 {
					dst = append(dst, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
				} else {
					dst = append(dst, c)
				}
			}
			i++
			continue
		}
		r, size := utf8.DecodeRune(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			dst = utf8.AppendRune(dst, utf8.RuneError)
		case r == '\u2028':
			dst = append(dst, `\u2028`...)
		case r == '\u2029':
			dst = append(dst, `\u2029`...)
		default:
			dst = append(dst, s[i:i+size]...)
		}
		i += size
	}
	return append(dst, '"')
}
