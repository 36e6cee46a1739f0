/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Who holds the name an AF_UNIX bind failed on. A path: the file at that
 * path, looked at as the caller sees the filesystem, and the socket bound to
 * that very file (its inode, from unix_diag's UDIAG_SHOW_VFS); none bound is
 * a stale socket file. An abstract name: the socket of the same type bound
 * to the same bytes (the kernel keeps one table per type).
 */
#ifndef BINDSNOOP_UNIX_HOLDER_H
#define BINDSNOOP_UNIX_HOLDER_H

#include "report.h"
#include "enrich/sockdiag.h"
#include "enrich/unix_sockets.h"

/*
 * The name ev asked for into report->unix_target, and, if look is true,
 * what is at its path now: through the caller's root and working directory
 * while it runs, else (it exited) through bindsnoop's own root, for an
 * absolute path only.
 */
void unix_target_read(const struct bs_event *ev, struct unix_target *target, bool look);

/*
 * Whether socket is the one bound to target's name (a path by its file, an
 * abstract name by its bytes and target's type, any type when it is 0).
 */
bool unix_socket_holds(const struct unix_target *target, const struct unix_socket *socket);

/* target names a path, and a socket file is there (unix_target_read looked). */
bool unix_target_is_socket_file(const struct unix_target *target);

/*
 * Add the sockets holding report->unix_target's name to report->holders
 * (their processes are named by the caller), from one unix_diag dump in the
 * caller's network namespace, within budget. Returns how many hold it.
 */
__u32 unix_holders_find(struct sockdiag *diag, const struct bs_event *ev,
			struct bind_report *report, const struct lookup_budget *budget);

#endif /* BINDSNOOP_UNIX_HOLDER_H */
