#!/bin/sh
# Run each libFuzzer target for SECONDS on its corpus in tests/fuzz/corpus/NAME.
#   scripts/run-fuzz.sh SECONDS build/fuzz/fuzz_A build/fuzz/fuzz_B ...
# The repository corpus is read, never written: new inputs go to a scratch
# directory, crashes to build/fuzz/crashes/NAME (reproduce: the target with
# the crash file as its argument). One line per target, then
# "fuzz: N passed, N failed"; exit 1 if any target found a crash. FUZZ_JOBS
# targets run at once (default: the number of CPUs).
set -u
cd "$(dirname "$0")/.."
seconds=$1
shift
passed=0
failed=0
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
# One target: its verdict line(s) in $scratch/NAME.verdict, "ok" or "FAIL" first.
fuzz_one() {
	target=$1
	name=$(basename "$target" | sed 's/^fuzz_//')
	corpus=tests/fuzz/corpus/$name
	crashes=build/fuzz/crashes/$name
	mkdir -p "$scratch/$name" "$crashes" "$corpus"
	log=$scratch/$name.log
	# detect_leaks: a leak is a finding like a crash.
	if ASAN_OPTIONS=detect_leaks=1 "$target" -max_total_time="$seconds" -timeout=10 \
		-rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$crashes/" \
		"$scratch/$name" "$corpus" >"$log" 2>&1; then
		runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
		echo "ok   $name: ${runs:-?} inputs in ${seconds} s" >"$scratch/$name.verdict"
	else
		{
			echo "FAIL $name: a crash, leak or check failure; inputs in $crashes/"
			grep -E 'fuzz check failed|ERROR: |SUMMARY|runtime error' "$log" | head -5 |
				sed 's/^/     /'
		} >"$scratch/$name.verdict"
	fi
}

# Each target single-threaded for its SECONDS, FUZZ_JOBS of them at once
# (default: one per CPU): the same time per target, the step's wall time
# divided by the CPUs.
jobs=${FUZZ_JOBS:-$(nproc)}
running=0
for target in "$@"; do
	fuzz_one "$target" &
	running=$((running + 1))
	if [ "$running" -ge "$jobs" ]; then
		wait
		running=0
	fi
done
wait
for target in "$@"; do
	name=$(basename "$target" | sed 's/^fuzz_//')
	verdict=$scratch/$name.verdict
	if [ -s "$verdict" ] && head -n 1 "$verdict" | grep -q '^ok '; then
		passed=$((passed + 1))
	else
		[ -s "$verdict" ] || echo "FAIL $name: no verdict" >"$verdict"
		failed=$((failed + 1))
	fi
	cat "$verdict"
done
echo "fuzz: $passed passed, $failed failed"
[ "$failed" = 0 ]
