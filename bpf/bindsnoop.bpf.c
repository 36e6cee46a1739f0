// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The attach points, one thin entry each; everything they share is in
 * report.bpf.h. One object for every kernel: userspace loads one backend's
 * programs, those the kernel can take (user/capture/tracer.c):
 *
 *   tracepoint  syscalls/sys_exit_{bind,listen}; sys_enter_{bind,listen} too
 *               on kernels without bpf_task_pt_regs() (before 5.15, see
 *               compat.bpf.h)
 *   fexit       fexit on inet_bind(_sk), inet6_bind(_sk), inet_listen and
 *               inet_autobind (or, where that is inlined, inet_csk_get_port
 *               and udp_lib_get_port); fentry on the first three too on
 *               kernels without bpf_task_pt_regs()
 *   kprobe      the same functions with kprobe+kretprobe
 *
 * A program that reports comes twice (WALK_VARIANTS): NAME runs the
 * in-kernel holder walk, NAME_no_walk is for kernels without bpf_loop().
 *
 * AF_UNIX binds: the tracepoint backend sees them in the same programs; the
 * other two hook unix_bind() (its own section at the end, unix_bind.bpf.h),
 * once each: no holder walk is theirs.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "bindsnoop.h"
#include "report.bpf.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/*
 * Two programs on one hook: NAME, whose report may run the holder walk, and
 * NAME_no_walk, which cannot, so that a verifier without bpf_loop() never
 * sees the walk's callback (compat.bpf.h). FLAVOUR is BPF_PROG, BPF_KRETPROBE
 * or TP_PROG; ARGS its parenthesised arguments; RESULT an expression that
 * reads the constant walk.
 */
#define ARGS_OF(...)	       __VA_ARGS__
#define TP_PROG(name, args...) name(args)
#define WALK_VARIANTS(section, flavour, name, args, result)    \
	SEC(section) int flavour(name, ARGS_OF args)           \
	{                                                      \
		const bool walk = true;                        \
		return result;                                 \
	}                                                      \
	SEC(section) int flavour(name##_no_walk, ARGS_OF args) \
	{                                                      \
		const bool walk = false;                       \
		return result;                                 \
	}

/* ---- tracepoint backend: the syscalls themselves ---- */

/*
 * One exit program for both syscalls: userspace attaches it to
 * sys_exit_bind and sys_exit_listen (user/capture/tracer.c), so the
 * verifier checks the report path once, not twice (half of start-up's
 * verifier time). The syscall number tells them apart; without
 * bpf_task_pt_regs() the op its sys_enter remembered does.
 */
static __always_inline int syscall_exited(struct trace_event_raw_sys_exit *ctx, bool walk)
{
	if (!kernel_has_task_pt_regs())
		return op_finish((int)ctx->ret, BS_HOOK_SYSCALL, walk);
	return syscall_finished(ctx->id == bs_cfg.syscall_nr_listen ? BS_KIND_LISTEN : BS_KIND_BIND,
				(int)ctx->ret, walk);
}

/* clang-format off: it takes the parameter for a multiplication */
WALK_VARIANTS("tracepoint/syscalls/sys_exit_bind", TP_PROG, tp_exit_bind_or_listen,
	      (struct trace_event_raw_sys_exit * ctx), syscall_exited(ctx, walk))
/* clang-format on */

/* Kernels without bpf_task_pt_regs() only. */
SEC("tracepoint/syscalls/sys_enter_bind")
int tp_enter_bind(struct trace_event_raw_sys_enter *ctx)
{
	return syscall_started(BS_KIND_BIND, (int)ctx->args[0], (const void *)ctx->args[1],
			       (int)ctx->args[2]);
}

SEC("tracepoint/syscalls/sys_enter_listen")
int tp_enter_listen(struct trace_event_raw_sys_enter *ctx)
{
	return syscall_started(BS_KIND_LISTEN, (int)ctx->args[0], NULL, 0);
}

/* ---- fexit backend: BPF trampolines ---- */

/*
 * fexit sees the arguments itself, so where the kernel has
 * bpf_task_pt_regs() it needs no entry hook and no map per call. Without it
 * userspace loads fentry too: its mark in pending_ops is how
 * get_port_failed() knows a bind or listen is in progress, where otherwise
 * the syscall number says.
 */
SEC("fentry/inet_bind")
int BPF_PROG(fentry_inet_bind, struct socket *sock, struct sockaddr *uaddr, int addr_len)
{
	return op_begin(BS_KIND_BIND, sock->sk, 0, uaddr, addr_len, false);
}

SEC("fentry/inet6_bind")
int BPF_PROG(fentry_inet6_bind, struct socket *sock, struct sockaddr *uaddr, int addr_len)
{
	return op_begin(BS_KIND_BIND, sock->sk, 0, uaddr, addr_len, false);
}

SEC("fentry/inet_bind_sk")
int BPF_PROG(fentry_inet_bind_sk, struct sock *sk, struct sockaddr *uaddr, int addr_len)
{
	return op_begin(BS_KIND_BIND, sk, 0, uaddr, addr_len, false);
}

SEC("fentry/inet6_bind_sk")
int BPF_PROG(fentry_inet6_bind_sk, struct sock *sk, struct sockaddr *uaddr, int addr_len)
{
	return op_begin(BS_KIND_BIND, sk, 0, uaddr, addr_len, false);
}

SEC("fentry/inet_listen")
int BPF_PROG(fentry_inet_listen, struct socket *sock, int backlog)
{
	return op_begin(BS_KIND_LISTEN, sock->sk, 0, NULL, 0, false);
}

WALK_VARIANTS("fexit/inet_bind", BPF_PROG, fexit_inet_bind,
	      (struct socket * sock, struct sockaddr *uaddr, int addr_len, int ret),
	      inet_op_returned(BS_KIND_BIND, sock->sk, uaddr, addr_len, ret, walk))

WALK_VARIANTS("fexit/inet6_bind", BPF_PROG, fexit_inet6_bind,
	      (struct socket * sock, struct sockaddr *uaddr, int addr_len, int ret),
	      inet_op_returned(BS_KIND_BIND, sock->sk, uaddr, addr_len, ret, walk))

WALK_VARIANTS("fexit/inet_bind_sk", BPF_PROG, fexit_inet_bind_sk,
	      (struct sock * sk, struct sockaddr *uaddr, int addr_len, int ret),
	      inet_op_returned(BS_KIND_BIND, sk, uaddr, addr_len, ret, walk))

WALK_VARIANTS("fexit/inet6_bind_sk", BPF_PROG, fexit_inet6_bind_sk,
	      (struct sock * sk, struct sockaddr *uaddr, int addr_len, int ret),
	      inet_op_returned(BS_KIND_BIND, sk, uaddr, addr_len, ret, walk))

WALK_VARIANTS("fexit/inet_listen", BPF_PROG, fexit_inet_listen,
	      (struct socket * sock, int backlog, int ret),
	      inet_op_returned(BS_KIND_LISTEN, sock->sk, NULL, 0, ret, walk))

/*
 * A port the kernel picks outside bind/listen: inet_autobind() (connect() or
 * sendmsg() on an unbound socket), off the path of every bind. Kernels that
 * inline it get the get_port hooks instead (user/capture/tracer.c), which
 * run inside every bind and so cost a storm a second trampoline.
 */
WALK_VARIANTS("fexit/inet_autobind", BPF_PROG, fexit_inet_autobind, (struct sock * sk, int ret),
	      autobind_reported(sk, SK_BTF, ret, BS_HOOK_AUTOBIND, walk))

WALK_VARIANTS("fexit/inet_csk_get_port", BPF_PROG, fexit_inet_csk_get_port,
	      (struct sock * sk, unsigned short snum, int ret),
	      get_port_failed(sk, snum, ret, walk))

WALK_VARIANTS("fexit/udp_lib_get_port", BPF_PROG, fexit_udp_lib_get_port,
	      (struct sock * sk, unsigned short snum, unsigned int hash2_nulladdr, int ret),
	      get_port_failed(sk, snum, ret, walk))

/* ---- kprobe backend: kprobe + kretprobe ---- */

SEC("kprobe/inet_bind")
int BPF_KPROBE(kprobe_inet_bind, struct socket *sock, struct sockaddr *uaddr, int addr_len)
{
	return op_begin(BS_KIND_BIND, BPF_CORE_READ(sock, sk), 0, uaddr, addr_len, false);
}

WALK_VARIANTS("kretprobe/inet_bind", BPF_KRETPROBE, kretprobe_inet_bind, (int ret),
	      op_finish(ret, BS_HOOK_INET, walk))

SEC("kprobe/inet6_bind")
int BPF_KPROBE(kprobe_inet6_bind, struct socket *sock, struct sockaddr *uaddr, int addr_len)
{
	return op_begin(BS_KIND_BIND, BPF_CORE_READ(sock, sk), 0, uaddr, addr_len, false);
}

WALK_VARIANTS("kretprobe/inet6_bind", BPF_KRETPROBE, kretprobe_inet6_bind, (int ret),
	      op_finish(ret, BS_HOOK_INET, walk))

SEC("kprobe/inet_bind_sk")
int BPF_KPROBE(kprobe_inet_bind_sk, struct sock *sk, struct sockaddr *uaddr, int addr_len)
{
	return op_begin(BS_KIND_BIND, sk, 0, uaddr, addr_len, false);
}

WALK_VARIANTS("kretprobe/inet_bind_sk", BPF_KRETPROBE, kretprobe_inet_bind_sk, (int ret),
	      op_finish(ret, BS_HOOK_INET, walk))

SEC("kprobe/inet6_bind_sk")
int BPF_KPROBE(kprobe_inet6_bind_sk, struct sock *sk, struct sockaddr *uaddr, int addr_len)
{
	return op_begin(BS_KIND_BIND, sk, 0, uaddr, addr_len, false);
}

WALK_VARIANTS("kretprobe/inet6_bind_sk", BPF_KRETPROBE, kretprobe_inet6_bind_sk, (int ret),
	      op_finish(ret, BS_HOOK_INET, walk))

SEC("kprobe/inet_listen")
int BPF_KPROBE(kprobe_inet_listen, struct socket *sock, int backlog)
{
	return op_begin(BS_KIND_LISTEN, BPF_CORE_READ(sock, sk), 0, NULL, 0, false);
}

WALK_VARIANTS("kretprobe/inet_listen", BPF_KRETPROBE, kretprobe_inet_listen, (int ret),
	      op_finish(ret, BS_HOOK_INET, walk))

/*
 * kretprobes do not see arguments: the entry remembers the socket of a port
 * pick outside bind/listen (autobind), keyed by thread.
 */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, __u32);
	__type(value, struct sock *);
} autobind_calls SEC(".maps");

static __always_inline int autobind_enter(struct sock *sk)
{
	__u32 tid = current_tid();

	bpf_map_update_elem(&autobind_calls, &tid, &sk, BPF_ANY);
	return 0;
}

static __always_inline int autobind_return(int ret, __u8 hook, bool walk)
{
	__u32 tid = current_tid();
	struct sock **sk = bpf_map_lookup_elem(&autobind_calls, &tid);

	if (!sk)
		return 0;
	autobind_reported(*sk, SK_PROBE, ret, hook, walk);
	bpf_map_delete_elem(&autobind_calls, &tid);
	return 0;
}

SEC("kprobe/inet_autobind")
int BPF_KPROBE(kprobe_inet_autobind, struct sock *sk)
{
	return autobind_enter(sk);
}

WALK_VARIANTS("kretprobe/inet_autobind", BPF_KRETPROBE, kretprobe_inet_autobind, (int ret),
	      autobind_return(ret, BS_HOOK_AUTOBIND, walk))

/* Kernels that inline inet_autobind(): its get_port calls instead. */
SEC("kprobe/inet_csk_get_port")
int BPF_KPROBE(kprobe_inet_csk_get_port, struct sock *sk, unsigned short snum)
{
	return bind_or_listen_in_progress(snum) ? 0 : autobind_enter(sk);
}

WALK_VARIANTS("kretprobe/inet_csk_get_port", BPF_KRETPROBE, kretprobe_inet_csk_get_port, (int ret),
	      autobind_return(autobind_result(ret), BS_HOOK_GET_PORT, walk))

SEC("kprobe/udp_lib_get_port")
int BPF_KPROBE(kprobe_udp_lib_get_port, struct sock *sk, unsigned short snum)
{
	return bind_or_listen_in_progress(snum) ? 0 : autobind_enter(sk);
}

WALK_VARIANTS("kretprobe/udp_lib_get_port", BPF_KRETPROBE, kretprobe_udp_lib_get_port, (int ret),
	      autobind_return(autobind_result(ret), BS_HOOK_GET_PORT, walk))

/* ---- AF_UNIX: unix_bind() on the fexit and kprobe backends (unix_bind.bpf.h) ---- */

/* Loaded only where the kernel lacks bpf_task_pt_regs(), as the other fentry programs. */
SEC("fentry/unix_bind")
int BPF_PROG(fentry_unix_bind, struct socket *sock, struct sockaddr *uaddr, int addr_len)
{
	return op_begin(BS_KIND_BIND, sock->sk, 0, uaddr, addr_len, false);
}

SEC("fexit/unix_bind")
int BPF_PROG(fexit_unix_bind, struct socket *sock, struct sockaddr *uaddr, int addr_len, int ret)
{
	return unix_bind_returned(sock->sk, uaddr, addr_len, ret);
}

SEC("kprobe/unix_bind")
int BPF_KPROBE(kprobe_unix_bind, struct socket *sock, struct sockaddr *uaddr, int addr_len)
{
	return op_begin(BS_KIND_BIND, BPF_CORE_READ(sock, sk), 0, uaddr, addr_len, false);
}

SEC("kretprobe/unix_bind")
int BPF_KRETPROBE(kretprobe_unix_bind, int ret)
{
	return op_finish(ret, BS_HOOK_UNIX, false);
}
