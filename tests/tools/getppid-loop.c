// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * getppid-loop: COUNT getppid() system calls from one thread, and their
 * rate. A syscall no tracer looks at: while any program is attached to a
 * syscall tracepoint, the kernel sends every system call of every task
 * through its slow path, and this loop shows what that costs the machine.
 *
 *   getppid-loop [--count N]
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static double now_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	long count = 10000000, parent = 0;
	double start, elapsed;
	char *end;

	if (argc == 3 && !strcmp(argv[1], "--count")) {
		errno = 0;
		count = strtol(argv[2], &end, 10);
		if (errno || *end || count < 1)
			argc = 0;
	}
	if (argc != 1 && argc != 3) {
		fprintf(stderr, "usage: getppid-loop [--count N]\n");
		return 2;
	}
	start = now_seconds();
	/* syscall(2), not getppid(): no libc may answer it from a cache. */
	for (long i = 0; i < count; i++)
		parent += syscall(SYS_getppid);
	elapsed = now_seconds() - start;
	if (parent <= 0) {
		fprintf(stderr, "getppid-loop: getppid() returned no parent\n");
		return 1;
	}
	printf("getppid: %ld calls in %.3f s: %.0f per second\n", count, elapsed, count / elapsed);
	return 0;
}
