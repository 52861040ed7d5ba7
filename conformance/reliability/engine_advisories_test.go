package reliability

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gosockio/gosockio/engineio"
	"github.com/gosockio/gosockio/socketio"
)

// smallBuffer is MaxHTTPBufferSize in the oversize tests: small, so the tests are cheap.
const smallBuffer = 64 << 10

// TestInvalidUpgradeReset covers CVE-2022-41940 (engine.io < 3.6.1 / 6.2.1,
// GHSA-r7qp-cfhv-p84w): a websocket upgrade request that the server refuses (unknown
// sid, bad EIO, unknown transport), after which the client resets the TCP connection
// (RST) without reading the answer. Node crashed on the unhandled ECONNRESET "error" of
// the refused socket. Here each refused upgrade must cost only its own connection.
func TestInvalidUpgradeReset(t *testing.T) {
	s := newServer(t, nil)
	good := s.dialWS("/")
	queries := []string{
		"EIO=4&transport=websocket&sid=unknown",
		"EIO=5&transport=websocket",
		"EIO=4&transport=carrier-pigeon",
		"transport=websocket",
	}
	for i := range 40 {
		q := queries[i%len(queries)]
		c := dialTCP(t, s.host, 0)
		fmt.Fprintf(c, "GET %s?%s HTTP/1.1\r\nHost: %s\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n", socketio.DefaultPath, q, s.host)
		if i < len(queries) {
			// The first of each kind reads the refusal: a 400, not an upgrade.
			resp, err := http.ReadResponse(bufio.NewReader(c), nil)
			if err != nil {
				t.Fatalf("%s: %v", q, err)
			}
			if resp.StatusCode != http.StatusBadRequest {
				t.Errorf("%s: status %d, want 400", q, resp.StatusCode)
			}
		}
		_ = c.SetLinger(0) // Close sends RST
		_ = c.Close()
	}
	good.works()
	s.dialWS("/").works()
}

// TestInvalidQueryParams covers CVE-2023-31125 (engine.io < 6.4.2,
// GHSA-q9mw-68c2-j6m5): a request whose query parameters are not what the server
// expects ("transport" repeated or naming an Object.prototype property) made Node
// read handlesUpgrades of undefined and crash. Each must get a 400.
func TestInvalidQueryParams(t *testing.T) {
	s := newServer(t, nil)
	good := s.dialWS("/")
	sid := s.openPolling()
	for _, q := range []string{
		"EIO=4&transport=__proto__",
		"EIO=4&transport=constructor",
		"EIO=4&transport=hasOwnProperty",
		"EIO=4&transport=websocket&transport=polling",
		"EIO=4&transport[]=polling",
		"EIO=4&transport=constructor&sid=" + sid,
		"EIO=4&transport=__proto__&sid=" + sid,
		"EIO=4&sid=" + sid,
		"EIO[]=4&transport=polling",
		"EIO=4&transport=polling&sid=__proto__",
	} {
		resp, err := s.http.Get(s.url(q))
		if err != nil {
			t.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusBadRequest {
			t.Errorf("%s: status %d, want 400", q, resp.StatusCode)
		}
	}
	good.works()
}

// TestWebSocketReservedBits covers CVE-2022-21676 (engine.io 4.0.0 to 6.1.0,
// GHSA-273r-mgr4-v34f): a websocket frame with RSV2/RSV3 set made ws throw
// "Invalid WebSocket frame: RSV2 and RSV3 must be clear" out of engine.io. The frame
// must close that connection only.
func TestWebSocketReservedBits(t *testing.T) {
	s := newServer(t, nil)
	good := s.dialWS("/")
	for _, rsv := range []byte{1, 2, 4, 6, 7} {
		bad := s.dialRaw(0)
		bad.text("40")
		bad.read()
		bad.frame(true, rsv, 1, []byte(`42["message","x"]`))
		bad.waitEOF()
		got := s.waitClose(bad.sid)
		// As Node: ws emits "error", engine.io closes with "transport error".
		if got.reason != engineio.ReasonTransportError {
			t.Errorf("rsv %d: reason %q (cause %v), want %q", rsv, got.reason, got.cause, engineio.ReasonTransportError)
		}
	}
	good.works()
}

// TestOversizedPollingBody covers CVE-2020-36048 (engine.io < 4.0.0,
// GHSA-j4f2-536g-r55m): Node buffered a polling POST body of any size, so one request
// could exhaust the memory. The body is capped at MaxHTTPBufferSize: a larger one gets
// 413 and closes the session ("transport error"), without reading what is left.
func TestOversizedPollingBody(t *testing.T) {
	small := &socketio.Options{Options: engineio.Options{MaxHTTPBufferSize: smallBuffer}}
	t.Run("body one byte over", func(t *testing.T) {
		s := newServer(t, small)
		good := s.dialWS("/")
		defer good.works()
		sid := s.openPolling()
		body := "4" + strings.Repeat("a", smallBuffer)
		if code := s.post(sid, strings.NewReader(body)); code != http.StatusRequestEntityTooLarge {
			t.Errorf("status %d, want 413", code)
		}
		s.wantClose(sid, engineio.ReasonTransportError)
	})

	t.Run("huge Content-Length, never sent", func(t *testing.T) {
		s := newServer(t, small)
		good := s.dialWS("/")
		defer good.works()
		// The client announces 1 TiB and sends just over the limit: the server must
		// answer 413 at once instead of waiting for (or buffering) the rest.
		sid := s.openPolling()
		c := dialTCP(t, s.host, 0)
		fmt.Fprintf(c, "POST %s?EIO=4&transport=polling&sid=%s HTTP/1.1\r\nHost: %s\r\nContent-Type: text/plain\r\nContent-Length: %d\r\n\r\n",
			socketio.DefaultPath, sid, s.host, int64(1)<<40)
		_, _ = c.Write([]byte("4" + strings.Repeat("a", smallBuffer)))
		_ = c.SetReadDeadline(time.Now().Add(waitLimit))
		resp, err := http.ReadResponse(bufio.NewReader(c), nil)
		if err != nil {
			t.Fatal(err)
		}
		if resp.StatusCode != http.StatusRequestEntityTooLarge {
			t.Errorf("status %d, want 413", resp.StatusCode)
		}
		s.wantClose(sid, engineio.ReasonTransportError)
	})

	t.Run("chunked body without end", func(t *testing.T) {
		s := newServer(t, small)
		good := s.dialWS("/")
		defer good.works()
		sid := s.openPolling()
		c := dialTCP(t, s.host, 0)
		fmt.Fprintf(c, "POST %s?EIO=4&transport=polling&sid=%s HTTP/1.1\r\nHost: %s\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n",
			socketio.DefaultPath, sid, s.host)
		chunk := strings.Repeat("a", 4096)
		for range smallBuffer/len(chunk) + 2 {
			fmt.Fprintf(c, "%x\r\n%s\r\n", len(chunk), chunk)
		}
		_ = c.SetReadDeadline(time.Now().Add(waitLimit))
		resp, err := http.ReadResponse(bufio.NewReader(c), nil)
		if err != nil {
			t.Fatal(err)
		}
		if resp.StatusCode != http.StatusRequestEntityTooLarge {
			t.Errorf("status %d, want 413", resp.StatusCode)
		}
		s.wantClose(sid, engineio.ReasonTransportError)
	})

	t.Run("many packets adding up", func(t *testing.T) {
		s := newServer(t, small)
		good := s.dialWS("/")
		defer good.works()
		// Small packets joined by \x1e, together over the limit.
		sid := s.openPolling()
		body := strings.Repeat(`42["message","`+strings.Repeat("a", 1000)+`"]`+"\x1e", smallBuffer/1000+1)
		if code := s.post(sid, strings.NewReader(body)); code != http.StatusRequestEntityTooLarge {
			t.Errorf("status %d, want 413", code)
		}
		s.wantClose(sid, engineio.ReasonTransportError)
	})
}

// TestOversizedWebSocketMessage is the websocket side of CVE-2020-36048: a message
// over MaxHTTPBufferSize (Node: ws maxPayload) closes the connection with "transport
// error", whether it comes as one frame, as a frame header announcing 2^62 bytes that
// never come, or as fragments that add up.
func TestOversizedWebSocketMessage(t *testing.T) {
	small := &socketio.Options{Options: engineio.Options{MaxHTTPBufferSize: smallBuffer}}
	t.Run("one message one byte over", func(t *testing.T) {
		s := newServer(t, small)
		good := s.dialWS("/")
		defer good.works()
		bad := s.dialWS("/")
		bad.send("4" + strings.Repeat("a", smallBuffer))
		bad.waitGone()
		s.wantClose(bad.sid, engineio.ReasonTransportError)
	})

	t.Run("header announcing 2^62 bytes", func(t *testing.T) {
		// As Node's ws: the frame is refused as soon as its length is read (close status
		// 1009), before any of its payload, with "transport error".
		s := newServer(t, small)
		good := s.dialWS("/")
		defer good.works()
		bad := s.dialRaw(0)
		hdr := []byte{0x81, 0x80 | 127, 0x40, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4}
		if _, err := bad.conn.Write(append(hdr, "4abc"...)); err != nil {
			t.Fatal(err)
		}
		for {
			op, p, err := bad.readFrame()
			if err != nil {
				t.Fatalf("no close frame from the server: %v", err)
			}
			if op == 8 {
				if len(p) < 2 || binary.BigEndian.Uint16(p) != 1009 {
					t.Fatalf("close frame % x, want status 1009 (message too big)", p)
				}
				break
			}
		}
		bad.waitEOF()
		s.wantClose(bad.sid, engineio.ReasonTransportError)
	})

	t.Run("fragments adding up", func(t *testing.T) {
		s := newServer(t, small)
		good := s.dialWS("/")
		defer good.works()
		bad := s.dialRaw(0)
		part := []byte(strings.Repeat("a", 8192))
		bad.frame(false, 0, 1, append([]byte("4"), part...))
		// The server may close before the last fragments are written.
		for range smallBuffer / len(part) {
			_ = bad.tryFrame(false, 0, 0, part)
		}
		_ = bad.tryFrame(true, 0, 0, part)
		bad.waitEOF()
		s.wantClose(bad.sid, engineio.ReasonTransportError)
	})
}
