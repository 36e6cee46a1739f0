#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""bindsnoop --metrics scraped by a real Prometheus (Debian's prometheus).

Run by scripts/test.sh as root; scripts/install-deps.sh --test installs
prometheus. Starts the real ./bindsnoop as the service would run it
(-q --metrics ... --output FILE), a Prometheus scraping its loopback port
every second, then makes N real failed binds and asks Prometheus's HTTP API
(/api/v1/query) until the counters read N (Prometheus asks for OpenMetrics,
so that is the format it parses). Also: promtool accepts the text format;
OpenMetrics when asked; a caller whose name holds a quote, a backslash and
a newline arrives in Prometheus with exactly that name; the events are in
the --output file too; [::1]:PORT listens on IPv6 only; usage errors; a
taken port; SIGTERM stops the server at once and closes its port.
The shipped alert rules (deploy/prometheus/bindsnoop-alerts.yml, each `for:`
made 0s) are loaded too: a storm of real failures fires BindsnoopFailureStorm
with its cause, port and fix.

Holds /tmp/bindsnoop-live.lock while it runs. Prints "ok   NAME" or
"FAIL NAME: why" per check and ends with "metrics: N passed, N failed".
Exit status 1 if anything failed.
"""
import ctypes
import fcntl
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request

import yaml

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import tracer as tracer_lib  # noqa: E402 (tests/lib)

METRICS_PORT = 30010
PROMETHEUS_PORT = 30011
CONFLICT_PORT = 30012
WEIRD_PORT = 30013
STORM_PORT = 30017
N_FAILURES = 25
STORM_FAILURES = 500  # the storm alert's threshold is 300 in 5 minutes
# What a process may call itself (prctl PR_SET_NAME takes any 15 bytes).
WEIRD_COMM = b'q"b\\s\nnl'

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
# BINDSNOOP=PATH runs another binary (to see a check fail on older code).
BINDSNOOP = os.environ.get("BINDSNOOP") or os.path.join(ROOT, "bindsnoop")
ALERT_RULES = os.path.join(ROOT, "deploy", "prometheus", "bindsnoop-alerts.yml")
passed = failed = 0


def check(name, ok, why=""):
    global passed, failed
    if ok:
        passed += 1
        print(f"metrics: ok   {name}", flush=True)
    else:
        failed += 1
        print(f"metrics: FAIL {name}: {why}", flush=True)
    return ok


def http_get(url, timeout=5, accept=None):
    request = urllib.request.Request(url, headers={"Accept": accept} if accept else {})
    with urllib.request.urlopen(request, timeout=timeout) as response:
        return response.status, response.headers, response.read().decode()


def query(expr):
    """The value of an instant vector query, as {labels-as-tuple: float}."""
    url = f"http://127.0.0.1:{PROMETHEUS_PORT}/api/v1/query?" + urllib.parse.urlencode(
        {"query": expr})
    _, _, body = http_get(url)
    data = json.loads(body)
    if data.get("status") != "success":
        raise RuntimeError(body)
    return {tuple(sorted(r["metric"].items())): float(r["value"][1])
            for r in data["data"]["result"]}


def wait_for(expr, want, timeout=40):
    """Poll Prometheus until expr's single value is want; returns the last value seen."""
    deadline = time.time() + timeout
    seen = None
    while time.time() < deadline:
        try:
            values = query(expr)
            seen = list(values.values())[0] if len(values) == 1 else values
            if seen == want:
                return seen
        except (OSError, RuntimeError, ValueError) as error:
            seen = f"query failed: {error}"
        time.sleep(0.5)
    return seen


def wait_port(port, timeout=20):
    deadline = time.time() + timeout
    while time.time() < deadline:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return True
        time.sleep(0.1)
    return False


def fail_binds(port, count, comm=None):
    """count real EADDRINUSE binds on 127.0.0.1:port from a child process named comm."""
    pid = os.fork()
    if pid == 0:
        try:
            if comm:
                libc = ctypes.CDLL(None, use_errno=True)
                libc.prctl(15, ctypes.c_char_p(comm), 0, 0, 0)  # PR_SET_NAME
            for _ in range(count):
                with socket.socket() as sock:
                    try:
                        sock.bind(("127.0.0.1", port))
                    except OSError:
                        pass
        finally:
            os._exit(0)
    os.waitpid(pid, 0)


def kernel_holder_records(events):
    """bind_failed records in the --output file whose holder the kernel found."""
    count = 0
    try:
        with open(events) as lines:
            for line in lines:
                record = json.loads(line)
                count += record.get("event") == "bind_failed" and any(
                    holder.get("source") == "kernel" for holder in record.get("holders", []))
    except (OSError, ValueError):
        pass
    return count


def alert_rules_now(path):
    """The shipped rules with every `for:` 0s, written to path: what fires, fires at once."""
    with open(ALERT_RULES) as f:
        rules = yaml.safe_load(f)
    for group in rules["groups"]:
        for rule in group["rules"]:
            rule.pop("for", None)
    with open(path, "w") as f:
        yaml.safe_dump(rules, f, sort_keys=False)


def firing(name, timeout=30):
    """The firing alerts called name, from /api/v1/alerts, once there is one."""
    deadline = time.time() + timeout
    alerts = []
    while time.time() < deadline:
        try:
            _, _, body = http_get(f"http://127.0.0.1:{PROMETHEUS_PORT}/api/v1/alerts")
            alerts = [a for a in json.loads(body)["data"]["alerts"]
                      if a["labels"].get("alertname") == name and a["state"] == "firing"]
            if alerts:
                return alerts
        except (OSError, ValueError, KeyError):
            pass
        time.sleep(0.5)
    return alerts


def usage_errors():
    for arg, words in (("9719", "has no port"), ("[::1]9719", "has no port after"),
                       ("127.0.0.1:0", "bad port"), ("0:9719", "not an IPv4 address")):
        run = subprocess.run([BINDSNOOP, "--metrics", arg], capture_output=True, text=True)
        first = run.stderr.splitlines()[:1]
        check(f"--metrics {arg}: exit 2, one line naming the fix",
              run.returncode == 2 and first and words in first[0] and
              ("e.g." in first[0] or "like" in first[0]),
              f"exit {run.returncode}, stderr {run.stderr!r}")
    run = subprocess.run([BINDSNOOP, "-q", "--metrics", "127.0.0.1:30014", "--port", "1",
                          "--help"], capture_output=True, text=True)
    check("-q --metrics is a complete command line (no --output needed)",
          run.returncode == 0, run.stderr)


def taken_port():
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 30015))
        holder.listen()
        run = subprocess.run([BINDSNOOP, "--metrics", "127.0.0.1:30015"], capture_output=True,
                             text=True, timeout=30)
    check("a --metrics port already taken: exit 1 before tracing, says to pick another",
          run.returncode == 1 and "pick another port" in run.stderr and
          "Tracing" not in run.stderr, f"exit {run.returncode}, stderr {run.stderr!r}")


def listens_only_where_asked():
    """[::1]:PORT answers over IPv6 loopback, and nothing listens on 127.0.0.1:PORT."""
    try:
        run = tracer_lib.start([BINDSNOOP, "-q", "--metrics", "[::1]:30016", "--port", "1"])
    except tracer_lib.TracerError as e:
        run = e.run
    try:
        started = run.proc.returncode is None
        status, _, text = http_get("http://[::1]:30016/metrics") if started else (0, None, "")
        with socket.socket() as probe:
            v4_closed = probe.connect_ex(("127.0.0.1", 30016)) != 0
        check("--metrics [::1]:PORT serves over IPv6 and listens nowhere else",
              started and status == 200 and "bindsnoop_failures_total" in text and v4_closed,
              f"started {started}, status {status}, 127.0.0.1 closed {v4_closed}")
    finally:
        run.stop(signal.SIGTERM, 10)


def main():
    if os.geteuid() != 0:
        print("metrics: run as root (the tracer loads BPF programs)")
        return 1
    # Live tests of several worktrees share this machine: one tracer at a time.
    lock = open("/tmp/bindsnoop-live.lock", "w")
    fcntl.flock(lock, fcntl.LOCK_EX)
    usage_errors()
    taken_port()
    listens_only_where_asked()
    work = tempfile.mkdtemp(prefix="bindsnoop-metrics.")
    events = os.path.join(work, "events.jsonl")
    with open(os.path.join(work, "prometheus.yml"), "w") as config:
        config.write(f"""global:
  scrape_interval: 1s
  scrape_timeout: 1s
  evaluation_interval: 1s
rule_files: ["{work}/alerts.yml"]
scrape_configs:
  - job_name: bindsnoop
    static_configs:
      - targets: ["127.0.0.1:{METRICS_PORT}"]
""")
    alert_rules_now(os.path.join(work, "alerts.yml"))
    prometheus = subprocess.Popen(
        ["prometheus", f"--config.file={work}/prometheus.yml",
         f"--storage.tsdb.path={work}/data", f"--web.listen-address=127.0.0.1:{PROMETHEUS_PORT}"],
        stdout=subprocess.DEVNULL, stderr=open(os.path.join(work, "prometheus.log"), "w"))
    holder = socket.socket()
    tracer = None
    try:
        try:
            tracer = tracer_lib.start(
                [BINDSNOOP, "-q", "--metrics", f"127.0.0.1:{METRICS_PORT}", "--output", events,
                 "--port", f"{CONFLICT_PORT},{WEIRD_PORT},{STORM_PORT}"]).proc
        except tracer_lib.TracerError as e:
            check("bindsnoop -q --metrics --output starts tracing", False, str(e))
            return 1
        check("bindsnoop -q --metrics --output starts tracing", True, "")
        status, headers, text = http_get(f"http://127.0.0.1:{METRICS_PORT}/metrics")
        check("GET /metrics: 200, text format 0.0.4",
              status == 200 and headers["Content-Type"].startswith("text/plain; version=0.0.4"),
              f"{status} {headers['Content-Type']}")
        lint = subprocess.run(["promtool", "check", "metrics"], input=text, capture_output=True,
                              text=True)
        check("promtool check metrics: no problem (naming, units, HELP/TYPE)",
              lint.returncode == 0 and not lint.stdout.strip() and not lint.stderr.strip(),
              lint.stdout + lint.stderr)
        # What Prometheus 2.42 sends: OpenMetrics first.
        status, headers, om = http_get(
            f"http://127.0.0.1:{METRICS_PORT}/metrics",
            accept="application/openmetrics-text;version=1.0.0,application/openmetrics-text;"
                   "version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1")
        check("Accept: OpenMetrics gets OpenMetrics 1.0 (no _total in TYPE, # EOF last)",
              status == 200 and
              headers["Content-Type"].startswith("application/openmetrics-text; version=1.0.0")
              and om.endswith("# EOF\n") and "# TYPE bindsnoop_failures counter\n" in om and
              "# TYPE bindsnoop_build info\n" in om,
              f"{status} {headers['Content-Type']} ...{om[-40:]!r}")
        for path, code in (("/", 404), ("/metrics/x", 404)):
            try:
                http_get(f"http://127.0.0.1:{METRICS_PORT}{path}")
                got = 200
            except urllib.error.HTTPError as error:
                got = error.code
            check(f"GET {path}: {code}", got == code, f"got {got}")
        check("Prometheus is up", wait_port(PROMETHEUS_PORT, 60), "no listener")
        check("Prometheus scrapes bindsnoop (up == 1)",
              wait_for('up{job="bindsnoop"}', 1.0) == 1.0, "target not up")
        check("the --port ports have series from zero before any failure",
              wait_for(f'bindsnoop_failures_by_port_total{{port="{CONFLICT_PORT}"}}', 0.0) == 0.0,
              "no zero series")

        holder.bind(("127.0.0.1", CONFLICT_PORT))
        holder.listen()
        fail_binds(CONFLICT_PORT, N_FAILURES)
        got = wait_for(f'bindsnoop_failures_by_port_total{{port="{CONFLICT_PORT}"}}',
                       float(N_FAILURES))
        check(f"Prometheus reads {N_FAILURES} failures for port {CONFLICT_PORT}",
              got == N_FAILURES, f"last value {got}")
        got = wait_for('bindsnoop_failures_total{event="bind_failed",error="EADDRINUSE",'
                       'proto="tcp",family="ipv4"}', float(N_FAILURES))
        check(f"bindsnoop_failures_total{{event,error,proto,family}} reads {N_FAILURES}",
              got == N_FAILURES, f"last value {got}")
        # Every failure counted under its diagnosis code: same_program (the
        # holder is this script, the callers its forked children) or, for a
        # child gone before /proc could be read, other_program.
        got = wait_for('sum(bindsnoop_failures_by_cause_total'
                       '{cause=~"same_program|other_program"})', float(N_FAILURES))
        check("failures by cause (the diagnosis code)", got == N_FAILURES, f"last value {got}")
        # A lookup is per record: the repeats a folded record counts were
        # never looked up again; it carries its full report's holder.
        records, got = 0, None
        deadline = time.time() + 20
        while time.time() < deadline:
            records = kernel_holder_records(events)
            got = wait_for('sum(bindsnoop_holder_lookups_total{source="kernel"})',
                           float(records), timeout=2)
            if records and got == records:
                break
        check("holder lookups by source: the kernel named the holder of every record",
              records and got == records, f"{records} records in --output, last value {got}")
        info = query("bindsnoop_build_info")
        labels = dict(list(info)[0]) if len(info) == 1 else {}
        check("bindsnoop_build_info has version, backend and kernel",
              labels.get("backend") in ("tracepoint", "fexit", "kprobe") and
              labels.get("kernel") == os.uname().release and labels.get("version"), str(info))
        for name in ("process_resident_memory_bytes", "process_cpu_seconds_total",
                     "process_open_fds", "process_start_time_seconds"):
            values = query(name)
            check(f"{name} is scraped", len(values) == 1 and list(values.values())[0] > 0,
                  str(values))

        # A caller name with a quote, a backslash and a newline, through Prometheus's parser.
        with socket.socket() as weird_holder:
            weird_holder.bind(("127.0.0.1", WEIRD_PORT))
            weird_holder.listen()
            fail_binds(WEIRD_PORT, 2, WEIRD_COMM)
            deadline = time.time() + 30
            comms = {}
            while time.time() < deadline:
                comms = {dict(k).get("comm"): v for k, v in
                         query("bindsnoop_failures_by_comm_total").items()}
                if comms.get(WEIRD_COMM.decode()) == 2:
                    break
                time.sleep(0.5)
            check("a comm with quote, backslash and newline reaches Prometheus intact",
                  comms.get(WEIRD_COMM.decode()) == 2, str(comms))

        # More caller names than the comm series hold, one of them "other" and
        # one the overflow bucket's own name cut to 15 bytes: no two series
        # of Prometheus's scrape may carry the same comm (issue 18 item 9).
        with socket.socket() as overflow_holder:
            overflow_holder.bind(("127.0.0.1", WEIRD_PORT))
            overflow_holder.listen()
            names = [b"other", b"(other commands"] + [f"ov-{i}".encode() for i in range(36)]
            for name in names:
                fail_binds(WEIRD_PORT, 1, name)
            # bindsnoop's own exposition: Prometheus would keep one of two equal series.
            deadline = time.time() + 30
            labels = []
            while time.time() < deadline:
                _, _, text = http_get(f"http://127.0.0.1:{METRICS_PORT}/metrics")
                lines = [line for line in text.splitlines()
                         if line.startswith("bindsnoop_failures_by_comm_total{")]
                labels = [line.split('comm="', 1)[1].rsplit('"}', 1)[0] for line in lines]
                if sum(float(line.rsplit(" ", 1)[1]) for line in lines) >= 2 + len(names):
                    break
                time.sleep(0.5)
            check("no two comm series share a name (a process named other, the overflow)",
                  len(labels) == len(set(labels)) and "other" in labels,
                  str(sorted(labels)))

        # A storm of real failures on a port held by this script: the shipped
        # storm rule fires, its cause a label, its port and fix in the annotations.
        with socket.socket() as storm_holder:
            storm_holder.bind(("127.0.0.1", STORM_PORT))
            storm_holder.listen()
            fail_binds(STORM_PORT, STORM_FAILURES)
            alerts = firing("BindsnoopFailureStorm")
        alert = max(alerts, key=lambda a: float(a["value"])) if alerts else {}
        labels, notes = alert.get("labels", {}), alert.get("annotations", {})
        check("real failures fire BindsnoopFailureStorm (the shipped rule) with cause, "
              "port and fix",
              labels.get("cause") == "same_program" and labels.get("severity") == "warning" and
              f"{STORM_PORT} " in notes.get("description", "") and
              "an older instance holds the port" in notes.get("fix", "") and
              "same_program" in notes.get("summary", ""), json.dumps(alerts))

        time.sleep(0.3)
        with open(events) as f:
            lines = [json.loads(line) for line in f]
        # Folded or not, the records' counts add up to the failures.
        in_file = sum(e.get("count", 0) for e in lines if e.get("event") == "bind_failed" and
                      e.get("port") == CONFLICT_PORT)
        check(f"--output got the same {N_FAILURES} failures (metrics and outputs together)",
              in_file == N_FAILURES, f"their counts add up to {in_file} in the file")

        started = time.time()
        tracer.send_signal(signal.SIGTERM)
        status = tracer.wait(10)
        took = time.time() - started
        check(f"SIGTERM: exit 0 in {took * 1000:.0f} ms (< 1 s) with the server running",
              status == 0 and took < 1.0, f"exit {status} after {took:.2f} s")
        with socket.socket() as probe:
            check("the metrics port is closed after exit",
                  probe.connect_ex(("127.0.0.1", METRICS_PORT)) != 0, "still accepting")
    finally:
        holder.close()
        for process in (tracer, prometheus):
            if process is not None and process.poll() is None:
                process.terminate()
                try:
                    process.wait(10)
                except subprocess.TimeoutExpired:
                    process.kill()
        subprocess.run(["rm", "-rf", work])
    return 0


if __name__ == "__main__":
    status = main()
    print(f"metrics: {passed} passed, {failed} failed")
    sys.exit(1 if failed or status else 0)
