/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * A growable byte buffer for building output lines. data stays
 * NUL-terminated once anything was appended, so it can be printed as is.
 * Every append returns 0 or -ENOMEM and then leaves the buffer unchanged:
 * running out of memory never aborts.
 */
#ifndef BINDSNOOP_STRBUF_H
#define BINDSNOOP_STRBUF_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

struct strbuf {
	char *data; /* NULL until the first append */
	size_t len;
	size_t cap; /* bytes allocated at data, the terminating NUL included */
};

/* clang-format off */
#define STRBUF_INIT { NULL, 0, 0 }
/* clang-format on */

void strbuf_init(struct strbuf *sb);
/* Frees the memory; accepts a zeroed buffer. The buffer is empty and reusable after. */
void strbuf_release(struct strbuf *sb);
/* Empties the buffer but keeps its memory for the next line. */
void strbuf_reset(struct strbuf *sb);
/* Drops everything after the first len bytes (len <= sb->len). */
void strbuf_truncate(struct strbuf *sb, size_t len);

/* Room for extra more bytes (plus the NUL) without another allocation. */
int strbuf_reserve(struct strbuf *sb, size_t extra);

int strbuf_append(struct strbuf *sb, const void *bytes, size_t len);
int strbuf_append_str(struct strbuf *sb, const char *s);
int strbuf_appendf(struct strbuf *sb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int strbuf_vappendf(struct strbuf *sb, const char *fmt, va_list args)
	__attribute__((format(printf, 2, 0)));
/* Decimal, without going through printf. */
int strbuf_append_u64(struct strbuf *sb, __u64 value);

/*
 * s[0..len) as a quoted JSON string: '"' and '\' escaped, control bytes
 * (< 0x20 and 0x7f) as \n \t \r \b \f or \u00XX, valid UTF-8 copied, and
 * each byte that is not part of valid UTF-8 as U+FFFD, so the result always
 * parses whatever bytes came in. That loses the byte: callers that must keep
 * it add the bytes in base64 when utf8_valid() is false (json_event.c).
 */
int strbuf_append_json_string(struct strbuf *sb, const char *s, size_t len);
/* bytes[0..len) in standard base64 (RFC 4648, with padding), quoted. */
int strbuf_append_base64_string(struct strbuf *sb, const void *bytes, size_t len);
/* Is s[0..len) entirely well-formed UTF-8 (utf8_sequence_length's rule)? */
bool utf8_valid(const char *s, size_t len);
/* A NUL-terminated string as above, or null for NULL. */
int strbuf_append_json_string_or_null(struct strbuf *sb, const char *s);

/* Appends a string literal without strlen. */
#define strbuf_append_literal(sb, literal) strbuf_append((sb), "" literal, sizeof(literal) - 1)

/*
 * Length of the well-formed UTF-8 sequence at s (RFC 3629: no overlong
 * forms, no surrogates, nothing above U+10FFFF), or 0 if there is none.
 * Every escaper (JSON, RFC 5424 structured data) uses this one rule, so all
 * views of a process name agree.
 */
size_t utf8_sequence_length(const unsigned char *s, size_t left);

#endif /* BINDSNOOP_STRBUF_H */
