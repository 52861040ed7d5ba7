package redis

import (
	"encoding/hex"
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/gosockio/gosockio/adapter"
	"github.com/gosockio/gosockio/adapter/internal/jsvalue"
	"github.com/gosockio/gosockio/parser"
)

// The expected bytes are what notepack.io 3.0.1 (the encoder of
// @socket.io/redis-adapter 8.3.0) writes for the same JavaScript values.
func TestEncodeLikeNotepack(t *testing.T) {
	compressOff := false
	cases := []struct {
		name string
		v    func() (any, error)
		want string
	}{
		{
			name: "broadcast to all",
			v: func() (any, error) {
				pkt, err := jsvalue.WirePacket(&parser.Packet{Type: parser.Event, Data: []any{"m", 1, -1, 1.5, strings.Repeat("x", 40), true, nil, map[string]any{"a": []int{1}}}}, "/")
				return []any{"abc123", pkt, wireOpts(nil)}, err
			},
			want: "93a661626331323383a47479706502a46461746198a16d01ffcb3ff8000000000000d92878787878787878787878787878787878787878787878787878787878787878787878787878787878c3c081a1619101a36e7370a12f83a5726f6f6d7390a665786365707490a5666c61677380",
		},
		{
			name: "room, except, flags and binary",
			v: func() (any, error) {
				pkt, err := jsvalue.WirePacket(&parser.Packet{Type: parser.Event, Data: []any{"bin", []byte{1, 2, 3}, 300, 70000, -200, int64(1) << 40}}, "/chat")
				return []any{"abc123", pkt, wireOpts(&adapter.BroadcastOptions{
					Rooms: []string{"r"}, Except: []string{"x", "x"},
					Flags: adapter.BroadcastFlags{Volatile: true, Compress: &compressOff, Timeout: 1000 * 1e6},
				})}, err
			},
			want: "93a661626331323383a47479706502a46461746196a362696ec403010203cd012cce00011170d1ff38cf0000010000000000a36e7370a52f6368617483a5726f6f6d7391a172a665786365707491a178a5666c61677383a8766f6c6174696c65c3a8636f6d7072657373c2a774696d656f7574cd03e8",
		},
		{
			name: "broadcast ack",
			v: func() (any, error) {
				return jsvalue.Object{{"type", int64(typeBroadcastAck)}, {"requestId", "req1"}, {"packet", map[string]any{"ok": []any{1, "two"}}}}, nil
			},
			want: "83a47479706509a9726571756573744964a472657131a67061636b657481a26f6b9201a374776f",
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			v, err := tc.v()
			if err != nil {
				t.Fatal(err)
			}
			b, err := jsvalue.EncodeMsgpack(v)
			if err != nil {
				t.Fatal(err)
			}
			if got := hex.EncodeToString(b); got != tc.want {
				t.Errorf("encoding differs from notepack.io:\n got %s\nwant %s", got, tc.want)
			}
			// What we write, we read back.
			want, _ := hex.DecodeString(tc.want)
			if _, err := jsvalue.DecodeMsgpack(want); err != nil {
				t.Errorf("decode: %v", err)
			}
		})
	}
}

func TestDecodeBroadcast(t *testing.T) {
	b, _ := hex.DecodeString("93a661626331323383a47479706502a46461746196a362696ec403010203cd012cce00011170d1ff38cf0000010000000000a36e7370a52f6368617483a5726f6f6d7391a172a665786365707491a178a5666c61677383a8766f6c6174696c65c3a8636f6d7072657373c2a774696d656f7574cd03e8")
	v, err := jsvalue.DecodeMsgpack(b)
	if err != nil {
		t.Fatal(err)
	}
	arr := v.([]any)
	p, opts, err := decodeBroadcast(arr[1].(jsvalue.Object), arr[2].(jsvalue.Object))
	if err != nil {
		t.Fatal(err)
	}
	off := false
	want := &adapter.BroadcastOptions{Rooms: []string{"r"}, Except: []string{"x"}, Flags: adapter.BroadcastFlags{Volatile: true, Compress: &off, Timeout: 1e9}}
	if diff := cmp.Diff(want, opts); diff != "" {
		t.Errorf("opts (-want +got):\n%s", diff)
	}
	wantData := json.RawMessage(`["bin",{"_placeholder":true,"num":0},300,70000,-200,1099511627776]`)
	if diff := cmp.Diff(wantData, p.Data); diff != "" || p.Type != parser.Event {
		t.Errorf("packet type %v, data (-want +got):\n%s", p.Type, diff)
	}
	if diff := cmp.Diff([][]byte{{1, 2, 3}}, p.Attachments); diff != "" {
		t.Errorf("attachments (-want +got):\n%s", diff)
	}
}

func TestDecodeRejectsGarbage(t *testing.T) {
	for _, in := range []string{"", "\xc1", "\x93\xa1", "{not json", "\xdd\xff\xff\xff\xff"} {
		if _, err := decodeMessage([]byte(in)); err == nil {
			t.Errorf("decodeMessage(%q) succeeded", in)
		}
	}
}

// FuzzDecodeMessage: whatever arrives on a channel, decoding never panics nor allocates
// beyond the message's size (jsvalue's FuzzMsgpackRoundTrip checks that what decodes
// encodes and decodes the same).
func FuzzDecodeMessage(f *testing.F) {
	for _, h := range []string{
		"93a661626331323383a47479706502a46461746198a16d01ffcb3ff8000000000000d92878787878787878787878787878787878787878787878787878787878787878787878787878787878c3c081a1619101a36e7370a12f83a5726f6f6d7390a665786365707490a5666c61677380",
		"83a47479706509a9726571756573744964a472657131a67061636b657481a26f6b9201a374776f",
		"dd7fffffff", "c6ffffffff", "d40000",
	} {
		b, _ := hex.DecodeString(h)
		f.Add(b)
	}
	f.Add([]byte(`{"uid":"x","type":0,"requestId":"y","rooms":["a"]}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		if m, err := decodeMessage(b); err == nil && m == nil {
			t.Fatalf("decodeMessage(%x) returned neither a message nor an error", b)
		}
	})
}
