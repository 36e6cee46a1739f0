# shellcheck shell=bash
# The one way the shell suites run bindsnoop: start it, wait for its
# "Tracing " line, stop it with a signal, read the totals it prints at stop.
# tests/lib/tracer.py does the same for the Python suites, with the same
# protocol and limits (TRACER_READY_S, TRACER_STOP_S):
#   tracer_start OUT ERR COMMAND [ARG...]
#       COMMAND (bindsnoop, a wrapper that execs it, or a shell function) in
#       the background, stdout to OUT, stderr to ERR; sets tracer_pid. Returns
#       0 once ERR has a line starting "Tracing ", 1 when COMMAND exited first
#       or TRACER_READY_S (60) seconds passed (checked every 0.1 s); stop it
#       either way. It is tracer_spawn OUT ERR COMMAND [ARG...] (no wait)
#       then tracer_ready ERR [PID]: two tracers can start side by side.
#   tracer_stop [PID [SIGNAL]]
#       SIGNAL (INT) to PID ($tracer_pid), its exit awaited up to
#       TRACER_STOP_S (30) seconds, KILL after that; sets tracer_status (its
#       exit status, 137 when killed). PID must be a child of this shell.
#   tracer_totals ERR
#       prints "RECEIVED LOST" from the last "bindsnoop: N events received,
#       M lost..." line of ERR; returns 1 when there is none.
# The functions need nothing else of this file: `bash -c "$(declare -f
# tracer_start tracer_spawn tracer_ready tracer_stop) ..."` carries them into another shell.

tracer_start() {
	tracer_spawn "$@"
	tracer_ready "$2" "$tracer_pid"
}

tracer_spawn() {
	local out=$1 err=$2
	shift 2
	"$@" >"$out" 2>"$err" &
	tracer_pid=$!
}

tracer_ready() {
	local err=$1 pid=${2:-$tracer_pid} tick
	for ((tick = 0; tick < ${TRACER_READY_S:-60} * 10; tick++)); do
		grep -qs '^Tracing ' "$err" && return 0
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	grep -qs '^Tracing ' "$err"
}

# Arguments are optional: callers stopping $tracer_pid pass none.
# shellcheck disable=SC2120
tracer_stop() {
	local pid=${1:-$tracer_pid} sig=${2:-INT} tick
	tracer_status=0
	[ -n "$pid" ] || return 0
	kill -"$sig" "$pid" 2>/dev/null
	for ((tick = 0; tick < ${TRACER_STOP_S:-30} * 10; tick++)); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null || tracer_status=$?
	[ "$pid" = "${tracer_pid:-}" ] && tracer_pid=
	return 0
}

tracer_totals() {
	local line
	line=$(grep -E '^bindsnoop: [0-9]+ events received, [0-9]+ lost' "$1" | tail -n 1)
	[ -n "$line" ] || return 1
	echo "$line" | sed -E 's/^bindsnoop: ([0-9]+) events received, ([0-9]+) lost.*$/\1 \2/'
}
