package wsserver

import (
	"bufio"
	"bytes"
	"compress/flate"
	"encoding/binary"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// clientDeflate compresses p as a client does for permessage-deflate (RFC 7692 section
// 7.2.1): deflate, sync flush, the 0x00 0x00 0xff 0xff tail removed.
func clientDeflate(t *testing.T, p []byte) []byte {
	t.Helper()
	var b bytes.Buffer
	fw, _ := flate.NewWriter(&b, flate.BestSpeed)
	_, _ = fw.Write(p)
	_ = fw.Flush()
	out := b.Bytes()
	if !bytes.HasSuffix(out, []byte{0, 0, 0xff, 0xff}) {
		t.Fatal("no sync flush tail")
	}
	return out[:len(out)-4]
}

func TestNegotiateDeflate(t *testing.T) {
	for _, tt := range []struct {
		offer string
		want  bool
	}{
		{"permessage-deflate", true},
		{"permessage-deflate; client_max_window_bits", true}, // Node's ws and browsers
		{"permessage-deflate; client_max_window_bits=10; server_no_context_takeover", true},
		{"permessage-deflate; server_max_window_bits=15", true},
		{"permessage-deflate; server_max_window_bits=10", false}, // compress/flate cannot
		{"permessage-deflate; server_max_window_bits=10, permessage-deflate", true},
		{"permessage-deflate; unknown_param", false},
		{"permessage-deflate; client_no_context_takeover; client_no_context_takeover", false},
		{"permessage-deflate; client_max_window_bits=16", false},
		{"x-webkit-deflate-frame", false},
		{"", false},
	} {
		h := http.Header{}
		if tt.offer != "" {
			h.Set("Sec-WebSocket-Extensions", tt.offer)
		}
		if got := negotiateDeflate(h); got != tt.want {
			t.Errorf("offer %q: accepted %v, want %v", tt.offer, got, tt.want)
		}
	}
}

func TestAcceptNegotiatesDeflate(t *testing.T) {
	for _, tt := range []struct {
		name    string
		opts    Options
		offer   string
		wantExt string
	}{
		{"enabled and offered", Options{Deflate: &DeflateOptions{}}, "permessage-deflate; client_max_window_bits", deflateResponse},
		{"enabled, not offered", Options{Deflate: &DeflateOptions{}}, "", ""},
		{"offered, not enabled", Options{}, "permessage-deflate", ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			done := make(chan *Conn, 1)
			ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				c, err := Accept(w, r, tt.opts)
				if err != nil {
					t.Error(err)
				}
				done <- c
			}))
			defer ts.Close()
			nc, err := net.Dial("tcp", strings.TrimPrefix(ts.URL, "http://"))
			if err != nil {
				t.Fatal(err)
			}
			defer nc.Close()
			req := "GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
			if tt.offer != "" {
				req += "Sec-WebSocket-Extensions: " + tt.offer + "\r\n"
			}
			_, _ = nc.Write([]byte(req + "\r\n"))
			res, err := http.ReadResponse(bufio.NewReader(nc), nil)
			if err != nil {
				t.Fatal(err)
			}
			if got := res.Header.Get("Sec-WebSocket-Extensions"); got != tt.wantExt {
				t.Fatalf("extensions %q, want %q", got, tt.wantExt)
			}
			c := <-done
			if c.deflate != (tt.wantExt != "") {
				t.Fatalf("conn deflate %v", c.deflate)
			}
			_ = c.CloseNow()
		})
	}
}

func TestDeflateRead(t *testing.T) {
	text := []byte(strings.Repeat("compressible text ", 500))
	z := clientDeflate(t, text)
	for _, tt := range []struct {
		name string
		in   []byte
		want []byte
		bin  bool
	}{
		{"one frame", clientFrame(true, 4, OpText, z), text, false},
		{"two fragments, RSV1 on the first", append(clientFrame(false, 4, OpBinary, z[:10]), clientFrame(true, 0, OpContinuation, z[10:])...), text, true},
		{"uncompressed message in between", append(clientFrame(true, 0, OpText, []byte("plain")), clientFrame(true, 4, OpText, z)...), []byte("plain"), false},
		{"empty compressed message", clientFrame(true, 4, OpText, clientDeflate(t, nil)), []byte{}, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			transports(t, Options{ReadLimit: 1 << 20}, func(t *testing.T, p pair) {
				p.srv.deflate = true
				wait := p.send(tt.in)
				defer wait()
				data, bin, err := p.srv.ReadMessage()
				if err != nil || bin != tt.bin || !bytes.Equal(data, tt.want) {
					t.Fatalf("ReadMessage = %d bytes, binary %v, %v", len(data), bin, err)
				}
			})
		})
	}
}

func TestDeflateBadInput(t *testing.T) {
	zeros := clientDeflate(t, make([]byte, 10000)) // a few bytes inflating to 10000
	for _, tt := range []struct {
		name string
		in   []byte
		code int
	}{
		{"RSV1 on a continuation frame", append(clientFrame(false, 0, OpText, []byte("a")), clientFrame(true, 4, OpContinuation, []byte("b"))...), StatusProtocolError},
		{"RSV1 on a control frame", clientFrame(true, 4, OpPing, nil), StatusProtocolError},
		{"invalid compressed data", clientFrame(true, 4, OpText, []byte{0xff, 0xff, 0xff, 0xff}), StatusInvalidPayload},
		{"inflates over the limit", clientFrame(true, 4, OpBinary, zeros), StatusMessageTooBig},
		{"inflates to bad UTF-8", clientFrame(true, 4, OpText, clientDeflate(t, []byte{0xff, 0xfe})), StatusInvalidPayload},
	} {
		t.Run(tt.name, func(t *testing.T) {
			transports(t, Options{ReadLimit: 1000}, func(t *testing.T, p pair) {
				p.srv.deflate = true
				wait := p.send(tt.in)
				defer wait()
				errc := make(chan error, 1)
				go func() { _, _, err := p.srv.ReadMessage(); errc <- err }()
				_, op, payload := readServerFrame(t, p.r)
				if op != OpClose || len(payload) < 2 || int(binary.BigEndian.Uint16(payload)) != tt.code {
					t.Fatalf("server sent %#x % x, want close %d", op, payload, tt.code)
				}
				_, _ = p.client.Write(clientFrame(true, 0, OpClose, payload[:2]))
				var pe *ProtocolError
				if err := <-errc; !errors.As(err, &pe) || pe.Code != tt.code {
					t.Fatalf("ReadMessage error %v, want status %d", err, tt.code)
				}
			})
		})
	}
}

func TestDeflateWrite(t *testing.T) {
	c := &Conn{deflate: true, threshold: 100}
	big := []byte(strings.Repeat("abc", 1000))
	frame := c.AppendMessage(nil, OpText, big)
	if frame[0] != 0x80|0x40|OpText {
		t.Fatalf("first byte %#x, want FIN|RSV1|text", frame[0])
	}
	if len(frame) > len(big)/4 {
		t.Fatalf("%d-byte frame for %d compressible bytes", len(frame), len(big))
	}
	payload := frame[HeaderLen(len(frame)-4):] // short: a 2-byte header
	fr := flate.NewReader(io.MultiReader(bytes.NewReader(payload), bytes.NewReader(deflateTail)))
	got, err := io.ReadAll(fr)
	if err != nil || !bytes.Equal(got, big) {
		t.Fatalf("inflated %d bytes, %v", len(got), err)
	}
	if small := c.AppendMessage(nil, OpText, []byte("hi")); !bytes.Equal(small, AppendFrame(nil, OpText, []byte("hi"))) {
		t.Fatalf("message under the threshold: % x, want it uncompressed", small)
	}
}
