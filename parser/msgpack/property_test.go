package msgpack_test

import (
	"bytes"
	"encoding/json"
	"math"
	"testing"

	"github.com/google/go-cmp/cmp"
	"pgregory.net/rapid"

	"github.com/gosockio/gosockio/parser"
	"github.com/gosockio/gosockio/parser/msgpack"
)

// valueGen draws the values an event may carry: JSON values and []byte.
func valueGen(depth int) *rapid.Generator[any] {
	scalars := []*rapid.Generator[any]{
		rapid.Just[any](nil),
		rapid.Map(rapid.Bool(), func(b bool) any { return b }),
		rapid.Map(rapid.Int64Range(-1<<53+1, 1<<53-1), func(i int64) any { return i }),
		rapid.Map(rapid.Float64(), func(f float64) any { return f }),
		rapid.Map(rapid.String(), func(s string) any { return s }),
		rapid.Map(rapid.SliceOfN(rapid.Byte(), 0, 300), func(b []byte) any { return b }),
	}
	if depth == 0 {
		return rapid.OneOf(scalars...)
	}
	return rapid.OneOf(append(scalars,
		rapid.Map(rapid.SliceOfN(valueGen(depth-1), 0, 20), func(v []any) any { return v }),
		rapid.Map(rapid.MapOfN(rapid.String(), valueGen(depth-1), 0, 20), func(m map[string]any) any { return m }),
	)...)
}

func packetGen() *rapid.Generator[*parser.Packet] {
	return rapid.Custom(func(t *rapid.T) *parser.Packet {
		p := &parser.Packet{
			Type:      parser.Type(rapid.IntRange(0, 4).Draw(t, "type")),
			Namespace: rapid.SampledFrom([]string{"/", "/chat", "/é,x"}).Draw(t, "nsp"),
		}
		if rapid.Bool().Draw(t, "hasID") {
			p.ID, p.HasID = rapid.Uint64Range(0, 1<<53-1).Draw(t, "id"), true
		}
		args := rapid.SliceOfN(valueGen(3), 0, 8).Draw(t, "args")
		switch p.Type {
		case parser.Connect:
			if rapid.Bool().Draw(t, "auth") {
				p.Data = rapid.MapOfN(rapid.String(), valueGen(2), 0, 5).Draw(t, "auth")
			}
		case parser.ConnectError:
			p.Data = map[string]any{"message": rapid.String().Draw(t, "message")}
		case parser.Event:
			name := rapid.String().Filter(func(s string) bool { return !parser.IsReservedEvent(s) }).Draw(t, "name")
			p.Data = append([]any{name}, args...)
		case parser.Ack:
			p.Data = args
		}
		return p
	})
}

// normal turns a Go value into what decoding gives back: numbers as float64 (NaN
// and ±Inf as nil, as JSON.stringify), strings with invalid UTF-8 replaced, []byte
// kept.
func normal(v any) any {
	switch v := v.(type) {
	case int64:
		return float64(v)
	case float64:
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return nil
		}
		return v
	case string:
		return string(bytes.ToValidUTF8([]byte(v), []byte("\uFFFD")))
	case []byte:
		return v
	case []any:
		out := make([]any, len(v))
		for i, e := range v {
			out[i] = normal(e)
		}
		return out
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, e := range v {
			out[normal(k).(string)] = normal(e)
		}
		return out
	}
	return v
}

func cleanNaN(v any) any {
	switch v := v.(type) {
	case float64:
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return 0.5
		}
	case []any:
		for i, e := range v {
			v[i] = cleanNaN(e)
		}
	case map[string]any:
		for k, e := range v {
			v[k] = cleanNaN(e)
		}
	}
	return v
}

// reconstruct turns a decoded packet's Data back into Go values, []byte in place.
func reconstruct(t *rapid.T, p *parser.Packet) any {
	if p.Data == nil {
		return nil
	}
	var v any
	if err := json.Unmarshal(p.Data.(json.RawMessage), &v); err != nil {
		t.Fatalf("decoded Data is not JSON: %v\n%s", err, p.Data)
	}
	v, err := parser.ReplacePlaceholders(v, p.Attachments)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// Encode then Decode gives the packet back, and encoding the decoded packet (the
// relay form) gives the same bytes.
func TestRoundTrip(t *testing.T) {
	mp := msgpack.New(nil)
	rapid.Check(t, func(t *rapid.T) {
		p := packetGen().Draw(t, "packet")
		p.Data = cleanNaN(p.Data)
		frames, err := mp.Encode(p)
		if err != nil {
			t.Fatalf("Encode: %v", err)
		}
		got, err := mp.NewDecoder().Decode(frames[0])
		if err != nil {
			t.Fatalf("Decode: %v\nframe %x", err, frames[0].Data)
		}
		want := *p
		if want.Namespace == "" {
			want.Namespace = "/"
		}
		if got.Type != want.Type || got.Namespace != want.Namespace || got.HasID != want.HasID || got.ID != want.ID {
			t.Fatalf("header: got %+v, want %+v", got, want)
		}
		if diff := cmp.Diff(normal(p.Data), reconstruct(t, got)); diff != "" {
			t.Fatalf("data (-sent +decoded):\n%s", diff)
		}
		again, err := mp.Encode(got)
		if err != nil {
			t.Fatalf("Encode of the decoded packet: %v", err)
		}
		if !bytes.Equal(again[0].Data, frames[0].Data) {
			t.Fatalf("relay changed the bytes:\n got %x\nwant %x", again[0].Data, frames[0].Data)
		}
	})
}
