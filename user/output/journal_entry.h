/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The systemd journal entries of --journal, pure formatting: each record
 * of the run becomes a list of "NAME=value" fields (MESSAGE, PRIORITY,
 * SYSLOG_IDENTIFIER, BINDSNOOP_*, OBJECT_*), ready for sd_journal_sendv().
 *
 * A rendered entry is one byte string: a __u32 count of the run's records
 * it stands for, a __u32 field count, then each field as a __u32 length
 * and its bytes, so that it can wait in a
 * msg_queue and be turned into iovecs without copying. Every name is
 * bindsnoop's own; a value is bytes after the first '=' and may hold '='
 * or a newline (libsystemd then sends it in the binary-safe form), so
 * nothing a process chooses (its name, its command line) can start a
 * field of its own. MESSAGE, which journalctl prints as text, shows
 * control characters and bytes that are not UTF-8 as '?', as the table does.
 */
#ifndef BINDSNOOP_JOURNAL_ENTRY_H
#define BINDSNOOP_JOURNAL_ENTRY_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/uio.h>
#include <linux/types.h>
#include "report.h"
#include "output/session.h"
#include "strbuf.h"

#define JOURNAL_IDENTIFIER "bindsnoop"
/* More than any entry has (a report has about 30). */
#define JOURNAL_FIELDS_MAX 48
#define JOURNAL_UNIT_MAX   REPORT_SERVICE_MAX

/*
 * The units a cgroup path is in, as journald reads them: unit is the
 * first component that is a unit (".service" or ".scope"); everything
 * above it is made by the service manager, so a process cannot choose it
 * (a delegated subtree below can be named anything, "nginx.service"
 * too). Under a user's manager ("user@1000.service") user_unit is the
 * first unit below it. "" for what the path does not have.
 */
void journal_cgroup_units(const char *cgroup, char unit[JOURNAL_UNIT_MAX],
			  char user_unit[JOURNAL_UNIT_MAX]);

/* Each appends one entry to out, or on failure (-ENOMEM) leaves out as it was. */
int journal_render_report(struct strbuf *out, const struct bind_report *report);

/* The records of a restart loop that one entry stands for (journal_fold.h). */
struct journal_folded {
	__u32 records;
	__u64 failures;	  /* BINDSNOOP_COUNT: the sum of their counts */
	const char *seqs; /* BINDSNOOP_SEQS: "12,15,19" */
};

/* report, the last of them, standing for all of folded. */
int journal_render_folded(struct strbuf *out, const struct bind_report *report,
			  const struct journal_folded *folded);
int journal_render_lost(struct strbuf *out, __u64 seq, __u64 ts_realtime_ns, __u64 count);
int journal_render_dropped(struct strbuf *out, __u64 seq, __u64 ts_realtime_ns, __u64 count);
int journal_render_session(struct strbuf *out, const struct session_info *info, bool starting,
			   __u64 dropped);

/*
 * The fields of a rendered entry as iovecs pointing into it: their count,
 * or -EINVAL if entry is not one whole entry or has more than max fields.
 */
int journal_entry_fields(const char *entry, size_t len, struct iovec *iov, int max);

/*
 * The records of the run the entry stands for: 1, a loop's count, 0 for a
 * "dropped" entry (its records were counted already). For the count of drops.
 */
__u32 journal_entry_records(const char *entry, size_t len);

/* The entry's BINDSNOOP_SEQ, 0 if it has none: for the count of drops. */
__u64 journal_entry_seq(const char *entry, size_t len);

#endif /* BINDSNOOP_JOURNAL_ENTRY_H */
