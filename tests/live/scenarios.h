/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* The tests; main.c lists them in the order they run. */
#ifndef LIVE_SCENARIOS_H
#define LIVE_SCENARIOS_H

#include <stdio.h>
#include "runner.h"

/* scenarios.c: real conflicts seen through the shared tracer */
enum test_result test_tcp4(struct test_context *ctx);
enum test_result test_tcp4_wildcard(struct test_context *ctx);
enum test_result test_udp4(struct test_context *ctx);
enum test_result test_tcp6_dualstack(struct test_context *ctx);
enum test_result test_tcp6(struct test_context *ctx);
enum test_result test_mptcp(struct test_context *ctx);
enum test_result test_listen_time(struct test_context *ctx);
enum test_result test_eacces(struct test_context *ctx);
enum test_result test_einval_already_bound(struct test_context *ctx);
enum test_result test_eaddrnotavail(struct test_context *ctx);
enum test_result test_netns(struct test_context *ctx);
enum test_result test_json_escape(struct test_context *ctx);

/* unix_binds.c: AF_UNIX binds, each cause made for real */
enum test_result test_unix_stale_file(struct test_context *ctx);
enum test_result test_unix_live_holder(struct test_context *ctx);
enum test_result test_unix_holder_other_netns(struct test_context *ctx);
enum test_result test_unix_abstract(struct test_context *ctx);
enum test_result test_unix_not_a_socket(struct test_context *ctx);
enum test_result test_unix_no_directory(struct test_context *ctx);
enum test_result test_unix_denied(struct test_context *ctx);
enum test_result test_unix_path_filter(struct test_context *ctx);
enum test_result test_unix_socat_twice(struct test_context *ctx);
enum test_result test_unix_no_sock_diag(struct test_context *ctx);
/* ... and what who.c's Unix-domain tests make with them: */
/* A fresh directory under /tmp, mode 0755, for one test's paths; "" if it could not be made. */
void unix_dir_make(char *dir, size_t len);
/* What a test left under dir (names: leaves, NULL-ended; one level down at most), and dir. */
void unix_dir_remove(const char *dir, const char *const *names);
/* A helper named comm with a socket of type bound to path, listening if stream; NULL: failed. */
struct helper *unix_holder(struct test_context *ctx, const char *comm, int type, const char *path);
/* A stream socket file at path left by a listener killed with SIGKILL: 0 or -errno. */
int unix_stale_file(const char *comm, const char *path);
/* A fresh directory, a held socket file and a stale one in it (unix_live_and_stale). */
struct unix_paths {
	char dir[64];
	char live[96];	/* dir/live.sock, a listener's */
	char stale[96]; /* dir/stale.sock, left by a listener killed with SIGKILL */
};
/* What unix_live_and_stale leaves under the directory, for unix_dir_remove. */
extern const char *const unix_live_and_stale_names[];
/* The listener on paths->live (a helper named comm), or NULL with the reason set and no files. */
struct helper *unix_live_and_stale(struct test_context *ctx, const char *comm,
				   const char *killed_comm, struct unix_paths *paths);

/* diagnosis.c: each cause code made for real */
enum test_result test_cause_other_program(struct test_context *ctx);
enum test_result test_caller_exits_same_program(struct test_context *ctx);
enum test_result test_caller_exits_other_program(struct test_context *ctx);
enum test_result test_cause_dual_stack(struct test_context *ctx);
enum test_result test_cause_time_wait(struct test_context *ctx);
enum test_result test_cause_reuseport(struct test_context *ctx);
enum test_result test_cause_ports_exhausted(struct test_context *ctx);
enum test_result test_autobind_exhausted(struct test_context *ctx);

/* who.c: bindsnoop --who, no tracing */
enum test_result test_who_holder(struct test_context *ctx);
enum test_result test_who_hostile_name(struct test_context *ctx);
enum test_result test_who_time_wait(struct test_context *ctx);
enum test_result test_who_parent_chain(struct test_context *ctx);
enum test_result test_who_free(struct test_context *ctx);
enum test_result test_who_other_netns(struct test_context *ctx);
enum test_result test_who_unix(struct test_context *ctx);

/* flags.c: scenarios that need a bindsnoop of their own */
enum test_result test_holder_before_tracer(struct test_context *ctx);
enum test_result test_port_filter(struct test_context *ctx);
enum test_result test_all_flag(struct test_context *ctx);

/* filters.c: --errno, --pid, --uid, --comm against failures to keep and to leave out */
enum test_result test_errno_filter_name(struct test_context *ctx);
enum test_result test_errno_filter_number(struct test_context *ctx);
enum test_result test_errno_uid_filter(struct test_context *ctx);
enum test_result test_pid_filter(struct test_context *ctx);
enum test_result test_uid_filter(struct test_context *ctx);
enum test_result test_comm_filter(struct test_context *ctx);

/* option_effects.c: options no scenario exercises otherwise, each against a real conflict */
enum test_result test_wide_table(struct test_context *ctx);
enum test_result test_output_quiet(struct test_context *ctx);
enum test_result test_syslog_unix(struct test_context *ctx);
enum test_result test_syslog_queue(struct test_context *ctx);

/* journal.c: --journal against a journald of the test's own */
enum test_result test_journal(struct test_context *ctx);
enum test_result test_journal_stalled(struct test_context *ctx);
enum test_result test_verbose(struct test_context *ctx);
enum test_result test_no_proc_lookup(struct test_context *ctx);
enum test_result test_no_kernel_holders(struct test_context *ctx);
enum test_result test_hidden_helpers(struct test_context *ctx);
enum test_result test_no_sock_diag(struct test_context *ctx);
enum test_result test_ring_buffer_mb(struct test_context *ctx);
enum test_result test_ring_buffer_default(struct test_context *ctx);
enum test_result test_verifier_cost(struct test_context *ctx);
enum test_result test_idle_memory(struct test_context *ctx);
enum test_result test_ring_buffer_lost(struct test_context *ctx);
enum test_result test_poll_ms(struct test_context *ctx);
enum test_result test_fold(struct test_context *ctx);
enum test_result test_no_fold(struct test_context *ctx);
enum test_result test_fold_two_protocols(struct test_context *ctx);
enum test_result test_metrics_option(struct test_context *ctx);
enum test_result test_help_option(struct test_context *ctx);
enum test_result test_version_option(struct test_context *ctx);

/* option_table.c: every option names live tests that exist, and is in --help */
enum test_result test_options_table(struct test_context *ctx);
/* 0, or -EINVAL after a line on err for each option naming no test or a missing one. */
int option_tests_check(FILE *err);

/* lifecycle.c: how bindsnoop ends, usage errors, the output as a whole */
enum test_result test_sigint_exit(struct test_context *ctx);
enum test_result test_sigterm_exit(struct test_context *ctx);
enum test_result test_closed_stdout(struct test_context *ctx);
enum test_result test_usage_port_too_big(struct test_context *ctx);
enum test_result test_usage_port_not_number(struct test_context *ctx);
enum test_result test_usage_port_reversed_range(struct test_context *ctx);
enum test_result test_usage_pid_negative(struct test_context *ctx);
enum test_result test_usage_unknown_option(struct test_context *ctx);
enum test_result test_usage_output_twice(struct test_context *ctx);
enum test_result test_usage_fold_ms_no_fold(struct test_context *ctx);
enum test_result test_usage_who_backend(struct test_context *ctx);
enum test_result test_json_valid(struct test_context *ctx);

#endif /* LIVE_SCENARIOS_H */
