// msgpack-server.js: the official socket.io 4.8.x server configured with
// socket.io-msgpack-parser 3.0.2, for the Go client's msgpack interop test
// (conformance/msgpackinterop).
//
// It listens on 127.0.0.1 port 0 and prints {"port":N} on stdout, then one line per
// observation (binary as {"$bin":"<base64>"}):
//   {"event":"connection","nsp":"..","auth":{..}}
//   {"event":"echo","args":[..]}          the arguments of an "echo" it received
//   {"event":"answer","args":[..]}        the client's answer to "ask"
// On connection to "/" it emits "hello"("hi", <01 02 03>, {nested: <04>}).
// "echo"(...args, ack) is acknowledged with the same arguments; then it emits
// "ask"(<0a>) with an ack. It exits when stdin closes. Logs go to stderr.
"use strict";

const http = require("node:http");
const { Server } = require("socket.io");
const parser = require("socket.io-msgpack-parser");

const out = (o) => process.stdout.write(JSON.stringify(o) + "\n");

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

const httpServer = http.createServer();
const io = new Server(httpServer, { parser });

function setup(nsp) {
  nsp.on("connection", (socket) => {
    out({ event: "connection", nsp: nsp.name, auth: enc(socket.handshake.auth) });
    if (nsp.name === "/") socket.emit("hello", "hi", Buffer.from([1, 2, 3]), { nested: Buffer.from([4]) });
    socket.on("echo", (...args) => {
      const ack = args.pop();
      out({ event: "echo", args: enc(args) });
      ack(...args);
      socket.emit("ask", Buffer.from([10]), (...answer) => out({ event: "answer", args: enc(answer) }));
    });
  });
}
setup(io.of("/"));
setup(io.of("/admin"));

httpServer.listen(0, "127.0.0.1", () => out({ port: httpServer.address().port }));
process.stdin.on("end", () => process.exit(0));
process.stdin.resume();
