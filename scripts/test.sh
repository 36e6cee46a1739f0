#!/bin/sh
# The one test command (README: `sudo make test`). From a fresh Debian 12
# machine: installs what is missing, builds from scratch, then runs
#   1. unit tests (pure userspace pieces); before them, the include order of
#      user/'s stages (scripts/check-layers.sh)
#   2. live tests here: `auto` must pick tracepoint on this kernel (no kprobes,
#      fexit refused) and say why; the real bindsnoop against real conflicts,
#      with --backend auto (which is tracepoint here); every JSON line these
#      runs (and 1b's) printed validated against the schema file itself
#   1b. unit tests and the live suite again under ASan+UBSan (leaks checked),
#      and every libFuzzer target (tests/fuzz) for a few seconds
#   2b. fault tests (tests/faults): outputs that block, fail or fill up, and
#      signals at each of those moments; every event written or counted
#   3. outputs against real collectors: Debian's rsyslog and syslog-ng on
#      loopback (unix socket, UDP, TCP, bursts, restarts), log rotation, and
#      every JSON line validated against schema/bindsnoop-event-v2.schema.json
#   4. deployment: make install, the systemd unit under a real systemd
#      (nspawn) with only its capabilities, the man page, and every config in
#      deploy/ parsed and checked
#   4b. containers: Debian's docker.io, a published port diagnosed
#      container_port with the container's name, a process inside a
#      container shown with its container, --who naming it; then the
#      image: make image, run with the README's docker run line, naming what
#      the host binary names (--who too); the DaemonSet agrees with it
#   4c. restart loop: a Restart=always unit under a real systemd (nspawn)
#      failing on a taken port, named by its unit and called a restart loop
#   4d. second instance: Debian's redis-server, memcached and socat started
#      twice on one port, the second copy exiting at once: same_program, from
#      the kernel's identity of the caller
#   5. metrics: --metrics scraped by a real Prometheus (Debian's), which
#      must read the number of real failures made; bash completion driven
#      through bash-completion; the Debian package built from a fresh clone,
#      linted, installed, run, removed and purged, here and in the systemd
#      container of step 4
#   6. the VM matrix: Debian's kernels under QEMU (5.10, 6.1, 6.12, and the
#      newest of trixie-backports and sid on the day), every backend; and
#      Debian's arm64 6.1 and newest kernels (qemu-system-aarch64), each with
#      the backend `auto` picks there, its --kernel-only row and `auto`
# and ends with one line "test: N passed, N failed (M min S s)". Exit status 1 if
# anything failed. SKIP_VM=1 leaves out step 6 (it says so, loudly).
set -eu
cd "$(dirname "$0")/.."

if [ "$(id -u)" != 0 ]; then
	echo "test: the live and VM tests load BPF programs: run as root (sudo make test)" >&2
	exit 1
fi
scripts/install-deps.sh --test

log=build/test-logs
test_started=$(date +%s)
passed=0
failed=0

# shellcheck source=tests/lib/summary.sh
. tests/lib/summary.sh

# Add "N passed, N failed" found on the last summary line of $2 to the totals.
count() {
	if ! counts=$(summary_counts "$2"); then
		echo "test: $1 printed no summary: counted as 1 failure (log: $2)"
		failed=$((failed + 1))
		return
	fi
	p=${counts%% *}
	f=${counts#* }
	f=${f%% *}
	passed=$((passed + p))
	failed=$((failed + f))
	echo "test: $1: $p passed, $f failed ($(($(date +%s) - step_started)) s)"
}

# Run a step, keep its output in a log and on the terminal.
step() {
	name=$1
	shift
	echo "test: == $name"
	step_started=$(date +%s)
	status=0
	"$@" 2>&1 | tee "$log/$name.log" || status=$?
	count "$name" "$log/$name.log"
	# A step that exits non-zero without reporting a failure still failed.
	if [ "$status" != 0 ] && ! grep -qE ' [1-9][0-9]* failed' "$log/$name.log"; then
		echo "test: $name exited with status $status"
		failed=$((failed + 1))
	fi
}

make clean >/dev/null
make -j2 bindsnoop build/tests/live-test build/tests/bind-storm
mkdir -p "$log"

step layers scripts/check-layers.sh
step unit make -j2 unit-test
step auto-choice scripts/check-auto.sh tracepoint ./bindsnoop
# Each live run writes every JSON line bindsnoop printed to $log/NAME.jsonl;
# live-schema checks them all against the schema file at the end.
# auto-choice has just checked that auto picks tracepoint here, so one run is
# both (--backend tracepoint by name runs in every VM's tracepoint row).
step live-auto build/tests/live-test --bindsnoop ./bindsnoop --backend auto \
	--json-log "$log/live-auto.jsonl"

# The unit tests and the live suite again, with bindsnoop and the tests built
# with ASan+UBSan (build/asan): any memory error, undefined behaviour or leak
# at exit fails them (a leak makes bindsnoop exit 23, not 0).
make -j2 asan >/dev/null
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
step unit-asan scripts/run-unit-tests.sh $(ls build/asan/tests/test_* | grep -v '\.d$')
step live-asan build/tests/live-test --bindsnoop build/asan/bindsnoop --backend tracepoint \
	--json-log "$log/live-asan.jsonl"
unset ASAN_OPTIONS UBSAN_OPTIONS

# Every line of the two live runs against schema/bindsnoop-event-v2.schema.json
# itself (the VM matrix skips this: its VMs have no python; these runs cover it).
step live-schema tests/lib/validate_events.py --self-test \
	--schema schema/bindsnoop-event-v2.schema.json \
	"$log/live-auto.jsonl" "$log/live-asan.jsonl"

# Each libFuzzer target for a short while (make fuzz runs them longer).
make -j2 fuzz-build >/dev/null
step fuzz scripts/run-fuzz.sh "${FUZZ_SECONDS:-12}" build/fuzz/fuzz_*

# Outputs that misbehave: blocked stdout, FIFO without reader, full disk, signals.
step faults tests/faults/faults.py --bindsnoop ./bindsnoop --storm build/tests/bind-storm \
	--backend tracepoint

step collectors tests/collectors/run.sh
step deploy tests/deploy/run.sh
step metrics tests/metrics/prometheus.py
step completion tests/completion/run.sh
step package tests/package/run.sh
step containers tests/containers/run.sh
step image tests/image/run.sh
step restart-loop tests/deploy/restart-loop.sh
step journal tests/deploy/journal.sh
step second-instance tests/deploy/second-instance.sh

if [ "${SKIP_VM:-0}" = 1 ]; then
	echo "test: !! SKIP_VM=1: the fexit and kprobe backends were NOT tested (VM matrix skipped)"
else
	step vm scripts/vm-test.sh
fi

# The failures again, last: a CI that keeps only the end of a long log still
# shows what failed (the first 60 lines that say FAIL, with their step).
if [ "$failed" != 0 ]; then
	echo "test: what failed (first 60 lines; whole logs in $log/):"
	grep -H -a -E '(^|[^A-Za-z])(FAIL|FAILED)([^A-Za-z]|$)' "$log"/*.log 2>/dev/null |
		sed "s#^$log/##; s#\.log:#: #" | cut -c1-400 | head -n 60 || true
fi
took=$(($(date +%s) - test_started))
echo "test: $passed passed, $failed failed ($((took / 60)) min $((took % 60)) s)"
[ "$failed" = 0 ]
