package parser_test

import (
	"strings"
	"testing"

	"github.com/gosockio/gosockio/parser"
)

func TestOptionsDefaults(t *testing.T) {
	got := parser.New(nil).Options()
	if got.Revision != parser.V5 || got.MaxAttachments != 10 || got.MaxAttachmentBytes != 10_000_000 || got.JSON == nil {
		t.Fatalf("defaults = %+v", got)
	}
	in := &parser.Options{Revision: parser.V4, MaxAttachments: 3}
	got = parser.New(in).Options()
	if got.Revision != parser.V4 || got.MaxAttachments != 3 || got.MaxAttachmentBytes != 10_000_000 {
		t.Fatalf("with V4, 3 = %+v", got)
	}
	if in.MaxAttachmentBytes != 0 || in.JSON != nil {
		t.Fatalf("New modified the caller's options: %+v", in)
	}
}

func TestOptionsInvalidRevision(t *testing.T) {
	defer func() {
		r := recover()
		if s, _ := r.(string); !strings.Contains(s, "Options.Revision must be parser.V5 or parser.V4, got 3") {
			t.Fatalf("recover() = %v", r)
		}
	}()
	parser.New(&parser.Options{Revision: 3})
}

// A negative MaxAttachmentBytes removes the limit.
func TestOptionsNoByteLimit(t *testing.T) {
	d := parser.New(&parser.Options{MaxAttachmentBytes: -1}).NewDecoder()
	if _, err := d.Decode(text(`51-["a",{"_placeholder":true,"num":0}]`)); err != nil {
		t.Fatal(err)
	}
	p, err := d.Decode(parser.Frame{Data: make([]byte, 11_000_000), Binary: true})
	if err != nil || p == nil {
		t.Fatalf("Decode(11 MB attachment) = %v, %v", p, err)
	}
}
