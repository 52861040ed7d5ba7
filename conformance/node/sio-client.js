// sio-client.js: drives official socket.io clients from a Go test
// (conformance/siointerop, through conformance/internal/nodeenv). One process
// hosts many clients at once, each named by the test ("c"), so that the
// scenarios of one client version run side by side in one Node process.
//
//   node sio-client.js 4   socket.io-client 4.8.x (protocol v5, Engine.IO v4)
//   node sio-client.js 2   socket.io-client-v2 = 2.5.x (protocol v4, Engine.IO v3)
//
// Commands arrive on stdin, one JSON document per line. Values that hold
// binary data use {"$bin":"<base64>"} at any depth, both ways.
//   {"op":"socket","c":"t1.a","url":"http://127.0.0.1:P/admin?x=1","opts":{...}}
//       io(url, {forceNew: true, ...opts}): a new Manager (one engine
//       connection) and its socket for the URL's namespace (v2 sends the URL's
//       query with the namespace's CONNECT)
//   {"op":"socket","c":"t1.b","on":"t1.a","nsp":"/admin","opts":{"auth":{...}}}
//       a socket for another namespace on the Manager of client "t1.a"
//   {"op":"emit","c":..,"name":"ev","args":[...],"req":"r1","timeout":ms}
//       emit; with req, the last argument is an ack callback reported as
//       {"event":"ackReply","req":"r1","args":[...]} (with timeout, v4 only:
//       socket.timeout(ms).emit, reported with "err" on timeout)
//   {"op":"ack","token":N,"args":[...]}  answer the server's ack request N
//   {"op":"disconnect","c":..}           socket.disconnect()
//   {"op":"connect","c":..}              socket.connect()
//   {"op":"closeEngine","c":..}          the engine connection closes from
//                                        the client side (socket.io.engine.close())
//   {"op":"deafen","c":..}               the engine ignores every packet it receives
//                                        (v4 still answers pings), so the client's own
//                                        heartbeat check ends the session: "ping timeout"
//   {"op":"stopHeartbeat","c":..}        the engine goes silent (no pongs for v4, no
//                                        pings for v2) and stops timing the server out,
//                                        so the server's heartbeat ends the session
//   {"op":"holdPolls","c":..,"hold":true|false}
//                                        the polling transport issues no new GET while
//                                        held; releasing it polls again
//   {"op":"sync","c":..,"id":"x"}        answered {"c":..,"event":"sync","id":"x"}: every
//                                        earlier command has been carried out
// Everything the clients see goes to stdout, one JSON document per line, each
// with the client's name in "c":
//   {"c":..,"event":"open","engineId":"..","transport":"polling"}   engine open
//   {"c":..,"event":"upgrade","transport":"websocket"}
//   {"c":..,"event":"connect","id":"..","recovered":false}
//   {"c":..,"event":"connect_error","message":"..","data":..}
//   {"c":..,"event":"error","data":..}                 v2: ERROR packets
//   {"c":..,"event":"disconnect","reason":".."}
//   {"c":..,"event":"event","name":"..","args":[..],"token":N}  token when the
//                                        server asked for an ack
//   {"c":..,"event":"ackReply","req":"..","args":[..]} / {..,"err":".."}
//   {"c":..,"event":"reconnect_attempt","attempt":N} / "reconnect" (Manager)
//   {"event":"fail","message":".."}      a command failed
// The script exits when stdin closes. Logs go to stderr.
"use strict";

const readline = require("node:readline");

const version = Number(process.argv[2]);
if (version !== 4 && version !== 2) {
  console.error("usage: node sio-client.js 4|2");
  process.exit(2);
}
const io = require(version === 4 ? "socket.io-client" : "socket.io-client-v2");

const sockets = new Map(); // name -> socket
const acks = new Map(); // token -> ack callback
let nextToken = 1;

function out(obj) {
  process.stdout.write(JSON.stringify(obj) + "\n");
}

function toBuffer(v) {
  if (Buffer.isBuffer(v)) return v;
  if (v instanceof ArrayBuffer) return Buffer.from(v);
  if (ArrayBuffer.isView(v)) return Buffer.from(v.buffer, v.byteOffset, v.byteLength);
  return null;
}

// enc turns received values into JSON, binary as {"$bin":base64}.
function enc(v) {
  const b = toBuffer(v);
  if (b) return { $bin: b.toString("base64") };
  if (Array.isArray(v)) return v.map(enc);
  if (v && typeof v === "object") {
    if (v instanceof Error) return { $error: v.message };
    const o = {};
    for (const k of Object.keys(v)) o[k] = enc(v[k]);
    return o;
  }
  return v === undefined ? null : v;
}

// dec turns {"$bin":base64} back into Buffers.
function dec(v) {
  if (Array.isArray(v)) return v.map(dec);
  if (v && typeof v === "object") {
    const keys = Object.keys(v);
    if (keys.length === 1 && keys[0] === "$bin") return Buffer.from(v.$bin, "base64");
    const o = {};
    for (const k of keys) o[k] = dec(v[k]);
    return o;
  }
  return v;
}

function get(name) {
  const s = sockets.get(name);
  if (!s) throw new Error(`no client ${JSON.stringify(name)}`);
  return s;
}

// watchManager reports the Manager's engine and reconnection events as client c's.
function watchManager(c, manager) {
  const onOpen = () => {
    const engine = manager.engine;
    out({ c, event: "open", engineId: engine.id, transport: engine.transport.name });
    engine.on("upgrade", (t) => out({ c, event: "upgrade", transport: (t && t.name) || engine.transport.name }));
  };
  manager.on("open", onOpen);
  if (manager.engine && manager.engine.readyState === "open") onOpen();
  manager.on("reconnect_attempt", (n) => out({ c, event: "reconnect_attempt", attempt: n }));
  manager.on("reconnect", (n) => out({ c, event: "reconnect", attempt: n }));
  manager.on("reconnect_failed", () => out({ c, event: "reconnect_failed" }));
}

function watchSocket(c, socket) {
  socket.on("connect", () => out({ c, event: "connect", id: socket.id, recovered: !!socket.recovered }));
  socket.on("connect_error", (err) =>
    out({ c, event: "connect_error", message: err && err.message !== undefined ? err.message : String(err), data: enc(err && err.data) }),
  );
  socket.on("disconnect", (reason) => out({ c, event: "disconnect", reason }));
  if (version === 2) socket.on("error", (data) => out({ c, event: "error", data: enc(data) }));
  const onEvent = (name, args) => {
    let token = null;
    if (args.length > 0 && typeof args[args.length - 1] === "function") {
      token = nextToken++;
      acks.set(token, args.pop());
    }
    out({ c, event: "event", name, args: enc(args), token });
  };
  if (version === 4) {
    socket.onAny((name, ...args) => onEvent(name, args));
  } else {
    // socket.io-client 2.x has no onAny: hook the method that dispatches events.
    const orig = socket.onevent;
    socket.onevent = function (packet) {
      const args = (packet.data || []).slice();
      if (packet.id != null) args.push(this.ack(packet.id));
      onEvent(args.shift(), args);
      return orig.call(this, packet);
    };
  }
}

function newSocket(cmd) {
  if (sockets.has(cmd.c)) throw new Error(`client ${cmd.c} exists`);
  let socket;
  const opts = Object.assign({}, dec(cmd.opts || {}));
  if (cmd.on) {
    socket = get(cmd.on).io.socket(cmd.nsp, opts);
  } else {
    socket = io(cmd.url, Object.assign({ forceNew: true }, opts));
    watchManager(cmd.c, socket.io);
  }
  sockets.set(cmd.c, socket);
  watchSocket(cmd.c, socket);
}

function emit(cmd) {
  const socket = get(cmd.c);
  const args = dec(cmd.args || []);
  let target = socket;
  if (cmd.timeout !== undefined) target = socket.timeout(cmd.timeout);
  if (cmd.req !== undefined) {
    if (cmd.timeout !== undefined) {
      args.push((err, ...res) =>
        out({ c: cmd.c, event: "ackReply", req: cmd.req, err: err ? err.message : undefined, args: enc(res) }),
      );
    } else {
      args.push((...res) => out({ c: cmd.c, event: "ackReply", req: cmd.req, args: enc(res) }));
    }
  }
  target.emit(cmd.name, ...args);
}

function engineOf(c) {
  const engine = get(c).io.engine;
  if (!engine) throw new Error(`client ${c} has no engine`);
  return engine;
}

// deafen drops every packet the engine receives, so that its heartbeat check
// fires. socket.io-client 4 (Engine.IO v4) still answers the server's pings, so
// that the server keeps the session and the client is the side that times out.
function deafen(c) {
  const engine = engineOf(c);
  const t = engine.transport;
  t.onPacket = (packet) => {
    if (version === 4 && packet.type === "ping") engine._sendPacket("pong");
  };
}

// stopHeartbeat makes the engine silent without closing anything, so that the
// server's heartbeat ends the session (as engine-client.js does).
function stopHeartbeat(c) {
  const engine = engineOf(c);
  if (version === 4) {
    const send = engine._sendPacket.bind(engine);
    engine._sendPacket = (type, ...rest) => (type === "pong" ? undefined : send(type, ...rest));
    engine._resetPingTimeout = () => {};
    engine.clearTimeoutFn(engine._pingTimeoutTimer);
    engine._pingTimeoutTime = Infinity;
  } else {
    clearTimeout(engine.pingIntervalTimer);
    clearTimeout(engine.pingTimeoutTimer);
    engine.removeListener("heartbeat", engine.onHeartbeat);
    engine.setPing = () => {};
    engine.onHeartbeat = () => {};
  }
}

const heldPoll = new Map(); // client -> the transport's own poll method
function holdPolls(c, hold) {
  const t = engineOf(c).transport;
  if (t.name !== "polling") throw new Error(`holdPolls: transport is ${t.name}`);
  const key = version === 4 ? "_poll" : "poll";
  if (hold) {
    if (heldPoll.has(c)) return;
    heldPoll.set(c, { t, orig: t[key], pending: false });
    t[key] = function () {
      heldPoll.get(c).pending = true;
    };
    return;
  }
  const h = heldPoll.get(c);
  if (!h) return;
  heldPoll.delete(c);
  delete h.t[key]; // back to the prototype's method
  if (h.pending) h.t[key]();
}

function handle(cmd) {
  switch (cmd.op) {
    case "socket":
      return newSocket(cmd);
    case "emit":
      return emit(cmd);
    case "ack": {
      const fn = acks.get(cmd.token);
      if (!fn) throw new Error(`no ack ${cmd.token}`);
      acks.delete(cmd.token);
      return fn(...dec(cmd.args || []));
    }
    case "disconnect":
      return get(cmd.c).disconnect();
    case "connect":
      return get(cmd.c).connect();
    case "closeEngine":
      return engineOf(cmd.c).close();
    case "deafen":
      return deafen(cmd.c);
    case "stopHeartbeat":
      return stopHeartbeat(cmd.c);
    case "holdPolls":
      return holdPolls(cmd.c, !!cmd.hold);
    case "sync":
      return out({ c: cmd.c, event: "sync", id: cmd.id });
    default:
      throw new Error(`unknown op ${JSON.stringify(cmd.op)}`);
  }
}

const rl = readline.createInterface({ input: process.stdin, crlfDelay: Infinity });
rl.on("line", (line) => {
  let cmd = {};
  try {
    cmd = JSON.parse(line);
    handle(cmd);
  } catch (err) {
    out({ c: cmd.c, event: "fail", message: `command ${line}: ${err && err.stack ? err.stack : err}` });
  }
});
rl.on("close", () => process.exit(0));
out({ event: "ready" });
