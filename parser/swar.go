package parser

import "encoding/binary"

// Word-at-a-time scanning of JSON string bytes (the "has less than" and "has zero
// byte" bit tricks): 8 bytes per step over the plain runs that make up most strings.

const (
	lsb = 0x0101010101010101
	msb = 0x8080808080808080
)

// hasSpecial reports whether w has a byte below 0x20, a '"' or a '\\'; with
// nonASCII also a byte of 0x80 or more. False positives cannot happen for the first
// flagged byte, so callers fall back to bytewise scanning from that word.
func hasSpecial(w uint64, nonASCII bool) bool {
	ctl := (w - lsb*0x20) & ^w
	q := w ^ (lsb * '"')
	q = (q - lsb) & ^q
	bs := w ^ (lsb * '\\')
	bs = (bs - lsb) & ^bs
	m := ctl | q | bs
	if nonASCII {
		m |= w
	}
	return m&msb != 0
}

// plainPrefix returns the length of the leading run of s (whole words only) that
// holds no byte that hasSpecial flags.
func plainPrefix(s string, nonASCII bool) int {
	i := 0
	for ; i+8 <= len(s); i += 8 {
		w := binary.LittleEndian.Uint64([]byte(s[i : i+8]))
		if hasSpecial(w, nonASCII) {
			break
		}
	}
	return i
}

// plainPrefixBytes is plainPrefix for a []byte.
func plainPrefixBytes(b []byte, nonASCII bool) int {
	i := 0
	for ; i+8 <= len(b); i += 8 {
		if hasSpecial(binary.LittleEndian.Uint64(b[i:i+8]), nonASCII) {
			break
		}
	}
	return i
}
