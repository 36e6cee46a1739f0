#!/bin/bash
# A systemd restart loop, seen by bindsnoop on the host (run as root):
# a real systemd boots in a container (systemd-nspawn, this machine's /usr,
# as tests/deploy/run.sh does), where holder.service holds 127.0.0.1:PORT and
# app.service (Restart=always, exiting the moment its bind fails) keeps
# failing to bind it. Every event of app.service must name its unit, from
# what the kernel read at the failure, and after the third restart the diagnosis
# must call it a restart loop: "Nth failure of app.service ...", repeat.count
# >= 3, and a fix with journalctl -u / systemctl stop app.service.
# Port 25090. Last line: "restart-loop: N passed, N failed".
set -u
cd "$(dirname "$0")/../.." || exit 1
PORT=25090
passed=0
failed=0
work=$(mktemp -d /tmp/bindsnoop-loop.XXXXXX)
tracer=
say() { printf 'restart-loop: %s\n' "$*"; }
finish() {
	say "$passed passed, $failed failed"
	[ "$failed" = 0 ]
	exit $?
}
cleanup() {
	[ -n "$tracer" ] && kill -INT "$tracer" 2>/dev/null && wait "$tracer" 2>/dev/null
	[ -n "${KEEP:-}" ] || rm -rf "$work"
}
trap cleanup EXIT

if [ "$(id -u)" != 0 ]; then
	say "run as root: it boots a container and loads BPF programs"
	exit 1
fi
if ! command -v systemd-nspawn >/dev/null 2>&1; then
	apt-get -o DPkg::Lock::Timeout=900 install -y -qq systemd-container >/dev/null 2>&1
fi
make -s bindsnoop build/tests/bind-and-wait || { say "FAIL build"; failed=1; finish; }

root=$work/root
mkdir -p "$root"/{etc/systemd/system/multi-user.target.wants,var/log,tmp,proc,sys,dev,run,root,opt}
for dir in bin lib lib64 sbin; do ln -s usr/$dir "$root/$dir"; done
cp /etc/passwd /etc/group /etc/shadow "$root/etc/"
cp /usr/lib/os-release "$root/etc/os-release"
cp build/tests/bind-and-wait "$root/opt/bind-and-wait"
# app.service starts After= this unit, which waits here until the port is
# really held (LISTEN in /proc/net/tcp): a started process has not bound yet,
# and app.service could take the port first.
port_hex=$(printf '%04X' "$PORT")
cat >"$root/etc/systemd/system/holder.service" <<UNIT
[Service]
ExecStart=/opt/bind-and-wait 127.0.0.1 $PORT 120
ExecStartPost=/bin/sh -c 'until grep -q "0100007F:$port_hex 00000000:0000 0A" /proc/net/tcp; do sleep 0.05; done'
UNIT
# Each failing instance exits the moment its bind fails, as a crash loop
# does: /proc has nothing left of it when bindsnoop reads the event, so
# everything must come from what the kernel read at the failure.
cat >"$root/etc/systemd/system/app.service" <<UNIT
[Unit]
After=holder.service
StartLimitIntervalSec=0
[Service]
ExecStart=/opt/bind-and-wait 127.0.0.1 $PORT 0
Restart=always
RestartSec=100ms
UNIT
# The loop ends before the container does: a restart that races the
# shutdown runs outside app.service's cgroup, and says nothing of the loop.
cat >"$root/etc/systemd/system/scenario.service" <<'UNIT'
[Unit]
After=app.service
[Service]
Type=oneshot
ExecStart=/bin/sh -c 'sleep 9; systemctl stop app.service; systemctl poweroff'
UNIT
ln -s ../holder.service ../app.service ../scenario.service \
	"$root/etc/systemd/system/multi-user.target.wants/"

./bindsnoop --json --port "$PORT" >"$work/events.jsonl" 2>"$work/tracer.err" &
tracer=$!
for _ in $(seq 100); do
	grep -q '^Tracing ' "$work/tracer.err" && break
	sleep 0.2
done
# nspawn wants /run/systemd/nspawn on a tmpfs: a private one in its own mount namespace.
unshare -m --propagation private sh -c "mkdir -p /run/systemd/nspawn &&
	mount -t tmpfs tmpfs /run/systemd/nspawn &&
	SYSTEMD_NSPAWN_UNIFIED_HIERARCHY=0 timeout 90 systemd-nspawn -q -D '$root' \
	--bind-ro=/usr --register=no --keep-unit -b -- systemd.unit=multi-user.target" \
	>"$work/console.log" 2>&1
kill -INT "$tracer"
wait "$tracer"
tracer=

/usr/bin/python3 - "$work/events.jsonl" "$PORT" <<'PY' >"$work/checks.out" 2>&1
import json, sys
path, port = sys.argv[1], int(sys.argv[2])
events = [json.loads(l) for l in open(path) if l.strip()]
app = [e for e in events if e.get("event") == "bind_failed" and e["port"] == port
       and e["caller"]["service"] == "app.service"]
def check(name, ok, detail):
    print(f"restart-loop: {'ok  ' if ok else 'FAIL'} {name}{'' if ok else ': ' + detail}")
failures = [e for e in events if e.get("event") == "bind_failed" and e["port"] == port]
# systemd (252, here in the hybrid layout) moves a new process into its
# unit's cgroup after forking it: one that binds at once can still be in the
# manager's cgroup when it fails. Most are named; none may be called another's.
check("app-service-named", len(app) >= 3 and 3 * len(app) >= 2 * len(failures)
      and all(e["caller"]["service"] in ("app.service", None) for e in failures),
      f"{len(app)} of {len(failures)} failures name app.service: "
      + json.dumps([e["caller"] for e in failures if e not in app][:2])[:600])
check("caller-read-by-kernel", all(e["caller"]["source"] == "kernel"
                                   and e["caller"]["exe"] == "/opt/bind-and-wait" for e in app),
      json.dumps([e["caller"] for e in app if e["caller"]["exe"] != "/opt/bind-and-wait"][:1]))
# holder.service runs the very same file: an older instance of the same program.
check("same-program", all(e["diagnosis"]["cause"] == "same_program" for e in app),
      json.dumps([e["diagnosis"] for e in app if e["diagnosis"]["cause"] != "same_program"][:1]))
loops = [e for e in app if (e["diagnosis"]["repeat"] or {}).get("count", 0) >= 3]
e = loops[-1] if loops else None
check("restart-loop-counted", bool(e) and e["diagnosis"]["repeat"]["of"] == "app.service",
      json.dumps(app[-1]["diagnosis"]) if app else "no app.service failure")
if e:
    d = e["diagnosis"]
    check("restart-loop-summary", "failure of app.service on this address in 60 s" in d["summary"],
          d["summary"])
    check("restart-loop-fix", "journalctl -u app.service" in d["fix"]
          and "systemctl stop app.service" in d["fix"], str(d["fix"]))
    holder = [p for h in e["holders"] for p in h["processes"]]
    check("holder-unit-named", any(p["service"] == "holder.service" for p in holder),
          json.dumps(holder)[:400])
PY
cat "$work/checks.out"
passed=$((passed + $(grep -c '^restart-loop: ok' "$work/checks.out")))
failed=$((failed + $(grep -c '^restart-loop: FAIL' "$work/checks.out")))
if grep -q Traceback "$work/checks.out" || [ "$((passed + failed))" = 0 ]; then
	failed=$((failed + 1))
	say "FAIL the checks did not run; console:"
	tail -n 15 "$work/console.log"
fi
finish
