/*
 * billing: contracts, prepayment and the month-end specification, as pure
 * rules over plain structs (no I/O).  The store reads a month's inputs, this
 * module turns them into a specification per client, and report/ writes that
 * out as text, JSON, CSV, PDF or XLSX.  docs/billing.md states every rule
 * with a worked example; the rules in short:
 *
 * - Money is int64 cents of EUR.  Every amount is rounded half away from
 *   zero to the cent once, on its own line (money_muldiv); totals are sums of
 *   lines; the VAT of a rate is computed once, on the sum of that rate's lines.
 * - Days and months are local days of the business time zone, as day and
 *   month indexes (core/calendar.h); the caller converts instants.  A time
 *   entry belongs to the month of the local day it started; its length is
 *   its real elapsed seconds.
 * - Quantities are in thousandths (1000 = one unit), so 0.5 of a unit is 500.
 * - VAT rates are whole percents: 25, 13, 5 or 0.
 */
#ifndef EVID_CORE_BILLING_H
#define EVID_CORE_BILLING_H

#include <stddef.h>
#include <stdint.h>

#include "core/model.h"

#define BILL_CODE_MAX_LEN 32          /* a service's or a rate's code: [a-z0-9_.-] */
#define BILL_NUMBER_MAX_LEN 32        /* a contract's number, e.g. "UG-2027-014" */
#define BILL_TEXT_MAX_LEN 200         /* names and descriptions of lines */
#define BILL_QTY_ONE 1000             /* quantities are thousandths */
#define BILL_QTY_MAX (1000000LL * BILL_QTY_ONE)
#define BILL_PRICE_MAX (100000000LL * 100) /* 100,000,000.00 EUR */
#define BILL_INCREMENT_MAX (24 * 3600)
#define BILL_INCLUDED_MAX (744LL * 3600)  /* included support per month: 31 days x 24 h */
#define BILL_LINES_MAX 100                /* lines of one contract */
#define BILL_WORK_SECONDS_MAX (366LL * 24 * 3600) /* one time entry: longer is refused */

enum bill_unit { UNIT_MONTH, UNIT_DAY, UNIT_HOUR, UNIT_PIECE };
#define BILL_UNIT_COUNT 4

/* How a month the contract covers only in part is charged. */
enum bill_proration {
	PRORATE_MONTHLY, /* any day of the month makes it a whole month */
	PRORATE_DAILY,   /* price x active days / days in that month */
};

/* Months per billing period: the periods are calendar-aligned (see below). */
enum bill_cycle {
	CYCLE_MONTHLY = 1,
	CYCLE_QUARTERLY = 3,
	CYCLE_HALF_YEARLY = 6,
	CYCLE_YEARLY = 12,
};

enum bill_round_mode { ROUND_UP, ROUND_NEAREST };  /* nearest: a half goes up */
enum bill_round_per { ROUND_PER_ENTRY, ROUND_PER_TICKET };

/* Names as in the API, CLI and database; *_parse: 0, or -1 when unknown. */
const char *bill_unit_name(enum bill_unit u);          /* "month" "day" "hour" "piece" */
int bill_unit_parse(const char *s, enum bill_unit *out);
const char *bill_proration_name(enum bill_proration p); /* "monthly" "daily" */
int bill_proration_parse(const char *s, enum bill_proration *out);
const char *bill_cycle_name(enum bill_cycle c); /* "monthly" "quarterly" "half_yearly" "yearly" */
int bill_cycle_parse(const char *s, enum bill_cycle *out);
const char *bill_round_mode_name(enum bill_round_mode m);  /* "up" "nearest" */
int bill_round_mode_parse(const char *s, enum bill_round_mode *out);
const char *bill_round_per_name(enum bill_round_per p);    /* "entry" "ticket" */
int bill_round_per_parse(const char *s, enum bill_round_per *out);
/* 1 when pct is one of the VAT rates (25, 13, 5, 0). */
int bill_vat_valid(int pct);

/* ---- the catalogue and the contracts (what the store keeps) ---- */

/* A service the company sells. */
struct bill_service {
	int64_t id;
	char code[BILL_CODE_MAX_LEN + 1];
	char name[BILL_TEXT_MAX_LEN + 1];
	enum bill_unit unit;
	int64_t price;      /* cents per unit */
	int vat;            /* percent */
	int active;
};

/* An hourly rate for ticket work of one kind ("remote", "on_site"...). */
struct bill_rate {
	int64_t id;
	char code[BILL_CODE_MAX_LEN + 1];
	char name[BILL_TEXT_MAX_LEN + 1];
	int64_t hourly;     /* cents per hour */
	int vat;            /* percent */
	int active;
};

/*
 * A rate's price for one client (contract_id 0) or one contract
 * (client_id 0).  The contract's wins over the client's, which wins over
 * the rate's own.
 */
struct bill_rate_override {
	int64_t id;
	int64_t rate_id;
	int64_t client_id;
	int64_t contract_id;
	int64_t hourly;
};

/* How ticket work under a contract (or with none: the defaults) is rounded. */
struct bill_terms {
	int64_t increment;           /* seconds, 0 = exact seconds */
	enum bill_round_mode mode;
	enum bill_round_per per;
	int64_t minimum;             /* seconds per ticket and rate in a month, 0 = none */
	int64_t included;            /* support seconds included per month, 0 = none */
	int64_t overage_hourly;      /* cents per hour beyond the included, 0 = the normal rate */
};

struct bill_contract_line {
	int64_t id;
	int64_t contract_id;
	int64_t service_id;
	char service_code[BILL_CODE_MAX_LEN + 1]; /* filled by reads */
	char description[BILL_TEXT_MAX_LEN + 1];  /* "" = the service's name */
	int64_t quantity;            /* thousandths */
	int64_t monthly_price;       /* cents per unit per month */
	int vat;                     /* percent (the service's when the line was made) */
};

struct bill_contract {
	int64_t id;
	int64_t client_id;
	char number[BILL_NUMBER_MAX_LEN + 1];
	int32_t start_day;           /* first day covered */
	int32_t end_day;             /* last day covered, inclusive; -1 = open-ended */
	enum bill_proration proration;
	enum bill_cycle cycle;
	int prepaid;                 /* 1 in advance, 0 after the month */
	struct bill_terms terms;
	char notes[NOTES_MAX_LEN + 1];
	int64_t created_at, updated_at;
	/* filled by reads */
	char client_name[NAME_MAX_LEN + 1];
	struct bill_contract_line *lines;   /* owned; bill_contract_clear frees */
	size_t n_lines;
};
void bill_contract_clear(struct bill_contract *c);

/*
 * Check a contract (and its lines) before it is stored: a number, dates in
 * order, a known cycle, terms within bounds (increment and minimum at most
 * a day, included at most 744 h), lines with quantity 0 < q <= BILL_QTY_MAX,
 * 0 <= price <= BILL_PRICE_MAX and a valid VAT.  Also: end_day -1 or a
 * date, both dates within calendar.h's years, a known proration, prepaid 0 or
 * 1, overage_hourly 0..BILL_PRICE_MAX, at most BILL_LINES_MAX lines (none is
 * allowed).  client_id and service ids are left to the store.  Returns 0, or
 * -1 with *why (may be NULL) a message naming the field ("end_day: before
 * start_day", "lines[2].vat: not a VAT rate (25, 13, 5 or 0)"): static, or
 * for an indexed field one buffer per thread, valid until that thread's
 * next failing call into billing.
 */
int bill_contract_check(const struct bill_contract *c, const char **why);

/* ---- a month's inputs (what the store reads for the calculation) ---- */

/*
 * Ticket work: one time entry, with what the rules need of its ticket (a
 * million of these make a big month: the long texts are borrowed).
 */
struct bill_work {
	int64_t entry_id;
	int64_t ticket_id;
	char ticket_number[TICKET_NUMBER_LEN + 1];
	const char *ticket_subject;         /* borrowed, never NULL */
	enum billing_kind ticket_billing;   /* free and warranty are listed at zero */
	int billable;                       /* the entry's own flag: 0 is listed at zero */
	int64_t user_id;
	const char *user_name;              /* borrowed, never NULL */
	int64_t rate_id;                    /* the kind of work; 0 = the default rate */
	int64_t started_at;                 /* UTC, for ordering */
	int32_t day;                        /* the local day it started */
	int64_t seconds;
};

/* An extra item on a ticket (material, travel) or on no ticket. */
struct bill_extra {
	int64_t id;
	int64_t ticket_id;                   /* 0 = none */
	char ticket_number[TICKET_NUMBER_LEN + 1];
	enum billing_kind ticket_billing;    /* of its ticket; free/warranty: at zero */
	char description[BILL_TEXT_MAX_LEN + 1];
	int64_t quantity;                    /* thousandths */
	int64_t unit_price;                  /* cents */
	int vat;
	int32_t day;
};

/* What a prepayment already invoiced for one line and one month. */
struct bill_prepaid {
	int64_t prepayment_id;
	int64_t contract_id;
	int64_t line_id;
	int32_t month;
	int64_t amount;                      /* net cents */
};

/*
 * A correction to a closed month, charged (or credited, when negative) in
 * the month it was recorded in.
 */
struct bill_adjustment {
	int64_t id;
	int32_t month;                       /* the open month it is charged in */
	int32_t corrects_month;              /* the closed month it corrects */
	char description[BILL_TEXT_MAX_LEN + 1];
	int64_t amount;                      /* net cents, may be negative */
	int vat;
	int64_t ticket_id;                   /* 0 = none */
	char ticket_number[TICKET_NUMBER_LEN + 1];
};

/* One client's inputs for one month.  All arrays are borrowed. */
struct bill_client_input {
	int64_t client_id;
	char client_name[NAME_MAX_LEN + 1];
	char client_oib[OIB_LEN + 1];
	char client_address[ADDRESS_MAX_LEN + 1];
	const struct bill_contract *contracts;  /* every contract of the client */
	size_t n_contracts;
	const struct bill_rate_override *overrides; /* the client's and its contracts' */
	size_t n_overrides;
	const struct bill_work *work;           /* the month's entries, any order */
	size_t n_work;
	const struct bill_extra *extras;        /* the month's extras */
	size_t n_extras;
	const struct bill_prepaid *prepaid;     /* prepayments covering this month */
	size_t n_prepaid;
	const struct bill_adjustment *adjustments; /* recorded in this month */
	size_t n_adjustments;
};

/* What is the same for every client of a run. */
struct bill_context {
	int32_t month;
	const struct bill_rate *rates;       /* every rate */
	size_t n_rates;
	int64_t default_rate_id;             /* for work with rate_id 0 */
	struct bill_terms default_terms;     /* for work under no contract (no included hours) */
};

/* ---- the specification ---- */

enum bill_line_kind {
	LINE_CONTRACT,     /* a contract line for the month, charged */
	LINE_PREPAID,      /* a contract line already invoiced in advance: amount shown, not charged */
	LINE_PREPAID_DIFF, /* the line now differs from what was prepaid: the difference, charged */
	LINE_WORK,         /* ticket work, one line per ticket and rate */
	LINE_EXTRA,        /* an extra item */
	LINE_ADJUSTMENT,   /* a correction of a closed month */
};
const char *bill_line_kind_name(enum bill_line_kind k);
/* "contract" "prepaid" "prepaid_diff" "work" "extra" "adjustment" */

struct bill_line {
	enum bill_line_kind kind;
	int64_t contract_id;                 /* contract lines and work under a contract */
	char contract_number[BILL_NUMBER_MAX_LEN + 1];
	int64_t source_id;                   /* contract line, extra or adjustment id; work: 0 */
	char code[BILL_CODE_MAX_LEN + 1];    /* service or rate code */
	char description[BILL_TEXT_MAX_LEN + 1]; /* contract/extra: the text; work: the subject */
	/* contract lines: the days of the month covered (-1 -1 when none: a
	 * prepaid line of a contract ended before the month); work: its entries'
	 * first and last day; extras: the item's day; adjustments: -1 -1 */
	int32_t from_day, to_day;
	int active_days, month_days;         /* daily proration: amount = price x active/month */
	/* work: */
	int64_t ticket_id;
	char ticket_number[TICKET_NUMBER_LEN + 1];
	enum billing_kind ticket_billing;
	char technicians[2 * NAME_MAX_LEN + 8]; /* "Ana Horvat, Ivo Kovač" (sorted, cut to fit) */
	int64_t seconds;                     /* real elapsed */
	int64_t rounded;                     /* after rounding and the minimum */
	int64_t included;                    /* of rounded, covered by included hours */
	int64_t billed;                      /* rounded - included (0 when free/warranty) */
	int64_t hourly;                      /* cents per hour applied to billed */
	int64_t overage_hourly;              /* when billed is overage under a contract: its rate */
	/* extra and contract: */
	int64_t quantity;                    /* thousandths */
	int64_t unit_price;                  /* cents: contract = monthly price, extra = unit */
	int32_t corrects_month;              /* adjustments */
	int64_t amount;                      /* net cents of this line (prepaid: shown only) */
	int charged;                         /* 1 when amount counts in the totals; 0 for
					      * prepaid lines and for work and extras listed
					      * at zero (free, warranty, not billable) */
	int vat;
};

/* Included support hours of one contract in the month. */
struct bill_support {
	int64_t contract_id;
	char contract_number[BILL_NUMBER_MAX_LEN + 1];
	int64_t included;                    /* seconds included */
	int64_t used;                        /* seconds of billable work set against them */
	int64_t overage;                     /* billable seconds beyond them */
};

/* Totals of one VAT rate. */
struct bill_vat_total {
	int vat;
	int64_t net, tax, gross;
};
#define BILL_VAT_RATES 4

struct bill_spec {
	int32_t month;
	int64_t client_id;
	char client_name[NAME_MAX_LEN + 1];
	char client_oib[OIB_LEN + 1];
	char client_address[ADDRESS_MAX_LEN + 1];
	struct bill_line *lines;             /* owned: contract lines, then work, extras, adjustments */
	size_t n_lines;
	struct bill_support *support;        /* owned, one per contract with included hours */
	size_t n_support;
	int64_t work_seconds;                /* all work listed, real */
	int64_t work_rounded;                /* all work listed, rounded */
	struct bill_vat_total vat[BILL_VAT_RATES]; /* 25, 13, 5, 0 in that order; zeros kept */
	int64_t net, tax, gross;
};
void bill_spec_clear(struct bill_spec *s);

/*
 * Make the specification of one client for ctx->month into *out (owned by
 * the caller, bill_spec_clear frees).  The order of lines is fixed:
 * contracts by number then lines by id; work by ticket number then rate
 * code (then contract number, billable before listed-at-zero); extras by
 * day then id; adjustments by id.  A client with nothing in the month gets a
 * specification with no lines (the caller skips it).  Returns 0, or -1 with
 * *why (may be NULL) set when an input breaks the rules (a contract failing
 * bill_contract_check, an unknown rate, no default rate for work without
 * one, an entry, extra or adjustment of another month, an entry longer than
 * BILL_WORK_SECONDS_MAX, a prepayment of a line no contract has, an amount
 * that overflows); *out is then empty (nothing to free).  *why is static or
 * one buffer per thread (see bill_contract_check).  Prepayments of other
 * months in in->prepaid are ignored.  Thread-safe.
 */
int bill_client_spec(const struct bill_context *ctx, const struct bill_client_input *in,
		     struct bill_spec *out, const char **why);

/* The totals over many specifications (the run's summary). */
struct bill_summary {
	int32_t month;
	size_t clients;                      /* specifications with at least one line */
	int64_t work_seconds, work_rounded;
	struct bill_vat_total vat[BILL_VAT_RATES];
	int64_t net, tax, gross;
};
void bill_summary_init(struct bill_summary *s, int32_t month);
/* Adds spec (when it has lines): 0, or -1 when a total would overflow (s unchanged). */
int bill_summary_add(struct bill_summary *s, const struct bill_spec *spec);

/* ---- the pieces, exported for the tests and for prepayment ---- */

/*
 * The net amount of one contract line for month: quantity x monthly price,
 * for the days of the month the contract covers (none: 0), prorated by
 * days when the contract is daily.  *from and *to (may be NULL) get the days
 * covered (-1 when none); *active (may be NULL) the count (0 when none).
 * Returns 0, or -1 on overflow (outputs untouched).
 */
int bill_line_month_amount(const struct bill_contract *c, const struct bill_contract_line *l,
			   int32_t month, int32_t *from, int32_t *to, int *active, int64_t *amount);

/*
 * Round one length by terms (increment, mode).  Exact when the increment
 * is 0; a negative length counts as 0.
 */
int64_t bill_round_seconds(const struct bill_terms *t, int64_t seconds);

/*
 * The billing period of a contract that contains month: calendar-aligned
 * (quarters start in January, April, July, October; half-years in January
 * and July; years in January), cut to the contract's first and last month.
 * Returns 0 and sets *first and *last, or -1 when the contract covers no day of
 * month (or its cycle is unknown).
 */
int bill_period(const struct bill_contract *c, int32_t month, int32_t *first, int32_t *last);

/* ---- prepayment ---- */

/* One line of a prepayment: a contract line over the period's months. */
struct bill_prepay_line {
	int64_t line_id;
	char code[BILL_CODE_MAX_LEN + 1];
	char description[BILL_TEXT_MAX_LEN + 1];
	int64_t quantity, monthly_price;
	int vat;
	int64_t amount;                      /* sum of the months' amounts */
	int64_t *month_amounts;              /* owned: one per month first..last */
};

/* What to invoice in advance for one contract's period. */
struct bill_prepay {
	int64_t contract_id;
	char contract_number[BILL_NUMBER_MAX_LEN + 1];
	int64_t client_id;
	char client_name[NAME_MAX_LEN + 1];
	char client_oib[OIB_LEN + 1];
	int32_t first, last;                 /* months of the period */
	struct bill_prepay_line *lines;      /* owned */
	size_t n_lines;
	struct bill_vat_total vat[BILL_VAT_RATES];
	int64_t net, tax, gross;
};
void bill_prepay_clear(struct bill_prepay *p);

/*
 * The prepayment of contract c due in month: when c is prepaid and one of
 * its billing periods starts in month (a calendar period's first month, or
 * the contract's own first month), *out is that period with each line's
 * amount per month (as the month-end would compute it) and returns 1;
 * returns 0 when nothing is due in month; -1 with *why (may be NULL) when c
 * fails bill_contract_check or on overflow.  On 0 and -1 *out is empty
 * (nothing to free).  client_oib is left "" (the contract does not carry it).
 * Lines are in id order.
 */
int bill_prepay_contract(const struct bill_contract *c, int32_t month, struct bill_prepay *out,
			 const char **why);

/*
 * Totals by VAT of lines (net per rate; tax on each rate's net): fills
 * vat[], net, tax, gross.  Returns 0, or -1 for a VAT rate that is not one of
 * the four or on overflow (out and the totals are then zeros).
 */
int bill_vat_totals(const int *vat, const int64_t *net, size_t n,
		    struct bill_vat_total out[BILL_VAT_RATES], int64_t *net_total, int64_t *tax_total,
		    int64_t *gross_total);

#endif
