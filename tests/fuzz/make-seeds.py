#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""Write the hand-made seed inputs of tests/fuzz/corpus/ (run from the repo root).

The seeds give each fuzz target a start on the shapes it parses: real
argument vectors, /proc files as the kernel writes them, a sock_diag dump
reply, hostile process names. libFuzzer grows the rest.
"""
import os
import struct

CORPUS = "tests/fuzz/corpus"


def seed(target, name, data):
    path = os.path.join(CORPUS, target)
    os.makedirs(path, exist_ok=True)
    with open(os.path.join(path, "seed-" + name), "wb") as f:
        f.write(data)


def argv(*args):
    return b"\0".join(a.encode() for a in args)


seed("options", "filters", argv("--port", "80,443,3000-3100", "-P", "1,2", "-u", "root,1000",
                                 "-c", "node,python3", "-e", "EADDRINUSE,13", "-a"))
seed("options", "outputs", argv("--json", "--output", "/tmp/x", "--syslog=tcp://192.0.2.1:514",
                                 "--syslog-facility", "local3", "--syslog-queue-mb", "4", "-q"))
seed("options", "tracing", argv("-b", "tracepoint", "--no-proc-lookup", "--no-kernel-holders",
                                 "--ring-buffer-mb", "64", "--poll-ms", "100", "-w", "-v"))
seed("options", "mistakes", argv("--port", "70000,", "--errno", "eaddrinuse", "--comm", "",
                                  "--syslog=udp://[::1]:99999", "extra"))

# fuzz_proc: byte 0 picks the parser (0 stat, 1 cgroup, 2 cmdline, 3 fd link), byte 1 a size.
stat = (b"4242 (my (odd) name) S 1 4242 4242 0 -1 4194560 100 0 0 0 1 2 0 0 20 0 1 0 "
        b"123456 1000000 200 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0\n")
seed("proc", "stat", b"\0\0" + stat)
seed("proc", "stat-cut", b"\0\0" + stat[:40])
seed("proc", "cgroup-hybrid", b"\1\0" + b"12:memory:/user.slice\n1:name=systemd:/user.slice/"
     b"session-1.scope\n0::/user.slice/session-1.scope\n")
seed("proc", "cgroup-v1", b"\1\0" + b"3:cpu:/docker/abc\n")
seed("proc", "cmdline", b"\2\x10" + b"python3\0-m\0http.server\0\xc3\xa9\xe2\x82\xac\0\0")
seed("proc", "link", b"\3\0" + b"socket:[123456789]")
seed("proc", "link-pipe", b"\3\0" + b"pipe:[42]")

# fuzz_sockdiag: sequence (4 bytes, big-endian), port (2), then netlink replies.
SOCK_DIAG_BY_FAMILY, NLMSG_DONE, NLMSG_ERROR = 20, 3, 2


def nlmsg(kind, seq, payload):
    length = 16 + len(payload)
    pad = (4 - length % 4) % 4
    return struct.pack("=IHHII", length, kind, 2, seq, 0) + payload + b"\0" * pad


def inet_diag(family, port, state, inode, attrs=b""):
    sockid = struct.pack("!HH", port, 0) + bytes(16) + bytes(16) + struct.pack("=I", 0) + bytes(8)
    head = struct.pack("=BBBB", family, state, 0, 0) + sockid
    tail = struct.pack("=IIIII", 0, 0, 0, 1000, inode)
    return head + tail + attrs


v6only = struct.pack("=HH", 5, 5) + b"\1" + b"\0" * 3  # INET_DIAG_SKV6ONLY
dump = (nlmsg(SOCK_DIAG_BY_FAMILY, 7, inet_diag(2, 3000, 10, 111)) +
        nlmsg(SOCK_DIAG_BY_FAMILY, 7, inet_diag(10, 3000, 10, 222, v6only)) +
        nlmsg(SOCK_DIAG_BY_FAMILY, 6, inet_diag(2, 3000, 10, 333)) +
        nlmsg(NLMSG_DONE, 7, struct.pack("=i", 0)))
seed("sockdiag", "dump", struct.pack("!IH", 7, 3000) + dump)
seed("sockdiag", "error", struct.pack("!IH", 7, 3000) +
     nlmsg(NLMSG_ERROR, 7, struct.pack("=i", -13) + bytes(16)))
seed("sockdiag", "truncated", struct.pack("!IH", 7, 3000) + dump[:70])

# Report targets read numbers and length-prefixed strings: names worth trying.
names = [b"node", b"lt\"h\\\x1b\xfe\xe2\x82\xac\xf0\x9f", b"\xff\xfe", b"\xc2\x9b2J\xe2\x80\xae",
         b"a]b\"c\\\n"]
for target in ("json_event", "syslog"):
    for i, name in enumerate(names):
        body = bytes(range(40)) + struct.pack("!H", len(name)) + name
        body += b"\1" + struct.pack("!H", 20) + b"python3 -m \xff\xfe x \x00"
        seed(target, f"name{i}", body)
for i, name in enumerate(names):
    seed("text_sanitize", f"name{i}", name)
seed("text_sanitize", "bidi", "a\u202eb\u2066c\u2069\u061c\u200f\u2028 é € 😀".encode())
