// redis-node.js: the Node side of conformance/redisinterop, a line bridge (see
// line-bridge.js). It runs one socket.io 4.8 server with @socket.io/redis-adapter
// 8.3 (node-redis 4.7 clients), official socket.io-client 4.8 clients connected to
// any server of the cluster (Go or Node), and a @socket.io/redis-emitter 5.1
// emitter. Binary values travel as {"$bin":"<hex>"} both ways.
//
// Requests (one JSON line each), answered with one JSON line:
//   {"op":"start","redis":"redis://127.0.0.1:6379","key":"k","requestsTimeout":ms,
//    "sharded":"static"|"dynamic"|"dynamic-private"}   (sharded: createShardedAdapter
//       with channelPrefix = key and that subscriptionMode; otherwise createAdapter)
//       -> {"port":P}   the server listens on 127.0.0.1:P; every socket gets
//       socket.data = {"node":"node"}; server-side events are logged, and one
//       with an ack is answered "node"
//   {"op":"connect","c":"name","url":"http://127.0.0.1:P"} -> {"id":"<socket id>"}
//       a client (websocket only) that logs every event; an event that asks for
//       an ack is answered "yes-<socket id>"
//   {"op":"collect","c":"name","n":N}    -> [[event, ...args], ...] the first N
//       events the client logged (waits up to 5 s), removed from the log
//   {"op":"quiet","c":"name"}            -> [...] whatever the client logged so far
//   {"op":"emit","to":[..],"except":[..],"args":[ev,...]}        io.to().except().emit()
//   {"op":"emitWithAck","to":[..],"args":[..],"timeout":ms}       -> answers
//   {"op":"fetchSockets","to":[..]} -> [{"id","rooms","data"}]
//   {"op":"socketsJoin"|"socketsLeave","to":[..],"rooms":[..]}
//   {"op":"disconnectSockets","to":[..],"close":bool}
//   {"op":"serverSideEmit","args":[..]}
//   {"op":"serverSideEmitWithAck","args":[..],"timeout":ms}      -> answers
//   {"op":"serverSideLog"}     -> the server-side events received so far (cleared)
//   {"op":"rooms","id":".."}   -> the rooms of a socket of this server
//   {"op":"serverCount"}       -> the adapter's serverCount()
//   {"op":"allRooms"}          -> the adapter's allRooms() (classic adapter), sorted
//   {"op":"emitter","nsp":"/","to":[..],"except":[..],"volatile":b,"action":
//        "emit"|"socketsJoin"|"socketsLeave"|"disconnectSockets"|"serverSideEmit",
//        "args":[..],"rooms":[..],"close":b}
//   {"op":"hang","ms":N}      answers at once, then blocks the event loop for N ms
//                              (a server that stops answering mid-request)
//   {"op":"stop"}              closes everything
"use strict";

const { serve } = require("./line-bridge");
const { createServer } = require("node:http");
const { Server } = require("socket.io");
const ioc = require("socket.io-client");
const { createClient } = require("redis");
const { createAdapter, createShardedAdapter } = require("@socket.io/redis-adapter");
const { Emitter } = require("@socket.io/redis-emitter");

function fromWire(v) {
  if (Array.isArray(v)) return v.map(fromWire);
  if (v && typeof v === "object") {
    if (typeof v.$bin === "string" && Object.keys(v).length === 1) return Buffer.from(v.$bin, "hex");
    const o = {};
    for (const k of Object.keys(v)) o[k] = fromWire(v[k]);
    return o;
  }
  return v;
}

function toWire(v) {
  if (Buffer.isBuffer(v)) return { $bin: v.toString("hex") };
  if (v instanceof ArrayBuffer) return { $bin: Buffer.from(v).toString("hex") };
  if (ArrayBuffer.isView(v)) return { $bin: Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString("hex") };
  if (Array.isArray(v)) return v.map(toWire);
  if (v && typeof v === "object") {
    const o = {};
    for (const k of Object.keys(v)) o[k] = toWire(v[k]);
    return o;
  }
  return v === undefined ? null : v;
}

let io, httpServer, pub, sub, emitterClient;
const clients = new Map(); // name -> {socket, log: [], waiters: []}
let serverSideLog = [];

function select(op) {
  let target = io;
  if (op.to && op.to.length) target = target.to(op.to);
  if (op.except && op.except.length) target = target.except(op.except);
  return target;
}

function wake(c) {
  for (const w of c.waiters.splice(0)) w();
}

async function collect(c, n) {
  const deadline = Date.now() + 5000;
  while (c.log.length < n) {
    const left = deadline - Date.now();
    if (left <= 0) throw new Error(`client has ${c.log.length} events, want ${n}: ${JSON.stringify(c.log)}`);
    await new Promise((resolve) => {
      const t = setTimeout(resolve, left);
      c.waiters.push(() => { clearTimeout(t); resolve(); });
    });
  }
  return c.log.splice(0, n);
}

serve(async (op) => {
  switch (op.op) {
    case "start": {
      pub = createClient({ url: op.redis });
      sub = pub.duplicate();
      emitterClient = pub.duplicate();
      for (const c of [pub, sub, emitterClient]) c.on("error", (err) => console.error("redis:", err.message));
      await Promise.all([pub.connect(), sub.connect(), emitterClient.connect()]);
      httpServer = createServer();
      const adapter = op.sharded
        ? createShardedAdapter(pub, sub, { channelPrefix: op.key, subscriptionMode: op.sharded })
        : createAdapter(pub, sub, { key: op.key, requestsTimeout: op.requestsTimeout || 5000 });
      io = new Server(httpServer, { adapter });
      io.on("connection", (socket) => {
        socket.data = { node: "node" };
      });
      io.on("hello", (...args) => {
        const ack = typeof args[args.length - 1] === "function" ? args.pop() : null;
        serverSideLog.push(["hello", ...toWire(args)]);
        if (ack) ack("node");
      });
      io.on("note", (...args) => serverSideLog.push(["note", ...toWire(args)]));
      await new Promise((resolve) => httpServer.listen(0, "127.0.0.1", resolve));
      return { port: httpServer.address().port };
    }
    case "connect": {
      const socket = ioc(op.url, { forceNew: true, transports: ["websocket"], reconnection: false });
      const c = { socket, log: [], waiters: [] };
      clients.set(op.c, c);
      socket.onAny((event, ...args) => {
        if (typeof args[args.length - 1] === "function") {
          const ack = args.pop();
          c.log.push([event, ...toWire(args)]);
          ack("yes-" + socket.id);
        } else {
          c.log.push([event, ...toWire(args)]);
        }
        wake(c);
      });
      socket.on("disconnect", (reason) => { c.log.push(["#disconnect", reason]); wake(c); });
      await new Promise((resolve, reject) => {
        socket.once("connect", resolve);
        socket.once("connect_error", reject);
      });
      return { id: socket.id };
    }
    case "collect":
      return collect(clients.get(op.c), op.n);
    case "quiet":
      return clients.get(op.c).log.splice(0);
    case "emit":
      select(op).emit(...fromWire(op.args));
      return null;
    case "emitWithAck":
      return toWire(await select(op).timeout(op.timeout || 5000).emitWithAck(...fromWire(op.args)));
    case "fetchSockets": {
      const sockets = await select(op).fetchSockets();
      return sockets.map((s) => ({ id: s.id, rooms: [...s.rooms].sort(), data: s.data }));
    }
    case "socketsJoin":
      select(op).socketsJoin(op.rooms);
      return null;
    case "socketsLeave":
      select(op).socketsLeave(op.rooms);
      return null;
    case "disconnectSockets":
      select(op).disconnectSockets(!!op.close);
      return null;
    case "serverSideEmit":
      io.serverSideEmit(...fromWire(op.args));
      return null;
    case "serverSideEmitWithAck":
      return toWire(await io.serverSideEmitWithAck(...fromWire(op.args)));
    case "serverSideLog":
      return serverSideLog.splice(0);
    case "rooms": {
      const rooms = io.of("/").adapter.sids.get(op.id);
      return rooms ? [...rooms].sort() : [];
    }
    case "allRooms":
      return [...(await io.of("/").adapter.allRooms())].sort();
    case "serverCount":
      return io.of("/").adapter.serverCount();
    case "emitter": {
      let e = new Emitter(emitterClient, { key: op.key }).of(op.nsp || "/");
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
    case "stop": {
      for (const c of clients.values()) c.socket.disconnect();
      clients.clear();
      if (io) await new Promise((resolve) => io.close(() => resolve()));
      await Promise.allSettled([pub, sub, emitterClient].filter(Boolean).map((c) => c.quit()));
      return null;
    }
    default:
      throw new Error("unknown op " + op.op);
  }
});
