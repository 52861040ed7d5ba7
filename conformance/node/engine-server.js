// engine-server.js: an official engine.io echo server for Go client interop tests
// (conformance/engineio_client_interop_test.go, through conformance/internal/nodeenv).
//
// Flags (argv) or environment:
//   --version=6|3        engine.io 6.6.x (protocol 4, default) or engine.io-v3 3.6.x (protocol 3)
//   --port=N             port on 127.0.0.1 (PORT env; default 0: a free port)
//   --ping-interval=MS   pingInterval (default 25000)
//   --ping-timeout=MS    pingTimeout (default 20000)
//   --transports=a,b     transports served (default polling,websocket)
//   --no-upgrades        allowUpgrades: false
//
// stdout, one JSON document per line:
//   {"port":N}                                     first line, once listening
//   {"event":"connection","id":"...","transport":"polling","protocol":4}
//   {"event":"message","id":"...","text":"..."} / {"event":"message","id":"...","binary":"<base64>"}
//   {"event":"upgrade","id":"...","transport":"websocket"}
//   {"event":"close","id":"...","reason":"transport close"}
//   {"event":"ack","cmd":"..."}                    after a stdin command took effect
// Every message is echoed back to its sender unchanged (text stays text, binary stays binary).
//
// stdin commands, one JSON document per line (applied to every open socket):
//   {"cmd":"send","text":"..."} / {"cmd":"send","binary":"<base64>"}
//   {"cmd":"close"}            socket.close() (server-side close)
//   {"cmd":"stopHeartbeat"}    the server goes silent on heartbeats: v4 stops pinging, v3 stops
//                              answering pings; its own timeout check is off as well, so only
//                              the client can end the session
// The script exits when stdin closes. Logs go to stderr.
"use strict";

const http = require("node:http");
const readline = require("node:readline");

function flag(name, def) {
  const prefix = `--${name}=`;
  for (const a of process.argv.slice(2)) {
    if (a === `--${name}`) return true;
    if (a.startsWith(prefix)) return a.slice(prefix.length);
  }
  return def;
}

const version = String(flag("version", process.env.ENGINE_VERSION || "6"));
const port = Number(flag("port", process.env.PORT || 0));
const opts = {
  pingInterval: Number(flag("ping-interval", 25000)),
  pingTimeout: Number(flag("ping-timeout", 20000)),
  transports: String(flag("transports", "polling,websocket")).split(","),
  allowUpgrades: !flag("no-upgrades", false),
};

const engine = require(version === "3" ? "engine.io-v3" : "engine.io");

function emit(obj) {
  process.stdout.write(JSON.stringify(obj) + "\n");
}

function toBuffer(data) {
  if (Buffer.isBuffer(data)) return data;
  if (data instanceof ArrayBuffer) return Buffer.from(data);
  if (ArrayBuffer.isView(data)) return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  return null;
}

const sockets = new Set();
const httpServer = http.createServer();
const server = engine.attach(httpServer, opts);

server.on("connection", (socket) => {
  sockets.add(socket);
  emit({ event: "connection", id: socket.id, transport: socket.transport.name, protocol: socket.protocol || 3 });
  socket.on("message", (data) => {
    const buf = toBuffer(data);
    if (buf) emit({ event: "message", id: socket.id, binary: buf.toString("base64") });
    else emit({ event: "message", id: socket.id, text: data });
    socket.send(data);
  });
  socket.on("upgrade", (transport) => {
    emit({ event: "upgrade", id: socket.id, transport: transport.name });
  });
  socket.on("close", (reason) => {
    sockets.delete(socket);
    emit({ event: "close", id: socket.id, reason });
  });
});

function stopHeartbeat(socket) {
  if (version === "3") {
    const send = socket.sendPacket.bind(socket);
    socket.sendPacket = (type, ...rest) => {
      if (type !== "pong") send(type, ...rest);
    };
    clearTimeout(socket.pingTimeoutTimer);
    socket.setPingTimeout = () => {};
  } else {
    clearTimeout(socket.pingIntervalTimer);
    clearTimeout(socket.pingTimeoutTimer);
    socket.schedulePing = () => {};
    socket.resetPingTimeout = () => {};
  }
}

function command(cmd) {
  for (const socket of sockets) {
    switch (cmd.cmd) {
      case "send":
        socket.send(cmd.binary !== undefined ? Buffer.from(cmd.binary, "base64") : cmd.text);
        break;
      case "close":
        socket.close();
        break;
      case "stopHeartbeat":
        stopHeartbeat(socket);
        break;
      default:
        throw new Error(`unknown command ${cmd.cmd}`);
    }
  }
  emit({ event: "ack", cmd: cmd.cmd });
}

httpServer.listen(port, "127.0.0.1", () => {
  emit({ port: httpServer.address().port });
});

const rl = readline.createInterface({ input: process.stdin, crlfDelay: Infinity });
rl.on("line", (line) => {
  try {
    command(JSON.parse(line));
  } catch (err) {
    console.error("engine-server.js:", err);
    emit({ event: "error", message: String(err) });
  }
});
rl.on("close", () => process.exit(0));
