/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * What every fuzz target shares: the fuzz input read as a stream of fields
 * (numbers, byte strings), a JSON parser that is not ours (json-c, strict,
 * UTF-8 checked) and base64 decoding from libresolv, so a target never
 * checks our output with our own code.
 */
#ifndef FUZZ_INPUT_H
#define FUZZ_INPUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <resolv.h>
#include <json-c/json.h>

struct fuzz_input {
	const uint8_t *data;
	size_t left;
};

static inline uint64_t fuzz_number(struct fuzz_input *in, size_t bytes)
{
	uint64_t value = 0;

	while (bytes-- && in->left) {
		value = value << 8 | *in->data++;
		in->left--;
	}
	return value;
}

/* Up to max bytes into out (no NUL added); the length comes from the input too. */
static inline size_t fuzz_bytes(struct fuzz_input *in, char *out, size_t max)
{
	size_t len = fuzz_number(in, 2) % (max + 1);

	if (len > in->left)
		len = in->left;
	memcpy(out, in->data, len);
	in->data += len;
	in->left -= len;
	return len;
}

/* A NUL-terminated string of at most size - 1 bytes (none of them NUL). */
static inline size_t fuzz_string(struct fuzz_input *in, char *out, size_t size)
{
	size_t len = fuzz_bytes(in, out, size - 1);

	for (size_t i = 0; i < len; i++)
		if (!out[i])
			out[i] = 1;
	out[len] = '\0';
	return len;
}

/* A crash with a message: libFuzzer keeps the input that caused it. */
#define FUZZ_CHECK(cond, ...)                                              \
	do {                                                               \
		if (!(cond)) {                                             \
			fprintf(stderr, "fuzz check failed: %s: ", #cond); \
			fprintf(stderr, __VA_ARGS__);                      \
			fputc('\n', stderr);                               \
			abort();                                           \
		}                                                          \
	} while (0)

/* Strict RFC 8259 JSON in valid UTF-8, all of text[0..len): the object, or NULL. */
static inline struct json_object *fuzz_parse_json(const char *text, size_t len)
{
	struct json_tokener *tok = json_tokener_new();
	struct json_object *value;

	json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
	value = json_tokener_parse_ex(tok, text, (int)len);
	if (json_tokener_get_error(tok) != json_tokener_success ||
	    json_tokener_get_parse_end(tok) != len) {
		json_object_put(value);
		value = NULL;
	}
	json_tokener_free(tok);
	return value;
}

/* Standard base64 to bytes; -1 if it is not base64. */
static inline int fuzz_base64_decode(const char *text, unsigned char *out, size_t size)
{
	return b64_pton(text, out, size);
}

/* Does the object at key hold exactly these bytes, directly or through key_raw? */
static inline bool fuzz_text_round_trips(struct json_object *object, const char *key,
					 const char *bytes, size_t len)
{
	char raw_key[64];
	struct json_object *text, *raw;
	unsigned char decoded[8192];
	int decoded_len;

	snprintf(raw_key, sizeof(raw_key), "%s_raw", key);
	if (!json_object_object_get_ex(object, key, &text))
		return false;
	if (json_object_object_get_ex(object, raw_key, &raw)) {
		decoded_len =
			fuzz_base64_decode(json_object_get_string(raw), decoded, sizeof(decoded));
		return decoded_len == (int)len && !memcmp(decoded, bytes, len);
	}
	return (size_t)json_object_get_string_len(text) == len &&
	       !memcmp(json_object_get_string(text), bytes, len);
}

#endif /* FUZZ_INPUT_H */
