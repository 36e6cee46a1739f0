#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#
# scripts/check-layers.sh: user/'s folders are the pipeline's stages, and an
# include may only point back along it:
#
#   shared (user/*.c, user/*.h) -> capture -> enrich -> diagnose -> output
#     -> pipeline, who (above the stages) -> main.c
#
# A stage includes its own headers, the shared ones and those of the stages
# before it; the shared layer includes only itself. A header of user/ is
# included by its path under user/ ("output/format.h"), so that the include
# says where it points. Headers outside user/ (bpf/, the skeleton in build/,
# the system's) are not checked. The options (user/options.[ch],
# user/option_table.c, user/option_spec.h) are the one exception: the run's
# settings are made of each stage's own setting types (a --path filter, a
# --syslog target), and every stage reads them. Prints one line per offence and exits 1, or
# prints a one-line summary and exits 0. make test runs it (scripts/test.sh).
set -euo pipefail
cd "$(dirname "$0")/.."

rank_of() {
	case $1 in
	user/main.c) echo 7 ;;
	user/options.[ch] | user/option_table.c | user/option_spec.h) echo 6 ;;
	user/pipeline/* | user/who/*) echo 6 ;;
	user/output/*) echo 5 ;;
	user/diagnose/*) echo 4 ;;
	user/enrich/*) echo 3 ;;
	user/capture/*) echo 2 ;;
	user/*) echo 1 ;;
	esac
}

offences=0 checked=0
while IFS= read -r file; do
	from=$(rank_of "$file")
	while IFS=: read -r line target; do
		checked=$((checked + 1))
		if [ -f "user/$target" ]; then
			to=$(rank_of "user/$target")
			case $target in options.h | option_spec.h) to=1 ;; esac
			if [ "$to" -gt "$from" ] || { [ "$from" -eq 6 ] && [ "$to" -eq 6 ] &&
				[ "${target%%/*}" != "$(basename "$(dirname "$file")")" ]; }; then
				echo "$file:$line: includes \"$target\", a later stage: move the shared part down, or the caller up"
				offences=$((offences + 1))
			fi
		elif hit=$(cd user && compgen -G "*/$target"); then
			echo "$file:$line: includes \"$target\" by name: write \"$hit\""
			offences=$((offences + 1))
		fi
	done < <(grep -n '^[[:space:]]*#[[:space:]]*include[[:space:]]*"' "$file" |
		sed 's/^\([0-9]*\):[^"]*"\([^"]*\)".*/\1:\2/')
done < <(find user -name '*.[ch]' | sort)

if [ "$offences" -gt 0 ]; then
	echo "check-layers: $offences include(s) against the stage order of user/ (see scripts/check-layers.sh)"
	echo "check-layers: $((checked - offences)) passed, $offences failed"
	exit 1
fi
echo "check-layers: every include of user/ follows the stage order: $checked passed, 0 failed"
