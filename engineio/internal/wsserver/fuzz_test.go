package wsserver

import (
	"bytes"
	"errors"
	"io"
	"net"
	"testing"
	"time"
	"unicode/utf8"
)

// streamConn is a net.Conn that reads a fixed client stream and discards what is written.
type streamConn struct {
	r   *bytes.Reader
	out bytes.Buffer
}

func (c *streamConn) Read(p []byte) (int, error)       { return c.r.Read(p) }
func (c *streamConn) Write(p []byte) (int, error)      { return c.out.Write(p) }
func (c *streamConn) Close() error                     { return nil }
func (c *streamConn) LocalAddr() net.Addr              { return &net.TCPAddr{} }
func (c *streamConn) RemoteAddr() net.Addr             { return &net.TCPAddr{} }
func (c *streamConn) SetDeadline(time.Time) error      { return nil }
func (c *streamConn) SetReadDeadline(time.Time) error  { return nil }
func (c *streamConn) SetWriteDeadline(time.Time) error { return nil }

// FuzzWebSocketFrames feeds arbitrary bytes to the server as a client stream: reading
// never panics, every message respects the limit, text messages are valid UTF-8, and the
// stream ends with a close, a protocol error or the end of input.
func FuzzWebSocketFrames(f *testing.F) {
	f.Add([]byte{0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58})
	f.Add(append(clientFrame(false, 0, OpText, []byte("4he")), clientFrame(true, 0, OpContinuation, []byte("llo"))...))
	f.Add(append(clientFrame(true, 0, OpPing, []byte("p")), clientFrame(true, 0, OpBinary, []byte{1, 2, 3})...))
	f.Add(clientFrame(true, 0, OpClose, []byte{0x03, 0xe8, 'o', 'k'}))
	f.Add([]byte{0x81, 0xFF, 0x40, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4})
	f.Add(clientFrame(true, 4, OpText, []byte("x")))
	const limit = 1 << 12
	f.Add(append([]byte{1}, clientFrame(true, 4, OpText, []byte{0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00})...))
	f.Fuzz(func(t *testing.T, in []byte) {
		// An odd first byte turns permessage-deflate on for the rest of the stream.
		deflate := len(in) > 0 && in[0]&1 == 1
		if deflate {
			in = in[1:]
		}
		c := newConn(&streamConn{r: bytes.NewReader(in)}, nil, Options{ReadLimit: limit})
		c.deflate = deflate
		for {
			data, bin, err := c.ReadMessage()
			if err != nil {
				var pe *ProtocolError
				var ce *CloseError
				if !errors.As(err, &pe) && !errors.As(err, &ce) && !errors.Is(err, io.EOF) && !errors.Is(err, io.ErrUnexpectedEOF) {
					t.Fatalf("unexpected error %v", err)
				}
				return
			}
			if len(data) > limit {
				t.Fatalf("message of %d bytes over the limit", len(data))
			}
			if !bin && !utf8.Valid(data) {
				t.Fatalf("invalid UTF-8 text message %q", data)
			}
		}
	})
}
