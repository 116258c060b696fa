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
struct bill_adjustment_list { struct bill_adjustment *items; size_t n; };
void bill_service_list_free(struct bill_service_list *l);
void bill_rate_list_free(struct bill_rate_list *l);
void bill_override_list_free(struct bill_override_list *l);
void bill_contract_list_free(struct bill_contract_list *l);
void bill_extra_list_free(struct bill_extra_list *l);
void bill_adjustment_list_free(struct bill_adjustment_list *l);

/* ---- services and rates ---- */

/*
 * Add s (id ignored; sets s->id).  INVALID when a field breaks its rule
 * (code [a-z0-9_.-]{1,32}, a name, price 0..BILL_PRICE_MAX, a VAT rate);
 * CONFLICT when the code is taken.
 */
int store_service_add(struct store *st, struct bill_service *s);
/* Change every field of s->id (NOT_FOUND, INVALID, CONFLICT as above). */
int store_service_update(struct store *st, const struct bill_service *s);
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
 * contract (client_id 0): exactly one of the two.  hourly < 0 removes the
 * override.  NOT_FOUND for an unknown rate, client or contract.
 */
int store_rate_override_set(struct store *st, int64_t rate_id, int64_t client_id,
			    int64_t contract_id, int64_t hourly);
/* The overrides of a client and of its contracts (client_id 0: all). */
int store_rate_override_list(struct store *st, int64_t client_id, struct bill_override_list *out);

/* ---- contracts ---- */

/*
 * Add contract c with its lines (checked with bill_contract_check; each
 * line's service must exist and be active; a line with description "" or
 * monthly_price < 0 or vat < 0 takes the service's name, price or VAT).
 * Sets c->id and each line's id and contract_id.  CONFLICT when the number
 * is taken; NOT_FOUND for an unknown client or service.
 */
int store_contract_add(struct store *st, struct bill_contract *c);
/*
 * Replace contract c->id's fields and lines: a line with an id keeps it and
 * is changed, a line with id 0 is added, a line left out is removed --
 * CONFLICT when a removed or changed line was already prepaid (end the
 * contract, or add a new line, instead).  Fills new ids in c.
 */
int store_contract_update(struct store *st, struct bill_contract *c);
/* End contract id on end_day (its last day covered): INVALID before its start. */
int store_contract_end(struct store *st, int64_t id, int32_t end_day);
int store_contract_get(struct store *st, int64_t id, struct bill_contract *out);
/* A client's contracts (0: everyone's), by client name then number. */
int store_contract_list(struct store *st, int64_t client_id, struct bill_contract_list *out);

/* ---- the kind of work of a time entry ---- */

/*
 * Set the rate (kind of work) of time entry entry_id; rate_id 0 means the
 * default rate.  Records a time-correction event with reason on its ticket.
 * CONFLICT when the entry's month is closed.
 */
int store_time_set_rate(struct store *st, int64_t entry_id, int64_t rate_id, const char *reason,
			int64_t actor_user_id, int64_t now);
/* The rate of an entry (0 = default). */
int store_time_rate(struct store *st, int64_t entry_id, int64_t *rate_id);

/* ---- extra items ---- */

/*
 * Add extra x to ticket x->ticket_id (which must exist) on local day x->day;
 * records a field-change event ("extra") on the ticket.  Sets x->id.
 * INVALID for a bad quantity, price, VAT or empty description; CONFLICT when
 * the day's month is closed.
 */
int store_extra_add(struct store *st, struct bill_extra *x, int64_t actor_user_id, int64_t now);
/* Remove extra id (records an event); CONFLICT when its month is closed. */
int store_extra_remove(struct store *st, int64_t id, int64_t actor_user_id, int64_t now);
int store_extra_list(struct store *st, int64_t ticket_id, struct bill_extra_list *out);

/* ---- prepayments ---- */

/*
 * Record that p (from bill_prepay_contract for month) was invoiced at now:
 * one prepayment with an item per line and month.  Sets *id (may be NULL).
 * CONFLICT when a prepayment of the same contract already covers any of
 * those months, or month is closed.
 */
int store_prepay_record(struct store *st, int32_t month, const struct bill_prepay *p, int64_t now,
			int64_t *id);
/* The prepayments issued in month, each as recorded (lines with month_amounts). */
struct bill_prepay_list { struct bill_prepay *items; size_t n; int64_t *ids; int64_t *issued_at; };
void bill_prepay_list_free(struct bill_prepay_list *l);
int store_prepay_list(struct store *st, int32_t month, struct bill_prepay_list *out);

/* ---- corrections and closed months ---- */

/*
 * Add a correction of closed month a->corrects_month for client_id, charged
 * in a->month; a->month 0 means the first open month after the corrected
 * one.  INVALID when corrects_month is not closed or month is closed, or for
 * a bad VAT or empty description.  Sets a->id and a->month.
 */
int store_adjustment_add(struct store *st, int64_t client_id, struct bill_adjustment *a,
			 int64_t actor_user_id, int64_t now);
int store_adjustment_list(struct store *st, int32_t month, struct bill_adjustment_list *out);

/* *closed = 1 when month is closed, else 0. */
int store_month_closed(struct store *st, int32_t month, int *closed);
/* One client's stored specification of a closed month. */
struct bill_stored_spec {
	int64_t client_id;
	const char *json;   /* borrowed by close; owned by reads (free it) */
};
/*
 * Close month: store the run's specifications as the JSON text each was
 * written as (n of them, and the summary's), and from then on refuse changes
 * to the month (see above).  CONFLICT when already closed, or when the
 * month before is open (months close in order; the first month closed has
 * no such rule).
 */
int store_month_close(struct store *st, int32_t month, const struct bill_stored_spec *specs,
		      size_t n, const char *summary_json, int64_t actor_user_id, int64_t now);
/*
 * The stored specifications of closed month (client_id 0: all, by client
 * name; else that client's, NOT_FOUND when it has none) and the summary.
 * The caller frees each json, the array and *summary_json.
 */
int store_month_specs(struct store *st, int32_t month, int64_t client_id,
		      struct bill_stored_spec **out, size_t *n, char **summary_json);
/* The closed months, newest first (at most max). */
int store_month_closed_list(struct store *st, int32_t *months, size_t max, size_t *n);

/* ---- the month's inputs, one client at a time ---- */

struct bill_reader;
/*
 * Start reading month's inputs in one read snapshot: the clients that have
 * anything in month (a contract covering one of its days, a time entry that
 * started in it, an extra item, an adjustment), by client name; client_id 0
 * for all, else only that one.  ctx is filled (month, rates, the default
 * rate id from default_rate_code, terms left to the caller) and stays valid
 * until store_bill_end.
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
/* Seconds of work started in month per client and per technician, most first. */
int store_month_hours(struct store *st, int32_t month, struct bill_hours_list *clients,
		      struct bill_hours_list *users);

#endif
