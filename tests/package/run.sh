#!/bin/bash
# The Debian package, as an admin meets it (run as root):
#   - Build-Depends name the -dev package of every library the Makefile links;
#     `make deb` as root installs them before it builds (tests/package/deb_deps.sh)
#   - `make deb` in a fresh `git clone` of this repository builds it, and
#     lintian reports no error on it
#   - Depends are what the binary links: Debian's libbpf and libmicrohttpd
#     (and libelf, zlib through libbpf), no copy of its own
#   - `make deb ARCH=arm64` in that clone cross-builds the arm64 package:
#     lintian reports no error, and its Depends are the arm64 packages of
#     what it links (it is not installed here)
#   - dpkg -i: /usr/sbin/bindsnoop --version, man -w bindsnoop, the bash
#     completion, the JSON Schema, the unit (not enabled); the installed
#     binary names the holder of a real conflict, and every line it printed
#     validates against the installed schema of the version the line names
#   - dpkg -r removes all but the conffile, dpkg -P that too: nothing is
#     left of the package anywhere it installed or registered anything
#   - inside the systemd container of the deploy tests: dpkg -i leaves the
#     service stopped and disabled, `systemctl start` traces a real conflict
#     into the journal with only the unit's capabilities, dpkg -P stops and
#     removes it
# The live parts (the conflict, the container) hold /tmp/bindsnoop-live.lock.
# Last line: "package: N passed, N failed". Exit status 1 if anything failed.
set -u
cd "$(dirname "$0")/../.." || exit 1
ROOT=$PWD
# shellcheck source=tests/deploy/nspawn.sh
. tests/deploy/nspawn.sh
# shellcheck source=tests/lib/tracer.sh
. tests/lib/tracer.sh
LIVE_LOCK=/tmp/bindsnoop-live.lock
CONFLICT_PORT=30020
CONTAINER_PORT=30021
passed=0
failed=0
work=$(mktemp -d /tmp/bindsnoop-package.XXXXXX)
trap 'rm -rf "$work"' EXIT

say() { printf 'package: %s\n' "$*"; }
check() { # NAME COMMAND...: a pass when COMMAND succeeds; its output shown on failure
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
finish() {
	echo "package: $passed passed, $failed failed"
	[ $failed = 0 ]
	exit
}

if [ "$(id -u)" != 0 ]; then
	say "run as root: the test installs the package and loads BPF programs"
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
for cmd in dpkg-buildpackage dh lintian man git systemd-nspawn; do
	command -v $cmd >/dev/null || missing="${missing:-} $cmd"
done
if [ -n "${missing:-}" ]; then
	say "missing:$missing; scripts/install-deps.sh --test installs them (systemd-nspawn: the deploy test)"
	failed=1
	finish
fi

# dpkg waits for no lock: retry while another apt or dpkg (another test) holds it.
dpkg_retry() {
	local i
	for i in $(seq 180); do
		if dpkg "$@" >"$work/dpkg.out" 2>&1; then
			cat "$work/dpkg.out"
			return 0
		fi
		grep -q 'lock' "$work/dpkg.out" || { cat "$work/dpkg.out"; return 1; }
		sleep 5
	done
	cat "$work/dpkg.out"
	return 1
}

# ---- static: what the build links is what debian/control asks for
check "Build-Depends name the -dev package of every library the Makefile links" \
	python3 tests/package/check_debian.py build-depends
check "make deb as root installs the Build-Depends first, as make does" tests/package/deb_deps.sh

# ---- build from a clean clone
clone=$work/clone
build_from_clone() {
	git clone -q "$ROOT" "$clone" || return 1
	make -C "$clone" deb >"$work/build.log" 2>&1 || { tail -n 30 "$work/build.log"; return 1; }
	grep -E '^[EWI]: ' "$clone/build/deb/lintian.txt"
	! grep -q '^E: ' "$clone/build/deb/lintian.txt"
}
check "make deb in a fresh git clone; lintian: no error" build_from_clone
deb=$(ls "$clone"/build/deb/bindsnoop_*_amd64.deb 2>/dev/null | head -n 1)
if [ -z "$deb" ]; then
	say "no package was built: nothing more to test"
	finish
fi
version=$(dpkg-deb -f "$deb" Version)
say "package: ${deb##*/}; lintian:"
grep -E '^[EWI]: ' "$clone/build/deb/lintian.txt" | sed 's/^/      /'

# depends_exact DEB [ADMINDIR]: ADMINDIR, the dpkg database that knows the
# libraries' packages (a cross build's sysroot has its own).
depends_exact() {
	local deb=$1 admindir=${2:-/var/lib/dpkg} depends
	depends=$(dpkg-deb -f "$deb" Depends)
	echo "Depends: $depends"
	echo "$depends" | grep -q 'libbpf1' && echo "$depends" | grep -q 'libmicrohttpd12' || return 1
	rm -rf "$work/unpacked"
	dpkg-deb -x "$deb" "$work/unpacked" || return 1
	readelf -d "$work/unpacked/usr/sbin/bindsnoop" | grep NEEDED
	readelf -d "$work/unpacked/usr/sbin/bindsnoop" | grep -q 'NEEDED.*libbpf.so.1' || return 1
	# Every library it needs comes from a package it depends on (dpkg-shlibdeps' work).
	for lib in $(readelf -d "$work/unpacked/usr/sbin/bindsnoop" | sed -n 's/.*NEEDED.*\[\(.*\)\]/\1/p'); do
		local owner
		owner=$(dpkg --admindir="$admindir" -S "*/$lib" 2>/dev/null | head -n 1 | cut -d: -f1)
		echo "$lib: $owner"
		[ -n "$owner" ] && echo "$depends" | grep -qw "$owner" || return 1
	done
}
check "Depends: exactly the Debian packages of the libraries it links" depends_exact "$deb"

# ---- the arm64 package, cross-built in the same clone (not installable here)
build_arm64_from_clone() {
	make -C "$clone" deb ARCH=arm64 >"$work/build-arm64.log" 2>&1 ||
		{ tail -n 30 "$work/build-arm64.log"; return 1; }
	grep -E '^[EWI]: ' "$clone/build/arm64/deb/lintian.txt"
	! grep -q '^E: ' "$clone/build/arm64/deb/lintian.txt"
}
check "make deb ARCH=arm64 in the clone; lintian: no error" build_arm64_from_clone
arm64_deb=$(ls "$clone"/build/arm64/deb/bindsnoop_*_arm64.deb 2>/dev/null | head -n 1)
check "the arm64 package's Depends: the arm64 packages of the libraries it links" \
	depends_exact "$arm64_deb" "$clone/.cache/sysroot/arm64/var/lib/dpkg"

# ---- install on this machine
# What the package may leave behind: every path with its name, before and after.
snapshot() {
	find /etc /lib/systemd /usr/sbin /usr/share/man/man8 /usr/share/bindsnoop \
		/usr/share/doc /usr/share/bash-completion /var/lib/systemd /var/lib/dpkg/info \
		-name '*bindsnoop*' 2>/dev/null | sort
}
if dpkg-query -W -f='${Status}' bindsnoop 2>/dev/null | grep -q installed; then
	say "bindsnoop was installed before the test: purging it first"
	dpkg_retry -P bindsnoop >/dev/null
fi
snapshot >"$work/before"

check "dpkg -i ${deb##*/}" dpkg_retry -i "$deb"
check "/usr/sbin/bindsnoop --version says $version" \
	sh -c "/usr/sbin/bindsnoop --version | tee /dev/stderr | grep -qx 'bindsnoop $version'"
check "man -w bindsnoop finds the installed page" \
	sh -c 'man -w bindsnoop | tee /dev/stderr | grep -qx /usr/share/man/man8/bindsnoop.8.gz'
installed_files() {
	local path
	for path in /lib/systemd/system/bindsnoop.service /etc/logrotate.d/bindsnoop \
		/usr/share/bash-completion/completions/bindsnoop \
		/usr/share/bindsnoop/bindsnoop-event-v2.schema.json \
		/usr/share/doc/bindsnoop/README.md.gz /usr/share/doc/bindsnoop/copyright \
		/usr/share/doc/bindsnoop/examples/bindsnoop.service.d/output-file.conf \
		/usr/share/doc/bindsnoop/examples/prometheus/bindsnoop-alerts.yml; do
		[ -f "$path" ] || { echo "missing: $path"; return 1; }
	done
	grep -qx 'ExecStart=/usr/sbin/bindsnoop --json' /lib/systemd/system/bindsnoop.service &&
		python3 -c 'import json,sys; json.load(open(sys.argv[1]))' \
			/usr/share/bindsnoop/bindsnoop-event-v2.schema.json &&
		dpkg-query -W -f='${Conffiles}' bindsnoop | grep -q /etc/logrotate.d/bindsnoop
}
check "unit, logrotate conffile, completion, JSON Schema, docs and examples installed" \
	installed_files
check "the unit is not enabled" \
	sh -c '! ls /etc/systemd/system/*.wants/bindsnoop.service 2>/dev/null'
check "bash completion loads from the package" bash -c \
	'. /usr/share/bash-completion/bash_completion; __load_completion bindsnoop;
	 complete -p bindsnoop | grep -qx "complete -F _bindsnoop bindsnoop"'

# A real conflict, traced by the installed binary: the holder is named.
live_conflict() {
	local i
	tracer_start "$work/live.jsonl" "$work/live.err" /usr/sbin/bindsnoop --json \
		--port $CONFLICT_PORT
	python3 -c 'import socket, sys, os
port = int(sys.argv[1])
holder = socket.socket(); holder.bind(("127.0.0.1", port)); holder.listen()
print(os.getpid(), flush=True)
try: socket.socket().bind(("127.0.0.1", port))
except OSError: pass' $CONFLICT_PORT >"$work/holder.pid"
	# Stop once its failure is printed (bounded: 10 s), not after a fixed time.
	for i in $(seq 100); do
		grep -q "\"event\":\"bind_failed\".*\"port\":$CONFLICT_PORT," "$work/live.jsonl" &&
			break
		sleep 0.1
	done
	tracer_stop "$tracer_pid" TERM
	cat "$work/live.err" "$work/live.jsonl"
	[ $tracer_status = 0 ] || return 1
	python3 - "$work/live.jsonl" "$(cat "$work/holder.pid")" $CONFLICT_PORT <<-'EOF'
		import json, sys
		pid, port = int(sys.argv[2]), int(sys.argv[3])
		for line in open(sys.argv[1]):
		    e = json.loads(line)
		    if e["event"] == "bind_failed" and e["port"] == port and e["caller"]["pid"] == pid:
		        holders = [p["pid"] for h in e["holders"] for p in h["processes"]]
		        sys.exit(0 if pid in holders else "holder not named: %s" % holders)
		sys.exit("no bind_failed event for the conflict")
	EOF
}
check "the installed binary traces a real conflict and names the holder" \
	flock $LIVE_LOCK bash -c "$(declare -f live_conflict tracer_start tracer_spawn tracer_ready tracer_stop); work=$work CONFLICT_PORT=$CONFLICT_PORT live_conflict"

# The lines the installed binary printed, against the schema file the package
# installed for the version they name ("v"): the package ships what it writes.
installed_schema() {
	local v schema
	v=$(python3 -c 'import json, sys; print(json.loads(open(sys.argv[1]).readline())["v"])' \
		"$work/live.jsonl") || return 1
	schema=/usr/share/bindsnoop/bindsnoop-event-v$v.schema.json
	echo "the binary writes v$v; installed: $(ls /usr/share/bindsnoop)"
	[ -f "$schema" ] || { echo "missing: $schema"; return 1; }
	python3 tests/lib/validate_events.py --schema "$schema" "$work/live.jsonl"
}
check "the installed binary's lines validate against the installed schema" installed_schema

# ---- remove, then purge
removed() {
	dpkg_retry -r bindsnoop || return 1
	local path
	for path in /usr/sbin/bindsnoop /usr/share/man/man8/bindsnoop.8.gz \
		/lib/systemd/system/bindsnoop.service /usr/share/bindsnoop \
		/usr/share/bash-completion/completions/bindsnoop /usr/share/doc/bindsnoop; do
		[ ! -e "$path" ] || { echo "left after dpkg -r: $path"; return 1; }
	done
	# A conffile stays until purge, as Debian Policy wants.
	[ -f /etc/logrotate.d/bindsnoop ] || { echo "the conffile went with dpkg -r"; return 1; }
}
check "dpkg -r removes everything but the conffile" removed
purged() {
	dpkg_retry -P bindsnoop || return 1
	snapshot >"$work/after"
	diff "$work/before" "$work/after" || return 1
	! dpkg-query -W bindsnoop 2>/dev/null
}
check "dpkg -P leaves nothing behind (no file, no systemd state, no dpkg record)" purged

# ---- inside the deploy tests' systemd container
container_service() {
	local root=$work/nspawn upper=$work/usr-upper out=$work/nspawn-out
	mkdir -p "$upper" "$out"
	nspawn_root "$root"
	# The container's dpkg database is this machine's, as its /usr is.
	mkdir -p "$root/var/lib"
	cp -a /var/lib/dpkg "$root/var/lib/"
	cp "$deb" "$out/bindsnoop.deb"
	cat >"$root/opt/scenario.sh" <<-EOF
		#!/bin/bash
		exec >/out/scenario.log 2>&1
		# A policy-rc.d of this machine's /usr (image builders add one) would
		# stop dpkg from starting or stopping anything: a plain system has none.
		rm -f /usr/sbin/policy-rc.d
		dpkg -i /out/bindsnoop.deb; echo "install=\$?"
		echo "enabled=\$(systemctl is-enabled bindsnoop)"
		echo "active=\$(systemctl is-active bindsnoop)"
		systemctl start bindsnoop; echo "start=\$?"
		for i in \$(seq 50); do journalctl -u bindsnoop -o cat | grep -q '"event":"start"' && break; sleep 0.2; done
		python3 -c 'import socket
		h = socket.socket(); h.bind(("127.0.0.1", $CONTAINER_PORT)); h.listen()
		try: socket.socket().bind(("127.0.0.1", $CONTAINER_PORT))
		except OSError: pass'
		sleep 1
		pid=\$(systemctl show -p MainPID --value bindsnoop)
		grep -E '^CapEff:' /proc/\$pid/status
		systemctl show bindsnoop -p ActiveState -p FragmentPath
		dpkg -P bindsnoop; echo "purge=\$?"
		echo "after-purge=\$(systemctl is-active bindsnoop)"
		ls /lib/systemd/system/bindsnoop.service 2>&1
		journalctl -u bindsnoop -o cat --no-pager >/out/journal.txt
		systemctl poweroff
	EOF
	chmod +x "$root/opt/scenario.sh"
	printf '[Service]\nType=oneshot\nExecStart=/opt/scenario.sh\n' \
		>"$root/etc/systemd/system/scenario.service"
	ln -s ../scenario.service "$root/etc/systemd/system/multi-user.target.wants/"
	nspawn_boot "$root" "$upper" "$out" "$work/console.log"
	if [ ! -s "$out/scenario.log" ]; then
		echo "the container did not run the scenario:"
		tail -n 15 "$work/console.log"
		return 1
	fi
	cat "$out/scenario.log"
	grep -qx 'install=0' "$out/scenario.log" &&
		grep -qx 'enabled=disabled' "$out/scenario.log" &&
		grep -qx 'active=inactive' "$out/scenario.log" &&
		grep -qx 'start=0' "$out/scenario.log" &&
		grep -qx 'FragmentPath=/lib/systemd/system/bindsnoop.service' "$out/scenario.log" &&
		grep -qx 'ActiveState=active' "$out/scenario.log" || return 1
	# The unit's four capabilities: dac_read_search (2), sys_ptrace (19), perfmon, bpf.
	grep -q '^CapEff:.*000000c000080004' "$out/scenario.log" || { echo "CapEff is not the unit's"; return 1; }
	grep -q "\"event\":\"bind_failed\".*\"port\":$CONTAINER_PORT," "$out/journal.txt" ||
		{ echo "no bind_failed for port $CONTAINER_PORT in the journal"; return 1; }
	grep -qx 'purge=0' "$out/scenario.log" && grep -qx 'after-purge=inactive' "$out/scenario.log" &&
		grep -q 'No such file' "$out/scenario.log"
}
check "in the systemd container: installed stopped and disabled; started, traces into the journal; purged" \
	flock $LIVE_LOCK bash -c "$(declare -f container_service nspawn_root nspawn_boot); work=$work deb=$deb CONTAINER_PORT=$CONTAINER_PORT container_service"

finish
