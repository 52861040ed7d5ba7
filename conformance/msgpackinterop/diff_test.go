package msgpackinterop

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"math"
	"strconv"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"pgregory.net/rapid"

	"github.com/gosockio/gosockio/conformance/internal/nodeenv"
	"github.com/gosockio/gosockio/parser"
	"github.com/gosockio/gosockio/parser/msgpack"
)

// Differential tests: packets encoded by our parser decode in
// socket.io-msgpack-parser to the same value, and the reverse, at least
// diffMinPackets each way, in batches. Known divergence: JavaScript lists
// integer-like object keys ("0", "42") first and we write map keys sorted, so
// such maps differ in bytes (not in value); the test logs how many frames are
// byte-identical.

const diffMinPackets = 1000

const binTag = "__gosockio_bin"

type wirePacket struct {
	Type int             `json:"type"`
	Nsp  string          `json:"nsp"`
	ID   *uint64         `json:"id,omitempty"`
	Data json.RawMessage `json:"data,omitempty"`
}

type bridgeResult struct {
	Frame  string      `json:"frame"`
	Packet *wirePacket `json:"packet"`
	Error  *string     `json:"error"`
}

func valueGen(depth int) *rapid.Generator[any] {
	scalars := []*rapid.Generator[any]{
		rapid.Just[any](nil),
		rapid.Map(rapid.Bool(), func(b bool) any { return b }),
		rapid.Map(rapid.Int64Range(-1<<53+1, 1<<53-1), func(i int64) any { return i }),
		rapid.Map(rapid.IntRange(-200, 70000), func(i int) any { return i }),
		rapid.Map(rapid.Float64(), func(f float64) any {
			if math.IsNaN(f) || math.IsInf(f, 0) {
				return 0.25 // an error for our encoder: JSON cannot carry them
			}
			if f == math.Trunc(f) && math.Abs(f) >= 1<<63 {
				return 0.5 // notepack.io writes these modulo 2^64 (see msgpack's doc)
			}
			return f
		}),
		rapid.Map(rapid.StringN(0, 40, -1), func(s string) any { return s }),
		rapid.Map(rapid.SliceOfN(rapid.Byte(), 0, 300), func(b []byte) any { return b }),
	}
	if depth == 0 {
		return rapid.OneOf(scalars...)
	}
	return rapid.OneOf(append(scalars,
		rapid.Map(rapid.SliceOfN(valueGen(depth-1), 0, 18), func(v []any) any { return v }),
		rapid.Map(rapid.MapOfN(rapid.StringN(0, 8, -1), valueGen(depth-1), 0, 18), func(m map[string]any) any { return m }),
	)...)
}

func packetGen() *rapid.Generator[*parser.Packet] {
	return rapid.Custom(func(t *rapid.T) *parser.Packet {
		p := &parser.Packet{
			Type:      parser.Type(rapid.IntRange(0, 4).Draw(t, "type")),
			Namespace: rapid.SampledFrom([]string{"/", "/chat", "/é😀"}).Draw(t, "nsp"),
		}
		if rapid.Bool().Draw(t, "hasID") {
			p.ID, p.HasID = rapid.Uint64Range(0, 1<<53-1).Draw(t, "id"), true
		}
		args := rapid.SliceOfN(valueGen(2), 0, 6).Draw(t, "args")
		switch p.Type {
		case parser.Connect:
			if rapid.Bool().Draw(t, "auth") {
				p.Data = rapid.MapOfN(rapid.StringN(0, 8, -1), valueGen(1), 0, 5).Draw(t, "auth")
			}
		case parser.ConnectError:
			if rapid.Bool().Draw(t, "string") {
				p.Data = rapid.String().Draw(t, "message")
			} else {
				p.Data = map[string]any{"message": rapid.String().Draw(t, "message"), "data": valueGen(1).Draw(t, "data")}
			}
		case parser.Event:
			name := rapid.String().Filter(func(s string) bool { return !parser.IsReservedEvent(s) }).Draw(t, "name")
			p.Data = append([]any{name}, args...)
		case parser.Ack:
			p.Data = args
		}
		return p
	})
}

// normal is a value as both sides see it: numbers as float64, binary as []byte
// (never nil), strings valid UTF-8.
func normal(v any) any {
	switch v := v.(type) {
	case int:
		return float64(v)
	case int64:
		return float64(v)
	case json.Number:
		f, _ := v.Float64()
		return f
	case string:
		return string(bytes.ToValidUTF8([]byte(v), []byte("\uFFFD")))
	case []byte:
		if v == nil {
			return []byte{}
		}
		return v
	case []any:
		out := make([]any, len(v))
		for i, e := range v {
			out[i] = normal(e)
		}
		return out
	case map[string]any:
		if s, ok := v[binTag].(string); ok && len(v) == 1 {
			b, _ := base64.StdEncoding.DecodeString(s)
			return normal(b)
		}
		out := make(map[string]any, len(v))
		for k, e := range v {
			out[normal(k).(string)] = normal(e)
		}
		return out
	}
	return v
}

func tag(v any) any {
	switch v := v.(type) {
	case []byte:
		return map[string]string{binTag: base64.StdEncoding.EncodeToString(v)}
	case []any:
		out := make([]any, len(v))
		for i, e := range v {
			out[i] = tag(e)
		}
		return out
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, e := range v {
			out[k] = tag(e)
		}
		return out
	}
	return v
}

// normalPacket is a packet in comparable form.
type normalPacket struct {
	Type      int
	Namespace string
	ID        *uint64
	Data      any
}

func fromGo(p *parser.Packet) normalPacket {
	n := normalPacket{Type: int(p.Type), Namespace: p.Namespace, Data: normal(p.Data)}
	if n.Namespace == "" {
		n.Namespace = "/"
	}
	if p.HasID {
		id := p.ID
		n.ID = &id
	}
	return n
}

func toWire(t *rapid.T, p *parser.Packet) wirePacket {
	n := fromGo(p)
	w := wirePacket{Type: n.Type, Nsp: n.Namespace, ID: n.ID}
	if p.Data != nil {
		b, err := json.Marshal(tag(p.Data))
		if err != nil {
			t.Fatal(err)
		}
		w.Data = b
	}
	return w
}

func fromWire(t *rapid.T, w *wirePacket) normalPacket {
	n := normalPacket{Type: w.Type, Namespace: w.Nsp, ID: w.ID}
	if w.Data != nil {
		var v any
		d := json.NewDecoder(bytes.NewReader(w.Data))
		d.UseNumber()
		if err := d.Decode(&v); err != nil {
			t.Fatal(err)
		}
		n.Data = normal(v)
	}
	return n
}

// fromDecoded converts a packet our decoder returned.
func fromDecoded(t *rapid.T, p *parser.Packet) normalPacket {
	n := normalPacket{Type: int(p.Type), Namespace: p.Namespace}
	if p.HasID {
		id := p.ID
		n.ID = &id
	}
	if p.Data != nil {
		d := json.NewDecoder(bytes.NewReader(p.Data.(json.RawMessage)))
		d.UseNumber()
		var v any
		if err := d.Decode(&v); err != nil {
			t.Fatalf("decoded Data is not JSON: %v", err)
		}
		v, err := parser.ReplacePlaceholders(v, p.Attachments)
		if err != nil {
			t.Fatal(err)
		}
		n.Data = normal(v)
	}
	return n
}

// hasIntegerKey reports whether v holds a map with a key JavaScript lists first
// (an array index: digits without a leading zero, below 2^32-1).
func hasIntegerKey(v any) bool {
	switch v := v.(type) {
	case []any:
		for _, e := range v {
			if hasIntegerKey(e) {
				return true
			}
		}
	case map[string]any:
		for k, e := range v {
			if n, err := strconv.ParseUint(k, 10, 32); err == nil && n < 1<<32-1 && strconv.FormatUint(n, 10) == k {
				return true
			}
			if hasIntegerKey(e) {
				return true
			}
		}
	}
	return false
}

func checkAtLeast(t *testing.T, min int, what string, prop func(rt *rapid.T) int) {
	t.Helper()
	total := 0
	for round := 0; total < min; round++ {
		if round == 50 {
			t.Fatalf("only %d %s after %d rounds", total, what, round)
		}
		rapid.Check(t, func(rt *rapid.T) { total += prop(rt) })
	}
	t.Logf("%d %s", total, what)
}

func call(t *rapid.T, b *nodeenv.Bridge, req any) []bridgeResult {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	var resp struct{ Results []bridgeResult }
	if err := b.Call(ctx, req, &resp); err != nil {
		t.Fatal(err)
	}
	return resp.Results
}

func TestDifferential(t *testing.T) {
	b := nodeenv.StartBridge(t, "msgpack-bridge.js", nil)
	mp := msgpack.New(nil)
	batch := rapid.SliceOfN(packetGen(), 10, 40)

	t.Run("GoEncodesNodeDecodes", func(t *testing.T) {
		checkAtLeast(t, diffMinPackets, "packets encoded by Go, decoded by socket.io-msgpack-parser", func(rt *rapid.T) int {
			packets := batch.Draw(rt, "packets")
			frames := make([]string, len(packets))
			for i, p := range packets {
				f, err := mp.Encode(p)
				if err != nil {
					rt.Fatalf("packet %d: Encode: %v", i, err)
				}
				frames[i] = base64.StdEncoding.EncodeToString(f[0].Data)
			}
			res := call(rt, b, map[string]any{"op": "decode", "frames": frames})
			for i, r := range res {
				if r.Error != nil {
					rt.Fatalf("packet %d: socket.io-msgpack-parser: %s\nframe %s", i, *r.Error, frames[i])
				}
				if diff := cmp.Diff(fromGo(packets[i]), fromWire(rt, r.Packet)); diff != "" {
					rt.Fatalf("packet %d (-sent +decoded by Node):\n%s\nframe %s", i, diff, frames[i])
				}
			}
			return len(packets)
		})
	})

	t.Run("NodeEncodesGoDecodes", func(t *testing.T) {
		same, total := 0, 0
		checkAtLeast(t, diffMinPackets, "packets encoded by socket.io-msgpack-parser, decoded by Go", func(rt *rapid.T) int {
			packets := batch.Draw(rt, "packets")
			wire := make([]wirePacket, len(packets))
			for i, p := range packets {
				wire[i] = toWire(rt, p)
			}
			res := call(rt, b, map[string]any{"op": "encode", "packets": wire})
			for i, r := range res {
				if r.Error != nil {
					rt.Fatalf("packet %d: socket.io-msgpack-parser could not encode it: %s", i, *r.Error)
				}
				frame, err := base64.StdEncoding.DecodeString(r.Frame)
				if err != nil {
					rt.Fatal(err)
				}
				got, err := mp.NewDecoder().Decode(parser.Frame{Data: frame, Binary: true})
				if err != nil {
					rt.Fatalf("packet %d: our Decode: %v\nframe %x", i, err, frame)
				}
				if diff := cmp.Diff(fromGo(packets[i]), fromDecoded(rt, got)); diff != "" {
					rt.Fatalf("packet %d (-sent +decoded by Go):\n%s\nframe %x", i, diff, frame)
				}
				ours, err := mp.Encode(packets[i])
				if err != nil {
					rt.Fatal(err)
				}
				total++
				if bytes.Equal(ours[0].Data, frame) {
					same++
				} else if !hasIntegerKey(packets[i].Data) {
					rt.Fatalf("packet %d: our bytes differ from socket.io-msgpack-parser's, and not because of integer-like keys:\n ours %x\nnode %x", i, ours[0].Data, frame)
				}
			}
			return len(packets)
		})
		t.Logf("%d of %d frames byte-identical to socket.io-msgpack-parser's (each of the rest has a map with an integer-like key, which JavaScript lists first)", same, total)
	})
}
