// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include "enrich/netns_list.h"

__u64 netns_list_of(const char *pid_dir)
{
	char path[300];
	struct stat st;

	snprintf(path, sizeof(path), "/proc/%s/ns/net", pid_dir);
	return stat(path, &st) == 0 ? st.st_ino : 0;
}

static int by_namespace(const void *left, const void *right)
{
	const struct netns_ref *a = left, *b = right;

	if (a->ino != b->ino)
		return a->ino < b->ino ? -1 : 1;
	return a->pid < b->pid ? -1 : a->pid > b->pid;
}

static int by_pid(const void *left, const void *right)
{
	const struct netns_ref *a = left, *b = right;

	return a->pid < b->pid ? -1 : a->pid > b->pid;
}

static int add(struct netns_list *list, size_t *capacity, struct netns_ref ref)
{
	if (list->count == *capacity) {
		size_t grown_capacity = *capacity ? *capacity * 2 : 64;
		struct netns_ref *grown = realloc(list->refs, grown_capacity * sizeof(*grown));

		if (!grown)
			return -ENOMEM;
		list->refs = grown;
		*capacity = grown_capacity;
	}
	list->refs[list->count++] = ref;
	return 0;
}

/* Each namespace once, through its lowest pid; the first stays first. */
static void keep_unique(struct netns_list *list)
{
	struct netns_ref *others = list->refs + 1;
	size_t count = list->count - 1, kept = 0;

	qsort(others, count, sizeof(*others), by_namespace);
	for (size_t i = 0; i < count; i++) {
		if (others[i].ino == list->refs[0].ino ||
		    (kept && others[kept - 1].ino == others[i].ino))
			continue;
		others[kept++] = others[i];
	}
	qsort(others, kept, sizeof(*others), by_pid);
	list->count = kept + 1;
}

int netns_list_find(struct netns_list *list, struct netns_ref first, bool every,
		    const struct lookup_budget *budget)
{
	size_t seen = 0;
	size_t capacity = 0;
	struct dirent *entry;
	int err = 0;
	DIR *proc;

	list->refs = NULL;
	list->count = 0;
	if (add(list, &capacity, first))
		return -ENOMEM;
	if (!every)
		return 0;
	proc = opendir("/proc");
	if (!proc)
		return 0;
	while ((entry = readdir(proc))) {
		char *end;
		unsigned long pid = strtoul(entry->d_name, &end, 10);
		__u64 ino;

		if (*end || !pid)
			continue;
		/* Thousands of processes: a report's lookup stops at its budget. */
		if (++seen % 64 == 0 && lookup_budget_spent(budget)) {
			err = -ETIME;
			break;
		}
		ino = netns_list_of(entry->d_name);
		if (ino && add(list, &capacity, (struct netns_ref){ ino, (__u32)pid })) {
			err = -ENOMEM;
			break;
		}
	}
	closedir(proc);
	keep_unique(list);
	return err;
}

void netns_list_free(struct netns_list *list)
{
	free(list->refs);
	list->refs = NULL;
	list->count = 0;
}
