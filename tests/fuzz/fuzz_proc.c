// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The /proc parsers fed truncated and hostile contents: stat (a comm with
 * spaces and ')', missing fields; its ppid too), cgroup (no v2 line, huge paths),
 * cmdline (NULs, cut characters, any output size) and fd links.
 */
#include "fuzz_input.h"
#include "enrich/proc_sockets.h"
#include "enrich/cgroup_identity.h"
#include "enrich/procinfo.h"
#include "report.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text, comm[BS_COMM_LEN], cgroup[REPORT_CGROUP_MAX], *cmdline;
	__u64 starttime, inode;
	__u32 ppid;
	size_t out_size, len;

	if (size < 2)
		return 0;
	text = malloc(size);
	memcpy(text, data + 2, size - 2);
	text[size - 2] = '\0';
	switch (data[0] % 4) {
	case 0:
		memset(comm, 'x', sizeof(comm));
		if (procinfo_parse_stat(text, comm, &starttime) == 0)
			FUZZ_CHECK(strnlen(comm, sizeof(comm)) < sizeof(comm), "comm not ended");
		/* The parent pid (--who's parent chain), from the same file. */
		if (procinfo_parse_ppid(text, &ppid) == 0)
			FUZZ_CHECK(strrchr(text, ')') != NULL, "a ppid without a comm");
		break;
	case 1:
		cgroup_best_path(text, cgroup, sizeof(cgroup));
		FUZZ_CHECK(strnlen(cgroup, sizeof(cgroup)) < sizeof(cgroup), "cgroup not ended");
		break;
	case 2:
		out_size = 1 + data[1] % 64;
		cmdline = malloc(out_size);
		len = procinfo_cmdline_format(cmdline, out_size, (const char *)data + 2, size - 2);
		FUZZ_CHECK(len < out_size && strlen(cmdline) == len, "length %zu in %zu", len,
			   out_size);
		free(cmdline);
		break;
	default:
		if (proc_sockets_parse_link((const char *)data + 2, size - 2, &inode))
			FUZZ_CHECK(size - 2 >= 10 && !memcmp(data + 2, "socket:[", 8),
				   "accepted a link that is not a socket");
		break;
	}
	free(text);
	return 0;
}
