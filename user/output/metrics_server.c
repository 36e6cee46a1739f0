// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <pthread.h>
#include <stdint.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include "clock.h"
#include "output/connection_guard.h"
#include "output/metrics_server.h"
#include "output/process_metrics.h"

#ifdef BINDSNOOP_METRICS_SERVER
#include <dlfcn.h>
#include <microhttpd.h>

/*
 * libmicrohttpd is loaded for --metrics only: linked, it and its TLS
 * libraries (gnutls, p11-kit, nettle, gmp and more, which the server never
 * uses) were 2.4 MB of every run's resident memory.
 */
#define LIBMICROHTTPD "libmicrohttpd.so.12"
#define MHD_FUNCTIONS(F)                   \
	F(MHD_start_daemon)                \
	F(MHD_stop_daemon)                 \
	F(MHD_get_connection_info)         \
	F(MHD_create_response_from_buffer) \
	F(MHD_add_response_header)         \
	F(MHD_queue_response)              \
	F(MHD_destroy_response)            \
	F(MHD_lookup_connection_value)
#define MHD_POINTER(name) typeof(&name) name;

static struct {
	MHD_FUNCTIONS(MHD_POINTER)
	bool loaded;
} mhd;

/* libmicrohttpd's functions, loaded once; prints one line if they cannot be. */
static int microhttpd_load(void)
{
	const char *missing = NULL;
	void *library;

	if (mhd.loaded)
		return 0;
	library = dlopen(LIBMICROHTTPD, RTLD_NOW | RTLD_LOCAL);
#define MHD_RESOLVE(name)                                                                 \
	if (library && !missing && !(mhd.name = (typeof(mhd.name))dlsym(library, #name))) \
		missing = #name;
	MHD_FUNCTIONS(MHD_RESOLVE)
#undef MHD_RESOLVE
	if (!library || missing) {
		fprintf(stderr, "bindsnoop: --metrics needs %s%s%s: %s; install libmicrohttpd12\n",
			LIBMICROHTTPD, missing ? ", which lacks " : "", missing ? missing : "",
			dlerror() ?: "not found");
		if (library)
			dlclose(library);
		return -ENOENT;
	}
	mhd.loaded = true;
	return 0;
}

/* A backstop only: the guard's deadlines, which no byte restarts, come first. */
#define IDLE_TIMEOUT_S 10
/* A request is a GET with a few headers; this bounds what a slow client makes us hold. */
#define CONNECTION_MEMORY 16384
/* At most a hundred watchdog rounds a second. */
#define WATCHDOG_ROUND_NS 10000000ULL

/*
 * Two threads: libmicrohttpd's, which serves, and the watchdog, which closes
 * the connections the guard names (past a deadline, or over a room). Both
 * change the guard under the lock. Neither touches the event pipeline: the
 * counters they read are relaxed atomics that the pipeline writes alone.
 */
struct metrics_server {
	struct MHD_Daemon *daemon;
	struct metrics *metrics;
	pthread_mutex_t lock;
	pthread_cond_t wake; /* a new deadline, or stop */
	pthread_t watchdog;
	bool watchdog_started, stopping;
	__u64 next_round_ns; /* when the watchdog looks again */
	struct connection_guard guard;
};

/*
 * Under the lock, so that the server cannot close a socket (and accept
 * another on its number) before the shutdown: libmicrohttpd tells the guard
 * a connection is gone (notify_connection) before it closes the socket.
 * A shut down socket reads as the end of the stream: libmicrohttpd closes it
 * at its next turn.
 */
static void shut_down(const struct guard_closures *closures)
{
	for (size_t i = 0; i < closures->count; i++)
		shutdown(closures->fds[i], SHUT_RDWR);
}

static void *watchdog_main(void *arg)
{
	struct metrics_server *server = arg;

	pthread_mutex_lock(&server->lock);
	while (!server->stopping) {
		struct guard_closures closures = { .count = 0 };
		__u64 now = monotonic_ns();
		__u64 next = connection_guard_expire(&server->guard, now, &closures);

		shut_down(&closures);
		/* A flood settles a connection every few microseconds: rounds, not one each. */
		if (next < now + WATCHDOG_ROUND_NS)
			next = now + WATCHDOG_ROUND_NS;
		server->next_round_ns = next;
		if (next == UINT64_MAX) {
			pthread_cond_wait(&server->wake, &server->lock);
		} else {
			struct timespec at = { .tv_sec = next / 1000000000ULL,
					       .tv_nsec = next % 1000000000ULL };

			pthread_cond_timedwait(&server->wake, &server->lock, &at);
		}
	}
	pthread_mutex_unlock(&server->lock);
	return NULL;
}

static void notify_connection(void *cls, struct MHD_Connection *connection, void **socket_context,
			      enum MHD_ConnectionNotificationCode code)
{
	struct metrics_server *server = cls;
	const union MHD_ConnectionInfo *fd, *peer;
	__u64 now = monotonic_ns();

	pthread_mutex_lock(&server->lock);
	if (code == MHD_CONNECTION_NOTIFY_CLOSED) {
		connection_guard_close(*socket_context);
		*socket_context = NULL;
		pthread_mutex_unlock(&server->lock);
		return;
	}
	fd = mhd.MHD_get_connection_info(connection, MHD_CONNECTION_INFO_CONNECTION_FD);
	peer = mhd.MHD_get_connection_info(connection, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	if (fd) {
		*socket_context = connection_guard_open(&server->guard, fd->connect_fd,
							peer ? peer->client_addr : NULL, now);
		/* No slot: never (as many as the server's connections), but not unguarded. */
		if (!*socket_context)
			shutdown(fd->connect_fd, SHUT_RDWR);
	}
	/* The soonest it can need the watchdog: settled, and over a room. */
	if (now + CONNECTION_GUARD_SETTLE_NS < server->next_round_ns)
		pthread_cond_signal(&server->wake);
	pthread_mutex_unlock(&server->lock);
}

static void request_whole(struct metrics_server *server, struct MHD_Connection *connection)
{
	const union MHD_ConnectionInfo *info =
		mhd.MHD_get_connection_info(connection, MHD_CONNECTION_INFO_SOCKET_CONTEXT);

	if (!info)
		return;
	pthread_mutex_lock(&server->lock);
	connection_guard_request_whole(info->socket_context);
	pthread_mutex_unlock(&server->lock);
}

static enum MHD_Result respond(struct MHD_Connection *connection, unsigned int status,
			       const char *content_type, void *body, size_t len,
			       enum MHD_ResponseMemoryMode mode)
{
	struct MHD_Response *response = mhd.MHD_create_response_from_buffer(len, body, mode);
	enum MHD_Result result;

	if (!response) {
		if (mode == MHD_RESPMEM_MUST_FREE)
			free(body);
		return MHD_NO;
	}
	mhd.MHD_add_response_header(response, MHD_HTTP_HEADER_CONTENT_TYPE, content_type);
	/* One request a connection: the guard's deadlines count from accept. */
	mhd.MHD_add_response_header(response, MHD_HTTP_HEADER_CONNECTION, "close");
	if (status == MHD_HTTP_METHOD_NOT_ALLOWED)
		mhd.MHD_add_response_header(response, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
	result = mhd.MHD_queue_response(connection, status, response);
	mhd.MHD_destroy_response(response);
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
	const char *accept = mhd.MHD_lookup_connection_value(connection, MHD_HEADER_KIND,
							     MHD_HTTP_HEADER_ACCEPT);

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
	request_whole(server, connection);
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
	    listen(fd, CONNECTION_GUARD_SLOTS)) {
		int err = -errno;

		close(fd);
		return err;
	}
	return fd;
}

/* The lock, and a wake-up whose timed waits count on the monotonic clock as the deadlines do. */
static int init_sync(struct metrics_server *server)
{
	pthread_condattr_t attr;
	int err = pthread_condattr_init(&attr);

	if (!err)
		err = pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	if (!err)
		err = pthread_cond_init(&server->wake, &attr);
	pthread_condattr_destroy(&attr);
	if (!err && (err = pthread_mutex_init(&server->lock, NULL)))
		pthread_cond_destroy(&server->wake);
	return -err;
}

/* Both threads, with every signal blocked: signals belong to the main thread. */
static int start_threads(struct metrics_server *server, int fd)
{
	sigset_t all, old;
	int err;

	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	err = -pthread_create(&server->watchdog, NULL, watchdog_main, server);
	server->watchdog_started = !err;
	if (!err)
		server->daemon = mhd.MHD_start_daemon(
			MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ITC, 0, NULL,
			NULL, handle_request, server, MHD_OPTION_LISTEN_SOCKET, fd,
			MHD_OPTION_CONNECTION_LIMIT, (unsigned int)CONNECTION_GUARD_SLOTS,
			MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)IDLE_TIMEOUT_S,
			MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)CONNECTION_MEMORY,
			MHD_OPTION_NOTIFY_CONNECTION, notify_connection, server, MHD_OPTION_END);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return err ? err : server->daemon ? 0 : -ENOMEM;
}

void metrics_server_stop(struct metrics_server *server)
{
	if (!server)
		return;
	/* The inter-thread channel (MHD_USE_ITC) wakes the thread: no wait for a timeout. */
	if (server->daemon)
		mhd.MHD_stop_daemon(server->daemon); /* closes the listening socket too */
	if (server->watchdog_started) {
		pthread_mutex_lock(&server->lock);
		server->stopping = true;
		pthread_cond_signal(&server->wake);
		pthread_mutex_unlock(&server->lock);
		pthread_join(server->watchdog, NULL);
	}
	pthread_cond_destroy(&server->wake);
	pthread_mutex_destroy(&server->lock);
	free(server);
}

int metrics_server_start(const struct listen_address *address, struct metrics *metrics,
			 struct metrics_server **result)
{
	struct metrics_server *server;
	int fd, err;

	err = microhttpd_load();
	if (err)
		return err;
	server = calloc(1, sizeof(*server));
	if (!server || init_sync(server)) {
		fprintf(stderr, "bindsnoop: out of memory setting up --metrics\n");
		free(server);
		return -ENOMEM;
	}
	server->metrics = metrics;
	server->next_round_ns = UINT64_MAX;
	connection_guard_init(&server->guard);
	fd = listen_socket(address);
	if (fd < 0) {
		fprintf(stderr, "bindsnoop: cannot listen on %s for --metrics: %s; %s\n",
			address->text, strerror(-fd),
			fd == -EADDRINUSE    ? "another process holds it: pick another port" :
			fd == -EADDRNOTAVAIL ? "no interface has that address: give one of this "
					       "machine's addresses" :
					       "check the address and port");
		metrics_server_stop(server);
		return fd;
	}
	err = start_threads(server, fd);
	if (err) {
		fprintf(stderr,
			"bindsnoop: starting the --metrics HTTP server on %s failed; run with "
			"fewer threads or more memory, or without --metrics\n",
			address->text);
		if (!server->daemon)
			close(fd);
		metrics_server_stop(server);
		return err;
	}
	*result = server;
	return 0;
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
