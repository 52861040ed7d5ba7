package engineio

import (
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

func TestPacketTextRoundTrip(t *testing.T) {
	tests := []struct {
		name     string
		protocol int
		p        Packet
		text     string
	}{
		{"open", ProtocolV4, Packet{Type: PacketOpen, Data: []byte(`{"sid":"x"}`)}, `0{"sid":"x"}`},
		{"close", ProtocolV4, Packet{Type: PacketClose}, "1"},
		{"ping probe", ProtocolV4, Packet{Type: PacketPing, Data: []byte("probe")}, "2probe"},
		{"message", ProtocolV4, Packet{Type: PacketMessage, Data: []byte("hello")}, "4hello"},
		{"utf8", ProtocolV4, Packet{Type: PacketMessage, Data: []byte("€")}, "4€"},
		{"noop", ProtocolV4, Packet{Type: PacketNoop}, "6"},
		// engine.io-parser 5.2.3: encodePacket({type:"message",data:Buffer},false) = "b"+base64.
		{"binary v4", ProtocolV4, Packet{Type: PacketMessage, Data: []byte{1, 2, 3, 4}, Binary: true}, "bAQIDBA=="},
		// engine.io-parser 2.2.1: encodeBase64Packet = "b"+type+base64.
		{"binary v3", ProtocolV3, Packet{Type: PacketMessage, Data: []byte{1, 2, 3}, Binary: true}, "b4AQID"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := string(AppendText(nil, tt.p, tt.protocol))
			if got != tt.text {
				t.Fatalf("AppendText = %q, want %q", got, tt.text)
			}
			if n := textLen(tt.p, tt.protocol); n != len(got) {
				t.Fatalf("textLen = %d, want %d", n, len(got))
			}
			p, err := DecodeText([]byte(tt.text), tt.protocol)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.p, p, cmpopts.EquateEmpty()); diff != "" {
				t.Fatalf("DecodeText (-want +got):\n%s", diff)
			}
		})
	}
}

func TestPacketFrames(t *testing.T) {
	tests := []struct {
		name     string
		protocol int
		p        Packet
		frame    []byte
		binary   bool
	}{
		{"text", ProtocolV4, Packet{Type: PacketMessage, Data: []byte("hello")}, []byte("4hello"), false},
		{"binary v4 raw", ProtocolV4, Packet{Type: PacketMessage, Data: []byte{1, 2, 3}, Binary: true}, []byte{1, 2, 3}, true},
		{"binary v3 type byte", ProtocolV3, Packet{Type: PacketMessage, Data: []byte{1, 2, 3}, Binary: true}, []byte{4, 1, 2, 3}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			frame, binary := AppendFrame(nil, tt.p, tt.protocol)
			if string(frame) != string(tt.frame) || binary != tt.binary {
				t.Fatalf("AppendFrame = %q,%v want %q,%v", frame, binary, tt.frame, tt.binary)
			}
			p, err := DecodeFrame(tt.frame, tt.binary, tt.protocol)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.p, p, cmpopts.EquateEmpty()); diff != "" {
				t.Fatalf("DecodeFrame (-want +got):\n%s", diff)
			}
		})
	}
}

func TestDecodeTextErrors(t *testing.T) {
	for _, tt := range []struct {
		name     string
		text     string
		protocol int
	}{
		{"empty", "", ProtocolV4},
		{"type 7", "7", ProtocolV4},
		{"letter", "x", ProtocolV4},
		{"bad base64", "b!!!", ProtocolV4},
		{"v3 base64 without type", "b", ProtocolV3},
		{"v3 base64 bad type", "b9AQID", ProtocolV3},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := DecodeText([]byte(tt.text), tt.protocol); !errors.Is(err, ErrParse) {
				t.Fatalf("DecodeText(%q) error = %v, want ErrParse", tt.text, err)
			}
		})
	}
	if _, err := DecodeFrame([]byte{9}, true, ProtocolV3); !errors.Is(err, ErrParse) {
		t.Fatalf("v3 binary frame type 9: error = %v, want ErrParse", err)
	}
	if _, err := DecodeFrame(nil, true, ProtocolV3); !errors.Is(err, ErrParse) {
		t.Fatalf("v3 empty binary frame: error = %v, want ErrParse", err)
	}
}

func TestPacketTypeString(t *testing.T) {
	if PacketNoop.String() != "noop" || PacketType(9).String() != "PacketType(9)" {
		t.Fatalf("String: %q %q", PacketNoop, PacketType(9))
	}
}
