/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The caller's own socket, read after its bind failed: SO_REUSEADDR,
 * SO_REUSEPORT and whether it is bound already. The kernel event does not
 * carry these, so the socket is found by its inode among the caller's file
 * descriptors and borrowed with pidfd_getfd() (Linux 5.6; needs the right to
 * ptrace the caller, which root has). A socket already closed, or a kernel
 * without pidfd_getfd, leaves every field -1 (unknown).
 */
#ifndef BINDSNOOP_CALLER_SOCKET_H
#define BINDSNOOP_CALLER_SOCKET_H

#include <linux/types.h>
#include "enrich/lookup_budget.h"
#include "report.h"

/*
 * 0, or a negative errno with every field of out set to -1. fd: the
 * socket's descriptor in pid when known (a /proc scan saw it), else -1.
 * Without it, or when it no longer holds that socket, pid's descriptors are
 * searched until the budget is spent (NULL: no end): -ETIME then.
 */
int caller_socket_read(__u32 pid, __u64 sock_inode, int fd, const struct lookup_budget *budget,
		       struct caller_socket *out);

#endif /* BINDSNOOP_CALLER_SOCKET_H */
