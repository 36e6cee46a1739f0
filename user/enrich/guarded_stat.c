// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <string.h>
#include <unistd.h>
#include <sys/wait.h>
#include "clock.h"
#include "enrich/guarded_stat.h"

#define SKIPPED_DIRS   16
#define SKIPPED_DIR_LEN 128
/* Children killed but not yet reaped (one stuck in an uninterruptible wait). */
#define UNREAPED_MAX 64

struct skipped_dir {
	char dir[SKIPPED_DIR_LEN];
	__u64 until_ns;
};

struct guarded_answer {
	int err;
	struct stat st;
};

static struct skipped_dir skipped[SKIPPED_DIRS];
static unsigned int skipped_next;
static pid_t unreaped[UNREAPED_MAX];

static bool dir_skipped(const char *dir, __u64 now)
{
	for (int i = 0; dir && i < SKIPPED_DIRS; i++) {
		if (skipped[i].until_ns > now && !strncmp(skipped[i].dir, dir, SKIPPED_DIR_LEN))
			return true;
	}
	return false;
}

static void dir_skip(const char *dir, __u64 now)
{
	struct skipped_dir *slot = &skipped[skipped_next];

	if (!dir)
		return;
	skipped_next = (skipped_next + 1) % SKIPPED_DIRS;
	strncpy(slot->dir, dir, SKIPPED_DIR_LEN - 1);
	slot->dir[SKIPPED_DIR_LEN - 1] = '\0';
	slot->until_ns = now + GUARDED_STAT_SKIP_NS;
}

/* Reap what can be reaped now; remember child if it cannot be yet. */
static void reap(pid_t child)
{
	for (int i = 0; i < UNREAPED_MAX; i++) {
		if (unreaped[i] && waitpid(unreaped[i], NULL, WNOHANG) != 0)
			unreaped[i] = 0;
	}
	if (child <= 0 || waitpid(child, NULL, WNOHANG) != 0)
		return;
	for (int i = 0; i < UNREAPED_MAX; i++) {
		if (!unreaped[i]) {
			unreaped[i] = child;
			return;
		}
	}
	/* 64 children stuck for good: this one stays a zombie rather than a wait. */
}

static void child_run(int answer_fd, int (*look)(void *ctx, struct stat *st), void *ctx)
{
	struct guarded_answer answer = { 0 };

	answer.err = look(ctx, &answer.st);
	if (write(answer_fd, &answer, sizeof(answer)) < 0)
		_exit(1);
	_exit(0);
}

int guarded_stat(const char *dir, int (*look)(void *ctx, struct stat *st), void *ctx,
		 struct stat *st)
{
	struct guarded_answer answer;
	__u64 now = monotonic_ns();
	struct pollfd ready;
	int fds[2], err;
	pid_t child;
	ssize_t got;

	if (dir_skipped(dir, now))
		return -ETIMEDOUT;
	if (pipe2(fds, O_CLOEXEC) < 0)
		return -errno;
	child = fork();
	if (child < 0) {
		err = -errno;
		close(fds[0]);
		close(fds[1]);
		return err;
	}
	if (child == 0) {
		close(fds[0]);
		child_run(fds[1], look, ctx);
	}
	close(fds[1]);
	ready = (struct pollfd){ .fd = fds[0], .events = POLLIN };
	err = -ETIMEDOUT;
	for (;;) {
		int waited = poll(&ready, 1, GUARDED_STAT_TIMEOUT_MS);

		if (waited < 0 && errno == EINTR &&
		    monotonic_ns() - now < GUARDED_STAT_TIMEOUT_MS * 1000000ULL)
			continue;
		if (waited > 0) {
			got = read(fds[0], &answer, sizeof(answer));
			if (got == (ssize_t)sizeof(answer)) {
				err = answer.err;
				if (!err)
					*st = answer.st;
			} else {
				err = -EIO; /* the child died before it answered */
			}
		}
		break;
	}
	close(fds[0]);
	if (err == -ETIMEDOUT) {
		kill(child, SIGKILL);
		dir_skip(dir, now);
	}
	reap(child);
	return err;
}
