/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Batches of whole lines to a descriptor that may stall (stdout into a pipe
 * nobody reads, a terminal scrolled back), written by a thread of its own
 * so that the pipeline, and every other output behind it, never waits for
 * that reader. A batch that finds the queue full is not written: it goes to
 * the owner's unwritten callback, which counts its events as dropped by
 * this output alone.
 *
 * The writer thread writes with line_writer (whole lines only) and blocks
 * no signal the main thread needs. At a stop, queued_writer_finish() waits
 * for the queue to empty until the stop's grace is over (signals.h), then
 * interrupts the thread's write and hands the rest to the callback.
 *
 * Everything but the thread's own loop is called from the main thread.
 */
#ifndef BINDSNOOP_QUEUED_WRITER_H
#define BINDSNOOP_QUEUED_WRITER_H

#include <stdbool.h>
#include <stddef.h>

/* Bytes of batches that may wait for a stalled reader: 16 MiB. */
#define QUEUED_WRITER_BYTES (16u << 20)

struct queued_writer;

/* Bytes (whole lines) that will never be written: count them. Main thread only. */
typedef void (*queued_writer_unwritten_fn)(void *ctx, const char *data, size_t len);

/* Whether fd can stall a writer (a pipe, FIFO, socket or terminal): then queue. */
bool queued_writer_wanted(int fd);

/* NULL with errno set (the thread could not start, out of memory). */
struct queued_writer *queued_writer_new(int fd, size_t max_bytes,
					queued_writer_unwritten_fn unwritten, void *ctx);

/*
 * Queue a copy of data[0..len) (whole lines). 0 when queued or, the queue
 * being full, handed to the unwritten callback; the writer's error
 * (-EPIPE: the reader went away; -ECANCELED) once it failed, after which
 * nothing more is queued (it all goes to the callback).
 */
int queued_writer_write(struct queued_writer *writer, const char *data, size_t len);

/*
 * At the end: wait until every queued byte is written, or until a stop's
 * grace is over (at most SIGNALS_STOP_GRACE_MS without a stop request);
 * what is left goes to the callback. 0 or the writer's error.
 */
int queued_writer_finish(struct queued_writer *writer);

/* Finishes if not done yet, stops the thread. NULL is fine. */
void queued_writer_free(struct queued_writer *writer);

#endif /* BINDSNOOP_QUEUED_WRITER_H */
