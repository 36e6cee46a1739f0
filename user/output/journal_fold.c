// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "report.h"
#include "output/journal_entry.h"
#include "output/journal_fold.h"

void journal_fold_init(struct journal_fold *fold, __u32 fold_ms)
{
	memset(fold, 0, sizeof(*fold));
	fold->window_ns = (__u64)fold_ms * 1000000ULL;
	for (int i = 0; i < JOURNAL_FOLD_SHAPES; i++) {
		strbuf_init(&fold->shapes[i].seqs);
		strbuf_init(&fold->shapes[i].entry);
	}
}

void journal_fold_release(struct journal_fold *fold)
{
	for (int i = 0; i < JOURNAL_FOLD_SHAPES; i++) {
		strbuf_release(&fold->shapes[i].seqs);
		strbuf_release(&fold->shapes[i].entry);
	}
}

static bool same_loop(const struct journal_fold_shape *shape, const struct bind_report *report)
{
	return shape->used && shape->family == report->family &&
	       shape->protocol == report->protocol && shape->port == report->port &&
	       shape->error == report->error && !memcmp(shape->addr, report->addr, BS_ADDR_LEN) &&
	       !strncmp(shape->who, report->diagnosis.repeat.who, sizeof(shape->who));
}

/* The held records of shape as one entry; the shape then holds nothing. */
static void emit_held(struct journal_fold_shape *shape, journal_fold_emit_fn emit, void *ctx)
{
	if (shape->held)
		emit(ctx, shape->entry.data, shape->entry.len, shape->records,
		     journal_entry_seq(shape->entry.data, shape->entry.len));
	shape->held = false;
	shape->records = 0;
	shape->failures = 0;
	strbuf_reset(&shape->seqs);
	strbuf_reset(&shape->entry);
}

static struct journal_fold_shape *open_shape(struct journal_fold *fold,
					     const struct bind_report *report, __u64 now_ns)
{
	for (int i = 0; i < JOURNAL_FOLD_SHAPES; i++) {
		struct journal_fold_shape *shape = &fold->shapes[i];

		if (shape->used)
			continue;
		shape->used = true;
		snprintf(shape->who, sizeof(shape->who), "%s", report->diagnosis.repeat.who);
		memcpy(shape->addr, report->addr, BS_ADDR_LEN);
		shape->family = report->family;
		shape->protocol = report->protocol;
		shape->port = report->port;
		shape->error = report->error;
		shape->window_end_ns = now_ns + fold->window_ns;
		return shape;
	}
	return NULL; /* full: this loop's records go out one by one */
}

bool journal_fold_hold(struct journal_fold *fold, const struct bind_report *report, __u64 now_ns,
		       journal_fold_emit_fn emit, void *ctx, int *err)
{
	struct journal_fold_shape *shape = NULL;
	struct journal_folded folded;
	size_t seqs_len;

	*err = 0;
	if (!fold->window_ns || !report->error ||
	    report->diagnosis.repeat.count < REPORT_LOOP_THRESHOLD)
		return false;
	journal_fold_expire(fold, now_ns, false, emit, ctx);
	for (int i = 0; i < JOURNAL_FOLD_SHAPES && !shape; i++)
		if (same_loop(&fold->shapes[i], report))
			shape = &fold->shapes[i];
	if (!shape) {
		/* The loop's first record in a while goes now; its window starts. */
		open_shape(fold, report, now_ns);
		return false;
	}
	if (shape->records >= JOURNAL_FOLD_MAX_RECORDS)
		emit_held(shape, emit, ctx);
	seqs_len = shape->seqs.len;
	*err = strbuf_appendf(&shape->seqs, "%s%llu", seqs_len ? "," : "",
			      (unsigned long long)report->seq);
	if (!*err) {
		struct strbuf next = STRBUF_INIT;

		folded = (struct journal_folded){ .records = shape->records + 1,
						  .failures = shape->failures + report->count,
						  .seqs = shape->seqs.data };
		*err = journal_render_folded(&next, report, &folded);
		if (!*err) {
			strbuf_release(&shape->entry);
			shape->entry = next;
		} else {
			strbuf_release(&next);
		}
	}
	if (*err) {
		/* This record only: the caller counts it; what the entry held stays. */
		strbuf_truncate(&shape->seqs, seqs_len);
		return true;
	}
	shape->held = true;
	shape->records++;
	shape->failures += report->count;
	return true;
}

void journal_fold_expire(struct journal_fold *fold, __u64 now_ns, bool final,
			 journal_fold_emit_fn emit, void *ctx)
{
	for (int i = 0; i < JOURNAL_FOLD_SHAPES; i++) {
		struct journal_fold_shape *shape = &fold->shapes[i];

		if (!shape->used || (!final && now_ns < shape->window_end_ns))
			continue;
		/* A loop still going keeps its shape: one entry per window. */
		if (shape->held && !final) {
			emit_held(shape, emit, ctx);
			shape->window_end_ns = now_ns + fold->window_ns;
			continue;
		}
		emit_held(shape, emit, ctx);
		shape->used = false;
	}
}
