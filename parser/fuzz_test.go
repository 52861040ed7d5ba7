package parser_test

import (
	"encoding/json"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/gosockio/gosockio/parser"
)

// fuzzOpts keeps the limits small so that the fuzzer reaches them.
func fuzzParser(v4 bool) *parser.JSONParser {
	opts := &parser.Options{MaxAttachments: 4, MaxAttachmentBytes: 256}
	if v4 {
		opts.Revision = parser.V4
	}
	return parser.New(opts)
}

// checkRoundTrip: a decoded packet survives encode -> decode unchanged, and its
// decoding allocated nothing beyond the announced bounds.
func checkRoundTrip(t *testing.T, p *parser.JSONParser, pkt *parser.Packet, input int) {
	t.Helper()
	if raw, ok := pkt.Data.(json.RawMessage); ok && len(raw) > input {
		t.Fatalf("Data is %d bytes from a %d-byte frame", len(raw), input)
	}
	if cap(pkt.Attachments) > p.Options().MaxAttachments {
		t.Fatalf("Attachments capacity %d above MaxAttachments", cap(pkt.Attachments))
	}
	frames, err := p.Encode(pkt)
	if err != nil {
		t.Fatalf("Encode(decoded %+v): %v", pkt, err)
	}
	again, err := decodeAll(p.NewDecoder(), frames)
	if err != nil || len(again) != 1 {
		t.Fatalf("Decode(Encode(decoded)) = %v, %v (frame %q)", again, err, frames[0].Data)
	}
	if !cmp.Equal(pkt, again[0], equate) { // Diff only on failure: it is slow
		t.Fatalf("decode(encode(decoded)) differs; frame %q (-first +again):\n%s", frames[0].Data, cmp.Diff(pkt, again[0], equate))
	}
}

func FuzzDecodeText(f *testing.F) {
	for _, tc := range wireCases {
		f.Add(tc.frames[0].Data, tc.rev == parser.V4)
	}
	f.Fuzz(func(t *testing.T, data []byte, v4 bool) {
		p := fuzzParser(v4)
		d := p.NewDecoder()
		pkt, err := d.Decode(parser.Frame{Data: data})
		if err != nil {
			if pkt != nil || d.Pending() {
				t.Fatalf("error %v with a packet or a pending packet", err)
			}
			return
		}
		if d.Pending() {
			// Complete it with empty attachments.
			for pkt == nil {
				if pkt, err = d.Decode(parser.Frame{Data: []byte{}, Binary: true}); err != nil {
					t.Fatalf("attachment: %v", err)
				}
			}
		}
		checkRoundTrip(t, p, pkt, len(data))
	})
}

// splitFrames reads a fuzz input as frames: a kind byte (odd: binary), a length
// byte, then that many bytes.
func splitFrames(data []byte) []parser.Frame {
	var frames []parser.Frame
	for len(data) >= 2 {
		kind, n := data[0], int(data[1])
		data = data[2:]
		n = min(n, len(data))
		frames = append(frames, parser.Frame{Data: data[:n:n], Binary: kind%2 == 1})
		data = data[n:]
	}
	return frames
}

// joinFrames is the inverse of splitFrames (frames of at most 255 bytes).
func joinFrames(frames []parser.Frame) []byte {
	var out []byte
	for _, f := range frames {
		kind := byte(0)
		if f.Binary {
			kind = 1
		}
		out = append(out, kind, byte(len(f.Data)))
		out = append(out, f.Data...)
	}
	return out
}

func FuzzDecodeFrames(f *testing.F) {
	for _, tc := range wireCases {
		f.Add(joinFrames(tc.frames), tc.rev == parser.V4)
	}
	f.Fuzz(func(t *testing.T, data []byte, v4 bool) {
		p := fuzzParser(v4)
		d := p.NewDecoder()
		into := p.NewJSONDecoder() // fed the same frames through DecodeInto
		pending := 0
		for _, fr := range splitFrames(data) {
			pkt, err := d.Decode(fr)
			checkDecodeInto(t, into, fr, pkt, err)
			if err != nil {
				if pkt != nil || d.Pending() {
					t.Fatalf("error %v with a packet or a pending packet", err)
				}
				pending = 0
				continue
			}
			if fr.Binary {
				pending += len(fr.Data)
				if pending > p.Options().MaxAttachmentBytes {
					t.Fatalf("%d attachment bytes buffered, above MaxAttachmentBytes", pending)
				}
			}
			if pkt != nil {
				pending = 0
				checkRoundTrip(t, p, pkt, len(data))
			}
		}
	})
}
