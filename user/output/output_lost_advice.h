/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * An output that writes no events: the first time the kernel loses events
 * it says so on stream (stderr), once, with the fix: a BPF ring buffer
 * cannot be resized while the programs run, so the size to restart with.
 * main() adds it where no table already warns on stderr (--json, --quiet).
 */
#ifndef BINDSNOOP_OUTPUT_LOST_ADVICE_H
#define BINDSNOOP_OUTPUT_LOST_ADVICE_H

#include <stdio.h>
#include <linux/types.h>
#include "output/output.h"

/* NULL when out of memory. */
struct output *output_lost_advice_new(FILE *stream, __u32 ring_buffer_mb);

#endif /* BINDSNOOP_OUTPUT_LOST_ADVICE_H */
