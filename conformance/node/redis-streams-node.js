// redis-streams-node.js: the Node side of conformance/redisinterop's streams tests, a
// line bridge (see line-bridge.js). It runs one socket.io 4.8 server with
// @socket.io/redis-streams-adapter 0.3.1 (a node-redis 4.7 client) and official
// socket.io-client 4.8 clients connected to any server (Go or Node). Binary values
// travel as {"$bin":"<hex>"} both ways.
//
// Requests (one JSON line each), answered with one JSON line:
//   {"op":"start","redis":"redis://127.0.0.1:6379","streamName":"s","channelPrefix":"p",
//    "sessionKeyPrefix":"k:","recovery":bool}
//       -> {"port":P}   the server listens on 127.0.0.1:P (connectionStateRecovery on
//       when recovery, maxDisconnectionDuration 60 s); sockets get
//       socket.data = {"node":"node"}; the server-side event "hello" is logged and
//       answered "node"
//   {"op":"connect","c":"name","url":"http://127.0.0.1:P","reconnect":bool}
//       -> {"id":"<socket id>"}   a websocket-only client that logs every event, and
//       ["#connect", id, recovered] on each (re)connection after the first; an event
//       that asks for an ack is answered "yes-<socket id>"
//   {"op":"collect","c":"name","n":N}  -> the first N logged events (waits up to 5 s)
//   {"op":"quiet","c":"name"}          -> whatever the client logged so far
//   {"op":"emit","to":[..],"except":[..],"args":[ev,...]}   io.to().except().emit()
//   {"op":"emitWithAck","args":[..],"timeout":ms} -> the answers
//   {"op":"fetchSockets"}              -> [{"id","rooms","data"}]
//   {"op":"socketsJoin","to":[..],"rooms":[..]}
//   {"op":"serverSideEmitWithAck","args":[..]} -> answers
//   {"op":"serverSideLog"}             -> server-side events received so far (cleared)
//   {"op":"rooms","id":".."}           -> the rooms of a socket of this server
//   {"op":"serverCount"}               -> the adapter's serverCount()
//   {"op":"stop"}                      closes everything
"use strict";

const { serve } = require("./line-bridge");
const { createServer } = require("node:http");
const { Server } = require("socket.io");
const ioc = require("socket.io-client");
const { createClient } = require("redis");
const { createAdapter } = require("@socket.io/redis-streams-adapter");

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

let io, httpServer, redisClient;
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
      redisClient = createClient({ url: op.redis });
      redisClient.on("error", (err) => console.error("redis:", err.message));
      await redisClient.connect();
      httpServer = createServer();
      const adapter = createAdapter(redisClient, {
        streamName: op.streamName,
        channelPrefix: op.channelPrefix,
        sessionKeyPrefix: op.sessionKeyPrefix,
        blockTimeInMs: 1000,
      });
      const opts = { adapter };
      if (op.recovery) opts.connectionStateRecovery = { maxDisconnectionDuration: 60000 };
      io = new Server(httpServer, opts);
      io.on("connection", (socket) => {
        if (!socket.recovered) socket.data = { node: "node" };
      });
      io.on("hello", (...args) => {
        const ack = typeof args[args.length - 1] === "function" ? args.pop() : null;
        serverSideLog.push(["hello", ...toWire(args)]);
        if (ack) ack("node");
      });
      await new Promise((resolve) => httpServer.listen(0, "127.0.0.1", resolve));
      return { port: httpServer.address().port };
    }
    case "connect": {
      const socket = ioc(op.url, {
        forceNew: true,
        transports: ["websocket"],
        reconnection: !!op.reconnect,
        reconnectionDelay: 50,
        reconnectionDelayMax: 200,
      });
      const c = { socket, log: [], waiters: [] };
      clients.set(op.c, c);
      socket.onAny((event, ...args) => {
        const ack = typeof args[args.length - 1] === "function" ? args.pop() : null;
        c.log.push([event, ...toWire(args)]);
        if (ack) ack("yes-" + socket.id);
        wake(c);
      });
      socket.on("disconnect", (reason) => { c.log.push(["#disconnect", reason]); wake(c); });
      await new Promise((resolve, reject) => {
        socket.once("connect", resolve);
        socket.once("connect_error", reject);
      });
      socket.on("connect", () => { c.log.push(["#connect", socket.id, socket.recovered]); wake(c); });
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
    case "serverSideEmitWithAck":
      return toWire(await io.serverSideEmitWithAck(...fromWire(op.args)));
    case "serverSideLog":
      return serverSideLog.splice(0);
    case "rooms": {
      const rooms = io.of("/").adapter.sids.get(op.id);
      return rooms ? [...rooms].sort() : [];
    }
    case "serverCount":
      return io.of("/").adapter.serverCount();
    case "stop": {
      for (const c of clients.values()) c.socket.disconnect();
      clients.clear();
      if (io) await new Promise((resolve) => io.close(() => resolve()));
      if (redisClient) await redisClient.quit().catch(() => {});
      return null;
    }
    default:
      throw new Error("unknown op " + op.op);
  }
});
