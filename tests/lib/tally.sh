# shellcheck shell=bash
# Sourced by the shell test steps: the one "NAME: ok/FAIL" line format and the
# "NAME: N passed, N failed" last line that scripts/test.sh counts.
#   TALLY=name; . tests/lib/tally.sh
#   ok CHECK            a pass
#   fail CHECK DETAIL   a failure, with what was seen
#   finish              the last line; exits 0 when nothing failed, else 1
passed=0
failed=0

say() { printf '%s: %s\n' "$TALLY" "$*"; }
ok() {
	passed=$((passed + 1))
	say "ok   $1"
}
fail() {
	failed=$((failed + 1))
	say "FAIL $1: $2"
}
finish() {
	say "$passed passed, $failed failed"
	[ "$failed" = 0 ]
	exit $?
}
