#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""bindsnoop's JSON lines against the event schema file itself.

    validate_events.py --schema schema/bindsnoop-event-v2.schema.json [--self-test] FILE...

Each FILE holds JSON lines bindsnoop printed (live-test --json-log FILE
writes them). Every line must parse as strict JSON (no duplicate keys, no
NaN or Infinity) and validate against the schema (Debian's
python3-jsonschema), its keys in the order the schema's "properties" list
them (the schema's description fixes that order). Nothing about the format
is copied here: a field added to the schema is checked from then on.

One check per FILE (all its lines valid, and at least one line), and with
--self-test one per known-bad line that the validation must refuse; then
"validate-events: N passed, N failed". Exit status 1 if anything failed, 2
for a usage error. The collector tests (tests/collectors) import
load_validator(), line_problem() and bad_lines() from here.
"""

import argparse
import json
import sys

import jsonschema

# How many invalid lines of one file are shown.
SHOWN = 5


def _ordered_properties(properties_keyword):
    """"properties", plus: the keys the schema names come in its order."""

    def check(validator, properties, instance, schema):
        yield from properties_keyword(validator, properties, instance, schema)
        if not validator.is_type(instance, "object"):
            return
        seen = [key for key in instance if key in properties]
        wanted = [key for key in properties if key in instance]
        if seen != wanted:
            yield jsonschema.ValidationError(
                f"keys out of the schema's order: {seen} instead of {wanted}")

    return check


def load_validator(schema_path):
    """A Draft 2020-12 validator for the schema file that also checks key order."""
    with open(schema_path, encoding="utf-8") as f:
        schema = json.load(f)
    base = jsonschema.Draft202012Validator
    base.check_schema(schema)
    ordered = jsonschema.validators.extend(
        base, {"properties": _ordered_properties(base.VALIDATORS["properties"])})
    return ordered(schema)


def _no_duplicate_keys(pairs):
    keys = [key for key, _ in pairs]
    for key in keys:
        if keys.count(key) > 1:
            raise ValueError(f"duplicate key {key!r}")
    return dict(pairs)


def _no_constant(name):
    raise ValueError(f"{name} is not JSON")


def parse_line(line):
    """The line as Python objects; ValueError if it is not strict JSON."""
    return json.loads(line, object_pairs_hook=_no_duplicate_keys, parse_constant=_no_constant)


def _inside_branch(error):
    """For "not valid under any of oneOf", the error of the branch the line meant.

    The line meant the branch whose "event" it matched (the fewest errors
    among those breaks a tie): saying what is wrong inside it beats
    listing why it is none of the seven record kinds.
    """
    while error.validator in ("oneOf", "anyOf") and error.context:
        branches = {}
        for inner in error.context:
            branches.setdefault(inner.relative_schema_path[0], []).append(inner)
        meant = [errors for errors in branches.values()
                 if not any(list(e.relative_path)[:1] == ["event"] for e in errors)]
        errors = min(meant or branches.values(), key=len)
        error = jsonschema.exceptions.best_match(errors)
    return error


def line_problem(validator, line):
    """None if the line is valid, else what is wrong with it (one line)."""
    try:
        event = parse_line(line)
    except ValueError as error:
        return f"not strict JSON: {error}"
    error = jsonschema.exceptions.best_match(validator.iter_errors(event))
    if error is None:
        return None
    error = _inside_branch(error)
    where = "/".join(str(part) for part in error.absolute_path) or "(the line)"
    return f"{where}: {error.message}"


# A valid bind_failed line. The live runs' self-test starts from a real one
# they captured instead, so that a field the schema gains needs no edit here.
GOOD_EVENT = {
    "v": 2, "seq": 41, "ts": "2026-11-24T18:52:01.123456Z", "event": "bind_failed",
    "error": "EADDRINUSE", "errno": 98, "proto": "tcp", "family": "ipv4",
    "addr": "127.0.0.1", "port": 3000, "count": 1, "via": "bind", "hook": "syscall",
    "caller": {"pid": 1, "tid": 1, "ppid": 0, "uid": 0, "comm": "x", "cmdline": None,
               "cgroup": None, "netns": 1, "exe": None, "start_time": None,
               "service": None, "container": None, "source": "kernel",
               "parents": [{"pid": 1, "comm": "systemd"}],
               "socket": {"reuseaddr": False, "reuseport": False, "v6only": False,
                          "freebind": False, "transparent": False,
                          "bind_address_no_port": False, "device": None}},
    "holders_searched": True,
    "holders": [{"state": "LISTEN", "proto": "tcp", "family": "ipv4", "addr": "0.0.0.0",
                 "port": 3000, "uid": 1000, "inode": 123456, "reuseaddr": False,
                 "reuseport": False, "v6only": False, "source": "kernel",
                 "processes": [{"pid": 4100, "comm": "node", "cmdline": "node server.js",
                                "exe": None, "start_time": None, "service": None,
                                "container": None}]}],
    "holders_not_named": 0,
    "diagnosis": {"cause": "unknown", "summary": "x", "fix": None, "repeat": None},
}


def _compact(value):
    return json.dumps(value, separators=(",", ":"))


def bad_lines(good_event=None):
    """The good line (GOOD_EVENT unless a valid bind_failed event is given),
    and (name, line) pairs made from it, each breaking one thing the schema
    says, that the validation must refuse."""
    event = good_event or GOOD_EVENT
    edits = (("v", 1), ("seq", 0), ("seq", "41"), ("ts", "2026-11-24 18:52:01"), ("event", "bound"),
             ("error", None), ("errno", "98"), ("port", 70000), ("family", "inet"),
             ("holders_searched", 1), ("holders_not_named", -1), ("diagnosis", None), ("count", 0), ("folded", False),
             ("diagnosis", {"cause": "gremlins", "summary": "x", "fix": None, "repeat": None}))
    bad = [(f"{key}={json.dumps(value)}", _compact(dict(event, **{key: value})))
           for key, value in edits]
    bad.append(("extra-key", _compact(dict(event, extra=1))))
    bad.append(("no-holders", _compact({k: v for k, v in event.items() if k != "holders"})))
    bad.append(("caller.uid=-1", _compact(dict(event, caller=dict(event["caller"], uid=-1)))))
    bad.append(("caller-extra-key", _compact(dict(event, caller=dict(event["caller"], extra=1)))))
    bad.append(("lost-count-0", _compact({"v": 2, "seq": 2, "ts": event["ts"], "event": "lost",
                                          "count": 0})))
    bad.append(("no-seq", _compact({k: v for k, v in event.items() if k != "seq"})))
    holder = event["holders"][0] if event["holders"] else GOOD_EVENT["holders"][0]
    for name, key, value in (("holder-state", "state", "listen"),
                             ("holder-source", "source", "magic")):
        bad.append((name, _compact(dict(event, holders=[dict(holder, **{key: value})]))))
    # proto and family swapped: the same object, keys out of the schema's order.
    order = list(event)
    proto, family = order.index("proto"), order.index("family")
    order[proto], order[family] = order[family], order[proto]
    bad.append(("key-order", _compact({key: event[key] for key in order})))
    good = _compact(event)
    bad.append(("duplicate-key", good[:-1] + f',"port":{event["port"]}}}'))
    bad.append(("nan", good[:-1] + ',"nan":NaN}'))
    return good, bad


class Report:
    def __init__(self):
        self.passed = 0
        self.failed = 0

    def check(self, name, ok, detail=""):
        if ok:
            self.passed += 1
            print(f"ok   {name}")
        else:
            self.failed += 1
            print(f"FAIL {name}: {detail}")
        sys.stdout.flush()


def captured_bind_failed(validator, paths):
    """The first valid bind_failed event with a holder in the files, or None."""
    for path in paths:
        try:
            with open(path, encoding="utf-8", errors="surrogateescape") as f:
                for line in f:
                    if '"bind_failed"' not in line or line_problem(validator, line):
                        continue
                    event = parse_line(line)
                    if event["event"] == "bind_failed" and event["holders"]:
                        return event
        except OSError:
            continue
    return None


def self_test(validator, report, paths):
    base = captured_bind_failed(validator, paths)
    print(f"     self-test lines made from {'a captured line' if base else 'GOOD_EVENT'}")
    good, bad = bad_lines(base)
    problem = line_problem(validator, good)
    report.check("self-test-good-line", problem is None, f"the good line is refused: {problem}")
    for name, line in bad:
        report.check(f"self-test-refuses-{name}", line_problem(validator, line) is not None,
                     f"accepted: {line}")


def validate_file(validator, path, report):
    try:
        with open(path, encoding="utf-8", errors="surrogateescape") as f:
            lines = f.read().splitlines()
    except OSError as error:
        report.check(path, False, f"cannot read it: {error.strerror}")
        return
    problems = []
    for number, line in enumerate(lines, 1):
        problem = line_problem(validator, line)
        if problem:
            problems.append(f"line {number}: {problem}; the line: {line[:300]}")
    for problem in problems[:SHOWN]:
        print(f"     {path}: {problem}")
    report.check(path, lines and not problems,
                 f"{len(problems)} of {len(lines)} lines break {validator.schema.get('$id')}"
                 if lines else "no line at all: nothing was captured")
    if lines and not problems:
        print(f"     {len(lines)} lines valid")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--schema", required=True, help="the JSON Schema file")
    parser.add_argument("--self-test", action="store_true",
                        help="first check that known-bad lines are refused")
    parser.add_argument("files", nargs="*", metavar="FILE")
    args = parser.parse_args()
    if not args.files and not args.self_test:
        parser.error("give a FILE of JSON lines, or --self-test")
    validator = load_validator(args.schema)
    report = Report()
    if args.self_test:
        self_test(validator, report, args.files)
    for path in args.files:
        validate_file(validator, path, report)
    print(f"validate-events: {report.passed} passed, {report.failed} failed")
    return 1 if report.failed else 0


if __name__ == "__main__":
    sys.exit(main())
