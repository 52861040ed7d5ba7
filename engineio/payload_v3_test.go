package engineio

import (
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

func TestPayloadV3Text(t *testing.T) {
	// engine.io-parser 2.2.1 encodePayload(mixedPackets, false).
	const want = "6:4hello2:4€6:b4AQID1:2"
	if got := AppendPayloadV3(nil, mixedPackets); string(got) != want {
		t.Fatalf("AppendPayloadV3 = %q, want %q", got, want)
	}
	ps, err := DecodePayloadV3([]byte(want))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(mixedPackets, ps, cmpopts.EquateEmpty()); diff != "" {
		t.Fatalf("DecodePayloadV3 (-want +got):\n%s", diff)
	}
	for in, want := range map[string]string{
		"emoji is two UTF-16 units": "3:4😀",
	} {
		got := AppendPayloadV3(nil, []Packet{{Type: PacketMessage, Data: []byte("😀")}})
		if string(got) != want {
			t.Fatalf("%s: got %q, want %q", in, got, want)
		}
	}
	if got := AppendPayloadV3(nil, nil); string(got) != "0:" {
		t.Fatalf("empty payload = %q, want \"0:\"", got)
	}
	if ps, err := DecodePayloadV3([]byte("0:")); err != nil || len(ps) != 0 {
		t.Fatalf("DecodePayloadV3(\"0:\") = %v, %v", ps, err)
	}
}

func TestPayloadV3Binary(t *testing.T) {
	// engine.io-parser 2.2.1 encodePayload(mixedPackets, true).
	want := []byte{0, 6, 255, 52, 104, 101, 108, 108, 111, 0, 4, 255, 52, 226, 130, 172, 1, 4, 255, 4, 1, 2, 3, 0, 1, 255, 50}
	got := AppendPayloadV3Binary(nil, mixedPackets)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatalf("AppendPayloadV3Binary (-want +got):\n%s", diff)
	}
	ps, err := DecodePayloadV3Binary(want)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(mixedPackets, ps, cmpopts.EquateEmpty()); diff != "" {
		t.Fatalf("DecodePayloadV3Binary (-want +got):\n%s", diff)
	}
}

func TestDecodePayloadV3Errors(t *testing.T) {
	for _, body := range []string{"", "5:4a", "x:4a", ":4a", "2:9a", "6:4hello3", "1:4😀", "99999999999:4"} {
		if _, err := DecodePayloadV3([]byte(body)); !errors.Is(err, ErrParse) {
			t.Errorf("DecodePayloadV3(%q) error = %v, want ErrParse", body, err)
		}
	}
	for _, body := range [][]byte{{}, {2, 1, 255, 52}, {0, 255, 52}, {0, 5, 255, 52}, {0, 1}, {0, 12, 255}, {1, 1, 255, 9}} {
		if _, err := DecodePayloadV3Binary(body); !errors.Is(err, ErrParse) {
			t.Errorf("DecodePayloadV3Binary(%v) error = %v, want ErrParse", body, err)
		}
	}
}

func TestJSONP(t *testing.T) {
	// JSON.stringify("a\u2028\"\\\n\x01é") in Node 20, with U+2028 escaped as engine.io 3.x does.
	payload := []byte("a\u2028\"\\\n\x01é")
	const want = `___eio[3]("a\u2028\"\\\n\u0001é");`
	got := AppendJSONP(nil, 3, payload)
	if string(got) != want {
		t.Fatalf("AppendJSONP = %s, want %s", got, want)
	}
	n, back, err := DecodeJSONP(got)
	if err != nil || n != 3 || string(back) != string(payload) {
		t.Fatalf("DecodeJSONP = %d %q %v", n, back, err)
	}
	for _, bad := range []string{"x", "___eio[a](\"\");", "___eio[1]\"\"", "___eio[1](1);"} {
		if _, _, err := DecodeJSONP([]byte(bad)); !errors.Is(err, ErrParse) {
			t.Errorf("DecodeJSONP(%q) error = %v, want ErrParse", bad, err)
		}
	}
}

func TestJSONPForm(t *testing.T) {
	payload := []byte("12:4line1\nline2" + `5:4a\nb`)
	form := AppendJSONPForm(nil, payload)
	got, err := DecodeJSONPForm(form)
	if err != nil || string(got) != string(payload) {
		t.Fatalf("DecodeJSONPForm(%s) = %q, %v; want %q", form, got, err, payload)
	}
	// What engine.io-client 3.x posts for "4a\nb": d=4%3A4a%5Cnb.
	got, err = DecodeJSONPForm([]byte("d=4%3A4a%5Cnb"))
	if err != nil || string(got) != "4:4a\nb" {
		t.Fatalf("DecodeJSONPForm = %q, %v", got, err)
	}
	if _, err := DecodeJSONPForm([]byte("x=1")); !errors.Is(err, ErrParse) {
		t.Fatalf("form without d: error = %v", err)
	}
}
