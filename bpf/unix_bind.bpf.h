/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Failed binds of AF_UNIX sockets: a path in the filesystem or an abstract
 * name, never a port. Every backend reaches unix_bind_failed() through
 * report_outcome(), whose inet reading of the socket fails for them: the
 * syscall tracepoints (the socket of the fd), and the unix_bind() hooks of
 * bindsnoop.bpf.c (unix_bind_returned()). The record carries the name in
 * the room of the kernel holders (struct bs_unix_addr), which an AF_UNIX
 * failure has none of: userspace names the holder (user/enrich/unix_holder.c).
 */
#ifndef BINDSNOOP_UNIX_BIND_BPF_H
#define BINDSNOOP_UNIX_BIND_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include "bindsnoop.h"

#define SUN_PATH_OFFSET 2 /* offsetof(struct sockaddr_un, sun_path) */

/* The name the caller passed; path_len 0 for an autobind (addrlen 2) or an unreadable one. */
static __always_inline void unix_addr_read(struct bs_unix_addr *name, const struct pending_op *op)
{
	__u64 len = 0;

	__builtin_memset(name, 0, sizeof(*name)); /* the last failure's name may be there */
	if (op->sockaddr && op->sockaddr_len > SUN_PATH_OFFSET)
		len = op->sockaddr_len - SUN_PATH_OFFSET;
	if (len > BS_UNIX_PATH_LEN)
		len = BS_UNIX_PATH_LEN;
	/*
	 * The compiler knows len's bounds and would drop the mask, leaving the
	 * verifier a copy it never saw bounded: the barrier keeps the mask on
	 * the very register the read is given.
	 */
	barrier_var(len);
	len &= 0x7f;
	if (!len || len > BS_UNIX_PATH_LEN)
		return;
	if (op_sockaddr_read(name->path, len, op, SUN_PATH_OFFSET) == 0)
		name->path_len = len;
}

/*
 * What tells two names apart in the fold key, which has room for an address:
 * FNV-1a over the name's 64-bit words, its length included (the name is
 * zeroed past what was read). Not byte by byte: a loop of 108 steps cost the
 * verifier 7,000 instructions in every program that reports (3.5 times the
 * rest; the kprobe backend then took over a minute to load under QEMU). Two
 * names that collide fold together, each full report still says its own
 * name; a path with other bytes after its NUL folds apart.
 */
_Static_assert(sizeof(struct bs_unix_addr) % 8 == 0, "unix_addr_hash reads whole words");

static __always_inline void unix_addr_hash(const struct bs_unix_addr *name, __u8 out[BS_ADDR_LEN])
{
	const __u64 *words = (const __u64 *)name;
	__u64 hash = 0xcbf29ce484222325ULL;

#pragma unroll
	for (int i = 0; i < (int)(sizeof(*name) / 8); i++)
		hash = (hash ^ words[i]) * 0x100000001b3ULL;
	__builtin_memset(out, 0, BS_ADDR_LEN);
	__builtin_memcpy(out, &hash, sizeof(hash));
	out[8] = name->path_len && !name->path[0]; /* abstract */
}

/*
 * The name being reported, read once per failure, with its hash and fold
 * key: too large for the stack (the chain from a syscall program through
 * unix_bind_failed() down to identity_read() must stay within 512 bytes),
 * and needed before the ring buffer, so that a folded repeat never takes a
 * record, or counts as lost when the ring is full.
 */
struct unix_scratch {
	struct bs_unix_addr name;
	struct bs_fold_key fold_key;
	__u64 fold_epoch; /* 0: not folded */
	__u8 name_hash[BS_ADDR_LEN];
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct unix_scratch);
} unix_names SEC(".maps");

/*
 * The first half of a failure: whether it is reported in full (1) or was
 * a repeat, filtered out or not AF_UNIX (0); the name, its hash and the fold
 * window's key and epoch are left in the scratch. Not inlined: its frame
 * never stacks on identity_read()'s, which the second half calls from the
 * program's own frame (the chain must stay within 512 bytes).
 */
static __noinline int unix_bind_prepare(struct caller_id *id, const struct pending_op *op,
					struct sock *sk, int ret)
{
	struct bs_fold_value *fold_entry = NULL;
	struct unix_scratch *scratch;
	__u32 zero = 0;

	/* Successes are not reported for AF_UNIX (--all): no holder needs their tag. */
	if (!op || !sk || ret == 0 || BPF_CORE_READ(sk, __sk_common.skc_family) != BS_AF_UNIX)
		return 0;
	/* --port names ports: alone it leaves out every name; with --path, userspace matches. */
	if (bs_cfg.filters.filter_ports && !bs_cfg.filters.filter_paths)
		return 0;
	if (!errno_wanted(ret))
		return 0;
	scratch = bpf_map_lookup_elem(&unix_names, &zero);
	if (!scratch)
		return 0;
	unix_addr_read(&scratch->name, op);
	unix_addr_hash(&scratch->name, scratch->name_hash);
	scratch->fold_epoch = 0;
	if (fold_enabled(ret) && (scratch->fold_epoch = fold_epoch_now())) {
		bs_fold_key_make(&scratch->fold_key, scratch->name_hash, id->pid_tgid >> 32, ret, 0,
				 BS_AF_UNIX, 0, BS_KIND_BIND);
		if (fold_repeat(&scratch->fold_key, scratch->fold_epoch, &fold_entry))
			return 0;
	}
	return 1;
}

/*
 * The second half: the record, from the scratch unix_bind_prepare() filled.
 * Not inlined either: inlined, its frame stayed in every inet program's
 * (fexit's grew from 384 to 496 bytes, past 512 with identity_read()).
 */
static __noinline int unix_bind_failed(struct caller_id *id, const struct pending_op *op,
					    struct sock *sk, int ret, __u8 hook)
{
	struct unix_scratch *scratch;
	struct bs_event *event;
	__u32 zero = 0;

	if (!unix_bind_prepare(id, op, sk, ret))
		return 0;
	scratch = bpf_map_lookup_elem(&unix_names, &zero);
	if (!scratch)
		return 0;
	event = bpf_ringbuf_reserve(&events, sizeof(*event), 0);
	if (!event) {
		count_lost();
		return 0;
	}
	__builtin_memset(event->holders, 0, sizeof(event->holders));
	event->unix_addr = scratch->name;
	__builtin_memcpy(event->addr, scratch->name_hash, sizeof(event->addr));
	event->port = 0;
	event->family = BS_AF_UNIX;
	event->protocol = 0;
	event->holder_count = 0;
	event->kernel_holders_searched = 0;
	event->caller_v6only = 0;
	event_caller_fill(event, id, sk, sock_inode(sk), BPF_CORE_READ(sk, __sk_common.skc_net.net),
			  ret, BS_KIND_BIND, hook);
	if (scratch->fold_epoch)
		fold_window_open(&scratch->fold_key, bpf_map_lookup_elem(&folds, &scratch->fold_key),
				 event, scratch->fold_epoch);
	event_identity_fill(event, sk, ret);
	/* The inet_sock bits identity_read() reads are not an AF_UNIX socket's. */
	event->identity.sock_flags &= BS_SOCK_REUSEADDR | BS_SOCK_REUSEPORT;
	event_submit(event);
	return 0;
}

/*
 * Every successful AF_UNIX bind tags its socket, as an inet one does: a
 * holder that bound while tracing is named even before a /proc scan sees it.
 * (The syscall hooks tag it in report_outcome(), with every family.)
 */
static __always_inline int unix_bind_succeeded(struct sock *sk, __u32 pid)
{
	owner_tag_record(sock_inode(sk), pid);
	return 0;
}

/*
 * fexit on unix_bind(): its arguments say what was asked, no entry hook;
 * without bpf_task_pt_regs(), fentry's op_begin remembered the call. No
 * holder walk (walk false): the kernel's walk knows inet bind tables only.
 */
static __always_inline int unix_bind_returned(struct sock *sk, const void *sockaddr,
					      int sockaddr_len, int ret)
{
	struct pending_op op;
	struct caller_id id;

	if (!kernel_has_task_pt_regs())
		return op_finish(ret, BS_HOOK_UNIX, false);
	if (ret == 0)
		return unix_bind_succeeded(sk, current_pid_tgid() >> 32);
	caller_id_read(&id);
	if (!caller_id_wanted(&id))
		return 0;
	pending_op_make(&op, BS_KIND_BIND, sk, 0, sockaddr, sockaddr_len, false);
	return unix_bind_failed(&id, &op, sk, ret, BS_HOOK_UNIX);
}

#endif /* BINDSNOOP_UNIX_BIND_BPF_H */
