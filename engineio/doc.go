// Package engineio implements Engine.IO, the transport layer under Socket.IO: a server
// (an http.Handler) and a client dialer, wire-compatible with the official JavaScript
// packages (engine.io 6.x / engine.io-client 6.x for protocol v4, engine.io 3.x /
// engine.io-client 3.x for protocol v3).
//
// # Place in the stack
//
// socketio and client build on this package; it imports only the standard library and
// github.com/coder/websocket (for the client dialer; see "WebSocket server"). A program
// that wants a message pipe between browsers and Go, without Socket.IO's namespaces and
// events, can use it alone.
//
// # Protocol revisions
//
// The server answers protocol v4 (EIO=4, socket.io 3/4 clients) and v3 (EIO=3, socket.io
// 1/2 clients) on the same handler, chosen per request; Options.DisableEIO3 turns v3 off.
// Unlike Node, v3 is on by default. Any other EIO value is refused with
// 400 {"code":5,"message":"Unsupported protocol version"}.
//
// The differences: v4 polling payloads are joined by "\x1e" with binary packets as
// "b"+base64; v3 payloads are length-prefixed in UTF-16 code units, binary goes as XHR2
// frames or "b4"+base64 (b64=1) and JSONP is available (j=N). In v4 the server pings and the
// client answers; in v3 the client pings. The codec is exported: Packet, AppendText,
// DecodeText, AppendFrame, DecodeFrame, AppendPayload, DecodePayload, AppendPayloadV3,
// DecodePayloadV3, AppendPayloadV3Binary, DecodePayloadV3Binary and the JSONP helpers.
//
// # Transports
//
// HTTP long-polling (GET receives, POST sends; at most one of each in flight per session)
// and WebSocket, including WebSocket-only sessions and the upgrade from polling
// ("2probe"/"3probe", "5"). Each connection has one reader, and one writer at a time that
// drains a bounded queue: a pending GET takes everything queued in one response body, a
// websocket writer goroutine (started on demand, gone when idle) writes all queued packets
// as consecutive frames in one write. A reply sent from a socket's OnMessage (an ack, an
// echo) to an idle websocket (nothing queued, no writer) is written on that goroutine
// without blocking; what the socket does not take at once is left to the writer
// goroutine. Other sends, broadcasts above all, go through the writer goroutines, which
// write in parallel and batch what queues up meanwhile. Heartbeat and timeouts are
// time.AfterFunc timers.
//
// # WebSocket server
//
// The server side of WebSocket is this module's own (internal/wsserver, standard library
// only) rather than github.com/coder/websocket's, for three reasons measured on broadcast
// and idle loads: batching (a per-message API writes, and flushes, each frame with its own
// syscall; ours appends every queued frame to one buffer and writes it at once), inline
// non-blocking writes (a reply goes out on the reader's goroutine, without handing it to
// a writer goroutine), and idle memory (net/http's buffers are dropped after the
// handshake; over TCP the reader waits for readability in the runtime poller with no
// read buffer, taking a pooled one only when data is there; on Linux a websocket idle for
// two seconds parks: its reader goroutine ends and one epoll instance per Server waits
// for all parked websockets, starting a reader again when input arrives or the socket is
// closed, so an idle connection is its small structs only, no goroutine and no stack).
// Parking costs a parked websocket's next message a few microseconds (two epoll_ctl
// calls and a goroutine start); a websocket that keeps sending never parks. It enforces
// RFC 6455 as Node's ws
// does, including the message size limit (MaxHTTPBufferSize) checked from the frame
// header before the payload is read, and it implements permessage-deflate
// (Options.PerMessageDeflate, off by default as in Node) with compress/flate, always
// without context takeover in either direction so that no connection keeps compression
// windows between messages. github.com/coder/websocket remains the client dialer's.
//
// # Server
//
// NewServer returns a Server, an http.Handler for Options.Path ("/engine.io/"). Each
// session is a Socket, handed to the Server.OnConnection callback before any of its
// messages is delivered; that callback sets the Socket's handlers (OnMessage, OnUpgrade,
// OnClose). Socket.Send queues messages, Socket.Close ends the session ("forced close"),
// Server.Shutdown ends them all.
//
// # Client
//
// Dial connects to an engine.io server (this package's, or Node's engine.io 3.x to 6.x with
// DialOptions.Protocol 3 or 4) and returns a ClientSocket once the handshake is done, as
// engine.io-client's new Socket(url, opts) and its "open" event. By default it opens with
// polling and then upgrades to websocket in the background; DialOptions.Transports,
// DisableUpgrades and RememberUpgrade change that. ClientSocket.Send and Close mirror the
// server's Socket.
//
// The client's handlers (DialOptions.OnMessage, OnUpgrade, OnClose) are options, not
// setters called after Dial: a server may send messages in the very response that answers
// the handshake (socket.io 2.x does), so they must exist before Dial reads it. They run on
// one delivery goroutine per socket, one at a time, possibly before Dial returns; OnClose
// runs last, once, after the socket's network goroutines have stopped.
//
// The close reasons of both sides are Node's strings, the Reason constants.
//
// # Differences from Node
//
//   - EIO=3 is allowed by default (Node: allowEIO3 false).
//   - A missing or unknown EIO is refused even when v3 is allowed (Node serves it as v3).
//   - A polling request with a method other than GET/POST on an existing session gets
//     400 {"code":3} (Node: 500 without body); a second concurrent GET gets 400 (Node: 400
//     since 6.x).
//   - A v4 client that pings or a v3 client that pongs closes the session with "parse error"
//     (Node: "transport error").
//   - A client "1" packet over websocket closes the session ("transport close").
//   - A POST over MaxHTTPBufferSize answers 413 and closes the session (Node keeps it).
//   - The write queue is bounded (Options.MaxQueuedMessages, MaxQueuedBytes); Node's is not.
//   - With Options.PerMessageDeflate the server answers client_no_context_takeover, so
//     clients compress each message alone (Node lets them keep their window).
//   - A JSONP j parameter that is not a number is refused with 400 (Node strips non-digits).
//
// See ExampleNewServer for a server and ExampleDial for a client in a few lines.
package engineio
