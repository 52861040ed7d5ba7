package wsserver

import (
	"bytes"
	"crypto/sha1"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"
)

// HandshakeError is a refused opening handshake: Accept answered it with Status.
type HandshakeError struct {
	Status int
	Msg    string
}

// Error describes why the handshake was refused.
func (e *HandshakeError) Error() string {
	return "wsserver: websocket handshake refused: " + e.Msg
}

// CheckRequest validates an opening handshake request (RFC 6455 section 4.2.1) and returns
// the client's Sec-WebSocket-Key.
func CheckRequest(r *http.Request) (key string, err error) {
	if r.Method != http.MethodGet {
		return "", &HandshakeError{http.StatusMethodNotAllowed, "method " + r.Method + ", want GET"}
	}
	if !HeaderHasToken(r.Header, "Connection", "upgrade") {
		return "", &HandshakeError{http.StatusUpgradeRequired, `Connection header without "Upgrade"`}
	}
	if !HeaderHasToken(r.Header, "Upgrade", "websocket") {
		return "", &HandshakeError{http.StatusUpgradeRequired, `Upgrade header without "websocket"`}
	}
	// The header names are given in canonical form (net/http's "Sec-Websocket-Key"):
	// Header.Get would canonicalize "Sec-WebSocket-Key" into a new string on every request.
	if v := headerValue(r.Header, "Sec-Websocket-Version"); v != "13" {
		return "", &HandshakeError{http.StatusBadRequest, fmt.Sprintf("Sec-WebSocket-Version %q, want 13", v)}
	}
	key = strings.TrimSpace(headerValue(r.Header, "Sec-Websocket-Key"))
	if !validKey(key) {
		return "", &HandshakeError{http.StatusBadRequest, fmt.Sprintf("Sec-WebSocket-Key %q is not 16 bytes in base64", key)}
	}
	return key, nil
}

// headerValue is h.Get(key) for a key already in canonical form.
func headerValue(h http.Header, key string) string {
	if v := h[key]; len(v) > 0 {
		return v[0]
	}
	return ""
}

// validKey reports whether key is 16 bytes in padded base64 (24 characters), decoding
// into a stack array rather than a new slice.
func validKey(key string) bool {
	if len(key) != 24 {
		return false
	}
	var b [18]byte
	n, err := base64.StdEncoding.Decode(b[:], []byte(key))
	return err == nil && n == 16
}

// AcceptKey returns the Sec-WebSocket-Accept value for key.
func AcceptKey(key string) string {
	return string(appendAcceptKey(nil, key))
}

// wsGUID is the GUID RFC 6455 appends to Sec-WebSocket-Key before hashing.
const wsGUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

// appendAcceptKey appends the Sec-WebSocket-Accept value for key to dst without
// allocating (the hash input and digest stay on the stack).
func appendAcceptKey(dst []byte, key string) []byte {
	var in [64 + len(wsGUID)]byte
	var sum [sha1.Size]byte
	if len(key) <= 64 {
		n := copy(in[:], key)
		n += copy(in[n:], wsGUID)
		sum = sha1.Sum(in[:n])
	} else { // CheckRequest allows 24 characters only; this is for other callers
		sum = sha1.Sum([]byte(key + wsGUID))
	}
	return base64.StdEncoding.AppendEncode(dst, sum[:])
}

// HeaderHasToken reports whether one of h's key fields lists token (comma separated,
// case-insensitive).
func HeaderHasToken(h http.Header, key, token string) bool {
	for _, v := range h.Values(key) {
		for t := range strings.SplitSeq(v, ",") {
			if strings.EqualFold(strings.TrimSpace(t), token) {
				return true
			}
		}
	}
	return false
}

// Accept completes the opening handshake of r: it validates the request (answering an
// invalid one with an HTTP error), hijacks the connection, writes the 101 response with
// the headers already set on w.Header() (cookies, CORS) and returns the websocket. Bytes
// the client sent after the request are kept; net/http's buffers are dropped.
func Accept(w http.ResponseWriter, r *http.Request, opts Options) (*Conn, error) {
	return AcceptWith(w, r, opts, nil)
}

// AcceptWith is Accept that also sends the server's first frames with the 101 response:
// first (when not nil) is called with the new Conn and the response bytes, before
// anything is written, and returns them with whole frames appended (AppendHeader and a
// payload, or Conn.AppendMessage). Response and frames go out in one write: the peer
// reads the same bytes, and the server saves a write, and the wakeup of a peer waiting
// for the frame, per connection. first runs before the Conn is shared: nobody else uses
// it yet. When the write fails, the connection is closed and the error returned.
func AcceptWith(w http.ResponseWriter, r *http.Request, opts Options, first func(c *Conn, resp []byte) []byte) (*Conn, error) {
	key, err := CheckRequest(r)
	if err != nil {
		var he *HandshakeError
		if errors.As(err, &he) {
			if he.Status == http.StatusBadRequest {
				w.Header().Set("Sec-WebSocket-Version", "13")
			}
			http.Error(w, he.Msg, he.Status)
		}
		return nil, err
	}
	h := w.Header()
	nc, brw, err := http.NewResponseController(w).Hijack()
	if err != nil {
		http.Error(w, "websocket: cannot hijack the connection", http.StatusInternalServerError)
		return nil, fmt.Errorf("wsserver: hijack: %w", err)
	}
	// net/http's deadlines (ReadTimeout, WriteTimeout) are for requests, not for a
	// websocket that lives for hours.
	_ = nc.SetDeadline(time.Time{})
	bp := respBufs.Get().(*[]byte)
	b := append((*bp)[:0], "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: "...)
	b = appendAcceptKey(b, key)
	b = append(b, "\r\n"...)
	deflate := opts.Deflate != nil && negotiateDeflate(r.Header)
	if deflate {
		b = append(b, "Sec-WebSocket-Extensions: "+deflateResponse+"\r\n"...)
	}
	if len(h) > 0 { // headers set by the caller (cookies, CORS); most handshakes have none
		for _, k := range []string{"Upgrade", "Connection", "Sec-Websocket-Accept", "Sec-Websocket-Extensions", "Content-Length", "Content-Type", "Transfer-Encoding"} {
			h.Del(k)
		}
		hb := bytes.NewBuffer(b)
		_ = h.Write(hb)
		b = hb.Bytes()
	}
	b = append(b, "\r\n"...)
	var early []byte
	if n := brw.Reader.Buffered(); n > 0 {
		early, _ = brw.Reader.Peek(n)
	}
	c := newConn(nc, early, opts)
	if deflate {
		c.deflate, c.threshold = true, opts.Deflate.Threshold
	}
	if first != nil {
		b = first(c, b)
	}
	_, err = nc.Write(b)
	putRespBuf(bp, b)
	if err != nil {
		_ = nc.Close()
		c.release()
		return nil, fmt.Errorf("wsserver: write handshake response: %w", err)
	}
	return c, nil
}

// respBufs holds the buffers the 101 response (and the first frames) are built in.
var respBufs = sync.Pool{New: func() any { b := make([]byte, 0, 512); return &b }}

func putRespBuf(bp *[]byte, b []byte) {
	if cap(b) > 4096 { // a large first frame: let it go rather than keep it pooled
		return
	}
	*bp = b[:0]
	respBufs.Put(bp)
}
