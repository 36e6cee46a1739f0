/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Every kernel layout difference bindsnoop depends on, in one place. Each
 * shim names the kernel change that made it. vmlinux/vmlinux.h describes a
 * recent kernel; the ___flavor structs below describe older layouts, and CO-RE
 * picks whichever the running kernel has.
 */
#ifndef BINDSNOOP_COMPAT_BPF_H
#define BINDSNOOP_COMPAT_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_core_read.h>

/*
 * Through v6.1 (at least) each port bucket listed its sockets directly in
 * ->owners, TIME_WAIT ones included, through the same skc_bind_node. "tcp:
 * Link bhash2 to bhash." (present by v6.12) replaced ->owners with ->bhash2, a list of per-address
 * inet_bind2_bucket, each with its own ->owners (TIME_WAIT ones too).
 */
struct inet_bind_bucket___owners {
	struct hlist_head owners;
} __attribute__((preserve_access_index));

static __always_inline bool bind_bucket_lists_owners(void)
{
	return bpf_core_field_exists(struct inet_bind_bucket___owners, owners);
}

/*
 * v6.1 "tcp: Introduce optional per-netns ehash" moved the TCP table behind
 * net->ipv4.tcp_death_row.hashinfo and set tcp_prot.h.hashinfo to NULL.
 * Before it, the protocol's h.hashinfo pointed at the global table.
 */
static __always_inline struct inet_hashinfo *tcp_hashinfo_of(struct net *net, struct sock *sk)
{
	struct inet_hashinfo *hashinfo = NULL;

	if (bpf_core_field_exists(struct inet_timewait_death_row, hashinfo))
		hashinfo = BPF_CORE_READ(net, ipv4.tcp_death_row.hashinfo);
	if (!hashinfo)
		hashinfo = BPF_CORE_READ(sk, __sk_common.skc_prot, h.hashinfo);
	return hashinfo;
}

/*
 * v6.2 "udp: Introduce optional per-netns hash table" added
 * net->ipv4.udp_table and set udp_prot.h.udp_table to NULL; the kernel itself
 * reads "sk->sk_prot->h.udp_table ?: net->ipv4.udp_table".
 */
struct netns_ipv4___udp_table {
	struct udp_table *udp_table;
} __attribute__((preserve_access_index));

struct net___udp_table {
	struct netns_ipv4___udp_table ipv4;
} __attribute__((preserve_access_index));

static __always_inline struct udp_table *udp_table_of(struct net *net, struct sock *sk)
{
	struct udp_table *table = BPF_CORE_READ(sk, __sk_common.skc_prot, h.udp_table);

	if (!table && bpf_core_field_exists(struct netns_ipv4___udp_table, udp_table))
		table = BPF_CORE_READ((struct net___udp_table *)net, ipv4.udp_table);
	return table;
}

/*
 * MPTCP binds through a TCP subflow (mptcp_bind -> inet_bind(ssock) in 6.1,
 * inet_bind_sk(ssk) by 6.12), so inet-level hooks see a TCP socket while the
 * syscall hooks see the MPTCP one. tcp_sock.is_mptcp (CONFIG_MPTCP) tells
 * them apart, so every backend reports the protocol the caller chose.
 */
static __always_inline __u16 caller_protocol(struct sock *sk)
{
	__u16 protocol = BPF_CORE_READ(sk, sk_protocol);

	if (protocol == IPPROTO_TCP && bpf_core_field_exists(struct tcp_sock, is_mptcp) &&
	    BPF_CORE_READ((struct tcp_sock *)sk, is_mptcp))
		return IPPROTO_MPTCP;
	return protocol;
}

/*
 * The bind entry points: v6.1 has only inet_bind(sock, ...); by v6.12 it is a
 * wrapper and inet_bind_sk() (and its inet6 twin) split inet_bind(sock, ...) into inet_bind_sk(sk, ...), which
 * MPTCP calls directly for its subflows. Userspace attaches to *_bind_sk when
 * the kernel has it and to inet_bind/inet6_bind otherwise (see
 * user/backend.c); both flavours are thin entries in bindsnoop.bpf.c.
 */

#endif /* BINDSNOOP_COMPAT_BPF_H */
