package siointerop

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/gosockio/gosockio/engineio"
	"github.com/gosockio/gosockio/socketio"
)

// testServerDisconnect: Socket.Disconnect(false) sends DISCONNECT: the client
// sees "io server disconnect", the server "server namespace disconnect"; the
// engine connection stays for the other namespaces.
func testServerDisconnect(t *testing.T, d *driver, m mode) {
	w := newWorld(t, d, m, nil, nil)
	a, sa := w.dial("a", "/", nil)
	b := w.openOn("b", a, "/admin", nil)
	_, sb := w.connect(b, "/admin")
	sb.Disconnect(false)
	wantDisconnect(t, b, "io server disconnect")
	w.wantReason(sb, socketio.ReasonServerNamespaceDisconnect)
	if sb.Connected() {
		t.Error("server socket still Connected()")
	}
	must(t, sa.Emit("still", 1))
	a.wantEvent("still")
}

// testServerDisconnectClose: Disconnect(true) sends DISCONNECT then closes the
// engine connection: the client still sees "io server disconnect".
func testServerDisconnectClose(t *testing.T, d *driver, m mode) {
	w := newWorld(t, d, m, nil, nil)
	a, sa := w.dial("a", "/", nil)
	sa.Disconnect(true)
	wantDisconnect(t, a, "io server disconnect")
	w.wantReason(sa, socketio.ReasonServerNamespaceDisconnect)
}

// testClientDisconnect: socket.disconnect() on the client: "io client
// disconnect" there, "client namespace disconnect" on the server.
func testClientDisconnect(t *testing.T, d *driver, m mode) {
	w := newWorld(t, d, m, nil, nil)
	a, sa := w.dial("a", "/", nil)
	a.cmd("disconnect", nil)
	wantDisconnect(t, a, "io client disconnect")
	w.wantReason(sa, socketio.ReasonClientNamespaceDisconnect)
}

// testServerDropsTransport: the server closes the engine connection without
// DISCONNECT: the client sees "transport close", the server "forced close".
func testServerDropsTransport(t *testing.T, d *driver, m mode) {
	w := newWorld(t, d, m, nil, nil)
	a, sa := w.dial("a", "/", nil)
	must(t, sa.Conn().Close())
	wantDisconnect(t, a, "transport close")
	w.wantReason(sa, socketio.ReasonForcedClose)
}

// testClientClosesTransport: the client's engine connection closes
// (socket.io.engine.close()): the server sees "transport close", the client
// "forced close" (as with Node's server).
func testClientClosesTransport(t *testing.T, d *driver, m mode) {
	w := newWorld(t, d, m, nil, nil)
	a, sa := w.dial("a", "/", nil)
	a.cmd("closeEngine", nil)
	w.wantReason(sa, socketio.ReasonTransportClose)
	wantDisconnect(t, a, "forced close")
}

// pings returns server options with a short heartbeat for the timeout
// scenarios.
func pings(interval, timeout time.Duration) *socketio.Options {
	return &socketio.Options{Options: engineio.Options{PingInterval: interval, PingTimeout: timeout}}
}

// testClientPingTimeout: the client hears nothing from the server (v5: it
// still answers pings, so the server keeps the session): its own heartbeat
// check ends the session, "ping timeout"; the server then sees the client
// close its transport.
func testClientPingTimeout(t *testing.T, d *driver, m mode) {
	// The client gives up pingTimeout after its unanswered ping (v4) or
	// pingInterval+pingTimeout after the last ping it heard (v5); the server
	// would only after pingInterval+pingTimeout without a ping (v4) or
	// pingTimeout without a pong (v5): both margins are 500ms.
	w := newWorld(t, d, m, pings(500*time.Millisecond, 500*time.Millisecond), nil)
	a, sa := w.dial("a", "/", nil)
	a.cmd("deafen", nil)
	wantDisconnect(t, a, "ping timeout")
	w.wantReason(sa, socketio.ReasonTransportClose)
}

// testServerPingTimeout: the client's engine goes silent: the server's
// heartbeat ends the session, "ping timeout"; the client sees its transport
// close.
func testServerPingTimeout(t *testing.T, d *driver, m mode) {
	w := newWorld(t, d, m, pings(200*time.Millisecond, 200*time.Millisecond), nil)
	a, sa := w.dial("a", "/", nil)
	a.cmd("stopHeartbeat", nil)
	w.wantReason(sa, socketio.ReasonPingTimeout)
	wantDisconnect(t, a, serverClosed(m)...)
}

// serverClosed lists the client's disconnect reasons when the server ends the
// session without a DISCONNECT: "transport close" (the close packet, or the
// WebSocket closing). Over polling, a close that finds no GET pending (the
// client is between two polls) leaves the session gone for the next GET, which
// is refused: "transport error". Node's engine.io does the same (it discards a
// polling transport that is not writable), so both are accepted there.
func serverClosed(m mode) []string {
	if m.final == "polling" {
		return []string{"transport close", "transport error"}
	}
	return []string{"transport close"}
}

// reconnectOpts turns on the client's reconnection with a short, fixed delay.
var reconnectOpts = map[string]any{
	"reconnection":         true,
	"reconnectionDelay":    50,
	"reconnectionDelayMax": 50,
	"randomizationFactor":  0,
}

// testReconnection: the server drops the transport; the client (two
// namespaces on one Manager) reconnects by itself and both namespaces connect
// again on the new engine connection.
func testReconnection(t *testing.T, d *driver, m mode) {
	w := newWorld(t, d, m, nil, nil)
	a, sa := w.dial("a", "/", reconnectOpts)
	b := w.openOn("b", a, "/admin", nil)
	_, sb := w.connect(b, "/admin")
	oldEngine := a.engineID

	must(t, sa.Conn().Close())
	wantDisconnect(t, a, "transport close")
	wantDisconnect(t, b, "transport close")
	w.wantReason(sa, socketio.ReasonForcedClose)
	w.wantReason(sb, socketio.ReasonForcedClose)

	a.wantKind("reconnect_attempt")
	w.waitOpen(a)
	if a.engineID == oldEngine {
		t.Errorf("reconnected on the same engine id %q", oldEngine)
	}
	a.wantKind("reconnect")
	ca := a.wantKind("connect")
	cb := b.wantKind("connect")
	// v3 connects "/" with the engine; "/admin" comes after its CONNECT.
	na, nb := w.nextSocket("/"), w.nextSocket("/admin")
	if na.ID() != ca.ID || nb.ID() != cb.ID {
		t.Errorf("after reconnection: client ids %q %q, server %q %q", ca.ID, cb.ID, na.ID(), nb.ID())
	}
	if na.ID() == sa.ID() {
		t.Errorf("reconnected socket kept id %q without connection state recovery", na.ID())
	}
	if na.Conn().ID() != a.engineID || nb.Conn().ID() != a.engineID {
		t.Errorf("reconnected sockets on %q and %q, want the new engine %q", na.Conn().ID(), nb.Conn().ID(), a.engineID)
	}
	w.waitTransport(na)
	b.emit("echo", "again", []byte{1})
	if diff := cmp.Diff([]any{"again", []byte{1}}, fromJSArgs(t, b.wantEvent("echo").Args)); diff != "" {
		t.Errorf("echo after reconnection (-want +got):\n%s", diff)
	}
	must(t, na.Emit("hi"))
	a.wantEvent("hi")
}

// testRecovery (socket.io-client 4.x only): with ConnectionStateRecovery, a
// client whose transport dropped reconnects with its private id and offset:
// same socket id, rooms and data kept, the events emitted meanwhile replayed,
// socket.recovered true on both sides.
func testRecovery(t *testing.T, d *driver, m mode) {
	w := newWorld(t, d, m, &socketio.Options{ConnectionStateRecovery: &socketio.RecoveryOptions{}}, nil)
	a, sa := w.dial("a", "/", nil)
	if sa.Recovered() {
		t.Error("first connection Recovered()")
	}
	sa.Join("room1")
	sa.SetData("some data")
	// An event gives the client an offset to resume from.
	must(t, w.srv.Emit("seen", 0))
	a.wantEvent("seen")

	must(t, sa.Conn().Close())
	wantDisconnect(t, a, "transport close")
	w.wantReason(sa, socketio.ReasonForcedClose)

	// Emitted while the client is away.
	must(t, w.srv.To("room1").Emit("missed", 1, []byte{1}))
	must(t, w.srv.Emit("missed", 2))
	must(t, w.srv.To("other").Emit("missed", "not for a"))

	a.cmd("connect", nil) // reconnection is off: reconnect by hand
	w.waitOpen(a)
	ce := a.wantKind("connect")
	ns := w.nextSocket("/")
	if !ce.Recovered || !ns.Recovered() {
		t.Errorf("recovered: client %v, server %v; want both true", ce.Recovered, ns.Recovered())
	}
	if ce.ID != sa.ID() || ns.ID() != sa.ID() {
		t.Errorf("ids after recovery: client %q, server %q, want %q", ce.ID, ns.ID(), sa.ID())
	}
	if !slices.Contains(ns.Rooms(), "room1") {
		t.Errorf("rooms after recovery %v, want room1", ns.Rooms())
	}
	if ns.Data() != "some data" {
		t.Errorf("data after recovery %v", ns.Data())
	}
	must(t, ns.Emit("end"))
	var got [][]any
	for _, e := range a.eventsUntil("end") {
		// With recovery on, every event carries its offset as the last argument
		// (the client keeps it there, as Node's server sends it).
		args := fromJSArgs(t, e.Args)
		if len(args) == 0 {
			t.Errorf("event %v without offset", e)
			continue
		}
		if _, ok := args[len(args)-1].(string); !ok {
			t.Errorf("event %v: last argument is not an offset", e)
		}
		got = append(got, append([]any{e.Name}, args[:len(args)-1]...))
	}
	if diff := cmp.Diff([][]any{{"missed", 1.0, []byte{1}}, {"missed", 2.0}}, got); diff != "" {
		t.Errorf("replayed events (-want +got):\n%s", diff)
	}
	// Broadcasts to the room reach the recovered socket.
	must(t, w.srv.To("room1").Emit("room", 3))
	a.wantEvent("room")
}

// testServerShutdown: Server.Close: the server's sockets disconnect with
// "server shutting down"; the client sees its transport close (see
// serverClosed).
func testServerShutdown(t *testing.T, d *driver, m mode) {
	w := newWorld(t, d, m, nil, nil)
	a, sa := w.dial("a", "/", nil)
	ctx, cancel := context.WithTimeout(t.Context(), waitLimit)
	defer cancel()
	if err := w.srv.Close(ctx); err != nil {
		t.Fatalf("Close: %v", err)
	}
	w.wantReason(sa, socketio.ReasonServerShuttingDown)
	wantDisconnect(t, a, serverClosed(m)...)
}

// testRecoveryAuto (socket.io-client 4.x only): recovery through the client's
// own reconnection: the events emitted while the socket is away (here from
// the server's disconnect handler, so surely before the client is back) are
// replayed after the automatic reconnection.
func testRecoveryAuto(t *testing.T, d *driver, m mode) {
	w := newWorld(t, d, m, &socketio.Options{ConnectionStateRecovery: &socketio.RecoveryOptions{}}, func(srv *socketio.Server) {
		srv.OnConnection(func(s *socketio.Socket) {
			if s.Recovered() {
				return
			}
			s.Join("room1")
			s.OnDisconnect(func(reason socketio.DisconnectReason) {
				_ = srv.To("room1").Emit("missed", reason)
			})
		})
	})
	a, sa := w.dial("a", "/", reconnectOpts)
	must(t, sa.Emit("seen"))
	a.wantEvent("seen")

	must(t, sa.Conn().Close())
	wantDisconnect(t, a, "transport close")
	w.wantReason(sa, socketio.ReasonForcedClose)
	a.wantKind("reconnect_attempt")
	w.waitOpen(a)
	a.wantKind("reconnect")
	ce := a.wantKind("connect")
	ns := w.nextSocket("/")
	if !ce.Recovered || !ns.Recovered() || ce.ID != sa.ID() || ns.ID() != sa.ID() {
		t.Errorf("after reconnection: client %+v, server id %q recovered %v; want %q recovered", ce, ns.ID(), ns.Recovered(), sa.ID())
	}
	e := a.wantEvent("missed")
	if args := fromJSArgs(t, e.Args); len(args) != 2 || args[0] != socketio.ReasonForcedClose {
		t.Errorf("replayed %v, want [%q offset]", args, socketio.ReasonForcedClose)
	}
	if !slices.Contains(ns.Rooms(), "room1") {
		t.Errorf("rooms after recovery %v", ns.Rooms())
	}
}
