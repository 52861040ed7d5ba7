// redis-node.js: the Node side of conformance/redisinterop, a line bridge (see
// line-bridge.js). It runs one socket.io 4.8 server with @socket.io/redis-adapter
// 8.3 (node-redis 4.7 clients), official socket.io-client 4.8 clients connected to
// any server of the cluster (Go or Node), and a @socket.io/redis-emitter 5.1
// emitter. Binary values travel as {"$bin":"<hex>"} both ways.
//
// Requests (one JSON line each), answered with one JSON line; besides those of
// lib/cluster-node.js (connect, collect, quiet, emit, emitWithAck, fetchSockets,
// socketsJoin/Leave, disconnectSockets, serverSideEmit(WithAck), serverSideLog,
// rooms, serverCount):
//   {"op":"start","redis":"redis://127.0.0.1:6379","key":"k","requestsTimeout":ms,
//    "sharded":"static"|"dynamic"|"dynamic-private"}   (sharded: createShardedAdapter
//       with channelPrefix = key and that subscriptionMode; otherwise createAdapter)
//       -> {"port":P}   the server listens on 127.0.0.1:P; every socket gets
//       socket.data = {"node":"node"}; server-side events are logged, and one
//       with an ack is answered "node"
//   {"op":"allRooms"}          -> the adapter's allRooms() (classic adapter), sorted
//   {"op":"emitter","nsp":"/","to":[..],"except":[..],"volatile":b,"action":
//        "emit"|"socketsJoin"|"socketsLeave"|"disconnectSockets"|"serverSideEmit",
//        "args":[..],"rooms":[..],"close":b}
//   {"op":"hang","ms":N}      answers at once, then blocks the event loop for N ms
//                              (a server that stops answering mid-request)
//   {"op":"stop"}              closes everything
"use strict";

const { serve } = require("./line-bridge");
const { ClusterNode, fromWire } = require("./lib/cluster-node");
const { createClient } = require("redis");
const { createAdapter, createShardedAdapter } = require("@socket.io/redis-adapter");
const { Emitter } = require("@socket.io/redis-emitter");

const node = new ClusterNode();
let pub, sub, emitterClient;

serve(async (op) => {
  switch (op.op) {
    case "start": {
      pub = createClient({ url: op.redis });
      sub = pub.duplicate();
      emitterClient = pub.duplicate();
      for (const c of [pub, sub, emitterClient]) c.on("error", (err) => console.error("redis:", err.message));
      await Promise.all([pub.connect(), sub.connect(), emitterClient.connect()]);
      const adapter = op.sharded
        ? createShardedAdapter(pub, sub, { channelPrefix: op.key, subscriptionMode: op.sharded })
        : createAdapter(pub, sub, { key: op.key, requestsTimeout: op.requestsTimeout || 5000 });
      return node.listen({ adapter }, ["hello", "note"]);
    }
    case "allRooms":
      return [...(await node.io.of("/").adapter.allRooms())].sort();
    case "emitter": {
      const e = new Emitter(emitterClient, { key: op.key }).of(op.nsp || "/");
      let t = e;
      if (op.to && op.to.length) t = t.to(op.to);
      if (op.except && op.except.length) t = t.except(op.except);
      if (op.volatile) t = t.volatile;
      switch (op.action) {
        case "emit": t.emit(...fromWire(op.args)); break;
        case "socketsJoin": t.socketsJoin(op.rooms); break;
        case "socketsLeave": t.socketsLeave(op.rooms); break;
        case "disconnectSockets": t.disconnectSockets(!!op.close); break;
        case "serverSideEmit": e.serverSideEmit(...fromWire(op.args)); break;
        default: throw new Error("unknown emitter action " + op.action);
      }
      return null;
    }
    case "hang":
      setImmediate(() => {
        const end = Date.now() + op.ms;
        while (Date.now() < end) { /* busy: no I/O is handled */ }
      });
      return null;
    case "stop":
      await node.close();
      await Promise.allSettled([pub, sub, emitterClient].filter(Boolean).map((c) => c.quit()));
      return null;
    default:
      return node.handle(op);
  }
});
