// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * --journal without a journald: the units read from a cgroup path, the
 * fields of each entry (none that a process's name can forge, MESSAGE as
 * text, the JSON record), and the output over a send function that stalls,
 * fails or works: a stalled journald never holds up report(), and every
 * record is either sent or inside a counted "dropped" entry.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <unistd.h>
#include "clock.h"
#include "output/journal_entry.h"
#include "output/journal_fold.h"
#include "json.h"
#include "output/output.h"
#include "signals.h"
#include "sample_report.h"
#include "unit.h"

static void check_units(const char *cgroup, const char *unit, const char *user_unit)
{
	char got_unit[JOURNAL_UNIT_MAX], got_user_unit[JOURNAL_UNIT_MAX];

	journal_cgroup_units(cgroup, got_unit, got_user_unit);
	CHECK_STR(got_unit, unit);
	CHECK_STR(got_user_unit, user_unit);
}

static void test_cgroup_units(void)
{
	check_units("/system.slice/app.service", "app.service", "");
	check_units("/system.slice/system-getty.slice/getty@tty1.service", "getty@tty1.service",
		    "");
	check_units("/user.slice/user-1000.slice/session-3.scope", "session-3.scope", "");
	/* Inside an nspawn container: the manager's own root comes first. */
	check_units("/payload/system.slice/app.service", "app.service", "");
	/* A user's manager: the system unit is user@, the user's unit below it. */
	check_units("/user.slice/user-1000.slice/user@1000.service/app.slice/web.service",
		    "user@1000.service", "web.service");
	/* A delegated subtree can be named anything: the unit stays its owner. */
	check_units("/user.slice/user-1000.slice/user@1000.service/nginx.service/x",
		    "user@1000.service", "nginx.service");
	check_units("/system.slice/docker.service/evil.slice/nginx.service", "docker.service", "");
	check_units("/", "", "");
	check_units("", "", "");
	check_units("/init.scope", "init.scope", "");
}

/* The value of the only field called name, NULL if none; fails if there are two. */
static const char *field(const struct iovec *iov, int count, const char *name, size_t *len)
{
	size_t name_len = strlen(name);
	const char *found = NULL;
	int seen = 0;

	for (int i = 0; i < count; i++) {
		const char *text = iov[i].iov_base;

		if (iov[i].iov_len > name_len && !memcmp(text, name, name_len) &&
		    text[name_len] == '=') {
			found = text + name_len + 1;
			*len = iov[i].iov_len - name_len - 1;
			seen++;
		}
	}
	CHECK(seen <= 1);
	return found;
}

static bool field_is(const struct iovec *iov, int count, const char *name, const char *value)
{
	size_t len = 0;
	const char *got = field(iov, count, name, &len);

	return got && len == strlen(value) && !memcmp(got, value, len);
}

/* Every name as journald takes it from a sender: A-Z, 0-9, '_', not first. */
static void check_names(const struct iovec *iov, int count)
{
	for (int i = 0; i < count; i++) {
		const char *text = iov[i].iov_base;
		const char *equals = memchr(text, '=', iov[i].iov_len);
		bool valid = equals && equals > text && text[0] != '_' &&
			     !(text[0] >= '0' && text[0] <= '9');

		for (const char *c = text; valid && c < equals; c++)
			valid = (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') || *c == '_';
		CHECK(valid);
	}
}

static int render(struct strbuf *out, const struct bind_report *report, struct iovec *iov)
{
	strbuf_reset(out);
	CHECK_INT(journal_render_report(out, report), 0);
	return journal_entry_fields(out->data, out->len, iov, JOURNAL_FIELDS_MAX);
}

static void test_report_entry(void)
{
	static const char hostile[] = "x\nMESSAGE=a=b";
	struct bind_report *report = calloc(1, sizeof(*report));
	struct iovec iov[JOURNAL_FIELDS_MAX];
	struct strbuf out = STRBUF_INIT;
	const char *value;
	size_t len = 0;
	int count;

	sample_report(report);
	strcpy(report->caller.identity.cgroup, "/system.slice/app.service");
	strcpy(report->caller.identity.service, "app.service");
	strcpy(report->holders[0].processes[0].identity.service, "node.service");
	report->diagnosis.cause = CAUSE_OTHER_PROGRAM;
	strcpy(report->diagnosis.summary, "node[4100] (node.service) holds LISTEN 0.0.0.0:3000");
	strcpy(report->diagnosis.fix, "systemctl stop node.service, or another port");
	count = render(&out, report, iov);
	CHECK(count > 20);
	check_names(iov, count);
	CHECK(field_is(iov, count, "PRIORITY", "4"));
	CHECK(field_is(iov, count, "SYSLOG_IDENTIFIER", "bindsnoop"));
	CHECK(field_is(iov, count, "BINDSNOOP_EVENT", "bind_failed"));
	CHECK(field_is(iov, count, "BINDSNOOP_SEQ", "41"));
	CHECK(field_is(iov, count, "BINDSNOOP_CAUSE", "other_program"));
	CHECK(field_is(iov, count, "BINDSNOOP_ERROR", "EADDRINUSE"));
	CHECK(field_is(iov, count, "BINDSNOOP_PROTO", "tcp"));
	CHECK(field_is(iov, count, "BINDSNOOP_ADDRESS", "127.0.0.1"));
	CHECK(field_is(iov, count, "BINDSNOOP_PORT", "3000"));
	CHECK(field_is(iov, count, "BINDSNOOP_COUNT", "1"));
	CHECK(field_is(iov, count, "BINDSNOOP_CALLER_PID", "4242"));
	CHECK(field_is(iov, count, "BINDSNOOP_CALLER_UNIT", "app.service"));
	CHECK(field_is(iov, count, "BINDSNOOP_HOLDER_PID", "4100"));
	CHECK(field_is(iov, count, "BINDSNOOP_HOLDER_COMM", "node"));
	CHECK(field_is(iov, count, "BINDSNOOP_HOLDER_UNIT", "node.service"));
	CHECK(field_is(iov, count, "BINDSNOOP_FIX",
		       "systemctl stop node.service, or another port"));
	CHECK(field_is(iov, count, "OBJECT_PID", "4242"));
	CHECK(field_is(iov, count, "OBJECT_SYSTEMD_UNIT", "app.service"));
	/* Unknown values are left out, not sent empty. */
	CHECK(!field(iov, count, "BINDSNOOP_CALLER_CONTAINER", &len));
	CHECK(!field(iov, count, "OBJECT_SYSTEMD_USER_UNIT", &len));
	value = field(iov, count, "MESSAGE", &len);
	CHECK(value && len);
	if (value) {
		char *message = strndup(value, len);

		CHECK_CONTAINS(message, "app.service: python3[4242] tcp 127.0.0.1:3000 EADDRINUSE "
					"node[4100]");
		CHECK_CONTAINS(message, "; why: node[4100] (node.service) holds");
		CHECK_CONTAINS(message, "; fix: systemctl stop node.service, or another port");
		CHECK(!strchr(message, '\n'));
		free(message);
	}
	value = field(iov, count, "BINDSNOOP_JSON", &len);
	CHECK(value && len && value[len - 1] == '}');
	if (value) {
		char problem[160] = "", *line = malloc(len + 1);

		memcpy(line, value, len);
		line[len] = '\n'; /* the field is the JSON line without its newline */
		CHECK(json_is_line(line, len + 1, problem, sizeof(problem)));
		CHECK_STR(problem, "");
		free(line);
	}

	/* A name that holds a newline and '=': one field still, the exact bytes. */
	memcpy(report->caller.comm, hostile, sizeof(hostile));
	count = render(&out, report, iov);
	check_names(iov, count);
	CHECK(field_is(iov, count, "BINDSNOOP_CALLER_COMM", hostile));
	value = field(iov, count, "MESSAGE", &len);
	CHECK(value && !memchr(value, '\n', len));
	CHECK(value && len > 27 && !memcmp(value, "app.service: x?MESSAGE=a=b[", 27));
	CHECK_INT(journal_entry_records(out.data, out.len), 1);
	/* A "dropped" entry counts records that are not in the journal; it is none itself. */
	strbuf_reset(&out);
	CHECK_INT(journal_render_dropped(&out, 40, SAMPLE_NS, 7), 0);
	CHECK_INT(journal_entry_records(out.data, out.len), 0);
	count = journal_entry_fields(out.data, out.len, iov, JOURNAL_FIELDS_MAX);
	CHECK(field_is(iov, count, "BINDSNOOP_EVENT", "dropped"));
	CHECK(field_is(iov, count, "BINDSNOOP_COUNT", "7"));

	/* A folded window: one entry with its count. */
	sample_report(report);
	report->folded = true;
	report->count = 5000;
	count = render(&out, report, iov);
	CHECK(field_is(iov, count, "BINDSNOOP_COUNT", "5000"));
	value = field(iov, count, "MESSAGE", &len);
	CHECK(value && memmem(value, len, "EADDRINUSE\u00d75000", strlen("EADDRINUSE\u00d75000")));
	/* The caller in a user's unit: no system unit may be claimed for it. */
	strcpy(report->caller.cgroup,
	       "/user.slice/user-1000.slice/user@1000.service/app.slice/nginx.service");
	count = render(&out, report, iov);
	CHECK(field_is(iov, count, "OBJECT_SYSTEMD_UNIT", "user@1000.service"));
	CHECK(field_is(iov, count, "OBJECT_SYSTEMD_USER_UNIT", "nginx.service"));
	CHECK_INT(journal_entry_seq(out.data, out.len), 41);
	/* Not a whole entry: refused. */
	CHECK_INT(journal_entry_fields(out.data, out.len - 1, iov, JOURNAL_FIELDS_MAX), -EINVAL);
	strbuf_release(&out);
	free(report);
}

/* ---- the output over a fake journald ---- */

#define STORM 3000

static struct {
	pthread_mutex_t lock;
	bool stalled;	/* sends block until released */
	int fail_first; /* this many sends fail with -ENOENT */
	int stall_fd;	/* read end of a pipe nothing writes to: a send that blocks */
	bool sent[STORM + 16];
	__u64 dropped_ranges_total;
	__u64 dropped_entries;
	int sends;
} fake = { .lock = PTHREAD_MUTEX_INITIALIZER };

static __u64 iov_number(const struct iovec *iov, int count, const char *name)
{
	size_t len = 0;
	const char *value = field(iov, count, name, &len);
	__u64 number = 0;

	for (size_t i = 0; value && i < len; i++)
		number = number * 10 + (value[i] - '0');
	return number;
}

static int fake_send(const struct iovec *iov, int count)
{
	bool stalled;

	pthread_mutex_lock(&fake.lock);
	stalled = fake.stalled;
	if (fake.fail_first > 0) {
		fake.fail_first--;
		pthread_mutex_unlock(&fake.lock);
		return -ENOENT;
	}
	pthread_mutex_unlock(&fake.lock);
	if (stalled) {
		char byte;

		/* As sendmsg() on a full journald socket: until a signal interrupts it. */
		if (read(fake.stall_fd, &byte, 1) < 0)
			return -errno;
	}
	pthread_mutex_lock(&fake.lock);
	fake.sends++;
	if (field_is(iov, count, "BINDSNOOP_EVENT", "dropped")) {
		fake.dropped_entries++;
		fake.dropped_ranges_total += iov_number(iov, count, "BINDSNOOP_COUNT");
	} else {
		__u64 seq = iov_number(iov, count, "BINDSNOOP_SEQ");

		if (seq < sizeof(fake.sent) / sizeof(fake.sent[0]))
			fake.sent[seq] = true;
	}
	pthread_mutex_unlock(&fake.lock);
	return 0;
}

static void set_stalled(bool stalled)
{
	pthread_mutex_lock(&fake.lock);
	fake.stalled = stalled;
	pthread_mutex_unlock(&fake.lock);
}

/*
 * The output over the fake journald, stalled: sends block in a read of
 * pipe_fds[0] until pipe_fds[1] is closed or a signal interrupts them.
 */
static struct output *stalled_output(struct bind_report *report, int pipe_fds[2])
{
	struct output *out = output_journal_new_with(256 * 1024, 1000, fake_send);

	CHECK(out != NULL);
	if (!out || pipe(pipe_fds)) {
		output_destroy(out);
		return NULL;
	}
	fake.stall_fd = pipe_fds[0];
	set_stalled(true);
	sample_report(report);
	return out;
}

/* A stalled journald: report() stays quick, drops are counted, and all adds up. */
static void test_stalled_journald(void)
{
	struct bind_report *report = calloc(1, sizeof(*report));
	__u64 slowest = 0, sent = 0, start, storm_start;
	int pipe_fds[2];
	struct output *out = stalled_output(report, pipe_fds);

	if (!out)
		return;
	storm_start = monotonic_ns();
	for (int seq = 1; seq <= STORM; seq++) {
		report->seq = seq;
		start = monotonic_ns();
		CHECK_INT(out->ops->report(out, report), 0);
		if (monotonic_ns() - start > slowest)
			slowest = monotonic_ns() - start;
		if (seq % 100 == 0)
			out->ops->flush(out);
	}
	/* A blocked journald costs the pipeline nothing: no report() waited for it. */
	/* Blocked, it would never return: any bound shows it did not wait (a busy machine preempts). */
	CHECK(slowest < 1000000000ULL);
	printf("report() with journald stalled: %llu ns each on average, slowest %llu ns\n",
	       (unsigned long long)((monotonic_ns() - storm_start) / STORM),
	       (unsigned long long)slowest);
	CHECK(output_dropped(out) > 0);
	/* journald comes back: the queue drains, the "dropped" entry marks the gap. */
	set_stalled(false);
	close(pipe_fds[1]); /* the send blocked in read() returns */
	start = monotonic_ns();
	while (monotonic_ns() - start < 5000000000ULL) {
		__u64 announced;

		/* The pipeline flushes after every batch and every --poll-ms. */
		out->ops->flush(out);
		pthread_mutex_lock(&fake.lock);
		announced = fake.dropped_ranges_total;
		pthread_mutex_unlock(&fake.lock);
		if (announced == output_dropped(out))
			break;
		usleep(1000);
	}
	report->seq = STORM + 1;
	out->ops->report(out, report);
	out->ops->flush(out);
	output_finish(out);
	for (int seq = 1; seq <= STORM + 1; seq++)
		sent += fake.sent[seq];
	CHECK(fake.dropped_entries >= 1);
	CHECK(sent > 0);
	CHECK_INT(sent + fake.dropped_ranges_total, STORM + 1);
	CHECK_INT(output_dropped(out), fake.dropped_ranges_total);
	CHECK(fake.sent[STORM + 1]);
	output_destroy(out);
	close(pipe_fds[0]);
	free(report);
}

/* journald that never answers at the stop: finish gives up within the grace, counting. */
static void test_finish_with_stalled_journald(void)
{
	struct bind_report *report = calloc(1, sizeof(*report));
	__u64 start, dropped_before;
	int pipe_fds[2];
	struct output *out = stalled_output(report, pipe_fds);

	if (!out)
		return;
	for (int seq = 1; seq <= 10; seq++) {
		report->seq = seq;
		out->ops->report(out, report);
	}
	out->ops->flush(out);
	dropped_before = output_dropped(out);
	start = monotonic_ns();
	output_finish(out);
	CHECK(monotonic_ns() - start < (SIGNALS_STOP_GRACE_MS + 500) * 1000000ULL);
	/* All ten were queued and none went: all ten are counted. */
	CHECK_INT(output_dropped(out) - dropped_before, 10);
	output_destroy(out);
	set_stalled(false);
	close(pipe_fds[1]);
	close(pipe_fds[0]);
	free(report);
}

/* journald not there yet: entries wait and go once it is, none dropped. */
static void test_journald_down_then_up(void)
{
	struct bind_report *report = calloc(1, sizeof(*report));
	struct output *out = output_journal_new_with(256 * 1024, 1000, fake_send);
	int before;

	CHECK(out != NULL);
	if (!out)
		return;
	memset(fake.sent, 0, sizeof(fake.sent));
	fake.fail_first = 3;
	before = fake.sends;
	sample_report(report);
	for (int seq = 1; seq <= 5; seq++) {
		report->seq = seq;
		out->ops->report(out, report);
	}
	out->ops->flush(out);
	output_finish(out);
	CHECK_INT(fake.sends - before, 5);
	CHECK_INT(output_dropped(out), 0);
	for (int seq = 1; seq <= 5; seq++)
		CHECK(fake.sent[seq]);
	output_destroy(out);
	free(report);
}

/* ---- restart loops ---- */

struct emitted {
	int entries;
	__u32 records;
	char seqs[4096];
	char counts[256];
};

static void collect(void *ctx, const char *entry, size_t len, __u32 records, __u64 last_seq)
{
	struct emitted *emitted = ctx;
	struct iovec iov[JOURNAL_FIELDS_MAX];
	int count = journal_entry_fields(entry, len, iov, JOURNAL_FIELDS_MAX);
	size_t value_len = 0;
	const char *value = field(iov, count, "BINDSNOOP_SEQS", &value_len);
	size_t used = strlen(emitted->seqs);

	CHECK_INT(journal_entry_seq(entry, len), last_seq);
	CHECK_INT(journal_entry_records(entry, len), records);
	emitted->entries++;
	emitted->records += records;
	snprintf(emitted->seqs + used, sizeof(emitted->seqs) - used, "%s%.*s", used ? "," : "",
		 (int)value_len, value ? value : "");
	used = strlen(emitted->counts);
	snprintf(emitted->counts + used, sizeof(emitted->counts) - used, "%s%llu", used ? "," : "",
		 iov_number(iov, count, "BINDSNOOP_COUNT"));
}

/* app.service failing every 100 ms: one entry at once, then one per window, every seq in one. */
static void test_restart_loop(void)
{
	struct bind_report *report = calloc(1, sizeof(*report));
	struct journal_fold *fold = calloc(1, sizeof(*fold));
	struct emitted emitted = {};
	const __u64 ms = 1000000ULL;
	int err, sent_now = 0;

	journal_fold_init(fold, 1000);
	sample_report(report);
	report->diagnosis.cause = CAUSE_SAME_PROGRAM;
	strcpy(report->diagnosis.repeat.who, "app.service");
	report->diagnosis.repeat.window_s = 60;
	/* Restarts 1..25 at 100 ms apart: the first two are no loop yet. */
	for (int i = 1; i <= 25; i++) {
		report->seq = 100 + i;
		report->caller.pid = 5000 + i;
		report->diagnosis.repeat.count = i;
		if (!journal_fold_hold(fold, report, i * 100 * ms, collect, &emitted, &err))
			sent_now++;
		CHECK_INT(err, 0);
	}
	/* 1, 2 and the loop's first (3) at once; 4..12 in its window, 13..22 in the next. */
	CHECK_INT(sent_now, 3);
	CHECK_INT(emitted.entries, 2);
	CHECK_STR(emitted.seqs,
		  "104,105,106,107,108,109,110,111,112,113,114,115,116,117,118,119,120,"
		  "121,122");
	CHECK_STR(emitted.counts, "9,10");
	journal_fold_expire(fold, 25 * 100 * ms, true, collect, &emitted);
	CHECK_INT(emitted.entries, 3);
	CHECK_INT(emitted.records + sent_now, 25);
	CHECK_STR(emitted.counts, "9,10,3");
	/* Another address is another loop; a success or a count below 3 is never held. */
	report->port = 3001;
	CHECK(!journal_fold_hold(fold, report, 30 * 100 * ms, collect, &emitted, &err));
	report->diagnosis.repeat.count = 2;
	CHECK(!journal_fold_hold(fold, report, 30 * 100 * ms, collect, &emitted, &err));
	journal_fold_release(fold);
	/* --no-fold: nothing held. */
	journal_fold_init(fold, 0);
	report->diagnosis.repeat.count = 9;
	CHECK(!journal_fold_hold(fold, report, 0, collect, &emitted, &err));
	CHECK(!journal_fold_hold(fold, report, 1, collect, &emitted, &err));
	journal_fold_release(fold);
	free(fold);
	free(report);
}

int main(void)
{
	/* SIGALRM interrupts a blocked send at the stop, as in bindsnoop. */
	signals_install(false);
	test_cgroup_units();
	test_report_entry();
	test_stalled_journald();
	test_finish_with_stalled_journald();
	test_journald_down_then_up();
	test_restart_loop();
	return unit_summary();
}
