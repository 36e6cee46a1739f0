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
# shellcheck source=tests/lib/tracer.sh
. tests/lib/tracer.sh
# shellcheck source=tests/deploy/nspawn.sh
. tests/deploy/nspawn.sh
# shellcheck disable=SC2317 # run by scenario_exit
scenario_stop() {
	tracer_stop
}
scenario_begin restart-loop
make -s bindsnoop build/tests/bind-and-wait || { say "FAIL build"; failed=1; finish; }

root=$work/root
mkdir -p "$root"/{etc/systemd/system/multi-user.target.wants,var/log,tmp,proc,sys,dev,run,root,opt}
for dir in bin lib lib64 sbin; do ln -s usr/$dir "$root/$dir"; done
cp /etc/passwd /etc/group /etc/shadow "$root/etc/"
cp /usr/lib/os-release "$root/etc/os-release"
cp build/tests/bind-and-wait "$root/opt/bind-and-wait"
loop_units "$root" "$PORT" 100ms
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

tracer_start "$work/events.jsonl" "$work/tracer.err" ./bindsnoop --json --port "$PORT"
# nspawn wants /run/systemd/nspawn on a tmpfs: a private one in its own mount namespace.
unshare -m --propagation private sh -c "mkdir -p /run/systemd/nspawn &&
	mount -t tmpfs tmpfs /run/systemd/nspawn &&
	SYSTEMD_NSPAWN_UNIFIED_HIERARCHY=0 timeout 90 systemd-nspawn -q -D '$root' \
	--bind-ro=/usr --register=no --keep-unit -b -- systemd.unit=multi-user.target" \
	>"$work/console.log" 2>&1
tracer_stop

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
scenario_tally "$work/checks.out" || tail -n 15 "$work/console.log"
finish
