package parser_test

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"pgregory.net/rapid"

	"github.com/gosockio/gosockio/parser"
)

// genValue draws a JSON value as Go holds it after unmarshalling into any (numbers
// are float64), with []byte at any depth when binary is true.
func genValue(t *rapid.T, depth int, binary bool, label string) any {
	kinds := 6
	if depth < 3 {
		kinds = 8
	}
	switch k := rapid.IntRange(0, kinds-1).Draw(t, label+"/kind"); {
	case k == 0:
		return nil
	case k == 1:
		return rapid.Bool().Draw(t, label+"/bool")
	case k == 2:
		return rapid.Float64().Filter(func(f float64) bool { return f == f && f-f == 0 }).Draw(t, label+"/float")
	case k == 3:
		return rapid.String().Draw(t, label+"/string")
	case k == 4:
		return float64(rapid.Int32().Draw(t, label+"/int"))
	case k == 5:
		if binary {
			return rapid.SliceOfN(rapid.Byte(), 0, 64).Draw(t, label+"/bytes")
		}
		return rapid.StringMatching(`[a-z<>&\x{2028}]{0,8}`).Draw(t, label+"/ascii")
	case k == 6:
		n := rapid.IntRange(0, 4).Draw(t, label+"/len")
		a := make([]any, n)
		for i := range a {
			a[i] = genValue(t, depth+1, binary, label+"/a")
		}
		return a
	default:
		n := rapid.IntRange(0, 4).Draw(t, label+"/len")
		m := make(map[string]any, n)
		for range n {
			m[rapid.String().Draw(t, label+"/key")] = genValue(t, depth+1, binary, label+"/m")
		}
		return m
	}
}

// genPacket draws a packet that the revision's encoder accepts, with its data in the
// form Reconstruct returns.
func genPacket(t *rapid.T, rev parser.Revision) *parser.Packet {
	p := &parser.Packet{Namespace: "/"}
	if rapid.Bool().Draw(t, "hasNsp") {
		p.Namespace = "/" + strings.ReplaceAll(rapid.String().Draw(t, "nsp"), ",", "")
	}
	types := []parser.Type{parser.Connect, parser.Disconnect, parser.Event, parser.Ack, parser.ConnectError}
	p.Type = rapid.SampledFrom(types).Draw(t, "type")
	if p.Type == parser.Event || p.Type == parser.Ack {
		if p.HasID = rapid.Bool().Draw(t, "hasID"); p.HasID {
			p.ID = rapid.Uint64Range(0, 1<<53-1).Draw(t, "id")
		}
	}
	switch p.Type {
	case parser.Connect:
		if rapid.Bool().Draw(t, "connectData") {
			m := map[string]any{}
			for range rapid.IntRange(0, 3).Draw(t, "n") {
				m[rapid.String().Draw(t, "k")] = genValue(t, 1, false, "v")
			}
			p.Data = m
		}
	case parser.ConnectError:
		if rapid.Bool().Draw(t, "errString") {
			p.Data = rapid.String().Draw(t, "msg")
		} else {
			p.Data = map[string]any{"message": rapid.String().Draw(t, "msg")}
		}
	case parser.Event, parser.Ack:
		var args []any
		if p.Type == parser.Event {
			if rapid.Bool().Draw(t, "numericName") {
				args = append(args, float64(rapid.Int16().Draw(t, "nameNum")))
			} else {
				name := rapid.String().Filter(func(s string) bool { return rev == parser.V4 || !parser.IsReservedEvent(s) }).Draw(t, "name")
				args = append(args, name)
			}
		}
		binary := rapid.Bool().Draw(t, "binary")
		for range rapid.IntRange(0, 4).Draw(t, "nargs") {
			args = append(args, genValue(t, 0, binary, "arg"))
		}
		if args == nil {
			args = []any{}
		}
		p.Data = args
	}
	return p
}

var equate = cmp.Options{cmpopts.EquateEmpty()}

// decodeValue turns a decoded packet back into the generated form.
func decodeValue(t *rapid.T, p *parser.JSONParser, got *parser.Packet) *parser.Packet {
	out := *got
	out.Attachments = nil
	if got.Data != nil {
		v, err := p.Reconstruct(got.Data.(json.RawMessage), got.Attachments)
		if err != nil {
			t.Fatalf("Reconstruct: %v", err)
		}
		out.Data = v
	}
	return &out
}

func TestPropertyRoundTrip(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		rev := rapid.SampledFrom([]parser.Revision{parser.V5, parser.V4}).Draw(t, "rev")
		p := parser.New(&parser.Options{Revision: rev})
		in := genPacket(t, rev)
		frames, err := p.Encode(in)
		if err != nil {
			if strings.Contains(err.Error(), "too many attachments") {
				t.Skip("more than 10 []byte drawn")
			}
			t.Fatalf("Encode(%+v): %v", in, err)
		}
		got, err := decodeAll(p.NewDecoder(), frames)
		if err != nil || len(got) != 1 {
			t.Fatalf("Decode(%q...) = %v, %v", frames[0].Data, got, err)
		}
		if diff := cmp.Diff(in, decodeValue(t, p, got[0]), equate); diff != "" {
			t.Fatalf("decode(encode(p)) != p; frame %q (-want +got):\n%s", frames[0].Data, diff)
		}
		// The relay form: the decoded packet encodes to the same frames.
		again, err := p.Encode(got[0])
		if err != nil {
			t.Fatalf("Encode(decoded): %v", err)
		}
		if diff := cmp.Diff(frames, again, equate); diff != "" {
			t.Fatalf("encode(decode(frames)) != frames (-want +got):\n%s", diff)
		}
	})
}

// One decoder fed a stream of packets' frames returns the same packets as a fresh
// decoder per packet.
func TestPropertyStreamEqualsOneByOne(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		rev := rapid.SampledFrom([]parser.Revision{parser.V5, parser.V4}).Draw(t, "rev")
		p := parser.New(&parser.Options{Revision: rev})
		var stream []parser.Frame
		var want []*parser.Packet
		for range rapid.IntRange(1, 8).Draw(t, "packets") {
			frames, err := p.Encode(genPacket(t, rev))
			if err != nil {
				continue
			}
			stream = append(stream, frames...)
			one, err := decodeAll(p.NewDecoder(), frames)
			if err != nil {
				t.Fatalf("one by one: %v", err)
			}
			want = append(want, one...)
		}
		got, err := decodeAll(p.NewDecoder(), stream)
		if err != nil {
			t.Fatalf("stream: %v", err)
		}
		if diff := cmp.Diff(want, got, equate); diff != "" {
			t.Fatalf("(-one by one +stream):\n%s", diff)
		}
	})
}

// Splitting the decoded data gives the encoded arguments, each reconstructable alone.
func TestPropertySplitArguments(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		p := parser.New(nil)
		args := []any{"e"}
		for range rapid.IntRange(0, 5).Draw(t, "n") {
			args = append(args, genValue(t, 0, true, "arg"))
		}
		frames, err := p.Encode(&parser.Packet{Type: parser.Event, Data: args})
		if err != nil {
			t.Skip(err)
		}
		got, err := decodeAll(p.NewDecoder(), frames)
		if err != nil {
			t.Fatal(err)
		}
		elems, err := parser.SplitArray(got[0].Data.(json.RawMessage))
		if err != nil || len(elems) != len(args) {
			t.Fatalf("SplitArray = %d elements, %v; want %d", len(elems), err, len(args))
		}
		for i, e := range elems {
			if b, ok := args[i].([]byte); ok {
				a, ok := parser.Attachment(e, got[0].Attachments)
				if !ok || !bytes.Equal(a, b) {
					t.Fatalf("Attachment(arg %d = %s) = %v, %v; want %v", i, e, a, ok, b)
				}
				continue
			}
			v, err := p.Reconstruct(e, got[0].Attachments)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(args[i], v, equate); diff != "" {
				t.Fatalf("arg %d (-want +got):\n%s", i, diff)
			}
		}
	})
}
