// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Who started a holder: the origin its identity and parents tell, and a real walk up from us. */
#include <string.h>
#include <unistd.h>
#include "enrich/process_lineage.h"
#include "unit.h"

/* A lineage of the comms given, the parent first. */
static struct process_lineage lineage_of(const char *const *comms, __u32 count)
{
	struct process_lineage lineage = { .parent_count = count };

	for (__u32 i = 0; i < count; i++) {
		lineage.parents[i].pid = 100 + i;
		snprintf(lineage.parents[i].comm, sizeof(lineage.parents[i].comm), "%s", comms[i]);
	}
	return lineage;
}

static enum process_origin origin(const char *service, const char *container_id,
				  const char *const *comms, __u32 count)
{
	struct process_identity identity = { 0 };
	struct process_lineage lineage = lineage_of(comms, count);

	snprintf(identity.service, sizeof(identity.service), "%s", service);
	snprintf(identity.container.id, sizeof(identity.container.id), "%s", container_id);
	return process_origin_of(&identity, &lineage);
}

static void test_origins(void)
{
	CHECK_INT(origin("nginx.service", "", (const char *[]){ "systemd" }, 1), ORIGIN_UNIT);
	CHECK_INT(origin("", "", (const char *[]){ "systemd" }, 1), ORIGIN_UNKNOWN);
	CHECK_INT(origin("", "", NULL, 0), ORIGIN_UNKNOWN);
	/* A container wins over whatever runs inside it, supervisord included. */
	CHECK_INT(origin("", "0123abcd", (const char *[]){ "supervisord", "containerd-shim" }, 2),
		  ORIGIN_CONTAINER);
	/* supervisord in a unit: the supervisor says more than supervisor.service. */
	CHECK_INT(origin("supervisor.service", "", (const char *[]){ "sh", "supervisord" }, 2),
		  ORIGIN_SUPERVISORD);
	/* pm2's daemon names itself "PM2 v5.3.0: God Daemon": its comm is the first 15 bytes. */
	CHECK_INT(origin("pm2-root.service", "", (const char *[]){ "PM2 v5.3.0: God" }, 1),
		  ORIGIN_PM2);
	CHECK_INT(origin("cron.service", "", (const char *[]){ "sh", "cron" }, 2), ORIGIN_CRON);
	CHECK_INT(origin("", "", (const char *[]){ "bash", "sshd" }, 2), ORIGIN_LOGIN);
	CHECK_INT(origin("", "", (const char *[]){ "bash", "tmux: server" }, 2), ORIGIN_LOGIN);
	/* A shell alone says nothing; "cronjob" is not cron. */
	CHECK_INT(origin("", "", (const char *[]){ "sh", "cronjob" }, 2), ORIGIN_UNKNOWN);

	CHECK_STR(process_origin_name(ORIGIN_LOGIN), "login session");
	CHECK_STR(process_origin_name(ORIGIN_UNIT), "unit");
	CHECK(process_origin_name(ORIGIN_UNKNOWN) == NULL);
}

/* Our own parents from /proc: the first is getppid(), and each one's pid is real. */
static void test_walk_from_self(void)
{
	struct process_identity identity = { 0 };
	struct process_lineage lineage;

	process_lineage_read(getpid(), &identity, &lineage);
	CHECK(lineage.parent_count >= 1);
	CHECK_INT(lineage.parents[0].pid, getppid());
	CHECK(lineage.parents[0].comm[0] != '\0');
	/* pid 1 has no parents; a gone pid neither. */
	process_lineage_read(1, &identity, &lineage);
	CHECK_INT(lineage.parent_count, 0);
	process_lineage_read(0x7ffffff0, &identity, &lineage);
	CHECK_INT(lineage.parent_count, 0);
}

int main(void)
{
	test_origins();
	test_walk_from_self();
	return unit_summary();
}
