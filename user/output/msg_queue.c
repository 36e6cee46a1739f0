// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Records are laid out as [__u32 length][payload][padding to 4 bytes].
 * A record never wraps around the end of the ring: when it does not fit
 * there, a WRAP marker (or, when fewer than 4 bytes are left, nothing)
 * sends readers back to offset 0. tail <= head with records queued means
 * the live region wraps.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <linux/types.h>
#include "output/msg_queue.h"

#define RECORD_HEADER 4
#define WRAP_MARKER   0xffffffffu

static size_t record_size(size_t len)
{
	return RECORD_HEADER + ((len + 3) & ~(size_t)3);
}

int msg_queue_init(struct msg_queue *queue, size_t capacity)
{
	memset(queue, 0, sizeof(*queue));
	capacity = (capacity + 3) & ~(size_t)3;
	if (capacity < 2 * RECORD_HEADER)
		return -EINVAL;
	queue->data = malloc(capacity);
	if (!queue->data)
		return -ENOMEM;
	queue->cap = capacity;
	return 0;
}

void msg_queue_release(struct msg_queue *queue)
{
	free(queue->data);
	memset(queue, 0, sizeof(*queue));
}

/* The offset of the record at offset, once any wrap marker is followed. */
static size_t settle(const struct msg_queue *queue, size_t offset)
{
	__u32 header;

	if (queue->cap - offset < RECORD_HEADER)
		return 0;
	memcpy(&header, queue->data + offset, sizeof(header));
	return header == WRAP_MARKER ? 0 : offset;
}

static const char *record_at(const struct msg_queue *queue, size_t offset, size_t *len,
			     size_t *next)
{
	__u32 header;

	offset = settle(queue, offset);
	memcpy(&header, queue->data + offset, sizeof(header));
	*len = header;
	if (next)
		*next = offset + record_size(header);
	return queue->data + offset + RECORD_HEADER;
}

char *msg_queue_push(struct msg_queue *queue, size_t len)
{
	size_t need = record_size(len);
	size_t at;
	__u32 header = len;

	if (len >= WRAP_MARKER || need > queue->cap)
		return NULL;
	if (!queue->count) {
		queue->head = queue->tail = queue->cursor = 0;
		at = 0;
	} else if (queue->tail > queue->head) {
		/* Live region in one piece: at the end, or else from the start. */
		if (queue->cap - queue->tail >= need) {
			at = queue->tail;
		} else if (queue->head >= need) {
			if (queue->cap - queue->tail >= RECORD_HEADER) {
				__u32 marker = WRAP_MARKER;

				memcpy(queue->data + queue->tail, &marker, sizeof(marker));
			}
			at = 0;
		} else {
			return NULL;
		}
	} else if (queue->head - queue->tail >= need) {
		at = queue->tail;
	} else {
		return NULL;
	}
	memcpy(queue->data + at, &header, sizeof(header));
	/* A cursor at the old tail meant "everything sent": it now points here. */
	if (!queue->unsent)
		queue->cursor = at;
	queue->tail = at + need;
	queue->count++;
	queue->unsent++;
	queue->bytes += len;
	return queue->data + at + RECORD_HEADER;
}

const char *msg_queue_front(const struct msg_queue *queue, size_t *len)
{
	if (!queue->count)
		return NULL;
	return record_at(queue, queue->head, len, NULL);
}

const char *msg_queue_unsent(const struct msg_queue *queue, size_t *len)
{
	if (!queue->unsent)
		return NULL;
	return record_at(queue, queue->cursor, len, NULL);
}

void msg_queue_mark_sent(struct msg_queue *queue)
{
	size_t len;

	if (!queue->unsent)
		return;
	record_at(queue, queue->cursor, &len, &queue->cursor);
	queue->unsent--;
}

void msg_queue_pop(struct msg_queue *queue)
{
	size_t len;

	if (!queue->count)
		return;
	/* Popping an unsent record (a datagram given up on) moves the cursor too. */
	if (queue->unsent == queue->count)
		msg_queue_mark_sent(queue);
	record_at(queue, queue->head, &len, &queue->head);
	queue->count--;
	queue->bytes -= len;
	if (!queue->count)
		queue->head = queue->tail = queue->cursor = 0;
}

void msg_queue_rewind(struct msg_queue *queue)
{
	queue->cursor = queue->head;
	queue->unsent = queue->count;
}

void msg_queue_iter_unsent(const struct msg_queue *queue, struct msg_queue_iter *iter)
{
	iter->offset = queue->cursor;
	iter->left = queue->unsent;
}

const char *msg_queue_iter_next(const struct msg_queue *queue, struct msg_queue_iter *iter,
				size_t *len)
{
	if (!iter->left)
		return NULL;
	iter->left--;
	return record_at(queue, iter->offset, len, &iter->offset);
}
