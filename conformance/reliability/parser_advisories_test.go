package reliability

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/gosockio/gosockio/engineio"
	"github.com/gosockio/gosockio/socketio"
)

// badPacket is socket.io input that must close the connection that sent it.
type badPacket struct {
	name   string
	frames []string // engine.io messages in order; a "\x00bin:" prefix sends the rest as binary
}

func (s *server) sendBad(t *testing.T, p badPacket) {
	t.Helper()
	s = s.sub(t)
	good := s.dialWS("/")
	bad := s.dialWS("/")
	// The server may close the connection before the last frames are written.
	for _, f := range p.frames {
		if b, ok := strings.CutPrefix(f, "\x00bin:"); ok {
			_ = bad.conn.Write(t.Context(), websocket.MessageBinary, []byte(b))
		} else {
			_ = bad.conn.Write(t.Context(), websocket.MessageText, []byte(f))
		}
	}
	bad.waitGone()
	// Node: socket.io's client.onerror calls conn.close(), engine.io's "forced close".
	s.wantClose(bad.sid, engineio.ReasonForcedClose)
	good.works()
}

// TestPlaceholderTypeConfusion covers CVE-2022-2421 (socket.io-parser < 3.4.2 / 4.0.5
// / 4.2.1, GHSA-qm95-pgcg-qqfq): a BINARY_EVENT whose placeholder's num is not an
// index of an attachment (a string, an object, an array, out of range, negative, a
// fraction, "__proto__") made the parser hand any value to the application where a
// Buffer was expected. Each must close that connection.
func TestPlaceholderTypeConfusion(t *testing.T) {
	s := newServer(t, nil)
	for _, num := range []string{`"0"`, `{}`, `[0]`, `null`, `true`, `1`, `-1`, `0.5`, `1e400`, `"__proto__"`, `"toString"`} {
		t.Run("num "+num, func(t *testing.T) {
			s.sendBad(t, badPacket{frames: []string{
				`451-["message",{"_placeholder":true,"num":` + num + `}]`, "\x00bin:\x01\x02",
			}})
		})
	}
	t.Run("placeholder under __proto__ with a bad num", func(t *testing.T) {
		s.sendBad(t, badPacket{frames: []string{
			`451-["message",{"__proto__":{"_placeholder":true,"num":"x"}}]`, "\x00bin:\x01",
		}})
	})
}

// TestProtoKeysAreData checks that "__proto__" and "constructor" keys, the other half
// of CVE-2022-2421, are plain data here: echoed verbatim, and a later packet is not
// affected by them.
func TestProtoKeysAreData(t *testing.T) {
	s := newServer(t, nil)
	c := s.dialWS("/")
	for _, arg := range []string{
		`{"__proto__":{"polluted":true}}`,
		`{"constructor":{"prototype":{"polluted":true}}}`,
		`{}`,
	} {
		c.send(`42["message",` + arg + `]`)
		if got, want := c.next(), `42["message-back",`+arg+`]`; got != want {
			t.Errorf("echo of %s: got %q, want %q", arg, got, want)
		}
	}
}

// TestMalformedPackets covers CVE-2023-32695 (socket.io-parser < 4.2.3,
// GHSA-cqmj-92xf-r6r9): a packet such as `2[` or an event name that is an object
// (`2[{"toString":"foo"}]`) threw an uncaught exception out of the parser; crafted
// attachment counts did the same. Each must close only that connection.
func TestMalformedPackets(t *testing.T) {
	s := newServer(t, nil)
	for _, p := range []badPacket{
		{"truncated array", []string{"42["}},
		{"truncated string", []string{`42["message`}},
		{"event name an object", []string{`42[{"toString":"foo"}]`}},
		{"event name null", []string{`42[null]`}},
		{"empty event", []string{`42[]`}},
		{"event not an array", []string{`42{"a":1}`}},
		{"unknown type", []string{`49["message"]`}},
		{"empty message", []string{`4`}},
		{"reserved event name", []string{`42["disconnect"]`}},
		{"ack id not a number", []string{`42x["message"]`}},
		{"no attachment count", []string{`45-["message"]`}},
		{"attachment count not a number", []string{`45a-["message"]`}},
		{"attachment count zero", []string{`450-["message"]`}},
		{"attachment count huge", []string{`4599999999999999999999-["message"]`}},
		{"attachment count without dash", []string{`451["message"]`}},
		{"binary frame with nothing pending", []string{"\x00bin:\x01\x02"}},
		{"text while attachments pending", []string{`451-["message",{"_placeholder":true,"num":0}]`, `42["message"]`}},
		{"CONNECT to / twice", []string{`40`}},
	} {
		t.Run(p.name, func(t *testing.T) { s.sendBad(t, p) })
	}
}

// TestDeepNesting sends an event whose argument nests 100,000 arrays, balanced or not.
// The parser accepts at most 10,000 levels, as encoding/json (parser/jsonscan.go), so
// both close the connection, cheaply: the scan stops at the limit without recursion.
// Divergence: V8's JSON.parse has no depth limit, so Node accepts the balanced one
// (and then fails to JSON.stringify it back: "Maximum call stack size exceeded").
// A payload under the limit is served.
func TestDeepNesting(t *testing.T) {
	const depth = 100_000
	s := newServer(t, nil)
	t.Run("unbalanced", func(t *testing.T) {
		s.sendBad(t, badPacket{frames: []string{`42["message",` + strings.Repeat("[", depth)}})
	})
	t.Run("balanced", func(t *testing.T) {
		s.sendBad(t, badPacket{frames: []string{`42["message",` + strings.Repeat("[", depth) + strings.Repeat("]", depth) + `]`}})
	})
	t.Run("objects", func(t *testing.T) {
		s.sendBad(t, badPacket{frames: []string{`42["message",` + strings.Repeat(`{"a":`, depth) + "1" + strings.Repeat("}", depth) + `]`}})
	})
	t.Run("under the limit", func(t *testing.T) {
		s := s.sub(t)
		c := s.dialWS("/")
		arg := strings.Repeat("[", 9000) + strings.Repeat("]", 9000)
		c.send(`42["message",` + arg + `]`)
		if got, want := c.next(), `42["message-back",`+arg+`]`; got != want {
			t.Fatalf("echo of 9000 nested arrays: got %d bytes, want %d", len(got), len(want))
		}
	})
}

// TestAttachmentFlood covers the binary attachment denial of service
// (GHSA-2m8v-j782-fhvr and the maxAttachments limit of socket.io-parser 4.2.x): a
// BINARY_EVENT announcing more attachments than the limit (10) is refused at once; one
// announcing attachments that never all arrive does not hold its buffered frames
// forever: the connection is closed after ConnectTimeout (socketio.Options: the
// attachment wait is bounded by it), short here.
func TestAttachmentFlood(t *testing.T) {
	const timeout = 300 * time.Millisecond
	s := newServer(t, &socketio.Options{ConnectTimeout: timeout})

	t.Run("count over the limit", func(t *testing.T) {
		s.sendBad(t, badPacket{frames: []string{`4511-["message"]`}})
	})
	t.Run("count far over the limit", func(t *testing.T) {
		s.sendBad(t, badPacket{frames: []string{`451000000-["message"]`}})
	})

	waitTimedOut := func(t *testing.T, frames ...string) {
		s := s.sub(t)
		good := s.dialWS("/")
		bad := s.dialWS("/")
		start := time.Now()
		for _, f := range frames {
			if b, ok := strings.CutPrefix(f, "\x00bin:"); ok {
				bad.sendBinary([]byte(b))
			} else {
				bad.send(f)
			}
		}
		// The good client keeps working while the bad one waits.
		good.works()
		bad.waitGone()
		if got := s.waitClose(bad.sid); got.reason != engineio.ReasonForcedClose {
			t.Errorf("reason %q, want %q (the attachment timeout closes the connection)", got.reason, engineio.ReasonForcedClose)
		}
		if d := time.Since(start); d < timeout {
			t.Errorf("closed after %v, before the %v timeout: it was not the timeout", d, timeout)
		}
		good.works()
	}
	t.Run("count at the limit, no frame sent", func(t *testing.T) {
		waitTimedOut(t, `4510-["message"]`)
	})
	t.Run("count at the limit, nine of ten sent", func(t *testing.T) {
		frames := []string{`4510-["message"]`}
		for range 9 {
			frames = append(frames, "\x00bin:"+strings.Repeat("x", 1000))
		}
		waitTimedOut(t, frames...)
	})
}

// TestManyNamespaceConnects sends 5,000 CONNECTs to distinct unknown namespaces on one
// connection. As Node, each gets CONNECT_ERROR "Invalid namespace" and no state: the
// connection stays usable, creates no namespace, and others are not disturbed.
func TestManyNamespaceConnects(t *testing.T) {
	const n = 5000
	s := newServer(t, nil)
	good := s.dialWS("/")
	c := s.dialWS("/")
	// At most 256 CONNECTs unanswered, so that the answers never overflow the
	// connection's write queue (1024 packets) while this test reads them.
	credits := make(chan struct{}, 256)
	var wg sync.WaitGroup
	// Owned by this test, which waits for it.
	wg.Go(func() {
		for i := range n {
			select {
			case credits <- struct{}{}:
			case <-t.Context().Done():
				return
			}
			if err := c.conn.Write(t.Context(), websocket.MessageText, fmt.Appendf(nil, "40/ns%d,", i)); err != nil {
				t.Errorf("CONNECT %d: %v", i, err)
				return
			}
		}
	})
	for i := range n {
		if got, want := c.next(), fmt.Sprintf(`44/ns%d,{"message":"Invalid namespace"}`, i); got != want {
			t.Fatalf("answer %d: %q, want %q (%+v)", i, got, want, s.waitClose(c.sid))
		}
		<-credits
	}
	wg.Wait()
	c.works()
	good.works()
	if got := s.io.Engine().ClientsCount(); got != 2 {
		t.Errorf("%d engine connections, want 2", got)
	}
}
