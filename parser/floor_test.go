package parser

import (
	"strings"
	"testing"
)

var (
	floorSinkBytes  []byte
	floorSinkFrames []Frame
	floorSinkString string
	floorSinkBool   bool
)

// BenchmarkFloor measures what the encoder and decoder cannot do without, for the
// notes under the parser table in BENCHMARKS.md: walking a two-entry map, the one
// allocation of a small packet, and, for a 64 KiB string, allocating and filling a
// fresh frame against copying into a warm buffer and the scans themselves.
func BenchmarkFloor(b *testing.B) {
	m := map[string]any{"user": "a", "text": "hello"}
	big := strings.Repeat("x", 64<<10)
	text := []byte(`2["big","` + big + `"]`)
	b.Run("mapiter2", func(b *testing.B) {
		for b.Loop() {
			for k := range m {
				floorSinkString = k
			}
		}
	})
	b.Run("alloc80", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			floorSinkFrames, floorSinkBytes = newFrames(1, 37)
		}
	})
	b.Run("alloc+copy64k", func(b *testing.B) {
		b.SetBytes(int64(len(big)))
		b.ReportAllocs()
		for b.Loop() {
			buf := make([]byte, 0, len(big)+64)
			floorSinkBytes = append(buf, big...)
		}
	})
	b.Run("copy64k", func(b *testing.B) {
		b.SetBytes(int64(len(big)))
		buf := make([]byte, 0, len(big)+64)
		for b.Loop() {
			floorSinkBytes = append(buf[:0], big...)
		}
	})
	b.Run("encodescan64k", func(b *testing.B) {
		b.SetBytes(int64(len(big)))
		for b.Loop() {
			floorSinkBool = allPlain(big)
		}
	})
	if stringRun(text, 9) != len(text)-2 {
		b.Fatal("stringRun does not stop at the closing quote")
	}
	b.Run("decodescan64k", func(b *testing.B) {
		b.SetBytes(int64(len(big)))
		for b.Loop() {
			floorSinkBool = stringRun(text, 9) == len(text)-2
		}
	})
}
