// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "clock.h"
#include "enrich/proc_sockets.h"

/*
 * A scan reads ~4 us per fd here: 200 ms for one process with 20,000
 * sockets. In a storm (refreshes less than SCAN_STORM_GAP_NS apart) it runs
 * in slices of at most SCAN_SLICE_NS, one every SCAN_SLICE_GAP_NS at most,
 * and lookups use the last complete map meanwhile: the event loop is never
 * held for long. A lone report has nobody waiting behind it: its slice runs
 * to the end of its budget (LOOKUP_BUDGET_LONE_NS), so a single conflict
 * names its holder at once.
 */
#define SCAN_SLICE_NS	  4000000ULL
#define SCAN_SLICE_GAP_NS 16000000ULL
#define SCAN_STORM_GAP_NS 50000000ULL
#define SCAN_ABANDON_NS	   10000000000ULL /* a scan nobody advanced for this long is stale */
/* Scans take at most 1/SCAN_DUTY_DIVISOR of the time: hosts where they are slow scan less often. */
#define SCAN_DUTY_DIVISOR 5
/*
 * An inode a complete scan did not find although it was asked for before
 * the scan began (kernel-owned sockets, fds in flight): it does not trigger
 * another scan for this long, so one such holder in a storm cannot keep the
 * host scanning.
 */
#define ABSENT_HOLD_NS	 2000000000ULL
#define MISSED_INODES	 32
#define INITIAL_CAPACITY 1024

struct socket_holder {
	__u64 inode;
	__u32 pid;
	int fd;
};

struct holder_list {
	struct socket_holder *entries;
	size_t count;
	size_t capacity;
};

struct missed_inode {
	__u64 inode;
	__u64 first_missed_ns;
};

struct scan_progress {
	DIR *proc;	  /* NULL: no scan under way */
	DIR *process_fds; /* the process being read, or NULL */
	__u32 pid;
	__u64 started_ns;
	__u64 last_step_ns;
	__u64 busy_ns;
	struct holder_list found;
};

struct proc_sockets {
	struct holder_list map; /* last complete scan, sorted by inode then pid */
	bool have_map;
	bool scanning;
	__u64 map_started_ns;
	__u64 last_scan_done_ns;
	__u64 last_scan_busy_ns;
	__u64 slice_ended_ns;
	__u64 last_refresh_ns;
	__u64 scan_count;
	struct scan_progress scan;
	struct missed_inode missed[MISSED_INODES];
	unsigned int missed_next;
};

static bool parse_decimal(const char *text, __u64 *value)
{
	char *end;

	if (*text < '0' || *text > '9')
		return false;
	errno = 0;
	*value = strtoull(text, &end, 10);
	return errno == 0 && *end == '\0';
}

static int holder_list_append(struct holder_list *list, __u64 inode, __u32 pid, int fd)
{
	if (list->count == list->capacity) {
		size_t capacity = list->capacity ? list->capacity * 2 : INITIAL_CAPACITY;
		struct socket_holder *grown;

		if (capacity > PROC_SOCKETS_MAX_ENTRIES)
			capacity = PROC_SOCKETS_MAX_ENTRIES;
		if (capacity == list->capacity)
			return -ENOSPC;
		grown = realloc(list->entries, capacity * sizeof(*grown));
		if (!grown)
			return -ENOMEM;
		list->entries = grown;
		list->capacity = capacity;
	}
	list->entries[list->count++] =
		(struct socket_holder){ .inode = inode, .pid = pid, .fd = fd };
	return 0;
}

static int holder_compare(const void *left, const void *right)
{
	const struct socket_holder *a = left, *b = right;

	if (a->inode != b->inode)
		return a->inode < b->inode ? -1 : 1;
	if (a->pid != b->pid)
		return a->pid < b->pid ? -1 : 1;
	return a->fd < b->fd ? -1 : a->fd > b->fd;
}

/* A process holding one socket through several fds is listed once, with the lowest. */
static void holder_list_sort_unique(struct holder_list *list)
{
	size_t kept = 0;

	/* No socket found at all (a --who scan of a quiet netns): entries is NULL. */
	if (list->count < 2)
		return;
	qsort(list->entries, list->count, sizeof(*list->entries), holder_compare);
	for (size_t i = 0; i < list->count; i++) {
		if (kept && list->entries[kept - 1].inode == list->entries[i].inode &&
		    list->entries[kept - 1].pid == list->entries[i].pid)
			continue;
		list->entries[kept++] = list->entries[i];
	}
	list->count = kept;
}

/* Index of the first entry for inode, or count when there is none. */
static size_t first_entry_of(const struct holder_list *list, __u64 inode)
{
	size_t low = 0, high = list->count;

	while (low < high) {
		size_t middle = low + (high - low) / 2;

		if (list->entries[middle].inode < inode)
			low = middle + 1;
		else
			high = middle;
	}
	return low < list->count && list->entries[low].inode == inode ? low : list->count;
}

static int users_of(const struct holder_list *list, __u64 inode, struct proc_socket_user *users,
		    int max)
{
	size_t index = first_entry_of(list, inode);
	int found = 0;

	for (; found < max && index < list->count && list->entries[index].inode == inode; index++)
		users[found++] = (struct proc_socket_user){ .pid = list->entries[index].pid,
							    .fd = list->entries[index].fd };
	return found;
}

static void scan_close(struct scan_progress *scan)
{
	if (scan->process_fds)
		closedir(scan->process_fds);
	if (scan->proc)
		closedir(scan->proc);
	scan->process_fds = NULL;
	scan->proc = NULL;
}

static void scan_start(struct proc_sockets *sockets, __u64 now)
{
	struct scan_progress *scan = &sockets->scan;

	scan->proc = opendir("/proc");
	scan->process_fds = NULL;
	scan->started_ns = now;
	scan->last_step_ns = now;
	scan->busy_ns = 0;
	scan->found.count = 0;
	sockets->scanning = true;
	sockets->scan_count++;
}

/* The next process with a readable fd directory; false at the end of /proc. */
static bool scan_next_process(struct scan_progress *scan)
{
	struct dirent *entry;
	char fd_path[32];

	while ((entry = readdir(scan->proc))) {
		__u64 pid;
		int fd_dir_fd;

		if (!parse_decimal(entry->d_name, &pid) || pid > 0xffffffffu)
			continue;
		snprintf(fd_path, sizeof(fd_path), "%u/fd", (__u32)pid);
		fd_dir_fd = openat(dirfd(scan->proc), fd_path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (fd_dir_fd < 0)
			continue; /* exited, or a kernel thread */
		scan->process_fds = fdopendir(fd_dir_fd);
		if (!scan->process_fds) {
			close(fd_dir_fd);
			continue;
		}
		scan->pid = pid;
		return true;
	}
	return false;
}

bool proc_sockets_parse_link(const char *link, size_t len, __u64 *inode)
{
	char digits[24];

	if (len < 10 || len - 9 >= sizeof(digits) || memcmp(link, "socket:[", 8) != 0 ||
	    link[len - 1] != ']')
		return false;
	memcpy(digits, link + 8, len - 9);
	digits[len - 9] = '\0';
	return parse_decimal(digits, inode);
}

/* Read one fd link; false when the scan must stop (memory bound reached). */
static bool scan_fd(struct scan_progress *scan, const char *name)
{
	char link[64];
	ssize_t len = readlinkat(dirfd(scan->process_fds), name, link, sizeof(link) - 1);
	__u64 inode, fd;

	if (len < 0 || !proc_sockets_parse_link(link, len, &inode) || !parse_decimal(name, &fd) ||
	    fd > 0x7fffffff)
		return true;
	/* Memory is bounded: past PROC_SOCKETS_MAX_ENTRIES the rest of /proc is not read. */
	return holder_list_append(&scan->found, inode, scan->pid, fd) == 0;
}

static bool slice_over(__u64 deadline, volatile sig_atomic_t *stop)
{
	return (stop && *stop) || monotonic_ns() > deadline;
}

/* Advance the scan until the slice is used up or a stop; true when it is complete. */
static bool scan_step(struct scan_progress *scan, __u64 deadline, volatile sig_atomic_t *stop)
{
	unsigned int fds_read = 0;

	if (!scan->proc)
		return true; /* /proc unreadable: scan_finish keeps the old map */
	for (;;) {
		struct dirent *entry;

		if (!scan->process_fds && !scan_next_process(scan))
			return true;
		while ((entry = readdir(scan->process_fds))) {
			if (entry->d_name[0] == '.')
				continue;
			if (!scan_fd(scan, entry->d_name))
				return true;
			/* The clock costs ~1% of a readlink: look at it often. */
			if (++fds_read % 16 == 0 && slice_over(deadline, stop))
				return false;
		}
		closedir(scan->process_fds);
		scan->process_fds = NULL;
		if (slice_over(deadline, stop))
			return false;
	}
}

/* The finished scan becomes the map; its arrays are reused for the next one. */
static void scan_finish(struct proc_sockets *sockets, __u64 now)
{
	struct scan_progress *scan = &sockets->scan;
	struct holder_list previous = sockets->map;

	if (!scan->proc) {
		/* /proc could not be opened (EMFILE...): keep the map we have. */
		sockets->scanning = false;
		sockets->last_scan_done_ns = now;
		return;
	}
	scan_close(scan);
	holder_list_sort_unique(&scan->found);
	sockets->map = scan->found;
	scan->found = previous;
	sockets->have_map = true;
	sockets->scanning = false;
	sockets->map_started_ns = scan->started_ns;
	sockets->last_scan_done_ns = now;
	sockets->last_scan_busy_ns = scan->busy_ns;
}

/* Run a slice of the scan under way if the duty cycle allows; true if it completed. */
static bool scan_advance(struct proc_sockets *sockets, __u64 now, bool storm,
			 const struct lookup_budget *budget)
{
	struct scan_progress *scan = &sockets->scan;
	__u64 deadline = lookup_budget_deadline(budget, storm ? now + SCAN_SLICE_NS : ~0ULL);
	bool done;

	if (!sockets->scanning || now - sockets->slice_ended_ns < SCAN_SLICE_GAP_NS)
		return false;
	done = scan_step(scan, deadline, budget ? budget->stop : NULL);
	sockets->slice_ended_ns = monotonic_ns();
	scan->busy_ns += sockets->slice_ended_ns - now;
	scan->last_step_ns = sockets->slice_ended_ns;
	if (done)
		scan_finish(sockets, sockets->slice_ended_ns);
	return done;
}

static __u64 scan_interval_ns(const struct proc_sockets *sockets)
{
	__u64 interval = sockets->last_scan_busy_ns * SCAN_DUTY_DIVISOR;

	return interval > PROC_SOCKETS_MIN_INTERVAL_NS ? interval : PROC_SOCKETS_MIN_INTERVAL_NS;
}

/* When inode was first asked for and not found (now, if this is the first time). */
static __u64 first_missed_ns(struct proc_sockets *sockets, __u64 inode, __u64 now)
{
	struct missed_inode *slot;

	for (int i = 0; i < MISSED_INODES; i++) {
		if (sockets->missed[i].inode == inode)
			return sockets->missed[i].first_missed_ns;
	}
	slot = &sockets->missed[sockets->missed_next];
	sockets->missed_next = (sockets->missed_next + 1) % MISSED_INODES;
	*slot = (struct missed_inode){ .inode = inode, .first_missed_ns = now };
	return now;
}

static bool rescan_wanted(const struct proc_sockets *sockets, int found, __u64 missed_since,
			  __u64 now)
{
	if (!sockets->have_map)
		return true;
	/* Pre-forked workers come and go: a hit is trusted for a while only. */
	if (found)
		return now - sockets->map_started_ns >= PROC_SOCKETS_MAX_AGE_NS;
	/* Not in a map built after it was first asked for: it has no fd to find. */
	if (sockets->map_started_ns > missed_since)
		return now - sockets->map_started_ns >= ABSENT_HOLD_NS;
	return true;
}

/* Whether any of the report's inodes needs a scan newer than the map. */
static bool report_wants_rescan(struct proc_sockets *sockets, const __u64 *inodes, int count,
				__u64 now)
{
	bool wanted = false;

	for (int i = 0; i < count; i++) {
		bool found;

		if (!inodes[i])
			continue;
		found = first_entry_of(&sockets->map, inodes[i]) < sockets->map.count;
		/* Every miss is noted, so that its first time is known to the next reports. */
		wanted |= rescan_wanted(sockets, found,
					found ? 0 : first_missed_ns(sockets, inodes[i], now), now);
	}
	return wanted;
}

void proc_sockets_refresh(struct proc_sockets *sockets, const __u64 *inodes, int count,
			  const struct lookup_budget *budget)
{
	bool storm, wanted;
	__u64 now;

	if (!sockets || lookup_budget_spent(budget))
		return;
	now = monotonic_ns();
	storm = now - sockets->last_refresh_ns < SCAN_STORM_GAP_NS;
	sockets->last_refresh_ns = now;
	wanted = report_wants_rescan(sockets, inodes, count, now);
	if (sockets->scanning) {
		/* A scan nobody advanced for long describes the past: start over. */
		if (now - sockets->scan.last_step_ns > SCAN_ABANDON_NS) {
			scan_close(&sockets->scan);
			scan_start(sockets, now);
		}
	} else if (wanted && (!sockets->have_map ||
			      now - sockets->last_scan_done_ns >= scan_interval_ns(sockets))) {
		scan_start(sockets, now);
	} else {
		return;
	}
	scan_advance(sockets, now, storm, budget);
	sockets->last_refresh_ns = monotonic_ns(); /* a long slice is no gap between reports */
}

int proc_sockets_lookup(const struct proc_sockets *sockets, __u64 inode,
			struct proc_socket_user *users, int max)
{
	if (!sockets || !inode || max <= 0)
		return 0;
	return users_of(&sockets->map, inode, users, max);
}

__u64 proc_sockets_scan_count(const struct proc_sockets *sockets)
{
	return sockets ? sockets->scan_count : 0;
}

struct proc_sockets *proc_sockets_new(void)
{
	return calloc(1, sizeof(struct proc_sockets));
}

void proc_sockets_free(struct proc_sockets *sockets)
{
	if (!sockets)
		return;
	scan_close(&sockets->scan);
	free(sockets->scan.found.entries);
	free(sockets->map.entries);
	free(sockets);
}

void proc_sockets_scan_complete(struct proc_sockets *sockets)
{
	__u64 now = monotonic_ns();

	if (!sockets)
		return;
	if (sockets->scanning)
		scan_close(&sockets->scan);
	scan_start(sockets, now);
	while (!scan_step(&sockets->scan, ~0ULL, NULL))
		;
	scan_finish(sockets, monotonic_ns());
}
