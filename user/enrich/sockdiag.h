/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Sockets bound to a port or a range of ports, from NETLINK_SOCK_DIAG, in
 * any network namespace: a netlink socket answers for the namespace it was
 * created in, so one is opened inside the target namespace (setns() there
 * and back) and kept, one per namespace, in a small cache.
 */
#ifndef BINDSNOOP_SOCKDIAG_H
#define BINDSNOOP_SOCKDIAG_H

#include <stdbool.h>
#include <sys/types.h>
#include <linux/types.h>
#include "bindsnoop.h"
#include "enrich/lookup_budget.h"

#define SOCKDIAG_TIMEOUT_MS 200 /* a dump that stalls longer is abandoned */

struct sockdiag_socket {
	__u64 inode;		/* 0: no file (TIME_WAIT, orphaned) */
	__u8 addr[BS_ADDR_LEN]; /* bound address; IPv4 in the first 4 bytes */
	__u32 uid;		/* BS_UID_UNKNOWN for TIME_WAIT */
	__u16 port;
	__u16 family;
	__u8 state; /* TCP_* as ss shows it; bound-only TCP and unconnected UDP: TCP_CLOSE */
	bool v6only;
	bool time_wait;	  /* a timewait socket (its state may read FIN_WAIT2) */
	__u32 expires_ms; /* a timewait socket: time left before the kernel frees it */
	bool from_proc_net; /* read from /proc/net (no sock_diag): v6only unknown, false */
};

/* The ports asked about: first..last (first == last: one). */
struct sockdiag_ports {
	__u16 first;
	__u16 last;
};

/* Return false to stop the walk early (the dump is still drained). */
typedef bool (*sockdiag_visit_fn)(void *ctx, const struct sockdiag_socket *socket);

struct sockdiag;

/* NULL when out of memory or when this process's own namespace is unknown. */
struct sockdiag *sockdiag_new(void);
void sockdiag_free(struct sockdiag *diag);

/* Remember that pid lives in netns_ino: it can open that namespace after the caller is gone. */
void sockdiag_note_pid(struct sockdiag *diag, __u64 netns_ino, __u32 pid);

/*
 * Call visit for every socket of protocol (IPPROTO_TCP/MPTCP: TCP,
 * IPPROTO_UDP, IPPROTO_UDPLITE) bound to one of ports in namespace
 * netns_ino (one dump, filtered in the kernel), both address families, all
 * states but request sockets. pid is a process to
 * reach the namespace through (others noted before are tried next).
 * 0, or a negative errno (-ESRCH: no process left in that namespace;
 * -ETIME: the budget ran out, NULL: none, after visiting what came so far).
 */
int sockdiag_for_each_in_ports(struct sockdiag *diag, __u64 netns_ino, __u32 pid,
			       __u16 protocol, const struct sockdiag_ports *ports,
			       sockdiag_visit_fn visit, void *ctx,
			       const struct lookup_budget *budget);

/*
 * Where sock_diag answers a protocol with "no such family or protocol" (no
 * inet_diag, tcp_diag or udp_diag module; a restricted container), that
 * protocol is read from /proc/net/{tcp,tcp6,udp,udp6} from then on, the way
 * ss falls back: sockets it finds have from_proc_net set. Whether that
 * happened for protocol, and -v to say so once on stderr when it does.
 */
bool sockdiag_uses_proc_net(const struct sockdiag *diag, __u16 protocol);
void sockdiag_set_verbose(struct sockdiag *diag, bool verbose);

/*
 * AF_UNIX: whether its holders are read from /proc/net/unix (path and
 * socket inode) instead of unix_diag: from the first dump whose error err
 * says unix_diag is missing (-ENOENT, -EINVAL, -EPROTONOSUPPORT, ...; 0
 * asks only), or from the start under BINDSNOOP_NO_SOCK_DIAG. -v says so
 * once. sockdiag_proc_net_unix_open() opens that file as namespace
 * netns_ino (reached as sockdiag_netns_socket() does) sees it: a
 * descriptor, or a negative errno.
 */
bool sockdiag_unix_uses_proc_net(struct sockdiag *diag, int err);
int sockdiag_proc_net_unix_open(struct sockdiag *diag, __u64 netns_ino, __u32 pid);

/*
 * The sock_diag netlink socket of namespace netns_ino (reached through pid,
 * or a pid noted there before), kept in the cache: for dumps of other
 * families (user/enrich/unix_sockets.c). A descriptor, or a negative errno.
 * After a dump on it failed, sockdiag_netns_socket_failed() drops it, as
 * replies may still be queued on it.
 */
int sockdiag_netns_socket(struct sockdiag *diag, __u64 netns_ino, __u32 pid);
void sockdiag_netns_socket_failed(struct sockdiag *diag, __u64 netns_ino);

/* The namespace bindsnoop runs in. */
__u64 sockdiag_own_netns(const struct sockdiag *diag);

/*
 * One batch of netlink replies to a dump for ports (len bytes, as recv()
 * returned them): visit each socket on one of ports while *visiting stays true.
 * 1 when the dump is over, 0 for more, or a negative errno. Exposed for
 * tests/fuzz: replies may be truncated, oversized or lying.
 */
int sockdiag_parse_replies(const char *buffer, ssize_t len, __u32 sequence,
			   const struct sockdiag_ports *ports, sockdiag_visit_fn visit, void *ctx,
			   bool *visiting);

#endif /* BINDSNOOP_SOCKDIAG_H */
