#!/bin/sh
# Run each unit test binary, show its output, and add up the counts each one
# prints on its last line ("N passed, N failed"). A binary that crashes or
# prints no such line counts as one failure. Ends with one summary line:
#   unit: N passed, N failed
# and exits non-zero if anything failed.
set -u
# shellcheck source=tests/lib/summary.sh
. "$(dirname "$0")/../tests/lib/summary.sh"

if [ $# -eq 0 ]; then
	echo "usage: $0 TEST_BINARY..." >&2
	exit 2
fi

total_passed=0
total_failed=0
output=$(mktemp) || exit 1
trap 'rm -f "$output" "$output.last"' EXIT INT TERM

for test_binary in "$@"; do
	name=$(basename "$test_binary")
	echo "== $name"
	"$test_binary" >"$output"
	status=$?
	cat "$output"
	# The summary must be the last line: output after it means a crash.
	tail -n 1 "$output" >"$output.last"
	counts=$(summary_counts "$output.last")
	passed=${counts%% *}
	failed=${counts#* }
	failed=${failed%% *}
	if [ -z "$counts" ]; then
		echo "$name: no \"N passed, N failed\" line (exit status $status): counted as 1 failure"
		passed=0
		failed=1
	elif [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then
		echo "$name: exit status $status with no failed check: counted as 1 failure"
		failed=1
	fi
	total_passed=$((total_passed + passed))
	total_failed=$((total_failed + failed))
done

echo "unit: $total_passed passed, $total_failed failed"
[ "$total_failed" -eq 0 ]
