// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * empty-hook: attach an empty BPF program (empty_hook.bpf.c) where a
 * bindsnoop backend sees failed binds, print "Tracing with an empty program
 * on HOOK", and stay attached until SIGINT or SIGTERM. The benchmark's floor:
 * a storm run beside it costs only the hook itself.
 *
 *   empty-hook --hook tracepoint|fexit|kprobe
 *
 * fexit and kprobe take inet_bind_sk() where the kernel has it (6.12 on:
 * inet_bind() is then a wrapper the storm still passes), else inet_bind().
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <bpf/libbpf.h>
#include "empty_hook.skel.h"

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static int quiet(enum libbpf_print_level level, const char *format, va_list args)
{
	(void)level;
	(void)format;
	(void)args;
	return 0;
}

/* Load and attach only prog of a fresh object; NULL (errno set) if it fails. */
static struct empty_hook_bpf *attach_only(const char *name, struct bpf_link **link)
{
	struct empty_hook_bpf *skel = empty_hook_bpf__open();
	struct bpf_program *prog, *chosen = NULL;
	int err;

	if (!skel)
		return NULL;
	bpf_object__for_each_program(prog, skel->obj) {
		bool wanted = !strcmp(bpf_program__name(prog), name);

		bpf_program__set_autoload(prog, wanted);
		if (wanted)
			chosen = prog;
	}
	err = chosen ? empty_hook_bpf__load(skel) : -ENOENT;
	if (!err) {
		*link = bpf_program__attach(chosen);
		err = *link ? 0 : -errno;
	}
	if (err) {
		empty_hook_bpf__destroy(skel);
		errno = -err;
		return NULL;
	}
	return skel;
}

int main(int argc, char **argv)
{
	static const char *const tracepoint[] = { "empty_tracepoint", NULL };
	static const char *const fexit[] = { "empty_fexit_bind_sk", "empty_fexit_bind", NULL };
	static const char *const kprobe[] = { "empty_kprobe_bind_sk", "empty_kprobe_bind", NULL };
	const char *const *candidates = NULL;
	struct empty_hook_bpf *skel = NULL;
	struct bpf_link *link = NULL;
	int i;

	if (argc == 3 && !strcmp(argv[1], "--hook")) {
		if (!strcmp(argv[2], "tracepoint"))
			candidates = tracepoint;
		else if (!strcmp(argv[2], "fexit"))
			candidates = fexit;
		else if (!strcmp(argv[2], "kprobe"))
			candidates = kprobe;
	}
	if (!candidates) {
		fprintf(stderr, "usage: empty-hook --hook tracepoint|fexit|kprobe\n");
		return 2;
	}
	libbpf_set_print(quiet);
	for (i = 0; candidates[i] && !skel; i++)
		skel = attach_only(candidates[i], &link);
	if (!skel) {
		fprintf(stderr, "empty-hook: no empty %s program would load and attach: %s\n",
			argv[2], strerror(errno));
		return 1;
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	fprintf(stderr, "Tracing with an empty program on %s (%s)\n", argv[2], candidates[i - 1]);
	while (!stop)
		sleep(1); /* a signal ends the sleep; one that comes just before it waits 1 s */
	bpf_link__destroy(link);
	empty_hook_bpf__destroy(skel);
	return 0;
}
