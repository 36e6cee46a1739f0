/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Sockets from /proc/net/{tcp,tcp6,udp,udp6,udplite,udplite6}, as ss reads
 * them where sock_diag cannot be used (no inet_diag module, a restricted
 * container): the same records sock_diag gives, so what follows is the same.
 * What the files do not say: IPV6_V6ONLY (always false here), and a TCP
 * socket bound but neither listening nor connected is not listed at all.
 */
#ifndef BINDSNOOP_PROC_NET_H
#define BINDSNOOP_PROC_NET_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>
#include "enrich/lookup_budget.h"
#include "enrich/sockdiag.h"

/*
 * One line of such a file (len bytes, no newline needed) of family
 * (AF_INET or AF_INET6) into socket. 1: a socket, 0: not one worth
 * reporting (the header, a pending connection request), -EINVAL: not a
 * line of that format. Pure: exposed for tests and tests/fuzz.
 */
int proc_net_parse_line(const char *line, size_t len, __u16 family,
			struct sockdiag_socket *socket);

/*
 * Read the open file fd (one of the files above, of family) to its end:
 * visit each socket on one of ports until visit returns false. 0, -ETIME
 * when the budget (NULL: none) ran out first, or a negative errno.
 */
int proc_net_read(int fd, __u16 family, const struct sockdiag_ports *ports,
		  sockdiag_visit_fn visit, void *ctx, const struct lookup_budget *budget);

/* One line of a /proc/net file (len bytes, without its newline); false stops the read. */
typedef bool (*proc_net_line_fn)(void *ctx, const char *line, size_t len);

/*
 * Read the open file fd to its end, a line at a time, until line_fn returns
 * false. A line longer than the read buffer (8 KiB, not one the kernel
 * writes) and a last line without its newline are left out. 0, -ETIME when
 * the budget (NULL: none) ran out first, or a negative errno.
 */
int proc_net_read_lines(int fd, proc_net_line_fn line_fn, void *ctx,
			const struct lookup_budget *budget);

#endif /* BINDSNOOP_PROC_NET_H */
