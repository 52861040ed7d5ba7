package wsserver

import (
	"bytes"
	"crypto/sha1"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"strings"
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
	if v := r.Header.Get("Sec-WebSocket-Version"); v != "13" {
		return "", &HandshakeError{http.StatusBadRequest, fmt.Sprintf("Sec-WebSocket-Version %q, want 13", v)}
	}
	key = strings.TrimSpace(r.Header.Get("Sec-WebSocket-Key"))
	if b, err := base64.StdEncoding.DecodeString(key); err != nil || len(b) != 16 {
		return "", &HandshakeError{http.StatusBadRequest, fmt.Sprintf("Sec-WebSocket-Key %q is not 16 bytes in base64", key)}
	}
	return key, nil
}

// AcceptKey returns the Sec-WebSocket-Accept value for key.
func AcceptKey(key string) string {
	h := sha1.New()
	h.Write([]byte(key))
	h.Write([]byte("258EAFA5-E914-47DA-95CA-C5AB0DC85B11"))
	return base64.StdEncoding.EncodeToString(h.Sum(nil))
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
	nc, brw, err := http.NewResponseController(w).Hijack()
	if err != nil {
		http.Error(w, "websocket: cannot hijack the connection", http.StatusInternalServerError)
		return nil, fmt.Errorf("wsserver: hijack: %w", err)
	}
	// net/http's deadlines (ReadTimeout, WriteTimeout) are for requests, not for a
	// websocket that lives for hours.
	_ = nc.SetDeadline(time.Time{})
	var b bytes.Buffer
	b.WriteString("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ")
	b.WriteString(AcceptKey(key))
	b.WriteString("\r\n")
	deflate := opts.Deflate != nil && negotiateDeflate(r.Header)
	if deflate {
		b.WriteString("Sec-WebSocket-Extensions: " + deflateResponse + "\r\n")
	}
	h := w.Header()
	for _, k := range []string{"Upgrade", "Connection", "Sec-Websocket-Accept", "Sec-Websocket-Extensions", "Content-Length", "Content-Type", "Transfer-Encoding"} {
		h.Del(k)
	}
	_ = h.Write(&b)
	b.WriteString("\r\n")
	if _, err := nc.Write(b.Bytes()); err != nil {
		_ = nc.Close()
		return nil, fmt.Errorf("wsserver: write handshake response: %w", err)
	}
	var early []byte
	if n := brw.Reader.Buffered(); n > 0 {
		early, _ = brw.Reader.Peek(n)
	}
	c := newConn(nc, early, opts)
	if deflate {
		c.deflate, c.threshold = true, opts.Deflate.Threshold
	}
	return c, nil
}
