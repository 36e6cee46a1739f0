// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <pthread.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include "metrics_server.h"
#include "process_metrics.h"

#ifdef BINDSNOOP_METRICS_SERVER
#include <microhttpd.h>

/* Prometheus scrapes one at a time; a few more for curl and a second server. */
#define CONNECTION_LIMIT   16
#define CONNECTION_TIMEOUT 10 /* seconds: an idle or stuck client is closed */

struct metrics_server {
	struct MHD_Daemon *daemon;
	struct metrics *metrics;
};

static enum MHD_Result respond(struct MHD_Connection *connection, unsigned int status,
			       const char *content_type, void *body, size_t len,
			       enum MHD_ResponseMemoryMode mode)
{
	struct MHD_Response *response = MHD_create_response_from_buffer(len, body, mode);
	enum MHD_Result result;

	if (!response) {
		if (mode == MHD_RESPMEM_MUST_FREE)
			free(body);
		return MHD_NO;
	}
	MHD_add_response_header(response, MHD_HTTP_HEADER_CONTENT_TYPE, content_type);
	if (status == MHD_HTTP_METHOD_NOT_ALLOWED)
		MHD_add_response_header(response, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
	result = MHD_queue_response(connection, status, response);
	MHD_destroy_response(response);
	return result;
}

static enum MHD_Result respond_text(struct MHD_Connection *connection, unsigned int status,
				    const char *text)
{
	return respond(connection, status, "text/plain; charset=utf-8", (void *)text, strlen(text),
		       MHD_RESPMEM_PERSISTENT);
}

/*
 * OpenMetrics when the scraper lists it (Prometheus does, first), the text
 * format otherwise: curl and older scrapers send no such Accept.
 */
static bool wants_openmetrics(struct MHD_Connection *connection)
{
	const char *accept =
		MHD_lookup_connection_value(connection, MHD_HEADER_KIND, MHD_HTTP_HEADER_ACCEPT);

	return accept && strstr(accept, "application/openmetrics-text");
}

static enum MHD_Result handle_request(void *cls, struct MHD_Connection *connection, const char *url,
				      const char *method, const char *version,
				      const char *upload_data, size_t *upload_data_size,
				      void **request_state)
{
	struct metrics_server *server = cls;
	struct strbuf body = STRBUF_INIT;
	enum metrics_format format;

	(void)version;
	(void)upload_data;
	(void)request_state;
	/* A request body (there should be none) is read and ignored. */
	if (*upload_data_size) {
		*upload_data_size = 0;
		return MHD_YES;
	}
	if (strcmp(method, MHD_HTTP_METHOD_GET) && strcmp(method, MHD_HTTP_METHOD_HEAD))
		return respond_text(connection, MHD_HTTP_METHOD_NOT_ALLOWED,
				    "only GET and HEAD; metrics are at /metrics\n");
	if (strcmp(url, "/metrics"))
		return respond_text(connection, MHD_HTTP_NOT_FOUND,
				    "not found; metrics are at /metrics\n");
	format = wants_openmetrics(connection) ? METRICS_OPENMETRICS : METRICS_TEXT;
	if (metrics_render(server->metrics, format, &body) ||
	    process_metrics_render(format, &body) || metrics_append_end(&body, format)) {
		strbuf_release(&body);
		return respond_text(connection, MHD_HTTP_INTERNAL_SERVER_ERROR,
				    "out of memory rendering the metrics\n");
	}
	/* libmicrohttpd frees the body with free() once it is sent. */
	return respond(connection, MHD_HTTP_OK,
		       format == METRICS_OPENMETRICS ? METRICS_CONTENT_TYPE_OPENMETRICS :
						       METRICS_CONTENT_TYPE_TEXT,
		       body.data, body.len, MHD_RESPMEM_MUST_FREE);
}

static int listen_socket(const struct listen_address *address)
{
	int fd = socket(address->addr.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	int on = 1;

	if (fd < 0)
		return -errno;
	/* A restart must not wait for the last scrape's TIME_WAIT to expire. */
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
	/* [::]:PORT means IPv6 only, as written: 0.0.0.0:PORT is its own listener. */
	if (address->addr.ss_family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof(on));
	if (bind(fd, (const struct sockaddr *)&address->addr, address->addr_len) ||
	    listen(fd, CONNECTION_LIMIT)) {
		int err = -errno;

		close(fd);
		return err;
	}
	return fd;
}

int metrics_server_start(const struct listen_address *address, struct metrics *metrics,
			 struct metrics_server **result)
{
	struct metrics_server *server = calloc(1, sizeof(*server));
	sigset_t all, old;
	int fd;

	if (!server) {
		fprintf(stderr, "bindsnoop: out of memory setting up --metrics\n");
		return -ENOMEM;
	}
	fd = listen_socket(address);
	if (fd < 0) {
		fprintf(stderr, "bindsnoop: cannot listen on %s for --metrics: %s; %s\n",
			address->text, strerror(-fd),
			fd == -EADDRINUSE    ? "another process holds it: pick another port" :
			fd == -EADDRNOTAVAIL ? "no interface has that address: give one of this "
					       "machine's addresses" :
					       "check the address and port");
		free(server);
		return fd;
	}
	server->metrics = metrics;
	/* Signals belong to the main thread: the server's thread inherits a full mask. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	server->daemon = MHD_start_daemon(
		MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ITC, 0, NULL, NULL,
		handle_request, server, MHD_OPTION_LISTEN_SOCKET, fd, MHD_OPTION_CONNECTION_LIMIT,
		(unsigned int)CONNECTION_LIMIT, MHD_OPTION_CONNECTION_TIMEOUT,
		(unsigned int)CONNECTION_TIMEOUT, MHD_OPTION_END);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (!server->daemon) {
		fprintf(stderr,
			"bindsnoop: starting the --metrics HTTP server on %s failed; run with "
			"fewer threads or more memory, or without --metrics\n",
			address->text);
		close(fd);
		free(server);
		return -ENOMEM;
	}
	*result = server;
	return 0;
}

void metrics_server_stop(struct metrics_server *server)
{
	if (!server)
		return;
	/* The inter-thread channel (MHD_USE_ITC) wakes the thread: no wait for a timeout. */
	MHD_stop_daemon(server->daemon); /* closes the listening socket too */
	free(server);
}

#else /* !BINDSNOOP_METRICS_SERVER */

int metrics_server_start(const struct listen_address *address, struct metrics *metrics,
			 struct metrics_server **server)
{
	(void)address;
	(void)metrics;
	*server = NULL;
	fprintf(stderr, "bindsnoop: this build has no --metrics (make STATIC=1); use the "
			"dynamically linked build or the Debian package\n");
	return -EOPNOTSUPP;
}

void metrics_server_stop(struct metrics_server *server)
{
	(void)server;
}

#endif
