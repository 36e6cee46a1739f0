// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include "output/append_target.h"
#include "signals.h"

int append_target_init(struct append_target *target, const char *path)
{
	const char *slash = strrchr(path, '/');
	char *dir;

	target->dir_fd = -1;
	target->name = slash ? slash + 1 : path;
	if (!*target->name)
		return -EISDIR;
	dir = slash == path ? strdup("/") : slash ? strndup(path, slash - path) : strdup(".");
	if (!dir)
		return -ENOMEM;
	target->dir_fd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	free(dir);
	return target->dir_fd < 0 ? -errno : 0;
}

static const char *file_kind(mode_t mode)
{
	if (S_ISDIR(mode))
		return "a directory";
	if (S_ISCHR(mode))
		return "a character device";
	if (S_ISBLK(mode))
		return "a block device";
	if (S_ISSOCK(mode))
		return "a socket";
	return "not a regular file";
}

/*
 * 0 when root may append to the file st describes, else a negative errno
 * with the reason in why. A device is refused too: its mode says who may
 * use the device, not who may change what was written (/dev/null is
 * 0666), and no device is a log.
 */
static int refuse(const struct stat *st, char *why, size_t why_size)
{
	if (S_ISLNK(st->st_mode)) {
		snprintf(why, why_size,
			 "it is a symbolic link, which bindsnoop does not follow there; give the "
			 "path of the file itself");
		return -ELOOP;
	}
	if (!S_ISREG(st->st_mode) && !S_ISFIFO(st->st_mode)) {
		snprintf(why, why_size,
			 "it is %s; give the path of a regular file (or of a FIFO) to append to",
			 file_kind(st->st_mode));
		return S_ISDIR(st->st_mode) ? -EISDIR : -EINVAL;
	}
	if (st->st_uid != 0 && st->st_uid != geteuid()) {
		snprintf(why, why_size,
			 "it belongs to uid %u, who could read it or change what it holds; "
			 "remove it, or give a path only root can write to",
			 (unsigned int)st->st_uid);
		return -EPERM;
	}
	if (st->st_mode & (S_IWGRP | S_IWOTH)) {
		snprintf(why, why_size,
			 "its group or other users may write to it (mode %04o); chmod go-w it",
			 (unsigned int)(st->st_mode & 07777));
		return -EPERM;
	}
	/* protected_hardlinks=0 lets anyone link root's files into /tmp. */
	if (S_ISREG(st->st_mode) && st->st_nlink > 1) {
		snprintf(why, why_size,
			 "it has %lu hard links, so it is another file too; give a file that "
			 "has one name",
			 (unsigned long)st->st_nlink);
		return -EPERM;
	}
	return 0;
}

/* The file that is there: checked first, then opened by what was checked. */
static int open_existing(const struct append_target *target, char *why, size_t why_size)
{
	char checked[32];
	struct stat st;
	int probe, fd, err;

	/* O_PATH opens nothing; with O_NOFOLLOW a link is opened as itself. */
	probe = openat(target->dir_fd, target->name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (probe < 0)
		return -errno;
	err = fstat(probe, &st) ? -errno : refuse(&st, why, why_size);
	if (err) {
		close(probe);
		return err;
	}
	/* The very inode checked, whatever the name points to by now. */
	snprintf(checked, sizeof(checked), "/proc/self/fd/%d", probe);
	do {
		fd = open(checked, O_WRONLY | O_APPEND | O_CLOEXEC);
		/* A FIFO waits for a reader: SIGHUP asks for this very open, a stop ends it. */
	} while (fd < 0 && errno == EINTR && !signals_stop_requested);
	err = fd < 0 ? -errno : fd;
	close(probe);
	if (err == -ENOENT)
		snprintf(why, why_size,
			 "/proc is not mounted, and bindsnoop opens the file it checked through "
			 "/proc/self/fd; mount /proc");
	return err;
}

int append_target_open(const struct append_target *target, mode_t mode, char *why, size_t why_size)
{
	why[0] = '\0';
	for (int attempt = 0; attempt < 3; attempt++) {
		int fd = openat(target->dir_fd, target->name,
				O_WRONLY | O_APPEND | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
				mode);

		if (fd >= 0) {
			fchmod(fd, mode);
			return fd;
		}
		if (errno != EEXIST)
			return -errno;
		fd = open_existing(target, why, why_size);
		/* Removed between the two opens (a rotation): create it again. */
		if (fd != -ENOENT || why[0])
			return fd;
	}
	return -ENOENT;
}

void append_target_release(struct append_target *target)
{
	if (target->dir_fd >= 0)
		close(target->dir_fd);
	target->dir_fd = -1;
}
