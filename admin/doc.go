// Package admin is the server side of the Socket.IO Admin UI (@socket.io/admin-ui 0.5)
// for a gosockio server: Instrument is Node's instrument(io, opts). Point the UI
// (https://admin.socket.io, or the static app in the npm package's ui/dist folder) at
// the server, with the credentials of Options.Auth, and it lists the server's sockets,
// rooms, clients and events, and can make sockets join, leave, disconnect or receive an
// event.
//
//	io, _ := socketio.NewServer(&socketio.Options{Options: engineio.Options{
//		CORS: &engineio.CORSOptions{Origins: []string{"https://admin.socket.io"}, Credentials: true},
//	}})
//	in, err := admin.Instrument(io, &admin.Options{
//		Auth: &admin.BasicAuth{Username: "admin", Password: bcryptHash},
//	})
//	defer in.Close()
//
// # What the UI is told
//
// The admin namespace ("/admin") receives, as in Node: "config" (the supported
// features) on connection; "server_stats" every ServerStatsInterval (server id, host
// name, pid, uptime, engine clients and polling clients, sockets per namespace, and
// per-second counts of connections, disconnections by reason, packets and bytes in and
// out); and in Development mode "all_sockets" on connection, then socket_connected,
// socket_updated (transport upgrade, SetData), socket_disconnected, room_joined,
// room_left, event_received and event_sent as they happen. Unless ReadOnly, it answers
// the UI's "emit", "join", "leave" and "_disconnect" commands.
//
// The observation relies on socketio.Server.Observe (connections, upgrades, rooms,
// SetData) plus Namespace.OnConnection, Socket.OnAny and OnAnyOutgoing on every
// namespace.
//
// # Differences from Node's admin-ui
//
//   - The "session" event (the id a reloaded UI sends instead of the password) is sent
//     after the CONNECT reply, with the config, not from the middleware: a socketio
//     socket cannot emit before it is connected.
//   - packetsIn/Out and bytesIn/Out come from the engine's counters (engine.io message
//     packets; encoded bytes with their framing) sampled at each server_stats, dated with
//     that second; Node counts each packet's data as it happens.
//   - Socket data is whatever Socket.SetData stored, encoded as JSON ({} when nil or not
//     encodable); a change is reported on SetData only (Node watches socket.data through
//     a Proxy and sees nested writes).
//   - Commands for a namespace that does not exist are ignored; Node's io.of(nsp) would
//     create it.
//   - The mode does not default from NODE_ENV; ServerID defaults to the host name, with
//     no "#pid" suffix.
//   - Handshake headers are net/http's with lower-cased names (repeated values joined with
//     ", "), plus "host"; the address is the peer's IP without port.
//
// # Dependency
//
// golang.org/x/crypto/bcrypt checks the password against the bcrypt hash given in
// Options.Auth (Node's admin-ui uses bcryptjs for the same). It is the Go team's
// implementation; the standard library has no bcrypt. It is the only dependency of this
// module beyond gosockio's own.
package admin
