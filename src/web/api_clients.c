/*
 * api_clients: client companies (/api/v1/clients) and the people at them
 * (/api/v1/contacts): list with paging, create, get, partial update.
 */
#include <string.h>

#include "core/validate.h"
#include "web/json.h"
#include "web/request.h"

enum { C_NAME, C_OIB, C_VAT, C_ADDRESS, C_DOMAINS, C_BILLING_EMAIL, C_NOTES, C_ACTIVE, C_N };

static const struct field_spec client_spec[C_N] = {
    [C_NAME] = {"name", FIELD_LINE, NAME_MAX_LEN, FIELD_REQUIRED | FIELD_NONEMPTY},
    [C_OIB] = {"oib", FIELD_OIB, OIB_LEN, FIELD_NULLABLE},
    [C_VAT] = {"vat_id", FIELD_LINE, VAT_ID_MAX_LEN, FIELD_NULLABLE},
    [C_ADDRESS] = {"address", FIELD_TEXT, ADDRESS_MAX_LEN, FIELD_NULLABLE},
    [C_DOMAINS] = {"email_domains", FIELD_DOMAINS, DOMAINS_MAX_LEN, FIELD_NULLABLE},
    [C_BILLING_EMAIL] = {"billing_email", FIELD_EMAIL, EMAIL_MAX_LEN, FIELD_NULLABLE},
    [C_NOTES] = {"notes", FIELD_TEXT, NOTES_MAX_LEN, FIELD_NULLABLE},
    [C_ACTIVE] = {"active", FIELD_BOOL, 0, 0},
};

enum { K_CLIENT, K_NAME, K_EMAIL, K_PHONE, K_SEES_ALL, K_ACTIVE, K_N };

static const struct field_spec contact_spec[K_N] = {
    [K_CLIENT] = {"client_id", FIELD_ID, 0, FIELD_REQUIRED},
    [K_NAME] = {"name", FIELD_LINE, NAME_MAX_LEN, FIELD_REQUIRED | FIELD_NONEMPTY},
    [K_EMAIL] = {"email", FIELD_EMAIL, EMAIL_MAX_LEN, FIELD_NULLABLE},
    [K_PHONE] = {"phone", FIELD_LINE, PHONE_MAX_LEN, FIELD_NULLABLE},
    [K_SEES_ALL] = {"sees_all", FIELD_BOOL, 0, 0},
    [K_ACTIVE] = {"active", FIELD_BOOL, 0, 0},
};

#define COPY(spec, v, i, dst) web_field_copy(&(spec)[i], &(v)[i], (dst), sizeof(dst))

static void client_apply(const struct field_val *v, struct client *c)
{
	if (v[C_NAME].present)
		COPY(client_spec, v, C_NAME, c->name);
	if (v[C_OIB].present)
		COPY(client_spec, v, C_OIB, c->oib);
	if (v[C_VAT].present)
		COPY(client_spec, v, C_VAT, c->vat_id);
	if (v[C_ADDRESS].present)
		COPY(client_spec, v, C_ADDRESS, c->address);
	if (v[C_DOMAINS].present)
		COPY(client_spec, v, C_DOMAINS, c->email_domains);
	if (v[C_BILLING_EMAIL].present)
		COPY(client_spec, v, C_BILLING_EMAIL, c->billing_email);
	if (v[C_NOTES].present)
		COPY(client_spec, v, C_NOTES, c->notes);
	if (v[C_ACTIVE].present)
		c->active = (int)v[C_ACTIVE].i;
}

static void contact_apply(const struct field_val *v, struct contact *c)
{
	if (v[K_CLIENT].present)
		c->client_id = v[K_CLIENT].i;
	if (v[K_NAME].present)
		COPY(contact_spec, v, K_NAME, c->name);
	if (v[K_EMAIL].present)
		COPY(contact_spec, v, K_EMAIL, c->email);
	if (v[K_PHONE].present)
		COPY(contact_spec, v, K_PHONE, c->phone);
	if (v[K_SEES_ALL].present)
		c->sees_all = (int)v[K_SEES_ALL].i;
	if (v[K_ACTIVE].present)
		c->active = (int)v[K_ACTIVE].i;
}

/* ?active_only=true|false|1|0 into *out; 0, or -1 after replying 400. */
static int query_bool(struct web_req *r, const char *name, int *out)
{
	const char *v = web_query_get(r, name);

	if (!v)
		return 0;
	if (strcmp(v, "true") == 0 || strcmp(v, "1") == 0) {
		*out = 1;
	} else if (strcmp(v, "false") == 0 || strcmp(v, "0") == 0) {
		*out = 0;
	} else {
		web_error(r, 400, "%s: must be true or false", name);
		return -1;
	}
	return 0;
}

/* ?q= checked as one line of at most 200 bytes; NULL when absent. */
static int query_text(struct web_req *r, const char *name, const char **out)
{
	const char *v = web_query_get(r, name);

	if (v && !valid_text(v, NAME_MAX_LEN, 0)) {
		web_error(r, 400, "%s: must be one line of at most %d bytes", name, NAME_MAX_LEN);
		return -1;
	}
	*out = v && *v ? v : NULL;
	return 0;
}

static json_t *page_of(const char *key, json_t *items, int page, int per_page, int64_t total)
{
	return json_pack("{s:o,s:i,s:i,s:I}", key, items, "page", page, "per_page", per_page,
			 "total", (json_int_t)total);
}

/* ---- clients ---- */

void api_clients_list(struct web_req *r)
{
	static const char *const params[] = {"q", "active_only", "page", "per_page", NULL};
	struct client_filter f;
	struct client_list l = {0};
	int page, per_page, rc;
	int64_t total = 0;
	json_t *arr;
	size_t i;

	memset(&f, 0, sizeof(f));
	if (web_query_check(r, params) < 0 || web_query_paging(r, &page, &per_page) < 0 ||
	    query_text(r, "q", &f.query) < 0 || query_bool(r, "active_only", &f.active_only) < 0)
		return;
	f.limit = per_page;
	f.offset = (page - 1) * per_page;
	rc = store_client_list(r->st, &f, &l, &total);
	if (rc != STORE_OK) {
		web_reply_store(r, rc);
		return;
	}
	arr = json_array();
	for (i = 0; i < l.n; i++)
		json_array_append_new(arr, json_client(&l.items[i]));
	web_reply_json(r, 200, page_of("clients", arr, page, per_page, total));
	client_list_free(&l);
}

void api_clients_get(struct web_req *r)
{
	struct client c;
	int rc = store_client_get(r->st, r->ids[0], &c);

	if (rc != STORE_OK) {
		web_reply_store(r, rc);
		return;
	}
	web_reply_json(r, 200, json_pack("{s:o}", "client", json_client(&c)));
}

void api_clients_create(struct web_req *r)
{
	struct field_val v[C_N];
	struct client c;
	json_t *body;
	int rc;

	body = web_body_json(r, 0);
	if (!body || web_fields_read(r, body, client_spec, C_N, FIELDS_CREATE, v) < 0)
		goto out;
	memset(&c, 0, sizeof(c));
	c.active = 1;
	client_apply(v, &c);
	rc = store_client_create(r->st, &c, r->now);
	if (rc != STORE_OK) {
		web_reply_store(r, rc);
		goto out;
	}
	web_reply_json(r, 201, json_pack("{s:o}", "client", json_client(&c)));
out:
	json_decref(body);
}

void api_clients_patch(struct web_req *r)
{
	struct field_val v[C_N];
	struct client c;
	json_t *body;
	int rc;

	body = web_body_json(r, 0);
	if (!body || web_fields_read(r, body, client_spec, C_N, FIELDS_PATCH, v) < 0)
		goto out;
	rc = store_client_get(r->st, r->ids[0], &c);
	if (rc != STORE_OK) {
		web_reply_store(r, rc);
		goto out;
	}
	if (!web_fields_any(v, C_N)) {
		web_error(r, 400, "nothing to change: send at least one field of the client");
		goto out;
	}
	client_apply(v, &c);
	rc = store_client_update(r->st, &c, r->now);
	if (rc == STORE_OK)
		rc = store_client_get(r->st, c.id, &c);
	if (rc != STORE_OK) {
		web_reply_store(r, rc);
		goto out;
	}
	web_reply_json(r, 200, json_pack("{s:o}", "client", json_client(&c)));
out:
	json_decref(body);
}

/* ---- contacts ---- */

void api_contacts_list(struct web_req *r)
{
	static const char *const params[] = {"client_id", "q",	      "active_only",
					     "page",	  "per_page", NULL};
	struct contact_filter f;
	struct contact_list l = {0};
	int page, per_page, rc;
	int64_t total = 0;
	json_t *arr;
	size_t i;

	memset(&f, 0, sizeof(f));
	if (web_query_check(r, params) < 0 || web_query_paging(r, &page, &per_page) < 0 ||
	    web_query_id(r, "client_id", &f.client_id) < 0 || query_text(r, "q", &f.query) < 0 ||
	    query_bool(r, "active_only", &f.active_only) < 0)
		return;
	f.limit = per_page;
	f.offset = (page - 1) * per_page;
	rc = store_contact_list(r->st, &f, &l, &total);
	if (rc != STORE_OK) {
		web_reply_store(r, rc);
		return;
	}
	arr = json_array();
	for (i = 0; i < l.n; i++)
		json_array_append_new(arr, json_contact(&l.items[i]));
	web_reply_json(r, 200, page_of("contacts", arr, page, per_page, total));
	contact_list_free(&l);
}

static void reply_contact(struct web_req *r, int status, int64_t id)
{
	struct contact c;
	int rc = store_contact_get(r->st, id, &c);

	if (rc != STORE_OK) {
		web_reply_store(r, rc);
		return;
	}
	web_reply_json(r, status, json_pack("{s:o}", "contact", json_contact(&c)));
}

void api_contacts_get(struct web_req *r)
{
	reply_contact(r, 200, r->ids[0]);
}

void api_contacts_create(struct web_req *r)
{
	struct field_val v[K_N];
	struct contact c;
	json_t *body;
	int rc;

	body = web_body_json(r, 0);
	if (!body || web_fields_read(r, body, contact_spec, K_N, FIELDS_CREATE, v) < 0)
		goto out;
	memset(&c, 0, sizeof(c));
	c.active = 1;
	contact_apply(v, &c);
	rc = store_contact_create(r->st, &c, r->now);
	if (rc != STORE_OK) {
		web_reply_store(r, rc);
		goto out;
	}
	reply_contact(r, 201, c.id);
out:
	json_decref(body);
}

void api_contacts_patch(struct web_req *r)
{
	struct field_val v[K_N];
	struct contact c;
	json_t *body;
	int rc;

	body = web_body_json(r, 0);
	if (!body || web_fields_read(r, body, contact_spec, K_N, FIELDS_PATCH, v) < 0)
		goto out;
	rc = store_contact_get(r->st, r->ids[0], &c);
	if (rc != STORE_OK) {
		web_reply_store(r, rc);
		goto out;
	}
	if (!web_fields_any(v, K_N)) {
		web_error(r, 400, "nothing to change: send at least one field of the contact");
		goto out;
	}
	contact_apply(v, &c);
	rc = store_contact_update(r->st, &c, r->now);
	if (rc != STORE_OK) {
		web_reply_store(r, rc);
		goto out;
	}
	reply_contact(r, 200, c.id);
out:
	json_decref(body);
}
