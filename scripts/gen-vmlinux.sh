#!/bin/sh
# Regenerate vmlinux/vmlinux.h (x86) or vmlinux/<arch>/vmlinux.h, the kernel
# type definitions the BPF programs are compiled against (the Makefile's
# VMLINUX_DIR). CO-RE relocates every field access at load time, so any recent
# kernel's BTF will do; older layouts are covered by the ___flavor structs in
# bpf/compat.bpf.h.
# Usage: scripts/gen-vmlinux.sh [BTF] [ARCH]
#   BTF    /sys/kernel/btf/vmlinux (the default), a file of raw BTF or an ELF
#          vmlinux, or a kernel's boot image (Debian's vmlinuz): its BTF is
#          cut out of it (scripts/btf-from-image.py), so another
#          architecture's header needs no machine of that architecture.
#   ARCH   x86 or arm64 (default: this machine's)
set -eu
btf=${1:-/sys/kernel/btf/vmlinux}
arch=${2:-$(uname -m | sed 's/x86_64/x86/; s/aarch64/arm64/')}
scripts=$(dirname "$0")
case "$arch" in
x86) out=$scripts/../vmlinux/vmlinux.h ;;
arm64) out=$scripts/../vmlinux/$arch/vmlinux.h ;;
*)
	echo "gen-vmlinux: unknown ARCH '$arch'; use x86 or arm64" >&2
	exit 2
	;;
esac
mkdir -p "$(dirname "$out")"
source=$btf
# Raw BTF starts with its magic (9f eb), an ELF vmlinux with 7f 45 4c 46.
case "$(head -c 4 "$btf" | od -An -tx1 | tr -d ' \n')" in
9feb* | 7f454c46) ;;
*)
	"$scripts/btf-from-image.py" "$btf" "$out.btf"
	btf=$out.btf
	;;
esac
bpftool btf dump file "$btf" format c >"$out.tmp"
rm -f "$out.btf"
mv "$out.tmp" "$out"
[ "$source" = /sys/kernel/btf/vmlinux ] && source="$source ($(uname -r))"
echo "wrote $out from $source"
