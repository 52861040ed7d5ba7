package jsvalue

import (
	"encoding/json"
	"errors"
	"fmt"
	"unicode/utf8"
)

// DecodeJSON decodes one JSON document into JavaScript values: objects as Object (keys
// in the order JSON.parse gives them), arrays as []any, numbers as json.Number.
func DecodeJSON(b []byte) (any, error) {
	if !json.Valid(b) {
		// Let encoding/json say what is wrong.
		var v any
		err := json.Unmarshal(b, &v)
		if err == nil {
			err = errors.New("invalid JSON")
		}
		return nil, fmt.Errorf("decode JSON: %w", err)
	}
	r := jsonReader{b: b}
	v, err := r.value()
	if err != nil {
		return nil, fmt.Errorf("decode JSON: %w", err)
	}
	return v, nil
}

// jsonReader reads a document json.Valid accepted.
type jsonReader struct {
	b []byte
	i int
}

func (r *jsonReader) ws() {
	for r.i < len(r.b) {
		switch r.b[r.i] {
		case ' ', '\t', '\n', '\r':
			r.i++
		default:
			return
		}
	}
}

func (r *jsonReader) value() (any, error) {
	r.ws()
	switch c := r.b[r.i]; c {
	case '{':
		r.i++
		var o objectBuilder
		r.ws()
		if r.b[r.i] == '}' {
			r.i++
			return o.done(), nil
		}
		for {
			r.ws()
			k, err := r.str()
			if err != nil {
				return nil, err
			}
			r.ws()
			r.i++ // ':'
			v, err := r.value()
			if err != nil {
				return nil, err
			}
			o.set(k, v)
			r.ws()
			c := r.b[r.i]
			r.i++
			if c == '}' {
				return o.done(), nil
			}
		}
	case '[':
		r.i++
		out := []any{}
		r.ws()
		if r.b[r.i] == ']' {
			r.i++
			return out, nil
		}
		for {
			v, err := r.value()
			if err != nil {
				return nil, err
			}
			out = append(out, v)
			r.ws()
			c := r.b[r.i]
			r.i++
			if c == ']' {
				return out, nil
			}
		}
	case '"':
		return r.str()
	case 't':
		r.i += 4
		return true, nil
	case 'f':
		r.i += 5
		return false, nil
	case 'n':
		r.i += 4
		return nil, nil
	default:
		start := r.i
		for r.i < len(r.b) {
			switch r.b[r.i] {
			case '-', '+', '.', 'e', 'E', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9':
				r.i++
				continue
			}
			break
		}
		return json.Number(r.b[start:r.i]), nil
	}
}

// str reads a string at r.i (its opening quote).
func (r *jsonReader) str() (string, error) {
	start := r.i
	j := start + 1
	plain := true
	for r.b[j] != '"' {
		if r.b[j] == '\\' {
			plain = false
			j += 2
			continue
		}
		j++
	}
	r.i = j + 1
	s := r.b[start+1 : j]
	if plain && utf8.Valid(s) {
		return string(s), nil
	}
	var out string
	if err := json.Unmarshal(r.b[start:j+1], &out); err != nil {
		return "", err
	}
	return out, nil
}
