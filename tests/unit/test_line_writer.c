// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * line_writer and the --output file on a full disk: never part of a line,
 * every event either written or counted as dropped, and writing resumes
 * when there is room again. A file size limit (RLIMIT_FSIZE) cuts writes
 * short exactly like a full filesystem, without root or a tmpfs.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include "output/append_target.h"
#include "output/line_writer.h"
#include "output/output.h"
#include "sample_report.h"
#include "unit.h"

static void limit_file_size(rlim_t bytes)
{
	struct rlimit limit;

	getrlimit(RLIMIT_FSIZE, &limit);
	limit.rlim_cur = bytes;
	setrlimit(RLIMIT_FSIZE, &limit);
}

static char *read_file(const char *path, size_t *len)
{
	struct stat st;
	char *text;
	int fd = open(path, O_RDONLY);

	fstat(fd, &st);
	text = calloc(1, st.st_size + 1);
	*len = read(fd, text, st.st_size);
	close(fd);
	return text;
}

static void test_file_cut_short(void)
{
	char path[] = "/tmp/test_line_writer.XXXXXX";
	int fd = mkstemp(path);
	const char lines[] = "first line\nsecond line\nthird line\n";
	size_t written, len;
	char *text;

	limit_file_size(15); /* room for the first line and part of the second */
	CHECK_INT(line_writer_write(fd, lines, strlen(lines), &written), -EFBIG);
	CHECK_INT(written, 11);
	text = read_file(path, &len);
	CHECK_STR(text, "first line\n");
	free(text);
	limit_file_size(RLIM_INFINITY);
	CHECK_INT(line_writer_write(fd, lines, strlen(lines), &written), 0);
	CHECK_INT(written, strlen(lines));
	text = read_file(path, &len);
	CHECK_STR(text, "first line\nfirst line\nsecond line\nthird line\n");
	free(text);
	close(fd);
	unlink(path);
	CHECK_INT(line_writer_count_lines("a\nb\nc", 5), 2);
}

/* Over a pipe: many lines, longer than PIPE_BUF in all, arrive whole. */
static void test_pipe_lines(void)
{
	char *data = malloc(100000), *back = malloc(100001);
	size_t len = 0, written, got = 0;
	int fds[2];

	while (len + 40 < 100000)
		len += sprintf(data + len, "line %zu of a pipe test\n", len);
	CHECK_INT(pipe(fds), 0);
	fcntl(fds[0], F_SETPIPE_SZ, 1 << 20);
	CHECK_INT(line_writer_write(fds[1], data, len, &written), 0);
	CHECK_INT(written, len);
	close(fds[1]);
	for (ssize_t n; (n = read(fds[0], back + got, 100000 - got)) > 0;)
		got += n;
	CHECK_INT(got, len);
	CHECK(!memcmp(back, data, len));
	close(fds[0]);
	free(data);
	free(back);
}

static int count_substr(const char *text, const char *needle)
{
	int count = 0;

	for (const char *at = text; (at = strstr(at, needle)); at++)
		count++;
	return count;
}

/*
 * --output on a full disk: the start record went, events do not; each is
 * counted, then a "dropped" record marks the gap once there is room.
 */
static void test_file_output_full_disk(void)
{
	char path[] = "/tmp/test_output_file.XXXXXX", why[APPEND_TARGET_WHY_MAX];
	struct session_info info = { .version = "test", .backend = "tracepoint" };
	struct options opts = {};
	struct bind_report report;
	struct output *out;
	int saved_stderr = dup(STDERR_FILENO), devnull = open("/dev/null", O_WRONLY);
	size_t len;
	char *text;

	close(mkstemp(path));
	info.opts = &opts;
	strcpy(info.host, "host");
	strcpy(info.kernel, "6.1");
	sample_report(&report);
	out = output_file_new(path, why, sizeof(why));
	CHECK(out != NULL);
	CHECK_INT(output_session(out, &info, true), 0);
	CHECK_INT(out->ops->flush(out), 0);
	text = read_file(path, &len);
	limit_file_size(len + 100); /* far less than one event */
	free(text);
	dup2(devnull, STDERR_FILENO); /* its "failed" and "again" messages */
	for (int i = 0; i < 10; i++)
		CHECK_INT(out->ops->report(out, &report), 0);
	CHECK_INT(out->ops->flush(out), 0);
	CHECK_INT(out->dropped, 10);
	limit_file_size(RLIM_INFINITY);
	CHECK_INT(out->ops->report(out, &report), 0);
	CHECK_INT(out->ops->flush(out), 0);
	dup2(saved_stderr, STDERR_FILENO);
	CHECK_INT(out->dropped, 10);
	text = read_file(path, &len);
	CHECK(len && text[len - 1] == '\n');
	CHECK_INT(count_substr(text, "\n"), 3);
	CHECK_CONTAINS(text, "\"event\":\"dropped\",\"count\":10}\n");
	CHECK_INT(count_substr(text, "\"event\":\"bind_failed\""), 1);
	free(text);
	output_destroy(out);
	close(devnull);
	close(saved_stderr);
	unlink(path);
}

int main(void)
{
	/* Past the size limit write() fails with EFBIG; the signal would end us. */
	signal(SIGXFSZ, SIG_IGN);
	test_file_cut_short();
	test_pipe_lines();
	test_file_output_full_disk();
	return unit_summary();
}
