# Steps of the bindsnoop test VM (busybox sh), sourced by /init and by the
# debugging shell's /etc/profile. The plan in /etc/vm/plan calls these.

uptime_s() {
	cut -d' ' -f1 /proc/uptime
}

# Facts about this kernel that decide which hooks bindsnoop can use.
facts() {
	echo "fact kernel=$(uname -r)"
	if [ -e /sys/kernel/btf/vmlinux ]; then
		echo "fact btf=yes"
	else
		echo "fact btf=no"
	fi
	# One pass over each table: grep under TCG is slow on 150k lines.
	symbols="inet_bind_sk inet_bind inet6_bind inet_csk_get_port udp_lib_get_port inet_listen"
	symbols="$symbols __inet_listen_sk __sys_bind __sys_listen"
	pattern=$(echo "$symbols" | sed 's/ /|/g')
	grep -oE " ($pattern)\$" /proc/kallsyms | sort -u >/tmp/kallsyms.hits
	grep -oE "^($pattern)( |\$)" /sys/kernel/tracing/available_filter_functions 2>/dev/null |
		tr -d ' ' | sort -u >/tmp/ftrace.hits
	for symbol in $symbols; do
		if grep -qx " $symbol" /tmp/kallsyms.hits; then
			echo "fact kallsyms.$symbol=yes"
		else
			echo "fact kallsyms.$symbol=no"
		fi
		# fentry/fexit and kprobes need the function traceable, not inlined.
		if grep -qx "$symbol" /tmp/ftrace.hits; then
			echo "fact traceable.$symbol=yes"
		else
			echo "fact traceable.$symbol=no"
		fi
	done
	for event in syscalls/sys_enter_bind syscalls/sys_exit_bind syscalls/sys_exit_listen \
		sock/inet_sock_set_state; do
		if [ -d "/sys/kernel/tracing/events/$event" ]; then
			echo "fact tracepoint.$event=yes"
		else
			echo "fact tracepoint.$event=no"
		fi
	done
	echo "fact modules=$(cut -d' ' -f1 /proc/modules | tr '\n' ',' | sed 's/,$//')"
	echo "fact cpus=$(nproc)"
}

# Which backend `--backend auto` picks: start bindsnoop, wait for its
# "Tracing ..." line, stop it with Ctrl-C as a user would.
auto_backend() {
	bindsnoop --backend auto -v >/tmp/auto.out 2>/tmp/auto.err </dev/null &
	tracer=$!
	waited=0
	while ! grep -q '^Tracing ' /tmp/auto.err; do
		if ! kill -0 "$tracer" 2>/dev/null || [ "$waited" -ge 1200 ]; then
			break
		fi
		usleep 100000
		waited=$((waited + 1))
	done
	kill -INT "$tracer" 2>/dev/null
	wait "$tracer"
	status=$?
	cat /tmp/auto.err /tmp/auto.out
	echo "bindsnoop exit status: $status"
	chosen=$(sed -n 's/^Tracing .* with the \([a-z_]*\) backend.*/\1/p' /tmp/auto.err | head -n 1)
	echo "auto chose: ${chosen:-none}"
	# What an older kernel leaves out, as bindsnoop said it (empty: nothing).
	echo "auto degraded: $(sed -n 's/^bindsnoop: degraded: //p' /tmp/auto.err | head -n 1)"
	[ -n "$chosen" ]
}

# A kernel without the socket-diag modules (a minimal or locked-down host):
# unload what /init loaded, last first, and say whether any is left. The live
# tests then run with LIVE_SOCK_DIAG_ABSENT=1: the kernel itself, not the
# BINDSNOOP_NO_SOCK_DIAG knob, refuses the sock_diag dumps.
unload_sock_diag() {
	for module in $(sed -n 's|.*/\([a-z0-9_]*\)\.ko.*|\1|p' /etc/vm/modules | sed '1!G;h;$!d'); do
		# Others (sctp, its dependencies) may stay in use: only the diag ones matter.
		rmmod "$module" 2>/dev/null || case "$module" in
		*_diag) echo "vm: unloading $module failed" ;;
		esac
	done
	left=$(grep -E '^(inet|tcp|udp|raw|mptcp|sctp|unix)_diag ' /proc/modules | cut -d' ' -f1)
	echo "socket-diag modules left: ${left:-none}"
	[ -z "$left" ]
}

# Kernel warnings are test results too: a tracer must not make the kernel
# complain. The whole kernel log is printed only when something looks bad.
kernel_log() {
	warnings=$(dmesg | grep -cE 'BUG:|WARNING:|Oops|Call Trace|general protection')
	if [ "$warnings" -gt 0 ]; then
		dmesg
	fi
	echo "kernel warnings: $warnings"
}

# A step that failed or timed out may leave processes behind (a tracer still
# attached, a helper holding a port) that would disturb the next step. Every
# process but PID 1 and kernel threads (children of kthreadd, PID 2) goes.
# Only builtins here: a forked child of this shell would be killed too.
stop_leftovers() {
	read -r stat </proc/self/stat
	self=${stat%% *}
	for dir in /proc/[0-9]*; do
		pid=${dir#/proc/}
		if [ "$pid" -le 2 ] || [ "$pid" = "$self" ]; then
			continue
		fi
		read -r stat <"$dir/stat" 2>/dev/null || continue
		# Fields after "(comm) ": state, ppid, ...; comm may hold spaces.
		# shellcheck disable=SC2086 # split on purpose
		set -- ${stat##*) }
		[ "$2" = 2 ] && continue
		comm=${stat#*(}
		comm=${comm%%)*}
		# busybox timeout leaves its watchdog behind by design: not news.
		[ "$comm" = timeout ] || echo "vm: stopping leftover pid $pid ($comm)"
		kill -KILL "$pid" 2>/dev/null
	done
}

# The live tests a row selects by their tags (tests/live/main.c), from the
# live-test that runs them, comma-separated: live_tagged --tag T[,T...]
# [--without-tag T[,T...]]. A failure gives a name no test has, so the row's
# live-test refuses it (exit 2) instead of running an unfiltered list.
live_tagged() {
	names=$(/opt/tests/live-test --list "$@") || {
		echo "live_tagged-failed"
		return 1
	}
	echo "$names" | tr '\n' ,
}

run_step() {
	step=$1
	command=$2
	echo "@@BSVM BEGIN $step"
	started=$(uptime_s)
	(eval "$command") </dev/null 2>&1
	rc=$?
	finished=$(uptime_s)
	stop_leftovers
	# The memory left after each step: a VM that ran out ends with a panic
	# (the OOM killer reaching PID 1), and this says how close the steps came.
	memavail=$(awk '$1 == "MemAvailable:" { print int($2 / 1024) }' /proc/meminfo)
	echo "@@BSVM END $step rc=$rc secs=$(awk "BEGIN { printf \"%.1f\", $finished - $started }") memavail_mb=$memavail"
}

run_plan() {
	tab=$(printf '\t')
	while IFS="$tab" read -r step command; do
		case "$step" in
		'' | '#'*) continue ;;
		esac
		run_step "$step" "$command"
	done </etc/vm/plan
}
