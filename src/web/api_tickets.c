/*
 * api_tickets: tickets (/api/v1/tickets: list with filters and paging,
 * create, get with history, patch), internal notes, and attachments
 * (uploaded as a raw body, downloaded as an attachment, never rendered).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/validate.h"
#include "mail/outbox.h"
#include "util/clock.h"
#include "util/crypto.h"
#include "util/xalloc.h"
#include "web/json.h"
#include "web/request.h"

enum {
	T_SUBJECT,
	T_DESCRIPTION,
	T_CLIENT,
	T_CONTACT,
	T_ASSIGNEE,
	T_PRIORITY,
	T_CHANNEL,
	T_BILLING,
	T_N
};

static const struct field_spec ticket_create_spec[T_N] = {
    [T_SUBJECT] = {"subject", FIELD_LINE, SUBJECT_MAX_LEN, FIELD_REQUIRED | FIELD_NONEMPTY},
    [T_DESCRIPTION] = {"description", FIELD_TEXT, BODY_MAX_LEN, FIELD_NULLABLE},
    [T_CLIENT] = {"client_id", FIELD_ID, 0, FIELD_NULLABLE},
    [T_CONTACT] = {"contact_id", FIELD_ID, 0, FIELD_NULLABLE},
    [T_ASSIGNEE] = {"assignee_id", FIELD_ID, 0, FIELD_NULLABLE},
    [T_PRIORITY] = {"priority", FIELD_PRIORITY, 0, 0},
    [T_CHANNEL] = {"channel", FIELD_CHANNEL, 0, 0},
    [T_BILLING] = {"billing", FIELD_BILLING, 0, 0},
};

enum {
	P_SUBJECT,
	P_STATUS,
	P_PRIORITY,
	P_CHANNEL,
	P_BILLING,
	P_CLIENT,
	P_CONTACT,
	P_ASSIGNEE,
	P_REASON,
	P_N
};

static const struct field_spec ticket_patch_spec[P_N] = {
    [P_SUBJECT] = {"subject", FIELD_LINE, SUBJECT_MAX_LEN, FIELD_NONEMPTY},
    [P_STATUS] = {"status", FIELD_STATUS, 0, 0},
    [P_PRIORITY] = {"priority", FIELD_PRIORITY, 0, 0},
    [P_CHANNEL] = {"channel", FIELD_CHANNEL, 0, 0},
    [P_BILLING] = {"billing", FIELD_BILLING, 0, 0},
    [P_CLIENT] = {"client_id", FIELD_ID, 0, FIELD_NULLABLE},
    [P_CONTACT] = {"contact_id", FIELD_ID, 0, FIELD_NULLABLE},
    [P_ASSIGNEE] = {"assignee_id", FIELD_ID, 0, FIELD_NULLABLE},
    [P_REASON] = {"reason", FIELD_TEXT, NOTES_MAX_LEN, 0},
};

/* Fetch ticket id into *t; 0, or -1 after replying (404 for an unknown ticket). */
static int ticket_load(struct web_req *r, int64_t id, struct ticket *t)
{
	int rc = store_ticket_get(r->st, id, t);

	if (rc != STORE_OK) {
		web_reply_store(r, rc);
		return -1;
	}
	return 0;
}

/*
 * The client of contact_id, for a ticket given a contact but no client.
 * 0, or -1 after replying 400 (the contact is a reference in the body).
 */
static int contact_client(struct web_req *r, int64_t contact_id, int64_t *client_id)
{
	struct contact c;
	int rc = store_contact_get(r->st, contact_id, &c);

	if (rc == STORE_NOT_FOUND) {
		web_error(r, 400, "contact_id: contact %lld not found", (long long)contact_id);
		return -1;
	}
	if (rc != STORE_OK) {
		web_reply_store(r, rc);
		return -1;
	}
	*client_id = c.client_id;
	return 0;
}

/* ---- list ---- */

/* An enum query parameter: -1 when absent; 0, or -1 after replying 400. */
static int query_enum(struct web_req *r, const char *name, int (*parse)(const char *, int *),
		      const char *names, int *out)
{
	const char *v = web_query_get(r, name);

	*out = -1;
	if (!v)
		return 0;
	if (parse(v, out) < 0) {
		web_error(r, 400, "%s: must be one of %s", name, names);
		return -1;
	}
	return 0;
}

static int parse_status(const char *s, int *out)
{
	enum ticket_status v;

	if (status_parse(s, &v) < 0)
		return -1;
	*out = (int)v;
	return 0;
}

static int parse_channel(const char *s, int *out)
{
	enum ticket_channel v;

	if (channel_parse(s, &v) < 0)
		return -1;
	*out = (int)v;
	return 0;
}

static int parse_billing(const char *s, int *out)
{
	enum billing_kind v;

	if (billing_parse(s, &v) < 0)
		return -1;
	*out = (int)v;
	return 0;
}

static int parse_sort(const char *s, int *out)
{
	static const char *const names[] = {"updated", "created", "created_asc", "priority"};
	static const enum ticket_sort sorts[] = {SORT_UPDATED_DESC, SORT_CREATED_DESC,
						 SORT_CREATED_ASC, SORT_PRIORITY_DESC};
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (strcmp(s, names[i]) == 0) {
			*out = (int)sorts[i];
			return 0;
		}
	}
	return -1;
}

/* ?assignee_id=ID|me|none into the filter. */
static int query_assignee(struct web_req *r, struct ticket_filter *f)
{
	const char *v = web_query_get(r, "assignee_id");

	if (!v)
		return 0;
	if (strcmp(v, "me") == 0) {
		f->assignee_id = r->user.id;
	} else if (strcmp(v, "none") == 0) {
		f->assignee_id = -1;
	} else if (web_parse_id(v, &f->assignee_id) < 0) {
		web_error(r, 400, "assignee_id: must be a user id, 'me' or 'none'");
		return -1;
	}
	return 0;
}

void api_tickets_list(struct web_req *r)
{
	static const char *const params[] = {"status",	   "open_only", "assignee_id", "client_id",
					     "contact_id", "channel",	"billing",     "sort",
					     "page",	   "per_page",	NULL};
	struct ticket_filter f;
	struct ticket_list l = {0};
	const char *open_only;
	int page, per_page, sort, rc;
	int64_t total = 0;
	json_t *arr;
	size_t i;

	store_ticket_filter_init(&f);
	if (web_query_check(r, params) < 0 || web_query_paging(r, &page, &per_page) < 0 ||
	    query_enum(r, "status", parse_status, "new, open, waiting, resolved, closed",
		       &f.status) < 0 ||
	    query_enum(r, "channel", parse_channel, "email, web, phone, fax, sms, walk_in, api",
		       &f.channel) < 0 ||
	    query_enum(r, "billing", parse_billing, "billable, free, warranty", &f.billing) < 0 ||
	    query_enum(r, "sort", parse_sort, "updated, created, created_asc, priority", &sort) <
		0 ||
	    query_assignee(r, &f) < 0 || web_query_id(r, "client_id", &f.client_id) < 0 ||
	    web_query_id(r, "contact_id", &f.contact_id) < 0)
		return;
	open_only = web_query_get(r, "open_only");
	if (open_only) {
		if (strcmp(open_only, "true") != 0 && strcmp(open_only, "false") != 0) {
			web_error(r, 400, "open_only: must be true or false");
			return;
		}
		f.open_only = strcmp(open_only, "true") == 0;
	}
	if (sort >= 0)
		f.sort = (enum ticket_sort)sort;
	f.limit = per_page;
	f.offset = (page - 1) * per_page;
	rc = store_ticket_list(r->st, &f, &l, &total);
	if (rc != STORE_OK) {
		web_reply_store(r, rc);
		return;
	}
	arr = json_array();
	for (i = 0; i < l.n; i++)
		json_array_append_new(arr, json_ticket(&l.items[i]));
	web_reply_json(r, 200,
		       json_pack("{s:o,s:i,s:i,s:I}", "tickets", arr, "page", page, "per_page",
				 per_page, "total", (json_int_t)total));
	ticket_list_free(&l);
}

/* ---- one ticket ---- */

static void reply_ticket(struct web_req *r, int status, int64_t id)
{
	struct ticket t;

	if (ticket_load(r, id, &t) < 0)
		return;
	web_reply_json(r, status, json_pack("{s:o}", "ticket", json_ticket(&t)));
}

void api_tickets_get(struct web_req *r)
{
	struct ticket t;
	struct event_list ev = {0};
	struct attachment_list at = {0};
	struct mail_record_list mail = {0};
	struct outbox_list outbox = {0};
	struct mail_addr origin;
	json_t *o, *events, *atts;
	size_t i;
	int rc, by_mail = 0;

	if (ticket_load(r, r->ids[0], &t) < 0)
		return;
	rc = store_mail_origin(r->st, t.id, &origin);
	if (rc == STORE_OK)
		by_mail = 1;
	if (rc == STORE_OK || rc == STORE_NOT_FOUND)
		rc = store_ticket_events(r->st, t.id, &ev);
	if (rc == STORE_OK)
		rc = store_attachment_list(r->st, t.id, &at);
	if (rc == STORE_OK)
		rc = outbox_ticket_mail(r->st, t.id, &mail, &outbox);
	if (rc != STORE_OK) {
		web_reply_store(r, rc);
		goto out;
	}
	events = json_array();
	for (i = 0; i < ev.n; i++)
		json_array_append_new(events, json_event(&ev.items[i]));
	atts = json_array();
	for (i = 0; i < at.n; i++)
		json_array_append_new(atts, json_attachment(&at.items[i]));
	o = json_ticket(&t);
	json_ticket_origin(o, by_mail ? &origin : NULL);
	json_object_set_new(o, "events", events);
	json_object_set_new(o, "attachments", atts);
	json_object_set_new(o, "mail", json_ticket_mail(&mail, &outbox));
	web_reply_json(r, 200, json_pack("{s:o}", "ticket", o));
out:
	event_list_free(&ev);
	attachment_list_free(&at);
	mail_record_list_free(&mail);
	outbox_list_free(&outbox);
}

void api_tickets_create(struct web_req *r)
{
	struct field_val v[T_N];
	struct ticket t;
	json_t *body;
	int rc;

	body = web_body_json(r, 0);
	if (!body || web_fields_read(r, body, ticket_create_spec, T_N, FIELDS_CREATE, v) < 0)
		goto out;
	memset(&t, 0, sizeof(t));
	web_field_copy(&ticket_create_spec[T_SUBJECT], &v[T_SUBJECT], t.subject, sizeof(t.subject));
	t.status = STATUS_NEW;
	t.priority =
	    v[T_PRIORITY].present ? (enum ticket_priority)v[T_PRIORITY].i : PRIORITY_NORMAL;
	t.channel = v[T_CHANNEL].present ? (enum ticket_channel)v[T_CHANNEL].i : CHANNEL_API;
	t.billing = v[T_BILLING].present ? (enum billing_kind)v[T_BILLING].i : BILLING_BILLABLE;
	t.client_id = v[T_CLIENT].i;
	t.contact_id = v[T_CONTACT].i;
	t.assignee_id = v[T_ASSIGNEE].i;
	t.created_by = r->user.id;
	/* A contact alone is enough: the client is the contact's. */
	if (t.contact_id && !t.client_id && contact_client(r, t.contact_id, &t.client_id) < 0)
		goto out;
	rc = store_ticket_create(r->st, &t, clock_local_year(r->now), v[T_DESCRIPTION].s,
				 r->user.id, r->now);
	if (rc != STORE_OK) {
		web_reply_store(r, rc);
		goto out;
	}
	reply_ticket(r, 201, t.id);
out:
	json_decref(body);
}

void api_tickets_patch(struct web_req *r)
{
	struct field_val v[P_N];
	struct ticket_patch p;
	struct ticket t;
	json_t *body;
	int rc;

	body = web_body_json(r, 0);
	if (!body || web_fields_read(r, body, ticket_patch_spec, P_N, FIELDS_PATCH, v) < 0)
		goto out;
	if (ticket_load(r, r->ids[0], &t) < 0)
		goto out;
	if (!web_fields_any(v, P_N)) {
		web_error(r, 400,
			  "nothing to change: send at least one of subject, status, "
			  "priority, channel, billing, client_id, contact_id, assignee_id");
		goto out;
	}
	if (v[P_REASON].present && !v[P_STATUS].present) {
		web_error(r, 400, "reason: only allowed together with status");
		goto out;
	}
	memset(&p, 0, sizeof(p));
	if (v[P_SUBJECT].present) {
		p.set |= PATCH_SUBJECT;
		web_field_copy(&ticket_patch_spec[P_SUBJECT], &v[P_SUBJECT], p.subject,
			       sizeof(p.subject));
	}
	if (v[P_STATUS].present) {
		p.set |= PATCH_STATUS;
		p.status = (enum ticket_status)v[P_STATUS].i;
		p.reason = v[P_REASON].present ? v[P_REASON].s : NULL;
	}
	if (v[P_PRIORITY].present) {
		p.set |= PATCH_PRIORITY;
		p.priority = (enum ticket_priority)v[P_PRIORITY].i;
	}
	if (v[P_CHANNEL].present) {
		p.set |= PATCH_CHANNEL;
		p.channel = (enum ticket_channel)v[P_CHANNEL].i;
	}
	if (v[P_BILLING].present) {
		p.set |= PATCH_BILLING;
		p.billing = (enum billing_kind)v[P_BILLING].i;
	}
	if (v[P_CLIENT].present) {
		p.set |= PATCH_CLIENT;
		p.client_id = v[P_CLIENT].i;
	}
	if (v[P_CONTACT].present) {
		p.set |= PATCH_CONTACT;
		p.contact_id = v[P_CONTACT].i;
		/* A new contact of another client moves the ticket to that client. */
		if (p.contact_id && !v[P_CLIENT].present) {
			if (contact_client(r, p.contact_id, &p.client_id) < 0)
				goto out;
			if (p.client_id != t.client_id)
				p.set |= PATCH_CLIENT;
		}
	}
	if (v[P_ASSIGNEE].present) {
		p.set |= PATCH_ASSIGNEE;
		p.assignee_id = v[P_ASSIGNEE].i;
	}
	rc = store_ticket_update(r->st, t.id, &p, r->user.id, r->now, NULL);
	if (rc != STORE_OK) {
		web_reply_store(r, rc);
		goto out;
	}
	reply_ticket(r, 200, t.id);
out:
	json_decref(body);
}

void api_tickets_note(struct web_req *r)
{
	static const struct field_spec spec[] = {
	    {"body", FIELD_TEXT, BODY_MAX_LEN, FIELD_REQUIRED | FIELD_NONEMPTY},
	};
	struct field_val v[1];
	struct ticket t;
	struct event e;
	json_t *body;
	int rc;

	memset(&e, 0, sizeof(e));
	body = web_body_json(r, 0);
	if (!body || web_fields_read(r, body, spec, 1, FIELDS_CREATE, v) < 0)
		goto out;
	if (ticket_load(r, r->ids[0], &t) < 0)
		goto out;
	e.ticket_id = t.id;
	e.kind = EVENT_NOTE;
	e.author_user_id = r->user.id;
	e.body = xstrdup(v[0].s);
	rc = store_event_add(r->st, &e, r->now);
	if (rc != STORE_OK) {
		web_reply_store(r, rc);
		goto out;
	}
	snprintf(e.author_name, sizeof(e.author_name), "%s", r->user.name);
	web_reply_json(r, 201, json_pack("{s:o}", "event", json_event(&e)));
out:
	event_free(&e);
	json_decref(body);
}

/* ---- attachments ---- */

static int token_char(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || strchr("!#$&^_.+-", c);
}

/*
 * Normalise a Content-Type into "type/subtype" (lowercase, parameters
 * dropped) in out.  Returns 0, or -1 when it is not a media type.
 */
static int media_type_norm(const char *in, char *out, size_t outsz)
{
	size_t n = 0, slash = 0;

	while (*in == ' ' || *in == '\t')
		in++;
	for (; *in && *in != ';' && *in != ' ' && *in != '\t'; in++) {
		unsigned char c = (unsigned char)*in;

		if (c >= 'A' && c <= 'Z')
			c = (unsigned char)(c - 'A' + 'a');
		if (c == '/') {
			if (slash || n == 0)
				return -1;
			slash = n;
		} else if (!token_char(c)) {
			return -1;
		}
		if (n + 1 >= outsz || n >= MEDIA_TYPE_MAX_LEN)
			return -1;
		out[n++] = (char)c;
	}
	out[n] = '\0';
	return slash && slash + 1 < n ? 0 : -1;
}

static int filename_ok(const char *s)
{
	return valid_text(s, FILENAME_MAX_LEN, 0) && *s && !strpbrk(s, "/\\") &&
	       strcmp(s, ".") != 0 && strcmp(s, "..") != 0;
}

void api_attachments_upload(struct web_req *r)
{
	static const char *const params[] = {"filename", NULL};
	const char *filename, *ct;
	struct attachment a;
	struct ticket t;
	int rc;

	if (web_query_check(r, params) < 0)
		return;
	filename = web_query_get(r, "filename");
	if (!filename || !*filename) {
		web_error(r, 400, "filename: required, as ?filename=NAME");
		return;
	}
	if (!filename_ok(filename)) {
		web_error(r, 400, "filename: must be one line of at most %d bytes without / or \\",
			  FILENAME_MAX_LEN);
		return;
	}
	memset(&a, 0, sizeof(a));
	ct = web_header_get(r, "Content-Type");
	if (!ct || !*ct)
		ct = "application/octet-stream";
	if (media_type_norm(ct, a.media_type, sizeof(a.media_type)) < 0) {
		web_error(r, 415, "Content-Type: not a media type such as application/pdf");
		return;
	}
	if (r->body.len == 0) {
		web_error(r, 400, "the file is empty: send its bytes as the request body");
		return;
	}
	if (ticket_load(r, r->ids[0], &t) < 0)
		return;
	a.ticket_id = t.id;
	snprintf(a.filename, sizeof(a.filename), "%s", filename);
	a.size = (int64_t)r->body.len;
	crypto_sha256_hex(r->body.s, r->body.len, a.sha256);
	rc = store_attachment_add(r->st, &a, r->body.s, r->now);
	if (rc != STORE_OK) {
		web_reply_store(r, rc);
		return;
	}
	web_reply_json(r, 201, json_pack("{s:o}", "attachment", json_attachment(&a)));
}

void api_attachments_list(struct web_req *r)
{
	struct attachment_list l = {0};
	struct ticket t;
	json_t *arr;
	size_t i;
	int rc;

	if (ticket_load(r, r->ids[0], &t) < 0)
		return;
	rc = store_attachment_list(r->st, t.id, &l);
	if (rc != STORE_OK) {
		web_reply_store(r, rc);
		return;
	}
	arr = json_array();
	for (i = 0; i < l.n; i++)
		json_array_append_new(arr, json_attachment(&l.items[i]));
	web_reply_json(r, 200, json_pack("{s:o}", "attachments", arr));
	attachment_list_free(&l);
}

/*
 * Content-Disposition for a download (RFC 6266): an ASCII fallback name in
 * quotes and the exact name percent-encoded as UTF-8 (RFC 8187).
 */
static void disposition(const char *name, char *out, size_t outsz)
{
	static const char hex[] = "0123456789ABCDEF";
	struct buf b = BUF_INIT(4096);
	const unsigned char *p;
	int fail = 0;

	fail |= buf_puts(&b, "attachment; filename=\"");
	for (p = (const unsigned char *)name; *p; p++) {
		int plain = *p >= 0x20 && *p < 0x7f && *p != '"' && *p != '\\' && *p != '%';

		fail |= buf_putc(&b, plain ? (char)*p : '_');
	}
	fail |= buf_puts(&b, "\"; filename*=UTF-8''");
	for (p = (const unsigned char *)name; *p; p++) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || strchr("!#$&+-.^_`|~", *p)) {
			fail |= buf_putc(&b, (char)*p);
		} else {
			char enc[3] = {'%', hex[*p >> 4], hex[*p & 15]};

			fail |= buf_add(&b, enc, 3);
		}
	}
	snprintf(out, outsz, "%s", fail ? "attachment" : b.s);
	buf_free(&b);
}

void api_attachments_get(struct web_req *r)
{
	static const char *const params[] = {NULL};
	struct attachment a;
	char type[MEDIA_TYPE_MAX_LEN + 1], disp[1024];
	void *data = NULL;
	int rc;

	if (web_query_check(r, params) < 0)
		return;
	rc = store_attachment_get(r->st, r->ids[0], &a, &data);
	if (rc != STORE_OK) {
		web_reply_store(r, rc);
		return;
	}
	if (media_type_norm(a.media_type, type, sizeof(type)) < 0)
		snprintf(type, sizeof(type), "application/octet-stream");
	disposition(a.filename, disp, sizeof(disp));
	web_reply_raw(r, 200, data, (size_t)a.size, type);
	/* Never rendered in the browser: downloaded, sandboxed, not sniffed. */
	web_header_add(r, "Content-Disposition", disp);
	r->resp_csp = "sandbox; default-src 'none'";
}
