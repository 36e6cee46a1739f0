#!/bin/bash
# Does `bindsnoop --backend auto -v` pick EXPECTED here, and say why each
# better backend was refused? Usage: scripts/check-auto.sh EXPECTED [BINDSNOOP]
# Prints one line per check and "auto: N passed, N failed".
set -u
# shellcheck source=tests/lib/tracer.sh
. "$(dirname "$0")/../tests/lib/tracer.sh"
expected=$1
bindsnoop=${2:-./bindsnoop}
err=$(mktemp)
passed=0
failed=0

check() {
	if grep -q "$2" "$err"; then
		echo "ok   $1"
		passed=$((passed + 1))
	else
		echo "FAIL $1: no line matching '$2' in: $(tr '\n' '|' <"$err")"
		failed=$((failed + 1))
	fi
}

tracer_start /dev/null "$err" "$bindsnoop" --backend auto -v
tracer_stop
status=$tracer_status

check "auto-attached" '^Tracing'
check "auto-chose-$expected" "using the $expected backend"
for better in fexit kprobe; do
	[ "$better" = "$expected" ] && break
	check "auto-says-why-not-$better" "$better backend refused: .* failed: "
done
if [ $status = 0 ]; then
	echo "ok   auto-exit-0"
	passed=$((passed + 1))
else
	echo "FAIL auto-exit-0: exit status $status"
	failed=$((failed + 1))
fi
rm -f "$err"
echo "auto: $passed passed, $failed failed"
[ $failed = 0 ]
