# shellcheck shell=sh
# The one reader of the summary line every harness ends with
# (tests/lib/tally.sh writes it for the shell steps):
#   [NAME: ]N passed, N failed[, N skipped][ (...)]
# summary_counts FILE prints "PASSED FAILED SKIPPED" from FILE's last such
# line (SKIPPED 0 when it says none), or returns 1 when FILE has none.
# Sourced by scripts/test.sh and scripts/run-unit-tests.sh (POSIX sh).
summary_counts() {
	grep -E '(^|[^0-9])[0-9]+ passed, [0-9]+ failed' "$1" | tail -n 1 |
		sed -E 's/^(.*[^0-9])?([0-9]+) passed, ([0-9]+) failed(, ([0-9]+) skipped)?.*$/\2 \3 \5/' |
		awk 'NF { print $1, $2, (NF > 2 ? $3 : 0); found = 1 } END { exit !found }'
}
