package parser_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/gosockio/gosockio/parser"
)

// Bad input: each case says which sentinel it wraps and what the message names.
func TestDecodeBadInput(t *testing.T) {
	ph := func(n int) string { return `{"_placeholder":true,"num":` + string(rune('0'+n)) + `}` }
	cases := []struct {
		name    string
		rev     parser.Revision
		opts    parser.Options
		frames  []parser.Frame
		wantErr error
		msg     string // a substring of the error
	}{
		{name: "unknown packet type", frames: []parser.Frame{text(`7["a"]`)}, wantErr: parser.ErrUnknownType, msg: `"7"`},
		{name: "unknown packet type letter", frames: []parser.Frame{text(`x`)}, wantErr: parser.ErrUnknownType, msg: `"x"`},
		{name: "v4 unknown packet type", rev: parser.V4, frames: []parser.Frame{text(`9`)}, wantErr: parser.ErrUnknownType, msg: `"9"`},
		{name: "invalid JSON", frames: []parser.Frame{text(`2["a",]`)}, wantErr: parser.ErrInvalidJSON, msg: "offset 5"},
		{name: "invalid JSON trailing data", frames: []parser.Frame{text(`2["a"]x`)}, wantErr: parser.ErrInvalidJSON, msg: "data after the JSON value"},
		{name: "invalid JSON nbsp after value", frames: []parser.Frame{text("2[\"a\"]\u00a0")}, wantErr: parser.ErrInvalidJSON},
		{name: "event not an array", frames: []parser.Frame{text(`2{"a":1}`)}, wantErr: parser.ErrInvalidPayload, msg: "EVENT data must be a JSON array, got an object"},
		{name: "event empty array", frames: []parser.Frame{text(`2[]`)}, wantErr: parser.ErrInvalidEventName, msg: "empty array"},
		{name: "event name not a string", frames: []parser.Frame{text(`2[true]`)}, wantErr: parser.ErrInvalidEventName, msg: "got a boolean"},
		{name: "event name object", frames: []parser.Frame{text(`2[{}]`)}, wantErr: parser.ErrInvalidEventName, msg: "got an object"},
		{name: "event name reserved", frames: []parser.Frame{text(`2["disconnect"]`)}, wantErr: parser.ErrInvalidEventName, msg: `"disconnect" is a reserved event name`},
		{name: "event name reserved escaped", frames: []parser.Frame{text(`2["\u0063onnect"]`)}, wantErr: parser.ErrInvalidEventName, msg: `"connect"`},
		{name: "binary event first element placeholder", frames: []parser.Frame{text(`51-[` + ph(0) + `]`)}, wantErr: parser.ErrInvalidEventName},
		{name: "ack not an array", frames: []parser.Frame{text(`31"a"`)}, wantErr: parser.ErrInvalidPayload, msg: "ACK data must be a JSON array"},
		{name: "connect array v5", frames: []parser.Frame{text(`0[]`)}, wantErr: parser.ErrInvalidPayload, msg: "CONNECT data must be a JSON object"},
		{name: "connect null v5", frames: []parser.Frame{text(`0null`)}, wantErr: parser.ErrInvalidPayload},
		{name: "connect string v4", rev: parser.V4, frames: []parser.Frame{text(`0"a"`)}, wantErr: parser.ErrInvalidPayload, msg: "object, array or null"},
		{name: "connect_error boolean v5", frames: []parser.Frame{text(`4true`)}, wantErr: parser.ErrInvalidPayload, msg: "got a boolean"},
		{name: "connect_error array v5", frames: []parser.Frame{text(`4[]`)}, wantErr: parser.ErrInvalidPayload, msg: "CONNECT_ERROR data must be a JSON object or string"},
		{name: "error true v4", rev: parser.V4, frames: []parser.Frame{text(`4true`)}, wantErr: parser.ErrInvalidPayload, msg: "ERROR data"},
		{name: "disconnect with data", frames: []parser.Frame{text(`1{}`)}, wantErr: parser.ErrInvalidPayload, msg: "DISCONNECT must not carry data"},
		{name: "namespace without slash", frames: []parser.Frame{text(`2admin,["a"]`)}, wantErr: parser.ErrInvalidJSON, msg: `in the EVENT payload; the header is <type>[<attachments>-][<namespace>,][<ack id>] and a namespace starts with "/"`},
		{name: "ack id with letters", frames: []parser.Frame{text(`212a["a"]`)}, wantErr: parser.ErrInvalidJSON, msg: "offset 0 ('a')"},
		{name: "ack id with inner space", frames: []parser.Frame{text(`21 2["a"]`)}, wantErr: parser.ErrInvalidAckID, msg: `"1 2" is not a number`},
		{name: "ack id 2^53", frames: []parser.Frame{text(`29007199254740992["a"]`)}, wantErr: parser.ErrInvalidAckID, msg: "not below 2^53"},
		{name: "ack id huge", frames: []parser.Frame{text(`2123456789012345678901234567890["a"]`)}, wantErr: parser.ErrInvalidAckID},
		{name: "attachments missing dash", frames: []parser.Frame{text(`51["a"]`)}, wantErr: parser.ErrInvalidAttachments, msg: "no '-'"},
		{name: "attachments empty", frames: []parser.Frame{text(`5-["a"]`)}, wantErr: parser.ErrInvalidAttachments, msg: `""`},
		{name: "attachments negative", frames: []parser.Frame{text(`5-1-["a"]`)}, wantErr: parser.ErrInvalidAttachments},
		{name: "attachments minus one", frames: []parser.Frame{text(`5 -1 -["a"]`)}, wantErr: parser.ErrInvalidAttachments, msg: `" "`},
		{name: "attachments zero", frames: []parser.Frame{text(`50-["a"]`)}, wantErr: parser.ErrInvalidAttachments, msg: `"0" is not an integer >= 1`},
		{name: "attachments non-numeric", frames: []parser.Frame{text(`5x-["a"]`)}, wantErr: parser.ErrInvalidAttachments, msg: `"x"`},
		{name: "attachments fraction", frames: []parser.Frame{text(`51.5-["a"]`)}, wantErr: parser.ErrInvalidAttachments},
		{name: "attachments Infinity", frames: []parser.Frame{text(`5Infinity-["a"]`)}, wantErr: parser.ErrInvalidAttachments},
		{name: "attachments above limit", frames: []parser.Frame{text(`511-["a"]`)}, wantErr: parser.ErrTooManyAttachments, msg: "more than MaxAttachments (10)"},
		{name: "attachments above custom limit", opts: parser.Options{MaxAttachments: 2}, frames: []parser.Frame{text(`53-["a"]`)}, wantErr: parser.ErrTooManyAttachments, msg: "(2)"},
		{name: "attachments above limit v4", rev: parser.V4, frames: []parser.Frame{text(`611-1[]`)}, wantErr: parser.ErrTooManyAttachments},
		{name: "binary disabled", opts: parser.Options{MaxAttachments: -1}, frames: []parser.Frame{text(`51-["a"]`)}, wantErr: parser.ErrTooManyAttachments, msg: "disabled"},
		{name: "attachments larger than frames that follow", frames: []parser.Frame{text(`52-["a",` + ph(0) + `,` + ph(1) + `]`), bin(1), text(`2["b"]`)},
			wantErr: parser.ErrUnexpectedText, msg: "had 1 of its 2 attachments; it was discarded"},
		{name: "binary frame when none expected", frames: []parser.Frame{bin(1, 2)}, wantErr: parser.ErrUnexpectedBinary, msg: "2 bytes"},
		{name: "binary frame after the last attachment", frames: []parser.Frame{text(`51-["a",` + ph(0) + `]`), bin(1), bin(2)}, wantErr: parser.ErrUnexpectedBinary},
		{name: "placeholder num out of range", frames: []parser.Frame{text(`51-["a",` + ph(1) + `]`)}, wantErr: parser.ErrInvalidPlaceholder, msg: "[0, 1)"},
		{name: "placeholder num negative", frames: []parser.Frame{text(`51-["a",{"_placeholder":true,"num":-1}]`)}, wantErr: parser.ErrInvalidPlaceholder},
		{name: "placeholder num fraction", frames: []parser.Frame{text(`52-["a",{"_placeholder":true,"num":0.5}]`)}, wantErr: parser.ErrInvalidPlaceholder},
		{name: "placeholder num string", frames: []parser.Frame{text(`51-["a",{"_placeholder":true,"num":"0"}]`)}, wantErr: parser.ErrInvalidPlaceholder},
		{name: "placeholder without num", frames: []parser.Frame{text(`51-["a",{"x":[{"_placeholder":true}]}]`)}, wantErr: parser.ErrInvalidPlaceholder},
		{name: "placeholder escaped key", frames: []parser.Frame{text(`51-["a",{"\u005fplaceholder":true,"num":3}]`)}, wantErr: parser.ErrInvalidPlaceholder},
		{name: "text frame while attachments pending", frames: []parser.Frame{text(`51-["a",` + ph(0) + `]`), text(`2["b"]`)},
			wantErr: parser.ErrUnexpectedText, msg: "the pending BINARY_EVENT on \"/\" had 0 of its 1 attachments; it was discarded, and so was this text frame"},
		{name: "attachments too large", opts: parser.Options{MaxAttachmentBytes: 3}, frames: []parser.Frame{text(`52-["a",` + ph(0) + `,` + ph(1) + `]`), bin(1, 2), bin(3, 4)},
			wantErr: parser.ErrAttachmentsTooLarge, msg: "4 bytes, more than MaxAttachmentBytes (3)"},
		{name: "JSON too deep", frames: []parser.Frame{text(`2["a",` + strings.Repeat("[", 10001) + strings.Repeat("]", 10001) + `]`)}, wantErr: parser.ErrInvalidJSON, msg: "deeper than 10000"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			opts := tc.opts
			opts.Revision = tc.rev
			d := parser.New(&opts).NewDecoder()
			var err error
			for i, f := range tc.frames {
				var p *parser.Packet
				p, err = d.Decode(f)
				if err != nil {
					if i != len(tc.frames)-1 {
						t.Fatalf("frame %d of %d failed early: %v", i, len(tc.frames), err)
					}
					if p != nil {
						t.Fatalf("Decode returned a packet with the error %v", err)
					}
					break
				}
			}
			if !errors.Is(err, tc.wantErr) {
				t.Fatalf("error = %v; want %v", err, tc.wantErr)
			}
			if !strings.Contains(err.Error(), tc.msg) {
				t.Fatalf("error %q does not contain %q", err, tc.msg)
			}
			if d.Pending() {
				t.Fatal("the decoder still holds a packet after an error")
			}
			// The decoder is ready for the next packet.
			p, err := d.Decode(text(`2["next"]`))
			if err != nil || p == nil {
				t.Fatalf("Decode after the error = %v, %v", p, err)
			}
		})
	}
}

func TestDecodePendingReset(t *testing.T) {
	d := parser.New(nil).NewDecoder()
	if p, err := d.Decode(text(`51-["a",{"_placeholder":true,"num":0}]`)); p != nil || err != nil {
		t.Fatalf("Decode = %v, %v", p, err)
	}
	if !d.Pending() {
		t.Fatal("Pending = false while an attachment is expected")
	}
	d.Reset()
	if d.Pending() {
		t.Fatal("Pending = true after Reset")
	}
	if _, err := d.Decode(bin(1)); !errors.Is(err, parser.ErrUnexpectedBinary) {
		t.Fatalf("binary after Reset: %v; want ErrUnexpectedBinary", err)
	}
}
