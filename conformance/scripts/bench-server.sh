#!/usr/bin/env bash
# bench-server.sh: measure our socket.io server (conformance/cmd/benchserver) against the
# Node reference (socket.io 4.8.x) and the raw Go WebSocket floor with the sioload kit
# (/work/shared/bench, read-only: it is copied to a scratch directory first), then write
# the server table in BENCHMARKS.md (between <!-- server:begin --> and <!-- server:end -->).
#
#   conformance/scripts/bench-server.sh                 # 1 repetition, full protocol
#   REPS=3 conformance/scripts/bench-server.sh          # 3 repetitions (about 10 min each)
#   SKIP_BSEARCH=1 conformance/scripts/bench-server.sh  # no broadcast max-rate search
#
# Environment: REPS (default 1), SKIP_BSEARCH (default 0), BENCH_KIT (default
# /work/shared/bench), BENCH_SCRATCH (reuse this scratch copy; default a new mktemp -d),
# BENCH_RESULTS (summarize an existing results .jsonl instead of running; needs
# BENCH_SCRATCH), NO_WRITE=1 (print the section, leave BENCHMARKS.md alone).
# Uses ports 4150-4199 only (the kit's port blocks).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
kit="${BENCH_KIT:-/work/shared/bench}"
reps="${REPS:-1}"
skip_bsearch="${SKIP_BSEARCH:-0}"

command -v node >/dev/null || { echo "bench-server.sh: node not found; install Node.js >= 18" >&2; exit 1; }
command -v python3 >/dev/null || { echo "bench-server.sh: python3 not found" >&2; exit 1; }
[ -f "$kit/scripts/bench.sh" ] || { echo "bench-server.sh: no bench kit at $kit (set BENCH_KIT)" >&2; exit 1; }

# 1. scratch copy of the kit (it writes bin/ and results/ beside itself)
. "$root/conformance/scripts/kit-scratch.sh"
kit_scratch
echo "== kit copy: $work" >&2

if [ -z "${BENCH_RESULTS:-}" ]; then
	# 2. binaries: sioload, raw, our benchserver; the Node reference server's packages
	(cd "$work/sioload" && GOWORK=off go build -o ../bin/sioload .)
	(cd "$work/servers/raw" && GOWORK=off go build -o ../../bin/raw .)
	(cd "$root/conformance" && go build -o "$work/bin/benchserver" ./cmd/benchserver)
	if [ ! -d "$work/servers/node/node_modules/socket.io" ]; then
		(cd "$work/servers/node" && npm install --no-audit --no-fund) >&2
	fi

	# 3. the protocol. SKIP_BSEARCH replaces the max-rate search of the scratch copy's
	# bench.sh by a no-op (the kit itself is never modified).
	if [ "$skip_bsearch" = 1 ]; then
		sed -i 's/^    bsearch "\$rep" "\$name" "\$p"$/    : skipped by SKIP_BSEARCH/' "$work/scripts/bench.sh"
		grep -q 'skipped by SKIP_BSEARCH' "$work/scripts/bench.sh" || { echo "bench-server.sh: could not disable bsearch in bench.sh" >&2; exit 1; }
	fi
	loadlog="$work/results/loadavg.log"
	: > "$loadlog"
	# Load sampler: stopped by the trap below (its own PID).
	( while :; do echo "$(date -u +%s) $(cut -d' ' -f1-3 /proc/loadavg)" >> "$loadlog"; sleep 5; done ) &
	sampler=$!
	trap 'kill "$sampler" 2>/dev/null || true' EXIT
	echo "== uptime before: $(uptime)" >&2
	before=$(ls "$work"/results/bench-*.jsonl 2>/dev/null || true)
	(cd "$work" && CUSTOM_SERVER_CMD="$work/bin/benchserver -addr 127.0.0.1:{port}" scripts/bench.sh "$reps" custom raw node)
	echo "== uptime after: $(uptime)" >&2
	results=$(ls -t "$work"/results/bench-*.jsonl | head -1)
	for f in $before; do [ "$f" = "$results" ] && { echo "bench-server.sh: bench.sh wrote no new results file" >&2; exit 1; }; done
	kill "$sampler" 2>/dev/null || true
else
	results="$BENCH_RESULTS"
	loadlog="$work/results/loadavg.log"
fi
echo "== results: $results" >&2

# 4. the kit's own summary (ratios to raw), then our section (ratio gosockio/Node)
python3 "$work/scripts/summarize.py" "$results" | tee "$work/results/summary.md" >&2

cmd="REPS=$reps SKIP_BSEARCH=$skip_bsearch conformance/scripts/bench-server.sh"
target="$root/BENCHMARKS.md"
[ "${NO_WRITE:-0}" = 1 ] && target=-
python3 - "$results" "$loadlog" "$work/results/summary.md" "$cmd" "$target" \
	"$(go version | awk '{print $3}')" "$(node --version)" \
	"$(node -p 'require(process.argv[1]+"/servers/node/node_modules/socket.io/package.json").version' "$work")" <<'PY'
import json, statistics, sys, datetime, re, os
results, loadlog, summary, cmd, target, gover, nodever, siover = sys.argv[1:9]
rows = [json.loads(l) for l in open(results) if l.strip()]
loads = []
for l in open(loadlog) if os.path.exists(loadlog) else []:
    p = l.split()
    if len(p) == 4:
        loads.append((int(p[0]), p[1]))

def load_at(ts):  # 1-min load average sampled nearest to an RFC3339 time
    if not loads or not ts:
        return None
    t = datetime.datetime.fromisoformat(ts.replace("Z", "+00:00")).timestamp()
    return float(min(loads, key=lambda x: abs(x[0] - t))[1])

NAMES = {"custom": "gosockio", "node": "Node", "raw": "raw"}
M = [  # label, case, value, higher is better
    ("echo, 100 clients: acks/s", "echo100", lambda d: d.get("acks_per_s"), True),
    ("echo: p99 latency (ms)", "echo100", lambda d: d.get("lat_p99_ms"), False),
    ("echo: server CPU (% of 1 core)", "echo100", lambda d: d.get("server_cpu_pct"), False),
    ("broadcast to 1000 at 50 msg/s: deliveries/s", "bcast_common", lambda d: d.get("delivered_per_s"), True),
    ("broadcast @50 msg/s: p99 latency (ms)", "bcast_common", lambda d: d.get("lat_p99_ms"), False),
    ("broadcast @50 msg/s: server CPU (% of 1 core)", "bcast_common", lambda d: d.get("server_cpu_pct"), False),
    ("broadcast @50 msg/s: lost + gaps", "bcast_common", lambda d: d.get("lost", 0) + d.get("gaps", 0), False),
    ("max sustainable broadcast rate to 1000 (msg/s in)", "bcast_max", lambda d: d.get("max_rate"), True),
    ("broadcast @max rate: deliveries/s", "bcast_max", lambda d: d["best"].get("delivered_per_s"), True),
    ("broadcast @max rate: p99 latency (ms)", "bcast_max", lambda d: d["best"].get("lat_p99_ms"), False),
    ("idle RSS per connection, 1k conns, after GC (KB)", "idle1k", lambda d: d.get("kb_per_conn_gc"), False),
    ("idle RSS per connection, 10k conns, after GC (KB)", "idle10k", lambda d: d.get("kb_per_conn_gc"), False),
    ("connect rate, 10k conns (conn/s)", "idle10k", lambda d: d.get("connect_rate"), True),
    ("connect failures, 10k conns", "idle10k", lambda d: d.get("failed"), False),
]
val = {}   # (label, server) -> {rep: value}
ld = {}    # label -> [load]
for label, case, fn, _ in M:
    for r in rows:
        if r["case"] != case:
            continue
        try:
            v = fn(r)
        except Exception:
            v = None
        if v is None:
            continue
        val.setdefault((label, r["server"]), {})[r["rep"]] = v
        l = load_at(r.get("time") or (r.get("best") or {}).get("time"))
        if l is not None:
            ld.setdefault(label, []).append(l)

def fmt(v):
    if v is None:
        return "–"
    if abs(v) < 10 and v != int(v):
        return f"{v:.2f}"
    return f"{v:,.0f}"

reps = sorted({r["rep"] for r in rows})
out = []
out.append("<!-- server:begin (written by conformance/scripts/bench-server.sh; edit the script, not this table) -->")
out.append("## Server: socket.io over WebSocket, sioload kit")
out.append("")
out.append(f"gosockio's `conformance/cmd/benchserver` (socketio package, default options, pingInterval 25 s) against the Node")
out.append(f"reference server (socket.io {siover}, `servers/node/server.js` of the kit) and the kit's `raw` Go WebSocket floor,")
out.append(f"measured by `sioload` (kit `/work/shared/bench`, protocol `scripts/bench.sh {len(reps)} custom raw node`: a fresh")
out.append("server process per measurement, server order rotated each repetition). Medians over the repetitions;")
out.append("ratio = median of the per-repetition gosockio ÷ Node ratios (above 1 = more of it; for latency, CPU and memory")
out.append("above 1 = gosockio uses more). Load = the machine's 1-minute load average sampled during those runs (min–max).")
out.append("")
out.append("| metric | Node | gosockio | raw | gosockio/Node | load |")
out.append("|---|---:|---:|---:|---:|---|")
for label, case, fn, hib in M:
    cells = []
    for s in ("node", "custom", "raw"):
        vs = val.get((label, s), {})
        cells.append(fmt(statistics.median(vs.values())) if vs else "–")
    mine, node = val.get((label, "custom"), {}), val.get((label, "node"), {})
    ratios = [mine[k] / node[k] for k in mine if k in node and node[k]]
    cells.append(f"{statistics.median(ratios):.2f}" if ratios else "–")
    l = ld.get(label)
    cells.append(f"{min(l):.1f}–{max(l):.1f}" if l else "–")
    if not any((label, s) in val for s in ("node", "custom", "raw")):
        continue
    out.append(f"| {label} | " + " | ".join(cells) + " |")
if not any(r["case"] == "bcast_max" for r in rows):
    out.append("")
    out.append("The max-rate search was skipped (SKIP_BSEARCH=1).")
if len(reps) > 1:
    out.append("")
    out.append("Per repetition (Node / gosockio / raw):")
    out.append("")
    for label, case, fn, hib in M:
        parts = []
        for s in ("node", "custom", "raw"):
            vs = val.get((label, s), {})
            parts.append(NAMES[s] + " " + "/".join(fmt(vs[k]) for k in sorted(vs)))
        out.append(f"- {label}: " + "; ".join(parts))
times = sorted(r.get("time") or (r.get("best") or {}).get("time") or "" for r in rows)
times = [t for t in times if t]
span = f"{times[0].replace('T', ' ')[:16]}–{times[-1][11:16]} UTC" if times else "?"
l1 = [float(x[1]) for x in loads]
lrange = f"1-minute load average {min(l1):.1f}–{max(l1):.1f} during the run" if l1 else "load average not sampled"
out.append("")
out.append(f"Machine: {os.cpu_count()} cores shared with other engineers' test runs ({lrange}); {gover}, node {nodever}; run {span}.")
out.append("Absolute figures from this shared machine are noisy: compare within one run, as ratios.")
out.append("")
out.append("<details><summary>The kit's summarize.py output (ratios to raw; custom = gosockio)</summary>")
out.append("")
out.extend(open(summary).read().rstrip("\n").split("\n"))
out.append("")
out.append("</details>")
out.append("")
out.append("Reproduce:")
out.append("")
out.append("```sh")
out.append(cmd)
out.append("# = cp -r /work/shared/bench $SCRATCH; build bin/sioload, bin/raw, bin/benchserver; then in $SCRATCH/bench:")
out.append(f"# CUSTOM_SERVER_CMD='bin/benchserver -addr 127.0.0.1:{{port}}' scripts/bench.sh {len(reps)} custom raw node")
out.append("# scripts/summarize.py results/bench-<stamp>.jsonl")
out.append("```")
out.append("<!-- server:end -->")
section = "\n".join(out) + "\n"
if target == "-":
    sys.stdout.write(section)
    sys.exit(0)
text = open(target).read()   # re-read right before writing: others edit their sections
m = re.search(r"<!-- server:begin.*?<!-- server:end -->\n?", text, re.S)
text = text[:m.start()] + section + text[m.end():] if m else text.rstrip("\n") + "\n\n" + section
open(target, "w").write(text)
print(f"wrote the server section of {target}", file=sys.stderr)
PY
