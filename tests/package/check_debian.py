#!/usr/bin/python3
# Static checks of debian/ against the build: each subcommand checks one thing,
# prints what is wrong on stderr and exits 1, or exits 0. Run by
# tests/package/run.sh before it builds anything.
#   check_debian.py build-depends   every -lNAME of the Makefile's LDLIBS comes
#                                   from a -dev package listed in Build-Depends
import os
import re
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def read(path):
    with open(os.path.join(ROOT, path), encoding="utf-8") as f:
        return f.read()


def build_depends():
    """The package names of debian/control's Build-Depends (versions and arch dropped)."""
    control = re.sub(r"^#.*\n", "", read("debian/control"), flags=re.M)
    field = re.search(r"^Build-Depends:(.*(?:\n[ \t].*)*)", control, re.M)
    if not field:
        return set()
    names = set()
    for item in field.group(1).replace("|", ",").split(","):
        item = re.sub(r"[(\[<].*", "", item).strip()
        if item:
            names.add(item.split(":")[0])
    return names


def makefile_libraries():
    """Every -lNAME any LDLIBS assignment of the Makefile adds (conditional ones too:
    the default build takes them)."""
    libs = []
    for match in re.finditer(r"^\s*LDLIBS\s*[:+]?=(.*)$", read("Makefile"), re.M):
        libs += re.findall(r"-l(\S+)", match.group(1))
    return sorted(set(libs))


def dev_package(lib):
    """The installed package that owns the link-time libNAME.so (or .a), or None."""
    for suffix in ("so", "a"):
        out = subprocess.run(["dpkg", "-S", "*/lib%s.%s" % (lib, suffix)],
                             capture_output=True, text=True)
        if out.returncode == 0 and out.stdout:
            return out.stdout.splitlines()[0].split(":")[0]
    return None


def cmd_build_depends():
    listed = build_depends()
    libs = makefile_libraries()
    if not libs:
        return ["no -l library found in the Makefile's LDLIBS"]
    problems = []
    for lib in libs:
        package = dev_package(lib)
        if package is None:
            problems.append("-l%s: no installed package owns lib%s.so; install its -dev "
                            "package (scripts/install-deps.sh)" % (lib, lib))
        elif package not in listed:
            problems.append("-l%s: %s is not in debian/control's Build-Depends: add it"
                            % (lib, package))
        else:
            print("-l%s: %s" % (lib, package))
    return problems


def main():
    commands = {"build-depends": cmd_build_depends}
    if len(sys.argv) != 2 or sys.argv[1] not in commands:
        sys.exit("usage: %s %s" % (sys.argv[0], " | ".join(commands)))
    problems = commands[sys.argv[1]]()
    for text in problems:
        print("check_debian: %s" % text, file=sys.stderr)
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
