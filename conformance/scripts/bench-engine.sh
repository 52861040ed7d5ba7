#!/usr/bin/env bash
# bench-engine.sh: measure the engineio package alone and write the engine table in
# BENCHMARKS.md (between <!-- engine:begin --> and <!-- engine:end -->):
#  1. its Go benchmarks, in-process over loopback (handshake, websocket echo, polling echo,
#     polling body assembly, write batching, idle websocket memory at 1000 connections:
#     heap + stack bytes after GC), with
#       go test -run '^$' -bench . -benchmem -count=$BENCH_COUNT   (in engineio/)
#  2. idle memory at 10k WebSocket connections as the process RSS: benchserver -engine (a
#     bare engineio.Server that answers the socket.io CONNECT itself) loaded by the kit's
#     sioload (connect -n 10000 -hold 5s -gcsignal: RSS delta / n after debug.FreeOSMemory).
#     In one process 10k connections would need 20k descriptors, above the 20000 limit here.
#
#   conformance/scripts/bench-engine.sh
#   BENCH_COUNT=5 IDLE_N=10000 conformance/scripts/bench-engine.sh
#
# Environment: BENCH_COUNT (default 3), IDLE_N (default 10000), BENCH_KIT (default
# /work/shared/bench; copied to a scratch directory, never modified), NO_WRITE=1 (print
# the section, leave BENCHMARKS.md alone). Uses port 4197.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
kit="${BENCH_KIT:-/work/shared/bench}"
count="${BENCH_COUNT:-3}"
idle_n="${IDLE_N:-10000}"
port=4197
tmp="$(mktemp -d)"
srv=
cleanup() {
	if [ -n "$srv" ]; then kill "$srv" 2>/dev/null || true; wait "$srv" 2>/dev/null || true; fi
	rm -rf "$tmp"
}
trap cleanup EXIT

[ -d "$kit/sioload" ] || { echo "bench-engine.sh: no bench kit at $kit (set BENCH_KIT)" >&2; exit 1; }
cp -r "$kit/sioload" "$tmp/sioload"
chmod -R u+w "$tmp/sioload"
(cd "$tmp/sioload" && GOWORK=off go build -o "$tmp/sioload.bin" .)
(cd "$root/conformance" && go build -o "$tmp/benchserver" ./cmd/benchserver)
(cd "$root/engineio" && go test -c -o "$tmp/engineio.test" .)

# 1. Go benchmarks
gocmd="go test -run '^\$' -bench . -benchmem -count=$count   # in engineio/"
echo "== $gocmd" >&2
echo "load $(cut -d' ' -f1-3 /proc/loadavg)" > "$tmp/go.txt"
(cd "$root/engineio" && "$tmp/engineio.test" -test.run '^$' -test.bench . -test.benchmem -test.count="$count") | tee -a "$tmp/go.txt" >&2
echo "load $(cut -d' ' -f1-3 /proc/loadavg)" >> "$tmp/go.txt"

# 2. idle RSS at IDLE_N connections (separate processes)
echo "== benchserver -engine + sioload connect -n $idle_n -hold 5s -gcsignal" >&2
"$tmp/benchserver" -engine -addr "127.0.0.1:$port" > "$tmp/server.log" 2>&1 &
srv=$!
for _ in $(seq 100); do
	(exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
	kill -0 "$srv" 2>/dev/null || { cat "$tmp/server.log" >&2; exit 1; }
	sleep 0.1
done
sleep 1
load_idle0="$(cut -d' ' -f1-3 /proc/loadavg)"
"$tmp/sioload.bin" connect -url "http://127.0.0.1:$port" -n "$idle_n" -hold 5s -gcsignal -pid "$srv" -q | tee "$tmp/idle.json" >&2
load_idle1="$(cut -d' ' -f1-3 /proc/loadavg)"
kill "$srv"
wait "$srv" || { echo "bench-engine.sh: benchserver -engine did not exit cleanly" >&2; exit 1; }
srv=

target="$root/BENCHMARKS.md"
[ "${NO_WRITE:-0}" = 1 ] && target=-
python3 - "$tmp/go.txt" "$tmp/idle.json" "$target" "$gocmd" "$idle_n" "$load_idle0" "$load_idle1" "$(go version | awk '{print $3}')" <<'PY'
import json, re, statistics, sys, datetime, os
gotxt, idlejson, target, gocmd, idle_n, l0, l1, gover = sys.argv[1:9]
lines = open(gotxt).read().split("\n")
loads = [l.split()[1:] for l in lines if l.startswith("load ")]
cpu = next((l.split(":", 1)[1].strip() for l in lines if l.startswith("cpu:")), "?")
res = {}  # name -> unit -> [values]
for l in lines:
    m = re.match(r"^(Benchmark\S+?)(?:-\d+)?\s+\d+\s+(.*)$", l)
    if not m:
        continue
    f = m.group(2).split()
    for v, unit in zip(f[0::2], f[1::2]):
        res.setdefault(m.group(1), {}).setdefault(unit, []).append(float(v))
def med(name, unit):
    vs = res.get(name, {}).get(unit)
    return statistics.median(vs) if vs else None
def per_s(name):
    ns = med(name, "ns/op")
    return None if not ns else 1e9 / ns
def fmt(v, d=0):
    return "–" if v is None else f"{v:,.{d}f}"
idle = json.loads(open(idlejson).read())
rows = [
    ("handshakes/s (polling handshake, in-process, `BenchmarkHandshake`)", fmt(per_s("BenchmarkHandshake")), "BenchmarkHandshake"),
    ("websocket echo msgs/s (one client, 101-byte message, round trip, `BenchmarkWebSocketEcho`)", fmt(per_s("BenchmarkWebSocketEcho")), "BenchmarkWebSocketEcho"),
    ("polling echo msgs/s (POST + GET round trip, `BenchmarkPollingEcho`)", fmt(per_s("BenchmarkPollingEcho")), "BenchmarkPollingEcho"),
]
for sub in ("v4", "v3-text", "v3-xhr2", "v3-jsonp"):
    name = "BenchmarkPollingBody/" + sub
    rows.append((f"polling body assembly, 64 messages, {sub}: bodies/s (`BenchmarkPollingBody/{sub}`)", fmt(per_s(name)), name))
rows.append(("write batching: 16 Sends + 1 GET drain per op, ops/s (`BenchmarkWriteBatching`)", fmt(per_s("BenchmarkWriteBatching")), "BenchmarkWriteBatching"))
out = ["<!-- engine:begin (written by conformance/scripts/bench-engine.sh; edit the script, not this table) -->",
       "## Engine: engineio alone",
       "",
       f"The `engineio` package's Go benchmarks (median of {len(res.get('BenchmarkHandshake',{}).get('ns/op',[]))} runs each, client and server in one process",
       "over loopback, so the client's cost is included), and idle memory per WebSocket connection.",
       "",
       "| figure | value | ns/op, median (min–max) | B/op | allocs/op |",
       "|---|---:|---:|---:|---:|"]
for label, v, name in rows:
    ns = res.get(name, {}).get("ns/op", [])
    rng = f" ({fmt(min(ns))}–{fmt(max(ns))})" if len(ns) > 1 else ""
    out.append(f"| {label} | {v} | {fmt(med(name,'ns/op'))}{rng} | {fmt(med(name,'B/op'))} | {fmt(med(name,'allocs/op'))} |")
mb = "BenchmarkIdleWebSocketMemory"
out.append(f"| idle websocket connection, 1000 conns, in-process: heap + stack bytes after GC per connection (`{mb}`; heap {fmt(med(mb,'heapB/idle-conn'))}, stack {fmt(med(mb,'stackB/idle-conn'))}) | {fmt(med(mb,'B/idle-conn'))} B | | | |")
kb = idle.get("kb_per_conn_gc")
out.append(f"| idle websocket connection, {int(idle_n):,} conns: server RSS delta ÷ n after `debug.FreeOSMemory` (`benchserver -engine` + sioload; {idle.get('connected')} connected, {idle.get('failed')} failed; before GC {fmt(idle.get('kb_per_conn'),2)} KB) | {fmt(kb*1024 if kb else None)} B ({fmt(kb,2)} KB) | | | |")
now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
out += ["",
        "Notes: the in-process memory figure counts the server side only approximately (the raw TCP",
        "clients live in the same heap, but hold little); the RSS figure includes everything the",
        "process keeps per connection (Go heap, goroutine stacks, runtime overhead; kernel socket buffers are not in RSS),",
        f"and `benchserver -engine` answers the socket.io CONNECT itself (no socketio layer; the server table below",
        "has the same figure with the socketio layer).",
        "",
        f"Machine: {os.cpu_count()} cores ({cpu}) shared with other work; {gover}; {now}.",
        f"Load average (1/5/15 min): {'/'.join(loads[0]) if loads else '?'} before the Go benchmarks, {'/'.join(loads[-1]) if loads else '?'} after;",
        f"{l0.replace(' ','/')} before the {int(idle_n):,}-connection run, {l1.replace(' ','/')} after. Figures from a loaded machine are noisy.",
        "",
        "Reproduce:",
        "",
        "```sh",
        "conformance/scripts/bench-engine.sh",
        f"# runs: {gocmd}",
        f"# and:  benchserver -engine -addr 127.0.0.1:4197 & sioload connect -url http://127.0.0.1:4197 -n {idle_n} -hold 5s -gcsignal -pid $PID",
        "```",
        "<!-- engine:end -->"]
section = "\n".join(out) + "\n"
if target == "-":
    sys.stdout.write(section); sys.exit(0)
text = open(target).read()   # re-read right before writing: others edit their sections
m = re.search(r"<!-- engine:begin.*?<!-- engine:end -->\n?", text, re.S)
if m:
    text = text[:m.start()] + section + text[m.end():]
else:
    s = text.find("<!-- server:begin")
    text = text[:s] + section + "\n" + text[s:] if s >= 0 else text.rstrip("\n") + "\n\n" + section
open(target, "w").write(text)
print(f"wrote the engine section of {target}", file=sys.stderr)
PY
