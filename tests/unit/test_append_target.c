// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * append_target: what --output agrees to append to. Files another user
 * planted (a link, a FIFO, a file they own or may write to, a hard link to
 * someone else's file) are refused with the reason; a file created here
 * has exactly the mode asked for; reopens stay in the directory of the
 * start. The cases that need a second user run only as root.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include "output/append_target.h"
#include "unit.h"

#define NOBODY 65534

static char dir[] = "/tmp/test_append_target.XXXXXX";

static char *in_dir(const char *name)
{
	static char path[128];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return path;
}

/* Opens path like --output: the descriptor, or the negative errno with why. */
static int open_target(const char *path, char *why)
{
	struct append_target target;
	int fd = append_target_init(&target, path);

	why[0] = '\0';
	if (!fd)
		fd = append_target_open(&target, 0640, why, APPEND_TARGET_WHY_MAX);
	append_target_release(&target);
	return fd;
}

static off_t size_of(const char *path)
{
	struct stat st;

	return lstat(path, &st) ? -1 : st.st_size;
}

static void test_created(void)
{
	char why[APPEND_TARGET_WHY_MAX];
	mode_t old_umask = umask(0);
	struct stat st;
	int fd = open_target(in_dir("new.jsonl"), why);

	umask(old_umask);
	CHECK(fd >= 0);
	CHECK_STR(why, "");
	CHECK(!fstat(fd, &st) && (st.st_mode & 07777) == 0640);
	CHECK_INT(write(fd, "x\n", 2), 2);
	close(fd);
	/* Opened again: appended to, as it is ours. */
	fd = open_target(in_dir("new.jsonl"), why);
	CHECK(fd >= 0);
	CHECK_INT(write(fd, "y\n", 2), 2);
	close(fd);
	CHECK_INT(size_of(in_dir("new.jsonl")), 4);
}

/* Each refused with its reason, and whatever is behind it left untouched. */
static void test_refused(void)
{
	char why[APPEND_TARGET_WHY_MAX], target[128];

	snprintf(target, sizeof(target), "%s", in_dir("target"));
	close(open(target, O_WRONLY | O_CREAT | O_EXCL, 0644));
	CHECK(!symlink(target, in_dir("link.jsonl")));
	CHECK_INT(open_target(in_dir("link.jsonl"), why), -ELOOP);
	CHECK_CONTAINS(why, "symbolic link");
	CHECK_INT(size_of(target), 0);

	CHECK(!link(target, in_dir("hard.jsonl")));
	CHECK_INT(open_target(in_dir("hard.jsonl"), why), -EPERM);
	CHECK_CONTAINS(why, "2 hard links");
	CHECK_INT(size_of(target), 0);

	close(open(in_dir("open.jsonl"), O_WRONLY | O_CREAT | O_EXCL, 0600));
	chmod(in_dir("open.jsonl"), 0620);
	CHECK_INT(open_target(in_dir("open.jsonl"), why), -EPERM);
	CHECK_CONTAINS(why, "mode 0620); chmod go-w it");
	chmod(in_dir("open.jsonl"), 0602);
	CHECK_INT(open_target(in_dir("open.jsonl"), why), -EPERM);

	CHECK_INT(open_target("/dev/null", why), -EINVAL);
	CHECK_CONTAINS(why, "it is a character device");
	CHECK_INT(open_target(dir, why), -EISDIR);
	CHECK_CONTAINS(why, "it is a directory");
	CHECK_INT(open_target(in_dir(""), why), -EISDIR);

	if (geteuid() != 0)
		return;
	/* Another user's file, FIFO or link target: never opened. */
	close(open(in_dir("nobody.jsonl"), O_WRONLY | O_CREAT | O_EXCL, 0600));
	CHECK(!chown(in_dir("nobody.jsonl"), NOBODY, NOBODY));
	CHECK_INT(open_target(in_dir("nobody.jsonl"), why), -EPERM);
	CHECK_CONTAINS(why, "belongs to uid 65534");
	CHECK(!mkfifo(in_dir("nobody.fifo"), 0600));
	CHECK(!chown(in_dir("nobody.fifo"), NOBODY, NOBODY));
	/* Without the check before opening, this would wait for a reader forever. */
	CHECK_INT(open_target(in_dir("nobody.fifo"), why), -EPERM);
	CHECK_CONTAINS(why, "belongs to uid 65534");
}

/* Our own FIFO with a reader: taken, the lines reach the reader. */
static void test_fifo(void)
{
	char why[APPEND_TARGET_WHY_MAX], line[8] = "";
	int reader, fd;

	CHECK(!mkfifo(in_dir("fifo"), 0600));
	reader = open(in_dir("fifo"), O_RDONLY | O_NONBLOCK);
	fd = open_target(in_dir("fifo"), why);
	CHECK(fd >= 0);
	CHECK_INT(write(fd, "z\n", 2), 2);
	CHECK_INT(read(reader, line, sizeof(line)), 2);
	CHECK_STR(line, "z\n");
	close(fd);
	close(reader);
}

/* A directory of the path renamed after start: the reopen stays where it began. */
static void test_directory_pinned(void)
{
	char why[APPEND_TARGET_WHY_MAX], moved[128], path[128];
	struct append_target target;
	int fd;

	snprintf(path, sizeof(path), "%s", in_dir("logs"));
	snprintf(moved, sizeof(moved), "%s", in_dir("logs.moved"));
	CHECK(!mkdir(path, 0755));
	strcat(path, "/events.jsonl");
	CHECK_INT(append_target_init(&target, path), 0);
	fd = append_target_open(&target, 0640, why, sizeof(why));
	CHECK(fd >= 0);
	close(fd);
	CHECK(!rename(in_dir("logs"), moved));
	CHECK(!mkdir(in_dir("logs"), 0755));
	CHECK(!unlink(strcat(moved, "/events.jsonl")));
	fd = append_target_open(&target, 0640, why, sizeof(why));
	CHECK(fd >= 0);
	close(fd);
	append_target_release(&target);
	CHECK_INT(size_of(moved), 0);
	CHECK_INT(size_of(path), -1);
	unlink(moved);
	rmdir(in_dir("logs.moved"));
	rmdir(in_dir("logs"));
}

int main(void)
{
	static const char *const names[] = { "new.jsonl",   "target",	  "link.jsonl",
					     "hard.jsonl",  "open.jsonl", "nobody.jsonl",
					     "nobody.fifo", "fifo" };

	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	test_created();
	test_refused();
	test_fifo();
	test_directory_pinned();
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		unlink(in_dir(names[i]));
	rmdir(dir);
	return unit_summary();
}
