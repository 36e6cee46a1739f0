// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include "enrich/caller_socket.h"

#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif
#ifndef SYS_pidfd_getfd
#define SYS_pidfd_getfd 438
#endif

/*
 * pid's file descriptor number for the socket with this inode; -errno if
 * none, -ETIME when the budget ran out first (a process can hold 20,000).
 */
static int find_fd(__u32 pid, __u64 sock_inode, const struct lookup_budget *budget)
{
	char dir_path[64], target[64], want[64];
	unsigned int links_read = 0;
	struct dirent *entry;
	int found = -ENOENT;
	DIR *dir;

	snprintf(dir_path, sizeof(dir_path), "/proc/%u/fd", pid);
	snprintf(want, sizeof(want), "socket:[%llu]", (unsigned long long)sock_inode);
	dir = opendir(dir_path);
	if (!dir)
		return -errno;
	while ((entry = readdir(dir))) {
		ssize_t len;

		if (entry->d_name[0] == '.')
			continue;
		if (++links_read % 16 == 0 && lookup_budget_spent(budget)) {
			found = -ETIME;
			break;
		}
		len = readlinkat(dirfd(dir), entry->d_name, target, sizeof(target) - 1);
		if (len <= 0)
			continue;
		target[len] = '\0';
		if (!strcmp(target, want)) {
			found = atoi(entry->d_name);
			break;
		}
	}
	closedir(dir);
	return found;
}

static int int_option(int fd, int name)
{
	int value = 0;
	socklen_t len = sizeof(value);

	if (getsockopt(fd, SOL_SOCKET, name, &value, &len) < 0)
		return -1;
	return value != 0;
}

static int bound_port(int fd)
{
	struct sockaddr_storage address;
	socklen_t len = sizeof(address);

	if (getsockname(fd, (struct sockaddr *)&address, &len) < 0)
		return -1;
	if (address.ss_family == AF_INET)
		return ntohs(((struct sockaddr_in *)&address)->sin_port);
	if (address.ss_family == AF_INET6)
		return ntohs(((struct sockaddr_in6 *)&address)->sin6_port);
	return -1;
}

/* pid's target_fd, borrowed: a new fd here, or -errno (-ESTALE: not the socket of that inode). */
static int borrow_socket(__u32 pid, int target_fd, __u64 sock_inode)
{
	int pidfd, fd, err;
	struct stat st;

	pidfd = syscall(SYS_pidfd_open, pid, 0);
	if (pidfd < 0)
		return -errno;
	fd = syscall(SYS_pidfd_getfd, pidfd, target_fd, 0);
	err = fd < 0 ? -errno : 0;
	close(pidfd);
	if (err)
		return err;
	/* The number may have been closed and reused since /proc was read. */
	if (fstat(fd, &st) < 0 || st.st_ino != sock_inode) {
		close(fd);
		return -ESTALE;
	}
	return fd;
}

int caller_socket_read(__u32 pid, __u64 sock_inode, int fd, const struct lookup_budget *budget,
		       struct caller_socket *out)
{
	int borrowed = -ENOENT;

	out->reuseaddr = -1;
	out->reuseport = -1;
	out->bound_port = -1;
	if (!pid || !sock_inode)
		return -EINVAL;
	if (fd >= 0)
		borrowed = borrow_socket(pid, fd, sock_inode);
	/* No number, or a stale one (EBADF: closed since; ESTALE: reused). */
	if (borrowed == -ENOENT || borrowed == -EBADF || borrowed == -ESTALE) {
		fd = find_fd(pid, sock_inode, budget);
		if (fd < 0)
			return fd;
		borrowed = borrow_socket(pid, fd, sock_inode);
	}
	if (borrowed < 0)
		return borrowed;
	out->reuseaddr = int_option(borrowed, SO_REUSEADDR);
	out->reuseport = int_option(borrowed, SO_REUSEPORT);
	out->bound_port = bound_port(borrowed);
	close(borrowed);
	return 0;
}
