#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""Soak: one bindsnoop for a long run of mixed load, its memory and fds watched.

bindsnoop runs with --json (stdout read by a reader), --output FILE and
--syslog to a unix socket "collector" of our own. For --minutes (default
10), round after round: a storm of failed binds, a crowd of short-lived
callers (each a new process, so a new /proc lookup and cache entry), a log
rotation (rename + SIGHUP) and, every few rounds, the collector restarted
(socket removed and bound again). Every 5 s it samples bindsnoop's RSS and
open fd count. It fails if either grows: the last minute against the first
minute after warm-up (RSS by more than 10% + 4 MiB, fds by more than 2), if
bindsnoop dies, or if a line of --output is not JSON.

    tests/soak/soak.py --bindsnoop ./bindsnoop --storm build/tests/bind-storm

Ends with "soak: N passed, N failed" and the figures. Ports 21000-21099.
"""
import argparse
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time

SAMPLE_S = 5
WARMUP_S = 60


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def fd_count(pid):
    return len(os.listdir(f"/proc/{pid}/fd"))


class Collector:
    """A syslog collector on a unix datagram socket, restartable."""

    def __init__(self, path):
        self.path = path
        self.received = 0
        self.sock = None
        self.lock = threading.Lock()
        self.start()
        threading.Thread(target=self.run, daemon=True).start()

    def start(self):
        if os.path.exists(self.path):
            os.unlink(self.path)
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        sock.bind(self.path)
        sock.settimeout(0.2)
        with self.lock:
            self.sock = sock

    def restart(self):
        with self.lock:
            old, self.sock = self.sock, None
        old.close()
        time.sleep(0.5)  # down for a while: bindsnoop queues and retries
        self.start()

    def run(self):
        while True:
            with self.lock:
                sock = self.sock
            if sock is None:
                time.sleep(0.05)
                continue
            try:
                sock.recv(65536)
                self.received += 1
            except (socket.timeout, OSError):
                pass


def drain(stream, counter):
    for _ in iter(lambda: stream.readline(), b""):
        counter[0] += 1


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--bindsnoop", default="./bindsnoop")
    parser.add_argument("--storm", default="build/tests/bind-storm")
    parser.add_argument("--minutes", type=float, default=10)
    parser.add_argument("--storm-count", type=int, default=20000)
    args = parser.parse_args()
    tmp = tempfile.mkdtemp(prefix="bindsnoop-soak.")
    output = os.path.join(tmp, "events.jsonl")
    collector = Collector(os.path.join(tmp, "log"))
    err = open(os.path.join(tmp, "stderr"), "w+")
    # --no-fold: the soak is a storm of records, one per failure.
    proc = subprocess.Popen([args.bindsnoop, "--json", "--no-fold", "--output", output,
                             f"--syslog={collector.path}"],
                            stdout=subprocess.PIPE, stderr=err)
    lines = [0]
    threading.Thread(target=drain, args=(proc.stdout, lines), daemon=True).start()
    time.sleep(3)
    begin = time.monotonic()
    end = begin + args.minutes * 60
    samples = []  # (seconds since begin, rss KiB, fds)
    next_sample = begin
    rounds = storms = callers = rotations = restarts = 0
    problems = []
    port = 21000
    while time.monotonic() < end and proc.poll() is None:
        rounds += 1
        subprocess.run([args.storm, "--count", str(args.storm_count), "--port", str(port)],
                       stdout=subprocess.DEVNULL, check=False)
        storms += 1
        # Short-lived callers: each a new process with a failed bind.
        for _ in range(20):
            subprocess.run([args.storm, "--count", "1", "--port", str(port + 1)],
                           stdout=subprocess.DEVNULL, check=False)
            callers += 1
        if rounds % 3 == 0:  # logrotate: rename, SIGHUP, the old file goes
            rotated = output + ".1"
            os.rename(output, rotated)
            proc.send_signal(signal.SIGHUP)
            time.sleep(0.2)
            try:
                with open(rotated) as f:
                    for line in f:
                        json.loads(line)
            except ValueError as problem:
                problems.append(f"rotated file has a line that is not JSON: {problem}")
            os.unlink(rotated)
            rotations += 1
        if rounds % 10 == 0:
            collector.restart()
            restarts += 1
        now = time.monotonic()
        if now >= next_sample:
            samples.append((now - begin, rss_kib(proc.pid), fd_count(proc.pid)))
            next_sample = now + SAMPLE_S
        port = 21000 + (port - 21000 + 2) % 100
        time.sleep(0.5)
    alive = proc.poll() is None
    if alive:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=10)
    else:
        problems.append(f"bindsnoop ended early with status {proc.returncode}")
    err.seek(0)
    stderr_text = err.read()
    early = [s for s in samples if WARMUP_S <= s[0] < WARMUP_S + 60]
    late = [s for s in samples if s[0] >= samples[-1][0] - 60] if samples else []
    if not early or not late:
        problems.append("too short to compare (needs more than 2 minutes)")
    else:
        rss_early = statistics.median(s[1] for s in early)
        rss_late = statistics.median(s[1] for s in late)
        fds_early = max(s[2] for s in early)
        fds_late = max(s[2] for s in late)
        print(f"soak: {args.minutes:g} min, {rounds} rounds, {storms} storms of "
              f"{args.storm_count}, {callers} short-lived callers, {rotations} rotations, "
              f"{restarts} collector restarts; {lines[0]} stdout lines, "
              f"{collector.received} syslog messages")
        print(f"soak: RSS {rss_early} KiB after warm-up, {rss_late} KiB at the end "
              f"(min {min(s[1] for s in samples)}, max {max(s[1] for s in samples)}); "
              f"fds {fds_early} -> {fds_late}; {len(samples)} samples")
        if rss_late > rss_early * 1.10 + 4096:
            problems.append(f"RSS grew from {rss_early} to {rss_late} KiB")
        if fds_late > fds_early + 2:
            problems.append(f"open fds grew from {fds_early} to {fds_late}")
    print("soak: bindsnoop's stderr, last lines:", *stderr_text.strip().splitlines()[-3:],
          sep="\n  ")
    for problem in problems:
        print(f"FAIL soak: {problem}")
    if not problems:
        print("ok   soak")
    print(f"soak: {0 if problems else 1} passed, {len(problems)} failed")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
