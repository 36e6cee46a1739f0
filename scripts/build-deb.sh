#!/bin/sh
# make deb: build the Debian package (debian/) with dpkg-buildpackage from a
# copy of the sources, so that the tree stays clean and the results stay in
# one folder, then run lintian on them.
#   scripts/build-deb.sh OUTDIR [DEB_ARCH]
# Leaves OUTDIR/bindsnoop_VERSION_ARCH.deb (and the .changes, .buildinfo,
# the -dbgsym package and lintian.txt). Installs what it needs first, as
# `make` does: dpkg-dev, debhelper, lintian and the Build-Depends of
# debian/control (scripts/install-deps.sh --deb; as root, or it says what is missing).
# DEB_ARCH (arm64; `make deb ARCH=arm64`) other than this machine's
# cross-builds with dpkg-buildpackage -a, the target's libraries from the
# sysroot of scripts/install-deps.sh --cross (not multiarch-installed, so
# its Build-Depends are not checked: -d).
set -eu
cd "$(dirname "$0")/.."
scripts/install-deps.sh --deb
out=${1:?usage: $0 OUTDIR [DEB_ARCH]}
host_arch=$(dpkg --print-architecture)
deb_arch=${2:-$host_arch}
cross=""
if [ "$deb_arch" != "$host_arch" ]; then
	BINDSNOOP_SYSROOT=$(realpath -m ".cache/sysroot/$deb_arch")
	export BINDSNOOP_SYSROOT
	scripts/install-deps.sh --cross "$deb_arch" "$BINDSNOOP_SYSROOT"
	cross="-a $deb_arch -d"
fi
version=$(dpkg-parsechangelog -S Version)
src=$out/bindsnoop-$version

rm -rf "$out"
mkdir -p "$src"
# The sources, without build products of the tree (the build folder,
# ./bindsnoop) and the caches (kernels, sysroots).
tar --exclude=./build --exclude=./bindsnoop --exclude=./.git --exclude=./.cache -cf - . |
	tar -C "$src" -xf -
# shellcheck disable=SC2086 # options or nothing
(cd "$src" && dpkg-buildpackage -b -us -uc $cross)
deb=$(ls "$out"/bindsnoop_"$version"_"$deb_arch".deb)
echo "deb: $deb"
# lintian: errors fail the build; warnings are printed and kept in lintian.txt.
if ! command -v lintian >/dev/null; then
	echo "deb: lintian is not installed: the package was not checked (apt-get install lintian)"
	exit 0
fi
lintian --info --display-info "$out"/bindsnoop_"$version"_*.changes | tee "$out/lintian.txt"
if grep -q '^E: ' "$out/lintian.txt"; then
	echo "deb: lintian reports errors (above)" >&2
	exit 1
fi
