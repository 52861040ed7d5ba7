package wsserver

import (
	"bytes"
	"compress/flate"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
)

// DeflateOptions turn on permessage-deflate (RFC 7692) for the clients that offer it.
//
// The server always negotiates server_no_context_takeover and client_no_context_takeover
// (RFC 7692 section 7.1.1.1 lets a server require the latter even when the client did not
// offer it): each message is compressed on its own, so a connection keeps no 32 KiB
// window per direction between messages and compressors are shared through pools.
type DeflateOptions struct {
	// Threshold is the smallest message compressed, in bytes; smaller ones go uncompressed.
	Threshold int
}

// deflateResponse is the extension the server answers with.
const deflateResponse = "permessage-deflate; server_no_context_takeover; client_no_context_takeover"

// negotiateDeflate returns whether one of the client's permessage-deflate offers in h can
// be accepted as deflateResponse. An offer is refused when it has an unknown or repeated
// parameter, or asks for server_max_window_bits below 15 (compress/flate always uses a
// 32 KiB window).
func negotiateDeflate(h http.Header) bool {
	for _, v := range h.Values("Sec-WebSocket-Extensions") {
		for offer := range strings.SplitSeq(v, ",") {
			params := strings.Split(offer, ";")
			if !strings.EqualFold(strings.TrimSpace(params[0]), "permessage-deflate") {
				continue
			}
			if acceptableOffer(params[1:]) {
				return true
			}
		}
	}
	return false
}

func acceptableOffer(params []string) bool {
	seen := map[string]bool{}
	for _, p := range params {
		name, value, hasValue := strings.Cut(strings.TrimSpace(p), "=")
		name = strings.ToLower(strings.TrimSpace(name))
		value = strings.Trim(strings.TrimSpace(value), `"`)
		if seen[name] {
			return false
		}
		seen[name] = true
		switch name {
		case "server_no_context_takeover", "client_no_context_takeover":
			if hasValue {
				return false
			}
		case "server_max_window_bits":
			if value != "15" {
				return false
			}
		case "client_max_window_bits":
			// Without a value: the client can honour one; with one: the window the client
			// uses, which a 32 KiB inflater reads whatever its size.
			if hasValue && !validWindowBits(value) {
				return false
			}
		default:
			return false
		}
	}
	return true
}

func validWindowBits(v string) bool {
	switch v {
	case "8", "9", "10", "11", "12", "13", "14", "15":
		return true
	}
	return false
}

// deflateTail ends a compressed message for compress/flate: the 4 bytes the sender strips
// (RFC 7692 section 7.2.2) and an empty final stored block, so that the reader ends with
// io.EOF.
var deflateTail = []byte{0x00, 0x00, 0xff, 0xff, 0x01, 0x00, 0x00, 0xff, 0xff}

var inflaters sync.Pool // io.ReadCloser from flate.NewReader (flate.Resetter)

// inflate decompresses one message; more than limit bytes (0: no limit) is an error.
func inflate(p []byte, limit int64) ([]byte, error) {
	src := io.MultiReader(bytes.NewReader(p), bytes.NewReader(deflateTail))
	fr, _ := inflaters.Get().(io.ReadCloser)
	if fr == nil {
		fr = flate.NewReader(src)
	} else if err := fr.(flate.Resetter).Reset(src, nil); err != nil {
		return nil, err
	}
	defer inflaters.Put(fr)
	var r io.Reader = fr
	if limit > 0 {
		r = io.LimitReader(fr, limit+1)
	}
	out, err := io.ReadAll(r)
	switch {
	case err != nil:
		return nil, &ProtocolError{StatusInvalidPayload, fmt.Sprintf("invalid compressed message: %v", err)}
	case limit > 0 && int64(len(out)) > limit:
		return nil, &ProtocolError{StatusMessageTooBig, fmt.Sprintf("compressed message inflating to more than the limit of %d bytes", limit)}
	}
	return out, nil
}

var deflaters sync.Pool // *flate.Writer

// appendDeflated appends p compressed as one permessage-deflate message body (the
// trailing 0x00 0x00 0xff 0xff removed).
func appendDeflated(dst, p []byte) []byte {
	b := bytes.NewBuffer(dst)
	fw, _ := deflaters.Get().(*flate.Writer)
	if fw == nil {
		fw, _ = flate.NewWriter(b, flate.DefaultCompression)
	} else {
		fw.Reset(b)
	}
	_, _ = fw.Write(p)
	_ = fw.Flush()
	deflaters.Put(fw)
	out := b.Bytes()
	if bytes.HasSuffix(out, deflateTail[:4]) {
		out = out[:len(out)-4]
	}
	return out
}

// Compresses reports whether messages of n bytes are sent compressed on this connection.
func (c *Conn) Compresses(n int) bool { return c.deflate && n >= c.threshold }

// AppendMessage appends the frame of one data message (op OpText or OpBinary) with
// payload p, compressed when the connection negotiated permessage-deflate and p is at least
// the threshold.
func (c *Conn) AppendMessage(dst []byte, op byte, p []byte) []byte {
	if !c.Compresses(len(p)) {
		return AppendFrame(dst, op, p)
	}
	z := appendDeflated(nil, p)
	dst = AppendHeader(dst, op, len(z))
	dst[len(dst)-HeaderLen(len(z))] |= 0x40 // RSV1: compressed
	return append(dst, z...)
}
