package msgpack_test

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/gosockio/gosockio/parser"
	"github.com/gosockio/gosockio/parser/msgpack"
)

// FuzzDecode: Decode never panics, and what it decodes survives Encode → Decode
// unchanged. Seeds: the frames of the table tests (socket.io-msgpack-parser's
// bytes). Run long with go test -fuzz=FuzzDecode -fuzztime=10m.
func FuzzDecode(f *testing.F) {
	for _, tc := range wireCases {
		b, _ := hex.DecodeString(tc.hex)
		f.Add(b)
	}
	for _, s := range []string{
		"83a47479706500a464617461d40000a36e7370a12f",
		"83a47479706502a46461746192a26162c702000908a36e7370a12f",
		"83a47479706502a46461746192a164d7000000018bcfe5687ba36e7370a12f",
		"83a47479706502a46461746193a175d4000082a161d40000a16201a36e7370a12f",
		"83a47479706502a46461746192a16b83a131a179a132a178a16201a36e7370a12f",
		"dd ffffffff",
	} {
		b, _ := hex.DecodeString(s)
		f.Add(b)
	}
	mp := msgpack.New(nil)
	f.Fuzz(func(t *testing.T, in []byte) {
		frame := bytes.Clone(in)
		p, err := mp.NewDecoder().Decode(parser.Frame{Data: frame, Binary: true})
		if err != nil {
			return
		}
		if p.Data != nil && !json.Valid(p.Data.(json.RawMessage)) {
			t.Fatalf("Data is not valid JSON: %s", p.Data)
		}
		out, err := mp.Encode(p)
		if err != nil {
			t.Fatalf("decoded %+v but cannot encode it: %v", p, err)
		}
		q, err := mp.NewDecoder().Decode(out[0])
		if err != nil {
			t.Fatalf("re-encoded frame does not decode: %v\n%x", err, out[0].Data)
		}
		if diff := cmp.Diff(view(p), view(q)); diff != "" {
			t.Fatalf("encode → decode changed the packet (-first +second):\n%s", diff)
		}
	})
}
