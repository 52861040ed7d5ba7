package parser

import (
	"bytes"
	"math/bits"
	"strings"
)

// Word-at-a-time scanning of JSON string bytes (the "has less than" and "has zero
// byte" bit tricks): 8 bytes per step over the plain runs that make up most strings,
// and 32 per step, or the assembly of bytes.IndexByte, over long ones.
//
// Each mask below has the high bit set in the first flagged byte of the word (in
// memory order, the least significant byte first): a borrow can only carry into the
// bytes after a flagged one, so bits.TrailingZeros64(mask)/8 is the exact index of
// the first flagged byte. Bits after the first one are meaningless.

const (
	lsb = 0x0101010101010101
	msb = 0x8080808080808080
)

// le64 reads the first 8 bytes of b as a little-endian word (one load on amd64 and
// arm64).
func le64(b []byte) uint64 {
	_ = b[7]
	return uint64(b[0]) | uint64(b[1])<<8 | uint64(b[2])<<16 | uint64(b[3])<<24 |
		uint64(b[4])<<32 | uint64(b[5])<<40 | uint64(b[6])<<48 | uint64(b[7])<<56
}

// le64s is le64 for a string.
func le64s(s string) uint64 {
	_ = s[7]
	return uint64(s[0]) | uint64(s[1])<<8 | uint64(s[2])<<16 | uint64(s[3])<<24 |
		uint64(s[4])<<32 | uint64(s[5])<<40 | uint64(s[6])<<48 | uint64(s[7])<<56
}

// decodeMask flags the bytes that end a plain run in a JSON string being scanned: a
// control character (< 0x20), '"' or '\\'. Bytes of 0x80 and above are plain.
func decodeMask(w uint64) uint64 {
	ctl := (w - lsb*0x20) &^ w
	q := w ^ (lsb * '"')
	q = (q - lsb) &^ q
	bs := w ^ (lsb * '\\')
	bs = (bs - lsb) &^ bs
	return (ctl | q | bs) & msb
}

// encodeMask flags the bytes JSON.stringify cannot copy as they are: a control
// character, '"', '\\', and any byte of 0x80 or more (which must be valid UTF-8).
// With bytes >= 0x80 flagged anyway, the "&^ w" guards of decodeMask are not needed:
// up to the first flagged byte every byte is in [0x20, 0x7f], where no subtraction
// borrows.
func encodeMask(w uint64) uint64 {
	return ((w - lsb*0x20) | ((w ^ lsb*'"') - lsb) | ((w ^ lsb*'\\') - lsb) | w) & msb
}

// plainByte[c] reports whether JSON.stringify writes the byte c as it is.
var plainByte = func() (t [256]bool) {
	for c := 0x20; c < 0x80; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

// longString is the length from which a string is checked with bytes.IndexByte
// (vector instructions) before it is walked a word at a time.
const longString = 256

// plainLen returns the length of the leading run of s that JSON.stringify writes as
// it is: no control character, '"', '\\' or byte >= 0x80.
func plainLen(s string) int {
	if len(s) >= longString && allPlain(s) {
		return len(s)
	}
	i := 0
	for ; i+32 <= len(s); i += 32 {
		b := s[i : i+32]
		if encodeMask(le64s(b))|encodeMask(le64s(b[8:]))|encodeMask(le64s(b[16:]))|encodeMask(le64s(b[24:])) != 0 {
			break
		}
	}
	for ; i+8 <= len(s); i += 8 {
		if m := encodeMask(le64s(s[i:])); m != 0 {
			return i + bits.TrailingZeros64(m)>>3
		}
	}
	for ; i < len(s); i++ {
		if !plainByte[s[i]] {
			return i
		}
	}
	return i
}

// allPlain reports whether plainLen(s) == len(s), for a long s: '"' and '\\' are
// looked for with bytes.IndexByte, and the rest with three operations a word.
func allPlain(s string) bool {
	if strings.IndexByte(s, '"') >= 0 || strings.IndexByte(s, '\\') >= 0 {
		return false
	}
	// Bytes < 0x20 borrow into their high bit, bytes >= 0x80 have it; the first
	// such byte is flagged exactly, which is all that matters here.
	var acc uint64
	i := 0
	for ; i+32 <= len(s); i += 32 {
		b := s[i : i+32]
		w0, w1, w2, w3 := le64s(b), le64s(b[8:]), le64s(b[16:]), le64s(b[24:])
		acc |= (w0 - lsb*0x20) | w0 | (w1 - lsb*0x20) | w1 | (w2 - lsb*0x20) | w2 | (w3 - lsb*0x20) | w3
		if acc&msb != 0 {
			return false
		}
	}
	for ; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x80 {
			return false
		}
	}
	return true
}

// plainPrefix is plainLen, with nonASCII false meaning that bytes >= 0x80 are plain
// (as when scanning JSON text).
func plainPrefix(s string, nonASCII bool) int {
	if nonASCII {
		return plainLen(s)
	}
	i := 0
	for ; i+8 <= len(s); i += 8 {
		if m := decodeMask(le64s(s[i:])); m != 0 {
			return i + bits.TrailingZeros64(m)>>3
		}
	}
	for ; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c == '"' || c == '\\' {
			return i
		}
	}
	return i
}

// plainPrefixBytes is plainPrefix for a []byte.
func plainPrefixBytes(b []byte, nonASCII bool) int {
	if nonASCII {
		return plainLen(string(b))
	}
	return stringRun(b, 0)
}

// stringRun returns the index of the first control character, '"' or '\\' in d at
// or after i, or len(d): the end of the plain run of a JSON string being scanned.
func stringRun(d []byte, i int) int {
	// Short strings end within a few words; long ones are handed to the vector
	// code of bytes.IndexByte after 64 bytes, a chunk at a time.
	for n := 0; i+8 <= len(d); i += 8 {
		if m := decodeMask(le64(d[i:])); m != 0 {
			return i + bits.TrailingZeros64(m)>>3
		}
		if n++; n == 8 && len(d)-i > longString {
			i = longRun(d, i+8)
			n = 0
			if i+8 > len(d) {
				break
			}
			if m := decodeMask(le64(d[i:])); m != 0 {
				return i + bits.TrailingZeros64(m)>>3
			}
		}
	}
	for ; i < len(d); i++ {
		if c := d[i]; c < 0x20 || c == '"' || c == '\\' {
			return i
		}
	}
	return i
}

// longRun skips plain bytes of d from i in chunks that double from 256 bytes to
// 16 KiB, and returns the start of the first chunk that is not all plain (or that
// ends the string), for the word loop to find the exact byte. A chunk is plain when
// it holds no '\\' and no control character up to its first '"'.
func longRun(d []byte, i int) int {
	for size := 256; ; size = min(2*size, 16<<10) {
		end := min(i+size, len(d))
		c := d[i:end]
		q := bytes.IndexByte(c, '"')
		if q >= 0 {
			c = c[:q]
		}
		if bytes.IndexByte(c, '\\') >= 0 || !noControl(c) {
			return i
		}
		if q >= 0 {
			return i + q // the closing quote: the word loop finds it at once
		}
		i = end
		if i == len(d) {
			return i
		}
	}
}

// noControl reports whether b holds no byte below 0x20.
func noControl(b []byte) bool {
	i := 0
	for ; i+32 <= len(b); i += 32 {
		c := b[i : i+32]
		w0, w1, w2, w3 := le64(c), le64(c[8:]), le64(c[16:]), le64(c[24:])
		// A byte < 0x20 borrows into its high bit (the first one exactly); so does
		// a byte >= 0xa0 without a borrow. ASCII text passes with two operations a
		// word; otherwise look closer, and stay precise for the rest of b.
		if ((w0-lsb*0x20)|(w1-lsb*0x20)|(w2-lsb*0x20)|(w3-lsb*0x20))&msb != 0 {
			return noControlPrecise(b[i:])
		}
	}
	for ; i < len(b); i++ {
		if b[i] < 0x20 {
			return false
		}
	}
	return true
}

// noControlPrecise is noControl for text with bytes >= 0x80: "&^ w" clears the
// high bits such bytes set.
func noControlPrecise(b []byte) bool {
	var acc uint64
	i := 0
	for ; i+32 <= len(b); i += 32 {
		c := b[i : i+32]
		w0, w1, w2, w3 := le64(c), le64(c[8:]), le64(c[16:]), le64(c[24:])
		acc |= (w0 - lsb*0x20) &^ w0
		acc |= (w1 - lsb*0x20) &^ w1
		acc |= (w2 - lsb*0x20) &^ w2
		acc |= (w3 - lsb*0x20) &^ w3
		if acc&msb != 0 {
			return false
		}
	}
	for ; i < len(b); i++ {
		if b[i] < 0x20 {
			return false
		}
	}
	return true
}

// indexByte is bytes.IndexByte, without the call for the short runs of headers
// and event names where c is usually near (or absent).
func indexByte(b []byte, c byte) int {
	for i := 0; i < len(b) && i < 16; i++ {
		if b[i] == c {
			return i
		}
	}
	if len(b) <= 16 {
		return -1
	}
	if j := bytes.IndexByte(b[16:], c); j >= 0 {
		return 16 + j
	}
	return -1
}
