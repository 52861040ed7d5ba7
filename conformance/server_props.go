package conformance

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"pgregory.net/rapid"
)

// ServerDriver is a socket.io server under test that implements the property
// contract (conformance/internal/propserver documents it; that package is ours,
// conformance/node/prop-server.js is Node's): on namespace "/",
//
//	"join"  (room, ack)                   socket.join(room); ack()
//	"leave" (room, ack)                   socket.leave(room); ack()
//	"emit"  ({to, except, self, id}, ack) (self ? io : socket.broadcast)
//	                                      .to(...to).except(...except).emit("msg", id); ack()
//	"echo"  (...args, ack)                ack(...args)
//	on "disconnect"                       io.emit("gone", socket.id)
//
// The server is reached over the network with raw websockets (EIO=4,
// socket.io protocol 5), so any implementation can be tested.
type ServerDriver interface {
	// URL is the socket.io endpoint with its trailing slash, for example
	// "http://127.0.0.1:3000/socket.io/".
	URL() string
}

// ServerURL is a [ServerDriver] for the server at that endpoint.
type ServerURL string

// URL returns u.
func (u ServerURL) URL() string { return string(u) }

// serverCaseTimeout bounds one example of a server property.
const serverCaseTimeout = 20 * time.Second

// propRooms are the rooms the server property joins, leaves and targets
// (besides the clients' own ids).
var propRooms = []string{"a", "b", "c"}

// modelClient is one raw client in the server model.
type modelClient struct {
	name      string
	c         *sioClient
	rooms     map[string]bool
	want      []string // every packet the client must have received, in order
	connected bool
}

func (m *modelClient) in(rooms []string) bool {
	for _, r := range rooms {
		if m.rooms[r] || r == m.c.sid {
			return true
		}
	}
	return false
}

// CheckServerRooms checks rooms, broadcasts and acknowledgements against a
// simple model. Several raw clients (two or three at first, up to four at a
// time, new ones joining later) perform a random sequence of operations, one
// at a time, each waiting for its acknowledgement: join and leave a room,
// emit to everyone or to rooms or to a client's id, with except filters,
// including or excluding the sender, echo random arguments, and disconnect
// (a DISCONNECT packet or the websocket dropped; the others then receive
// "gone"). Every client must receive exactly the packets the model says, in
// order, once: each acknowledgement once with its arguments, each broadcast
// once to exactly its targets. A final echo from every client, whose
// acknowledgement comes after everything the server sent it before, ends the
// comparison.
func CheckServerRooms(t rapid.TB, d ServerDriver) {
	t.Helper()
	hc, done := engineHTTPClient()
	defer done()
	rapid.Check(t, func(rt *rapid.T) {
		ctx, cancel := context.WithTimeout(context.Background(), serverCaseTimeout)
		defer cancel()
		var clients []*modelClient
		defer func() {
			for _, m := range clients {
				m.c.close()
			}
		}()
		ours := map[string]bool{} // the quoted sids of this example's clients
		var log []string          // the operations so far, for failure messages
		// foreignGone reports a "gone" of a socket that is not this example's.
		foreignGone := func(e string) bool {
			sid, ok := strings.CutPrefix(e, `event ["gone",`)
			return ok && !ours[strings.TrimSuffix(sid, "]")]
		}
		fail := func(format string, args ...any) {
			rt.Helper()
			rt.Fatalf("%s\noperations:\n  %s", fmt.Sprintf(format, args...), strings.Join(log, "\n  "))
		}
		connect := func() {
			c, err := dialSIO(ctx, hc, d.URL())
			if err != nil {
				fail("connect client %d: %v", len(clients), err)
			}
			m := &modelClient{name: fmt.Sprintf("c%d", len(clients)), c: c, rooms: map[string]bool{}, connected: true}
			clients = append(clients, m)
			if early := c.early; len(early) > 0 {
				fail("%s received %q before its CONNECT reply (Node's socket.io joins the socket's room and sends CONNECT in one step, so nothing can come first)", m.name, early)
			}
			ours[fmt.Sprintf("%q", c.sid)] = true
			log = append(log, fmt.Sprintf("%s connects (sid %s)", m.name, c.sid))
		}
		connected := func() []*modelClient {
			var out []*modelClient
			for _, m := range clients {
				if m.connected {
					out = append(out, m)
				}
			}
			return out
		}
		// call emits an event with an ack id, waits for the ack and records
		// it as expected (after anything the model added meanwhile).
		call := func(m *modelClient, before func(), event string, args ...any) {
			id, err := m.c.emit(ctx, event, args...)
			if err != nil {
				fail("%s: send %q: %v", m.name, event, err)
			}
			if before != nil {
				before()
			}
			ackArgs := []any{}
			if event == "echo" && args != nil {
				ackArgs = args
			}
			m.want = append(m.want, fmt.Sprintf("ack %d %s", id, canonicalJSON(mustJSON(ackArgs))))
			if got, err := m.c.waitFor(ctx, fmt.Sprintf("ack %d ", id)); err != nil {
				fail("%s: %s: %v\nreceived: %q\nwant:     %q", m.name, event, err, got, m.want)
			}
		}
		// settle makes sure m has received everything (an echo round trip)
		// and compares.
		settle := func(m *modelClient, why string) {
			call(m, nil, "echo")
			got, _ := m.c.waitFor(ctx, m.want[len(m.want)-1])
			// Sockets of earlier examples on the same server may still be
			// closing: their "gone" is not part of this example.
			got = slices.DeleteFunc(got, foreignGone)
			if !slices.Equal(got, m.want) {
				fail("%s (%s) received the wrong packets:\nreceived: %q\nwant:     %q", m.name, why, got, m.want)
			}
		}

		for range rapid.IntRange(2, 3).Draw(rt, "clients at first") {
			connect()
		}
		nextMsg := 0
		steps := rapid.IntRange(1, 14).Draw(rt, "steps")
		for range steps {
			live := connected()
			m := live[rapid.IntRange(0, len(live)-1).Draw(rt, "client (index among the connected)")]
			targets := append(slices.Clone(propRooms), m.c.sid)
			for _, o := range clients {
				if o != m {
					targets = append(targets, o.c.sid)
				}
			}
			switch op := rapid.IntRange(0, 9).Draw(rt, "operation"); {
			case op <= 1:
				room := rapid.SampledFrom(propRooms).Draw(rt, "room")
				log = append(log, fmt.Sprintf("%s joins %s", m.name, room))
				call(m, nil, "join", room)
				m.rooms[room] = true
			case op == 2:
				room := rapid.SampledFrom(propRooms).Draw(rt, "room")
				log = append(log, fmt.Sprintf("%s leaves %s", m.name, room))
				call(m, nil, "leave", room)
				delete(m.rooms, room)
			case op <= 5:
				to := rapid.SliceOfN(rapid.SampledFrom(targets), 0, 2).Draw(rt, "to")
				except := rapid.SliceOfN(rapid.SampledFrom(targets), 0, 1).Draw(rt, "except")
				self := rapid.Bool().Draw(rt, "include the sender")
				id := nextMsg
				nextMsg++
				log = append(log, fmt.Sprintf("%s emits msg %d to %q except %q (sender included: %v)", m.name, id, to, except, self))
				msg := fmt.Sprintf(`event ["msg",%d]`, id)
				call(m, func() {
					for _, o := range live {
						if (o == m && !self) || (len(to) > 0 && !o.in(to)) || o.in(except) {
							continue
						}
						o.want = append(o.want, msg)
					}
				}, "emit", map[string]any{"to": nonNil(to), "except": nonNil(except), "self": self, "id": id})
			case op == 6:
				args := rapid.SliceOfN(echoArgGen(), 0, 3).Draw(rt, "echo args")
				log = append(log, fmt.Sprintf("%s echoes %s", m.name, mustJSON(args)))
				call(m, nil, "echo", args...)
			case op == 7 && len(live) >= 2:
				how := rapid.SampledFrom([]string{"DISCONNECT packet", "websocket dropped"}).Draw(rt, "how")
				settle(m, "before it disconnects")
				log = append(log, fmt.Sprintf("%s disconnects (%s)", m.name, how))
				if how == "DISCONNECT packet" {
					if err := m.c.sendRaw(ctx, "41"); err != nil {
						fail("%s: send DISCONNECT: %v", m.name, err)
					}
				} else {
					m.c.close()
				}
				m.connected = false
				gone := fmt.Sprintf(`event ["gone",%q]`, m.c.sid)
				for _, o := range connected() {
					o.want = append(o.want, gone)
					// The others have "gone" when the server has removed m.
					if got, err := o.c.waitFor(ctx, gone); err != nil {
						fail("%s: %v\nreceived: %q\nwant:     %q", o.name, err, got, o.want)
					}
				}
				m.c.close()
			case op == 8 && len(live) < 4 && len(clients) < 6:
				connect()
			default:
				log = append(log, fmt.Sprintf("%s echoes nothing", m.name))
				call(m, nil, "echo")
			}
		}
		for _, m := range connected() {
			settle(m, "at the end")
		}
	})
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// echoArgGen draws JSON arguments for "echo": numbers, strings (unicode
// included), booleans, null, small arrays and objects.
func echoArgGen() *rapid.Generator[any] {
	scalar := rapid.OneOf(
		rapid.Map(rapid.IntRange(-1<<40, 1<<40), func(n int) any { return n }),
		rapid.Map(rapid.String(), func(s string) any { return s }),
		rapid.Map(rapid.Bool(), func(b bool) any { return b }),
		rapid.Just[any](nil),
	)
	return rapid.OneOf(
		scalar,
		rapid.Map(rapid.SliceOfN(scalar, 0, 3), func(v []any) any { return v }),
		rapid.Map(rapid.MapOfN(rapid.StringMatching(`[a-z]{1,4}`), scalar, 0, 3), func(v map[string]any) any { return v }),
	)
}
