#!/usr/bin/env bash
# bench-idle.sh: memory per idle socket.io WebSocket connection at 10k and 100k
# connections, our server (conformance/cmd/benchserver) against the Node reference
# server (the bench kit's servers/node/server.js, socket.io 4.8.x), and what that
# means for one million connections on this machine. Prints tables; BENCHMARKS.md
# is left alone.
#
#   conformance/scripts/bench-idle.sh                          # 10k and 100k, both servers
#   COUNTS="10000" SERVERS="gosockio" conformance/scripts/bench-idle.sh
#
# For each server and each count N it starts fresh server processes, connects N
# clients with `loadgen idle` (EIO 4 WebSocket, CONNECT "/", then idle, answering
# pings), holds them for HOLD, reads each server's VmRSS, asks each server for a
# full GC (SIGUSR2: benchserver runs debug.FreeOSMemory, the Node server, started
# with --expose-gc, runs global.gc()), waits GC_WAIT and reads VmRSS again.
# KB per connection = sum over the server processes of (RSS after GC - RSS after a
# GC before any connection) / connected clients. Kernel memory: /proc/net/sockstat
# (TCP "mem", pages of socket buffers) and the socket slab caches of /proc/slabinfo
# (TCP, sock_inode_cache, filp, dentry, eventpoll_*), read before the servers
# start and with the N connections open; both ends of every connection live on
# this machine, so the per-socket figure divides by 2N.
#
# File descriptors: each connection costs one fd in the server and one in a client.
# The script raises `ulimit -n` to the hard limit and tries MAX_FDS above it (needs
# CAP_SYS_RESOURCE). When the limit stays below N + slack, the N connections are
# spread over ceil(N / PER_PROC) server processes (ports PORT_BASE, PORT_BASE+1, ...)
# each with its own loadgen process; the report says so.
#
# Source addresses: one local address gives one server port about as many
# connections as net.ipv4.ip_local_port_range has ports (~28k by default), and a
# bind to a source address takes a port on that address for every destination.
# Each loadgen process therefore dials from its own address 127.0.0.(SRC_BASE+k),
# and from more than one when it opens more connections than the range holds.
#
# Environment: COUNTS ("10000 100000"), SERVERS ("gosockio node"), PER_PROC
# (connections per server/loadgen process when the fd limit forces a split;
# default hard limit - 1000), MAX_FDS (1100000), HOLD (5: seconds idle before the
# first reading), GC_WAIT (3: seconds after SIGUSR2), C (100: handshakes in flight
# per loadgen), NODE_OPTS (--max-old-space-size=8192), PORT_BASE (4120; uses up to
# PORT_BASE+9), SRC_BASE (11), BENCH_KIT (/work/shared/bench, read-only),
# BENCHSERVER_BIN (a benchserver binary built elsewhere, e.g. from another commit;
# default: built from this tree), BENCH_SCRATCH (reuse this scratch directory), IDLE_RESULTS (print the tables of
# an earlier results .jsonl, run nothing), MEM_GIB (machine memory for the
# 1M estimate; default MemTotal).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
kit="${BENCH_KIT:-/work/shared/bench}"
counts="${COUNTS:-10000 100000}"
servers="${SERVERS:-gosockio node}"
hold="${HOLD:-5}"
gc_wait="${GC_WAIT:-3}"
conc="${C:-100}"
node_opts="${NODE_OPTS:---max-old-space-size=8192}"
port_base="${PORT_BASE:-4120}"
src_base="${SRC_BASE:-11}"
max_fds="${MAX_FDS:-1100000}"

command -v node >/dev/null || { echo "bench-idle.sh: node not found; install Node.js >= 18" >&2; exit 1; }
command -v python3 >/dev/null || { echo "bench-idle.sh: python3 not found" >&2; exit 1; }
[ -f "$kit/servers/node/server.js" ] || { echo "bench-idle.sh: no bench kit at $kit (set BENCH_KIT)" >&2; exit 1; }

# 1. limits: file descriptors and ephemeral ports
ulimit -n "$(ulimit -Hn)"
if (ulimit -Hn "$max_fds" && ulimit -n "$max_fds") 2>/dev/null; then
	ulimit -Hn "$max_fds"
	ulimit -n "$max_fds"
fi
fds=$(ulimit -n)
read -r port_lo port_hi </proc/sys/net/ipv4/ip_local_port_range
ports=$((port_hi - port_lo + 1))
per_proc="${PER_PROC:-$((fds - 1000))}"
echo "== fd limit $fds (hard $(ulimit -Hn), fs.nr_open $(cat /proc/sys/fs/nr_open)); ephemeral ports $port_lo-$port_hi ($ports per source address); up to $per_proc connections per process" >&2

scratch="${BENCH_SCRATCH:-$(mktemp -d)}"
mkdir -p "$scratch/bin" "$scratch/results"
echo "== scratch: $scratch" >&2

# 2. binaries, and the Node reference server (a copy; the kit is never modified)
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

server_pids=()
client_pids=()
cleanup() {
	local p
	for p in "${client_pids[@]}" "${server_pids[@]}"; do kill "$p" 2>/dev/null || true; done
	for p in "${client_pids[@]}" "${server_pids[@]}"; do wait "$p" 2>/dev/null || true; done
	client_pids=()
	server_pids=()
}
trap cleanup EXIT

rss_kb() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status"; }
sum_rss() {
	local p t=0
	for p in "$@"; do t=$((t + $(rss_kb "$p"))); done
	echo "$t"
}
gc_all() {
	local p
	for p in "${server_pids[@]}"; do kill -USR2 "$p"; done
	sleep "$gc_wait"
}
# kernel: TCP inuse, TCP mem (pages), slab KB of the socket caches, Slab KB
kernel() {
	local sock slab
	sock=$(awk '/^TCP:/ {print $3, $11}' /proc/net/sockstat)
	slab=$(awk '$1 ~ /^(TCP|sock_inode_cache|filp|dentry|eventpoll_epi|eventpoll_pwq)$/ {s += $3 * $4} END {printf "%d", s / 1024}' /proc/slabinfo)
	echo "$sock $slab $(awk '/^Slab:/ {print $2}' /proc/meminfo)"
}

# start_servers NAME K: K fresh server processes on PORT_BASE.. PORT_BASE+K-1
start_servers() {
	local name=$1 k=$2 i port
	for ((i = 0; i < k; i++)); do
		port=$((port_base + i))
		case $name in
		node) PORT=$port node --expose-gc $node_opts "$scratch/node/server.js" >"$scratch/results/$name-$i.log" 2>&1 & ;;
		gosockio) "$scratch/bin/benchserver" -addr "127.0.0.1:$port" >"$scratch/results/$name-$i.log" 2>&1 & ;;
		esac
		server_pids+=($!)
	done
	for ((i = 0; i < k; i++)); do
		port=$((port_base + i))
		local tries=0
		until (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; do
			kill -0 "${server_pids[$i]}" 2>/dev/null || { echo "server $name $i died:" >&2; cat "$scratch/results/$name-$i.log" >&2; exit 1; }
			tries=$((tries + 1))
			[ "$tries" -gt 300 ] && { echo "bench-idle.sh: $name did not listen on $port" >&2; exit 1; }
			sleep 0.1
		done
	done
	sleep 1 # let it settle (JIT, GC) before measuring
}

out="${IDLE_RESULTS:-$scratch/results/idle-$(date -u +%Y%m%dT%H%M%SZ).jsonl}"
[ -n "${IDLE_RESULTS:-}" ] && counts= # summarize an earlier results file only
echo "== uptime before: $(uptime)" >&2
src_next=$src_base
for n in $counts; do
	for name in $servers; do
		k=$(((n + per_proc - 1) / per_proc))
		[ "$k" -gt 10 ] && { echo "bench-idle.sh: $n connections need $k processes (more than the 10 ports from PORT_BASE); raise the fd limit or PER_PROC" >&2; exit 1; }
		read -r k_inuse0 k_mem0 k_slab0 k_slaball0 <<<"$(kernel)"
		start_servers "$name" "$k"
		gc_all
		base=$(sum_rss "${server_pids[@]}")
		rundir=$(mktemp -d "$scratch/results/run-XXXX")
		t0=$(date +%s.%N)
		for ((i = 0; i < k; i++)); do
			m=$((n / k + (i < n % k ? 1 : 0)))
			# source addresses for this process: enough for m connections, never shared
			nsrc=$(((m + ports * 9 / 10 - 1) / (ports * 9 / 10)))
			src=
			for ((j = 0; j < nsrc; j++)); do
				src="${src:+$src,}127.0.0.$src_next"
				src_next=$((src_next + 1))
				[ "$src_next" -gt 250 ] && src_next=$src_base
			done
			"$scratch/bin/loadgen" idle -url "http://127.0.0.1:$((port_base + i))" -n "$m" -c "$conc" -timeout 60s \
				-source "$src" -ready "$rundir/ready.$i" -hold 0 >"$rundir/out.$i" 2>"$rundir/err.$i" &
			client_pids+=($!)
		done
		# wait for every loadgen to report its connections open
		for ((i = 0; i < k; i++)); do
			until [ -s "$rundir/ready.$i" ]; do
				kill -0 "${client_pids[$i]}" 2>/dev/null || { echo "bench-idle.sh: loadgen $i ended early:" >&2; cat "$rundir/err.$i" "$rundir/out.$i" >&2; exit 1; }
				sleep 0.5
			done
		done
		ramp=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN {printf "%.1f", b - a}')
		connected=$(cat "$rundir"/ready.* | python3 -c 'import json,sys; print(sum(json.loads(l)["connected"] for l in sys.stdin))')
		failed=$(cat "$rundir"/ready.* | python3 -c 'import json,sys; print(sum(json.loads(l)["failed"] for l in sys.stdin))')
		sleep "$hold"
		held=$(sum_rss "${server_pids[@]}")
		read -r k_inuse1 k_mem1 k_slab1 k_slaball1 <<<"$(kernel)"
		gc_all
		gc1=$(sum_rss "${server_pids[@]}")
		gc_all
		gc2=$(sum_rss "${server_pids[@]}")
		clients_rss=$(sum_rss "${client_pids[@]}")
		load=$(cut -d' ' -f1 /proc/loadavg)
		# stop the clients (SIGTERM ends their hold; each prints its JSON line), then the servers
		for p in "${client_pids[@]}"; do kill -TERM "$p"; done
		okc=0
		for p in "${client_pids[@]}"; do wait "$p" && okc=$((okc + 1)) || true; done
		client_pids=()
		cleanup
		echo "{\"server\":\"$name\",\"n\":$n,\"procs\":$k,\"connected\":$connected,\"failed\":$failed,\"clients_ok\":$okc,\"ramp_s\":$ramp,\"load1\":$load,\"rss_base_kb\":$base,\"rss_held_kb\":$held,\"rss_gc_kb\":$gc2,\"rss_gc1_kb\":$gc1,\"clients_rss_kb\":$clients_rss,\"tcp_inuse\":[$k_inuse0,$k_inuse1],\"tcp_mem_pages\":[$k_mem0,$k_mem1],\"sock_slab_kb\":[$k_slab0,$k_slab1],\"slab_kb\":[$k_slaball0,$k_slaball1],\"fds\":$fds,\"per_proc\":$per_proc}" >>"$out"
		echo "  $name n=$n: $connected connected ($failed failed) in $k process(es), ramp ${ramp}s; RSS $(((held - base) / 1024)) MB held, $(((gc2 - base) / 1024)) MB after GC; clients exited ok: $okc/$k" >&2
		cat "$rundir"/err.* >&2 || true
		sleep 2 # let TIME_WAIT and the kernel settle a little between runs
	done
done
echo "== uptime after: $(uptime)" >&2
echo "== results: $out" >&2

python3 - "$out" "${MEM_GIB:-}" "$(go version | awk '{print $3}')" "$(node --version)" \
	"$(node -p 'require(process.argv[1]+"/node/node_modules/socket.io/package.json").version' "$scratch")" <<'PY'
import json, sys, os
path, mem_gib, gover, nodever, siover = sys.argv[1:6]
rows = [json.loads(l) for l in open(path) if l.strip()]
if not mem_gib:
    mem_gib = int(open("/proc/meminfo").read().split("MemTotal:")[1].split()[0]) / 1024 / 1024
mem_gib = float(mem_gib)

# Kernel memory of one TCP socket held by a process, from the slab caches' geometry
# (objects per slab and pages per slab): the socket, its inode, its file, its
# dentry and its epoll item. Independent of other work on the machine, unlike the
# measured slab delta.
struct_b = 0
struct_parts = []
for line in open("/proc/slabinfo"):
    f = line.split()
    if f and f[0] in ("TCP", "sock_inode_cache", "filp", "dentry", "eventpoll_epi"):
        b = int(f[5]) * 4096 / int(f[4])
        struct_b += b
        struct_parts.append(f"{f[0]} {b:.0f} B")
struct_kb = struct_b / 1024

def fmt(v, d=2):
    return "–" if v is None else f"{v:,.{d}f}"

for r in rows:
    c = r["connected"] or 1
    r["kb_held"] = (r["rss_held_kb"] - r["rss_base_kb"]) / c
    r["kb_gc"] = (r["rss_gc_kb"] - r["rss_base_kb"]) / c
    socks = 2 * c
    r["k_mem_b"] = (r["tcp_mem_pages"][1] - r["tcp_mem_pages"][0]) * 4096 / socks
    r["k_slab_kb"] = (r["sock_slab_kb"][1] - r["sock_slab_kb"][0]) / socks
    r["k_slaball_kb"] = (r["slab_kb"][1] - r["slab_kb"][0]) / socks
    r["client_kb"] = r["clients_rss_kb"] / c

print()
print("## Idle WebSocket connections: server memory per connection")
print()
print("| server | connections (failed) | server processes | RSS/conn held (KB) | RSS/conn after GC (KB) | kernel socket slab per socket (KB) | sockstat TCP mem, pages (before → held) | TCP sockets in use (before → held) | loadgen RSS/conn (KB) | ramp (s) | load |")
print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
for r in rows:
    print(f"| {r['server']} | {r['connected']:,} ({r['failed']}) | {r['procs']} | {fmt(r['kb_held'])} | {fmt(r['kb_gc'])} | "
          f"{fmt(r['k_slab_kb'])} | {r['tcp_mem_pages'][0]:,} → {r['tcp_mem_pages'][1]:,} | {r['tcp_inuse'][0]:,} → {r['tcp_inuse'][1]:,} | {fmt(r['client_kb'], 1)} | {r['ramp_s']:.0f} | {r['load1']} |")
print()
ns = sorted({r["n"] for r in rows})
print("| connections | Node KB/conn after GC | gosockio KB/conn after GC | gosockio/Node after GC | Node KB/conn held | gosockio KB/conn held | gosockio/Node held |")
print("|---:|---:|---:|---:|---:|---:|---:|")
for n in ns:
    node = [r for r in rows if r["n"] == n and r["server"] == "node"]
    mine = [r for r in rows if r["n"] == n and r["server"] == "gosockio"]
    a = node[-1]["kb_gc"] if node else None
    b = mine[-1]["kb_gc"] if mine else None
    c = node[-1]["kb_held"] if node else None
    d = mine[-1]["kb_held"] if mine else None
    print(f"| {n:,} | {fmt(a)} | {fmt(b)} | {fmt(b / a) if a and b else '–'} | {fmt(c)} | {fmt(d)} | {fmt(d / c) if c and d else '–'} |")

print()
print(f"## One million connections on this machine ({mem_gib:.1f} GiB)")
print()
print("Server side only (the clients would be elsewhere): process RSS per connection at the largest count measured,")
print("after a forced GC and as held before it, plus the kernel's memory per socket (one per connection on the server)")
print(f"from the slab caches' geometry: {struct_kb:.2f} KB = " + " + ".join(struct_parts) + ";")
print("socket buffers of idle connections are empty (sockstat TCP mem above). \"Fit\" divides the whole")
print("memory by the per-connection total after GC: an upper bound (the OS and everything else need their share).")
print()
print("| server | from | RSS for 1M after GC (GiB) | RSS for 1M held, no forced GC (GiB) | kernel for 1M (GiB) | total after GC (GiB) | total held (GiB) | share of memory (after GC / held) | connections that fit |")
print("|---|---|---:|---:|---:|---:|---:|---:|---:|")
for name in ("node", "gosockio"):
    rs = [r for r in rows if r["server"] == name]
    if not rs:
        continue
    r = max(rs, key=lambda x: x["n"])
    user = r["kb_gc"] * 1e6 / 1024 / 1024
    held = r["kb_held"] * 1e6 / 1024 / 1024
    kern = struct_kb * 1e6 / 1024 / 1024
    tot, toth = user + kern, held + kern
    fit = mem_gib * 1024 * 1024 / (r["kb_gc"] + struct_kb) if r["kb_gc"] > 0 else 0
    print(f"| {name} | {r['n']:,} conns | {user:.1f} | {held:.1f} | {kern:.1f} | {tot:.1f} | {toth:.1f} | "
          f"{tot / mem_gib * 100:.0f}% / {toth / mem_gib * 100:.0f}% | {fit / 1e6:.2f}M |")
print()
fdl = rows[0]["fds"]
print(f"Limits met on the way: fd limit {fdl:,} per process here (1M connections need RLIMIT_NOFILE and fs.nr_open above 1M);")
print("about 28k ephemeral ports per client source address and server port (1M connections from one client machine need")
print("~36 source addresses or a wider net.ipv4.ip_local_port_range); net.core.somaxconn bounds the accept backlog.")
loads = [r["load1"] for r in rows]
print()
print(f"Machine: {os.cpu_count()} cores shared with other work (1-minute load {min(loads)}–{max(loads)} at the readings); {gover}, node {nodever}, socket.io {siover}.")
split = [r for r in rows if r["procs"] > 1]
if split:
    print(f"With the fd limit of {fdl:,}, runs above {rows[0].get('per_proc', fdl - 1000):,} connections were spread over several server processes")
    print("(each with its own loadgen process); the RSS figure is the sum over those processes minus their sum before connecting.")
print("The measured kernel slab column is a machine-wide delta (other work on the machine opening or closing sockets")
print("meanwhile skews it; compare \"TCP sockets in use\" with 2 × connections); both ends of every connection were on")
print("this machine, so it divides the delta by 2 × connections. The 1M estimate uses the slab geometry instead.")
PY
