#!/usr/bin/env bash
# Runs every fuzz target of the workspace, one at a time, for FUZZTIME each (default 10m),
# and prints one summary line per target with its exec count. Long runs are by hand; the
# normal test command runs only the seed corpora.
#   conformance/scripts/fuzz-all.sh            # 10 minutes each
#   FUZZTIME=30s conformance/scripts/fuzz-all.sh
#   FUZZPARALLEL=1 conformance/scripts/fuzz-all.sh   # one fuzz worker (leaves a core free)
# A crasher is written by go test under the package's testdata/fuzz/<Target>/: commit it
# with the fix.
set -u
cd "$(dirname "$0")/../.."
FUZZTIME=${FUZZTIME:-10m}
status=0
summary=()
while IFS= read -r line; do
  file=${line%%:*}
  target=$(sed -E 's/^.*func (Fuzz[A-Za-z0-9_]+).*$/\1/' <<<"$line")
  dir=$(dirname "$file")
  log=$(mktemp)
  echo "== $dir $target ($FUZZTIME)" >&2
  if (cd "$dir" && go test -run='^$' -fuzz="^${target}\$" -fuzztime="$FUZZTIME" ${FUZZPARALLEL:+-parallel=$FUZZPARALLEL} .) >"$log" 2>&1; then
    result=ok
  else
    result=FAIL; status=1
  fi
  execs=$(grep -oE 'execs: [0-9]+' "$log" | tail -1 | grep -oE '[0-9]+')
  summary+=("$result $dir $target execs=${execs:-?}")
  [ "$result" = FAIL ] && tail -20 "$log" >&2
  rm -f "$log"
done < <(grep -rn --include='*_test.go' -E '^func Fuzz[A-Za-z0-9_]+\(' parser engineio adapter socketio client | sort)
printf '%s\n' "${summary[@]}"
exit $status
