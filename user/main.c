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
#include "options.h"
#include "output.h"

static volatile sig_atomic_t stop_requested;

/* First Ctrl-C or SIGTERM: stop cleanly. A second Ctrl-C: leave at once. */
static void on_stop_signal(int signo)
{
	if (stop_requested && signo == SIGINT)
		_exit(130);
	stop_requested = 1;
}

static void install_signal_handlers(void)
{
	struct sigaction stop = { .sa_handler = on_stop_signal };
	struct sigaction ignore = { .sa_handler = SIG_IGN };

	/* No SA_RESTART: the signal must interrupt the ring buffer poll. */
	sigemptyset(&stop.sa_mask);
	sigaction(SIGINT, &stop, NULL);
	sigaction(SIGTERM, &stop, NULL);
	/* A closed stdout pipe shows up as EPIPE from write(): ends quietly. */
	sigaction(SIGPIPE, &ignore, NULL);
}

static void describe_tracing(const struct options *opts, const struct tracer *tracer)
{
	fprintf(stderr, "Tracing %s bind() and listen() calls (TCP, UDP; IPv4, IPv6) with the %s "
			"backend%s... Ctrl-C to stop.\n",
		opts->all ? "all" : "failed", backend_name(tracer->backend),
		opts->filter_ports || opts->pid_count || opts->uid_count || opts->comm_count ||
				opts->filter_errnos
			? ", filtered as asked"
			: "");
}

int main(int argc, char **argv)
{
	struct output *outputs[EVENTS_MAX_OUTPUTS] = {};
	struct event_pipeline *pipeline = NULL;
	struct tracer *tracer = NULL;
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
	install_signal_handlers();

	err = tracer_start(&opts, &tracer);
	if (err)
		goto cleanup;
	/* After the tracer: a failed start must not leave a table header behind. */
	if (opts.json)
		outputs[output_count++] = output_json_new(stdout);
	else
		outputs[output_count++] = output_table_new(stdout, opts.wide);
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
	describe_tracing(&opts, tracer);

	err = event_pipeline_run(pipeline, &stop_requested);
	tracer_detach(tracer);
	if (!err)
		err = event_pipeline_finish(pipeline);
	else
		event_pipeline_finish(pipeline);
cleanup:
	event_pipeline_free(pipeline);
	tracer_stop(tracer);
	for (int i = 0; i < output_count; i++)
		output_destroy(outputs[i]);
	return err ? 1 : 0;
}
