package engineio

import (
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

var mixedPackets = []Packet{
	{Type: PacketMessage, Data: []byte("hello")},
	{Type: PacketMessage, Data: []byte("€")},
	{Type: PacketMessage, Data: []byte{1, 2, 3}, Binary: true},
	{Type: PacketPing},
}

func TestPayloadV4(t *testing.T) {
	// engine.io-parser 5.2.3 encodePayload of mixedPackets.
	const want = "4hello\x1e4€\x1ebAQID\x1e2"
	got := AppendPayload(nil, mixedPackets)
	if string(got) != want {
		t.Fatalf("AppendPayload = %q, want %q", got, want)
	}
	if PayloadLen(mixedPackets) != len(want) {
		t.Fatalf("PayloadLen = %d, want %d", PayloadLen(mixedPackets), len(want))
	}
	ps, err := DecodePayload([]byte(want))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(mixedPackets, ps, cmpopts.EquateEmpty()); diff != "" {
		t.Fatalf("DecodePayload (-want +got):\n%s", diff)
	}
}

func TestDecodePayloadV4Errors(t *testing.T) {
	for _, body := range []string{"", "4a\x1e", "\x1e4a", "4a\x1e9", "x"} {
		if _, err := DecodePayload([]byte(body)); !errors.Is(err, ErrParse) {
			t.Errorf("DecodePayload(%q) error = %v, want ErrParse", body, err)
		}
	}
}
