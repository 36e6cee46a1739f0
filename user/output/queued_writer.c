// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/stat.h>
#include "clock.h"
#include "output/line_writer.h"
#include "output/queued_writer.h"
#include "signals.h"

/* How often a waiting finish looks at the clock and the stop's grace. */
#define FINISH_TICK_NS 100000000ULL

struct batch {
	struct batch *next;
	size_t len;
	char data[];
};

struct queued_writer {
	int fd;
	size_t max_bytes;
	queued_writer_unwritten_fn unwritten;
	void *ctx;
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t work;	 /* a batch was queued, or closing */
	pthread_cond_t progress; /* a batch was written, or the thread ended */
	/* Under lock: */
	struct batch *head, *tail;
	size_t bytes;
	size_t head_written; /* bytes of head in fd when the thread failed on it */
	int error;	     /* the thread's write error; it writes no more */
	bool closing;	     /* finish: write what is queued, then end */
	bool abandoned;	     /* finish gave up waiting: end after the write in progress */
	bool thread_done;
	bool finished;
};

bool queued_writer_wanted(int fd)
{
	struct stat st;

	return fstat(fd, &st) == 0 && !S_ISREG(st.st_mode) && !S_ISBLK(st.st_mode);
}

static void *writer_main(void *arg)
{
	struct queued_writer *writer = arg;

	signals_block_in_thread();
	pthread_mutex_lock(&writer->lock);
	for (;;) {
		struct batch *batch;
		size_t written = 0;
		int err;

		while (!writer->head && !writer->closing && !writer->abandoned)
			pthread_cond_wait(&writer->work, &writer->lock);
		if (!writer->head || writer->abandoned)
			break;
		/* The batch stays queued while it is written: finish may account for it. */
		batch = writer->head;
		pthread_mutex_unlock(&writer->lock);
		err = line_writer_write(writer->fd, batch->data, batch->len, &written);
		pthread_mutex_lock(&writer->lock);
		if (err) {
			writer->error = err;
			writer->head_written = written;
			break;
		}
		writer->head = batch->next;
		if (!writer->head)
			writer->tail = NULL;
		writer->bytes -= batch->len;
		free(batch);
		pthread_cond_broadcast(&writer->progress);
	}
	writer->thread_done = true;
	pthread_cond_broadcast(&writer->progress);
	pthread_mutex_unlock(&writer->lock);
	return NULL;
}

struct queued_writer *queued_writer_new(int fd, size_t max_bytes,
					queued_writer_unwritten_fn unwritten, void *ctx)
{
	struct queued_writer *writer = calloc(1, sizeof(*writer));
	int err;

	if (!writer)
		return NULL;
	writer->fd = fd;
	writer->max_bytes = max_bytes;
	writer->unwritten = unwritten;
	writer->ctx = ctx;
	pthread_mutex_init(&writer->lock, NULL);
	pthread_cond_init(&writer->work, NULL);
	pthread_cond_init(&writer->progress, NULL);
	err = pthread_create(&writer->thread, NULL, writer_main, writer);
	if (err) {
		pthread_cond_destroy(&writer->progress);
		pthread_cond_destroy(&writer->work);
		pthread_mutex_destroy(&writer->lock);
		free(writer);
		errno = err;
		return NULL;
	}
	return writer;
}

/*
 * Every batch still queued goes to the callback (the head from where the
 * thread stopped in it). Only once the thread no longer touches them: it
 * ended, or it was abandoned (then its head, being written, stays).
 */
static void hand_back_queued(struct queued_writer *writer)
{
	struct batch *batch = writer->head;
	size_t skip = writer->head_written;

	if (batch && !writer->thread_done) {
		/* The thread is still inside write() on the head: leave it to the thread. */
		batch = batch->next;
		writer->head->next = NULL;
		writer->tail = writer->head;
		skip = 0;
	} else {
		writer->head = writer->tail = NULL;
	}
	writer->head_written = 0;
	while (batch) {
		struct batch *next = batch->next;

		writer->bytes -= batch->len;
		if (batch->len > skip)
			writer->unwritten(writer->ctx, batch->data + skip, batch->len - skip);
		skip = 0;
		free(batch);
		batch = next;
	}
}

int queued_writer_write(struct queued_writer *writer, const char *data, size_t len)
{
	struct batch *batch;
	int err;

	if (!len)
		return 0;
	pthread_mutex_lock(&writer->lock);
	err = writer->error;
	if (err || writer->finished || writer->bytes + len > writer->max_bytes) {
		if (err)
			hand_back_queued(writer);
		pthread_mutex_unlock(&writer->lock);
		writer->unwritten(writer->ctx, data, len);
		return err;
	}
	pthread_mutex_unlock(&writer->lock);
	batch = malloc(sizeof(*batch) + len);
	if (!batch) {
		writer->unwritten(writer->ctx, data, len);
		return 0;
	}
	batch->next = NULL;
	batch->len = len;
	memcpy(batch->data, data, len);
	pthread_mutex_lock(&writer->lock);
	if (writer->tail)
		writer->tail->next = batch;
	else
		writer->head = batch;
	writer->tail = batch;
	writer->bytes += len;
	pthread_cond_signal(&writer->work);
	pthread_mutex_unlock(&writer->lock);
	return 0;
}

static void wait_tick(struct queued_writer *writer)
{
	struct timespec until;

	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_nsec += FINISH_TICK_NS;
	if (until.tv_nsec >= 1000000000L) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000L;
	}
	pthread_cond_timedwait(&writer->progress, &writer->lock, &until);
}

int queued_writer_finish(struct queued_writer *writer)
{
	__u64 deadline = monotonic_ns() + SIGNALS_STOP_GRACE_MS * 1000000ULL;
	int err;

	pthread_mutex_lock(&writer->lock);
	if (writer->finished) {
		err = writer->error;
		pthread_mutex_unlock(&writer->lock);
		return err;
	}
	writer->finished = true;
	writer->closing = true;
	pthread_cond_signal(&writer->work);
	while (!writer->thread_done) {
		/* A stop past its grace: interrupt the write, which then gives up. */
		if (signals_give_up_writing())
			pthread_kill(writer->thread, SIGALRM);
		else if (!signals_stop_requested && monotonic_ns() >= deadline)
			break;
		wait_tick(writer);
	}
	if (!writer->thread_done) {
		/* No stop to end the write with: leave the thread in it, count the rest. */
		writer->abandoned = true;
		pthread_cond_signal(&writer->work);
	}
	hand_back_queued(writer);
	err = writer->error;
	pthread_mutex_unlock(&writer->lock);
	return err;
}

void queued_writer_free(struct queued_writer *writer)
{
	bool done;

	if (!writer)
		return;
	queued_writer_finish(writer);
	pthread_mutex_lock(&writer->lock);
	done = writer->thread_done;
	pthread_mutex_unlock(&writer->lock);
	/* An abandoned thread may still be inside write() with its batch: leave both. */
	if (!done)
		return;
	pthread_join(writer->thread, NULL);
	pthread_cond_destroy(&writer->progress);
	pthread_cond_destroy(&writer->work);
	pthread_mutex_destroy(&writer->lock);
	free(writer);
}
