/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The heap during start-up. Loading the BPF object makes libbpf parse the
 * kernel's BTF (/sys/kernel/btf/vmlinux, ~6 MB) into fresh heap memory, and
 * auto's fexit probe parses it once more. On a VM whose page faults are dear
 * (the Firecracker guests bindsnoop is developed on: ~60 ms of a ~70 ms
 * parse is first-touch faults) that is most of the start-up time.
 * startup_heap_reserve() faults in one heap region with a single
 * madvise(MADV_POPULATE_WRITE) and keeps freed memory in the heap, so both
 * parses reuse the same warm pages; startup_heap_release() gives it all back
 * once tracing runs, so the idle footprint is what the tracer needs.
 */
#ifndef BINDSNOOP_STARTUP_HEAP_H
#define BINDSNOOP_STARTUP_HEAP_H

#include <stddef.h>

/* Best effort: on a kernel without MADV_POPULATE_WRITE (5.14) it only keeps freed memory. */
void startup_heap_reserve(size_t bytes);
/* Back to glibc's default heap policy, and the spare memory to the kernel. */
void startup_heap_release(void);
/*
 * The BPF object embedded in the binary (1.9 MB of its read-only data) is
 * read once, when libbpf opens it, and copied where libbpf keeps anything:
 * its pages, clean and file-backed, leave the resident set. Another open
 * reads them back from the file.
 */
void startup_image_release(const void *bytes, size_t size);

#endif /* BINDSNOOP_STARTUP_HEAP_H */
