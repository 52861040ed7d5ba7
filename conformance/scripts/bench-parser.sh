#!/usr/bin/env bash
# bench-parser.sh: measure our parser (Go benchmarks BenchmarkEncode/… and
# BenchmarkDecode/… in parser/) and the official socket.io-parser
# (conformance/node/bench-parser.js) on the same packets in one run, and write
# the parser table in BENCHMARKS.md.
#
#   conformance/scripts/bench-parser.sh            # from anywhere in the checkout
#   BENCH_COUNT=5 NODE_ROUNDS=5 conformance/scripts/bench-parser.sh
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
nodedir="$root/conformance/node"
count="${BENCH_COUNT:-3}"
rounds="${NODE_ROUNDS:-3}"

command -v node >/dev/null || { echo "bench-parser.sh: node not found; install Node.js >= 18 (apt-get install -y nodejs npm)" >&2; exit 1; }
if [ ! -d "$nodedir/node_modules/socket.io-parser" ]; then
	(cd "$nodedir" && npm ci --no-audit --no-fund)
fi

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

gocmd="go test -run '^\$' -bench 'Benchmark(Encode|Decode)' -benchmem -count=$count ./parser"
echo "== $gocmd" >&2
(cd "$root" && go test -run '^$' -bench 'Benchmark(Encode|Decode)' -benchmem -count="$count" ./parser) | tee "$tmp/go.txt" >&2
{ echo "goversion: $(go version | awk '{print $3}')"; } >> "$tmp/go.txt"

echo "== node bench-parser.js --rounds=$rounds" >&2
(cd "$nodedir" && node bench-parser.js --rounds="$rounds") | tee "$tmp/node.jsonl" >&2

(cd "$nodedir" && node bench-parser.js --update "$tmp/go.txt" "$root/BENCHMARKS.md" "$tmp/node.jsonl" \
	"conformance/scripts/bench-parser.sh   # runs: $gocmd; cd conformance/node && node bench-parser.js")
