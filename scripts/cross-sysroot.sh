#!/usr/bin/env bash
# cross-sysroot.sh: the libraries a cross build links (make ARCH=arm64), for
# the target architecture, in a private folder: Debian's own -dev packages and
# what they depend on, downloaded from this machine's archive and extracted
# (dpkg-deb -x), never installed. The machine's dpkg and apt setup stay as
# they are; the private apt lists are the VM library's (scripts/vm/lib.sh).
#
# Usage: scripts/cross-sysroot.sh ARCH DIR PACKAGE...
#   ARCH      Debian's name of the target (arm64)
#   DIR       the sysroot (the Makefile's SYSROOT, .cache/sysroot/<arch>)
#   PACKAGE   the -dev packages (scripts/install-deps.sh: target_dev_packages)
# Quick when DIR already holds the same packages.
set -Eeuo pipefail
trap 'die "unexpected failure at line $LINENO of ${BASH_SOURCE[0]}: $BASH_COMMAND"' ERR

VM_TOOL=cross-sysroot
# shellcheck source-path=SCRIPTDIR source=vm/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/vm/lib.sh"

# What the cross toolchain (gcc-<triplet>, libc6-dev-<arch>-cross) already
# holds under /usr/<triplet>: the C library and the compiler's own. Taken from
# the sysroot too, they would shadow the toolchain's (their linker scripts
# name absolute paths).
readonly TOOLCHAIN_PROVIDES="libc6 libc6-dev libc-dev-bin libgcc-s1 libstdc++6 linux-libc-dev
libcrypt1 libcrypt-dev libnsl2 libnsl-dev libtirpc3 libtirpc-dev libtirpc-common rpcsvc-proto
gcc-12-base"

[ $# -ge 3 ] || {
	echo "usage: $0 ARCH DIR PACKAGE..." >&2
	exit 2
}
deb_arch=$1
sysroot=$2
shift 2
wanted="$*"
if [ -f "$sysroot/.packages" ] && [ "$(cat "$sysroot/.packages")" = "$wanted" ]; then
	exit 0
fi

suite=$(. /etc/os-release && echo "$VERSION_CODENAME")
suite_prepare "$suite"
packages=$(suite_apt "$suite" apt-cache depends --recurse --no-recommends --no-suggests \
	--no-conflicts --no-breaks --no-replaces --no-enhances --no-pre-depends "$@" |
	grep -v -e '^ ' -e '^<' | sort -u |
	grep -vxF -f <(echo "$TOOLCHAIN_PROVIDES" | tr ' ' '\n')) ||
	die "apt-cache found no $deb_arch packages for $wanted; is $suite's $deb_arch archive reachable?"

log "$deb_arch sysroot ${sysroot#"$REPO"/}:" "$(echo "$packages" | tr "\n" " ")"
rm -rf "$sysroot.partial"
mkdir -p "$sysroot.partial/debs"
# shellcheck disable=SC2086 # a list of package names
(cd "$sysroot.partial/debs" && suite_apt "$suite" apt-get -qq download $packages >&2) ||
	die "downloading the $deb_arch packages failed (above); check the network and retry"
for deb in "$sysroot.partial"/debs/*.deb; do
	dpkg-deb -x "$deb" "$sysroot.partial" || die "dpkg-deb -x $deb failed"
done
rm -rf "$sysroot.partial/debs" "$sysroot"
echo "$wanted" >"$sysroot.partial/.packages"
mv "$sysroot.partial" "$sysroot"
