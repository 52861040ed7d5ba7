package engineio

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// Each fuzz target decodes arbitrary input without panicking and checks that what decodes
// survives encode -> decode unchanged. Seeds are the table cases plus testdata/fuzz.

func FuzzDecodeText(f *testing.F) {
	for _, s := range []string{"4hello", "2probe", "1", "bAQIDBA==", "b4AQID", "0{\"sid\":\"a\"}", "6", "7", ""} {
		f.Add([]byte(s), false)
		f.Add([]byte(s), true)
	}
	f.Fuzz(func(t *testing.T, in []byte, v3 bool) {
		proto := ProtocolV4
		if v3 {
			proto = ProtocolV3
		}
		p, err := DecodeText(in, proto)
		if err != nil {
			return
		}
		again, err := DecodeText(AppendText(nil, p, proto), proto)
		if err != nil {
			t.Fatalf("re-decode: %v", err)
		}
		if diff := cmp.Diff(p, again, cmpopts.EquateEmpty()); diff != "" {
			t.Fatalf("round trip (-first +second):\n%s", diff)
		}
		frame, bin := AppendFrame(nil, p, proto)
		again, err = DecodeFrame(frame, bin, proto)
		if err != nil {
			t.Fatalf("frame re-decode: %v", err)
		}
		if diff := cmp.Diff(p, again, cmpopts.EquateEmpty()); diff != "" {
			t.Fatalf("frame round trip (-first +second):\n%s", diff)
		}
	})
}

func FuzzDecodePayload(f *testing.F) {
	for _, s := range []string{"4hello\x1ebAQIDBA==", "4hello\x1e4€\x1ebAQID\x1e2", "1", "\x1e", "4a\x1e"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		ps, err := DecodePayload(in)
		if err != nil {
			return
		}
		again, err := DecodePayload(AppendPayload(nil, ps))
		if err != nil {
			t.Fatalf("re-decode: %v", err)
		}
		if diff := cmp.Diff(ps, again, cmpopts.EquateEmpty()); diff != "" {
			t.Fatalf("round trip (-first +second):\n%s", diff)
		}
	})
}

func FuzzDecodePayloadV3(f *testing.F) {
	for _, s := range []string{"6:4hello2:4€6:b4AQID1:2", "3:4😀", "0:", "1:4", "5:4a", "2:b4"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		ps, err := DecodePayloadV3(in)
		if err != nil || len(ps) == 0 {
			return
		}
		again, err := DecodePayloadV3(AppendPayloadV3(nil, ps))
		if err != nil {
			t.Fatalf("re-decode: %v", err)
		}
		if diff := cmp.Diff(ps, again, cmpopts.EquateEmpty()); diff != "" {
			t.Fatalf("round trip (-first +second):\n%s", diff)
		}
	})
}

func FuzzDecodePayloadV3Binary(f *testing.F) {
	f.Add([]byte{0, 6, 255, 52, 104, 101, 108, 108, 111, 0, 4, 255, 52, 226, 130, 172, 1, 4, 255, 4, 1, 2, 3, 0, 1, 255, 50})
	f.Add([]byte{1, 1, 255, 4})
	f.Add([]byte{0, 1, 255})
	f.Fuzz(func(t *testing.T, in []byte) {
		ps, err := DecodePayloadV3Binary(in)
		if err != nil {
			return
		}
		again, err := DecodePayloadV3Binary(AppendPayloadV3Binary(nil, ps))
		if err != nil {
			t.Fatalf("re-decode: %v", err)
		}
		if diff := cmp.Diff(ps, again, cmpopts.EquateEmpty()); diff != "" {
			t.Fatalf("round trip (-first +second):\n%s", diff)
		}
	})
}
