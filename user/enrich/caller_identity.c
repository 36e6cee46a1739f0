// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <stdio.h>
#include <string.h>
#include <net/if.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include "enrich/caller_identity.h"
#include "enrich/cgroup_identity.h"
#include "enrich/procinfo.h"

/*
 * /proc's start time counts clock ticks (10 ms): one read of the same
 * process lands within a tick or two of the kernel's nanoseconds.
 */
#define SAME_START_NS 50000000ULL

size_t identity_path_join(const char *packed, size_t len, bool complete, char *out, size_t out_size)
{
	const char *parts[BS_PATH_LEN / 2];
	size_t count = 0, used = 0;

	out[0] = '\0';
	for (size_t at = 0; at < len && count < sizeof(parts) / sizeof(parts[0]);) {
		size_t part_len = strnlen(packed + at, len - at);

		/* A component cut off by the end of the buffer is not a name. */
		if (at + part_len >= len || !part_len)
			break;
		parts[count++] = packed + at;
		at += part_len + 1;
	}
	if (!count)
		return 0;
	if (!complete && out_size > 4) {
		memcpy(out, "...", 3);
		used = 3;
	}
	while (count--) {
		size_t part_len = strlen(parts[count]);

		if (used + 1 + part_len + 1 > out_size)
			break;
		out[used++] = '/';
		memcpy(out + used, parts[count], part_len);
		used += part_len;
	}
	out[used] = '\0';
	return used;
}

bool identity_same_start(__u64 proc_start_ns, __u64 kernel_start_ns)
{
	if (!proc_start_ns)
		return false;
	return (proc_start_ns > kernel_start_ns ? proc_start_ns - kernel_start_ns :
						  kernel_start_ns - proc_start_ns) < SAME_START_NS;
}

__u64 identity_dev_to_user(__u32 kernel_dev)
{
	return makedev(kernel_dev >> 20, kernel_dev & 0xfffff);
}

/* The cgroup path and what it names: the unit, the container. */
static void cgroup_apply(const struct bs_identity *kernel, struct caller_report *caller)
{
	struct process_identity *identity = &caller->identity;
	char path[REPORT_CGROUP_MAX];

	if (!identity_path_join(kernel->cgroup_path, sizeof(kernel->cgroup_path),
				kernel->flags & BS_ID_CGROUP_COMPLETE, path, sizeof(path))) {
		/* A process at the root of its hierarchy: the walk found no component. */
		if (!(kernel->flags & BS_ID_CGROUP_COMPLETE))
			return;
		strcpy(path, "/");
	}
	memcpy(caller->cgroup, path, sizeof(caller->cgroup));
	memcpy(identity->cgroup, path, sizeof(identity->cgroup));
	cgroup_service(path, identity->service, sizeof(identity->service));
	if (!cgroup_container(path, &identity->container))
		memset(&identity->container, 0, sizeof(identity->container));
}

/* Our own network namespace: an interface index names a device only there. */
static __u64 own_netns(void)
{
	static __u64 inode;
	struct stat st;

	if (!inode && stat("/proc/self/ns/net", &st) == 0)
		inode = st.st_ino;
	return inode;
}

static void socket_options_apply(const struct bs_identity *kernel, struct caller_report *caller)
{
	struct caller_socket_options *options = &caller->socket_options;
	char name[IF_NAMESIZE];

	options->known = true;
	options->flags = kernel->sock_flags;
	options->bound_ifindex = kernel->bound_ifindex;
	options->device[0] = '\0';
	if (!kernel->bound_ifindex)
		return;
	if (caller->netns == own_netns() && if_indextoname(kernel->bound_ifindex, name))
		snprintf(options->device, sizeof(options->device), "%s", name);
	else
		snprintf(options->device, sizeof(options->device), "ifindex %u",
			 kernel->bound_ifindex);
}

/* The parent chain, as the kernel walked it: [0] is ppid. */
static void caller_parents_apply(const struct bs_identity *kernel, struct caller_report *caller)
{
	caller->parent_count = 0;
	for (int i = 0; i < BS_PARENT_DEPTH && kernel->parent_pids[i]; i++) {
		struct parent_ref *parent = &caller->parents[caller->parent_count++];

		parent->pid = kernel->parent_pids[i];
		memcpy(parent->comm, kernel->parent_comms[i], BS_COMM_LEN);
		parent->comm[BS_COMM_LEN - 1] = '\0';
	}
}

void caller_identity_apply(const struct bs_identity *kernel, __s64 boot_to_realtime_ns,
			   struct caller_report *caller)
{
	struct process_identity *identity = &caller->identity;
	__u64 start_ns;
	bool same_process;

	caller->identity_from_kernel = false;
	caller->parent_count = 0;
	caller->socket_options.known = false;
	if (!(kernel->flags & BS_ID_READ))
		return;
	caller->identity_from_kernel = true;
	if (kernel->flags & BS_ID_SOCK_OPTIONS)
		socket_options_apply(kernel, caller);
	start_ns = kernel->start_boottime_ns + boot_to_realtime_ns;
	/* What /proc said is about this very process only if it started when it did. */
	same_process = identity_same_start(identity->start_realtime_ns, start_ns);
	if (!same_process) {
		caller->cmdline_known = false;
		caller->cmdline[0] = '\0';
		memset(identity, 0, sizeof(*identity));
	}
	identity->start_realtime_ns = start_ns;
	/*
	 * /proc's path is whole (and says "(deleted)"), and its stat() is what
	 * the holders' identities come from too (on overlayfs st_dev is not the
	 * superblock's): the kernel's reading fills in where /proc had none.
	 */
	if (kernel->exe_ino && (!same_process || !identity->exe_ino)) {
		identity->exe_dev = identity_dev_to_user(kernel->exe_dev);
		identity->exe_ino = kernel->exe_ino;
		identity_path_join(kernel->exe_path, sizeof(kernel->exe_path),
				   kernel->flags & BS_ID_EXE_COMPLETE, identity->exe,
				   sizeof(identity->exe));
	}
	/* A whole /proc path of this very process is as good, and names v1 containers too. */
	if (!same_process || !identity->cgroup[0])
		cgroup_apply(kernel, caller);
	caller_parents_apply(kernel, caller);
	if (!caller->cmdline_known && kernel->cmdline_len) {
		size_t len = procinfo_cmdline_format(caller->cmdline, sizeof(caller->cmdline) - 4,
						     kernel->cmdline, kernel->cmdline_len);

		/* The kernel read the first bytes only: say where it stopped. */
		if (kernel->flags & BS_ID_CMDLINE_CUT)
			strcpy(caller->cmdline + len, "...");
		caller->cmdline_known = true;
	}
}
