#!/usr/bin/python3
# Static checks of deploy/: each subcommand checks one thing, prints what is
# wrong on stderr and exits 1, or exits 0. Run by tests/deploy/run.sh, which
# passes the text of `bindsnoop --help` in HELP_FILE.
#   check_configs.py parse | daemonset | containerfile | metrics | alerts | vector |
#                    fluent-bit | logrotate | options | manpage MANFILE
import json
import os
import re
import shlex
import sys
import tomllib

import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DEPLOY = os.path.join(ROOT, "deploy")
UNIT = os.path.join(DEPLOY, "systemd", "bindsnoop.service.in")
DROPINS = os.path.join(DEPLOY, "systemd", "bindsnoop.service.d")
# The file the output-file drop-in writes, which logrotate, Vector and Fluent Bit read.
EVENTS_FILE = "/var/log/bindsnoop/events.jsonl"
problems = []


def problem(text):
    problems.append(text)


def expect(condition, text):
    if not condition:
        problem(text)
    return condition


def read(path):
    with open(path, encoding="utf-8") as f:
        return f.read()


def deploy_files(*suffixes):
    for top, _, names in os.walk(DEPLOY):
        for name in sorted(names):
            if name.endswith(suffixes):
                yield os.path.join(top, name)


def help_options():
    """Long and short options of `bindsnoop --help`, and whether each takes a value."""
    text = read(os.environ["HELP_FILE"])
    longs, shorts = {}, {}
    # Option lines: two spaces, then "-x, " or four spaces, then --name (examples
    # in the descriptions are indented further).
    for match in re.finditer(r"^  (?:-(\w), |    )--([a-z0-9-]+)(\[=\w+\]| [A-Z]+)?", text, re.M):
        short, name, value = match.groups()
        if name in longs:
            continue
        takes = "required" if value and not value.startswith("[") else \
            "optional" if value else "none"
        longs[name] = takes
        if short:
            shorts[short] = name
    return longs, shorts


def unknown_options(argv, where):
    """Every option in argv must be one --help lists, with a value where it needs one."""
    longs, shorts = help_options()
    i = 0
    while i < len(argv):
        arg = argv[i]
        if arg.startswith("--"):
            name, eq, _ = arg[2:].partition("=")
            if name not in longs:
                problem(f"{where}: {arg} is not an option bindsnoop --help lists")
            elif longs[name] == "required" and not eq:
                i += 1
                if i >= len(argv):
                    problem(f"{where}: {arg} needs a value")
            elif longs[name] == "none" and eq:
                problem(f"{where}: {arg} takes no value")
        elif arg.startswith("-") and len(arg) > 1:
            letter = arg[1]
            if letter not in shorts:
                problem(f"{where}: {arg} is not an option bindsnoop --help lists")
            elif longs[shorts[letter]] == "required" and len(arg) == 2:
                i += 1
        else:
            problem(f"{where}: stray argument {arg!r}")
        i += 1


def unit_settings(path):
    """Key -> list of values of a systemd unit file (continuation lines joined)."""
    settings = {}
    for line in read(path).replace("\\\n", " ").splitlines():
        line = line.strip()
        if not line or line[0] in "#;[":
            continue
        key, _, value = line.partition("=")
        settings.setdefault(key.strip(), []).append(value.strip())
    return settings


def exec_start(path):
    """The last ExecStart= of a unit or drop-in, as argv (an empty one resets)."""
    starts = [v for v in unit_settings(path).get("ExecStart", []) if v]
    return shlex.split(starts[-1]) if starts else None


def unit_capabilities():
    return sorted(unit_settings(UNIT)["CapabilityBoundingSet"][0].split())


def cmd_parse():
    count = 0
    for path in deploy_files(".yaml", ".yml", ".toml", ".json"):
        rel = os.path.relpath(path, ROOT)
        try:
            if path.endswith(".toml"):
                with open(path, "rb") as f:
                    tomllib.load(f)
            elif path.endswith(".json"):
                json.loads(read(path))
            else:
                docs = list(yaml.safe_load_all(read(path)))
                expect(all(isinstance(d, dict) for d in docs if d is not None),
                       f"{rel}: a document is not a mapping")
            count += 1
        except Exception as err:  # any parser's error is the finding
            problem(f"{rel}: does not parse: {err}")
    expect(count >= 4, f"only {count} YAML/TOML/JSON files under deploy/")
    print(f"{count} files parse")


def cmd_daemonset():
    path = os.path.join(DEPLOY, "kubernetes", "bindsnoop.yaml")
    docs = {d["kind"]: d for d in yaml.safe_load_all(read(path)) if d}
    expect({"Namespace", "ServiceAccount", "DaemonSet"} <= docs.keys(),
           f"kinds {sorted(docs)}: want Namespace, ServiceAccount, DaemonSet")
    ns_labels = docs["Namespace"]["metadata"].get("labels", {})
    expect(ns_labels.get("pod-security.kubernetes.io/enforce") == "privileged",
           "the namespace must allow hostPID/hostPath pods (enforce: privileged)")
    ds = docs["DaemonSet"]
    expect(ds["apiVersion"] == "apps/v1", "DaemonSet apiVersion is not apps/v1")
    spec = ds["spec"]
    expect(spec["selector"]["matchLabels"].items() <= spec["template"]["metadata"]["labels"].items(),
           "the selector does not match the pod template's labels")
    pod = spec["template"]["spec"]
    expect(pod.get("hostPID") is True, "hostPID must be true (pids from BPF are host pids)")
    expect(pod.get("hostNetwork") is True, "hostNetwork must be true (sock_diag on the node)")
    expect(pod.get("automountServiceAccountToken") is False, "the pod needs no API token")
    expect({"operator": "Exists"} in pod.get("tolerations", []),
           "no toleration for every taint (operator: Exists)")
    containers = pod["containers"]
    expect(len(containers) == 1, "want one container")
    c = containers[0]
    sc = c["securityContext"]
    expect(sc.get("privileged") is False, "privileged must be false")
    expect(sc.get("allowPrivilegeEscalation") is False, "allowPrivilegeEscalation must be false")
    expect(sc.get("readOnlyRootFilesystem") is True, "readOnlyRootFilesystem must be true")
    expect(sc.get("runAsUser") == 0, "runAsUser must be 0: capabilities only reach root's uid")
    expect(sc["capabilities"].get("drop") == ["ALL"], "capabilities.drop must be [ALL]")
    wanted = sorted(cap.removeprefix("CAP_") for cap in unit_capabilities())
    expect(sorted(sc["capabilities"].get("add", [])) == wanted,
           f"capabilities.add {sc['capabilities'].get('add')} != the unit's {wanted}")
    for kind in ("requests", "limits"):
        expect({"cpu", "memory"} <= c.get("resources", {}).get(kind, {}).keys(),
               f"resources.{kind} must set cpu and memory")
    mounts = {m["mountPath"]: m for m in c.get("volumeMounts", [])}
    volumes = {v["name"]: v for v in pod.get("volumes", [])}
    for path in ("/sys/kernel/btf", "/sys/kernel/tracing"):
        m = mounts.get(path)
        if expect(m is not None, f"no volume mounted on {path}"):
            expect(m.get("readOnly") is True, f"{path} must be mounted read-only")
            expect(volumes[m["name"]].get("hostPath", {}).get("path") == path,
                   f"{path} must come from the host's {path}")
    args = c.get("command", []) + c.get("args", [])
    expect("--json" in args or "-j" in args, "the container must write JSON on stdout (--json)")
    unknown_options(args, "DaemonSet args")


def cmd_containerfile():
    path = os.path.join(DEPLOY, "container", "Containerfile")
    known = {"FROM", "LABEL", "COPY", "ADD", "USER", "ENTRYPOINT", "CMD", "ENV", "ARG",
             "WORKDIR", "RUN", "EXPOSE", "VOLUME", "STOPSIGNAL", "HEALTHCHECK", "SHELL"}
    instructions = []
    for line in read(path).replace("\\\n", " ").splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        word, _, rest = line.partition(" ")
        expect(word in known, f"Containerfile: unknown instruction {word}")
        instructions.append((word, rest.strip()))
    words = [w for w, _ in instructions]
    expect(words and words[0] == "FROM", "Containerfile must start with FROM")
    expect(dict(instructions).get("FROM") == "scratch", "the image is FROM scratch")
    copy = dict(instructions).get("COPY", "").split()
    expect(copy == ["bindsnoop", "/usr/sbin/bindsnoop"],
           "COPY bindsnoop /usr/sbin/bindsnoop (the static binary of make STATIC=1)")
    entry = json.loads(dict(instructions)["ENTRYPOINT"])
    expect(entry == ["/usr/sbin/bindsnoop"], "ENTRYPOINT must exec /usr/sbin/bindsnoop")
    cmd = json.loads(dict(instructions)["CMD"])
    expect("--json" in cmd, "CMD must be --json: the pod logs carry JSON Lines")
    unknown_options(cmd, "Containerfile CMD")


def cmd_metrics():
    """metrics-patch.yaml on the DaemonSet, podmonitor.yaml and Containerfile.debian agree."""
    kube = os.path.join(DEPLOY, "kubernetes")
    docs = {d["kind"]: d for d in yaml.safe_load_all(read(os.path.join(kube, "bindsnoop.yaml")))
            if d}
    template = docs["DaemonSet"]["spec"]["template"]
    patch = yaml.safe_load(read(os.path.join(kube, "metrics-patch.yaml")))["spec"]["template"]
    # The strategic merge kubectl does: containers merge by name.
    containers = {c["name"]: c for c in template["spec"]["containers"]}
    for patched in patch["spec"]["containers"]:
        expect(patched["name"] in containers,
               f"the patch names container {patched['name']}, which the DaemonSet lacks")
        containers.setdefault(patched["name"], {}).update(patched)
    c = containers.get("bindsnoop", {})
    args = c.get("args", [])
    unknown_options(args, "metrics-patch.yaml args")
    expect("--json" in args, "the patch must keep --json")
    listen = args[args.index("--metrics") + 1] if "--metrics" in args[:-1] else ""
    expect(listen.startswith("$(NODE_IP):"), "--metrics must listen on $(NODE_IP):PORT only")
    port = listen.rpartition(":")[2]
    env = {e["name"]: e for e in c.get("env", [])}
    expect(env.get("NODE_IP", {}).get("valueFrom", {}).get("fieldRef", {}).get("fieldPath")
           == "status.hostIP", "NODE_IP must come from status.hostIP")
    ports = {p.get("name"): p for p in c.get("ports", [])}
    metrics_port = ports.get("metrics", {})
    expect(str(metrics_port.get("containerPort")) == port and
           str(metrics_port.get("hostPort")) == port,
           f"port 'metrics' must be {port} (containerPort and hostPort, hostNetwork)")
    notes = patch["metadata"].get("annotations", {})
    expect(notes.get("prometheus.io/scrape") == "true" and notes.get("prometheus.io/port") == port
           and notes.get("prometheus.io/path") == "/metrics",
           "prometheus.io annotations must say scrape, the port and /metrics")
    expect(c.get("image", "").endswith("-debian"),
           "the image must be the one from Containerfile.debian (the static one has no --metrics)")
    monitor = yaml.safe_load(read(os.path.join(kube, "podmonitor.yaml")))
    expect(monitor["kind"] == "PodMonitor", "podmonitor.yaml is not a PodMonitor")
    expect(monitor["spec"]["selector"]["matchLabels"].items() <= template["metadata"]["labels"].items(),
           "the PodMonitor does not select the DaemonSet's pods")
    expect(monitor["metadata"]["namespace"] == docs["DaemonSet"]["metadata"]["namespace"],
           "the PodMonitor is not in the DaemonSet's namespace")
    expect([e.get("port") for e in monitor["spec"]["podMetricsEndpoints"]] == ["metrics"],
           "the PodMonitor must scrape the port named metrics")
    containerfile = read(os.path.join(DEPLOY, "container", "Containerfile.debian"))
    changelog = read(os.path.join(ROOT, "debian", "changelog"))
    version = re.match(r"bindsnoop \(([^)]+)\)", changelog).group(1)
    expect(re.search(r"^FROM \S*debian:bookworm", containerfile, re.M) is not None,
           "Containerfile.debian must be FROM debian:bookworm")
    expect(f"COPY build/deb/bindsnoop_{version}_amd64.deb " in containerfile,
           f"Containerfile.debian must COPY the package of make deb (version {version})")
    expect('ENTRYPOINT ["/usr/sbin/bindsnoop"]' in containerfile,
           "Containerfile.debian must exec /usr/sbin/bindsnoop")


def cmd_alerts():
    """Every alert of deploy/prometheus says its severity, summary and fix, and has a unit
    test where it fires and one where it does not."""
    prom = os.path.join(DEPLOY, "prometheus")
    rules = yaml.safe_load(read(os.path.join(prom, "bindsnoop-alerts.yml")))
    tests = yaml.safe_load(read(os.path.join(prom, "bindsnoop-alerts.test.yml")))
    expect(tests["rule_files"] == ["bindsnoop-alerts.yml"],
           "the unit tests must load bindsnoop-alerts.yml")
    fires, quiet = set(), set()
    for test in tests["tests"]:
        for case in test.get("alert_rule_test", []):
            (fires if case.get("exp_alerts") else quiet).add(case["alertname"])
    alerts = [r for g in rules["groups"] for r in g["rules"] if "alert" in r]
    expect(alerts, "bindsnoop-alerts.yml has no alert")
    for rule in alerts:
        name = rule["alert"]
        expect(rule.get("labels", {}).get("severity") in ("warning", "critical"),
               f"{name}: severity must be warning or critical")
        notes = rule.get("annotations", {})
        expect(notes.get("summary") and notes.get("fix"), f"{name}: no summary or no fix")
        expect(name in fires, f"{name}: no unit test where it fires")
        expect(name in quiet, f"{name}: no unit test where it does not fire")


def check_inputs(components, where):
    """Every inputs entry of a Vector transform or sink names a source or transform."""
    names = set(components.get("sources", {})) | set(components.get("transforms", {}))
    for kind in ("transforms", "sinks"):
        for name, body in components.get(kind, {}).items():
            for ref in body.get("inputs", []):
                expect(ref in names, f"{where}: {kind}.{name} reads {ref}, which does not exist")


def check_vector_sinks(config, where):
    sinks = config.get("sinks", {})
    loki = [s for s in sinks.values() if s.get("type") == "loki"]
    es = [s for s in sinks.values() if s.get("type") == "elasticsearch"]
    if expect(loki, f"{where}: no loki sink"):
        expect({"host", "event", "error"} <= loki[0].get("labels", {}).keys(),
               f"{where}: Loki labels must include host, event, error")
    if expect(es, f"{where}: no elasticsearch sink"):
        expect(es[0].get("bulk", {}).get("index", "").startswith("bindsnoop-"),
               f"{where}: Elasticsearch index must be bindsnoop-*")
    for name, body in config.get("transforms", {}).items():
        if body.get("type") == "remap":
            expect("parse_json" in body.get("source", ""), f"{where}: {name} does not parse JSON")


def cmd_vector():
    host = tomllib.loads(read(os.path.join(DEPLOY, "vector", "bindsnoop.toml")))
    check_inputs(host, "vector/bindsnoop.toml")
    check_vector_sinks(host, "vector/bindsnoop.toml")
    sources = host.get("sources", {}).values()
    expect(any(s.get("type") == "journald" and "bindsnoop.service" in s.get("include_units", [])
               for s in sources), "vector/bindsnoop.toml: no journald source for bindsnoop.service")
    expect(any(s.get("type") == "file" and EVENTS_FILE in s.get("include", []) for s in sources),
           f"vector/bindsnoop.toml: no file source for {EVENTS_FILE}")
    k8s = yaml.safe_load(read(os.path.join(DEPLOY, "vector", "kubernetes.yaml")))
    check_inputs(k8s, "vector/kubernetes.yaml")
    check_vector_sinks(k8s, "vector/kubernetes.yaml")
    expect(any(s.get("type") == "kubernetes_logs" and "bindsnoop" in s.get("extra_label_selector", "")
               for s in k8s.get("sources", {}).values()),
           "vector/kubernetes.yaml: no kubernetes_logs source selecting the bindsnoop pods")


def cmd_fluent_bit():
    config = yaml.safe_load(read(os.path.join(DEPLOY, "fluent-bit", "bindsnoop.yaml")))
    parsers = {p["name"] for p in config.get("parsers", [])}
    pipeline = config["pipeline"]
    inputs = pipeline.get("inputs", [])
    expect(any(i["name"] == "systemd" and i.get("systemd_filter") == "_SYSTEMD_UNIT=bindsnoop.service"
               for i in inputs), "fluent-bit: no systemd input for bindsnoop.service")
    expect(any(i["name"] == "tail" and i.get("path") == EVENTS_FILE for i in inputs),
           f"fluent-bit: no tail input for {EVENTS_FILE}")
    for section in inputs + pipeline.get("filters", []):
        if "parser" in section:
            expect(section["parser"] in parsers, f"fluent-bit: parser {section['parser']} undefined")
    expect(any(f["name"] == "parser" and f.get("key_name") == "MESSAGE"
               for f in pipeline.get("filters", [])),
           "fluent-bit: the journal's MESSAGE is not parsed as JSON")
    outputs = {o["name"]: o for o in pipeline.get("outputs", [])}
    if expect("es" in outputs, "fluent-bit: no es output"):
        expect(outputs["es"].get("logstash_prefix") == "bindsnoop"
               and outputs["es"].get("logstash_format") is True,
               "fluent-bit: Elasticsearch indices must be bindsnoop-*")
    if expect("loki" in outputs, "fluent-bit: no loki output"):
        labels = outputs["loki"].get("labels", "")
        for label in ("host", "event", "error"):
            expect(re.search(rf"\b{label}=\$", labels), f"fluent-bit: no Loki label {label}")
    tags = [i.get("tag", "") for i in inputs]
    for o in outputs.values():
        pattern = re.escape(o.get("match", "")).replace(r"\*", ".*")
        expect(all(re.fullmatch(pattern, t) for t in tags), f"fluent-bit: {o['name']} misses a tag")


def cmd_logrotate():
    text = read(os.path.join(DEPLOY, "logrotate", "bindsnoop"))
    expect(re.search(rf"^{re.escape(EVENTS_FILE)}\s*{{", text, re.M),
           f"logrotate: does not rotate {EVENTS_FILE}")
    expect(re.search(r"postrotate\s+systemctl kill -s HUP bindsnoop\.service", text),
           "logrotate: postrotate must send SIGHUP to bindsnoop.service")
    dropin = exec_start(os.path.join(DROPINS, "output-file.conf"))
    expect(dropin and EVENTS_FILE in dropin, f"output-file.conf does not write {EVENTS_FILE}")


def cmd_options():
    """Each ExecStart (unit and drop-ins) uses only options --help lists."""
    argv = exec_start(UNIT)
    expect(argv and argv[0] == "@SBINDIR@/bindsnoop", "the unit must start @SBINDIR@/bindsnoop")
    unknown_options(argv[1:], "bindsnoop.service ExecStart")
    for name in sorted(os.listdir(DROPINS)):
        argv = exec_start(os.path.join(DROPINS, name))
        if argv:
            expect(os.path.basename(argv[0]) == "bindsnoop", f"{name}: ExecStart is not bindsnoop")
            unknown_options(argv[1:], f"{name} ExecStart")


def cmd_manpage(man):
    """The man page names every option of --help, and the JSON fields."""
    text = read(man).replace("\\-", "-")
    longs, shorts = help_options()
    expect(len(longs) >= 15, f"--help lists only {len(longs)} long options")
    for name in longs:
        expect(re.search(rf"--{re.escape(name)}\b", text), f"man page: --{name} missing")
    for letter in shorts:
        expect(re.search(rf"(?<![\w-])-{letter}\b", text), f"man page: -{letter} missing")
    for section in ("NAME", "SYNOPSIS", "DESCRIPTION", "OPTIONS", "EXIT STATUS", "FILES",
                    "EXAMPLES", "SEE ALSO", "JSON LINES", "CAPABILITIES"):
        expect(re.search(rf'^\.SH "?{section}"?$', text, re.M), f"man page: no {section} section")
    for field in ("v", "ts", "event", "error", "errno", "proto", "family", "addr", "port", "via",
                  "hook", "caller", "cmdline", "cgroup", "netns", "holders_searched", "holders",
                  "holders_not_named",
                  "state", "uid", "inode", "reuseaddr", "reuseport", "v6only", "source",
                  "processes", "start", "stop", "lost", "received", "dropped", "count"):
        expect(re.search(rf"^\.(B|BR|TP)\s.*\b{field}\b", text, re.M), f"man page: field {field}")
    for cap in unit_capabilities():
        expect(cap in text, f"man page: capability {cap} not explained")


def main():
    command = sys.argv[1]
    handlers = {"parse": cmd_parse, "daemonset": cmd_daemonset, "containerfile": cmd_containerfile,
                "metrics": cmd_metrics, "alerts": cmd_alerts,
                "vector": cmd_vector, "fluent-bit": cmd_fluent_bit, "logrotate": cmd_logrotate,
                "options": cmd_options, "manpage": lambda: cmd_manpage(sys.argv[2])}
    try:
        handlers[command]()
    except (KeyError, TypeError, IndexError, AttributeError, ValueError) as err:
        problem(f"{command}: unexpected structure: {type(err).__name__}: {err}")
    for text in problems:
        print(f"  {text}", file=sys.stderr)
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
