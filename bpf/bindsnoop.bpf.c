// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The attach points, one thin entry each; everything they share is in
 * report.bpf.h. Userspace loads one backend's programs (user/capture/tracer.c):
 *
 *   tracepoint  syscalls/sys_exit_{bind,listen}; in the basic object (kernels
 *               before 5.15, see compat.bpf.h) sys_enter_{bind,listen} too
 *   fexit       fexit on inet_bind(_sk), inet6_bind(_sk), inet_listen and
 *               inet_autobind (or, where that is inlined, inet_csk_get_port
 *               and udp_lib_get_port); in the basic object fentry on the
 *               first three too
 *   kprobe      the same functions with kprobe+kretprobe
 *
 * AF_UNIX binds: the tracepoint backend sees them in the same programs; the
 * other two hook unix_bind() (its own section at the end, unix_bind.bpf.h).
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "bindsnoop.h"
#include "report.bpf.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/* ---- tracepoint backend: the syscalls themselves ---- */

#if BS_HAS_TASK_PT_REGS
/*
 * One program for both exits: userspace attaches it to sys_exit_listen too
 * (user/capture/tracer.c), so the verifier checks the report path once, not
 * twice (half of start-up's verifier time). The syscall number tells them
 * apart.
 */
SEC("tracepoint/syscalls/sys_exit_bind")
int tp_exit_bind_or_listen(struct trace_event_raw_sys_exit *ctx)
{
	__u8 kind = ctx->id == bs_cfg.syscall_nr_listen ? BS_KIND_LISTEN : BS_KIND_BIND;

	return syscall_finished(kind, (int)ctx->ret);
}
#else
SEC("tracepoint/syscalls/sys_enter_bind")
int tp_enter_bind(struct trace_event_raw_sys_enter *ctx)
{
	return syscall_started(BS_KIND_BIND, (int)ctx->args[0], (const void *)ctx->args[1],
			       (int)ctx->args[2]);
}

SEC("tracepoint/syscalls/sys_exit_bind")
int tp_exit_bind(struct trace_event_raw_sys_exit *ctx)
{
	return op_finish((int)ctx->ret, BS_HOOK_SYSCALL);
}

SEC("tracepoint/syscalls/sys_enter_listen")
int tp_enter_listen(struct trace_event_raw_sys_enter *ctx)
{
	return syscall_started(BS_KIND_LISTEN, (int)ctx->args[0], NULL, 0);
}

SEC("tracepoint/syscalls/sys_exit_listen")
int tp_exit_listen(struct trace_event_raw_sys_exit *ctx)
{
	return op_finish((int)ctx->ret, BS_HOOK_SYSCALL);
}
#endif

/* ---- fexit backend: BPF trampolines ---- */

/*
 * fexit sees the arguments itself, so the full build needs no entry hook and
 * no map per call. The basic build (kernels before 5.15) also attaches
 * fentry: its mark in pending_ops is how get_port_failed() knows a bind or
 * listen is in progress, where the full build asks the syscall number.
 */
#if !BS_HAS_TASK_PT_REGS
SEC("fentry/inet_bind")
int BPF_PROG(fentry_inet_bind, struct socket *sock, struct sockaddr *uaddr, int addr_len)
{
	return op_begin(BS_KIND_BIND, sock->sk, uaddr, addr_len, false);
}

SEC("fentry/inet6_bind")
int BPF_PROG(fentry_inet6_bind, struct socket *sock, struct sockaddr *uaddr, int addr_len)
{
	return op_begin(BS_KIND_BIND, sock->sk, uaddr, addr_len, false);
}

SEC("fentry/inet_bind_sk")
int BPF_PROG(fentry_inet_bind_sk, struct sock *sk, struct sockaddr *uaddr, int addr_len)
{
	return op_begin(BS_KIND_BIND, sk, uaddr, addr_len, false);
}

SEC("fentry/inet6_bind_sk")
int BPF_PROG(fentry_inet6_bind_sk, struct sock *sk, struct sockaddr *uaddr, int addr_len)
{
	return op_begin(BS_KIND_BIND, sk, uaddr, addr_len, false);
}

SEC("fentry/inet_listen")
int BPF_PROG(fentry_inet_listen, struct socket *sock, int backlog)
{
	return op_begin(BS_KIND_LISTEN, sock->sk, NULL, 0, false);
}
#endif

SEC("fexit/inet_bind")
int BPF_PROG(fexit_inet_bind, struct socket *sock, struct sockaddr *uaddr, int addr_len, int ret)
{
	return inet_op_returned(BS_KIND_BIND, sock->sk, uaddr, addr_len, ret);
}

SEC("fexit/inet6_bind")
int BPF_PROG(fexit_inet6_bind, struct socket *sock, struct sockaddr *uaddr, int addr_len, int ret)
{
	return inet_op_returned(BS_KIND_BIND, sock->sk, uaddr, addr_len, ret);
}

SEC("fexit/inet_bind_sk")
int BPF_PROG(fexit_inet_bind_sk, struct sock *sk, struct sockaddr *uaddr, int addr_len, int ret)
{
	return inet_op_returned(BS_KIND_BIND, sk, uaddr, addr_len, ret);
}

SEC("fexit/inet6_bind_sk")
int BPF_PROG(fexit_inet6_bind_sk, struct sock *sk, struct sockaddr *uaddr, int addr_len, int ret)
{
	return inet_op_returned(BS_KIND_BIND, sk, uaddr, addr_len, ret);
}

SEC("fexit/inet_listen")
int BPF_PROG(fexit_inet_listen, struct socket *sock, int backlog, int ret)
{
	return inet_op_returned(BS_KIND_LISTEN, sock->sk, NULL, 0, ret);
}

/*
 * A port the kernel picks outside bind/listen: inet_autobind() (connect() or
 * sendmsg() on an unbound socket), off the path of every bind. Kernels that
 * inline it get the get_port hooks instead (user/capture/tracer.c), which
 * run inside every bind and so cost a storm a second trampoline.
 */
SEC("fexit/inet_autobind")
int BPF_PROG(fexit_inet_autobind, struct sock *sk, int ret)
{
	return autobind_reported(sk, SK_BTF, ret, BS_HOOK_AUTOBIND);
}

SEC("fexit/inet_csk_get_port")
int BPF_PROG(fexit_inet_csk_get_port, struct sock *sk, unsigned short snum, int ret)
{
	return get_port_failed(sk, snum, ret);
}

SEC("fexit/udp_lib_get_port")
int BPF_PROG(fexit_udp_lib_get_port, struct sock *sk, unsigned short snum,
	     unsigned int hash2_nulladdr, int ret)
{
	return get_port_failed(sk, snum, ret);
}

/* ---- kprobe backend: kprobe + kretprobe ---- */

SEC("kprobe/inet_bind")
int BPF_KPROBE(kprobe_inet_bind, struct socket *sock, struct sockaddr *uaddr, int addr_len)
{
	return op_begin(BS_KIND_BIND, BPF_CORE_READ(sock, sk), uaddr, addr_len, false);
}

SEC("kretprobe/inet_bind")
int BPF_KRETPROBE(kretprobe_inet_bind, int ret)
{
	return op_finish(ret, BS_HOOK_INET);
}

SEC("kprobe/inet6_bind")
int BPF_KPROBE(kprobe_inet6_bind, struct socket *sock, struct sockaddr *uaddr, int addr_len)
{
	return op_begin(BS_KIND_BIND, BPF_CORE_READ(sock, sk), uaddr, addr_len, false);
}

SEC("kretprobe/inet6_bind")
int BPF_KRETPROBE(kretprobe_inet6_bind, int ret)
{
	return op_finish(ret, BS_HOOK_INET);
}

SEC("kprobe/inet_bind_sk")
int BPF_KPROBE(kprobe_inet_bind_sk, struct sock *sk, struct sockaddr *uaddr, int addr_len)
{
	return op_begin(BS_KIND_BIND, sk, uaddr, addr_len, false);
}

SEC("kretprobe/inet_bind_sk")
int BPF_KRETPROBE(kretprobe_inet_bind_sk, int ret)
{
	return op_finish(ret, BS_HOOK_INET);
}

SEC("kprobe/inet6_bind_sk")
int BPF_KPROBE(kprobe_inet6_bind_sk, struct sock *sk, struct sockaddr *uaddr, int addr_len)
{
	return op_begin(BS_KIND_BIND, sk, uaddr, addr_len, false);
}

SEC("kretprobe/inet6_bind_sk")
int BPF_KRETPROBE(kretprobe_inet6_bind_sk, int ret)
{
	return op_finish(ret, BS_HOOK_INET);
}

SEC("kprobe/inet_listen")
int BPF_KPROBE(kprobe_inet_listen, struct socket *sock, int backlog)
{
	return op_begin(BS_KIND_LISTEN, BPF_CORE_READ(sock, sk), NULL, 0, false);
}

SEC("kretprobe/inet_listen")
int BPF_KRETPROBE(kretprobe_inet_listen, int ret)
{
	return op_finish(ret, BS_HOOK_INET);
}

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

static __always_inline int autobind_return(int ret, __u8 hook)
{
	__u32 tid = current_tid();
	struct sock **sk = bpf_map_lookup_elem(&autobind_calls, &tid);

	if (!sk)
		return 0;
	autobind_reported(*sk, SK_PROBE, ret, hook);
	bpf_map_delete_elem(&autobind_calls, &tid);
	return 0;
}

SEC("kprobe/inet_autobind")
int BPF_KPROBE(kprobe_inet_autobind, struct sock *sk)
{
	return autobind_enter(sk);
}

SEC("kretprobe/inet_autobind")
int BPF_KRETPROBE(kretprobe_inet_autobind, int ret)
{
	return autobind_return(ret, BS_HOOK_AUTOBIND);
}

/* Kernels that inline inet_autobind(): its get_port calls instead. */
SEC("kprobe/inet_csk_get_port")
int BPF_KPROBE(kprobe_inet_csk_get_port, struct sock *sk, unsigned short snum)
{
	return bind_or_listen_in_progress(snum) ? 0 : autobind_enter(sk);
}

SEC("kretprobe/inet_csk_get_port")
int BPF_KRETPROBE(kretprobe_inet_csk_get_port, int ret)
{
	return autobind_return(autobind_result(ret), BS_HOOK_GET_PORT);
}

SEC("kprobe/udp_lib_get_port")
int BPF_KPROBE(kprobe_udp_lib_get_port, struct sock *sk, unsigned short snum)
{
	return bind_or_listen_in_progress(snum) ? 0 : autobind_enter(sk);
}

SEC("kretprobe/udp_lib_get_port")
int BPF_KRETPROBE(kretprobe_udp_lib_get_port, int ret)
{
	return autobind_return(autobind_result(ret), BS_HOOK_GET_PORT);
}

/* ---- AF_UNIX: unix_bind() on the fexit and kprobe backends (unix_bind.bpf.h) ---- */

#if !BS_HAS_TASK_PT_REGS
SEC("fentry/unix_bind")
int BPF_PROG(fentry_unix_bind, struct socket *sock, struct sockaddr *uaddr, int addr_len)
{
	return op_begin(BS_KIND_BIND, sock->sk, uaddr, addr_len, false);
}
#endif

SEC("fexit/unix_bind")
int BPF_PROG(fexit_unix_bind, struct socket *sock, struct sockaddr *uaddr, int addr_len, int ret)
{
	return unix_bind_returned(sock->sk, uaddr, addr_len, ret);
}

SEC("kprobe/unix_bind")
int BPF_KPROBE(kprobe_unix_bind, struct socket *sock, struct sockaddr *uaddr, int addr_len)
{
	return op_begin(BS_KIND_BIND, BPF_CORE_READ(sock, sk), uaddr, addr_len, false);
}

SEC("kretprobe/unix_bind")
int BPF_KRETPROBE(kretprobe_unix_bind, int ret)
{
	return op_finish(ret, BS_HOOK_UNIX);
}
