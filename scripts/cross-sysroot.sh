#!/usr/bin/env bash
# cross-sysroot.sh: the libraries a cross build links (make ARCH=arm64), for
# the target architecture, in a private folder: Debian's own -dev packages and
# what they depend on, downloaded from this machine's archive and extracted
# (dpkg-deb -x), never installed. The machine's dpkg and apt setup stay as
# they are; the private apt lists are the VM library's (scripts/vm/lib.sh).
#
# It also keeps a dpkg database of them (DIR/var/lib/dpkg), with their files
# at the paths they have here: `dpkg-shlibdeps --admindir` reads in it which
# package and version each linked library needs, for the Depends of the
# cross-built Debian package (debian/rules). The C library's packages, which
# the cross toolchain holds for the build, are extracted for that database
# alone, into DIR/runtime, where no compiler looks.
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

# The packages of DIR/runtime (dpkg-shlibdeps's view of the C library).
readonly RUNTIME_PACKAGES="libc6 libgcc-s1"

# Extracts one .deb into a folder and records it in the dpkg database $admin,
# its files listed under $final (the folder's path once the sysroot is in
# place).
add_package() {
	local deb=$1 into=$2 final=$3 control name key
	dpkg-deb -x "$deb" "$into" || die "dpkg-deb -x $deb failed"
	control=$(mktemp -d)
	dpkg-deb -e "$deb" "$control"
	name=$(dpkg-deb -f "$deb" Package)
	key=$name
	[ "$(dpkg-deb -f "$deb" Multi-Arch)" = same ] && key=$name:$deb_arch
	for file in shlibs symbols; do
		[ -f "$control/$file" ] && cp "$control/$file" "$admin/info/$key.$file"
	done
	dpkg-deb -c "$deb" | awk '{ print $6 }' | sed "s|^\./|$final/|; s|/\$||" >"$admin/info/$key.list"
	{
		cat "$control/control"
		echo "Status: install ok installed"
		echo
	} >>"$admin/status"
	rm -rf "$control"
}

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

final=$(realpath -m "$sysroot")
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
mkdir -p "$sysroot.partial/runtime-debs"
# shellcheck disable=SC2086 # lists of package names
(cd "$sysroot.partial/debs" && suite_apt "$suite" apt-get -qq download $packages >&2 &&
	cd ../runtime-debs && suite_apt "$suite" apt-get -qq download $RUNTIME_PACKAGES >&2) ||
	die "downloading the $deb_arch packages failed (above); check the network and retry"
admin=$sysroot.partial/var/lib/dpkg
mkdir -p "$admin/info" "$admin/updates"
# The database layout with per-architecture file names (pkg:arm64.list).
echo 1 >"$admin/info/format"
: >"$admin/status"
: >"$admin/available"
for deb in "$sysroot.partial"/debs/*.deb; do
	add_package "$deb" "$sysroot.partial" "$final"
done
for deb in "$sysroot.partial"/runtime-debs/*.deb; do
	add_package "$deb" "$sysroot.partial/runtime" "$final/runtime"
done
# Absolute links (zlib1g-dev's libz.so -> /lib/<triplet>/libz.so.1.2.13) would
# point at this machine's files: the linker would skip them and take libz.a.
find "$sysroot.partial" -type l -lname '/*' | while read -r link; do
	ln -sfnr "$sysroot.partial$(readlink "$link")" "$link"
done
rm -rf "$sysroot.partial/debs" "$sysroot.partial/runtime-debs" "$sysroot"
echo "$wanted" >"$sysroot.partial/.packages"
mv "$sysroot.partial" "$sysroot"
