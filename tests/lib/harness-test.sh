#!/bin/bash
# The suites' shared harness against a fake bindsnoop, without BPF: the shell
# (tracer.sh) and the Python (tracer.py) sides keep one protocol, and
# summary.sh reads every form of the summary line. Run by `make unit-test`.
# Last line: "N passed, N failed".
set -u
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/lib/tracer.sh
. "$here/tracer.sh"
# shellcheck source=tests/lib/summary.sh
. "$here/summary.sh"
work=$(mktemp -d /tmp/bindsnoop-harness.XXXXXX)
trap 'rm -rf "$work"' EXIT
passed=0
failed=0
check() { # NAME CONDITION-STATUS DETAIL
	if [ "$2" = 0 ]; then
		passed=$((passed + 1))
		echo "ok   $1"
	else
		failed=$((failed + 1))
		echo "FAIL $1: $3"
	fi
}

# A tracer that warns first, is ready after a moment, and prints its totals
# when SIGINT or SIGTERM stops it; MODE=fail exits 3 instead, MODE=deaf
# ignores the signals. Python, as bindsnoop is C: a handler it installs
# replaces the SIGINT that a script's background job starts with ignored.
cat >"$work/fake" <<'EOF'
#!/usr/bin/python3
import os, signal, sys, time
mode = os.environ.get("MODE", "")
if mode == "fail":
    print("bindsnoop: cannot load: Operation not permitted", file=sys.stderr)
    sys.exit(3)
def stop(signum, frame):
    print("bindsnoop: 7 events received, 2 lost, 5 repeats folded into 1 record, "
          "3 dropped by --syslog, 1 unwritten (read after an output gave up)",
          file=sys.stderr, flush=True)
    sys.exit(0)
for sig in (signal.SIGINT, signal.SIGTERM):
    signal.signal(sig, signal.SIG_IGN if mode == "deaf" else stop)
print("bindsnoop: warning: something to say first", file=sys.stderr, flush=True)
time.sleep(0.3)
print("Tracing failed binds with the fake backend. Ctrl-C to end.", file=sys.stderr, flush=True)
while True:
    time.sleep(0.05)
EOF
chmod +x "$work/fake"

tracer_start "$work/out" "$work/err" "$work/fake"
check sh-ready-after-other-lines $? "$(cat "$work/err")"
tracer_stop
check sh-stop-status "$tracer_status" "status $tracer_status"
[ "$(tracer_totals "$work/err")" = "7 2" ]
check sh-totals $? "$(tracer_totals "$work/err")"
started=$SECONDS
MODE=fail tracer_start "$work/out" "$work/err" "$work/fake"
[ $? = 1 ] && [ $((SECONDS - started)) -lt 10 ]
check sh-exits-first $? "not refused at once"
tracer_stop
[ "$tracer_status" = 3 ]
check sh-exit-status-kept $? "status $tracer_status"
MODE=deaf tracer_start "$work/out" "$work/err" "$work/fake"
TRACER_STOP_S=1 tracer_stop
[ "$tracer_status" = 137 ]
check sh-killed-past-limit $? "status $tracer_status"

python_side=$(MODE="" python3 - "$here" "$work/fake" <<'EOF'
import os, signal, sys
sys.path.insert(0, sys.argv[1])
import tracer
fake = sys.argv[2]
run = tracer.start([fake])
took, status = run.stop()
found = tracer.totals(run.stderr_text())
print("py-ready-stop", status == 0, status)
print("py-totals", found == tracer.Totals(7, 2, 5, 3, 1), found)
os.environ["MODE"] = "fail"
try:
    tracer.start([fake])
    print("py-exits-first", False, "started")
except tracer.TracerError as e:
    print("py-exits-first", e.run.proc.returncode == 3, e.run.proc.returncode)
os.environ["MODE"] = "deaf"
run = tracer.start([fake])
print("py-killed-past-limit", run.stop(signal.SIGINT, 1)[1] is None, "exited")
EOF
)
while read -r name ok detail; do
	[ "$ok" = True ]
	check "$name" $? "$detail"
done <<<"$python_side"
[ -n "$python_side" ]
check py-ran $? "tracer.py printed nothing"

summary_case() { # NAME EXPECTED TEXT
	printf '%s\n' "$3" >"$work/log"
	[ "$(summary_counts "$work/log")" = "$2" ]
	check "summary-$1" $? "$(summary_counts "$work/log") for '$3'"
}
summary_case bare "110 0 0" "110 passed, 0 failed"
summary_case named-skipped "75 0 1" "$(printf 'ok   x\nlive: 75 passed, 0 failed, 1 skipped')"
summary_case last-wins "2 1 0" "$(printf 'a: 9 passed, 0 failed\nb: 2 passed, 1 failed (5 s)')"
printf 'no summary here\n' >"$work/log"
! summary_counts "$work/log" >/dev/null
check summary-none $? "found one"

echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
