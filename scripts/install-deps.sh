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
#   scripts/install-deps.sh --cross ARCH SYSROOT
#                                    what `make ARCH=arm64` needs on another
#                                    machine: Debian's cross compiler, and the
#                                    libraries below for ARCH in SYSROOT
#                                    (scripts/cross-sysroot.sh)
set -eu
cd "$(dirname "$0")/.."

# The libraries bindsnoop links, as -dev packages: installed for this machine,
# or for the target of a cross build into its sysroot. One list for both.
target_dev_packages="libbpf-dev libelf-dev zlib1g-dev libjson-c-dev libmicrohttpd-dev libsystemd-dev"
tool_packages="make gcc clang llvm bpftool pkg-config"
build_packages="$tool_packages $target_dev_packages"
# libclang-rt-14-dev: libFuzzer and the sanitizers for clang; python3: the
# fault tests; python3-jsonschema: the live runs' JSON lines against the
# schema file; prometheus: --metrics against a real Prometheus; debhelper,
# lintian, man-db, git: the Debian package, built from a clone and linted;
# bash-completion: the completion test.
test_packages="iproute2 qemu-system-x86 qemu-system-arm busybox-static cpio procps libclang-rt-14-dev python3"
test_packages="$test_packages python3-jsonschema prometheus debhelper lintian man-db bash-completion git"

packages=$build_packages
[ "${1:-}" = "--test" ] && packages="$packages $test_packages"
[ "${1:-}" = "--deb" ] && packages="dpkg-dev debhelper lintian"
[ "${1:-}" = "--image" ] && packages="docker.io busybox-static"
cross_arch=""
if [ "${1:-}" = "--cross" ]; then
	cross_arch=${2:?--cross needs a Debian architecture (arm64) and a sysroot folder}
	cross_sysroot=${3:?--cross needs a sysroot folder after the architecture}
	case "$cross_arch" in
	arm64) triplet=aarch64-linux-gnu ;;
	*)
		echo "install-deps: no cross build for '$cross_arch'; use arm64" >&2
		exit 2
		;;
	esac
	packages="$tool_packages gcc-$triplet libc6-dev-$cross_arch-cross"
fi

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
# --cross: the target's libraries, once the compiler is there.
cross_sysroot() {
	[ -n "$cross_arch" ] || return 0
	# shellcheck disable=SC2086 # a list of package names
	scripts/cross-sysroot.sh "$cross_arch" "$cross_sysroot" $target_dev_packages
}
if [ -z "$missing" ] && [ $build_dep = 0 ]; then
	cross_sysroot
	exit 0
fi

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
cross_sysroot
