#!/bin/bash
# `make deb` as root installs its build dependencies before it builds, as `make`
# does: `make deb` (scripts/build-deb.sh) runs against stand-ins of dpkg-query,
# dpkg-checkbuilddeps, apt-get and dpkg-buildpackage (first in PATH; nothing is
# installed or built) on a machine that lacks libjson-c-dev. It passes when
# apt-get build-dep of the sources ran, and before dpkg-buildpackage.
# Exit status 0 when it passes; otherwise it says what happened.
set -u
cd "$(dirname "$0")/../.." || exit 1
stubs=$(mktemp -d /tmp/bindsnoop-debdeps.XXXXXX)
trap 'rm -rf "$stubs"' EXIT
log=$stubs/calls

stub() { # NAME BODY: a command NAME that logs its arguments, then runs BODY
	printf '#!/bin/sh\necho "%s $*" >>%s\n%s\n' "$1" "$log" "$2" >"$stubs/bin/$1"
	chmod +x "$stubs/bin/$1"
}
mkdir "$stubs/bin"
# dpkg-dev, debhelper and lintian are there; libjson-c-dev is not, until apt-get build-dep.
stub dpkg-query 'echo "install ok installed"'
stub dpkg-checkbuilddeps "grep -q '^apt-get .*build-dep' $log && exit 0
echo 'dpkg-checkbuilddeps: error: Unmet build dependencies: libjson-c-dev' >&2; exit 1"
stub apt-get 'exit 0'
stub dpkg-buildpackage 'exit 1'

PATH=$stubs/bin:$PATH make --no-print-directory deb OUTPUT="$stubs/out" >"$stubs/out.log" 2>&1
cat "$log"
build_dep=$(grep -n '^apt-get .*build-dep' "$log" | head -n 1 | cut -d: -f1)
build=$(grep -n '^dpkg-buildpackage' "$log" | head -n 1 | cut -d: -f1)
if [ -z "$build_dep" ]; then
	echo "make deb did not install the Build-Depends (no apt-get build-dep); its output:"
	cat "$stubs/out.log"
	exit 1
fi
if [ -n "$build" ] && [ "$build" -lt "$build_dep" ]; then
	echo "make deb ran dpkg-buildpackage before apt-get build-dep"
	exit 1
fi
