#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""bindsnoop's --output and --syslog against real collectors.

Started by tests/collectors/run.sh (which installs rsyslog, syslog-ng and
python3-jsonschema). Every scenario runs the real ./bindsnoop, makes real
bind conflicts on 127.0.0.1, and reads what a real rsyslog or syslog-ng
(configured here, on ports of our own) made of the messages:

  rsyslog-unix / -udp / -tcp, syslog-ng-unix / -unix-stream / -udp / -tcp
      one TCP conflict, one UDP conflict and one caller with a hostile name;
      each event arrives whole (the message is the JSON line bindsnoop wrote
      on stdout or to --output, byte for byte), the collector parsed the
      header (app-name, severity, msgid, procid), the structured data and
      the JSON; start and stop records arrive too. rsyslog-tcp runs the
      table on stdout, --output and --syslog at once.
  rsyslog-burst, syslog-ng-burst
      10,000 failed binds over TCP arrive complete.
  rsyslog-restart
      the collector stops and starts again mid-run: every event is either
      delivered or counted as dropped (and the counts agree).
  slow-collector
      a TCP collector that accepts and never reads: tracing goes on, the
      drops are counted.
  logrotate
      --output renamed away and SIGHUP, twice, while conflicts go on: every
      event is in exactly one of the files, the new file has mode 0640.
  schema
      every line bindsnoop wrote on stdout or to a file, and every message a
      collector received, validates against schema/bindsnoop-event-v2.

Prints one line per check ("ok   NAME" or "FAIL NAME: why") and at the end
"collectors: N passed, N failed". Exit status 1 if anything failed.
"""
import argparse
import base64
import json
import os
import signal
import socket
import stat
import subprocess
import sys
import tempfile
import threading
import time

# The schema checks are the live suite's too: one validator (tests/lib).
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from validate_events import bad_lines, line_problem, load_validator  # noqa: E402
import tracer as tracer_lib  # noqa: E402

PORT_RSYSLOG_TCP = 39601
PORT_RSYSLOG_UDP = 39602
PORT_SLOW_TCP = 39605
PORT_SYSLOG_NG_TCP = 39611
PORT_SYSLOG_NG_UDP = 39612
CONFLICT_PORTS = iter(range(39620, 39700))
SD_ID = "bindsnoop@32473"
# A caller name that tries everything: quote, backslash, ']' (SD), ESC, a non-UTF-8 byte.
HOSTILE_COMM = b'ct"\\]\x1b\xff'

# ---- reporting ----

passed = 0
failed = 0
verbose = False


def check(name, ok, detail=""):
    global passed, failed
    if ok:
        passed += 1
        print(f"ok   {name}" + (f" ({detail})" if detail and verbose else ""), flush=True)
    else:
        failed += 1
        print(f"FAIL {name}: {detail}", flush=True)
    return ok


def note(text):
    print(f"     {text}", flush=True)


def wait_for(predicate, timeout, step=0.05):
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(step)


def port_free(port, kind):
    """Free for a listener: collectors set SO_REUSEADDR, so TIME_WAIT left by an earlier run is no obstacle."""
    s = socket.socket(socket.AF_INET, kind)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        s.bind(("127.0.0.1", port))
        return True
    except OSError:
        return False
    finally:
        s.close()


def next_port():
    for port in CONFLICT_PORTS:
        if port_free(port, socket.SOCK_STREAM) and port_free(port, socket.SOCK_DGRAM):
            return port
    raise RuntimeError("no free port left in 39620-39699")


# ---- processes we start (and stop, by their own pid) ----

started = []


def spawn(argv, name, workdir, env=None):
    out = open(os.path.join(workdir, name + ".out"), "wb")
    err = open(os.path.join(workdir, name + ".err"), "wb")
    proc = subprocess.Popen(argv, stdout=out, stderr=err, stdin=subprocess.DEVNULL, env=env)
    proc.out_path, proc.err_path = out.name, err.name
    out.close()
    err.close()
    started.append(proc)
    return proc


def stop_process(proc, sig=signal.SIGTERM, timeout=15):
    if proc.poll() is None:
        proc.send_signal(sig)
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    if proc in started:
        started.remove(proc)
    return proc.returncode


def stop_everything():
    for proc in list(started):
        stop_process(proc, signal.SIGKILL, 5)


def read_text(path):
    try:
        with open(path, "rb") as f:
            return f.read().decode("utf-8", "replace")
    except FileNotFoundError:
        return ""


# ---- bindsnoop ----


class Tracer:
    def __init__(self, args, name, workdir):
        self.name = name
        # --no-fold: a storm must reach the collectors as one message per failure.
        self.proc = spawn([ARGS.bindsnoop, "--no-fold"] + args, name, workdir)
        if not tracer_lib.wait_ready(self.proc, lambda: read_text(self.proc.err_path)):
            raise RuntimeError(f"{name}: bindsnoop did not start: {read_text(self.proc.err_path)}")
        self.pid = self.proc.pid

    def stop(self):
        status = stop_process(self.proc, signal.SIGINT, 30)
        self.status = status
        self.stdout = read_text(self.proc.out_path)
        self.stderr = read_text(self.proc.err_path)
        return status

    def stderr_now(self):
        return read_text(self.proc.err_path)


def json_lines(text):
    """Every line as a dict; lines that do not parse as (None, line)."""
    result = []
    for line in text.splitlines():
        try:
            result.append((json.loads(line), line))
        except ValueError:
            result.append((None, line))
    return result


# ---- conflict makers ----

CONFLICT_SCRIPT = r"""
import ctypes, json, os, socket, sys, time
proto, port, comm = sys.argv[1], int(sys.argv[2]), bytes.fromhex(sys.argv[3])
libc = ctypes.CDLL(None, use_errno=True)
def set_comm(name):
    libc.prctl(15, ctypes.c_char_p(name), 0, 0, 0)   # PR_SET_NAME
kind = socket.SOCK_STREAM if proto == "tcp" else socket.SOCK_DGRAM
set_comm(b"ct-holder")
holder = socket.socket(socket.AF_INET, kind)
holder.bind(("127.0.0.1", port))
if proto == "tcp":
    holder.listen(8)
r, w = os.pipe()
pid = os.fork()
if pid == 0:
    set_comm(comm)
    caller = socket.socket(socket.AF_INET, kind)
    try:
        caller.bind(("127.0.0.1", port))
        err = 0
    except OSError as e:
        err = e.errno
    os.write(w, str(err).encode())
    time.sleep(0.4)     # alive while bindsnoop reads its command line
    os._exit(0)
err = int(os.read(r, 16))
os.waitpid(pid, 0)
print(json.dumps({"holder_pid": os.getpid(), "caller_pid": pid, "errno": err}))
"""


def make_conflict(proto, port, comm=b"ct-caller"):
    out = subprocess.run(["/usr/bin/python3", "-c", CONFLICT_SCRIPT, proto, str(port), comm.hex()],
                         capture_output=True, timeout=20, check=True)
    conflict = json.loads(out.stdout)
    conflict.update(proto=proto, port=port, comm=comm)
    if conflict["errno"] != 98:
        raise RuntimeError(f"the {proto} conflict on {port} was not real: errno {conflict['errno']}")
    return conflict


# COLLECTORS_STORM_THREADS=N runs each storm on N threads at once: the same
# failures, up to N times as fast (issue 17's proof that nothing here
# depends on the machine's speed).
STORM_THREADS = max(1, int(os.environ.get("COLLECTORS_STORM_THREADS", "1")))


def bind_storm(count, port):
    out = subprocess.run([ARGS.bind_storm, "--count", str(count), "--port", str(port),
                          "--threads", str(STORM_THREADS)],
                         capture_output=True, timeout=120, text=True)
    if out.returncode:
        raise RuntimeError(f"bind-storm failed: {out.stderr}")
    return out.stdout.strip()


def sd_sanitized(raw):
    """What bindsnoop puts in an SD-PARAM (before RFC 5424 escaping): control and non-UTF-8 bytes as '?'."""
    text = ""
    i = 0
    while i < len(raw):
        for length in (4, 3, 2, 1):
            chunk = raw[i:i + length]
            try:
                decoded = chunk.decode("utf-8")
            except UnicodeDecodeError:
                continue
            if len(decoded) == 1:
                break
        else:
            text += "?"
            i += 1
            continue
        if ord(decoded) < 0x20 or ord(decoded) == 0x7f:
            decoded = "?"
        text += decoded
        i += len(chunk)
    return text


# ---- collectors ----


class Rsyslog:
    """One rsyslogd with a unix socket, UDP and TCP input, writing what it parsed as JSON."""

    name = "rsyslog"
    tcp_port = PORT_RSYSLOG_TCP
    udp_port = PORT_RSYSLOG_UDP

    def __init__(self, workdir):
        self.dir = os.path.join(workdir, "rsyslog")
        os.makedirs(self.dir, exist_ok=True)
        self.socket = os.path.join(self.dir, "log.sock")
        self.output = os.path.join(self.dir, "received.jsonl")
        self.conf = os.path.join(self.dir, "rsyslog.conf")
        with open(self.conf, "w") as f:
            f.write(f"""
global(workDirectory="{self.dir}" maxMessageSize="64k")
module(load="imuxsock" sysSock.use="off")
module(load="imudp")
module(load="imtcp")
module(load="mmpstrucdata")
module(load="mmjsonparse")
# imuxsock's default parser only knows the traditional format: RFC 5424 needs these two.
input(type="imuxsock" socket="{self.socket}" useSpecialParser="off" parseHostname="on"
      ruleset="bindsnoop")
input(type="imudp" address="127.0.0.1" port="{self.udp_port}" ruleset="bindsnoop")
input(type="imtcp" address="127.0.0.1" port="{self.tcp_port}" ruleset="bindsnoop")
template(name="parsed" type="list") {{ property(name="$!all-json") constant(value="\\n") }}
ruleset(name="bindsnoop") {{
  set $!app = $app-name;
  set $!severity = $syslogseverity;
  set $!facility = $syslogfacility;
  set $!msgid = $msgid;
  set $!host = $hostname;
  set $!procid = $procid;
  set $!msg = $msg;
  action(type="mmpstrucdata")
  action(type="mmjsonparse" cookie="" container="!parsed")
  action(type="omfile" file="{self.output}" template="parsed")
}}
""")
        self.proc = None

    def start(self):
        pidfile = os.path.join(self.dir, "rsyslogd.pid")
        if os.path.exists(pidfile):
            os.unlink(pidfile)
        self.proc = spawn(["rsyslogd", "-n", "-f", self.conf, "-i", pidfile], "rsyslogd", self.dir)
        if not wait_for(lambda: not port_free(self.tcp_port, socket.SOCK_STREAM)
                        and os.path.exists(self.socket), 15):
            raise RuntimeError(f"rsyslogd did not start: {read_text(self.proc.err_path)}")
        time.sleep(0.2)

    def stop(self):
        if self.proc:
            stop_process(self.proc)
            self.proc = None

    def targets(self):
        return {"unix": self.socket, "udp": f"udp://127.0.0.1:{self.udp_port}",
                "tcp": f"tcp://127.0.0.1:{self.tcp_port}"}

    def records(self):
        """Normalised: app, severity, facility, msgid, procid, host, sd, msg, parsed (the collector's JSON parse)."""
        result = []
        for record, line in json_lines(read_text(self.output)):
            if record is None:
                result.append({"unparsed": line})
                continue
            result.append({
                "app": record.get("app"), "severity": int(record.get("severity", -1)),
                "facility": int(record.get("facility", -1)), "msgid": record.get("msgid"),
                "procid": record.get("procid"), "host": record.get("host"),
                "sd": record.get("rfc5424-sd", {}).get(SD_ID, {}),
                "msg": record.get("msg"), "parsed": record.get("parsed"),
            })
        return result

    def parsed_matches(self, record, event):
        """rsyslog's mmjsonparse gives the whole event back, numbers and all."""
        return record["parsed"] == event


class SyslogNg:
    """syslog-ng from Debian's package, unpacked (it conflicts with rsyslog's)."""

    name = "syslog-ng"
    tcp_port = PORT_SYSLOG_NG_TCP
    udp_port = PORT_SYSLOG_NG_UDP

    def __init__(self, workdir):
        self.dir = os.path.join(workdir, "syslog-ng")
        os.makedirs(self.dir, exist_ok=True)
        self.socket = os.path.join(self.dir, "log.sock")
        self.stream_socket = os.path.join(self.dir, "stream.sock")
        self.output = os.path.join(self.dir, "received.jsonl")
        self.conf = os.path.join(self.dir, "syslog-ng.conf")
        keys = " ".join(f"--key .json.{k}" for k in ("event", "error", "port", "caller.pid", "caller.comm"))
        with open(self.conf, "w") as f:
            f.write(f"""@version: {ARGS.syslog_ng_version}
options {{ keep-hostname(yes); chain-hostnames(no); log-msg-size(65536); }};
# syslog() speaks RFC 5424 with RFC 6587 octet counting; the unix socket needs the flag.
source s_bindsnoop {{
  unix-dgram("{self.socket}" flags(syslog-protocol));
  unix-stream("{self.stream_socket}" flags(syslog-protocol));
  syslog(ip(127.0.0.1) port({self.udp_port}) transport("udp"));
  syslog(ip(127.0.0.1) port({self.tcp_port}) transport("tcp") max-connections(10));
}};
parser p_json {{ json-parser(prefix(".json.")); }};
destination d_file {{
  file("{self.output}" template("$(format-json --key .SDATA.* {keys} app=${{PROGRAM}} severity=${{LEVEL_NUM}} facility=${{FACILITY_NUM}} msgid=${{MSGID}} procid=${{PID}} host=${{HOST}} msg=${{MSG}})\\n"));
}};
log {{ source(s_bindsnoop); parser(p_json); destination(d_file); }};
""")
        self.proc = None

    def start(self):
        root = ARGS.syslog_ng
        env = dict(os.environ, LD_LIBRARY_PATH=os.path.join(root, "usr/lib/syslog-ng"))
        self.proc = spawn([os.path.join(root, "usr/sbin/syslog-ng"), "-F", "-f", self.conf,
                           "--module-path", os.path.join(root, "usr/lib/syslog-ng", ARGS.syslog_ng_version),
                           "--persist-file", os.path.join(self.dir, "persist"),
                           "--pidfile", os.path.join(self.dir, "pid"),
                           "--control", os.path.join(self.dir, "ctl")], "syslog-ng", self.dir, env)
        if not wait_for(lambda: not port_free(self.tcp_port, socket.SOCK_STREAM)
                        and os.path.exists(self.socket), 15):
            raise RuntimeError(f"syslog-ng did not start: {read_text(self.proc.err_path)}")
        time.sleep(0.2)

    def stop(self):
        if self.proc:
            stop_process(self.proc)
            self.proc = None

    def targets(self):
        return {"unix": self.socket, "unix-stream": self.stream_socket,
                "udp": f"udp://127.0.0.1:{self.udp_port}", "tcp": f"tcp://127.0.0.1:{self.tcp_port}"}

    def records(self):
        result = []
        for record, line in json_lines(read_text(self.output)):
            if record is None:
                result.append({"unparsed": line})
                continue
            result.append({
                "app": record.get("app"), "severity": int(record.get("severity", -1)),
                "facility": int(record.get("facility", -1)), "msgid": record.get("msgid"),
                "procid": record.get("procid"), "host": record.get("host"),
                "sd": record.get("_SDATA", {}).get(SD_ID, {}),
                "msg": record.get("msg"), "parsed": record.get("_json", {}),
            })
        return result

    def parsed_matches(self, record, event):
        """syslog-ng's json-parser: name-value pairs (strings), checked on a few keys."""
        parsed = record["parsed"]
        caller = parsed.get("caller", {})
        return (parsed.get("event") == event["event"] and parsed.get("error") == event["error"]
                and parsed.get("port") == str(event["port"])
                and caller.get("pid") == str(event["caller"]["pid"])
                and caller.get("comm") == event["caller"]["comm"])


# ---- the schema ----

validator = None
validated = {"stdout": [0, []], "collector": [0, []]}


def validate(kind, event, line):
    errors = list(validator.iter_errors(event)) if event is not None else ["does not parse"]
    validated[kind][0] += 1
    if errors:
        validated[kind][1].append(f"{line[:160]}: {str(errors[0])[:200]}")


def validate_lines(kind, text):
    for event, line in json_lines(text):
        validate(kind, event, line)


# ---- scenarios ----


def event_of(lines, conflict):
    for event, _ in lines:
        if (event and event.get("event") == "bind_failed" and event["port"] == conflict["port"]
                and event["caller"]["pid"] == conflict["caller_pid"]):
            return event
    return None


def record_of(records, conflict):
    for record in records:
        try:
            event = json.loads(record.get("msg") or "")
        except ValueError:
            continue
        if (event.get("event") == "bind_failed" and event.get("port") == conflict["port"]
                and event["caller"]["pid"] == conflict["caller_pid"]):
            return record, event
    return None, None


def check_event_delivery(name, collector, records, reference_lines, conflict, tracer_pid, facility):
    reference = event_of(reference_lines, conflict)
    if not check(f"{name}-reported", reference is not None,
                 f"no bind_failed for pid {conflict['caller_pid']} port {conflict['port']} "
                 f"in bindsnoop's own JSON"):
        return
    record, event = wait_for(lambda: record_of(collector.records(), conflict)[0] and
                             record_of(collector.records(), conflict), 10) or (None, None)
    if not check(f"{name}-arrived", record is not None,
                 f"{collector.name} has no message for pid {conflict['caller_pid']} "
                 f"port {conflict['port']}"):
        return
    problems = []
    if event != reference:
        problems.append(f"message JSON differs from bindsnoop's line: {record['msg'][:300]}")
    if not collector.parsed_matches(record, reference):
        problems.append(f"{collector.name}'s JSON parse differs: {str(record['parsed'])[:300]}")
    for key, want in (("app", "bindsnoop"), ("severity", 4), ("facility", facility),
                      ("msgid", "bind_failed"), ("procid", str(tracer_pid))):
        if record[key] != want:
            problems.append(f"{key}: {record[key]!r}, expected {want!r}")
    holder = reference["holders"][0]["processes"][0] if reference["holders"] and \
        reference["holders"][0]["processes"] else None
    want_sd = {"seq": str(reference["seq"]), "event": "bind_failed", "error": "EADDRINUSE",
               "proto": conflict["proto"],
               "addr": "127.0.0.1", "port": str(conflict["port"]),
               "pid": str(conflict["caller_pid"]), "uid": "0", "comm": sd_sanitized(conflict["comm"])}
    if holder:
        want_sd.update(holder_pid=str(holder["pid"]), holder_comm=holder["comm"])
    if record["sd"] != want_sd:
        problems.append(f"structured data {record['sd']}, expected {want_sd}")
    # bindsnoop itself: caller and holder as made. Our names are ASCII plus
    # bytes that are not UTF-8, which JSON shows as U+FFFD, the exact bytes
    # in comm_raw (base64), through the collector's parse too.
    raw = bytes(conflict["comm"])
    # One U+FFFD per byte that is not UTF-8 (surrogateescape maps each alone).
    expected_comm = "".join("\ufffd" if "\udc80" <= c <= "\udcff" else c
                            for c in raw.decode("utf-8", "surrogateescape"))
    if reference["caller"]["comm"] != expected_comm:
        problems.append(f"caller.comm {reference['caller']['comm']!r}, expected {expected_comm!r}")
    try:
        utf8 = raw.decode("utf-8") is not None
    except UnicodeDecodeError:
        utf8 = False
    if utf8:  # comm_raw only for names that are not UTF-8
        raw_ok = "comm_raw" not in reference["caller"]
    else:
        try:
            raw_ok = base64.b64decode(reference["caller"].get("comm_raw", ""),
                                      validate=True) == raw
        except ValueError:
            raw_ok = False
    if not raw_ok:
        problems.append(f"caller.comm_raw {reference['caller'].get('comm_raw')!r} does not "
                        f"fit the name {raw!r} (present, as its base64, only if not UTF-8)")
    if not holder or holder["pid"] != conflict["holder_pid"]:
        problems.append(f"holder process {holder}, expected pid {conflict['holder_pid']}")
    check(f"{name}-whole-and-parsed", not problems, "; ".join(problems))


def check_session_records(name, collector, tracer, received_expected=None):
    def session_records():
        result = {}
        for record in collector.records():
            try:
                event = json.loads(record.get("msg") or "")
            except ValueError:
                continue
            if event.get("event") in ("start", "stop") and event.get("pid") == tracer.pid:
                result[event["event"]] = (record, event)
        return result
    found = wait_for(lambda: len(session_records()) == 2 and session_records(), 10) or session_records()
    problems = []
    for kind in ("start", "stop"):
        if kind not in found:
            problems.append(f"no {kind} record")
            continue
        record, event = found[kind]
        if record["severity"] != 5 or record["msgid"] != kind:
            problems.append(f"{kind}: severity {record['severity']} msgid {record['msgid']}")
        if record["sd"].get("event") != kind or record["sd"].get("backend") != event["backend"]:
            problems.append(f"{kind}: structured data {record['sd']}")
    if "start" in found:
        start = found["start"][1]
        if start["host"] != socket.gethostname() or start["kernel"] != os.uname().release:
            problems.append(f"start says host {start['host']} kernel {start['kernel']}")
    if "stop" in found and received_expected is not None:
        stop = found["stop"][1]
        if stop["received"] != received_expected or stop["dropped"] != 0:
            problems.append(f"stop says received {stop['received']} dropped {stop['dropped']}, "
                            f"expected {received_expected} and 0")
    check(f"{name}-start-stop", not problems, "; ".join(problems))


def scenario_delivery(collector, transport, workdir, all_outputs=False, facility_name=None):
    name = f"{collector.name}-{transport}"
    target = collector.targets()[transport]
    ports = [next_port(), next_port(), next_port()]
    args = [f"--syslog={target}", "-p", ",".join(map(str, ports))]
    facility = 3
    if facility_name:
        args += ["--syslog-facility", facility_name]
        facility = {"local3": 19}[facility_name]
    output_file = os.path.join(workdir, f"{name}.jsonl")
    if all_outputs:
        args += ["--output", output_file]     # and the table on stdout
    else:
        args += ["--json"]
    tracer = Tracer(args, f"bindsnoop-{name}", workdir)
    conflicts = [make_conflict("tcp", ports[0]), make_conflict("udp", ports[1]),
                 make_conflict("tcp", ports[2], HOSTILE_COMM)]
    tracer.stop()
    check(f"{name}-exit", tracer.status == 0, f"status {tracer.status}: {tracer.stderr}")
    reference_text = read_text(output_file) if all_outputs else tracer.stdout
    validate_lines("stdout", reference_text)
    reference = json_lines(reference_text)
    for conflict, label in zip(conflicts, ("tcp-conflict", "udp-conflict", "hostile-name")):
        check_event_delivery(f"{name}-{label}", collector, collector.records(), reference, conflict,
                             tracer.pid, facility)
    check_session_records(name, collector, tracer, received_expected=3)
    if all_outputs:
        table = tracer.stdout
        lines = [l for l in table.splitlines() if str(conflicts[0]["port"]) in l]
        check(f"{name}-table-too", lines and "ct-caller" in lines[0] and "EADDRINUSE" in lines[0],
              f"the table on stdout has no line for the conflict: {table[:400]}")
        check(f"{name}-file-too", event_of(reference, conflicts[0]) is not None,
              "--output has no line for the conflict")


def tracer_messages(collector, tracer_pid):
    """The JSON of every message one bindsnoop run sent to the collector."""
    events = []
    for record in collector.records():
        if record.get("procid") != str(tracer_pid):
            continue
        try:
            events.append(json.loads(record.get("msg") or ""))
        except ValueError:
            continue
    return events


def storm_events(collector, port, tracer_pid):
    """(lines, unique) bind-storm events at the collector for port. A record
    is its run (the tracer's pid: procid) and its seq: a storm repeats the
    same microsecond ts, and a TCP reconnect may resend a message."""
    lines, keys = 0, set()
    for event in tracer_messages(collector, tracer_pid):
        if event.get("event") == "bind_failed" and event.get("port") == port and \
                event["caller"]["comm"] == "bind-storm":
            lines += 1
            keys.add(event["seq"])
    return lines, len(keys)


def seq_accounting(events):
    """Every seq of a run, from the start record's 1 to the stop record's,
    must be either delivered or inside a "dropped" record's range (seq - count
    + 1 .. seq: the records it stands for), never both and never neither.
    Returns a list of problems (empty: all accounted for)."""
    delivered = {event["seq"] for event in events if event.get("event") != "dropped"}
    covered = set()
    for event in events:
        if event.get("event") == "dropped":
            covered.update(range(event["seq"] - event["count"] + 1, event["seq"] + 1))
    stops = [event["seq"] for event in events if event.get("event") == "stop"]
    if not stops:
        return ["no stop record arrived"]
    expected = set(range(1, stops[0] + 1))
    problems = []
    missing = sorted(expected - delivered - covered)
    if missing:
        problems.append(f"{len(missing)} seqs neither delivered nor reported dropped "
                        f"(first {missing[:5]})")
    both = sorted(delivered & covered)
    if both:
        problems.append(f"{len(both)} seqs delivered and also reported dropped (first {both[:5]})")
    extra = sorted((delivered | covered) - expected)
    if extra:
        problems.append(f"{len(extra)} seqs beyond the stop record's {stops[0]} (first {extra[:5]})")
    return problems


def scenario_burst(collector, workdir, count=10000):
    name = f"{collector.name}-burst"
    port = next_port()
    # 10,000 records of about 1.7 kB are more than the default 16 MiB queue
    # holds (about 9,800) when the collector reads nothing during the burst,
    # as a syslog-ng starved by the VM tests beside it did once (9,772
    # delivered, 228 dropped). What this checks is that a burst the queue
    # can hold arrives whole and in order, so the queue holds all of it.
    tracer = Tracer(["--quiet", f"--syslog=tcp://127.0.0.1:{collector.tcp_port}", "-p", str(port),
                     "--syslog-queue-mb", "32"],
                    f"bindsnoop-{name}", workdir)
    started_at = time.monotonic()
    bind_storm(count, port)
    # The collector takes its time with a burst: stop the tracer once the
    # collector has every event, not while they are in flight (at exit,
    # bindsnoop counts what the collector has not acknowledged within 2 s
    # as not delivered, though it may still arrive).
    delivered = wait_for(lambda: storm_events(collector, port, tracer.pid)[0] >= count and
                         storm_events(collector, port, tracer.pid), 60) or \
        storm_events(collector, port, tracer.pid)
    tracer.stop()
    elapsed = time.monotonic() - started_at
    dropped = [l for l in tracer.stderr.splitlines() if "dropped" in l]
    note(f"{name}: {count} failed binds over TCP: {delivered[0]} delivered "
         f"({delivered[1]} distinct), {dropped[-1] if dropped else 'none dropped'}, {elapsed:.1f} s")
    check(f"{name}-complete", delivered == (count, count) and not dropped,
          f"{delivered[0]} messages ({delivered[1]} distinct) of {count}; {dropped}")
    wait_for(lambda: not seq_accounting(tracer_messages(collector, tracer.pid)), 15)
    problems = seq_accounting(tracer_messages(collector, tracer.pid))
    check(f"{name}-seq-complete", not problems, "; ".join(problems))
    check_session_records(name, collector, tracer, received_expected=count)


def dropped_at_collector(collector, tracer_pid):
    total, stop = 0, None
    for record in collector.records():
        try:
            event = json.loads(record.get("msg") or "")
        except ValueError:
            continue
        if event.get("event") == "dropped" and record["procid"] == str(tracer_pid):
            total += event["count"]
        if event.get("event") == "stop" and event.get("pid") == tracer_pid:
            stop = event
    return total, stop


def scenario_restart(collector, workdir):
    name = f"{collector.name}-restart"
    ports = [next_port(), next_port(), next_port()]
    counts = [1000, 8000, 1000]
    # A 4 MiB queue holds about 4,400 events: the 8,000 made while the collector is down overflow it.
    tracer = Tracer(["--quiet", f"--syslog=tcp://127.0.0.1:{collector.tcp_port}", "--syslog-queue-mb", "4",
                     "-p", ",".join(map(str, ports))], f"bindsnoop-{name}", workdir)
    bind_storm(counts[0], ports[0])
    first = wait_for(lambda: storm_events(collector, ports[0], tracer.pid)[1] >= counts[0], 15)
    check(f"{name}-before", first,
          f"{storm_events(collector, ports[0], tracer.pid)} of {counts[0]} arrived")
    collector.stop()
    # Down: the queue takes what fits, the rest is dropped and counted.
    bind_storm(counts[1], ports[1])
    time.sleep(1.0)
    collector.start()
    reconnected = wait_for(lambda: "connected to" in tracer.stderr_now(), 15)
    check(f"{name}-reconnected", reconnected, f"stderr: {tracer.stderr_now()[-400:]}")
    bind_storm(counts[2], ports[2])
    time.sleep(0.5)
    tracer.stop()
    stop = wait_for(lambda: dropped_at_collector(collector, tracer.pid)[1], 15)
    dropped_records, stop = dropped_at_collector(collector, tracer.pid)
    delivered = [storm_events(collector, port, tracer.pid) for port in ports]
    lines = sum(d[0] for d in delivered)
    unique = sum(d[1] for d in delivered)
    stderr_drops = [l for l in tracer.stderr.splitlines() if "messages dropped" in l]
    stderr_total = int(stderr_drops[-1].split("syslog: ")[1].split()[0]) if stderr_drops else 0
    stop_dropped = stop["dropped"] if stop else None
    note(f"{name}: {sum(counts)} events ({counts[0]} before, {counts[1]} while down, "
         f"{counts[2]} after): {unique} delivered, {lines - unique} duplicates, "
         f"{dropped_records} reported dropped to the collector, stop record says {stop_dropped}, "
         f"stderr says {stderr_total}")
    check(f"{name}-nothing-unaccounted", unique + dropped_records == sum(counts),
          f"{unique} delivered + {dropped_records} dropped != {sum(counts)} made")
    check(f"{name}-drop-counts-agree",
          stop is not None and dropped_records == stop_dropped == stderr_total,
          f"collector's dropped records {dropped_records}, stop record {stop_dropped}, "
          f"stderr {stderr_total}")
    check(f"{name}-after-intact", delivered[2][1] == counts[2],
          f"{delivered[2][1]} of the {counts[2]} events made after the restart arrived")
    problems = seq_accounting(tracer_messages(collector, tracer.pid))
    check(f"{name}-seq-accounted", not problems, "; ".join(problems))


def scenario_slow_collector(workdir):
    name = "slow-collector"
    port = next_port()
    count = 20000
    listener = socket.socket()
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", PORT_SLOW_TCP))
    listener.listen(4)
    accepted = []
    thread = threading.Thread(target=lambda: accepted.append(listener.accept()), daemon=True)
    thread.start()
    try:
        tracer = Tracer(["--json", f"--syslog=tcp://127.0.0.1:{PORT_SLOW_TCP}", "-p", str(port)],
                        f"bindsnoop-{name}", workdir)
        bind_storm(count, port)
        shown = wait_for(lambda: read_text(tracer.proc.out_path).count('"bind_failed"') >= count, 20)
        check(f"{name}-tracing-goes-on", shown,
              f"stdout has {read_text(tracer.proc.out_path).count('bind_failed')} of {count} events")
        began = time.monotonic()
        tracer.stop()
        took = time.monotonic() - began
        check(f"{name}-exits-promptly", tracer.status == 0 and took < 10,
              f"status {tracer.status} after {took:.1f} s")
        drops = [l for l in tracer.stderr.splitlines() if "messages dropped" in l]
        total = int(drops[-1].split("syslog: ")[1].split()[0]) if drops else 0
        note(f"{name}: {count} events with a collector that never reads: all on stdout, "
             f"{total} syslog messages dropped and reported")
        check(f"{name}-drops-reported", 0 < total <= count + 2, f"stderr: {tracer.stderr[-300:]}")
        validate_lines("stdout", tracer.stdout)
    finally:
        for conn in accepted:
            conn[0].close()
        listener.close()


def scenario_logrotate(workdir):
    name = "logrotate"
    port = next_port()
    path = os.path.join(workdir, "rotate", "bindsnoop.jsonl")
    os.makedirs(os.path.dirname(path))
    old_umask = os.umask(0o077)     # the mode must not depend on the umask
    try:
        tracer = Tracer(["--quiet", "--output", path, "-p", str(port)], f"bindsnoop-{name}", workdir)
    finally:
        os.umask(old_umask)
    check(f"{name}-mode-0640", stat.S_IMODE(os.stat(path).st_mode) == 0o640,
          f"mode {oct(stat.S_IMODE(os.stat(path).st_mode))}")
    holder = socket.socket()
    holder.bind(("127.0.0.1", port))
    holder.listen(1)
    attempts = [0]
    stop_making = threading.Event()

    def make_conflicts():
        while not stop_making.is_set():
            caller = socket.socket()
            try:
                caller.bind(("127.0.0.1", port))
            except OSError:
                attempts[0] += 1
            caller.close()
            time.sleep(0.0005)
    maker = threading.Thread(target=make_conflicts)
    maker.start()
    rotated = []
    try:
        for generation in (1, 2):
            time.sleep(0.7)
            rotated_path = f"{path}.{generation}"
            os.rename(path, rotated_path)
            rotated.insert(0, rotated_path)
            time.sleep(0.2)             # events keep going to the renamed file meanwhile
            os.kill(tracer.pid, signal.SIGHUP)
            reopened = wait_for(lambda: os.path.exists(path), 5)
            check(f"{name}-reopened-{generation}", reopened, "no new file after SIGHUP")
            if reopened:
                check(f"{name}-new-file-mode-{generation}",
                      stat.S_IMODE(os.stat(path).st_mode) == 0o640,
                      f"mode {oct(stat.S_IMODE(os.stat(path).st_mode))}")
        time.sleep(0.7)
    finally:
        stop_making.set()
        maker.join()
    time.sleep(0.3)
    tracer.stop()
    holder.close()
    files = rotated[::-1] + [path]
    per_file, keys, problems, total_lines, seqs = [], set(), [], 0, []
    for f in files:
        text = read_text(f)
        if text and not text.endswith("\n"):
            problems.append(f"{f} ends in the middle of a line")
        count = 0
        for event, line in json_lines(text):
            validate("stdout", event, line)
            if event is None:
                problems.append(f"{f}: a line does not parse: {line[:100]}")
                continue
            seqs.append(event["seq"])
            if event["event"] == "bind_failed" and event["port"] == port:
                count += 1
                keys.add(event["seq"])
        per_file.append(count)
        total_lines += count
    note(f"{name}: {attempts[0]} failed binds; events per file (oldest first): {per_file}")
    check(f"{name}-whole-lines", not problems, "; ".join(problems[:3]))
    check(f"{name}-every-event-once", total_lines == attempts[0] and len(keys) == total_lines,
          f"{total_lines} events in the files ({len(keys)} distinct), {attempts[0]} made")
    check(f"{name}-every-file-used", all(per_file), f"events per file {per_file}")
    # Oldest file first, the records of the run are 1, 2, 3, ... with no gap or repeat.
    check(f"{name}-seq-unbroken", seqs == list(range(1, len(seqs) + 1)),
          f"{len(seqs)} records; first break at index "
          f"{next((i for i, v in enumerate(seqs) if v != i + 1), None)}")
    first = json_lines(read_text(files[0]))
    last = json_lines(read_text(files[-1]))
    check(f"{name}-start-and-stop", first and first[0][0] and first[0][0]["event"] == "start"
          and last and last[-1][0] and last[-1][0]["event"] == "stop"
          and last[-1][0]["received"] == attempts[0],
          f"first line {first[0][1][:80] if first else None}, last {last[-1][1][:120] if last else None}")


def check_schema_rejects():
    """The validation means something: lines with one thing wrong fail it."""
    good, bad = bad_lines()
    accepted = [line for _, line in bad if line_problem(validator, line) is None]
    check("schema-rejects-bad-lines", line_problem(validator, good) is None and not accepted,
          f"accepted: {accepted[:2]}")


def check_schema_totals(collectors):
    check_schema_rejects()
    for collector in collectors:
        for record in collector.records():
            if "unparsed" in record:
                validate("collector", None, record["unparsed"])
                continue
            try:
                event = json.loads(record["msg"])
            except (TypeError, ValueError):
                event = None
            validate("collector", event, str(record.get("msg")))
    for kind, label in (("stdout", "bindsnoop's stdout and files"), ("collector", "collector messages")):
        count, errors = validated[kind]
        check(f"schema-{kind}", count > 0 and not errors,
              f"{len(errors)} of {count} lines of {label} fail: " + " | ".join(errors[:3]))
        note(f"schema: {count} lines of {label} validated")


def main():
    global ARGS, verbose, validator
    parser = argparse.ArgumentParser()
    parser.add_argument("--bindsnoop", required=True)
    parser.add_argument("--bind-storm", required=True)
    parser.add_argument("--schema", required=True)
    parser.add_argument("--syslog-ng", required=True, help="where syslog-ng-core is unpacked")
    parser.add_argument("--syslog-ng-version", required=True)
    parser.add_argument("--only", default="", help="comma-separated scenario names")
    parser.add_argument("--verbose", action="store_true")
    parser.add_argument("--keep", action="store_true", help="keep the work directory")
    ARGS = parser.parse_args()
    ARGS.bindsnoop = os.path.abspath(ARGS.bindsnoop)
    ARGS.bind_storm = os.path.abspath(ARGS.bind_storm)
    verbose = ARGS.verbose
    validator = load_validator(ARGS.schema)
    only = set(filter(None, ARGS.only.split(",")))

    def wanted(name):
        return not only or name in only

    for port, kind in ((PORT_RSYSLOG_TCP, socket.SOCK_STREAM), (PORT_RSYSLOG_UDP, socket.SOCK_DGRAM),
                       (PORT_SYSLOG_NG_TCP, socket.SOCK_STREAM), (PORT_SYSLOG_NG_UDP, socket.SOCK_DGRAM),
                       (PORT_SLOW_TCP, socket.SOCK_STREAM)):
        if not port_free(port, kind):
            print(f"collectors: port {port} on 127.0.0.1 is taken; stop whatever holds it", file=sys.stderr)
            return 2
    workdir = tempfile.mkdtemp(prefix="bindsnoop-collectors.")
    os.chmod(workdir, 0o755)
    started_at = time.monotonic()
    collectors = []
    try:
        rsyslog = Rsyslog(workdir)
        syslog_ng = SyslogNg(workdir)
        if any(wanted(n) for n in ("rsyslog-unix", "rsyslog-udp", "rsyslog-tcp", "rsyslog-burst",
                                   "rsyslog-restart")):
            rsyslog.start()
            collectors.append(rsyslog)
            for transport in ("unix", "udp", "tcp"):
                if wanted(f"rsyslog-{transport}"):
                    scenario_delivery(rsyslog, transport, workdir, all_outputs=transport == "tcp")
            if wanted("rsyslog-burst"):
                scenario_burst(rsyslog, workdir)
            if wanted("rsyslog-restart"):
                scenario_restart(rsyslog, workdir)
            rsyslog.stop()
        if any(wanted(n) for n in ("syslog-ng-unix", "syslog-ng-unix-stream", "syslog-ng-udp",
                                   "syslog-ng-tcp", "syslog-ng-burst")):
            syslog_ng.start()
            collectors.append(syslog_ng)
            for transport in ("unix", "unix-stream", "udp", "tcp"):
                if wanted(f"syslog-ng-{transport}"):
                    scenario_delivery(syslog_ng, transport, workdir,
                                      facility_name="local3" if transport == "tcp" else None)
            if wanted("syslog-ng-burst"):
                scenario_burst(syslog_ng, workdir)
            syslog_ng.stop()
        if wanted("slow-collector"):
            scenario_slow_collector(workdir)
        if wanted("logrotate"):
            scenario_logrotate(workdir)
        if wanted("schema"):
            check_schema_totals(collectors)
    except Exception as error:     # a scenario that could not even run
        check("scenario-setup", False, f"{type(error).__name__}: {error}")
    finally:
        stop_everything()
        if ARGS.keep or failed:
            print(f"collectors: work files kept in {workdir}")
        else:
            subprocess.run(["rm", "-rf", workdir])
    note(f"took {time.monotonic() - started_at:.0f} s")
    print(f"collectors: {passed} passed, {failed} failed", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
