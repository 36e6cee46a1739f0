// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * bindsnoop: every failed bind() and listen() on the machine, with the
 * process that asked and the socket (and process) that holds the address.
 * main() only wires the modules: options → tracer → event pipeline → outputs.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "output/append_target.h"
#include "capture/tracer.h"
#include "pipeline/event_pipeline.h"
#include "output/metrics.h"
#include "output/metrics_server.h"
#include "options.h"
#include "output/output.h"
#include "output/output_lost_advice.h"
#include "output/session.h"
#include "signals.h"
#include "who/who.h"

static void describe_tracing(const struct options *opts, const struct tracer *tracer)
{
	fprintf(stderr,
		"Tracing %s bind() and listen() calls (TCP, UDP; IPv4, IPv6; Unix) with the %s "
		"backend%s... Ctrl-C to stop.\n",
		opts->all ? "all" : "failed", backend_name(tracer->backend),
		opts->filters.filter_ports || opts->filters.pid_count || opts->filters.uid_count ||
				opts->filters.comm_count || opts->filters.filter_errnos ||
				opts->filters.filter_paths ?
			", filtered as asked" :
			"");
	if (tracer->degraded[0])
		fprintf(stderr, "bindsnoop: degraded: %s\n", tracer->degraded);
}

/*
 * --output, --syslog and --journal, opened before the tracer so that a
 * file that cannot be written stops us before the BPF programs load. A
 * syslog collector or a journald that is down is not an error: the
 * output retries.
 */
static int open_extra_outputs(const struct options *opts, struct output **outputs, int *count)
{
	struct output *out;

	if (opts->output_path) {
		char why[APPEND_TARGET_WHY_MAX];

		out = output_file_new(opts->output_path, why, sizeof(why));
		if (!out && errno == EINTR && signals_stop_requested) {
			/* A FIFO nobody opened for reading, and a stop while waiting. */
			fprintf(stderr, "bindsnoop: stopped while waiting for a reader of %s\n",
				opts->output_path);
			return -EINTR;
		}
		if (!out) {
			int err = errno;

			if (why[0])
				fprintf(stderr, "bindsnoop: refusing --output %s: %s\n",
					opts->output_path, why);
			else
				fprintf(stderr,
					"bindsnoop: cannot open %s for --output: %s; check that "
					"its directory exists and is writable\n",
					opts->output_path, strerror(err));
			return -err;
		}
		outputs[(*count)++] = out;
	}
	if (opts->syslog) {
		out = output_syslog_new(&opts->syslog_target, opts->syslog_facility,
					(size_t)opts->syslog_queue_mb << 20);
		if (!out) {
			fprintf(stderr, "bindsnoop: out of memory setting up --syslog\n");
			return -ENOMEM;
		}
		outputs[(*count)++] = out;
	}
	if (opts->journal) {
		out = output_journal_new(JOURNAL_QUEUE_BYTES, opts->fold ? opts->fold_ms : 0);
		/* ELIBACC: libsystemd is missing, which it said already. */
		if (!out && errno != ELIBACC)
			fprintf(stderr, "bindsnoop: setting up --journal failed: %s\n",
				strerror(errno));
		if (!out)
			return -errno;
		outputs[(*count)++] = out;
	}
	return 0;
}

/*
 * --metrics: the counters and their HTTP server, started before the tracer
 * so that a port already taken stops us before the BPF programs load.
 */
static int start_metrics(const struct options *opts, struct metrics **metrics,
			 struct metrics_server **server)
{
	if (!opts->metrics)
		return 0;
	*metrics = metrics_new(opts);
	if (!*metrics) {
		fprintf(stderr, "bindsnoop: out of memory setting up --metrics\n");
		return -ENOMEM;
	}
	return metrics_server_start(&opts->metrics_address, *metrics, server);
}

/*
 * The start record on every output that writes one, pushed out at once:
 * an output that cannot take it (a full disk, a closed stdout) fails here,
 * before tracing, with its name. *started: how many outputs took it.
 */
static int write_start_records(struct output **outputs, int count, const struct session_info *info,
			       int *started)
{
	for (int i = 0; i < count; i++) {
		int err = output_session(outputs[i], info, true);

		if (!err)
			err = outputs[i]->ops->flush(outputs[i]);
		if (err == -EPIPE)
			return err;
		if (err) {
			fprintf(stderr,
				"bindsnoop: writing to %s failed: %s; check that it is a "
				"writable file with room left\n",
				output_name(outputs[i]), strerror(-err));
			return err;
		}
		*started = i + 1;
	}
	return 0;
}

/* The stop record, where it can still go: failures were counted and said already. */
static void write_stop_records(struct output **outputs, int count, const struct session_info *info)
{
	for (int i = 0; i < count; i++)
		if (!output_session(outputs[i], info, false))
			outputs[i]->ops->flush(outputs[i]);
}

/*
 * A descriptor 0-2 that whoever started us left closed would be the first
 * one open() hands out: the --output file would become stderr too (and get
 * the banner) or stdout (and get every record twice). /dev/null takes each
 * place first.
 */
static int fill_closed_stdio(void)
{
	for (int fd = STDIN_FILENO; fd <= STDERR_FILENO; fd++) {
		int null;

		if (fcntl(fd, F_GETFD) >= 0 || errno != EBADF)
			continue;
		/* The lowest free descriptor: this one, as those below are open. */
		null = open("/dev/null", O_RDWR);
		if (null != fd) {
			int err = null < 0 ? -errno : -EBADF;

			fprintf(stderr,
				"bindsnoop: descriptor %d is closed and /dev/null cannot take its "
				"place (%s); start bindsnoop with stdin, stdout and stderr open\n",
				fd, strerror(-err));
			return err;
		}
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct output *outputs[EVENTS_MAX_OUTPUTS] = {};
	struct event_pipeline *pipeline = NULL;
	struct metrics_server *metrics_server = NULL;
	struct metrics *metrics = NULL;
	struct tracer *tracer = NULL;
	struct event_pipeline_stats stats;
	struct session_info session;
	struct options opts;
	int output_count = 0, started = 0;
	int err;

	err = fill_closed_stdio();
	if (err)
		return 1;
	switch (options_parse(argc, argv, &opts, stdout, stderr)) {
	case OPTIONS_EXIT_OK:
		return 0;
	case OPTIONS_USAGE_ERROR:
		return 2;
	case OPTIONS_RUN:
		break;
	}
	/* A one-shot question, not tracing: SIGPIPE ends it like any command. */
	if (opts.who)
		return who_run(&opts, stdout, stderr);
	signals_install(opts.output_path || opts.syslog || opts.journal);

	err = open_extra_outputs(&opts, outputs, &output_count);
	/* Stopped before tracing began (a FIFO without reader): a normal end. */
	if (err == -EINTR)
		err = 0;
	if (err)
		goto cleanup;
	err = start_metrics(&opts, &metrics, &metrics_server);
	if (err)
		goto cleanup;
	err = tracer_start(&opts, &tracer);
	if (err)
		goto cleanup;
	/* After the tracer: a failed start must not leave a table header behind. */
	if (opts.json && !opts.quiet)
		outputs[output_count++] = output_json_new(stdout);
	else if (!opts.quiet)
		outputs[output_count++] = output_table_new(stdout, opts.wide);
	/* The table warns about lost events on stderr itself; JSON only records them. */
	if (opts.json || opts.quiet)
		outputs[output_count++] = output_lost_advice_new(stderr, opts.ring_buffer_mb);
	/* Last, so that it reads the drop counts the others updated in the same batch. */
	if (metrics) {
		struct output *counter = output_metrics_new(metrics, outputs, output_count);

		outputs[output_count++] = counter;
	}
	for (int i = 0; i < output_count; i++) {
		if (!outputs[i]) {
			fprintf(stderr, "bindsnoop: out of memory setting up the output\n");
			err = -ENOMEM;
			goto cleanup;
		}
	}
	pipeline = event_pipeline_new(tracer, &opts, outputs, output_count);
	if (!pipeline) {
		err = -errno;
		fprintf(stderr, "bindsnoop: setting up the event pipeline failed: %s\n",
			strerror(-err));
		goto cleanup;
	}
	event_pipeline_set_reopen(pipeline, &signals_reopen_requested);
	session_info_init(&session, &opts, backend_name(tracer->backend));
	session.degraded = tracer->degraded;
	/* Stopped before tracing began: no record at all, a normal end. */
	if (signals_stop_requested)
		goto cleanup;
	/* From here on, an output that took a start record gets its stop record. */
	session.seq = event_pipeline_number_record(pipeline);
	err = write_start_records(outputs, output_count, &session, &started);
	if (err) {
		session.seq = event_pipeline_number_record(pipeline);
		session.ts_realtime_ns = session_now_ns();
		write_stop_records(outputs, started, &session);
		/* A stdout closed before we began: nothing to trace for. */
		if (err == -EPIPE)
			err = 0;
		goto cleanup;
	}
	describe_tracing(&opts, tracer);

	err = event_pipeline_run(pipeline, &signals_stop_requested);
	tracer_detach(tracer);
	if (!err)
		err = event_pipeline_finish(pipeline);
	else
		event_pipeline_finish(pipeline);
	stats = event_pipeline_stats(pipeline);
	session.seq = event_pipeline_number_record(pipeline);
	session.ts_realtime_ns = session_now_ns();
	session.received = stats.received;
	session.lost = stats.lost;
	session.repeats = stats.repeats;
	write_stop_records(outputs, output_count, &session);
	/* What a stalled reader kept queued goes now, or is counted, before the totals. */
	for (int i = 0; i < output_count; i++)
		output_finish(outputs[i]);
	/* The table has no stop record: its totals go to stderr every time. */
	event_pipeline_print_totals(pipeline, !opts.json && !opts.quiet);
cleanup:
	/* First: the server's thread reads the counters until it is stopped. */
	metrics_server_stop(metrics_server);
	event_pipeline_free(pipeline);
	tracer_stop(tracer);
	for (int i = 0; i < output_count; i++)
		output_destroy(outputs[i]);
	metrics_free(metrics);
	return err ? 1 : 0;
}
