#!/usr/bin/python3
"""tests/image/run.sh's checks of what the image and the host binary wrote.

Records are told apart by port and pid, never by time. One line a check,
"image: ok   NAME" or "image: FAIL NAME: detail"; exit status 1 if any failed.
"""
import argparse
import json
import os
import sys

failures = []


def report(name, ok, detail):
    print(f"image: {'ok  ' if ok else 'FAIL'} {name}{'' if ok else ': ' + detail[:900]}")
    if not ok:
        failures.append(name)


def records(path):
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def first_failure(events, port):
    found = [e for e in events if e.get("event") == "bind_failed" and e["port"] == port]
    return found[0] if found else None


def processes(record_holders):
    return [p for h in record_holders for p in h["processes"]]


def who_said(process):
    """What a holder's process is named by: pid, program, unit, container."""
    container = process.get("container") or {}
    return (process["pid"], process["comm"], process.get("service"), container.get("name"))


def event_view(event):
    if event is None:
        return None
    holders = sorted(who_said(p) for p in processes(event["holders"]))
    return (event["diagnosis"]["cause"], event["diagnosis"]["fix"], holders)


def who_view(lines):
    """--who's rows as what names their holders, parents and origin included."""
    held = [line for line in lines if line.get("event") == "held"]
    return sorted((line["port"], line["holder"]["state"], line["holder"]["addr"],
                   tuple(sorted(who_said(p) + (p["started_by"], str(p["parents"]))
                                for p in line["holder"]["processes"])))
                  for line in held)


def main():
    parser = argparse.ArgumentParser()
    for name in ("work", "web", "web-id", "busybox", "ports", "unit"):
        parser.add_argument("--" + name, required=True)
    parser.add_argument("--systemd-port", type=int, required=True)
    parser.add_argument("--host-holder", type=int, required=True)
    parser.add_argument("--unit-holder", type=int, required=True)
    args = parser.parse_args()
    web_port, host_port, unit_port = (int(p) for p in args.ports.split(","))
    image = records(os.path.join(args.work, "image.jsonl"))
    host = records(os.path.join(args.work, "host.jsonl"))

    e = first_failure(image, web_port)
    report("container-port-cause", e is not None and e["diagnosis"]["cause"] == "container_port",
           json.dumps(e) if e else f"no bind_failed on {web_port} from the image")
    if e:
        summary = e["diagnosis"]["summary"]
        report("container-port-names-container",
               args.web in summary and args.web_id[:12] in summary and args.busybox in summary,
               summary)
        proxies = [p for p in processes(e["holders"]) if p["comm"] == "docker-proxy"]
        report("docker-proxy-holder-container",
               bool(proxies) and all((p["container"] or {}).get("id") == args.web_id
                                     for p in proxies), json.dumps(proxies))

    e = first_failure(image, host_port)
    held = [p for p in processes(e["holders"])] if e else []
    report("host-process-holder",
           any(p["pid"] == args.host_holder and p["comm"] == "bind-and-wait" for p in held)
           and f"bind-and-wait[{args.host_holder}]" in e["diagnosis"]["summary"],
           json.dumps(e) if e else f"no bind_failed on {host_port} from the image")

    e = first_failure(image, unit_port)
    held = [p for p in processes(e["holders"])] if e else []
    report("unit-holder",
           any(p["pid"] == args.unit_holder and p["service"] == args.unit for p in held)
           and args.unit in e["diagnosis"]["summary"],
           json.dumps(e) if e else f"no bind_failed on {unit_port} from the image")

    for port in (web_port, host_port, unit_port):
        image_view = event_view(first_failure(image, port))
        host_view = event_view(first_failure(host, port))
        report(f"as-host-binary-{port}", image_view is not None and image_view == host_view,
               f"image {image_view}, host {host_view}")

    image_who = who_view(records(os.path.join(args.work, "image-who.jsonl")))
    host_who = who_view(records(os.path.join(args.work, "host-who.jsonl")))
    named = {(port, pid, comm, unit, container) for port, _, _, procs in image_who
             for pid, comm, unit, container, _, _ in procs}
    report("who-inside-names-all",
           any(port == web_port and container == args.web
               for port, _, _, _, container in named)
           and (host_port, args.host_holder, "bind-and-wait", None, None) in named
           and (unit_port, args.unit_holder, "bind-and-wait", args.unit, None) in named,
           json.dumps(image_who))
    report("who-as-host-binary", image_who == host_who,
           f"image {json.dumps(image_who)}, host {json.dumps(host_who)}")

    for where in ("image", "host"):
        lines = records(os.path.join(args.work, f"{where}-who-80.jsonl"))
        inside = [p for line in lines if line.get("event") == "held"
                  for p in line["holder"]["processes"]
                  if (p["container"] or {}).get("id") == args.web_id]
        report(f"who-container-parents-{where}",
               bool(inside) and all(p["started_by"] == "container" and p["parents"]
                                    and p["parents"][-1]["comm"].startswith("containerd-shim")
                                    for p in inside),
               json.dumps(inside) if inside else json.dumps(lines))
    views = {}
    for where in ("image", "host"):
        path = os.path.join(args.work, f"{where}-who-systemd.jsonl")
        lines = records(path) if os.path.exists(path) else []
        units = [p for line in lines if line.get("event") == "held"
                 and line["port"] == args.systemd_port for p in line["holder"]["processes"]]
        views[where] = who_view(lines)
        report(f"who-systemd-unit-{where}",
               bool(units) and all(p["service"] == "holder.service" and p["started_by"] == "unit"
                                   and p["parents"] and p["parents"][-1]["comm"] == "systemd"
                                   for p in units), json.dumps(lines))
    report("who-systemd-as-host-binary", views["image"] == views["host"], json.dumps(views))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
