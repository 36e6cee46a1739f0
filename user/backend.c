// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <linux/capability.h>
#include <bpf/libbpf.h>
#include <bpf/btf.h>
#include <bpf/bpf.h>
#include "backend.h"
#include "bindsnoop.skel.h"

#ifndef CAP_PERFMON
#define CAP_PERFMON 38
#endif
#ifndef CAP_BPF
#define CAP_BPF 39
#endif

#define TRACEFS_DIR "/sys/kernel/tracing"

static bool verbose;

static int libbpf_print(enum libbpf_print_level level, const char *format, va_list args)
{
	/* Without -v a failure is reported once, in our own words. */
	if (!verbose || level == LIBBPF_DEBUG)
		return 0;
	return vfprintf(stderr, format, args);
}

/* Which programs of bindsnoop.bpf.c make up each backend, by name prefix. */
static bool program_in_backend(const char *name, enum backend_choice backend)
{
	switch (backend) {
	case BACKEND_TRACEPOINT:
		return !strncmp(name, "tp_", 3);
	case BACKEND_FEXIT:
		return !strncmp(name, "fentry_", 7) || !strncmp(name, "fexit_", 6);
	case BACKEND_KPROBE:
		return !strncmp(name, "kprobe_", 7) || !strncmp(name, "kretprobe_", 10);
	default:
		return false;
	}
}

static bool ends_with(const char *name, const char *suffix)
{
	size_t name_len = strlen(name), suffix_len = strlen(suffix);

	return name_len >= suffix_len && !strcmp(name + name_len - suffix_len, suffix);
}

/*
 * Kernels that have inet_bind_sk() (see bpf/compat.bpf.h) route MPTCP through
 * it and make inet_bind() a wrapper: hook one or the other, never both, or a
 * bind would be reported twice.
 */
static bool program_fits_kernel(const char *name, bool kernel_has_bind_sk)
{
	bool is_bind_sk = ends_with(name, "_inet_bind_sk") || ends_with(name, "_inet6_bind_sk");
	bool is_bind = ends_with(name, "_inet_bind") || ends_with(name, "_inet6_bind");

	if (is_bind_sk)
		return kernel_has_bind_sk;
	if (is_bind)
		return !kernel_has_bind_sk;
	return true;
}

static bool kernel_has_function(const char *function)
{
	struct btf *vmlinux = btf__load_vmlinux_btf();
	bool found;

	if (!vmlinux)
		return false;
	found = btf__find_by_name_kind(vmlinux, function, BTF_KIND_FUNC) >= 0;
	btf__free(vmlinux);
	return found;
}

static bool has_capability(int cap)
{
	struct __user_cap_header_struct header = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct data[2] = {};

	if (syscall(SYS_capget, &header, data))
		return false;
	return data[cap / 32].effective & (1u << (cap % 32));
}

/* Problems no backend can work around: said once, with the fix. */
static int check_prerequisites(void)
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
	return 0;
}

/* libbpf finds tracepoint ids in tracefs, which is not always mounted. */
static int ensure_tracefs(void)
{
	struct stat st;

	if (!stat(TRACEFS_DIR "/events", &st) || !stat("/sys/kernel/debug/tracing/events", &st))
		return 0;
	if (mount("tracefs", TRACEFS_DIR, "tracefs", 0, NULL)) {
		int err = -errno;

		fprintf(stderr,
			"bindsnoop: tracefs is not mounted and mounting it failed (%s); "
			"mount it with 'mount -t tracefs tracefs %s'\n",
			strerror(-err), TRACEFS_DIR);
		return err;
	}
	if (verbose)
		fprintf(stderr, "bindsnoop: mounted tracefs on %s\n", TRACEFS_DIR);
	return 0;
}

static void config_from_options(struct bs_config *config, const struct options *opts)
{
	memcpy(config->port_bitmap, opts->port_bitmap, sizeof(config->port_bitmap));
	memcpy(config->errno_bitmap, opts->errno_bitmap, sizeof(config->errno_bitmap));
	memcpy(config->comms, opts->comms, sizeof(config->comms));
	memcpy(config->pids, opts->pids, sizeof(config->pids));
	memcpy(config->uids, opts->uids, sizeof(config->uids));
	config->pid_count = opts->pid_count;
	config->uid_count = opts->uid_count;
	config->comm_count = opts->comm_count;
	config->filter_ports = opts->filter_ports;
	config->filter_errnos = opts->filter_errnos;
	config->report_success = opts->all;
	config->walk_holders = opts->kernel_holders;
	/* Wake the reader early once a quarter of the ring is queued. */
	config->wakeup_threshold = (opts->ring_buffer_mb << 20) / 4;
	config->self_pid = getpid();
}

/* Why a backend could not be used, for -v and for an explicit --backend. */
struct trial {
	char reason[256];
};

static void trial_failed(struct trial *trial, const char *what, const char *name, int err)
{
	const char *hint = "";

	if (err == -EPERM)
		hint = " (the kernel refuses this program type here, e.g. lockdown or no BPF trampolines)";
	else if (err == -EACCES)
		hint = " (the BPF verifier rejected it: run with -v for its log and report a bug)";
	else if (err == -ENOENT || err == -EOPNOTSUPP)
		hint = " (the kernel lacks this hook: no kprobes, or the function is missing)";
	else if (err == -EINVAL)
		hint = " (the kernel lacks a hook or a type bindsnoop needs: -v shows libbpf's log)";
	snprintf(trial->reason, sizeof(trial->reason), "%s %s failed: %s%s", what, name,
		 strerror(-err), hint);
}

static int attach_programs(struct tracer *tracer, struct trial *trial)
{
	struct bpf_program *prog;
	int count = 0;

	bpf_object__for_each_program(prog, tracer->skel->obj)
		count += bpf_program__autoload(prog);
	tracer->links = calloc(count, sizeof(*tracer->links));
	if (!tracer->links)
		return -ENOMEM;
	bpf_object__for_each_program(prog, tracer->skel->obj) {
		struct bpf_link *link;

		if (!bpf_program__autoload(prog))
			continue;
		link = bpf_program__attach(prog);
		if (!link) {
			int err = -errno;

			trial_failed(trial, "attaching", bpf_program__name(prog), err);
			return err;
		}
		tracer->links[tracer->link_count++] = link;
	}
	return 0;
}

void tracer_detach(struct tracer *tracer)
{
	if (!tracer)
		return;
	for (int i = 0; i < tracer->link_count; i++)
		bpf_link__destroy(tracer->links[i]);
	free(tracer->links);
	tracer->links = NULL;
	tracer->link_count = 0;
}

static void tracer_release(struct tracer *tracer)
{
	tracer_detach(tracer);
	bindsnoop_bpf__destroy(tracer->skel);
	tracer->skel = NULL;
}

/* Open, configure, load and attach one backend; on failure leave tracer empty. */
static int try_backend(struct tracer *tracer, enum backend_choice backend,
		       const struct options *opts, bool kernel_has_bind_sk, struct trial *trial)
{
	struct bpf_program *prog;
	int err;

	tracer->skel = bindsnoop_bpf__open();
	if (!tracer->skel) {
		err = -errno;
		snprintf(trial->reason, sizeof(trial->reason), "opening the BPF object failed: %s",
			 strerror(-err));
		return err;
	}
	config_from_options((struct bs_config *)&tracer->skel->rodata->bs_cfg, opts);
	err = bpf_map__set_max_entries(tracer->skel->maps.events, opts->ring_buffer_mb << 20);
	if (err)
		goto fail;
	bpf_object__for_each_program(prog, tracer->skel->obj) {
		const char *name = bpf_program__name(prog);

		bpf_program__set_autoload(prog,
					  program_in_backend(name, backend) &&
						  program_fits_kernel(name, kernel_has_bind_sk));
	}
	err = bindsnoop_bpf__load(tracer->skel);
	if (err) {
		trial_failed(trial, "loading", backend_name(backend), err);
		goto fail_reported;
	}
	err = attach_programs(tracer, trial);
	if (err)
		goto fail_reported;
	tracer->backend = backend;
	tracer->ring_buffer_fd = bpf_map__fd(tracer->skel->maps.events);
	tracer->lost_events_fd = bpf_map__fd(tracer->skel->maps.lost_events);
	return 0;
fail:
	snprintf(trial->reason, sizeof(trial->reason), "preparing %s failed: %s",
		 backend_name(backend), strerror(-err));
fail_reported:
	tracer_release(tracer);
	return err;
}

int tracer_start(const struct options *opts, struct tracer **out)
{
	static const enum backend_choice auto_order[] = { BACKEND_FEXIT, BACKEND_KPROBE,
							  BACKEND_TRACEPOINT };
	enum backend_choice explicit_choice[] = { opts->backend };
	const enum backend_choice *order = auto_order;
	int order_len = 3;
	struct tracer *tracer;
	bool has_bind_sk;
	int err;

	verbose = opts->verbose;
	libbpf_set_print(libbpf_print);
	err = check_prerequisites();
	if (err)
		return err;
	if (opts->backend != BACKEND_AUTO) {
		order = explicit_choice;
		order_len = 1;
	}
	tracer = calloc(1, sizeof(*tracer));
	if (!tracer)
		return -ENOMEM;
	has_bind_sk = kernel_has_function("inet_bind_sk");
	if (verbose)
		fprintf(stderr, "bindsnoop: kernel %s inet_bind_sk(): hooking %s\n",
			has_bind_sk ? "has" : "lacks",
			has_bind_sk ? "inet_bind_sk/inet6_bind_sk" : "inet_bind/inet6_bind");

	for (int i = 0; i < order_len; i++) {
		struct trial trial = {};

		if (order[i] == BACKEND_TRACEPOINT) {
			err = ensure_tracefs();
			if (err)
				break;
		}
		err = try_backend(tracer, order[i], opts, has_bind_sk, &trial);
		if (!err) {
			if (verbose)
				fprintf(stderr, "bindsnoop: using the %s backend\n",
					backend_name(order[i]));
			*out = tracer;
			return 0;
		}
		if (opts->backend != BACKEND_AUTO) {
			fprintf(stderr,
				"bindsnoop: the %s backend cannot run on this kernel: %s; "
				"try --backend auto\n",
				backend_name(order[i]), trial.reason);
			break;
		}
		if (verbose)
			fprintf(stderr, "bindsnoop: %s backend refused: %s\n",
				backend_name(order[i]), trial.reason);
		else if (i == order_len - 1)
			fprintf(stderr,
				"bindsnoop: no backend could attach (last: %s); run with -v "
				"to see why each was refused\n",
				trial.reason);
	}
	free(tracer);
	return err ? err : -ENOENT;
}

__u64 tracer_missed_runs(const struct tracer *tracer)
{
	struct bpf_program *prog;
	__u64 missed = 0;

	bpf_object__for_each_program(prog, tracer->skel->obj) {
		struct bpf_prog_info info = {};
		__u32 len = sizeof(info);
		int fd = bpf_program__fd(prog);

		if (fd >= 0 && !bpf_obj_get_info_by_fd(fd, &info, &len))
			missed += info.recursion_misses;
	}
	return missed;
}

void tracer_stop(struct tracer *tracer)
{
	if (!tracer)
		return;
	tracer_release(tracer);
	free(tracer);
}
