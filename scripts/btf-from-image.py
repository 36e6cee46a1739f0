#!/usr/bin/env python3
"""Cut a kernel's BTF out of its boot image (vmlinuz), for scripts/gen-vmlinux.sh.

A kernel built with CONFIG_DEBUG_INFO_BTF carries its BTF in the image, the
blob /sys/kernel/btf/vmlinux shows once it runs. Debian's arm64 vmlinuz is a
plain Image (a gzip'd one or an EFI zboot image with a gzip'd payload are
unpacked first): the blob is found by the BTF header's magic and sizes. So another architecture's
vmlinux.h needs no machine of that architecture and no debug package.

Usage: scripts/btf-from-image.py VMLINUZ OUT.btf
"""
import gzip
import struct
import sys

BTF_MAGIC = b"\x9f\xeb\x01\x00"  # 0xeB9F little-endian, version 1, no flags
BTF_HEADER = struct.Struct("<HBBIIIII")


def unpacked(image):
    """The uncompressed kernel: the image itself, or its first gzip stream."""
    if image[:2] == b"\x1f\x8b":
        return gzip.decompress(image)
    # EFI zboot: "zimg" at offset 4, then the payload's offset and size.
    if image[4:8] == b"zimg":
        offset, size = struct.unpack_from("<II", image, 8)
        return gzip.decompress(image[offset : offset + size])
    return image


def largest_btf(kernel):
    """The largest well-formed BTF blob in the kernel (vmlinux's own)."""
    best = b""
    start = kernel.find(BTF_MAGIC)
    while start >= 0:
        _, _, _, hdr_len, type_off, type_len, str_off, str_len = BTF_HEADER.unpack_from(
            kernel, start
        )
        end = start + hdr_len + max(type_off + type_len, str_off + str_len)
        if hdr_len == BTF_HEADER.size and end <= len(kernel) and end - start > len(best):
            best = kernel[start:end]
        start = kernel.find(BTF_MAGIC, start + 1)
    return best


def main():
    if len(sys.argv) != 3:
        print("usage: btf-from-image.py VMLINUZ OUT.btf", file=sys.stderr)
        return 2
    with open(sys.argv[1], "rb") as image_file:
        image = image_file.read()
    btf = largest_btf(unpacked(image))
    if not btf:
        print(
            f"btf-from-image: no BTF in {sys.argv[1]}; was it built with "
            "CONFIG_DEBUG_INFO_BTF? Pass /sys/kernel/btf/vmlinux of a running one",
            file=sys.stderr,
        )
        return 1
    with open(sys.argv[2], "wb") as out:
        out.write(btf)
    return 0


if __name__ == "__main__":
    sys.exit(main())
