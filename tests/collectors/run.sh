#!/bin/sh
# The outputs against real collectors (README: "Outputs: file and syslog").
# Run as root from anywhere:  tests/collectors/run.sh [--only NAME,...] [--verbose]
#
# Installs what it needs from Debian (rsyslog, python3-jsonschema, and
# syslog-ng unpacked into .cache/collectors: Debian's syslog-ng-core and
# rsyslog packages conflict, so syslog-ng is not installed but run from
# there), builds ./bindsnoop and build/tests/bind-storm, then runs
# collectors.py with Debian's python3. Output: one line per check, then
# "collectors: N passed, N failed"; exit status 1 if anything failed.
# Everything runs on 127.0.0.1 and ports 39600-39699; nothing is left running.
set -eu
cd "$(dirname "$0")/../.."

if [ "$(id -u)" != 0 ]; then
	echo "collectors: bindsnoop loads BPF programs: run as root" >&2
	exit 1
fi

cache=.cache/collectors
syslog_ng_version=3.38

need_install=
command -v rsyslogd >/dev/null 2>&1 || need_install="$need_install rsyslog"
/usr/bin/python3 -c 'import jsonschema' 2>/dev/null || need_install="$need_install python3-jsonschema"
# syslog-ng's shared libraries (not its package: that one conflicts with rsyslog).
for lib in libivykis0 libnet1 libwrap0 libglib2.0-0 libjson-c5 libpcre3; do
	dpkg -s "$lib" >/dev/null 2>&1 || need_install="$need_install $lib"
done
if [ -n "$need_install" ]; then
	echo "collectors: installing$need_install"
	apt-get update -qq >/dev/null
	# No daemon may start from a package's postinst: the tests start their own.
	DEBIAN_FRONTEND=noninteractive RUNLEVEL=1 apt-get install -y -qq $need_install >/dev/null
fi

if [ ! -x "$cache/root/usr/sbin/syslog-ng" ]; then
	echo "collectors: unpacking syslog-ng-core into $cache"
	mkdir -p "$cache"
	rm -f "$cache"/syslog-ng-core_*.deb
	(cd "$cache" && apt-get download -qq syslog-ng-core 2>/dev/null) || {
		apt-get update -qq >/dev/null
		(cd "$cache" && apt-get download -qq syslog-ng-core)
	}
	rm -rf "$cache/root"
	dpkg-deb -x "$cache"/syslog-ng-core_*.deb "$cache/root"
fi

make -s bindsnoop build/tests/bind-storm

exec /usr/bin/python3 tests/collectors/collectors.py \
	--bindsnoop ./bindsnoop --bind-storm build/tests/bind-storm \
	--schema schema/bindsnoop-event-v2.schema.json \
	--syslog-ng "$cache/root" --syslog-ng-version "$syslog_ng_version" "$@"
