#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""Fault tests: the real bindsnoop against outputs that misbehave.

A stdout nobody reads, a FIFO nobody opens, a reader that stalls and then
leaves, a full filesystem under --output, a tracer stopped with SIGSTOP in
the middle of a storm; SIGTERM, SIGINT and SIGHUP at each of these moments;
slow HTTP clients that try to shut --metrics off.
Every case checks the exit time and status, and that every event is either
in the output or in a reported lost/dropped/unwritten count. Then what a
hostile local user does to --output (a link or a file planted in a sticky
directory, at start and before a SIGHUP reopen), stdout or stderr closed at
start, SIGTERM in the first 300 ms, and a start record never left without
its stop record.

    tests/faults/faults.py --bindsnoop ./bindsnoop --storm build/tests/bind-storm

One line per case ("ok NAME" / "FAIL NAME: why"), then
"faults: N passed, N failed". Ports 20000-20999. Run as root (the many-holders
storm binds its holders as the user nobody).
"""
import argparse
import ctypes
import fcntl
import http.client
import io
import json
import multiprocessing
import os
import random
import re
import select
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import tracer  # noqa: E402 (tests/lib)

# A stop must be prompt: SIGNALS_STOP_GRACE_MS (1 s) plus a little.
STOP_LIMIT_S = 2.0
READY_TIMEOUT_S = tracer.READY_S

args = None
results = []


def report(name, problem):
    results.append(problem is None)
    print(f"ok   {name}" if problem is None else f"FAIL {name}: {problem}", flush=True)


# Every storm here must reach the outputs as volume: one record per failure.
NO_FOLD = ["--no-fold"]


def start(extra, stdout, name):
    """bindsnoop with extra arguments; returns (process, stderr file) once tracing."""
    try:
        run = tracer.start([args.bindsnoop, "--backend", args.backend] + NO_FOLD + extra,
                           stdout=stdout)
    except tracer.TracerError as e:
        raise RuntimeError(f"{name}: {e}") from None
    return run.proc, run.err


stderr_text = tracer.stderr_text


def stop(proc, sig):
    """Send sig, return (seconds until exit, returncode); kills after 10 s."""
    return tracer.stop(proc, sig, 10)


def storm(port, count):
    subprocess.run([args.storm, "--count", str(count), "--port", str(port)], check=True,
                   stdout=subprocess.DEVNULL)


totals = tracer.totals


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
    received, lost, _, dropped, unwritten = found
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


def blocked_in_fifo_open(pid):
    """Does pid wait in open() for the other end of a FIFO?"""
    try:
        with open(f"/proc/{pid}/wchan") as f:
            return f.read().strip() == "wait_for_partner"
    except OSError:
        return False


def fifo_without_reader(sig):
    """--output FIFO that nobody opens: bindsnoop waits in open(); sig must end the wait."""
    name = f"fifo-no-reader-{signal.Signals(sig).name}"
    path = os.path.join(args.tmp, f"fifo-{sig}")
    os.mkfifo(path)
    err = tempfile.TemporaryFile(mode="w+")
    proc = subprocess.Popen([args.bindsnoop, "--backend", args.backend, "-q", "--output", path] + NO_FOLD,
                            stdout=subprocess.DEVNULL, stderr=err)
    # The signal must find it in open(), not still loading its programs (a
    # fixed 1 s found a loaded machine's start-up there).
    wait_for(lambda: blocked_in_fifo_open(proc.pid) or proc.poll() is not None, READY_TIMEOUT_S)
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
    received, lost, _, dropped, unwritten = found
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
        received, lost, _, dropped, unwritten = found
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
    if status != 0 or found is None or found.received != len(rows) or len(rows) != 20:
        return report(name, f"status {status}, {len(rows)} rows, totals {found}: "
                      f"{stderr_text(err).strip()!r}")
    report(name, None)


NOBODY = 65534


def as_nobody(argv):
    """A command run by an unprivileged local user, as an attacker would."""
    subprocess.run(argv, check=True, user=NOBODY, group=NOBODY, stdout=subprocess.DEVNULL)


def sticky_dir():
    """A fresh directory like /tmp: everyone may write there, the sticky bit set."""
    path = tempfile.mkdtemp(prefix="bindsnoop-sticky.", dir="/tmp")
    os.chmod(path, 0o1777)
    return path


def root_file(name, text):
    """A file of root's that nobody may touch: what a planted link points to."""
    path = os.path.join(args.tmp, name)
    with open(path, "w") as f:
        f.write(text)
    os.chmod(path, 0o644)
    return path


def plant(kind, path, target):
    """As nobody: a link to root's target, or a file of their own that anyone may write."""
    if kind == "symlink":
        as_nobody(["ln", "-s", target, path])
    else:
        as_nobody(["sh", "-c", 'umask 0; echo planted > "$0"', path])


def wait_for(condition, timeout):
    """True once condition() holds, False if it still does not after timeout seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return condition()


def records(path):
    """The JSON records of an --output file ([] if it is not there); raises on a non-JSON line."""
    try:
        with open(path) as f:
            return [json.loads(line) for line in f.read().splitlines()]
    except FileNotFoundError:
        return []


def port_events(path, port):
    return sum(1 for r in records(path)
               if r.get("event") == "bind_failed" and r.get("port") == port)


def refused_at_start(path):
    """bindsnoop -q --output path: (status, stderr lines), status None if it began tracing."""
    try:
        run = tracer.start([args.bindsnoop, "--backend", args.backend, "-q", "--output", path] +
                           NO_FOLD, stdout=subprocess.DEVNULL)
    except tracer.TracerError as e:
        return e.run.proc.returncode, e.run.stderr_text().splitlines()
    run.stop(signal.SIGTERM, 10)
    return None, run.stderr_text().splitlines()


def planted_output():
    """--output at a link or a file another user planted in a sticky dir, or a device: refused."""
    name = "planted-output"
    sticky = sticky_dir()
    try:
        target = root_file("root-owned", "root's own\n")
        link = os.path.join(sticky, "link.jsonl")
        foreign = os.path.join(sticky, "foreign.jsonl")
        plant("symlink", link, target)
        plant("file", foreign, target)
        for path, reason in ((link, "symbolic link"), (foreign, "belongs to uid 65534"),
                             ("/dev/null", "character device")):
            status, lines = refused_at_start(path)
            if status != 1 or len(lines) != 1 or f"--output {path}: it" not in lines[0] or \
                    reason not in lines[0]:
                return report(name, f"--output {path}: status {status} (expected 1 before "
                              f"tracing), stderr {lines!r} (expected one line: {reason})")
        with open(target) as f, open(foreign) as g:
            if f.read() != "root's own\n" or g.read() != "planted\n":
                return report(name, "a refused file was written to")
        report(name, None)
    finally:
        shutil.rmtree(sticky)


def planted_at_reopen(kind, port):
    """logrotate's rename, then nobody plants at the name before SIGHUP: old file kept, said."""
    name = f"planted-at-reopen-{kind}"
    sticky = sticky_dir()
    try:
        target = root_file(f"root-owned-{kind}", "root's own\n")
        path = os.path.join(sticky, "events.jsonl")
        rotated = path + ".1"
        proc, err = start(["-q", "--output", path, "--port", str(port)], None, name)
        os.rename(path, rotated)
        plant(kind, path, target)
        proc.send_signal(signal.SIGHUP)
        if not wait_for(lambda: "not reopening" in stderr_text(err), 5):
            stop(proc, signal.SIGTERM)
            return report(name, f"SIGHUP took the planted {kind} without a word; stderr "
                          f"{stderr_text(err)!r}")
        storm(port, 5)
        kept = wait_for(lambda: port_events(rotated, port) == 5, 5)
        # The planted name removed, the next SIGHUP is a clean rotation: bindsnoop creates the file.
        os.unlink(path)
        proc.send_signal(signal.SIGHUP)
        wait_for(lambda: os.path.exists(path), 5)
        storm(port, 7)
        wait_for(lambda: port_events(path, port) == 7, 5)
        took, status = stop(proc, signal.SIGTERM)
        lines = [line for line in stderr_text(err).splitlines() if not line.startswith("Tracing ")]
        reason = "symbolic link" if kind == "symlink" else "belongs to uid 65534"
        with open(target) as f:
            untouched = f.read() == "root's own\n"
        new = records(path)
        st = os.lstat(path)
        if status != 0 or not untouched or not kept or len(lines) != 1 or \
                f"not reopening --output {path}: it" not in lines[0] or reason not in lines[0]:
            return report(name, f"status {status}, root's file untouched {untouched}, 5 events in "
                          f"the old file {kept}, stderr {lines!r} (expected one line: {reason})")
        if records(rotated)[0]["event"] != "start" or not new or new[-1]["event"] != "stop" or \
                port_events(path, port) != 7 or st.st_uid != 0 or st.st_mode & 0o7777 != 0o640:
            return report(name, f"after the clean rotation: {len(new)} records, uid {st.st_uid}, "
                          f"mode {st.st_mode & 0o7777:o} (expected 7 events, a stop, root, 640)")
        report(name, None)
    finally:
        shutil.rmtree(sticky)


def closed_stdio(port):
    """stderr or stdout closed at start (2>&-, >&-): --output gets no banner, no record twice."""
    name = "closed-stdio"
    count = 20
    for closed, extra in ((2, ["-q"]), (1, ["--json"])):
        path = os.path.join(args.tmp, f"closed-{closed}.jsonl")
        proc = subprocess.Popen([args.bindsnoop, "--backend", args.backend] + NO_FOLD + extra +
                                ["--output", path, "--port", str(port)],
                                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL,
                                preexec_fn=lambda fd=closed: os.close(fd))
        try:
            # The start record is written once the programs are attached.
            if not wait_for(lambda: os.path.exists(path) and "\"start\"" in open(path).read(),
                            READY_TIMEOUT_S):
                stop(proc, signal.SIGTERM)
                return report(name, f"fd {closed} closed: no start record in {path}")
            storm(port, count)
            wait_for(lambda: port_events(path, port) >= count, 5)
        except ValueError as problem:
            stop(proc, signal.SIGKILL)
            return report(name, f"fd {closed} closed: a line of {path} is not JSON: {problem}")
        took, status = stop(proc, signal.SIGTERM)
        with open(path) as f:
            text = f.read()
        try:
            events = [json.loads(line)["event"] for line in text.splitlines()]
        except ValueError:
            return report(name, f"fd {closed} closed: {path} holds a line that is not JSON: "
                          f"{text[:300]!r}")
        found = port_events(path, port)
        if status != 0 or events.count("start") != 1 or events.count("stop") != 1 or found != count:
            return report(name, f"fd {closed} closed: status {status}, {events.count('start')} "
                          f"start, {events.count('stop')} stop, {found} events of {count}")
    report(name, None)


def early_sigterm():
    """SIGTERM 0-300 ms after spawn: the file is empty or start..stop, and the exit prompt and 0."""
    name = "early-sigterm"
    for delay_ms in (0, 5, 10, 20, 30, 40, 50, 60, 80, 100, 150, 200, 300):
        path = os.path.join(args.tmp, f"early-{delay_ms}.jsonl")
        err = tempfile.TemporaryFile(mode="w+")
        proc = subprocess.Popen([args.bindsnoop, "--backend", args.backend, "-q", "--output", path]
                                + NO_FOLD, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                stderr=err)
        time.sleep(delay_ms / 1000)
        took, status = stop(proc, signal.SIGTERM)
        events = [r["event"] for r in records(path)]
        # Before main() installs its handlers SIGTERM ends the process itself: nothing written.
        if status == -signal.SIGTERM and not events:
            continue
        whole = not events or (events[0] == "start" and events[-1] == "stop")
        if status != 0 or not whole or took > STOP_LIMIT_S:
            return report(name, f"SIGTERM {delay_ms} ms after spawn: status {status} after "
                          f"{took:.2f} s, records {events}; stderr {stderr_text(err).strip()!r}")
    report(name, None)


def start_then_failure():
    """--output F, then a stdout that refuses its start record: exit 1, F has start and stop."""
    name = "start-then-failure"
    path = os.path.join(args.tmp, "start-then-failure.jsonl")
    with open("/dev/full", "w") as full:
        run = subprocess.run([args.bindsnoop, "--backend", args.backend, "--json", "--output",
                              path] + NO_FOLD, stdout=full, stderr=subprocess.PIPE, text=True,
                             timeout=30)
    events = [r["event"] for r in records(path)]
    if run.returncode != 1 or "stdout" not in run.stderr or events != ["start", "stop"]:
        return report(name, f"status {run.returncode}, records {events} (expected 1 and "
                      f"start, stop); stderr {run.stderr.strip()!r}")
    report(name, None)


class SlowClients:
    """`count` connections to port, each sending one byte of a request every 1-4 s, never
    ending it; one the server closes is opened again at once, as an attacker would. In a
    process of its own, so that its loop does not slow the scrapes timed here."""

    # A header line that never ends: the request is never whole.
    REQUEST = b"GET /metrics HTTP/1.1\r\nHost: bindsnoop\r\nX-Slow: " + b"s" * 4000

    def __init__(self, port, count):
        context = multiprocessing.get_context("fork")
        self.port = port
        self.count = count
        self.opened = context.Value("l", 0)
        self.sending = context.Value("l", 0)  # connections that got a byte through
        self.stopping = context.Event()
        self.process = context.Process(target=self.run, daemon=True)
        self.process.start()

    def connect(self):
        sock = socket.socket()
        sock.settimeout(0.5)
        try:
            sock.connect(("127.0.0.1", self.port))
        except OSError:
            sock.close()
            return None
        sock.setblocking(False)
        self.opened.value += 1
        return sock

    def run(self):
        rng = random.Random(self.port)
        clients = {}  # socket -> [time of its next byte, bytes sent]
        while not self.stopping.is_set():
            while len(clients) < self.count:
                sock = self.connect()
                if not sock:
                    break
                clients[sock] = [time.monotonic() + rng.uniform(0, 1), 0]
            wait = min([c[0] for c in clients.values()] + [time.monotonic() + 0.05])
            ready = select.select(list(clients), [], [], max(0, wait - time.monotonic()))[0]
            for sock in ready:
                try:
                    closed = not sock.recv(65536)
                except OSError:
                    closed = True
                if closed:
                    del clients[sock]
                    sock.close()
            for sock, client in list(clients.items()):
                if client[0] > time.monotonic():
                    continue
                try:
                    sock.send(self.REQUEST[client[1]:client[1] + 1])
                except OSError:
                    del clients[sock]
                    sock.close()
                    continue
                self.sending.value += client[1] == 0
                client[1] += 1
                client[0] = time.monotonic() + rng.uniform(1, 4)

    def stop(self):
        self.stopping.set()
        self.process.join(5)
        if self.process.is_alive():
            self.process.kill()
            self.process.join()


def drip_lifetime(port, limit):
    """Seconds until the server closes a client that sends a byte every 0.5 s (limit: none)."""
    begin = time.monotonic()
    with socket.create_connection(("127.0.0.1", port), timeout=2) as sock:
        for byte in SlowClients.REQUEST[:int(limit / 0.5)]:
            if select.select([sock], [], [], 0.5)[0]:
                try:
                    if not sock.recv(65536):
                        return time.monotonic() - begin
                except OSError:
                    return time.monotonic() - begin
            try:
                sock.send(bytes([byte]))
            except OSError:
                return time.monotonic() - begin
    return None


def scrape(port, limit):
    """(seconds, problem) of one GET /metrics that must be answered within limit s."""
    begin = time.monotonic()
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=limit)
    try:
        connection.request("GET", "/metrics")
        response = connection.getresponse()
        body = response.read()
    except OSError as problem:
        return time.monotonic() - begin, f"{type(problem).__name__}: {problem}"
    finally:
        connection.close()
    took = time.monotonic() - begin
    if response.status != 200 or b"\nbindsnoop_events_received_total " not in body:
        return took, f"status {response.status}, {len(body)} bytes without the counters"
    if took > limit:
        return took, f"answered after {took:.1f} s"
    return took, None


def metrics_slow_clients(port, clients=200):
    """A client that sends a byte every 0.5 s is closed within 3 s of connecting; 200 that
    send one every 1-4 s and never end their request (more than the server's connections)
    leave scrapes answered within 2 s, ten times over ten seconds; SIGINT still stops it."""
    name = "metrics-slow-clients"
    # --port: failures that other programs of the machine make do not slow its stop.
    proc, err = start(["-q", "--port", str(port), "--metrics", f"127.0.0.1:{port}"],
                      subprocess.DEVNULL, name)
    attack, problems, slowest = None, [], 0.0
    try:
        took, problem = scrape(port, 2.0)
        if problem:
            problems.append(f"no scrape before the slow clients: {problem}")
        lasted = drip_lifetime(port, 6.0)
        if lasted is None or lasted > 3.0:
            problems.append("a client sending a byte every 0.5 s was still connected after "
                            f"{lasted or 6.0:.1f} s (deadline 2 s from connect)")
        attack = SlowClients(port, clients)
        deadline = time.monotonic() + 10
        while attack.opened.value < clients and time.monotonic() < deadline:
            time.sleep(0.05)
        for i in range(10):
            begin = time.monotonic()
            took, problem = scrape(port, 2.0)
            slowest = max(slowest, took)
            if problem:
                problems.append(f"scrape {i + 1}: {problem}")
            time.sleep(max(0, begin + 1 - time.monotonic()))
        took, status = stop(proc, signal.SIGINT)
        if status != 0 or took > STOP_LIMIT_S:
            problems.append(f"SIGINT: exit status {status} after {took:.1f} s "
                            f"(limit {STOP_LIMIT_S} s)")
    finally:
        if attack:
            attack.stop()
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    made = f"{attack.opened.value} slow connections made" if attack else "no attack"
    if problems:
        return report(name, f"{len(problems)} problems, first: {problems[0]} "
                      f"({made}; slowest scrape {slowest:.2f} s)")
    report(name, None)


def stalled_stdout_beside_file(port):
    """--json into a pipe nobody reads, beside --output FILE: the file gets every event
    while stdout stalls (stdout drops its own lines, counted); the file's stop record
    says it dropped nothing; SIGINT ends it promptly."""
    name = "stalled-stdout-beside-file"
    count = 2000
    path = os.path.join(args.tmp, "beside-stalled.jsonl")
    read_end, write_end = os.pipe()
    proc, err = start(["--json", "--output", path, "--port", str(port)], write_end, name)
    os.close(write_end)
    try:
        # Far more than a pipe holds: stdout stalls within the first few hundred lines.
        storm(port, count)
        complete = wait_for(lambda: port_events(path, port) >= count, 30)
        in_file = port_events(path, port)
        took, status = stop(proc, signal.SIGINT)
    finally:
        data = b""
        while select.select([read_end], [], [], 0)[0]:
            chunk = os.read(read_end, 1 << 20)
            if not chunk:
                break
            data += chunk
        os.close(read_end)
    records_in_file = records(path)
    stop_record = records_in_file[-1] if records_in_file else {}
    found = totals(stderr_text(err))
    printed = event_lines(data.decode(), port)
    problems = []
    if not complete:
        problems.append(f"the file had {in_file} of {count} events while stdout stalled")
    if status != 0 or took > STOP_LIMIT_S:
        problems.append(f"exit status {status} after {took:.1f} s")
    if stop_record.get("event") != "stop" or stop_record.get("dropped") != 0 or \
            stop_record.get("received", 0) < count:
        problems.append(f"the file's stop record {stop_record}")
    if port_events(path, port) != count:
        problems.append(f"{port_events(path, port)} events in the file, {count} caused")
    if found is None or found.dropped == 0 or \
            printed + found.dropped + found.unwritten != found.received:
        problems.append(f"stdout: {printed} printed; totals {found}: printed + dropped + "
                        f"unwritten must be received, stdout's drops counted")
    report(name, "; ".join(problems) if problems else None)


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
        # Hostile local users and early signals: ports 20100-20199.
        cases.append(("planted-output", planted_output, ()))
        cases.append(("planted-at-reopen", planted_at_reopen, ("symlink", 20100)))
        cases.append(("planted-at-reopen", planted_at_reopen, ("file", 20101)))
        cases.append(("closed-stdio", closed_stdio, (20102,)))
        cases.append(("early-sigterm", early_sigterm, ()))
        cases.append(("start-then-failure", start_then_failure, ()))
        cases.append(("stalled-stdout-beside-file", stalled_stdout_beside_file, (20103,)))
        # /metrics under slow clients: port 20250.
        cases.append(("metrics-slow-clients", metrics_slow_clients, (20250,)))
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
