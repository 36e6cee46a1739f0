#!/usr/bin/env bash
# vm-test.sh: prove bindsnoop on Debian's own kernels, from 5.10 to the newest,
# in QEMU: the live suite with every backend each kernel offers, plus `auto`.
#
# Usage, as root, from anywhere in the repository:
#   scripts/vm-test.sh [--kernels LIST] [--backends fexit,kprobe,tracepoint] [--arch LIST]
#                      [--arm64-backends LIST|picked]
#                      [--keep] [--shell] [--timeout SECONDS] [--smp N] [--memory MB]
#                      [--artefacts DIR] [--parallel N]
#
#   --kernels LIST    kernels to boot (default 5.10,6.1,6.12,newest and
#                     arm64:6.1,arm64:newest): a series (6.12: its newest kernel
#                     in any Debian suite), a suite (sid: the newest kernel it
#                     ships), or "all" (the newest kernel of every series Debian
#                     offers, 5.10 to 7.x); arm64:ITEM boots ITEM's arm64 kernel.
#                     Picked by version sort when the test runs, never pinned.
#   --arch LIST       amd64 (the default), arm64, amd64,arm64 or all: each kernel
#                     of --kernels is booted once per architecture (arm64 under
#                     qemu-system-aarch64 -M virt; labelled 6.1.176-arm64).
#   --arm64-backends LIST   backends of the arm64 kernels: a list, or "picked",
#                     the one `auto` must pick there (fexit, or kprobe where
#                     arm64 has no fexit). Default: picked when --kernels is not
#                     given (the default matrix keeps arm64 to its users' rows),
#                     --backends otherwise. arm64 rows leave out the tests that
#                     start a tracer of their own (25-50 s a start under TCG;
#                     amd64's rows run them) and fold (TCG storms too slowly).
#   --backends LIST   backends the live suite runs with (default fexit,kprobe,tracepoint);
#                     an arm64 kernel without BPF trampolines for kernel
#                     functions (kernel_has_fexit) leaves fexit out;
#                     each also runs its scenarios with --kernel-only where
#                     the kernel can walk its bind tables (5.17+, bpf_loop):
#                     there a backend that fell back to the programs
#                     without the walk fails that row; fexit and kprobe also run
#                     the tests tagged get-port with the hooks of kernels that inline
#                     inet_autobind(). The tests of userspace alone
#                     (tagged userspace) run on one kernel: the 6.12 one.
#   --keep            keep each initramfs (.cache/vm/initramfs-<kernel>.cpio.gz).
#   --shell           boot the first kernel into an interactive busybox shell instead
#                     of running the plan ('run_plan' runs it there; 'exit' or
#                     Ctrl-A x leaves). No timeout, no matrix.
#   --timeout S       per-kernel limit for one VM, boot to poweroff (default 3600).
#   --smp N, --memory MB   VM size (default 2 CPUs, 2048 MB; see "Speed" below).
#   --artefacts DIR   skip the build: take the static bindsnoop, live-test and any
#                     other programs (shipped beside live-test) from DIR.
#   --parallel N      VMs that run at once (default 2): one VM keeps about
#                     one host core busy. 1 boots them one after the other.
#
# What it does (the machinery is scripts/vm/lib.sh, shared with vm-bench.sh):
#   1. apt-get installs qemu-system-x86 (qemu-system-arm for arm64),
#      busybox-static and cpio if missing (a missing qemu fails the run: it
#      never skips). arm64's busybox-static comes from Debian's archive.
#   2. Finds each kernel in Debian's suites through private apt lists under
#      .cache/vm/apt/ (this machine's apt setup is untouched), downloads and
#      extracts it into .cache/vm/kernels/, and reuses it on later runs.
#   3. Builds static artefacts in a private copy of the tree (.cache/vm/src):
#      `make STATIC=1 bindsnoop build/tests/live-test` plus every tests/tools/*.c
#      and $VM_EXTRA_TARGETS, and the same with ARCH=arm64 (cross-built, in
#      build/arm64) for arm64 kernels. Your ./bindsnoop and build/ are left alone.
#   4. Packs one initramfs per kernel: busybox, scripts/vm/init.sh as /init,
#      scripts/vm/steps.sh, the artefacts, the socket-diag modules ($VM_MODULES).
#   5. Boots each kernel (TCG; console on ttyS0) and runs the plan: facts about
#      the kernel, `live-test --backend B [--kernel-only]` per backend, which
#      backend `--backend auto` picks, the kernel log. Console logs go to
#      .cache/vm/logs/<kernel>.log.
#   6. Prints one matrix row per kernel x backend, then `vm: N passed, N failed`;
#      exits non-zero if any row failed or is missing, or any VM did not finish.
#
# Environment: VM_EXTRA_TARGETS (make targets, built static in the copy, shipped
# in the VM's /opt/tests), VM_MODULES (module names, dependencies are added),
# VM_AUTO_EXPECT (backend `--backend auto` must pick; default fexit, kprobe on
# a kernel without fexit; empty: any),
# VM_STEP_TIMEOUT (seconds per live-test run inside the VM, default 900),
# VM_USERSPACE_SERIES (the series whose kernel runs the userspace tests, default
# 6.12; a run without it runs them on its newest kernel),
# VM_CACHE (cache directory, default <repo>/.cache/vm), VM_CPU (qemu -cpu model,
# default max).
#
# Speed (TCG, no KVM; 2-core host): a kernel boots to /init in 3-7 s. Guest code
# runs about 13x slower than native (50k failed binds take 1 s). QEMU runs one
# host thread per vCPU, so -smp 2 halves the time of two busy processes (the
# tracer and its traffic) and costs nothing at boot: it is the default. Yet a
# VM of the matrix keeps only one host core busy on average (most of its time
# is bindsnoop's start-up: BTF and the verifier, one vCPU): two kernels run at
# once (--parallel).

set -Eeuo pipefail
trap 'die "unexpected failure at line $LINENO of ${BASH_SOURCE[0]}: $BASH_COMMAND"' ERR

VM_TOOL=vm-test
# shellcheck source-path=SCRIPTDIR source=vm/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/vm/lib.sh"

readonly AUTO_EXPECT=${VM_AUTO_EXPECT-fexit}
vm_parallel=2
arm64_backends=""

# A fatal error still ends with the summary line, so whoever reads only the
# closing line sees a failure, not a run without tests.
on_fatal() {
	echo "vm: 0 passed, 1 failed"
}

# vm-test's own options (vm_parse_args in scripts/vm/lib.sh has the rest).
vm_own_option() {
	vm_shift=1
	case "$1" in
	--shell) shell=1 ;;
	--parallel) vm_parallel=${2:?--parallel needs a VM count}; vm_shift=2 ;;
	--parallel=*) vm_parallel=${1#*=} ;;
	--arm64-backends) arm64_backends=${2:?--arm64-backends needs a list or picked}; vm_shift=2 ;;
	--arm64-backends=*) arm64_backends=${1#*=} ;;
	-h | --help) usage 0 ;;
	*) vm_shift=0 ;;
	esac
}

# The in-kernel holder walk needs bpf_loop (5.17): older kernels load the
# programs without it, whose holders come from userspace, so --kernel-only (which
# turns the userspace lookup off) has nothing to prove there.
kernel_walks_holders() {
	version_at_least "$(label_version "$1")" 5.17
}

# fexit needs BPF trampolines on kernel functions: x86-64 has had them since
# 5.5. arm64 got BPF trampolines in 6.0 ("bpf, arm64: Add bpf trampoline for
# arm64", efc9909fdce0), but attaching one to a kernel function needs ftrace
# direct calls ("arm64: ftrace: Add direct call support", v6.5): Debian's 6.1
# arm64 refuses the attach with ENOTSUPP (524); its 6.12 and 7.3 attach.
kernel_has_fexit() {
	[ "$(label_arch "$1")" = amd64 ] || version_at_least "$(label_version "$1")" 6.5
}

# The backends one kernel runs: --backends (--arm64-backends on arm64),
# without fexit where it has none.
label_backends() {
	local backend list="" wanted=$backends
	if [ "$(label_arch "$1")" = arm64 ]; then
		wanted=$arm64_backends
		[ "$wanted" = picked ] && wanted=$(auto_expect "$1")
	fi
	for backend in ${wanted//,/ }; do
		[ "$backend" = fexit ] && ! kernel_has_fexit "$1" && continue
		list=$list${list:+,}$backend
	done
	echo "$list"
}

# The backend `auto` must pick on one kernel: $AUTO_EXPECT, kprobe instead of
# fexit where there is no fexit.
auto_expect() {
	if [ "$AUTO_EXPECT" = fexit ] && ! kernel_has_fexit "$1"; then
		echo kprobe
	else
		echo "$AUTO_EXPECT"
	fi
}

# The rows pick their tests by tag (live-test --list --tag, tests/live/main.c),
# in the VM, from the live-test that runs them (live_tagged in
# scripts/vm/steps.sh):
# - get-port: what the get_port hooks must get right
#   (BINDSNOOP_GET_PORT_HOOKS=1: the path of a kernel that inlines
#   inet_autobind(), as Debian's arm64 5.10 does): autobind failures, and binds
#   and listens that fail inside get_port reported once, by their own hook.
# - userspace: what userspace alone does with an event (its formats and
#   outputs, how it exits, --who): the kernel has no part in them, so they run
#   on every backend of one kernel of the run, not of each: the newest of
#   series $USERSPACE_SERIES, or the newest kernel booted when the run has none
#   of that series. Each starts a bindsnoop of its own: under TCG that takes
#   3 s with fexit, and with kprobe as little on 6.12 but 12 s on 7.3, where
#   attaching each kprobe costs about a second.
# - no-modules: on the userspace kernel, a last row without the socket-diag
#   modules: the holder is still named (from /proc/net), by the tracer and by
#   --who.
# - own-tracer (the runner fails a test that starts a tracer without it) and
#   kernel-walk: a --kernel-only row differs from its backend's own row in one
#   thing, the holders are the kernel walk's alone. Tests with a tracer of
#   their own check its options (filters, the ring buffer), which that row
#   already ran with the same BPF object; the scenarios on the shared tracer
#   and the folded records (kernel-walk) are what the walk must name, and what
#   a --kernel-only row runs.
# - fast-storm: needs a storm faster than TCG runs arm64.
USERSPACE_SERIES=${VM_USERSPACE_SERIES:-6.12}

# The names a selection gives, found by the plan's eval in the VM
# (scripts/vm/init.sh), quoted as one word: not expanded here.
tagged() {
	# shellcheck disable=SC2016
	printf '"$(live_tagged %s)"' "$*"
}
GET_PORT_TESTS=$(tagged --tag get-port)
USERSPACE_TESTS=$(tagged --tag userspace)
NO_MODULES_TESTS=$(tagged --tag no-modules)
OWN_TRACER_TESTS=$(tagged --tag own-tracer,userspace --without-tag kernel-walk)
FAST_STORM_TESTS=$(tagged --tag fast-storm)

# The kernel of this run that runs the userspace tests: an amd64 one if the run
# has any (userspace is the same C on both).
userspace_label() {
	local newest_of_series candidates
	candidates=$(printf '%s\n' "${labels[@]}" | grep -v -- '-arm64$' ||
		printf '%s\n' "${labels[@]}")
	newest_of_series=$(echo "$candidates" | grep "^${USERSPACE_SERIES//./\\.}\\." |
		sort -V | tail -n 1 || true)
	if [ -n "$newest_of_series" ]; then
		echo "$newest_of_series"
	else
		echo "$candidates" | sort -V | tail -n 1
	fi
}

# The plan: one step a line, "<step><TAB><command>" (see scripts/vm/init.sh).
write_plan() {
	local plan=$1 label=$2 backend live="timeout $STEP_TIMEOUT /opt/tests/live-test"
	local skip_userspace="" skip_speed=""
	live="$live --bindsnoop /bin/bindsnoop --tools /opt/tests"
	[ "$label" = "$(userspace_label)" ] || skip_userspace=" --skip $USERSPACE_TESTS"
	# arm64's rows: the scenarios on the shared tracer (what the kernel side
	# decides); the tests with a tracer of their own check options on the same
	# BPF object, which amd64's rows run, and each start costs 25-50 s there.
	# fold needs a storm faster than TCG runs arm64 (3,000 failures in 300
	# records of 200 ms windows; arm64 under TCG made 54 a second: 557 records).
	if [ "$(label_arch "$label")" = arm64 ]; then
		skip_speed=,$FAST_STORM_TESTS
		skip_userspace=" --skip $OWN_TRACER_TESTS$skip_speed"
	fi
	{
		printf 'facts\tfacts\n'
		for backend in $(label_backends "$label" | tr , ' '); do
			printf '%s\t%s%s --backend %s\n' "$backend" "$live" "$skip_userspace" "$backend"
			case "$backend" in
			fexit | kprobe)
				# The hooks of a kernel that inlines inet_autobind().
				printf '%s\tBINDSNOOP_GET_PORT_HOOKS=1 %s --backend %s --only %s\n' \
					"$backend-get-port" "$live" "$backend" "$GET_PORT_TESTS"
				;;
			esac
			case "$backend" in
			fexit | kprobe | tracepoint)
				kernel_walks_holders "$label" || continue
				printf '%s\t%s --skip %s%s --backend %s --kernel-only\n' \
					"$backend-kernel-only" "$live" "$OWN_TRACER_TESTS" "$skip_speed" \
					"$backend"
				;;
			esac
		done
		# Last but auto: the modules do not come back for the steps after it.
		[ -n "$skip_userspace" ] ||
			printf '%s\tunload_sock_diag && LIVE_SOCK_DIAG_ABSENT=1 %s --backend auto --only %s\n' \
				no-modules "$live" "$NO_MODULES_TESTS"
		printf 'auto\tauto_backend\n'
		printf 'kernel-log\tkernel_log\n'
	} >"$plan"
}

# Appends the matrix rows of one kernel's log to $rows_file, one a line:
#   <label> <step> <passed> <failed> <skipped> <ok|FAIL> <note...>
evaluate_log() {
	local label=$1 logfile=$2 qemu_status=$3 step backend
	local rows=$CACHE/work/$label.rows
	local expected=(facts)
	for backend in $(label_backends "$label" | tr , ' '); do
		expected+=("$backend")
		case "$backend" in
		fexit | kprobe) expected+=("$backend-get-port") ;;
		esac
		case "$backend" in
		fexit | kprobe | tracepoint) kernel_walks_holders "$label" && expected+=("$backend-kernel-only") ;;
		esac
	done
	# The plan writes it on the userspace kernel, never on arm64 (no tests with a
	# tracer of their own there): a run of arm64 kernels alone has none.
	[ "$label" != "$(userspace_label)" ] || [ "$(label_arch "$label")" = arm64 ] ||
		expected+=(no-modules)
	expected+=(auto kernel-log)

	# A step whose output did not end in a newline glues the END marker to
	# its last line: split it off first.
	sed 's/\(.\)@@BSVM /\1\n@@BSVM /' "$logfile" |
		awk -v label="$label" -v auto_expect="$(auto_expect "$label")" -v step_timeout="$STEP_TIMEOUT" \
			-v walks="$(kernel_walks_holders "$label" && echo 1 || echo 0)" '
	function unfinished() {
		if (current != "")
			print label, current, 0, 1, 0, "FAIL", "the VM stopped inside this step"
		current = ""
	}
	/@@BSVM BEGIN / {
		unfinished()
		current = $NF; summary = ""; chosen = ""; degraded = ""; warnings = 0
		next
	}
	/@@BSVM END / {
		step = ""; rc = ""; secs = "?"
		for (i = 1; i <= NF; i++) {
			if ($i == "END") step = $(i + 1)
			if ($i ~ /^rc=/) rc = substr($i, 4)
			if ($i ~ /^secs=/) secs = substr($i, 6)
		}
		if (step != current) { unfinished(); next }
		current = ""
		took = secs " s"
		if (step == "facts") {
			print label, step, 0, 0, 0, (rc == 0 ? "ok" : "FAIL"), "exit status " rc
		} else if (step == "auto") {
			ok = (rc == 0 && chosen != "" && (auto_expect == "" || chosen == auto_expect))
			note = "chose " (chosen == "" ? "no backend" : chosen)
			if (!ok && auto_expect != "")
				note = note ", expected " auto_expect
			# A kernel without bpf_loop must say it runs degraded; others must not.
			if (walks && degraded != "") {
				ok = 0
				note = note ", degraded on a kernel that should run the full build: " degraded
			} else if (!walks && degraded == "") {
				ok = 0
				note = note ", but did not say it runs degraded"
			} else if (degraded != "") {
				note = note ", degraded: " degraded
			}
			print label, step, ok, !ok, 0, (ok ? "ok" : "FAIL"), note " (" took ")"
		} else if (step == "kernel-log") {
			print label, step, 0, 0, 0, "ok", warnings " warning lines"
		} else if (summary == "") {
			note = (rc == 143 ? "killed by the " step_timeout " s step timeout" \
				: "exit status " rc)
			print label, step, 0, 1, 0, "FAIL", "no live: summary line, " note " (" took ")"
		} else {
			split(summary, n, " ")
			passed = n[1] + 0; failed = n[2] + 0; skipped = n[3] + 0
			ok = (failed == 0 && rc == 0 && passed > 0)
			note = "(" took ")"
			if (!ok && rc == 143)
				note = "killed by the " step_timeout " s step timeout " note
			else if (!ok && rc != 0)
				note = "exit status " rc " " note
			if (!ok && passed == 0 && failed == 0)
				note = "nothing ran " note
			if (!ok && failed == 0)
				failed = 1
			print label, step, passed, failed, skipped, (ok ? "ok" : "FAIL"), note
		}
		next
	}
	current == "" { next }
	/^([A-Za-z-]+: )?live: [0-9]+ passed, [0-9]+ failed(, [0-9]+ skipped)?$/ {
		line = $0
		sub(/^.*live: /, "", line)
		gsub(/[^0-9]+/, " ", line)
		summary = line
	}
	/^auto chose: / { chosen = ($3 == "none" ? "" : $3) }
	/^auto degraded: / { degraded = $0; sub(/^auto degraded: ?/, "", degraded) }
	/^kernel warnings: / { warnings = $3 }
	END { unfinished() }
	' >"$rows"

	if [ "$qemu_status" = 124 ] || [ "$qemu_status" = 137 ]; then
		log "[$label] the VM hit the ${vm_timeout} s timeout"
	fi
	if ! grep -q '@@BSVM BOOTED' "$logfile"; then
		log "[$label] the VM did not boot (no BOOTED marker); see $logfile"
	fi
	for step in "${expected[@]}"; do
		awk -v step="$step" '$2 == step { found = 1 } END { exit !found }' "$rows" ||
			echo "$label $step 0 1 0 FAIL missing: the VM never ran it" >>"$rows"
	done
	# A panic (oops=panic, or the OOM killer reaching PID 1) reboots, and
	# -no-reboot makes that a qemu status 0: the kernel's last words say why.
	grep -q '@@BSVM DONE' "$logfile" ||
		echo "$label finish 0 1 0 FAIL the VM did not finish the plan (qemu status" \
			"$qemu_status)$(grep -a -m 1 -o 'Kernel panic.*' "$logfile" | tr -d '\r' |
				sed 's/^/: /')" >>"$rows"
	cat "$rows" >>"$rows_file"
	rm -f "$rows"
}

# The facts one VM printed, on one line.
print_facts() {
	local label=$1 logfile=$2 facts
	facts=$(sed -n 's/^fact //p' "$logfile" | tr '\n' ' ')
	[ -n "$facts" ] && echo "vm $label facts: ${facts% }"
	return 0
}

# Prints the matrix and sets summary_passed/failed/skipped.
print_matrix() {
	local label step passed failed skipped status note name
	summary_passed=0
	summary_failed=0
	summary_skipped=0
	while read -r label step passed failed skipped status note; do
		summary_passed=$((summary_passed + passed))
		summary_failed=$((summary_failed + failed))
		summary_skipped=$((summary_skipped + skipped))
		name=${step/-kernel-only/ --kernel-only}
		name=${name/-get-port/ get_port hooks}
		case "$step" in
		facts | kernel-log)
			[ "$status" = ok ] || echo "vm $label $name: FAILED: $note"
			;;
		auto)
			[ "$status" = ok ] && echo "vm $label auto: $note" ||
				echo "vm $label auto: FAILED: $note"
			;;
		*)
			printf 'vm %s %s: %d passed, %d failed' "$label" "$name" "$passed" "$failed"
			[ "$skipped" -gt 0 ] && printf ', %d skipped' "$skipped"
			[ "$status" = ok ] && printf ' %s\n' "$note" || printf ' FAILED: %s\n' "$note"
			;;
		esac
	done <"$rows_file"
}

main() {
	local run_started=$EPOCHREALTIME i
	vm_parse_args "$@"
	if [ -z "$arm64_backends" ]; then
		arm64_backends=$backends
		[ "$kernels" = "$VM_DEFAULT_KERNELS" ] && arm64_backends=picked
	fi
	[ "$arm64_backends" = picked ] || [[ ,$arm64_backends, =~ ^(,(fexit|kprobe|tracepoint))+,$ ]] ||
		die "--arm64-backends takes fexit, kprobe, tracepoint (a list) or picked"
	[[ $vm_parallel =~ ^[1-9][0-9]*$ ]] || die "--parallel takes a whole number of VMs, 1 or more"
	ensure_host_tools
	vm_fetch_kernels
	vm_stage_artefacts

	rows_file=$CACHE/work/rows
	: >"$rows_file"
	vm_boot_each "" evaluate_log
	[ "$shell" = 1 ] && return 0

	echo
	for i in "${!labels[@]}"; do
		print_facts "${labels[$i]}" "$LOGS/${labels[$i]}.log"
	done
	print_matrix
	printf 'vm-test: %d kernel(s) booted and tested in %s s (%.0f s with download and' \
		"${#labels[@]}" "$vm_matrix_seconds" \
		"$(awk "BEGIN { print $EPOCHREALTIME - $run_started }")"
	printf ' build); console logs in %s/\n' "${LOGS#"$REPO"/}"
	if [ "$summary_skipped" -gt 0 ]; then
		echo "vm: $summary_passed passed, $summary_failed failed, $summary_skipped skipped"
	else
		echo "vm: $summary_passed passed, $summary_failed failed"
	fi
	if [ "$summary_failed" -gt 0 ] || grep -q ' FAIL ' "$rows_file"; then
		exit 1
	fi
}

main "$@"
