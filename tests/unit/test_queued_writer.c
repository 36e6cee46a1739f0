// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "output/queued_writer.h"
#include "unit.h"

static size_t unwritten_bytes;

static void count_unwritten(void *ctx, const char *data, size_t len)
{
	(void)ctx;
	(void)data;
	unwritten_bytes += len;
}

/* Fill the pipe until it takes no more: the reader has stalled. */
static void stall(int write_end)
{
	char block[4096];

	memset(block, 'x', sizeof(block));
	fcntl(write_end, F_SETFL, O_NONBLOCK);
	while (write(write_end, block, sizeof(block)) > 0)
		;
	fcntl(write_end, F_SETFL, 0);
}

/* Read everything the pipe has until the writer's end closes; returns the bytes. */
static size_t read_all(int read_end)
{
	char block[65536];
	size_t total = 0;
	ssize_t n;

	while ((n = read(read_end, block, sizeof(block))) > 0)
		total += n;
	return total;
}

int main(void)
{
	static const char line[] = "0123456789012345678\n"; /* 20 bytes */
	struct queued_writer *writer;
	int fds[2];

	signal(SIGPIPE, SIG_IGN);
	/* A regular file never stalls: written directly, no thread. */
	CHECK(!queued_writer_wanted(fileno(tmpfile())));
	CHECK_INT(pipe(fds), 0);
	CHECK(queued_writer_wanted(fds[1]));

	/* A stalled reader: 5 batches fit in 100 bytes, the other 5 are handed back at once. */
	stall(fds[1]);
	writer = queued_writer_new(fds[1], 100, count_unwritten, NULL);
	CHECK(writer != NULL);
	for (int i = 0; i < 10; i++)
		CHECK_INT(queued_writer_write(writer, line, 20), 0);
	CHECK_INT(unwritten_bytes, 100);
	/* The reader comes back: the queued five go out, in full, at finish. */
	if (fork() == 0) {
		close(fds[1]);
		_exit(read_all(fds[0]) == 65536 + 100 ? 0 : 1);
	}
	CHECK_INT(queued_writer_finish(writer), 0);
	CHECK_INT(unwritten_bytes, 100);
	queued_writer_free(writer);
	close(fds[1]);
	close(fds[0]);

	/* The reader gone: the write after the thread's failure says -EPIPE, all counted. */
	unwritten_bytes = 0;
	CHECK_INT(pipe(fds), 0);
	close(fds[0]);
	writer = queued_writer_new(fds[1], 1000, count_unwritten, NULL);
	CHECK_INT(queued_writer_write(writer, line, 20), 0);
	for (int tries = 0; tries < 200 && queued_writer_write(writer, line, 20) != -EPIPE; tries++)
		usleep(10000);
	CHECK_INT(queued_writer_finish(writer), -EPIPE);
	CHECK(unwritten_bytes >= 20);
	queued_writer_free(writer);
	close(fds[1]);
	return unit_summary();
}
