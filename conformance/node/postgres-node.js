// postgres-node.js: the Node side of conformance/postgresinterop, a line bridge (see
// line-bridge.js). It runs one socket.io 4.8 server with @socket.io/postgres-adapter
// 0.5 (node-postgres pool) and official socket.io-client 4.8 clients connected to any
// server of the cluster (Go or Node). Binary values travel as {"$bin":"<hex>"} both
// ways.
//
// Requests (one JSON line each), answered with one JSON line:
//   {"op":"start","pg":"postgres://...","channelPrefix":"p","tableName":"t",
//    "heartbeatInterval":ms,"heartbeatTimeout":ms}
//       -> {"port":P}   the server listens on 127.0.0.1:P; every socket gets
//       socket.data = {"node":"node"}; server-side events are logged, and one
//       with an ack is answered "node"
//   {"op":"connect","c":"name","url":"http://127.0.0.1:P"} -> {"id":"<socket id>"}
//       a client (polling upgraded to websocket) that logs every event; an event that asks for
//       an ack is answered "yes-<socket id>"
//   {"op":"collect","c":"name","n":N}    -> [[event, ...args], ...] the first N
//       events the client logged (waits up to 10 s), removed from the log
//   {"op":"quiet","c":"name"}            -> [...] whatever the client logged so far
//   {"op":"emit","to":[..],"except":[..],"args":[ev,...]}        io.to().except().emit()
//   {"op":"emitWithAck","to":[..],"args":[..],"timeout":ms}       -> answers
//   {"op":"fetchSockets","to":[..]} -> [{"id","rooms","data"}]
//   {"op":"socketsJoin"|"socketsLeave","to":[..],"rooms":[..]}
//   {"op":"disconnectSockets","to":[..],"close":bool}
//   {"op":"serverSideEmit","args":[..]}
//   {"op":"serverSideEmitWithAck","args":[..]}                   -> answers
//   {"op":"serverSideLog"}     -> the server-side events received so far (cleared)
//   {"op":"rooms","id":".."}   -> the rooms of a socket of this server
//   {"op":"serverCount"}       -> the adapter's serverCount()
//   {"op":"stop"}              closes everything
"use strict";

const { serve } = require("./line-bridge");
const { createServer } = require("node:http");
const { Server } = require("socket.io");
const ioc = require("socket.io-client");
const { Pool } = require("pg");
const { createAdapter } = require("@socket.io/postgres-adapter");
const { fromWire, toWire } = require("./lib/cluster-node"); // the {"$bin":"<hex>"} wire form

let io, httpServer, pool;
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
  const deadline = Date.now() + 10000;
  while (c.log.length < n) {
    const left = deadline - Date.now();
    if (left <= 0) throw new Error(`client has ${c.log.length} events, want ${n}: ${JSON.stringify(c.log).slice(0, 2000)}`);
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
      pool = new Pool({ connectionString: op.pg, max: 5 });
      pool.on("error", (err) => console.error("pg pool:", err.message));
      httpServer = createServer();
      const adapter = createAdapter(pool, {
        channelPrefix: op.channelPrefix,
        tableName: op.tableName,
        heartbeatInterval: op.heartbeatInterval || 5000,
        heartbeatTimeout: op.heartbeatTimeout || 10000,
        errorHandler: (err) => console.error("postgres adapter:", err && err.message),
      });
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
      // Default transports (polling, then the websocket upgrade): the adapter is under test here, not the transport.
      const socket = ioc(op.url, { forceNew: true, reconnection: false });
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
      return sockets.map((s) => ({ id: s.id, rooms: [...s.rooms].sort(), data: toWire(s.data) }));
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
    case "serverCount":
      return io.of("/").adapter.serverCount();
    case "stop": {
      for (const c of clients.values()) c.socket.disconnect();
      clients.clear();
      if (io) await new Promise((resolve) => io.close(() => resolve()));
      if (pool) await pool.end();
      return null;
    }
    default:
      throw new Error("unknown op " + op.op);
  }
});
