#!/bin/sh
# The storm benchmarks: one table of what bindsnoop costs, against the same
# workloads untraced and beside an empty BPF program on the same hook (the
# floor: what the hook costs before a tracer does anything). Not a test:
# `make test` never runs it. POSIX sh and busybox tools only, since
# scripts/vm-bench.sh runs it inside the test VMs too.
#
#   scripts/bench.sh [--bindsnoop PATH] [--tools DIR] [--backend NAME]
#                    [--count N] [--success-count N] [--crash-count N]
#                    [--getppid-count N]
#                    [--runs N] [--startup-runs N] [--port P] [--out DIR]
#                    [--rows]
#   scripts/bench.sh --table FILE
#
#   --tools DIR          bind-storm, getppid-loop, empty-hook, tracer-startup
#                        and (optional) bpf-run-time (default build/tests;
#                        `make bench` builds them)
#   --backend NAME       bindsnoop's --backend (default auto); the empty
#                        program goes on the hook of the backend auto chose
#   --count N            failed binds per storm (default 1000000)
#   --success-count N    binds to port 0 that work, per storm (default 200000)
#   --crash-count N      processes of the crash loop (default 2000)
#   --getppid-count N    getppid() calls per loop (default 5000000)
#   --runs N             rounds of each workload, each round running it once
#                        untraced and once under each program compared (the
#                        empty one, bindsnoop); rates are the medians (5)
#   --startup-runs N     starts timed to the Tracing line; the best (5)
#
# Rows: failed binds untraced, beside the empty program, under bindsnoop
# (default: repeats folded in the kernel) and bindsnoop --no-fold; the same
# storm from two threads; a storm over 1,000 held ports (distinct fold
# keys); a crash loop (--crash-count processes failing once each, every
# failure a full report); a storm of successful binds; a getppid() loop
# untraced and while bindsnoop is attached. Columns: rate, ratio to the same
# workload untraced, ratio to the floor (the empty program's ratio), ns per
# event over the floor (failed binds on one port) or over the untraced
# workload (the others): the wall-clock delta, which compares across
# machines; BPF ns per run of bindsnoop's busiest program (the kernel's
# bpf_stats, through bpf-run-time, in one more run of its own: the
# statistics' clock reads slow every program run, so no timed run has
# them; "-" without it); failures counted (the
# sum of the JSON "count" fields, 1 where a record has none) of the storm's,
# events lost, and bindsnoop's idle RSS and time from exec to its Tracing
# line. Then one PASS or MISS line per target (README, Benchmark).
#
# With --rows (scripts/vm-bench.sh reads them) each row is also printed as
#   bench-row|label|rate|ratio|floor|counted|expected|lost|rss_kb|start_ms|ns|bpf_ns
# ("|": a serial console may turn tabs into spaces)
# with "-" where a column does not apply and "n/a" for a row that could not
# run, and errors as "bench: error <text>". --table FILE prints the table of
# such rows (tab-separated, without the bench-row field) and nothing else: scripts/vm-bench.sh
# prints its tables with it, so there is one table format.
set -eu

# The table of a rows file (tab-separated, row's fields).
print_table() {
	printf '%-44s %10s %6s %6s %7s %7s %17s %6s %7s %9s\n' workload rate/s ratio floor \
		"ns/ev" "bpf ns" counted lost "RSS kB" "start"
	awk -F'\t' '{
		counted = $5 == "-" ? "-" : $5 "/" $6
		start = $9 == "-" ? "-" : $9 " ms"
		# Rows of an older bench.sh have no ns columns.
		ns = $10 == "" ? "-" : $10
		bpf = $11 == "" ? "-" : $11
		if ($2 ~ /^n\/a/)
			printf "%-44s %s\n", $1, $2
		else
			printf "%-44s %10s %6s %6s %7s %7s %17s %6s %7s %9s\n", $1, $2, $3, $4, ns,
				bpf, counted, $7, $8, start
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
crash_count=2000
getppid_count=5000000
runs=5
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
	--crash-count) crash_count=$2; shift 2 ;;
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
run_time=
[ -x "$tools/bpf-run-time" ] && run_time=$tools/bpf-run-time
tracer_pid=
# Ports the 1,000-port storm holds: from port+1 up.
spread_ports=1000
spread_first=$((port + 1))
spread_last=$((port + spread_ports))

# The rate a tool printed: "... in S s: RATE per second".
rate_of() {
	awk '/ per second$/ { print int($(NF-2)) }'
}

# The median of the numbers in FILE (the lower middle one of an even count).
median_of() {
	sort -n "$1" | awk '{ v[NR] = $1 } END { print NR ? v[int((NR + 1) / 2)] : 0 }'
}

# The workloads. $run_under (measure_bpf_ns) runs them under bpf-run-time.
run_under=

failed_storm() {
	$run_under "$storm" --count "$count" --port "$port"
}

two_thread_storm() {
	$run_under "$storm" --count "$count" --port "$port" --threads 2
}

spread_storm() {
	$run_under "$storm" --count "$count" --port "$spread_first" --ports "$spread_ports"
}

crash_loop() {
	$run_under "$storm" --count "$crash_count" --port "$port" --processes
}

succeeding_storm() {
	$run_under "$storm" --succeed --count "$success_count"
}

getppid_loop() {
	$run_under "$tools/getppid-loop" --count "$getppid_count"
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

# Failures on the storm's ports (FIRST..LAST, default the one port) in
# $out/events: the sum of each bind_failed record's own "count" (1 where it
# has none), then the sum of the lost records' counts. A record's
# diagnosis.repeat has a count of its own: it is cut out first. The first
# "port" of a record is the port asked for.
count_events() {
	awk -v first="${1:-$port}" -v last="${2:-$port}" '
	/"event":"bind_failed"/ && match($0, /"port":[0-9]+,/) &&
	substr($0, RSTART + 7, RLENGTH - 8) + 0 >= first + 0 &&
	substr($0, RSTART + 7, RLENGTH - 8) + 0 <= last + 0 {
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

# "$@" once more under bpf-run-time for the tracer's programs, when there is
# one: in $out/bpf the BPF ns per run of the program that ran most ("-"
# without it). A run of its own, never a timed one: the kernel's statistics
# cost every program run two clock reads (about 75 ns on this project's CI
# machine, as much as an empty program's whole run), which the untraced and
# empty-program rows do not pay.
measure_bpf_ns() {
	echo - >"$out/bpf"
	[ -n "$run_time" ] || return 0
	run_under="$run_time --pid $tracer_pid --"
	"$@" >"$out/run-time"
	run_under=
	awk '/^bpf-run-time: / && $3 > runs { runs = $3; ns = $5 }
	END { print ns == "" ? "-" : ns }' "$out/run-time" >"$out/bpf"
}

# What each arm of a round attaches before its run of the workload
# (start_tracer), or nothing (untraced). bindsnoop's arms trace the ports of
# the round ($ports).
arm_untraced() {
	:
}

arm_empty() {
	start_tracer "$tools/empty-hook" --hook "$hook"
}

arm_bindsnoop() {
	start_tracer "$bindsnoop" --json --backend "$backend" --port "$ports"
}

arm_no_fold() {
	start_tracer "$bindsnoop" --json --backend "$backend" --port "$ports" --no-fold
}

# bindsnoop with default options, beside a workload that is no storm of its
# failures (successful binds, getppid()).
arm_attached() {
	start_tracer "$bindsnoop" --json --backend "$backend"
}

# rounds WORKLOAD FIRST LAST ARM...: $runs rounds, each running WORKLOAD
# (a function above) once per ARM in turn, ARM's program attached
# (arm_ARM). On a shared machine the speed drifts by more than a target's
# margin over a bench: within a round every arm meets the same drift, so
# medians over rounds compare (best-of runs taken minutes apart once read
# successful binds faster traced than untraced, 1.14). Per ARM, in $out:
# rate.ARM, the median rate; for bindsnoop's arms counted.ARM and lost.ARM
# (the fewest failures on ports FIRST..LAST counted and the most lost in
# any run) and bpf.ARM (measure_bpf_ns, one more run).
rounds() {
	workload=$1
	first=$2
	last=$3
	shift 3
	ports=$first
	[ "$last" = "$first" ] || ports=$first-$last
	for arm in "$@"; do
		: >"$out/rates.$arm"
		echo - >"$out/counted.$arm"
		echo 0 >"$out/lost.$arm"
		echo - >"$out/bpf.$arm"
	done
	round=1
	while [ $round -le "$runs" ]; do
		for arm in "$@"; do
			"arm_$arm" || return 1
			rate=$("$workload" | rate_of)
			rate=${rate:-0}
			echo "$rate" >>"$out/rates.$arm"
			stop_tracer # nothing to stop after arm_untraced
			case $arm in
			bindsnoop | no_fold)
				read -r run_counted run_lost <<EOF
$(count_events "$first" "$last")
EOF
				echo "bench: round $round ($workload, $arm): $rate/s," \
					"$run_counted failures counted, $run_lost lost"
				counted=$(cat "$out/counted.$arm")
				[ "$counted" != - ] && [ "$counted" -le "$run_counted" ] ||
					echo "$run_counted" >"$out/counted.$arm"
				[ "$(cat "$out/lost.$arm")" -ge "$run_lost" ] ||
					echo "$run_lost" >"$out/lost.$arm"
				;;
			*) echo "bench: round $round ($workload, $arm): $rate/s" ;;
			esac
		done
		round=$((round + 1))
	done
	for arm in "$@"; do
		median_of "$out/rates.$arm" >"$out/rate.$arm"
		case $arm in
		untraced | empty) ;;
		*)
			"arm_$arm" || return 1
			measure_bpf_ns "$workload" >/dev/null
			stop_tracer
			cp "$out/bpf" "$out/bpf.$arm"
			echo "bench: BPF run time ($workload, $arm): $(cat "$out/bpf") ns per run"
			;;
		esac
	done
}

# A value rounds() left: field FIELD (rate, counted, lost, bpf) of ARM.
of() {
	cat "$out/$1.$2"
}

# bindsnoop's start-up, best of $startup_runs, and its idle RSS (the largest
# seen): sets start_ms, rss_kb, chosen (the backend it said it traces with),
# start_cpu_ms (its threads' own run time to Tracing, the least seen: what
# the load around it does not change) and verified (the verifier's
# instructions for its costliest program; 0 before 5.16).
measure_startup() {
	start_ms=
	start_cpu_ms=
	rss_kb=0
	i=0
	while [ $i -lt "$startup_runs" ]; do
		line=$("$tools/tracer-startup" -- "$bindsnoop" --backend "$backend" "$@") || {
			echo "bench: error bindsnoop --backend $backend $* did not start: $line"
			return 1
		}
		ms=$(echo "$line" | awk '{ print $2 }')
		kb=$(echo "$line" | awk '{ print $7 }')
		cpu_ms=$(echo "$line" | awk '{ print $13 }')
		verified=$(echo "$line" | awk '{ print $16 }' | tr -d ,)
		if [ -z "$start_cpu_ms" ] ||
			awk -v a="$cpu_ms" -v b="$start_cpu_ms" 'BEGIN { exit !(a < b) }'; then
			start_cpu_ms=$cpu_ms
		fi
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

# ns per event that a workload at RATE/s takes over the same at BASE/s.
ns_over() {
	awk -v rate="$1" -v base="$2" \
		'BEGIN { if (rate > 0 && base > 0) printf "%.0f", 1e9 / rate - 1e9 / base; else print "-" }'
}

rows=$out/rows
: >"$rows"
# row LABEL RATE RATIO FLOOR COUNTED EXPECTED LOST RSS START NS BPF_NS
row() {
	printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$@" >>"$rows"
	[ $print_rows = 0 ] || printf 'bench-row|%s|%s|%s|%s|%s|%s|%s|%s|%s|%s|%s\n' "$@"
}

# Does this bindsnoop know --no-fold? (Builds before in-kernel folding do not.)
has_no_fold=0
"$bindsnoop" --help 2>/dev/null | grep -q -- '--no-fold' && has_no_fold=1

measure_startup || exit 1
default_start=$start_ms
default_start_cpu=$start_cpu_ms
default_verified=$verified
default_rss=$rss_kb
hook=$chosen
echo "bench: bindsnoop --backend $backend traces with the $hook backend; started in" \
	"$default_start ms (best of $startup_runs; $default_start_cpu ms on CPU), idle RSS" \
	"$default_rss kB"
if [ $has_no_fold = 1 ]; then
	measure_startup --no-fold || exit 1
	no_fold_start=$start_ms
	no_fold_rss=$rss_kb
fi

# The empty program is one arm of the rounds where it attaches.
floor_arm=
if start_tracer "$tools/empty-hook" --hook "$hook"; then
	stop_tracer
	floor_arm=empty
fi
no_fold_arm=
[ $has_no_fold = 0 ] || no_fold_arm=no_fold

# shellcheck disable=SC2086 # the optional arms are one word or none
rounds failed_storm "$port" "$port" untraced $floor_arm bindsnoop $no_fold_arm || exit 1
untraced=$(of rate untraced)
row "failed binds, untraced" "$untraced" 1.00 - - - - - - - -
floor=
floor_rate=
if [ -n "$floor_arm" ]; then
	floor_rate=$(of rate empty)
	floor=$(ratio "$floor_rate" "$untraced")
	row "failed binds, empty $hook program" "$floor_rate" "$floor" 1.00 - - - - - \
		"$(ns_over "$floor_rate" "$untraced")" -
else
	row "failed binds, empty $hook program" "n/a (it did not attach)" - - - - - - - - -
fi
# failed_row LABEL ARM RSS START: the row of one of bindsnoop's arms of the
# one-port storm.
failed_row() {
	arm_rate=$(of rate "$2")
	arm_ratio=$(ratio "$arm_rate" "$untraced")
	row "$1" "$arm_rate" "$arm_ratio" "$(ratio "$arm_ratio" "${floor:-0}")" "$(of counted "$2")" \
		"$count" "$(of lost "$2")" "$3" "$4" "$(ns_over "$arm_rate" "${floor_rate:-0}")" \
		"$(of bpf "$2")"
}

failed_row "failed binds, bindsnoop" bindsnoop "$default_rss" "$default_start"
default_rate=$(of rate bindsnoop)
default_ratio=$(ratio "$default_rate" "$untraced")
default_counted=$(of counted bindsnoop)
default_lost=$(of lost bindsnoop)
default_bpf=$(of bpf bindsnoop)

no_fold_bpf=-
if [ $has_no_fold = 1 ]; then
	failed_row "failed binds, bindsnoop --no-fold" no_fold "$no_fold_rss" "$no_fold_start"
	no_fold_ratio=$(ratio "$(of rate no_fold)" "$untraced")
	no_fold_counted=$(of counted no_fold)
	no_fold_lost=$(of lost no_fold)
	no_fold_bpf=$(of bpf no_fold)
else
	row "failed binds, bindsnoop --no-fold" "n/a (this build has no --no-fold)" - - - - - - - \
		- -
fi

# traced_rows LABEL WORKLOAD FIRST LAST EXPECTED: an untraced and a
# bindsnoop row from one rounds().
traced_rows() {
	rounds "$2" "$3" "$4" untraced bindsnoop || exit 1
	row "$1, untraced" "$(of rate untraced)" 1.00 - - - - - - - -
	row "$1, bindsnoop" "$(of rate bindsnoop)" \
		"$(ratio "$(of rate bindsnoop)" "$(of rate untraced)")" - "$(of counted bindsnoop)" "$5" \
		"$(of lost bindsnoop)" - - "$(ns_over "$(of rate bindsnoop)" "$(of rate untraced)")" \
		"$(of bpf bindsnoop)"
}

traced_rows "failed binds, 2 threads" two_thread_storm "$port" "$port" "$count"
traced_rows "failed binds over $spread_ports ports" spread_storm "$spread_first" "$spread_last" \
	"$count"
traced_rows "crash loop ($crash_count processes)" crash_loop "$port" "$port" "$crash_count"
crash_ratio=$(ratio "$(of rate bindsnoop)" "$(of rate untraced)")
crash_counted=$(of counted bindsnoop)
crash_lost=$(of lost bindsnoop)
crash_bpf=$(of bpf bindsnoop)

# shellcheck disable=SC2086
rounds succeeding_storm - - untraced $floor_arm attached || exit 1
success_untraced=$(of rate untraced)
success_ratio=$(ratio "$(of rate attached)" "$success_untraced")
success_bpf=$(of bpf attached)
success_floor=-
row "successful binds, untraced" "$success_untraced" 1.00 - - - - - - - -
if [ -n "$floor_arm" ]; then
	success_floor=$(ratio "$(of rate empty)" "$success_untraced")
	row "successful binds, empty $hook program" "$(of rate empty)" "$success_floor" - - - - - - \
		"$(ns_over "$(of rate empty)" "$success_untraced")" -
fi
row "successful binds, bindsnoop" "$(of rate attached)" "$success_ratio" - - - - - - \
	"$(ns_over "$(of rate attached)" "$success_untraced")" "$success_bpf"

rounds getppid_loop - - untraced attached || exit 1
row "getppid(), untraced" "$(of rate untraced)" 1.00 - - - - - - - -
row "getppid(), bindsnoop attached" "$(of rate attached)" \
	"$(ratio "$(of rate attached)" "$(of rate untraced)")" - - - - - - \
	"$(ns_over "$(of rate attached)" "$(of rate untraced)")" -

echo
echo "bench: $count failed binds on 127.0.0.1:$port (or over $spread_first-$spread_last)," \
	"$crash_count one-off processes, $success_count successful binds, $getppid_count getppid()" \
	"calls; medians of $runs rounds (every arm once per round); bindsnoop --backend $backend ($hook), JSON to a file; load:" \
	"$(cut -d' ' -f1-3 /proc/loadavg)"
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
	verdict "folding" "$default_ratio >= 0.9 * $floor && $default_counted == $count && \
$default_lost == 0" "default ratio $default_ratio >= 0.9 x floor $floor =" \
		"$(awk -v f="$floor" 'BEGIN { printf "%.2f", 0.9 * f }')" \
		"($(ns_over "$default_rate" "$floor_rate") ns per repeat over the floor, BPF $default_bpf ns)," \
		"$default_counted of $count counted, $default_lost lost"
else
	echo "bench: MISS folding: no floor (the empty program did not attach)"
fi
if [ $has_no_fold = 1 ]; then
	verdict "no-fold" "$no_fold_ratio >= 0.45 && $no_fold_counted == $count && \
$no_fold_lost == 0" "--no-fold ratio $no_fold_ratio >= 0.45, $no_fold_counted of $count \
received, $no_fold_lost lost"
	if [ "$no_fold_bpf" != - ]; then
		verdict "full-report" "$no_fold_bpf <= 400" "a full report costs $no_fold_bpf ns" \
			"of BPF run time <= 400 ns"
	else
		echo "bench: n/a full-report: no bpf-run-time"
	fi
else
	echo "bench: n/a no-fold: this build has no --no-fold"
fi
verdict "successful-binds" "$success_ratio >= 0.97" "successful binds ratio $success_ratio >= 0.97" \
	"(BPF $success_bpf ns per bind; the empty $hook program alone: $success_floor)"
verdict "crash-loop" "$crash_counted == $crash_count && $crash_lost == 0" \
	"$crash_counted of $crash_count one-off failures reported, $crash_lost lost (ratio $crash_ratio," \
	"BPF $crash_bpf ns per report)"
verdict "rss" "$default_rss <= 8192" "idle RSS $default_rss kB <= 8192 kB (8 MiB)"
if [ "$backend" = auto ]; then
	verdict "start-up" "$default_start <= 50" "--backend auto prints Tracing in" \
		"$default_start ms <= 50 ms ($default_start_cpu ms on CPU; the verifier processed" \
		"$default_verified instructions for the costliest program)"
else
	echo "bench: start-up target is for --backend auto; --backend $backend took" \
		"$default_start ms ($default_start_cpu ms on CPU; the verifier processed" \
		"$default_verified instructions for the costliest program)"
fi
