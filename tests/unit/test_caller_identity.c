// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <stdlib.h>
#include <string.h>
#include <sys/sysmacros.h>
#include "enrich/caller_identity.h"
#include "unit.h"

#define SECOND 1000000000ULL

static void pack(char *packed, const char *const *leaf_first, int count)
{
	size_t at = 0;

	for (int i = 0; i < count; i++) {
		strcpy(packed + at, leaf_first[i]);
		at += strlen(leaf_first[i]) + 1;
	}
}

static void test_path_join(void)
{
	static const char *const exe[] = { "python3.11", "bin", "usr" };
	char packed[BS_PATH_LEN] = { 0 }, out[256];

	pack(packed, exe, 3);
	CHECK_INT(identity_path_join(packed, sizeof(packed), true, out, sizeof(out)), 19);
	CHECK_STR(out, "/usr/bin/python3.11");
	/* A walk that stopped short says so. */
	identity_path_join(packed, sizeof(packed), false, out, sizeof(out));
	CHECK_STR(out, ".../usr/bin/python3.11");
	/* Nothing walked: the root itself. */
	memset(packed, 0, sizeof(packed));
	CHECK_INT(identity_path_join(packed, sizeof(packed), true, out, sizeof(out)), 0);
	CHECK_STR(out, "");
	/* A component cut by the end of the buffer is dropped, not half shown. */
	memset(packed, 'x', sizeof(packed));
	strcpy(packed, "app");
	identity_path_join(packed, sizeof(packed), false, out, sizeof(out));
	CHECK_STR(out, ".../app");
	/* Too long for out: whole components only, root side first. */
	memset(packed, 0, sizeof(packed));
	pack(packed, exe, 3);
	identity_path_join(packed, sizeof(packed), true, out, 10);
	CHECK_STR(out, "/usr/bin");
}

static void kernel_identity(struct bs_identity *id)
{
	static const char *const exe[] = { "memcached", "bin", "usr" };
	static const char *const cgroup[] = { "memcached.service", "system.slice" };

	memset(id, 0, sizeof(*id));
	id->flags = BS_ID_READ | BS_ID_EXE_COMPLETE | BS_ID_CGROUP_COMPLETE | BS_ID_SOCK_OPTIONS;
	id->exe_ino = 4242;
	id->exe_dev = (8 << 20) | 1; /* sda1 */
	id->start_boottime_ns = 100 * SECOND;
	pack(id->exe_path, exe, 3);
	pack(id->cgroup_path, cgroup, 2);
	memcpy(id->cmdline,
	       "memcached\0-p\0"
	       "11211\0",
	       19);
	id->cmdline_len = 19;
	id->parent_pids[0] = 1;
	strcpy(id->parent_comms[0], "systemd");
	id->sock_flags = BS_SOCK_REUSEADDR;
}

/* A caller gone before /proc was read: everything comes from the kernel. */
static void test_gone_caller(void)
{
	struct caller_report *caller = calloc(1, sizeof(*caller));
	struct bs_identity id;

	kernel_identity(&id);
	caller->pid = 900;
	caller_identity_apply(&id, 1000 * SECOND, caller);
	CHECK(caller->identity_from_kernel);
	CHECK_STR(caller->identity.exe, "/usr/bin/memcached");
	CHECK_INT(caller->identity.exe_dev, makedev(8, 1));
	CHECK_INT(caller->identity.exe_ino, 4242);
	CHECK_INT(caller->identity.start_realtime_ns, 1100 * SECOND);
	CHECK_STR(caller->cgroup, "/system.slice/memcached.service");
	CHECK_STR(caller->identity.service, "memcached.service");
	CHECK(caller->cmdline_known);
	CHECK_STR(caller->cmdline, "memcached -p 11211");
	CHECK_INT(caller->parent_count, 1);
	CHECK_STR(caller->parents[0].comm, "systemd");
	CHECK(caller->socket_options.known);
	CHECK_INT(caller->socket_options.flags, BS_SOCK_REUSEADDR);

	/* Nothing read in the kernel (a success, --all): /proc's answer stays. */
	memset(caller, 0, sizeof(*caller));
	strcpy(caller->identity.exe, "/usr/bin/x");
	id.flags = 0;
	caller_identity_apply(&id, 1000 * SECOND, caller);
	CHECK(!caller->identity_from_kernel);
	CHECK_STR(caller->identity.exe, "/usr/bin/x");
	free(caller);
}

/*
 * /proc answered for the pid, but about another process (the pid was
 * reused): its start time differs, so none of it is kept.
 */
static void test_reused_pid(void)
{
	struct caller_report *caller = calloc(1, sizeof(*caller));
	struct bs_identity id;

	kernel_identity(&id);
	caller->cmdline_known = true;
	strcpy(caller->cmdline, "bash");
	strcpy(caller->identity.exe, "/usr/bin/bash");
	strcpy(caller->identity.service, "getty.service");
	caller->identity.start_realtime_ns = 1105 * SECOND;
	caller_identity_apply(&id, 1000 * SECOND, caller);
	CHECK_STR(caller->identity.exe, "/usr/bin/memcached");
	CHECK_STR(caller->identity.service, "memcached.service");
	CHECK_STR(caller->cmdline, "memcached -p 11211");

	/* The same process (start within a tick): /proc's whole command line stays. */
	memset(caller, 0, sizeof(*caller));
	caller->cmdline_known = true;
	strcpy(caller->cmdline, "memcached -p 11211 -U 0 -l 127.0.0.1");
	strcpy(caller->identity.exe, "/usr/bin/memcached");
	caller->identity.start_realtime_ns = 1100 * SECOND + 7000000;
	caller_identity_apply(&id, 1000 * SECOND, caller);
	CHECK_STR(caller->cmdline, "memcached -p 11211 -U 0 -l 127.0.0.1");
	CHECK_INT(caller->identity.start_realtime_ns, 1100 * SECOND);
	free(caller);
}

int main(void)
{
	test_path_join();
	test_gone_caller();
	test_reused_pid();
	return unit_summary();
}
