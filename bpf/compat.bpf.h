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
 * Helpers that older kernels lack. One object serves every kernel: what a
 * kernel lacks is never seen by its verifier, which checks only the paths a
 * known constant leaves open, and loads only the programs userspace picks
 * (user/capture/tracer.c):
 *  - bpf_loop(): "bpf: Add bpf_loop helper" (e6f2dd0f8067, v5.17). The
 *    in-kernel holder walk needs it; without it an event leaves
 *    kernel_holders_searched at 0 and userspace asks sock_diag for the holder.
 *    An older verifier refuses a program that names the walk's callback (an
 *    ld_imm64 of a function, BPF_PSEUDO_FUNC, v5.13: "unrecognized
 *    bpf_ld_imm64 insn" on 5.10) even on a path no run takes, so every program
 *    that reports is built twice, with and without the walk
 *    (WALK_VARIANTS in bindsnoop.bpf.c), and a kernel loads one of them.
 *  - bpf_task_pt_regs(): "bpf: Add bpf_task_pt_regs() helper" (dd6e10fbd9fb,
 *    v5.15), and bpf_get_current_task_btf() (3ca1032ab7ab, v5.11). The
 *    syscall backend reads bind()'s arguments from the saved user registers
 *    at sys_exit with them; without them it pairs sys_enter with sys_exit
 *    through a per-thread map. A branch on kernel_has_task_pt_regs().
 */

/* Set by userspace before load from its probe of the kernel; false is safe anywhere. */
const volatile bool bs_kernel_task_pt_regs = false;

/*
 * A constant to the verifier twice over: read-only data, and a CO-RE
 * relocation that is 0 where the kernel's enum bpf_func_id lacks the helper
 * (so even a wrong flag cannot show an older verifier an unknown helper).
 */
static __always_inline bool kernel_has_task_pt_regs(void)
{
	return bs_kernel_task_pt_regs &&
	       bpf_core_enum_value_exists(enum bpf_func_id, BPF_FUNC_task_pt_regs);
}

/*
 * The syscall the current task is in, from its saved user registers: the
 * field the kernel's own syscall_get_nr() reads, orig_ax on x86-64 and
 * syscallno on arm64. -1 where neither exists. Only where
 * kernel_has_task_pt_regs().
 */
struct pt_regs___syscall_x86 {
	unsigned long orig_ax;
} __attribute__((preserve_access_index));

struct pt_regs___syscall_arm64 {
	int syscallno;
} __attribute__((preserve_access_index));

static __always_inline long current_syscall_nr(void)
{
	struct pt_regs *regs = (struct pt_regs *)bpf_task_pt_regs(bpf_get_current_task_btf());

	if (bpf_core_field_exists(struct pt_regs___syscall_x86, orig_ax))
		return ((struct pt_regs___syscall_x86 *)regs)->orig_ax;
	if (bpf_core_field_exists(struct pt_regs___syscall_arm64, syscallno))
		return ((struct pt_regs___syscall_arm64 *)regs)->syscallno;
	return -1;
}

/*
 * bpf_get_current_pid_tgid() as two loads where the task is a BTF pointer
 * (the JIT inlines bpf_get_current_task_btf(); see current_comm_read() for
 * what a helper call costs).
 */
static __always_inline __u64 current_pid_tgid(void)
{
	if (kernel_has_task_pt_regs()) {
		struct task_struct *task = bpf_get_current_task_btf();

		return (__u64)(__u32)task->tgid << 32 | (__u32)task->pid;
	}
	return bpf_get_current_pid_tgid();
}

/*
 * The current task's comm (16 bytes, NUL-terminated by the kernel): two
 * loads where the task is a BTF pointer (task_comm_copy()), else
 * bpf_get_current_comm(). A helper call is dear where the kernel returns
 * through a return thunk (AMD's SRSO "Safe RET" here): the helper cost a
 * successful bind about 170 ns of its 660 on this machine. A comm changed
 * at that very moment (PR_SET_NAME from another thread) may read torn, as
 * the helper's may.
 */
static __always_inline void task_comm_copy(char comm[16], struct task_struct *btf_task)
{
	const __u64 *src = (const __u64 *)btf_task->comm;
	__u64 words[2] = { src[0], src[1] };

	/* comm may sit anywhere: the verifier wants stack stores aligned. */
	__builtin_memcpy(comm, words, sizeof(words));
}

static __always_inline void current_comm_read(char comm[16])
{
	if (kernel_has_task_pt_regs())
		task_comm_copy(comm, bpf_get_current_task_btf());
	else
		bpf_get_current_comm(comm, 16);
}

/*
 * Through v6.1 (at least) each port bucket listed its sockets directly in
 * ->owners, TIME_WAIT ones included, through the same skc_bind_node.
 * "tcp: Link bhash2 to bhash." (between v6.1 and v6.12) replaced ->owners with ->bhash2, a list
 * of per-address inet_bind2_bucket, each with its own ->owners (TIME_WAIT
 * sockets too). Layouts checked in Debian's 6.12, 6.18 and 7.3 sources.
 */
struct inet_bind_bucket___owners {
	struct hlist_head owners;
} __attribute__((preserve_access_index));

static __always_inline bool bind_bucket_lists_owners(void)
{
	return bpf_core_field_exists(struct inet_bind_bucket___owners, owners);
}

/*
 * "tcp: Introduce optional per-netns ehash." (d1e5e6408b30, v6.1) moved the
 * TCP table behind net->ipv4.tcp_death_row.hashinfo and set
 * tcp_prot.h.hashinfo to NULL. Before it, the protocol's h.hashinfo pointed at
 * the global table.
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
 * "udp: Introduce optional per-netns hash table." (9804985bf27f, v6.2) added
 * net->ipv4.udp_table and set udp_prot.h.udp_table to NULL; the kernel read
 * "sk->sk_prot->h.udp_table ?: net->ipv4.udp_table". By v7.1 the h.udp_table
 * member is gone from struct proto (missing from Debian's 7.1.13 BTF on):
 * an unguarded read of it failed the load of every program there.
 */
struct proto___udp_table {
	union {
		struct udp_table *udp_table;
	} h;
} __attribute__((preserve_access_index));

struct netns_ipv4___udp_table {
	struct udp_table *udp_table;
} __attribute__((preserve_access_index));

struct net___udp_table {
	struct netns_ipv4___udp_table ipv4;
} __attribute__((preserve_access_index));

static __always_inline struct udp_table *udp_table_of(struct net *net, struct sock *sk)
{
	struct udp_table *table = NULL;

	if (bpf_core_field_exists(struct proto___udp_table, h.udp_table)) {
		struct proto___udp_table *prot = (void *)BPF_CORE_READ(sk, __sk_common.skc_prot);

		table = BPF_CORE_READ(prot, h.udp_table);
	}
	if (!table && bpf_core_field_exists(struct netns_ipv4___udp_table, udp_table))
		table = BPF_CORE_READ((struct net___udp_table *)net, ipv4.udp_table);
	return table;
}

/*
 * MPTCP binds through a TCP subflow (mptcp_bind -> inet_bind(ssock) in 6.1,
 * inet_bind_sk(ssk) by 6.12), so inet-level hooks see a TCP socket while the
 * syscall hooks see the MPTCP one. tcp_sock.is_mptcp (CONFIG_MPTCP, v5.6)
 * tells them apart, so every backend reports the protocol the caller chose.
 * btf_sk: sk is a BTF pointer (fexit), its sk_protocol a plain load.
 * syscall_sk: sk is the descriptor's own socket (the syscall hooks), whose
 * sk_protocol already says IPPROTO_MPTCP: no second read for every TCP bind.
 */
static __always_inline __u16 caller_protocol(struct sock *sk, bool btf_sk, bool syscall_sk)
{
	__u16 protocol = btf_sk ? sk->sk_protocol : BPF_CORE_READ(sk, sk_protocol);
	bool mptcp;

	if (protocol != IPPROTO_TCP || syscall_sk ||
	    !bpf_core_field_exists(struct tcp_sock, is_mptcp))
		return protocol;
	if (btf_sk) {
		/*
		 * The verifier lets no load past a struct sock; the helper's
		 * tcp_sock is a BTF pointer too, and cheaper than a probe read.
		 */
		struct tcp_sock *tp = bpf_skc_to_tcp_sock(sk);

		mptcp = tp && tp->is_mptcp;
	} else {
		mptcp = BPF_CORE_READ((struct tcp_sock *)sk, is_mptcp);
	}
	return mptcp ? IPPROTO_MPTCP : protocol;
}

/*
 * The sockaddr a bind entry point takes, as fexit sees it. In 6.12 and
 * before, a struct sockaddr * (16 bytes: an IPv4 port and address are plain
 * loads through it). In 7.3 (its BTF), a struct sockaddr_unsized *: two
 * bytes and a flexible sa_data, past which the verifier lets nothing load,
 * so the sockaddr is probe-read there.
 */
struct sockaddr_unsized___bind {
	__u16 sa_family;
};

static __always_inline bool bind_sockaddr_loadable(void)
{
	return !bpf_core_type_exists(struct sockaddr_unsized___bind);
}

/*
 * The bind entry points: up to v6.1 there is only inet_bind(sock, ...). By
 * v6.12 it is a wrapper around inet_bind_sk(sk, ...) (and the same for
 * inet6), which MPTCP calls directly for its subflows. Userspace hooks
 * *_bind_sk where the kernel's BTF has it, inet_bind/inet6_bind otherwise,
 * never both (user/capture/tracer.c); both flavours are thin entries in
 * bindsnoop.bpf.c.
 *
 * Autobind (a port picked for connect() or sendmsg() on an unbound UDP
 * socket) is inet_autobind(), a static function that every Debian kernel
 * 5.10 to 7.3 keeps out of line; where BTF lacks it, the get_port hooks
 * stand in (bind_or_listen_in_progress() in report.bpf.h).
 */

/*
 * A cgroup's kernfs node names its parent through ->parent up to 6.12 (its
 * BTF) and through ->__parent by 6.18 ("kernfs: Use RCU to access
 * kernfs_node::parent.", which made plain readers go through an accessor).
 * NULL at the root of a hierarchy.
 */
struct kernfs_node___parent {
	struct kernfs_node *parent;
} __attribute__((preserve_access_index));

static __always_inline struct kernfs_node *kernfs_parent(struct kernfs_node *kn)
{
	if (bpf_core_field_exists(struct kernfs_node___parent, parent))
		return BPF_CORE_READ((struct kernfs_node___parent *)kn, parent);
	return BPF_CORE_READ(kn, __parent);
}

/*
 * IP_FREEBIND, IP_TRANSPARENT and IP_BIND_ADDRESS_NO_PORT were bitfields of
 * struct inet_sock until "inet: introduce inet->inet_flags" and its
 * follow-ups (v6.6) moved them into bits of inet_flags (the bit numbers are
 * the INET_FLAGS_* enum, unchanged since). Returns BS_SOCK_* bits.
 */
struct inet_sock___bitfields {
	__u8 freebind : 1;
	__u8 transparent : 1;
	__u8 bind_address_no_port : 1;
} __attribute__((preserve_access_index));

static __always_inline __u8 inet_bind_flags(struct inet_sock *inet)
{
	__u8 flags = 0;

	if (bpf_core_field_exists(struct inet_sock, inet_flags)) {
		unsigned long bits = BPF_CORE_READ(inet, inet_flags);

		if (bits & (1UL << INET_FLAGS_FREEBIND))
			flags |= BS_SOCK_FREEBIND;
		if (bits & (1UL << INET_FLAGS_TRANSPARENT))
			flags |= BS_SOCK_TRANSPARENT;
		if (bits & (1UL << INET_FLAGS_BIND_ADDRESS_NO_PORT))
			flags |= BS_SOCK_BIND_ADDRESS_NO_PORT;
	} else {
		struct inet_sock___bitfields *old = (void *)inet;

		if (BPF_CORE_READ_BITFIELD_PROBED(old, freebind))
			flags |= BS_SOCK_FREEBIND;
		if (BPF_CORE_READ_BITFIELD_PROBED(old, transparent))
			flags |= BS_SOCK_TRANSPARENT;
		if (BPF_CORE_READ_BITFIELD_PROBED(old, bind_address_no_port))
			flags |= BS_SOCK_BIND_ADDRESS_NO_PORT;
	}
	return flags;
}

#endif /* BINDSNOOP_COMPAT_BPF_H */
