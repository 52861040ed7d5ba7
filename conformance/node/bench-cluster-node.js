// bench-cluster-node.js: the Node counterpart of `benchserver -redis` for
// conformance/scripts/bench-cluster.sh: one socket.io 4.8 server of a cluster joined
// through @socket.io/redis-adapter 8.3 (node-redis 4.7 clients, default options),
// serving the sioload/loadgen contract: path /socket.io/, namespace "/" without auth,
// "echo" acknowledged with the same arguments, "bcast" re-emitted to every socket of
// "/" (io.emit: through Redis to the sockets of every server), pingInterval 25 s.
//
//   PORT=4301 REDIS=redis://127.0.0.1:6379 KEY=bench-1 node bench-cluster-node.js
//
// It prints "listening on http://127.0.0.1:PORT/socket.io/" once its subscriptions
// are in place, and exits on SIGTERM or SIGINT.
"use strict";

const { createServer } = require("node:http");
const { Server } = require("socket.io");
const { createClient } = require("redis");
const { createAdapter } = require("@socket.io/redis-adapter");

const port = +(process.env.PORT || 4300);
const host = process.env.HOST || "127.0.0.1";
const redisURL = process.env.REDIS || "redis://127.0.0.1:6379";
const key = process.env.KEY || "socket.io";

async function main() {
  const pub = createClient({ url: redisURL, name: "bench-cluster-node-" + key });
  const sub = pub.duplicate();
  for (const c of [pub, sub]) c.on("error", (err) => console.error("redis:", err.message));
  await Promise.all([pub.connect(), sub.connect()]);

  const httpServer = createServer();
  const io = new Server(httpServer, {
    path: "/socket.io/",
    pingInterval: 25000,
    pingTimeout: 20000,
    serveClient: false,
    adapter: createAdapter(pub, sub, { key }),
  });
  io.on("connection", (socket) => {
    socket.on("echo", (...args) => {
      const ack = args.pop();
      if (typeof ack === "function") ack(...args);
    });
    socket.on("bcast", (...args) => {
      if (typeof args[args.length - 1] === "function") args.pop();
      io.emit("bcast", ...args);
    });
  });
  // The adapter of "/" subscribes when the namespace is created (in the Server
  // constructor); wait until Redis counts this server before announcing it.
  const requestChannel = `${key}-request#/#`;
  for (;;) {
    const counts = await pub.pubSubNumSub(requestChannel);
    if ((counts[requestChannel] || 0) > 0) break;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  await new Promise((resolve) => httpServer.listen(port, host, resolve));
  console.log(`listening on http://${host}:${port}/socket.io/`);

  const stop = () => {
    io.close(() => {
      Promise.allSettled([pub.quit(), sub.quit()]).then(() => process.exit(0));
    });
  };
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
}

main().catch((err) => {
  console.error("bench-cluster-node:", err);
  process.exit(1);
});
