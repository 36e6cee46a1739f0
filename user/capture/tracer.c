// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <bpf/libbpf.h>
#include <bpf/bpf.h>
#include "capture/backend_policy.h"
#include "capture/kernel_features.h"
#include "capture/startup_heap.h"
#include "capture/tracer.h"
#include "bindsnoop.skel.h"

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

/* The kernel functions a hook needs (bpf/compat.bpf.h says which kernels have which). */
enum hook_fit {
	FITS_ANY,
	/*
	 * Kernels that have inet_bind_sk() route MPTCP through it and make
	 * inet_bind() a wrapper: hook one or the other, never both, or a bind
	 * would be reported twice.
	 */
	FITS_BIND,
	FITS_BIND_SK,
	/*
	 * Autobind failures: inet_autobind() where it is a function of its own
	 * (every Debian kernel 5.10 to 7.3), else the get_port calls it makes,
	 * which also run inside every bind (bpf/bindsnoop.bpf.c).
	 */
	FITS_AUTOBIND,
	FITS_GET_PORT,
};

static bool hook_fits_kernel(enum hook_fit fit, const struct kernel_features *features)
{
	switch (fit) {
	case FITS_BIND:
		return !features->bind_sk;
	case FITS_BIND_SK:
		return features->bind_sk;
	case FITS_AUTOBIND:
		return features->autobind;
	case FITS_GET_PORT:
		return !features->autobind;
	default:
		return true;
	}
}

/*
 * A hook of the object: a program that reports comes as a pair, with the
 * in-kernel holder walk and without it (bpf/bindsnoop.bpf.c), an entry hook
 * alone. Some entry hooks serve only kernels without bpf_task_pt_regs(),
 * where the return hook cannot read the call's arguments itself.
 */
struct hook_programs {
	struct bpf_program *walk; /* or the entry hook, or a report with no walk */
	struct bpf_program *no_walk;
	enum hook_fit fit;
	bool without_task_pt_regs_only;
	bool entry;
};

#define REPORTS(name, fit)                                                      \
	{                                                                       \
		skel->progs.name, skel->progs.name##_no_walk, fit, false, false \
	}
/* A program that reports and never walks the bind tables (unix_bind's). */
#define REPORTS_WITHOUT_WALK(name, fit)                   \
	{                                                 \
		skel->progs.name, NULL, fit, false, false \
	}
#define ENTRY(name, fit)                                 \
	{                                                \
		skel->progs.name, NULL, fit, false, true \
	}
#define ENTRY_WITHOUT_PT_REGS(name, fit)                \
	{                                               \
		skel->progs.name, NULL, fit, true, true \
	}

/*
 * Load only the programs of backend that this kernel takes. Returns whether
 * an entry hook is among them, or -EPROTO if the object has a program this
 * table does not know (it would never load: a bug, said at once).
 */
static int programs_choose(struct bindsnoop_bpf *skel, enum backend_choice backend, bool walk,
			   const struct kernel_features *features)
{
	const struct hook_programs hooks[] = {
		REPORTS(tp_exit_bind_or_listen, FITS_ANY),
		ENTRY_WITHOUT_PT_REGS(tp_enter_bind, FITS_ANY),
		ENTRY_WITHOUT_PT_REGS(tp_enter_listen, FITS_ANY),

		ENTRY_WITHOUT_PT_REGS(fentry_inet_bind, FITS_BIND),
		ENTRY_WITHOUT_PT_REGS(fentry_inet6_bind, FITS_BIND),
		ENTRY_WITHOUT_PT_REGS(fentry_inet_bind_sk, FITS_BIND_SK),
		ENTRY_WITHOUT_PT_REGS(fentry_inet6_bind_sk, FITS_BIND_SK),
		ENTRY_WITHOUT_PT_REGS(fentry_inet_listen, FITS_ANY),
		REPORTS(fexit_inet_bind, FITS_BIND),
		REPORTS(fexit_inet6_bind, FITS_BIND),
		REPORTS(fexit_inet_bind_sk, FITS_BIND_SK),
		REPORTS(fexit_inet6_bind_sk, FITS_BIND_SK),
		REPORTS(fexit_inet_listen, FITS_ANY),
		REPORTS(fexit_inet_autobind, FITS_AUTOBIND),
		REPORTS(fexit_inet_csk_get_port, FITS_GET_PORT),
		REPORTS(fexit_udp_lib_get_port, FITS_GET_PORT),
		ENTRY_WITHOUT_PT_REGS(fentry_unix_bind, FITS_ANY),
		REPORTS_WITHOUT_WALK(fexit_unix_bind, FITS_ANY),

		ENTRY(kprobe_inet_bind, FITS_BIND),
		ENTRY(kprobe_inet6_bind, FITS_BIND),
		ENTRY(kprobe_inet_bind_sk, FITS_BIND_SK),
		ENTRY(kprobe_inet6_bind_sk, FITS_BIND_SK),
		ENTRY(kprobe_inet_listen, FITS_ANY),
		ENTRY(kprobe_inet_autobind, FITS_AUTOBIND),
		ENTRY(kprobe_inet_csk_get_port, FITS_GET_PORT),
		ENTRY(kprobe_udp_lib_get_port, FITS_GET_PORT),
		REPORTS(kretprobe_inet_bind, FITS_BIND),
		REPORTS(kretprobe_inet6_bind, FITS_BIND),
		REPORTS(kretprobe_inet_bind_sk, FITS_BIND_SK),
		REPORTS(kretprobe_inet6_bind_sk, FITS_BIND_SK),
		REPORTS(kretprobe_inet_listen, FITS_ANY),
		REPORTS(kretprobe_inet_autobind, FITS_AUTOBIND),
		REPORTS(kretprobe_inet_csk_get_port, FITS_GET_PORT),
		REPORTS(kretprobe_udp_lib_get_port, FITS_GET_PORT),
		ENTRY(kprobe_unix_bind, FITS_ANY),
		REPORTS_WITHOUT_WALK(kretprobe_unix_bind, FITS_ANY),
	};
	size_t known = 0, in_object = 0;
	struct bpf_program *prog;
	bool entries = false;

	bpf_object__for_each_program(prog, skel->obj) {
		bpf_program__set_autoload(prog, false);
		in_object++;
	}
	for (size_t i = 0; i < sizeof(hooks) / sizeof(hooks[0]); i++) {
		const struct hook_programs *hook = &hooks[i];
		struct bpf_program *chosen = hook->no_walk && !walk ? hook->no_walk : hook->walk;

		known += hook->no_walk ? 2 : 1;
		if (!program_in_backend(chosen, backend) ||
		    !hook_fits_kernel(hook->fit, features) ||
		    (hook->without_task_pt_regs_only && features->task_pt_regs))
			continue;
		bpf_program__set_autoload(chosen, true);
		entries |= hook->entry;
	}
	if (known != in_object) {
		fprintf(stderr,
			"bindsnoop: the BPF object has %zu programs and the loader knows %zu: add "
			"the new ones to programs_choose() in user/capture/tracer.c\n",
			in_object, known);
		return -EPROTO;
	}
	return entries;
}

/* The one program on both syscall exits (bpf/bindsnoop.bpf.c). */
static bool attaches_to_listen_exit_too(const struct bindsnoop_bpf *skel,
					const struct bpf_program *prog)
{
	return prog == skel->progs.tp_exit_bind_or_listen ||
	       prog == skel->progs.tp_exit_bind_or_listen_no_walk;
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

static int attach_programs(struct tracer *tracer, struct trial *trial)
{
	struct bindsnoop_bpf *skel = tracer->skel;
	struct bpf_program *prog;
	int count = 0;

	bpf_object__for_each_program(prog, skel->obj)
		count +=
			bpf_program__autoload(prog) * (1 + attaches_to_listen_exit_too(skel, prog));
	tracer->links = calloc(count, sizeof(*tracer->links));
	if (!tracer->links)
		return -ENOMEM;
	bpf_object__for_each_program(prog, skel->obj) {
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
		if (!attaches_to_listen_exit_too(skel, prog))
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

static void descriptors_close(struct tracer *tracer)
{
	const int map_fds[] = { tracer->ring_buffer_fd, tracer->lost_events_fd,
				tracer->owner_tags_fd, tracer->folds_fd, tracer->fold_epoch_fd };

	if (!tracer->owns_descriptors)
		return;
	for (size_t i = 0; i < sizeof(map_fds) / sizeof(map_fds[0]); i++)
		if (map_fds[i] >= 0)
			close(map_fds[i]);
	for (int i = 0; i < tracer->program_count; i++)
		close(tracer->program_fds[i]);
	free(tracer->program_fds);
	tracer->program_fds = NULL;
	tracer->program_count = 0;
	tracer->owns_descriptors = false;
}

static void tracer_release(struct tracer *tracer)
{
	tracer_detach(tracer);
	descriptors_close(tracer);
	bindsnoop_bpf__destroy(tracer->skel);
	tracer->skel = NULL;
}

/* A descriptor of our own for one of the object's (>= 3, closed on exec), or -1. */
static int descriptor_keep(int fd)
{
	return fd < 0 ? -1 : fcntl(fd, F_DUPFD_CLOEXEC, 3);
}

/*
 * Keep what tracing needs of the object (its maps, its loaded programs; the
 * links are already independent of it) and free the object.
 */
static int object_release(struct tracer *tracer)
{
	struct bindsnoop_bpf *skel = tracer->skel;
	struct bpf_program *prog;
	int loaded = 0;

	bpf_object__for_each_program(prog, skel->obj)
		loaded += bpf_program__fd(prog) >= 0;
	tracer->program_fds = calloc(loaded ? loaded : 1, sizeof(*tracer->program_fds));
	if (!tracer->program_fds)
		return -ENOMEM;
	tracer->owns_descriptors = true;
	tracer->ring_buffer_fd = descriptor_keep(bpf_map__fd(skel->maps.events));
	tracer->lost_events_fd = descriptor_keep(bpf_map__fd(skel->maps.lost_events));
	tracer->owner_tags_fd = descriptor_keep(bpf_map__fd(skel->maps.owner_tags));
	tracer->folds_fd = descriptor_keep(bpf_map__fd(skel->maps.folds));
	tracer->fold_epoch_fd = descriptor_keep(bpf_map__fd(skel->maps.fold_epoch));
	if (tracer->ring_buffer_fd < 0 || tracer->lost_events_fd < 0 || tracer->owner_tags_fd < 0 ||
	    tracer->folds_fd < 0 || tracer->fold_epoch_fd < 0)
		return -errno;
	bpf_object__for_each_program(prog, skel->obj) {
		int fd;

		if (bpf_program__fd(prog) < 0)
			continue;
		fd = descriptor_keep(bpf_program__fd(prog));
		if (fd < 0)
			return -errno;
		tracer->program_fds[tracer->program_count++] = fd;
	}
	bindsnoop_bpf__destroy(skel);
	tracer->skel = NULL;
	return 0;
}

/*
 * The maps that pair an entry hook with its return hook (pending_ops,
 * autobind_calls) serve no program where no entry hook loads (fexit and
 * tracepoint with bpf_task_pt_regs()), yet a branch the verifier drops may
 * still name them: one entry each spares start-up their preallocation.
 */
static int pairing_maps_size(struct bindsnoop_bpf *skel, bool entry_hooks)
{
	int err = 0;

	if (!entry_hooks) {
		err = bpf_map__set_max_entries(skel->maps.pending_ops, 1);
		if (!err)
			err = bpf_map__set_max_entries(skel->maps.autobind_calls, 1);
	}
	return err;
}

/* Open, configure, load and attach one trial; on failure leave tracer empty. */
static int try_backend(struct tracer *tracer, const struct backend_trial *plan,
		       const struct options *opts, const struct kernel_features *features,
		       struct trial *trial)
{
	struct bindsnoop_bpf *skel;
	int err, entry_hooks;

	skel = tracer->skel = bindsnoop_bpf__open();
	if (!skel) {
		err = -errno;
		snprintf(trial->reason, sizeof(trial->reason), "opening the BPF object failed: %s",
			 strerror(-err));
		return err;
	}
	config_from_options(&skel->rodata->bs_cfg, opts);
	skel->rodata->bs_cfg.owner_tag_mask = owner_tag_capacity() - 1;
	skel->rodata->bs_kernel_task_pt_regs = features->task_pt_regs;
	entry_hooks = programs_choose(skel, plan->backend, plan->walk, features);
	if (entry_hooks < 0) {
		err = entry_hooks;
		snprintf(trial->reason, sizeof(trial->reason),
			 "the loader does not know every program of the BPF object");
		goto fail_reported;
	}
	err = bpf_map__set_max_entries(skel->maps.events, opts->ring_buffer_mb << 20);
	if (!err)
		err = bpf_map__set_max_entries(skel->maps.owner_tags,
					       skel->rodata->bs_cfg.owner_tag_mask + 1);
	if (!err)
		err = pairing_maps_size(skel, entry_hooks);
	if (err)
		goto fail;
	err = bindsnoop_bpf__load(skel);
	if (err) {
		trial_failed(trial, "loading", backend_name(plan->backend), err);
		goto fail_reported;
	}
	err = attach_programs(tracer, trial);
	if (err)
		goto fail_reported;
	err = object_release(tracer);
	if (err) {
		snprintf(trial->reason, sizeof(trial->reason),
			 "keeping the descriptors of %s failed: %s (raise the open files limit)",
			 backend_name(plan->backend), strerror(-err));
		goto fail_reported;
	}
	tracer->backend = plan->backend;
	tracer->walk = plan->walk;
	return 0;
fail:
	snprintf(trial->reason, sizeof(trial->reason), "preparing %s failed: %s",
		 backend_name(plan->backend), strerror(-err));
fail_reported:
	tracer_release(tracer);
	return err;
}

static const char *programs_name(bool walk)
{
	return walk ? "programs with the in-kernel holder walk" :
		      "programs without the holder walk";
}

/*
 * A trial, and where BTF names inet_autobind() but its hook did not take
 * (say, a renamed copy), the same with the get_port hooks standing in, as
 * on kernels that inline it.
 */
static int try_backend_hooks(struct tracer *tracer, const struct backend_trial *plan,
			     const struct options *opts, struct kernel_features *features,
			     struct trial *trial)
{
	int err = try_backend(tracer, plan, opts, features, trial);

	if (!err || !features->autobind || plan->backend == BACKEND_TRACEPOINT)
		return err;
	if (verbose)
		fprintf(stderr,
			"bindsnoop: %s backend refused: %s (%s); trying the get_port hooks for "
			"autobinds\n",
			backend_name(plan->backend), trial->reason, programs_name(plan->walk));
	features->autobind = false;
	err = try_backend(tracer, plan, opts, features, trial);
	features->autobind = err != 0;
	return err;
}

/*
 * What this kernel made bindsnoop leave out, said in the Tracing line, the
 * start record and -v; "" where nothing is. walk_failure: why the programs
 * with the walk did not load, if they were tried.
 */
static void describe_degraded(struct tracer *tracer, const struct kernel_features *features,
			      const char *walk_failure)
{
	bool pairs = tracer->backend == BACKEND_TRACEPOINT && !features->task_pt_regs;
	const char *hidden = features->helpers_hidden ? " (hidden by BINDSNOOP_HIDE_HELPERS)" : "";
	char why[320];

	if (tracer->walk && !pairs)
		return;
	if (!tracer->walk && features->bpf_loop)
		snprintf(why, sizeof(why), "the programs with the holder walk did not load: %s",
			 walk_failure);
	else
		snprintf(why, sizeof(why), "this kernel lacks %s%s%s%s",
			 features->bpf_loop ? "" : "bpf_loop() (5.17)",
			 !features->bpf_loop && !features->task_pt_regs ? " and " : "",
			 features->task_pt_regs ? "" : "bpf_task_pt_regs() (5.15)", hidden);
	snprintf(tracer->degraded, sizeof(tracer->degraded), "%s%s%s; %s",
		 tracer->walk ? "" : "no in-kernel holder walk (holders from sock_diag and /proc)",
		 !tracer->walk && pairs ? ", " : "", pairs ? "sys_enter/sys_exit pairs" : "", why);
}

int tracer_start(const struct options *opts, struct tracer **out)
{
	struct backend_trial trials[BACKEND_TRIALS_MAX];
	struct kernel_features features;
	char walk_failure[256] = "";
	struct trial trial = {};
	struct tracer *tracer;
	size_t trial_count, object_size;
	const void *object;
	int err;

	verbose = opts->verbose;
	libbpf_set_print(libbpf_print);
	err = kernel_check_prerequisites();
	if (err)
		return err;
	tracer = calloc(1, sizeof(*tracer));
	if (!tracer)
		return -ENOMEM;
	startup_heap_reserve(STARTUP_HEAP_BYTES);
	kernel_features_probe(&features, opts->backend, verbose);
	trial_count = backend_trials(opts->backend, &features, trials);
	err = -ENOENT;
	for (size_t i = 0; i < trial_count; i++) {
		const struct backend_trial *plan = &trials[i];
		const char *ruled_out = backend_ruled_out(opts->backend, plan->backend, &features);
		const char *programs = programs_name(plan->walk);

		if (plan->backend == BACKEND_TRACEPOINT) {
			err = ensure_tracefs();
			if (err)
				goto failed;
		}
		memset(&trial, 0, sizeof(trial));
		if (ruled_out) {
			/* Said once, not again for the programs without the walk. */
			if (verbose && plan->walk == trials[0].walk)
				fprintf(stderr,
					"bindsnoop: %s backend refused: probing failed: %s\n",
					backend_name(plan->backend), ruled_out);
			snprintf(trial.reason, sizeof(trial.reason), "probing failed: %s",
				 ruled_out);
			continue;
		}
		err = try_backend_hooks(tracer, plan, opts, &features, &trial);
		if (!err) {
			describe_degraded(tracer, &features, walk_failure);
			if (verbose)
				fprintf(stderr, "bindsnoop: using the %s backend (%s)\n",
					backend_name(plan->backend), programs);
			*out = tracer;
			startup_heap_release();
			object = bindsnoop_bpf__elf_bytes(&object_size);
			startup_image_release(object, object_size);
			return 0;
		}
		if (verbose)
			fprintf(stderr, "bindsnoop: %s backend refused: %s (%s)\n",
				backend_name(plan->backend), trial.reason, programs);
		if (plan->walk && !walk_failure[0])
			snprintf(walk_failure, sizeof(walk_failure), "%s", trial.reason);
	}
	if (opts->backend != BACKEND_AUTO)
		fprintf(stderr,
			"bindsnoop: the %s backend cannot run on this kernel: %s; try --backend "
			"auto\n",
			backend_name(opts->backend), walk_failure[0] ? walk_failure : trial.reason);
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
	__u64 missed = 0;

	for (int i = 0; i < tracer->program_count; i++) {
		struct bpf_prog_info info = {};
		__u32 len = sizeof(info);

		if (!bpf_obj_get_info_by_fd(tracer->program_fds[i], &info, &len))
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
