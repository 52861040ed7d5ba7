package conformance

import (
	"fmt"
	"strings"

	"github.com/google/go-cmp/cmp"
	"pgregory.net/rapid"

	"github.com/gosockio/gosockio/parser"
)

// ParserDriver is a socket.io packet parser under test: ours, another Go
// implementation, or the official JavaScript one behind a bridge.
type ParserDriver interface {
	// Revision is the protocol revision the parser speaks (parser.V5 or parser.V4);
	// the generators produce packets valid for it.
	Revision() parser.Revision
	// Encode returns the frames that carry p: one text frame, then one binary
	// frame per attachment. Encode must not keep p.
	Encode(p *parser.Packet) ([]parser.Frame, error)
	// NewDecoder returns a decoder with no packet in progress.
	NewDecoder() parser.Decoder
}

// NewParserDriver returns p (for example the default parser) as a driver for rev.
func NewParserDriver(p parser.Parser, rev parser.Revision) ParserDriver {
	return parserDriver{enc: p.Encoder(), p: p, rev: rev}
}

type parserDriver struct {
	enc parser.Encoder
	p   parser.Parser
	rev parser.Revision
}

func (d parserDriver) Revision() parser.Revision                       { return d.rev }
func (d parserDriver) Encode(p *parser.Packet) ([]parser.Frame, error) { return d.enc.Encode(p) }
func (d parserDriver) NewDecoder() parser.Decoder                      { return d.p.NewDecoder() }

// DescribeFrames prints frames for failure messages: text frames quoted,
// binary frames as hex.
func DescribeFrames(frames []parser.Frame) string {
	var b strings.Builder
	for i, f := range frames {
		if i > 0 {
			b.WriteString(" | ")
		}
		if f.Binary {
			fmt.Fprintf(&b, "bin:%x", f.Data)
		} else {
			fmt.Fprintf(&b, "%q", f.Data)
		}
	}
	return b.String()
}

// CheckParserRoundTrip checks that every valid packet survives encode, then
// decode, unchanged (compared in normal form, see Normalize), and that the
// frames have the shape socket.io-parser uses: one text frame, then exactly one
// binary frame per []byte value in the data; the decoder returns nothing and
// reports Pending until the last attachment, then the packet. The decoded
// packet, encoded again as it is (the relay path: raw payload with its
// attachments), must decode to the same packet.
func CheckParserRoundTrip(t rapid.TB, d ParserDriver) {
	t.Helper()
	rapid.Check(t, func(rt *rapid.T) {
		p := PacketGen(d.Revision()).Draw(rt, "packet")
		want, err := Normalize(p)
		if err != nil {
			rt.Fatalf("normalize the generated packet: %v", err)
		}
		frames, err := d.Encode(p)
		if err != nil {
			rt.Fatalf("Encode: %v", err)
		}
		checkFrameShape(rt, frames, countBinary(p.Data))
		dec := d.NewDecoder()
		got, decoded := decodePacket(rt, dec, frames)
		if diff := cmp.Diff(want, got); diff != "" {
			rt.Fatalf("decode(encode(p)) differs from p (-want +got):\n%s\nframes: %s", diff, DescribeFrames(frames))
		}
		// Relay: a decoded packet encoded again (raw payload, attachments
		// beside it) must decode to the same packet.
		again, err := d.Encode(decoded)
		if err != nil {
			rt.Fatalf("Encode of the decoded packet %+v: %v", decoded, err)
		}
		checkFrameShape(rt, again, len(frames)-1)
		if got2, _ := decodePacket(rt, dec, again); !cmp.Equal(want, got2) {
			rt.Fatalf("decode(encode(decode(encode(p)))) differs from p (-want +got):\n%s\nframes: %s", cmp.Diff(want, got2), DescribeFrames(again))
		}
	})
}

func checkFrameShape(rt *rapid.T, frames []parser.Frame, binaries int) {
	rt.Helper()
	if len(frames) != 1+binaries {
		rt.Fatalf("Encode gave %d frames, want 1 text frame and %d binary: %s", len(frames), binaries, DescribeFrames(frames))
	}
	for i, f := range frames {
		if f.Binary != (i > 0) {
			rt.Fatalf("frame %d has Binary=%v; want a text frame first and binary frames after: %s", i, f.Binary, DescribeFrames(frames))
		}
	}
}

// decodeOne feeds the frames of one packet and returns it in normal form.
func decodeOne(rt *rapid.T, dec parser.Decoder, frames []parser.Frame) NormalPacket {
	rt.Helper()
	n, _ := decodePacket(rt, dec, frames)
	return n
}

// decodePacket feeds the frames of one packet and returns it in normal form
// and as decoded.
func decodePacket(rt *rapid.T, dec parser.Decoder, frames []parser.Frame) (NormalPacket, *parser.Packet) {
	rt.Helper()
	for i, f := range frames {
		got, err := dec.Decode(f)
		if err != nil {
			rt.Fatalf("Decode frame %d: %v\nframes: %s", i, err, DescribeFrames(frames))
		}
		last := i == len(frames)-1
		if !last {
			if got != nil {
				rt.Fatalf("Decode returned a packet at frame %d of %d: %+v\nframes: %s", i, len(frames), got, DescribeFrames(frames))
			}
			if !dec.Pending() {
				rt.Fatalf("Pending() = false after frame %d of %d\nframes: %s", i, len(frames), DescribeFrames(frames))
			}
			continue
		}
		if got == nil {
			rt.Fatalf("Decode returned no packet after the last frame\nframes: %s", DescribeFrames(frames))
		}
		if dec.Pending() {
			rt.Fatalf("Pending() = true after the packet was returned\nframes: %s", DescribeFrames(frames))
		}
		n, err := Normalize(got)
		if err != nil {
			rt.Fatalf("decoded packet: %v\nframes: %s", err, DescribeFrames(frames))
		}
		return n, got
	}
	rt.Fatalf("no frames")
	return NormalPacket{}, nil
}

// CheckParserReassembly checks that one decoder fed the frames of a random
// sequence of packets, one frame at a time, returns exactly those packets in
// order, each on its last frame; that Pending is true exactly while a binary
// packet waits for attachments; and that Reset at any point inside a binary
// packet discards it, after which the following packets decode unchanged.
func CheckParserReassembly(t rapid.TB, d ParserDriver) {
	t.Helper()
	rapid.Check(t, func(rt *rapid.T) {
		packets := rapid.SliceOfN(PacketGen(d.Revision()), 1, 6).Draw(rt, "packets")
		type piece struct {
			packet int
			frames []parser.Frame
			want   NormalPacket
		}
		var pieces []piece
		for i, p := range packets {
			want, err := Normalize(p)
			if err != nil {
				rt.Fatalf("normalize packet %d: %v", i, err)
			}
			frames, err := d.Encode(p)
			if err != nil {
				rt.Fatalf("Encode packet %d: %v", i, err)
			}
			pieces = append(pieces, piece{i, frames, want})
		}
		// Maybe abort one binary packet midway: Reset after `cut` of its frames.
		abort, cut := -1, 0
		var binary []int
		for i, pc := range pieces {
			if len(pc.frames) > 1 {
				binary = append(binary, i)
			}
		}
		if len(binary) > 0 && rapid.Bool().Draw(rt, "abort") {
			abort = rapid.SampledFrom(binary).Draw(rt, "abortPacket")
			cut = rapid.IntRange(1, len(pieces[abort].frames)-1).Draw(rt, "abortAfterFrames")
		}

		dec := d.NewDecoder()
		for i, pc := range pieces {
			frames := pc.frames
			if i == abort {
				frames = frames[:cut]
			}
			for j, f := range frames {
				got, err := dec.Decode(f)
				if err != nil {
					rt.Fatalf("packet %d frame %d: Decode: %v\nframes: %s", i, j, err, DescribeFrames(pc.frames))
				}
				complete := j == len(pc.frames)-1
				if !complete {
					if got != nil {
						rt.Fatalf("packet %d: a packet came out at frame %d of %d", i, j, len(pc.frames))
					}
					if !dec.Pending() {
						rt.Fatalf("packet %d: Pending() = false at frame %d of %d", i, j, len(pc.frames))
					}
					continue
				}
				if got == nil {
					rt.Fatalf("packet %d: no packet after its last frame\nframes: %s", i, DescribeFrames(pc.frames))
				}
				if dec.Pending() {
					rt.Fatalf("packet %d: Pending() = true after it came out", i)
				}
				n, err := Normalize(got)
				if err != nil {
					rt.Fatalf("packet %d: %v", i, err)
				}
				if diff := cmp.Diff(pc.want, n); diff != "" {
					rt.Fatalf("packet %d decoded differently (-want +got):\n%s\nframes: %s", i, diff, DescribeFrames(pc.frames))
				}
			}
			if i == abort {
				dec.Reset()
				if dec.Pending() {
					rt.Fatalf("packet %d: Pending() = true after Reset", i)
				}
			}
		}
	})
}

// CheckParserRejects checks that the decoder returns an error, not before
// InvalidInput.ErrorFrom and at the last frame at the latest, for each kind of invalid input in InvalidInputGen, and
// that after Reset the same decoder decodes a valid packet unchanged.
func CheckParserRejects(t rapid.TB, d ParserDriver) {
	t.Helper()
	rapid.Check(t, func(rt *rapid.T) {
		in := InvalidInputGen(d.Revision()).Draw(rt, "invalid")
		dec := d.NewDecoder()
		rejected := false
		for i, f := range in.Frames {
			got, err := dec.Decode(f)
			if err != nil {
				if i < in.ErrorFrom {
					rt.Fatalf("%s: error at frame %d, before the invalid one (%d): %v\nframes: %s", in.Why, i, in.ErrorFrom, err, DescribeFrames(in.Frames))
				}
				if got != nil {
					rt.Fatalf("%s: returned both a packet and an error", in.Why)
				}
				rejected = true
				break
			}
			if got != nil && i >= in.ErrorFrom {
				rt.Fatalf("%s: accepted (got %+v); want an error\nframes: %s", in.Why, got, DescribeFrames(in.Frames))
			}
		}
		if !rejected {
			rt.Fatalf("%s: no error; want an error\nframes: %s", in.Why, DescribeFrames(in.Frames))
		}
		dec.Reset()
		p := PacketGen(d.Revision()).Draw(rt, "next")
		want, err := Normalize(p)
		if err != nil {
			rt.Fatalf("normalize: %v", err)
		}
		frames, err := d.Encode(p)
		if err != nil {
			rt.Fatalf("Encode: %v", err)
		}
		if got := decodeOne(rt, dec, frames); !cmp.Equal(want, got) {
			rt.Fatalf("after rejecting %s and Reset, the next packet decoded differently:\n%s", in.Why, cmp.Diff(want, got))
		}
	})
}
