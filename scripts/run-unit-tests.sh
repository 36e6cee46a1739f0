#!/bin/sh
# Run each unit test binary, show its output, and add up the counts each one
# prints on its last line ("N passed, N failed"). A binary that crashes or
# prints no such line counts as one failure. Ends with one summary line:
#   unit: N passed, N failed
# and exits non-zero if anything failed.
set -u

if [ $# -eq 0 ]; then
	echo "usage: $0 TEST_BINARY..." >&2
	exit 2
fi

total_passed=0
total_failed=0
output=$(mktemp) || exit 1
trap 'rm -f "$output"' EXIT INT TERM

for test_binary in "$@"; do
	name=$(basename "$test_binary")
	echo "== $name"
	"$test_binary" >"$output"
	status=$?
	cat "$output"
	summary=$(tail -n 1 "$output")
	passed=$(printf '%s\n' "$summary" | sed -n 's/^\([0-9][0-9]*\) passed, \([0-9][0-9]*\) failed$/\1/p')
	failed=$(printf '%s\n' "$summary" | sed -n 's/^\([0-9][0-9]*\) passed, \([0-9][0-9]*\) failed$/\2/p')
	if [ -z "$passed" ]; then
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
