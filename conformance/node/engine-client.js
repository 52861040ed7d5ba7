// engine-client.js: drives one official engine.io client from a Go test
// (conformance/enginetest, through conformance/internal/nodeenv).
//
// Commands arrive on stdin, one JSON document per line:
//   {"op":"open","version":4,"url":"http://127.0.0.1:PORT","transports":["polling"],"upgrade":false}
//       version 4 uses engine.io-client (6.6.x), version 3 engine.io-client-v3 (3.5.x)
//   {"op":"send","text":"..."}          a text message
//   {"op":"send","binary":"<base64>"}   a binary message
//   {"op":"close"}                      socket.close()
//   {"op":"stopHeartbeat"}              the client goes silent: no more pings (v3) or
//                                       pongs (v4), and its own timeout check is off, so
//                                       only the server can end the session
//   {"op":"crash"}                      the process kills itself (SIGKILL): every
//                                       connection drops with no close packet or frame
// Everything the client sees goes to stdout, one JSON document per line:
//   {"event":"ready"}                             the script is listening for commands
//   {"event":"open","id":"<sid>","transport":"polling"}
//   {"event":"upgrade","transport":"websocket"}
//   {"event":"message","text":"..."} / {"event":"message","binary":"<base64>"}
//   {"event":"close","reason":"transport close","description":"..."}
//   {"event":"error","message":"..."}
//   {"event":"stopped"}                           after stopHeartbeat took effect
// The script exits when stdin closes. Logs go to stderr.
"use strict";

const readline = require("node:readline");

let socket = null;
let version = 0;

function emit(obj) {
  process.stdout.write(JSON.stringify(obj) + "\n");
}

function describe(d) {
  if (d === undefined || d === null) return undefined;
  if (d instanceof Error) return d.message + (d.description ? ` (${describe(d.description)})` : "");
  if (typeof d === "string") return d;
  if (d.message) return String(d.message);
  if (d.type) return String(d.type);
  try {
    return JSON.stringify(d);
  } catch (e) {
    return String(d);
  }
}

function toBuffer(data) {
  if (Buffer.isBuffer(data)) return data;
  if (data instanceof ArrayBuffer) return Buffer.from(data);
  if (ArrayBuffer.isView(data)) return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  return null;
}

function open(cmd) {
  if (socket) throw new Error("open: a socket is already open");
  version = cmd.version;
  const opts = { transports: cmd.transports, upgrade: !!cmd.upgrade };
  if (version === 4) {
    const { Socket } = require("engine.io-client");
    socket = new Socket(cmd.url, opts);
  } else if (version === 3) {
    const eio = require("engine.io-client-v3");
    socket = eio(cmd.url, opts);
  } else {
    throw new Error(`open: unknown version ${version}, want 3 or 4`);
  }
  socket.binaryType = version === 4 ? "nodebuffer" : "arraybuffer";
  socket.on("open", () => emit({ event: "open", id: socket.id, transport: socket.transport.name }));
  socket.on("upgrade", (t) => emit({ event: "upgrade", transport: (t && t.name) || socket.transport.name }));
  socket.on("message", (data) => {
    const buf = toBuffer(data);
    if (buf) emit({ event: "message", binary: buf.toString("base64") });
    else emit({ event: "message", text: String(data) });
  });
  socket.on("error", (err) => emit({ event: "error", message: describe(err) }));
  socket.on("close", (reason, desc) => emit({ event: "close", reason, description: describe(desc) }));
}

// stopHeartbeat makes the client silent without closing anything, so that the
// server's heartbeat is what ends the session.
function stopHeartbeat() {
  if (version === 4) {
    // The server pings, the client answers pong from _onPacket and re-arms its
    // own timeout (pingInterval + pingTimeout) in _resetPingTimeout.
    const send = socket._sendPacket.bind(socket);
    socket._sendPacket = (type, ...rest) => (type === "pong" ? undefined : send(type, ...rest));
    socket._resetPingTimeout = () => {};
    socket.clearTimeoutFn(socket._pingTimeoutTimer);
    socket._pingTimeoutTime = Infinity;
  } else {
    // The client pings from setPing's timer and times the server out in
    // onHeartbeat, which runs on every packet.
    clearTimeout(socket.pingIntervalTimer);
    clearTimeout(socket.pingTimeoutTimer);
    socket.removeListener("heartbeat", socket.onHeartbeat);
    socket.setPing = () => {};
    socket.onHeartbeat = () => {};
  }
  emit({ event: "stopped" });
}

function handle(cmd) {
  switch (cmd.op) {
    case "open":
      return open(cmd);
    case "send":
      if (!socket) throw new Error("send: no socket");
      if (cmd.binary !== undefined) {
        const buf = Buffer.from(cmd.binary, "base64");
        // engine.io-client 3.x detects binary by ArrayBuffer/Buffer; both accept a Buffer.
        return socket.send(version === 4 ? buf : buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
      }
      return socket.send(cmd.text);
    case "close":
      if (!socket) throw new Error("close: no socket");
      return socket.close();
    case "stopHeartbeat":
      if (!socket) throw new Error("stopHeartbeat: no socket");
      return stopHeartbeat();
    case "crash":
      return process.kill(process.pid, "SIGKILL");
    default:
      throw new Error(`unknown op ${JSON.stringify(cmd.op)}`);
  }
}

const rl = readline.createInterface({ input: process.stdin, crlfDelay: Infinity });
rl.on("line", (line) => {
  try {
    handle(JSON.parse(line));
  } catch (err) {
    emit({ event: "error", message: `command ${line}: ${err && err.stack ? err.stack : err}` });
  }
});
rl.on("close", () => process.exit(0));
emit({ event: "ready" });
