/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * live-test --self-test: the harness checked without bindsnoop, so a red
 * live run means bindsnoop, not the conflict helpers (the JSON checker's
 * own tests are the unit test test_json_checker).
 */
#ifndef LIVE_SELFTEST_H
#define LIVE_SELFTEST_H

/* Prints "ok"/"FAIL" lines and a summary; returns the exit status. */
int run_self_test(void);

#endif /* LIVE_SELFTEST_H */
