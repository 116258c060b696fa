/*
 * api_users: staff accounts under /api/v1/users (every user reads, only an
 * admin creates and changes) and the caller's own account, PATCH /api/v1/me.
 */
#include <stdio.h>
#include <string.h>

#include "core/validate.h"
#include "util/crypto.h"
#include "web/json.h"
#include "web/request.h"

enum { U_EMAIL, U_NAME, U_ROLE, U_ACTIVE, U_LANG, U_PASSWORD, U_N };

/* FIELD_REQUIRED holds on create; a PATCH may send any subset. */
static const struct field_spec user_spec[U_N] = {
    [U_EMAIL] = {"email", FIELD_EMAIL, EMAIL_MAX_LEN, FIELD_REQUIRED | FIELD_NONEMPTY},
    [U_NAME] = {"name", FIELD_LINE, NAME_MAX_LEN, FIELD_REQUIRED | FIELD_NONEMPTY},
    [U_ROLE] = {"role", FIELD_ROLE, 0, FIELD_REQUIRED},
    [U_ACTIVE] = {"active", FIELD_BOOL, 0, 0},
    [U_LANG] = {"lang", FIELD_LANG, 0, 0},
    [U_PASSWORD] = {"password", FIELD_PASSWORD, 0, 0},
};

/* Apply the present fields of v to u. */
static void user_apply(const struct field_spec *spec, const struct field_val *v, struct user *u)
{
	if (v[U_EMAIL].present)
		web_field_copy(&spec[U_EMAIL], &v[U_EMAIL], u->email, sizeof(u->email));
	if (v[U_NAME].present)
		web_field_copy(&spec[U_NAME], &v[U_NAME], u->name, sizeof(u->name));
	if (v[U_ROLE].present)
		u->role = (enum user_role)v[U_ROLE].i;
	if (v[U_ACTIVE].present)
		u->active = (int)v[U_ACTIVE].i;
	if (v[U_LANG].present)
		web_field_copy(&spec[U_LANG], &v[U_LANG], u->lang, sizeof(u->lang));
}

static int hash_password(struct web_req *r, const char *password, char out[CRYPTO_PWHASH_MAX])
{
	if (crypto_password_hash(password, out) < 0) {
		web_error(r, 500, "cannot hash the password; the server may be out of memory");
		return -1;
	}
	return 0;
}

static void reply_user(struct web_req *r, int status, int64_t id)
{
	struct user u;
	int rc = store_user_get(r->st, id, &u);

	if (rc != STORE_OK) {
		web_reply_store(r, rc);
		return;
	}
	web_reply_json(r, status, json_pack("{s:o}", "user", json_user(&u)));
}

void api_users_list(struct web_req *r)
{
	static const char *const params[] = {NULL};
	struct user_list l = {0};
	json_t *arr;
	size_t i;
	int rc;

	if (web_query_check(r, params) < 0)
		return;
	rc = store_user_list(r->st, &l);
	if (rc != STORE_OK) {
		web_reply_store(r, rc);
		return;
	}
	arr = json_array();
	for (i = 0; i < l.n; i++)
		json_array_append_new(arr, json_user(&l.items[i]));
	web_reply_json(r, 200, json_pack("{s:o,s:I}", "users", arr, "total", (json_int_t)l.n));
	user_list_free(&l);
}

void api_users_get(struct web_req *r)
{
	reply_user(r, 200, r->ids[0]);
}

void api_users_create(struct web_req *r)
{
	struct field_val v[U_N];
	char pwhash[CRYPTO_PWHASH_MAX], generated[CRYPTO_SECRET_MAX];
	const char *password;
	struct user u;
	json_t *body, *out;
	int rc;

	body = web_body_json(r, 0);
	if (!body || web_fields_read(r, body, user_spec, U_N, FIELDS_CREATE, v) < 0)
		goto out;
	memset(&u, 0, sizeof(u));
	u.active = 1;
	snprintf(u.lang, sizeof(u.lang), "%s",
		 r->srv->conf->language[0] ? r->srv->conf->language : "hr");
	user_apply(user_spec, v, &u);
	generated[0] = '\0';
	if (v[U_PASSWORD].present) {
		password = v[U_PASSWORD].s;
	} else {
		crypto_random_password(generated);
		password = generated;
	}
	if (hash_password(r, password, pwhash) < 0)
		goto out;
	rc = store_user_create(r->st, &u, pwhash, r->now);
	if (rc != STORE_OK) {
		web_reply_store(r, rc);
		goto out;
	}
	out = json_pack("{s:o}", "user", json_user(&u));
	/* A generated password is shown once, here, and stored only hashed. */
	if (generated[0])
		json_object_set_new(out, "password", json_string(generated));
	web_reply_json(r, 201, out);
out:
	memset(generated, 0, sizeof(generated));
	json_decref(body);
}

void api_users_patch(struct web_req *r)
{
	struct field_val v[U_N];
	char pwhash[CRYPTO_PWHASH_MAX];
	struct user u;
	json_t *body;
	int rc;

	body = web_body_json(r, 0);
	if (!body || web_fields_read(r, body, user_spec, U_N, FIELDS_PATCH, v) < 0)
		goto out;
	rc = store_user_get(r->st, r->ids[0], &u);
	if (rc != STORE_OK) {
		web_reply_store(r, rc);
		goto out;
	}
	if (!web_fields_any(v, U_N)) {
		web_error(r, 400,
			  "nothing to change: send at least one of email, name, role, "
			  "active, lang, password");
		goto out;
	}
	/* An admin locking themselves out would leave nobody to undo it. */
	if (u.id == r->user.id && ((v[U_ROLE].present && v[U_ROLE].i != ROLE_ADMIN) ||
				   (v[U_ACTIVE].present && !v[U_ACTIVE].i))) {
		web_error(r, 403, "you cannot demote or deactivate yourself; ask another admin");
		goto out;
	}
	if (v[U_PASSWORD].present && hash_password(r, v[U_PASSWORD].s, pwhash) < 0)
		goto out;
	user_apply(user_spec, v, &u);
	rc = store_user_update(r->st, &u, v[U_PASSWORD].present ? pwhash : NULL);
	/*
	 * After the update, so that a refused one (409 on the email) ends
	 * nothing; should this fail, sending the same request again finishes.
	 */
	if (rc == STORE_OK && v[U_PASSWORD].present)
		rc = store_session_delete_user(r->st, u.id, NULL);
	if (rc != STORE_OK) {
		web_reply_store(r, rc);
		goto out;
	}
	reply_user(r, 200, u.id);
out:
	json_decref(body);
}

void api_me_patch(struct web_req *r)
{
	enum { M_NAME, M_LANG, M_PASSWORD, M_CURRENT, M_N };
	static const struct field_spec spec[M_N] = {
	    [M_NAME] = {"name", FIELD_LINE, NAME_MAX_LEN, FIELD_NONEMPTY},
	    [M_LANG] = {"lang", FIELD_LANG, 0, 0},
	    [M_PASSWORD] = {"password", FIELD_PASSWORD, 0, 0},
	    [M_CURRENT] = {"current_password", FIELD_LINE, 1024, 0},
	};
	struct field_val v[M_N];
	char pwhash[CRYPTO_PWHASH_MAX], newhash[CRYPTO_PWHASH_MAX];
	struct user u = r->user, stored;
	json_t *body;
	int rc;

	body = web_body_json(r, 0);
	if (!body || web_fields_read(r, body, spec, M_N, FIELDS_PATCH, v) < 0)
		goto out;
	if (!web_fields_any(v, M_N)) {
		web_error(r, 400,
			  "nothing to change: send name, lang, or password with "
			  "current_password");
		goto out;
	}
	if (v[M_CURRENT].present && !v[M_PASSWORD].present) {
		web_error(r, 400, "current_password: only needed together with password");
		goto out;
	}
	if (v[M_PASSWORD].present) {
		if (!v[M_CURRENT].present) {
			web_error(r, 400, "current_password: required to change the password");
			goto out;
		}
		memset(pwhash, 0, sizeof(pwhash));
		rc = store_user_get_by_email(r->st, r->user.email, &stored, pwhash);
		if (rc != STORE_OK) {
			web_reply_store(r, rc);
			goto out;
		}
		if (!pwhash[0] || !crypto_password_verify(pwhash, v[M_CURRENT].s)) {
			web_error(r, 400, "current_password: wrong password");
			goto out;
		}
		if (hash_password(r, v[M_PASSWORD].s, newhash) < 0)
			goto out;
	}
	if (v[M_NAME].present)
		web_field_copy(&spec[M_NAME], &v[M_NAME], u.name, sizeof(u.name));
	if (v[M_LANG].present)
		web_field_copy(&spec[M_LANG], &v[M_LANG], u.lang, sizeof(u.lang));
	rc = STORE_OK;
	/*
	 * The other sessions end first: should the update then fail, the
	 * password is still the one the caller knows, and they simply retry.
	 * The session making this request (if it is one) stays.
	 */
	if (v[M_PASSWORD].present)
		rc = store_session_delete_user(r->st, u.id,
					       r->cred == CRED_COOKIE ? r->cred_hash : NULL);
	if (rc == STORE_OK)
		rc = store_user_update(r->st, &u, v[M_PASSWORD].present ? newhash : NULL);
	if (rc != STORE_OK) {
		web_reply_store(r, rc);
		goto out;
	}
	reply_user(r, 200, u.id);
out:
	json_decref(body);
}
