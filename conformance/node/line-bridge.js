// line-bridge.js: the Node side of a nodeenv.Bridge (conformance/internal/nodeenv).
//
// serve(handler) reads one JSON document per line on stdin, awaits
// handler(request), and writes the answer as one JSON line on stdout, in
// request order. A handler that throws is answered {"bridgeError":"message"}
// and the bridge keeps serving. The process exits when stdin closes.
// Log with console.error: stdout carries answers only.
"use strict";

const readline = require("node:readline");

function serve(handler) {
  const rl = readline.createInterface({ input: process.stdin, crlfDelay: Infinity });
  // Answers go out in request order even when handlers are async.
  let chain = Promise.resolve();
  rl.on("line", (line) => {
    chain = chain.then(async () => {
      let out;
      try {
        const answer = await handler(JSON.parse(line));
        out = JSON.stringify(answer === undefined ? null : answer);
      } catch (err) {
        out = JSON.stringify({ bridgeError: String((err && err.stack) || err) });
      }
      await write(out + "\n");
    });
  });
  rl.on("close", () => {
    chain.then(() => process.exit(0));
  });
}

function write(s) {
  return new Promise((resolve) => {
    if (process.stdout.write(s)) resolve();
    else process.stdout.once("drain", resolve);
  });
}

module.exports = { serve };
