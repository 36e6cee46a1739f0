// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>
#include "clock.h"
#include "enrich/cgroup_identity.h"
#include "enrich/procinfo.h"

/* 4-way set associative: two busy pids that share a slot do not evict each other. */
#define PROCINFO_SETS 256
#define PROCINFO_WAYS 4
/*
 * A caller whose comm matches neither the cached one nor the last one seen
 * may have exec'd, or be a thread with its own name: re-read, but at most
 * this often, so a storm from differently named threads stays cheap.
 */
#define PROCINFO_RECHECK_NS  100000000ULL
#define PROC_STAT_MAX	     1024
#define PROC_CGROUP_FILE_MAX 4096

struct proc_entry {
	__u32 pid; /* 0: free slot (pid 0 never binds) */
	bool alive;
	bool cmdline_known;
	__u64 starttime; /* clock ticks after boot: tells a reused pid apart */
	__u64 read_at_ns;
	__u64 last_used_ns;
	char comm[BS_COMM_LEN];
	char seen_comm[BS_COMM_LEN]; /* an event comm already accepted for this process */
	size_t cmdline_len;
	char cmdline[REPORT_CMDLINE_MAX];
	char cgroup[REPORT_CGROUP_MAX];
	struct process_identity identity;
};

struct procinfo_cache {
	struct proc_entry entries[PROCINFO_SETS * PROCINFO_WAYS];
};

static bool comm_equal(const char *a, const char *b)
{
	return strncmp(a, b, BS_COMM_LEN) == 0;
}

/* src may lack a terminating NUL if it fills all BS_COMM_LEN bytes. */
static void comm_copy(char *dst, const char *src)
{
	size_t len = strnlen(src, BS_COMM_LEN - 1);

	memcpy(dst, src, len);
	dst[len] = '\0';
}

/* Whole file (up to size bytes) into buf; bytes read or -errno. */
static ssize_t proc_file_read(__u32 pid, const char *name, char *buf, size_t size)
{
	char path[64];
	size_t total = 0;
	int fd;

	snprintf(path, sizeof(path), "/proc/%u/%s", pid, name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	while (total < size) {
		ssize_t got = read(fd, buf + total, size - total);

		if (got < 0) {
			if (errno == EINTR)
				continue;
			int err = -errno;

			close(fd);
			return err;
		}
		if (got == 0)
			break;
		total += got;
	}
	close(fd);
	return total;
}

/* A cut before text[len] (which exists) that would split a UTF-8 character: move it back. */
static size_t utf8_safe_cut(const char *text, size_t len)
{
	/* A character is at most 4 bytes: its first byte is at most 3 back. */
	for (size_t cut = len; cut > 0 && len - cut <= 3; cut--) {
		if (((unsigned char)text[cut] & 0xc0) != 0x80)
			return cut;
	}
	return len; /* not UTF-8: any cut is as good */
}

size_t procinfo_cmdline_format(char *out, size_t out_size, const char *raw, size_t raw_len)
{
	size_t len = raw_len;

	if (len > out_size - 1)
		len = utf8_safe_cut(raw, out_size - 1);
	for (size_t i = 0; i < len; i++)
		out[i] = raw[i] == '\0' ? ' ' : raw[i];
	/* argv ends in a NUL; setproctitle() pads with NULs or spaces. */
	while (len > 0 && out[len - 1] == ' ')
		len--;
	out[len] = '\0';
	return len;
}

int procinfo_parse_stat(char *buf, char *comm, __u64 *starttime)
{
	/* "pid (comm) state ppid ...": comm may hold spaces and ')', so take the last ')'. */
	char *open_paren = strchr(buf, '(');
	char *close_paren = strrchr(buf, ')');

	if (!open_paren || !close_paren || close_paren < open_paren)
		return -EINVAL;
	size_t comm_len = close_paren - open_paren - 1;

	if (comm_len > BS_COMM_LEN - 1)
		comm_len = BS_COMM_LEN - 1;
	memcpy(comm, open_paren + 1, comm_len);
	comm[comm_len] = '\0';

	/* starttime is field 22; the field after ')' is field 3. */
	char *field = close_paren + 1;

	/* Cut right after ')': strchr(field + 1) would start past the end. */
	if (*field != ' ')
		return -EINVAL;
	for (int number = 3; number < 22; number++) {
		field = strchr(field + 1, ' ');
		if (!field)
			return -EINVAL;
	}
	*starttime = strtoull(field + 1, NULL, 10);
	return 0;
}

int procinfo_parse_ppid(const char *buf, __u32 *ppid)
{
	/* "pid (comm) S ppid ...": the field after the state. */
	const char *close_paren = strrchr(buf, ')');
	char *end;
	unsigned long value;

	if (!close_paren || close_paren[1] != ' ' || !close_paren[2] || close_paren[3] != ' ')
		return -EINVAL;
	value = strtoul(close_paren + 4, &end, 10);
	if (end == close_paren + 4 || (*end != ' ' && *end) || value > UINT32_MAX)
		return -EINVAL;
	*ppid = value;
	return 0;
}

int procinfo_parent(__u32 pid, char *comm, __u32 *ppid)
{
	char buf[PROC_STAT_MAX];
	ssize_t len = proc_file_read(pid, "stat", buf, sizeof(buf) - 1);
	__u64 starttime;
	int err;

	if (len < 0)
		return len;
	buf[len] = '\0';
	err = procinfo_parse_ppid(buf, ppid);
	return err ? err : procinfo_parse_stat(buf, comm, &starttime);
}

/* comm and starttime from /proc/PID/stat: one read instead of comm + stat. */
static int proc_stat_read(__u32 pid, char *comm, __u64 *starttime)
{
	char buf[PROC_STAT_MAX];
	ssize_t len = proc_file_read(pid, "stat", buf, sizeof(buf) - 1);

	if (len < 0)
		return len;
	buf[len] = '\0';
	return procinfo_parse_stat(buf, comm, starttime);
}

static void proc_cmdline_read(struct proc_entry *entry)
{
	/* One byte more than fits, to see whether the cut splits a character. */
	char raw[REPORT_CMDLINE_MAX];
	ssize_t len = proc_file_read(entry->pid, "cmdline", raw, sizeof(raw));

	/* Empty: a zombie, or a process whose memory is already gone. */
	entry->cmdline_known = len > 0;
	if (len <= 0) {
		entry->cmdline[0] = '\0';
		entry->cmdline_len = 0;
		return;
	}
	entry->cmdline_len =
		procinfo_cmdline_format(entry->cmdline, sizeof(entry->cmdline), raw, len);
}

/*
 * The cgroup path (unified, or name=systemd on a v1 hybrid), the systemd
 * service and the container, all from one read of /proc/PID/cgroup.
 */
static void proc_cgroup_read(struct proc_entry *entry)
{
	char buf[PROC_CGROUP_FILE_MAX];
	ssize_t len = proc_file_read(entry->pid, "cgroup", buf, sizeof(buf) - 1);
	struct process_identity *identity = &entry->identity;

	entry->cgroup[0] = '\0';
	identity->cgroup[0] = '\0';
	identity->service[0] = '\0';
	memset(&identity->container, 0, sizeof(identity->container));
	if (len <= 0)
		return;
	buf[len] = '\0';
	cgroup_best_path(buf, identity->cgroup, sizeof(identity->cgroup));
	memcpy(entry->cgroup, identity->cgroup, sizeof(entry->cgroup));
	cgroup_service(identity->cgroup, identity->service, sizeof(identity->service));
	cgroup_file_container(buf, &identity->container);
}

/* What the process runs (a deleted binary reads "... (deleted)") and that file's identity. */
static void proc_exe_read(struct proc_entry *entry)
{
	struct process_identity *identity = &entry->identity;
	char path[64];
	struct stat st;
	ssize_t len;

	snprintf(path, sizeof(path), "/proc/%u/exe", entry->pid);
	len = readlink(path, identity->exe, sizeof(identity->exe) - 1);
	identity->exe[len > 0 ? len : 0] = '\0';
	identity->exe_dev = 0;
	identity->exe_ino = 0;
	if (len > 0 && stat(path, &st) == 0) {
		identity->exe_dev = st.st_dev;
		identity->exe_ino = st.st_ino;
	}
}

/* starttime counts clock ticks since boot (CLOCK_BOOTTIME): to wall-clock ns. */
static __u64 start_realtime_ns(__u64 starttime_ticks)
{
	static long ticks_per_second;
	/* When the machine booted, on the wall clock. */
	__u64 boot_realtime_ns = realtime_ns() - clock_ns(CLOCK_BOOTTIME);

	if (!ticks_per_second)
		ticks_per_second = sysconf(_SC_CLK_TCK);
	if (ticks_per_second <= 0)
		return 0;
	return boot_realtime_ns + starttime_ticks * (1000000000ULL / ticks_per_second);
}

static void entry_read(struct proc_entry *entry, __u64 now, const char *event_comm)
{
	char comm[BS_COMM_LEN];
	__u64 starttime;

	entry->read_at_ns = now;
	if (proc_stat_read(entry->pid, comm, &starttime) < 0) {
		bool same_process = !event_comm || comm_equal(event_comm, entry->comm) ||
				    comm_equal(event_comm, entry->seen_comm);

		/* Events outlive their process: keep what was read while it lived. */
		if (!entry->alive || !same_process) {
			entry->comm[0] = '\0';
			entry->cmdline[0] = '\0';
			entry->cmdline_len = 0;
			entry->cmdline_known = false;
			entry->cgroup[0] = '\0';
			memset(&entry->identity, 0, sizeof(entry->identity));
		}
		entry->alive = false;
		if (event_comm)
			comm_copy(entry->seen_comm, event_comm);
		return;
	}
	if (!entry->alive || entry->starttime != starttime)
		entry->seen_comm[0] = '\0';
	entry->alive = true;
	entry->starttime = starttime;
	comm_copy(entry->comm, comm);
	proc_cmdline_read(entry);
	proc_cgroup_read(entry);
	proc_exe_read(entry);
	entry->identity.start_realtime_ns = start_realtime_ns(starttime);
	if (event_comm)
		comm_copy(entry->seen_comm, event_comm);
}

static bool entry_stale(const struct proc_entry *entry, __u64 now, const char *event_comm)
{
	__u64 age = now - entry->read_at_ns;

	if (age >= PROCINFO_TTL_NS)
		return true;
	if (!event_comm || comm_equal(event_comm, entry->comm) ||
	    comm_equal(event_comm, entry->seen_comm))
		return false;
	return age >= PROCINFO_RECHECK_NS;
}

static unsigned int set_of(__u32 pid)
{
	/* Fibonacci hashing: pids of one burst are consecutive, spread them. */
	return (pid * 2654435761u) >> 24 & (PROCINFO_SETS - 1);
}

/* The fresh entry for pid (event_comm NULL when there is no event to compare). */
static struct proc_entry *entry_get(struct procinfo_cache *cache, __u32 pid, const char *event_comm)
{
	struct proc_entry *set = &cache->entries[set_of(pid) * PROCINFO_WAYS];
	struct proc_entry *victim = &set[0];
	__u64 now = coarse_monotonic_ns();

	for (int way = 0; way < PROCINFO_WAYS; way++) {
		struct proc_entry *entry = &set[way];

		if (entry->pid == pid) {
			if (entry_stale(entry, now, event_comm))
				entry_read(entry, now, event_comm);
			entry->last_used_ns = now;
			return entry;
		}
		if (entry->last_used_ns < victim->last_used_ns)
			victim = entry;
	}
	memset(victim, 0, sizeof(*victim));
	victim->pid = pid;
	entry_read(victim, now, event_comm);
	victim->last_used_ns = now;
	return victim;
}

struct procinfo_cache *procinfo_cache_new(void)
{
	return calloc(1, sizeof(struct procinfo_cache));
}

void procinfo_cache_free(struct procinfo_cache *cache)
{
	free(cache);
}

void procinfo_caller(struct procinfo_cache *cache, const struct bs_event *ev,
		     struct caller_report *out)
{
	const struct proc_entry *entry = NULL;

	out->pid = ev->pid;
	out->tid = ev->tid;
	out->ppid = ev->ppid;
	out->uid = ev->uid;
	out->netns = ev->netns_ino;
	out->cgroup_id = ev->cgroup_id;
	comm_copy(out->comm, ev->comm);
	if (cache && ev->pid)
		entry = entry_get(cache, ev->pid, out->comm);
	out->cmdline_known = entry && entry->cmdline_known;
	if (out->cmdline_known)
		memcpy(out->cmdline, entry->cmdline, entry->cmdline_len + 1);
	else
		out->cmdline[0] = '\0';
	if (entry) {
		memcpy(out->cgroup, entry->cgroup, strlen(entry->cgroup) + 1);
		out->identity = entry->identity;
	} else {
		out->cgroup[0] = '\0';
		memset(&out->identity, 0, sizeof(out->identity));
	}
}

int procinfo_process(struct procinfo_cache *cache, __u32 pid, struct process_ref *out)
{
	struct proc_entry *entry;

	out->pid = pid;
	out->comm[0] = '\0';
	out->cmdline[0] = '\0';
	out->cmdline_known = false;
	memset(&out->identity, 0, sizeof(out->identity));
	if (!cache || !pid)
		return -ESRCH;
	entry = entry_get(cache, pid, NULL);
	/*
	 * Asked about a process that holds a socket now: an entry that says it
	 * is gone is about an earlier owner of a reused pid (a VM reuses them
	 * within a second). Read it again.
	 */
	if (!entry->alive)
		entry_read(entry, coarse_monotonic_ns(), NULL);
	comm_copy(out->comm, entry->comm);
	out->identity = entry->identity;
	out->cmdline_known = entry->cmdline_known;
	if (entry->cmdline_known)
		memcpy(out->cmdline, entry->cmdline, entry->cmdline_len + 1);
	return entry->alive ? 0 : -ESRCH;
}
