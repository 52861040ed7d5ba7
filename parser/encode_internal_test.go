package parser

import (
	"encoding/json"
	"math"
	"testing"

	"github.com/google/go-cmp/cmp"
	"pgregory.net/rapid"
)

// The fast path and the general path write the same bytes.
func TestEncodeFlatMatchesGeneral(t *testing.T) {
	p := New(nil)
	data := []any{"e", "q\"\n\u2028\xff", 1, int64(-2), uint8(3), 1.5, float32(2.5), nil, true, json.RawMessage(` {"a":1} `), json.Number("7"), []byte{1}, []byte{2}}
	pkt := &Packet{Type: Event, Namespace: "/n", ID: 3, HasID: true, Data: data}
	flat, ok, err := p.encodeFlat(pkt, Event, "/n", data)
	if !ok || err != nil {
		t.Fatalf("encodeFlat: ok %v, err %v", ok, err)
	}
	general, err := p.encodeGeneral(pkt, Event, "/n", data)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(general, flat); diff != "" {
		t.Fatalf("(-general +flat):\n%s", diff)
	}
	if cap(flat[0].Data) > len(flat[0].Data)+headerLen("/n")+25*len(data) {
		t.Errorf("fast path text frame: len %d cap %d; the size estimate is off", len(flat[0].Data), cap(flat[0].Data))
	}
}

// Args that are already JSON, strings, numbers or []byte cost the text frame and the
// frames slice, nothing more.
func TestEncodeFlatAllocs(t *testing.T) {
	p := New(nil)
	pkt := &Packet{Type: Event, Data: []any{"chat", json.RawMessage(`{"user":"a","text":"hello"}`), []byte{1, 2}, 42, 1.5}}
	allocs := testing.AllocsPerRun(100, func() {
		if _, err := p.Encode(pkt); err != nil {
			t.Fatal(err)
		}
	})
	if allocs > 2 {
		t.Fatalf("Encode allocates %v times; want 2 (text frame and frames slice)", allocs)
	}
}

// genShallowArg draws an argument of the shape the shallow path takes (and some it
// leaves to the general path: deeper nesting, bigger maps, NaN, bad RawMessage).
func genShallowArg(t *rapid.T, depth int, label string) any {
	switch rapid.IntRange(0, 11).Draw(t, label) {
	case 0:
		return nil
	case 1:
		return rapid.Bool().Draw(t, label+"/bool")
	case 2:
		return rapid.String().Draw(t, label+"/string")
	case 3:
		return rapid.Int64().Draw(t, label+"/int")
	case 4:
		return rapid.SampledFrom([]float64{1.5, -0, 1e21, 1e-7, math.NaN()}).Draw(t, label+"/float")
	case 5:
		return rapid.SliceOfN(rapid.Byte(), 0, 4).Draw(t, label+"/bytes")
	case 6:
		// Not an empty one: at the top level the flat path refuses it, nested the
		// general path writes null (both as before the shallow path existed).
		return json.RawMessage(rapid.SampledFrom([]string{`{"a":[1]}`, ` 2 `, `{bad`}).Draw(t, label+"/raw"))
	case 7:
		return json.Number(rapid.SampledFrom([]string{"7", "-1.5e3", "x"}).Draw(t, label+"/num"))
	case 8, 9:
		if depth > 1 {
			return "leaf"
		}
		m := map[string]any{}
		for i := rapid.IntRange(0, 10).Draw(t, label+"/mlen"); i > 0; i-- {
			m[rapid.StringMatching(`[a-d\x{e9}"]{0,3}`).Draw(t, label+"/key")] = genShallowArg(t, depth+1, label+"/m")
		}
		if rapid.IntRange(0, 9).Draw(t, label+"/nilmap") == 0 {
			return map[string]any(nil)
		}
		return m
	default:
		if depth > 1 {
			return 1
		}
		s := make([]any, rapid.IntRange(0, 4).Draw(t, label+"/slen"))
		for i := range s {
			s[i] = genShallowArg(t, depth+1, label+"/s")
		}
		return s
	}
}

// The shallow path writes the bytes the general path writes, and leaves to it
// whatever it does not take, errors included.
func TestEncodeShallowMatchesGeneral(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		p := New(&Options{Revision: rapid.SampledFrom([]Revision{V5, V4}).Draw(t, "rev")})
		args := []any{rapid.SampledFrom([]any{"chat", "connect", 7, 1.5, nil}).Draw(t, "event")}
		for i := rapid.IntRange(0, 4).Draw(t, "n"); i > 0; i-- {
			args = append(args, genShallowArg(t, 0, "arg"))
		}
		typ := rapid.SampledFrom([]Type{Event, Ack}).Draw(t, "type")
		pkt := &Packet{Type: typ, Namespace: "/n", ID: 12, HasID: true, Data: args}
		general, gerr := p.encodeGeneral(pkt, typ, "/n", args)
		shallow, ok := p.encodeShallow(pkt, typ, "/n", args)
		if ok {
			if gerr != nil {
				t.Fatalf("shallow path took what the general path refuses (%v)", gerr)
			}
			if diff := cmp.Diff(general, shallow); diff != "" {
				t.Fatalf("(-general +shallow):\n%s", diff)
			}
			if f := shallow[0].Data; cap(f) != len(f) {
				t.Fatalf("text frame len %d cap %d", len(f), cap(f))
			}
		}
		frames, err := p.Encode(pkt)
		if (err == nil) != (gerr == nil) || err == nil && !cmp.Equal(frames, general) {
			t.Fatalf("Encode = %v, %v; general path %v, %v", frames, err, general, gerr)
		}
	})
}

// newFrames gives n frames and a buffer of at least size bytes for every size.
func TestNewFrames(t *testing.T) {
	for n := 1; n <= 3; n++ {
		for size := 0; size <= 600; size++ {
			frames, buf := newFrames(n, size)
			if len(frames) != n || cap(frames) != n || len(buf) != 0 || cap(buf) < size {
				t.Fatalf("newFrames(%d, %d): %d frames (cap %d), buffer len %d cap %d", n, size, len(frames), cap(frames), len(buf), cap(buf))
			}
		}
	}
}
