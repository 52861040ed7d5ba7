// cluster-node.js: what the line bridges of conformance/redisinterop (redis-node.js,
// redis-streams-node.js) share, whatever the adapter: the {"$bin":"<hex>"} wire form
// of binary values, one socket.io 4.8 server, its test clients (official
// socket.io-client 4.8, websocket only) and the ops that act on them.
//
// A bridge builds its adapter, calls node.listen, answers its own ops and hands the
// others to node.handle:
//   {"op":"connect","c":"name","url":"http://127.0.0.1:P","reconnect":bool}
//       -> {"id":"<socket id>"}   a client that logs every event, ["#disconnect",
//       reason] on disconnection and ["#connect", id, recovered] on each
//       reconnection; an event that asks for an ack is answered "yes-<socket id>"
//   {"op":"collect","c":"name","n":N}  -> the first N logged events (waits up to 5 s),
//       removed from the log
//   {"op":"quiet","c":"name"}          -> whatever the client logged so far
//   {"op":"emit","to":[..],"except":[..],"args":[ev,...]}    io.to().except().emit()
//   {"op":"emitWithAck","to":[..],"args":[..],"timeout":ms} -> the answers
//   {"op":"fetchSockets","to":[..]}    -> [{"id","rooms","data"}]
//   {"op":"socketsJoin"|"socketsLeave","to":[..],"rooms":[..]}
//   {"op":"disconnectSockets","to":[..],"close":bool}
//   {"op":"serverSideEmit","args":[..]}
//   {"op":"serverSideEmitWithAck","args":[..],"timeout":ms}  -> answers
//   {"op":"serverSideLog"}             -> server-side events received so far (cleared)
//   {"op":"rooms","id":".."}           -> the rooms of a socket of this server
//   {"op":"serverCount"}               -> the adapter's serverCount()
"use strict";

const { createServer } = require("node:http");
const { Server } = require("socket.io");
const ioc = require("socket.io-client");

// fromWire turns {"$bin":"<hex>"} objects into Buffers.
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

// toWire turns binary values into {"$bin":"<hex>"} objects, undefined into null.
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

function wake(c) {
  for (const w of c.waiters.splice(0)) w();
}

// ClusterNode is one socket.io server of a mixed cluster and its test clients.
class ClusterNode {
  constructor() {
    this.io = null;
    this.httpServer = null;
    this.clients = new Map(); // name -> {socket, log: [], waiters: []}
    this.serverSideLog = [];
  }

  // listen starts a socket.io server with opts (the adapter among them) on a free
  // port of 127.0.0.1 and returns {port}. Its sockets get socket.data =
  // {"node":"node"} (unless recovered); the server-side events named in events are
  // logged, and one that asks for an ack is answered "node".
  async listen(opts, events) {
    this.httpServer = createServer();
    this.io = new Server(this.httpServer, opts);
    this.io.on("connection", (socket) => {
      if (!socket.recovered) socket.data = { node: "node" };
    });
    for (const name of events) {
      this.io.on(name, (...args) => {
        const ack = typeof args[args.length - 1] === "function" ? args.pop() : null;
        this.serverSideLog.push([name, ...toWire(args)]);
        if (ack) ack("node");
      });
    }
    await new Promise((resolve) => this.httpServer.listen(0, "127.0.0.1", resolve));
    return { port: this.httpServer.address().port };
  }

  // select applies op.to and op.except to the server.
  select(op) {
    let target = this.io;
    if (op.to && op.to.length) target = target.to(op.to);
    if (op.except && op.except.length) target = target.except(op.except);
    return target;
  }

  async connect(op) {
    const socket = ioc(op.url, {
      forceNew: true,
      transports: ["websocket"],
      reconnection: !!op.reconnect,
      reconnectionDelay: 50,
      reconnectionDelayMax: 200,
    });
    const c = { socket, log: [], waiters: [] };
    this.clients.set(op.c, c);
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

  async collect(c, n) {
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

  // handle answers the ops listed at the top of this file; it throws on any other.
  async handle(op) {
    switch (op.op) {
      case "connect":
        return this.connect(op);
      case "collect":
        return this.collect(this.clients.get(op.c), op.n);
      case "quiet":
        return this.clients.get(op.c).log.splice(0);
      case "emit":
        this.select(op).emit(...fromWire(op.args));
        return null;
      case "emitWithAck":
        return toWire(await this.select(op).timeout(op.timeout || 5000).emitWithAck(...fromWire(op.args)));
      case "fetchSockets": {
        const sockets = await this.select(op).fetchSockets();
        return sockets.map((s) => ({ id: s.id, rooms: [...s.rooms].sort(), data: s.data }));
      }
      case "socketsJoin":
        this.select(op).socketsJoin(op.rooms);
        return null;
      case "socketsLeave":
        this.select(op).socketsLeave(op.rooms);
        return null;
      case "disconnectSockets":
        this.select(op).disconnectSockets(!!op.close);
        return null;
      case "serverSideEmit":
        this.io.serverSideEmit(...fromWire(op.args));
        return null;
      case "serverSideEmitWithAck":
        return toWire(await this.io.serverSideEmitWithAck(...fromWire(op.args)));
      case "serverSideLog":
        return this.serverSideLog.splice(0);
      case "rooms": {
        const rooms = this.io.of("/").adapter.sids.get(op.id);
        return rooms ? [...rooms].sort() : [];
      }
      case "serverCount":
        return this.io.of("/").adapter.serverCount();
      default:
        throw new Error("unknown op " + op.op);
    }
  }

  // close disconnects the clients and closes the server.
  async close() {
    for (const c of this.clients.values()) c.socket.disconnect();
    this.clients.clear();
    if (this.io) await new Promise((resolve) => this.io.close(() => resolve()));
  }
}

module.exports = { ClusterNode, fromWire, toWire };
