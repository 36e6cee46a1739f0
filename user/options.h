/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Command line: one struct of settings with its defaults, and its parser. */
#ifndef BINDSNOOP_OPTIONS_H
#define BINDSNOOP_OPTIONS_H

#include <stdbool.h>
#include <stdio.h>
#include <linux/types.h>
#include "bindsnoop.h"
#include "output/listen_address.h"
#include "capture/path_filter.h"
#include "output/syslog_target.h"

#define BINDSNOOP_VERSION "0.1.0"

enum backend_choice {
	BACKEND_AUTO = 0,
	BACKEND_FEXIT,
	BACKEND_KPROBE,
	BACKEND_TRACEPOINT,
};

struct options {
	enum backend_choice backend;
	bool json;	     /* --json: JSON Lines on stdout instead of the table */
	bool all;	     /* --all: successful binds and listens too */
	bool verbose;	     /* -v: backend choice, libbpf warnings */
	bool proc_lookup;    /* false with --no-proc-lookup */
	bool kernel_holders; /* false with --no-kernel-holders */
	bool wide;	     /* --wide: table shows every holder and command lines */
	/* --who PORTS and Unix-domain names: a one-shot query of who holds them, no tracing */
	bool who;
	bool all_netns; /* --all-netns: --who looks in every network namespace */
	__u8 who_ports[BS_PORT_BITMAP_BYTES];
	struct path_filter who_names; /* whole names only, no prefix patterns */
	__u32 ring_buffer_mb; /* --ring-buffer-mb, power of two; by default from poll_ms */
	__u32 poll_ms;	      /* --poll-ms: longest wait before queued events are read */
	__u32 fold_ms;	      /* --fold-ms: the window repeats are counted in */
	bool fold;	      /* false with --no-fold */
	/* Outputs besides stdout; all of them can run at once. */
	bool quiet;		 /* --quiet: nothing on stdout (needs another output) */
	const char *output_path; /* --output FILE: JSON Lines appended there; NULL: none */
	bool syslog;		 /* --syslog[=TARGET] */
	struct syslog_target syslog_target; /* parsed TARGET, /dev/log by default */
	int syslog_facility;		    /* --syslog-facility, 0..23, default daemon (3) */
	__u32 syslog_queue_mb; /* --syslog-queue-mb: messages waiting for the collector */
	bool journal;	       /* --journal: native systemd journal entries */
	bool metrics;	       /* --metrics ADDR:PORT */
	struct listen_address metrics_address; /* where to serve /metrics */
	struct bs_filters filters; /* --port, --pid, --uid, --comm, --errno: the kernel's copy */
	/* --path: AF_UNIX names, matched in userspace (path_filter.h); filters.filter_paths set */
	struct path_filter paths;
};

enum options_result {
	OPTIONS_RUN = 0,     /* trace with these options */
	OPTIONS_EXIT_OK,     /* --help or --version was printed: exit 0 */
	OPTIONS_USAGE_ERROR, /* message printed to err: exit 2 */
};

/*
 * Parse argv into opts (which it first sets to the defaults). Help goes to
 * out, problems to err as "bindsnoop: <what is wrong>; <how to fix>" plus a
 * pointer to --help.
 */
enum options_result options_parse(int argc, char **argv, struct options *opts, FILE *out,
				  FILE *err);

const char *backend_name(enum backend_choice backend);

/*
 * The --ring-buffer-mb a run gets when it does not give one: what one poll
 * interval of a realistic burst needs (options.c says how it is sized).
 */
__u32 ring_buffer_default_mb(__u32 poll_ms, bool fold);

#endif /* BINDSNOOP_OPTIONS_H */
