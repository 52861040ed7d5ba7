package parser

import (
	"bytes"
	"encoding/json"
	"strings"
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

// genScanText draws text that is mostly one plain byte, long enough to reach the
// 32-byte blocks, the vector chunks (bytes.IndexByte) and the switch to the precise
// control-character check, with a few special bytes at random places.
func genScanText(t *rapid.T) []byte {
	n := rapid.SampledFrom([]int{0, 7, 8, 31, 33, 64, 255, 300, 1000, 5000, 40000}).Draw(t, "n")
	fill := rapid.SampledFrom([]byte{'x', 0xa5, 0xe4, 0x7f, ' '}).Draw(t, "fill")
	b := bytes.Repeat([]byte{fill}, n)
	for k := rapid.IntRange(0, 3).Draw(t, "specials"); k > 0 && n > 0; k-- {
		at := rapid.IntRange(0, n-1).Draw(t, "at")
		b[at] = rapid.SampledFrom([]byte{0, 0x1f, '"', '\\', 0x80, 0x9f, 0xa0, 0xff, 0x20, '!'}).Draw(t, "special")
	}
	return b
}

// The word and vector kernels find exactly what a bytewise scan finds.
func TestScanKernels(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		b := genScanText(t)
		refPlain := 0 // JSON.stringify copies it as is
		for refPlain < len(b) && plainByte[b[refPlain]] {
			refPlain++
		}
		refRun := 0 // ends a plain run of a JSON string being scanned
		for refRun < len(b) && !(b[refRun] < 0x20 || b[refRun] == '"' || b[refRun] == '\\') {
			refRun++
		}
		refCtl := true
		for _, c := range b {
			if c < 0x20 {
				refCtl = false
			}
		}
		if got := plainLen(string(b)); got != refPlain {
			t.Fatalf("plainLen = %d, want %d", got, refPlain)
		}
		if got := allPlain(string(b)); got != (refPlain == len(b)) {
			t.Fatalf("allPlain = %v, want %v", got, refPlain == len(b))
		}
		if got := stringRun(b, 0); got != refRun {
			t.Fatalf("stringRun = %d, want %d", got, refRun)
		}
		if got := noControl(b); got != refCtl {
			t.Fatalf("noControl = %v, want %v", got, refCtl)
		}
		if got := noControlPrecise(b); got != refCtl {
			t.Fatalf("noControlPrecise = %v, want %v", got, refCtl)
		}
		for _, c := range []byte{'"', '\\', 0} {
			if got, want := indexByte(b, c), bytes.IndexByte(b, c); got != want {
				t.Fatalf("indexByte(%q) = %d, want %d", c, got, want)
			}
		}
		if got := plainPrefixBytes(b, false); got != refRun {
			t.Fatalf("plainPrefixBytes = %d, want %d", got, refRun)
		}
	})
}

// A long string in a packet is scanned (decode) and escaped (encode) as short ones
// are: the results agree with encoding/json.
func TestLongStrings(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		b := genScanText(t)
		s := strings.ToValidUTF8(string(b), "\uFFFD")
		q := appendQuoted(nil, s)
		if len(q) != quotedLen(s) {
			t.Fatalf("quotedLen = %d, len(appendQuoted) = %d", quotedLen(s), len(q))
		}
		var back string
		if err := json.Unmarshal(q, &back); err != nil || back != s {
			t.Fatalf("appendQuoted wrote %d bytes that decode to %d bytes, %v", len(q), len(back), err)
		}
		// The scanner accepts what it wrote and refuses what encoding/json refuses.
		raw := append([]byte(`"`), b...)
		raw = append(raw, '"')
		sc := scanner{data: raw}
		_, err := sc.document()
		if want := json.Valid(raw); (err == nil) != want {
			t.Fatalf("scanner on %d bytes: err %v, encoding/json valid %v", len(raw), err, want)
		}
	})
}
