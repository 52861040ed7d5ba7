// prop-server.js: the contract server of the conformance server properties
// (conformance/server_props.go, CheckServerRooms) on socket.io 4.8, so that the
// same property runs against Node's implementation; conformance/internal/propserver
// is the same contract in Go (its package doc lists it).
//
// It listens on 127.0.0.1 port 0. A second server with the same contract and
// connection state recovery on (maxDisconnectionDuration 120000,
// skipMiddlewares) listens on another port, for CheckServerRecovery.
// stdout: {"port":N,"recoveryPort":M} once both listen.
// The script exits when stdin closes. Logs go to stderr.
"use strict";

const http = require("node:http");
const { Server } = require("socket.io");

function serve(io) {
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
}

const httpServer = http.createServer();
serve(new Server(httpServer));
const recoveryServer = http.createServer();
serve(
  new Server(recoveryServer, {
    connectionStateRecovery: { maxDisconnectionDuration: 120000, skipMiddlewares: true },
  }),
);

let listening = 0;
const announce = () => {
  if (++listening < 2) return;
  process.stdout.write(
    JSON.stringify({
      port: httpServer.address().port,
      recoveryPort: recoveryServer.address().port,
    }) + "\n",
  );
};
httpServer.listen(0, "127.0.0.1", announce);
recoveryServer.listen(0, "127.0.0.1", announce);

process.stdin.on("data", () => {});
process.stdin.on("end", () => process.exit(0));
