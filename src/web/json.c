/*
 * json: request bodies checked against field tables, and the records of
 * core/model.h as the API's JSON objects (see json.h).
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "core/timefmt.h"
#include "core/validate.h"
#include "mail/intake.h"
#include "mail/outbox.h"
#include "util/buf.h"
#include "web/json.h"

#define PASSWORD_MIN 8
#define PASSWORD_MAX 1024

/* ---- reading ---- */

static int is_json_type(const char *ct)
{
	static const char want[] = "application/json";
	size_t n = sizeof(want) - 1;

	while (*ct == ' ' || *ct == '\t')
		ct++;
	if (strncasecmp(ct, want, n) != 0)
		return 0;
	ct += n;
	while (*ct == ' ' || *ct == '\t')
		ct++;
	return *ct == '\0' || *ct == ';';
}

json_t *web_body_json(struct web_req *r, int empty_ok)
{
	const char *ct;
	json_error_t err;
	json_t *o;

	if (r->body.len == 0) {
		if (empty_ok)
			return json_object();
		web_error(r, 400, "the request needs a json object as its body");
		return NULL;
	}
	ct = web_header_get(r, "Content-Type");
	if (!ct || !is_json_type(ct)) {
		web_error(r, 415, "send the body as json with 'Content-Type: application/json'");
		return NULL;
	}
	if (!valid_utf8(r->body.s, r->body.len)) {
		web_error(r, 400, "the body is not valid utf-8");
		return NULL;
	}
	o = json_loadb(r->body.s, r->body.len, JSON_REJECT_DUPLICATES, &err);
	if (!o) {
		web_error(r, 400, "malformed json at line %d, column %d: %s", err.line, err.column,
			  err.text);
		return NULL;
	}
	if (!json_is_object(o)) {
		json_decref(o);
		web_error(r, 400, "the body must be a json object");
		return NULL;
	}
	return o;
}

/* A client's key, made safe to quote in a message: printable, at most ~40 bytes. */
static void key_for_message(const char *key, char *out, size_t outsz)
{
	size_t n = 0;

	while (key[n] && n < 40 && n + 1 < outsz) {
		unsigned char c = (unsigned char)key[n];

		out[n++] = c < 0x20 || c == 0x7f ? '?' : (char)c;
	}
	/* Cut inside a UTF-8 sequence: drop the sequence's first bytes too. */
	if (key[n] && ((unsigned char)key[n] & 0xc0) == 0x80) {
		while (n > 0 && ((unsigned char)out[n - 1] & 0xc0) == 0x80)
			n--;
		if (n > 0)
			n--;
	}
	out[n] = '\0';
}

static const struct field_spec *spec_find(const struct field_spec *spec, size_t n, const char *key)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(spec[i].name, key) == 0)
			return &spec[i];
	return NULL;
}

static int refuse_unknown(struct web_req *r, json_t *obj, const struct field_spec *spec, size_t n)
{
	struct buf names = BUF_INIT(300);
	const char *key;
	json_t *v;
	int count = 0, rc = 0;
	char k[64];

	json_object_foreach(obj, key, v)
	{
		(void)v;
		if (spec_find(spec, n, key))
			continue;
		key_for_message(key, k, sizeof(k));
		if (count < 5 && buf_printf(&names, "%s'%s'", count ? ", " : "", k) < 0)
			break;
		count++;
	}
	if (count > 0) {
		struct buf known = BUF_INIT(400);
		size_t i;

		for (i = 0; i < n; i++)
			if (buf_printf(&known, "%s%s", i ? ", " : "", spec[i].name) < 0)
				break;
		web_error(r, 400, "unknown field%s %s%s; %s%s", count > 1 ? "s" : "", names.s,
			  count > 5 ? "..." : "",
			  n ? "known fields: " : "this request takes no fields", known.s);
		buf_free(&known);
		rc = -1;
	}
	buf_free(&names);
	return rc;
}

static int blank(const char *s)
{
	for (; *s; s++)
		if (*s != ' ' && *s != '\t' && *s != '\n' && *s != '\r')
			return 0;
	return 1;
}

/* The names of an enum's values for messages: "new, open, waiting". */
static void enum_names(enum field_type t, char *out, size_t outsz)
{
	struct buf b = BUF_INIT(200);
	int i, n = 0;
	const char *name;

	switch (t) {
	case FIELD_STATUS:
		n = STATUS_COUNT;
		break;
	case FIELD_PRIORITY:
		n = PRIORITY_COUNT;
		break;
	case FIELD_CHANNEL:
		n = CHANNEL_COUNT;
		break;
	case FIELD_BILLING:
		n = BILLING_COUNT;
		break;
	case FIELD_ROLE:
		n = 2;
		break;
	default:
		break;
	}
	for (i = 0; i < n; i++) {
		switch (t) {
		case FIELD_STATUS:
			name = status_name((enum ticket_status)i);
			break;
		case FIELD_PRIORITY:
			name = priority_name((enum ticket_priority)i);
			break;
		case FIELD_CHANNEL:
			name = channel_name((enum ticket_channel)i);
			break;
		case FIELD_BILLING:
			name = billing_name((enum billing_kind)i);
			break;
		default:
			name = role_name((enum user_role)i);
			break;
		}
		if (buf_printf(&b, "%s%s", i ? ", " : "", name) < 0)
			break;
	}
	snprintf(out, outsz, "%s", b.s);
	buf_free(&b);
}

/* Parse an enum value by its API name; 0, or -1 when unknown. */
static int enum_parse(enum field_type t, const char *s, int64_t *out)
{
	enum ticket_status st;
	enum ticket_priority pr;
	enum ticket_channel ch;
	enum billing_kind bi;
	enum user_role ro;

	switch (t) {
	case FIELD_STATUS:
		if (status_parse(s, &st) < 0)
			return -1;
		*out = st;
		return 0;
	case FIELD_PRIORITY:
		if (priority_parse(s, &pr) < 0)
			return -1;
		*out = pr;
		return 0;
	case FIELD_CHANNEL:
		if (channel_parse(s, &ch) < 0)
			return -1;
		*out = ch;
		return 0;
	case FIELD_BILLING:
		if (billing_parse(s, &bi) < 0)
			return -1;
		*out = bi;
		return 0;
	case FIELD_ROLE:
		if (role_parse(s, &ro) < 0)
			return -1;
		*out = ro;
		return 0;
	default:
		return -1;
	}
}

static int is_text_type(enum field_type t)
{
	switch (t) {
	case FIELD_BOOL:
	case FIELD_ID:
	case FIELD_INT:
		return 0;
	default:
		return 1;
	}
}

/* Check one text value; 0, or -1 after replying 400. */
static int read_text(struct web_req *r, const struct field_spec *f, const char *s,
		     struct field_val *v)
{
	size_t len = strlen(s);
	char names[200];
	int64_t n;

	v->s = s;
	if ((f->flags & FIELD_NONEMPTY) && blank(s)) {
		web_error(r, 400, "%s: must not be empty", f->name);
		return -1;
	}
	switch (f->type) {
	case FIELD_LINE:
	case FIELD_TEXT:
		if ((int64_t)len > f->max) {
			web_error(r, 400, "%s: too long, at most %lld bytes", f->name,
				  (long long)f->max);
			return -1;
		}
		if (!valid_text(s, (size_t)f->max, f->type == FIELD_TEXT)) {
			web_error(r, 400, "%s: must be %s without control characters", f->name,
				  f->type == FIELD_TEXT ? "text" : "one line of text");
			return -1;
		}
		return 0;
	case FIELD_EMAIL:
		if (*s && !valid_email(s)) {
			web_error(r, 400, "%s: not a valid email address", f->name);
			return -1;
		}
		return 0;
	case FIELD_OIB:
		if (*s && !valid_oib(s)) {
			web_error(r, 400,
				  "%s: not a valid oib (11 digits with a correct check digit)",
				  f->name);
			return -1;
		}
		return 0;
	case FIELD_DOMAINS:
		if ((int64_t)len > f->max || !valid_domain_list(s)) {
			web_error(r, 400,
				  "%s: must be domain names separated by commas, at most %lld "
				  "bytes",
				  f->name, (long long)f->max);
			return -1;
		}
		return 0;
	case FIELD_PASSWORD:
		if (len < PASSWORD_MIN || len > PASSWORD_MAX || !valid_text(s, PASSWORD_MAX, 0)) {
			web_error(r, 400,
				  "%s: must be %d to %d characters without control characters",
				  f->name, PASSWORD_MIN, PASSWORD_MAX);
			return -1;
		}
		return 0;
	case FIELD_TIME:
		if (timefmt_parse_rfc3339(s, &n) < 0) {
			web_error(r, 400,
				  "%s: must be an rfc 3339 time such as 2026-11-27T13:05:00Z",
				  f->name);
			return -1;
		}
		v->i = n;
		return 0;
	case FIELD_LANG:
		if (strcmp(s, "hr") != 0 && strcmp(s, "en") != 0) {
			web_error(r, 400, "%s: must be one of hr, en", f->name);
			return -1;
		}
		return 0;
	default:
		if (enum_parse(f->type, s, &n) < 0) {
			enum_names(f->type, names, sizeof(names));
			web_error(r, 400, "%s: must be one of %s", f->name, names);
			return -1;
		}
		v->i = n;
		return 0;
	}
}

static int read_one(struct web_req *r, const struct field_spec *f, json_t *j, struct field_val *v)
{
	json_int_t n;

	v->present = 1;
	v->s = "";
	if (json_is_null(j)) {
		if (!(f->flags & FIELD_NULLABLE)) {
			web_error(r, 400, "%s: must not be null", f->name);
			return -1;
		}
		v->is_null = 1;
		return 0;
	}
	if (is_text_type(f->type)) {
		if (!json_is_string(j)) {
			web_error(r, 400, "%s: must be a string", f->name);
			return -1;
		}
		return read_text(r, f, json_string_value(j), v);
	}
	if (f->type == FIELD_BOOL) {
		if (!json_is_boolean(j)) {
			web_error(r, 400, "%s: must be true or false", f->name);
			return -1;
		}
		v->i = json_is_true(j);
		return 0;
	}
	n = json_is_integer(j) ? json_integer_value(j) : -1;
	if (f->type == FIELD_ID && (!json_is_integer(j) || n < 1)) {
		web_error(r, 400, "%s: must be a positive integer id", f->name);
		return -1;
	}
	if (f->type == FIELD_INT && (!json_is_integer(j) || n < 0 || n > f->max)) {
		web_error(r, 400, "%s: must be a whole number from 0 to %lld", f->name,
			  (long long)f->max);
		return -1;
	}
	v->i = n;
	return 0;
}

int web_fields_read(struct web_req *r, json_t *obj, const struct field_spec *spec, size_t n,
		    enum fields_mode mode, struct field_val *out)
{
	size_t i;
	json_t *j;

	for (i = 0; i < n; i++) {
		memset(&out[i], 0, sizeof(out[i]));
		out[i].s = "";
	}
	if (refuse_unknown(r, obj, spec, n) < 0)
		return -1;
	for (i = 0; i < n; i++) {
		j = json_object_get(obj, spec[i].name);
		if (!j) {
			if (mode == FIELDS_CREATE && (spec[i].flags & FIELD_REQUIRED)) {
				web_error(r, 400, "%s: required", spec[i].name);
				return -1;
			}
			continue;
		}
		if (read_one(r, &spec[i], j, &out[i]) < 0)
			return -1;
	}
	return 0;
}

void web_field_copy(const struct field_spec *spec, const struct field_val *v, char *dst,
		    size_t dstsz)
{
	snprintf(dst, dstsz, "%s", v->s ? v->s : "");
	if (spec->type == FIELD_EMAIL || spec->type == FIELD_DOMAINS)
		ascii_lower(dst);
}

int web_fields_any(const struct field_val *out, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (out[i].present)
			return 1;
	return 0;
}

/* ---- writing ---- */

json_t *json_time_or_null(int64_t t)
{
	char s[RFC3339_LEN + 1];

	if (t == 0)
		return json_null();
	timefmt_rfc3339(t, s);
	return json_string(s);
}

json_t *json_ref(int64_t id)
{
	return id ? json_integer(id) : json_null();
}

json_t *json_text(const char *s)
{
	json_t *j = json_string(s ? s : "");

	/* Text is checked on the way in; a stray invalid byte must not drop a key. */
	return j ? j : json_string("");
}

json_t *json_text_or_null(const char *s)
{
	return s && *s ? json_text(s) : json_null();
}

static void set(json_t *o, const char *key, json_t *v)
{
	json_object_set_new(o, key, v ? v : json_null());
}

json_t *json_user(const struct user *u)
{
	json_t *o = json_object();

	set(o, "id", json_integer(u->id));
	set(o, "email", json_text(u->email));
	set(o, "name", json_text(u->name));
	set(o, "role", json_string(role_name(u->role)));
	set(o, "active", json_boolean(u->active));
	set(o, "lang", json_text(u->lang));
	set(o, "created_at", json_time_or_null(u->created_at));
	return o;
}

json_t *json_client(const struct client *c)
{
	json_t *o = json_object();

	set(o, "id", json_integer(c->id));
	set(o, "name", json_text(c->name));
	set(o, "oib", json_text(c->oib));
	set(o, "vat_id", json_text(c->vat_id));
	set(o, "address", json_text(c->address));
	set(o, "email_domains", json_text(c->email_domains));
	set(o, "billing_email", json_text(c->billing_email));
	set(o, "notes", json_text(c->notes));
	set(o, "active", json_boolean(c->active));
	set(o, "created_at", json_time_or_null(c->created_at));
	set(o, "updated_at", json_time_or_null(c->updated_at));
	return o;
}

json_t *json_contact(const struct contact *c)
{
	json_t *o = json_object();

	set(o, "id", json_integer(c->id));
	set(o, "client_id", json_ref(c->client_id));
	set(o, "client_name", json_text_or_null(c->client_name));
	set(o, "name", json_text(c->name));
	set(o, "email", json_text(c->email));
	set(o, "phone", json_text(c->phone));
	set(o, "sees_all", json_boolean(c->sees_all));
	set(o, "active", json_boolean(c->active));
	set(o, "created_at", json_time_or_null(c->created_at));
	set(o, "updated_at", json_time_or_null(c->updated_at));
	return o;
}

json_t *json_ticket(const struct ticket *t)
{
	json_t *o = json_object();

	set(o, "id", json_integer(t->id));
	set(o, "number", json_text(t->number));
	set(o, "subject", json_text(t->subject));
	set(o, "status", json_string(status_name(t->status)));
	set(o, "priority", json_string(priority_name(t->priority)));
	set(o, "channel", json_string(channel_name(t->channel)));
	set(o, "billing", json_string(billing_name(t->billing)));
	set(o, "client_id", json_ref(t->client_id));
	set(o, "client_name", t->client_id ? json_text(t->client_name) : json_null());
	set(o, "contact_id", json_ref(t->contact_id));
	set(o, "contact_name", t->contact_id ? json_text(t->contact_name) : json_null());
	set(o, "assignee_id", json_ref(t->assignee_id));
	set(o, "assignee_name", t->assignee_id ? json_text(t->assignee_name) : json_null());
	set(o, "created_by_id", json_ref(t->created_by));
	set(o, "created_at", json_time_or_null(t->created_at));
	set(o, "updated_at", json_time_or_null(t->updated_at));
	set(o, "closed_at", json_time_or_null(t->closed_at));
	set(o, "time_seconds", json_integer(t->time_seconds));
	return o;
}

json_t *json_event(const struct event *e)
{
	json_t *o = json_object();

	set(o, "id", json_integer(e->id));
	set(o, "ticket_id", json_integer(e->ticket_id));
	set(o, "kind", json_string(event_kind_name(e->kind)));
	set(o, "author_user_id", json_ref(e->author_user_id));
	set(o, "author_contact_id", json_ref(e->author_contact_id));
	set(o, "author_name", json_text_or_null(e->author_name));
	set(o, "created_at", json_time_or_null(e->created_at));
	set(o, "body", e->body ? json_text(e->body) : json_null());
	set(o, "field", json_text_or_null(e->field));
	set(o, "old_value", e->field[0] ? json_text(e->old_value) : json_null());
	set(o, "new_value", e->field[0] ? json_text(e->new_value) : json_null());
	set(o, "time_entry_id", json_ref(e->time_entry_id));
	return o;
}

json_t *json_time_entry(const struct time_entry *e)
{
	json_t *o = json_object();

	set(o, "id", json_integer(e->id));
	set(o, "ticket_id", json_integer(e->ticket_id));
	set(o, "user_id", json_ref(e->user_id));
	set(o, "user_name", json_text_or_null(e->user_name));
	set(o, "started_at", json_time_or_null(e->started_at));
	set(o, "ended_at", json_time_or_null(e->ended_at));
	set(o, "seconds", json_integer(e->seconds));
	set(o, "note", json_text(e->note));
	set(o, "billable", json_boolean(e->billable));
	set(o, "rate_id", json_ref(e->rate_id));
	set(o, "created_at", json_time_or_null(e->created_at));
	return o;
}

json_t *json_timer(const struct timer_running *t, int64_t now)
{
	json_t *o = json_object();

	set(o, "user_id", json_integer(t->user_id));
	set(o, "ticket_id", json_integer(t->ticket_id));
	set(o, "ticket_number", json_text(t->ticket_number));
	set(o, "ticket_subject", json_text(t->ticket_subject));
	set(o, "started_at", json_time_or_null(t->started_at));
	set(o, "elapsed_seconds", json_integer(now > t->started_at ? now - t->started_at : 0));
	return o;
}

json_t *json_attachment(const struct attachment *a)
{
	json_t *o = json_object();

	set(o, "id", json_integer(a->id));
	set(o, "ticket_id", json_integer(a->ticket_id));
	set(o, "event_id", json_ref(a->event_id));
	set(o, "filename", json_text(a->filename));
	set(o, "media_type", json_text(a->media_type));
	set(o, "size", json_integer(a->size));
	set(o, "sha256", json_text(a->sha256));
	set(o, "created_at", json_time_or_null(a->created_at));
	return o;
}

json_t *json_outbox_item(const struct outbox_item *o)
{
	json_t *j = json_object();

	set(j, "id", json_integer(o->id));
	set(j, "ticket_id", json_integer(o->ticket_id));
	set(j, "event_id", json_ref(o->event_id));
	set(j, "kind", json_string(outbox_kind_name(o->kind)));
	set(j, "status", json_string(outbox_status_name(o->status)));
	set(j, "to", json_text(o->to));
	set(j, "cc", json_text(o->cc));
	set(j, "message_id", json_text(o->message_id));
	set(j, "attempts", json_integer(o->attempts));
	set(j, "next_attempt_at",
	    o->status == OUTBOX_QUEUED ? json_time_or_null(o->next_attempt_at) : json_null());
	set(j, "last_error", json_text_or_null(o->last_error));
	set(j, "created_at", json_time_or_null(o->created_at));
	set(j, "sent_at", json_time_or_null(o->sent_at));
	return j;
}

/* What became of an outgoing message: queued, sent, failed, or bounced after it was sent. */
static const char *delivery_of(const struct mail_record *m, const struct outbox_item *o)
{
	if (!o)
		return m->sent_at ? (m->undelivered ? "bounced" : "sent") : "queued";
	if (o->status == OUTBOX_SENT && m->undelivered)
		return "bounced";
	return outbox_status_name(o->status);
}

static json_t *json_mail_message(const struct mail_record *m, const struct outbox_item *o)
{
	json_t *j = json_object();

	set(j, "id", json_integer(m->id));
	set(j, "event_id", json_ref(m->event_id));
	set(j, "direction", json_string(m->out ? "out" : "in"));
	set(j, "kind", o ? json_string(outbox_kind_name(o->kind)) : json_null());
	set(j, "message_id", json_text_or_null(m->message_id));
	set(j, "from_addr", json_text(m->from_addr));
	set(j, "from_name", json_text(m->from_name));
	set(j, "to", json_text(m->to));
	set(j, "cc", json_text(m->cc));
	set(j, "subject", json_text(m->subject));
	set(j, "date", json_time_or_null(m->date));
	set(j, "quote_at", !m->out && m->quote_at >= 0 ? json_integer(m->quote_at) : json_null());
	set(j, "text_from_html", json_boolean(m->text_from_html));
	set(j, "files_dropped", json_integer(m->files_dropped));
	set(j, "delivery", json_string(m->out ? delivery_of(m, o) : "received"));
	set(j, "outbox_id", json_ref(m->outbox_id));
	set(j, "attempts", o ? json_integer(o->attempts) : json_null());
	set(j, "next_attempt_at", o && o->status == OUTBOX_QUEUED
					  ? json_time_or_null(o->next_attempt_at)
					  : json_null());
	set(j, "last_error", o ? json_text_or_null(o->last_error) : json_null());
	set(j, "sent_at", json_time_or_null(m->sent_at));
	set(j, "created_at", json_time_or_null(m->created_at));
	return j;
}

json_t *json_ticket_mail(const struct mail_record_list *mail, const struct outbox_list *outbox)
{
	json_t *arr = json_array();
	size_t i, k;

	for (i = 0; i < mail->n; i++) {
		const struct outbox_item *o = NULL;

		for (k = 0; outbox && k < outbox->n && mail->items[i].out; k++)
			if (outbox->items[k].id == mail->items[i].outbox_id)
				o = &outbox->items[k];
		json_array_append_new(arr, json_mail_message(&mail->items[i], o));
	}
	return arr;
}

void json_ticket_origin(json_t *ticket, const struct mail_addr *origin)
{
	set(ticket, "from_email", origin ? json_text_or_null(origin->addr) : json_null());
	set(ticket, "from_name", origin ? json_text_or_null(origin->name) : json_null());
}

json_t *json_quarantine_item(const struct quarantine_item *q)
{
	json_t *o = json_object();

	set(o, "id", json_integer(q->id));
	set(o, "received_at", json_time_or_null(q->received_at));
	set(o, "source", json_string(mail_source_name(q->source)));
	set(o, "reason", json_text(q->reason));
	set(o, "size", json_integer(q->size));
	set(o, "sha256", json_text(q->sha256));
	set(o, "status", json_text(q->status));
	set(o, "ticket_id", json_ref(q->ticket_id));
	return o;
}

json_t *json_intake(const struct intake_result *r)
{
	const struct mail_outcome *m = &r->outcome;
	json_t *o = json_object();

	if (r->quarantined) {
		set(o, "result", json_string("quarantined"));
		set(o, "quarantine_id", json_integer(r->quarantine_id));
		set(o, "reason", json_text(r->why));
		return o;
	}
	set(o, "result", json_string(mail_result_name(m->result)));
	set(o, "ticket_id", json_ref(m->ticket_id));
	set(o, "number", json_text_or_null(m->number));
	set(o, "event_id", json_ref(m->event_id));
	set(o, "linked_ticket_id", json_ref(m->linked_ticket_id));
	set(o, "client_id", json_ref(m->client_id));
	set(o, "contact_id", json_ref(m->contact_id));
	set(o, "triage", json_boolean(m->ticket_id && m->triage));
	set(o, "queued", json_integer(m->queued));
	set(o, "no_answer_why", m->no_answer_why ? json_text(m->no_answer_why) : json_null());
	return o;
}
