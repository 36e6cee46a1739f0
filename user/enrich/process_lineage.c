// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <stdbool.h>
#include <string.h>
#include "enrich/procinfo.h"
#include "enrich/process_lineage.h"

/*
 * A parent's comm, as the kernel keeps it (15 bytes): the origin it gives
 * what runs under it, and whether the walk stops there.
 */
static const struct {
	const char *comm;
	bool prefix;
	enum process_origin origin;
	bool manager; /* the walk ends here: what started the rest */
} known_parents[] = {
	{ "systemd", false, ORIGIN_UNKNOWN, true },
	{ "init", false, ORIGIN_UNKNOWN, true },
	{ "containerd-shim", true, ORIGIN_CONTAINER, true },
	{ "conmon", false, ORIGIN_CONTAINER, true },
	{ "supervisord", false, ORIGIN_SUPERVISORD, true },
	/* pm2's daemon renames itself "PM2 v5.3.0: God Daemon" (comm: its first 15 bytes). */
	{ "PM2 v", true, ORIGIN_PM2, true },
	{ "pm2", false, ORIGIN_PM2, true },
	{ "cron", false, ORIGIN_CRON, true },
	{ "crond", false, ORIGIN_CRON, true },
	{ "anacron", false, ORIGIN_CRON, true },
	{ "sshd", false, ORIGIN_LOGIN, true },
	{ "login", false, ORIGIN_LOGIN, true },
	{ "tmux: server", false, ORIGIN_LOGIN, true },
	{ "SCREEN", false, ORIGIN_LOGIN, true },
	{ "screen", false, ORIGIN_LOGIN, true },
};

static int known_parent(const char *comm)
{
	for (size_t i = 0; i < sizeof(known_parents) / sizeof(known_parents[0]); i++) {
		const char *name = known_parents[i].comm;
		size_t len = strlen(name);

		if (known_parents[i].prefix ? !strncmp(comm, name, len) : !strcmp(comm, name))
			return i;
	}
	return -1;
}

enum process_origin process_origin_of(const struct process_identity *identity,
				      const struct process_lineage *lineage)
{
	if (identity->container.id[0])
		return ORIGIN_CONTAINER;
	for (__u32 i = 0; i < lineage->parent_count && i < LINEAGE_MAX_PARENTS; i++) {
		int known = known_parent(lineage->parents[i].comm);

		if (known >= 0 && known_parents[known].origin != ORIGIN_UNKNOWN)
			return known_parents[known].origin;
	}
	return identity->service[0] ? ORIGIN_UNIT : ORIGIN_UNKNOWN;
}

void process_lineage_read(__u32 pid, const struct process_identity *identity,
			  struct process_lineage *out)
{
	char comm[BS_COMM_LEN];
	__u32 parent;

	memset(out, 0, sizeof(*out));
	if (pid > 1 && procinfo_parent(pid, comm, &parent) == 0) {
		while (parent && out->parent_count < LINEAGE_MAX_PARENTS) {
			struct parent_ref *ref = &out->parents[out->parent_count];
			__u32 grandparent;
			int known;

			if (procinfo_parent(parent, ref->comm, &grandparent))
				break;
			ref->pid = parent;
			out->parent_count++;
			known = known_parent(ref->comm);
			if (known >= 0 && known_parents[known].manager)
				break;
			parent = grandparent;
		}
	}
	out->origin = process_origin_of(identity, out);
}

const char *process_origin_name(enum process_origin origin)
{
	switch (origin) {
	case ORIGIN_CONTAINER:
		return "container";
	case ORIGIN_SUPERVISORD:
		return "supervisord";
	case ORIGIN_PM2:
		return "pm2";
	case ORIGIN_CRON:
		return "cron";
	case ORIGIN_LOGIN:
		return "login session";
	case ORIGIN_UNIT:
		return "unit";
	default:
		return NULL;
	}
}
