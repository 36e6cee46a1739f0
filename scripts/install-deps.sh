#!/bin/sh
# Install what bindsnoop needs to build and test, from Debian 12's archive.
# Idempotent and quick when everything is present. Run as root.
#   scripts/install-deps.sh          build dependencies
#   scripts/install-deps.sh --test   also what the tests need
set -eu

build_packages="make gcc clang llvm libbpf-dev libelf-dev zlib1g-dev libjson-c-dev bpftool pkg-config libmicrohttpd-dev"
# libclang-rt-14-dev: libFuzzer and the sanitizers for clang; python3: the
# fault tests; python3-jsonschema: the live runs' JSON lines against the
# schema file; prometheus: --metrics against a real Prometheus; debhelper,
# lintian, man-db, git: the Debian package, built from a clone and linted;
# bash-completion: the completion test.
test_packages="iproute2 qemu-system-x86 busybox-static cpio procps libclang-rt-14-dev python3"
test_packages="$test_packages python3-jsonschema prometheus debhelper lintian man-db bash-completion git"

packages=$build_packages
[ "${1:-}" = "--test" ] && packages="$packages $test_packages"

missing=""
for package in $packages; do
	dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" ||
		missing="$missing $package"
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" != 0 ]; then
	echo "install-deps: missing packages:$missing; run as root (sudo $0 $*)" >&2
	exit 1
fi
echo "install-deps: installing$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get -o DPkg::Lock::Timeout=900 update -qq
# shellcheck disable=SC2086 # word splitting is intended
apt-get -o DPkg::Lock::Timeout=900 install -y -qq --no-install-recommends $missing >/dev/null
