#!/usr/bin/python3
# Runs bindsnoop as root's uid with only the given capabilities (the way
# systemd runs the unit: bounding set, no_new_privs), makes two conflicts
# whose holders are separate processes, one root's and one of user nobody,
# and prints what bindsnoop could say about them, as JSON:
#   {"started": bool, "exit": N, "stderr": "...",
#    "root": {"event": bool, "holders": N, "named": bool}, "nobody": {...}}
# usage: capcheck.py BINDSNOOP CAPS [BINDSNOOP-ARGS...]
#   CAPS: comma-separated setpriv names (bpf,perfmon,...), or "" for none.
# --no-kernel-holders is added so that the holders' processes can only come
# from /proc (the kernel walk also knows a socket's owner).
import json
import os
import random
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import tracer as tracer_lib  # noqa: E402 (tests/lib)

NOBODY = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]
HOLD = ("import socket,sys,time\n"
        "s=socket.socket()\n"
        "s.bind(('127.0.0.1',int(sys.argv[1])))\n"
        "s.listen()\n"
        "time.sleep(float(sys.argv[2]))\n")
# A caller exits the moment its bind fails, as real second instances do.
CALL = ("import socket,sys\n"
        "s=socket.socket()\n"
        "try:\n s.bind(('127.0.0.1',int(sys.argv[1])))\nexcept OSError:\n pass\n")
PY = "/usr/bin/python3"


# A holder bound just before a report can be named only once a /proc scan has
# seen its socket (a miss starts one, sliced over the next reports), so a
# caller fails again until a report names the holder, at most ATTEMPTS times.
ATTEMPTS = 12
EVENT_WAIT_S = 10


def summary(event):
    if event is None:
        return {"event": False, "holders": 0, "named": False}
    holders = event.get("holders", [])
    return {"event": True, "holders": len(holders),
            "named": any(h.get("processes") for h in holders)}


def read_events(out):
    out.seek(0)
    return [json.loads(line) for line in out.read().decode().splitlines()
            if line.startswith("{")]


def report_of(out, caller_pid, port, tracer):
    """The report of caller_pid's failure on port, once it is written (None: never)."""
    deadline = time.monotonic() + EVENT_WAIT_S
    while time.monotonic() < deadline and tracer.poll() is None:
        for event in read_events(out):
            if (event.get("event") == "bind_failed" and event.get("port") == port
                    and event.get("caller", {}).get("pid") == caller_pid):
                return event
        time.sleep(0.05)
    return None


def fail_until_named(out, prefix, port, tracer):
    """Summary of the last report of a caller failing on port (named, or ATTEMPTS tried)."""
    event = None
    for _ in range(ATTEMPTS):
        caller = subprocess.Popen(prefix + [PY, "-c", CALL, str(port)])
        caller.wait()
        event = report_of(out, caller.pid, port, tracer) or event
        if summary(event)["named"] or tracer.poll() is not None:
            break
    return summary(event)


def wait_listening(port):
    """Until 127.0.0.1:port listens (read off /proc/net/tcp: a probe connection would add a socket)."""
    local = "0100007F:%04X" % port
    deadline = time.monotonic() + EVENT_WAIT_S
    while time.monotonic() < deadline:
        with open("/proc/net/tcp", encoding="ascii") as f:
            if any(line.split()[1:2] == [local] and line.split()[3] == "0A" for line in f):
                return
        time.sleep(0.05)


def main():
    bindsnoop, caps, extra = sys.argv[1], sys.argv[2], sys.argv[3:]
    bounding = "-all" + "".join(f",+{c}" for c in caps.split(",") if c)
    port = random.randrange(20000, 40000, 2)
    helpers = [subprocess.Popen([PY, "-c", HOLD, str(port), "600"]),
               subprocess.Popen(NOBODY + [PY, "-c", HOLD, str(port + 1), "600"])]
    for holder_port in (port, port + 1):
        wait_listening(holder_port)
    out = tempfile.TemporaryFile()
    err = tempfile.NamedTemporaryFile()
    tracer = subprocess.Popen(["setpriv", "--no-new-privs", "--inh-caps=-all",
                               f"--bounding-set={bounding}", bindsnoop, "--json",
                               "--no-kernel-holders"] + extra, stdout=out, stderr=err)
    started = tracer_lib.wait_ready(tracer, lambda: tracer_lib.stderr_text(err))
    results = {"root": summary(None), "nobody": summary(None)}
    if started:
        results = {"root": fail_until_named(out, [], port, tracer),
                   "nobody": fail_until_named(out, NOBODY, port + 1, tracer)}
        tracer.terminate()
    try:
        status = tracer.wait(timeout=10)
    except subprocess.TimeoutExpired:
        tracer.kill()
        status = tracer.wait()
    for helper in helpers:
        helper.kill()
        helper.wait()
    stderr = "".join(line for line in tracer_lib.stderr_text(err).splitlines(True)
                     if not line.startswith(tracer_lib.READY_LINE))
    print(json.dumps({"started": started, "exit": status, "stderr": stderr.strip(),
                      **results}))


if __name__ == "__main__":
    main()
