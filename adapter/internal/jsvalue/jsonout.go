package jsvalue

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"unicode/utf8"
)

// jsonWriter writes JavaScript values as JSON.stringify writes them: objects' keys in
// their order (Object) or sorted (map[string]any, which has none), undefined left out
// of objects and null in arrays, NaN and ±Infinity as null, numbers as JavaScript
// prints them. With atts set, each []byte becomes a placeholder
// {"_placeholder":true,"num":N} and is collected (a socket.io packet's data); without,
// it is written as encoding/json writes it (base64).
type jsonWriter struct {
	atts    *[][]byte
	binary  bool // placeholders are made for []byte
	depth   int
	scratch bytes.Buffer
}

func (w *jsonWriter) value(b []byte, v any) ([]byte, error) {
	switch x := v.(type) {
	case nil, Undefined:
		return append(b, "null"...), nil
	case bool:
		return strconv.AppendBool(b, x), nil
	case string:
		return AppendString(b, x), nil
	case int:
		return strconv.AppendInt(b, int64(x), 10), nil
	case int8:
		return strconv.AppendInt(b, int64(x), 10), nil
	case int16:
		return strconv.AppendInt(b, int64(x), 10), nil
	case int32:
		return strconv.AppendInt(b, int64(x), 10), nil
	case int64:
		return strconv.AppendInt(b, x, 10), nil
	case uint:
		return strconv.AppendUint(b, uint64(x), 10), nil
	case uint8:
		return strconv.AppendUint(b, uint64(x), 10), nil
	case uint16:
		return strconv.AppendUint(b, uint64(x), 10), nil
	case uint32:
		return strconv.AppendUint(b, uint64(x), 10), nil
	case uint64:
		return strconv.AppendUint(b, x, 10), nil
	case float64:
		return AppendFloat(b, x), nil
	case float32:
		return AppendFloat(b, float64(x)), nil
	case json.Number:
		return appendJSNumber(b, x)
	case []byte:
		if !w.binary {
			out, err := json.Marshal(x)
			return append(b, out...), err
		}
		b = append(b, `{"_placeholder":true,"num":`...)
		b = strconv.AppendInt(b, int64(len(*w.atts)), 10)
		*w.atts = append(*w.atts, x)
		return append(b, '}'), nil
	case []string:
		b = append(b, '[')
		for i, s := range x {
			if i > 0 {
				b = append(b, ',')
			}
			b = AppendString(b, s)
		}
		return append(b, ']'), nil
	case []any:
		if err := w.enter(); err != nil {
			return b, err
		}
		b = append(b, '[')
		for i, e := range x {
			if i > 0 {
				b = append(b, ',')
			}
			var err error
			if b, err = w.value(b, e); err != nil {
				return b, err
			}
		}
		w.depth--
		return append(b, ']'), nil
	case Object:
		if err := w.enter(); err != nil {
			return b, err
		}
		b = append(b, '{')
		first := true
		for _, e := range x {
			if IsUndefined(e.Value) {
				continue
			}
			if !first {
				b = append(b, ',')
			}
			first = false
			b = AppendString(b, e.Key)
			b = append(b, ':')
			var err error
			if b, err = w.value(b, e.Value); err != nil {
				return b, err
			}
		}
		w.depth--
		return append(b, '}'), nil
	case map[string]any:
		return w.value(b, sortedObject(x))
	case json.RawMessage:
		w.scratch.Reset()
		if err := json.Compact(&w.scratch, x); err != nil {
			return b, fmt.Errorf("a json.RawMessage is not valid JSON: %w", err)
		}
		return append(b, w.scratch.Bytes()...), nil
	default:
		out, err := json.Marshal(v)
		if err != nil {
			return b, fmt.Errorf("encode %T: %w", v, err)
		}
		return append(b, out...), nil
	}
}

func (w *jsonWriter) enter() error {
	w.depth++
	if w.depth > MaxDepth {
		return fmt.Errorf("value nested deeper than %d", MaxDepth)
	}
	return nil
}

// Marshal writes v as JSON.stringify writes the same JavaScript value ([]byte as
// encoding/json writes it, base64).
func Marshal(v any) ([]byte, error) {
	w := jsonWriter{}
	return w.value(make([]byte, 0, 64), v)
}

// PacketData writes args (JavaScript values, binary as []byte) as the JSON data of a
// socket.io packet and returns it with the attachments its placeholders refer to: the
// form parser.Packet carries pre-encoded data in (json.RawMessage, written verbatim),
// so that the keys of every object reach clients in the order the sender gave them.
func PacketData(args []any) (json.RawMessage, [][]byte, error) {
	var atts [][]byte
	w := jsonWriter{atts: &atts, binary: true}
	b, err := w.value(make([]byte, 0, 64), args)
	if err != nil {
		return nil, nil, err
	}
	return b, atts, nil
}

// JSONArg writes one server-side event argument for the application: as JSON in its
// order (json.RawMessage) when it holds no binary, as plain Go values otherwise (a
// []byte argument stays a []byte).
func JSONArg(v any) any {
	switch v.(type) {
	case Object, []any:
		if !HasBinary(v) {
			w := jsonWriter{}
			if b, err := w.value(nil, v); err == nil {
				return json.RawMessage(b)
			}
		}
	}
	return ToGo(v)
}

// AppendRawArg returns a copy of the JSON array raw with s appended as a string (the
// offset of connection state recovery).
func AppendRawArg(raw json.RawMessage, s string) json.RawMessage {
	raw = bytes.TrimRight(raw, " \t\r\n")
	if len(raw) < 2 || raw[len(raw)-1] != ']' {
		return raw
	}
	out := make([]byte, 0, len(raw)+len(s)+3)
	out = append(out, raw[:len(raw)-1]...)
	if len(bytes.TrimSpace(raw[1:len(raw)-1])) > 0 {
		out = append(out, ',')
	}
	out = AppendString(out, s)
	return append(out, ']')
}

// AppendString writes s quoted as JSON.stringify does: only '"', '\\' and control
// characters are escaped (\b \t \n \f \r, others as \u00XX); invalid UTF-8 becomes
// U+FFFD, as Node's decoders turn it.
func AppendString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' && c < utf8.RuneSelf {
			i++
			continue
		}
		if c >= utf8.RuneSelf {
			r, size := utf8.DecodeRuneInString(s[i:])
			if r == utf8.RuneError && size == 1 {
				b = append(b, s[start:i]...)
				b = append(b, "\ufffd"...)
				i++
				start = i
				continue
			}
			i += size
			continue
		}
		b = append(b, s[start:i]...)
		switch c {
		case '"', '\\':
			b = append(b, '\\', c)
		case '\b':
			b = append(b, '\\', 'b')
		case '\t':
			b = append(b, '\\', 't')
		case '\n':
			b = append(b, '\\', 'n')
		case '\f':
			b = append(b, '\\', 'f')
		case '\r':
			b = append(b, '\\', 'r')
		default:
			b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
		}
		i++
		start = i
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

// AppendFloat writes f as JavaScript's Number.prototype.toString does (the shortest
// digits that read back as f; exponent form below 1e-6 and from 1e21), NaN and
// ±Infinity as null (what JSON.stringify writes), -0 as 0.
func AppendFloat(b []byte, f float64) []byte {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return append(b, "null"...)
	}
	if f == 0 {
		return append(b, '0')
	}
	abs := math.Abs(f)
	if abs >= 1e-6 && abs < 1e21 {
		return strconv.AppendFloat(b, f, 'f', -1, 64)
	}
	start := len(b)
	b = strconv.AppendFloat(b, f, 'e', -1, 64)
	// Go writes e-07 and e+21; JavaScript writes e-7 and e+21.
	for i := start; i < len(b)-2; i++ {
		if b[i] == 'e' && (b[i+1] == '-' || b[i+1] == '+') && b[i+2] == '0' {
			b = append(b[:i+2], b[i+3:]...)
			break
		}
	}
	return b
}

// appendJSNumber writes a JSON number as JavaScript would after JSON.parse: an integer
// that fits an int64 exactly (1.0 and 1e3 are 1 and 1000, -0 is 0), any other as a
// float64.
func appendJSNumber(b []byte, n json.Number) ([]byte, error) {
	if i, err := strconv.ParseInt(string(n), 10, 64); err == nil {
		return strconv.AppendInt(b, i, 10), nil
	}
	f, err := strconv.ParseFloat(string(n), 64)
	if err != nil && !math.IsInf(f, 0) {
		return b, fmt.Errorf("%q is not a number", string(n))
	}
	return AppendFloat(b, f), nil
}
