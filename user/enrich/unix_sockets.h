/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * AF_UNIX sockets that hold a name, from NETLINK_SOCK_DIAG (unix_diag): the
 * name each is bound to, and for a path, the inode of its socket file
 * (UDIAG_SHOW_VFS), which is what ties a file to the socket bound to it.
 * Without unix_diag (a module not loaded), from /proc/net/unix: the name
 * and the socket's own inode only, as ss falls back.
 */
#ifndef BINDSNOOP_UNIX_SOCKETS_H
#define BINDSNOOP_UNIX_SOCKETS_H

#include <stdbool.h>
#include <sys/types.h>
#include <linux/types.h>
#include "bindsnoop.h"
#include "enrich/lookup_budget.h"

struct unix_socket {
	__u64 inode;	/* the socket's own inode (/proc/PID/fd/N: socket:[inode]) */
	__u64 vfs_ino;	/* a path: its socket file's inode; 0 for an abstract name */
	__u32 vfs_dev;	/* that file's superblock, kernel encoding (major << 20 | minor) */
	__u32 uid;	/* BS_UID_UNKNOWN if the kernel did not say (before 5.3) */
	__u8 type;	/* SOCK_STREAM, SOCK_DGRAM, SOCK_SEQPACKET */
	__u8 state;	/* TCP_LISTEN for a listener, TCP_CLOSE unconnected, TCP_ESTABLISHED */
	__u32 name_len; /* bytes of name: a path up to its NUL, an abstract name in full */
	char name[BS_UNIX_PATH_LEN];
	/*
	 * Read from /proc/net/unix: no vfs_ino, no uid, and an abstract name's
	 * NUL bytes after the first read as '@' (the file shows them so).
	 */
	bool from_proc_net;
};

/* Return false to stop the walk early (the dump is still drained). */
typedef bool (*unix_socket_visit_fn)(void *ctx, const struct unix_socket *socket);

/*
 * Dump every bound AF_UNIX socket of the namespace that netlink socket fd
 * (NETLINK_SOCK_DIAG) belongs to, calling visit for each while it returns
 * true. buffer is scratch space for the replies. 0, or a negative errno
 * (-ETIME when the budget ran out, after visiting what came so far).
 */
int unix_sockets_dump(int fd, __u32 sequence, char *buffer, size_t buffer_len,
		      unix_socket_visit_fn visit, void *ctx, const struct lookup_budget *budget);

/*
 * One batch of replies to the dump numbered sequence (len bytes as recv()
 * returned them): 1 when the dump is over, 0 for more, or a negative errno.
 * Sockets without a name (unbound, or the peer side of a pair) are skipped.
 * Exposed for tests: replies may be truncated or lying.
 */
int unix_sockets_parse_replies(const char *buffer, ssize_t len, __u32 sequence,
			       unix_socket_visit_fn visit, void *ctx, bool *visiting);

/*
 * One line of /proc/net/unix (len bytes, without its newline) into socket:
 * 1 a bound socket, 0 the header or an unbound socket, -EINVAL not a line
 * of that format. Exposed for tests: a name may hold any byte but NUL.
 */
int unix_sockets_parse_proc_line(const char *line, size_t len, struct unix_socket *socket);

/*
 * Read /proc/net/unix, open as fd, calling visit for each bound socket
 * while it returns true: 0, -ETIME (budget spent), or a negative errno.
 */
int unix_sockets_read_proc(int fd, unix_socket_visit_fn visit, void *ctx,
			   const struct lookup_budget *budget);

#endif /* BINDSNOOP_UNIX_SOCKETS_H */
