/*
 * billing_run: the one place that runs a month-end and the prepayments of a
 * month and writes what they produce, for the CLI (evid billing), the API
 * (/api/v1/billing/...) and the staff pages.  It joins the store's reader
 * (store/store_billing.h), the rules (core/billing.h) and the writers
 * (report/report.h for text, CSV, PDF and XLSX; web/json_doc.h for JSON).
 *
 * A run streams client by client: one client's specification is made,
 * written and freed before the next one's inputs are taken from the store's
 * reader, so no more than one specification is held at a time (what the
 * reader itself holds is store_billing.h's).  The exception is an open
 * month's run of every client as one text, CSV or JSON document on a
 * machine of several cores: other threads format the specifications while
 * the next ones are made, at most 32 of them held at a time, written in the
 * same order and to the same bytes.  A closed month is not
 * computed again: its specifications are read back from the JSON stored when
 * it was closed, so every later run of it gives the same bytes.
 *
 * Every call returns 0, or -1 with *e filled (what failed, the store's rc
 * when the store refused, and a short lowercase message for people).
 */
#ifndef EVID_WEB_BILLING_RUN_H
#define EVID_WEB_BILLING_RUN_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "core/billing.h"
#include "store/store_billing.h"
#include "util/buf.h"
#include "util/config.h"

enum billing_format { BILLING_TEXT, BILLING_JSON, BILLING_CSV, BILLING_PDF, BILLING_XLSX };

/* "text" "json" "csv" "pdf" "xlsx"; parse: 0, or -1 when unknown. */
const char *billing_format_name(enum billing_format f);
int billing_format_parse(const char *s, enum billing_format *out);
/* The file name extension: "txt" "json" "csv" "pdf" "xlsx". */
const char *billing_format_ext(enum billing_format f);
/* The media type ("text/plain; charset=utf-8", "application/json", ...). */
const char *billing_format_type(enum billing_format f);

/* Why a call failed. */
enum billing_fail {
	BILLING_FAIL_STORE,  /* the store refused or failed: see store_rc */
	BILLING_FAIL_INPUT,  /* the request cannot be done as asked (pdf to stdout, ...) */
	BILLING_FAIL_RULES,  /* an input breaks the rules (bill_client_spec refused it) */
	BILLING_FAIL_OUTPUT, /* writing failed: a file, stdout, a buffer past its cap */
};

struct billing_error {
	enum billing_fail kind;
	int store_rc;  /* the store's rc for BILLING_FAIL_STORE, else STORE_OK */
	char msg[512]; /* "month 2027-01 is closed; ...", "cannot write 'out/2027-01/3.pdf': ..." */
};

/* The [billing] terms of the configuration: for work under no contract (no included hours). */
void billing_default_terms(const struct config *conf, struct bill_terms *out);

/* ---- the month-end run ---- */

/*
 * Called with each client's specification in turn (borrowed: valid during
 * the call).  Return 0 to go on, -1 to stop (having filled e, or leaving
 * e->msg empty for a generic BILLING_FAIL_OUTPUT).
 */
typedef int (*billing_spec_fn)(const struct bill_spec *s, void *arg, struct billing_error *e);

/*
 * The specifications of month, one client at a time (client_id 0: every
 * client with anything in the month, by name; else that client's, or none
 * when it has nothing in the month): an open month's computed from the
 * store now, a closed month's read back from the JSON stored at its close.
 * *closed (may be NULL) says which.  This is what billing_run writes and
 * what a page shows.
 */
int billing_each(struct store *st, const struct config *conf, int32_t month, int64_t client_id,
		 billing_spec_fn fn, void *arg, int *closed, struct billing_error *e);

struct billing_run_req {
	int32_t month;
	int64_t client_id; /* 0: every client with anything in the month */
	enum billing_format format;
	const char *lang; /* "hr" or "en"; NULL: the configuration's language */
	/*
	 * Where it goes, one of:
	 * - out_dir: DIR/YYYY-MM/<client_id>.<ext> per client and
	 *   DIR/YYYY-MM/summary.<ext> (txt for pdf and xlsx), each written whole
	 *   under a temporary name and renamed, folders made as needed;
	 * - f: one document streamed to a FILE (stdout), flushed per client;
	 * - out: one document collected in a buffer (its cap limits it).
	 * The one document: text (each client's specification, then the
	 * summary), json ({"month", "closed", "clients": [...], "summary"}, two
	 * spaces of indent and a final newline) or csv (all clients' rows under
	 * one header).  pdf and xlsx make one document per client: without
	 * out_dir they need client_id (else BILLING_FAIL_INPUT).
	 */
	const char *out_dir;
	FILE *f;
	struct buf *out;
};

struct billing_run_result {
	int closed;		     /* the month was closed: the stored specifications were used */
	struct bill_summary summary; /* over the clients written */
	size_t files;		     /* files written under out_dir */
};

/*
 * Run req->month for one client or all and write the result as req asks.
 * A client_id with nothing in the month gives no specification (json: an
 * empty list; pdf or xlsx without out_dir: BILLING_FAIL_INPUT "client N has
 * nothing in 2027-01").  res may be NULL.
 */
int billing_run(struct store *st, const struct config *conf, const struct billing_run_req *req,
		struct billing_run_result *res, struct billing_error *e);

/*
 * Close month: run it over every client, store each specification as its
 * JSON document and the summary's (store_month_close); from then on the
 * month refuses changes.  actor_user_id may be 0 (the command line without
 * --as).  res (may be NULL) gets the summary.  Fails with the store's
 * CONFLICT when the month is closed already or the month before is open.
 */
int billing_close(struct store *st, const struct config *conf, int32_t month, int64_t actor_user_id,
		  int64_t now, struct billing_run_result *res, struct billing_error *e);

/* ---- prepayments ---- */

/* One contract's prepayment due in (or issued for) the month. */
struct billing_prepay_item {
	struct bill_prepay p;  /* owned */
	int issued;	       /* recorded: before this call or by it */
	int issued_now;	       /* recorded by this call */
	int64_t prepayment_id; /* when issued */
	int64_t issued_at;     /* when issued */
};

/* The totals of one client's prepayments (VAT per rate on the sum of the client's lines). */
struct billing_prepay_client {
	int64_t client_id;
	char client_name[NAME_MAX_LEN + 1];
	char client_oib[OIB_LEN + 1];
	size_t first, n; /* its items: items[first .. first + n) */
	struct bill_vat_total vat[BILL_VAT_RATES];
	int64_t net, tax, gross;
};

struct billing_prepay_list {
	int32_t month;
	struct billing_prepay_item *items; /* by client name, then contract number */
	size_t n;
	struct billing_prepay_client *clients;
	size_t n_clients;
	struct bill_vat_total vat[BILL_VAT_RATES]; /* over everything listed */
	int64_t net, tax, gross;
	size_t issued_now; /* how many this call recorded */
};
void billing_prepay_list_free(struct billing_prepay_list *l);

/*
 * The prepayments of month: every prepaid contract whose billing period
 * starts in month (bill_prepay_contract), and every prepayment already
 * recorded for month (shown as recorded, not computed again).  With issue,
 * each one not yet recorded is recorded (store_prepay_record, one
 * transaction per contract, at now): a failure stops there, with the
 * contract's number in the message; those recorded before stay recorded,
 * and a second call does not record them twice.
 */
int billing_prepay(struct store *st, int32_t month, int issue, int64_t now,
		   struct billing_prepay_list *out, struct billing_error *e);

/*
 * Write l as text, json or csv into out.  json: {"month", "prepayments":
 * [each bill_prepay's JSON with "issued", "issued_at" and "prepayment_id"],
 * "clients": [per client totals], "totals"}, the document layout of
 * web/json_doc.h.  BILLING_FAIL_INPUT for pdf and xlsx.
 */
int billing_prepay_write(const struct billing_prepay_list *l, enum billing_format format,
			 const char *lang, struct buf *out, struct billing_error *e);

#endif
