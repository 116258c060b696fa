/*
 * store_billing: the persistent side of contracts and billing (issue 5):
 * the catalogue of services, hourly rates and their per-client and
 * per-contract prices, contracts with their lines, extra items on tickets,
 * prepayments, corrections of closed months, closed months with their stored
 * specifications, and the reader that hands a month's inputs to
 * core/billing.c one client at a time.
 *
 * Conventions as in store.h: every call is one transaction; STORE_OK (0) or
 * a negative enum store_rc, with store_errmsg() saying why; outputs are
 * written only on success; lists are released with their _free.  Nothing
 * here is deleted: services and rates are deactivated, contracts ended.
 *
 * Closed months: once store_month_close() has closed a month, the database
 * itself (triggers over the closed months' UTC ranges and day ranges)
 * refuses to add, change or delete a time entry that started in it, an
 * extra item of one of its days, or a prepayment issued in it; such calls
 * return STORE_CONFLICT with "month 2027-01 is closed; record a correction
 * as an adjustment in an open month".  This holds for every caller (API,
 * CLI, web, the stopwatch).
 */
#ifndef EVID_STORE_STORE_BILLING_H
#define EVID_STORE_STORE_BILLING_H

#include <stddef.h>
#include <stdint.h>

#include "core/billing.h"
#include "store/store.h"

struct bill_service_list { struct bill_service *items; size_t n; };
struct bill_rate_list { struct bill_rate *items; size_t n; };
struct bill_override_list { struct bill_rate_override *items; size_t n; };
struct bill_contract_list { struct bill_contract *items; size_t n; }; /* each with its lines */
struct bill_extra_list { struct bill_extra *items; size_t n; };
/* client_ids[i] is the client of items[i]. */
struct bill_adjustment_list { struct bill_adjustment *items; size_t n; int64_t *client_ids; };
void bill_service_list_free(struct bill_service_list *l);
void bill_rate_list_free(struct bill_rate_list *l);
void bill_override_list_free(struct bill_override_list *l);
void bill_contract_list_free(struct bill_contract_list *l);
void bill_extra_list_free(struct bill_extra_list *l);
void bill_adjustment_list_free(struct bill_adjustment_list *l);

/* ---- services and rates ---- */

/*
 * Add s (id ignored; sets s->id).  INVALID when a field breaks its rule
 * (code [a-z0-9_.-]{1,32}, a name of one line, at most BILL_TEXT_MAX_LEN
 * bytes, a unit, price 0..BILL_PRICE_MAX, a VAT rate), the message naming
 * the field ("code: ..."); CONFLICT when the code is taken.
 */
int store_service_add(struct store *st, struct bill_service *s);
/* Change every field of s->id (NOT_FOUND, INVALID, CONFLICT as above). */
int store_service_update(struct store *st, const struct bill_service *s);
/* NOT_FOUND ("service 7 not found", "service 'x' not found") when there is none. */
int store_service_get(struct store *st, int64_t id, struct bill_service *out);
int store_service_by_code(struct store *st, const char *code, struct bill_service *out);
/* By code; the inactive too when all. */
int store_service_list(struct store *st, int all, struct bill_service_list *out);

/* The same for hourly rates (code as for services; hourly 0..BILL_PRICE_MAX). */
int store_rate_add(struct store *st, struct bill_rate *r);
int store_rate_update(struct store *st, const struct bill_rate *r);
int store_rate_get(struct store *st, int64_t id, struct bill_rate *out);
int store_rate_by_code(struct store *st, const char *code, struct bill_rate *out);
int store_rate_list(struct store *st, int all, struct bill_rate_list *out);

/*
 * Set the hourly price of rate_id for one client (contract_id 0) or one
 * contract (client_id 0): exactly one of the two (INVALID otherwise, or for
 * hourly above BILL_PRICE_MAX).  hourly < 0 removes the override (none there
 * is no error).  NOT_FOUND for an unknown rate, client or contract.
 */
int store_rate_override_set(struct store *st, int64_t rate_id, int64_t client_id,
			    int64_t contract_id, int64_t hourly);
/* The overrides of a client and of its contracts (client_id 0: all), by id. */
int store_rate_override_list(struct store *st, int64_t client_id, struct bill_override_list *out);

/* ---- contracts ---- */

/*
 * Add contract c with its lines (checked with bill_contract_check; each
 * line's service must exist and be active; a line with description "" or
 * monthly_price < 0 or vat < 0 takes the service's name, price or VAT).
 * Sets c->id, each line's id, contract_id, service_code and what it took
 * from its service, c->client_name and c->created_at and updated_at (the
 * store's clock: the call has no `now`).  INVALID for an inactive service
 * or a field bill_contract_check refuses (or a number or notes that are not
 * text), naming the field; CONFLICT when the number is taken; NOT_FOUND for
 * an unknown client or service.
 */
int store_contract_add(struct store *st, struct bill_contract *c);
/*
 * Replace contract c->id's fields and lines: a line with an id keeps it and
 * is changed, a line with id 0 is added, a line left out is removed --
 * CONFLICT when a removed or changed line was already prepaid (end the
 * contract, or add a new line, instead).  A line's id must be one of this
 * contract's (INVALID).  The client cannot change (INVALID: end the contract
 * and add one for the other client).  Fills new ids in c, as _add fills a
 * new contract.  NOT_FOUND for an unknown contract or service.
 */
int store_contract_update(struct store *st, struct bill_contract *c);
/*
 * End contract id on end_day (its last day covered): INVALID before its
 * start or outside the calendar's years; NOT_FOUND for an unknown contract.
 */
int store_contract_end(struct store *st, int64_t id, int32_t end_day);
/* *out with its lines (bill_contract_clear frees them). */
int store_contract_get(struct store *st, int64_t id, struct bill_contract *out);
/* A client's contracts (0: everyone's), by client name then number, each with its lines. */
int store_contract_list(struct store *st, int64_t client_id, struct bill_contract_list *out);

/* ---- the kind of work of a time entry ---- */

/*
 * Set the rate (kind of work) of time entry entry_id; rate_id 0 means the
 * default rate.  Records a time-correction event (field "rate", the old and
 * new rate codes, "default" for none) with reason on its ticket, and touches
 * the ticket; setting the rate it has changes nothing.  INVALID without a
 * reason; NOT_FOUND for an unknown entry or rate; CONFLICT when the entry's
 * month is closed.
 */
int store_time_set_rate(struct store *st, int64_t entry_id, int64_t rate_id, const char *reason,
			int64_t actor_user_id, int64_t now);
/* An entry's rate is read with it: struct time_entry's rate_id (store_time_get, _list). */

/* ---- extra items ---- */

/*
 * Add extra x to ticket x->ticket_id (which must exist: NOT_FOUND) on local
 * day x->day by actor_user_id (0 = nobody); records a field-change event
 * (field "extra", new_value "Toner: 2 x 45.00 EUR, VAT 25 %") on the ticket
 * and touches it.  Sets x->id, ticket_number and ticket_billing.  INVALID for
 * a bad quantity (1..BILL_QTY_MAX), price, VAT, day or an empty description;
 * CONFLICT when the day's month is closed.  The extra is billed to the
 * ticket's client (none: to nobody).
 */
int store_extra_add(struct store *st, struct bill_extra *x, int64_t actor_user_id, int64_t now);
/*
 * Remove extra id (records the event, old_value what it was); NOT_FOUND for
 * an unknown extra; CONFLICT when its month is closed.
 */
int store_extra_remove(struct store *st, int64_t id, int64_t actor_user_id, int64_t now);
/* A ticket's extras (0: every ticket's) by day then id; NOT_FOUND for an unknown ticket. */
int store_extra_list(struct store *st, int64_t ticket_id, struct bill_extra_list *out);

/* ---- prepayments ---- */

/*
 * Record that p (from bill_prepay_contract for month) was invoiced at now:
 * one prepayment with an item per line and month.  Sets *id (may be NULL).
 * INVALID unless p->first is month, p->last within the next eleven months,
 * every line one of the contract's with last - first + 1 month_amounts of at
 * least 0 that sum to its amount, and the contract paid in advance
 * (prepaid); NOT_FOUND for an unknown contract; CONFLICT when a prepayment of the same contract already covers any of
 * those months, or month is closed.
 */
int store_prepay_record(struct store *st, int32_t month, const struct bill_prepay *p, int64_t now,
			int64_t *id);
/*
 * The prepayments issued in month, each as recorded (lines with
 * month_amounts, their code, text, quantity, price and VAT from the contract
 * line, which cannot change once prepaid; the client's name and OIB as they
 * are now; the VAT totals), by client name, contract number, id.  ids[i]
 * and issued_at[i] belong to items[i].
 */
struct bill_prepay_list { struct bill_prepay *items; size_t n; int64_t *ids; int64_t *issued_at; };
void bill_prepay_list_free(struct bill_prepay_list *l);
int store_prepay_list(struct store *st, int32_t month, struct bill_prepay_list *out);

/* ---- corrections and closed months ---- */

/*
 * Add a correction of closed month a->corrects_month for client_id, charged
 * in a->month; a->month 0 means the first open month after the corrected
 * one.  INVALID when corrects_month is not closed or month is closed, or for
 * a bad VAT or empty description, an amount beyond +-BILL_PRICE_MAX, a month
 * not after corrects_month, or a ticket (a->ticket_id, 0 = none) that is not
 * the client's.  NOT_FOUND for an unknown client.  Sets a->id, a->month and
 * a->ticket_number.
 */
int store_adjustment_add(struct store *st, int64_t client_id, struct bill_adjustment *a,
			 int64_t actor_user_id, int64_t now);
/* The adjustments charged in month, by id, with their clients (see the list). */
int store_adjustment_list(struct store *st, int32_t month, struct bill_adjustment_list *out);

/* *closed = 1 when month is closed, else 0. */
int store_month_closed(struct store *st, int32_t month, int *closed);
/* One client's stored specification of a closed month. */
struct bill_stored_spec {
	int64_t client_id;
	const char *json;   /* owned by the reader (free it) */
};
/*
 * Close month, in the batch that stored its specifications: read the month
 * with store_bill_begin inside a batch (store_batch_begin takes the write
 * lock; inside a batch the reader uses the batch's snapshot), store each
 * client's specification as it is made with store_month_close_spec, then
 * call this with the summary's JSON text and store_batch_end.  So what is
 * stored is exactly what the month held when it closed, and only one
 * specification need be in memory at a time.  From then on changes to the
 * month are refused (see above).  The month's UTC range and days are
 * recorded as util/clock reckons them now (the business zone).  CONFLICT
 * when already closed, or when the month before is open (months close in
 * order; the first month closed has no such rule), or when the month has
 * not ended at now (its last day is over only at the next month's local
 * midnight), or while a stopwatch that started in the month runs (its
 * entry could never be written); INVALID for a NULL summary.
 */
int store_month_close(struct store *st, int32_t month, const char *summary_json,
		      int64_t actor_user_id, int64_t now);
/*
 * Store one client's specification of month, for store_month_close in the
 * same batch to close.  ERROR when no batch is open (a specification must
 * never stay behind without its closed month); CONFLICT when the month is
 * closed already or the client has one in it; INVALID for a NULL json or a
 * client that does not exist.
 */
int store_month_close_spec(struct store *st, int32_t month, int64_t client_id, const char *json);
/*
 * The stored specifications of closed month (client_id 0: all, by client
 * name; else that client's, NOT_FOUND when it has none) and the summary
 * (summary_json may be NULL: not wanted).  NOT_FOUND when the month is not
 * closed.  The caller frees each json, the array and *summary_json.
 */
int store_month_specs(struct store *st, int32_t month, int64_t client_id,
		      struct bill_stored_spec **out, size_t *n, char **summary_json);
/* The closed months, newest first (at most max). */
int store_month_closed_list(struct store *st, int32_t *months, size_t max, size_t *n);

/* ---- the month's inputs, one client at a time ---- */

struct bill_reader;
/*
 * Start reading month's inputs in one read snapshot (store_read_begin;
 * inside an open batch or snapshot, that one's: closing a month reads under
 * its batch's write lock; other reading calls may be made until
 * store_bill_end): the clients that have anything in month (a contract
 * covering one of its days, a time entry that started in it -- on a ticket
 * of the client --, an extra item, an adjustment, a prepayment of the
 * month), by client name; client_id 0 for all, else only that one
 * (NOT_FOUND when there is no such client).  ctx is filled (month, rates,
 * the default rate id from default_rate_code, 0 when there is no such rate;
 * default_terms are left as the caller set them) and stays valid until
 * store_bill_end.  NOT_FOUND when the month has work without a rate and
 * default_rate_code names no rate.  INVALID for a month outside the
 * calendar's years.
 *
 * Fast by design (10,000 clients and 1,000,000 entries): begin reads the
 * month's entries in the order of their start (one index), their tickets
 * and the smaller kinds in a few queries, and orders them by client in
 * memory; next reads the client's contracts.  An entry's day is the local
 * day whose [clock_day_start(day), clock_day_start(day + 1)) holds its
 * start.  Each input holds every contract of the client.
 */
int store_bill_begin(struct store *st, int32_t month, int64_t client_id,
		     const char *default_rate_code, struct bill_context *ctx,
		     struct bill_reader **out);
/*
 * The next client's inputs into *in (valid until the next call or end).
 * Returns 1 with *in filled, 0 when there are no more clients, or a
 * negative rc.
 */
int store_bill_next(struct bill_reader *r, struct bill_client_input *in);
void store_bill_end(struct bill_reader *r);

/* ---- the chart ---- */

struct bill_hours { int64_t id; char name[NAME_MAX_LEN + 1]; int64_t seconds; };
struct bill_hours_list { struct bill_hours *items; size_t n; };
void bill_hours_list_free(struct bill_hours_list *l);
/*
 * Seconds of work started in month per client (work on tickets of no client
 * is left out) and per technician, most first (ties by name, then id).
 */
int store_month_hours(struct store *st, int32_t month, struct bill_hours_list *clients,
		      struct bill_hours_list *users);

#endif
