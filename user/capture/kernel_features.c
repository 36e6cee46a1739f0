// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/syscall.h>
#include <linux/capability.h>
#include <bpf/libbpf.h>
#include <bpf/btf.h>
#include <bpf/bpf.h>
#include "capture/kernel_features.h"

#ifndef CAP_PERFMON
#define CAP_PERFMON 38
#endif
#ifndef CAP_BPF
#define CAP_BPF 39
#endif

static bool kernel_has_helper(enum bpf_func_id helper)
{
	return libbpf_probe_bpf_helper(BPF_PROG_TYPE_TRACEPOINT, helper, NULL) == 1;
}

/*
 * Can this kernel run an fexit program at all? A two-instruction fexit on
 * inet_csk_get_port, loaded and attached, then closed: about a millisecond,
 * where loading the whole object only to be refused costs far more. Lockdown,
 * a kernel without trampolines, or a refusing LSM all say no here.
 */
static const struct bpf_insn return_zero[] = {
	{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 0 },
	{ .code = BPF_JMP | BPF_EXIT },
};

/*
 * A kernel that refuses tracing programs outright (EPERM: a security
 * module's policy, not a missing function) says so without a BTF parse: a
 * program aimed at type id 1, which is no function, is otherwise refused
 * only by the verifier, with EINVAL.
 */
static bool kernel_refuses_tracing_programs(void)
{
	LIBBPF_OPTS(bpf_prog_load_opts, load_opts, .expected_attach_type = BPF_TRACE_FEXIT,
		    .attach_btf_id = 1);
	int prog_fd = bpf_prog_load(BPF_PROG_TYPE_TRACING, NULL, "GPL", return_zero, 2, &load_opts);

	if (prog_fd >= 0) {
		close(prog_fd);
		return false;
	}
	return prog_fd == -EPERM;
}

static bool kernel_runs_fexit(const struct btf *vmlinux)
{
	LIBBPF_OPTS(bpf_prog_load_opts, load_opts, .expected_attach_type = BPF_TRACE_FEXIT);
	int function, prog_fd, link_fd;

	function = btf__find_by_name_kind(vmlinux, "inet_csk_get_port", BTF_KIND_FUNC);
	if (function < 0)
		return false;
	load_opts.attach_btf_id = function;
	prog_fd = bpf_prog_load(BPF_PROG_TYPE_TRACING, NULL, "GPL", return_zero, 2, &load_opts);
	if (prog_fd < 0)
		return false;
	link_fd = bpf_raw_tracepoint_open(NULL, prog_fd);
	close(prog_fd);
	if (link_fd < 0)
		return false;
	close(link_fd);
	return true;
}

/* kprobes reach libbpf through the perf kprobe PMU or tracefs' kprobe_events. */
static bool kernel_runs_kprobes(void)
{
	return !access("/sys/bus/event_source/devices/kprobe/type", F_OK) ||
	       !access("/sys/kernel/tracing/kprobe_events", F_OK) ||
	       !access("/sys/kernel/debug/tracing/kprobe_events", F_OK);
}

static bool has_capability(int cap)
{
	struct __user_cap_header_struct header = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct data[2] = {};

	if (syscall(SYS_capget, &header, data))
		return false;
	return data[cap / 32].effective & (1u << (cap % 32));
}

int kernel_check_prerequisites(void)
{
	if (!has_capability(CAP_SYS_ADMIN) &&
	    !(has_capability(CAP_BPF) && has_capability(CAP_PERFMON))) {
		fprintf(stderr, "bindsnoop: permission denied: tracing needs root (or CAP_BPF and "
				"CAP_PERFMON); run it as 'sudo bindsnoop'\n");
		return -EPERM;
	}
	if (access("/sys/kernel/btf/vmlinux", R_OK)) {
		fprintf(stderr, "bindsnoop: this kernel has no BTF type information "
				"(/sys/kernel/btf/vmlinux is missing); run a kernel built with "
				"CONFIG_DEBUG_INFO_BTF=y (Debian's kernels are)\n");
		return -ENOENT;
	}
	if (libbpf_probe_bpf_map_type(BPF_MAP_TYPE_RINGBUF, NULL) != 1) {
		fprintf(stderr,
			"bindsnoop: this kernel is too old: bindsnoop needs Linux 5.8 or "
			"newer (the BPF ring buffer); it is tested on Debian's kernels from "
			"5.10 on\n");
		return -EOPNOTSUPP;
	}
	return 0;
}

/* The helpers, as probed or as BINDSNOOP_HIDE_HELPERS pretends. */
static void probe_helpers(struct kernel_features *features)
{
	const char *hidden = getenv("BINDSNOOP_HIDE_HELPERS");

	features->bpf_loop = kernel_has_helper(BPF_FUNC_loop);
	features->task_pt_regs = kernel_has_helper(BPF_FUNC_task_pt_regs);
	if (!hidden)
		return;
	if (strstr(hidden, "bpf_loop")) {
		features->helpers_hidden |= features->bpf_loop;
		features->bpf_loop = false;
	}
	if (strstr(hidden, "bpf_task_pt_regs")) {
		features->helpers_hidden |= features->task_pt_regs;
		features->task_pt_regs = false;
	}
}

static void features_print(const struct kernel_features *features, enum backend_choice choice)
{
	if (features->fexit_refused)
		fprintf(stderr,
			"bindsnoop: kernel refuses tracing programs (EPERM) and lacks kprobes, "
			"%s bpf_loop(), %s bpf_task_pt_regs()\n",
			features->bpf_loop ? "has" : "lacks",
			features->task_pt_regs ? "has" : "lacks");
	else if (choice == BACKEND_TRACEPOINT)
		fprintf(stderr,
			"bindsnoop: kernel %s kprobes, %s bpf_loop(), %s bpf_task_pt_regs() "
			"(fexit and inet_bind_sk() not probed: --backend tracepoint)\n",
			features->kprobes ? "has" : "lacks", features->bpf_loop ? "has" : "lacks",
			features->task_pt_regs ? "has" : "lacks");
	else
		fprintf(stderr,
			"bindsnoop: kernel %s fexit programs, %s kprobes, %s inet_bind_sk() "
			"(hooking %s), %s inet_autobind() (hooking %s), %s bpf_loop(), %s "
			"bpf_task_pt_regs()\n",
			features->fexit ? "runs" : "refuses", features->kprobes ? "has" : "lacks",
			features->bind_sk ? "has" : "lacks",
			features->bind_sk ? "inet_bind_sk/inet6_bind_sk" : "inet_bind/inet6_bind",
			features->autobind ? "has" : "lacks",
			features->autobind ? "it" : "inet_csk_get_port/udp_lib_get_port",
			features->bpf_loop ? "has" : "lacks",
			features->task_pt_regs ? "has" : "lacks");
	if (features->helpers_hidden)
		fprintf(stderr,
			"bindsnoop: BINDSNOOP_HIDE_HELPERS=%s: taking the path of a kernel "
			"without them\n",
			getenv("BINDSNOOP_HIDE_HELPERS"));
}

/*
 * One parse of the kernel's BTF serves every probe that needs it, and only
 * a choice that needs it parses: the fexit probe is auto's, inet_bind_sk()
 * decides the hook of the fexit and kprobe programs. The tracepoint backend
 * needs neither, and a parse costs more than the rest of its start-up.
 */
void kernel_features_probe(struct kernel_features *features, enum backend_choice choice,
			   bool verbose)
{
	struct btf *vmlinux = NULL;

	memset(features, 0, sizeof(*features));
	features->kprobes = kernel_runs_kprobes();
	/*
	 * auto on a kernel that refuses fexit programs and has no kprobes ends
	 * with the tracepoint backend, which needs no BTF parse either.
	 */
	if (choice == BACKEND_AUTO && !features->kprobes && kernel_refuses_tracing_programs())
		features->fexit_refused = true;
	else if (choice != BACKEND_TRACEPOINT)
		vmlinux = btf__load_vmlinux_btf();
	if (vmlinux) {
		features->bind_sk =
			btf__find_by_name_kind(vmlinux, "inet_bind_sk", BTF_KIND_FUNC) >= 0;
		/*
		 * BINDSNOOP_GET_PORT_HOOKS=1 takes the path of a kernel that
		 * inlines inet_autobind() (of Debian's, arm64 5.10) on any: the
		 * VM tests run it (scripts/vm-test.sh), it is not for users.
		 */
		features->autobind =
			btf__find_by_name_kind(vmlinux, "inet_autobind", BTF_KIND_FUNC) >= 0 &&
			!getenv("BINDSNOOP_GET_PORT_HOOKS");
		features->fexit = kernel_runs_fexit(vmlinux);
		btf__free(vmlinux);
	}
	probe_helpers(features);
	if (verbose)
		features_print(features, choice);
}
