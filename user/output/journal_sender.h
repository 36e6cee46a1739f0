/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Journal entries (journal_entry.h) on their way to journald, sent by a
 * thread of its own: sd_journal_sendv() blocks while journald's socket is
 * full (journald stalled, or busy restarting), and the pipeline, and every
 * output behind this one, must never wait for that.
 *
 * Entries wait in a bounded queue (msg_queue.h) allocated up front; one
 * that does not fit is refused, and the owner counts it. An entry leaves
 * the queue once the send function took it. A send that fails for a while
 * (no journald socket, journald not running) is retried with a backoff
 * from 0.1 s doubling to 5 s, said once on stderr; an entry journald can
 * never take (too big, malformed) is given up on and counted.
 *
 * Everything but the thread's own loop is called from the main thread.
 */
#ifndef BINDSNOOP_JOURNAL_SENDER_H
#define BINDSNOOP_JOURNAL_SENDER_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/uio.h>
#include <linux/types.h>

/*
 * Sends one entry's fields: 0, or a negative errno. -EINVAL and -EMSGSIZE
 * mean this entry can never go (given up on); others are retried.
 */
typedef int (*journal_send_fn)(const struct iovec *fields, int count);

struct journal_sender;

/* NULL with errno set (out of memory, the thread could not start). */
struct journal_sender *journal_sender_new(size_t queue_bytes, journal_send_fn send);

/* Queue a copy of the entry; -ENOBUFS when the queue has no room for it (count it). */
int journal_sender_push(struct journal_sender *sender, const char *entry, size_t len);

/* Records (journal_entry_records) given up on since the last call, the last one's seq. */
__u64 journal_sender_take_given_up(struct journal_sender *sender, __u64 *last_seq);

/* A journald that was down is tried now, not after the backoff (SIGHUP). */
void journal_sender_retry_now(struct journal_sender *sender);

/*
 * At the end: wait until every entry is sent or a stop's grace is over (at
 * most SIGNALS_STOP_GRACE_MS without a stop request); returns how many
 * records the entries not sent stand for (the one being sent included,
 * which may still arrive). The thread is told to end.
 */
size_t journal_sender_finish(struct journal_sender *sender);

/* Finishes if not done yet, stops the thread. NULL is fine. */
void journal_sender_free(struct journal_sender *sender);

#endif /* BINDSNOOP_JOURNAL_SENDER_H */
