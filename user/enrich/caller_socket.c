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
#include "caller_socket.h"

#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif
#ifndef SYS_pidfd_getfd
#define SYS_pidfd_getfd 438
#endif

/* The caller's file descriptor number for the socket with this inode; -errno if none. */
static int find_fd(__u32 pid, __u64 sock_inode)
{
	char dir_path[64], link_path[352], target[64], want[64];
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
		snprintf(link_path, sizeof(link_path), "%s/%s", dir_path, entry->d_name);
		len = readlink(link_path, target, sizeof(target) - 1);
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

int caller_socket_read(__u32 pid, __u64 sock_inode, struct caller_socket *out)
{
	int target_fd, pidfd, fd, err;

	out->reuseaddr = -1;
	out->reuseport = -1;
	out->bound_port = -1;
	if (!pid || !sock_inode)
		return -EINVAL;
	target_fd = find_fd(pid, sock_inode);
	if (target_fd < 0)
		return target_fd;
	pidfd = syscall(SYS_pidfd_open, pid, 0);
	if (pidfd < 0)
		return -errno;
	fd = syscall(SYS_pidfd_getfd, pidfd, target_fd, 0);
	err = fd < 0 ? -errno : 0;
	close(pidfd);
	if (err)
		return err;
	/* The number may have been closed and reused since /proc was read. */
	struct stat st;

	if (fstat(fd, &st) < 0 || st.st_ino != sock_inode) {
		close(fd);
		return -ESTALE;
	}
	out->reuseaddr = int_option(fd, SO_REUSEADDR);
	out->reuseport = int_option(fd, SO_REUSEPORT);
	out->bound_port = bound_port(fd);
	close(fd);
	return 0;
}
