// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * syslog_render_report with hostile names: one RFC 5424 message, no
 * newline, a header of six fields, structured data whose values hold no
 * control byte and only UTF-8 (escapes honoured), and a message text that
 * json-c reads as one strict JSON object.
 */
#include "fuzz_report.h"
#include "strbuf.h"
#include "output/syslog_message.h"

/* The end of the structured data that starts at sd ('['), or NULL. */
static const char *sd_end(const char *sd, const char *end)
{
	bool in_value = false;

	for (const char *at = sd; at < end; at++) {
		if (in_value && *at == '\\') {
			at++;
			continue;
		}
		if (*at == '"')
			in_value = !in_value;
		else if (!in_value && *at == ']' && (at + 1 == end || at[1] != '['))
			return at + 1;
	}
	return NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_input in = { data, size };
	struct strbuf message = STRBUF_INIT;
	struct syslog_identity id;
	static struct bind_report report;
	const char *at, *end, *sd_stop;
	struct json_object *json;
	char hostname[64];

	fuzz_string(&in, hostname, sizeof(hostname));
	syslog_identity_init(&id, fuzz_number(&in, 1) % 24, hostname, fuzz_number(&in, 4));
	fuzz_report(&in, &report);
	FUZZ_CHECK(syslog_render_report(&message, &id, &report) == 0, "render failed");
	end = message.data + message.len;
	FUZZ_CHECK(!memchr(message.data, '\n', message.len), "newline in %s", message.data);
	FUZZ_CHECK(message.data[0] == '<', "no PRI");
	/* PRI+VERSION, TIMESTAMP, HOSTNAME, APP-NAME, PROCID, MSGID */
	at = message.data;
	for (int field = 0; field < 6; field++) {
		at = memchr(at, ' ', end - at);
		FUZZ_CHECK(at, "header field %d missing", field);
		at++;
	}
	FUZZ_CHECK(*at == '[', "no structured data: %s", message.data);
	sd_stop = sd_end(at, end);
	FUZZ_CHECK(sd_stop, "structured data never ends: %s", message.data);
	FUZZ_CHECK(utf8_valid(at, sd_stop - at), "structured data not UTF-8");
	for (const char *c = at; c < sd_stop; c++)
		FUZZ_CHECK((unsigned char)*c >= 0x20 && *c != 0x7f, "control byte in SD");
	FUZZ_CHECK(sd_stop < end && *sd_stop == ' ', "no message text");
	json = fuzz_parse_json(sd_stop + 1, end - sd_stop - 1);
	FUZZ_CHECK(json && json_object_is_type(json, json_type_object), "text not JSON: %s",
		   sd_stop + 1);
	json_object_put(json);
	strbuf_release(&message);
	return 0;
}
