package conformance

import (
	"bytes"
	"fmt"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
	"pgregory.net/rapid"

	"github.com/gosockio/gosockio/parser"
)

// Differential tests: our parser against the official socket.io-parser (4.2.7
// for v5, 3.4.3 for v4) through node/parser-bridge.js, in batches. Each
// direction and the mutation test handle at least diffMinPackets packets per
// revision; rapid shrinks a failing batch to the packet that breaks.
//
// Known divergences (also listed in README.md):
//
//   - Bytes: objects decoded from JSON keep JavaScript's key order, which
//     lists integer-like keys ("0", "42") first; we write map keys sorted as
//     strings. Same values, different bytes; diffNodeEncodes logs how often.
//   - Decisions on invalid input: knownDivergences in parser_mutate_test.go,
//     each with its reason.

// diffMinPackets is the least number of packets each differential test sends
// through both parsers, per revision.
const diffMinPackets = 1000

// checkAtLeast runs prop under rapid until it has reported at least min items.
func checkAtLeast(t *testing.T, min int, what string, prop func(rt *rapid.T) int) {
	t.Helper()
	total := 0
	for round := 0; total < min; round++ {
		if round == 50 {
			t.Fatalf("only %d %s after %d rounds of rapid checks (-rapid.checks too low?)", total, what, round)
		}
		rapid.Check(t, func(rt *rapid.T) { total += prop(rt) })
	}
	t.Logf("%d %s", total, what)
}

func TestParserDifferential(t *testing.T) {
	b := startParserBridge(t)
	for _, rev := range revisions {
		t.Run(revName(rev), func(t *testing.T) {
			node := newNodeParser(t, b, rev)
			ours := parser.New(&parser.Options{Revision: rev})
			t.Run("GoEncodesNodeDecodes", func(t *testing.T) { diffGoEncodes(t, ours, node) })
			t.Run("NodeEncodesGoDecodes", func(t *testing.T) { diffNodeEncodes(t, ours, node) })
			t.Run("MutatedFrames", func(t *testing.T) { diffMutated(t, ours, node) })
		})
	}
}

func batchGen(rev parser.Revision) *rapid.Generator[[]*parser.Packet] {
	return rapid.SliceOfN(PacketGen(rev), 10, 40)
}

// diffGoEncodes: packets encoded by our encoder decode in socket.io-parser to
// the same value, each on its last frame, with nothing pending after.
func diffGoEncodes(t *testing.T, ours *parser.JSONParser, node *nodeParser) {
	checkAtLeast(t, diffMinPackets, "packets encoded by Go, decoded by socket.io-parser", func(rt *rapid.T) int {
		packets := batchGen(node.rev).Draw(rt, "packets")
		wants := make([]NormalPacket, len(packets))
		inputs := make([][]parser.Frame, len(packets))
		for i, p := range packets {
			var err error
			if wants[i], err = Normalize(p); err != nil {
				rt.Fatalf("packet %d: %v", i, err)
			}
			if inputs[i], err = ours.Encode(p); err != nil {
				rt.Fatalf("packet %d: our Encode: %v", i, err)
			}
		}
		results, err := node.decodeBatch(inputs)
		if err != nil {
			rt.Fatal(err)
		}
		for i, r := range results {
			got, err := singlePacket(r)
			if err != nil {
				rt.Fatalf("packet %d: socket.io-parser: %v\nframes: %s", i, err, DescribeFrames(inputs[i]))
			}
			if diff := cmp.Diff(wants[i], got); diff != "" {
				rt.Fatalf("packet %d: socket.io-parser decoded our frames differently (-sent +decoded):\n%s\nframes: %s", i, diff, DescribeFrames(inputs[i]))
			}
		}
		return len(packets)
	})
}

// singlePacket checks that a bridge decode result is one packet on the last
// frame and returns it normalized.
func singlePacket(r feedResult) (NormalPacket, error) {
	for i, o := range r.Outputs {
		last := i == len(r.Outputs)-1
		switch {
		case o.Error != nil:
			return NormalPacket{}, fmt.Errorf("error at frame %d: %s", i, *o.Error)
		case o.Packet != nil && !last:
			return NormalPacket{}, fmt.Errorf("packet at frame %d of %d", i, len(r.Outputs))
		case o.Packet == nil && last:
			return NormalPacket{}, fmt.Errorf("no packet after the last frame (pending %v)", r.Pending)
		case last:
			if r.Pending {
				return NormalPacket{}, fmt.Errorf("still pending after the packet")
			}
			p, err := o.Packet.packet()
			if err != nil {
				return NormalPacket{}, err
			}
			return Normalize(p)
		}
	}
	return NormalPacket{}, fmt.Errorf("no frames")
}

// byteDiffs counts packets whose frames differ between the encoders, by reason.
type byteDiffs struct {
	total   int
	reasons map[string]int
	samples map[string]string
}

func (b *byteDiffs) add(ours, theirs []parser.Frame) {
	b.total++
	if slices.EqualFunc(ours, theirs, func(x, y parser.Frame) bool { return x.Binary == y.Binary && bytes.Equal(x.Data, y.Data) }) {
		return
	}
	reason := "other"
	if len(ours) == len(theirs) && len(ours) > 0 {
		a, b := []rune(string(ours[0].Data)), []rune(string(theirs[0].Data))
		slices.Sort(a)
		slices.Sort(b)
		if slices.Equal(a, b) {
			reason = "object key order (JavaScript lists integer-like keys first, in numeric order; we sort keys as strings)"
		}
	}
	if b.reasons == nil {
		b.reasons, b.samples = map[string]int{}, map[string]string{}
	}
	b.reasons[reason]++
	if _, ok := b.samples[reason]; !ok {
		b.samples[reason] = fmt.Sprintf("ours %s\n    node %s", DescribeFrames(ours), DescribeFrames(theirs))
	}
}

func (b *byteDiffs) log(t *testing.T) {
	n := 0
	for _, c := range b.reasons {
		n += c
	}
	t.Logf("%d of %d packets encode to different bytes in Go and Node (all decode equal):", n, b.total)
	for r, c := range b.reasons {
		t.Logf("  %d: %s; e.g.\n    %s", c, r, b.samples[r])
	}
}

// diffNodeEncodes: packets encoded by socket.io-parser decode in our decoder
// to the same value. It also compares the bytes with our encoder's and logs
// how many differ, and why.
func diffNodeEncodes(t *testing.T, ours *parser.JSONParser, node *nodeParser) {
	var bd byteDiffs
	checkAtLeast(t, diffMinPackets, "packets encoded by socket.io-parser, decoded by Go", func(rt *rapid.T) int {
		packets := batchGen(node.rev).Draw(rt, "packets")
		frames, errs, err := node.encodeBatch(packets)
		if err != nil {
			rt.Fatal(err)
		}
		for i, p := range packets {
			if errs[i] != nil {
				rt.Fatalf("packet %d: socket.io-parser could not encode it: %v", i, errs[i])
			}
			want, err := Normalize(p)
			if err != nil {
				rt.Fatalf("packet %d: %v", i, err)
			}
			got := decodeOne(rt, ours.NewDecoder(), frames[i])
			if diff := cmp.Diff(want, got); diff != "" {
				rt.Fatalf("packet %d: we decoded socket.io-parser's frames differently (-sent +decoded):\n%s\nframes: %s", i, diff, DescribeFrames(frames[i]))
			}
			ourFrames, err := ours.Encode(p)
			if err != nil {
				rt.Fatalf("packet %d: our Encode: %v", i, err)
			}
			bd.add(ourFrames, frames[i])
		}
		return len(packets)
	})
	bd.log(t)
}
