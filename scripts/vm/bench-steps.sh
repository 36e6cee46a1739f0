# shellcheck shell=sh
# Benchmark steps of the bindsnoop VM (busybox sh). scripts/vm-bench.sh ships
# this file as /etc/vm/bench-steps.sh; each plan line sources it, then calls
# one step. Our own tracer is measured by scripts/bench.sh (/opt/bench.sh);
# these steps measure Debian's libbpf-tools bindsnoop on the same storm and
# read each BPF program's cost off the kernel's own statistics.
#
# Lines the host reads:
#   bench-row|...                   the rows of scripts/bench.sh --rows (the
#                                   libbpf-tools step prints the same ones)
#   bench: PASS|MISS <target>: ...  scripts/bench.sh's target lines
#   bench: error <text>             the tracer did not start; why
#   profile: storm <rate> binds/s with bpf_stats on
#   profile: prog <name> <type> runs <N> ns <total>   one per program that ran

STORM=/opt/tests/bind-storm
PORT=39999
LIBBPF_TOOLS=/opt/libbpf-tools/bindsnoop

# Our tracer says it traces with one stderr line.
OURS_ATTACHED='grep -q "^Tracing " /tmp/tracer.err'
# libbpf-tools bindsnoop prints its header to a fully buffered stdout, so a
# file shows nothing until it exits: its four kprobes (inet_bind and
# inet6_bind, entry and return) in the kernel's list are the sign instead.
# shellcheck disable=SC2016 # eval'd later
KPROBES_ATTACHED='[ "$(grep -cE "[[:space:]]inet6?_bind\+0x0" /sys/kernel/debug/kprobes/list \
	2>/dev/null)" -ge 4 ]'

# Starts "$@" in the background as $tracer, stdout and stderr to
# /tmp/tracer.out and /tmp/tracer.err, and waits (at most 120 s) until the
# shell condition $ready holds. Fails, with the tracer's stderr as
# "bench: error" lines, if the tracer exits first.
start_tracer() {
	# Emptied by this shell first: the child's redirections may come after
	# the first check of $ready, which would then read the previous run's.
	: >/tmp/tracer.out
	: >/tmp/tracer.err
	"$@" >/tmp/tracer.out 2>/tmp/tracer.err </dev/null &
	tracer=$!
	waited=0
	until eval "$ready"; do
		if ! kill -0 "$tracer" 2>/dev/null || [ "$waited" -ge 1200 ]; then
			kill -INT "$tracer" 2>/dev/null
			wait "$tracer"
			echo "bench: $1 did not start (exit status $?); its stderr:"
			sed 's/^/bench: error /' /tmp/tracer.err
			return 1
		fi
		usleep 100000
		waited=$((waited + 1))
	done
}

stop_tracer() {
	kill -INT "$tracer"
	wait "$tracer"
}

storm_rate() {
	"$STORM" --count "$1" --port "$PORT" | awk '{ print int($(NF-2)) }'
}

# The median of the numbers in FILE, as scripts/bench.sh takes it.
median_of() {
	sort -n "$1" | awk '{ v[NR] = $1 } END { print NR ? v[int((NR + 1) / 2)] : 0 }'
}

# Lines of libbpf-tools bindsnoop's output that are the storm's failures:
# columns PID COMM RET ..., RET -98 (EADDRINUSE).
libbpf_tools_failures() {
	awk '$2 == "bind-storm" && $3 == -98' /tmp/tracer.out | wc -l
}

# It reports lost perf buffer samples on stderr, one line per report.
libbpf_tools_lost() {
	awk '/^lost [0-9]+ events/ { sum += $2 } END { print sum + 0 }' /tmp/tracer.err
}

# scripts/bench.sh's failed-bind rows, with Debian's libbpf-tools bindsnoop as
# the tracer: -x reports failed binds too (its default is successes only). It
# has no port filter that sees failures (see libbpf_tools_port_filter), so it
# traces every bind, which in this VM is the storm's. Prints the rows as
# scripts/bench.sh --rows does (no RSS or start-up: it prints no ready line).
# As there, each traced storm comes right after an untraced one, and the
# rates are the medians; the fewest received and the most lost of any run.
bench_libbpf_tools() {
	count=$1
	runs=$2
	: >/tmp/untraced-rates
	: >/tmp/traced-rates
	received=
	lost=0
	ready=$KPROBES_ATTACHED
	run=1
	while [ "$run" -le "$runs" ]; do
		storm_rate "$count" >>/tmp/untraced-rates
		start_tracer "$LIBBPF_TOOLS" -x || return 1
		rate=$(storm_rate "$count")
		stop_tracer
		echo "$rate" >>/tmp/traced-rates
		run_received=$(libbpf_tools_failures)
		run_lost=$(libbpf_tools_lost)
		echo "bench: traced run $run: $rate binds/s, $run_received events received," \
			"$run_lost lost"
		[ -n "$received" ] && [ "$received" -le "$run_received" ] || received=$run_received
		[ "$lost" -ge "$run_lost" ] || lost=$run_lost
		run=$((run + 1))
	done
	untraced=$(median_of /tmp/untraced-rates)
	traced=$(median_of /tmp/traced-rates)
	echo "bench: the first lines of the last run's output:"
	head -n 3 /tmp/tracer.out | sed 's/^/bench:   /'
	ratio=$(awk -v t="$traced" -v u="$untraced" 'BEGIN { printf "%.2f", t / u }')
	printf 'bench-row|%s|%s|%s|-|-|-|-|-|-\n' "failed binds, untraced" "$untraced" 1.00
	printf 'bench-row|%s|%s|%s|-|%s|%s|%s|-|-\n' \
		"failed binds, libbpf-tools -x (text)" "$traced" "$ratio" "$received" "$count" "$lost"
}

# What `bindsnoop -x -P PORT` (its port filter) reports of a small storm,
# against `-x` alone: the filter compares the port the socket holds after
# bind(), and a failed bind leaves the socket unbound (port 0).
libbpf_tools_port_filter() {
	count=$1
	ready=$KPROBES_ATTACHED
	start_tracer "$LIBBPF_TOOLS" -x -P "$PORT" || return 1
	storm_rate "$count" >/dev/null
	stop_tracer
	filtered=$(libbpf_tools_failures)
	filtered_lines=$(grep -c 'bind-storm' /tmp/tracer.out)
	filtered_lost=$(libbpf_tools_lost)
	echo "with -x -P $PORT:"
	head -n 5 /tmp/tracer.out
	start_tracer "$LIBBPF_TOOLS" -x || return 1
	storm_rate "$count" >/dev/null
	stop_tracer
	echo "with -x:"
	head -n 3 /tmp/tracer.out
	echo "port filter: of $count failed binds on port $PORT, -x -P $PORT reported $filtered" \
		"($filtered_lines lines in all, $filtered_lost lost), -x alone" \
		"$(libbpf_tools_failures) ($(libbpf_tools_lost) lost)"
}

# Each BPF program's runs and run time for one storm, from the kernel's
# bpf_stats (on only here: they cost two clock reads a run). "$@" is the
# tracer; $ready says when it is attached.
profile_tracer() {
	count=$1
	shift
	echo 1 >/proc/sys/kernel/bpf_stats_enabled
	if ! start_tracer "$@"; then
		echo 0 >/proc/sys/kernel/bpf_stats_enabled
		return 1
	fi
	rate=$(storm_rate "$count")
	stats=$(cat /proc/sys/kernel/bpf_stats_enabled)
	bpftool prog show >/tmp/progs
	stop_tracer
	echo 0 >/proc/sys/kernel/bpf_stats_enabled
	echo "profile: storm $rate binds/s with bpf_stats on" \
		"(kernel.bpf_stats_enabled=$stats);" \
		"$(grep -c 'bind-storm' /tmp/tracer.out) output lines name the storm"
	sed -n 's/^[0-9]*: /bpftool: &/p' /tmp/progs
	awk '/^[0-9]+: / {
		type = $2; name = "?"; ns = 0; runs = 0
		for (i = 3; i < NF; i++) {
			if ($i == "name") name = $(i + 1)
			if ($i == "run_time_ns") ns = $(i + 1)
			if ($i == "run_cnt") runs = $(i + 1)
		}
		if (runs > 0)
			print "profile: prog", name, type, "runs", runs, "ns", ns
	}' /tmp/progs
}

# profile_ours BACKEND COUNT [OPTION...]: extra options go to bindsnoop.
profile_ours() {
	backend=$1
	count=$2
	shift 2
	ready=$OURS_ATTACHED
	profile_tracer "$count" /bin/bindsnoop --json --backend "$backend" --port "$PORT" "$@"
}

profile_libbpf_tools() {
	ready=$KPROBES_ATTACHED
	profile_tracer "$1" "$LIBBPF_TOOLS" -x
}
