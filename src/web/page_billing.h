/*
 * page_billing: the staff pages of contracts and billing (issue 5,
 * docs/web.md "Billing"): the catalogue of services and hourly rates with
 * their per-client and per-contract prices, a client's contracts and one
 * contract's page, the prepayments due in a month, the month-end run with
 * each client's specification, its downloads and closing the month, and the
 * chart of hours.  The ticket page's extra items and kinds of work are
 * handled in page_ticket_post.c and declared here too.
 *
 * Every page here but the ticket page's forms is for administrators
 * (ACCESS_PAGE_ADMIN in router.c).  The rules are the store's
 * (store/store_billing.h) and core/billing.h's; a page reads a form, calls
 * the store and answers HTML, showing a refused form again with what is
 * wrong.  The helpers below are shared by the page_billing*.c files.
 */
#ifndef EVID_WEB_PAGE_BILLING_H
#define EVID_WEB_PAGE_BILLING_H

#include <stddef.h>
#include <stdint.h>

#include "core/billing.h"
#include "web/page.h"

/* ---- shared by the page_billing*.c files (page_billing.c) ---- */

/* Why a form was refused: the answer's status, the field at fault and the words. */
struct bill_form_err {
	int status;
	const char *field; /* NULL: no single field */
	char msg[512];
};

/* Set e and return -1. */
int bill_err(struct bill_form_err *e, int status, const char *field, const char *msg);
/* e from a refused store call (INVALID 400 or CONFLICT 409, the store's message). */
void bill_err_store(struct web_req *r, int rc, struct bill_form_err *e);
/* Whether a store failure is one a form shows again (the user can fix it). */
int bill_rc_is_form(int rc);
/* " aria-invalid=true" when e names field, else "". */
const char *bill_invalid(const struct bill_form_err *e, const char *field);
/* The error paragraph of e, when there is one. */
void bill_error_para(struct html *h, const struct bill_form_err *e);

/*
 * Take form field `field` (shown as label) trimmed into out (outsz bytes):
 * 0; or -1 with e saying why: longer than outsz - 1 bytes, not one line
 * (multiline 0), control characters.  An absent field is "".
 */
int bill_take(const char *lang, const struct form *f, const char *field, const char *label,
	      char *out, size_t outsz, int multiline, struct bill_form_err *e);
/* A form's value, "" when absent (for showing a refused form again). */
const char *bill_val(const struct form *f, const char *name);

/*
 * Parse an amount of EUR as people type it ("1234,56", "1.234,56",
 * "1 234.56", "35"): at most two decimals; spaces and thousands separators
 * (a '.' or ',' followed by three digits, not the last separator) are
 * dropped.  neg allows a minus sign.  0..BILL_PRICE_MAX (or its negative)
 * into *cents; 0, or -1 when malformed or out of range.
 */
int bill_parse_money(const char *s, int neg, int64_t *cents);
/*
 * Parse a quantity ("2", "0,5", "1.125": at most three decimals) into
 * thousandths, 0 < q <= BILL_QTY_MAX; 0, or -1.
 */
int bill_parse_qty(const char *s, int64_t *out);
/* Parse a whole number lo..hi (digits only, surrounding blanks allowed); 0, or -1. */
int bill_parse_int(const char *s, int64_t lo, int64_t hi, int64_t *out);
/* Parse hours with at most two decimals ("10", "1,5") into seconds, 0..max_s; 0, or -1. */
int bill_parse_hours(const char *s, int64_t max_s, int64_t *seconds);

/* cents as "1.234,56" / "1,234.56". */
void bill_money(const char *lang, int64_t cents, char *out, size_t outsz);
/* cents as a form's value: "1234,56" / "1234.56" (no grouping), "" never. */
void bill_money_input(const char *lang, int64_t cents, char *out, size_t outsz);
/* thousandths as "2", "0,5", "1,125" (hr) / "0.5" (en). */
void bill_qty(const char *lang, int64_t q, char *out, size_t outsz);
/* seconds as hours with two decimals for a form ("1,5" -> "1,50"); "" for 0 when blank0. */
void bill_hours_input(const char *lang, int64_t seconds, int blank0, char *out, size_t outsz);
/* A day number as "27. 11. 2026." / "27 Nov 2026". */
void bill_day(const char *lang, int32_t day, char *out, size_t outsz);
/* A month index as "siječanj 2027." / "January 2027". */
void bill_month_name(const char *lang, int32_t month, char *out, size_t outsz);

/* A unit, proration, cycle, rounding mode and per in words. */
const char *bill_unit_label(const char *lang, enum bill_unit u);
const char *bill_proration_label(const char *lang, enum bill_proration p);
const char *bill_cycle_label(const char *lang, enum bill_cycle c);
const char *bill_round_mode_label(const char *lang, enum bill_round_mode m);
const char *bill_round_per_label(const char *lang, enum bill_round_per p);

/* <option>s of the VAT rates (25, 13, 5, 0), selected the one equal to cur. */
void bill_vat_options(struct html *h, int cur);

/*
 * The month of ?month=YYYY-MM, else the current local month.  0, or -1
 * after answering 400 for a malformed one.
 */
int bill_month_query(struct web_req *r, int32_t *month);

/* The [billing] defaults of the configuration as contract terms (no included hours). */
void bill_default_terms(const struct web_req *r, struct bill_terms *t);
/* The code of the default rate ([billing] default_rate). */
const char *bill_default_rate_code(const struct web_req *r);

/* The sub-navigation of the billing pages; cur is the path of the current one. */
void bill_subnav(struct html *h, const char *lang, const char *cur);

/*
 * Set (or, with an empty "hourly" field, remove) rate_id's price for one
 * client or one contract (exactly one of the two ids) from form f.  0; or
 * -1 with e saying why for the form, or e->status 0 and *rc the store's
 * failure to answer as an error page (page_billing_catalog.c).
 */
int page_billing_override_apply(struct web_req *r, const struct form *f, int64_t rate_id,
				int64_t client_id, int64_t contract_id, struct bill_form_err *e,
				int *rc);

/* ---- the pages' handlers ---- */

/* page_billing_catalog.c: services, rates and their overrides */
void page_services(struct web_req *r);
void page_service_new_post(struct web_req *r);
void page_service(struct web_req *r);
void page_service_post(struct web_req *r);
void page_rates(struct web_req *r);
void page_rate_new_post(struct web_req *r);
void page_rate(struct web_req *r);
void page_rate_post(struct web_req *r);
void page_rate_override_post(struct web_req *r);

/* page_billing_contracts.c: contracts */
void page_contracts(struct web_req *r);
void page_client_contracts(struct web_req *r);
void page_client_contract_new_post(struct web_req *r);
void page_client_rate_post(struct web_req *r);
void page_contract(struct web_req *r);
void page_contract_post(struct web_req *r);
void page_contract_end_post(struct web_req *r);
void page_contract_line_new_post(struct web_req *r);
void page_contract_line_post(struct web_req *r);
void page_contract_line_remove_post(struct web_req *r);
void page_contract_rate_post(struct web_req *r);

/* page_billing_run.c: the month-end run, prepayments, downloads, closing */
void page_billing(struct web_req *r);
void page_billing_download(struct web_req *r);
void page_billing_close_get(struct web_req *r);
void page_billing_close_post(struct web_req *r);
void page_prepay(struct web_req *r);
void page_prepay_post(struct web_req *r);

/* page_ticket_post.c: the ticket page's extras and kinds of work */
void page_extra_add_post(struct web_req *r);
void page_extra_remove_post(struct web_req *r);
void page_time_rate_post(struct web_req *r);

#endif
