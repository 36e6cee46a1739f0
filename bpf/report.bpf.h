/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The one event path every attach flavour feeds (report_outcome): a hook that
 * sees the arguments at return (fexit, sys_exit with bpf_task_pt_regs())
 * reports at once; one that does not (kretprobes, sys_exit and fexit without
 * it) has its entry hook remember the call (op_begin) for the return
 * (op_finish). walk (a constant in each program): whether the program may
 * run the in-kernel holder walk (compat.bpf.h says why it is not a branch).
 * Filters, the holder search, owner tagging and the ring buffer policy all
 * live here, so a new kernel hook is a few lines in bindsnoop.bpf.c.
 */
#ifndef BINDSNOOP_REPORT_BPF_H
#define BINDSNOOP_REPORT_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_tracing.h>
#include "bindsnoop.h"

#define EAGAIN	     11
#define EADDRINUSE   98
#define SOCKADDR_MAX 110 /* sizeof(struct sockaddr_un), the largest one read */

const volatile struct bs_config bs_cfg = {};

#include "holders.bpf.h"
#include "fold.bpf.h"
#include "identity.bpf.h"

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 16 << 20); /* resized by userspace before load */
} events SEC(".maps");

/* Events that found the ring buffer full: counted, reported by userspace. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} lost_events SEC(".maps");

/*
 * A bind or listen: its socket and where the address it asked for is. The
 * sockaddr is read only when the outcome is reported: the kernel's copy
 * (inet_bind's argument) lives in the syscall's frame until it returns, the
 * caller's own (the syscall's argument) in its memory.
 */
struct pending_op {
	struct sock *sk; /* NULL on the syscall path, which finds it from the fd */
	const void *sockaddr;
	__u64 sock_inode; /* the socket's inode where the hook read it already, else 0 */
	__u32 sockaddr_len;
	__u8 kind;
	__u8 from_user; /* sockaddr is the syscall's argument, not the kernel's copy */
	__u8 pad[2];
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, __u32); /* thread id */
	__type(value, struct pending_op);
} pending_ops SEC(".maps");

static __always_inline __u32 current_tid(void)
{
	return (__u32)current_pid_tgid();
}

static __always_inline bool op_pending(void)
{
	__u32 tid = current_tid();

	return bpf_map_lookup_elem(&pending_ops, &tid) != NULL;
}

static __always_inline void pending_op_make(struct pending_op *op, __u8 kind, struct sock *sk,
					    __u64 sock_inode, const void *sockaddr,
					    int sockaddr_len, bool from_user)
{
	__builtin_memset(op, 0, sizeof(*op)); /* padding included: op may go into a map */
	op->sk = sk;
	op->sock_inode = sock_inode;
	op->sockaddr = sockaddr_len > 0 ? sockaddr : NULL;
	op->sockaddr_len = sockaddr_len > SOCKADDR_MAX ? SOCKADDR_MAX : sockaddr_len;
	op->kind = kind;
	op->from_user = from_user;
}

/* Read size bytes at offset of op's sockaddr; non-zero if they could not be read. */
static __always_inline long op_sockaddr_read(void *dst, __u32 size, const struct pending_op *op,
					     __u32 offset)
{
	const void *src = op->sockaddr + offset;

	if (op->from_user)
		return bpf_probe_read_user(dst, size, src);
	return bpf_probe_read_kernel(dst, size, src);
}

/*
 * Entry side, for hooks whose return does not see the arguments (kretprobes,
 * sys_exit without bpf_task_pt_regs()): remember what this thread asked for.
 */
static __always_inline int op_begin(__u8 kind, struct sock *sk, __u64 sock_inode,
				    const void *sockaddr, int sockaddr_len, bool from_user)
{
	struct pending_op op;
	__u32 tid = current_tid();

	if (!sk)
		return 0;
	pending_op_make(&op, kind, sk, sock_inode, sockaddr, sockaddr_len, from_user);
	bpf_map_update_elem(&pending_ops, &tid, &op, BPF_ANY);
	return 0;
}

/*
 * The head of a struct socket_alloc (the socket, then its inode), copied
 * with one probe read: the socket's file and sock and the inode's number
 * then cost loads, not a probe read each. sock_from_fd() runs for every
 * bind on the syscall path, successes included. The fields used end at byte
 * 200 (vfs_inode.i_ino) in every kernel from 5.10 to 7.3; a kernel that
 * moved them further fails at load (a read past the map value), never
 * silently.
 */
#define SOCKET_HEAD_SIZE 256

struct socket_head {
	__u8 bytes[SOCKET_HEAD_SIZE];
} __attribute__((aligned(8)));

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct socket_head);
} socket_heads SEC(".maps");

/*
 * The socket behind a descriptor of the current task, or NULL; its inode
 * number into *inode.
 */
static __always_inline struct sock *sock_from_fd(int fd, __u64 *inode)
{
	struct file **files;

	if (kernel_has_task_pt_regs()) {
		/*
		 * A BTF task pointer: the walk to the fd array is plain loads,
		 * not a helper call each (the kernel turns them into
		 * faulting-safe loads).
		 */
		struct fdtable *fdt = bpf_get_current_task_btf()->files->fdt;

		if (fd < 0 || (__u32)fd >= fdt->max_fds)
			return NULL;
		files = fdt->fd;
	} else {
		struct task_struct *task = (void *)bpf_get_current_task();
		struct fdtable *fdt = BPF_CORE_READ(task, files, fdt);

		if (fd < 0 || (__u32)fd >= BPF_CORE_READ(fdt, max_fds))
			return NULL;
		files = BPF_CORE_READ(fdt, fd);
	}
	struct file *file = NULL;
	struct socket *sock;
	struct socket_head *head;
	__u32 zero = 0;

	bpf_probe_read_kernel(&file, sizeof(file), &files[fd]);
	if (!file)
		return NULL;
	sock = BPF_CORE_READ(file, private_data);
	head = bpf_map_lookup_elem(&socket_heads, &zero);
	if (!sock || !head || bpf_probe_read_kernel(head->bytes, sizeof(head->bytes), sock))
		return NULL;

	struct socket_alloc *copy = (struct socket_alloc *)head->bytes;

	/* Only a socket's private_data points back at its file. */
	if (copy->socket.file != file)
		return NULL;
	*inode = copy->vfs_inode.i_ino;
	return copy->socket.sk;
}

static __always_inline bool bitmap_has(const volatile __u8 *bitmap, __u32 bit)
{
	return bitmap[(bit >> 3) & (BS_PORT_BITMAP_BYTES - 1)] & (1 << (bit & 7));
}

#define BS_ERRNO_WORDS (BS_ERRNO_LIMIT / 64)
_Static_assert((BS_ERRNO_WORDS & (BS_ERRNO_WORDS - 1)) == 0,
	       "errno_bitmap_has masks the word index: BS_ERRNO_LIMIT / 64 must be a power of two");

static __always_inline bool errno_bitmap_has(const volatile __u64 *words, __u32 err)
{
	__u32 word = err / 64;

	/*
	 * Knowing err < BS_ERRNO_LIMIT, clang drops the mask below and indexes
	 * with a copy of err the verifier never saw bounded (the load is then
	 * refused). The barrier hides that knowledge, so the mask stays and
	 * bounds the very register used for the index.
	 */
	barrier_var(word);
	return words[word & (BS_ERRNO_WORDS - 1)] & (1ULL << (err & 63));
}

static __always_inline bool comm_equal(const volatile char *want, const char *comm)
{
	for (int i = 0; i < BS_COMM_LEN; i++) {
		if (want[i] != comm[i])
			return false;
		if (!comm[i])
			return true;
	}
	return true;
}

/* Filters that need only the caller: cheapest first. */
static __always_inline bool caller_wanted(__u32 pid, __u32 uid, const char *comm)
{
	bool match;

	if (pid == bs_cfg.self_pid)
		return false;
	if (bs_cfg.filters.pid_count) {
		match = false;
		for (int i = 0; i < BS_MAX_FILTER_PIDS && i < bs_cfg.filters.pid_count; i++)
			match |= bs_cfg.filters.pids[i] == pid;
		if (!match)
			return false;
	}
	if (bs_cfg.filters.uid_count) {
		match = false;
		for (int i = 0; i < BS_MAX_FILTER_UIDS && i < bs_cfg.filters.uid_count; i++)
			match |= bs_cfg.filters.uids[i] == uid;
		if (!match)
			return false;
	}
	if (bs_cfg.filters.comm_count) {
		match = false;
		for (int i = 0; i < BS_MAX_FILTER_COMMS && i < bs_cfg.filters.comm_count; i++)
			match |= comm_equal(bs_cfg.filters.comms[i], comm);
		if (!match)
			return false;
	}
	return true;
}

static __always_inline bool errno_wanted(int ret)
{
	if (ret < 0 && bs_cfg.filters.filter_errnos) {
		__u32 err = -ret;

		if (err >= BS_ERRNO_LIMIT || !errno_bitmap_has(bs_cfg.filters.errno_bitmap, err))
			return false;
	}
	return true;
}

static __always_inline bool outcome_wanted(int ret, __u16 port)
{
	if (ret == 0 && !bs_cfg.all)
		return false;
	/* --path alone asks for AF_UNIX names only. */
	if (bs_cfg.filters.filter_paths && !bs_cfg.filters.filter_ports)
		return false;
	if (bs_cfg.filters.filter_ports && !bitmap_has(bs_cfg.filters.port_bitmap, port))
		return false;
	return errno_wanted(ret);
}

/* What report_outcome needs of the caller's socket, from one snapshot. */
struct caller_sock {
	struct net *net;
	__u8 bound_addr[BS_ADDR_LEN];
	__u16 family;
	__u16 bound_port;
	bool v6only;
};

/*
 * Not inlined on purpose: its snapshot then lives in a frame of its own,
 * beside (not under) the holder walk's bpf_loop callback, which keeps the
 * combined stack of the deepest call chain under the verifier's 512 bytes.
 */
static __noinline bool caller_sock_read(struct caller_sock *out, struct sock *sk)
{
	struct sock_snapshot snapshot;
	struct sock_common *skc = sock_snapshot_take(&snapshot, sk);

	if (!skc)
		return false;
	__builtin_memset(out, 0, sizeof(*out));
	out->family = skc->skc_family;
	out->net = skc->skc_net.net;
	out->bound_port = skc->skc_num;
	out->v6only = BPF_CORE_READ_BITFIELD(skc, skc_ipv6only);
	sock_snapshot_addr(skc, out->family, out->bound_addr);
	return true;
}

/*
 * How a hook holds the caller's socket and sockaddr: a plain address
 * (kprobes, the syscall path, a map) needs probe reads; a BTF pointer
 * (fexit's arguments) can be loaded from directly, at no helper call. Always
 * a constant at the call site, so each program keeps only its own branch.
 */
enum sk_access {
	SK_PROBE,
	SK_BTF,
};

struct requested {
	__u8 addr[BS_ADDR_LEN];
	__u16 port;
};

/*
 * The port and address of an IPv4 sockaddr: plain loads through fexit's
 * argument where the kernel's type allows them (bind_sockaddr_loadable()),
 * else one probe read. Both stay 0 if it cannot be read.
 */
static __always_inline void sockaddr_in_read(const struct pending_op *op, enum sk_access access,
					     __be16 *port, __u8 addr[4])
{
	if (access == SK_BTF && bind_sockaddr_loadable()) {
		const struct sockaddr_in *sin = op->sockaddr;
		__be32 s_addr = sin->sin_addr.s_addr;

		*port = sin->sin_port;
		__builtin_memcpy(addr, &s_addr, 4);
	} else {
		__u8 head[8];

		if (!op_sockaddr_read(head, sizeof(head), op, 0)) {
			__builtin_memcpy(port, &head[2], 2);
			__builtin_memcpy(addr, &head[4], 4);
		}
	}
}

/*
 * What the caller asked for: the sockaddr it passed, or the socket's own port.
 * The port sits at the same offset in sockaddr_in and sockaddr_in6; the
 * caller's socket, not the sockaddr, says which it is (AF_UNSPEC on an IPv4
 * socket binds the wildcard). IPv4 takes one read or none
 * (sockaddr_in_read()), IPv6 two.
 */
static __always_inline void requested_address(struct requested *out, const struct pending_op *op,
					      const struct caller_sock *caller, enum sk_access access)
{
	__builtin_memset(out, 0, sizeof(*out));
	if (op && op->kind == BS_KIND_BIND && op->sockaddr && op->sockaddr_len >= 4) {
		__be16 port = 0;

		if (caller->family == AF_INET && op->sockaddr_len >= 8) {
			sockaddr_in_read(op, access, &port, out->addr);
		} else {
			op_sockaddr_read(&port, sizeof(port), op, 2);
			if (caller->family == AF_INET6 && op->sockaddr_len >= 24)
				op_sockaddr_read(out->addr, 16, op, 8);
		}
		out->port = bpf_ntohs(port);
		return;
	}
	out->port = caller->bound_port;
	__builtin_memcpy(out->addr, caller->bound_addr, sizeof(out->addr));
}

/* What one record takes of the ring: its 8-byte header, then the event rounded up to 8. */
#define BS_RINGBUF_RECORD_SIZE (8 + ((sizeof(struct bs_event) + 7) & ~7))

static __always_inline void event_submit(struct bs_event *event)
{
	/*
	 * Waking the reader per record costs the traced thread more than the
	 * bind itself; the reader polls on a short timer instead, and is woken
	 * early by the record that takes the backlog past the threshold (a
	 * quarter of the ring). A crossing two CPUs both miss costs at most one
	 * poll interval. Between a quarter and half of the ring, no wake-up:
	 * the reader is awake already, and a wake-up each (an irq_work) cost a
	 * full report a third of its time. Past half the ring every record
	 * wakes it again, on purpose: that cost slows a storm the reader
	 * cannot follow, and a slower storm loses fewer records than a full
	 * ring (a 20,000-failure burst lost 494 records without it).
	 */
	__u64 queued = bpf_ringbuf_query(&events, BPF_RB_AVAIL_DATA);
	__u64 threshold = bs_cfg.wakeup_threshold;
	bool crossed = queued >= threshold && queued < threshold + BS_RINGBUF_RECORD_SIZE;
	bool nearly_full = queued >= 2 * threshold;

	bpf_ringbuf_submit(event, crossed || nearly_full ? BPF_RB_FORCE_WAKEUP : BPF_RB_NO_WAKEUP);
}

static __always_inline void count_lost(void)
{
	__u32 zero = 0;
	__u64 *lost = bpf_map_lookup_elem(&lost_events, &zero);

	if (lost)
		*lost += 1;
}

/*
 * Who is calling, read once per hook run. The uid and the command name cost
 * a helper call each: read up front only when a filter needs them, else
 * only for a record (caller_id_complete), never for a folded repeat.
 */
struct caller_id {
	__u64 pid_tgid;
	char comm[BS_COMM_LEN]; /* 8-aligned: current_comm_read() stores words */
	__u32 uid;
	bool named; /* uid and comm are read */
};

static __always_inline void caller_id_complete(struct caller_id *id)
{
	if (id->named)
		return;
	id->uid = (__u32)bpf_get_current_uid_gid();
	current_comm_read(id->comm);
	id->named = true;
}

static __always_inline void caller_id_read(struct caller_id *id)
{
	id->pid_tgid = current_pid_tgid();
	id->named = false;
	if (bs_cfg.filters.uid_count || bs_cfg.filters.comm_count)
		caller_id_complete(id);
}

static __always_inline bool caller_id_wanted(const struct caller_id *id)
{
	return caller_wanted(id->pid_tgid >> 32, id->uid, id->comm);
}

/* caller_sock_read from a BTF pointer: a few loads, no snapshot. */
static __always_inline void caller_sock_read_btf(struct caller_sock *out, struct sock *sk)
{
	struct sock_common *skc = &sk->__sk_common;

	__builtin_memset(out, 0, sizeof(*out));
	out->family = skc->skc_family;
	out->net = skc->skc_net.net;
	out->bound_port = skc->skc_num;
	out->v6only = BPF_CORE_READ_BITFIELD(skc, skc_ipv6only);
	if (out->family == AF_INET6)
		__builtin_memcpy(out->bound_addr, &skc->skc_v6_rcv_saddr, 16);
	else
		__builtin_memcpy(out->bound_addr, &skc->skc_rcv_saddr, 4);
}

static __always_inline bool inet_caller_read(struct caller_sock *caller, struct sock *sk,
					     enum sk_access access)
{
	if (access == SK_BTF)
		caller_sock_read_btf(caller, sk);
	else if (!caller_sock_read(caller, sk))
		return false;
	return caller->family == AF_INET || caller->family == AF_INET6;
}

/*
 * What a failed bind's fold key needs of its socket and the socket keeps for
 * life (family, protocol), remembered per CPU under the socket's inode
 * number: a storm of repeats from one socket then skips the snapshot and
 * the protocol read, two probe reads and a call (110-170 ns of a folded
 * repeat's 650-750 on the project's CI machine, where every helper call
 * returns through a return thunk). Only on the syscall path: the inode
 * comes free there with the socket's head (sock_from_fd()); fexit loads
 * these fields directly. Written on a miss, before the fold decision, so
 * the next repeat finds it; a record reads the socket again. A listen()
 * takes no memo: its address is the socket's bound one, which a bind
 * changes. An inode number names one socket until the kernel's 32-bit
 * inode counter wraps (shared with pipes and every other pseudo-file), so
 * an entry cannot be taken for another socket's, as a slab address could
 * (README, "the fold memo").
 */
struct sock_memo {
	__u64 inode;
	__u16 family;
	__u16 protocol;
	__u32 pad;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct sock_memo);
} sock_memos SEC(".maps");

static __always_inline struct sock_memo *sock_memo_slot(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&sock_memos, &zero);
}

/*
 * Fills caller's family and *protocol from the memo if it is op's socket's:
 * a bind, whose requested address is the sockaddr's, not the bound one.
 */
static __always_inline bool sock_memo_recall(const struct pending_op *op,
					     struct caller_sock *caller, __u16 *protocol)
{
	struct sock_memo *memo;

	if (!op || op->kind != BS_KIND_BIND || !op->sock_inode)
		return false;
	memo = sock_memo_slot();
	if (!memo || memo->inode != op->sock_inode)
		return false;
	__builtin_memset(caller, 0, sizeof(*caller));
	caller->family = memo->family;
	*protocol = memo->protocol;
	return true;
}

static __always_inline void sock_memo_keep(const struct pending_op *op, __u16 family,
					   __u16 protocol)
{
	struct sock_memo *memo;

	if (!op || !op->sock_inode || !(memo = sock_memo_slot()))
		return;
	memo->inode = op->sock_inode;
	memo->family = family;
	memo->protocol = protocol;
}

/*
 * The inode of the caller's socket: the hook's if it read it already (the
 * syscall path, from the socket's head), else one probe read where sk is a
 * BTF pointer (its socket is a load), two where it is not.
 */
static __always_inline __u64 caller_inode(const struct pending_op *op, struct sock *sk,
					  enum sk_access access)
{
	if (op && op->sock_inode)
		return op->sock_inode;
	if (access == SK_BTF)
		return socket_inode(sk->sk_socket);
	return sock_inode(sk);
}

/* The caller's part of a record, read at the failure; the caller's own address is the hook's. */
static __always_inline void event_caller_fill(struct bs_event *event, struct caller_id *id,
					      struct sock *sk, __u64 inode, struct net *net,
					      int ret, __u8 kind, __u8 hook)
{
	caller_id_complete(id);
	event->ts_boot_ns = bpf_ktime_get_boot_ns();
	event->pid = id->pid_tgid >> 32;
	event->tid = (__u32)id->pid_tgid;
	if (kernel_has_task_pt_regs()) {
		event->ppid = bpf_get_current_task_btf()->real_parent->tgid;
	} else {
		struct task_struct *task = (void *)bpf_get_current_task();

		event->ppid = BPF_CORE_READ(task, real_parent, tgid);
	}
	event->uid = id->uid;
	event->cgroup_id = bpf_get_current_cgroup_id();
	event->netns_ino = BPF_CORE_READ(net, ns.inum);
	event->sock_inode = inode;
	event->ret = ret;
	event->sock_type = BPF_CORE_READ(sk, sk_type);
	event->kind = kind;
	event->hook = hook;
	__builtin_memcpy(event->comm, id->comm, sizeof(event->comm));
}

/*
 * Who failed, while it still exists: for failures, never for successes
 * (--all). Called last, just before the record is submitted: the verifier
 * checks identity_read() once for each distinct state that reaches its call,
 * and there the fold's and the walk's variables, which told those states
 * apart, are dead (five checks of it became one or two).
 */
static __always_inline void event_identity_fill(struct bs_event *event, struct sock *sk, int ret)
{
	if (ret < 0) {
		__builtin_memset(&event->identity, 0, sizeof(event->identity));
		identity_read(&event->identity, sk);
	} else {
		event->identity.flags = 0;
	}
}

/*
 * Only the syscall hooks and unix_bind() see sockets of other families: a
 * constant at every call site, so the inet hooks' programs carry no AF_UNIX
 * code for the verifier to walk.
 */
static __always_inline bool sees_other_families(__u8 hook)
{
	return hook == BS_HOOK_SYSCALL || hook == BS_HOOK_UNIX;
}

/* A failed bind of a socket of another family: AF_UNIX's (unix_bind.bpf.h). */
static __noinline int unix_bind_failed(struct caller_id *id, const struct pending_op *op,
				       struct sock *sk, int ret, __u8 hook);

/*
 * Return side: report the outcome of op (NULL for an autobind) on socket sk.
 * Every successful bind tags its socket, whatever the filters say: it may be
 * the holder of a later conflict.
 */
static __always_inline int report_outcome(struct caller_id *id, const struct pending_op *op,
					  __u8 kind, struct sock *sk, enum sk_access access,
					  int ret, __u8 hook, bool walk)
{
	__u32 pid = id->pid_tgid >> 32;
	__u64 inode;
	struct caller_sock caller;
	struct requested requested;
	struct bs_event *event;
	__u16 protocol = 0;
	bool recalled = false;

	if (!sk)
		return 0;
	if (ret == 0) {
		/*
		 * Every server's binds come this way: the tag, nothing more.
		 * The syscall hooks see sockets of every family and tag them
		 * all, rather than pay a read of the family for every bind:
		 * an AF_UNIX socket can hold a path, and another only takes
		 * the slot of its own inode.
		 */
		inode = caller_inode(op, sk, access);
		owner_tag_record(inode, pid);
		if (!bs_cfg.all || !caller_id_wanted(id) || !inet_caller_read(&caller, sk, access))
			return 0;
	} else if (!caller_id_wanted(id)) {
		return 0;
	} else if (sock_memo_recall(op, &caller, &protocol)) {
		recalled = true; /* the rest of caller is read for a record only */
		inode = 0;
	} else if (!inet_caller_read(&caller, sk, access)) {
		return kind == BS_KIND_BIND && sees_other_families(hook) ?
			       unix_bind_failed(id, op, sk, ret, hook) :
			       0;
	} else {
		inode = 0; /* read for a record only: a folded repeat needs none */
	}

	requested_address(&requested, op, &caller, access);
	if (!outcome_wanted(ret, requested.port))
		return 0;

	if (!recalled) {
		protocol = caller_protocol(sk, access == SK_BTF, hook == BS_HOOK_SYSCALL);
		sock_memo_keep(op, caller.family, protocol);
	}
	struct bs_fold_value *fold_entry = NULL;
	struct bs_fold_key fold_key;
	__u64 fold_epoch = 0;

	/* Epoch 0: userspace has not started the windows yet, report in full. */
	if (fold_enabled(ret) && (fold_epoch = fold_epoch_now())) {
		bs_fold_key_make(&fold_key, requested.addr, pid, ret, requested.port, caller.family,
				 protocol, kind);
		if (fold_repeat(&fold_key, fold_epoch, &fold_entry))
			return 0;
	}
	if (recalled && !inet_caller_read(&caller, sk, access))
		return 0;

	event = bpf_ringbuf_reserve(&events, sizeof(*event), 0);
	if (!event) {
		count_lost();
		return 0;
	}

	__builtin_memcpy(event->addr, requested.addr, sizeof(event->addr));
	event->port = requested.port;
	event->family = caller.family;
	event->holder_count = 0;
	event->kernel_holders_searched = 0;
	event->caller_v6only = caller.v6only;
	event->protocol = protocol;
	/* caller.net through a plain pointer: CO-RE must not see "caller." */
	if (!inode)
		inode = caller_inode(op, sk, access);
	event_caller_fill(event, id, sk, inode, caller.net, ret, kind, hook);
	if (fold_epoch)
		fold_window_open(&fold_key, fold_entry, event, fold_epoch);
	if (walk && ret == -EADDRINUSE && bs_cfg.kernel_holders)
		holders_find(event, sk, caller.net, caller.v6only);
	event_identity_fill(event, sk, ret);
	event_submit(event);
	return 0;
}

/*
 * With bpf_task_pt_regs(), the syscall backend needs no entry hook: at
 * sys_exit the task's saved user registers still hold the arguments, and the
 * sockaddr is still in its memory. One program per syscall and no map
 * traffic, which matters at the rate of a bind storm.
 */
static __always_inline int syscall_finished(__u8 kind, int ret, bool walk)
{
	/* A BTF pointer: the arguments are plain loads, not helper calls. */
	struct pt_regs *regs = (struct pt_regs *)bpf_task_pt_regs(bpf_get_current_task_btf());
	int fd = (int)PT_REGS_PARM1_SYSCALL(regs);
	struct pending_op op;
	struct caller_id id;

	/* A filtered-out failure costs no socket lookup at all. */
	caller_id_read(&id);
	if (ret != 0 && !caller_id_wanted(&id))
		return 0;
	__u64 inode = 0;
	struct sock *sk = sock_from_fd(fd, &inode);

	pending_op_make(&op, kind, NULL, inode, (const void *)PT_REGS_PARM2_SYSCALL(regs),
			kind == BS_KIND_BIND ? (int)PT_REGS_PARM3_SYSCALL(regs) : 0, true);
	return report_outcome(&id, &op, kind, sk, SK_PROBE, ret, BS_HOOK_SYSCALL, walk);
}

/*
 * Kernels without bpf_task_pt_regs(): sys_enter remembers the arguments
 * (op_begin), sys_exit reports through op_finish like the inet hooks.
 */
static __always_inline int syscall_started(__u8 kind, int fd, const void *sockaddr,
					   int sockaddr_len)
{
	__u64 inode = 0;
	struct sock *sk = sock_from_fd(fd, &inode);

	return op_begin(kind, sk, inode, sockaddr, sockaddr_len, true);
}

/* Return side of an op_begin on this thread. */
static __always_inline int op_finish(int ret, __u8 hook, bool walk)
{
	__u32 tid = current_tid();
	struct pending_op *op = bpf_map_lookup_elem(&pending_ops, &tid);
	struct caller_id id;

	if (!op)
		return 0;
	caller_id_read(&id);
	report_outcome(&id, op, op->kind, op->sk, SK_PROBE, ret, hook, walk);
	bpf_map_delete_elem(&pending_ops, &tid);
	return 0;
}

/*
 * fexit: the hook's own arguments say what was asked, no entry hook needed.
 * The sockaddr is the kernel's copy as bind saw it, after any cgroup bind
 * program rewrote it: the address that was really tried. Without
 * bpf_task_pt_regs() (so that get_port hooks can tell a bind in progress),
 * fentry's op_begin remembered the call.
 */
static __always_inline int inet_op_returned(__u8 kind, struct sock *sk, const void *sockaddr,
					    int sockaddr_len, int ret, bool walk)
{
	struct pending_op op;
	struct caller_id id;

	if (!kernel_has_task_pt_regs())
		return op_finish(ret, BS_HOOK_INET, walk);
	pending_op_make(&op, kind, sk, 0, sockaddr, sockaddr_len, false);
	caller_id_read(&id);
	return report_outcome(&id, &op, kind, sk, SK_BTF, ret, BS_HOOK_INET, walk);
}

/*
 * Whether the get_port call that returned (snum: the port it was asked for)
 * runs inside bind() or listen(), whose own hooks report its failure. Only
 * those ask for a port: autobind (connect or sendmsg on an unbound socket)
 * asks for port 0, and so do bind() to port 0 and listen() on an unbound
 * socket, which the syscall in progress tells apart. Only kernels that
 * inline inet_autobind() need this (the get_port hooks stand in for it
 * there); on them a port-0 bind that finds no free port and runs outside a
 * bind syscall of this ABI (io_uring, a kernel thread such as MPTCP's path
 * manager, a 32-bit task, an architecture without a known syscall register)
 * is reported twice, as bind and as autobind: twice rather than never.
 */
static __always_inline bool bind_or_listen_in_progress(__u16 snum)
{
	if (snum)
		return true;
	if (!kernel_has_task_pt_regs())
		return op_pending();

	long nr = current_syscall_nr();

	return nr == bs_cfg.syscall_nr_bind || nr == bs_cfg.syscall_nr_listen;
}

/* An autobind that failed: the kernel found no port to pick. */
static __always_inline int autobind_reported(struct sock *sk, enum sk_access access, int ret,
					     __u8 hook, bool walk)
{
	struct caller_id id;

	if (ret == 0)
		return 0;
	caller_id_read(&id);
	return report_outcome(&id, NULL, BS_KIND_AUTOBIND, sk, access, ret, hook, walk);
}

/*
 * What the caller of an autobind sees when get_port returned ret: get_port
 * says "no free port" with any non-zero value (1 from inet_csk_get_port()),
 * and inet_autobind() turns that into -EAGAIN.
 */
static __always_inline int autobind_result(int get_port_ret)
{
	return get_port_ret ? -EAGAIN : 0;
}

/* fexit of get_port: reported here only when no bind/listen is in progress. */
static __always_inline int get_port_failed(struct sock *sk, __u16 snum, int ret, bool walk)
{
	if (ret == 0 || bind_or_listen_in_progress(snum))
		return 0;
	return autobind_reported(sk, SK_BTF, autobind_result(ret), BS_HOOK_GET_PORT, walk);
}

#include "unix_bind.bpf.h"

#endif /* BINDSNOOP_REPORT_BPF_H */
