/*
 * json_doc: the JSON API's response bodies as text, for code outside
 * src/web (the CLI's --json) that may not include <jansson.h>.  Each is
 * built with the record encoders of web/json.h, so a record is spelt one
 * way wherever it is printed.
 */
#ifndef EVID_WEB_JSON_DOC_H
#define EVID_WEB_JSON_DOC_H

#include <stdint.h>

#include "core/model.h"
#include "store/store_billing.h"
#include "store/store_mail.h"

/*
 * Every function returns a new NUL-terminated text that the caller frees
 * with free(): one JSON object, indented by two spaces, keys in the order
 * the encoders write them, ending in a newline.  Never NULL: running out of
 * memory aborts, as xmalloc does.  The records are only read.
 *
 * Lists carry the API's list object without its paging keys (the CLI does
 * not page): {"tickets": [...], "total": N}, where total counts every
 * matching record, also those left out of the array.
 */

/* POST /api/v1/users: {"user": ...}, plus "password" when password is not NULL. */
char *json_doc_user(const struct user *u, const char *password);

/* GET /api/v1/users: {"users": [...], "total": l->n}. */
char *json_doc_users(const struct user_list *l);

/* {"client": ...}, as POST and GET /api/v1/clients[/{id}] answer. */
char *json_doc_client(const struct client *c);

/* GET /api/v1/clients without paging: {"clients": [...], "total": total}. */
char *json_doc_clients(const struct client_list *l, int64_t total);

/* {"contact": ...}, as POST and GET /api/v1/contacts[/{id}] answer. */
char *json_doc_contact(const struct contact *c);

/* GET /api/v1/contacts without paging: {"contacts": [...], "total": total}. */
char *json_doc_contacts(const struct contact_list *l, int64_t total);

/* {"ticket": ...} without its history, as POST /api/v1/tickets answers. */
char *json_doc_ticket(const struct ticket *t);

/* GET /api/v1/tickets without paging: {"tickets": [...], "total": total}. */
char *json_doc_tickets(const struct ticket_list *l, int64_t total);

/*
 * A ticket whole: the body of GET /api/v1/tickets/{id} ({"ticket": {...,
 * "events": [...], "attachments": [...], "mail": [...]}}) merged with the
 * body of GET /api/v1/tickets/{id}/time ("time_entries": [...],
 * "total_seconds": N).  mail and outbox as outbox_ticket_mail reads them;
 * origin: the sender who opened it by mail (store_mail_origin), or NULL.
 */
char *json_doc_ticket_full(const struct ticket *t, const struct event_list *events,
			   const struct attachment_list *attachments,
			   const struct mail_record_list *mail, const struct outbox_list *outbox,
			   const struct time_entry_list *entries, const struct mail_addr *origin);

/*
 * GET /api/v1/outbox without page and per_page: {"outbox": [...],
 * "has_more": has_more} (the outbox is not counted; see docs/api.md).
 */
char *json_doc_outbox(const struct outbox_list *l, int has_more);

/* GET /api/v1/timer: {"timer": ...} as of now, or {"timer": null} when t is NULL. */
char *json_doc_timer(const struct timer_running *t, int64_t now);

/*
 * POST /api/v1/tickets/{id}/timer/start: {"timer": ..., "stopped": the
 * time entry of the stopwatch this start stopped, or null when stopped is NULL}.
 */
char *json_doc_timer_started(const struct timer_running *t, const struct time_entry *stopped,
			     int64_t now);

/* {"time_entry": ...}, as POST /api/v1/tickets/{id}/timer/stop answers. */
char *json_doc_time_entry(const struct time_entry *e);

/*
 * POST /api/v1/tickets/{id}/contact: {"ticket": t with "from_email" and
 * "from_name" of origin, "contact": c}.
 */
char *json_doc_ticket_contact(const struct ticket *t, const struct mail_addr *origin,
			      const struct contact *c);

/* GET /api/v1/quarantine: {"quarantine": [...], "total": n}. */
char *json_doc_quarantine(const struct quarantine_list *l);

/* {"intake": ...} (json_intake): evid mail-in --json, a re-process's answer. */
struct intake_result;
char *json_doc_intake(const struct intake_result *r);

/*
 * {"fetch": {"ok": ok, "error": null or why, "mailbox", "uidvalidity",
 * "last_uid", "found", "imported", ... as in struct fetch_stats}}
 * (json_fetch.c): evid fetch --json.
 */
struct fetch_stats;
char *json_doc_fetch(const struct fetch_stats *s, int ok);

/* ---- contracts and billing (json_billing.c; keys as in web/json.h) ---- */

/* {"service": ...}, {"services": [...], "total": n} and the same for rates. */
char *json_doc_service(const struct bill_service *s);
char *json_doc_services(const struct bill_service_list *l);
char *json_doc_rate(const struct bill_rate *r);
char *json_doc_rates(const struct bill_rate_list *l);
/* {"overrides": [...], "total": n} */
char *json_doc_overrides(const struct bill_override_list *l);
/* {"contract": ... with its "lines"}, {"contracts": [...], "total": n} */
char *json_doc_contract(const struct bill_contract *c);
char *json_doc_contracts(const struct bill_contract_list *l);
/* {"extra": ...}, {"extras": [...], "total": n} */
char *json_doc_extra(const struct bill_extra *x);
char *json_doc_extras(const struct bill_extra_list *l);
/* {"adjustment": ...}, {"adjustments": [...], "total": n} */
char *json_doc_adjustment(const struct bill_adjustment *a);
char *json_doc_adjustments(const struct bill_adjustment_list *l);

/*
 * One client's specification as its own document (not wrapped in a key):
 * the text a closed month stores, and one client's file of a run.
 */
char *json_doc_spec(const struct bill_spec *s);
/*
 * Many specifications' JSON, as a month-end run writes them: a writer keeps
 * one tree of objects and fills it again for each specification instead of
 * making and freeing a tree each time, and dumps it straight into out.  A
 * writer is used by one thread at a time.  json_spec_write appends the text
 * of json_doc_spec(s) without its final newline, every line after the first
 * indented by pad more spaces (0, 2, 4 .. 16: as jansson indents a value
 * pad / 2 levels deep); 0, or -1 when out would pass its cap (out is then as
 * it was) or pad is not one of those.
 */
struct buf;
struct json_spec_writer;
struct json_spec_writer *json_spec_writer_new(void);
void json_spec_writer_free(struct json_spec_writer *w);
int json_spec_write(struct json_spec_writer *w, const struct bill_spec *s, int pad,
		    struct buf *out);
/* The run's summary as its own document. */
char *json_doc_summary(const struct bill_summary *s);
/*
 * Read back the text of json_doc_spec / json_doc_summary: json_doc_spec
 * (the result) gives text again byte for byte.  0, or -1 with why in err
 * (malformed json, or the key that is missing or wrong: "lines[2].vat: not
 * an integer in range"); *out is then empty.  A spec is freed with
 * bill_spec_clear.
 */
int json_doc_spec_parse(const char *text, struct bill_spec *out, char *err, size_t errsz);
int json_doc_summary_parse(const char *text, struct bill_summary *out, char *err, size_t errsz);

/* {"prepayments": [each bill_prepay with its lines and their "months"], "total": n} */
char *json_doc_prepays(const struct bill_prepay *p, size_t n);
/*
 * A month's prepayments as web/billing_run.h lists them: {"month",
 * "prepayments": [each with "issued", "issued_at", "prepayment_id"],
 * "clients": [{"client_id", "client_name", "client_oib", "contracts", "vat",
 * "net", "tax", "gross"...}], "totals": {"vat", "net", "tax", "gross"...},
 * "issued_now"}.
 */
struct billing_prepay_list;
char *json_doc_prepay_list(const struct billing_prepay_list *l);

#endif
