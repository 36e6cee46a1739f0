#!/bin/sh
# The storm benchmarks: one table of what bindsnoop costs, against the same
# workloads untraced and beside an empty BPF program on the same hook (the
# floor: what the hook costs before a tracer does anything). Not a test:
# `make test` never runs it. POSIX sh and busybox tools only, since
# scripts/vm-bench.sh runs it inside the test VMs too.
#
#   scripts/bench.sh [--bindsnoop PATH] [--tools DIR] [--backend NAME]
#                    [--count N] [--success-count N] [--getppid-count N]
#                    [--runs N] [--startup-runs N] [--port P] [--out DIR]
#                    [--rows]
#   scripts/bench.sh --table FILE
#
#   --tools DIR          bind-storm, getppid-loop, empty-hook, tracer-startup
#                        (default build/tests; `make bench` builds them)
#   --backend NAME       bindsnoop's --backend (default auto); the empty
#                        program goes on the hook of the backend auto chose
#   --count N            failed binds per storm (default 1000000)
#   --success-count N    binds to port 0 that work, per storm (default 200000)
#   --getppid-count N    getppid() calls per loop (default 5000000)
#   --runs N             runs of each measurement; rates are the best (3)
#   --startup-runs N     starts timed to the Tracing line; the best (5)
#
# Rows: failed binds untraced, beside the empty program, under bindsnoop
# (default: repeats folded in the kernel) and bindsnoop --no-fold; a storm of
# successful binds untraced and under bindsnoop; a getppid() loop untraced
# and while bindsnoop is attached. Columns: rate, ratio to the same workload
# untraced, ratio to the floor (the empty program's ratio), failures counted
# (the sum of the JSON "count" fields, 1 where a record has none) of the
# storm's, events lost, and bindsnoop's idle RSS and time from exec to its
# Tracing line. Then one PASS or MISS line per target (README, Benchmark).
#
# With --rows (scripts/vm-bench.sh reads them) each row is also printed as
#   bench-row|label|rate|ratio|floor|counted|expected|lost|rss_kb|start_ms
# ("|": a serial console may turn tabs into spaces)
# with "-" where a column does not apply and "n/a" for a row that could not
# run, and errors as "bench: error <text>". --table FILE prints the table of
# such rows (tab-separated, without the bench-row field) and nothing else: scripts/vm-bench.sh
# prints its tables with it, so there is one table format.
set -eu

# The table of a rows file (tab-separated, row's fields).
print_table() {
	printf '%-40s %11s %6s %6s %19s %9s %7s %9s\n' workload rate/s ratio floor counted lost \
		"RSS kB" "start"
	awk -F'\t' '{
		counted = $5 == "-" ? "-" : $5 "/" $6
		start = $9 == "-" ? "-" : $9 " ms"
		if ($2 ~ /^n\/a/)
			printf "%-40s %s\n", $1, $2
		else
			printf "%-40s %11s %6s %6s %19s %9s %7s %9s\n", $1, $2, $3, $4, counted, $7,
				$8, start
	}' "$1"
}

if [ "${1:-}" = --table ] && [ $# -eq 2 ]; then
	print_table "$2"
	exit 0
fi

bindsnoop=./bindsnoop
tools=build/tests
backend=auto
count=1000000
success_count=200000
getppid_count=5000000
runs=3
startup_runs=5
port=39999
out=${TMPDIR:-/tmp}/bindsnoop-bench
print_rows=0
while [ $# -gt 0 ]; do
	case $1 in
	--bindsnoop) bindsnoop=$2; shift 2 ;;
	--tools) tools=$2; shift 2 ;;
	--storm) tools=$(dirname "$2"); shift 2 ;;
	--backend) backend=$2; shift 2 ;;
	--count) count=$2; shift 2 ;;
	--success-count) success_count=$2; shift 2 ;;
	--getppid-count) getppid_count=$2; shift 2 ;;
	--runs) runs=$2; shift 2 ;;
	--startup-runs) startup_runs=$2; shift 2 ;;
	--port) port=$2; shift 2 ;;
	--out) out=$2; shift 2 ;;
	--rows) print_rows=1; shift ;;
	*) echo "bench: unknown argument $1 (see the header of $0)" >&2; exit 2 ;;
	esac
done
for tool in bind-storm getppid-loop empty-hook tracer-startup; do
	if ! [ -x "$tools/$tool" ]; then
		echo "bench: $tools/$tool is missing; build it with 'make bench'" >&2
		exit 2
	fi
done
mkdir -p "$out"
storm=$tools/bind-storm
tracer_pid=

# The rate a tool printed: "... in S s: RATE per second".
rate_of() {
	awk '/ per second$/ { print int($(NF-2)) }'
}

# Best of $runs runs of "$@" (a tool that prints its rate).
best_rate() {
	best=0
	i=0
	while [ $i -lt "$runs" ]; do
		rate=$("$@" | rate_of)
		[ "${rate:-0}" -gt "$best" ] && best=$rate
		i=$((i + 1))
	done
	echo "$best"
}

failed_storm() {
	"$storm" --count "$count" --port "$port"
}

succeeding_storm() {
	"$storm" --succeed --count "$success_count"
}

getppid_loop() {
	"$tools/getppid-loop" --count "$getppid_count"
}

# Starts "$@" in the background as $tracer_pid, stdout to $out/events,
# stderr to $out/stderr, and waits (60 s at most) for its Tracing line.
start_tracer() {
	# Emptied here, not only by the child's redirections: those may come
	# after the first look for "Tracing", which would find the last run's.
	: >"$out/events"
	: >"$out/stderr"
	"$@" >"$out/events" 2>"$out/stderr" </dev/null &
	tracer_pid=$!
	waited=0
	until grep -q '^Tracing' "$out/stderr" 2>/dev/null; do
		if ! kill -0 "$tracer_pid" 2>/dev/null || [ $waited -gt 600 ]; then
			echo "bench: error $1 did not start:"
			sed 's/^/bench: error /' "$out/stderr"
			stop_tracer
			return 1
		fi
		sleep 0.1
		waited=$((waited + 1))
	done
}

stop_tracer() {
	if [ -n "$tracer_pid" ]; then
		kill -INT "$tracer_pid" 2>/dev/null || true
		wait "$tracer_pid" || true
		tracer_pid=
	fi
}
trap stop_tracer EXIT

# Failures of the storm's port in $out/events: the sum of each bind_failed
# record's own "count" (1 where it has none), then the sum of the lost
# records' counts. A record's diagnosis.repeat has a count of its own: it
# is cut out first.
count_events() {
	awk -v port="$port" '
	/"event":"bind_failed"/ && index($0, "\"port\":" port ",") {
		line = $0
		gsub(/"repeat":\{[^}]*\}/, "", line)
		if (match(line, /"count":[0-9]+/))
			counted += substr(line, RSTART + 8, RLENGTH - 8)
		else
			counted++
	}
	/"event":"lost"/ && match($0, /"count":[0-9]+/) { lost += substr($0, RSTART + 8, RLENGTH - 8) }
	END { print counted + 0, lost + 0 }' "$out/events"
}

# One traced storm measurement, best of $runs: sets traced_rate, counted,
# lost for the best run. "$@" are bindsnoop's extra options.
traced_failed_storm() {
	traced_rate=0
	counted=0
	lost=0
	i=0
	while [ $i -lt "$runs" ]; do
		start_tracer "$bindsnoop" --json --backend "$backend" --port "$port" "$@" || return 1
		rate=$(failed_storm | rate_of)
		stop_tracer
		rate=${rate:-0}
		read -r run_counted run_lost <<EOF
$(count_events)
EOF
		echo "bench: traced run $((i + 1))${1:+ ($*)}: $rate binds/s, $run_counted of $count" \
			"failures counted, $run_lost lost"
		if [ "$rate" -gt "$traced_rate" ]; then
			traced_rate=$rate
			counted=$run_counted
			lost=$run_lost
		fi
		i=$((i + 1))
	done
}

# A workload's rate while bindsnoop (default options) is attached.
beside_bindsnoop() {
	start_tracer "$bindsnoop" --json --backend "$backend" || return 1
	best_rate "$@"
	stop_tracer
}

# bindsnoop's start-up, best of $startup_runs, and its idle RSS (the largest
# seen): sets start_ms, rss_kb, chosen (the backend it said it traces with).
measure_startup() {
	start_ms=
	rss_kb=0
	i=0
	while [ $i -lt "$startup_runs" ]; do
		line=$("$tools/tracer-startup" -- "$bindsnoop" --backend "$backend" "$@") || {
			echo "bench: error bindsnoop --backend $backend $* did not start: $line"
			return 1
		}
		ms=$(echo "$line" | awk '{ print $2 }')
		kb=$(echo "$line" | awk '{ print $7 }')
		chosen=$(echo "$line" | sed -n 's/.*with the \([a-z]*\) backend.*/\1/p')
		if [ -z "$start_ms" ] || awk -v a="$ms" -v b="$start_ms" 'BEGIN { exit !(a < b) }'; then
			start_ms=$ms
		fi
		[ "$kb" -gt "$rss_kb" ] && rss_kb=$kb
		i=$((i + 1))
	done
}

ratio() {
	awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "-" }'
}

rows=$out/rows
: >"$rows"
# row LABEL RATE RATIO FLOOR COUNTED EXPECTED LOST RSS START
row() {
	printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$@" >>"$rows"
	[ $print_rows = 0 ] || printf 'bench-row|%s|%s|%s|%s|%s|%s|%s|%s|%s\n' "$@"
}

# Does this bindsnoop know --no-fold? (Builds before in-kernel folding do not.)
has_no_fold=0
"$bindsnoop" --help 2>/dev/null | grep -q -- '--no-fold' && has_no_fold=1

measure_startup || exit 1
default_start=$start_ms
default_rss=$rss_kb
hook=$chosen
echo "bench: bindsnoop --backend $backend traces with the $hook backend; started in" \
	"$default_start ms (best of $startup_runs), idle RSS $default_rss kB"
if [ $has_no_fold = 1 ]; then
	measure_startup --no-fold || exit 1
	no_fold_start=$start_ms
	no_fold_rss=$rss_kb
fi

untraced=$(best_rate failed_storm)
row "failed binds, untraced" "$untraced" 1.00 - - - - - -

floor=
if start_tracer "$tools/empty-hook" --hook "$hook"; then
	floor_rate=$(best_rate failed_storm)
	stop_tracer
	floor=$(ratio "$floor_rate" "$untraced")
	row "failed binds, empty $hook program" "$floor_rate" "$floor" 1.00 - - - - -
else
	row "failed binds, empty $hook program" "n/a (it did not attach)" - - - - - - -
fi

traced_failed_storm
default_ratio=$(ratio "$traced_rate" "$untraced")
default_floor=$(ratio "$default_ratio" "${floor:-0}")
default_counted=$counted
default_lost=$lost
row "failed binds, bindsnoop" "$traced_rate" "$default_ratio" "$default_floor" "$counted" \
	"$count" "$lost" "$default_rss" "$default_start"

if [ $has_no_fold = 1 ]; then
	traced_failed_storm --no-fold
	no_fold_ratio=$(ratio "$traced_rate" "$untraced")
	no_fold_counted=$counted
	no_fold_lost=$lost
	row "failed binds, bindsnoop --no-fold" "$traced_rate" "$no_fold_ratio" \
		"$(ratio "$no_fold_ratio" "${floor:-0}")" "$counted" "$count" "$lost" "$no_fold_rss" \
		"$no_fold_start"
else
	row "failed binds, bindsnoop --no-fold" "n/a (this build has no --no-fold)" - - - - - - -
fi

success_untraced=$(best_rate succeeding_storm)
row "successful binds, untraced" "$success_untraced" 1.00 - - - - - -
success_traced=$(beside_bindsnoop succeeding_storm)
row "successful binds, bindsnoop" "$success_traced" \
	"$(ratio "$success_traced" "$success_untraced")" - - - - - -

getppid_untraced=$(best_rate getppid_loop)
row "getppid(), untraced" "$getppid_untraced" 1.00 - - - - - -
getppid_traced=$(beside_bindsnoop getppid_loop)
row "getppid(), bindsnoop attached" "$getppid_traced" \
	"$(ratio "$getppid_traced" "$getppid_untraced")" - - - - - -

echo
echo "bench: $count failed binds on 127.0.0.1:$port, $success_count successful binds," \
	"$getppid_count getppid() calls; best of $runs; bindsnoop --backend $backend ($hook)," \
	"JSON to a file"
echo
print_table "$rows"
echo

# verdict NAME CONDITION(awk) TEXT...
verdict() {
	name=$1
	condition=$2
	shift 2
	if awk "BEGIN { exit !($condition) }"; then
		echo "bench: PASS $name: $*"
	else
		echo "bench: MISS $name: $*"
	fi
}
if [ -n "$floor" ]; then
	verdict "folding" "$default_ratio >= 0.75 * $floor && $default_counted == $count && \
$default_lost == 0" "default ratio $default_ratio >= 0.75 x floor $floor =" \
		"$(awk -v f="$floor" 'BEGIN { printf "%.2f", 0.75 * f }'), $default_counted of $count \
counted, $default_lost lost"
else
	echo "bench: MISS folding: no floor (the empty program did not attach)"
fi
if [ $has_no_fold = 1 ]; then
	verdict "no-fold" "$no_fold_ratio >= 0.45 && $no_fold_counted == $count && \
$no_fold_lost == 0" "--no-fold ratio $no_fold_ratio >= 0.45, $no_fold_counted of $count \
received, $no_fold_lost lost"
else
	echo "bench: n/a no-fold: this build has no --no-fold"
fi
verdict "rss" "$default_rss <= 16384" "idle RSS $default_rss kB <= 16384 kB (16 MiB)"
if [ "$backend" = auto ]; then
	verdict "start-up" "$default_start <= 100" "--backend auto prints Tracing in" \
		"$default_start ms <= 100 ms"
else
	echo "bench: start-up target is for --backend auto; --backend $backend took" \
		"$default_start ms"
fi
