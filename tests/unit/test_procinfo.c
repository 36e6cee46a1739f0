// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include "enrich/procinfo.h"
#include "unit.h"

/* The next fork gets pid (root only: /proc/sys/kernel/ns_last_pid); false if not. */
static bool next_pid_will_be(pid_t pid)
{
	FILE *last = fopen("/proc/sys/kernel/ns_last_pid", "w");
	int ok;

	if (!last)
		return false;
	ok = fprintf(last, "%d", (int)pid - 1) > 0;
	return fclose(last) == 0 && ok;
}

/*
 * A pid asked about before its process exists (a holder's pid that a VM
 * reuses within a second of the last owner's exit): once a process lives
 * there, it is read, not the empty entry of the gone one.
 */
static void test_reused_pid(void)
{
	struct procinfo_cache *cache = procinfo_cache_new();
	struct process_ref process;
	int ready[2], status;
	pid_t pid, child;
	char byte;

	FILE *max_file = fopen("/proc/sys/kernel/pid_max", "r");
	int pid_max = 32768;

	if (max_file) {
		if (fscanf(max_file, "%d", &pid_max) != 1)
			pid_max = 32768;
		fclose(max_file);
	}
	/* A free pid, away from the ones being handed out now. */
	for (pid = (getpid() + 5000) % (pid_max - 1000) + 500; kill(pid, 0) == 0 || errno != ESRCH;
	     pid++)
		;
	CHECK_INT(procinfo_process(cache, pid, &process), -ESRCH);
	if (!next_pid_will_be(pid)) {
		printf("     skipped: cannot choose the next pid (not root?)\n");
		procinfo_cache_free(cache);
		return;
	}
	CHECK_INT(pipe(ready), 0);
	child = fork();
	if (child == 0) {
		prctl(PR_SET_NAME, "reused-pid");
		byte = 'r';
		if (write(ready[1], &byte, 1) != 1)
			_exit(1);
		pause();
		_exit(0);
	}
	CHECK(read(ready[0], &byte, 1) == 1);
	if (child == pid) {
		CHECK_INT(procinfo_process(cache, pid, &process), 0);
		CHECK_STR(process.comm, "reused-pid");
		CHECK(process.cmdline_known);
	} else {
		printf("     skipped: the child got pid %d, not %d\n", (int)child, (int)pid);
	}
	kill(child, SIGKILL);
	waitpid(child, &status, 0);
	close(ready[0]);
	close(ready[1]);
	procinfo_cache_free(cache);
}

int main(void)
{
	test_reused_pid();
	return unit_summary();
}
