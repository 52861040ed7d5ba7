// parser-bridge.js: a nodeenv bridge (see line-bridge.js) to the official
// socket.io-parser, for the differential tests and properties in
// conformance/parser*_test.go.
//
//   rev 5: socket.io-parser 4.2.7 (socket.io 3.x/4.x)
//   rev 4: socket.io-parser-v3 = socket.io-parser 3.4.3 (socket.io 1.x/2.x)
//
// Wire forms, in both directions:
//   frame   {"t":"2[\"a\"]"} (text) or {"b":"AQID"} (binary, base64)
//   packet  {"type":2,"nsp":"/x","id":7,"data":…}; "id" and "data" are absent
//           when the packet has none. Binary values inside data are tagged
//           {"__gosockio_bin":"<base64>"}.
//
// Requests (one JSON line each) and answers:
//   {"op":"encode","rev":5,"packets":[packet…]}
//       -> {"results":[{"frames":[frame…]} | {"error":"…"}]}
//   {"op":"decode","rev":5,"inputs":[[frame…]…]}   one fresh decoder per input
//       -> {"results":[{"outputs":[output…],"pending":bool}]}
//          with one output per frame: {} (nothing yet), {"packet":packet}
//          or {"error":"…"}; decoding goes on after an error, as a connection
//          that ignored it would.
//   {"op":"newDecoder","rev":5} -> {"decoder":id}
//   {"op":"feed","decoder":id,"frames":[frame…]} -> {"outputs":[output…],"pending":bool}
//   {"op":"reset","decoder":id} -> {}     replaces the decoder with a new one
//   {"op":"free","decoder":id} -> {}
//
// For rev 4, packets with binary data are encoded as BINARY_EVENT/BINARY_ACK
// (socket.io 2.x picks the type with has-binary before calling the encoder),
// decoded BINARY_EVENT/BINARY_ACK keep their type (5/6), and the ERROR packet
// socket.io-parser 3.x emits for an unknown type ({type:4,data:"parser error: …"})
// is reported as an error.
"use strict";

const { serve } = require("./line-bridge.js");
const v5 = require("socket.io-parser");
const v4 = require("socket.io-parser-v3");

const BIN = "__gosockio_bin";

function isBin(v) {
  return Buffer.isBuffer(v) || v instanceof ArrayBuffer || ArrayBuffer.isView(v);
}

// fromWire replaces binary tags with Buffers, in place.
function fromWire(v) {
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) v[i] = fromWire(v[i]);
    return v;
  }
  if (v !== null && typeof v === "object") {
    const keys = Object.keys(v);
    if (keys.length === 1 && keys[0] === BIN && typeof v[BIN] === "string") {
      return Buffer.from(v[BIN], "base64");
    }
    for (const k of keys) {
      const nv = fromWire(v[k]);
      if (nv !== v[k]) Object.defineProperty(v, k, { value: nv, enumerable: true, writable: true, configurable: true });
    }
  }
  return v;
}

// toWire copies v with binary values tagged.
function toWire(v) {
  if (isBin(v)) {
    const buf = Buffer.isBuffer(v)
      ? v
      : v instanceof ArrayBuffer
        ? Buffer.from(v)
        : Buffer.from(v.buffer, v.byteOffset, v.byteLength);
    return { [BIN]: buf.toString("base64") };
  }
  if (Array.isArray(v)) return v.map(toWire);
  if (v !== null && typeof v === "object") {
    const out = {};
    for (const k of Object.keys(v)) {
      Object.defineProperty(out, k, { value: toWire(v[k]), enumerable: true, writable: true, configurable: true });
    }
    return out;
  }
  return v;
}

function hasBin(v) {
  if (isBin(v)) return true;
  if (Array.isArray(v)) return v.some(hasBin);
  if (v !== null && typeof v === "object") return Object.keys(v).some((k) => hasBin(v[k]));
  return false;
}

function frameOut(f) {
  if (typeof f === "string") return { t: f };
  if (isBin(f)) return { b: toWire(f)[BIN] };
  throw new Error("encoder produced a frame that is neither string nor binary: " + typeof f);
}

function frameIn(f) {
  if (typeof f.t === "string") return f.t;
  if (typeof f.b === "string") return Buffer.from(f.b, "base64");
  throw new Error("bad frame " + JSON.stringify(f));
}

function packetIn(p) {
  const pkt = { type: p.type, nsp: p.nsp === undefined ? "/" : p.nsp };
  if (p.id !== undefined && p.id !== null) pkt.id = p.id;
  if ("data" in p) pkt.data = fromWire(p.data);
  return pkt;
}

function packetOut(p) {
  const out = { type: p.type, nsp: p.nsp };
  if (p.id !== undefined && p.id !== null) out.id = p.id;
  if (p.data !== undefined) out.data = toWire(p.data);
  return out;
}

function encode(rev, p) {
  const pkt = packetIn(p);
  if (rev === 4) {
    if ((pkt.type === 2 || pkt.type === 3) && hasBin(pkt.data)) pkt.type += 3;
    let frames;
    new v4.Encoder().encode(pkt, (f) => (frames = f)); // synchronous without Blobs
    if (!frames) throw new Error("socket.io-parser 3.x encoder did not call back");
    return frames.map(frameOut);
  }
  return new v5.Encoder().encode(pkt).map(frameOut);
}

class Session {
  constructor(rev) {
    if (rev !== 4 && rev !== 5) throw new Error("rev must be 4 or 5, got " + rev);
    this.rev = rev;
    this.reset();
  }
  reset() {
    this.decoder = this.rev === 4 ? new v4.Decoder() : new v5.Decoder();
    this.got = [];
    this.decoder.on("decoded", (p) => this.got.push(p));
  }
  pending() {
    const r = this.decoder.reconstructor;
    return !!(r && r.reconPack);
  }
  feed(frame) {
    this.got = [];
    try {
      this.decoder.add(frameIn(frame));
    } catch (err) {
      return { error: String((err && err.message) || err) };
    }
    if (this.got.length === 0) return {};
    if (this.got.length > 1) return { error: "bridge: one frame produced " + this.got.length + " packets" };
    const p = this.got[0];
    if (this.rev === 4 && p.type === 4 && p.nsp === undefined && typeof p.data === "string" && p.data.startsWith("parser error")) {
      return { error: p.data, errorPacket: true };
    }
    return { packet: packetOut(p) };
  }
}

const sessions = new Map();
let nextID = 1;

function session(id) {
  const s = sessions.get(id);
  if (!s) throw new Error("no decoder " + id);
  return s;
}

serve((req) => {
  switch (req.op) {
    case "encode":
      return {
        results: req.packets.map((p) => {
          try {
            return { frames: encode(req.rev, p) };
          } catch (err) {
            return { error: String((err && err.message) || err) };
          }
        }),
      };
    case "decode":
      return {
        results: req.inputs.map((frames) => {
          const s = new Session(req.rev);
          const outputs = frames.map((f) => s.feed(f));
          return { outputs, pending: s.pending() };
        }),
      };
    case "newDecoder": {
      const id = nextID++;
      sessions.set(id, new Session(req.rev));
      return { decoder: id };
    }
    case "feed": {
      const s = session(req.decoder);
      const outputs = req.frames.map((f) => s.feed(f));
      return { outputs, pending: s.pending() };
    }
    case "reset":
      session(req.decoder).reset();
      return {};
    case "free":
      sessions.delete(req.decoder);
      return {};
    default:
      throw new Error("unknown op " + req.op);
  }
});
