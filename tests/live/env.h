/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Facts about the machine and this process that tests compare events with. */
#ifndef LIVE_ENV_H
#define LIVE_ENV_H

#include <stdbool.h>
#include <sys/types.h>

struct host_facts {
	pid_t pid; /* live-test: the parent of every helper */
	uid_t uid;
	unsigned long long netns; /* inode of /proc/self/ns/net */
	/* our arguments joined by spaces (helpers share them), cut where bindsnoop cuts them */
	char cmdline[512]; /* REPORT_CMDLINE_MAX */
	bool cgroup_known;
	char cgroup[1024]; /* unified path, or name=systemd's on a v1/v2 hybrid */
	char exe[1024];	   /* /proc/self/exe: helpers are forks, so theirs too */
	bool ipv6;	   /* ::1 can be bound */
};

/* Read once, at the first call. */
const struct host_facts *host_facts(void);

/* An integer from a /proc/sys file: 0 or -errno. */
int read_sysctl(const char *path, long *value);

/* Are we inside a container (docker, podman, systemd-nspawn, lxc)? */
bool in_container(void);

/*
 * A port nothing holds (TCP and UDP, IPv4 and IPv6), distinct from every
 * port handed out before in this run. 0 if none is left.
 */
unsigned int port_allocate(void);

#endif /* LIVE_ENV_H */
