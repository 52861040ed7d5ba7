// prop-server.js: the contract server of the conformance server properties
// (conformance/server_props.go, CheckServerRooms) on socket.io 4.8, so that the
// same property runs against Node's implementation; conformance/internal/propserver
// is the same contract in Go (its package doc lists it).
//
// It listens on 127.0.0.1 port 0. stdout: {"port":N} once listening.
// The script exits when stdin closes. Logs go to stderr.
"use strict";

const http = require("node:http");
const { Server } = require("socket.io");

const httpServer = http.createServer();
const io = new Server(httpServer);

io.on("connection", (socket) => {
  socket.on("join", (room, ack) => {
    socket.join(room);
    ack();
  });
  socket.on("leave", (room, ack) => {
    socket.leave(room);
    ack();
  });
  socket.on("emit", ({ to, except, self, id }, ack) => {
    let op = self ? io : socket.broadcast;
    if (to.length > 0) op = op.to(to);
    if (except.length > 0) op = op.except(except);
    op.emit("msg", id);
    ack();
  });
  socket.on("echo", (...args) => {
    const ack = args.pop();
    ack(...args);
  });
  socket.on("disconnect", () => {
    io.emit("gone", socket.id);
  });
});

httpServer.listen(0, "127.0.0.1", () =>
  process.stdout.write(JSON.stringify({ port: httpServer.address().port }) + "\n"),
);

process.stdin.on("data", () => {});
process.stdin.on("end", () => process.exit(0));
