#!/bin/bash
# A second instance of a real server, seen by bindsnoop (run as root):
# Debian's redis-server, memcached and socat, each started twice on one
# 127.0.0.1 port. The second copy fails on EADDRINUSE and exits at once, so
# /proc has nothing left of it when bindsnoop handles the event: everything
# said of the caller must come from what the kernel read at the failure.
# For each server, the second copy's failure (told apart by its pid) must be
# same_program, caller.source "kernel", caller.exe the real executable
# (redis-server is a link to /usr/bin/redis-check-rdb, and is named
# "redis-server (/usr/bin/redis-check-rdb)"), with a start time and a command
# line, and a fix that kills the first copy's pid.
# BINDSNOOP=path tests another binary (default ./bindsnoop, built if missing).
# Ports 25400-25402. Last line: "second-instance: N passed, N failed".
set -u
cd "$(dirname "$0")/../.." || exit 1
PY=/usr/bin/python3 # Debian's, not a pyenv shim
BINDSNOOP=${BINDSNOOP:-./bindsnoop}
TALLY='second-instance'
# shellcheck source=tests/lib/tally.sh
. tests/lib/tally.sh
# shellcheck source=tests/lib/tracer.sh
. tests/lib/tracer.sh
work=$(mktemp -d /tmp/bindsnoop-second.XXXXXX)
running= # the first copy of a server, while it runs
placed_policy=
stop_first() {
	[ -n "$running" ] && kill "$running" 2>/dev/null && wait "$running" 2>/dev/null
	running=
}
cleanup() {
	stop_first
	tracer_stop
	[ -n "$placed_policy" ] && rm -f /usr/sbin/policy-rc.d
	[ -n "${KEEP:-}" ] || rm -rf "$work"
}
trap cleanup EXIT

if [ "$(id -u)" != 0 ]; then
	say "run as root: it installs packages and loads BPF programs"
	exit 1
fi

# Debian's packages; their maintainer scripts must not start them on the
# default ports (no policy-rc.d of ours if the machine already has one).
missing=()
for pair in redis-server:redis-server memcached:memcached socat:socat; do
	command -v "${pair%%:*}" >/dev/null 2>&1 || missing+=("${pair#*:}")
done
if [ ${#missing[@]} -gt 0 ]; then
	say "installing ${missing[*]}"
	if [ ! -e /usr/sbin/policy-rc.d ]; then
		printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
		chmod 755 /usr/sbin/policy-rc.d
		placed_policy=1
	fi
	export DEBIAN_FRONTEND=noninteractive
	apt() { apt-get -o DPkg::Lock::Timeout=900 "$@"; }
	apt install -y -qq "${missing[@]}" >"$work/apt.log" 2>&1 ||
		{ apt update -qq >/dev/null 2>&1 &&
			apt install -y -qq "${missing[@]}" >"$work/apt.log" 2>&1; } ||
		{ fail "install ${missing[*]}" "$(tail -n 3 "$work/apt.log")"; finish; }
	[ -n "$placed_policy" ] && rm -f /usr/sbin/policy-rc.d && placed_policy=
fi
if [ "$BINDSNOOP" = ./bindsnoop ]; then
	make -s bindsnoop || { fail build "make failed"; finish; }
fi

# listening PORT: 127.0.0.1:PORT is in LISTEN.
listening() {
	awk -v local="$(printf '0100007F:%04X' "$1")" \
		'$2 == local && $4 == "0A" { found = 1 } END { exit !found }' /proc/net/tcp
}

# exited PID: PID ends within 5 s.
exited() {
	for _ in $(seq 100); do
		kill -0 "$1" 2>/dev/null || return 0
		sleep 0.05
	done
	return 1
}

# twice NAME PORT COMMAND...: the first copy until it listens, then the same
# command again; the pids and names go to $work/servers for the JSON checks.
twice() {
	local name=$1 port=$2 first second status exe want
	shift 2
	if listening "$port"; then
		fail "$name-port-free" "127.0.0.1:$port is taken before the test"
		return
	fi
	"$@" >"$work/$name.1.log" 2>&1 &
	first=$!
	running=$first
	for _ in $(seq 200); do
		listening "$port" && break
		kill -0 "$first" 2>/dev/null || break
		sleep 0.05
	done
	if ! listening "$port"; then
		fail "$name-first-listens" "$(tail -n 3 "$work/$name.1.log")"
		stop_first
		return
	fi
	"$@" >"$work/$name.2.log" 2>&1 &
	second=$!
	if ! exited "$second"; then
		kill "$second"
		wait "$second"
		fail "$name-second-exits" "the second copy still runs after 5 s"
		stop_first
		return
	fi
	wait "$second"
	status=$?
	if [ "$status" != 0 ] && grep -q 'in use' "$work/$name.2.log" &&
		kill -0 "$first" 2>/dev/null; then
		ok "$name-second-exits (status $status, Address already in use)"
	else
		fail "$name-second-exits" "status $status, first alive: $(kill -0 "$first" 2>/dev/null &&
			echo yes || echo no); $(tail -n 2 "$work/$name.2.log")"
	fi
	# The first copy goes once bindsnoop has written the failure: a first
	# instance runs on in real life, and its /proc must be there to read.
	for _ in $(seq 100); do
		grep -q "\"pid\":$second," "$work/events.jsonl" && break
		sleep 0.05
	done
	stop_first
	exe=$(readlink -f "$(command -v "$1")")
	want=$exe
	[ "${1##*/}" != "${exe##*/}" ] && want="${1##*/} ($exe)"
	printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$name" "$port" "$first" "$second" "$exe" \
		"$want" "${1##*/}" >>"$work/servers"
}

if ! tracer_start "$work/events.jsonl" "$work/tracer.err" "$BINDSNOOP" --json --port 25400-25402; then
	fail "bindsnoop-traces" "$(tail -n 3 "$work/tracer.err")"
	finish
fi

twice redis 25400 redis-server --port 25400 --bind 127.0.0.1 --save '' --appendonly no \
	--dir "$work" --daemonize no
twice memcached 25401 memcached -p 25401 -l 127.0.0.1 -U 0 -u nobody
twice socat 25402 socat TCP-LISTEN:25402,bind=127.0.0.1,reuseaddr,fork /dev/null
tracer_stop

touch "$work/servers"
$PY - "$work/events.jsonl" "$work/servers" <<'PY' >"$work/checks.out" 2>&1
import json, re, sys
events = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
failures = [e for e in events if e.get("event") == "bind_failed"]
def check(name, ok, detail):
    print(f"second-instance: {'ok  ' if ok else 'FAIL'} {name}{'' if ok else ': ' + detail}")
for line in open(sys.argv[2]):
    name, port, first, second, exe, want, argv0 = line.rstrip("\n").split("\t")
    port, first, second = int(port), int(first), int(second)
    mine = [e for e in failures if e["caller"]["pid"] == second]
    check(f"{name}-one-failure",
          len(mine) == 1 and mine[0]["port"] == port and mine[0]["error"] == "EADDRINUSE",
          f"{len(mine)} failures of pid {second}; all: "
          + json.dumps([(e["caller"]["pid"], e["port"], e["error"]) for e in failures]))
    if len(mine) != 1:
        continue
    e = mine[0]
    caller, d = e["caller"], e["diagnosis"]
    check(f"{name}-same-program", d["cause"] == "same_program", json.dumps(d))
    check(f"{name}-caller-read-by-kernel", caller.get("source") == "kernel",
          json.dumps(caller)[:400])
    check(f"{name}-exe", caller.get("exe") == exe, f"exe {caller.get('exe')!r}, want {exe!r}")
    check(f"{name}-start-time", caller.get("start_time") is not None, json.dumps(caller)[:400])
    cmdline = caller.get("cmdline") or ""
    check(f"{name}-cmdline", cmdline.startswith(argv0) and str(port) in cmdline,
          f"cmdline {caller.get('cmdline')!r}")
    check(f"{name}-summary", f"an older instance of {want} still holds" in d["summary"],
          f"summary {d['summary']!r}, want 'an older instance of {want}'")
    check(f"{name}-fix-kills-first", re.search(rf"\bkill {first}\b", d["fix"] or "") is not None,
          f"fix {d['fix']!r}, want kill {first}")
PY
cat "$work/checks.out"
passed=$((passed + $(grep -c '^second-instance: ok' "$work/checks.out")))
failed=$((failed + $(grep -c '^second-instance: FAIL' "$work/checks.out")))
if grep -q Traceback "$work/checks.out"; then
	failed=$((failed + 1))
	say "FAIL the checks did not run"
fi
finish
