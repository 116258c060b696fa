/*
 * request: one HTTP request as the web layer's handlers see it, and the
 * helpers that build its answer.  Shared by the files of src/web only; the
 * rest of the program knows nothing but web.h.
 */
#ifndef EVID_WEB_REQUEST_H
#define EVID_WEB_REQUEST_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "core/model.h"
#include "store/store.h"
#include "util/buf.h"
#include "util/config.h"
#include "util/crypto.h"

#define WEB_JSON_MAX (1024 * 1024)	  /* cap of a JSON request body */
#define WEB_UPLOAD_MAX (10 * 1024 * 1024) /* cap of an attachment upload */
#define WEB_PATH_MAX 2048		  /* longer paths are answered 404 */
#define WEB_MAX_IDS 2			  /* {id} segments in one route */
#define WEB_MAX_HEADERS 8		  /* extra response headers */

struct MHD_Connection;
struct web_pool;
struct web_req;

typedef void (*web_handler)(struct web_req *r);

/*
 * What a route demands of its caller.  The API's routes answer JSON (401,
 * 403); the pages' (ACCESS_PAGE*) take only the session cookie, send the
 * caller to /login when there is none and answer errors as pages.
 */
enum web_access {
	ACCESS_NONE,
	ACCESS_USER,
	ACCESS_ADMIN,
	ACCESS_PAGE_OPEN, /* a page anyone may see (login); the session is looked up if any */
	ACCESS_PAGE,
	ACCESS_PAGE_ADMIN,
};

/* How the caller proved who they are. */
enum web_cred { CRED_NONE, CRED_TOKEN, CRED_COOKIE };

struct route {
	const char *method;  /* "GET", "POST", "PATCH" */
	const char *pattern; /* "/api/v1/tickets/{id}/notes" */
	web_handler fn;
	enum web_access access;
	size_t body_max; /* the request body cap for this route */
	/*
	 * 1: a page that only reads, served from one snapshot of the database
	 * (store_read_begin) from the session check to its last byte: one read
	 * lock per request instead of one per call.
	 */
	int snapshot;
};

/* What every request shares: set up once by web_serve, read-only afterwards. */
struct web_server {
	const struct config *conf;
	struct web_pool *pool;
	char dummy_hash[CRYPTO_PWHASH_MAX]; /* verified against for unknown emails */
	char origin[256];		    /* "https://evid.example.hr" from base_url */
	int secure_cookie;		    /* base_url is https */
};

struct web_header {
	char *name;  /* owned */
	char *value; /* owned */
};

struct web_req {
	const struct web_server *srv;
	struct MHD_Connection *conn;
	const char *method;	     /* "GET" also for HEAD */
	char method_sent[16];	     /* the method as sent, for the log */
	char path[WEB_PATH_MAX + 1]; /* without the query string */
	const struct route *route;   /* NULL: unknown path or method */
	int64_t ids[WEB_MAX_IDS];    /* the {id} segments of the path, in order */
	int path_too_long;
	struct buf body;    /* capped at route->body_max */
	int body_too_large; /* the body passed its cap and is being discarded */
	uint64_t discarded;
	int64_t started_ns; /* monotonic clock when the request headers arrived */
	int64_t now;	    /* clock_now() when the handler runs */
	struct store *st;   /* borrowed from the pool while the handler runs */
	struct user user;   /* the caller; id 0 when not authenticated */
	enum web_cred cred;
	char cred_hash[CRYPTO_SHA256_HEX]; /* SHA-256 of the session secret, for logout */
	char csrf[CRYPTO_SHA256_HEX];	   /* the session's form token (pages); "" without */

	/* the answer */
	int status; /* 0 until a reply is set */
	char *resp; /* owned, malloc'd; NULL for an empty body */
	size_t resp_len;
	char resp_type[MEDIA_TYPE_MAX_LEN + 1]; /* "" = application/json */
	const char *resp_csp;			/* static; NULL = the API's default */
	const char *resp_cache;			/* static Cache-Control; NULL = no-store */
	struct web_header headers[WEB_MAX_HEADERS];
	int n_headers;
};

/* ---- replies (reply.c); each replaces any reply set before ---- */

/* Answer status with obj as the body; steals the reference to obj. */
void web_reply_json(struct web_req *r, int status, json_t *obj);

/*
 * Answer with {"error":{"code","message"}}; the code follows from status
 * (400 bad_request, 404 not_found, ... 503 busy).  The message is for people:
 * short, lowercase, naming the field when one is at fault.
 */
__attribute__((format(printf, 3, 4))) void web_error(struct web_req *r, int status, const char *fmt,
						     ...);

/*
 * Answer a failed store call: NOT_FOUND 404, INVALID 400, CONFLICT 409,
 * BUSY and FULL 503 with Retry-After, anything else 500 (logged, with a
 * generic message for the client).  The store's message is used as it is.
 */
void web_reply_store(struct web_req *r, int rc);

/* Answer with raw bytes (owned by r from now on, malloc'd) of a media type (copied). */
void web_reply_raw(struct web_req *r, int status, void *data, size_t n, const char *type);

/* Add a response header (copied).  Past WEB_MAX_HEADERS it is dropped and logged. */
void web_header_add(struct web_req *r, const char *name, const char *value);

/* Release everything r owns except r itself. */
void web_req_release(struct web_req *r);

/* ---- reading the request (reply.c) ---- */

/* A request header (case-insensitive name), or NULL. */
const char *web_header_get(struct web_req *r, const char *name);

/* A query parameter, or NULL when absent ("" when given without a value). */
const char *web_query_get(struct web_req *r, const char *name);

/*
 * Refuse (400, naming it) a query parameter not in the NULL-terminated list
 * `allowed`.  Returns 0, or -1 after replying.
 */
int web_query_check(struct web_req *r, const char *const *allowed);

/*
 * Parse page and per_page (defaults 1 and 50, per_page at most 200).
 * Returns 0, or -1 after replying 400.
 */
int web_query_paging(struct web_req *r, int *page, int *per_page);

/*
 * Parse the query parameter `name` as a positive id into *out (left alone
 * when absent).  Returns 0, or -1 after replying 400.
 */
int web_query_id(struct web_req *r, const char *name, int64_t *out);

/* Parse a positive decimal id of at most 18 digits.  Returns 0 or -1. */
int web_parse_id(const char *s, int64_t *out);

/* ---- authentication (auth.c) ---- */

/*
 * Establish the caller from "Authorization: Bearer TOKEN" or the session
 * cookie, refuse cookie requests that change state without the CSRF header,
 * and check the route's access.  Returns 0, or -1 after replying 401/403.
 */
int web_auth_require(struct web_req *r, enum web_access access);

/*
 * Look up the session cookie, if any: 1 when it names a live session (then
 * r->user, r->cred, r->cred_hash and r->csrf are set), 0 when there is none
 * or it has ended, -1 after answering a store failure (JSON).
 */
int web_session_from_cookie(struct web_req *r);

enum web_login { WEB_LOGIN_OK, WEB_LOGIN_WRONG, WEB_LOGIN_INACTIVE, WEB_LOGIN_LIMITED, WEB_LOGIN_STORE };
/*
 * Check a login (email lowercase) under the rate limits (ratelimit.h):
 * OK fills *u; LIMITED sets *retry_after (seconds); STORE sets *store_rc.
 * Unknown emails take as long as known ones.
 */
enum web_login web_login_check(struct web_req *r, const char *email, const char *password,
			       struct user *u, int64_t *retry_after, int *store_rc);
/* Create a session for u and set its cookie; a store rc (STORE_OK). */
int web_session_start(struct web_req *r, const struct user *u);
/* Delete the caller's session (if by cookie) and clear the cookie; a store rc. */
int web_session_end(struct web_req *r);
/* The caller's IP address as text ("" when unknown). */
void web_client_address(struct web_req *r, char *out, size_t outsz);

/* ---- the API's handlers (api_*.c, auth.c) ---- */

void api_healthz(struct web_req *r);
void api_login(struct web_req *r);
void api_logout(struct web_req *r);
void api_me_get(struct web_req *r);
void api_me_patch(struct web_req *r);

void api_users_list(struct web_req *r);
void api_users_create(struct web_req *r);
void api_users_get(struct web_req *r);
void api_users_patch(struct web_req *r);

void api_clients_list(struct web_req *r);
void api_clients_create(struct web_req *r);
void api_clients_get(struct web_req *r);
void api_clients_patch(struct web_req *r);
void api_contacts_list(struct web_req *r);
void api_contacts_create(struct web_req *r);
void api_contacts_get(struct web_req *r);
void api_contacts_patch(struct web_req *r);

void api_tickets_list(struct web_req *r);
void api_tickets_create(struct web_req *r);
void api_tickets_get(struct web_req *r);
void api_tickets_patch(struct web_req *r);
void api_tickets_note(struct web_req *r);
void api_attachments_list(struct web_req *r);
void api_attachments_upload(struct web_req *r);
void api_attachments_get(struct web_req *r);

void api_timer_get(struct web_req *r);
void api_timer_start(struct web_req *r);
void api_timer_stop(struct web_req *r);
void api_time_list(struct web_req *r);
void api_time_add(struct web_req *r);
void api_time_patch(struct web_req *r);

void api_replies_create(struct web_req *r);
void api_outbox_list(struct web_req *r);

void api_tickets_contact(struct web_req *r);
void api_quarantine_list(struct web_req *r);
void api_quarantine_raw(struct web_req *r);
void api_quarantine_reprocess(struct web_req *r);

#endif
