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
#include "startup_heap.h"
#include "tracer.h"
#include "bindsnoop.skel.h"
#include "bindsnoop_basic.skel.h"

#ifndef CAP_PERFMON
#define CAP_PERFMON 38
#endif
#ifndef CAP_BPF
#define CAP_BPF 39
#endif

#define TRACEFS_DIR "/sys/kernel/tracing"
/*
 * Heap faulted in before loading (startup_heap.h): one parse of the
 * kernel's BTF peaks at ~13 MB of heap, and a second one reuses it.
 */
#define STARTUP_HEAP_BYTES (24u << 20)

static bool verbose;

static int libbpf_print(enum libbpf_print_level level, const char *format, va_list args)
{
	/* Without -v a failure is reported once, in our own words. */
	if (!verbose || level == LIBBPF_DEBUG)
		return 0;
	return vfprintf(stderr, format, args);
}

/* The backend a program belongs to, by its program type (its SEC kind). */
static bool program_in_backend(const struct bpf_program *prog, enum backend_choice backend)
{
	switch (bpf_program__type(prog)) {
	case BPF_PROG_TYPE_TRACEPOINT:
		return backend == BACKEND_TRACEPOINT;
	case BPF_PROG_TYPE_TRACING: /* fentry, fexit */
		return backend == BACKEND_FEXIT;
	case BPF_PROG_TYPE_KPROBE: /* kprobe, kretprobe */
		return backend == BACKEND_KPROBE;
	default:
		return false;
	}
}

/* The kernel function a program attaches to: "fexit/inet_bind" -> inet_bind. */
static const char *program_target(const struct bpf_program *prog)
{
	const char *section = bpf_program__section_name(prog);
	const char *slash = strrchr(section, '/');

	return slash ? slash + 1 : section;
}

/*
 * Kernels that have inet_bind_sk() (see bpf/compat.bpf.h) route MPTCP through
 * it and make inet_bind() a wrapper: hook one or the other, never both, or a
 * bind would be reported twice.
 */
static bool program_fits_kernel(const struct bpf_program *prog, bool kernel_has_bind_sk,
				bool kernel_has_autobind)
{
	const char *target = program_target(prog);

	if (!strcmp(target, "inet_bind_sk") || !strcmp(target, "inet6_bind_sk"))
		return kernel_has_bind_sk;
	if (!strcmp(target, "inet_bind") || !strcmp(target, "inet6_bind"))
		return !kernel_has_bind_sk;
	/*
	 * Autobind failures: inet_autobind() where it is a function of its own
	 * (every Debian kernel 5.10 to 7.3), else the get_port calls it makes,
	 * which also run inside every bind (bpf/bindsnoop.bpf.c).
	 */
	if (!strcmp(target, "inet_autobind"))
		return kernel_has_autobind;
	if (!strcmp(target, "inet_csk_get_port") || !strcmp(target, "udp_lib_get_port"))
		return !kernel_has_autobind;
	return true;
}

/*
 * The two builds of bpf/bindsnoop.bpf.c. The basic one drops what needs
 * bpf_loop() (5.17) and bpf_task_pt_regs() (5.15); compat.bpf.h lists it.
 */
struct bpf_build {
	const char *name;
	void *(*open)(struct bpf_object **obj, struct bs_config **config);
	void (*destroy)(void *skel);
};

static void *full_open(struct bpf_object **obj, struct bs_config **config)
{
	struct bindsnoop_bpf *skel = bindsnoop_bpf__open();

	if (skel) {
		*obj = skel->obj;
		*config = (struct bs_config *)&skel->rodata->bs_cfg;
	}
	return skel;
}

static void full_destroy(void *skel)
{
	bindsnoop_bpf__destroy(skel);
}

static void *basic_open(struct bpf_object **obj, struct bs_config **config)
{
	struct bindsnoop_basic_bpf *skel = bindsnoop_basic_bpf__open();

	if (skel) {
		*obj = skel->obj;
		*config = (struct bs_config *)&skel->rodata->bs_cfg;
	}
	return skel;
}

static void basic_destroy(void *skel)
{
	bindsnoop_basic_bpf__destroy(skel);
}

static const struct bpf_build full_build = { "full", full_open, full_destroy };
static const struct bpf_build basic_build = { "basic", basic_open, basic_destroy };

/* What this kernel's BPF offers, probed once with tiny programs. */
struct kernel_features {
	bool fexit;	    /* an fexit program loads and attaches */
	bool fexit_refused; /* every tracing program is refused (EPERM): no BTF parse needed */
	bool kprobes;	    /* CONFIG_KPROBE_EVENTS */
	bool bind_sk;	    /* inet_bind_sk() exists */
	bool autobind;	    /* inet_autobind() is a function of its own (in BTF) */
	bool bpf_loop;	    /* 5.17 */
	bool task_pt_regs;  /* 5.15 */
};

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
	       !access(TRACEFS_DIR "/kprobe_events", F_OK) ||
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

/* Whether this host mounts systemd's cgroup v1 hierarchy (a hybrid or legacy layout). */
static bool cgroup_v1_systemd_mounted(void)
{
	char line[512];
	bool found = false;
	FILE *cgroups = fopen("/proc/self/cgroup", "re");

	if (!cgroups)
		return false;
	while (!found && fgets(line, sizeof(line), cgroups))
		found = strstr(line, ":name=systemd:") != NULL;
	fclose(cgroups);
	return found;
}

static void config_from_options(struct bs_config *config, const struct options *opts)
{
	config->filters = opts->filters;
	config->all = opts->all;
	config->kernel_holders = opts->kernel_holders;
	/* Wake the reader early once a quarter of the ring is queued. */
	config->wakeup_threshold = (opts->ring_buffer_mb << 20) / 4;
	config->self_pid = getpid();
	config->fold_ms = opts->fold ? opts->fold_ms : 0;
	config->syscall_nr_listen = SYS_listen;
	config->syscall_nr_bind = SYS_bind;
	config->cgroup_v1_systemd = cgroup_v1_systemd_mounted();
}

/* Why a backend could not be used, for -v and for an explicit --backend. */
struct trial {
	char reason[256];
};

/*
 * Room for the owner tags (an array of slots, bpf/holders.bpf.h): four times
 * the sockets open now, a power of two from 16,384 to 65,536 (48 bytes a
 * slot). Tags are written for every bind while tracing; a slot taken over
 * by a later socket loses the older tag, whose holder is then named from
 * /proc, as if bound before.
 */
#define OWNER_TAGS_MIN 16384
#define OWNER_TAGS_MAX 65536

static __u32 owner_tag_capacity(void)
{
	unsigned long used = 0;
	__u32 capacity = OWNER_TAGS_MIN;
	FILE *sockstat = fopen("/proc/net/sockstat", "re");

	if (sockstat) {
		if (fscanf(sockstat, "sockets: used %lu", &used) != 1)
			used = OWNER_TAGS_MAX;
		fclose(sockstat);
	}
	while (capacity < 4 * used && capacity < OWNER_TAGS_MAX)
		capacity *= 2;
	return capacity;
}

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

/*
 * The maps that pair an entry hook with its return hook (pending_ops,
 * autobind_calls) serve no program of an object without entry hooks (the
 * full build's tracepoint backend): not creating them spares start-up their
 * preallocation. A program that did use one would fail the load, loudly.
 */
static void skip_pairing_maps(struct bpf_object *obj)
{
	static const char *const pairing_maps[] = { "pending_ops", "autobind_calls" };
	struct bpf_program *prog;

	bpf_object__for_each_program(prog, obj) {
		enum bpf_attach_type type = bpf_program__expected_attach_type(prog);

		if (!bpf_program__autoload(prog))
			continue;
		/* Entry hooks: fentry, kprobe, sys_enter_*. */
		if (type == BPF_TRACE_FENTRY ||
		    (bpf_program__type(prog) == BPF_PROG_TYPE_KPROBE &&
		     strncmp(bpf_program__section_name(prog), "kretprobe/", 10)) ||
		    !strncmp(program_target(prog), "sys_enter_", 10))
			return;
	}
	for (size_t i = 0; i < sizeof(pairing_maps) / sizeof(pairing_maps[0]); i++)
		bpf_map__set_autocreate(bpf_object__find_map_by_name(obj, pairing_maps[i]), false);
}

/*
 * The full build's one syscall-exit program (bpf/bindsnoop.bpf.c): its
 * section names sys_exit_bind, and no program of the object names
 * sys_exit_listen, so it serves that exit too.
 */
static bool serves_listen_exit_too(const struct bpf_program *prog, struct bpf_object *obj)
{
	struct bpf_program *other;

	if (bpf_program__type(prog) != BPF_PROG_TYPE_TRACEPOINT ||
	    strcmp(program_target(prog), "sys_exit_bind"))
		return false;
	bpf_object__for_each_program(other, obj)
		if (bpf_program__type(other) == BPF_PROG_TYPE_TRACEPOINT &&
		    !strcmp(program_target(other), "sys_exit_listen"))
			return false;
	return true;
}

static int attach_programs(struct tracer *tracer, struct trial *trial)
{
	struct bpf_program *prog;
	int count = 0;

	bpf_object__for_each_program(prog, tracer->obj)
		count += bpf_program__autoload(prog) *
			 (1 + serves_listen_exit_too(prog, tracer->obj));
	tracer->links = calloc(count, sizeof(*tracer->links));
	if (!tracer->links)
		return -ENOMEM;
	bpf_object__for_each_program(prog, tracer->obj) {
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
		if (!serves_listen_exit_too(prog, tracer->obj))
			continue;
		link = bpf_program__attach_tracepoint(prog, "syscalls", "sys_exit_listen");
		if (!link) {
			int err = -errno;

			trial_failed(trial, "attaching", "sys_exit_listen", err);
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
	if (tracer->skel)
		tracer->build->destroy(tracer->skel);
	tracer->skel = NULL;
	tracer->obj = NULL;
}

/* Open, configure, load and attach one backend; on failure leave tracer empty. */
static int try_backend(struct tracer *tracer, const struct bpf_build *build,
		       enum backend_choice backend, const struct options *opts,
		       const struct kernel_features *features, struct trial *trial)
{
	struct bs_config *config;
	struct bpf_program *prog;
	int err;

	tracer->build = build;
	tracer->skel = build->open(&tracer->obj, &config);
	if (!tracer->skel) {
		err = -errno;
		snprintf(trial->reason, sizeof(trial->reason), "opening the BPF object failed: %s",
			 strerror(-err));
		return err;
	}
	config_from_options(config, opts);
	config->owner_tag_mask = owner_tag_capacity() - 1;
	err = bpf_map__set_max_entries(bpf_object__find_map_by_name(tracer->obj, "events"),
				       opts->ring_buffer_mb << 20);
	if (!err)
		err = bpf_map__set_max_entries(
			bpf_object__find_map_by_name(tracer->obj, "owner_tags"),
			config->owner_tag_mask + 1);
	if (err)
		goto fail;
	bpf_object__for_each_program(prog, tracer->obj)
		bpf_program__set_autoload(prog, program_in_backend(prog, backend) &&
							program_fits_kernel(prog, features->bind_sk,
									    features->autobind));
	skip_pairing_maps(tracer->obj);
	err = bpf_object__load(tracer->obj);
	if (err) {
		trial_failed(trial, "loading", backend_name(backend), err);
		goto fail_reported;
	}
	err = attach_programs(tracer, trial);
	if (err)
		goto fail_reported;
	tracer->backend = backend;
	tracer->ring_buffer_fd = bpf_object__find_map_fd_by_name(tracer->obj, "events");
	tracer->lost_events_fd = bpf_object__find_map_fd_by_name(tracer->obj, "lost_events");
	tracer->owner_tags_fd = bpf_object__find_map_fd_by_name(tracer->obj, "owner_tags");
	tracer->folds_fd = bpf_object__find_map_fd_by_name(tracer->obj, "folds");
	tracer->fold_epoch_fd = bpf_object__find_map_fd_by_name(tracer->obj, "fold_epoch");
	return 0;
fail:
	snprintf(trial->reason, sizeof(trial->reason), "preparing %s failed: %s",
		 backend_name(backend), strerror(-err));
fail_reported:
	tracer_release(tracer);
	return err;
}

/* Problems of the kernel itself: too old for any build. */
static int check_kernel(void)
{
	if (libbpf_probe_bpf_map_type(BPF_MAP_TYPE_RINGBUF, NULL) != 1) {
		fprintf(stderr,
			"bindsnoop: this kernel is too old: bindsnoop needs Linux 5.8 or "
			"newer (the BPF ring buffer); it is tested on Debian's kernels from "
			"5.10 on\n");
		return -EOPNOTSUPP;
	}
	return 0;
}

/*
 * One parse of the kernel's BTF serves every probe that needs it, and only
 * a choice that needs it parses: the fexit probe is auto's, inet_bind_sk()
 * decides the hook of the fexit and kprobe programs. The tracepoint backend
 * needs neither, and a parse costs more than the rest of its start-up.
 */
static void probe_kernel(struct kernel_features *features, enum backend_choice choice)
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
		 * inlines inet_autobind(), which no Debian kernel does: the VM
		 * tests run it (scripts/vm-test.sh), it is not for users.
		 */
		features->autobind =
			btf__find_by_name_kind(vmlinux, "inet_autobind", BTF_KIND_FUNC) >= 0 &&
			!getenv("BINDSNOOP_GET_PORT_HOOKS");
		features->fexit = kernel_runs_fexit(vmlinux);
		btf__free(vmlinux);
	}
	features->bpf_loop = kernel_has_helper(BPF_FUNC_loop);
	features->task_pt_regs = kernel_has_helper(BPF_FUNC_task_pt_regs);
	if (verbose && features->fexit_refused)
		fprintf(stderr,
			"bindsnoop: kernel refuses tracing programs (EPERM) and lacks kprobes, "
			"%s bpf_loop(), %s bpf_task_pt_regs()\n",
			features->bpf_loop ? "has" : "lacks",
			features->task_pt_regs ? "has" : "lacks");
	else if (verbose && choice == BACKEND_TRACEPOINT)
		fprintf(stderr,
			"bindsnoop: kernel %s kprobes, %s bpf_loop(), %s bpf_task_pt_regs() "
			"(fexit and inet_bind_sk() not probed: --backend tracepoint)\n",
			features->kprobes ? "has" : "lacks", features->bpf_loop ? "has" : "lacks",
			features->task_pt_regs ? "has" : "lacks");
	else if (verbose)
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
}

/* auto skips a backend the probes already ruled out, and says why. */
static const char *backend_ruled_out(enum backend_choice backend,
				     const struct kernel_features *features)
{
	if (backend == BACKEND_FEXIT && features->fexit_refused)
		return "the kernel refuses tracing programs (EPERM: a security policy or "
		       "lockdown)";
	if (backend == BACKEND_FEXIT && !features->fexit)
		return "a probe fexit program on inet_csk_get_port did not load and attach (the "
		       "kernel refuses this program type here, e.g. lockdown or no BPF "
		       "trampolines)";
	if (backend == BACKEND_KPROBE && !features->kprobes)
		return "the kernel has no kprobe events (CONFIG_KPROBE_EVENTS is off)";
	return NULL;
}

/*
 * What the basic build leaves out, said in the Tracing line, the start
 * record and -v. why: the features it lacks, or why the full build failed.
 */
static void describe_degraded(struct tracer *tracer, const struct kernel_features *features,
			      const char *full_failure)
{
	char why[300];

	if (full_failure)
		snprintf(why, sizeof(why), "the full BPF object did not load: %s", full_failure);
	else
		snprintf(why, sizeof(why), "this kernel lacks %s%s%s",
			 features->bpf_loop ? "" : "bpf_loop() (5.17)",
			 !features->bpf_loop && !features->task_pt_regs ? " and " : "",
			 features->task_pt_regs ? "" : "bpf_task_pt_regs() (5.15)");
	snprintf(tracer->degraded, sizeof(tracer->degraded),
		 "no in-kernel holder walk (holders from sock_diag and /proc)%s; %s",
		 tracer->backend == BACKEND_TRACEPOINT ? ", sys_enter/sys_exit pairs" : "", why);
}

int tracer_start(const struct options *opts, struct tracer **out)
{
	static const enum backend_choice auto_order[] = { BACKEND_FEXIT, BACKEND_KPROBE,
							  BACKEND_TRACEPOINT };
	enum backend_choice explicit_choice[] = { opts->backend };
	const enum backend_choice *order = auto_order;
	const struct bpf_build *builds[2];
	struct kernel_features features;
	char full_failure[256] = "";
	struct trial trial = {};
	int order_len = 3, build_count = 0;
	struct tracer *tracer;
	int err = -ENOENT;

	verbose = opts->verbose;
	libbpf_set_print(libbpf_print);
	err = check_prerequisites();
	if (err)
		return err;
	err = check_kernel();
	if (err)
		return err;
	if (opts->backend != BACKEND_AUTO) {
		order = explicit_choice;
		order_len = 1;
	}
	tracer = calloc(1, sizeof(*tracer));
	if (!tracer)
		return -ENOMEM;
	startup_heap_reserve(STARTUP_HEAP_BYTES);
	probe_kernel(&features, opts->backend);
	/* The full build where the kernel can take it, the basic one as the fallback. */
	if (features.bpf_loop && features.task_pt_regs)
		builds[build_count++] = &full_build;
	builds[build_count++] = &basic_build;

	for (int b = 0; b < build_count; b++) {
		for (int i = 0; i < order_len; i++) {
			if (order[i] == BACKEND_TRACEPOINT) {
				err = ensure_tracefs();
				if (err)
					goto failed;
			}
			memset(&trial, 0, sizeof(trial));
			const char *ruled_out = opts->backend == BACKEND_AUTO ?
							backend_ruled_out(order[i], &features) :
							NULL;
			if (ruled_out) {
				if (verbose && b == 0)
					fprintf(stderr,
						"bindsnoop: %s backend refused: probing failed: %s\n",
						backend_name(order[i]), ruled_out);
				snprintf(trial.reason, sizeof(trial.reason), "probing failed: %s",
					 ruled_out);
				continue;
			}
			err = try_backend(tracer, builds[b], order[i], opts, &features, &trial);
			if (err && features.autobind && order[i] != BACKEND_TRACEPOINT) {
				/*
				 * BTF names inet_autobind() but its hook did not
				 * take (say, a renamed copy): the get_port
				 * hooks stand in, as on kernels that inline it.
				 */
				if (verbose)
					fprintf(stderr,
						"bindsnoop: %s backend refused: %s (%s BPF object); "
						"trying the get_port hooks for autobinds\n",
						backend_name(order[i]), trial.reason,
						builds[b]->name);
				features.autobind = false;
				err = try_backend(tracer, builds[b], order[i], opts, &features,
						  &trial);
				features.autobind = err != 0;
			}
			if (!err) {
				if (builds[b] == &basic_build)
					describe_degraded(tracer, &features,
							  full_failure[0] ? full_failure : NULL);
				if (verbose)
					fprintf(stderr,
						"bindsnoop: using the %s backend (%s BPF object)\n",
						backend_name(order[i]), builds[b]->name);
				*out = tracer;
				startup_heap_release();
				return 0;
			}
			if (verbose)
				fprintf(stderr,
					"bindsnoop: %s backend refused: %s (%s BPF object)\n",
					backend_name(order[i]), trial.reason, builds[b]->name);
			if (builds[b] == &full_build && !full_failure[0])
				snprintf(full_failure, sizeof(full_failure), "%s", trial.reason);
		}
	}
	if (opts->backend != BACKEND_AUTO)
		fprintf(stderr,
			"bindsnoop: the %s backend cannot run on this kernel: %s; try --backend "
			"auto\n",
			backend_name(opts->backend), full_failure[0] ? full_failure : trial.reason);
	else
		fprintf(stderr,
			"bindsnoop: no backend could attach (last: %s); run with -v to see why each "
			"was refused\n",
			trial.reason);
failed:
	startup_heap_release();
	free(tracer);
	return err ? err : -ENOENT;
}

__u64 tracer_missed_runs(const struct tracer *tracer)
{
	struct bpf_program *prog;
	__u64 missed = 0;

	bpf_object__for_each_program(prog, tracer->obj) {
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
