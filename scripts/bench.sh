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
#   --runs N             runs of each measurement, each right after an untraced
#                        run of the same workload; rates are the medians (5)
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

# One untraced run of the workload $1, its rate appended to $out/untraced.
# Every attached run comes right after one (interleaved): on a shared host
# the machine's speed drifts by more than the targets' margins over a
# bench, and then moves both sides of a ratio alike. Best-of runs taken
# apart read successful binds faster traced than untraced (1.14) here.
untraced_run() {
	rate=$("$1" | rate_of)
	echo "${rate:-0}" >>"$out/untraced"
}

# The workload $1 run $runs times with the program "$2..." attached (an
# empty program, or bindsnoop with default options), interleaved with
# untraced runs: sets rate and base_rate, the medians of each side, and in
# $out/bpf the BPF ns per run of one more attached run (measure_bpf_ns).
interleaved() {
	workload=$1
	shift
	: >"$out/untraced"
	: >"$out/attached"
	i=0
	while [ $i -lt "$runs" ]; do
		untraced_run "$workload"
		start_tracer "$@" || return 1
		rate=$("$workload" | rate_of)
		echo "${rate:-0}" >>"$out/attached"
		i=$((i + 1))
		# The last tracer stays for the BPF figure.
		[ $i -lt "$runs" ] && stop_tracer
	done
	measure_bpf_ns "$workload" >/dev/null
	stop_tracer
	rate=$(median_of "$out/attached")
	base_rate=$(median_of "$out/untraced")
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

# One traced storm measurement, $runs runs interleaved with untraced ones
# (untraced_run): sets traced_rate and base_rate (the medians), counted and
# lost (the fewest counted and the most lost of any run), bpf_ns from one
# more run (measure_bpf_ns). $1 is the storm (a function above), $2 and
# $3 the ports it fails on, the rest bindsnoop's extra options.
traced_storm() {
	workload=$1
	first=$2
	last=$3
	shift 3
	counted=
	lost=0
	bpf_ns=-
	: >"$out/untraced"
	: >"$out/attached"
	i=0
	while [ $i -lt "$runs" ]; do
		untraced_run "$workload"
		ports=$first
		[ "$last" = "$first" ] || ports=$first-$last
		start_tracer "$bindsnoop" --json --backend "$backend" --port "$ports" "$@" || return 1
		rate=$("$workload" | rate_of)
		stop_tracer
		rate=${rate:-0}
		echo "$rate" >>"$out/attached"
		read -r run_counted run_lost <<EOF
$(count_events "$first" "$last")
EOF
		echo "bench: traced run $((i + 1)) ($workload${1:+ $*}): $rate binds/s," \
			"$run_counted failures counted, $run_lost lost"
		[ -n "$counted" ] && [ "$counted" -le "$run_counted" ] || counted=$run_counted
		[ "$lost" -ge "$run_lost" ] || lost=$run_lost
		i=$((i + 1))
	done
	traced_rate=$(median_of "$out/attached")
	base_rate=$(median_of "$out/untraced")
	start_tracer "$bindsnoop" --json --backend "$backend" --port "$ports" "$@" || return 1
	measure_bpf_ns "$workload" >/dev/null
	stop_tracer
	bpf_ns=$(cat "$out/bpf")
	echo "bench: BPF run time ($workload${1:+ $*}): $bpf_ns ns per run"
}

traced_failed_storm() {
	traced_storm failed_storm "$port" "$port" "$@"
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

floor=
floor_rate=
success_floor_rate=
if interleaved failed_storm "$tools/empty-hook" --hook "$hook"; then
	floor_rate=$rate
	untraced=$base_rate
	floor=$(ratio "$floor_rate" "$untraced")
	row "failed binds, untraced" "$untraced" 1.00 - - - - - - - -
	row "failed binds, empty $hook program" "$floor_rate" "$floor" 1.00 - - - - - \
		"$(ns_over "$floor_rate" "$untraced")" -
	if interleaved succeeding_storm "$tools/empty-hook" --hook "$hook"; then
		success_floor_rate=$rate
		success_floor_base=$base_rate
	fi
else
	stop_tracer
	: >"$out/untraced"
	untraced_run failed_storm
	untraced=$(median_of "$out/untraced")
	row "failed binds, untraced" "$untraced" 1.00 - - - - - - - -
	row "failed binds, empty $hook program" "n/a (it did not attach)" - - - - - - - - -
fi

traced_failed_storm
default_ratio=$(ratio "$traced_rate" "$base_rate")
default_floor=$(ratio "$default_ratio" "${floor:-0}")
default_counted=$counted
default_lost=$lost
default_bpf=$bpf_ns
default_rate=$traced_rate
row "failed binds, bindsnoop" "$traced_rate" "$default_ratio" "$default_floor" "$counted" \
	"$count" "$lost" "$default_rss" "$default_start" "$(ns_over "$traced_rate" "${floor_rate:-0}")" \
	"$bpf_ns"

no_fold_bpf=-
if [ $has_no_fold = 1 ]; then
	traced_failed_storm --no-fold
	no_fold_ratio=$(ratio "$traced_rate" "$base_rate")
	no_fold_counted=$counted
	no_fold_lost=$lost
	no_fold_bpf=$bpf_ns
	row "failed binds, bindsnoop --no-fold" "$traced_rate" "$no_fold_ratio" \
		"$(ratio "$no_fold_ratio" "${floor:-0}")" "$counted" "$count" "$lost" "$no_fold_rss" \
		"$no_fold_start" "$(ns_over "$traced_rate" "${floor_rate:-0}")" "$bpf_ns"
else
	row "failed binds, bindsnoop --no-fold" "n/a (this build has no --no-fold)" - - - - - - - \
		- -
fi

traced_storm two_thread_storm "$port" "$port"
two_untraced=$base_rate
row "failed binds, 2 threads, untraced" "$two_untraced" 1.00 - - - - - - - -
row "failed binds, 2 threads, bindsnoop" "$traced_rate" "$(ratio "$traced_rate" "$two_untraced")" \
	- "$counted" "$count" "$lost" - - "$(ns_over "$traced_rate" "$two_untraced")" "$bpf_ns"

traced_storm spread_storm "$spread_first" "$spread_last"
spread_untraced=$base_rate
row "failed binds over $spread_ports ports, untraced" "$spread_untraced" 1.00 - - - - - - - -
spread_ratio=$(ratio "$traced_rate" "$spread_untraced")
row "failed binds over $spread_ports ports, bindsnoop" "$traced_rate" "$spread_ratio" - \
	"$counted" "$count" "$lost" - - "$(ns_over "$traced_rate" "$spread_untraced")" "$bpf_ns"

traced_storm crash_loop "$port" "$port"
crash_untraced=$base_rate
row "crash loop ($crash_count processes), untraced" "$crash_untraced" 1.00 - - - - - - - -
crash_ratio=$(ratio "$traced_rate" "$crash_untraced")
crash_counted=$counted
crash_lost=$lost
crash_bpf=$bpf_ns
row "crash loop ($crash_count processes), bindsnoop" "$traced_rate" "$crash_ratio" - "$counted" \
	"$crash_count" "$lost" - - "$(ns_over "$traced_rate" "$crash_untraced")" "$bpf_ns"

interleaved succeeding_storm "$bindsnoop" --json --backend "$backend" || exit 1
success_traced=$rate
success_untraced=$base_rate
success_ratio=$(ratio "$success_traced" "$success_untraced")
success_bpf=$(cat "$out/bpf")
row "successful binds, untraced" "$success_untraced" 1.00 - - - - - - - -
if [ -n "$success_floor_rate" ]; then
	row "successful binds, empty $hook program" "$success_floor_rate" \
		"$(ratio "$success_floor_rate" "$success_floor_base")" - - - - - - \
		"$(ns_over "$success_floor_rate" "$success_floor_base")" -
fi
row "successful binds, bindsnoop" "$success_traced" "$success_ratio" - - - - - - \
	"$(ns_over "$success_traced" "$success_untraced")" "$success_bpf"

interleaved getppid_loop "$bindsnoop" --json --backend "$backend" || exit 1
row "getppid(), untraced" "$base_rate" 1.00 - - - - - - - -
row "getppid(), bindsnoop attached" "$rate" "$(ratio "$rate" "$base_rate")" - - - - - - \
	"$(ns_over "$rate" "$base_rate")" -

echo
echo "bench: $count failed binds on 127.0.0.1:$port (or over $spread_first-$spread_last)," \
	"$crash_count one-off processes, $success_count successful binds, $getppid_count getppid()" \
	"calls; medians of $runs runs, each after an untraced one; bindsnoop --backend $backend ($hook), JSON to a file; load:" \
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
	"(BPF $success_bpf ns per bind)"
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
