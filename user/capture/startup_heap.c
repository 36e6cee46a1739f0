// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <malloc.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>
#include "capture/startup_heap.h"

#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23
#endif

/* glibc's defaults (mallopt(3)): large blocks mmap'ed, a free top above 128 KiB trimmed. */
#define DEFAULT_MMAP_THRESHOLD (128 * 1024)
#define DEFAULT_TRIM_THRESHOLD (128 * 1024)
/* The largest M_MMAP_THRESHOLD glibc accepts on 64-bit machines. */
#define LARGEST_MMAP_THRESHOLD (32 * 1024 * 1024)

void startup_heap_reserve(size_t bytes)
{
	long page = sysconf(_SC_PAGESIZE);
	uintptr_t start, end;
	char *block;

	/*
	 * Every block from the one brk heap, none given back on free: the
	 * BTF parses' multi-megabyte buffers then land on pages already there.
	 */
	mallopt(M_MMAP_THRESHOLD, LARGEST_MMAP_THRESHOLD);
	mallopt(M_TRIM_THRESHOLD, (int)bytes * 4);
	block = malloc(bytes);
	if (!block)
		return;
	start = ((uintptr_t)block + page - 1) & ~(uintptr_t)(page - 1);
	end = ((uintptr_t)block + bytes) & ~(uintptr_t)(page - 1);
	/* One system call instead of one fault per page; ignored where unknown. */
	if (end > start)
		madvise((void *)start, end - start, MADV_POPULATE_WRITE);
	free(block);
}

void startup_heap_release(void)
{
	mallopt(M_MMAP_THRESHOLD, DEFAULT_MMAP_THRESHOLD);
	mallopt(M_TRIM_THRESHOLD, DEFAULT_TRIM_THRESHOLD);
	malloc_trim(0);
}

void startup_image_release(const void *bytes, size_t size)
{
	long page = sysconf(_SC_PAGESIZE);
	uintptr_t start = ((uintptr_t)bytes + page - 1) & ~(uintptr_t)(page - 1);
	uintptr_t end = ((uintptr_t)bytes + size) & ~(uintptr_t)(page - 1);

	/* Whole pages inside the object only: the data around it stays. */
	if (end > start)
		madvise((void *)start, end - start, MADV_DONTNEED);
}
