/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * One NETLINK_SOCK_DIAG dump, whatever the family: the request sent, the
 * replies read batch by batch and handed to the family's parser, until the
 * dump ends, fails, stalls past its deadline or the lookup budget is spent.
 * Only the request and the parser differ between inet_diag and unix_diag.
 */
#ifndef BINDSNOOP_NETLINK_DUMP_H
#define BINDSNOOP_NETLINK_DUMP_H

#include <sys/types.h>
#include <linux/types.h>
#include "enrich/lookup_budget.h"

/*
 * One batch of replies (len bytes, as recv() returned them): 1 when the
 * dump is over, 0 for more, or a negative errno (the kernel's answer).
 */
typedef int (*netlink_parse_fn)(void *ctx, const char *buffer, ssize_t len);

/*
 * Send request (request_len bytes, its nlmsghdr first) on the sock_diag
 * socket fd and read the replies into buffer (the largest batch a dump
 * sends: 32 KiB) until parse says the dump is over. 0, or a negative errno:
 * -ETIMEDOUT (no reply within the socket's timeout, or past timeout_ns in
 * all), -ETIME (the budget, NULL: none, ran out), -EIO (the socket closed).
 */
int netlink_dump(int fd, const void *request, size_t request_len, char *buffer, size_t buffer_len,
		 netlink_parse_fn parse, void *ctx, __u64 timeout_ns,
		 const struct lookup_budget *budget);

#endif /* BINDSNOOP_NETLINK_DUMP_H */
