// Package postgres is a socket.io adapter that connects the servers of a cluster
// through PostgreSQL LISTEN/NOTIFY, wire-compatible with Node's
// @socket.io/postgres-adapter 0.5.0 (a ClusterAdapterWithHeartbeat of
// socket.io-adapter 2.5). Go and Node servers can share one cluster: a broadcast, a
// fetchSockets or a serverSideEmit from either reaches the sockets and servers of both.
//
//	pool, err := pgxpool.New(ctx, "postgres://user@127.0.0.1:5432/db")
//	srv, err := socketio.NewServer(&socketio.Options{
//		Adapter: postgres.CreateAdapter(pool, nil), // Node: createAdapter(pool, opts)
//	})
//
// # Channels and messages
//
// The adapter of namespace nsp listens and notifies (SELECT pg_notify(channel,
// payload)) on the channel "<ChannelPrefix>#<nsp>" ("socket.io#/" by default). Every
// message is socket.io-adapter's cluster message {type, data, uid, nsp} as JSON; answers
// travel on the same channel and carry the requestId they answer. The types are:
// INITIAL_HEARTBEAT (1, sent when a server starts; the others answer with a
// HEARTBEAT), HEARTBEAT (2), BROADCAST (3, with a requestId when acknowledgements are
// expected), SOCKETS_JOIN (4), SOCKETS_LEAVE (5), DISCONNECT_SOCKETS (6),
// FETCH_SOCKETS (7) and its FETCH_SOCKETS_RESPONSE (8), SERVER_SIDE_EMIT (9) and
// SERVER_SIDE_EMIT_RESPONSE (10), BROADCAST_CLIENT_COUNT (11), BROADCAST_ACK (12) and
// ADAPTER_CLOSE (13, sent by Close). Each server ignores the messages carrying its own
// uid (a fresh 16 hex digits per namespace adapter).
//
// A message that holds binary, or whose JSON is longer than PayloadThreshold (8000
// bytes, PostgreSQL's limit for a notification), is written as MessagePack to the
// attachment table (INSERT ... RETURNING id) and the notification carries only
// {uid, type, attachmentId}; the receivers read the row. Node's README asks the user to
// create the table:
//
//	CREATE TABLE IF NOT EXISTS socket_io_attachments (
//	    id          bigserial UNIQUE,
//	    created_at  timestamptz DEFAULT NOW(),
//	    payload     bytea
//	);
//
// Options.CreateTable makes the adapter run that statement itself. Every
// CleanupInterval the adapter deletes the rows older than CleanupInterval.
//
// # Options and their Node defaults
//
//	ChannelPrefix      channelPrefix      "socket.io"
//	TableName          tableName          "socket_io_attachments"
//	PayloadThreshold   payloadThreshold   8000 (bytes)
//	CleanupInterval    cleanupInterval    30 s
//	HeartbeatInterval  heartbeatInterval  5 s
//	HeartbeatTimeout   heartbeatTimeout   10 s
//	RequestsTimeout    (fixed in Node)    5 s
//	Logger             errorHandler       silent (Node: debug log)
//	CreateTable        (none)             false
//
// # Servers, heartbeats and requests
//
// A server counts the servers it heard from within HeartbeatTimeout (ServerCount);
// each server sends a HEARTBEAT when it has sent nothing for HeartbeatInterval, and an
// ADAPTER_CLOSE when it closes. A request (FetchSockets, ServerSideEmitWithAck) waits
// for an answer from every server known when it was sent; a server that leaves or
// stays silent past HeartbeatTimeout is no longer awaited, and after RequestsTimeout
// (or the flags' Timeout for FetchSockets) the request returns the answers so far
// with an error wrapping ErrRequestTimeout that names the silent servers. Operations
// without answers (SocketsJoin, SocketsLeave, DisconnectSockets, ServerSideEmit)
// are sent and applied locally at once.
//
// # Connections
//
// The adapters made by one CreateAdapter share one dedicated connection for LISTEN,
// opened with the pool's connection settings but outside the pool, while at least one
// of them is open; notifications and attachments go through the pool. When the LISTEN
// connection is lost (pg_terminate_backend, a restart, the network) the adapter opens
// another after 100 ms to 2 s with jitter (Node: 1 to 3 s) and listens again;
// notifications sent meanwhile are lost, as with Node's adapter.
//
// Event arguments keep their keys in order across servers: an object decoded from
// another server (a JSON notification or MessagePack from the attachment table) keeps
// the order JavaScript gives its keys (insertion order, integer-like keys first) and
// reaches clients as the JSON a Node server would send them; server-side events reach
// the application's handlers with their objects as JSON in that order. A Go server's
// values are published in their JSON order (struct fields as declared, map[string]any
// keys sorted). MessagePack is written as notepack.io writes it: @msgpack/msgpack reads
// it as the same values (an integral number beyond 2^53 is an integer there, a float 64
// in @msgpack/msgpack's own output), and a Date it writes (timestamp extension) is read
// as its JSON string.
//
// # Differences from Node
//
//   - Node's tableName is pasted into SQL as is; TableName must be a plain name or
//     schema.name.
//   - Node sends binary to the attachment table only for broadcasts, acknowledgements
//     and server-side emits (elsewhere a Buffer becomes {"type":"Buffer",...} in
//     JSON); this adapter does so for every message. Both read either form.
//   - A message of exactly 8000 bytes goes to the attachment table (Node tries a
//     notification, which PostgreSQL rejects).
//   - Sockets is cluster-wide, through FetchSockets.
//   - Remote sockets in FetchSockets carry their handshake and data as decoded JSON
//     (map[string]any, json.Number for numbers; binary read from the attachment
//     table as []byte).
//   - Connection state recovery works within one server only, as in Node.
//
// # Tests
//
// The package's tests run Go servers on the PostgreSQL at 127.0.0.1:5432 (database
// test); conformance/postgresinterop runs mixed clusters with Node's socket.io 4.8.4
// and @socket.io/postgres-adapter 0.5.0.
package postgres
