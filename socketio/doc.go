// Package socketio is a Socket.IO server, wire-compatible with the official JavaScript
// clients: socket.io-client 3.x/4.x (protocol v5 over Engine.IO v4) and 1.x/2.x
// (protocol v4 over Engine.IO v3), on the same server.
//
// NewServer returns a Server, an http.Handler that serves the engine (package engineio)
// under Path ("/socket.io/"): mount it on net/http, chi, gin or echo, or call Listen.
// The API follows Node's socket.io 4.8 with Go idioms:
//
//	io, _ := socketio.NewServer(nil)
//	io.OnConnection(func(s *socketio.Socket) {
//		s.Join("room1")
//		s.On("chat", func(msg string, ack func(string)) {
//			s.To("room1").Emit("chat", msg) // everyone in room1 but s
//			ack("ok")
//		})
//	})
//	http.ListenAndServe(":3000", io)
//
// # Namespaces, rooms and broadcasts
//
// Server embeds its main namespace "/" (Node's io.sockets). Of returns another one;
// OfRegexp and OfFunc make parent namespaces whose children are created when a client
// connects. Room membership lives in the namespace's adapter (package adapter; the
// in-memory adapter by default). A broadcast (To, In, Except, Volatile, Local, Compress,
// Timeout, then Emit or EmitWithAck) is encoded once and the same frames are queued on
// every recipient's connection.
//
// # Handlers
//
// Event handlers are Go funcs whose parameters receive the event's arguments decoded
// from JSON: a []byte parameter receives a binary attachment, a trailing func parameter
// is the acknowledgement callback, and a socketio.Args parameter receives the remaining
// arguments undecoded. Arguments that do not fit are logged (an *ArgsError) and the
// handler is skipped; the socket stays connected.
//
// Handlers of one socket run one at a time, in arrival order, on the connection's read
// path; nothing starts a goroutine per packet. A handler that blocks delays only its own
// connection. For the same reason a handler must not wait in EmitWithAck for an answer
// from its own connection (that answer is read by the path the handler holds): use Emit
// with a trailing callback there, or wait from another goroutine.
//
// Middlewares (Namespace.Use, Socket.Use) run on the read path too and refuse by
// returning an error; Node's next(err) is the return value.
//
// # Slow consumers
//
// Emitting never waits for the network: packets go to the connection's bounded queue
// (engineio.Socket.Send). Volatile packets are dropped when the connection is not ready;
// a connection whose queue overflows is closed ("transport error") without delaying
// anyone else.
//
// # Connection state recovery
//
// With Options.ConnectionStateRecovery, the CONNECT reply carries a private id, events
// carry an offset as their last argument, and a client that reconnects within
// MaxDisconnectionDuration gets its id, rooms, data and missed events back
// (Socket.Recovered). Sessions are stored through the adapter.
//
// # Bad input
//
// Malformed packets, packets for a namespace the client has not joined, reserved event
// names and the like close that one connection; an unknown namespace gets a
// CONNECT_ERROR "Invalid namespace"; an ACK with an unknown id is ignored, as in Node.
// A panic in a handler is logged with its stack and closes only that connection.
//
// # Testing
//
// Package sockettest serves a Server on in-memory connections (ServeConn), to test
// handlers, middlewares and adapters without a network.
//
// See the examples, and the programs under examples/ in the repository.
package socketio
