// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Programs that do nothing, on the hooks where bindsnoop's backends see a
 * failed bind(): what a storm costs with a BPF program attached that does no
 * work at all. The benchmark's floor; tests/bench/empty-hook.c loads one.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

char LICENSE[] SEC("license") = "Dual BSD/GPL";

SEC("tracepoint/syscalls/sys_exit_bind")
int empty_tracepoint(void *ctx)
{
	return 0;
}

SEC("fexit/inet_bind_sk")
int BPF_PROG(empty_fexit_bind_sk)
{
	return 0;
}

SEC("fexit/inet_bind")
int BPF_PROG(empty_fexit_bind)
{
	return 0;
}

SEC("kretprobe/inet_bind_sk")
int BPF_KRETPROBE(empty_kprobe_bind_sk)
{
	return 0;
}

SEC("kretprobe/inet_bind")
int BPF_KRETPROBE(empty_kprobe_bind)
{
	return 0;
}
