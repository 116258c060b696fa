/*
 * server: libmicrohttpd's daemon (a thread pool on epoll), the life of one
 * request (body capped while it arrives, route, store connection, handler,
 * answer, one log line), and the clean stop on SIGINT/SIGTERM.
 */
#include <errno.h>
#include <netdb.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "web/mhd_api.h"
#include "util/clock.h"
#include "util/log.h"
#include "util/xalloc.h"
#include "web/pool.h"
#include "web/request.h"
#include "web/page.h"
#include "web/router.h"
#include "web/web.h"

#define CONNECTION_LIMIT 256
#define CONNECTION_TIMEOUT_S 30
#define POOL_WAIT_MS 10000	/* a request waits this long for a store connection */
#define STOP_GRACE_S 15		/* how long a stop waits for requests in flight */
#define DISCARD_MAX (64u << 20) /* an oversized chunked body is read this far, then cut */

static const char api_csp[] = "default-src 'none'; frame-ancestors 'none'";

struct server {
	struct web_server web;
	pthread_mutex_t mu;
	pthread_cond_t idle; /* signalled when in_flight drops to 0 */
	int in_flight;	     /* requests begun and not yet completed */
	atomic_int stopping; /* answers carry "Connection: close" */
};

_Static_assert(offsetof(struct server, web) == 0, "web must come first");

/* The server a request belongs to: r->srv points at its first member, `web`. */
static struct server *server_of(const struct web_req *r)
{
	return (struct server *)(uintptr_t)r->srv;
}

static int64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* ---- one request ---- */

static struct web_req *req_new(struct server *s, struct MHD_Connection *conn, const char *url,
			       const char *method)
{
	struct web_req *r = xcalloc(1, sizeof(*r));
	char allow[64];
	int known;

	r->srv = &s->web;
	r->conn = conn;
	r->started_ns = mono_ns();
	snprintf(r->method_sent, sizeof(r->method_sent), "%s", method);
	/* HEAD is answered like GET; libmicrohttpd leaves out the body. */
	r->method = strcmp(method, "HEAD") == 0 ? "GET" : r->method_sent;
	if (strlen(url) > WEB_PATH_MAX)
		r->path_too_long = 1;
	else
		snprintf(r->path, sizeof(r->path), "%s", url);
	if (!r->path_too_long)
		r->route = router_match(r->method, r->path, r->ids, &known, allow, sizeof(allow));
	buf_init(&r->body, r->route ? r->route->body_max : WEB_JSON_MAX);

	pthread_mutex_lock(&s->mu);
	s->in_flight++;
	pthread_mutex_unlock(&s->mu);
	return r;
}

static void reply_unrouted(struct web_req *r)
{
	char allow[64];
	int64_t ids[WEB_MAX_IDS];
	int known = 0;

	if (!r->path_too_long)
		router_match(r->method, r->path, ids, &known, allow, sizeof(allow));
	if (known) {
		web_error(r, 405, "method %s not allowed here; allowed: %s", r->method, allow);
		web_header_add(r, "Allow", allow);
	} else {
		web_error(r, 404, "no such endpoint; see docs/api.md");
	}
}

static void run_route(struct web_req *r)
{
	struct server *s = server_of(r);
	int snapshot;

	r->st = web_pool_get(s->web.pool, POOL_WAIT_MS);
	if (!r->st) {
		web_error(r, 503, "the server is busy; try again in a moment");
		web_header_add(r, "Retry-After", "1");
		return;
	}
	r->now = clock_now();
	/* Without it (it failed), each call reads on its own: slower, as right. */
	snapshot = r->route->snapshot && store_read_begin(r->st) == STORE_OK;
	switch (r->route->access) {
	case ACCESS_NONE:
		r->route->fn(r);
		break;
	case ACCESS_PAGE_OPEN:
	case ACCESS_PAGE:
	case ACCESS_PAGE_ADMIN:
		if (page_auth(r, r->route->access) == 0)
			r->route->fn(r);
		break;
	default:
		if (web_auth_require(r, r->route->access) == 0)
			r->route->fn(r);
		break;
	}
	if (r->status == 0) {
		log_error("web: handler for %s %s gave no answer", r->method, r->route->pattern);
		web_error(r, 500, "internal error; the server log has the details");
	}
	if (snapshot)
		(void)store_read_end(r->st);
	web_pool_put(s->web.pool, r->st);
	r->st = NULL;
}

static enum MHD_Result queue_reply(struct web_req *r)
{
	struct server *s = server_of(r);
	struct MHD_Response *resp;
	enum MHD_Result ret;
	int i;

	if (r->resp)
		resp = MHD->create_response_from_buffer(r->resp_len, r->resp, MHD_RESPMEM_MUST_FREE);
	else
		resp = MHD->create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
	if (!resp)
		return MHD_NO;
	/* libmicrohttpd frees the body from now on. */
	r->resp = NULL;
	if (r->status != 204)
		MHD->add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE,
					r->resp_type[0] ? r->resp_type
							: "application/json; charset=utf-8");
	MHD->add_response_header(resp, "X-Content-Type-Options", "nosniff");
	MHD->add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL,
				 r->resp_cache ? r->resp_cache : "no-store");
	MHD->add_response_header(resp, "Content-Security-Policy",
				r->resp_csp ? r->resp_csp : api_csp);
	MHD->add_response_header(resp, "Referrer-Policy", "no-referrer");
	for (i = 0; i < r->n_headers; i++)
		MHD->add_response_header(resp, r->headers[i].name, r->headers[i].value);
	if (atomic_load(&s->stopping))
		MHD->add_response_header(resp, MHD_HTTP_HEADER_CONNECTION, "close");
	ret = MHD->queue_response(r->conn, (unsigned)r->status, resp);
	MHD->destroy_response(resp);
	return ret;
}

/* The declared body length, or -1 when there is none (chunked or empty). */
static long long declared_length(struct web_req *r)
{
	const char *v = web_header_get(r, MHD_HTTP_HEADER_CONTENT_LENGTH);
	char *end;
	long long n;

	if (!v)
		return -1;
	errno = 0;
	n = strtoll(v, &end, 10);
	if (errno || end == v || *end || n < 0)
		return -1;
	return n;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
				  const char *method, const char *version, const char *upload_data,
				  size_t *upload_data_size, void **con_cls)
{
	struct web_req *r = *con_cls;
	long long declared;

	(void)version;
	if (!r) {
		r = req_new(cls, conn, url, method);
		*con_cls = r;
		declared = declared_length(r);
		if (declared > (long long)r->body.max) {
			/*
			 * Refuse before the body is read: libmicrohttpd skips it and
			 * closes the connection after this answer.
			 */
			web_error(r, 413, "the body is larger than the limit of %zu bytes",
				  r->body.max);
			return queue_reply(r);
		}
		return MHD_YES;
	}
	if (*upload_data_size > 0) {
		if (!r->body_too_large && buf_add(&r->body, upload_data, *upload_data_size) < 0) {
			/* Keep reading so the client hears the 413, but keep nothing. */
			r->body_too_large = 1;
			buf_free(&r->body);
		}
		if (r->body_too_large) {
			r->discarded += *upload_data_size;
			if (r->discarded > DISCARD_MAX)
				return MHD_NO;
		}
		*upload_data_size = 0;
		return MHD_YES;
	}
	if (r->body_too_large)
		web_error(r, 413, "the body is larger than the limit of %zu bytes", r->body.max);
	else if (!r->route)
		reply_unrouted(r);
	else
		run_route(r);
	return queue_reply(r);
}

/* The path for the log: printable ASCII, the rest percent-encoded, capped. */
static void path_for_log(const char *path, char *out, size_t outsz)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t n = 0;

	for (; *path && n + 4 < outsz; path++) {
		unsigned char c = (unsigned char)*path;

		if (c > 0x20 && c < 0x7f && c != '%' && c != '"') {
			out[n++] = (char)c;
		} else {
			out[n++] = '%';
			out[n++] = hex[c >> 4];
			out[n++] = hex[c & 15];
		}
	}
	out[n] = '\0';
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
			 enum MHD_RequestTerminationCode toe)
{
	struct server *s = cls;
	struct web_req *r = *con_cls;
	char path[256];
	long long ms;

	(void)conn;
	if (!r)
		return;
	*con_cls = NULL;
	ms = (long long)((mono_ns() - r->started_ns) / 1000000);
	path_for_log(r->path_too_long ? "(too long)" : r->path, path, sizeof(path));
	/* Never the headers, cookies or body: they may carry secrets. */
	log_info("http method=%s path=%s status=%d bytes=%zu ms=%lld user=%lld%s", r->method_sent,
		 path, r->status, r->resp_len, ms, (long long)r->user.id,
		 toe == MHD_REQUEST_TERMINATED_COMPLETED_OK ? "" : " aborted=1");
	web_req_release(r);
	free(r);

	pthread_mutex_lock(&s->mu);
	if (--s->in_flight == 0)
		pthread_cond_broadcast(&s->idle);
	pthread_mutex_unlock(&s->mu);
}

__attribute__((format(printf, 2, 0))) static void on_mhd_log(void *cls, const char *fmt, va_list ap)
{
	char msg[512];
	size_t n;

	(void)cls;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	n = strlen(msg);
	while (n > 0 && (msg[n - 1] == '\n' || msg[n - 1] == '\r'))
		msg[--n] = '\0';
	log_warn("http: %s", msg);
}

/* ---- start and stop ---- */

/* Lowercase the first letter of a system message, as our messages are. */
static const char *lower_msg(const char *m, char *out, size_t outsz)
{
	snprintf(out, outsz, "%s", m);
	if (out[0] >= 'A' && out[0] <= 'Z')
		out[0] = (char)(out[0] - 'A' + 'a');
	return out;
}

/*
 * Bind and listen on "host:port" or "[v6]:port".  Returns the socket, or -1
 * with a message on stderr.  *v6 is set for an IPv6 address.
 */
static int listen_on(const char *addr, int *v6)
{
	char host[128], port[16], why[256];
	const char *colon;
	struct addrinfo hints, *ai = NULL;
	size_t hl;
	int fd = -1, one = 1, rc;

	if (addr[0] == '[') {
		const char *close = strchr(addr, ']');

		if (!close || close[1] != ':')
			goto bad;
		hl = (size_t)(close - addr - 1);
		colon = close + 1;
		if (hl >= sizeof(host))
			goto bad;
		memcpy(host, addr + 1, hl);
	} else {
		colon = strrchr(addr, ':');
		if (!colon)
			goto bad;
		hl = (size_t)(colon - addr);
		if (hl >= sizeof(host))
			goto bad;
		memcpy(host, addr, hl);
	}
	host[hl] = '\0';
	if (snprintf(port, sizeof(port), "%s", colon + 1) >= (int)sizeof(port) || !port[0])
		goto bad;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	rc = getaddrinfo(host[0] ? host : NULL, port, &hints, &ai);
	if (rc != 0) {
		fprintf(stderr, "evid: cannot listen on '%s': %s\n", addr,
			lower_msg(gai_strerror(rc), why, sizeof(why)));
		return -1;
	}
	*v6 = ai->ai_family == AF_INET6;
	fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
	    bind(fd, ai->ai_addr, ai->ai_addrlen) < 0 || listen(fd, 128) < 0) {
		fprintf(stderr, "evid: cannot listen on '%s': %s\n", addr,
			lower_msg(strerror(errno), why, sizeof(why)));
		if (fd >= 0)
			close(fd);
		fd = -1;
	}
	freeaddrinfo(ai);
	return fd;
bad:
	fprintf(stderr, "evid: cannot listen on '%s': give ADDRESS:PORT, e.g. 127.0.0.1:8080\n",
		addr);
	return -1;
}

/* "https://host:port" of base_url, without path. */
static void origin_of(const char *base_url, char *out, size_t outsz)
{
	const char *p = strstr(base_url, "://");
	size_t n = p ? (size_t)(p + 3 - base_url) + strcspn(p + 3, "/?#") : 0;

	if (n >= outsz)
		n = 0;
	memcpy(out, base_url, n);
	out[n] = '\0';
}

static void wait_for_requests(struct server *s)
{
	struct timespec deadline;
	int left;

	clock_gettime(CLOCK_MONOTONIC, &deadline);
	deadline.tv_sec += STOP_GRACE_S;
	pthread_mutex_lock(&s->mu);
	while (s->in_flight > 0) {
		if (pthread_cond_timedwait(&s->idle, &s->mu, &deadline) == ETIMEDOUT)
			break;
	}
	left = s->in_flight;
	pthread_mutex_unlock(&s->mu);
	if (left > 0)
		log_warn("http: stopping with %d request(s) still in flight", left);
}

int web_serve(const struct config *conf)
{
	struct server s;
	struct MHD_Daemon *d = NULL;
	pthread_condattr_t ca;
	sigset_t sigs, old_sigs;
	char err[600];
	unsigned flags;
	int fd = -1, quiesced_fd, v6 = 0, sig = 0, ret = -1, threads;

	memset(&s, 0, sizeof(s));
	pthread_mutex_init(&s.mu, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&s.idle, &ca);
	pthread_condattr_destroy(&ca);
	atomic_init(&s.stopping, 0);
	s.web.conf = conf;
	origin_of(conf->base_url, s.web.origin, sizeof(s.web.origin));
	s.web.secure_cookie = strncmp(conf->base_url, "https:", 6) == 0;
	threads = conf->threads < 1 ? 1 : conf->threads > 64 ? 64 : conf->threads;

	/*
	 * Block the stop signals before any thread exists so that every worker
	 * inherits the mask and only sigwait() below ever receives them.
	 */
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &sigs, &old_sigs);

	if (mhd_api_load(err, sizeof(err)) < 0) {
		fprintf(stderr, "evid: cannot start the http server: %s\n", err);
		goto out;
	}
	/* Seed jansson's hash tables now, before worker threads race to do it. */
	json_object_seed(0);
	s.web.pool = web_pool_open(conf->db_path, threads, conf->busy_timeout_ms,
				   conf->result_cache, err, sizeof(err));
	if (!s.web.pool) {
		fprintf(stderr, "evid: %s\n", err);
		goto out;
	}
	/* Unknown emails are verified against this so they take as long as known ones. */
	if (crypto_password_hash("evid-dummy-password", s.web.dummy_hash) < 0) {
		fprintf(stderr, "evid: cannot hash a password: out of memory?\n");
		goto out;
	}
	fd = listen_on(conf->listen, &v6);
	if (fd < 0)
		goto out;

	/*
	 * poll(), not epoll: with a thread pool, libmicrohttpd 0.9.75's
	 * MHD_quiesce_daemon removes the listening socket from each worker's
	 * epoll set while the worker may have removed it itself (at the
	 * connection limit), and then aborts ("Failed to remove listen FD from
	 * epoll set").  With poll() quiescing goes through the ITC instead.
	 */
	flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_POLL | MHD_USE_ITC | MHD_USE_ERROR_LOG;
	if (v6)
		flags |= MHD_USE_IPv6;
	d = MHD->start_daemon(flags, 0, NULL, NULL, on_request, &s, MHD_OPTION_EXTERNAL_LOGGER,
			     on_mhd_log, NULL, MHD_OPTION_LISTEN_SOCKET, (MHD_socket)fd,
			     MHD_OPTION_THREAD_POOL_SIZE, (unsigned)threads,
			     MHD_OPTION_CONNECTION_LIMIT, (unsigned)CONNECTION_LIMIT,
			     MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)CONNECTION_TIMEOUT_S,
			     MHD_OPTION_NOTIFY_COMPLETED, on_completed, &s, MHD_OPTION_END);
	if (!d) {
		fprintf(stderr, "evid: cannot start the http server on '%s'\n", conf->listen);
		goto out;
	}
	log_info("http listening=%s threads=%d db=%s", conf->listen, threads, conf->db_path);

	while (sigwait(&sigs, &sig) != 0)
		;
	log_info("http stopping signal=%s", sig == SIGINT ? "SIGINT" : "SIGTERM");
	atomic_store(&s.stopping, 1);
	quiesced_fd = MHD->quiesce_daemon(d);
	wait_for_requests(&s);
	MHD->stop_daemon(d);
	d = NULL;
	/* After a quiesce the listening socket is ours to close again. */
	if (quiesced_fd != MHD_INVALID_SOCKET)
		close(quiesced_fd);
	fd = -1;
	log_info("http stopped");
	ret = 0;
out:
	if (d)
		MHD->stop_daemon(d);
	else if (fd >= 0)
		close(fd);
	web_pool_close(s.web.pool);
	pthread_sigmask(SIG_SETMASK, &old_sigs, NULL);
	pthread_cond_destroy(&s.idle);
	pthread_mutex_destroy(&s.mu);
	return ret;
}
