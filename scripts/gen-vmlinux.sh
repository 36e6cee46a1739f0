#!/bin/sh
# Regenerate vmlinux/vmlinux.h, the kernel type definitions the BPF programs
# are compiled against. CO-RE relocates every field access at load time, so
# any recent kernel's BTF will do; older layouts are covered by the
# ___flavor structs in bpf/compat.bpf.h. Usage: scripts/gen-vmlinux.sh [BTF]
set -eu
btf=${1:-/sys/kernel/btf/vmlinux}
out=$(dirname "$0")/../vmlinux/vmlinux.h
bpftool btf dump file "$btf" format c >"$out.tmp"
mv "$out.tmp" "$out"
echo "wrote $out from $btf ($(uname -r))"
