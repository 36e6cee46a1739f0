#!/bin/bash
# Checks of everything `make install` and deploy/ ship (run as root):
#   - every YAML/TOML/JSON file under deploy/ parses; the DaemonSet, the
#     Containerfile, the Vector and Fluent Bit configurations say what they must
#   - rsyslogd and logrotate accept their snippets
#   - promtool accepts the alert rules of deploy/prometheus and passes their
#     unit tests; every alert has a test where it fires and one where it does not
#   - make install DESTDIR=... PREFIX=/usr installs exactly the binary, the man
#     page, the bash completion and the unit; make uninstall removes them
#   - systemd-analyze verify accepts the unit and its drop-ins, silently
#   - the man page renders without a warning and names every option of --help
#   - every ExecStart (unit and drop-ins) runs for real under the unit's
#     capability set, with only options --help lists
#   - the unit's capabilities are enough, and each one is needed
#   - the unit, booted under systemd in a container, traces into the journal,
#     and the output-file drop-in writes and reopens its file
# Needs no network but Debian's package archive (installs what is missing).
# Last line: "deploy: N passed, N failed". Exit status 1 if anything failed.
set -u
cd "$(dirname "$0")/../.."
ROOT=$PWD
PY=/usr/bin/python3 # Debian's, with python3-yaml; not a pyenv shim
HERE=tests/deploy
# shellcheck source=tests/deploy/nspawn.sh
. $HERE/nspawn.sh
UNIT_IN=deploy/systemd/bindsnoop.service.in
DROPINS=deploy/systemd/bindsnoop.service.d
passed=0
failed=0
skipped=0
work=$(mktemp -d /tmp/bindsnoop-deploy.XXXXXX)
trap 'rm -rf "$work"' EXIT

say() { printf 'deploy: %s\n' "$*"; }

# check NAME COMMAND...: a pass when COMMAND succeeds; its output shown on failure.
check() {
	local name=$1 out=$work/out.$RANDOM
	shift
	if "$@" >"$out" 2>&1; then
		passed=$((passed + 1))
		say "ok   $name"
	else
		failed=$((failed + 1))
		say "FAIL $name"
		sed 's/^/      /' "$out"
	fi
}

skip() {
	skipped=$((skipped + 1))
	say "SKIP $1: $2"
}

# Install Debian packages for the commands that are missing.
need() {
	local missing=() cmd pkg
	while [ $# -gt 0 ]; do
		cmd=$1 pkg=$2
		shift 2
		command -v "$cmd" >/dev/null 2>&1 || missing+=("$pkg")
	done
	$PY -c 'import yaml' 2>/dev/null || missing+=(python3-yaml)
	[ ${#missing[@]} -eq 0 ] && return 0
	say "installing ${missing[*]}"
	if ! { apt-get install -y -qq "${missing[@]}" >"$work/apt.log" 2>&1 ||
		{ apt-get update -qq >/dev/null 2>&1 &&
			apt-get install -y -qq "${missing[@]}" >"$work/apt.log" 2>&1; }; }; then
		say "could not install ${missing[*]}:"
		tail -n 5 "$work/apt.log"
	fi
}

if [ "$(id -u)" != 0 ]; then
	say "run as root: the checks load BPF programs and boot a container"
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
need groff groff-base mandoc mandoc systemd-analyze systemd rsyslogd rsyslog \
	logrotate logrotate setpriv util-linux promtool prometheus systemd-nspawn systemd-container
if [ ! -x ./bindsnoop ]; then
	make -s bindsnoop || { say "FAIL build"; echo "deploy: 0 passed, 1 failed"; exit 1; }
fi
./bindsnoop --help >"$work/help.txt"
export HELP_FILE=$work/help.txt
configs() { $PY $HERE/check_configs.py "$@"; }

# ---- static checks of deploy/
check "YAML, TOML and JSON under deploy/ parse" configs parse
check "DaemonSet: hostPID, hostNetwork, capabilities, not privileged, limits, mounts" \
	configs daemonset
check "Containerfile: FROM scratch, the static binary, --json" configs containerfile
check "DaemonSet grants what README.md's docker run line grants" $PY tests/image/run_spec.py check
check "metrics: DaemonSet patch (annotations, port, node address), PodMonitor, Containerfile.debian" \
	configs metrics
check "Vector: journald and file sources, JSON parsed, Loki labels, bindsnoop-* index" \
	configs vector
check "Fluent Bit: systemd and tail inputs, JSON parsed, Elasticsearch and Loki" \
	configs fluent-bit
check "ExecStart of the unit and its drop-ins use options --help lists" configs options

logrotate_accepts() {
	configs logrotate || return 1
	logrotate -d -s "$work/logrotate.state" deploy/logrotate/bindsnoop 2>&1 |
		tee "$work/logrotate.out"
	! grep -qiE 'error|unknown|bad ' "$work/logrotate.out"
}
check "logrotate accepts deploy/logrotate/bindsnoop (HUP in postrotate)" logrotate_accepts

rsyslog_accepts() {
	printf 'module(load="imuxsock")\ninclude(file="%s")\n' \
		"$ROOT/deploy/rsyslog/30-bindsnoop.conf" >"$work/rsyslog.conf"
	rsyslogd -N1 -f "$work/rsyslog.conf"
}
check "rsyslogd -N1 accepts deploy/rsyslog/30-bindsnoop.conf" rsyslog_accepts

# The alert rules: promtool's own checks, then its unit tests of each alert.
check "alert rules: every alert has severity, summary, fix, a firing and a quiet test" \
	configs alerts
check "promtool check rules deploy/prometheus/bindsnoop-alerts.yml" \
	promtool check rules deploy/prometheus/bindsnoop-alerts.yml
check "promtool test rules deploy/prometheus/bindsnoop-alerts.test.yml" \
	promtool test rules deploy/prometheus/bindsnoop-alerts.test.yml

# ---- make install
install_layout() {
	local dest=$work/destdir got want
	make -s install DESTDIR="$dest" PREFIX=/usr >/dev/null || return 1
	got=$(cd "$dest" && find . -type f -printf '%m %p\n' | sort)
	want=$(printf '%s\n' '644 ./usr/lib/systemd/system/bindsnoop.service' \
		'644 ./usr/share/bash-completion/completions/bindsnoop' \
		'644 ./usr/share/man/man8/bindsnoop.8' '755 ./usr/sbin/bindsnoop')
	[ "$got" = "$want" ] || { printf 'installed:\n%s\nwanted:\n%s\n' "$got" "$want"; return 1; }
	cmp ./bindsnoop "$dest/usr/sbin/bindsnoop" || return 1
	grep -qx 'ExecStart=/usr/sbin/bindsnoop --json' \
		"$dest/usr/lib/systemd/system/bindsnoop.service" ||
		{ echo "ExecStart does not name /usr/sbin/bindsnoop"; return 1; }
	! grep -n '@[A-Z]*@' "$dest/usr/lib/systemd/system/bindsnoop.service" || return 1
	make -s uninstall DESTDIR="$dest" PREFIX=/usr >/dev/null || return 1
	got=$(find "$dest" -type f)
	[ -z "$got" ] || { printf 'left after uninstall:\n%s\n' "$got"; return 1; }
}
check "make install DESTDIR PREFIX=/usr: binary, man page, completion, unit; uninstall removes them" \
	install_layout

# systemd-analyze verify prints warnings but still exits 0: any output fails.
unit_verifies() {
	local prefix=$work/prefix/usr units=$work/units
	make -s install PREFIX="$prefix" >/dev/null || return 1
	MANPATH=$prefix/share/man systemd-analyze verify \
		"$prefix/lib/systemd/system/bindsnoop.service" >"$work/verify.out" 2>&1
	local status=$?
	cat "$work/verify.out"
	[ $status = 0 ] && [ ! -s "$work/verify.out" ] || return 1
	# Each drop-in on top of the unit; the bare command name made absolute for
	# the check (systemd resolves it in /usr/local/sbin and /usr/sbin).
	for dropin in "$DROPINS"/*.conf; do
		rm -rf "$units"
		mkdir -p "$units/bindsnoop.service.d"
		cp "$prefix/lib/systemd/system/bindsnoop.service" "$units/"
		sed "s|^ExecStart=bindsnoop |ExecStart=$prefix/sbin/bindsnoop |" "$dropin" \
			>"$units/bindsnoop.service.d/${dropin##*/}"
		MANPATH=$prefix/share/man systemd-analyze verify "$units/bindsnoop.service" \
			>"$work/verify.out" 2>&1
		status=$?
		sed "s|^|${dropin##*/}: |" "$work/verify.out"
		[ $status = 0 ] && [ ! -s "$work/verify.out" ] || return 1
	done
}
if systemd-analyze --version >/dev/null 2>&1; then
	check "systemd-analyze verify: the unit and each drop-in, no warning" unit_verifies
else
	skip "systemd-analyze verify" "systemd-analyze is not installed and could not be"
fi

# ---- the man page
man_renders() {
	groff -man -Tutf8 -ww docs/bindsnoop.8 2>&1 >/dev/null | tee "$work/groff.out"
	[ ! -s "$work/groff.out" ] || return 1
	mandoc -Tlint -Wall docs/bindsnoop.8 || return 1
	MANWIDTH=80 man -l docs/bindsnoop.8 2>&1 >"$work/man.txt" | tee "$work/man.err"
	[ ! -s "$work/man.err" ] && grep -q 'EXIT STATUS' "$work/man.txt"
}
check "man page renders: groff -ww, mandoc -Tlint, man -l, no warning" man_renders
check "man page names every option of --help, the JSON fields and the capabilities" \
	configs manpage docs/bindsnoop.8

# ---- the ExecStart lines, for real
unit_caps() {
	sed -n 's/^CapabilityBoundingSet=//p' "$UNIT_IN" | tr ' ' '\n' |
		sed 's/^CAP_//' | tr 'A-Z' 'a-z' | paste -sd, -
}
CAPS=$(unit_caps)

# Whether every output of ExecStart's args holds the run's start record yet.
start_recorded() {
	case "$1" in
	*--output*) grep -q '"event":"start"' "$work/events.jsonl" 2>/dev/null || return 1 ;;
	esac
	case "$1" in
	*--syslog=tcp*) grep -q 'bindsnoop' "$work/collector.out" || return 1 ;;
	esac
	case "$1" in
	*--json*) grep -q '"event":"start"' "$work/exec.out" || return 1 ;;
	esac
}

# Run one ExecStart (argv after the program) under the unit's capabilities
# until it traces, then stop it: it must start, and end with status 0.
exec_start_runs() {
	local file=$1 args status
	args=$(sed -n 's/^ExecStart=[^ ]*bindsnoop //p' "$file" | tail -n 1)
	args=${args//\/var\/log\/bindsnoop\/events.jsonl/$work/events.jsonl}
	# Never the documentation address: a local collector instead.
	$PY -c '
import socket, sys
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen()
print(s.getsockname()[1], flush=True)
s.settimeout(90)
try:
    c, _ = s.accept(); c.settimeout(5)
    data = b""
    while b"\"start\"" not in data:
        chunk = c.recv(65536)
        if not chunk: break
        data += chunk
    sys.stdout.write(data.decode(errors="replace"))
except OSError: pass
' >"$work/collector.out" &
	local collector=$!
	for _ in $(seq 300); do [ -s "$work/collector.out" ] && break; sleep 0.1; done
	local port
	port=$(head -n 1 "$work/collector.out")
	args=$(echo "$args" | sed -E "s#(udp|tcp)://[0-9.]+:[0-9]+#tcp://127.0.0.1:$port#")
	echo "bindsnoop $args"
	# The previous ExecStart's files would answer the waits below for this one.
	rm -f "$work/events.jsonl" "$work/exec.out" "$work/exec.err"
	# shellcheck disable=SC2086 # the ExecStart's own word splitting
	setpriv --no-new-privs --inh-caps=-all --bounding-set=-all,$(echo "$CAPS" | sed 's/,/,+/g; s/^/+/') \
		./bindsnoop $args >"$work/exec.out" 2>"$work/exec.err" &
	local tracer=$!
	# Until it traces and each output holds its start record (bounded: 60 s
	# for a loaded machine's start-up), never a fixed sleep.
	for _ in $(seq 600); do
		kill -0 $tracer 2>/dev/null || break
		grep -qs '^Tracing ' "$work/exec.err" && start_recorded "$args" && break
		sleep 0.1
	done
	kill -TERM $tracer 2>/dev/null
	wait $tracer
	status=$?
	kill $collector 2>/dev/null
	wait $collector 2>/dev/null
	cat "$work/exec.err"
	grep -q '^Tracing ' "$work/exec.err" && [ $status = 0 ] || return 1
	case "$args" in
	*--output*) grep -q '"event":"start"' "$work/events.jsonl" ||
		{ echo "no start record in the --output file"; return 1; } ;;
	esac
	case "$args" in
	*--syslog=tcp*) grep -q 'bindsnoop' "$work/collector.out" ||
		{ echo "the collector received nothing"; return 1; } ;;
	esac
	case "$args" in
	*--json*) grep -q '"event":"start"' "$work/exec.out" ||
		{ echo "no start record on stdout"; return 1; } ;;
	esac
}
check "unit ExecStart runs under the unit's capabilities ($CAPS)" exec_start_runs "$UNIT_IN"
for dropin in "$DROPINS"/*.conf; do
	check "drop-in ${dropin##*/}: its ExecStart runs under the unit's capabilities" \
		exec_start_runs "$dropin"
done

# ---- the capability set: enough, and each one needed
capcheck() { $PY $HERE/capcheck.py ./bindsnoop "$@"; }
caps_enough() {
	capcheck "$CAPS" | tee "$work/cap.json"
	$PY -c 'import json,sys; r=json.load(sys.stdin); sys.exit(not (r["started"] and r["exit"] == 0
		and r["root"]["named"] and r["nobody"]["named"]))' <"$work/cap.json"
}
check "with the unit's capabilities, holders of root and of nobody are named" caps_enough
# Without CAP: what must break ("start": no start; "root"/"nobody": that holder unnamed).
cap_needed() {
	local cap=$1 breaks=$2 rest
	rest=$(echo ",$CAPS," | sed "s/,$cap,/,/; s/^,//; s/,$//")
	capcheck "$rest" | tee "$work/cap.json"
	$PY -c 'import json,sys; r=json.load(sys.stdin); b=sys.argv[1]
sys.exit(not ((not r["started"] and r["exit"] == 1) if b == "start" else
	(r["started"] and r[b]["event"] and r[b]["holders"] and not r[b]["named"])))' \
		"$breaks" <"$work/cap.json"
}
for pair in bpf:start perfmon:start sys_ptrace:root dac_read_search:nobody; do
	cap=${pair%%:*} breaks=${pair#*:}
	if [[ ",$CAPS," == *",$cap,"* ]]; then
		check "without CAP_${cap^^}: $([ "$breaks" = start ] && echo "bindsnoop cannot start" ||
			echo "$breaks's holder process goes unnamed")" cap_needed "$cap" "$breaks"
	else
		failed=$((failed + 1))
		say "FAIL the unit lacks CAP_${cap^^}"
	fi
done

# ---- the unit under a real systemd: a container booting this machine's /usr
boot_unit() {
	local dropin=${1:-} root=$work/nspawn out=$work/nspawn-out upper=$work/usr-upper
	rm -rf "$root" "$out" "$upper"
	nspawn_root "$root"
	mkdir -p "$out" "$upper/local/sbin"
	# The overlay's upper /usr holds local/sbin/bindsnoop; the unit goes in /etc.
	cp ./bindsnoop "$upper/local/sbin/bindsnoop"
	sed 's|@SBINDIR@|/usr/local/sbin|g' "$UNIT_IN" >"$root/etc/systemd/system/bindsnoop.service"
	if [ -n "$dropin" ]; then
		mkdir -p "$root/etc/systemd/system/bindsnoop.service.d"
		cp "$dropin" "$root/etc/systemd/system/bindsnoop.service.d/"
	fi
	cat >"$root/opt/scenario.sh" <<-'EOF'
		#!/bin/bash
		exec >/out/scenario.log 2>&1
		for i in $(seq 50); do systemctl is-active -q bindsnoop && break; sleep 0.2; done
		sleep 1.5
		port=$((20000 + RANDOM % 20000)); echo "port=$port"
		python3 -c 'import socket,sys,time
		s=socket.socket(); s.bind(("127.0.0.1",int(sys.argv[1]))); s.listen(); time.sleep(6)' $port &
		sleep 1
		python3 -c 'import socket,sys
		try: socket.socket().bind(("127.0.0.1",int(sys.argv[1])))
		except OSError: pass' $port
		if [ -d /var/log/bindsnoop ]; then
			mv /var/log/bindsnoop/events.jsonl /var/log/bindsnoop/events.jsonl.1
			systemctl reload bindsnoop; echo "reload=$?"; sleep 0.5
			python3 -c 'import socket,sys
		try: socket.socket().bind(("127.0.0.1",int(sys.argv[1])))
		except OSError: pass' $port
		fi
		sleep 1
		pid=$(systemctl show -p MainPID --value bindsnoop)
		grep -E '^(CapEff|NoNewPrivs|Seccomp):' /proc/$pid/status
		systemctl show bindsnoop -p ActiveState -p NRestarts
		systemctl stop bindsnoop
		systemctl show bindsnoop -p Result
		journalctl -u bindsnoop -o cat --no-pager >/out/journal.txt
		cp -a /var/log/bindsnoop /out/ 2>/dev/null
		systemctl poweroff
	EOF
	chmod +x "$root/opt/scenario.sh"
	printf '[Unit]\nAfter=bindsnoop.service\n[Service]\nType=oneshot\nExecStart=/opt/scenario.sh\n' \
		>"$root/etc/systemd/system/scenario.service"
	ln -s ../bindsnoop.service ../scenario.service "$root/etc/systemd/system/multi-user.target.wants/"
	nspawn_boot "$root" "$upper" "$out" "$work/console.log"
	if [ ! -s "$out/scenario.log" ]; then
		echo "the container did not run the scenario:"
		tail -n 15 "$work/console.log"
		return 2
	fi
	cat "$out/scenario.log"
	local port want_caps
	port=$(sed -n 's/^port=//p' "$out/scenario.log")
	want_caps=$($PY -c 'import sys
bits = {"bpf": 39, "perfmon": 38, "sys_ptrace": 19, "dac_read_search": 2}
print("%016x" % sum(1 << bits[c] for c in sys.argv[1].split(",")))' "$CAPS")
	grep -q "^CapEff:.*$want_caps" "$out/scenario.log" || { echo "CapEff is not $want_caps"; return 1; }
	grep -q '^NoNewPrivs:.*1' "$out/scenario.log" || return 1
	grep -qx 'NRestarts=0' "$out/scenario.log" && grep -qx 'Result=success' "$out/scenario.log" ||
		return 1
	local events=$out/journal.txt
	# With the drop-in: the file before the reload, then the one after.
	[ -n "$dropin" ] && cat "$out"/bindsnoop/events.jsonl.1 "$out"/bindsnoop/events.jsonl \
		>"$out/events.all" && events=$out/events.all
	grep -q '"event":"start"' "$events" &&
		grep -q "\"event\":\"bind_failed\".*\"port\":$port," "$events" ||
		{ echo "no start record or no bind_failed for port $port in ${events##*/}"; return 1; }
	if [ -n "$dropin" ]; then
		grep -qx 'reload=0' "$out/scenario.log" &&
			grep -q '"event":"start"' "$out/bindsnoop/events.jsonl.1" &&
			grep -q '"event":"stop"' "$out/bindsnoop/events.jsonl" ||
			{ echo "SIGHUP did not move the events to the new file"; return 1; }
	fi
}
booted() {
	local name=$1
	shift
	boot_unit "$@" >"$work/boot.out" 2>&1
	case $? in
	0) passed=$((passed + 1)); say "ok   $name" ;;
	2) skip "$name" "no container could boot here (systemd-nspawn):"; sed 's/^/      /' "$work/boot.out" ;;
	*) failed=$((failed + 1)); say "FAIL $name"; sed 's/^/      /' "$work/boot.out" ;;
	esac
}
if command -v systemd-nspawn >/dev/null 2>&1; then
	booted "systemd runs the unit: JSON in the journal, the unit's capabilities only"
	booted "systemd runs the unit with output-file.conf: the file, reopened on reload" \
		"$DROPINS/output-file.conf"
else
	skip "the unit under systemd" "systemd-nspawn is not installed and could not be"
fi

[ $skipped -gt 0 ] && say "$skipped skipped (see SKIP above)"
echo "deploy: $passed passed, $failed failed"
[ $failed = 0 ]
