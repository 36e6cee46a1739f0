// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "clock.h"
#include "output/journal_entry.h"
#include "output/journal_sender.h"
#include "output/msg_queue.h"
#include "signals.h"

#define BACKOFF_MIN_NS 100000000ULL  /* 0.1 s */
#define BACKOFF_MAX_NS 5000000000ULL /* 5 s */
#define TICK_NS	       100000000ULL  /* how often a waiting finish looks at the clock */

struct journal_sender {
	journal_send_fn send;
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t work;	 /* an entry was queued, a retry is due now, or closing */
	pthread_cond_t progress; /* an entry was sent, or the thread ended */
	/* Under lock: */
	struct msg_queue queue; /* the front entry stays queued while the thread sends it */
	__u64 given_up;
	__u64 given_up_last_seq;
	bool retry_now;
	bool closing;	/* finish: send what is queued, then end */
	bool abandoned; /* finish gave up waiting: end after the send in progress */
	bool thread_done;
	bool finished;
	bool said_down; /* stderr says journald cannot be reached */
};

static void add_ns(struct timespec *at, __u64 ns)
{
	at->tv_sec += ns / 1000000000ULL;
	at->tv_nsec += ns % 1000000000ULL;
	if (at->tv_nsec >= 1000000000L) {
		at->tv_sec++;
		at->tv_nsec -= 1000000000L;
	}
}

/* Under lock: until woken (new work, a retry asked for, finish) or ns passed. */
static void wait_for(pthread_cond_t *cond, pthread_mutex_t *lock, __u64 ns)
{
	struct timespec until;

	clock_gettime(CLOCK_REALTIME, &until);
	add_ns(&until, ns);
	pthread_cond_timedwait(cond, lock, &until);
}

static int send_entry(struct journal_sender *sender, const char *entry, size_t len)
{
	struct iovec fields[JOURNAL_FIELDS_MAX];
	int count = journal_entry_fields(entry, len, fields, JOURNAL_FIELDS_MAX);

	return count < 0 ? count : sender->send(fields, count);
}

static void *sender_main(void *arg)
{
	struct journal_sender *sender = arg;
	__u64 backoff = BACKOFF_MIN_NS;

	signals_block_in_thread();
	pthread_mutex_lock(&sender->lock);
	for (;;) {
		const char *entry;
		size_t len;
		int err;

		while (msg_queue_empty(&sender->queue) && !sender->closing && !sender->abandoned)
			pthread_cond_wait(&sender->work, &sender->lock);
		if (msg_queue_empty(&sender->queue) || sender->abandoned)
			break;
		/* Pushes only write where no queued entry is: the front stays as it is. */
		entry = msg_queue_front(&sender->queue, &len);
		pthread_mutex_unlock(&sender->lock);
		err = send_entry(sender, entry, len);
		pthread_mutex_lock(&sender->lock);
		if (!err || err == -EINVAL || err == -EMSGSIZE) {
			if (err) {
				sender->given_up += journal_entry_records(entry, len);
				sender->given_up_last_seq = journal_entry_seq(entry, len);
			}
			msg_queue_pop(&sender->queue);
			pthread_cond_broadcast(&sender->progress);
			backoff = BACKOFF_MIN_NS;
			if (!err && sender->said_down) {
				fprintf(stderr,
					"bindsnoop: journal: journald takes entries again\n");
				sender->said_down = false;
			}
			continue;
		}
		if (sender->abandoned)
			break;
		if (!sender->said_down) {
			fprintf(stderr,
				"bindsnoop: journal: journald cannot be reached (%s); queueing "
				"entries and retrying\n",
				strerror(-err));
			sender->said_down = true;
		}
		if (!sender->retry_now)
			wait_for(&sender->work, &sender->lock, backoff);
		if (sender->retry_now) {
			sender->retry_now = false;
			backoff = BACKOFF_MIN_NS;
		} else if ((backoff *= 2) > BACKOFF_MAX_NS) {
			backoff = BACKOFF_MAX_NS;
		}
	}
	sender->thread_done = true;
	pthread_cond_broadcast(&sender->progress);
	pthread_mutex_unlock(&sender->lock);
	return NULL;
}

struct journal_sender *journal_sender_new(size_t queue_bytes, journal_send_fn send)
{
	struct journal_sender *sender = calloc(1, sizeof(*sender));
	int err;

	if (!sender)
		return NULL;
	sender->send = send;
	err = -msg_queue_init(&sender->queue, queue_bytes);
	if (err) {
		free(sender);
		errno = err;
		return NULL;
	}
	pthread_mutex_init(&sender->lock, NULL);
	pthread_cond_init(&sender->work, NULL);
	pthread_cond_init(&sender->progress, NULL);
	err = pthread_create(&sender->thread, NULL, sender_main, sender);
	if (err) {
		pthread_cond_destroy(&sender->progress);
		pthread_cond_destroy(&sender->work);
		pthread_mutex_destroy(&sender->lock);
		msg_queue_release(&sender->queue);
		free(sender);
		errno = err;
		return NULL;
	}
	return sender;
}

int journal_sender_push(struct journal_sender *sender, const char *entry, size_t len)
{
	char *slot;

	pthread_mutex_lock(&sender->lock);
	slot = sender->finished ? NULL : msg_queue_push(&sender->queue, len);
	if (slot) {
		memcpy(slot, entry, len);
		pthread_cond_signal(&sender->work);
	}
	pthread_mutex_unlock(&sender->lock);
	return slot ? 0 : -ENOBUFS;
}

__u64 journal_sender_take_given_up(struct journal_sender *sender, __u64 *last_seq)
{
	__u64 count;

	pthread_mutex_lock(&sender->lock);
	count = sender->given_up;
	*last_seq = sender->given_up_last_seq;
	sender->given_up = 0;
	pthread_mutex_unlock(&sender->lock);
	return count;
}

void journal_sender_retry_now(struct journal_sender *sender)
{
	pthread_mutex_lock(&sender->lock);
	sender->retry_now = true;
	pthread_cond_signal(&sender->work);
	pthread_mutex_unlock(&sender->lock);
}

size_t journal_sender_finish(struct journal_sender *sender)
{
	__u64 deadline = monotonic_ns() + SIGNALS_STOP_GRACE_MS * 1000000ULL;
	struct msg_queue_iter iter;
	const char *entry;
	size_t unsent = 0, len;

	pthread_mutex_lock(&sender->lock);
	sender->finished = true;
	sender->closing = true;
	sender->retry_now = true; /* a journald that was down gets one more try at once */
	pthread_cond_signal(&sender->work);
	while (!sender->thread_done) {
		if (signals_give_up_writing() ||
		    (!signals_stop_requested && monotonic_ns() >= deadline)) {
			/* Interrupt a send that blocks: the thread then ends. */
			sender->abandoned = true;
			pthread_cond_signal(&sender->work);
			pthread_kill(sender->thread, SIGALRM);
			wait_for(&sender->progress, &sender->lock, TICK_NS);
			break;
		}
		wait_for(&sender->progress, &sender->lock, TICK_NS);
	}
	/* Records, not entries: a loop's entry stands for many, a "dropped" one for none. */
	msg_queue_iter_unsent(&sender->queue, &iter);
	while ((entry = msg_queue_iter_next(&sender->queue, &iter, &len)))
		unsent += journal_entry_records(entry, len);
	pthread_mutex_unlock(&sender->lock);
	return unsent;
}

void journal_sender_free(struct journal_sender *sender)
{
	bool done;

	if (!sender)
		return;
	pthread_mutex_lock(&sender->lock);
	done = sender->finished;
	pthread_mutex_unlock(&sender->lock);
	if (!done)
		journal_sender_finish(sender);
	pthread_mutex_lock(&sender->lock);
	done = sender->thread_done;
	pthread_mutex_unlock(&sender->lock);
	/* A thread still inside a send uses its entry: leave both (we are exiting). */
	if (!done)
		return;
	pthread_join(sender->thread, NULL);
	pthread_cond_destroy(&sender->progress);
	pthread_cond_destroy(&sender->work);
	pthread_mutex_destroy(&sender->lock);
	msg_queue_release(&sender->queue);
	free(sender);
}
