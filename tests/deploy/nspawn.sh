# shellcheck shell=bash
# The container the deploy and package tests boot: a real systemd (nspawn)
# running this machine's /usr through an overlay, so that nothing has to be
# downloaded. Sourced; needs systemd-nspawn (systemd-container).
#
#   nspawn_root ROOT         an empty root: /etc with this machine's users,
#                            /bin, /lib... pointing into /usr
#   nspawn_boot ROOT UPPER OUT LOG
#                            boot ROOT (multi-user.target) with UPPER as the
#                            overlay's upper /usr and OUT at /out; returns
#                            when the container powers off (120 s at most)
#
# And for the scripts that boot one scenario and check it in python
# (restart-loop.sh, journal.sh):
#   scenario_begin NAME      say and finish ("NAME: N passed, N failed"), $work
#                            (removed at exit unless KEEP=1; scenario_stop, if
#                            defined, runs first), root and systemd-nspawn
#   scenario_tally FILE      adds the "NAME: ok" and "NAME: FAIL" lines of FILE;
#                            fails (and counts a failure) if the checks did not run
#   loop_units ROOT PORT     holder.service (/opt/bind-and-wait holding
#                            127.0.0.1:PORT) and app.service, failing on it and
#                            restarted every RestartSec (200 ms unless given)

nspawn_root() {
	local root=$1 dir
	mkdir -p "$root"/{etc/systemd/system/multi-user.target.wants,var/log,tmp,proc,sys,dev,run,root,opt}
	for dir in bin lib lib64 sbin; do ln -s usr/$dir "$root/$dir"; done
	cp /etc/passwd /etc/group /etc/shadow "$root/etc/"
	cp /usr/lib/os-release "$root/etc/os-release"
	# Not a first boot: systemd would enable every unit of the host's /usr by
	# its presets (prometheus, ...), and only the units under test should run.
	systemd-id128 new >"$root/etc/machine-id"
}

nspawn_boot() {
	local root=$1 upper=$2 out=$3 log=$4
	# nspawn wants /run/systemd/nspawn on a tmpfs: a private one in its own mount namespace.
	unshare -m --propagation private sh -c "mkdir -p /run/systemd/nspawn &&
		mount -t tmpfs tmpfs /run/systemd/nspawn &&
		SYSTEMD_NSPAWN_UNIFIED_HIERARCHY=0 timeout 120 systemd-nspawn -q -D '$root' \
		--overlay=/usr:'$upper':/usr --bind='$out':/out --bind=/sys/kernel/tracing \
		--register=no --keep-unit --capability=CAP_BPF,CAP_PERFMON \
		--system-call-filter='bpf perf_event_open' -b -- systemd.unit=multi-user.target" \
		>"$log" 2>&1
}

scenario_begin() {
	SCENARIO=$1
	# Defined here, not when sourced: run.sh and package/run.sh have their own.
	say() { printf '%s: %s\n' "$SCENARIO" "$*"; }
	# shellcheck disable=SC2317 # called by the scenario scripts
	finish() {
		say "$passed passed, $failed failed"
		[ "$failed" = 0 ]
		exit $?
	}
	passed=0
	failed=0
	work=$(mktemp -d "/tmp/bindsnoop-$SCENARIO.XXXXXX")
	trap scenario_exit EXIT
	if [ "$(id -u)" != 0 ]; then
		say "run as root: it boots a container and loads BPF programs"
		exit 1
	fi
	if ! command -v systemd-nspawn >/dev/null 2>&1; then
		apt-get -o DPkg::Lock::Timeout=900 install -y -qq systemd-container >/dev/null 2>&1
	fi
}

scenario_exit() {
	if declare -F scenario_stop >/dev/null; then scenario_stop; fi
	[ -n "${KEEP:-}" ] || rm -rf "$work"
}

scenario_tally() {
	local file=$1
	cat "$file"
	passed=$((passed + $(grep -c "^$SCENARIO: ok" "$file")))
	failed=$((failed + $(grep -c "^$SCENARIO: FAIL" "$file")))
	if grep -q Traceback "$file" || [ "$((passed + failed))" = 0 ]; then
		failed=$((failed + 1))
		say "FAIL the checks did not run"
		return 1
	fi
}

loop_units() {
	local root=$1 port=$2 restart_sec=${3:-200ms} port_hex
	port_hex=$(printf '%04X' "$port")
	# app.service starts After= this unit, which waits here until the port is
	# really held (LISTEN in /proc/net/tcp): a started process has not bound
	# yet, and app.service could take the port first.
	cat >"$root/etc/systemd/system/holder.service" <<-UNIT
		[Service]
		ExecStart=/opt/bind-and-wait 127.0.0.1 $port 120
		ExecStartPost=/bin/sh -c 'until grep -q "0100007F:$port_hex 00000000:0000 0A" /proc/net/tcp; do sleep 0.05; done'
	UNIT
	# Each failing instance exits the moment its bind fails, as a crash loop
	# does: /proc has nothing left of it when bindsnoop reads the event, so
	# everything must come from what the kernel read at the failure.
	cat >"$root/etc/systemd/system/app.service" <<-UNIT
		[Unit]
		After=holder.service
		StartLimitIntervalSec=0
		[Service]
		ExecStart=/opt/bind-and-wait 127.0.0.1 $port 0
		Restart=always
		RestartSec=$restart_sec
	UNIT
}
