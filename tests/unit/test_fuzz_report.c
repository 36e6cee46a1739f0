/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The fuzz harness's report (tests/fuzz/fuzz_report.h) reaches every text of a
 * bind report that a process or an admin chooses: fed an input without zero
 * bytes, it leaves none of them empty, so the JSON and syslog fuzz targets
 * send hostile bytes through each.
 */
#include "../fuzz/fuzz_report.h"
#include "unit.h"

/*
 * Two reports, of inputs all 'A' and all 'C' bytes: a length is the input's
 * number modulo the field's room, so one fill alone may give a field 0 bytes.
 * A field passes when either report has it filled.
 */
static struct bind_report reports[2];

#define CHECK_FILLED(field) \
	unit_record(reports[0].field[0] || reports[1].field[0], __FILE__, __LINE__, #field " filled")
#define CHECK_SOME(count) \
	unit_record(reports[0].count || reports[1].count, __FILE__, __LINE__, #count " > 0")

#define CHECK_IDENTITY(identity)                             \
	do {                                                 \
		CHECK_FILLED(identity.exe);                  \
		CHECK_FILLED(identity.cgroup);               \
		CHECK_FILLED(identity.service);              \
		CHECK_FILLED(identity.container.id);         \
		CHECK_FILLED(identity.container.engine);     \
		CHECK_FILLED(identity.container.name);       \
		CHECK_FILLED(identity.container.image);      \
		CHECK_FILLED(identity.container.pod_uid);    \
		CHECK_FILLED(identity.container.pod_namespace); \
		CHECK_FILLED(identity.container.pod_name);   \
		CHECK_FILLED(identity.container.container_name); \
	} while (0)

int main(void)
{
	static uint8_t data[1 << 20];

	for (int i = 0; i < 2; i++) {
		struct fuzz_input in = { data, sizeof(data) };

		memset(data, 'A' + 2 * i, sizeof(data));
		fuzz_report(&in, &reports[i]);
	}
	CHECK_FILLED(caller.comm);
	CHECK_FILLED(caller.cmdline);
	CHECK_FILLED(caller.cgroup);
	CHECK_IDENTITY(caller.identity);
	CHECK_SOME(caller.parent_count);
	CHECK_FILLED(caller.parents[0].comm);
	CHECK_FILLED(caller.socket_options.device);
	CHECK_SOME(holder_count);
	CHECK_SOME(holders[0].process_count);
	CHECK_FILLED(holders[0].processes[0].comm);
	CHECK_FILLED(holders[0].processes[0].cmdline);
	CHECK_IDENTITY(holders[0].processes[0].identity);
	CHECK_FILLED(diagnosis.summary);
	CHECK_FILLED(diagnosis.fix);
	CHECK_FILLED(diagnosis.repeat.who);
	return unit_summary();
}
