#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""Fault tests: the real bindsnoop against outputs that misbehave.

A stdout nobody reads, a FIFO nobody opens, a reader that stalls and then
leaves, a full filesystem under --output, a tracer stopped with SIGSTOP in
the middle of a storm; SIGTERM, SIGINT and SIGHUP at each of these moments.
Every case checks the exit time and status, and that every event is either
in the output or in a reported lost/dropped/unwritten count.

    tests/faults/faults.py --bindsnoop ./bindsnoop --storm build/tests/bind-storm

One line per case ("ok NAME" / "FAIL NAME: why"), then
"faults: N passed, N failed". Ports 20000-20999. Run as root (the many-holders
storm binds its holders as the user nobody).
"""
import argparse
import ctypes
import fcntl
import io
import json
import os
import re
import select
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

# A stop must be prompt: SIGNALS_STOP_GRACE_MS (1 s) plus a little.
STOP_LIMIT_S = 2.0
READY_TIMEOUT_S = 60
TOTALS_RE = re.compile(r"bindsnoop: (\d+) events received, (\d+) lost(.*)$", re.M)

args = None
results = []


def report(name, problem):
    results.append(problem is None)
    print(f"ok   {name}" if problem is None else f"FAIL {name}: {problem}", flush=True)


# Every storm here must reach the outputs as volume: one record per failure.
NO_FOLD = ["--no-fold"]


def start(extra, stdout, name):
    """bindsnoop with extra arguments; returns (process, stderr file) once tracing."""
    err = tempfile.TemporaryFile(mode="w+")
    proc = subprocess.Popen([args.bindsnoop, "--backend", args.backend] + NO_FOLD + extra,
                            stdout=stdout, stderr=err, stdin=subprocess.DEVNULL)
    deadline = time.monotonic() + READY_TIMEOUT_S
    while time.monotonic() < deadline:
        err.seek(0)
        if "Tracing " in err.read():
            return proc, err
        if proc.poll() is not None:
            break
        time.sleep(0.05)
    err.seek(0)
    raise RuntimeError(f"{name}: bindsnoop did not start tracing: {err.read().strip()}")


def stderr_text(err):
    err.seek(0)
    return err.read()


def stop(proc, sig):
    """Send sig, return (seconds until exit, returncode); kills after 10 s."""
    begin = time.monotonic()
    proc.send_signal(sig)
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
        return 10.0, None
    return time.monotonic() - begin, proc.returncode


def storm(port, count):
    subprocess.run([args.storm, "--count", str(count), "--port", str(port)], check=True,
                   stdout=subprocess.DEVNULL)


def totals(err_text):
    """(received, lost, dropped, unwritten) from the stderr totals line, or None."""
    match = TOTALS_RE.search(err_text)
    if not match:
        return None
    rest = match.group(3)
    dropped = sum(int(n) for n in re.findall(r"(\d+) dropped by", rest))
    unwritten = sum(int(n) for n in re.findall(r"(\d+) unwritten", rest))
    return int(match.group(1)), int(match.group(2)), dropped, unwritten


def event_lines(text, port):
    """Whole event lines about port; raises on a line that is not JSON (half a line)."""
    count = 0
    for line in text.splitlines():
        record = json.loads(line)
        if record.get("event") == "bind_failed" and record.get("port") == port:
            count += 1
    if text and not text.endswith("\n"):
        raise ValueError(f"output ends inside a line: ...{text[-60:]!r}")
    return count


def check_accounting(name, printed, err_text, storm_count):
    """Every event of the storm is printed, or counted as lost, dropped or unwritten."""
    found = totals(err_text)
    if found is None:
        return f"no totals line on stderr: {err_text.strip()[-300:]!r}"
    received, lost, dropped, unwritten = found
    if printed + dropped + unwritten != received:
        return (f"{printed} printed + {dropped} dropped + {unwritten} unwritten != "
                f"{received} received")
    if received + lost < storm_count:
        return f"{received} received + {lost} lost < {storm_count} failures caused"
    return None


def blocked_stdout(sig, port):
    """--json into a pipe nobody reads, a storm fills it, then sig."""
    name = f"blocked-stdout-{signal.Signals(sig).name}"
    count = 100000
    read_end, write_end = os.pipe()
    extra = ["--json", "--port", str(port)]
    if sig == signal.SIGHUP:
        extra += ["--output", os.path.join(args.tmp, "hup.jsonl")]
    proc, err = start(extra, write_end, name)
    os.close(write_end)
    storm(port, count)
    time.sleep(0.5)
    if sig == signal.SIGHUP:
        # SIGHUP reopens --output: tracing goes on, blocked or not; SIGTERM ends it.
        proc.send_signal(signal.SIGHUP)
        time.sleep(0.5)
        if proc.poll() is not None:
            return report(name, f"SIGHUP ended it: status {proc.returncode}")
        sig = signal.SIGTERM
    took, status = stop(proc, sig)
    data = b""
    while True:
        chunk = os.read(read_end, 1 << 20) if select.select([read_end], [], [], 0)[0] else b""
        if not chunk:
            break
        data += chunk
    os.close(read_end)
    err_text = stderr_text(err)
    if status != 0 or took > STOP_LIMIT_S:
        return report(name, f"exit status {status} after {took:.1f} s (limit {STOP_LIMIT_S} s)")
    try:
        printed = event_lines(data.decode(), port)
    except ValueError as problem:
        return report(name, f"stdout: {problem}")
    report(name, check_accounting(name, printed, err_text, count))


def fifo_without_reader(sig):
    """--output FIFO that nobody opens: bindsnoop waits in open(); sig must end the wait."""
    name = f"fifo-no-reader-{signal.Signals(sig).name}"
    path = os.path.join(args.tmp, f"fifo-{sig}")
    os.mkfifo(path)
    err = tempfile.TemporaryFile(mode="w+")
    proc = subprocess.Popen([args.bindsnoop, "--backend", args.backend, "-q", "--output", path] + NO_FOLD,
                            stdout=subprocess.DEVNULL, stderr=err)
    time.sleep(1)
    if sig == signal.SIGHUP:
        # SIGHUP means "reopen": it keeps waiting for a reader, then SIGTERM ends it.
        proc.send_signal(signal.SIGHUP)
        time.sleep(0.5)
        if proc.poll() is not None:
            os.unlink(path)
            return report(name, f"SIGHUP ended the wait: status {proc.returncode}, "
                          f"{stderr_text(err).strip()!r}")
        sig = signal.SIGTERM
    took, status = stop(proc, sig)
    os.unlink(path)
    if status != 0 or took > STOP_LIMIT_S:
        return report(name, f"exit status {status} after {took:.1f} s; "
                      f"stderr {stderr_text(err).strip()!r}")
    report(name, None)


def stalled_reader_leaves(port):
    """A reader that stalls through a storm, then exits without reading: no silent loss."""
    name = "stalled-reader-leaves"
    count = 100000
    read_end, write_end = os.pipe()
    proc, err = start(["--json", "--port", str(port)], write_end, name)
    os.close(write_end)
    storm(port, count)
    time.sleep(0.5)
    # The reader reads what is there, then leaves: the next write gets EPIPE.
    data = b""
    while select.select([read_end], [], [], 0.2)[0]:
        chunk = os.read(read_end, 1 << 20)
        if not chunk:
            break
        data += chunk
        if len(data) > (1 << 16):
            break
    os.close(read_end)
    storm(port, 10)  # one more write to find the reader gone
    try:
        proc.wait(timeout=STOP_LIMIT_S + 5)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
        return report(name, "still running after its reader left")
    err_text = stderr_text(err)
    if proc.returncode != 0:
        return report(name, f"exit status {proc.returncode}: {err_text.strip()!r}")
    text = data.decode()
    # Only whole lines count as printed: the reader stopped reading mid-pipe.
    whole = text[:text.rfind("\n") + 1]
    found = totals(err_text)
    if found is None:
        return report(name, f"nothing on stderr about the events it could not write: "
                      f"{err_text.strip()!r}")
    received, lost, dropped, unwritten = found
    printed = event_lines(whole, port)
    # Lines still in the pipe when the reader closed it were written, not read.
    if printed + dropped + unwritten > received or received + lost < count:
        return report(name, f"totals {found} do not cover {count} failures "
                      f"({printed} read)")
    report(name, None)


def full_disk(sig, port):
    """--output on a 256 KiB tmpfs: whole lines only, drops counted, recovery when room returns."""
    name = f"full-disk-{signal.Signals(sig).name}"
    mount = tempfile.mkdtemp(dir=args.tmp)
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", mount], check=True)
    try:
        path = os.path.join(mount, "events.jsonl")
        filler = os.path.join(mount, "filler")
        with open(filler, "wb") as f:
            f.write(b"x" * (160 * 1024))
        proc, err = start(["-q", "--output", path, "--port", str(port)], None, name)
        caused = 4050
        storm(port, 4000)
        time.sleep(1)
        if proc.poll() is not None:
            return report(name, f"a full disk ended tracing: status {proc.returncode}, "
                          f"{stderr_text(err).strip()!r}")
        os.unlink(filler)  # room again
        storm(port, 50)
        time.sleep(1)
        if sig == signal.SIGHUP:
            proc.send_signal(signal.SIGHUP)  # reopen on a disk that had been full
            storm(port, 50)
            caused += 50
            time.sleep(0.5)
            sig = signal.SIGTERM
        took, status = stop(proc, sig)
        err_text = stderr_text(err)
        if status != 0 or took > STOP_LIMIT_S:
            return report(name, f"exit status {status} after {took:.1f} s: {err_text!r}")
        with open(path) as f:
            text = f.read()
        try:
            printed = event_lines(text, port)
        except ValueError as problem:
            return report(name, f"{path}: {problem}")
        records = [json.loads(line) for line in text.splitlines()]
        gap = sum(r["count"] for r in records if r["event"] == "dropped")
        stop_record = records[-1] if records and records[-1]["event"] == "stop" else None
        found = totals(err_text)
        if not gap or found is None or stop_record is None:
            return report(name, f"expected a dropped record ({gap}), a totals line and a "
                          f"stop record; stderr {err_text.strip()!r}")
        received, lost, dropped, unwritten = found
        if printed + dropped != received or stop_record["dropped"] != dropped:
            return report(name, f"{printed} in the file + {dropped} dropped != {received} "
                          f"received (stop record says {stop_record['dropped']} dropped)")
        if gap != dropped:
            return report(name, f"dropped records say {gap}, totals say {dropped}")
        if received + lost < caused:
            return report(name, f"{received} + {lost} lost < {caused} failures caused")
        report(name, None)
    finally:
        subprocess.run(["umount", mount])
        os.rmdir(mount)


def sigstop_storm(port):
    """SIGSTOP for 3 s in a storm, SIGCONT, SIGTERM: received + lost covers the storm."""
    name = "sigstop-sigcont-storm"
    count = 300000
    path = os.path.join(args.tmp, "sigstop.jsonl")
    with open(path, "w") as out:
        proc, err = start(["--json", "--port", str(port)], out, name)
        storm_proc = subprocess.Popen([args.storm, "--count", str(count), "--port", str(port)],
                                      stdout=subprocess.DEVNULL)
        time.sleep(0.05)
        proc.send_signal(signal.SIGSTOP)
        storm_proc.wait()
        time.sleep(2)
        proc.send_signal(signal.SIGCONT)
        time.sleep(1)
        took, status = stop(proc, signal.SIGTERM)
    err_text = stderr_text(err)
    if status != 0 or took > STOP_LIMIT_S:
        return report(name, f"exit status {status} after {took:.1f} s")
    with open(path) as f:
        text = f.read()
    printed = event_lines(text, port)
    stop_record = json.loads(text.splitlines()[-1])
    if stop_record.get("event") != "stop":
        return report(name, "no stop record")
    if printed != stop_record["received"] or printed + stop_record["lost"] < count:
        return report(name, f"{printed} printed, stop record {stop_record}, {count} caused; "
                      f"stderr {err_text.strip()!r}")
    report(name, None)


def output_errors_at_start():
    """A broken --output or stdout fails before tracing, naming what failed."""
    name = "output-errors-at-start"
    cases = [(["-q", "--output", "/dev/full"], None, "--output /dev/full"),
             (["-q", "--output", "/proc/version"], None, "--output /proc/version"),
             (["--json"], "/dev/full", "stdout")]
    for extra, stdout_path, named in cases:
        out = open(stdout_path, "w") if stdout_path else subprocess.DEVNULL
        try:
            run = subprocess.run([args.bindsnoop, "--backend", args.backend] + NO_FOLD + extra,
                                 stdout=out, stderr=subprocess.PIPE, text=True, timeout=30)
        except subprocess.TimeoutExpired:
            return report(name, f"{' '.join(extra)}: still running after 30 s")
        if run.returncode != 1 or "Tracing " in run.stderr or named not in run.stderr:
            return report(name, f"{' '.join(extra)}: status {run.returncode}, stderr "
                          f"{run.stderr.strip()!r} (expected status 1 naming {named}, "
                          f"before tracing)")
    report(name, None)


def table_totals(port):
    """The table prints its totals on stderr at stop."""
    name = "table-totals"
    path = os.path.join(args.tmp, "table.txt")
    with open(path, "w") as out:
        proc, err = start(["--port", str(port)], out, name)
        storm(port, 20)
        time.sleep(0.5)
        took, status = stop(proc, signal.SIGINT)
    with open(path) as f:
        rows = [line for line in f.read().splitlines()[1:] if f" 127.0.0.1:{port} " in line]
    found = totals(stderr_text(err))
    if status != 0 or found is None or found[0] != len(rows) or len(rows) != 20:
        return report(name, f"status {status}, {len(rows)} rows, totals {found}: "
                      f"{stderr_text(err).strip()!r}")
    report(name, None)


# A local user's flood of holders (issue 18): nobody binds HOLDERS_PER_PORT sockets to one
# port on distinct loopback addresses, then STORM_FAILERS short-lived processes it forks
# (each with all those fds) fail against every one of them at once.
HOLDERS_PER_PORT = 5000
STORM_FAILERS = 400
LATE_FAILURE_LIMIT_S = 5.0
STORM_STOP_LIMIT_S = 3.0
HOLDER_FLOOD = r"""
import os, resource, socket, sys
port, holders, failers = (int(a) for a in sys.argv[1:4])
resource.setrlimit(resource.RLIMIT_NOFILE, (holders + 64, holders + 64))
os.setgid(65534)
os.setuid(65534)
sockets = []
for i in range(holders):
    s = socket.socket()
    s.bind((f"127.{1 + i // 62500}.{i // 250 % 250}.{i % 250 + 1}", port))
    sockets.append(s)
print("ready", flush=True)
sys.stdin.readline()
children = []
for i in range(failers):
    pid = os.fork()
    if pid == 0:
        s = socket.socket()
        try:
            s.bind(("0.0.0.0", port))
        except OSError:
            os._exit(0)
        os._exit(1)
    children.append(pid)
    if i == failers // 2:
        print("half", flush=True)
bound = sum(os.waitpid(pid, 0)[1] != 0 for pid in children)
print(f"done {bound}", flush=True)
sys.stdin.readline()
"""


def holder_flood(port):
    """The holders, bound as nobody, waiting for a line on stdin to start the storm."""
    flood = subprocess.Popen([sys.executable, "-c", HOLDER_FLOOD, str(port),
                              str(HOLDERS_PER_PORT), str(STORM_FAILERS)],
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    if flood.stdout.readline().strip() != "ready":
        flood.kill()
        flood.wait()
        raise RuntimeError(f"{HOLDERS_PER_PORT} holders on port {port} could not be bound")
    return flood


def holder_flood_end(flood):
    flood.kill()
    flood.wait()


class LineReader:
    """bindsnoop's stdout read as it comes, each line with the time it arrived."""

    def __init__(self, stream):
        self.lines = []  # (monotonic time, text)
        self.lock = threading.Lock()
        self.thread = threading.Thread(target=self.read, args=(stream,), daemon=True)
        self.thread.start()

    def read(self, stream):
        for line in stream:
            with self.lock:
                self.lines.append((time.monotonic(), line))

    def records(self):
        with self.lock:
            return [(when, json.loads(line)) for when, line in self.lines]

    def wait_for(self, match, timeout):
        """Arrival time of the first record match() accepts, or None after timeout."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for when, record in self.records():
                if match(record):
                    return when
            time.sleep(0.02)
        return None


def holder_flood_traced(flood, port, name):
    """bindsnoop --json on the flood's port and the next, then the storm begins."""
    proc, err = start(["--json", "--port", f"{port},{port + 1}"], subprocess.PIPE, name)
    reader = LineReader(io.TextIOWrapper(proc.stdout))
    flood.stdin.write("go\n")
    flood.stdin.flush()
    return proc, err, reader


def failing_bind(port):
    """A bind that fails on 127.0.0.1:port (a listener holds it); returns (pid, when made)."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", port))
    listener.listen()
    made = time.monotonic()
    child = os.fork()
    if child == 0:
        late = socket.socket()
        try:
            late.bind(("127.0.0.1", port))
        except OSError:
            os._exit(0)
        os._exit(1)
    os.waitpid(child, 0)
    listener.close()
    return child, made


def many_holders_late_failure(port):
    """After a storm against 5,000 holders, an unrelated failure is printed within 5 s."""
    name = "many-holders-storm-late-failure"
    flood = holder_flood(port)
    try:
        proc, err, reader = holder_flood_traced(flood, port, name)
        flood.stdout.readline()  # half
        done = flood.stdout.readline().split()
        if done != ["done", "0"]:
            raise RuntimeError(f"the storm's binds did not all fail: {done}")
        late_pid, made = failing_bind(port + 1)
        seen = reader.wait_for(lambda r: r.get("event") == "bind_failed" and
                               r.get("port") == port + 1 and
                               r["caller"]["pid"] == late_pid, 30)
        storm_seen = sum(r.get("port") == port for _, r in reader.records())
        took, status = stop(proc, signal.SIGINT)
    finally:
        holder_flood_end(flood)
    if seen is None or seen - made > LATE_FAILURE_LIMIT_S:
        delay = "not within 30 s" if seen is None else f"{seen - made:.1f} s later"
        return report(name, f"the failure made after the storm was printed {delay} "
                      f"(limit {LATE_FAILURE_LIMIT_S} s; {storm_seen} of {STORM_FAILERS} "
                      f"storm records printed by then)")
    if status != 0 or took > STOP_LIMIT_S:
        return report(name, f"exit status {status} after {took:.1f} s")
    report(name, None)


def many_holders_sigint(port):
    """SIGINT in a storm against 5,000 holders ends bindsnoop within 3 s, with its stop record."""
    name = "many-holders-storm-SIGINT"
    flood = holder_flood(port)
    try:
        proc, err, reader = holder_flood_traced(flood, port, name)
        # In the middle of it: half the failures made, the other half still to come.
        if flood.stdout.readline().strip() != "half":
            raise RuntimeError("the storm did not get half way")
        took, status = stop(proc, signal.SIGINT)
        reader.thread.join(5)
    finally:
        holder_flood_end(flood)
    records = [record for _, record in reader.records()]
    printed = sum(r.get("event") in ("bind_failed", "listen_failed") for r in records)
    last = records[-1] if records else {}
    if status != 0 or took > STORM_STOP_LIMIT_S:
        return report(name, f"exit status {status} after {took:.1f} s (limit "
                      f"{STORM_STOP_LIMIT_S} s; {printed} failures printed)")
    if last.get("event") != "stop" or last["received"] != printed:
        return report(name, f"last record {last}, {printed} failures printed; stderr "
                      f"{stderr_text(err).strip()[-300:]!r}")
    report(name, None)


# --who --all-netns used to stop at 1,024 namespaces; more than that, the listener in the last.
WHO_NAMESPACES = 1100
WHO_ALL_PORTS_LIMIT_S = 10.0
CLONE_NEWNET = 0x40000000


def namespaces_with_listener(count, port):
    """count processes, each alone in a new network namespace, the last listening on
    0.0.0.0:port. They leave when the returned pipe is closed. Returns (pipe, last pid)."""
    libc = ctypes.CDLL(None, use_errno=True)
    hold_read, hold_write = os.pipe()
    ready_read, ready_write = os.pipe()
    last = None
    for i in range(count):
        last = os.fork()
        if last == 0:
            os.close(hold_write)
            os.close(ready_read)
            if libc.unshare(CLONE_NEWNET) != 0:
                os._exit(1)
            if i == count - 1:
                listener = socket.socket()
                listener.bind(("0.0.0.0", port))  # lo is down in a new namespace
                listener.listen()
            os.write(ready_write, b"r")
            os.read(hold_read, 1)
            os._exit(0)
    os.close(hold_read)
    os.close(ready_write)
    ready = 0
    while ready < count:
        got = os.read(ready_read, count)
        if not got:
            break
        ready += len(got)
    os.close(ready_read)
    if ready < count:
        os.close(hold_write)
        raise RuntimeError(f"only {ready} of {count} network namespaces made")
    return hold_write, last


def who_many_namespaces(port):
    """--who --all-netns finds a listener in the 1,100th network namespace."""
    name = "who-many-netns"
    hold, last = namespaces_with_listener(WHO_NAMESPACES, port)
    try:
        netns = os.stat(f"/proc/{last}/ns/net").st_ino
        run = subprocess.run([args.bindsnoop, "--who", str(port), "--all-netns", "--json"],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                             timeout=120)
    finally:
        os.close(hold)
        while True:
            try:
                os.wait()
            except ChildProcessError:
                break
    held = [json.loads(line) for line in run.stdout.splitlines()]
    held = [r for r in held if r.get("event") == "held" and r.get("netns") == netns]
    if run.returncode != 0 or not held or held[0]["holder"]["state"] != "LISTEN":
        return report(name, f"status {run.returncode}, no LISTEN record for namespace {netns} "
                      f"(the last of {WHO_NAMESPACES}): {run.stdout.strip()[-200:]!r} "
                      f"{run.stderr.strip()!r}")
    report(name, None)


def who_all_ports(port):
    """--who 1-65535 answers within 10 s (one sock_diag dump, not one per port)."""
    name = "who-all-ports"
    listener = socket.socket()
    listener.bind(("127.0.0.1", port))
    listener.listen()
    begin = time.monotonic()
    try:
        run = subprocess.run([args.bindsnoop, "--who", "1-65535", "--json"],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                             timeout=WHO_ALL_PORTS_LIMIT_S * 3)
    except subprocess.TimeoutExpired:
        return report(name, f"still running after {WHO_ALL_PORTS_LIMIT_S * 3:.0f} s")
    finally:
        listener.close()
    took = time.monotonic() - begin
    records = [json.loads(line) for line in run.stdout.splitlines()]
    ports = {r["port"] for r in records}
    held = [r for r in records if r["event"] == "held" and r["port"] == port]
    if run.returncode != 0 or took > WHO_ALL_PORTS_LIMIT_S or len(ports) != 65535 or not held:
        return report(name, f"status {run.returncode} after {took:.1f} s (limit "
                      f"{WHO_ALL_PORTS_LIMIT_S} s), {len(ports)} ports answered, port {port} "
                      f"{'held' if held else 'not held'}; {run.stderr.strip()!r}")
    report(name, None)


def main():
    global args
    parser = argparse.ArgumentParser()
    parser.add_argument("--bindsnoop", default="./bindsnoop")
    parser.add_argument("--storm", default="build/tests/bind-storm")
    parser.add_argument("--backend", default="auto")
    parser.add_argument("--only", help="comma-separated case name prefixes")
    args = parser.parse_args()
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    with tempfile.TemporaryDirectory(prefix="bindsnoop-faults.") as tmp:
        args.tmp = tmp
        cases = []
        port = 20000
        for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
            cases.append(("blocked-stdout", blocked_stdout, (sig, port)))
            cases.append(("fifo-no-reader", fifo_without_reader, (sig,)))
            cases.append(("full-disk", full_disk, (sig, port + 1)))
            port += 2
        cases.append(("stalled-reader-leaves", stalled_reader_leaves, (port,)))
        cases.append(("sigstop", sigstop_storm, (port + 1,)))
        cases.append(("output-errors-at-start", output_errors_at_start, ()))
        cases.append(("table-totals", table_totals, (port + 2,)))
        cases.append(("many-holders-storm", many_holders_late_failure, (20300,)))
        cases.append(("many-holders-storm", many_holders_sigint, (20302,)))
        cases.append(("who-many-netns", who_many_namespaces, (20304,)))
        cases.append(("who-all-ports", who_all_ports, (20305,)))
        for prefix, function, case_args in cases:
            if args.only and not any(prefix.startswith(p) for p in args.only.split(",")):
                continue
            try:
                function(*case_args)
            except Exception as problem:  # a broken case is a failure, not a crash
                report(prefix, f"{type(problem).__name__}: {problem}")
    failed = results.count(False)
    print(f"faults: {len(results) - failed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
