# kit-scratch.sh: sourced by the bench scripts that run the shared bench kit. The kit is
# read-only and writes bin/ and results/ beside itself, so the scripts work in a scratch
# copy of it: kit_scratch sets work to $BENCH_SCRATCH/bench when that copy exists, else
# copies $kit into BENCH_SCRATCH (or a new mktemp -d) first.
kit_scratch() {
	if [ -n "${BENCH_SCRATCH:-}" ] && [ -d "$BENCH_SCRATCH/bench" ]; then
		work="$BENCH_SCRATCH/bench"
		return
	fi
	local scratch="${BENCH_SCRATCH:-$(mktemp -d)}"
	mkdir -p "$scratch"
	cp -r "$kit" "$scratch/"
	work="$scratch/bench"
	chmod -R u+w "$work"
}
