// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <linux/openat2.h>
#include "enrich/guarded_stat.h"
#include "enrich/unix_holder.h"

/* Big enough for the largest batch a netlink dump sends (32 KiB). */
static char dump_buffer[32768];
static __u32 dump_sequence;

static bool target_is_path(const struct unix_target *target)
{
	return target->name_len && target->name[0];
}

bool unix_target_is_socket_file(const struct unix_target *target)
{
	return target_is_path(target) && !target->file_error && S_ISSOCK(target->file_mode);
}

/* "/proc/<pid>/<leaf>" into base[64], without stdio: it runs after fork(). */
static void proc_pid_path(char *base, __u32 pid, const char *leaf)
{
	char digits[10];
	int n = 0;

	do {
		digits[n++] = '0' + pid % 10;
		pid /= 10;
	} while (pid);
	memcpy(base, "/proc/", 6);
	base += 6;
	while (n)
		*base++ = digits[--n];
	*base++ = '/';
	memcpy(base, leaf, strlen(leaf) + 1);
}

/*
 * path (NUL-ended) opened as the caller resolves it, as an O_PATH handle
 * that follows no last symlink (bind() makes its file there, it does not
 * follow one): under its root, from its cwd if relative. A negative errno.
 */
static int caller_path_open(__u32 pid, const char *path)
{
	struct open_how how = {
		.flags = O_PATH | O_NOFOLLOW | O_CLOEXEC,
		.resolve = RESOLVE_NO_MAGICLINKS,
	};
	char base[64];
	int base_fd, fd;

	if (path[0] == '/') {
		/* Symlinks on the way resolve in the caller's root, never above it. */
		how.resolve |= RESOLVE_IN_ROOT;
		proc_pid_path(base, pid, "root");
	} else {
		proc_pid_path(base, pid, "cwd");
	}
	base_fd = open(base, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (base_fd < 0) {
		/* The caller is gone: an absolute path is looked at in our own root. */
		if (path[0] != '/')
			return -ESRCH;
		base_fd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (base_fd < 0)
			return -errno;
	}
	fd = syscall(SYS_openat2, base_fd, path, &how, sizeof(how));
	if (fd < 0)
		fd = -errno;
	close(base_fd);
	return fd;
}

struct path_look {
	__u32 pid;
	const char *path;
};

/* Runs in guarded_stat()'s child: async-signal-safe calls only. */
static int path_look_run(void *ctx, struct stat *st)
{
	const struct path_look *look = ctx;
	int fd = caller_path_open(look->pid, look->path);
	int err = 0;

	if (fd < 0)
		return fd;
	if (fstat(fd, st) < 0)
		err = -errno;
	close(fd);
	return err;
}

/*
 * The path is the caller's choice, and so is the filesystem under it (a FUSE
 * mount that never answers): looked at in a child killed past its deadline.
 */
static int caller_path_stat(__u32 pid, const char *path, const char *dir, struct stat *st)
{
	struct path_look look = { .pid = pid, .path = path };

	return guarded_stat(dir, path_look_run, &look, st);
}

void unix_target_read(const struct bs_event *ev, struct unix_target *target, bool look)
{
	__u32 len = ev->unix_addr.path_len < BS_UNIX_PATH_LEN ? ev->unix_addr.path_len :
								BS_UNIX_PATH_LEN;
	char path[BS_UNIX_PATH_LEN + 1];
	struct stat st;
	char *slash;
	int err;

	memset(target, 0, sizeof(*target));
	memcpy(target->name, ev->unix_addr.path, len);
	target->name_len = len;
	target->sock_type = ev->sock_type;
	target->file_error = -1;
	target->dir_error = -1;
	if (!target_is_path(target))
		return;
	/* The kernel reads a path up to its NUL, or to the end of what was given. */
	target->name_len = strnlen(target->name, len);
	memcpy(path, target->name, target->name_len);
	path[target->name_len] = '\0';
	slash = strrchr(path, '/');
	if (slash) {
		size_t dir_len = slash == path ? 1 : (size_t)(slash - path);

		memcpy(target->dir, path, dir_len);
		target->dir[dir_len] = '\0';
	}
	if (!look)
		return;
	err = caller_path_stat(ev->pid, path, target->dir, &st);
	target->file_error = err == -ESRCH ? -1 : -err;
	if (!err) {
		target->file_mode = st.st_mode;
		target->file_uid = st.st_uid;
		target->file_ino = st.st_ino;
		target->file_dev = st.st_dev;
		target->file_mtime_ns =
			(__u64)st.st_mtim.tv_sec * 1000000000ULL + (__u64)st.st_mtim.tv_nsec;
	}
	if (ev->ret != -ENOENT && ev->ret != -EACCES)
		return;
	err = caller_path_stat(ev->pid, target->dir[0] ? target->dir : ".", target->dir, &st);
	target->dir_error = err == -ESRCH ? -1 : -err;
	if (!err) {
		target->dir_mode = st.st_mode;
		target->dir_uid = st.st_uid;
	}
}

/* The same name as /proc/net/unix shows it: an abstract name's NUL bytes read as '@'. */
static bool same_name_as_shown(const struct unix_target *target, const struct unix_socket *socket)
{
	if (socket->name_len != target->name_len)
		return false;
	for (__u32 i = 0; i < target->name_len; i++) {
		char byte = i && !target->name[i] ? '@' : target->name[i];

		if (byte != socket->name[i])
			return false;
	}
	return true;
}

bool unix_socket_holds(const struct unix_target *target, const struct unix_socket *socket)
{
	/*
	 * /proc/net/unix has no file inode: a path by its name as bound, which
	 * a socket keeps when its file is removed and another made there.
	 */
	if (socket->from_proc_net)
		return (!target_is_path(target) || unix_target_is_socket_file(target)) &&
		       (!target->sock_type || target_is_path(target) ||
			socket->type == target->sock_type) &&
		       same_name_as_shown(target, socket);
	if (target_is_path(target)) {
		__u64 dev = target->file_dev;

		/* The file's inode ties it to its socket: a name can be reused, moved, relative. */
		return unix_target_is_socket_file(target) && socket->vfs_ino &&
		       socket->vfs_ino == target->file_ino &&
		       socket->vfs_dev == ((major(dev) << 20) | minor(dev));
	}
	/* No type (--who @name): a socket of any type holding the name. */
	return target->name_len && !socket->vfs_ino &&
	       (!target->sock_type || socket->type == target->sock_type) &&
	       socket->name_len == target->name_len &&
	       !memcmp(socket->name, target->name, target->name_len);
}

struct holder_search {
	struct bind_report *report;
	__u64 caller_inode;
	__u32 found;
};

static bool holder_collect(void *ctx, const struct unix_socket *socket)
{
	struct holder_search *search = ctx;
	struct bind_report *report = search->report;
	struct holder_report *holder;

	if (socket->inode == search->caller_inode ||
	    !unix_socket_holds(&report->unix_target, socket))
		return true;
	search->found++;
	if (report->holder_count >= REPORT_MAX_HOLDERS)
		return true;
	holder = &report->holders[report->holder_count++];
	memset(holder, 0, sizeof(*holder));
	holder->inode = socket->inode;
	holder->uid = socket->uid;
	holder->family = BS_AF_UNIX;
	holder->protocol = socket->type; /* an AF_UNIX holder's protocol is its socket type */
	holder->state = socket->state;
	holder->source = socket->from_proc_net ? HOLDER_SOURCE_PROC_NET : HOLDER_SOURCE_SOCK_DIAG;
	return true;
}

/* The holders from /proc/net/unix, where unix_diag is missing: 0 or a negative errno. */
static int holders_from_proc_net(struct sockdiag *diag, const struct bs_event *ev,
				 struct holder_search *search, const struct lookup_budget *budget)
{
	int fd = sockdiag_proc_net_unix_open(diag, ev->netns_ino, ev->pid);
	int err;

	if (fd < 0)
		return fd;
	err = unix_sockets_read_proc(fd, holder_collect, search, budget);
	close(fd);
	return err;
}

__u32 unix_holders_find(struct sockdiag *diag, const struct bs_event *ev,
			struct bind_report *report, const struct lookup_budget *budget)
{
	struct holder_search search = { .report = report, .caller_inode = ev->sock_inode };
	const struct unix_target *target = &report->unix_target;
	int fd, err;

	/* A path with no socket file behind it has no socket to look for. */
	if (target_is_path(target) && !unix_target_is_socket_file(target))
		return 0;
	if (!target->name_len)
		return 0;
	if (sockdiag_unix_uses_proc_net(diag, 0)) {
		err = holders_from_proc_net(diag, ev, &search, budget);
	} else {
		fd = sockdiag_netns_socket(diag, ev->netns_ino, ev->pid);
		if (fd < 0)
			return 0;
		err = unix_sockets_dump(fd, ++dump_sequence, dump_buffer, sizeof(dump_buffer),
					holder_collect, &search, budget);
		if (err)
			sockdiag_netns_socket_failed(diag, ev->netns_ino);
		/* Nothing was visited before such an answer: the file answers instead. */
		if (err && sockdiag_unix_uses_proc_net(diag, err))
			err = holders_from_proc_net(diag, ev, &search, budget);
	}
	/* A whole dump that found nothing says nobody holds it: a partial one says nothing. */
	report->holders_searched = !err || search.found;
	return search.found;
}
