// nodeenv-selftest.js: the script the tests of conformance/internal/nodeenv run.
// Modes (first argument):
//   announce  print {"port":N,"env":$NODEENV_SELFTEST} after listening on 127.0.0.1:0, then wait
//   bridge    nodeenv bridge: {"echo":x} -> {"echo":x}; {"throw":"m"} -> bridgeError; {"exit":n} exits
//   crash     write "boom" to stderr and exit 3
//   spawn     start a child process that runs forever, print {"child":pid}, then wait
"use strict";

const net = require("node:net");
const { serve } = require("./line-bridge.js");

const mode = process.argv[2];
if (mode === "announce") {
  const server = net.createServer((c) => c.end("hello\n"));
  server.listen(0, "127.0.0.1", () => {
    console.log(JSON.stringify({ port: server.address().port, env: process.env.NODEENV_SELFTEST || "" }));
  });
} else if (mode === "bridge") {
  serve(async (req) => {
    if (req.throw !== undefined) throw new Error(req.throw);
    if (req.exit !== undefined) {
      console.error("exiting on request");
      process.exit(req.exit);
    }
    return { echo: req.echo };
  });
} else if (mode === "spawn") {
  const { spawn } = require("node:child_process");
  const child = spawn(process.execPath, ["-e", "setInterval(() => {}, 1000)"], { stdio: "ignore" });
  console.log(JSON.stringify({ child: child.pid }));
  setInterval(() => {}, 1000);
} else if (mode === "crash") {
  console.error("boom");
  process.exit(3);
} else {
  console.error("unknown mode " + mode);
  process.exit(2);
}
