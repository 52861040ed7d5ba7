#!/usr/bin/env bash
# bench-cluster.sh: 3 gosockio servers against 3 Node servers, each cluster on one Redis
# through its Redis adapter, measured in one run by conformance/cmd/loadgen: 1000
# clients spread over the 3 servers (client i on server i mod 3), one sender emitting
# `bcast` that each server re-emits with io.emit, so that every broadcast crosses Redis
# to the other two servers.
#
#   conformance/scripts/bench-cluster.sh
#   RATE=20 N=1000 DUR=10s conformance/scripts/bench-cluster.sh
#   SKIP_MAX=1 conformance/scripts/bench-cluster.sh      # fixed rate only
#
# Servers: gosockio = conformance/cmd/benchserver -redis (adapter/redis, default
# options); Node = conformance/node/bench-cluster-node.js (socket.io 4.8.4,
# @socket.io/redis-adapter 8.3.0, node-redis 4.7.0, default options). First the 3 Go
# servers are started, measured and stopped, then the 3 Node servers; every
# measurement gets a fresh cluster on a fresh channel prefix.
#
# Measurements per implementation:
#   - broadcast at RATE msg/s (default 20) for DUR (default 10s, after a 2s warm-up of
#     the latency figures): deliveries/s, p50/p99 latency (send to delivery), lost;
#   - the max sustainable rate: doubling from MAX_START (default 25) msg/s until a run
#     fails, then 3 bisection steps. A rate is sustainable when loadgen finds no fault
#     (no lost, duplicated or reordered message, no failed connection or send), p99 <
#     1000 ms and deliveries/s >= 95% of rate x receivers (the criteria of the kit's
#     bench.sh).
# It prints one table (metric, Node, gosockio, gosockio/Node) on stdout; the loadgen
# JSON lines and server logs stay in the scratch directory it names on stderr.
#
# Environment: RATE, N, DUR, MAX_START, SKIP_MAX (default 0), REDIS (default
# 127.0.0.1:6379; started with redis-server when nothing listens there), PORT_BASE
# (default 4300: Go uses PORT_BASE+1..3, Node PORT_BASE+11..13), BENCH_SCRATCH.
# Uses the channel prefix gosockio-bench-cluster-<pid>-<n> (pub/sub only: no keys are
# written; any key under that prefix is deleted at exit).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
rate="${RATE:-20}"
n="${N:-1000}"
dur="${DUR:-10s}"
max_start="${MAX_START:-25}"
skip_max="${SKIP_MAX:-0}"
redis="${REDIS:-127.0.0.1:6379}"
port_base="${PORT_BASE:-4300}"
prefix="gosockio-bench-cluster-$$"

for c in node python3 redis-cli; do
	command -v "$c" >/dev/null || { echo "bench-cluster.sh: $c not found" >&2; exit 1; }
done
rhost="${redis%:*}"
rport="${redis##*:}"
rcli() { redis-cli -h "$rhost" -p "$rport" "$@"; }
if ! rcli ping >/dev/null 2>&1; then
	command -v redis-server >/dev/null || { echo "bench-cluster.sh: nothing answers on $redis and redis-server is not installed" >&2; exit 1; }
	redis-server --daemonize yes --port "$rport" --bind "$rhost" --save "" --appendonly no >/dev/null
	for _ in $(seq 100); do rcli ping >/dev/null 2>&1 && break; sleep 0.1; done
fi

work="${BENCH_SCRATCH:-$(mktemp -d)}"
mkdir -p "$work"
results="$work/results.jsonl"
: > "$results"
echo "== scratch: $work" >&2

# Build: our server and load generator; the Node packages (pinned) when missing.
(cd "$root/conformance" && go build -o "$work/benchserver" ./cmd/benchserver && go build -o "$work/loadgen" ./cmd/loadgen)
if [ ! -d "$root/conformance/node/node_modules/@socket.io/redis-adapter" ]; then
	(cd "$root/conformance/node" && npm ci --no-audit --no-fund) >&2
fi

pids=()
cluster=0
loadlog="$work/loadavg.log"
: > "$loadlog"
# Load sampler: stopped by cleanup (its own PID).
( while :; do echo "$(date -u +%s) $(cut -d' ' -f1-3 /proc/loadavg)" >> "$loadlog"; sleep 5; done ) &
sampler=$!

stop_cluster() {
	local p
	for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
	for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
	pids=()
}

cleanup() {
	stop_cluster
	kill "$sampler" 2>/dev/null || true
	wait "$sampler" 2>/dev/null || true
	rcli --scan --pattern "$prefix-*" | while read -r k; do rcli del "$k" >/dev/null; done
}
trap cleanup EXIT

# start_cluster IMPL: 3 servers of IMPL (go|node) on a fresh channel prefix; sets urls.
start_cluster() {
	local impl=$1 i port log base
	cluster=$((cluster + 1))
	key="$prefix-$cluster"
	urls=""
	base=$port_base
	[ "$impl" = node ] && base=$((port_base + 10))
	for i in 1 2 3; do
		port=$((base + i))
		log="$work/$impl-$cluster-$i.log"
		if [ "$impl" = go ]; then
			"$work/benchserver" -addr "127.0.0.1:$port" -redis "$redis" -redis-key "$key" > "$log" 2>&1 &
		else
			PORT=$port REDIS="redis://$redis" KEY="$key" node "$root/conformance/node/bench-cluster-node.js" > "$log" 2>&1 &
		fi
		pids+=($!)
		urls="${urls:+$urls,}http://127.0.0.1:$port"
	done
	for i in 1 2 3; do
		log="$work/$impl-$cluster-$i.log"
		for _ in $(seq 200); do grep -qs "listening on" "$log" && break; sleep 0.05; done
		grep -qs "listening on" "$log" || { echo "bench-cluster.sh: $impl server $i did not start:" >&2; cat "$log" >&2; exit 1; }
	done
	# Every server subscribed: the cluster counts 3 on the request channel.
	for _ in $(seq 200); do
		[ "$(rcli pubsub numsub "$key-request#/#" | tail -1)" = 3 ] && return 0
		sleep 0.05
	done
	echo "bench-cluster.sh: the $impl cluster did not form (PUBSUB NUMSUB $key-request#/#)" >&2
	exit 1
}

# measure IMPL CASE RATE: one loadgen run on a fresh cluster; sets line.
measure() {
	local impl=$1 case=$2 r=$3
	start_cluster "$impl"
	line=$("$work/loadgen" broadcast -url "$urls" -n "$n" -rate "$r" -d "$dur" -warmup 2s -q) || true
	stop_cluster
	[ -n "$line" ] || { echo "bench-cluster.sh: no result from loadgen ($impl $case $r)" >&2; exit 1; }
	line="{\"impl\":\"$impl\",\"case\":\"$case\",\"rate\":$r,\"time\":$(date -u +%s),${line#\{}"
	echo "$line" >> "$results"
	python3 - "$line" <<'PY' >&2
import json, sys
d = json.loads(sys.argv[1])
print(f"  {d['impl']} {d['case']} rate={d['rate']}: deliveries/s={d.get('delivered_per_s')}"
      f" p50={d.get('lat_p50_ms')} p99={d.get('lat_p99_ms')} lost={d.get('lost')} ok={d.get('ok')}")
PY
}

sustainable() {
	python3 - "$1" <<'PY'
import json, sys
d = json.loads(sys.argv[1])
ok = (d.get("ok") and d.get("lost", 1) == 0 and d.get("failed_connects", 1) == 0
      and d.get("lat_p99_ms", 1e9) < 1000
      and d.get("delivered_per_s", 0) >= 0.95 * d["rate"] * d.get("connected", 0))
sys.exit(0 if ok else 1)
PY
}

# max_rate IMPL: doubling from max_start, then 3 bisection steps.
max_rate() {
	local impl=$1 r=$max_start ok=0 bad=0 best="" mid i
	while :; do
		measure "$impl" probe "$r"
		if sustainable "$line"; then ok=$r; best=$line; r=$((r * 2)); else bad=$r; break; fi
		[ "$r" -gt 5000 ] && break
	done
	for i in 1 2 3; do
		[ "$bad" -eq 0 ] && break
		mid=$(((ok + bad) / 2))
		[ "$mid" -le "$ok" ] && break
		measure "$impl" probe "$mid"
		if sustainable "$line"; then ok=$mid; best=$line; else bad=$mid; fi
	done
	echo "{\"impl\":\"$impl\",\"case\":\"max\",\"max_rate\":$ok,\"first_bad_rate\":$bad,\"best\":${best:-null}}" >> "$results"
	echo "  $impl max sustainable rate: $ok msg/s (first failing: $bad)" >&2
}

echo "== uptime before: $(uptime)" >&2
for impl in go node; do
	echo "== $impl: 3 servers, $n clients, $rate msg/s" >&2
	measure "$impl" fixed "$rate"
	[ "$skip_max" = 1 ] || max_rate "$impl"
done
echo "== uptime after: $(uptime)" >&2

cmd="RATE=$rate N=$n DUR=$dur MAX_START=$max_start SKIP_MAX=$skip_max conformance/scripts/bench-cluster.sh"
python3 - "$results" "$loadlog" "$cmd" "$n" "$rate" "$(go version | awk '{print $3}')" "$(node --version)" <<'PY'
import json, os, sys, datetime
results, loadlog, cmd, n, rate, gover, nodever = sys.argv[1:8]
rows = [json.loads(l) for l in open(results) if l.strip()]
fixed = {r["impl"]: r for r in rows if r["case"] == "fixed"}
best = {r["impl"]: r for r in rows if r["case"] == "max"}
M = [
    (f"broadcast to {n} at {rate} msg/s: deliveries/s", lambda i: fixed.get(i, {}).get("delivered_per_s")),
    (f"@{rate} msg/s: p50 latency (ms)", lambda i: fixed.get(i, {}).get("lat_p50_ms")),
    (f"@{rate} msg/s: p99 latency (ms)", lambda i: fixed.get(i, {}).get("lat_p99_ms")),
    (f"@{rate} msg/s: lost", lambda i: fixed.get(i, {}).get("lost")),
    ("max sustainable broadcast rate (msg/s in)", lambda i: best.get(i, {}).get("max_rate")),
    ("@max rate: deliveries/s", lambda i: (best.get(i, {}).get("best") or {}).get("delivered_per_s")),
    ("@max rate: p99 latency (ms)", lambda i: (best.get(i, {}).get("best") or {}).get("lat_p99_ms")),
    ("@max rate: lost", lambda i: (best.get(i, {}).get("best") or {}).get("lost")),
]
def fmt(v):
    if v is None:
        return "–"
    if abs(v) < 10 and v != int(v):
        return f"{v:.2f}"
    return f"{v:,.0f}"
print("| metric (3 servers, one Redis) | Node | gosockio | gosockio/Node |")
print("|---|---:|---:|---:|")
for label, fn in M:
    nv, gv = fn("node"), fn("go")
    if nv is None and gv is None:
        continue
    ratio = f"{gv / nv:.2f}" if nv and gv is not None else "–"
    print(f"| {label} | {fmt(nv)} | {fmt(gv)} | {ratio} |")
loads = [float(l.split()[1]) for l in open(loadlog) if len(l.split()) == 4]
lr = f"1-minute load average {min(loads):.1f}–{max(loads):.1f}" if loads else "load not sampled"
t = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
print()
print(f"Machine: {os.cpu_count()} cores shared with other work ({lr}); {gover}, node {nodever}; {t}.")
print(f"Reproduce: {cmd}")
PY
