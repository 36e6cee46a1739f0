// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>
#include "clock.h"
#include "enrich/netns_limits.h"

#define NETNS_LIMITS_SLOTS 8

struct limits_slot {
	__u64 netns_ino; /* 0: free */
	__u64 read_at_ns;
	struct netns_limits limits;
};

struct netns_limits_cache {
	int own_netns_fd;
	__u64 own_netns_ino;
	bool stranded; /* setns() back failed once: never leave again */
	struct limits_slot slots[NETNS_LIMITS_SLOTS];
};

static ssize_t read_text(const char *path, char *buf, size_t size)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t len;

	if (fd < 0)
		return -errno;
	len = read(fd, buf, size - 1);
	close(fd);
	if (len < 0)
		return -errno;
	buf[len] = '\0';
	return len;
}

int netns_parse_port_range(const char *text, int *low, int *high)
{
	char *end;
	long first = strtol(text, &end, 10);
	long second;

	if (end == text)
		return -EINVAL;
	second = strtol(end, &end, 10);
	if (first < 0 || second < first || second > 65535)
		return -EINVAL;
	*low = first;
	*high = second;
	return 0;
}

/* Both sysctls as this thread's namespace has them. */
static void read_here(struct netns_limits *out)
{
	char text[64];

	out->unprivileged_port_start = -1;
	out->local_port_low = -1;
	out->local_port_high = -1;
	if (read_text("/proc/sys/net/ipv4/ip_unprivileged_port_start", text, sizeof(text)) > 0)
		out->unprivileged_port_start = atoi(text);
	if (read_text("/proc/sys/net/ipv4/ip_local_port_range", text, sizeof(text)) > 0 &&
	    netns_parse_port_range(text, &out->local_port_low, &out->local_port_high) < 0) {
		out->local_port_low = -1;
		out->local_port_high = -1;
	}
}

/* Enter pid's namespace (if it is still netns_ino), read, come back. */
static void read_in(struct netns_limits_cache *cache, __u64 netns_ino, __u32 pid,
		    struct netns_limits *out)
{
	char path[64];
	struct stat st;
	int fd;

	out->unprivileged_port_start = -1;
	out->local_port_low = out->local_port_high = -1;
	if (cache->stranded || !pid)
		return;
	snprintf(path, sizeof(path), "/proc/%u/ns/net", pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	if (fstat(fd, &st) < 0 || st.st_ino != netns_ino || setns(fd, CLONE_NEWNET) < 0) {
		close(fd);
		return;
	}
	close(fd);
	read_here(out);
	if (setns(cache->own_netns_fd, CLONE_NEWNET) < 0)
		cache->stranded = true;
}

struct netns_limits_cache *netns_limits_cache_new(void)
{
	struct netns_limits_cache *cache = calloc(1, sizeof(*cache));
	struct stat st;

	if (!cache)
		return NULL;
	cache->own_netns_fd = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	if (cache->own_netns_fd < 0 || fstat(cache->own_netns_fd, &st) < 0) {
		netns_limits_cache_free(cache);
		return NULL;
	}
	cache->own_netns_ino = st.st_ino;
	return cache;
}

void netns_limits_cache_free(struct netns_limits_cache *cache)
{
	if (!cache)
		return;
	if (cache->own_netns_fd > 0)
		close(cache->own_netns_fd);
	free(cache);
}

void netns_limits_get(struct netns_limits_cache *cache, __u64 netns_ino, __u32 pid,
		      struct netns_limits *out)
{
	struct limits_slot *slot = NULL;
	__u64 now = coarse_monotonic_ns();

	for (int i = 0; i < NETNS_LIMITS_SLOTS; i++) {
		struct limits_slot *candidate = &cache->slots[i];

		if (candidate->netns_ino == netns_ino) {
			slot = candidate;
			break;
		}
		if (!slot || candidate->read_at_ns < slot->read_at_ns)
			slot = candidate;
	}
	if (slot->netns_ino == netns_ino && now - slot->read_at_ns < NETNS_LIMITS_TTL_NS) {
		*out = slot->limits;
		return;
	}
	if (!netns_ino || netns_ino == cache->own_netns_ino)
		read_here(&slot->limits);
	else
		read_in(cache, netns_ino, pid, &slot->limits);
	slot->netns_ino = netns_ino;
	slot->read_at_ns = now;
	*out = slot->limits;
}
