package admin_test

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"go.uber.org/goleak"

	"github.com/gosockio/gosockio/admin"
	"github.com/gosockio/gosockio/client"
	"github.com/gosockio/gosockio/socketio"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

func TestInstrumentOptionErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		opts *admin.Options
		want string
	}{
		{"nil options", nil, "Options.Auth must be set"},
		{"no auth choice", &admin.Options{}, "Options.Auth must be set"},
		{"both", &admin.Options{NoAuth: true, Auth: &admin.BasicAuth{Username: "a", Password: "$2a$04$abcdefghijklmnopqrstuu5Pq0M3VPmmPpCQBnmTv6Gs7MoUzM2HJ6"}}, "both set"},
		{"plain password", &admin.Options{Auth: &admin.BasicAuth{Username: "a", Password: "secret"}}, "valid bcrypt hash"},
		{"bad mode", &admin.Options{NoAuth: true, Mode: "staging"}, `Options.Mode must be "development" or "production"`},
		{"negative interval", &admin.Options{NoAuth: true, ServerStatsInterval: -time.Second}, "ServerStatsInterval must not be negative"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			io, err := socketio.NewServer(nil)
			if err != nil {
				t.Fatal(err)
			}
			defer io.Close(context.Background())
			in, err := admin.Instrument(io, tc.opts)
			if err == nil {
				in.Close()
				t.Fatalf("Instrument succeeded, want an error containing %q", tc.want)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %q, want it to contain %q", err, tc.want)
			}
		})
	}
}

func TestAuth(t *testing.T) {
	e := newEnv(t, admin.Options{}, nil)

	for name, auth := range map[string]map[string]any{
		"wrong password":  {"username": testUser, "password": "nope"},
		"wrong user":      {"username": "root", "password": testPassword},
		"no auth":         nil,
		"unknown session": {"sessionId": "0123456789abcdef"},
	} {
		t.Run(name, func(t *testing.T) {
			p := dial(t, e.url+"/admin", auth, "websocket")
			p.waitFor(t, "connect_error", func(_ []event, errs []error) bool { return len(errs) > 0 })
			p.mu.Lock()
			err := p.errs[0]
			p.mu.Unlock()
			var ce *client.ConnectError
			if !errors.As(err, &ce) || ce.Message != "invalid credentials" { // the message the UI recognizes
				t.Fatalf("connect error %q, want a CONNECT_ERROR \"invalid credentials\"", err)
			}
			if p.s.Connected() {
				t.Fatal("refused admin socket is connected")
			}
		})
	}

	// The right credentials: a session id, then the config.
	p := dial(t, e.url+"/admin", adminAuth(), "websocket")
	p.waitConnected(t)
	session := str(p.waitEvent(t, "session", nil), 0)
	if !regexp.MustCompile(`^[0-9a-f]{16}$`).MatchString(session) {
		t.Fatalf("session id %q, want 16 hex digits (Node: randomBytes(8).toString(\"hex\"))", session)
	}
	p.waitEvent(t, "config", nil)
	names := p.eventsNamed()
	if slices.Index(names, "session") > slices.Index(names, "config") {
		t.Fatalf("events %q: session must come before config", names)
	}

	// A reloaded UI sends its session id instead of the password: accepted, no new
	// session.
	again := dial(t, e.url+"/admin", map[string]any{"sessionId": session}, "websocket")
	again.waitConnected(t)
	again.waitEvent(t, "config", nil)
	if n := again.count("session"); n != 0 {
		t.Fatalf("a session login got %d session events, want 0", n)
	}
}

// eventsNamed returns the names of the events received so far.
func (p *peer) eventsNamed() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	var names []string
	for _, ev := range p.events {
		if ev.name != connectEvent {
			names = append(names, ev.name)
		}
	}
	return names
}

func TestConfig(t *testing.T) {
	all := []string{"EMIT", "JOIN", "LEAVE", "DISCONNECT", "MJOIN", "MLEAVE", "MDISCONNECT", "AGGREGATED_EVENTS", "ALL_EVENTS"}
	for _, tc := range []struct {
		name string
		opts admin.Options
		want []string
	}{
		{"defaults", admin.Options{}, all},
		{"readonly", admin.Options{ReadOnly: true}, []string{"AGGREGATED_EVENTS", "ALL_EVENTS"}},
		{"production", admin.Options{Mode: admin.Production}, all[:8]},
		{"readonly production", admin.Options{ReadOnly: true, Mode: admin.Production}, []string{"AGGREGATED_EVENTS"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, tc.opts, nil)
			p := dial(t, e.url+"/admin", adminAuth(), "websocket")
			cfg := p.waitEvent(t, "config", nil)
			var got struct {
				SupportedFeatures []string `json:"supportedFeatures"`
			}
			if err := cfg.Decode(0, &got); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, got.SupportedFeatures); diff != "" {
				t.Fatalf("supportedFeatures (-want +got):\n%s", diff)
			}
		})
	}
}

// stats is server_stats as the UI reads it.
type stats struct {
	ServerID            string  `json:"serverId"`
	Hostname            string  `json:"hostname"`
	PID                 int     `json:"pid"`
	Uptime              float64 `json:"uptime"`
	ClientsCount        int     `json:"clientsCount"`
	PollingClientsCount int     `json:"pollingClientsCount"`
	AggregatedEvents    []struct {
		Timestamp int64  `json:"timestamp"`
		Type      string `json:"type"`
		SubType   string `json:"subType"`
		Count     int    `json:"count"`
	} `json:"aggregatedEvents"`
	Namespaces []struct {
		Name         string `json:"name"`
		SocketsCount int    `json:"socketsCount"`
	} `json:"namespaces"`
}

func decodeStats(a client.Args) stats {
	var st stats
	_ = a.Decode(0, &st)
	return st
}

func (st stats) sockets(nsp string) int {
	for _, n := range st.Namespaces {
		if n.Name == nsp {
			return n.SocketsCount
		}
	}
	return -1
}

func TestServerStats(t *testing.T) {
	e := newEnv(t, admin.Options{ServerID: "test-server", ServerStatsInterval: 20 * time.Millisecond},
		func(io *socketio.Server) { io.Of("/chat") })
	p := dial(t, e.url+"/admin", adminAuth(), "websocket")
	p.waitConnected(t)
	u1 := dial(t, e.url+"/", nil, "polling")
	u1.waitConnected(t)
	u2 := dial(t, e.url+"/chat", nil, "websocket")
	u2.waitConnected(t)

	p.waitEvent(t, "server_stats", func(a client.Args) bool {
		st := decodeStats(a)
		return st.ClientsCount == 3 && st.PollingClientsCount == 1 &&
			st.sockets("/") == 1 && st.sockets("/chat") == 1 && st.sockets("/admin") == 1
	})
	host, _ := os.Hostname()
	st := decodeStats(p.waitEvent(t, "server_stats", nil))
	if st.ServerID != "test-server" || st.Hostname != host || st.PID != os.Getpid() || st.Uptime <= 0 {
		t.Fatalf("server_stats identity: %+v, want serverId test-server, hostname %s, pid %d, uptime > 0", st, host, os.Getpid())
	}

	_ = u1.s.Manager().Close() // a polling client goes away
	p.waitEvent(t, "server_stats", func(a client.Args) bool {
		st := decodeStats(a)
		return st.ClientsCount == 2 && st.PollingClientsCount == 0 && st.sockets("/") == 0
	})

	// The aggregated events over all stats so far: three connections (maybe more
	// counted before the admin connected), one disconnection, traffic both ways.
	totals := map[string]int{}
	p.mu.Lock()
	for _, ev := range p.events {
		if ev.name != "server_stats" {
			continue
		}
		for _, ag := range decodeStats(ev.args).AggregatedEvents {
			if ag.Timestamp%1000 != 0 {
				t.Errorf("aggregated event timestamp %d is not a whole second", ag.Timestamp)
			}
			key := ag.Type
			if ag.SubType != "" {
				key += "/" + ag.SubType
			}
			totals[key] += ag.Count
		}
	}
	p.mu.Unlock()
	if totals["rawConnection"] < 2 || totals["packetsIn"] == 0 || totals["packetsOut"] == 0 ||
		totals["bytesIn"] == 0 || totals["bytesOut"] == 0 {
		t.Fatalf("aggregated events %v: want rawConnection >= 2 and traffic in and out", totals)
	}
	disconnections := 0
	for k, n := range totals {
		if strings.HasPrefix(k, "rawDisconnection/") {
			disconnections += n
		}
	}
	if disconnections != 1 {
		t.Fatalf("aggregated events %v: want one rawDisconnection with its reason", totals)
	}
}

// serialized is a socket as all_sockets and socket_connected describe it.
type serialized struct {
	ID        string         `json:"id"`
	ClientID  string         `json:"clientId"`
	Transport string         `json:"transport"`
	Nsp       string         `json:"nsp"`
	Data      map[string]any `json:"data"`
	Handshake struct {
		Address string            `json:"address"`
		Headers map[string]string `json:"headers"`
		Query   map[string]any    `json:"query"`
		Issued  int64             `json:"issued"`
		Time    string            `json:"time"`
		URL     string            `json:"url"`
	} `json:"handshake"`
	Rooms []string `json:"rooms"`
}

func TestAllSockets(t *testing.T) {
	e := newEnv(t, admin.Options{}, func(io *socketio.Server) {
		io.OnConnection(func(s *socketio.Socket) {
			s.Join("lobby")
			s.SetData(map[string]any{"nick": "ann"})
		})
	})
	u := dial(t, e.url+"/", nil, "websocket")
	id := u.waitConnected(t)

	p := dial(t, e.url+"/admin", adminAuth(), "websocket")
	a := p.waitEvent(t, "all_sockets", nil)
	var all []serialized
	if err := a.Decode(0, &all); err != nil {
		t.Fatal(err)
	}
	i := slices.IndexFunc(all, func(s serialized) bool { return s.ID == id })
	if i < 0 {
		t.Fatalf("all_sockets %+v lacks the user socket %s", all, id)
	}
	s := all[i]
	slices.Sort(s.Rooms)
	wantRooms := []string{id, "lobby"}
	slices.Sort(wantRooms)
	if s.Nsp != "/" || s.Transport != "websocket" || len(s.ClientID) != 12 || !cmp.Equal(s.Rooms, wantRooms) ||
		s.Data["nick"] != "ann" {
		t.Fatalf("user socket %+v: want nsp /, transport websocket, a 12-character clientId, rooms %q, data {nick: ann}", s, wantRooms)
	}
	h := s.Handshake
	if h.Address != "127.0.0.1" || h.Headers["host"] == "" || h.Query["EIO"] != "4" || h.Issued == 0 ||
		!strings.HasPrefix(h.URL, "/socket.io/") || h.Time == "" {
		t.Fatalf("handshake %+v: want address 127.0.0.1, a host header, query EIO=4, issued, url /socket.io/..., time", h)
	}
	if !slices.ContainsFunc(all, func(s serialized) bool { return s.Nsp == "/admin" }) {
		t.Fatalf("all_sockets %+v lacks the admin socket itself (Node lists it)", all)
	}
}

func TestDevelopmentEvents(t *testing.T) {
	e := newEnv(t, admin.Options{}, func(io *socketio.Server) {
		io.OnConnection(func(s *socketio.Socket) {
			s.On("join", func(room string) { s.Join(room) })
			s.On("leave", func(room string) { s.Leave(room) })
			s.On("set", func(v map[string]any) { s.SetData(v) })
			s.On("echo", func(msg string) { _ = s.Emit("echo", msg) })
		})
	})
	p := dial(t, e.url+"/admin", adminAuth(), "websocket")
	p.waitEvent(t, "all_sockets", nil)

	u := dial(t, e.url+"/", nil) // polling, then the upgrade
	id := u.waitConnected(t)
	args := p.waitEvent(t, "socket_connected", func(a client.Args) bool {
		var s serialized
		_ = a.Decode(0, &s)
		return s.ID == id
	})
	var s serialized
	_ = args.Decode(0, &s)
	// The client's upgrade runs beside its CONNECT: the socket is serialized with the
	// transport of that moment (as in Node), and a later upgrade comes as socket_updated.
	if s.Nsp != "/" || (s.Transport != "polling" && s.Transport != "websocket") || !slices.Contains(s.Rooms, id) {
		t.Fatalf("socket_connected %+v: want nsp /, transport polling or websocket, its own room", s)
	}
	if ts := str(args, 1); !isJSTime(ts) {
		t.Fatalf("socket_connected timestamp %q, want Date.toISOString's format", ts)
	}
	p.waitEvent(t, "room_joined", func(a client.Args) bool { return str(a, 0) == "/" && str(a, 1) == id && str(a, 2) == id })
	if s.Transport == "polling" {
		p.waitEvent(t, "socket_updated", func(a client.Args) bool {
			var up map[string]any
			_ = a.Decode(0, &up)
			return up["id"] == id && up["nsp"] == "/" && up["transport"] == "websocket"
		})
	}

	_ = u.s.Emit("join", "r1")
	p.waitEvent(t, "event_received", func(a client.Args) bool {
		var ev []any
		_ = a.Decode(2, &ev)
		return str(a, 0) == "/" && str(a, 1) == id && cmp.Equal(ev, []any{"join", "r1"}) && isJSTime(str(a, 3))
	})
	p.waitEvent(t, "room_joined", func(a client.Args) bool { return str(a, 0) == "/" && str(a, 1) == "r1" && str(a, 2) == id })

	_ = u.s.Emit("set", map[string]any{"level": 3})
	p.waitEvent(t, "socket_updated", func(a client.Args) bool {
		var up struct {
			ID   string         `json:"id"`
			Data map[string]any `json:"data"`
		}
		_ = a.Decode(0, &up)
		return up.ID == id && up.Data["level"] == float64(3)
	})

	_ = u.s.Emit("echo", "hi")
	p.waitEvent(t, "event_sent", func(a client.Args) bool {
		var ev []any
		_ = a.Decode(2, &ev)
		return str(a, 1) == id && cmp.Equal(ev, []any{"echo", "hi"})
	})

	_ = u.s.Emit("leave", "r1")
	p.waitEvent(t, "room_left", func(a client.Args) bool { return str(a, 1) == "r1" && str(a, 2) == id })

	u.s.Disconnect()
	p.waitEvent(t, "socket_disconnected", func(a client.Args) bool {
		return str(a, 0) == "/" && str(a, 1) == id && str(a, 2) == "client namespace disconnect" && isJSTime(str(a, 3))
	})
	p.waitEvent(t, "room_left", func(a client.Args) bool { return str(a, 1) == id && str(a, 2) == id })
}

var jsTimeRE = regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$`)

func isJSTime(s string) bool { return jsTimeRE.MatchString(s) }

func TestProductionModeReportsOnlyStats(t *testing.T) {
	e := newEnv(t, admin.Options{Mode: admin.Production, ServerStatsInterval: 20 * time.Millisecond}, nil)
	p := dial(t, e.url+"/admin", adminAuth(), "websocket")
	p.waitEvent(t, "config", nil)
	u := dial(t, e.url+"/", nil, "websocket")
	u.waitConnected(t)
	_ = u.s.Emit("anything", 1)
	// The stats that see the socket come after anything its connection would have
	// produced (same admin connection, in order).
	p.waitEvent(t, "server_stats", func(a client.Args) bool { return decodeStats(a).sockets("/") == 1 })
	u.s.Disconnect()
	p.waitEvent(t, "server_stats", func(a client.Args) bool { return decodeStats(a).sockets("/") == 0 })
	for _, name := range []string{"all_sockets", "socket_connected", "room_joined", "event_received", "socket_disconnected", "room_left"} {
		if n := p.count(name); n != 0 {
			t.Errorf("production mode sent %d %s events, want none", n, name)
		}
	}
}

// marker answers "marker" on the admin namespace: the admin's earlier packets have been
// handled (in order, on its connection) when the answer arrives.
func marker(e *env) {
	e.in.Namespace().OnConnection(func(s *socketio.Socket) {
		s.On("marker", func(ack func(string)) { ack("ok") })
	})
}

func (p *peer) sync(t *testing.T) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
	defer cancel()
	if _, err := p.s.EmitWithAck(ctx, "marker"); err != nil {
		t.Fatalf("marker: %v", err)
	}
}

func TestCommands(t *testing.T) {
	e := newEnv(t, admin.Options{}, nil)
	marker(e)
	p := dial(t, e.url+"/admin", adminAuth(), "websocket")
	p.waitEvent(t, "config", nil)
	u := dial(t, e.url+"/", nil, "websocket")
	id := u.waitConnected(t)
	other := dial(t, e.url+"/", nil, "websocket")
	otherID := other.waitConnected(t)
	rooms := func(id string) []string {
		s, ok := e.io.Socket(id)
		if !ok {
			return nil
		}
		return s.Rooms()
	}

	// join: the UI targets one socket with its id as the filter.
	_ = p.s.Emit("join", "/", "r2", id)
	p.waitEvent(t, "room_joined", func(a client.Args) bool { return str(a, 1) == "r2" && str(a, 2) == id })
	p.sync(t)
	if !slices.Contains(rooms(id), "r2") || slices.Contains(rooms(otherID), "r2") {
		t.Fatalf("after join r2 filtered on %s: rooms %q and %q", id, rooms(id), rooms(otherID))
	}
	// join without a filter: every socket of the namespace.
	_ = p.s.Emit("join", "/", "all", nil)
	p.sync(t)
	if !slices.Contains(rooms(id), "all") || !slices.Contains(rooms(otherID), "all") {
		t.Fatalf("after join all: rooms %q and %q", rooms(id), rooms(otherID))
	}
	// leave
	_ = p.s.Emit("leave", "/", "r2", id)
	p.waitEvent(t, "room_left", func(a client.Args) bool { return str(a, 1) == "r2" && str(a, 2) == id })
	// emit to a room
	_ = p.s.Emit("emit", "/", "all", "news", "hello", 42)
	got := u.waitEvent(t, "news", nil)
	if str(got, 0) != "hello" || got.Len() != 2 {
		t.Fatalf("news args %s, want [\"hello\",42]", mustJSON(got))
	}
	other.waitEvent(t, "news", nil)
	// commands for a namespace that does not exist are ignored (and do not create it)
	_ = p.s.Emit("join", "/nowhere", "r", nil)
	p.sync(t)
	for _, n := range e.io.Namespaces() {
		if n.Name() == "/nowhere" {
			t.Fatal("a command created namespace /nowhere")
		}
	}
	// _disconnect one socket
	_ = p.s.Emit("_disconnect", "/", false, id)
	p.waitEvent(t, "socket_disconnected", func(a client.Args) bool {
		return str(a, 1) == id && str(a, 2) == "server namespace disconnect"
	})
	p.sync(t)
	if _, ok := e.io.Socket(otherID); !ok {
		t.Fatal("_disconnect filtered on one socket disconnected the other")
	}
}

func mustJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func TestReadOnlyRefusesCommands(t *testing.T) {
	e := newEnv(t, admin.Options{ReadOnly: true}, nil)
	marker(e)
	p := dial(t, e.url+"/admin", adminAuth(), "websocket")
	p.waitEvent(t, "config", nil)
	u := dial(t, e.url+"/", nil, "websocket")
	id := u.waitConnected(t)

	_ = p.s.Emit("join", "/", "r2", id)
	_ = p.s.Emit("emit", "/", "", "news", "x")
	_ = p.s.Emit("_disconnect", "/", true, nil)
	p.sync(t)
	s, ok := e.io.Socket(id)
	if !ok {
		t.Fatal("a read-only admin disconnected the socket")
	}
	if slices.Contains(s.Rooms(), "r2") {
		t.Fatalf("a read-only admin made the socket join r2: %q", s.Rooms())
	}
	// Anything "news" would have been queued before "after" on the same connection.
	_ = s.Emit("after")
	u.waitEvent(t, "after", nil)
	if n := u.count("news"); n != 0 {
		t.Fatalf("a read-only admin emitted %d news events to the socket", n)
	}
}

func TestClose(t *testing.T) {
	io, err := socketio.NewServer(nil)
	if err != nil {
		t.Fatal(err)
	}
	in, err := admin.Instrument(io, &admin.Options{NoAuth: true})
	if err != nil {
		t.Fatal(err)
	}
	ts := newTestServer(t, io)
	p := dial(t, ts+"/admin", nil, "websocket")
	p.waitConnected(t)
	var disconnected = make(chan string, 1)
	p.s.OnDisconnect(func(reason string) { disconnected <- reason })
	if err := in.Close(); err != nil {
		t.Fatal(err)
	}
	if err := in.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	select {
	case reason := <-disconnected:
		if reason != "io server disconnect" {
			t.Fatalf("admin UI disconnected with %q, want io server disconnect", reason)
		}
	case <-time.After(waitTimeout):
		t.Fatal("Close did not disconnect the admin UI")
	}
	late := dial(t, ts+"/admin", nil, "websocket")
	late.waitFor(t, "connect_error", func(_ []event, errs []error) bool { return len(errs) > 0 })
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = io.Close(ctx)
}
