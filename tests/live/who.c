// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * bindsnoop --who: a one-shot answer, no tracing. A listening holder, a
 * TIME_WAIT socket with its time left, a free port, a port held only
 * inside another network namespace (found with --all-netns, free without),
 * and a holder's parents up to its supervisor.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <unistd.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include "audit.h"
#include "env.h"
#include "live.h"
#include "scenarios.h"
#include "steps.h"

struct who_answer {
	int exit_status;	      /* -1: did not exit by itself */
	struct json_value *lines[16]; /* parsed --json lines */
	int line_count;
	char text[4096]; /* what it printed, for failure messages */
};

static void who_answer_free(struct who_answer *answer)
{
	for (int i = 0; i < answer->line_count; i++)
		json_free(answer->lines[i]);
}

/* Run bindsnoop --who LIST --json [--all-netns]; 0, or -1 with the reason set. */
static int ask_who(struct test_context *ctx, const char *ports, bool all_netns,
		   struct who_answer *answer)
{
	const char *args[] = { "--who", ports, "--json", all_netns ? "--all-netns" : NULL, NULL };
	char *out_text = NULL, *err_text = NULL, *line, *next;
	int status, err;

	memset(answer, 0, sizeof(*answer));
	answer->exit_status = -1;
	err = run_bindsnoop_once(args, LIVE_EXIT_MS, &status, &out_text, &err_text);
	if (err) {
		test_fail(ctx, "bindsnoop --who %s: %s; stderr: %s", ports,
			  err == -EBUSY ? "it started tracing" : strerror(-err),
			  err_text ? err_text : "");
		free(out_text);
		free(err_text);
		return -1;
	}
	if (WIFEXITED(status))
		answer->exit_status = WEXITSTATUS(status);
	snprintf(answer->text, sizeof(answer->text), "%s%s", out_text, err_text);
	for (line = out_text; line && *line && answer->line_count < 16; line = next) {
		char problem[256];

		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		answer->lines[answer->line_count] =
			json_parse(line, strlen(line), problem, sizeof(problem));
		audit_line(line, answer->lines[answer->line_count], problem);
		if (!answer->lines[answer->line_count]) {
			test_fail(ctx, "--who printed a line that is not JSON (%s): %s", problem,
				  line);
			free(out_text);
			free(err_text);
			return -1;
		}
		answer->line_count++;
	}
	free(out_text);
	free(err_text);
	return 0;
}

static bool json_string_is(const struct json_value *root, const char *path, const char *want)
{
	const struct json_value *value = json_get(root, path);

	return value && value->type == JSON_STRING && !strcmp(value->string, want);
}

static long long json_integer(const struct json_value *root, const char *path)
{
	const struct json_value *value = json_get(root, path);

	return value && value->type == JSON_NUMBER ? value->integer : -1;
}

/* The "held" line for port whose holder has state (and, if pid, that process). */
static const struct json_value *find_held(const struct who_answer *answer, unsigned int port,
					  const char *state, pid_t pid)
{
	for (int i = 0; i < answer->line_count; i++) {
		const struct json_value *line = answer->lines[i];

		if (!json_string_is(line, "event", "held") || json_integer(line, "port") != port ||
		    !json_string_is(line, "holder.state", state))
			continue;
		if (!pid || json_integer(line, "holder.processes[0].pid") == pid)
			return line;
	}
	return NULL;
}

static bool has_free(const struct who_answer *answer, unsigned int port)
{
	for (int i = 0; i < answer->line_count; i++) {
		if (json_string_is(answer->lines[i], "event", "free") &&
		    json_integer(answer->lines[i], "port") == port)
			return true;
	}
	return false;
}

enum test_result test_who_holder(struct test_context *ctx)
{
	unsigned int port = test_port(ctx);
	struct who_answer answer;
	struct holder holder;
	enum test_result result = TEST_PASS;
	char ports[16];

	if (!port)
		return TEST_FAIL;
	if (start_holder(ctx,
			 &(struct holder_spec){ .comm = "lt-who-holder",
						.family = AF_INET,
						.type = SOCK_STREAM,
						.addr = "127.0.0.1",
						.port = port,
						.listen = true,
						.v6only = -1 },
			 &holder))
		return TEST_FAIL;
	snprintf(ports, sizeof(ports), "%u", port);
	if (ask_who(ctx, ports, false, &answer))
		return TEST_FAIL;
	if (answer.exit_status != 0)
		result = test_fail(ctx, "exit status %d, expected 0 (held): %s", answer.exit_status,
				   answer.text);
	else if (!find_held(&answer, port, "LISTEN", helper_pid(holder.helper)))
		result = test_fail(ctx, "no \"held\" line naming LISTEN and pid %d: %s",
				   (int)helper_pid(holder.helper), answer.text);
	who_answer_free(&answer);
	return result;
}

/*
 * A holder named to drive the terminal: a C1 CSI as a code point and as a
 * raw byte, a right-to-left override. --who's table (with --wide's command
 * lines) shows none of them raw, as the trace table does not.
 */
enum test_result test_who_hostile_name(struct test_context *ctx)
{
	static const char *const raw[] = { "\xc2\x9b", "\xe2\x80\xae", "\x9b" };
	unsigned int port = test_port(ctx);
	char *out_text = NULL, *err_text = NULL;
	enum test_result result = TEST_PASS;
	struct holder_spec listener;
	struct holder holder;
	char ports[16];
	int status, err;

	if (!port)
		return TEST_FAIL;
	listener = tcp4_listener("w\xc2\x9b\xe2\x80\xae\x9bx", port);
	if (start_holder(ctx, &listener, &holder))
		return TEST_FAIL;
	snprintf(ports, sizeof(ports), "%u", port);
	err = run_bindsnoop_once((const char *[]){ "--who", ports, "--wide", NULL }, LIVE_EXIT_MS,
				 &status, &out_text, &err_text);
	if (err || !out_text) {
		result = test_fail(ctx, "bindsnoop --who %s --wide: %s", ports, strerror(-err));
	} else if (!strstr(out_text, "w???x")) {
		result = test_fail(ctx, "the holder is not shown as w???x: %s", out_text);
	} else {
		for (size_t i = 0; i < sizeof(raw) / sizeof(raw[0]); i++)
			if (strstr(out_text, raw[i]))
				result = test_fail(ctx, "a control of the name reached the terminal "
							"raw (sequence %zu): %s",
						   i, out_text);
	}
	free(out_text);
	free(err_text);
	return result;
}

enum test_result test_who_time_wait(struct test_context *ctx)
{
	unsigned int port = test_port(ctx);
	const struct json_value *line;
	struct who_answer answer;
	enum test_result result = TEST_PASS;
	char ports[16];

	if (!port)
		return TEST_FAIL;
	if (leave_time_wait(ctx, "lt-who-tw", "lt-who-client", port))
		return TEST_FAIL;
	snprintf(ports, sizeof(ports), "%u", port);
	if (ask_who(ctx, ports, false, &answer))
		return TEST_FAIL;
	line = find_held(&answer, port, "TIME_WAIT", 0);
	if (answer.exit_status != 0)
		result = test_fail(ctx, "exit status %d, expected 0 (held): %s", answer.exit_status,
				   answer.text);
	else if (!line)
		result = test_fail(ctx, "no TIME_WAIT holder: %s", answer.text);
	else if (json_integer(line, "time_wait_left_ms") <= 0 ||
		 json_integer(line, "time_wait_left_ms") > 60000)
		result =
			test_fail(ctx, "time_wait_left_ms is not within 1..60000: %s", answer.text);
	who_answer_free(&answer);
	return result;
}

enum test_result test_who_free(struct test_context *ctx)
{
	unsigned int port = test_port(ctx);
	struct who_answer answer;
	enum test_result result = TEST_PASS;
	char ports[16];

	if (!port)
		return TEST_FAIL;
	snprintf(ports, sizeof(ports), "%u", port);
	if (ask_who(ctx, ports, true, &answer))
		return TEST_FAIL;
	if (answer.exit_status != 1)
		result = test_fail(ctx, "exit status %d, expected 1 (free): %s", answer.exit_status,
				   answer.text);
	else if (answer.line_count != 1 || !has_free(&answer, port))
		result = test_fail(ctx, "expected one \"free\" line: %s", answer.text);
	who_answer_free(&answer);
	return result;
}

/* The line of --who's answer about a Unix-domain name, with event held or free. */
static const struct json_value *find_path(const struct who_answer *answer, const char *path,
					  const char *event)
{
	for (int i = 0; i < answer->line_count; i++) {
		const struct json_value *line = answer->lines[i];

		if (json_string_is(line, "event", event) && json_string_is(line, "path", path))
			return line;
	}
	return NULL;
}

/*
 * An abstract name lives in its network namespace: bound by in_netns's
 * helper, it is free here and held there, found with --all-netns.
 */
static enum test_result who_unix_other_netns(struct test_context *ctx, struct helper *in_netns,
					     unsigned long long netns)
{
	enum test_result result = TEST_PASS;
	const struct json_value *line;
	struct who_answer answer;
	char name[64];
	int slot, err;

	snprintf(name, sizeof(name), "@lt-who-netns-%d", (int)getpid());
	slot = helper_socket(in_netns, AF_UNIX, SOCK_STREAM, 0);
	err = slot < 0 ? slot : helper_bind(in_netns, slot, AF_UNIX, name, 0);
	if (err)
		return test_fail(ctx, "setup: binding %s in the namespace: %s", name,
				 errno_name(-err));
	if (ask_who(ctx, name, false, &answer))
		return TEST_FAIL;
	if (answer.exit_status != 1 || !find_path(&answer, name, "free"))
		result = test_fail(ctx,
				   "%s without --all-netns: exit %d, expected 1 and \"free\": %s",
				   name, answer.exit_status, answer.text);
	who_answer_free(&answer);
	if (result != TEST_PASS || ask_who(ctx, name, true, &answer))
		return result != TEST_PASS ? result : TEST_FAIL;
	line = find_path(&answer, name, "held");
	if (answer.exit_status != 0 || !line ||
	    json_integer(line, "holder.processes[0].pid") != helper_pid(in_netns) ||
	    (unsigned long long)json_integer(line, "netns") != netns)
		result = test_fail(ctx,
				   "%s with --all-netns: exit %d, expected 0 and held by pid %d "
				   "in netns %llu: %s",
				   name, answer.exit_status, (int)helper_pid(in_netns), netns,
				   answer.text);
	who_answer_free(&answer);
	return result;
}

enum test_result test_who_other_netns(struct test_context *ctx)
{
	unsigned int port = test_port(ctx);
	unsigned long long netns = 0;
	const char *failed_step = "?";
	const struct json_value *line;
	struct who_answer answer;
	struct helper *in_netns;
	struct holder holder;
	enum test_result result = TEST_PASS;
	char ports[16];
	int ret;

	if (!port)
		return TEST_FAIL;
	in_netns = test_helper(ctx, "lt-who-netns");
	if (!in_netns)
		return TEST_FAIL;
	ret = helper_unshare_net(in_netns, &netns, &failed_step);
	if (ret == -EPERM && in_container())
		return test_skip(ctx, "%s: EPERM inside a container", failed_step);
	if (ret)
		return test_fail(ctx, "setup: %s: %s", failed_step, errno_name(-ret));
	if (holder_setup(ctx, in_netns,
			 &(struct holder_spec){ .family = AF_INET,
						.type = SOCK_STREAM,
						.addr = "127.0.0.1",
						.port = port,
						.listen = true,
						.v6only = -1 },
			 &holder))
		return TEST_FAIL;
	snprintf(ports, sizeof(ports), "%u", port);
	/* Our own namespace only: the port is free here. */
	if (ask_who(ctx, ports, false, &answer))
		return TEST_FAIL;
	if (answer.exit_status != 1 || !has_free(&answer, port))
		result = test_fail(ctx, "without --all-netns: exit %d, expected 1 and \"free\": %s",
				   answer.exit_status, answer.text);
	who_answer_free(&answer);
	if (result != TEST_PASS)
		return result;
	if (ask_who(ctx, ports, true, &answer))
		return TEST_FAIL;
	line = find_held(&answer, port, "LISTEN", helper_pid(in_netns));
	if (answer.exit_status != 0 || !line)
		result = test_fail(ctx,
				   "with --all-netns: exit %d, expected 0 and LISTEN by pid %d: %s",
				   answer.exit_status, (int)helper_pid(in_netns), answer.text);
	else if ((unsigned long long)json_integer(line, "netns") != netns)
		result = test_fail(ctx, "netns %lld, expected %llu: %s",
				   json_integer(line, "netns"), netns, answer.text);
	who_answer_free(&answer);
	if (result != TEST_PASS)
		return result;
	return who_unix_other_netns(ctx, in_netns, netns);
}

/* A process tree as a supervisor makes one: supervisord -> sh -> the holder. */
struct process_tree {
	pid_t supervisor; /* leads the process group the test kills */
	pid_t shell;
	pid_t holder;
};

/* The tree below the test: each level names itself, dies with its parent, forks the next. */
static void __attribute__((noreturn)) tree_run(unsigned int port, int ready_fd)
{
	static const char *const names[] = { "supervisord", "sh", "lt-who-chain" };
	struct sockaddr_in addr = { .sin_family = AF_INET, .sin_port = htons(port) };
	pid_t pids[2];
	int fd;

	for (int depth = 0;; depth++) {
		prctl(PR_SET_NAME, names[depth]);
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (depth == 2)
			break;
		if (fork() != 0)
			for (;;)
				pause();
	}
	addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&addr, sizeof(addr)) || listen(fd, 1))
		_exit(1);
	pids[0] = getppid();
	pids[1] = getpid();
	if (write(ready_fd, pids, sizeof(pids)) != sizeof(pids))
		_exit(1);
	for (;;)
		pause();
}

static int tree_start(struct test_context *ctx, unsigned int port, struct process_tree *tree)
{
	struct pollfd ready = { .events = POLLIN };
	pid_t pids[2];
	int pipe_fds[2];

	if (pipe2(pipe_fds, O_CLOEXEC))
		return test_fail(ctx, "pipe: %s", strerror(errno)), -1;
	tree->supervisor = fork();
	if (tree->supervisor == 0) {
		setpgid(0, 0);
		close(pipe_fds[0]);
		tree_run(port, pipe_fds[1]);
	}
	close(pipe_fds[1]);
	ready.fd = pipe_fds[0];
	/* Bounded: the holder writes its parent's pid and its own once it listens. */
	if (tree->supervisor < 0 || poll(&ready, 1, LIVE_EXIT_MS) != 1 ||
	    read(pipe_fds[0], pids, sizeof(pids)) != sizeof(pids)) {
		close(pipe_fds[0]);
		return test_fail(ctx, "the process tree did not come to listen on %u", port), -1;
	}
	close(pipe_fds[0]);
	tree->shell = pids[0];
	tree->holder = pids[1];
	return 0;
}

static void tree_stop(struct process_tree *tree)
{
	if (tree->supervisor <= 0)
		return;
	kill(-tree->supervisor, SIGKILL);
	waitpid(tree->supervisor, NULL, 0);
}

/*
 * A holder under a shell under a supervisor: --who --json gives its parents,
 * the parent first, up to the supervisor (where the walk stops) and "started_by"
 * supervisord; the table says who started it, --wide the chain.
 */
enum test_result test_who_parent_chain(struct test_context *ctx)
{
	unsigned int port = test_port(ctx);
	struct process_tree tree = { 0 };
	enum test_result result = TEST_PASS;
	char *out_text = NULL, *err_text = NULL;
	const struct json_value *line;
	struct who_answer answer;
	char ports[16], want[160];
	int status;

	if (!port || tree_start(ctx, port, &tree)) {
		tree_stop(&tree);
		return TEST_FAIL;
	}
	snprintf(ports, sizeof(ports), "%u", port);
	if (ask_who(ctx, ports, false, &answer)) {
		tree_stop(&tree);
		return TEST_FAIL;
	}
	line = find_held(&answer, port, "LISTEN", tree.holder);
	if (!line)
		result = test_fail(ctx, "no \"held\" line naming pid %d: %s", (int)tree.holder,
				   answer.text);
	else if (json_integer(line, "holder.processes[0].parents[0].pid") != tree.shell ||
		 !json_string_is(line, "holder.processes[0].parents[0].comm", "sh") ||
		 json_integer(line, "holder.processes[0].parents[1].pid") != tree.supervisor ||
		 !json_string_is(line, "holder.processes[0].parents[1].comm", "supervisord") ||
		 json_get(line, "holder.processes[0].parents[2]"))
		result = test_fail(ctx, "parents are not sh[%d] then supervisord[%d] alone: %s",
				   (int)tree.shell, (int)tree.supervisor, answer.text);
	else if (!json_string_is(line, "holder.processes[0].started_by", "supervisord"))
		result = test_fail(ctx, "started_by is not supervisord: %s", answer.text);
	who_answer_free(&answer);
	if (result == TEST_PASS &&
	    !run_bindsnoop_once((const char *[]){ "--who", ports, "--wide", NULL }, LIVE_EXIT_MS,
				&status, &out_text, &err_text)) {
		snprintf(want, sizeof(want),
			 "parents: sh[%d] < supervisord[%d] (started by supervisord)",
			 (int)tree.shell, (int)tree.supervisor);
		if (!strstr(out_text, want))
			result = test_fail(ctx, "--wide has no \"%s\": %s", want, out_text);
		snprintf(want, sizeof(want), "lt-who-chain[%d] (started by supervisord, running for ",
			 (int)tree.holder);
		if (result == TEST_PASS && !strstr(out_text, want))
			result = test_fail(ctx, "the row has no \"%s\": %s", want, out_text);
	} else if (result == TEST_PASS) {
		result = test_fail(ctx, "bindsnoop --who %s --wide did not run", ports);
	}
	free(out_text);
	free(err_text);
	tree_stop(&tree);
	return result;
}

/*
 * --who with ports and Unix-domain names mixed: a listener's path and an
 * abstract name held by a real process (named by pid), a socket file left
 * by a listener killed with SIGKILL (stale, the fix rm), an absent path and
 * a free port, in one answer, exit 0; the stale file alone: exit 1, and the
 * table says stale and the fix.
 */
enum test_result test_who_unix(struct test_context *ctx)
{
	unsigned int port = test_port(ctx);
	char absent[96], abstract[64], list[512], fix[128];
	char *out_text = NULL, *err_text = NULL;
	enum test_result result = TEST_PASS;
	const struct json_value *line;
	struct helper *holder, *abstract_holder;
	struct unix_paths paths;
	struct who_answer answer;
	int err, status;

	holder = port ? unix_live_and_stale(ctx, "lt-who-unix", "lt-who-killed", &paths) : NULL;
	if (!holder)
		return TEST_FAIL;
	snprintf(absent, sizeof(absent), "%s/absent.sock", paths.dir);
	snprintf(abstract, sizeof(abstract), "@lt-who-%d", (int)getpid());
	snprintf(fix, sizeof(fix), "rm %s", paths.stale);
	abstract_holder = unix_holder(ctx, "lt-who-abs", SOCK_DGRAM, abstract);
	if (!abstract_holder) {
		unix_dir_remove(paths.dir, unix_live_and_stale_names);
		return TEST_FAIL;
	}
	snprintf(list, sizeof(list), "%u,%s,%s,%s,%s", port, paths.live, paths.stale, abstract,
		 absent);
	if (ask_who(ctx, list, false, &answer)) {
		unix_dir_remove(paths.dir, unix_live_and_stale_names);
		return TEST_FAIL;
	}
	if (answer.exit_status != 0)
		result = test_fail(ctx, "exit status %d, expected 0 (held): %s", answer.exit_status,
				   answer.text);
	else if (!(line = find_path(&answer, paths.live, "held")) ||
		 !json_string_is(line, "holder.state", "LISTEN") ||
		 !json_string_is(line, "holder.family", "unix") ||
		 json_integer(line, "holder.processes[0].pid") != helper_pid(holder))
		result = test_fail(ctx, "no \"held\" line for %s naming LISTEN and pid %d: %s",
				   paths.live, (int)helper_pid(holder), answer.text);
	else if (!(line = find_path(&answer, abstract, "held")) ||
		 json_integer(line, "holder.processes[0].pid") != helper_pid(abstract_holder))
		result = test_fail(ctx, "no \"held\" line for %s naming pid %d: %s", abstract,
				   (int)helper_pid(abstract_holder), answer.text);
	else if (!(line = find_path(&answer, paths.stale, "free")) ||
		 !json_string_is(line, "file", "socket") ||
		 !json_string_is(line, "diagnosis.cause", "stale_socket_file") ||
		 !json_get(line, "diagnosis.fix") ||
		 !strstr(json_get(line, "diagnosis.fix")->string, fix))
		result = test_fail(ctx,
				   "no \"free\" line for %s saying stale_socket_file and %s: %s",
				   paths.stale, fix, answer.text);
	else if (!(line = find_path(&answer, absent, "free")) ||
		 !json_string_is(line, "file", "absent"))
		result = test_fail(ctx, "no \"free\" line for %s with file absent: %s", absent,
				   answer.text);
	else if (!has_free(&answer, port))
		result = test_fail(ctx, "no \"free\" line for port %u: %s", port, answer.text);
	who_answer_free(&answer);
	if (result == TEST_PASS) {
		err = run_bindsnoop_once((const char *[]){ "--who", paths.stale, NULL },
					 LIVE_EXIT_MS, &status, &out_text, &err_text);
		if (err || !WIFEXITED(status) || WEXITSTATUS(status) != 1)
			result = test_fail(ctx, "--who %s: %s, expected exit 1 (nothing holds it)",
					   paths.stale, err ? strerror(-err) : "another exit");
		else if (!out_text || !strstr(out_text, " stale ") || !strstr(out_text, fix))
			result = test_fail(ctx, "the table does not say stale and \"%s\": %s", fix,
					   out_text ? out_text : "");
		free(out_text);
		free(err_text);
	}
	unix_dir_remove(paths.dir, unix_live_and_stale_names);
	return result;
}
