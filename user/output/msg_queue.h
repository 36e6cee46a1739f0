/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * A bounded FIFO of byte records (messages waiting for a collector) in one
 * ring of memory allocated up front: pushing never allocates, and a full
 * queue refuses the new record instead of growing, so a collector that is
 * down costs a fixed amount of memory.
 *
 * Besides the head (oldest record) the queue has a send cursor: records
 * between the head and the cursor were handed to the socket but are kept
 * until the collector has taken them (msg_queue_pop), so they can be sent
 * again after a reconnection (msg_queue_rewind).
 */
#ifndef BINDSNOOP_MSG_QUEUE_H
#define BINDSNOOP_MSG_QUEUE_H

#include <stdbool.h>
#include <stddef.h>

struct msg_queue {
	char *data;
	size_t cap;    /* bytes at data, a multiple of 4 */
	size_t head;   /* offset of the oldest record */
	size_t tail;   /* offset where the next record goes */
	size_t count;  /* records queued, sent or not */
	size_t bytes;  /* payload bytes of those records */
	size_t cursor; /* offset of the first record not sent yet */
	size_t unsent; /* records from the cursor to the tail */
};

/* Room for about capacity bytes of records. Returns 0 or -ENOMEM / -EINVAL. */
int msg_queue_init(struct msg_queue *queue, size_t capacity);
/* Frees the memory; accepts a zeroed queue. */
void msg_queue_release(struct msg_queue *queue);

/*
 * Space for a len-byte record at the tail, to be filled by the caller, or
 * NULL when the queue has no room for it (the caller counts a drop).
 */
char *msg_queue_push(struct msg_queue *queue, size_t len);

/* The oldest record (or the first unsent one), or NULL if there is none. */
const char *msg_queue_front(const struct msg_queue *queue, size_t *len);
const char *msg_queue_unsent(const struct msg_queue *queue, size_t *len);

/* The record at the cursor was sent: the cursor moves to the next one. */
void msg_queue_mark_sent(struct msg_queue *queue);
/* Drops the oldest record (sent or not). */
void msg_queue_pop(struct msg_queue *queue);
/* Every record counts as unsent again: the cursor goes back to the head. */
void msg_queue_rewind(struct msg_queue *queue);

/* Walks the unsent records, oldest first, without sending them. */
struct msg_queue_iter {
	size_t offset;
	size_t left; /* records still to visit */
};

void msg_queue_iter_unsent(const struct msg_queue *queue, struct msg_queue_iter *iter);
/* The next record, or NULL after the last one. */
const char *msg_queue_iter_next(const struct msg_queue *queue, struct msg_queue_iter *iter,
				size_t *len);

static inline bool msg_queue_empty(const struct msg_queue *queue)
{
	return queue->count == 0;
}

#endif /* BINDSNOOP_MSG_QUEUE_H */
