// Package redis is a socket.io adapter that connects the servers of a cluster through
// Redis pub/sub, wire-compatible with Node's @socket.io/redis-adapter 8.x, and an
// emitter compatible with @socket.io/redis-emitter 5.x. Go and Node servers can share
// one cluster: a broadcast, a fetchSockets or a serverSideEmit from either reaches the
// sockets and servers of both.
//
//	rdb := goredis.NewClient(&goredis.Options{Addr: "127.0.0.1:6379"})
//	srv, err := socketio.NewServer(&socketio.Options{
//		Adapter: redis.CreateAdapter(rdb, nil), // Node: createAdapter(pub, sub)
//	})
//
// # Channels and messages
//
// With the default key "socket.io", the adapter of namespace nsp
//
//   - publishes broadcasts on socket.io#<nsp># (or socket.io#<nsp>#<room># when aimed
//     at exactly one room), as msgpack [uid, {type, data, nsp}, {rooms, except, flags}]
//     written as notepack.io writes it (binary arguments are msgpack bin), and
//     pattern-subscribes to socket.io#<nsp>#*, ignoring its own uid;
//   - sends requests to the other servers on socket.io-request#<nsp># (JSON, or msgpack
//     for BROADCAST) and reads their answers on socket.io-response#<nsp># and
//     socket.io-response#<nsp>#<uid>#: SOCKETS (Sockets), ALL_ROOMS (AllRooms),
//     REMOTE_JOIN/LEAVE/DISCONNECT (SocketsJoin, SocketsLeave, DisconnectSockets),
//     REMOTE_FETCH (FetchSockets), SERVER_SIDE_EMIT (with or without answers) and
//     BROADCAST with BROADCAST_CLIENT_COUNT and BROADCAST_ACK (a broadcast with
//     acknowledgements across servers);
//   - counts the servers of the cluster with PUBSUB NUMSUB on the request channel.
//
// Event arguments keep their keys in order across servers: an object decoded from
// another server (msgpack or JSON) keeps the order JavaScript gives its keys (insertion
// order, integer-like keys first) and reaches clients as the JSON a Node server would
// write for it (NaN and Infinity as null, a Date as its ISO string); a Go value is
// published in its JSON order (struct fields as declared, map[string]any keys sorted).
//
// A request that expects answers waits for every other server until
// Options.RequestsTimeout (5s) and then fails with an error wrapping
// ErrRequestTimeout that says how many answered, returning what arrived; a server that
// died mid-request never makes the others hang. Operations without an answer
// (SocketsJoin, DisconnectSockets, ...) act at once on this server and are published
// for the others.
//
// # Connections
//
// Each namespace's adapter holds one connection of the client's pool for its
// subscriptions (go-redis PubSub) and publishes through the pool. When the connection
// is lost (Redis restarted, CLIENT KILL, network), go-redis reconnects and subscribes
// again; messages published meanwhile are lost, as with Node's adapter (pub/sub has
// no history). A connection that dies silently (a network partition drops its packets
// and no TCP reset ever arrives) is found by a health check: the adapter sends PING on
// it every Options.HealthCheckInterval (5s) and replaces it when nothing arrived for
// that interval plus Options.HealthCheckTimeout (3s). Node's adapter has no such
// check; a negative interval turns it off.
//
// # Differences from Node
//
//   - Only the msgpack parser is supported (Node: opts.parser).
//   - Server-side emit arguments travel as JSON, as in Node; a []byte argument becomes
//     a base64 string there (Node would write a Buffer as {"type":"Buffer",...}).
//   - Sockets is cluster-wide (SOCKETS request), as in older Node adapters.
//   - Remote sockets in FetchSockets carry their handshake and data as decoded JSON
//     (map[string]any, json.Number for numbers).
//   - Connection state recovery works within one server only, as in Node.
//   - An integer beyond 2^53 from another server is written exactly; Node writes the
//     nearest double (a JavaScript client reads both as the same number).
//
// The Emitter publishes the same broadcasts and requests as @socket.io/redis-emitter
// from a process that is not a socket.io server.
//
// # Sharded pub/sub
//
// CreateShardedAdapter (Node: createShardedAdapter) runs the same features on Redis 7
// sharded pub/sub (SSUBSCRIBE, SPUBLISH, PUBSUB SHARDNUMSUB) and speaks
// socket.io-adapter's ClusterAdapter messages, {uid, nsp, type, data} as JSON or, when
// they carry binary, msgpack, on <prefix>#<nsp># and, in the dynamic subscription
// modes, one channel per room (<prefix>#<nsp>#<room>#); answers go to the requester's
// <prefix>#<nsp>#<uid>#. It shares a cluster with Node servers that use
// createShardedAdapter with the same channelPrefix and subscriptionMode (the emitter
// does not speak it, as in Node). With a go-redis ClusterClient every channel of one
// adapter must hash to the node of its PubSub connection; it is tested on a single
// Redis only.
//
// # Redis streams
//
// CreateStreamsAdapter (Node: createAdapter of @socket.io/redis-streams-adapter 0.3.1)
// appends broadcasts and room changes to a stream ("socket.io", XADD MAXLEN ~ 10000,
// fields uid, nsp, type, data) that every server reads with XREAD BLOCK, so a server
// whose connection drops resumes where it stopped and misses nothing; requests and
// answers go through pub/sub, and servers are counted with PUBSUB NUMSUB (0.3.1 sends
// no heartbeats). With connection state recovery on, the offset of an event is its
// entry id and sessions are stored in Redis (sio:session:<pid>, PX
// MaxDisconnectionDuration), so a client can recover on any server, Go or Node. The
// stream reader holds a connection of its own (a *redis.Client's Conn, released on
// Close with CLIENT UNBLOCK; with other clients Close waits up to BlockTime).
//
// # Tests
//
// The package's tests run two or three Go servers on the Redis at 127.0.0.1:6379
// (started when absent); conformance/redisinterop runs mixed clusters with Node's
// socket.io 4.8.4 and @socket.io/redis-adapter 8.3.0 or
// @socket.io/redis-streams-adapter 0.3.1.
package redis
