#!/usr/bin/python3
"""The container's run settings: README.md's docker run line is the one source.

  run_spec.py argv IMAGE [ARG...]  the README's docker run line, with IMAGE for
                                   its image and ARGs for its arguments, one
                                   word a line (tests/image/run.sh runs it)
  run_spec.py check                the DaemonSet of deploy/kubernetes/bindsnoop.yaml
                                   grants what the line grants, no more, no less:
                                   host pid and network namespaces, capabilities,
                                   mounts (host path, container path, read-only),
                                   read-only root, no privilege escalation,
                                   AppArmor unconfined, bindsnoop's arguments
Exit status 1 with one line a difference; 2 for a usage error.
"""
import os
import shlex
import sys

import yaml

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
README = os.path.join(ROOT, "README.md")
DAEMONSET = os.path.join(ROOT, "deploy", "kubernetes", "bindsnoop.yaml")
HEADING = "### Container image"
IMAGE_REPOSITORY = "bindsnoop"
# Debian 12's docker.io (20.10) refuses --cap-add=BPF and PERFMON ("unknown
# capability"): its line grants SYS_ADMIN, which bindsnoop takes for both
# (tracer.c), and the DaemonSet the two narrower ones.
DOCKER_STANDS_FOR = {"SYS_ADMIN": {"BPF", "PERFMON"}}


def readme_docker_run(path=README):
    """The words of the first `docker run` of the README's container section."""
    with open(path, encoding="utf-8") as f:
        lines = f.read().split("\n")
    start = lines.index(HEADING)
    command = None
    for line in lines[start + 1:]:
        if line.startswith("#"):
            break
        text = line.strip()
        if command is None and text.startswith(("docker run", "sudo docker run")):
            command = ""
        if command is None:
            continue
        command += text.removesuffix("\\") + " "
        if not text.endswith("\\"):
            break
    if command is None:
        raise SystemExit(f"run_spec: no docker run line under {HEADING!r} of {path}")
    words = shlex.split(command)
    return words[1:] if words[0] == "sudo" else words


def split_image(words):
    """(options, image, args): the image is the first word naming bindsnoop's repository."""
    for i, word in enumerate(words):
        if not word.startswith("-") and word.split(":")[0] == IMAGE_REPOSITORY:
            return words[2:i], word, words[i + 1:]
    raise SystemExit(f"run_spec: no {IMAGE_REPOSITORY}:TAG image in {' '.join(words)}")


def caps(text):
    return {c.strip().upper().removeprefix("CAP_") for c in text.split(",") if c.strip()}


def docker_grants(options):
    """What docker run's options grant, in the DaemonSet's terms."""
    grants = {"hostPID": False, "hostNetwork": False, "readOnlyRootFilesystem": False,
              "allowPrivilegeEscalation": True, "appArmor": "RuntimeDefault",
              "drop": set(), "add": set(), "mounts": set()}
    i = 0
    while i < len(options):
        word = options[i]
        name, _, value = word.partition("=")
        if name in ("-v", "--volume", "--cap-add", "--cap-drop", "--security-opt") and not value:
            i += 1
            value = options[i]
        if word == "--pid=host":
            grants["hostPID"] = True
        elif word in ("--network=host", "--net=host"):
            grants["hostNetwork"] = True
        elif word == "--read-only":
            grants["readOnlyRootFilesystem"] = True
        elif name == "--cap-drop":
            grants["drop"] |= caps(value)
        elif name == "--cap-add":
            for cap in caps(value):
                grants["add"] |= DOCKER_STANDS_FOR.get(cap, {cap})
        elif name == "--security-opt" and value in ("no-new-privileges", "no-new-privileges:true"):
            grants["allowPrivilegeEscalation"] = False
        elif name == "--security-opt" and value == "apparmor=unconfined":
            grants["appArmor"] = "Unconfined"
        elif name in ("-v", "--volume"):
            parts = value.split(":")
            grants["mounts"].add((parts[0], parts[1], len(parts) > 2 and "ro" in parts[2]))
        elif word not in ("--rm", "-d", "--detach") and not word.startswith("--name"):
            raise SystemExit(f"run_spec: the README's docker run has {word}, which the "
                             "DaemonSet check does not know: teach run_spec.py about it")
        i += 1
    return grants


def daemonset_grants(path=DAEMONSET):
    docs = {d["kind"]: d for d in yaml.safe_load_all(open(path, encoding="utf-8")) if d}
    pod = docs["DaemonSet"]["spec"]["template"]["spec"]
    container = pod["containers"][0]
    context = container["securityContext"]
    volumes = {v["name"]: v for v in pod.get("volumes", [])}
    mounts = set()
    for mount in container.get("volumeMounts", []):
        host = volumes[mount["name"]].get("hostPath", {}).get("path")
        mounts.add((host, mount["mountPath"], mount.get("readOnly") is True))
    return {"hostPID": pod.get("hostPID") is True,
            "hostNetwork": pod.get("hostNetwork") is True,
            "readOnlyRootFilesystem": context.get("readOnlyRootFilesystem") is True,
            "allowPrivilegeEscalation": context.get("allowPrivilegeEscalation") is not False,
            "appArmor": context.get("appArmorProfile", {}).get("type", "RuntimeDefault"),
            "drop": caps(",".join(context["capabilities"].get("drop", []))),
            "add": caps(",".join(context["capabilities"].get("add", []))),
            "mounts": mounts}


def daemonset_args(path=DAEMONSET):
    docs = {d["kind"]: d for d in yaml.safe_load_all(open(path, encoding="utf-8")) if d}
    container = docs["DaemonSet"]["spec"]["template"]["spec"]["containers"][0]
    return container.get("command", []) + container.get("args", [])


def differences(readme, daemonset):
    found = []
    for key in readme:
        if readme[key] == daemonset[key]:
            continue
        if isinstance(readme[key], set):
            only_readme = sorted(readme[key] - daemonset[key])
            only_ds = sorted(daemonset[key] - readme[key])
            found.append(f"{key}: README only {only_readme}, DaemonSet only {only_ds}")
        else:
            found.append(f"{key}: README {readme[key]}, DaemonSet {daemonset[key]}")
    return found


def main(argv):
    if len(argv) >= 3 and argv[1] == "argv":
        options, _, _ = split_image(readme_docker_run())
        print("\n".join(["run"] + options + argv[2:]))
        return 0
    if argv[1:] == ["check"]:
        options, _, args = split_image(readme_docker_run())
        readme, daemonset = docker_grants(options), daemonset_grants()
        readme["args"] = args
        daemonset["args"] = daemonset_args()
        found = differences(readme, daemonset)
        for line in found:
            print(f"README's docker run and the DaemonSet differ: {line}")
        return 1 if found else 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
