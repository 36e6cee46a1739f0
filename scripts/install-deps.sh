#!/bin/sh
# Install what bindsnoop needs to build and test, from Debian 12's archive.
# Idempotent and quick when everything is present. Run as root.
#   scripts/install-deps.sh          build dependencies
#   scripts/install-deps.sh --test   also what the tests need
#   scripts/install-deps.sh --deb    what `make deb` needs: dpkg-dev, debhelper,
#                                    lintian and the Build-Depends of
#                                    debian/control (apt-get build-dep reads them)
#   scripts/install-deps.sh --image  what `make image` and its test need: Debian's
#                                    docker.io, and busybox-static for the
#                                    images the test runs beside bindsnoop's
set -eu
cd "$(dirname "$0")/.."

build_packages="make gcc clang llvm libbpf-dev libelf-dev zlib1g-dev libjson-c-dev bpftool pkg-config libmicrohttpd-dev libsystemd-dev"
# libclang-rt-14-dev: libFuzzer and the sanitizers for clang; python3: the
# fault tests; python3-jsonschema: the live runs' JSON lines against the
# schema file; prometheus: --metrics against a real Prometheus; debhelper,
# lintian, man-db, git: the Debian package, built from a clone and linted;
# bash-completion: the completion test.
test_packages="iproute2 qemu-system-x86 busybox-static cpio procps libclang-rt-14-dev python3"
test_packages="$test_packages python3-jsonschema prometheus debhelper lintian man-db bash-completion git"

packages=$build_packages
[ "${1:-}" = "--test" ] && packages="$packages $test_packages"
[ "${1:-}" = "--deb" ] && packages="dpkg-dev debhelper lintian"
[ "${1:-}" = "--image" ] && packages="docker.io busybox-static"

missing=""
for package in $packages; do
	dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" ||
		missing="$missing $package"
done
# --deb: debian/control is the one list of the package's build dependencies.
build_dep=0
if [ "${1:-}" = "--deb" ] && { [ -n "$missing" ] || ! dpkg-checkbuilddeps >/dev/null 2>&1; }; then
	build_dep=1
fi
[ -z "$missing" ] && [ $build_dep = 0 ] && exit 0

if [ "$(id -u)" != 0 ]; then
	[ -n "$missing" ] || missing=" the Build-Depends of debian/control (dpkg-checkbuilddeps)"
	echo "install-deps: missing packages:$missing; run as root (sudo $0 $*)" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get -o DPkg::Lock::Timeout=900 update -qq
if [ -n "$missing" ]; then
	echo "install-deps: installing$missing"
	# shellcheck disable=SC2086 # word splitting is intended
	apt-get -o DPkg::Lock::Timeout=900 install -y -qq --no-install-recommends $missing >/dev/null
fi
if [ $build_dep = 1 ]; then
	echo "install-deps: installing the Build-Depends of debian/control"
	apt-get -o DPkg::Lock::Timeout=900 build-dep -y -qq --no-install-recommends ./ >/dev/null
fi
