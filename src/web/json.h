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

#include "core/billing.h"
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

/* ---- contracts and billing (json_billing.c) ----
 *
 * Money is written as integer cents under its name and as a decimal string
 * of EUR under name_eur ("price": 3500, "price_eur": "35.00"); quantities as
 * thousandths under "quantity" and a decimal under "quantity_units"
 * ("quantity": 1500, "quantity_units": "1.500"); seconds as integers; days
 * "YYYY-MM-DD" (null for none); months "YYYY-MM".
 */
json_t *json_service(const struct bill_service *s);
json_t *json_rate(const struct bill_rate *r);
json_t *json_rate_override(const struct bill_rate_override *v);
json_t *json_contract_line(const struct bill_contract_line *l);
json_t *json_contract(const struct bill_contract *c);   /* with its "lines" */
json_t *json_extra(const struct bill_extra *x);         /* with its "amount" */
json_t *json_adjustment(const struct bill_adjustment *a);
/*
 * A client's specification: month, client_id, client_name, client_oib,
 * client_address, lines (each with the keys of its kind), support,
 * work_seconds, work_rounded, vat (the four rates), net, tax, gross.
 */
json_t *json_bill_spec(const struct bill_spec *s);
json_t *json_bill_summary(const struct bill_summary *s);
json_t *json_bill_prepay(const struct bill_prepay *p);

/*
 * Read back what json_bill_spec / json_bill_summary wrote (every key
 * required; the _eur and _units strings are not read).  Writing the result
 * again gives the same JSON.  0, or -1 with the key's path in err
 * ("lines[3].amount: missing"); *out is then empty.  A spec is freed with
 * bill_spec_clear.
 */
int json_bill_spec_parse(json_t *o, struct bill_spec *out, char *err, size_t errsz);
int json_bill_summary_parse(json_t *o, struct bill_summary *out, char *err, size_t errsz);

/*
 * Request bodies.  Each reads obj into *out, which the caller fills first:
 * with the defaults on FIELDS_CREATE (required fields must then be
 * present), with the record as stored on FIELDS_PATCH; only the keys present
 * change it.  Unknown keys, wrong types and values out of range are
 * refused.  Returns 0, or -1 with a message naming the field in err
 * ("price: must be whole cents from 0 to 10000000000"); *out is unchanged
 * on failure.  Money may come as cents (price) or as EUR (price_eur:
 * "35.00"), not both; quantities as thousandths (quantity) or units
 * (quantity_units: "1.5").
 *
 * service: code, name (required), unit, price (required), vat, active.
 * rate: code, name, hourly (required), vat, active.
 */
int json_service_parse(json_t *obj, enum fields_mode mode, struct bill_service *out, char *err,
		       size_t errsz);
int json_rate_parse(json_t *obj, enum fields_mode mode, struct bill_rate *out, char *err,
		    size_t errsz);
/*
 * POST /api/v1/rates/{id}/overrides: {"client_id" | "contract_id", "hourly"}
 * -- exactly one of the ids; "hourly": null (or "hourly_eur": null) removes
 * the override (out->hourly = -1, as store_rate_override_set takes it).
 * rate_id is left as the caller set it.
 */
int json_override_parse(json_t *obj, struct bill_rate_override *out, char *err, size_t errsz);
/*
 * contract: client_id, number, start_date (required on create; client_id
 * cannot change), end_date (null: open-ended), proration, cycle, prepaid,
 * increment, rounding ("up"/"nearest"), round_per ("entry"/"ticket"),
 * minimum, included (seconds), overage_hourly, notes, lines.  "lines"
 * replaces the list: each {id (a line of this contract, to change it; absent
 * for a new line), service_id or service_code (required for a new line; with
 * only the code, service_id is 0 and the caller looks it up), description,
 * quantity (default one unit), monthly_price and vat (absent: -1, the
 * service's)}.  On FIELDS_PATCH without "lines" the contract keeps a copy of
 * its lines.  out->lines is replaced by a new array the caller frees with
 * bill_contract_clear (the old one is freed on success).
 */
int json_contract_parse(json_t *obj, enum fields_mode mode, struct bill_contract *out, char *err,
			size_t errsz);
/* extra: ticket_id, description, unit_price (required), date, quantity, vat. */
int json_extra_parse(json_t *obj, enum fields_mode mode, struct bill_extra *out, char *err,
		     size_t errsz);
/*
 * POST /api/v1/billing/adjustments: client_id (into *client_id),
 * corrects_month, description, amount (not 0, may be negative), vat
 * (required), month (null or absent: the first open month), ticket_id.
 */
int json_adjustment_parse(json_t *obj, struct bill_adjustment *out, int64_t *client_id,
			  char *err, size_t errsz);

#endif
