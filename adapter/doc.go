// Package adapter keeps the room membership of a socket.io namespace and decides who
// receives a broadcast. Node: socket.io-adapter.
//
// The Adapter interface is what a namespace calls (join and leave rooms, broadcast,
// fetch or act on the sockets of a selection, server-side emits between servers, and
// session storage for connection state recovery); the Namespace interface is what an
// adapter calls back to reach the sockets of this process (deliver pre-encoded frames,
// make a socket join, leave or disconnect, describe it). package socketio implements
// Namespace; users pick an Adapter through socketio.Options.Adapter (a Factory).
//
// InMemory, the default, serves a single process. A cluster adapter (Redis, Postgres)
// implements the same interface and talks to its peers; the interface grows only by
// optional interfaces (ServerSideEmitterWithAck), found by type assertion.
//
// # Broadcast cost
//
// A broadcast encodes its packet once with the server's parser.Encoder; every recipient
// gets the same frames. The recipient set is read from the room maps under a read lock
// without copying them, and delivery runs after the lock is released, so a recipient
// whose connection closes while being delivered to can leave its rooms at once.
//
// # Connection state recovery
//
// With Config.Recovery set, InMemory appends an offset to each broadcast EVENT that has
// no ack id and is not volatile, keeps those packets for MaxDisconnectionDuration, and
// restores a persisted session with the packets it missed (Node's SessionAwareAdapter).
// Expired entries are pruned as new ones arrive; no goroutine runs in the background. A
// session is restored at most once (Node keeps it until it expires), so two sockets can
// never share an id.
package adapter
