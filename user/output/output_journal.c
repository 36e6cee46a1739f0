// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * --journal: every record of the run as a native systemd journal entry
 * (journal_entry.h), sent with sd_journal_sendv() by a thread of its own
 * (journal_sender.h), so that a journald that stalls or restarts holds up
 * neither the ring buffer's reader nor any other output.
 *
 * An entry that finds the queue full is dropped and counted: on stderr (at
 * most every 10 s), in a "dropped" entry as soon as there is room again
 * (so the gap shows where it is, with the seq of the last record lost),
 * in the stop record and in the totals line. Folded repeats are one record
 * with a count already (fold_sweep.h); restart loops, a record per
 * restart, are held to one entry per window here (journal_fold.h).
 *
 * libsystemd returns success without sending when journald's socket is
 * not there at all; the sender checks for the socket first, so that such
 * entries wait and are retried instead of vanishing.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "clock.h"
#include "output/journal_entry.h"
#include "output/journal_fold.h"
#include "output/journal_sender.h"
#include "output/output.h"
#include "output/session.h"

#ifdef BINDSNOOP_JOURNAL
#include <dlfcn.h>
/* Not CODE_FILE= and CODE_LINE= of this file on every entry. */
#define SD_JOURNAL_SUPPRESS_LOCATION
#include <systemd/sd-journal.h>

/*
 * libsystemd is loaded for --journal only: linked, it and the libraries it
 * pulls in (lz4, zstd, lzma, gcrypt) were 0.8 MB of every run's resident
 * memory and a tenth of the dynamic loader's start-up work.
 */
#define LIBSYSTEMD "libsystemd.so.0"

static typeof(&sd_journal_sendv) journal_sendv;
#endif

#define JOURNAL_SOCKET		"/run/systemd/journal/socket"
#define DROP_REPORT_INTERVAL_NS 10000000000ULL /* stderr: at most one drop line per 10 s */

struct journal_output {
	struct output base;
	struct journal_sender *sender;
	struct journal_fold fold;  /* restart loops: one entry per window */
	struct strbuf scratch;	   /* the entry being rendered */
	__u64 dropped_unannounced; /* not yet in a "dropped" entry */
	__u64 last_dropped_seq;
	__u64 dropped_on_stderr; /* the total the last stderr line gave */
	__u64 next_drop_report_ns;
};

static struct journal_output *journal_output_of(struct output *out)
{
	return (struct journal_output *)out;
}

#ifdef BINDSNOOP_JOURNAL
static int send_to_journald(const struct iovec *fields, int count)
{
	struct stat st;

	/* Without its socket, libsystemd drops the entry and says nothing: wait for it. */
	if (stat(JOURNAL_SOCKET, &st) < 0)
		return -errno;
	if (!S_ISSOCK(st.st_mode))
		return -ENOTSOCK;
	return journal_sendv(fields, count);
}

/* sd_journal_sendv() from libsystemd, loaded once; prints one line if it cannot be. */
static int journal_library_load(void)
{
	void *library;

	if (journal_sendv)
		return 0;
	library = dlopen(LIBSYSTEMD, RTLD_NOW | RTLD_LOCAL);
	if (library)
		journal_sendv = (typeof(journal_sendv))dlsym(library, "sd_journal_sendv");
	if (!journal_sendv) {
		fprintf(stderr, "bindsnoop: --journal needs %s: %s; install libsystemd0\n",
			LIBSYSTEMD, dlerror() ?: "no sd_journal_sendv");
		if (library)
			dlclose(library);
		return -ELIBACC;
	}
	return 0;
}
#endif

static void count_drops(struct journal_output *journal, __u64 count, __u64 last_seq)
{
	if (!count)
		return;
	if (last_seq)
		journal->last_dropped_seq = last_seq;
	journal->base.dropped += count;
	journal->dropped_unannounced += count;
}

static void print_drops(struct journal_output *journal)
{
	fprintf(stderr,
		"bindsnoop: journal: %llu records dropped (journald stalled, down or slow)\n",
		(unsigned long long)journal->base.dropped);
	journal->dropped_on_stderr = journal->base.dropped;
}

/* Before the next entry: the drops since the last "dropped" entry, as an entry of its own. */
static bool announce_drops(struct journal_output *journal)
{
	if (!journal->dropped_unannounced)
		return true;
	strbuf_reset(&journal->scratch);
	if (journal_render_dropped(&journal->scratch, journal->last_dropped_seq, realtime_ns(),
				   journal->dropped_unannounced) ||
	    journal_sender_push(journal->sender, journal->scratch.data, journal->scratch.len))
		return false;
	journal->dropped_unannounced = 0;
	return true;
}

/* The buffer for the next entry, once earlier drops are announced before it. */
static struct strbuf *next_entry(struct journal_output *journal)
{
	announce_drops(journal);
	strbuf_reset(&journal->scratch);
	return &journal->scratch;
}

/* An entry for records records goes to the sender, or they are counted as dropped. */
static void send_entry(struct journal_output *journal, const char *entry, size_t len, __u32 records,
		       __u64 last_seq)
{
	/* No room yet for the "dropped" entry: this one cannot go before it. */
	if (journal->dropped_unannounced || journal_sender_push(journal->sender, entry, len))
		count_drops(journal, records, last_seq);
}

/* A loop's entry, from its own buffer: earlier drops are announced before it. */
static void send_folded(void *ctx, const char *entry, size_t len, __u32 records, __u64 last_seq)
{
	announce_drops(ctx);
	send_entry(ctx, entry, len, records, last_seq);
}

/*
 * The entry in scratch (next_entry announced earlier drops before it was
 * rendered) goes to the sender, or is counted as dropped; never an error.
 */
static int enqueue(struct journal_output *journal, __u64 seq, int render_err)
{
	if (render_err)
		count_drops(journal, 1, seq);
	else
		send_entry(journal, journal->scratch.data, journal->scratch.len, 1, seq);
	return 0;
}

static int journal_report(struct output *out, const struct bind_report *report)
{
	struct journal_output *journal = journal_output_of(out);
	int err;

	if (journal_fold_hold(&journal->fold, report, monotonic_ns(), send_folded, journal, &err)) {
		if (err)
			count_drops(journal, 1, report->seq);
		return 0;
	}
	return enqueue(journal, report->seq, journal_render_report(next_entry(journal), report));
}

static int journal_lost(struct output *out, __u64 seq, __u64 ts_realtime_ns, __u64 count)
{
	struct journal_output *journal = journal_output_of(out);

	return enqueue(journal, seq,
		       journal_render_lost(next_entry(journal), seq, ts_realtime_ns, count));
}

static int journal_session(struct output *out, const struct session_info *info, bool starting)
{
	struct journal_output *journal = journal_output_of(out);

	/* Every loop's held records before the stop record. */
	if (!starting)
		journal_fold_expire(&journal->fold, monotonic_ns(), true, send_folded, journal);
	return enqueue(
		journal, info->seq,
		journal_render_session(next_entry(journal), info, starting, journal->base.dropped));
}

/* After each batch: what the sender gave up on is counted, drops said on stderr. */
static int journal_flush(struct output *out)
{
	struct journal_output *journal = journal_output_of(out);
	__u64 last_seq = 0;
	__u64 given_up = journal_sender_take_given_up(journal->sender, &last_seq);
	__u64 now = monotonic_ns();

	count_drops(journal, given_up, last_seq);
	journal_fold_expire(&journal->fold, now, false, send_folded, journal);
	announce_drops(journal);
	if (journal->base.dropped != journal->dropped_on_stderr &&
	    now >= journal->next_drop_report_ns) {
		print_drops(journal);
		journal->next_drop_report_ns = now + DROP_REPORT_INTERVAL_NS;
	}
	return 0;
}

/* SIGHUP: a journald that was down is tried now rather than after the backoff. */
static int journal_reopen(struct output *out)
{
	journal_sender_retry_now(journal_output_of(out)->sender);
	return 0;
}

/* At the end: the stop's grace for what is queued, then the rest is counted. */
static void journal_finish(struct output *out)
{
	struct journal_output *journal = journal_output_of(out);
	size_t unsent;
	__u64 last_seq = 0;

	unsent = journal_sender_finish(journal->sender);
	journal->base.dropped += journal_sender_take_given_up(journal->sender, &last_seq);
	if (unsent) {
		journal->base.dropped += unsent;
		fprintf(stderr,
			"bindsnoop: journal: %zu records still queued for journald at exit, not "
			"delivered\n",
			unsent);
	}
	if (journal->base.dropped != journal->dropped_on_stderr)
		print_drops(journal);
}

static void journal_destroy(struct output *out)
{
	struct journal_output *journal = journal_output_of(out);

	if (!journal)
		return;
	journal_sender_free(journal->sender);
	journal_fold_release(&journal->fold);
	strbuf_release(&journal->scratch);
	free(journal);
}

static const struct output_ops journal_output_ops = {
	.report = journal_report,
	.lost = journal_lost,
	.flush = journal_flush,
	.session = journal_session,
	.reopen = journal_reopen,
	.finish = journal_finish,
	.destroy = journal_destroy,
};

struct output *output_journal_new_with(size_t queue_bytes, __u32 fold_ms, journal_send_fn send)
{
	struct journal_output *journal = calloc(1, sizeof(*journal));
	int err = 0;

	if (!journal)
		return NULL;
	journal_fold_init(&journal->fold, fold_ms);
	journal->base.ops = &journal_output_ops;
	journal->base.name = "--journal";
	strbuf_init(&journal->scratch);
	journal->sender = journal_sender_new(queue_bytes, send);
	if (!journal->sender)
		err = -errno;
	if (!err)
		err = strbuf_reserve(&journal->scratch, 8192);
	if (err) {
		journal_destroy(&journal->base);
		errno = -err;
		return NULL;
	}
	return &journal->base;
}

struct output *output_journal_new(size_t queue_bytes, __u32 fold_ms)
{
#ifdef BINDSNOOP_JOURNAL
	int err = journal_library_load();

	if (err) {
		errno = -err;
		return NULL;
	}
	return output_journal_new_with(queue_bytes, fold_ms, send_to_journald);
#else
	(void)queue_bytes;
	(void)fold_ms;
	errno = ENOTSUP;
	return NULL;
#endif
}
