"""The one way the Python suites run bindsnoop: start it, wait for its
"Tracing " line, stop it with a signal, read the totals it prints at stop.
tests/lib/tracer.sh does the same for the shell suites, with the same
protocol and limits:

- start: the command (bindsnoop, or a wrapper such as setpriv that execs
  it), stderr to a file; ready once a stderr line starts with "Tracing ";
  not ready when it exits first or READY_S seconds pass (checked every 50 ms);
- stop: the signal (SIGINT unless told), then the exit awaited up to STOP_S
  seconds, SIGKILL after that;
- totals: the last "bindsnoop: N events received, M lost[, R repeats folded
  into F records][, D dropped by OUTPUT]...[, U unwritten (...)]" line.

    import tracer
    run = tracer.start([bindsnoop, "--json"], stdout=out)   # TracerError if it did not trace
    ...
    seconds, status = tracer.stop(run.proc, signal.SIGINT)
    found = tracer.totals(run.stderr_text())
"""
import collections
import re
import signal
import subprocess
import tempfile
import time

READY_S = 60
STOP_S = 30
READY_LINE = "Tracing "
TOTALS_RE = re.compile(r"^bindsnoop: (\d+) events received, (\d+) lost(.*)$", re.M)

Totals = collections.namedtuple("Totals", "received lost repeats dropped unwritten")


class TracerError(RuntimeError):
    """bindsnoop did not start tracing; the message holds its stderr, run
    the stopped Run (its returncode, its stderr)."""

    def __init__(self, message, run):
        super().__init__(message)
        self.run = run


class Run:
    """A started bindsnoop: proc (subprocess.Popen) and err (its stderr file)."""

    def __init__(self, proc, err):
        self.proc = proc
        self.err = err

    def stderr_text(self):
        return stderr_text(self.err)

    def stop(self, sig=signal.SIGINT, limit=STOP_S):
        return stop(self.proc, sig, limit)


def stderr_text(err):
    """All a stderr file holds so far. A named file is read through a file
    of its own: a seek on the one the process writes to would move its
    offset too."""
    err.flush()
    if isinstance(getattr(err, "name", None), str):
        with open(err.name, "rb") as f:
            return f.read().decode("utf-8", "replace")
    err.seek(0)
    return err.read()


def is_tracing(text):
    return any(line.startswith(READY_LINE) for line in text.splitlines())


def start(argv, stdout=None, ready_s=READY_S, **popen_args):
    """argv started, stderr to a temporary file; a Run once it traces.

    Raises TracerError (bindsnoop stopped) when it exits first or ready_s
    seconds pass."""
    err = tempfile.NamedTemporaryFile(mode="w+", prefix="bindsnoop-err.")
    popen_args.setdefault("stdin", subprocess.DEVNULL)
    proc = subprocess.Popen(argv, stdout=stdout, stderr=err, **popen_args)
    if not wait_ready(proc, lambda: stderr_text(err), ready_s):
        stop(proc, signal.SIGKILL)
        raise TracerError(f"{argv[0]} did not start tracing "
                          f"(status {proc.returncode}): {stderr_text(err).strip()}",
                          Run(proc, err))
    return Run(proc, err)


def wait_ready(proc, read_stderr, ready_s=READY_S):
    """For a bindsnoop a suite started its own way: True once read_stderr()
    holds the "Tracing " line, False when proc exits first or ready_s pass."""
    deadline = time.monotonic() + ready_s
    while not is_tracing(read_stderr()):
        if proc.poll() is not None or time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def stop(proc, sig=signal.SIGINT, limit=STOP_S):
    """Send sig, wait for the exit; (seconds until it, returncode), returncode
    None if it had to be killed after limit seconds."""
    begin = time.monotonic()
    if proc.poll() is None:
        proc.send_signal(sig)
    try:
        proc.wait(timeout=limit)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
        return float(limit), None
    return time.monotonic() - begin, proc.returncode


def totals(text):
    """The last totals line of a stderr text as Totals, or None."""
    found = None
    for match in TOTALS_RE.finditer(text):
        found = match
    if not found:
        return None
    rest = found.group(3)
    repeats = re.search(r", (\d+) repeats folded into", rest)
    return Totals(int(found.group(1)), int(found.group(2)),
                  int(repeats.group(1)) if repeats else 0,
                  sum(int(n) for n in re.findall(r"(\d+) dropped by", rest)),
                  sum(int(n) for n in re.findall(r"(\d+) unwritten", rest)))
