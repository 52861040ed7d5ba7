// Package client is the Go Socket.IO client, wire-compatible with the official servers:
// socket.io 3.x/4.x (protocol v5 over Engine.IO v4, the default) and socket.io 1.x/2.x
// (Options.Protocol 4, over Engine.IO v3). Its API and behaviour follow socket.io-client
// 4.8:
//
//	s, _ := client.Connect("http://localhost:3000/chat", nil)
//	s.OnConnect(func() { fmt.Println("connected as", s.ID()) })
//	s.On("news", func(title string, body map[string]any) { ... })
//	s.Emit("hello", "world", func(answer string) { ... })
//	answer, err := s.Timeout(5*time.Second).EmitWithAck(ctx, "ping")
//
// # Managers and sockets
//
// A Manager is one engine connection (package engineio) and its reconnection logic;
// every Socket is one namespace on it. Connect shares the Manager of a host between the
// namespaces (multiplexing) unless Options.ForceNew; NewManager and Manager.Socket give
// full control. Connect returns at once: the connection happens in the background, and
// emits made meanwhile wait in the offline buffer.
//
// # Callbacks
//
// Handlers, ack callbacks and lifecycle listeners (connect, connect_error, disconnect;
// the Manager's open, close, error, ping, reconnect_attempt, reconnect, reconnect_error,
// reconnect_failed) run on one dispatcher goroutine per Manager, one at a time, in the
// order the events happened; nothing starts a goroutine per packet. A handler that
// blocks delays the other callbacks of its Manager. EmitWithAck does not go through the
// dispatcher, so a handler may call it. A panic in a callback is recovered and logged
// (at Error, with its stack); the other callbacks go on.
//
// # Reconnection
//
// When the connection is lost (not when the server disconnects the socket, or Disconnect
// is called), the Manager retries after ReconnectionDelay × 2^attempt, capped at
// ReconnectionDelayMax and spread by RandomizationFactor, as socket.io-client does. The
// sockets reconnect their namespaces; with connection state recovery on the server,
// Socket.Recovered reports whether the session (id, rooms, missed events) was restored.
//
// # Differences from socket.io-client
//
//   - EmitWithAck returns ErrDisconnected when the socket disconnects before the answer,
//     even without a timeout (Node's promise never settles), and honours its ctx.
//   - Volatile events are dropped whenever the socket is not connected (Node buffers them
//     while the engine is open and the namespace not yet connected).
//   - The Manager "ping" event is not reported (the engine client does not expose it).
//   - A Manager leaves Connect's cache when it closes (Node keeps it forever).
//   - Manager.Close closes every socket at once and waits for the network goroutines.
//   - A CONNECT_ERROR for a connected socket disconnects it ("io server disconnect")
//     before "connect_error" (Node leaves connected set).
//   - With Protocol 4, "/" connected again on a live connection (after Disconnect) counts
//     as connected as soon as its CONNECT is sent: socket.io 2.x does not answer it.
//   - Attachments that do not arrive within Options.Timeout close the connection.
package client
