#!/bin/bash
# make image: bindsnoop's container image (deploy/container/Containerfile)
# with Debian's docker.io, pulling nothing: FROM scratch and the static binary.
#   scripts/build-image.sh TAG
# Builds the static binary in build/static (the tree's own ./bindsnoop stays
# as it is), copies it alone into build/image, the build context, and builds
# TAG from there. Installs docker.io and starts dockerd when needed (and stops
# a dockerd it started). Run as root.
set -u
cd "$(dirname "$0")/.." || exit 1
# shellcheck source=scripts/lib/dockerd.sh
. scripts/lib/dockerd.sh
tag=${1:?usage: $0 TAG}
context=build/image

# The BPF object is the same for a static build: build/'s, compiled once.
make -s build/bindsnoop.debug.bpf.o || exit 1
make -s STATIC=1 OUTPUT=build/static BPF_PREBUILT=build build/static/bindsnoop || exit 1
rm -rf "$context"
mkdir -p "$context"
cp build/static/bindsnoop "$context/bindsnoop"
dockerd_up build/image-dockerd.log || exit 1
"$DOCKER" build -q -f deploy/container/Containerfile -t "$tag" "$context" >/dev/null
status=$?
dockerd_down
if [ $status != 0 ]; then
	echo "image: docker build of $tag failed (above)" >&2
	exit 1
fi
echo "image: $tag"
