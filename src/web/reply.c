/*
 * reply: building a request's answer (JSON bodies, JSON errors, the mapping
 * of store failures to HTTP statuses) and reading its headers and query.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>


#include "web/mhd_api.h"
#include "util/log.h"
#include "util/xalloc.h"
#include "web/request.h"

static const char *error_code(int status)
{
	switch (status) {
	case 400:
		return "bad_request";
	case 401:
		return "unauthorized";
	case 403:
		return "forbidden";
	case 404:
		return "not_found";
	case 405:
		return "method_not_allowed";
	case 409:
		return "conflict";
	case 413:
		return "payload_too_large";
	case 415:
		return "unsupported_media_type";
	case 429:
		return "too_many_requests";
	case 503:
		return "busy";
	default:
		return "internal";
	}
}

static void reply_clear(struct web_req *r)
{
	free(r->resp);
	r->resp = NULL;
	r->resp_len = 0;
	r->resp_type[0] = '\0';
	r->resp_csp = NULL;
	r->resp_cache = NULL;
}

void web_reply_json(struct web_req *r, int status, json_t *obj)
{
	char *s;

	reply_clear(r);
	s = obj ? json_dumps(obj, JSON_COMPACT) : NULL;
	json_decref(obj);
	if (!s) {
		/* Only allocation failure gets here; answer without a body. */
		log_error("web: cannot encode a json response");
		r->status = 500;
		return;
	}
	r->status = status;
	r->resp = s;
	r->resp_len = strlen(s);
}

void web_error(struct web_req *r, int status, const char *fmt, ...)
{
	char msg[512];
	json_t *m;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	/* A message cut short inside a UTF-8 sequence is not a JSON string. */
	m = json_string(msg);
	if (!m)
		m = json_string("the request failed");
	web_reply_json(
	    r, status,
	    json_pack("{s:{s:s,s:o}}", "error", "code", error_code(status), "message", m));
}

void web_reply_store(struct web_req *r, int rc)
{
	const char *msg = r->st ? store_errmsg(r->st) : "";

	if (!msg || !*msg)
		msg = "the request failed";
	switch (rc) {
	case STORE_NOT_FOUND:
		web_error(r, 404, "%s", msg);
		break;
	case STORE_INVALID:
		web_error(r, 400, "%s", msg);
		break;
	case STORE_CONFLICT:
		web_error(r, 409, "%s", msg);
		break;
	case STORE_BUSY:
		web_error(r, 503, "the database is busy; try again in a moment");
		web_header_add(r, "Retry-After", "1");
		break;
	case STORE_FULL:
		log_error("store: %s", msg);
		web_error(r, 503, "the server's disk is full; try again later");
		web_header_add(r, "Retry-After", "60");
		break;
	default:
		log_error("store: %s", msg);
		web_error(r, 500, "internal error; the server log has the details");
		break;
	}
}

void web_reply_raw(struct web_req *r, int status, void *data, size_t n, const char *type)
{
	reply_clear(r);
	r->status = status;
	r->resp = data;
	r->resp_len = n;
	snprintf(r->resp_type, sizeof(r->resp_type), "%s", type ? type : "");
}

void web_header_add(struct web_req *r, const char *name, const char *value)
{
	if (r->n_headers >= WEB_MAX_HEADERS) {
		log_error("web: too many response headers, dropped %s", name);
		return;
	}
	r->headers[r->n_headers].name = xstrdup(name);
	r->headers[r->n_headers].value = xstrdup(value);
	r->n_headers++;
}

void web_req_release(struct web_req *r)
{
	int i;

	reply_clear(r);
	for (i = 0; i < r->n_headers; i++) {
		free(r->headers[i].name);
		free(r->headers[i].value);
	}
	r->n_headers = 0;
	buf_free(&r->body);
}

const char *web_header_get(struct web_req *r, const char *name)
{
	return MHD->lookup_connection_value(r->conn, MHD_HEADER_KIND, name);
}

const char *web_query_get(struct web_req *r, const char *name)
{
	const char *v;

	/* MHD reports a key given without "=value" as present with a NULL value. */
	if (MHD->lookup_connection_value_n(r->conn, MHD_GET_ARGUMENT_KIND, name, strlen(name), &v,
					  NULL) != MHD_YES)
		return NULL;
	return v ? v : "";
}

struct query_scan {
	const char *const *allowed;
	const char *unknown;
};

static enum MHD_Result query_scan_one(void *cls, enum MHD_ValueKind kind, const char *key,
				      const char *value)
{
	struct query_scan *q = cls;
	size_t i;

	(void)kind;
	(void)value;
	for (i = 0; q->allowed[i]; i++)
		if (strcmp(q->allowed[i], key) == 0)
			return MHD_YES;
	q->unknown = key;
	return MHD_NO;
}

int web_query_check(struct web_req *r, const char *const *allowed)
{
	struct query_scan q = {allowed, NULL};
	char name[64];

	MHD->get_connection_values(r->conn, MHD_GET_ARGUMENT_KIND, query_scan_one, &q);
	if (!q.unknown)
		return 0;
	/* The name comes from the client: show a short, printable prefix only. */
	snprintf(name, sizeof(name), "%s", q.unknown);
	for (char *p = name; *p; p++)
		if ((unsigned char)*p < 0x20 || (unsigned char)*p >= 0x7f)
			*p = '?';
	web_error(r, 400, "unknown query parameter '%s'", name);
	return -1;
}

int web_parse_id(const char *s, int64_t *out)
{
	int64_t v = 0;
	size_t i;

	if (!s || !*s || strlen(s) > 18 || s[0] == '0')
		return -1;
	for (i = 0; s[i]; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return 0;
}

static int query_int(struct web_req *r, const char *name, int def, int max, int *out)
{
	const char *v = web_query_get(r, name);
	int64_t n;

	if (!v) {
		*out = def;
		return 0;
	}
	if (web_parse_id(v, &n) < 0 || n > max) {
		web_error(r, 400, "%s: must be a whole number from 1 to %d", name, max);
		return -1;
	}
	*out = (int)n;
	return 0;
}

int web_query_paging(struct web_req *r, int *page, int *per_page)
{
	if (query_int(r, "page", 1, 1000000, page) < 0)
		return -1;
	return query_int(r, "per_page", 50, 200, per_page);
}

int web_query_id(struct web_req *r, const char *name, int64_t *out)
{
	const char *v = web_query_get(r, name);

	if (!v)
		return 0;
	if (web_parse_id(v, out) < 0) {
		web_error(r, 400, "%s: must be a positive whole number", name);
		return -1;
	}
	return 0;
}
