#!/bin/bash
# The container image, built and run (host only: the VMs have no dockerd):
#   - README.md's docker run line and deploy/kubernetes/bindsnoop.yaml grant the
#     same (run_spec.py check)
#   - make image builds it with Debian's docker.io, FROM scratch: one layer
#   - run with README.md's docker run line, beside the host binary tracing the
#     same ports, while host callers fail at once against:
#       a docker container's published port (docker-proxy holds it):
#         container_port, naming the container
#       a host process: named by pid and program
#       a host process in a systemd unit's cgroup (PID 1 here is not systemd:
#         the unit is a name=systemd cgroup made by hand, which is what
#         bindsnoop reads)
#     the image's events name what the host binary's name
#   - --who from inside the image answers as the host binary's --who does,
#     parents and started_by included; the web container's httpd (--who 80
#     --all-netns) was started by its containerd-shim, "container"
#   - a real systemd booted under nspawn (tests/deploy/nspawn.sh), whose
#     holder.service holds SYSTEMD_PORT: --who from the image names the unit,
#     started_by "unit", its parents up to that systemd
# Ports 25700-25709; port 80 of the web container. Last line: "image: N passed, N failed".
set -u
cd "$(dirname "$0")/../.." || exit 1
# shellcheck source=scripts/lib/dockerd.sh
. scripts/lib/dockerd.sh
PY=/usr/bin/python3 # Debian's, with python3-yaml
HERE=tests/image
WEB_PORT=25700
HOST_PORT=25701
UNIT_PORT=25702
SYSTEMD_PORT=25703
PORTS=$WEB_PORT,$HOST_PORT,$UNIT_PORT
IMAGE=bindsnoop-image:test
BUSYBOX=bindsnoop-image-busybox:test
WEB=bindsnoop-image-web
TRACER=bindsnoop-image-tracer
UNIT=bindsnoop-image-test.service
UNIT_CGROUP=/sys/fs/cgroup/systemd/system.slice/$UNIT
TALLY=image
# shellcheck source=tests/lib/tally.sh
. tests/lib/tally.sh
# shellcheck source=tests/lib/tracer.sh
. tests/lib/tracer.sh
work=$(mktemp -d /tmp/bindsnoop-image.XXXXXX)
host_tracer=
image_tracer=
holders=
mounted_tracefs=

cleanup() {
	"$DOCKER" rm -f "$TRACER" "$WEB" >/dev/null 2>&1
	[ -n "$image_tracer" ] && wait "$image_tracer" 2>/dev/null
	[ -n "$host_tracer" ] && tracer_stop "$host_tracer"
	for pid in $holders; do
		kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	done
	[ -d "$UNIT_CGROUP" ] && rmdir "$UNIT_CGROUP" 2>/dev/null
	"$DOCKER" rmi "$IMAGE" "$BUSYBOX" >/dev/null 2>&1
	[ -n "$mounted_tracefs" ] && umount /sys/kernel/tracing 2>/dev/null
	dockerd_down
	rm -rf "$work"
}
trap cleanup EXIT

# the README's docker run line with ARGS for bindsnoop's, and --name NAME
image_run() {
	local name=$1
	shift
	mapfile -t words < <($PY $HERE/run_spec.py argv "$IMAGE" "$@")
	"$DOCKER" "${words[0]}" --name "$name" "${words[@]:1}"
}

# wait_for SECONDS COMMAND...: until COMMAND succeeds, at most SECONDS.
wait_for() {
	local tries=$(($1 * 10))
	shift
	while ! "$@" 2>/dev/null; do
		tries=$((tries - 1))
		[ $tries -gt 0 ] || return 1
		sleep 0.1
	done
}

if [ "$(id -u)" != 0 ]; then
	say "run as root: it starts dockerd and loads BPF programs"
	exit 1
fi

if $PY $HERE/run_spec.py check >"$work/spec.out" 2>&1; then
	ok readme-daemonset-agree
else
	fail readme-daemonset-agree "$(cat "$work/spec.out")"
fi

dockerd_up "$work/dockerd.log" || { fail dockerd "see above"; finish; }
make -s bindsnoop build/tests/bind-and-wait || { fail build "make failed"; finish; }
if make -s image IMAGE="$IMAGE" >"$work/image.out" 2>&1; then
	ok make-image
else
	fail make-image "$(tail -n 5 "$work/image.out")"
	finish
fi
layers=$("$DOCKER" image inspect -f '{{len .RootFS.Layers}}' "$IMAGE")
[ "$layers" = 1 ] && ok image-from-scratch ||
	fail image-from-scratch "$layers layers: FROM scratch and the binary make one"

# systemd mounts tracefs on a real host; this one does not.
if ! mountpoint -q /sys/kernel/tracing; then
	mount -t tracefs tracefs /sys/kernel/tracing && mounted_tracefs=1
fi

# A container publishing WEB_PORT (docker-proxy holds it on the host).
mkdir -p "$work/rootfs/bin"
cp /bin/busybox "$work/rootfs/bin/busybox"
tar -C "$work/rootfs" -c . | "$DOCKER" import - "$BUSYBOX" >/dev/null 2>"$work/import.log" ||
	{ fail busybox-import "$(cat "$work/import.log")"; finish; }
"$DOCKER" rm -f "$TRACER" "$WEB" >/dev/null 2>&1
"$DOCKER" run -d -p "$WEB_PORT:80" --name "$WEB" "$BUSYBOX" /bin/busybox httpd -f -p 80 \
	>"$work/web.id" 2>"$work/web.err" || { fail docker-run-web "$(cat "$work/web.err")"; finish; }

# A host process, and one in a unit's cgroup (it moves itself before binding).
build/tests/bind-and-wait 0.0.0.0 "$HOST_PORT" 120 >"$work/host-holder.out" 2>&1 &
host_holder=$!
mkdir -p "$UNIT_CGROUP"
sh -c 'echo $$ >"$1/cgroup.procs" && exec build/tests/bind-and-wait 0.0.0.0 "$2" 120' \
	unit-holder "$UNIT_CGROUP" "$UNIT_PORT" >"$work/unit-holder.out" 2>&1 &
unit_holder=$!
holders="$host_holder $unit_holder"
for out in host-holder unit-holder; do
	wait_for 5 grep -q ': ok' "$work/$out.out" || { fail holders "$(cat "$work/$out.out")"; finish; }
done

# The image as the README runs it, and the host binary, on the same ports.
tracer_spawn "$work/image.jsonl" "$work/image.err" image_run "$TRACER" --json --port "$PORTS"
image_tracer=$tracer_pid
tracer_spawn "$work/host.jsonl" "$work/host.err" ./bindsnoop --json --port "$PORTS"
host_tracer=$tracer_pid
tracer_ready "$work/image.err" "$image_tracer" ||
	{ fail image-tracer "$(tail -n 5 "$work/image.err")"; finish; }
tracer_ready "$work/host.err" "$host_tracer" ||
	{ fail host-tracer "$(tail -n 5 "$work/host.err")"; finish; }
ok image-traces

# Callers that fail and exit at once.
for port in $WEB_PORT $HOST_PORT $UNIT_PORT; do
	$PY -c "
import socket, sys
s = socket.socket()
try:
    s.bind(('0.0.0.0', $port))
except OSError as e:
    sys.exit(0 if e.errno == 98 else 1)
sys.exit(1)" || fail "caller-$port" "binding 0.0.0.0:$port did not fail with EADDRINUSE"
done
# Both tracers have all three failures, or the checks below say which is missing.
have_all() { [ "$(grep -c '"event":"bind_failed"' "$1")" -ge 3 ]; }
wait_for 10 have_all "$work/image.jsonl"
wait_for 10 have_all "$work/host.jsonl"
"$DOCKER" stop -t 10 "$TRACER" >/dev/null 2>&1
wait "$image_tracer"
image_status=$?
image_tracer=
tracer_stop "$host_tracer"
host_tracer=
[ "$image_status" = 0 ] && ok image-stops || fail image-stops "exit $image_status after docker stop"

# --who from inside the image, and from the host.
image_run "$TRACER" --who "$PORTS" --json >"$work/image-who.jsonl" 2>"$work/image-who.err"
image_who=$?
./bindsnoop --who "$PORTS" --json >"$work/host-who.jsonl" 2>"$work/host-who.err"
host_who=$?
[ "$image_who" = 0 ] && [ "$host_who" = 0 ] && ok who-exits-0 ||
	fail who-exits-0 "image $image_who, host $host_who: $(cat "$work/image-who.err")"
# The web container's own httpd, on port 80 in its network namespace: its parents.
image_run "$TRACER" --who 80 --all-netns --json >"$work/image-who-80.jsonl" 2>&1
./bindsnoop --who 80 --all-netns --json >"$work/host-who-80.jsonl" 2>&1

# A unit of a real systemd: booted under nspawn, on the host's network.
# shellcheck source=tests/deploy/nspawn.sh
. tests/deploy/nspawn.sh
root=$work/root
mkdir -p "$work/upper" "$work/out"
nspawn_root "$root"
cp build/tests/bind-and-wait "$root/opt/bind-and-wait"
printf '[Service]\nExecStart=/opt/bind-and-wait 127.0.0.1 %s 120\n' "$SYSTEMD_PORT" \
	>"$root/etc/systemd/system/holder.service"
# Powers the container off once the test has asked (nspawn_boot's timeout bounds it).
printf '[Service]\nType=oneshot\nExecStart=/bin/sh -c %s\n' \
	"'until [ -e /out/done ]; do sleep 0.1; done; systemctl poweroff'" \
	>"$root/etc/systemd/system/scenario.service"
ln -s ../holder.service ../scenario.service "$root/etc/systemd/system/multi-user.target.wants/"
nspawn_boot "$root" "$work/upper" "$work/out" "$work/console.log" &
nspawn=$!
listening() { grep -q "0100007F:$(printf '%04X' "$SYSTEMD_PORT") 00000000:0000 0A" /proc/net/tcp; }
if wait_for 60 listening; then
	image_run "$TRACER" --who "$SYSTEMD_PORT" --json >"$work/image-who-systemd.jsonl" 2>&1
	./bindsnoop --who "$SYSTEMD_PORT" --json >"$work/host-who-systemd.jsonl" 2>&1
else
	fail systemd-boot "holder.service never listened: $(tail -n 5 "$work/console.log")"
fi
touch "$work/out/done"
wait "$nspawn"

$PY $HERE/check_events.py --work "$work" --web "$WEB" --web-id "$(cat "$work/web.id")" \
	--busybox "$BUSYBOX" --ports "$PORTS" --systemd-port "$SYSTEMD_PORT" --host-holder "$host_holder" \
	--unit-holder "$unit_holder" --unit "$UNIT" >"$work/py.out" 2>&1
cat "$work/py.out"
passed=$((passed + $(grep -c '^image: ok' "$work/py.out")))
failed=$((failed + $(grep -c '^image: FAIL' "$work/py.out")))
grep -q '^Traceback' "$work/py.out" && fail event-checks "the checker crashed"
finish
