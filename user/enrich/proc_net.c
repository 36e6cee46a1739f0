// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include "bindsnoop.h"
#include "enrich/proc_net.h"
#include "shared_facts.h"

#define TIMER_TIME_WAIT 3  /* the "tr" column of a timewait socket */
#define MS_PER_TICK	10 /* "tm->when" is in clock_t, USER_HZ (100) on every Linux ABI */
#define READ_CHUNK	8192

/* The columns a line has, in order: "sl:", local, remote, st, tx:rx, tr:when, retrnsmt, uid, timeout, inode. */
enum column { SLOT, LOCAL, REMOTE, STATE, QUEUES, TIMER, RETRANSMITS, UID, TIMEOUT, INODE, COLUMNS };

struct token {
	const char *start;
	size_t len;
};

static bool parse_digits(const char *text, size_t len, unsigned int base, __u64 max, __u64 *out)
{
	__u64 value = 0;

	if (!len)
		return false;
	for (size_t i = 0; i < len; i++) {
		char c = text[i];
		unsigned int digit;

		if (c >= '0' && c <= '9')
			digit = c - '0';
		else if (base == 16 && c >= 'A' && c <= 'F')
			digit = c - 'A' + 10;
		else if (base == 16 && c >= 'a' && c <= 'f')
			digit = c - 'a' + 10;
		else
			return false;
		if (value > (max - digit) / base)
			return false;
		value = value * base + digit;
	}
	*out = value;
	return true;
}

/* "HEX:HEX" split at its colon, each part parsed within its limit. */
static bool parse_pair(const struct token *token, __u64 max_left, __u64 *left, __u64 *right)
{
	const char *colon = memchr(token->start, ':', token->len);

	if (!colon)
		return false;
	return parse_digits(token->start, colon - token->start, 16, max_left, left) &&
	       parse_digits(colon + 1, token->start + token->len - colon - 1, 16, 0xffffffffULL,
			    right);
}

/* The kernel prints each 32-bit word of the address as a number in host order: memcpy it back. */
static bool parse_address(const struct token *token, __u16 family, struct sockdiag_socket *socket)
{
	size_t words = family == AF_INET6 ? 4 : 1;
	__u64 port;

	if (token->len != words * 8 + 5 || token->start[words * 8] != ':')
		return false;
	for (size_t i = 0; i < words; i++) {
		__u64 word;
		__u32 word32;

		if (!parse_digits(token->start + i * 8, 8, 16, 0xffffffffULL, &word))
			return false;
		word32 = word;
		memcpy(socket->addr + i * 4, &word32, 4);
	}
	if (!parse_digits(token->start + words * 8 + 1, 4, 16, 0xffff, &port))
		return false;
	socket->port = port;
	return true;
}

static size_t split_columns(const char *line, size_t len, struct token *tokens)
{
	size_t count = 0, i = 0;

	while (count < COLUMNS) {
		while (i < len && (line[i] == ' ' || line[i] == '\t'))
			i++;
		if (i >= len || line[i] == '\n')
			break;
		tokens[count].start = line + i;
		while (i < len && line[i] != ' ' && line[i] != '\t' && line[i] != '\n')
			i++;
		tokens[count].len = line + i - tokens[count].start;
		count++;
	}
	return count;
}

int proc_net_parse_line(const char *line, size_t len, __u16 family,
			struct sockdiag_socket *socket)
{
	struct token tokens[COLUMNS];
	__u64 state, timer, expires, uid, inode, ignored;
	size_t count;

	if (family != AF_INET && family != AF_INET6)
		return -EINVAL;
	count = split_columns(line, len, tokens);

	if (count && tokens[0].len == 2 && !memcmp(tokens[0].start, "sl", 2))
		return 0; /* the header, naming its columns */
	if (count < COLUMNS)
		return -EINVAL;
	memset(socket, 0, sizeof(*socket));
	socket->family = family;
	if (tokens[SLOT].start[tokens[SLOT].len - 1] != ':' ||
	    !parse_digits(tokens[SLOT].start, tokens[SLOT].len - 1, 10, ~0ULL, &ignored) ||
	    !parse_address(&tokens[LOCAL], family, socket) ||
	    !parse_digits(tokens[STATE].start, tokens[STATE].len, 16, 0xff, &state) ||
	    !parse_pair(&tokens[TIMER], 0xff, &timer, &expires) ||
	    !parse_digits(tokens[UID].start, tokens[UID].len, 10, 0xffffffffULL, &uid) ||
	    !parse_digits(tokens[INODE].start, tokens[INODE].len, 10, ~0ULL, &inode))
		return -EINVAL;
	/* A connection request waiting for accept() has no file: it holds nothing. */
	if (state == BS_TCP_SYN_RECV && !inode)
		return 0;
	socket->state = state;
	socket->inode = inode;
	socket->time_wait = timer == TIMER_TIME_WAIT && !inode;
	socket->uid = socket->time_wait ? BS_UID_UNKNOWN : uid;
	socket->expires_ms = socket->time_wait ? expires * MS_PER_TICK : 0;
	return 1;
}

int proc_net_read_lines(int fd, proc_net_line_fn line_fn, void *ctx,
			const struct lookup_budget *budget)
{
	char buffer[READ_CHUNK];
	size_t have = 0;
	bool skipping = false; /* inside a line longer than the buffer: not one of the kernel's */

	for (;;) {
		ssize_t got = read(fd, buffer + have, sizeof(buffer) - have);
		size_t start = 0;

		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0)
			return -errno;
		if (got == 0)
			return 0; /* a last line without a newline is cut short: left out */
		have += got;
		for (;;) {
			char *newline = memchr(buffer + start, '\n', have - start);
			size_t len;

			if (!newline)
				break;
			len = newline - (buffer + start);
			if (!skipping && !line_fn(ctx, buffer + start, len))
				return 0;
			skipping = false;
			start += len + 1;
		}
		if (start == 0 && have == sizeof(buffer)) {
			skipping = true;
			have = 0;
		} else {
			memmove(buffer, buffer + start, have - start);
			have -= start;
		}
		if (lookup_budget_spent(budget))
			return -ETIME;
	}
}

/* proc_net_read's lines: the sockets of one family on one of the ports asked about. */
struct inet_lines {
	__u16 family;
	const struct sockdiag_ports *ports;
	sockdiag_visit_fn visit;
	void *ctx;
};

static bool inet_line(void *ctx, const char *line, size_t len)
{
	struct inet_lines *lines = ctx;
	struct sockdiag_socket socket;

	if (proc_net_parse_line(line, len, lines->family, &socket) != 1 ||
	    socket.port < lines->ports->first || socket.port > lines->ports->last)
		return true;
	return lines->visit(lines->ctx, &socket);
}

int proc_net_read(int fd, __u16 family, const struct sockdiag_ports *ports, sockdiag_visit_fn visit,
		  void *ctx, const struct lookup_budget *budget)
{
	struct inet_lines lines = { family, ports, visit, ctx };

	return proc_net_read_lines(fd, inet_line, &lines, budget);
}
