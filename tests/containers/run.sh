#!/bin/bash
# Containers, for real, with Debian's docker.io (host only: the VMs have no
# dockerd). Installs docker.io and busybox-static if missing, starts dockerd
# when it is not running (scripts/lib/dockerd.sh, as tests/image does), and builds an image from busybox-static with
# `docker import` (no registry is reachable). Then, with bindsnoop tracing:
#   - a container publishes host port P (`docker run -p P:80`, so docker-proxy
#     holds it) and a host process binds P: the event's diagnosis is
#     container_port naming the container, its image and 172.17.x.y:80, and
#     the docker-proxy holder carries the container
#   - a process inside a container fails against another process in it: the
#     caller and the holder both name the container (id, name, image)
#   - bindsnoop --who P names the container behind docker-proxy
#   - a host process holds port B and `docker run -p B:80` fails: the failing
#     caller is a docker-proxy that exits at once; bindsnoop names the
#     container being started (id, name, image), says publishing its port 80
#     failed, and gives the fix: stop the holder or publish another host port
# Cleans up its containers and image, and stops dockerd if it started it.
# Ports 25080-25089. Last line: "containers: N passed, N failed".
set -u
cd "$(dirname "$0")/../.." || exit 1
PORT=25080
IMAGE=bindsnoop-busybox:test
WEB=bindsnoop-web
INSIDE=bindsnoop-inside
BUSY=$((PORT + 1))
STARTING=bindsnoop-starting
TALLY=containers
# shellcheck source=tests/lib/tally.sh
. tests/lib/tally.sh
# shellcheck source=tests/lib/tracer.sh
. tests/lib/tracer.sh
# shellcheck source=scripts/lib/dockerd.sh
. scripts/lib/dockerd.sh
work=$(mktemp -d /tmp/bindsnoop-containers.XXXXXX)
tracer_pid=
busy_holder=

cleanup() {
	tracer_stop
	[ -n "$busy_holder" ] && kill "$busy_holder" 2>/dev/null && wait "$busy_holder" 2>/dev/null
	docker rm -f "$WEB" "$INSIDE" "$STARTING" >/dev/null 2>&1
	docker rmi "$IMAGE" >/dev/null 2>&1
	dockerd_down
	rm -rf "$work"
}
trap cleanup EXIT

if [ "$(id -u)" != 0 ]; then
	say "run as root: it starts dockerd and loads BPF programs"
	exit 1
fi
dockerd_up "$work/dockerd.log" || { fail dockerd "see above"; finish; }
make -s bindsnoop build/tests/bind-and-wait || { fail build "make failed"; finish; }
ok dockerd

# An image holding busybox-static and the static bind-and-wait test tool.
mkdir -p "$work/rootfs/bin"
cp /bin/busybox "$work/rootfs/bin/busybox"
cp build/tests/bind-and-wait "$work/rootfs/bin/bind-and-wait"
if tar -C "$work/rootfs" -c . | docker import - "$IMAGE" >/dev/null 2>"$work/import.log"; then
	ok image-import
else
	fail image-import "$(cat "$work/import.log")"
	finish
fi

docker rm -f "$WEB" "$INSIDE" "$STARTING" >/dev/null 2>&1
if ! docker run -d -p "$PORT:80" --name "$WEB" "$IMAGE" /bin/busybox httpd -f -p 80 \
	>"$work/web.id" 2>"$work/run.log"; then
	fail docker-run "$(cat "$work/run.log")"
	finish
fi
web_id=$(cat "$work/web.id")
web_ip=$(docker inspect -f '{{.NetworkSettings.IPAddress}}' "$WEB")

tracer_start "$work/events.jsonl" "$work/tracer.err" ./bindsnoop --json --port "$PORT,$BUSY,80" ||
	{ fail tracer "$(cat "$work/tracer.err")"; finish; }

# 1. A host process against the published port.
/usr/bin/python3 -c "
import socket, sys
s = socket.socket()
try:
    s.bind(('0.0.0.0', $PORT))
except OSError as e:
    sys.exit(0 if e.errno == 98 else 1)
sys.exit(1)
" && ok host-bind-fails || fail host-bind-fails "binding 0.0.0.0:$PORT did not fail with EADDRINUSE"

# 2. Inside a container: one bind-and-wait holds port 80 there, a second one fails
#    (and stays alive, so its /proc entry names its container). The second
#    starts once the first has bound (bounded: 30 s).
docker run -d --name "$INSIDE" "$IMAGE" /bin/busybox sh -c \
	'/bin/bind-and-wait 0.0.0.0 80 30 >/first.out & i=0
	until /bin/busybox grep -q ": ok" /first.out || [ $i -ge 300 ]; do
		i=$((i + 1)); /bin/busybox sleep 0.1
	done
	/bin/bind-and-wait 0.0.0.0 80 30' \
	>"$work/inside.id" 2>>"$work/run.log" || fail inside-run "$(cat "$work/run.log")"
inside_id=$(cat "$work/inside.id" 2>/dev/null)

# 3. A container that cannot start: a host process holds $BUSY, so the
#    docker-proxy of `docker run -p $BUSY:80` fails its bind and exits at once.
build/tests/bind-and-wait 0.0.0.0 "$BUSY" 30 >"$work/busy.out" 2>&1 &
busy_holder=$!
for _ in $(seq 50); do
	grep -q "^bind 0.0.0.0:$BUSY: ok" "$work/busy.out" && break
	sleep 0.1
done
if docker run -d -p "$BUSY:80" --name "$STARTING" "$IMAGE" /bin/busybox httpd -f -p 80 \
	>/dev/null 2>"$work/starting.err"; then
	fail starting-run "docker run -p $BUSY:80 started although $BUSY was held"
elif grep -q 'address already in use' "$work/starting.err"; then
	ok starting-run
else
	fail starting-run "$(cat "$work/starting.err")"
fi
starting_id=$(docker inspect -f '{{.Id}}' "$STARTING" 2>/dev/null)
# Stop once the three failures are in (bounded: 30 s), never after a fixed time.
failed_on() {
	grep '"event":"bind_failed"' "$work/events.jsonl" | grep -q "\"port\":$1,"
}
for _ in $(seq 300); do
	failed_on "$PORT" && failed_on 80 && failed_on "$BUSY" && break
	sleep 0.1
done
tracer_stop

/usr/bin/python3 - "$work/events.jsonl" "$PORT" "$WEB" "$web_id" "$web_ip" "$INSIDE" \
	"$inside_id" "$IMAGE" "$BUSY" "$STARTING" "$starting_id" "$busy_holder" \
	>"$work/py.out" 2>&1 <<'PY'
import json, sys
(path, port, web, web_id, web_ip, inside, inside_id, image, busy, starting, starting_id,
 busy_pid) = sys.argv[1:]
port, busy = int(port), int(busy)
events = [json.loads(l) for l in open(path) if l.strip()]
fails = []

def report(name, ok, detail):
    print(f"containers: {'ok  ' if ok else 'FAIL'} {name}{'' if ok else ': ' + detail}")
    if not ok:
        fails.append(name)

host = [e for e in events if e.get("event") == "bind_failed" and e["port"] == port
        and (e["caller"]["container"] is None)]
e = host[0] if host else None
report("container-port-cause", bool(e) and e["diagnosis"]["cause"] == "container_port",
       json.dumps(e)[:600] if e else f"no host bind_failed on {port}: {events[:3]}")
if e:
    d = e["diagnosis"]
    report("container-port-names-container",
           web in d["summary"] and web_id[:12] in d["summary"] and image in d["summary"]
           and f"{web_ip}:80" in d["summary"], d["summary"])
    report("container-port-fix", d["fix"] is not None and d["fix"].startswith(f"docker stop {web}"),
           str(d["fix"]))
    procs = [p for h in e["holders"] for p in h["processes"] if p["comm"] == "docker-proxy"]
    c = procs[0]["container"] if procs else None
    report("docker-proxy-holder-container",
           bool(c) and c["id"] == web_id and c["name"] == web and c["engine"] == "docker"
           and c["image"] == image, json.dumps(procs)[:600])

inner = [e for e in events if e.get("event") == "bind_failed" and e["port"] == 80
         and e["caller"]["container"] is not None]
e = inner[0] if inner else None
report("caller-in-container", bool(e) and e["caller"]["container"]["id"] == inside_id
       and e["caller"]["container"]["name"] == inside,
       json.dumps(e)[:600] if e else "no bind_failed from inside the container")
if e:
    holders = [p for h in e["holders"] for p in h["processes"]]
    report("holder-in-container",
           bool(holders) and all(p["container"] and p["container"]["name"] == inside
                                 for p in holders)
           and e["diagnosis"]["cause"] == "same_program"
           and e["diagnosis"]["fix"] == f"docker stop {inside}",
           json.dumps(e)[:800])

proxies = [e for e in events if e.get("event") == "bind_failed" and e["port"] == busy
           and e["caller"]["comm"] == "docker-proxy"]
e = proxies[0] if proxies else None
c = e["caller"]["container"] if e else None
report("starting-container-named",
       bool(c) and bool(starting_id) and c["id"] == starting_id and c["name"] == starting
       and c["engine"] == "docker" and c["image"] == image,
       json.dumps(e)[:900] if e else f"no docker-proxy bind_failed on {busy}")
if e:
    d = e["diagnosis"]
    report("starting-container-summary",
           d["summary"].startswith(f"publishing port 80 of container {starting} "
                                   f"({starting_id[:12]}, image {image}) on 0.0.0.0:{busy} "
                                   f"failed: bind-and-wait[{busy_pid}]"), d["summary"])
    report("starting-container-fix",
           d["fix"] == f"kill {busy_pid}, or publish another host port: "
                       "docker run -p <other port>:80 ...", str(d["fix"]))
sys.exit(1 if fails else 0)
PY
cat "$work/py.out"
passed=$((passed + $(grep -c '^containers: ok' "$work/py.out")))
failed=$((failed + $(grep -c '^containers: FAIL' "$work/py.out")))
grep -q '^Traceback' "$work/py.out" && fail event-checks "the checker crashed"

# 4. --who names the container behind docker-proxy, and exits 0.
./bindsnoop --who "$PORT" --json >"$work/who.jsonl" 2>"$work/who.err"
who_status=$?
if [ "$who_status" = 0 ] && /usr/bin/python3 -c "
import json, sys
lines = [json.loads(l) for l in open('$work/who.jsonl')]
ok = any(l['event'] == 'held' and any(p['container'] and p['container']['name'] == '$WEB'
         for p in l['holder']['processes']) for l in lines)
sys.exit(0 if ok else 1)"; then
	ok who-container
else
	fail who-container "exit $who_status: $(cat "$work/who.jsonl" "$work/who.err")"
fi
finish
