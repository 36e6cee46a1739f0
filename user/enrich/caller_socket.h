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
#include "report.h"

/* 0, or a negative errno with every field of out set to -1. */
int caller_socket_read(__u32 pid, __u64 sock_inode, struct caller_socket *out);

#endif /* BINDSNOOP_CALLER_SOCKET_H */
