// sio-testserver.js: the reference server of the official Socket.IO protocol v5 test
// suite (socket.io monorepo, docs/socket.io-protocol/v5-current.md, "Test suite"),
// on socket.io 4.8, for conformance/siotest: the Go port of the suite runs against it
// to show that the port expects what the reference implementation does.
//
// It listens on 127.0.0.1 port 0. stdout, one JSON document per line:
//   {"port":N}                          first line, once listening
//   {"request":tag}                     when a request with header X-Siotest-Tag: tag
//                                       reaches the server
//   {"upgrade":"<engine id>"}           when an engine connection has upgraded to websocket
//   {"close":"<engine id>","reason":r}  when an engine connection closes (engine.io's reason)
// The script exits when stdin closes. Logs go to stderr.
"use strict";

const http = require("node:http");
const { Server } = require("socket.io");

const out = (o) => process.stdout.write(JSON.stringify(o) + "\n");

const httpServer = http.createServer();
// The configuration the suite's documentation gives ("maxPayload: 1000000" there is
// maxHttpBufferSize, whose default it is).
const io = new Server(httpServer, {
  pingInterval: 300,
  pingTimeout: 200,
  maxHttpBufferSize: 1e6,
  connectTimeout: 1000,
  cors: {
    origin: "*",
  },
});

io.on("connection", (socket) => {
  socket.emit("auth", socket.handshake.auth);

  socket.on("message", (...args) => {
    socket.emit.apply(socket, ["message-back", ...args]);
  });

  socket.on("message-with-ack", (...args) => {
    const ack = args.pop();
    ack(...args);
  });
});

io.of("/custom").on("connection", (socket) => {
  socket.emit("auth", socket.handshake.auth);
});

io.engine.on("connection", (conn) => {
  conn.on("upgrade", () => out({ upgrade: conn.id }));
  conn.on("close", (reason) => out({ close: conn.id, reason }));
});
// After the Server constructor, which attached the engine's own "request" listener.
httpServer.prependListener("request", (req) => {
  const tag = req.headers["x-siotest-tag"];
  if (tag) out({ request: tag });
});

httpServer.listen(0, "127.0.0.1", () => out({ port: httpServer.address().port }));

process.stdin.on("data", () => {});
process.stdin.on("end", () => process.exit(0));
