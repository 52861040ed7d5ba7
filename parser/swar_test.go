package parser

import (
	"testing"

	"pgregory.net/rapid"
)

// plainPrefix agrees with a bytewise scan: it never skips a byte that needs a look.
func TestPlainPrefix(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		b := rapid.SliceOfN(rapid.SampledFrom([]byte{0, 0x1f, 0x20, '"', '\\', 'a', 0x7f, 0x80, 0xff, 0x21, 0x5b, 0x5d}), 0, 40).Draw(t, "b")
		nonASCII := rapid.Bool().Draw(t, "nonASCII")
		ref := 0
		for ref < len(b) && !(b[ref] < 0x20 || b[ref] == '"' || b[ref] == '\\' || (nonASCII && b[ref] >= 0x80)) {
			ref++
		}
		got := plainPrefix(string(b), nonASCII)
		if got > ref || ref-got >= 8 && got+8 <= len(b) {
			t.Fatalf("plainPrefix(%q, %v) = %d; the plain run is %d bytes", b, nonASCII, got, ref)
		}
		if g2 := plainPrefixBytes(b, nonASCII); g2 != got {
			t.Fatalf("plainPrefixBytes = %d, plainPrefix = %d", g2, got)
		}
	})
}
