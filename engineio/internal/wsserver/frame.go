package wsserver

import (
	"encoding/binary"
)

// Opcodes (RFC 6455 section 5.2).
const (
	OpContinuation = 0x0
	OpText         = 0x1
	OpBinary       = 0x2
	OpClose        = 0x8
	OpPing         = 0x9
	OpPong         = 0xA
)

// Close status codes (RFC 6455 section 7.4.1) used here.
const (
	StatusNormalClosure  = 1000
	StatusGoingAway      = 1001
	StatusProtocolError  = 1002
	StatusNoStatus       = 1005 // never sent: an empty close frame reads as this
	StatusInvalidPayload = 1007
	StatusMessageTooBig  = 1009
	maxControlPayload    = 125
)

// HeaderLen returns the length of the header of an unmasked frame carrying n bytes.
func HeaderLen(n int) int {
	switch {
	case n <= 125:
		return 2
	case n <= 0xFFFF:
		return 4
	}
	return 10
}

// AppendHeader appends the header of a final (FIN), unmasked frame of opcode op carrying
// n payload bytes; the payload follows it in dst. Many frames may be appended to one buffer
// and written with one Write.
func AppendHeader(dst []byte, op byte, n int) []byte {
	b0 := 0x80 | op
	switch {
	case n <= 125:
		return append(dst, b0, byte(n))
	case n <= 0xFFFF:
		return append(dst, b0, 126, byte(n>>8), byte(n))
	}
	dst = append(dst, b0, 127)
	return binary.BigEndian.AppendUint64(dst, uint64(n))
}

// AppendFrame appends one final, unmasked frame of opcode op with payload p.
func AppendFrame(dst []byte, op byte, p []byte) []byte {
	return append(AppendHeader(dst, op, len(p)), p...)
}

// AppendClose appends a close frame with status code and reason (trimmed to fit the 125
// bytes of a control frame). Code 0 sends an empty close frame.
func AppendClose(dst []byte, code int, reason string) []byte {
	if code == 0 {
		return append(dst, 0x80|OpClose, 0)
	}
	if len(reason) > maxControlPayload-2 {
		reason = reason[:maxControlPayload-2]
	}
	dst = AppendHeader(dst, OpClose, 2+len(reason))
	dst = append(dst, byte(code>>8), byte(code))
	return append(dst, reason...)
}

// validCloseCode reports whether a peer may send code in a close frame (the codes Node's
// ws accepts: 1000-1014 except 1004-1006, and 3000-4999).
func validCloseCode(code int) bool {
	return (code >= 1000 && code <= 1014 && code != 1004 && code != 1005 && code != 1006) ||
		(code >= 3000 && code <= 4999)
}

// mask XORs b with the masking key, starting at key position pos (0-3); it returns the key
// position after b.
func mask(b []byte, key [4]byte, pos int) int {
	next := (pos + len(b)) & 3
	k := [4]byte{key[pos&3], key[(pos+1)&3], key[(pos+2)&3], key[(pos+3)&3]}
	if len(b) >= 16 { // 8 bytes at a time; the rotated key repeats every 4 bytes
		k32 := binary.LittleEndian.Uint32(k[:])
		k64 := uint64(k32)<<32 | uint64(k32)
		for len(b) >= 8 {
			binary.LittleEndian.PutUint64(b, binary.LittleEndian.Uint64(b)^k64)
			b = b[8:]
		}
	}
	for i := range b {
		b[i] ^= k[i&3]
	}
	return next
}
