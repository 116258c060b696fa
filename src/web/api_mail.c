/*
 * api_mail: outgoing mail in the JSON API: a technician's reply to the
 * client (POST /api/v1/tickets/{id}/replies: the reply event and its
 * message in the durable outbox, in one transaction, sent by the outbox
 * thread of `evid serve`), and the outbox itself for admins (GET
 * /api/v1/outbox).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/validate.h"
#include "mail/intake.h"
#include "mail/outbox.h"
#include "util/buf.h"
#include "util/xalloc.h"
#include "web/json.h"
#include "web/request.h"

#define REPLY_FILES_MAX 20     /* attachment_ids of one reply */
#define OUTBOX_DEPTH_MAX 10000 /* the outbox is paged this far back */

static const char *const reply_keys[] = {"body", "to", "cc", "attachment_ids", NULL};

/* Refuse a key outside reply_keys (400 naming it).  0, or -1 after replying. */
static int reply_keys_check(struct web_req *r, json_t *body)
{
	const char *key;
	json_t *v;
	size_t i;

	json_object_foreach(body, key, v)
	{
		int known = 0;

		(void)v;
		for (i = 0; reply_keys[i]; i++)
			known |= strcmp(key, reply_keys[i]) == 0;
		if (!known) {
			web_error(r, 400,
				  "unknown field '%.40s'; known fields: body, to, cc, "
				  "attachment_ids",
				  valid_text(key, 40, 0) ? key : "?");
			return -1;
		}
	}
	return 0;
}

/* Add one address (n bytes at p, trimmed) to b; 0, or -1 after replying 400. */
static int addr_add(struct web_req *r, const char *key, const char *p, size_t n, struct buf *b)
{
	char one[EMAIL_MAX_LEN + 1];

	while (n > 0 && (*p == ' ' || *p == '\t')) {
		p++;
		n--;
	}
	while (n > 0 && (p[n - 1] == ' ' || p[n - 1] == '\t'))
		n--;
	if (n == 0)
		return 0;
	if (n >= sizeof(one)) {
		web_error(r, 400, "%s: an address is longer than %d bytes", key, EMAIL_MAX_LEN);
		return -1;
	}
	memcpy(one, p, n);
	one[n] = '\0';
	ascii_lower(one);
	if (!valid_email(one)) {
		web_error(r, 400, "%s: '%.80s' is not a valid email address", key,
			  valid_text(one, EMAIL_MAX_LEN, 0) ? one : "?");
		return -1;
	}
	if ((b->len && buf_puts(b, ", ") < 0) || buf_puts(b, one) < 0) {
		web_error(r, 400, "%s: too many addresses, at most %d bytes together", key,
			  MAIL_ADDRS_MAX_LEN);
		return -1;
	}
	return 0;
}

/*
 * An address list: a string "a@firma.hr, b@firma.hr" or an array of
 * strings, into out as "a@firma.hr, b@firma.hr" (lowercase; "" when absent
 * or null).  0, or -1 after replying 400.
 */
static int addr_list_read(struct web_req *r, json_t *body, const char *key, char *out, size_t outsz)
{
	json_t *j = json_object_get(body, key), *item;
	struct buf b = BUF_INIT(MAIL_ADDRS_MAX_LEN);
	const char *s;
	size_t i;
	int rc = -1;

	out[0] = '\0';
	if (!j || json_is_null(j))
		return 0;
	if (json_is_string(j)) {
		s = json_string_value(j);
		while (*s) {
			size_t n = strcspn(s, ",");

			if (addr_add(r, key, s, n, &b) < 0)
				goto out;
			s += n;
			if (*s == ',')
				s++;
		}
	} else if (json_is_array(j)) {
		json_array_foreach(j, i, item)
		{
			if (!json_is_string(item)) {
				web_error(r, 400, "%s: must be a list of email addresses", key);
				goto out;
			}
			s = json_string_value(item);
			if (strchr(s, ',')) {
				web_error(r, 400, "%s: one address per item", key);
				goto out;
			}
			if (addr_add(r, key, s, strlen(s), &b) < 0)
				goto out;
		}
	} else {
		web_error(r, 400, "%s: must be a list of email addresses", key);
		goto out;
	}
	snprintf(out, outsz, "%s", b.s);
	rc = 0;
out:
	buf_free(&b);
	return rc;
}

struct reply_files {
	struct mail_file *files;
	void **data;
	size_t n;
};

static void reply_files_free(struct reply_files *f)
{
	size_t i;

	for (i = 0; i < f->n; i++)
		free(f->data[i]);
	free(f->data);
	free(f->files);
}

/* attachment_ids: files of this ticket sent with the reply.  0, or -1 after replying. */
static int reply_files_read(struct web_req *r, json_t *body, const struct ticket *t,
			    struct reply_files *out)
{
	json_t *j = json_object_get(body, "attachment_ids"), *item;
	size_t i, k, total = 0, max = (size_t)r->srv->conf->mail_max_message_mb << 20;
	struct attachment a;
	int rc;

	memset(out, 0, sizeof(*out));
	if (!j || json_is_null(j))
		return 0;
	if (!json_is_array(j) || json_array_size(j) > REPLY_FILES_MAX) {
		web_error(r, 400, "attachment_ids: must be a list of at most %d attachment ids",
			  REPLY_FILES_MAX);
		return -1;
	}
	out->files = xcalloc(json_array_size(j) + 1, sizeof(*out->files));
	out->data = xcalloc(json_array_size(j) + 1, sizeof(*out->data));
	json_array_foreach(j, i, item)
	{
		json_int_t id = json_is_integer(item) ? json_integer_value(item) : 0;

		if (id < 1) {
			web_error(r, 400, "attachment_ids: must be positive attachment ids");
			return -1;
		}
		for (k = 0; k < i; k++) {
			if (json_integer_value(json_array_get(j, k)) == id) {
				web_error(r, 400, "attachment_ids: %lld is named twice",
					  (long long)id);
				return -1;
			}
		}
		rc = store_attachment_get(r->st, (int64_t)id, &a, NULL);
		if (rc == STORE_NOT_FOUND || (rc == STORE_OK && a.ticket_id != t->id)) {
			web_error(r, 400, "attachment_ids: attachment %lld is not on ticket %s",
				  (long long)id, t->number);
			return -1;
		}
		if (rc != STORE_OK) {
			web_reply_store(r, rc);
			return -1;
		}
		total += (size_t)a.size;
		if (total > max) {
			web_error(r, 400,
				  "attachment_ids: the files come to more than %d MB, "
				  "the limit of [mail] max_message_mb",
				  r->srv->conf->mail_max_message_mb);
			return -1;
		}
		rc = store_attachment_get(r->st, (int64_t)id, &a, &out->data[out->n]);
		if (rc != STORE_OK) {
			web_reply_store(r, rc);
			return -1;
		}
		snprintf(out->files[out->n].filename, sizeof(out->files[out->n].filename), "%s",
			 a.filename);
		snprintf(out->files[out->n].media_type, sizeof(out->files[out->n].media_type), "%s",
			 a.media_type);
		out->files[out->n].data = out->data[out->n];
		out->files[out->n].size = (size_t)a.size;
		snprintf(out->files[out->n].sha256, sizeof(out->files[out->n].sha256), "%s",
			 a.sha256);
		out->n++;
	}
	return 0;
}

/*
 * Whom a reply goes to when the request does not say: the ticket's contact,
 * else the sender of the message that opened it.  0, or -1 after replying
 * (409 when there is nobody).
 */
static int default_recipient(struct web_req *r, const struct ticket *t, char *out, size_t outsz)
{
	struct contact c;
	struct mail_addr origin;
	int rc;

	if (t->contact_id) {
		rc = store_contact_get(r->st, t->contact_id, &c);
		if (rc != STORE_OK && rc != STORE_NOT_FOUND) {
			web_reply_store(r, rc);
			return -1;
		}
		if (rc == STORE_OK && c.active && c.email[0]) {
			snprintf(out, outsz, "%s", c.email);
			return 0;
		}
	}
	rc = store_mail_origin(r->st, t->id, &origin);
	if (rc != STORE_OK && rc != STORE_NOT_FOUND) {
		web_reply_store(r, rc);
		return -1;
	}
	if (rc == STORE_OK && origin.addr[0]) {
		snprintf(out, outsz, "%s", origin.addr);
		return 0;
	}
	web_error(r, 409,
		  "ticket %s has no contact with an email address and did not come "
		  "by mail: say whom to write to in 'to'",
		  t->number);
	return -1;
}

void api_replies_create(struct web_req *r)
{
	static const struct field_spec spec[] = {
	    {"body", FIELD_TEXT, BODY_MAX_LEN, FIELD_REQUIRED | FIELD_NONEMPTY},
	};
	const struct config *conf = r->srv->conf;
	char to[MAIL_ADDRS_MAX_LEN + 1], cc[MAIL_ADDRS_MAX_LEN + 1];
	char ours[sizeof(conf->mail_address) + sizeof(conf->mail_aliases) + 2];
	char domain[sizeof(conf->mail_address)];
	struct reply_files rf = {0};
	struct field_val v[1];
	struct mail_policy pol;
	struct event_list ev = {0};
	struct outbox_item item;
	struct ticket t;
	json_t *body, *only = NULL, *event = NULL;
	int64_t eid = 0, oid = 0;
	size_t i;
	int rc;

	body = web_body_json(r, 0);
	if (!body || reply_keys_check(r, body) < 0)
		goto out;
	only = json_object();
	if (json_object_get(body, "body"))
		json_object_set(only, "body", json_object_get(body, "body"));
	if (web_fields_read(r, only, spec, 1, FIELDS_CREATE, v) < 0 ||
	    addr_list_read(r, body, "to", to, sizeof(to)) < 0 ||
	    addr_list_read(r, body, "cc", cc, sizeof(cc)) < 0)
		goto out;
	rc = store_ticket_get(r->st, r->ids[0], &t);
	if (rc != STORE_OK) {
		web_reply_store(r, rc);
		goto out;
	}
	if (!conf->mail_address[0]) {
		web_error(r, 409, "mail is not set up: set [mail] address in the configuration");
		goto out;
	}
	if (!to[0] && default_recipient(r, &t, to, sizeof(to)) < 0)
		goto out;
	if (reply_files_read(r, body, &t, &rf) < 0)
		goto out;
	mail_policy_from_config(conf, r->now, &pol, ours, sizeof(ours), domain, sizeof(domain));
	rc = store_reply_queue(r->st, t.id, r->user.id, v[0].s, to, cc, rf.files, rf.n, &pol,
			       r->now, &eid, &oid);
	if (rc == STORE_OK)
		rc = store_ticket_events(r->st, t.id, &ev);
	if (rc == STORE_OK)
		rc = store_outbox_get(r->st, oid, &item, NULL, NULL);
	if (rc != STORE_OK) {
		web_reply_store(r, rc);
		goto out;
	}
	outbox_wake();
	for (i = 0; i < ev.n && !event; i++)
		if (ev.items[i].id == eid)
			event = json_event(&ev.items[i]);
	web_reply_json(r, 201,
		       json_pack("{s:o,s:o}", "event", event ? event : json_null(), "outbox",
				 json_outbox_item(&item)));
out:
	event_list_free(&ev);
	reply_files_free(&rf);
	json_decref(only);
	json_decref(body);
}

void api_outbox_list(struct web_req *r)
{
	static const char *const params[] = {"status", "page", "per_page", NULL};
	struct outbox_list l = {0};
	enum outbox_status s;
	const char *status;
	int page, per_page, st = -1, has_more;
	size_t from, to, i;
	json_t *arr;
	int rc;

	if (web_query_check(r, params) < 0 || web_query_paging(r, &page, &per_page) < 0)
		return;
	status = web_query_get(r, "status");
	if (status) {
		if (outbox_status_parse(status, &s) < 0) {
			web_error(r, 400, "status: must be one of queued, sent, failed");
			return;
		}
		st = (int)s;
	}
	if ((int64_t)page * per_page > OUTBOX_DEPTH_MAX) {
		web_error(r, 400, "page: the outbox is paged %d messages back; filter by status",
			  OUTBOX_DEPTH_MAX);
		return;
	}
	/* One more than the page tells whether another page follows. */
	rc = store_outbox_list(r->st, st, page * per_page + 1, &l);
	if (rc != STORE_OK) {
		web_reply_store(r, rc);
		return;
	}
	from = (size_t)(page - 1) * (size_t)per_page;
	to = (size_t)page * (size_t)per_page;
	has_more = l.n > to;
	arr = json_array();
	for (i = from; i < l.n && i < to; i++)
		json_array_append_new(arr, json_outbox_item(&l.items[i]));
	web_reply_json(r, 200,
		       json_pack("{s:o,s:i,s:i,s:b}", "outbox", arr, "page", page, "per_page",
				 per_page, "has_more", has_more));
	outbox_list_free(&l);
}
