// bench-parser.js: socket.io-parser 4.2.7 encode/decode throughput, for the
// parser table in BENCHMARKS.md (run through conformance/scripts/bench-parser.sh).
//
//   node bench-parser.js [--time=ms] [--rounds=n]
//       prints one JSON line per case: {"op":"encode","case":"small","opsPerSec":…}
//   node bench-parser.js --update <go-bench-output> <BENCHMARKS.md> <node-json-lines> <command>
//       rewrites the parser section of BENCHMARKS.md from both results
//
// The packets are the ones the Go benchmarks (BenchmarkEncode/…, BenchmarkDecode/…
// in parser/) use:
//   small      EVENT ["chat",{"user":"a","text":"hello"}]
//   binary1k   EVENT ["upload", <1 KiB of zeros>]  (1 text frame + 1 binary frame)
//   string64k  EVENT ["big", <65536 × "x">]
// Encode: packet object -> frames. Decode: frames -> packet, through one
// Decoder (its "decoded" event), as a connection does.
"use strict";

const fs = require("node:fs");
const os = require("node:os");
const { Encoder, Decoder, PacketType } = require("socket.io-parser");

// The payload values are made once, as an application would hold them; the
// encoder does not modify the packet it is given (it copies the data to put
// placeholders in).
const big = "x".repeat(65536);
const blob = Buffer.alloc(1024); // zeros, as make([]byte, 1024)
const CASES = {
  small: () => ({ type: PacketType.EVENT, nsp: "/", data: ["chat", { user: "a", text: "hello" }] }),
  binary1k: () => ({ type: PacketType.EVENT, nsp: "/", data: ["upload", blob] }),
  string64k: () => ({ type: PacketType.EVENT, nsp: "/", data: ["big", big] }),
};

function arg(name, def) {
  const a = process.argv.find((s) => s.startsWith("--" + name + "="));
  return a ? Number(a.split("=")[1]) : def;
}

// measure runs fn in batches for about ms milliseconds and returns ops/s.
function measure(fn, ms) {
  let n = 0;
  let batch = 1;
  const start = process.hrtime.bigint();
  const limit = BigInt(ms) * 1000000n;
  let elapsed = 0n;
  while (elapsed < limit) {
    for (let i = 0; i < batch; i++) fn();
    n += batch;
    if (batch < 1 << 16) batch *= 2;
    elapsed = process.hrtime.bigint() - start;
  }
  return n / (Number(elapsed) / 1e9);
}

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

function bench() {
  const ms = arg("time", 1000);
  const rounds = arg("rounds", 3);
  const encoder = new Encoder();
  for (const [name, make] of Object.entries(CASES)) {
    const packet = make();
    const encode = () => encoder.encode(packet);
    const frames = encoder.encode(make());
    const decoder = new Decoder();
    let got = 0;
    decoder.on("decoded", () => got++);
    const decode = () => {
      for (const f of frames) decoder.add(f);
    };
    decode();
    if (got !== 1) throw new Error(name + ": decoder did not return the packet");
    for (const [op, fn] of [["encode", encode], ["decode", decode]]) {
      measure(fn, Math.min(ms, 300)); // warm up the JIT
      const results = [];
      for (let r = 0; r < rounds; r++) results.push(measure(fn, ms));
      console.log(JSON.stringify({ op, case: name, opsPerSec: Math.round(median(results)) }));
    }
  }
}

// parseGo reads `go test -bench` output: BenchmarkEncode/small-2  N  950 ns/op  120 B/op  3 allocs/op
// and keeps the median ns/op (and its allocs/op) per benchmark.
function parseGo(text) {
  const runs = {};
  for (const line of text.split("\n")) {
    const m = line.match(/^Benchmark(Encode|Decode)\/(\S+?)(?:-\d+)?\s+\d+\s+([\d.]+) ns\/op(.*)$/);
    if (!m) continue;
    const allocs = (m[4].match(/([\d.]+) allocs\/op/) || [])[1];
    const bytes = (m[4].match(/([\d.]+) B\/op/) || [])[1];
    const key = m[1].toLowerCase() + "/" + m[2];
    (runs[key] = runs[key] || []).push({ ns: Number(m[3]), allocs, bytes });
  }
  const out = {};
  for (const [k, rs] of Object.entries(runs)) {
    rs.sort((a, b) => a.ns - b.ns);
    out[k] = rs[Math.floor(rs.length / 2)];
  }
  return out;
}

function fmt(n) {
  return n === undefined ? "–" : Math.round(n).toLocaleString("en-US");
}

function update(goFile, mdFile, nodeFile, command) {
  const goText = fs.readFileSync(goFile, "utf8");
  const go = parseGo(goText);
  const node = {};
  for (const line of fs.readFileSync(nodeFile, "utf8").split("\n")) {
    if (line.trim() === "") continue;
    const r = JSON.parse(line);
    node[r.op + "/" + r.case] = r.opsPerSec;
  }
  const cpu = (goText.match(/^cpu: (.*)$/m) || [])[1] || os.cpus()[0].model;
  const goVersion = (goText.match(/^goversion: (.*)$/m) || [])[1] || "";
  const rows = [];
  for (const op of ["encode", "decode"]) {
    for (const c of Object.keys(CASES)) {
      const k = op + "/" + c;
      const g = go[k];
      const gops = g ? 1e9 / g.ns : undefined;
      const n = node[k];
      const ratio = gops && n ? (gops / n).toFixed(2) + "×" : "–";
      rows.push(`| ${k} | ${fmt(gops)} | ${fmt(n)} | ${ratio} | ${g && g.allocs !== undefined ? g.allocs : "–"} | ${g && g.bytes !== undefined ? g.bytes : "–"} |`);
    }
  }
  const section = [
    "<!-- parser:begin (written by conformance/scripts/bench-parser.sh; edit the script, not this table) -->",
    "## Parser: socket.io packets, encode and decode",
    "",
    "Our `parser` (protocol v5, default options) against the official `socket.io-parser` 4.2.7,",
    "one packet per operation, on the same machine in the same run. Ratio = Go ops/s ÷ Node ops/s.",
    "",
    "| case | Go ops/s | Node ops/s | ratio | Go allocs/op | Go B/op |",
    "|---|---:|---:|---:|---:|---:|",
    ...rows,
    "",
    "Cases: `small` = EVENT `[\"chat\",{\"user\":\"a\",\"text\":\"hello\"}]`; `binary1k` = EVENT",
    "`[\"upload\", <1 KiB of zeros>]` (a text frame and a binary frame); `string64k` = EVENT",
    "`[\"big\", <64 KiB of x>]`. Encode starts from Go values / a JS object and ends with the",
    "frames; decode starts from the frames and ends with the packet. Our decoder validates the",
    "JSON but leaves the payload undecoded (`json.RawMessage`; the socket.io layer decodes the",
    "arguments into the handler's parameter types), while socket.io-parser runs `JSON.parse`.",
    "",
    `Machine: ${cpu}, ${os.cpus().length} cores shared with other work (load average ${os.loadavg().map((x) => x.toFixed(1)).join("/")} at the end; figures from a loaded machine are noisy); ${goVersion || "go"}, node ${process.version};`,
    `${new Date().toISOString().slice(0, 16).replace("T", " ")} UTC. Go figures are the median of the runs, Node figures the`,
    "median of 3 one-second rounds after a warm-up.",
    "",
    "Reproduce:",
    "",
    "```sh",
    command,
    "```",
    "<!-- parser:end -->",
  ].join("\n");

  let md = fs.existsSync(mdFile) ? fs.readFileSync(mdFile, "utf8") : "# Benchmarks\n\nMeasured figures, each section written by the script it names.\n";
  const re = /<!-- parser:begin[\s\S]*?<!-- parser:end -->/;
  md = re.test(md) ? md.replace(re, () => section) : md.trimEnd() + "\n\n" + section + "\n";
  fs.writeFileSync(mdFile, md);
  console.log(section);
}

if (process.argv[2] === "--update") {
  update(process.argv[3], process.argv[4], process.argv[5], process.argv[6]);
} else {
  bench();
}
