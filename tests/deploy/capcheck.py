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

NOBODY = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]
HOLD = ("import socket,sys,time\n"
        "s=socket.socket()\n"
        "s.bind(('127.0.0.1',int(sys.argv[1])))\n"
        "s.listen()\n"
        "time.sleep(float(sys.argv[2]))\n")
CALL = ("import socket,sys,time\n"
        "s=socket.socket()\n"
        "try:\n s.bind(('127.0.0.1',int(sys.argv[1])))\nexcept OSError:\n pass\n"
        "time.sleep(1)\n")
PY = "/usr/bin/python3"


def holder_summary(events, port):
    for event in events:
        if event.get("event") == "bind_failed" and event.get("port") == port:
            holders = event.get("holders", [])
            return {"event": True, "holders": len(holders),
                    "named": any(h.get("processes") for h in holders)}
    return {"event": False, "holders": 0, "named": False}


def main():
    bindsnoop, caps, extra = sys.argv[1], sys.argv[2], sys.argv[3:]
    bounding = "-all" + "".join(f",+{c}" for c in caps.split(",") if c)
    port = random.randrange(20000, 40000, 2)
    helpers = [subprocess.Popen([PY, "-c", HOLD, str(port), "8"]),
               subprocess.Popen(NOBODY + [PY, "-c", HOLD, str(port + 1), "8"])]
    time.sleep(0.5)
    out = tempfile.TemporaryFile()
    err = tempfile.NamedTemporaryFile()
    tracer = subprocess.Popen(["setpriv", "--no-new-privs", "--inh-caps=-all",
                               f"--bounding-set={bounding}", bindsnoop, "--json",
                               "--no-kernel-holders"] + extra, stdout=out, stderr=err)
    started = False
    for _ in range(100):
        with open(err.name, encoding="utf-8", errors="replace") as f:
            if any(line.startswith("Tracing ") for line in f):
                started = True
                break
        if tracer.poll() is not None:
            break
        time.sleep(0.1)
    if started:
        # The first /proc scan has happened by now; the callers are separate processes.
        time.sleep(0.5)
        callers = [subprocess.Popen([PY, "-c", CALL, str(port)]),
                   subprocess.Popen(NOBODY + [PY, "-c", CALL, str(port + 1)])]
        for caller in callers:
            caller.wait()
        time.sleep(0.3)
        tracer.terminate()
    try:
        status = tracer.wait(timeout=10)
    except subprocess.TimeoutExpired:
        tracer.kill()
        status = tracer.wait()
    for helper in helpers:
        helper.kill()
        helper.wait()
    out.seek(0)
    events = [json.loads(line) for line in out.read().decode().splitlines() if line.startswith("{")]
    with open(err.name, encoding="utf-8", errors="replace") as f:
        stderr = "".join(line for line in f if not line.startswith("Tracing "))
    print(json.dumps({"started": started, "exit": status, "stderr": stderr.strip(),
                      "root": holder_summary(events, port),
                      "nobody": holder_summary(events, port + 1)}))


if __name__ == "__main__":
    main()
