// sio-server.js: an official Socket.IO server for the Go client's interop tests
// (conformance/clientinterop). socket.io 4.8 by default; --v2 runs socket.io 2.5 (protocol
// v4 over Engine.IO v3); --recovery turns on connection state recovery (4.8 only).
//
// It listens on 127.0.0.1 port 0 and prints {"port":N} on stdout, then nothing else.
// It exits when stdin closes. Logs go to stderr.
//
// Events every namespace ("/", "/admin", "/auth") understands:
//   echo(...args, ack)          ack(...args)
//   ask(ack)                    emits "question"("q?") to the client with an ack (2 s
//                               timeout on 4.8) and answers with the client's answer or
//                               "error: <message>"
//   ask-ignored(ack)            as ask with a 200 ms timeout and the event "ignored"
//   join(room, ack)             joins room, then ack()
//   to-room(room, msg)          emits "room-msg"(room, msg) to the room
//   disconnect-me()             socket.disconnect()
//   drop()                      closes the engine connection (the client sees
//                               "transport close")
//   drop-then-emit(room, n)     closes the engine connection, then emits "missed"(i) to
//                               the room for i < n
//   buffered(key, i)            records i under key
//   get-buffered(key, ack)      ack(the numbers recorded under key)
// On connection the socket gets "hello"({nsp, id, auth, query}).
// "/auth" refuses a socket whose auth.token (4.8) or query token (2.5) is not "good"
// with an Error "not authorized" whose data is {code: 42}.
"use strict";

const http = require("node:http");

const v2 = process.argv.includes("--v2");
const recovery = process.argv.includes("--recovery");
const out = (o) => process.stdout.write(JSON.stringify(o) + "\n");

const httpServer = http.createServer();
let io;
if (v2) {
  io = require("socket.io-v2")(httpServer, { pingInterval: 1000, pingTimeout: 2000 });
} else {
  const { Server } = require("socket.io");
  const opts = { pingInterval: 1000, pingTimeout: 2000 };
  if (recovery) {
    opts.connectionStateRecovery = { maxDisconnectionDuration: 60000 };
  }
  io = new Server(httpServer, opts);
}

const recorded = new Map();

function setup(nsp) {
  nsp.on("connection", (socket) => {
    socket.emit("hello", {
      nsp: nsp.name,
      id: socket.id,
      auth: socket.handshake.auth || null,
      query: socket.handshake.query,
    });
    socket.on("echo", (...args) => {
      const ack = args.pop();
      if (typeof ack === "function") ack(...args);
    });
    const ask = (event, ms) => (ack) => {
      if (v2) {
        socket.emit(event, "q?", (answer) => ack(answer));
        return;
      }
      socket.timeout(ms).emit(event, "q?", (err, answer) => {
        ack(err ? "error: " + err.message : answer);
      });
    };
    socket.on("ask", ask("question", 2000));
    socket.on("ask-ignored", ask("ignored", 200));
    socket.on("join", (room, ack) => {
      if (v2) {
        socket.join(room, () => ack());
        return;
      }
      socket.join(room);
      ack();
    });
    socket.on("to-room", (room, msg) => nsp.to(room).emit("room-msg", room, msg));
    socket.on("disconnect-me", () => socket.disconnect());
    socket.on("drop", () => socket.conn.close());
    socket.on("drop-then-emit", (room, n) => {
      socket.conn.close();
      setTimeout(() => {
        for (let i = 0; i < n; i++) nsp.to(room).emit("missed", i);
      }, 50);
    });
    socket.on("buffered", (key, i) => {
      if (!recorded.has(key)) recorded.set(key, []);
      recorded.get(key).push(i);
    });
    socket.on("get-buffered", (key, ack) => ack(recorded.get(key) || []));
  });
}

setup(io.of("/"));
setup(io.of("/admin"));
const auth = io.of("/auth");
auth.use((socket, next) => {
  const token = v2 ? socket.handshake.query.token : socket.handshake.auth && socket.handshake.auth.token;
  if (token === "good") return next();
  const err = new Error("not authorized");
  err.data = { code: 42 };
  next(err);
});
setup(auth);

httpServer.listen(0, "127.0.0.1", () => out({ port: httpServer.address().port }));

process.stdin.on("data", () => {});
process.stdin.on("end", () => process.exit(0));
