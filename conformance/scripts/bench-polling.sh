#!/usr/bin/env bash
# bench-polling.sh: socket.io echo over HTTP long-polling, our server
# (conformance/cmd/benchserver) against the Node reference server (the bench kit's
# servers/node/server.js, socket.io 4.8.x), both loaded by conformance/cmd/loadgen
# (echo -transport polling: EIO 4 handshake over polling, CONNECT "/", a closed loop
# of `echo` calls with an ack per client, each call a POST, each ack the answer to
# the client's pending GET; every ack checked for its sender id and sequence number).
# Prints a table Node / gosockio / ratio; BENCHMARKS.md is left alone.
#
#   conformance/scripts/bench-polling.sh                  # 1 repetition
#   REPS=3 N=100 DUR=20s conformance/scripts/bench-polling.sh
#
# Environment: REPS (1), N clients (100), DUR measured window after WARMUP (20s),
# WARMUP (2s), PAYLOAD padding bytes (100), BENCH_KIT (/work/shared/bench, read-only:
# servers/node is copied), BENCHSERVER_BIN (a benchserver binary built elsewhere,
# e.g. from another commit; default: built from this tree), BENCH_SCRATCH (reuse this scratch directory; default a
# new mktemp -d), PORT_BASE (4130; uses PORT_BASE..PORT_BASE+1).
# Each measurement starts a fresh server process; the order of the two servers
# alternates between repetitions.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
kit="${BENCH_KIT:-/work/shared/bench}"
reps="${REPS:-1}"
n="${N:-100}"
dur="${DUR:-20s}"
warmup="${WARMUP:-2s}"
payload="${PAYLOAD:-100}"
port_base="${PORT_BASE:-4130}"

command -v node >/dev/null || { echo "bench-polling.sh: node not found; install Node.js >= 18" >&2; exit 1; }
command -v python3 >/dev/null || { echo "bench-polling.sh: python3 not found" >&2; exit 1; }
[ -x /usr/bin/time ] || { echo "bench-polling.sh: /usr/bin/time (GNU time) not found" >&2; exit 1; }
[ -f "$kit/servers/node/server.js" ] || { echo "bench-polling.sh: no bench kit at $kit (set BENCH_KIT)" >&2; exit 1; }

scratch="${BENCH_SCRATCH:-$(mktemp -d)}"
mkdir -p "$scratch/bin" "$scratch/results"
echo "== scratch: $scratch" >&2

# 1. binaries, and the Node reference server (a copy; the kit is never modified)
(cd "$root/conformance" && go build -o "$scratch/bin/loadgen" ./cmd/loadgen)
if [ -n "${BENCHSERVER_BIN:-}" ]; then
	cp "$BENCHSERVER_BIN" "$scratch/bin/benchserver"
else
	(cd "$root/conformance" && go build -o "$scratch/bin/benchserver" ./cmd/benchserver)
fi
if [ ! -d "$scratch/node/node_modules/socket.io" ]; then
	rm -rf "$scratch/node"
	cp -r "$kit/servers/node" "$scratch/node"
	chmod -R u+w "$scratch/node"
	(cd "$scratch/node" && npm install --no-audit --no-fund) >&2
fi

server_pid=
stop_server() {
	if [ -n "$server_pid" ]; then
		kill "$server_pid" 2>/dev/null || true
		wait "$server_pid" 2>/dev/null || true
		server_pid=
	fi
}
trap stop_server EXIT

# start_server NAME PORT: a fresh server process; sets server_pid once it listens.
start_server() {
	local name=$1 port=$2 i
	case $name in
	node) PORT=$port node --expose-gc "$scratch/node/server.js" >"$scratch/results/$name.log" 2>&1 & ;;
	gosockio) "$scratch/bin/benchserver" -addr "127.0.0.1:$port" >"$scratch/results/$name.log" 2>&1 & ;;
	esac
	server_pid=$!
	for i in $(seq 1 100); do
		if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
			sleep 1 # let it settle (JIT, GC) before measuring
			return 0
		fi
		kill -0 "$server_pid" 2>/dev/null || { echo "server $name died:" >&2; cat "$scratch/results/$name.log" >&2; exit 1; }
		sleep 0.1
	done
	echo "bench-polling.sh: server $name did not listen on $port" >&2
	exit 1
}

out="$scratch/results/polling-$(date -u +%Y%m%dT%H%M%SZ).jsonl"
echo "== uptime before: $(uptime)" >&2
servers=(node gosockio)
for rep in $(seq 1 "$reps"); do
	order=("${servers[@]}")
	[ $((rep % 2)) -eq 0 ] && order=(gosockio node)
	for name in "${order[@]}"; do
		port=$port_base
		[ "$name" = gosockio ] && port=$((port_base + 1))
		start_server "$name" "$port"
		load=$(cut -d' ' -f1 /proc/loadavg)
		set +e
		line=$(/usr/bin/time -f '%U %S' -o "$scratch/results/tool.time" \
			"$scratch/bin/loadgen" echo -transport polling -url "http://127.0.0.1:$port" \
			-n "$n" -d "$dur" -warmup "$warmup" -payload "$payload" -pid "$server_pid" -q)
		code=$?
		set -e
		stop_server
		[ -n "$line" ] || { echo "bench-polling.sh: no result from loadgen ($name, exit $code)" >&2; exit 1; }
		tool=$(awk '{print $1+$2}' "$scratch/results/tool.time" 2>/dev/null || echo 0)
		line="{\"rep\":$rep,\"server\":\"$name\",\"exit\":$code,\"load1\":$load,\"tool_cpu_s\":$tool,${line#\{}"
		echo "$line" >>"$out"
		echo "  rep$rep $name: $(python3 -c 'import json,sys; d=json.loads(sys.argv[1]); g=d.get; print("%s acks/s, p50 %s ms, p99 %s ms, server CPU %s%%, ok=%s" % (g("acks_per_s"), g("lat_p50_ms"), g("lat_p99_ms"), g("server_cpu_pct"), g("ok")))' "$line")" >&2
	done
done
echo "== uptime after: $(uptime)" >&2
echo "== results: $out" >&2

python3 - "$out" "$n" "$dur" "$warmup" "$payload" "$(go version | awk '{print $3}')" "$(node --version)" \
	"$(node -p 'require(process.argv[1]+"/node/node_modules/socket.io/package.json").version' "$scratch")" <<'PY'
import json, statistics, sys, os
path, n, dur, warmup, payload, gover, nodever, siover = sys.argv[1:9]
rows = [json.loads(l) for l in open(path) if l.strip()]

def cpu_per_k(d):
    acks = d.get("acks") or 0
    return d["server_cpu_s"] * 1000 / acks * 1000 if acks and d.get("server_cpu_s") else None

def tool_pct(d):
    return d["tool_cpu_s"] / d["elapsed_s"] * 100 if d.get("elapsed_s") else None

M = [  # label, value, higher is better
    ("acks/s", lambda d: d.get("acks_per_s"), True),
    ("p50 latency (ms)", lambda d: d.get("lat_p50_ms"), False),
    ("p99 latency (ms)", lambda d: d.get("lat_p99_ms"), False),
    ("server CPU (% of 1 core)", lambda d: d.get("server_cpu_pct"), False),
    ("server CPU ms per 1000 acks", cpu_per_k, False),
    ("loadgen CPU (% of 1 core)", tool_pct, False),
    ("server RSS at the end (MB)", lambda d: d.get("server_rss_after_kb", 0) / 1024 or None, False),
    ("faults (lost + bad + dup + send errors + failed connects)",
     lambda d: d.get("lost", 0) + d.get("bad_packets", 0) + d.get("duplicates", 0) + d.get("send_errors", 0) + d.get("failed_connects", 0), False),
]
val = {}
for label, fn, _ in M:
    for r in rows:
        v = fn(r)
        if v is not None:
            val.setdefault((label, r["server"]), {})[r["rep"]] = v

def fmt(v):
    if v is None:
        return "–"
    if abs(v) < 10 and v != int(v):
        return f"{v:.2f}"
    return f"{v:,.0f}"

reps = sorted({r["rep"] for r in rows})
print()
print(f"## Server: socket.io echo over HTTP long-polling ({n} clients, {dur} after a {warmup} warm-up, {payload}-byte padding)")
print()
print("| metric | Node | gosockio | gosockio/Node |")
print("|---|---:|---:|---:|")
for label, fn, hib in M:
    node, mine = val.get((label, "node"), {}), val.get((label, "gosockio"), {})
    ratios = [mine[k] / node[k] for k in mine if k in node and node[k]]
    cells = [fmt(statistics.median(node.values())) if node else "–",
             fmt(statistics.median(mine.values())) if mine else "–",
             f"{statistics.median(ratios):.2f}" if ratios else "–"]
    print(f"| {label} | " + " | ".join(cells) + " |")
print()
print("Medians over the repetitions; ratio = median of the per-repetition gosockio ÷ Node ratios")
print("(above 1 = more of it: better for acks/s, worse for latency, CPU and memory).")
if len(reps) > 1:
    print()
    print("Per repetition (Node / gosockio):")
    print()
    for label, fn, hib in M:
        parts = []
        for s in ("node", "gosockio"):
            vs = val.get((label, s), {})
            parts.append(f"{s} " + "/".join(fmt(vs[k]) for k in sorted(vs)))
        print(f"- {label}: " + "; ".join(parts))
loads = [r["load1"] for r in rows]
bad = [f"rep{r['rep']} {r['server']}: {', '.join(r.get('failures', []))}" for r in rows if not r.get("ok")]
print()
print(f"Machine: {os.cpu_count()} cores shared with other work (1-minute load average {min(loads):.1f}–{max(loads):.1f} at the start of the runs); {gover}, node {nodever}, socket.io {siover}.")
print("Servers: gosockio `conformance/cmd/benchserver` (socketio, default options, pingInterval 25 s) and the kit's")
print("`servers/node/server.js` (transports polling + websocket, pingInterval 25 s); a fresh process per measurement.")
if bad:
    print("Runs with faults: " + "; ".join(bad))
PY
