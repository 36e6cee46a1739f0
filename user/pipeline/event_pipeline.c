// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "clock.h"
#include "pipeline/event_pipeline.h"
#include "enrich/caller_identity.h"
#include "diagnose/diagnose.h"
#include "enrich/enrich.h"
#include "capture/fold_sweep.h"
#include "enrich/holder_lookup.h"
#include "enrich/lookup_budget.h"
#include "capture/path_filter.h"
#include "enrich/procinfo.h"
#include "diagnose/restart_loop.h"

/* How often the kernel's lost-event counter and the clock offset are read. */
#define HOUSEKEEPING_INTERVAL_NS 100000000ULL

struct event_pipeline {
	struct tracer *tracer;
	struct ring_buffer *ring;
	struct output *outputs[EVENTS_MAX_OUTPUTS];
	int output_count;
	int poll_ms;
	struct procinfo_cache *procs;
	struct holder_lookup *holders;
	struct enricher *enricher;
	struct restart_loop *loop; /* how often one program failed on one address lately */
	struct fold_sweep *folds;   /* NULL with --no-fold */
	struct path_filter paths;   /* --path: the AF_UNIX names to report */
	struct bind_report *report; /* reused for every event: it is large */
	__s64 boot_to_realtime_ns;
	__u64 next_housekeeping_ns;
	__u64 lost_reported;
	__u64 records; /* records numbered so far: the last seq given (record order) */
	int output_error;	       /* first error an output returned */
	volatile sig_atomic_t *reopen; /* set by SIGHUP; see event_pipeline_set_reopen */
	volatile sig_atomic_t *stop;   /* event_pipeline_run's: ends lookups too */
	bool finishing;		       /* event_pipeline_finish: read the queue to its end */
	struct lookup_pacer pacer;     /* each report's lookup budget */
	struct event_pipeline_stats stats;
};

__u64 event_pipeline_number_record(struct event_pipeline *pipeline)
{
	return ++pipeline->records;
}

/* Kernel timestamps are CLOCK_BOOTTIME; reports carry wall-clock time. */
static void refresh_clock_offset(struct event_pipeline *pipeline)
{
	pipeline->boot_to_realtime_ns = clock_ns(CLOCK_REALTIME) - clock_ns(CLOCK_BOOTTIME);
}

static void report_from_event(struct event_pipeline *pipeline, const struct bs_event *event,
			      __u64 count, bool folded, struct bind_report *report)
{
	/* Lookups anyone can make slow (many holders, many fds): bounded per report. */
	struct lookup_budget budget = lookup_pacer_start(&pipeline->pacer, pipeline->stop);

	report->seq = event_pipeline_number_record(pipeline);
	report->ts_realtime_ns = event->ts_boot_ns + pipeline->boot_to_realtime_ns;
	report->error = event->ret < 0 ? -event->ret : 0;
	report->count = count;
	report->folded = folded;
	report->protocol = event->protocol;
	report->family = event->family;
	report->port = event->port;
	memcpy(report->addr, event->addr, sizeof(report->addr));
	report->kind = event->kind;
	report->hook = event->hook;
	report->holder_count = 0;
	report->holders_not_named = 0;
	report->holders_searched = false;
	report->caller_v6only = event->caller_v6only != 0;
	report->caller_sock_inode = event->sock_inode;
	procinfo_caller(pipeline->procs, event, &report->caller);
	caller_identity_apply(&event->identity, pipeline->boot_to_realtime_ns, &report->caller);
	holder_lookup_fill(pipeline->holders, event, report, &budget);
	enricher_complete(pipeline->enricher, report, &budget);
	if (report->error) {
		struct repeat_info repeat;

		restart_loop_note(pipeline->loop, report, report->ts_realtime_ns, &repeat);
		diagnose(report, &repeat, &report->diagnosis);
	}
	lookup_pacer_end(&pipeline->pacer, &budget);
}

/* An output error stops the pipeline: -EPIPE quietly, others with a message. */
static int output_failed(struct event_pipeline *pipeline, int err)
{
	if (!pipeline->output_error)
		pipeline->output_error = err;
	return err;
}

/* One record, from the ring buffer or folded, to every output. */
static int deliver(struct event_pipeline *pipeline, const struct bs_event *event, __u64 count,
		   bool folded)
{
	/* An output failed: the rest is only counted, so the totals add up. */
	if (pipeline->output_error) {
		pipeline->stats.unwritten++;
		return 0;
	}
	/* --path: the kernel passed every AF_UNIX failure, the names are matched here. */
	if (event->family == BS_AF_UNIX && !path_filter_match(&pipeline->paths, &event->unix_addr))
		return 0;
	report_from_event(pipeline, event, count, folded, pipeline->report);
	for (int i = 0; i < pipeline->output_count; i++) {
		struct output *out = pipeline->outputs[i];
		int err = out->ops->report(out, pipeline->report);

		if (err)
			return output_failed(pipeline, err);
	}
	return 0;
}

static int handle_event(void *ctx, void *data, size_t size)
{
	struct event_pipeline *pipeline = ctx;
	const struct bs_event *event = data;

	if (size < sizeof(struct bs_event))
		return 0;
	pipeline->stats.received++;
	if (pipeline->folds && event->ret < 0)
		fold_sweep_remember(pipeline->folds, event);
	/*
	 * Never an output's error for libbpf: it would leave the rest of the
	 * ring unread. An output that fails (a stdout that blocked past the
	 * stop's grace) is noted in output_error, and every event after it is
	 * still read and counted as unwritten, so the totals add up.
	 */
	deliver(pipeline, event, 1, false);
	/*
	 * A stop ends the drain after this event (it is consumed either way):
	 * a storm that refills the ring as fast as it is read must not hold
	 * the loop. event_pipeline_finish reads the rest, lookups cut short.
	 */
	if (!pipeline->finishing && pipeline->stop && *pipeline->stop)
		return -EINTR;
	return 0;
}

static int deliver_folded(void *ctx, const struct bs_event *event, __u64 count)
{
	struct event_pipeline *pipeline = ctx;

	pipeline->stats.folded_records++;
	pipeline->stats.repeats += count;
	return deliver(pipeline, event, count, true);
}

/* final: the programs are detached, every repeat counted so far goes out. */
static void sweep_folds(struct event_pipeline *pipeline, bool final)
{
	if (pipeline->folds)
		fold_sweep_run(pipeline->folds, clock_ns(CLOCK_BOOTTIME), final, deliver_folded,
			       pipeline);
}

/* Events the kernel dropped: ring buffer full, or our program skipped. */
static __u64 read_lost_counter(struct event_pipeline *pipeline)
{
	int cpus = libbpf_num_possible_cpus();
	__u64 total = 0;
	__u32 zero = 0;
	__u64 *per_cpu;

	if (cpus <= 0)
		return pipeline->lost_reported;
	per_cpu = calloc(cpus, sizeof(*per_cpu));
	if (!per_cpu)
		return pipeline->lost_reported;
	if (!bpf_map_lookup_elem(pipeline->tracer->lost_events_fd, &zero, per_cpu))
		for (int i = 0; i < cpus; i++)
			total += per_cpu[i];
	free(per_cpu);
	return total + tracer_missed_runs(pipeline->tracer);
}

static int report_lost_events(struct event_pipeline *pipeline)
{
	__u64 total = read_lost_counter(pipeline);
	__u64 fresh = total - pipeline->lost_reported;
	__u64 now = clock_ns(CLOCK_REALTIME);
	__u64 seq;

	if (!fresh)
		return 0;
	pipeline->lost_reported = total;
	pipeline->stats.lost = total;
	/* Outputs that failed get nothing more; the totals line says it. */
	if (pipeline->output_error)
		return 0;
	seq = event_pipeline_number_record(pipeline);
	for (int i = 0; i < pipeline->output_count; i++) {
		struct output *out = pipeline->outputs[i];
		int err = out->ops->lost(out, seq, now, fresh);

		if (err)
			return output_failed(pipeline, err);
	}
	return 0;
}

static int flush_outputs(struct event_pipeline *pipeline)
{
	for (int i = 0; i < pipeline->output_count; i++) {
		struct output *out = pipeline->outputs[i];
		int err = out->ops->flush(out);

		if (err)
			return output_failed(pipeline, err);
	}
	return 0;
}

/* Between batches, so every line already rendered goes to the old file first. */
static void reopen_outputs(struct event_pipeline *pipeline)
{
	if (!pipeline->reopen || !*pipeline->reopen)
		return;
	*pipeline->reopen = 0;
	/* A failed reopen keeps the old file and says so: tracing goes on. */
	for (int i = 0; i < pipeline->output_count; i++)
		output_reopen(pipeline->outputs[i]);
}

void event_pipeline_set_reopen(struct event_pipeline *pipeline, volatile sig_atomic_t *reopen)
{
	pipeline->reopen = reopen;
}

static void housekeeping(struct event_pipeline *pipeline)
{
	__u64 now = clock_ns(CLOCK_MONOTONIC);

	if (now < pipeline->next_housekeeping_ns)
		return;
	pipeline->next_housekeeping_ns = now + HOUSEKEEPING_INTERVAL_NS;
	refresh_clock_offset(pipeline);
	report_lost_events(pipeline);
	sweep_folds(pipeline, false);
}

struct event_pipeline *event_pipeline_new(struct tracer *tracer, const struct options *opts,
					  struct output **outputs, int output_count)
{
	struct event_pipeline *pipeline;

	if (output_count > EVENTS_MAX_OUTPUTS) {
		errno = EINVAL;
		return NULL;
	}
	pipeline = calloc(1, sizeof(*pipeline));
	if (!pipeline)
		return NULL;
	pipeline->tracer = tracer;
	pipeline->poll_ms = opts->poll_ms;
	pipeline->paths = opts->paths;
	pipeline->output_count = output_count;
	memcpy(pipeline->outputs, outputs, output_count * sizeof(*outputs));
	pipeline->report = calloc(1, sizeof(*pipeline->report));
	pipeline->procs = procinfo_cache_new();
	if (!pipeline->report || !pipeline->procs)
		goto fail;
	pipeline->holders = holder_lookup_new(pipeline->procs, opts->proc_lookup);
	pipeline->enricher = enricher_new(opts->proc_lookup);
	pipeline->loop = restart_loop_new();
	if (!pipeline->holders || !pipeline->enricher || !pipeline->loop)
		goto fail;
	holder_lookup_use_owner_tags(pipeline->holders, tracer->owner_tags_fd);
	holder_lookup_set_verbose(pipeline->holders, opts->verbose);
	if (opts->fold &&
	    !(pipeline->folds = fold_sweep_new(tracer->folds_fd, tracer->fold_epoch_fd,
					       opts->fold_ms, clock_ns(CLOCK_BOOTTIME))))
		goto fail;
	pipeline->ring = ring_buffer__new(tracer->ring_buffer_fd, handle_event, pipeline, NULL);
	if (!pipeline->ring)
		goto fail;
	refresh_clock_offset(pipeline);
	return pipeline;
fail:
	event_pipeline_free(pipeline);
	return NULL;
}

void event_pipeline_free(struct event_pipeline *pipeline)
{
	if (!pipeline)
		return;
	ring_buffer__free(pipeline->ring);
	holder_lookup_free(pipeline->holders);
	enricher_free(pipeline->enricher);
	restart_loop_free(pipeline->loop);
	fold_sweep_free(pipeline->folds);
	procinfo_cache_free(pipeline->procs);
	free(pipeline->report);
	free(pipeline);
}

/* Drain everything queued now, without waiting. */
static int drain(struct event_pipeline *pipeline)
{
	int err = ring_buffer__consume(pipeline->ring);

	return err < 0 ? err : 0;
}

int event_pipeline_run(struct event_pipeline *pipeline, volatile sig_atomic_t *stop)
{
	int err = 0;

	pipeline->stop = stop;
	while (!*stop && !pipeline->output_error) {
		/*
		 * The kernel side wakes us only when the backlog grows (see
		 * event_submit() in bpf/report.bpf.h): the timeout is what
		 * bounds the delay of a lone event.
		 */
		err = ring_buffer__poll(pipeline->ring, pipeline->poll_ms);
		if (err >= 0 || err == -EINTR)
			err = drain(pipeline);
		/* An output's own error (a closed pipe) is reported by finish. */
		if (pipeline->output_error)
			return 0;
		if (err < 0 && err != -EINTR)
			break;
		err = 0;
		housekeeping(pipeline);
		flush_outputs(pipeline);
		reopen_outputs(pipeline);
	}
	if (err < 0)
		fprintf(stderr, "bindsnoop: reading the ring buffer failed: %s\n", strerror(-err));
	return err;
}

int event_pipeline_finish(struct event_pipeline *pipeline)
{
	/* Whatever happened, every queued event is read, if only to be counted. */
	pipeline->finishing = true;
	drain(pipeline);
	pipeline->next_housekeeping_ns = 0;
	housekeeping(pipeline);
	sweep_folds(pipeline, true);
	if (!pipeline->output_error) {
		flush_outputs(pipeline);
		reopen_outputs(pipeline);
	}
	/* A reader that went away, or one that blocked a stop past its grace. */
	if (pipeline->output_error == -EPIPE || pipeline->output_error == -ECANCELED)
		return 0;
	if (pipeline->output_error) {
		fprintf(stderr, "bindsnoop: writing events failed: %s\n",
			strerror(-pipeline->output_error));
		return pipeline->output_error;
	}
	return 0;
}

void event_pipeline_print_totals(const struct event_pipeline *pipeline, bool always)
{
	const struct event_pipeline_stats *stats = &pipeline->stats;
	bool anything_missing = stats->lost || stats->unwritten;
	char line[512];
	int len;

	for (int i = 0; i < pipeline->output_count; i++)
		anything_missing |= pipeline->outputs[i]->dropped != 0;
	if (!always && !anything_missing)
		return;
	len = snprintf(line, sizeof(line), "bindsnoop: %llu events received, %llu lost",
		       (unsigned long long)stats->received, (unsigned long long)stats->lost);
	if (stats->repeats)
		len += snprintf(line + len, sizeof(line) - len,
				", %llu repeats folded into %llu record%s",
				(unsigned long long)stats->repeats,
				(unsigned long long)stats->folded_records,
				stats->folded_records == 1 ? "" : "s");
	for (int i = 0; i < pipeline->output_count && len < (int)sizeof(line); i++) {
		const struct output *out = pipeline->outputs[i];

		if (out->dropped)
			len += snprintf(line + len, sizeof(line) - len, ", %llu dropped by %s",
					(unsigned long long)out->dropped, output_name(out));
	}
	if (stats->unwritten && len < (int)sizeof(line))
		len += snprintf(line + len, sizeof(line) - len,
				", %llu unwritten (read after an output gave up)",
				(unsigned long long)stats->unwritten);
	fprintf(stderr, "%s\n", line);
}

struct event_pipeline_stats event_pipeline_stats(const struct event_pipeline *pipeline)
{
	return pipeline->stats;
}
