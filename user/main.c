// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * bindsnoop: every failed bind() and listen() on the machine, with the
 * process that asked and the socket (and process) that holds the address.
 * main() only wires the modules: options → tracer → event pipeline → outputs.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "backend.h"
#include "events.h"
#include "metrics.h"
#include "metrics_server.h"
#include "options.h"
#include "output.h"
#include "session.h"
#include "who.h"

static volatile sig_atomic_t stop_requested;
static volatile sig_atomic_t reopen_requested;

/* First Ctrl-C or SIGTERM: stop cleanly. A second Ctrl-C: leave at once. */
static void on_stop_signal(int signo)
{
	if (stop_requested && signo == SIGINT)
		_exit(130);
	stop_requested = 1;
}

/* SIGHUP (logrotate's postrotate): the pipeline reopens --output between batches. */
static void on_hangup(int signo)
{
	(void)signo;
	reopen_requested = 1;
}

/* SIGHUP is caught only with an output to reopen: otherwise it ends us, as before. */
static void install_signal_handlers(const struct options *opts)
{
	/*
	 * SA_RESTART, so a signal that lands while stdout is full does not cut
	 * a write short (fwrite does not retry EINTR). The ring buffer poll
	 * still wakes up: epoll_wait is never restarted after a handler.
	 */
	struct sigaction stop = { .sa_handler = on_stop_signal, .sa_flags = SA_RESTART };
	struct sigaction hangup = { .sa_handler = on_hangup, .sa_flags = SA_RESTART };
	struct sigaction ignore = { .sa_handler = SIG_IGN };

	sigemptyset(&stop.sa_mask);
	sigaction(SIGINT, &stop, NULL);
	sigaction(SIGTERM, &stop, NULL);
	sigemptyset(&hangup.sa_mask);
	if (opts->output_path || opts->syslog)
		sigaction(SIGHUP, &hangup, NULL);
	/* A closed stdout pipe shows up as EPIPE from write(): ends quietly. */
	sigaction(SIGPIPE, &ignore, NULL);
}

static void describe_tracing(const struct options *opts, const struct tracer *tracer)
{
	fprintf(stderr,
		"Tracing %s bind() and listen() calls (TCP, UDP; IPv4, IPv6) with the %s "
		"backend%s... Ctrl-C to stop.\n",
		opts->all ? "all" : "failed", backend_name(tracer->backend),
		opts->filter_ports || opts->pid_count || opts->uid_count || opts->comm_count ||
				opts->filter_errnos ?
			", filtered as asked" :
			"");
	if (tracer->degraded[0])
		fprintf(stderr, "bindsnoop: degraded: %s\n", tracer->degraded);
}

/*
 * --output and --syslog, opened before the tracer so that a file that
 * cannot be written stops us before the BPF programs load. A syslog
 * collector that is down is not an error: the output retries.
 */
static int open_extra_outputs(const struct options *opts, struct output **outputs, int *count)
{
	struct output *out;

	if (opts->output_path) {
		out = output_file_new(opts->output_path);
		if (!out) {
			int err = errno;

			fprintf(stderr,
				"bindsnoop: cannot open %s for --output: %s; check that its "
				"directory exists and is writable\n",
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

/* The start or stop record on every output that writes them, pushed out at once. */
static void write_session_records(struct output **outputs, int count,
				  const struct session_info *info, bool starting)
{
	for (int i = 0; i < count; i++) {
		/* A failing stdout is found, and reported, by the pipeline. */
		if (!output_session(outputs[i], info, starting))
			outputs[i]->ops->flush(outputs[i]);
	}
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
	int output_count = 0;
	int err;

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
	install_signal_handlers(&opts);

	err = open_extra_outputs(&opts, outputs, &output_count);
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
	event_pipeline_set_reopen(pipeline, &reopen_requested);
	session_info_init(&session, &opts, backend_name(tracer->backend));
	write_session_records(outputs, output_count, &session, true);
	describe_tracing(&opts, tracer);

	err = event_pipeline_run(pipeline, &stop_requested);
	tracer_detach(tracer);
	if (!err)
		err = event_pipeline_finish(pipeline);
	else
		event_pipeline_finish(pipeline);
	stats = event_pipeline_stats(pipeline);
	session.ts_realtime_ns = session_now_ns();
	session.received = stats.received;
	session.lost = stats.lost;
	write_session_records(outputs, output_count, &session, false);
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
