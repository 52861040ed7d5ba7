package conformance

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"sync"
	"time"

	"pgregory.net/rapid"
)

// EngineDriver is an Engine.IO echo server under test, reached over HTTP: ours
// in-process (behind an httptest server), or any implementation listening on a
// port. The contract the server must keep:
//
//   - it serves Engine.IO at URL with polling and websocket, upgrades allowed,
//     EIO=4 (and EIO=3, for the handshake property);
//   - every message it receives is sent back to the same session unchanged
//     (text as text, binary as binary), in arrival order;
//   - maxHttpBufferSize is at least 100 kB.
//
// Any heartbeat works; the properties answer pings.
type EngineDriver interface {
	// URL is the endpoint, scheme, host and path with its trailing slash,
	// for example "http://127.0.0.1:3000/engine.io/".
	URL() string
	// CloseReason waits until the server has closed session sid and returns
	// its close reason, in Node's words ("transport close", "parse error",
	// "ping timeout", ...). A driver that cannot observe the server's reasons
	// returns ErrNoCloseReasons; the properties then check only what a client
	// sees (the session is gone).
	CloseReason(ctx context.Context, sid string) (string, error)
}

// ErrNoCloseReasons is returned by an [EngineDriver] whose server does not
// report close reasons.
var ErrNoCloseReasons = errors.New("conformance: the driver does not report close reasons")

// EngineServer is an [EngineDriver] for a server at Endpoint whose close
// reasons are recorded in Closes (nil: ErrNoCloseReasons).
type EngineServer struct {
	Endpoint string
	Closes   *CloseLog
	// WithoutEIO3 says the server refuses EIO=3 (Node's allowEIO3: false);
	// CheckEngineHandshake then draws only EIO=4 handshakes.
	WithoutEIO3 bool
}

// ServesEIO3 reports !s.WithoutEIO3.
func (s EngineServer) ServesEIO3() bool { return !s.WithoutEIO3 }

// servesEIO3 reports whether d's server serves EIO=3: yes unless d has a
// ServesEIO3 method that says no.
func servesEIO3(d EngineDriver) bool {
	if e, ok := d.(interface{ ServesEIO3() bool }); ok {
		return e.ServesEIO3()
	}
	return true
}

// URL returns s.Endpoint.
func (s EngineServer) URL() string { return s.Endpoint }

// CloseReason waits for sid in s.Closes.
func (s EngineServer) CloseReason(ctx context.Context, sid string) (string, error) {
	if s.Closes == nil {
		return "", ErrNoCloseReasons
	}
	return s.Closes.Wait(ctx, sid)
}

// CloseLog records the close reason of each session, for an [EngineServer]:
// call Record from the server's close callback. It is safe for concurrent use.
type CloseLog struct {
	mu      sync.Mutex
	reasons map[string]string        // guarded by mu
	waiters map[string]chan struct{} // guarded by mu; closed when the sid is recorded
}

// NewCloseLog returns an empty log.
func NewCloseLog() *CloseLog {
	return &CloseLog{reasons: map[string]string{}, waiters: map[string]chan struct{}{}}
}

// Record notes that session sid closed with reason. Only the first reason of a
// sid is kept.
func (l *CloseLog) Record(sid, reason string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if _, ok := l.reasons[sid]; ok {
		return
	}
	l.reasons[sid] = reason
	if ch, ok := l.waiters[sid]; ok {
		close(ch)
		delete(l.waiters, sid)
	}
}

// Wait returns the reason recorded for sid, waiting for it until ctx ends.
func (l *CloseLog) Wait(ctx context.Context, sid string) (string, error) {
	l.mu.Lock()
	if r, ok := l.reasons[sid]; ok {
		l.mu.Unlock()
		return r, nil
	}
	ch, ok := l.waiters[sid]
	if !ok {
		ch = make(chan struct{})
		l.waiters[sid] = ch
	}
	l.mu.Unlock()
	select {
	case <-ch:
		l.mu.Lock()
		defer l.mu.Unlock()
		return l.reasons[sid], nil
	case <-ctx.Done():
		return "", fmt.Errorf("conformance: session %s: no close reason recorded: %w", sid, ctx.Err())
	}
}

// engineCaseTimeout bounds one example of an engine property.
const engineCaseTimeout = 20 * time.Second

// CheckEngineHandshake checks the open packet of random handshakes (EIO=4 or
// EIO=3, over polling or websocket): it carries exactly sid (a non-empty
// string), upgrades (["websocket"] on a polling handshake, [] on a websocket
// one), pingInterval and pingTimeout (positive integers) and, for EIO=4 only,
// maxPayload (a positive integer). Sessions are closed by the client after.
// A driver with a ServesEIO3() bool method that returns false gets EIO=4 only.
func CheckEngineHandshake(t rapid.TB, d EngineDriver) {
	t.Helper()
	hc, done := engineHTTPClient()
	defer done()
	rapid.Check(t, func(rt *rapid.T) {
		versions := []int{4}
		if servesEIO3(d) {
			versions = append(versions, 3)
		}
		eio := rapid.SampledFrom(versions).Draw(rt, "EIO")
		transport := rapid.SampledFrom([]string{"polling", "websocket"}).Draw(rt, "transport")
		ctx, cancel := context.WithTimeout(context.Background(), engineCaseTimeout)
		defer cancel()
		c := &engineClient{endpoint: d.URL(), hc: hc, eio: eio}
		var raw []byte
		if transport == "polling" {
			pkts, err := c.get(ctx)
			if err != nil {
				rt.Fatalf("EIO=%d polling handshake: %v", eio, err)
			}
			if len(pkts) == 0 || pkts[0].typ != '0' {
				rt.Fatalf("EIO=%d polling handshake: first packet is not open: %s", eio, describeEnginePackets(pkts))
			}
			raw = pkts[0].data
		} else {
			ws, err := c.dialWS(ctx)
			if err != nil {
				rt.Fatalf("EIO=%d websocket handshake: %v", eio, err)
			}
			defer ws.close()
			p, err := ws.readRaw(ctx)
			if err != nil {
				rt.Fatalf("EIO=%d websocket handshake: read the open packet: %v", eio, err)
			}
			if p.typ != '0' {
				rt.Fatalf("EIO=%d websocket handshake: first frame is not open: %s", eio, describeEnginePackets([]enginePacket{p}))
			}
			raw = p.data
		}
		checkOpenPacket(rt, eio, transport, raw)
		var hs struct {
			SID string `json:"sid"`
		}
		_ = json.Unmarshal(raw, &hs)
		c.sid = hs.SID
		if transport == "polling" {
			if err := c.post(ctx, c.encodeClose()); err != nil {
				rt.Fatalf("EIO=%d: close the session: %v", eio, err)
			}
		}
	})
}

func checkOpenPacket(rt *rapid.T, eio int, transport string, raw []byte) {
	rt.Helper()
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(raw, &fields); err != nil {
		rt.Fatalf("EIO=%d %s: open packet %q is not a JSON object: %v", eio, transport, raw, err)
	}
	want := []string{"sid", "upgrades", "pingInterval", "pingTimeout"}
	if eio == 4 {
		want = append(want, "maxPayload")
	}
	var keys []string
	for k := range fields {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	slices.Sort(want)
	if !slices.Equal(keys, want) {
		rt.Fatalf("EIO=%d %s: open packet %s has keys %v, want exactly %v", eio, transport, raw, keys, want)
	}
	var sid string
	if err := json.Unmarshal(fields["sid"], &sid); err != nil || sid == "" {
		rt.Fatalf("EIO=%d %s: sid in %s is not a non-empty string", eio, transport, raw)
	}
	var upgrades []string
	if err := json.Unmarshal(fields["upgrades"], &upgrades); err != nil || upgrades == nil {
		rt.Fatalf("EIO=%d %s: upgrades in %s is not an array of strings", eio, transport, raw)
	}
	wantUp := []string{"websocket"}
	if transport == "websocket" {
		wantUp = []string{}
	}
	if !slices.Equal(upgrades, wantUp) {
		rt.Fatalf("EIO=%d %s: upgrades = %q in %s, want %q", eio, transport, upgrades, raw, wantUp)
	}
	numbers := []string{"pingInterval", "pingTimeout"}
	if eio == 4 {
		numbers = append(numbers, "maxPayload")
	}
	for _, k := range numbers {
		var n uint64
		if err := json.Unmarshal(fields[k], &n); err != nil || n == 0 {
			rt.Fatalf("EIO=%d %s: %s = %s in %s, want a positive integer", eio, transport, k, fields[k], raw)
		}
	}
}

// engineMessage is one Engine.IO message as the properties send it.
type engineMessage struct {
	Binary bool
	Data   []byte
}

func (m engineMessage) String() string {
	if m.Binary {
		if len(m.Data) > 24 {
			return fmt.Sprintf("bin(%d)%x…", len(m.Data), m.Data[:24])
		}
		return fmt.Sprintf("bin(%d)%x", len(m.Data), m.Data)
	}
	if len(m.Data) > 40 {
		return fmt.Sprintf("text(%d)%q…", len(m.Data), m.Data[:40])
	}
	return fmt.Sprintf("text(%d)%q", len(m.Data), m.Data)
}

// engineMessageGen draws text (valid UTF-8, no record separator) or binary
// messages, mostly short, sometimes several kilobytes.
func engineMessageGen() *rapid.Generator[engineMessage] {
	return rapid.Custom(func(t *rapid.T) engineMessage {
		binary := rapid.Bool().Draw(t, "binary")
		max := 16
		if rapid.IntRange(0, 4).Draw(t, "size class") == 0 {
			max = 5000
		}
		if binary {
			return engineMessage{Binary: true, Data: rapid.SliceOfN(rapid.Byte(), 0, max).Draw(t, "bytes")}
		}
		r := rapid.Rune().Filter(func(r rune) bool { return r != '\x1e' })
		return engineMessage{Data: []byte(rapid.StringOfN(r, 0, max, -1).Draw(t, "text"))}
	})
}

// CheckEngineOrdering checks that an echo server returns every message once,
// in order, when the client sends random messages (text and binary, random
// sizes) over polling, upgrades to websocket at a random point and sends the
// rest as websocket frames. The interleaving is random too: POSTs of one to
// three messages and GETs in any order, a GET left pending across the probe
// (the server must release it with a noop), messages POSTed between the probe
// and the upgrade packet, and websocket frames sent in bursts or one echo at a
// time. Finally the client closes (a close packet, or the websocket dropped)
// and the server must report "transport close".
func CheckEngineOrdering(t rapid.TB, d EngineDriver) {
	t.Helper()
	hc, done := engineHTTPClient()
	defer done()
	rapid.Check(t, func(rt *rapid.T) {
		msgs := rapid.SliceOfN(engineMessageGen(), 1, 12).Draw(rt, "messages")
		upgradeAt := rapid.IntRange(0, len(msgs)).Draw(rt, "polled messages")
		ctx, cancel := context.WithTimeout(context.Background(), engineCaseTimeout)
		defer cancel()
		c := &engineClient{endpoint: d.URL(), hc: hc, eio: 4}
		if err := c.handshake(ctx); err != nil {
			rt.Fatalf("%v", err)
		}
		// sentAll is every message sent, in order, sync markers included;
		// got is every message received over polling, in order.
		var sentAll, got []engineMessage
		collect := func(step string, pkts []enginePacket) {
			for _, p := range pkts {
				switch p.typ {
				case '4':
					got = append(got, engineMessage{Binary: p.binary, Data: p.data})
				case '2':
					if err := c.post(ctx, "3"); err != nil {
						rt.Fatalf("%s: answer a ping: %v", step, err)
					}
				case '6':
				default:
					rt.Fatalf("%s: unexpected packet %s", step, describeEnginePackets([]enginePacket{p}))
				}
			}
		}
		post := func(step string, batch []engineMessage) {
			if err := c.post(ctx, encodePollingMessages(batch)); err != nil {
				rt.Fatalf("%s: POST of %v: %v", step, batch, err)
			}
			sentAll = append(sentAll, batch...)
		}
		sent := 0
		for sent < upgradeAt {
			if len(sentAll) > len(got) && rapid.Bool().Draw(rt, "GET") {
				pkts, err := c.get(ctx)
				if err != nil {
					rt.Fatalf("GET after %d messages sent: %v", sent, err)
				}
				collect("GET", pkts)
				continue
			}
			n := rapid.IntRange(1, min(3, upgradeAt-sent)).Draw(rt, "messages in POST")
			post("polling", msgs[sent:sent+n])
			sent += n
		}
		if upgradeAt == len(msgs) && rapid.Bool().Draw(rt, "stay on polling") {
			// A final marker: every echo is in before its own.
			mark := syncMarker(len(sentAll))
			post("polling", []engineMessage{mark})
			for !containsMessage(got, mark) {
				pkts, err := c.get(ctx)
				if err != nil {
					rt.Fatalf("GET: %v (received %v, sent %v)", err, got, sentAll)
				}
				collect("GET", pkts)
			}
			checkEchoes(rt, sentAll, got, "over polling only")
			if err := c.post(ctx, "1"); err != nil {
				rt.Fatalf("POST close: %v", err)
			}
			checkCloseReason(rt, ctx, d, c, "transport close", 0)
			return
		}
		// A GET left pending across the probe.
		type getResult struct {
			pkts []enginePacket
			err  error
		}
		var pending chan getResult
		if rapid.Bool().Draw(rt, "GET pending across the probe") {
			pending = make(chan getResult, 1)
			go func() { // ends when the GET returns; waited for below
				pkts, err := c.get(ctx)
				pending <- getResult{pkts, err}
			}()
		}
		ws, err := c.dialWS(ctx)
		if err != nil {
			if pending != nil {
				<-pending
			}
			rt.Fatalf("upgrade: %v", err)
		}
		defer ws.close()
		if err := ws.writeText(ctx, "2probe"); err != nil {
			rt.Fatalf("upgrade: send 2probe: %v", err)
		}
		p, err := ws.readRaw(ctx)
		if err != nil || p.typ != '3' || string(p.data) != "probe" {
			if pending != nil {
				<-pending
			}
			rt.Fatalf("upgrade: want 3probe, got %s (err %v)", describeEnginePackets([]enginePacket{p}), err)
		}
		// Messages POSTed while the upgrade is under way.
		if left := len(msgs) - sent; left > 0 {
			if n := rapid.IntRange(0, min(2, left)).Draw(rt, "messages POSTed during the upgrade"); n > 0 {
				post("during the upgrade", msgs[sent:sent+n])
				sent += n
			}
		}
		if pending != nil {
			r := <-pending
			if r.err != nil {
				rt.Fatalf("the GET pending across the probe: %v", r.err)
			}
			collect("pending GET", r.pkts)
		}
		if err := ws.writeText(ctx, "5"); err != nil {
			rt.Fatalf("upgrade: send 5: %v", err)
		}
		ws.startReading(ctx)
		send := func(m engineMessage) {
			if err := ws.writeMessage(ctx, m); err != nil {
				rt.Fatalf("websocket send: %v", err)
			}
			sentAll = append(sentAll, m)
		}
		// waitMark sends a marker and waits for its echo: every earlier echo
		// has arrived by then.
		waitMark := func() []engineMessage {
			mark := syncMarker(len(sentAll))
			send(mark)
			rest, err := ws.waitFor(ctx, mark)
			if err != nil {
				rt.Fatalf("waiting for echoes: %v; received %v over polling then %v over websocket, sent %v", err, got, rest, sentAll)
			}
			return rest
		}
		for _, m := range msgs[sent:] {
			send(m)
			if rapid.Bool().Draw(rt, "wait for the echoes") {
				waitMark()
			}
		}
		rest := waitMark()
		checkEchoes(rt, sentAll, append(got, rest...), fmt.Sprintf("upgrade after %d messages", upgradeAt))
		if rapid.Bool().Draw(rt, "close packet (else drop the websocket)") {
			if err := ws.writeText(ctx, "1"); err != nil {
				rt.Fatalf("send close packet: %v", err)
			}
		}
		ws.close()
		checkCloseReason(rt, ctx, d, c, "transport close", 0)
	})
}

// syncMarker is a binary message the generators never produce (they draw at
// most 16 bytes, or random kilobytes), sent to learn that every earlier echo
// has arrived.
func syncMarker(n int) engineMessage {
	return engineMessage{Binary: true, Data: fmt.Appendf(nil, "\x00gosockio-conformance-sync-marker-%06d\x00", n)}
}

func containsMessage(msgs []engineMessage, m engineMessage) bool {
	return slices.ContainsFunc(msgs, func(x engineMessage) bool {
		return x.Binary == m.Binary && string(x.Data) == string(m.Data)
	})
}

func checkEchoes(rt *rapid.T, sent, got []engineMessage, how string) {
	rt.Helper()
	if len(got) != len(sent) {
		rt.Fatalf("%s: sent %d messages, received %d back:\nsent %v\ngot  %v", how, len(sent), len(got), sent, got)
	}
	for i := range sent {
		if sent[i].Binary != got[i].Binary || string(sent[i].Data) != string(got[i].Data) {
			rt.Fatalf("%s: echo %d is %v, want %v:\nsent %v\ngot  %v", how, i, got[i], sent[i], sent, got)
		}
	}
}

// checkCloseReason checks the reason the driver reports for c's session and
// that the session is gone. slack > 0 also accepts "ping timeout" when the
// scenario lasted longer than slack (the client did not answer pings).
func checkCloseReason(rt *rapid.T, ctx context.Context, d EngineDriver, c *engineClient, want string, slack time.Duration) {
	rt.Helper()
	reason, err := d.CloseReason(ctx, c.sid)
	switch {
	case errors.Is(err, ErrNoCloseReasons):
	case err != nil:
		rt.Fatalf("session %s: %v (want reason %q)", c.sid, err, want)
	case reason == want:
	case slack > 0 && reason == "ping timeout" && time.Since(c.opened) >= slack:
	default:
		rt.Fatalf("session %s closed with reason %q, want %q", c.sid, reason, want)
	}
	// The session is gone: a GET for it is refused.
	if err := c.expectGone(ctx); err != nil {
		rt.Fatalf("after the close (%s): %v", want, err)
	}
}

// CheckEngineCloseReasons checks the reason the server gives when the client
// ends a session in random ways, on polling or after an upgrade to websocket:
// a close packet (on websocket followed by closing the websocket, as
// engine.io-client does) or a dropped websocket is "transport close", an undecodable
// packet is "parse error", and, when the server's heartbeat is short
// (pingInterval + pingTimeout at most 2 s), a client that never answers is
// "ping timeout". After each, the session is gone (a GET with its sid is a 400).
func CheckEngineCloseReasons(t rapid.TB, d EngineDriver) {
	t.Helper()
	hc, done := engineHTTPClient()
	defer done()
	rapid.Check(t, func(rt *rapid.T) {
		ctx, cancel := context.WithTimeout(context.Background(), engineCaseTimeout)
		defer cancel()
		c := &engineClient{endpoint: d.URL(), hc: hc, eio: 4}
		if err := c.handshake(ctx); err != nil {
			rt.Fatalf("%v", err)
		}
		heartbeat := c.pingInterval + c.pingTimeout
		ways := []string{"close packet", "parse error"}
		if heartbeat <= 2*time.Second {
			ways = append(ways, "silence")
		}
		upgrade := rapid.Bool().Draw(rt, "upgrade to websocket")
		if upgrade {
			ways = append(ways, "drop websocket")
		}
		way := rapid.SampledFrom(ways).Draw(rt, "way")
		want := map[string]string{
			"close packet": "transport close", "drop websocket": "transport close",
			"parse error": "parse error", "silence": "ping timeout",
		}[way]
		slack := heartbeat
		if way == "silence" {
			slack = 0
		}
		if !upgrade {
			switch way {
			case "close packet":
				// Any status: a slow client's session may have timed out
				// already (then the reason is "ping timeout", see slack).
				if err := c.postAny(ctx, "1"); err != nil {
					rt.Fatalf("POST close: %v", err)
				}
			case "parse error":
				bad := rapid.SampledFrom([]string{"x", "9", "4hi\x1ez"}).Draw(rt, "bad body")
				if err := c.postAny(ctx, bad); err != nil {
					rt.Fatalf("POST %q: %v", bad, err)
				}
			}
			checkCloseReason(rt, ctx, d, c, want, slack)
			return
		}
		ws, err := c.upgrade(ctx)
		if err != nil {
			if time.Since(c.opened) >= heartbeat {
				// The client was silent longer than the heartbeat allows
				// before it could upgrade: the session timed out.
				checkCloseReason(rt, ctx, d, c, "ping timeout", 0)
				return
			}
			rt.Fatalf("%v", err)
		}
		defer ws.close()
		if way != "silence" {
			ws.startReading(ctx)
		}
		switch way {
		case "close packet":
			// As engine.io-client does: the close packet, then the
			// websocket closed (Node's engine.io ignores a close packet
			// on websocket and waits for the websocket to close).
			err = ws.writeText(ctx, "1")
			ws.close()
		case "parse error":
			err = ws.writeText(ctx, rapid.SampledFrom([]string{"x", "9", "", "}"}).Draw(rt, "bad frame"))
		case "drop websocket":
			ws.close()
		}
		if err != nil {
			rt.Fatalf("%s: %v", way, err)
		}
		checkCloseReason(rt, ctx, d, c, want, slack)
	})
}

// engineHTTPClient returns a client with its own connection pool and a func
// that closes its idle connections.
func engineHTTPClient() (*http.Client, func()) {
	tr := &http.Transport{MaxIdleConnsPerHost: 4}
	return &http.Client{Transport: tr}, tr.CloseIdleConnections
}
