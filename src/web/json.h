/*
 * json: the API's JSON in both directions.  Request bodies are checked
 * declaratively, field by field, against a table of field_spec before a
 * handler looks at them; records become JSON objects through one function
 * per record so every endpoint spells a record the same way.
 */
#ifndef EVID_WEB_JSON_H
#define EVID_WEB_JSON_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "core/model.h"
#include "store/store_mail.h"
#include "web/request.h"

enum field_type {
	FIELD_LINE,	/* one line of text, at most max bytes */
	FIELD_TEXT,	/* text with newlines and tabs, at most max bytes */
	FIELD_EMAIL,	/* an email address ("" allowed unless FIELD_NONEMPTY) */
	FIELD_OIB,	/* a valid OIB, or "" */
	FIELD_DOMAINS,	/* "firma.hr,firma.com", or "" */
	FIELD_PASSWORD, /* 8 to 1024 bytes of UTF-8 without control characters */
	FIELD_BOOL,	/* true or false */
	FIELD_ID,	/* a positive integer id */
	FIELD_INT,	/* an integer 0..max */
	FIELD_TIME,	/* an RFC 3339 instant */
	FIELD_STATUS,	/* the enums, by their API names */
	FIELD_PRIORITY,
	FIELD_CHANNEL,
	FIELD_BILLING,
	FIELD_ROLE,
	FIELD_LANG, /* "hr" or "en" */
};

#define FIELD_REQUIRED 1u /* must be present */
#define FIELD_NULLABLE 2u /* null accepted: 0 for ids, "" for text */
#define FIELD_NONEMPTY 4u /* text must hold more than white space */

struct field_spec {
	const char *name;
	enum field_type type;
	int64_t max; /* bytes for text, the largest value for FIELD_INT */
	unsigned flags;
};

struct field_val {
	int present;   /* the key was in the object */
	int is_null;   /* and its value was null */
	const char *s; /* text (borrowed from the json object; "" when null) */
	int64_t i;     /* ids, integers, booleans, instants and enum values */
};

/*
 * Read the request body as one JSON object.  Replies and returns NULL when
 * the body is not application/json (415), not UTF-8, malformed, or not an
 * object (400).  An empty body is refused unless empty_ok, in which case it
 * reads as {}.  The caller owns the result (json_decref).
 */
json_t *web_body_json(struct web_req *r, int empty_ok);

/* How web_fields_read treats FIELD_REQUIRED: enforced on create, ignored on patch. */
enum fields_mode { FIELDS_CREATE, FIELDS_PATCH };

/*
 * Check obj against spec (n entries) into out (n entries, same order).
 * Unknown keys, wrong types, missing required fields and invalid values are
 * answered with 400 naming the field.  Returns 0, or -1 after replying.
 * Text in out borrows from obj.
 */
int web_fields_read(struct web_req *r, json_t *obj, const struct field_spec *spec, size_t n,
		    enum fields_mode mode, struct field_val *out);

/* Copy a text value into dst (dstsz bytes); emails and domains are lowercased. */
void web_field_copy(const struct field_spec *spec, const struct field_val *v, char *dst,
		    size_t dstsz);

/* Whether any of out[0..n) is present. */
int web_fields_any(const struct field_val *out, size_t n);

/* ---- records to JSON; each returns a new object the caller owns ---- */

json_t *json_time_or_null(int64_t t);	  /* RFC 3339 string, null for 0 */
json_t *json_ref(int64_t id);		  /* integer, null for 0 */
json_t *json_text(const char *s);	  /* string ("" when not UTF-8) */
json_t *json_text_or_null(const char *s); /* null for "" */

json_t *json_user(const struct user *u);
json_t *json_client(const struct client *c);
json_t *json_contact(const struct contact *c);
json_t *json_ticket(const struct ticket *t);
json_t *json_event(const struct event *e);
json_t *json_time_entry(const struct time_entry *e);
json_t *json_timer(const struct timer_running *t, int64_t now);
json_t *json_attachment(const struct attachment *a);
json_t *json_outbox_item(const struct outbox_item *o);

/*
 * A ticket's mail (the "mail" of GET /api/v1/tickets/{id}), oldest first:
 * each message of mail, and for an outgoing one its delivery state from its
 * outbox message in outbox (matched by id; missing ones read as queued).
 */
json_t *json_ticket_mail(const struct mail_record_list *mail, const struct outbox_list *outbox);

/*
 * Add to a ticket object "from_email" and "from_name": the sender of the
 * message that opened it by mail (store_mail_origin), both null when origin
 * is NULL (not opened by mail).
 */
void json_ticket_origin(json_t *ticket, const struct mail_addr *origin);

/*
 * A quarantined message (GET /api/v1/quarantine): id, received_at, source,
 * reason, size, sha256, status ("held", "imported"), ticket_id.
 */
json_t *json_quarantine_item(const struct quarantine_item *q);

/*
 * What mail_intake (or a re-process) did with one message: "result" is the
 * mail_result name or "quarantined", with the ticket it is on, or the
 * quarantine item and why.  r is a struct intake_result (mail/intake.h).
 */
struct intake_result;
json_t *json_intake(const struct intake_result *r);

#endif
