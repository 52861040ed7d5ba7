// redis-streams-node.js: the Node side of conformance/redisinterop's streams tests, a
// line bridge (see line-bridge.js). It runs one socket.io 4.8 server with
// @socket.io/redis-streams-adapter 0.3.1 (a node-redis 4.7 client) and official
// socket.io-client 4.8 clients connected to any server (Go or Node). Binary values
// travel as {"$bin":"<hex>"} both ways.
//
// Requests (one JSON line each), answered with one JSON line; besides the shared ones
// of lib/cluster-node.js (connect with "reconnect", collect, emit, fetchSockets, ...):
//   {"op":"start","redis":"redis://127.0.0.1:6379","streamName":"s","channelPrefix":"p",
//    "sessionKeyPrefix":"k:","recovery":bool}
//       -> {"port":P}   the server listens on 127.0.0.1:P (connectionStateRecovery on
//       when recovery, maxDisconnectionDuration 60 s); sockets get
//       socket.data = {"node":"node"}; the server-side event "hello" is logged and
//       answered "node"
//   {"op":"stop"}                      closes everything
"use strict";

const { serve } = require("./line-bridge");
const { ClusterNode } = require("./lib/cluster-node");
const { createClient } = require("redis");
const { createAdapter } = require("@socket.io/redis-streams-adapter");

const node = new ClusterNode();
let redisClient;

serve(async (op) => {
  switch (op.op) {
    case "start": {
      redisClient = createClient({ url: op.redis });
      redisClient.on("error", (err) => console.error("redis:", err.message));
      await redisClient.connect();
      const adapter = createAdapter(redisClient, {
        streamName: op.streamName,
        channelPrefix: op.channelPrefix,
        sessionKeyPrefix: op.sessionKeyPrefix,
        blockTimeInMs: 1000,
      });
      const opts = { adapter };
      if (op.recovery) opts.connectionStateRecovery = { maxDisconnectionDuration: 60000 };
      return node.listen(opts, ["hello"]);
    }
    case "stop":
      await node.close();
      if (redisClient) await redisClient.quit().catch(() => {});
      return null;
    default:
      return node.handle(op);
  }
});
