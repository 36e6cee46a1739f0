// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The lost-event advice: one stderr line, the first time only, naming the fix. */
#include <stdlib.h>
#include "unit.h"
#include "output/output_lost_advice.h"

/* What the advice wrote to its stream, after the given lost() calls. */
static char *advice_text(__u32 ring_buffer_mb, const __u64 *lost, int calls)
{
	FILE *stream = tmpfile();
	struct output *advice = output_lost_advice_new(stream, ring_buffer_mb);
	char *text = calloc(1, 4096);

	for (int i = 0; i < calls; i++) {
		CHECK_INT(advice->ops->lost(advice, i + 1, 0, lost[i]), 0);
		CHECK_INT(advice->ops->flush(advice), 0);
	}
	rewind(stream);
	if (!fread(text, 1, 4095, stream))
		text[0] = '\0';
	output_destroy(advice);
	fclose(stream);
	return text;
}

int main(void)
{
	const __u64 storms[] = { 7, 300, 5 };
	char *text;

	/* Nothing lost: nothing said. */
	text = advice_text(2, storms, 0);
	CHECK_STR(text, "");
	free(text);

	/* Said once, with the first count and a ring four times the size. */
	text = advice_text(2, storms, 3);
	CHECK_STR(text, "bindsnoop: 7 events lost: they came faster than the 2 MiB ring buffer "
			"was read; restart with --ring-buffer-mb 8, or narrow the filters\n");
	free(text);

	/* Never past the largest ring --ring-buffer-mb takes. */
	text = advice_text(512, storms, 1);
	CHECK_CONTAINS(text, "--ring-buffer-mb 1024,");
	free(text);
	text = advice_text(1024, storms, 1);
	CHECK_CONTAINS(text, "the 1024 MiB ring buffer was read; narrow the filters");
	free(text);
	return unit_summary();
}
