// Package sockettest provides utilities for testing code built on socketio, as
// net/http/httptest does for net/http: handlers, middlewares and adapters run against
// a real socketio.Server, with no network and no engine in between.
//
// A Conn is an in-memory engine connection (a socketio.EngineConn). Serve it with
// socketio.Server.ServeConn, play the client with Deliver and DeliverBinary (Engine.IO
// message payloads, that is socket.io packets such as "0" for CONNECT or
// `2["chat","hi"]` for an EVENT), and read what the server sent with Next or Pending:
//
//	conn := sockettest.NewConn(nil)
//	srv.ServeConn(conn)
//	sid, err := conn.Connect(ctx, "/", "") // CONNECT to "/", wait for the answer
//	conn.Deliver(`2["chat","hi"]`)          // the handler of "chat" runs here
//	m, err := conn.Next(ctx)                // the next message the server sent
//
// Deliver runs the server's message callback on the caller's goroutine, so when it
// returns the handlers of that packet have run (unless they started goroutines), and
// what they emitted to this connection is waiting for Next. Like engineio.Socket, a Conn
// closed from inside one of its callbacks reports the close (the OnClose callback) after
// that callback returns. Sends are recorded without a bound unless SetMaxQueued sets
// one, and volatile sends are dropped while SetWritable(false) is in force, so slow
// consumers can be simulated.
//
// Client wraps a connected Conn for tests in the style of the testing package: its
// methods read messages as strings and fail the test when an expected one does not come
// (NewClient, Client.Next, Client.Until, Client.WaitDisconnected).
//
// Conn speaks both Engine.IO revisions: protocol 4 (socket.io 3/4 clients, socket.io
// protocol v5) and protocol 3 (socket.io 1/2 clients, protocol v4).
package sockettest
