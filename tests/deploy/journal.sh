#!/bin/bash
# --journal under a real systemd and journald (run as root): a container
# boots this machine's /usr (systemd-nspawn, tests/deploy/nspawn.sh) with
# bindsnoop.service and its journal.conf drop-in. holder.service holds
# 127.0.0.1:PORT; app.service (Restart=always, exiting the moment its bind
# fails) loops on it. Checked, from what the container's journal says:
#   - journalctl -u app.service and systemctl status app.service show
#     bindsnoop's line naming the holder and the fix;
#   - journalctl BINDSNOOP_CAUSE=same_program matches it;
#   - the loop makes fewer entries than failures, and no record twice;
#   - storms of failures (a second bindsnoop, --no-fold) while
#     systemd-journald restarts twice: every record's seq is in the journal
#     or counted in "dropped by --journal".
# Ports 25095 and 25096. Last line: "journal: N passed, N failed".
set -u
cd "$(dirname "$0")/../.." || exit 1
PORT=25095
STORM_PORT=25096
STORM=3000
# shellcheck source=tests/deploy/nspawn.sh
. tests/deploy/nspawn.sh
scenario_begin journal
make -s bindsnoop build/tests/bind-and-wait build/tests/bind-storm ||
	{ say "FAIL build"; failed=1; finish; }
if ./bindsnoop --journal --version 2>&1 | grep -q 'not in this build'; then
	say "FAIL ./bindsnoop has no --journal (a static build?): build it with make"
	failed=1
	finish
fi
root=$work/root
out=$work/out
upper=$work/usr-upper
nspawn_root "$root"
mkdir -p "$out" "$upper/local/sbin" "$root/etc/systemd/system/bindsnoop.service.d"
cp ./bindsnoop "$upper/local/sbin/bindsnoop"
cp build/tests/bind-and-wait build/tests/bind-storm "$root/opt/"
sed 's|@SBINDIR@|/usr/local/sbin|g' deploy/systemd/bindsnoop.service.in \
	>"$root/etc/systemd/system/bindsnoop.service"
cp deploy/systemd/bindsnoop.service.d/journal.conf "$root/etc/systemd/system/bindsnoop.service.d/"
loop_units "$root" "$PORT"
# Every wait is for a condition, bounded; the container powers off at the end.
cat >"$root/opt/scenario.sh" <<SCENARIO
#!/bin/bash
exec >/out/scenario.log 2>&1
until_true() { # TRIES COMMAND...: 0.2 s apart
	local tries=\$1; shift
	for _ in \$(seq "\$tries"); do "\$@" && return 0; sleep 0.2; done
	echo "gave up waiting for: \$*"; return 1
}
started() { journalctl _SYSTEMD_UNIT="\$1" BINDSNOOP_EVENT=start -o cat -q --no-pager | grep -q .; }
until_true 150 started bindsnoop.service
systemctl start holder.service
systemctl start app.service
diagnosed() { journalctl -u app.service -o cat --no-pager | grep -q '; fix: '; }
until_true 150 diagnosed
restarts() { [ "\$(systemctl show -p NRestarts --value app.service)" -ge 12 ]; }
until_true 150 restarts
echo "NRestarts=\$(systemctl show -p NRestarts --value app.service)"
systemctl stop app.service
# The last of the loop's entries goes out when its window ends.
sleep 1.5
journalctl -u app.service --no-pager >/out/app-journal.txt
SYSTEMD_COLORS=0 systemctl status app.service --no-pager -l -n 400 >/out/app-status.txt
journalctl BINDSNOOP_CAUSE=same_program -o json --no-pager >/out/match.json
journalctl _SYSTEMD_UNIT=bindsnoop.service -o json --no-pager >/out/bindsnoop.json

# The storm, and journald restarted twice in the middle of it.
systemd-run -q --unit=storm-tracer -p StandardError=file:/out/storm.err \
	-p LogRateLimitIntervalSec=0 /usr/local/sbin/bindsnoop --quiet --journal --no-fold \
	--port $STORM_PORT
until_true 150 started storm-tracer.service
# Bursts of failures for as long as the restarts take, and one more.
(systemctl restart systemd-journald; systemctl restart systemd-journald) &
restarter=\$!
failures=0
while kill -0 \$restarter 2>/dev/null || [ \$failures = 0 ]; do
	/opt/bind-storm --count 100 --port $STORM_PORT >/dev/null && failures=\$((failures + 100))
done
/opt/bind-storm --count $STORM --port $STORM_PORT >/dev/null && failures=\$((failures + $STORM))
wait \$restarter
echo "storm_failures=\$failures"
systemctl stop storm-tracer.service
journalctl _SYSTEMD_UNIT=storm-tracer.service -o json --no-pager >/out/storm.json
echo done
systemctl poweroff
SCENARIO
chmod +x "$root/opt/scenario.sh"
printf '[Unit]\nAfter=bindsnoop.service\n[Service]\nType=oneshot\nExecStart=/opt/scenario.sh\n' \
	>"$root/etc/systemd/system/scenario.service"
ln -s ../bindsnoop.service ../scenario.service "$root/etc/systemd/system/multi-user.target.wants/"
nspawn_boot "$root" "$upper" "$out" "$work/console.log"
if ! grep -qx "done" "$out/scenario.log" 2>/dev/null; then
	say "FAIL the scenario did not finish in the container:"
	sed 's/^/      /' "$out/scenario.log" 2>/dev/null | tail -n 20
	tail -n 15 "$work/console.log"
	failed=$((failed + 1))
	finish
fi

/usr/bin/python3 - "$out" "$PORT" "$STORM" <<'PY' >"$work/checks.out" 2>&1
import json, os, re, sys
out, port, storm = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
def check(name, ok, detail):
    print(f"journal: {'ok  ' if ok else 'FAIL'} {name}{'' if ok else ': ' + detail}")
def entries(path):
    return [json.loads(l) for l in open(os.path.join(out, path)) if l.strip()]
def text(path):
    return open(os.path.join(out, path), errors="replace").read()
def value(entry, name):
    v = entry.get(name)
    if isinstance(v, list):  # bytes as numbers, or a field given twice
        return bytes(v).decode(errors="replace") if v and isinstance(v[0], int) else v
    return v
def seqs(entry):
    listed = value(entry, "BINDSNOOP_SEQS")
    return [int(s) for s in listed.split(",")] if listed else [int(value(entry, "BINDSNOOP_SEQ"))]

def bindsnoop_line(path):
    lines = [l for l in text(path).splitlines() if "bindsnoop[" in l and "EADDRINUSE" in l]
    return lines[0] if lines else ""
holder = "bind-and-wait["
for path, what in (("app-journal.txt", "journalctl -u app.service"),
                   ("app-status.txt", "systemctl status app.service")):
    line = bindsnoop_line(path)
    check(f"{what} shows bindsnoop's diagnosis",
          f"127.0.0.1:{port}" in line and holder in line.split("EADDRINUSE", 1)[-1]
          and "; fix: " in line and "app.service" in line,
          line or text(path)[-1500:])
matched = [e for e in entries("match.json") if value(e, "OBJECT_SYSTEMD_UNIT") == "app.service"]
check("journalctl BINDSNOOP_CAUSE=same_program matches app.service's failures", bool(matched),
      f"{len(entries('match.json'))} entries matched, none for app.service")
if matched:
    e = matched[0]
    check("the entry's fields", value(e, "SYSLOG_IDENTIFIER") == "bindsnoop"
          and value(e, "PRIORITY") == "4" and value(e, "BINDSNOOP_PORT") == str(port)
          and value(e, "BINDSNOOP_CALLER_UNIT") == "app.service"
          and value(e, "BINDSNOOP_HOLDER_UNIT") == "holder.service"
          and json.loads(value(e, "BINDSNOOP_JSON"))["seq"] == int(value(e, "BINDSNOOP_SEQ")),
          json.dumps({k: value(e, k) for k in e if k.startswith(("BINDSNOOP_", "OBJECT_", "PRI"))})[:1200])
restarts = int(re.search(r"NRestarts=(\d+)", text("scenario.log")).group(1))
app = [e for e in entries("bindsnoop.json") if value(e, "BINDSNOOP_EVENT") == "bind_failed"
       and value(e, "BINDSNOOP_PORT") == str(port)]
covered = [s for e in app for s in seqs(e)]
folded = [e for e in app if value(e, "BINDSNOOP_RECORDS")]
check("the restart loop: fewer entries than failures, each record once",
      len(app) < len(covered) and folded and len(covered) == len(set(covered))
      and len(covered) >= restarts,
      f"{len(app)} entries for {len(covered)} records ({restarts} restarts), "
      f"{len(folded)} folded, {len(covered) - len(set(covered))} twice")

storm_entries = entries("storm.json")
failures = int(re.search(r"storm_failures=(\d+)", text("scenario.log")).group(1))
present = set()
for e in storm_entries:
    if value(e, "BINDSNOOP_EVENT") != "dropped":
        present.update(seqs(e))
received = sum(int(value(e, "BINDSNOOP_COUNT") or 1) for e in storm_entries
               if value(e, "BINDSNOOP_EVENT") == "bind_failed")
err = text("storm.err")
dropped = re.search(r"(\d+) dropped by --journal", err)
dropped = int(dropped.group(1)) if dropped else 0
totals = re.search(r"bindsnoop: (\d+) events received, (\d+) lost", err)
stop = [e for e in storm_entries if value(e, "BINDSNOOP_EVENT") == "stop"]
last = int(value(stop[0], "BINDSNOOP_SEQ")) if stop else 0
if not stop and totals and int(totals.group(2)) == 0:
    last = int(totals.group(1)) + 2  # start, the events, stop
missing = sorted(set(range(1, last + 1)) - present)
check(f"journald restarted twice during {failures} failures: every record in the journal "
      "or counted as dropped",
      last and len(missing) == dropped and received + dropped >= failures,
      f"records 1..{last}: {len(present)} in the journal ({received} failures), "
      f"{len(missing)} missing ({missing[:5]}...), {dropped} counted as dropped; "
      f"stderr: {err[-600:]}")
print(f"journal: measured: loop {len(app)} entries for {len(covered)} records; storm of "
      f"{failures}: {len(present)} of {last} records in the journal, {dropped} dropped")
PY
scenario_tally "$work/checks.out" || tail -n 20 "$out/scenario.log"
finish
