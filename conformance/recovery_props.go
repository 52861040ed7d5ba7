package conformance

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/coder/websocket"
	"pgregory.net/rapid"
)

// CheckServerRecovery checks connection state recovery: a client that lost
// its transport and reconnects with its private id and last offset gets its
// session back and exactly the broadcasts it missed.
//
// The server must implement the [ServerDriver] contract with connection
// state recovery on (Node: connectionStateRecovery {maxDisconnectionDuration:
// 120000, skipMiddlewares: true}): its CONNECT reply carries a pid and every
// broadcast EVENT carries an offset as its last argument.
//
// Each example: a client R joins random rooms; one or two other clients
// emit broadcasts to random rooms and ids with random except filters; R's
// websocket is dropped ("transport close" keeps the session) and the others
// wait for its "gone"; they emit k more broadcasts; R reconnects with
// 40{"pid":…,"offset":…} (the offset of the last event it received). The
// CONNECT reply must carry the same sid; R must receive exactly the missed
// broadcasts addressed to it (its rooms, its id, except filters), in order,
// each once, and then live broadcasts as a member of its old rooms.
//
// Where the missed packets go is the server's choice, but it must be one
// choice: Node's socket.io 4.8 sends them before the CONNECT reply (the
// Socket constructor replays them before _onconnect), ours right after it.
// Each run records the first placement it sees and fails on any other
// (some before and some after, or a change between examples).
//
// "gone" events are left out of the comparison: they come from sockets of
// earlier examples closing at any time (R's own "gone" is among its missed
// packets on both servers); the others only use R's "gone" to know that the
// server has stored R's session.
func CheckServerRecovery(t rapid.TB, d ServerDriver) {
	t.Helper()
	hc, done := engineHTTPClient()
	defer done()
	var placement string // "before" or "after" the CONNECT reply, once seen
	rapid.Check(t, func(rt *rapid.T) {
		ctx, cancel := context.WithTimeout(context.Background(), serverCaseTimeout)
		defer cancel()
		var clients []*sioClient
		defer func() {
			for _, c := range clients {
				c.close()
			}
		}()
		var log []string
		fail := func(format string, args ...any) {
			rt.Helper()
			rt.Fatalf("%s\noperations:\n  %s", fmt.Sprintf(format, args...), strings.Join(log, "\n  "))
		}
		dial := func(auth any) (*sioClient, string) {
			c, pid, err := dialSIOAuth(ctx, hc, d.URL(), auth)
			if err != nil {
				fail("connect: %v", err)
			}
			clients = append(clients, c)
			return c, pid
		}

		r, pid := dial(nil)
		if pid == "" {
			fail("the CONNECT reply %s has no pid: is connection state recovery on?", r.sid)
		}
		log = append(log, fmt.Sprintf("R connects (sid %s)", r.sid))
		senders := make([]*sioClient, rapid.IntRange(1, 2).Draw(rt, "senders"))
		for i := range senders {
			senders[i], _ = dial(nil)
			log = append(log, fmt.Sprintf("S%d connects (sid %s)", i, senders[i].sid))
		}
		rooms := map[string]bool{r.sid: true}
		for _, room := range rapid.SliceOfNDistinct(rapid.SampledFrom(propRooms), 0, len(propRooms), rapid.ID).Draw(rt, "R's rooms") {
			log = append(log, "R joins "+room)
			if err := callAck(ctx, r, "join", room); err != nil {
				fail("R joins %s: %v", room, err)
			}
			rooms[room] = true
		}
		targets := append(slices.Clone(propRooms), r.sid)
		for _, s := range senders {
			targets = append(targets, s.sid)
		}
		nextMsg := 0
		// broadcast has a random sender emit msg nextMsg to random targets
		// (or to everyone, when all is set) and returns the entry R gets
		// for it, or "" when it is not addressed to R.
		broadcast := func(phase string, all bool) string {
			i := rapid.IntRange(0, len(senders)-1).Draw(rt, "sender")
			var to, except []string
			if !all {
				to = rapid.SliceOfN(rapid.SampledFrom(targets), 0, 2).Draw(rt, "to")
				except = rapid.SliceOfN(rapid.SampledFrom(targets), 0, 1).Draw(rt, "except")
			}
			id := nextMsg
			nextMsg++
			log = append(log, fmt.Sprintf("%s: S%d broadcasts msg %d to %q except %q", phase, i, id, to, except))
			if err := callAck(ctx, senders[i], "emit", map[string]any{"to": nonNil(to), "except": nonNil(except), "self": false, "id": id}); err != nil {
				fail("S%d emits msg %d: %v", i, id, err)
			}
			in := func(rs []string) bool { return slices.ContainsFunc(rs, func(x string) bool { return rooms[x] }) }
			if (len(to) > 0 && !in(to)) || in(except) {
				return ""
			}
			return fmt.Sprintf(`event ["msg",%d]`, id)
		}
		// settle sends an echo from c and returns what c received up to its
		// acknowledgement (with early, the packets before the CONNECT
		// reply, in front), "gone" left out, offsets checked and removed.
		settle := func(c *sioClient, why string) []string {
			id, err := c.emit(ctx, "echo")
			if err != nil {
				fail("R: echo (%s): %v", why, err)
			}
			ack := fmt.Sprintf("ack %d []", id)
			got, err := c.waitFor(ctx, ack)
			if err != nil {
				fail("R: no echo acknowledgement (%s): %v\nreceived: %q", why, err, got)
			}
			var out []string
			for _, e := range append(slices.Clone(c.early), got...) {
				m, _, ok := splitOffset(e)
				if !ok {
					fail("R (%s) received %q: a broadcast without an offset as its last argument", why, e)
				}
				if !strings.HasPrefix(m, `event ["gone",`) {
					out = append(out, m)
				}
			}
			return out
		}

		// Phase 1: R is connected; the first broadcast reaches everyone, so
		// that R has an offset.
		want := []string{broadcast("before", true)}
		for range rapid.IntRange(0, 4).Draw(rt, "broadcasts before") {
			if w := broadcast("before", false); w != "" {
				want = append(want, w)
			}
		}
		// R's joins were acknowledged before anything was broadcast.
		want = append(withJoinAcks(want, r.nextID), fmt.Sprintf("ack %d []", r.nextID))
		if got := settle(r, "before the drop"); !slices.Equal(got, want) {
			fail("R received the wrong packets before the drop:\nreceived: %q\nwant:     %q", got, want)
		}
		r.close()
		offset := lastOffset(r)
		log = append(log, fmt.Sprintf("R's websocket is dropped (last offset %q)", offset))
		gone := fmt.Sprintf(`event ["gone",%q,`, r.sid)
		for i, s := range senders {
			if got, err := s.waitFor(ctx, gone); err != nil {
				fail("S%d: no \"gone\" for R: %v\nreceived: %q", i, err, got)
			}
		}

		// Phase 2: R is away.
		var missed []string
		for range rapid.IntRange(0, 6).Draw(rt, "broadcasts missed") {
			if w := broadcast("missed", false); w != "" {
				missed = append(missed, w)
			}
		}
		log = append(log, "R reconnects")
		r2, pid2 := dial(map[string]string{"pid": pid, "offset": offset})
		if r2.sid != r.sid {
			fail("R reconnected with pid %q and offset %q but got sid %q, not its old %q (session not recovered)", pid, offset, r2.sid, r.sid)
		}
		if pid2 != pid {
			fail("the recovered CONNECT reply has pid %q, want the old %q", pid2, pid)
		}
		got := settle(r2, "after the reconnection")
		want = append(slices.Clone(missed), fmt.Sprintf("ack %d []", r2.nextID-1))
		if !slices.Equal(got, want) {
			fail("R received the wrong packets after recovering (want the missed ones, in order, once, then the echo acknowledgement):\nreceived: %q\nwant:     %q", got, want)
		}
		if len(missed) > 0 {
			before := 0
			for _, e := range r2.early {
				if m, _, _ := splitOffset(e); !strings.HasPrefix(m, `event ["gone",`) {
					before++
				}
			}
			var p string
			switch before {
			case len(missed):
				p = "before"
			case 0:
				p = "after"
			default:
				fail("R received %d of the %d missed packets before the CONNECT reply and the others after it: %q then %q", before, len(missed), r2.early, got)
			}
			if placement == "" {
				placement = p
			} else if p != placement {
				fail("the missed packets came %s the CONNECT reply, but %s it in an earlier example", p, placement)
			}
		}

		// Phase 3: live traffic reaches R in its old rooms.
		want = slices.Clone(got)
		for range rapid.IntRange(1, 3).Draw(rt, "broadcasts after") {
			if w := broadcast("after", false); w != "" {
				want = append(want, w)
			}
		}
		want = append(want, fmt.Sprintf("ack %d []", r2.nextID))
		if got := settle(r2, "live, after the reconnection"); !slices.Equal(got, want) {
			fail("R received the wrong live packets after recovering:\nreceived: %q\nwant:     %q", got, want)
		}
	})
	if placement != "" {
		t.Logf("the missed packets came %s the CONNECT reply", placement)
	}
}

// withJoinAcks is want with the acknowledgements 0..n-1 in front.
func withJoinAcks(want []string, n uint64) []string {
	var out []string
	for i := range n {
		out = append(out, fmt.Sprintf("ack %d []", i))
	}
	return append(out, want...)
}

// callAck emits event with an ack id and waits for that acknowledgement.
func callAck(ctx context.Context, c *sioClient, event string, args ...any) error {
	id, err := c.emit(ctx, event, args...)
	if err != nil {
		return err
	}
	got, err := c.waitFor(ctx, fmt.Sprintf("ack %d ", id))
	if err != nil {
		return fmt.Errorf("%w\nreceived: %q", err, got)
	}
	return nil
}

// splitOffset takes the offset off a broadcast entry (`event [...,"offset"]`).
// Other entries come back as they are, with ok set.
func splitOffset(e string) (entry, offset string, ok bool) {
	js, isEvent := strings.CutPrefix(e, "event ")
	if !isEvent {
		return e, "", true
	}
	var args []json.RawMessage
	if json.Unmarshal([]byte(js), &args) != nil || len(args) < 2 || json.Unmarshal(args[len(args)-1], &offset) != nil {
		return e, "", false
	}
	b, err := json.Marshal(args[:len(args)-1])
	if err != nil {
		return e, "", false
	}
	return "event " + canonicalJSON(string(b)), offset, true
}

// lastOffset is the offset of the last broadcast c received.
func lastOffset(c *sioClient) string {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, e := range slices.Backward(c.got) {
		if _, off, ok := splitOffset(e); ok && off != "" {
			return off
		}
	}
	return ""
}

// dialSIOAuth is dialSIO with a CONNECT payload (auth, nil for none); it also
// returns the pid of the CONNECT reply ("" without one).
func dialSIOAuth(ctx context.Context, hc *http.Client, endpoint string, auth any) (*sioClient, string, error) {
	u := "ws" + strings.TrimPrefix(endpoint, "http") + "?EIO=4&transport=websocket"
	conn, _, err := websocket.Dial(ctx, u, &websocket.DialOptions{HTTPClient: hc})
	if err != nil {
		return nil, "", fmt.Errorf("dial %s: %w", u, err)
	}
	conn.SetReadLimit(16 << 20)
	typ, open, err := conn.Read(ctx)
	if err != nil || typ != websocket.MessageText || len(open) == 0 || open[0] != '0' {
		conn.CloseNow()
		return nil, "", fmt.Errorf("read the engine.io open packet: got %q (err %v)", open, err)
	}
	connect := "40"
	if auth != nil {
		b, err := json.Marshal(auth)
		if err != nil {
			conn.CloseNow()
			return nil, "", err
		}
		connect += string(b)
	}
	if err := conn.Write(ctx, websocket.MessageText, []byte(connect)); err != nil {
		conn.CloseNow()
		return nil, "", fmt.Errorf("send CONNECT: %w", err)
	}
	var early []string
	for {
		typ, data, err := conn.Read(ctx)
		if err != nil {
			conn.CloseNow()
			return nil, "", fmt.Errorf("wait for the CONNECT reply: %w", err)
		}
		if typ == websocket.MessageText && string(data) == "2" {
			if err := conn.Write(ctx, websocket.MessageText, []byte("3")); err != nil {
				conn.CloseNow()
				return nil, "", err
			}
			continue
		}
		if typ == websocket.MessageText && len(data) > 1 && data[0] == '4' && data[1] != '0' {
			early = append(early, normSIOPacket(string(data[1:])))
			continue
		}
		var reply struct {
			SID string `json:"sid"`
			PID string `json:"pid"`
		}
		if typ != websocket.MessageText || !bytes.HasPrefix(data, []byte("40")) || json.Unmarshal(data[2:], &reply) != nil || reply.SID == "" {
			conn.CloseNow()
			return nil, "", fmt.Errorf("want the CONNECT reply 40{\"sid\":…}, got %q", data)
		}
		c := &sioClient{conn: conn, sid: reply.SID, early: early, changed: make(chan struct{}), readDone: make(chan struct{})}
		var rctx context.Context
		rctx, c.cancel = context.WithCancel(context.Background())
		go c.read(rctx) // stopped by close
		return c, reply.PID, nil
	}
}
