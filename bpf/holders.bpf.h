/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Finding who holds a port: walk the port's bucket in the kernel's bind
 * tables (TCP bhash, UDP hash) in the caller's network namespace and describe
 * each socket whose address overlaps the requested one. Reads are
 * lock-free probe reads of live lists, so a result can miss a socket that is
 * being freed at that instant; the walk is bounded (WALK_MAX_STEPS nodes).
 * Included after bs_cfg (report.bpf.h).
 */
#ifndef BINDSNOOP_HOLDERS_BPF_H
#define BINDSNOOP_HOLDERS_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include "bindsnoop.h"
#include "compat.bpf.h"
#include "address_overlap.h"
#include "shared_facts.h"

#define AF_INET	      2
#define AF_INET6      10

/*
 * Who bound each socket (struct bs_owner_tag), at BS_OWNER_TAG_SLOT of its
 * inode. An array, not a hash: every successful bind on the machine writes
 * a tag, and a slot written in place takes no lock and no allocation (an
 * LRU hash update cost a bind storm most of its tracing cost). Sized by
 * userspace before load (bs_cfg.owner_tag_mask).
 */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 16384);
	__type(key, __u32);
	__type(value, struct bs_owner_tag);
} owner_tags SEC(".maps");

/*
 * A copy of a socket's struct sock_common taken with one probe read; its
 * fields are then loaded from the copy at their CO-RE-relocated offsets
 * instead of costing one probe read each (this runs for every socket of the
 * bucket, for every EADDRINUSE of a storm). The fields used end with
 * skc_v6_rcv_saddr at byte 88 in 6.1, 6.12 and 6.18; a kernel that moved them
 * further fails at load (out-of-bounds stack read), never silently.
 */
#define SOCK_SNAPSHOT_SIZE 96

struct sock_snapshot {
	__u8 bytes[SOCK_SNAPSHOT_SIZE];
} __attribute__((aligned(8)));

/*
 * The snapshot lives here, not on the walk callback's stack: fexit's frame
 * plus the callback's must stay within 512 bytes (6.12 refused 384 + 192).
 */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct sock_snapshot);
} sock_snapshots SEC(".maps");

static __always_inline struct sock_common *sock_snapshot_take(struct sock_snapshot *snapshot,
							      const void *sk)
{
	if (bpf_probe_read_kernel(snapshot->bytes, sizeof(snapshot->bytes), sk))
		return NULL;
	return (struct sock_common *)snapshot->bytes;
}

/* The bound address of a snapshot, IPv4 in the first 4 bytes. */
static __always_inline void sock_snapshot_addr(const struct sock_common *skc, __u16 family,
					       __u8 *out)
{
	if (family == AF_INET6)
		__builtin_memcpy(out, &skc->skc_v6_rcv_saddr, 16);
	else
		__builtin_memcpy(out, &skc->skc_rcv_saddr, 4);
}

static __always_inline __u64 socket_inode(struct socket *sock)
{
	if (!sock)
		return 0;
	return BPF_CORE_READ((struct socket_alloc *)sock, vfs_inode.i_ino);
}

static __always_inline __u64 sock_inode(struct sock *sk)
{
	return socket_inode(BPF_CORE_READ(sk, sk_socket));
}

/*
 * The binder's executable and start, beside its pid and comm: what compares
 * a holder with a caller when /proc cannot (bs_owner_tag). Plain loads
 * through the BTF task pointer where the kernel has one (a fault reads 0, a
 * kernel thread has no mm); probe reads on kernels without bpf_task_pt_regs().
 */
static __always_inline void owner_tag_identity_read(struct bs_owner_tag *tag)
{
	if (kernel_has_task_pt_regs()) {
		struct task_struct *task = bpf_get_current_task_btf();
		struct inode *exe = task->mm->exe_file->f_inode;

		tag->start_boottime_ns = task->group_leader->start_boottime;
		tag->exe_ino = exe->i_ino;
		tag->exe_dev = exe->i_sb->s_dev;
		task_comm_copy(tag->comm, task);
	} else {
		struct task_struct *task = (void *)bpf_get_current_task();
		struct inode *exe = BPF_CORE_READ(task, mm, exe_file, f_inode);

		tag->start_boottime_ns = BPF_CORE_READ(task, group_leader, start_boottime);
		tag->exe_ino = BPF_CORE_READ(exe, i_ino);
		tag->exe_dev = BPF_CORE_READ(exe, i_sb, s_dev);
		bpf_get_current_comm(tag->comm, sizeof(tag->comm));
	}
}

/*
 * Remember who bound a socket, so a later conflict can name it: its slot is
 * rewritten in place. The inode goes last, after a zero first, so a reader
 * that meets the slot half-written finds no tag rather than a mixed one
 * (two binds at once on the one slot, an inode mask apart, can still mix).
 */
static __always_inline void owner_tag_record(__u64 inode, __u32 pid)
{
	struct bs_owner_tag *tag;
	__u32 slot;

	if (!inode)
		return;
	slot = BS_OWNER_TAG_SLOT(inode, bs_cfg.owner_tag_mask);
	tag = bpf_map_lookup_elem(&owner_tags, &slot);
	if (!tag)
		return;
	tag->sock_inode = 0;
	barrier();
	tag->pid = pid;
	owner_tag_identity_read(tag);
	barrier();
	tag->sock_inode = inode;
}

/* The tag of the socket with this inode, or NULL. */
static __always_inline struct bs_owner_tag *owner_tag_find(__u64 inode)
{
	__u32 slot = BS_OWNER_TAG_SLOT(inode, bs_cfg.owner_tag_mask);
	struct bs_owner_tag *tag = bpf_map_lookup_elem(&owner_tags, &slot);

	return tag && tag->sock_inode == inode && tag->pid ? tag : NULL;
}

/* What every socket of the bucket is compared with. */
struct holder_match {
	struct sock *caller; /* never its own holder */
	struct net *net;
	struct bs_bound_addr wanted;
	__u16 port;
};

struct holder_search {
	struct bs_event *event;
	struct holder_match match;
};

/*
 * Describe socket sk of the bucket in event if it overlaps what the caller
 * asked for; returns whether it does. A global function, so the verifier
 * checks it once, on its own: inlined into the walk's bpf_loop callback, its
 * branches multiplied with the walk's states (60,173 instructions processed
 * for the tracepoint program on 6.18, against 22,634 without the walk).
 * The walk loads only on kernels with bpf_loop() (5.17), all of which take
 * sized pointers as arguments of a global function (5.12); to the verifier
 * they are plain memory that may be NULL, so the pointers inside match are
 * only compared, never followed.
 */
__noinline int holder_consider(struct bs_event *event, const struct holder_match *match, __u64 sk)
{
	struct sock_snapshot *snapshot;
	struct sock_common *skc;
	__u32 zero = 0;
	struct bs_bound_addr bound;
	__u8 raw[16] = {};
	__u16 family;
	__u8 state;
	bool v6only;

	if (!event || !match || sk == (__u64)match->caller)
		return 0;
	snapshot = bpf_map_lookup_elem(&sock_snapshots, &zero);
	if (!snapshot)
		return 0;
	skc = sock_snapshot_take(snapshot, (const void *)sk);
	if (!skc || skc->skc_net.net != match->net || skc->skc_num != match->port)
		return 0;
	family = skc->skc_family;
	v6only = BPF_CORE_READ_BITFIELD(skc, skc_ipv6only);
	sock_snapshot_addr(skc, family, raw);
	bs_bound_addr_make(&bound, family, raw, v6only);
	if (!bs_bound_addr_overlap(&match->wanted, &bound))
		return 0;

	__u32 index = event->holder_count++;
	if (index >= BS_MAX_KERNEL_HOLDERS)
		return 1;
	struct bs_holder *holder = &event->holders[index];

	state = skc->skc_state;
	__builtin_memcpy(holder->addr, raw, sizeof(holder->addr));
	holder->family = family;
	holder->port = match->port;
	holder->state = state;
	holder->flags = 0;
	if (BPF_CORE_READ_BITFIELD(skc, skc_reuse))
		holder->flags |= BS_HOLDER_REUSEADDR;
	if (BPF_CORE_READ_BITFIELD(skc, skc_reuseport))
		holder->flags |= BS_HOLDER_REUSEPORT;
	if (v6only)
		holder->flags |= BS_HOLDER_V6ONLY;
	holder->owner_pid = 0;
	holder->owner_comm[0] = 0;
	if (state == BS_TCP_TIME_WAIT) {
		/* inet_timewait_sock ends after sock_common: no uid, no file. */
		holder->uid = BS_UID_UNKNOWN;
		holder->sock_inode = 0;
		return 1;
	}
	holder->uid = BPF_CORE_READ((struct sock *)sk, sk_uid.val);
	/* 6.1 refuses map keys in ring buffer memory: the key goes on the stack. */
	__u64 inode = sock_inode((struct sock *)sk);

	holder->sock_inode = inode;
	holder->owner_exe_ino = 0;
	holder->owner_exe_dev = 0;
	holder->owner_start_boottime_ns = 0;
	if (inode) {
		struct bs_owner_tag *tag = owner_tag_find(inode);

		if (tag) {
			holder->owner_pid = tag->pid;
			__builtin_memcpy(holder->owner_comm, tag->comm, sizeof(holder->owner_comm));
			holder->owner_exe_ino = tag->exe_ino;
			holder->owner_exe_dev = tag->exe_dev;
			holder->owner_start_boottime_ns = tag->start_boottime_ns;
			holder->flags |= BS_HOLDER_OWNER_KNOWN;
		}
	}
	return 1;
}

/*
 * The walk is one flat state machine run by bpf_loop(), one list node per
 * step, because nested bounded loops over chain x address buckets x sockets
 * exceed the verifier's budget. Phases: port buckets of the hash slot
 * (TCP), per-address buckets of the port (TCP since bhash2 joined bhash),
 * sockets of one list (TCP owners, UDP slot).
 */
#define WALK_MAX_STEPS 256

enum walk_phase {
	WALK_PORT_BUCKETS,
	WALK_ADDR_BUCKETS,
	WALK_SOCKETS,
};

struct holder_walk {
	struct holder_search *search;
	struct hlist_node *port_bucket; /* next inet_bind_bucket of the slot */
	struct hlist_node *addr_bucket; /* next inet_bind2_bucket of the port */
	struct hlist_node *socket;	/* next socket of the current list */
	__u32 socket_node_offset;	/* skc_bind_node (TCP) or skc_node (UDP) */
	__u32 phase;
	bool single_list; /* UDP: the slot is one list of sockets */
};

static __always_inline void walk_enter_port_bucket(struct holder_walk *walk,
						   struct inet_bind_bucket *bucket)
{
	if (bind_bucket_lists_owners()) {
		struct inet_bind_bucket___owners *old = (void *)bucket;

		walk->socket = BPF_CORE_READ(old, owners.first);
		walk->phase = WALK_SOCKETS;
		return;
	}
	walk->addr_bucket = BPF_CORE_READ(bucket, bhash2.first);
	walk->phase = WALK_ADDR_BUCKETS;
}

static long holder_walk_step(__u32 step, void *data)
{
	struct holder_walk *walk = data;
	struct holder_search *search = walk->search;

	if (walk->phase == WALK_SOCKETS) {
		struct hlist_node *node = walk->socket;

		if (node) {
			holder_consider(search->event, &search->match,
					(__u64)node - walk->socket_node_offset);
			walk->socket = BPF_CORE_READ(node, next);
			return 0;
		}
		if (walk->single_list)
			return 1;
		walk->phase = bind_bucket_lists_owners() ? WALK_PORT_BUCKETS : WALK_ADDR_BUCKETS;
		return 0;
	}
	if (walk->phase == WALK_ADDR_BUCKETS) {
		struct hlist_node *node = walk->addr_bucket;

		if (node) {
			struct inet_bind2_bucket *addr_bucket =
				(void *)node -
				bpf_core_field_offset(struct inet_bind2_bucket, bhash_node);

			walk->socket = BPF_CORE_READ(addr_bucket, owners.first);
			walk->addr_bucket = BPF_CORE_READ(node, next);
			walk->phase = WALK_SOCKETS;
			return 0;
		}
		walk->phase = WALK_PORT_BUCKETS;
		return 0;
	}

	struct hlist_node *node = walk->port_bucket;

	if (!node)
		return 1;
	struct inet_bind_bucket *bucket =
		(void *)node - bpf_core_field_offset(struct inet_bind_bucket, node);

	walk->port_bucket = BPF_CORE_READ(node, next);
	/* Several buckets can match when sockets differ by l3mdev (VRF). */
	if (BPF_CORE_READ(bucket, port) == search->match.port &&
	    BPF_CORE_READ(bucket, ib_net.net) == search->match.net)
		walk_enter_port_bucket(walk, bucket);
	return 0;
}

/* The per-namespace salt of every bind-table hash (include/net/netns/hash.h). */
static __always_inline __u32 net_hash_mix(struct net *net)
{
	return BPF_CORE_READ(net, hash_mix);
}

static __always_inline void holders_walk_tcp(struct holder_search *search)
{
	struct inet_hashinfo *hashinfo = tcp_hashinfo_of(search->match.net, search->match.caller);
	struct holder_walk walk = {
		.search = search,
		.socket_node_offset = bpf_core_field_offset(struct sock_common, skc_bind_node),
		.phase = WALK_PORT_BUCKETS,
	};

	if (!hashinfo)
		return;
	__u32 size = BPF_CORE_READ(hashinfo, bhash_size);
	__u32 slot = (search->match.port + net_hash_mix(search->match.net)) & (size - 1);
	void *bhash = BPF_CORE_READ(hashinfo, bhash);
	struct inet_bind_hashbucket *head =
		bhash + (__u64)slot * bpf_core_type_size(struct inet_bind_hashbucket);

	walk.port_bucket = BPF_CORE_READ(head, chain.first);
	search->event->kernel_holders_searched = 1;
	bpf_loop(WALK_MAX_STEPS, holder_walk_step, &walk, 0);
}

static __always_inline void holders_walk_udp(struct holder_search *search)
{
	struct udp_table *table = udp_table_of(search->match.net, search->match.caller);
	struct holder_walk walk = {
		.search = search,
		.socket_node_offset = bpf_core_field_offset(struct sock_common, skc_node),
		.phase = WALK_SOCKETS,
		.single_list = true,
	};

	if (!table)
		return;
	__u32 mask = BPF_CORE_READ(table, mask);
	__u32 slot = (search->match.port + net_hash_mix(search->match.net)) & mask;
	void *hash = BPF_CORE_READ(table, hash);
	struct udp_hslot *hslot = hash + (__u64)slot * bpf_core_type_size(struct udp_hslot);

	walk.socket = BPF_CORE_READ(hslot, head.first);
	search->event->kernel_holders_searched = 1;
	bpf_loop(WALK_MAX_STEPS, holder_walk_step, &walk, 0);
}

/*
 * Fill event->holders for an EADDRINUSE: event->addr/port/family are what
 * the caller asked for, caller is its socket.
 */
static __always_inline void holders_find(struct bs_event *event, struct sock *caller,
					 struct net *net, bool caller_v6only)
{
	struct holder_search search = {
		.event = event,
		.match = { .caller = caller, .net = net, .port = event->port },
	};

	bs_bound_addr_make(&search.match.wanted, event->family, event->addr, caller_v6only);
	if (event->protocol == IPPROTO_UDP || event->protocol == IPPROTO_UDPLITE)
		holders_walk_udp(&search);
	else
		holders_walk_tcp(&search);
}

#endif /* BINDSNOOP_HOLDERS_BPF_H */
