#!/usr/bin/env bash
# bench-bcast-cpu.sh: where a broadcast's server CPU goes, user space against kernel.
# For each server (the kit's raw Go floor, gosockio's benchserver, the Node reference
# server) it runs the kit's broadcast case (1000 receivers, RATE msg/s in, for DUR) and
# reads the server's utime and stime from /proc/PID/stat before and after, then prints
# microseconds of user and system CPU per delivery. The system part is mostly the
# kernel's TCP send path (one write per delivery, as in Node's ws): a floor that no
# user-space work removes. BENCHMARKS.md is left alone.
#
#   conformance/scripts/bench-bcast-cpu.sh
#   REPS=3 RATE=50 DUR=10s conformance/scripts/bench-bcast-cpu.sh
#
# Environment: REPS (3), RATE (50), N (1000), DUR (10s), SERVERS ("raw gosockio node"),
# BENCH_KIT (/work/shared/bench, read-only: copied), BENCH_SCRATCH (reuse a scratch copy made
# by this script or bench-server.sh). Uses ports 4190-4192.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
kit="${BENCH_KIT:-/work/shared/bench}"
reps="${REPS:-3}"
rate="${RATE:-50}"
n="${N:-1000}"
dur="${DUR:-10s}"
servers="${SERVERS:-raw gosockio node}"

command -v node >/dev/null || { echo "bench-bcast-cpu.sh: node not found" >&2; exit 1; }
[ -f "$kit/scripts/bench.sh" ] || { echo "bench-bcast-cpu.sh: no bench kit at $kit (set BENCH_KIT)" >&2; exit 1; }

. "$root/conformance/scripts/kit-scratch.sh"
kit_scratch
mkdir -p "$work/bin" "$work/results"
(cd "$work/sioload" && GOWORK=off go build -o ../bin/sioload .)
(cd "$work/servers/raw" && GOWORK=off go build -o ../../bin/raw .)
(cd "$root/conformance" && go build -o "$work/bin/benchserver" ./cmd/benchserver)
if [ ! -d "$work/servers/node/node_modules/socket.io" ]; then
	(cd "$work/servers/node" && npm install --no-audit --no-fund) >&2
fi

pid=
stop() { [ -n "$pid" ] && { kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; }; pid=; }
trap stop EXIT
ticks() { awk '{print $14, $15}' "/proc/$1/stat"; } # utime stime, after the "(comm)" field (no spaces in these names)
hz=$(getconf CLK_TCK)

printf '| rep | server | deliveries | lost | user CPU µs/delivery | system CPU µs/delivery | total µs/delivery | system share | load |\n'
printf '|---:|---|---:|---:|---:|---:|---:|---:|---:|\n'
port=4190
for rep in $(seq 1 "$reps"); do
	for name in $servers; do
		port=$((port == 4192 ? 4190 : port + 1))
		case $name in
		raw) "$work/bin/raw" -addr "127.0.0.1:$port" >/dev/null 2>&1 & ;;
		gosockio) "$work/bin/benchserver" -addr "127.0.0.1:$port" >/dev/null 2>&1 & ;;
		node) PORT=$port node "$work/servers/node/server.js" >/dev/null 2>&1 & ;;
		esac
		pid=$!
		until (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; do sleep 0.1; done
		sleep 1
		# The broadcast run also connects its N receivers: a connect-only run of N clients
		# first measures that part, which is subtracted.
		read -r u0 s0 <<<"$(ticks "$pid")"
		"$work/bin/sioload" connect -url "http://127.0.0.1:$port" -n "$n" -hold 1s -q >/dev/null 2>&1
		read -r u1 s1 <<<"$(ticks "$pid")"
		sleep 1
		read -r u2 s2 <<<"$(ticks "$pid")"
		line=$("$work/bin/sioload" broadcast -url "http://127.0.0.1:$port" -n "$n" -rate "$rate" -d "$dur" -warmup 0s -pid "$pid" 2>/dev/null | tail -1)
		read -r u3 s3 <<<"$(ticks "$pid")"
		u0=$((u3 - u2 - (u1 - u0))) s0=$((s3 - s2 - (s1 - s0)))
		u1=0 s1=0
		stop
		python3 - "$rep" "$name" "$line" "$u1" "$s1" "$u0" "$s0" "$hz" "$(cut -d' ' -f1 /proc/loadavg)" <<'PY'
import json, sys
rep, name, line, u0, s0, u1, s1, hz, load = sys.argv[1:]
r = json.loads(line)
d = r.get("delivered", 0)
u = (int(u1) - int(u0)) / int(hz) * 1e6
s = (int(s1) - int(s0)) / int(hz) * 1e6
if d:
    print(f"| {rep} | {name} | {d:,} | {r.get('lost', 0)} | {u/d:.2f} | {s/d:.2f} | {(u+s)/d:.2f} | {s/(u+s):.0%} | {load} |")
else:
    print(f"| {rep} | {name} | 0 | – | – | – | – | – | {load} |")
PY
	done
done
