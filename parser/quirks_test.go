package parser_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/gosockio/gosockio/parser"
)

// Headers socket.io-parser reads with JavaScript's Number(). Each expected packet is
// what socket.io-parser 4.2.7 and 3.4.5 decode (checked with node: new
// Decoder().add(s)); each must also survive encode -> decode unchanged.
func TestDecodeNodeQuirks(t *testing.T) {
	cases := []struct {
		name  string
		rev   parser.Revision
		frame string
		want  parser.Packet
	}{
		{"empty frame is CONNECT", parser.V5, "", parser.Packet{Type: parser.Connect, Namespace: "/"}},
		{"space is CONNECT", parser.V5, " ", parser.Packet{Type: parser.Connect, Namespace: "/"}},
		{"ideographic space is CONNECT", parser.V5, "\u3000{}", parser.Packet{Type: parser.Connect, Namespace: "/", Data: raw(`{}`)}},
		{"event without data", parser.V5, "2", parser.Packet{Type: parser.Event, Namespace: "/"}},
		{"ack without data", parser.V5, "3", parser.Packet{Type: parser.Ack, Namespace: "/"}},
		{"connect_error without data", parser.V5, "4", parser.Packet{Type: parser.ConnectError, Namespace: "/"}},
		{"space is ack id 0", parser.V5, `2 ["a"]`, parser.Packet{Type: parser.Event, Namespace: "/", HasID: true, Data: raw(`["a"]`)}},
		{"nbsp is ack id 0", parser.V5, "2\u00a0[\"a\"]", parser.Packet{Type: parser.Event, Namespace: "/", HasID: true, Data: raw(`["a"]`)}},
		{"ack id with leading space", parser.V5, `2 12["a"]`, parser.Packet{Type: parser.Event, Namespace: "/", ID: 12, HasID: true, Data: raw(`["a"]`)}},
		{"ack id leading zeros", parser.V5, `2007["a"]`, parser.Packet{Type: parser.Event, Namespace: "/", ID: 7, HasID: true, Data: raw(`["a"]`)}},
		{"space after namespace is ack id 0", parser.V5, "2/admin, ", parser.Packet{Type: parser.Event, Namespace: "/admin", HasID: true}},
		{"namespace without comma runs to the end", parser.V5, `2/admin["a"]`, parser.Packet{Type: parser.Event, Namespace: `/admin["a"]`}},
		{"numeric event name", parser.V5, `2[1]`, parser.Packet{Type: parser.Event, Namespace: "/", Data: raw(`[1]`)}},
		{"trailing JSON whitespace", parser.V5, "2[\"a\"] \n", parser.Packet{Type: parser.Event, Namespace: "/", Data: raw(`["a"]`)}},
		{"nbsp type then id", parser.V4, "\u00a02[\"a\"]", parser.Packet{Type: parser.Connect, Namespace: "/", ID: 2, HasID: true, Data: raw(`["a"]`)}},
		{"v4 connect null", parser.V4, "0null", parser.Packet{Type: parser.Connect, Namespace: "/", Data: raw(`null`)}},
		{"v4 connect array", parser.V4, "0[]", parser.Packet{Type: parser.Connect, Namespace: "/", Data: raw(`[]`)}},
		{"v4 error null", parser.V4, "4null", parser.Packet{Type: parser.ConnectError, Namespace: "/", Data: raw(`null`)}},
		{"v4 error array", parser.V4, "4[]", parser.Packet{Type: parser.ConnectError, Namespace: "/", Data: raw(`[]`)}},
		{"v4 reserved name", parser.V4, `2["\u0063onnect"]`, parser.Packet{Type: parser.Event, Namespace: "/", Data: raw(`["\u0063onnect"]`)}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p := parser.New(&parser.Options{Revision: tc.rev})
			got, err := p.NewDecoder().Decode(text(tc.frame))
			if err != nil {
				t.Fatalf("Decode(%q): %v", tc.frame, err)
			}
			if diff := cmp.Diff(&tc.want, got); diff != "" {
				t.Fatalf("Decode(%q) (-want +got):\n%s", tc.frame, diff)
			}
			frames, err := p.Encode(got)
			if err != nil {
				t.Fatalf("Encode(decoded): %v", err)
			}
			again, err := decodeAll(p.NewDecoder(), frames)
			if err != nil {
				t.Fatalf("Decode(Encode(decoded)) %q: %v", frames[0].Data, err)
			}
			if diff := cmp.Diff([]*parser.Packet{&tc.want}, again); diff != "" {
				t.Fatalf("re-encoded as %q (-want +got):\n%s", frames[0].Data, diff)
			}
		})
	}
}

// The attachment count is read with Number() too: 1.0, +1, 0x1 and " 1 " all mean 1.
func TestDecodeAttachmentCountForms(t *testing.T) {
	for _, count := range []string{"1", "1.0", "+1", "0x1", " 1 ", "1e0", ".1e1", "01"} {
		t.Run(count, func(t *testing.T) {
			d := parser.New(nil).NewDecoder()
			p, err := d.Decode(text("5" + count + `-["a",{"_placeholder":true,"num":0}]`))
			if err != nil || p != nil || !d.Pending() {
				t.Fatalf("Decode = %v, %v, Pending %v; want nil, nil, true", p, err, d.Pending())
			}
			p, err = d.Decode(bin(7))
			if err != nil || p == nil || len(p.Attachments) != 1 {
				t.Fatalf("Decode(binary) = %+v, %v; want the packet with one attachment", p, err)
			}
		})
	}
}
