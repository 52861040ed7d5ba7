// The loadgen server contract (see cmd/loadgen's doc comment) on the official
// socket.io package: node contract-server.js [--v2]. Prints {"port":N} once it
// listens on 127.0.0.1; exits when stdin closes. Runs with conformance/node as its
// working directory, whose node_modules hold the pinned packages.
const path = require("path");
const req = require("module").createRequire(path.join(process.cwd(), "package.json"));
const http = require("http");

const v2 = process.argv.includes("--v2");
const srv = http.createServer();
const io = v2 ? req("socket.io-v2")(srv) : new (req("socket.io").Server)(srv);

io.on("connection", (s) => {
  s.on("echo", (...a) => a.pop()(...a));
  s.on("bcast", (...a) => io.emit("bcast", ...a));
  s.on("join", (room, ack) => { s.join(room); ack(); });
  s.on("room", (room, p) => io.to(room).emit("room", room, p));
});

srv.listen(0, "127.0.0.1", () => {
  process.stdout.write(JSON.stringify({ port: srv.address().port }) + "\n");
});
process.stdin.on("end", () => process.exit(0));
process.stdin.resume();
