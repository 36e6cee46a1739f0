#!/bin/sh
# make deb: build the Debian package (debian/) with dpkg-buildpackage from a
# copy of the sources, so that the tree stays clean and the results stay in
# one folder, then run lintian on them.
#   scripts/build-deb.sh OUTDIR
# Leaves OUTDIR/bindsnoop_VERSION_ARCH.deb (and the .changes, .buildinfo,
# the -dbgsym package and lintian.txt). Installs what it needs first, as
# `make` does: dpkg-dev, debhelper, lintian and the Build-Depends of
# debian/control (scripts/install-deps.sh --deb; as root, or it says what is missing).
set -eu
cd "$(dirname "$0")/.."
scripts/install-deps.sh --deb
out=${1:?usage: $0 OUTDIR}
version=$(dpkg-parsechangelog -S Version)
src=$out/bindsnoop-$version

rm -rf "$out"
mkdir -p "$src"
# The sources, without build products of the tree (the build folder, ./bindsnoop).
tar --exclude=./build --exclude=./bindsnoop --exclude=./.git -cf - . | tar -C "$src" -xf -
(cd "$src" && dpkg-buildpackage -b -us -uc)
deb=$(ls "$out"/bindsnoop_"$version"_*.deb)
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
