// msgpack-client.js: socket.io-client 4.8.x configured with socket.io-msgpack-parser
// 3.0.2, running one fixed scenario against a server, for
// conformance/msgpackinterop (through conformance/internal/nodeenv).
//
//   node msgpack-client.js <url> <transports>   transports: "polling",
//                                               "websocket" or "polling,websocket"
//
// The scenario, all on one Manager (one engine connection):
//   1. connect to "/"; the server emits "welcome" with binary on connection
//   2. emit "echo" ("text", <05 06>, {n:1.5, list:[1,"a",null], bin:<07>}) with an
//      ack; the server acknowledges with the same arguments
//   3. the server emits "ask" (<0a>) with an ack; we answer ("answer", <08 09>)
//   4. connect to "/admin" with auth {token:"t0k"}; the server emits "adminHello"
//   5. connect to "/private", which the server's middleware refuses with data
// Sockets for other namespaces connect on creation (the Manager is open). Every observation is one JSON line on stdout; binary as {"$bin":"<base64>"}:
//   {"event":"connect","nsp":"/"}
//   {"event":"event","nsp":"..","name":"..","args":[..]}
//   {"event":"ackReply","nsp":"/","args":[..]}
//   {"event":"connect_error","nsp":"/private","message":"..","data":..}
//   {"event":"upgrade","transport":"websocket"}
//   {"event":"done","transport":".."} (with two transports, once upgraded) and then
//                                    it disconnects and exits
//   {"event":"fail","message":".."} on any unexpected error
// Logs go to stderr.
"use strict";

const { io } = require("socket.io-client");
const parser = require("socket.io-msgpack-parser");

const [url, transportsArg] = process.argv.slice(2);
const transports = transportsArg.split(",");

function out(obj) {
  process.stdout.write(JSON.stringify(obj) + "\n");
}

function enc(v) {
  if (Buffer.isBuffer(v)) return { $bin: v.toString("base64") };
  if (v instanceof ArrayBuffer) return { $bin: Buffer.from(v).toString("base64") };
  if (ArrayBuffer.isView(v)) return { $bin: Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString("base64") };
  if (Array.isArray(v)) return v.map(enc);
  if (v !== null && typeof v === "object") {
    const o = {};
    for (const k of Object.keys(v)) o[k] = enc(v[k]);
    return o;
  }
  return v;
}

function fail(msg) {
  out({ event: "fail", message: String(msg) });
  process.exit(1);
}

setTimeout(() => fail("scenario timed out"), 20000).unref();

const opts = { transports, parser, forceNew: true, reconnection: false, upgrade: transports.length > 1 };
const root = io(url, opts);
const manager = root.io;

root.on("connect_error", (err) => fail("connect_error on /: " + err.message));
manager.on("open", () => {
  manager.engine.on("upgrade", (t) => out({ event: "upgrade", transport: t.name }));
});

const welcome = new Promise((resolve) => {
  root.on("welcome", (...args) => {
    out({ event: "event", nsp: "/", name: "welcome", args: enc(args) });
    resolve();
  });
});
const asked = new Promise((resolve) => {
  root.on("ask", (...args) => {
    const ack = args.pop();
    out({ event: "event", nsp: "/", name: "ask", args: enc(args) });
    ack("answer", Buffer.from([8, 9]));
    resolve();
  });
});

root.on("connect", async () => {
  out({ event: "connect", nsp: "/" });
  try {
    await welcome;
    const reply = await new Promise((resolve) =>
      root.emit("echo", "text", Buffer.from([5, 6]), { n: 1.5, list: [1, "a", null], bin: Buffer.from([7]) }, (...a) => resolve(a))
    );
    out({ event: "ackReply", nsp: "/", args: enc(reply) });
    await asked;

    const admin = manager.socket("/admin", { auth: { token: "t0k" } });
    await new Promise((resolve, reject) => {
      admin.on("adminHello", (...args) => {
        out({ event: "event", nsp: "/admin", name: "adminHello", args: enc(args) });
        resolve();
      });
      admin.on("connect_error", (err) => reject(new Error("connect_error on /admin: " + err.message)));
    });

    const priv = manager.socket("/private");
    await new Promise((resolve, reject) => {
      priv.on("connect", () => reject(new Error("/private accepted the connection")));
      priv.on("connect_error", (err) => {
        out({ event: "connect_error", nsp: "/private", message: err.message, data: enc(err.data) });
        resolve();
      });
    });

    if (transports.length > 1 && manager.engine.transport.name !== "websocket") {
      await new Promise((resolve) => manager.engine.once("upgrade", resolve)); // the upgrade may be slow
    }
    out({ event: "done", transport: manager.engine.transport.name });
    admin.disconnect();
    root.disconnect();
    setTimeout(() => process.exit(0), 50);
  } catch (err) {
    fail(err && err.stack ? err.stack : err);
  }
});
