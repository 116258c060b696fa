/*
 * auth: who is calling.  API tokens (Authorization: Bearer) and session
 * cookies (POST /api/v1/login) are both found by the SHA-256 of their
 * secret; cookie requests that change state must prove they are not cross-
 * site (X-Requested-With or a matching Origin).  Also login, logout, /me.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>


#include "web/mhd_api.h"
#include "core/validate.h"
#include "util/crypto.h"
#include "util/log.h"
#include "web/json.h"
#include "web/ratelimit.h"
#include "web/request.h"

#define COOKIE_NAME "evid_session"
#define SECRET_MAX 200 /* longer tokens or cookies are not ours */

static const char login_failed[] = "wrong email or password";

static int changes_state(const char *method)
{
	return strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0 &&
	       strcmp(method, "OPTIONS") != 0;
}

/* Whether origin names this server: base_url's origin, or the Host it was asked as. */
static int origin_matches(struct web_req *r, const char *origin)
{
	const char *host = web_header_get(r, "Host");
	char want[300];

	if (r->srv->origin[0] && strcasecmp(origin, r->srv->origin) == 0)
		return 1;
	if (!host || !*host)
		return 0;
	snprintf(want, sizeof(want), "http://%s", host);
	if (strcasecmp(origin, want) == 0)
		return 1;
	snprintf(want, sizeof(want), "https://%s", host);
	return strcasecmp(origin, want) == 0;
}

static int csrf_ok(struct web_req *r)
{
	const char *xrw = web_header_get(r, "X-Requested-With");
	const char *origin = web_header_get(r, "Origin");

	/*
	 * A cross-site form cannot set a custom header, and a cross-site script
	 * cannot either without a CORS preflight, which this server never grants.
	 */
	if (xrw && *xrw)
		return 1;
	return origin && origin_matches(r, origin);
}

static int unauthorized(struct web_req *r, const char *msg)
{
	web_error(r, 401, "%s", msg);
	web_header_add(r, "WWW-Authenticate", "Bearer realm=\"evid\"");
	return -1;
}

int web_session_from_cookie(struct web_req *r)
{
	const char *cookie = MHD->lookup_connection_value(r->conn, MHD_COOKIE_KIND, COOKIE_NAME);
	char hash[CRYPTO_SHA256_HEX], tok[CRYPTO_SHA256_HEX + 8];
	size_t len;
	int rc;

	if (!cookie)
		return 0;
	len = strnlen(cookie, SECRET_MAX + 1);
	if (len == 0 || len > SECRET_MAX)
		return 0;
	crypto_sha256_hex(cookie, len, hash);
	rc = store_session_lookup(r->st, hash, r->now, &r->user);
	if (rc == STORE_NOT_FOUND) {
		memset(&r->user, 0, sizeof(r->user));
		return 0;
	}
	if (rc != STORE_OK) {
		web_reply_store(r, rc);
		return -1;
	}
	r->cred = CRED_COOKIE;
	memcpy(r->cred_hash, hash, sizeof(hash));
	/* The form token: bound to the session, never stored. */
	snprintf(tok, sizeof(tok), "csrf:%s", hash);
	crypto_sha256_hex(tok, strlen(tok), r->csrf);
	return 1;
}

int web_auth_require(struct web_req *r, enum web_access access)
{
	const char *authz = web_header_get(r, "Authorization");
	const char *cookie = MHD->lookup_connection_value(r->conn, MHD_COOKIE_KIND, COOKIE_NAME);
	char hash[CRYPTO_SHA256_HEX];
	const char *secret;
	size_t len;
	int rc;

	if (authz) {
		if (strncasecmp(authz, "Bearer ", 7) != 0)
			return unauthorized(r,
					    "use 'Authorization: Bearer TOKEN' with an api token");
		secret = authz + 7;
		while (*secret == ' ')
			secret++;
		len = strnlen(secret, SECRET_MAX + 1);
		if (len == 0 || len > SECRET_MAX)
			return unauthorized(r, "invalid or revoked api token");
		crypto_sha256_hex(secret, len, hash);
		rc = store_token_lookup(r->st, hash, r->now, &r->user);
		if (rc == STORE_NOT_FOUND)
			return unauthorized(r, "invalid or revoked api token");
		if (rc != STORE_OK) {
			web_reply_store(r, rc);
			return -1;
		}
		r->cred = CRED_TOKEN;
	} else if (cookie) {
		rc = web_session_from_cookie(r);
		if (rc < 0)
			return -1;
		if (rc == 0)
			return unauthorized(r, "your session has ended; log in again");
		if (changes_state(r->method) && !csrf_ok(r)) {
			web_error(r, 403,
				  "cross-site request refused: with the session cookie, send "
				  "the header 'X-Requested-With: evid' (or a same-origin Origin)");
			return -1;
		}
	} else {
		return unauthorized(r, "log in, or send an api token as 'Authorization: Bearer "
				       "TOKEN'");
	}
	if (access == ACCESS_ADMIN && r->user.role != ROLE_ADMIN) {
		web_error(r, 403, "only an admin may do this");
		return -1;
	}
	return 0;
}

void api_healthz(struct web_req *r)
{
	int version;

	if (store_schema_version(r->st, &version) != STORE_OK) {
		log_error("healthz: %s", store_errmsg(r->st));
		web_error(r, 503, "the database does not answer");
		web_header_add(r, "Retry-After", "5");
		return;
	}
	web_reply_json(r, 200, json_pack("{s:s}", "status", "ok"));
}

static void set_session_cookie(struct web_req *r, const char *secret, int max_age)
{
	char v[CRYPTO_SECRET_MAX + 128];

	snprintf(v, sizeof(v), COOKIE_NAME "=%s; HttpOnly; SameSite=Lax; Path=/; Max-Age=%d%s",
		 secret, max_age, r->srv->secure_cookie ? "; Secure" : "");
	web_header_add(r, "Set-Cookie", v);
}

/* The caller's address as text, for rate limiting; "" when unknown. */
void web_client_address(struct web_req *r, char *out, size_t outsz)
{
	const union MHD_ConnectionInfo *ci;
	const struct sockaddr *sa;

	out[0] = '\0';
	if (!r->conn)
		return;
	ci = MHD->get_connection_info(r->conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	if (!ci || !ci->client_addr)
		return;
	sa = ci->client_addr;
	if (sa->sa_family == AF_INET)
		inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)sa)->sin_addr, out,
			  (socklen_t)outsz);
	else if (sa->sa_family == AF_INET6)
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr, out,
			  (socklen_t)outsz);
}

enum web_login web_login_check(struct web_req *r, const char *email, const char *password,
			       struct user *u, int64_t *retry_after, int *store_rc)
{
	char pwhash[CRYPTO_PWHASH_MAX], addr[64];
	enum web_login res;
	int rc, ok;

	*retry_after = 0;
	*store_rc = STORE_OK;
	web_client_address(r, addr, sizeof(addr));
	if (ratelimit_check(email, addr, r->now, retry_after) < 0) {
		log_warn("login refused: too many failures account=%s address=%s", email, addr);
		return WEB_LOGIN_LIMITED;
	}
	memset(pwhash, 0, sizeof(pwhash));
	rc = store_user_get_by_email(r->st, email, u, pwhash);
	if (rc != STORE_OK && rc != STORE_NOT_FOUND) {
		*store_rc = rc;
		return WEB_LOGIN_STORE;
	}
	/* Unknown emails spend the same time as real ones, so timing shows nothing. */
	ok = crypto_password_verify(rc == STORE_OK && pwhash[0] ? pwhash : r->srv->dummy_hash,
				    password) &&
	     rc == STORE_OK && pwhash[0];
	memset(pwhash, 0, sizeof(pwhash));
	if (!ok) {
		ratelimit_failed(email, addr, r->now);
		return WEB_LOGIN_WRONG;
	}
	res = u->active ? WEB_LOGIN_OK : WEB_LOGIN_INACTIVE;
	if (res == WEB_LOGIN_OK)
		ratelimit_succeeded(email);
	return res;
}

int web_session_start(struct web_req *r, const struct user *u)
{
	char secret[CRYPTO_SECRET_MAX], hash[CRYPTO_SHA256_HEX];
	int rc, hours = r->srv->conf->session_hours;

	if (hours < 1)
		hours = 12;
	crypto_random_secret("s_", secret);
	crypto_sha256_hex(secret, strlen(secret), hash);
	rc = store_session_create(r->st, hash, u->id, r->now, r->now + (int64_t)hours * 3600);
	if (rc == STORE_OK) {
		r->user = *u;
		r->cred = CRED_COOKIE;
		memcpy(r->cred_hash, hash, sizeof(hash));
		set_session_cookie(r, secret, hours * 3600);
	}
	memset(secret, 0, sizeof(secret));
	return rc;
}

int web_session_end(struct web_req *r)
{
	int rc = STORE_OK;

	if (r->cred == CRED_COOKIE) {
		rc = store_session_delete(r->st, r->cred_hash);
		if (rc == STORE_NOT_FOUND)
			rc = STORE_OK;
	}
	if (rc == STORE_OK)
		set_session_cookie(r, "", 0);
	return rc;
}

void api_login(struct web_req *r)
{
	static const struct field_spec spec[] = {
	    {"email", FIELD_LINE, EMAIL_MAX_LEN, FIELD_REQUIRED},
	    {"password", FIELD_LINE, 1024, FIELD_REQUIRED},
	};
	struct field_val v[2];
	char email[EMAIL_MAX_LEN + 1], wait[32];
	struct user u;
	json_t *body;
	int64_t retry;
	int rc;

	body = web_body_json(r, 0);
	if (!body || web_fields_read(r, body, spec, 2, FIELDS_CREATE, v) < 0)
		goto out;
	web_field_copy(&spec[0], &v[0], email, sizeof(email));
	ascii_lower(email);
	switch (web_login_check(r, email, v[1].s, &u, &retry, &rc)) {
	case WEB_LOGIN_OK:
		break;
	case WEB_LOGIN_WRONG:
		web_error(r, 401, "%s", login_failed);
		goto out;
	case WEB_LOGIN_INACTIVE:
		web_error(r, 401, "this account is deactivated; ask an admin");
		goto out;
	case WEB_LOGIN_LIMITED:
		web_error(r, 429, "too many failed attempts; try again in %lld minutes",
			  (long long)((retry + 59) / 60));
		snprintf(wait, sizeof(wait), "%lld", (long long)retry);
		web_header_add(r, "Retry-After", wait);
		goto out;
	case WEB_LOGIN_STORE:
		web_reply_store(r, rc);
		goto out;
	}
	rc = web_session_start(r, &u);
	if (rc != STORE_OK) {
		web_reply_store(r, rc);
		goto out;
	}
	web_reply_json(r, 200, json_pack("{s:o}", "user", json_user(&u)));
out:
	json_decref(body);
}

void api_logout(struct web_req *r)
{
	json_t *body = web_body_json(r, 1);
	int rc;

	if (!body)
		return;
	rc = web_fields_read(r, body, NULL, 0, FIELDS_CREATE, NULL);
	json_decref(body);
	if (rc < 0)
		return;
	/* A token stays valid: tokens are revoked with the command line. */
	rc = web_session_end(r);
	if (rc != STORE_OK) {
		web_reply_store(r, rc);
		return;
	}
	web_reply_raw(r, 204, NULL, 0, NULL);
	/* web_reply_raw keeps the headers added before it. */
}

void api_me_get(struct web_req *r)
{
	web_reply_json(r, 200, json_pack("{s:o}", "user", json_user(&r->user)));
}
