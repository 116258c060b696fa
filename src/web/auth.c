/*
 * auth: who is calling.  API tokens (Authorization: Bearer) and session
 * cookies (POST /api/v1/login) are both found by the SHA-256 of their
 * secret; cookie requests that change state must prove they are not cross-
 * site (X-Requested-With or a matching Origin).  Also login, logout, /me.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>


#include "web/mhd_api.h"
#include "core/validate.h"
#include "util/crypto.h"
#include "util/log.h"
#include "web/json.h"
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
		len = strnlen(cookie, SECRET_MAX + 1);
		if (len == 0 || len > SECRET_MAX)
			return unauthorized(r, "your session has ended; log in again");
		crypto_sha256_hex(cookie, len, hash);
		rc = store_session_lookup(r->st, hash, r->now, &r->user);
		if (rc == STORE_NOT_FOUND)
			return unauthorized(r, "your session has ended; log in again");
		if (rc != STORE_OK) {
			web_reply_store(r, rc);
			return -1;
		}
		r->cred = CRED_COOKIE;
		memcpy(r->cred_hash, hash, sizeof(hash));
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

void api_login(struct web_req *r)
{
	static const struct field_spec spec[] = {
	    {"email", FIELD_LINE, EMAIL_MAX_LEN, FIELD_REQUIRED},
	    {"password", FIELD_LINE, 1024, FIELD_REQUIRED},
	};
	struct field_val v[2];
	char email[EMAIL_MAX_LEN + 1], pwhash[CRYPTO_PWHASH_MAX];
	char secret[CRYPTO_SECRET_MAX], hash[CRYPTO_SHA256_HEX];
	struct user u;
	json_t *body;
	int rc, ok, hours = r->srv->conf->session_hours;

	body = web_body_json(r, 0);
	if (!body || web_fields_read(r, body, spec, 2, FIELDS_CREATE, v) < 0)
		goto out;
	web_field_copy(&spec[0], &v[0], email, sizeof(email));
	ascii_lower(email);
	memset(pwhash, 0, sizeof(pwhash));
	rc = store_user_get_by_email(r->st, email, &u, pwhash);
	if (rc == STORE_NOT_FOUND) {
		/* Spend the same time as for a real user, so timing shows nothing. */
		crypto_password_verify(r->srv->dummy_hash, v[1].s);
		web_error(r, 401, "%s", login_failed);
		goto out;
	}
	if (rc != STORE_OK) {
		web_reply_store(r, rc);
		goto out;
	}
	ok = crypto_password_verify(pwhash[0] ? pwhash : r->srv->dummy_hash, v[1].s) && pwhash[0];
	if (!ok) {
		web_error(r, 401, "%s", login_failed);
		goto out;
	}
	if (!u.active) {
		web_error(r, 401, "this account is deactivated; ask an admin");
		goto out;
	}
	if (hours < 1)
		hours = 12;
	crypto_random_secret("s_", secret);
	crypto_sha256_hex(secret, strlen(secret), hash);
	rc = store_session_create(r->st, hash, u.id, r->now, r->now + (int64_t)hours * 3600);
	if (rc != STORE_OK) {
		web_reply_store(r, rc);
		goto out;
	}
	r->user = u;
	web_reply_json(r, 200, json_pack("{s:o}", "user", json_user(&u)));
	set_session_cookie(r, secret, hours * 3600);
out:
	memset(secret, 0, sizeof(secret));
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
	if (r->cred == CRED_COOKIE) {
		rc = store_session_delete(r->st, r->cred_hash);
		if (rc != STORE_OK && rc != STORE_NOT_FOUND) {
			web_reply_store(r, rc);
			return;
		}
	}
	web_reply_raw(r, 204, NULL, 0, NULL);
	set_session_cookie(r, "", 0);
}

void api_me_get(struct web_req *r)
{
	web_reply_json(r, 200, json_pack("{s:o}", "user", json_user(&r->user)));
}
