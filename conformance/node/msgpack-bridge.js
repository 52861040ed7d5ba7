// msgpack-bridge.js: a nodeenv bridge (see line-bridge.js) to the official
// socket.io-msgpack-parser 3.0.2 (notepack.io 2.2), for the differential tests in
// conformance/msgpackinterop.
//
// Wire forms:
//   frame   base64 of the one binary frame
//   packet  {"type":2,"nsp":"/x","id":7,"data":…}; "id" and "data" absent when the
//           packet has none. Binary values inside data are tagged
//           {"__gosockio_bin":"<base64>"}.
//
// Requests (one JSON line each) and answers:
//   {"op":"encode","packets":[packet…]}  keys in the order type, data, nsp, id
//       -> {"results":[{"frame":"…"} | {"error":"…"}]}
//   {"op":"decode","frames":["…"]}       one fresh Decoder per frame
//       -> {"results":[{"packet":packet} | {"error":"…"}]}
"use strict";

const { serve } = require("./line-bridge.js");
const mp = require("socket.io-msgpack-parser");

const BIN = "__gosockio_bin";

function isBin(v) {
  return Buffer.isBuffer(v) || v instanceof ArrayBuffer || ArrayBuffer.isView(v);
}

function fromWire(v) {
  if (Array.isArray(v)) return v.map(fromWire);
  if (v !== null && typeof v === "object") {
    const keys = Object.keys(v);
    if (keys.length === 1 && keys[0] === BIN) return Buffer.from(v[BIN], "base64");
    const out = {};
    for (const k of keys) {
      Object.defineProperty(out, k, { value: fromWire(v[k]), enumerable: true, writable: true, configurable: true });
    }
    return out;
  }
  return v;
}

function toWire(v) {
  if (isBin(v)) {
    const buf = Buffer.isBuffer(v) ? v : v instanceof ArrayBuffer ? Buffer.from(v) : Buffer.from(v.buffer, v.byteOffset, v.byteLength);
    return { [BIN]: buf.toString("base64") };
  }
  if (Array.isArray(v)) return v.map(toWire);
  if (v !== null && typeof v === "object" && !(v instanceof Date)) {
    const out = {};
    for (const k of Object.keys(v)) {
      Object.defineProperty(out, k, { value: toWire(v[k]), enumerable: true, writable: true, configurable: true });
    }
    return out;
  }
  return v;
}

function encode(p) {
  const pkt = { type: p.type };
  if ("data" in p) pkt.data = fromWire(p.data);
  pkt.nsp = p.nsp;
  if (p.id !== undefined && p.id !== null) pkt.id = p.id;
  const frames = new mp.Encoder().encode(pkt);
  if (frames.length !== 1) throw new Error("encoder produced " + frames.length + " frames");
  return Buffer.from(frames[0]).toString("base64");
}

function decode(b64) {
  const d = new mp.Decoder();
  let got = null;
  d.on("decoded", (p) => (got = p));
  d.add(Buffer.from(b64, "base64"));
  if (!got) throw new Error("no packet");
  const out = { type: got.type, nsp: got.nsp };
  if (got.id !== undefined) out.id = got.id;
  if (got.data !== undefined) out.data = toWire(got.data);
  return out;
}

serve((req) => {
  switch (req.op) {
    case "encode":
      return {
        results: req.packets.map((p) => {
          try {
            return { frame: encode(p) };
          } catch (err) {
            return { error: String((err && err.message) || err) };
          }
        }),
      };
    case "decode":
      return {
        results: req.frames.map((f) => {
          try {
            return { packet: decode(f) };
          } catch (err) {
            return { error: String((err && err.message) || err) };
          }
        }),
      };
    default:
      throw new Error("unknown op " + req.op);
  }
});
