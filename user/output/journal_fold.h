/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Restart loops in the journal: one entry per fold window, not one per
 * failure. The kernel folds the repeats of one process (fold_sweep.h); a
 * restart loop is a new process each time, so every restart is a full
 * record of its own. Once a record's diagnosis calls it a restart loop
 * (repeat.count >= REPORT_LOOP_THRESHOLD), the loop's records (same unit,
 * container or executable, address, port, protocol and error) are held for
 * the rest of a window of --fold-ms: the first goes out at once, and the
 * records that come within the window make one entry when it ends, the
 * last one's fields with BINDSNOOP_COUNT (failures), BINDSNOOP_RECORDS and
 * BINDSNOOP_SEQS (every record's seq, so none goes missing).
 */
#ifndef BINDSNOOP_JOURNAL_FOLD_H
#define BINDSNOOP_JOURNAL_FOLD_H

#include <stdbool.h>
#include <linux/types.h>
#include "report.h"
#include "strbuf.h"

#define JOURNAL_FOLD_SHAPES	 64  /* loops held at once; more are sent as they come */
#define JOURNAL_FOLD_MAX_RECORDS 256 /* a window's entry goes early past this many */

struct journal_fold_shape {
	bool used;
	bool held; /* entry holds records not sent yet */
	char who[REPORT_SERVICE_MAX];
	__u8 addr[BS_ADDR_LEN];
	__u16 family, protocol, port;
	int error;
	__u64 window_end_ns;
	__u32 records;
	__u64 failures;
	struct strbuf seqs;  /* "12,15,19" */
	struct strbuf entry; /* the last record's entry, with the counts so far */
};

struct journal_fold {
	__u64 window_ns; /* 0: nothing is held (--no-fold) */
	struct journal_fold_shape shapes[JOURNAL_FOLD_SHAPES];
};

/* An entry to send now (journal_entry.h) for records records, the last of them last_seq. */
typedef void (*journal_fold_emit_fn)(void *ctx, const char *entry, size_t len, __u32 records,
				     __u64 last_seq);

void journal_fold_init(struct journal_fold *fold, __u32 fold_ms);
void journal_fold_release(struct journal_fold *fold);

/*
 * true: the report belongs to a loop's open window and is now in its entry
 * (a window that had too many records goes out first, through emit);
 * false: send it as usual (it may have opened a window). *err: a render
 * failure, whose record the caller counts as dropped.
 */
bool journal_fold_hold(struct journal_fold *fold, const struct bind_report *report, __u64 now_ns,
		       journal_fold_emit_fn emit, void *ctx, int *err);

/* The entries of windows that ended by now_ns (all of them when final), through emit. */
void journal_fold_expire(struct journal_fold *fold, __u64 now_ns, bool final,
			 journal_fold_emit_fn emit, void *ctx);

#endif /* BINDSNOOP_JOURNAL_FOLD_H */
