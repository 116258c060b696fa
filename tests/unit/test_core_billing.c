/*
 * Unit tests for core/billing: the month-end specification, prepayment,
 * proration, rounding, periods, VAT and the contract check, as tables of
 * cases.  Each row is one named case with its inputs and the exact cents and
 * seconds it must give; the arithmetic is worked by hand in the comment
 * beside it (docs/billing.md quotes these rows).  Dates are written as
 * text; time entries as UTC instants whose local day is found the way the
 * store finds it (clock_local_day in Europe/Zagreb).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/billing.h"
#include "core/calendar.h"
#include "util/clock.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))
/* A row list in an initializer: the pointer, then the count (the member after it). */
#define ROWS(T, ...) ((const T[]){ __VA_ARGS__ }), N(((const T[]){ __VA_ARGS__ }))

/* The rates of every case: id, code, name, hourly cents, VAT. */
static const struct bill_rate rates[] = {
	{ 1, "remote", "Remote work", 6000, 25, 1 },  /* 60.00 / h */
	{ 2, "on_site", "On site", 8000, 25, 1 },     /* 80.00 / h */
	{ 3, "training", "Training", 5000, 13, 1 },   /* 50.00 / h */
};
#define CLIENT_ID 7

/* 15 minutes, up, per entry: the configuration's default and most contracts'. */
#define TERMS15 { .increment = 900, .mode = ROUND_UP, .per = ROUND_PER_ENTRY }

/* ---- helpers ---- */

static int32_t day_of(const char *s)
{
	int32_t d = 0;

	if (cal_date_parse(s, &d) != 0)
		fail_msg("bad date in a test row: %s", s);
	return d;
}

static int32_t month_of(const char *s)
{
	int32_t m = 0;

	if (cal_month_parse(s, &m) != 0)
		fail_msg("bad month in a test row: %s", s);
	return m;
}

/* "YYYY-MM-DD HH:MM" in UTC as an instant. */
static int64_t utc(const char *s)
{
	char date[11];
	int h, m;

	memcpy(date, s, 10);
	date[10] = '\0';
	if (strlen(s) != 16 || s[10] != ' ' || sscanf(s + 11, "%2d:%2d", &h, &m) != 2)
		fail_msg("bad instant in a test row: %s", s);
	return (int64_t)day_of(date) * 86400 + h * 3600 + m * 60;
}

static const char *date_text(int32_t day, char *buf)
{
	if (day == -1)
		return strcpy(buf, "-");
	return cal_date_format(day, buf);
}

/* ---- proration: one line's amount for a month ---- */

struct amount_case {
	const char *name;
	const char *start, *end; /* end NULL: open-ended */
	enum bill_proration proration;
	int64_t quantity, price;
	const char *month;
	int rc;
	const char *from, *to; /* NULL: none covered */
	int active;
	int64_t amount;
};

static const struct amount_case amount_cases[] = {
	/* 21 days of 30: 99.99 x 21 / 30 = 69.993 -> 69.99 */
	{ "daily from the 10th of a 30-day month", "2027-04-10", NULL, PRORATE_DAILY, 1000, 9999,
	  "2027-04", 0, "2027-04-10", "2027-04-30", 21, 6999 },
	/* 22 days of 31: 9999 x 22 / 31 = 7096.06 -> 7096 */
	{ "daily from the 10th of a 31-day month", "2027-05-10", NULL, PRORATE_DAILY, 1000, 9999,
	  "2027-05", 0, "2027-05-10", "2027-05-31", 22, 7096 },
	{ "monthly from the 10th of a 30-day month", "2027-04-10", NULL, PRORATE_MONTHLY, 1000, 9999,
	  "2027-04", 0, "2027-04-10", "2027-04-30", 21, 9999 },
	{ "monthly from the 10th of a 31-day month", "2027-05-10", NULL, PRORATE_MONTHLY, 1000, 9999,
	  "2027-05", 0, "2027-05-10", "2027-05-31", 22, 9999 },
	/* 20 days of 29: 9999 x 20 / 29 = 6895.86 -> 6896 */
	{ "daily from the 10th of February 2028 (leap)", "2028-02-10", NULL, PRORATE_DAILY, 1000,
	  9999, "2028-02", 0, "2028-02-10", "2028-02-29", 20, 6896 },
	/* 19 days of 28: 9999 x 19 / 28 = 6785.04 -> 6785 */
	{ "daily from the 10th of February 2027", "2027-02-10", NULL, PRORATE_DAILY, 1000, 9999,
	  "2027-02", 0, "2027-02-10", "2027-02-28", 19, 6785 },
	{ "daily, the whole of February 2028", "2028-01-01", NULL, PRORATE_DAILY, 1000, 9999,
	  "2028-02", 0, "2028-02-01", "2028-02-29", 29, 9999 },
	/* 14 of 28: 9999 / 2 = 4999.5 -> 5000 (a half away from zero) */
	{ "daily, ending on 14 February 2027", "2027-01-01", "2027-02-14", PRORATE_DAILY, 1000, 9999,
	  "2027-02", 0, "2027-02-01", "2027-02-14", 14, 5000 },
	/* 11 of 31: 9999 x 11 / 31 = 3548.03 -> 3548 */
	{ "daily, starting and ending in one month", "2027-05-10", "2027-05-20", PRORATE_DAILY, 1000,
	  9999, "2027-05", 0, "2027-05-10", "2027-05-20", 11, 3548 },
	{ "monthly, ending on the 1st", "2027-01-01", "2027-02-01", PRORATE_MONTHLY, 1000, 9999,
	  "2027-02", 0, "2027-02-01", "2027-02-01", 1, 9999 },
	/* 1 of 29: 100.00 / 29 = 3.448 -> 3.45 */
	{ "daily, only 29 February 2028", "2028-02-29", NULL, PRORATE_DAILY, 1000, 10000, "2028-02",
	  0, "2028-02-29", "2028-02-29", 1, 345 },
	/* 12.34 x 2.5 x 21 / 30 = 21.595 -> 21.60 */
	{ "daily, 2.5 units from the 10th of April", "2027-04-10", NULL, PRORATE_DAILY, 2500, 1234,
	  "2027-04", 0, "2027-04-10", "2027-04-30", 21, 2160 },
	/* 100.00 x 0.333 = 33.30 */
	{ "monthly, 0.333 of a unit", "2027-01-01", NULL, PRORATE_MONTHLY, 333, 10000, "2027-03", 0,
	  "2027-03-01", "2027-03-31", 31, 3330 },
	{ "the month before the start", "2027-05-10", NULL, PRORATE_DAILY, 1000, 9999, "2027-04", 0,
	  NULL, NULL, 0, 0 },
	{ "the month after the end", "2027-01-01", "2027-02-14", PRORATE_MONTHLY, 1000, 9999,
	  "2027-03", 0, NULL, NULL, 0, 0 },
	{ "an amount past int64 is refused", "2027-01-01", NULL, PRORATE_MONTHLY, 2000, INT64_MAX,
	  "2027-03", -1, NULL, NULL, 0, 0 },
	{ "a daily amount past int64 is refused", "2027-01-01", NULL, PRORATE_DAILY, INT64_MAX / 2,
	  1000, "2027-03", -1, NULL, NULL, 0, 0 },
};

static void test_line_month_amount(void **state)
{
	(void)state;
	for (size_t i = 0; i < N(amount_cases); i++) {
		const struct amount_case *c = &amount_cases[i];
		struct bill_contract k = { .number = "T", .proration = c->proration,
					   .cycle = CYCLE_MONTHLY };
		struct bill_contract_line l = { .id = 1, .quantity = c->quantity,
						.monthly_price = c->price, .vat = 25 };
		int32_t from = 99, to = 99;
		int active = 99;
		int64_t amount = 99;
		int rc;

		k.start_day = day_of(c->start);
		k.end_day = c->end ? day_of(c->end) : -1;
		rc = bill_line_month_amount(&k, &l, month_of(c->month), &from, &to, &active, &amount);
		if (rc != c->rc)
			fail_msg("%s: rc %d, want %d", c->name, rc, c->rc);
		if (rc != 0)
			continue;
		if (from != (c->from ? day_of(c->from) : -1) || to != (c->to ? day_of(c->to) : -1) ||
		    active != c->active || amount != c->amount)
			fail_msg("%s: days %d..%d active %d amount %lld, want %s..%s %d %lld", c->name,
				 from, to, active, (long long)amount, c->from ? c->from : "-",
				 c->to ? c->to : "-", c->active, (long long)c->amount);
		/* The out pointers are optional. */
		assert_int_equal(bill_line_month_amount(&k, &l, month_of(c->month), NULL, NULL, NULL,
							&amount),
				 0);
		assert_int_equal(amount, c->amount);
	}
}

/* ---- rounding one length ---- */

struct round_case {
	int64_t increment;
	enum bill_round_mode mode;
	int64_t seconds, want;
};

static const struct round_case round_cases[] = {
	{ 900, ROUND_UP, 0, 0 },          { 900, ROUND_UP, 1, 900 },
	{ 900, ROUND_UP, 420, 900 },      { 900, ROUND_UP, 899, 900 },
	{ 900, ROUND_UP, 900, 900 },      { 900, ROUND_UP, 901, 1800 },
	{ 900, ROUND_UP, 1260, 1800 },    { 900, ROUND_NEAREST, 420, 0 },
	{ 900, ROUND_NEAREST, 449, 0 },   { 900, ROUND_NEAREST, 450, 900 }, /* a half goes up */
	{ 900, ROUND_NEAREST, 1260, 900 }, { 900, ROUND_NEAREST, 1349, 900 },
	{ 900, ROUND_NEAREST, 1350, 1800 }, { 901, ROUND_NEAREST, 450, 0 }, /* 2 x 450 < 901 */
	{ 901, ROUND_NEAREST, 451, 901 }, { 0, ROUND_UP, 1234, 1234 },     /* 0: exact */
	{ 0, ROUND_NEAREST, 1, 1 },       { 1, ROUND_UP, 37, 37 },
	{ 3600, ROUND_UP, 3601, 7200 },   { 86400, ROUND_UP, 60, 86400 },
	{ 900, ROUND_UP, -5, 0 },         { 900, ROUND_NEAREST, -500, 0 },
};

static void test_round_seconds(void **state)
{
	(void)state;
	for (size_t i = 0; i < N(round_cases); i++) {
		const struct round_case *c = &round_cases[i];
		struct bill_terms t = { .increment = c->increment, .mode = c->mode };
		int64_t got = bill_round_seconds(&t, c->seconds);

		if (got != c->want)
			fail_msg("round %lld by %lld %s: %lld, want %lld", (long long)c->seconds,
				 (long long)c->increment, bill_round_mode_name(c->mode),
				 (long long)got, (long long)c->want);
	}
}

/* ---- billing periods ---- */

struct period_case {
	const char *name;
	const char *start, *end;
	enum bill_cycle cycle;
	const char *month;
	int rc;
	const char *first, *last;
};

static const struct period_case period_cases[] = {
	{ "quarter from January", "2027-01-01", NULL, CYCLE_QUARTERLY, "2027-01", 0, "2027-01", "2027-03" },
	{ "quarter, its second month", "2027-01-01", NULL, CYCLE_QUARTERLY, "2027-02", 0, "2027-01", "2027-03" },
	{ "quarter, its last month", "2027-01-01", NULL, CYCLE_QUARTERLY, "2027-03", 0, "2027-01", "2027-03" },
	{ "the second quarter", "2027-01-01", NULL, CYCLE_QUARTERLY, "2027-04", 0, "2027-04", "2027-06" },
	{ "the fourth quarter", "2027-01-01", NULL, CYCLE_QUARTERLY, "2027-12", 0, "2027-10", "2027-12" },
	{ "quarter cut at an end mid-quarter", "2027-01-01", "2027-02-14", CYCLE_QUARTERLY, "2027-01", 0, "2027-01", "2027-02" },
	{ "the ended contract's last month", "2027-01-01", "2027-02-14", CYCLE_QUARTERLY, "2027-02", 0, "2027-01", "2027-02" },
	{ "after the end: none", "2027-01-01", "2027-02-14", CYCLE_QUARTERLY, "2027-03", -1, NULL, NULL },
	{ "quarter cut at a start mid-quarter", "2027-02-10", NULL, CYCLE_QUARTERLY, "2027-02", 0, "2027-02", "2027-03" },
	{ "before the start: none", "2027-02-10", NULL, CYCLE_QUARTERLY, "2027-01", -1, NULL, NULL },
	{ "the next whole quarter", "2027-02-10", NULL, CYCLE_QUARTERLY, "2027-04", 0, "2027-04", "2027-06" },
	{ "half-year cut at the start", "2026-11-15", NULL, CYCLE_HALF_YEARLY, "2026-11", 0, "2026-11", "2026-12" },
	{ "the first half-year", "2026-11-15", NULL, CYCLE_HALF_YEARLY, "2027-03", 0, "2027-01", "2027-06" },
	{ "the second half-year", "2026-11-15", NULL, CYCLE_HALF_YEARLY, "2027-07", 0, "2027-07", "2027-12" },
	{ "year cut at the start", "2026-07-01", "2028-03-31", CYCLE_YEARLY, "2026-09", 0, "2026-07", "2026-12" },
	{ "a whole year", "2026-07-01", "2028-03-31", CYCLE_YEARLY, "2027-05", 0, "2027-01", "2027-12" },
	{ "year cut at the end", "2026-07-01", "2028-03-31", CYCLE_YEARLY, "2028-02", 0, "2028-01", "2028-03" },
	{ "monthly", "2027-01-01", NULL, CYCLE_MONTHLY, "2027-05", 0, "2027-05", "2027-05" },
};

static void test_period(void **state)
{
	(void)state;
	for (size_t i = 0; i < N(period_cases); i++) {
		const struct period_case *c = &period_cases[i];
		struct bill_contract k = { .number = "T", .cycle = c->cycle };
		int32_t first = 99, last = 99;
		char a[8], b[8];
		int rc;

		k.start_day = day_of(c->start);
		k.end_day = c->end ? day_of(c->end) : -1;
		rc = bill_period(&k, month_of(c->month), &first, &last);
		if (rc != c->rc)
			fail_msg("%s: rc %d, want %d", c->name, rc, c->rc);
		if (rc == 0 && (first != month_of(c->first) || last != month_of(c->last)))
			fail_msg("%s: %s..%s, want %s..%s", c->name, cal_month_format(first, a),
				 cal_month_format(last, b), c->first, c->last);
	}
}

/* ---- the contract check ---- */

static void m_none(struct bill_contract *c) { (void)c; }
static void m_open_no_lines(struct bill_contract *c) { c->end_day = -1; c->n_lines = 0; }
static void m_number(struct bill_contract *c) { c->number[0] = '\0'; }
static void m_end_before(struct bill_contract *c) { c->end_day = c->start_day - 1; }
static void m_end_same(struct bill_contract *c) { c->end_day = c->start_day; }
static void m_start_1899(struct bill_contract *c) { c->start_day = cal_day(1899, 12, 31); }
static void m_end_10000(struct bill_contract *c) { c->end_day = cal_day(10000, 1, 1); }
static void m_proration(struct bill_contract *c) { c->proration = (enum bill_proration)7; }
static void m_cycle(struct bill_contract *c) { c->cycle = (enum bill_cycle)2; }
static void m_prepaid(struct bill_contract *c) { c->prepaid = 2; }
static void m_inc_big(struct bill_contract *c) { c->terms.increment = 86401; }
static void m_inc_neg(struct bill_contract *c) { c->terms.increment = -1; }
static void m_inc_day(struct bill_contract *c) { c->terms.increment = 86400; }
static void m_mode(struct bill_contract *c) { c->terms.mode = (enum bill_round_mode)5; }
static void m_per(struct bill_contract *c) { c->terms.per = (enum bill_round_per)5; }
static void m_minimum(struct bill_contract *c) { c->terms.minimum = 86401; }
static void m_incl_max(struct bill_contract *c) { c->terms.included = 744 * 3600; }
static void m_incl_big(struct bill_contract *c) { c->terms.included = 744 * 3600 + 1; }
static void m_overage(struct bill_contract *c) { c->terms.overage_hourly = -1; }
static void m_qty_zero(struct bill_contract *c) { c->lines[1].quantity = 0; }
static void m_qty_max(struct bill_contract *c) { c->lines[0].quantity = BILL_QTY_MAX; }
static void m_qty_big(struct bill_contract *c) { c->lines[0].quantity = BILL_QTY_MAX + 1; }
static void m_price_neg(struct bill_contract *c) { c->lines[1].monthly_price = -1; }
static void m_price_max(struct bill_contract *c) { c->lines[1].monthly_price = BILL_PRICE_MAX; }
static void m_price_big(struct bill_contract *c) { c->lines[1].monthly_price = BILL_PRICE_MAX + 1; }
static void m_vat(struct bill_contract *c) { c->lines[1].vat = 22; }
static void m_many_lines(struct bill_contract *c) { c->n_lines = BILL_LINES_MAX + 1; }

struct check_case {
	const char *name;
	void (*mutate)(struct bill_contract *c);
	const char *why; /* NULL: valid */
};

static const struct check_case check_cases[] = {
	{ "valid", m_none, NULL },
	{ "valid, open-ended, no lines", m_open_no_lines, NULL },
	{ "no number", m_number, "number: empty" },
	{ "end before start", m_end_before, "end_day: before start_day" },
	{ "one day", m_end_same, NULL },
	{ "start before 1900", m_start_1899, "start_day: not a date in 1900..9999" },
	{ "end after 9999", m_end_10000, "end_day: not a date in 1900..9999" },
	{ "unknown proration", m_proration, "proration: not monthly or daily" },
	{ "two-monthly cycle", m_cycle, "cycle: not monthly, quarterly, half_yearly or yearly" },
	{ "prepaid 2", m_prepaid, "prepaid: not 0 or 1" },
	{ "increment over a day", m_inc_big, "terms.increment: not 0 to 86400 seconds" },
	{ "negative increment", m_inc_neg, "terms.increment: not 0 to 86400 seconds" },
	{ "increment of a day", m_inc_day, NULL },
	{ "unknown rounding", m_mode, "terms.mode: not up or nearest" },
	{ "unknown per", m_per, "terms.per: not entry or ticket" },
	{ "minimum over a day", m_minimum, "terms.minimum: not 0 to 86400 seconds" },
	{ "744 hours included", m_incl_max, NULL },
	{ "over 744 hours included", m_incl_big, "terms.included: not 0 to 744 hours" },
	{ "negative overage rate", m_overage, "terms.overage_hourly: not 0 to 100,000,000.00" },
	{ "a line of quantity 0", m_qty_zero, "lines[1].quantity: not above 0 and at most 1,000,000" },
	{ "the largest quantity", m_qty_max, NULL },
	{ "too large a quantity", m_qty_big, "lines[0].quantity: not above 0 and at most 1,000,000" },
	{ "a negative price", m_price_neg, "lines[1].monthly_price: not 0 to 100,000,000.00" },
	{ "the largest price", m_price_max, NULL },
	{ "too large a price", m_price_big, "lines[1].monthly_price: not 0 to 100,000,000.00" },
	{ "a VAT of 22 %", m_vat, "lines[1].vat: not a VAT rate (25, 13, 5 or 0)" },
	{ "101 lines", m_many_lines, "lines: more than 100" },
};

static void test_contract_check(void **state)
{
	static struct bill_contract_line lines[BILL_LINES_MAX + 1];

	(void)state;
	for (size_t i = 0; i < N(check_cases); i++) {
		const struct check_case *c = &check_cases[i];
		struct bill_contract k = {
			.id = 1, .client_id = CLIENT_ID, .number = "UG-2027-014",
			.proration = PRORATE_DAILY, .cycle = CYCLE_QUARTERLY, .prepaid = 1,
			.terms = { 900, ROUND_UP, ROUND_PER_ENTRY, 3600, 36000, 9000 },
			.lines = lines, .n_lines = 2,
		};
		const char *why = "untouched";
		int rc;

		for (size_t j = 0; j < N(lines); j++)
			lines[j] = (struct bill_contract_line){ .id = (int64_t)j + 1, .quantity = 1000,
								.monthly_price = 10000, .vat = 25 };
		lines[1].vat = 0;
		k.start_day = day_of("2027-01-01");
		k.end_day = day_of("2027-12-31");
		c->mutate(&k);
		rc = bill_contract_check(&k, &why);
		if (!c->why && rc != 0)
			fail_msg("%s: refused (%s)", c->name, why);
		if (c->why && (rc != -1 || strcmp(why, c->why) != 0))
			fail_msg("%s: rc %d \"%s\", want \"%s\"", c->name, rc, why, c->why);
		if (!c->why)
			assert_string_equal(why, "untouched");
	}
	/* why may be NULL. */
	{
		struct bill_contract k = { .number = "", .cycle = CYCLE_MONTHLY };

		assert_int_equal(bill_contract_check(&k, NULL), -1);
	}
}

/* ---- VAT totals ---- */

struct vat_case {
	const char *name;
	int vat[4];
	int64_t net[4];
	size_t n;
	int rc;
	int64_t vnet[4], vtax[4]; /* 25 13 5 0 */
	int64_t total_net, total_tax, total_gross;
};

static const struct vat_case vat_cases[] = {
	/* 0.03 x 25 % = 0.0075 -> 0.01; per line it would be 0.00 + 0.00 + 0.00 */
	{ "three 0.01 at 25 %", { 25, 25, 25 }, { 1, 1, 1 }, 3, 0, { 3, 0, 0, 0 }, { 1, 0, 0, 0 }, 3, 1, 4 },
	/* 20.02 x 25 % = 5.005 -> 5.01 */
	{ "a half cent of VAT goes up", { 25, 25 }, { 1999, 3 }, 2, 0, { 2002, 0, 0, 0 }, { 501, 0, 0, 0 }, 2002, 501, 2503 },
	/* 37.50 x 13 % = 4.875 -> 4.88; 10.01 x 5 % = 0.5005 -> 0.50 */
	{ "13 % and 5 % and 0 %", { 13, 5, 0 }, { 3750, 1001, 777 }, 3, 0, { 0, 3750, 1001, 777 }, { 0, 488, 50, 0 }, 5528, 538, 6066 },
	/* -0.03 x 25 % = -0.0075 -> -0.01 (away from zero) */
	{ "a credit", { 25 }, { -3 }, 1, 0, { -3, 0, 0, 0 }, { -1, 0, 0, 0 }, -3, -1, -4 },
	{ "nothing", { 0 }, { 0 }, 0, 0, { 0, 0, 0, 0 }, { 0, 0, 0, 0 }, 0, 0, 0 },
	{ "a VAT of 22 %", { 25, 22 }, { 100, 100 }, 2, -1, { 0 }, { 0 }, 0, 0, 0 },
	{ "a sum past int64", { 0, 0 }, { INT64_MAX, 1 }, 2, -1, { 0 }, { 0 }, 0, 0, 0 },
	{ "a gross past int64", { 25 }, { INT64_MAX - 10 }, 1, -1, { 0 }, { 0 }, 0, 0, 0 },
};

static void test_vat_totals(void **state)
{
	static const int order[4] = { 25, 13, 5, 0 };

	(void)state;
	for (size_t i = 0; i < N(vat_cases); i++) {
		const struct vat_case *c = &vat_cases[i];
		struct bill_vat_total t[BILL_VAT_RATES];
		int64_t net = 99, tax = 99, gross = 99;
		int rc = bill_vat_totals(c->vat, c->net, c->n, t, &net, &tax, &gross);

		if (rc != c->rc)
			fail_msg("%s: rc %d, want %d", c->name, rc, c->rc);
		for (int k = 0; k < 4; k++) {
			assert_int_equal(t[k].vat, order[k]);
			if (t[k].net != c->vnet[k] || t[k].tax != c->vtax[k] ||
			    t[k].gross != c->vnet[k] + c->vtax[k])
				fail_msg("%s: %d %%: %lld %lld %lld", c->name, order[k],
					 (long long)t[k].net, (long long)t[k].tax,
					 (long long)t[k].gross);
		}
		if (net != c->total_net || tax != c->total_tax || gross != c->total_gross)
			fail_msg("%s: totals %lld %lld %lld", c->name, (long long)net, (long long)tax,
				 (long long)gross);
	}
}

/* ---- the month-end specification ---- */

struct t_line {
	int64_t id;
	const char *code;
	int64_t quantity, price;
	int vat;
};

struct t_contract {
	int64_t id;
	const char *number, *start, *end; /* end NULL: open-ended */
	enum bill_proration proration;
	enum bill_cycle cycle;            /* 0: monthly */
	int prepaid;
	struct bill_terms terms;
	const struct t_line *lines;
	size_t n_lines;
};

struct t_work {
	int64_t entry, ticket;
	const char *number;
	enum billing_kind billing;
	int unbillable;                   /* the entry's own flag, inverted so 0 is the usual */
	const char *user;                 /* NULL: "Ana Horvat" */
	int64_t rate;                     /* 0: the default (remote) */
	const char *start, *end;          /* UTC; end NULL: seconds */
	int64_t seconds;
};

struct t_extra {
	int64_t id, ticket;
	const char *number;
	enum billing_kind billing;
	const char *description;
	int64_t quantity, price;
	int vat;
	const char *day;
};

struct t_prepaid {
	int64_t contract, line;
	const char *month;
	int64_t amount;
};

struct t_adjustment {
	int64_t id;
	const char *corrects, *description;
	int64_t amount;
	int vat;
};

struct want_line {
	enum bill_line_kind kind;
	const char *contract, *code, *ticket;  /* NULL: "" */
	int64_t source;
	const char *from, *to;                 /* compared when set ("-" for none) */
	int active, mdays;
	int64_t quantity, unit_price;
	int64_t seconds, rounded, included, billed, hourly, overage;
	int64_t amount;
	int charged, vat;
	const char *technicians;               /* compared when set */
};

struct want_support {
	const char *contract;
	int64_t included, used, overage;
};

struct spec_case {
	const char *name;
	const char *month;
	const struct bill_terms *defaults;     /* NULL: TERMS15 */
	int no_default_rate;
	const struct t_contract *contracts;
	size_t n_contracts;
	const struct bill_rate_override *overrides;
	size_t n_overrides;
	const struct t_work *work;
	size_t n_work;
	const struct t_extra *extras;
	size_t n_extras;
	const struct t_prepaid *prepaid;
	size_t n_prepaid;
	const struct t_adjustment *adjustments;
	size_t n_adjustments;
	const char *why;                       /* set: the run must fail with this */
	const struct want_line *lines;
	size_t n_lines;
	const struct want_support *support;
	size_t n_support;
	int64_t vnet[4], vtax[4];              /* 25 13 5 0 */
	int64_t net, tax, gross;
	int64_t work_seconds, work_rounded;
};

#define T1 "2027-000001"
#define T2 "2027-000002"

static const struct spec_case spec_cases[] = {
	{
		.name = "a client with nothing in the month gets no lines",
		.month = "2027-05",
		.contracts = ROWS(struct t_contract,
			{ 1, "UG-OLD", "2027-01-01", "2027-04-30", .lines = ROWS(struct t_line, { 11, "support", 1000, 10000, 25 }) },
			{ 2, "UG-NEW", "2027-06-01", NULL, .terms = { .included = 36000 }, .lines = ROWS(struct t_line, { 12, "support", 1000, 10000, 25 }) }),
	},
	{
		/* 99.99 x 21/30 = 69.993 -> 69.99; 12.34 x 2.5 x 21/30 = 21.595 -> 21.60;
		 * net 91.59, VAT 25 % = 22.8975 -> 22.90, gross 114.49 */
		.name = "daily contract from the 10th of a 30-day month",
		.month = "2027-04",
		.contracts = ROWS(struct t_contract,
			{ 1, "UG-1", "2027-04-10", NULL, PRORATE_DAILY, .lines = ROWS(struct t_line,
				{ 11, "support", 1000, 9999, 25 }, { 12, "backup", 2500, 1234, 25 }) }),
		.lines = ROWS(struct want_line,
			{ LINE_CONTRACT, "UG-1", "support", NULL, 11, "2027-04-10", "2027-04-30", 21, 30, 1000, 9999, .amount = 6999, .charged = 1, .vat = 25 },
			{ LINE_CONTRACT, "UG-1", "backup", NULL, 12, "2027-04-10", "2027-04-30", 21, 30, 2500, 1234, .amount = 2160, .charged = 1, .vat = 25 }),
		.vnet = { 9159 }, .vtax = { 2290 }, .net = 9159, .tax = 2290, .gross = 11449,
	},
	{
		/* 9999 x 22/31 = 7096.06 -> 7096; 1234 x 2.5 x 22/31 = 2189.35 -> 2189;
		 * net 92.85, VAT 23.2125 -> 23.21, gross 116.06 */
		.name = "daily contract from the 10th of a 31-day month",
		.month = "2027-05",
		.contracts = ROWS(struct t_contract,
			{ 1, "UG-1", "2027-05-10", NULL, PRORATE_DAILY, .lines = ROWS(struct t_line,
				{ 11, "support", 1000, 9999, 25 }, { 12, "backup", 2500, 1234, 25 }) }),
		.lines = ROWS(struct want_line,
			{ LINE_CONTRACT, "UG-1", "support", NULL, 11, "2027-05-10", "2027-05-31", 22, 31, 1000, 9999, .amount = 7096, .charged = 1, .vat = 25 },
			{ LINE_CONTRACT, "UG-1", "backup", NULL, 12, "2027-05-10", "2027-05-31", 22, 31, 2500, 1234, .amount = 2189, .charged = 1, .vat = 25 }),
		.vnet = { 9285 }, .vtax = { 2321 }, .net = 9285, .tax = 2321, .gross = 11606,
	},
	{
		/* whole months: 99.99 + 12.34 x 2.5 = 99.99 + 30.85 = 130.84; VAT 32.71 */
		.name = "monthly contract from the 10th of a 30-day month",
		.month = "2027-04",
		.contracts = ROWS(struct t_contract,
			{ 1, "UG-1", "2027-04-10", NULL, PRORATE_MONTHLY, .lines = ROWS(struct t_line,
				{ 11, "support", 1000, 9999, 25 }, { 12, "backup", 2500, 1234, 25 }) }),
		.lines = ROWS(struct want_line,
			{ LINE_CONTRACT, "UG-1", "support", NULL, 11, "2027-04-10", "2027-04-30", 21, 30, 1000, 9999, .amount = 9999, .charged = 1, .vat = 25 },
			{ LINE_CONTRACT, "UG-1", "backup", NULL, 12, "2027-04-10", "2027-04-30", 21, 30, 2500, 1234, .amount = 3085, .charged = 1, .vat = 25 }),
		.vnet = { 13084 }, .vtax = { 3271 }, .net = 13084, .tax = 3271, .gross = 16355,
	},
	{
		.name = "monthly contract from the 10th of a 31-day month",
		.month = "2027-05",
		.contracts = ROWS(struct t_contract,
			{ 1, "UG-1", "2027-05-10", NULL, PRORATE_MONTHLY, .lines = ROWS(struct t_line,
				{ 11, "support", 1000, 9999, 25 }, { 12, "backup", 2500, 1234, 25 }) }),
		.lines = ROWS(struct want_line,
			{ LINE_CONTRACT, "UG-1", "support", NULL, 11, "2027-05-10", "2027-05-31", 22, 31, 1000, 9999, .amount = 9999, .charged = 1, .vat = 25 },
			{ LINE_CONTRACT, "UG-1", "backup", NULL, 12, "2027-05-10", "2027-05-31", 22, 31, 2500, 1234, .amount = 3085, .charged = 1, .vat = 25 }),
		.vnet = { 13084 }, .vtax = { 3271 }, .net = 13084, .tax = 3271, .gross = 16355,
	},
	{
		/* 20 of 29 days: 9999 x 20/29 = 6895.86 -> 68.96; VAT 17.24; gross 86.20 */
		.name = "daily contract from the 10th of February 2028 (leap year)",
		.month = "2028-02",
		.contracts = ROWS(struct t_contract,
			{ 1, "UG-1", "2028-02-10", NULL, PRORATE_DAILY, .lines = ROWS(struct t_line, { 11, "support", 1000, 9999, 25 }) }),
		.lines = ROWS(struct want_line,
			{ LINE_CONTRACT, "UG-1", "support", NULL, 11, "2028-02-10", "2028-02-29", 20, 29, 1000, 9999, .amount = 6896, .charged = 1, .vat = 25 }),
		.vnet = { 6896 }, .vtax = { 1724 }, .net = 6896, .tax = 1724, .gross = 8620,
	},
	{
		/* 19 of 28 days: 9999 x 19/28 = 6785.04 -> 67.85; VAT 16.9625 -> 16.96 */
		.name = "daily contract from the 10th of February 2027",
		.month = "2027-02",
		.contracts = ROWS(struct t_contract,
			{ 1, "UG-1", "2027-02-10", NULL, PRORATE_DAILY, .lines = ROWS(struct t_line, { 11, "support", 1000, 9999, 25 }) }),
		.lines = ROWS(struct want_line,
			{ LINE_CONTRACT, "UG-1", "support", NULL, 11, "2027-02-10", "2027-02-28", 19, 28, 1000, 9999, .amount = 6785, .charged = 1, .vat = 25 }),
		.vnet = { 6785 }, .vtax = { 1696 }, .net = 6785, .tax = 1696, .gross = 8481,
	},
	{
		/* 2027-01-31 22:50 UTC is 23:50 CET on 31 January: January's.
		 * 30 min at 60.00 = 30.00; VAT 7.50 */
		.name = "an entry at 23:50 on the last day of the month belongs to it",
		.month = "2027-01",
		.work = ROWS(struct t_work, { 1, 101, T1, .start = "2027-01-31 22:50", .seconds = 1800 }),
		.lines = ROWS(struct want_line,
			{ LINE_WORK, NULL, "remote", T1, 0, "2027-01-31", "2027-01-31", .seconds = 1800, .rounded = 1800, .billed = 1800, .hourly = 6000, .amount = 3000, .charged = 1, .vat = 25 }),
		.vnet = { 3000 }, .vtax = { 750 }, .net = 3000, .tax = 750, .gross = 3750,
		.work_seconds = 1800, .work_rounded = 1800,
	},
	{
		/* 2027-01-31 23:10 UTC is 00:10 CET on 1 February: not January's */
		.name = "an entry at 00:10 on the 1st is not the month before's",
		.month = "2027-01",
		.work = ROWS(struct t_work, { 1, 101, T1, .start = "2027-01-31 23:10", .seconds = 1800 }),
		.why = "work: an entry that did not start in the month",
	},
	{
		.name = "an entry at 00:10 on the 1st belongs to that month",
		.month = "2027-02",
		.work = ROWS(struct t_work, { 1, 101, T1, .start = "2027-01-31 23:10", .seconds = 1800 }),
		.lines = ROWS(struct want_line,
			{ LINE_WORK, NULL, "remote", T1, 0, "2027-02-01", "2027-02-01", .seconds = 1800, .rounded = 1800, .billed = 1800, .hourly = 6000, .amount = 3000, .charged = 1, .vat = 25 }),
		.vnet = { 3000 }, .vtax = { 750 }, .net = 3000, .tax = 750, .gross = 3750,
		.work_seconds = 1800, .work_rounded = 1800,
	},
	{
		/* summer time: 2027-06-30 22:10 UTC is 00:10 CEST on 1 July */
		.name = "an entry at 00:10 CEST on 1 July belongs to July",
		.month = "2027-07",
		.work = ROWS(struct t_work, { 1, 101, T1, .start = "2027-06-30 22:10", .seconds = 900 }),
		.lines = ROWS(struct want_line,
			{ LINE_WORK, NULL, "remote", T1, 0, "2027-07-01", "2027-07-01", .seconds = 900, .rounded = 900, .billed = 900, .hourly = 6000, .amount = 1500, .charged = 1, .vat = 25 }),
		.vnet = { 1500 }, .vtax = { 375 }, .net = 1500, .tax = 375, .gross = 1875,
		.work_seconds = 900, .work_rounded = 900,
	},
	{
		/* 28 March 2027 has 23 hours: 01:30 CET (00:30 UTC) to 04:30 CEST
		 * (02:30 UTC) is 3 hours on the wall clock, 2 real: 7200 s, 120.00 */
		.name = "the 23-hour day of 28 March 2027 counts real seconds",
		.month = "2027-03",
		.work = ROWS(struct t_work, { 1, 101, T1, .start = "2027-03-28 00:30", .end = "2027-03-28 02:30" }),
		.lines = ROWS(struct want_line,
			{ LINE_WORK, NULL, "remote", T1, 0, "2027-03-28", "2027-03-28", .seconds = 7200, .rounded = 7200, .billed = 7200, .hourly = 6000, .amount = 12000, .charged = 1, .vat = 25 }),
		.vnet = { 12000 }, .vtax = { 3000 }, .net = 12000, .tax = 3000, .gross = 15000,
		.work_seconds = 7200, .work_rounded = 7200,
	},
	{
		/* 31 October 2027 has 25 hours.  T1: 23:00 CEST on the 30th (21:00 UTC)
		 * to 07:00 CET on the 31st (06:00 UTC): 8 wall hours, 9 real = 32400 s
		 * = 540.00.  T2: 00:30 CEST on the 31st (22:30 UTC on the 30th) to
		 * 06:30 CET (05:30 UTC): 6 wall hours, 7 real = 25200 s = 420.00, and
		 * its day is the 31st although its UTC date is the 30th. */
		.name = "the 25-hour day of 31 October 2027 counts real seconds",
		.month = "2027-10",
		.work = ROWS(struct t_work,
			{ 2, 102, T2, .start = "2027-10-30 22:30", .end = "2027-10-31 05:30" },
			{ 1, 101, T1, .start = "2027-10-30 21:00", .end = "2027-10-31 06:00" }),
		.lines = ROWS(struct want_line,
			{ LINE_WORK, NULL, "remote", T1, 0, "2027-10-30", "2027-10-30", .seconds = 32400, .rounded = 32400, .billed = 32400, .hourly = 6000, .amount = 54000, .charged = 1, .vat = 25 },
			{ LINE_WORK, NULL, "remote", T2, 0, "2027-10-31", "2027-10-31", .seconds = 25200, .rounded = 25200, .billed = 25200, .hourly = 6000, .amount = 42000, .charged = 1, .vat = 25 }),
		.vnet = { 96000 }, .vtax = { 24000 }, .net = 96000, .tax = 24000, .gross = 120000,
		.work_seconds = 57600, .work_rounded = 57600,
	},
	{
		/* 3 x 7 min, each up to 15: 45 min = 2700 s; 45.00; VAT 11.25 */
		.name = "rounding per entry, up: 3 x 7 min is 45 min",
		.month = "2027-05",
		.defaults = &(const struct bill_terms){ 900, ROUND_UP, ROUND_PER_ENTRY },
		.work = ROWS(struct t_work,
			{ 1, 101, T1, .start = "2027-05-03 08:00", .seconds = 420 },
			{ 2, 101, T1, .start = "2027-05-04 08:00", .seconds = 420 },
			{ 3, 101, T1, .start = "2027-05-05 08:00", .seconds = 420 }),
		.lines = ROWS(struct want_line,
			{ LINE_WORK, NULL, "remote", T1, 0, "2027-05-03", "2027-05-05", .seconds = 1260, .rounded = 2700, .billed = 2700, .hourly = 6000, .amount = 4500, .charged = 1, .vat = 25 }),
		.vnet = { 4500 }, .vtax = { 1125 }, .net = 4500, .tax = 1125, .gross = 5625,
		.work_seconds = 1260, .work_rounded = 2700,
	},
	{
		/* 21 min once, up to 30 min = 1800 s: 30.00; VAT 7.50 */
		.name = "rounding per ticket, up: 3 x 7 min is 30 min",
		.month = "2027-05",
		.defaults = &(const struct bill_terms){ 900, ROUND_UP, ROUND_PER_TICKET },
		.work = ROWS(struct t_work,
			{ 1, 101, T1, .start = "2027-05-03 08:00", .seconds = 420 },
			{ 2, 101, T1, .start = "2027-05-04 08:00", .seconds = 420 },
			{ 3, 101, T1, .start = "2027-05-05 08:00", .seconds = 420 }),
		.lines = ROWS(struct want_line,
			{ LINE_WORK, NULL, "remote", T1, 0, .seconds = 1260, .rounded = 1800, .billed = 1800, .hourly = 6000, .amount = 3000, .charged = 1, .vat = 25 }),
		.vnet = { 3000 }, .vtax = { 750 }, .net = 3000, .tax = 750, .gross = 3750,
		.work_seconds = 1260, .work_rounded = 1800,
	},
	{
		/* 7 min is under half of 15: each rounds to 0 */
		.name = "rounding per entry, nearest: 3 x 7 min is 0",
		.month = "2027-05",
		.defaults = &(const struct bill_terms){ 900, ROUND_NEAREST, ROUND_PER_ENTRY },
		.work = ROWS(struct t_work,
			{ 1, 101, T1, .start = "2027-05-03 08:00", .seconds = 420 },
			{ 2, 101, T1, .start = "2027-05-04 08:00", .seconds = 420 },
			{ 3, 101, T1, .start = "2027-05-05 08:00", .seconds = 420 }),
		.lines = ROWS(struct want_line,
			{ LINE_WORK, NULL, "remote", T1, 0, .seconds = 1260, .rounded = 0, .billed = 0, .hourly = 6000, .amount = 0, .charged = 1, .vat = 25 }),
		.work_seconds = 1260, .work_rounded = 0,
	},
	{
		/* 21 min = 15 + 6, 6 < 7.5: down to 15 min = 900 s: 15.00; VAT 3.75 */
		.name = "rounding per ticket, nearest: 3 x 7 min is 15 min",
		.month = "2027-05",
		.defaults = &(const struct bill_terms){ 900, ROUND_NEAREST, ROUND_PER_TICKET },
		.work = ROWS(struct t_work,
			{ 1, 101, T1, .start = "2027-05-03 08:00", .seconds = 420 },
			{ 2, 101, T1, .start = "2027-05-04 08:00", .seconds = 420 },
			{ 3, 101, T1, .start = "2027-05-05 08:00", .seconds = 420 }),
		.lines = ROWS(struct want_line,
			{ LINE_WORK, NULL, "remote", T1, 0, .seconds = 1260, .rounded = 900, .billed = 900, .hourly = 6000, .amount = 1500, .charged = 1, .vat = 25 }),
		.vnet = { 1500 }, .vtax = { 375 }, .net = 1500, .tax = 375, .gross = 1875,
		.work_seconds = 1260, .work_rounded = 900,
	},
	{
		/* 7:30 is a half: up to 15 min; 7:29 down to 0; 15 min = 15.00 */
		.name = "rounding to nearest: a half goes up",
		.month = "2027-05",
		.defaults = &(const struct bill_terms){ 900, ROUND_NEAREST, ROUND_PER_ENTRY },
		.work = ROWS(struct t_work,
			{ 1, 101, T1, .start = "2027-05-03 08:00", .seconds = 450 },
			{ 2, 101, T1, .start = "2027-05-04 08:00", .seconds = 449 }),
		.lines = ROWS(struct want_line,
			{ LINE_WORK, NULL, "remote", T1, 0, .seconds = 899, .rounded = 900, .billed = 900, .hourly = 6000, .amount = 1500, .charged = 1, .vat = 25 }),
		.vnet = { 1500 }, .vtax = { 375 }, .net = 1500, .tax = 375, .gross = 1875,
		.work_seconds = 899, .work_rounded = 900,
	},
	{
		/* exact seconds: 1000 s x 60.00 / 3600 = 16.667 -> 16.67; VAT 4.1675 -> 4.17 */
		.name = "increment 0 bills the exact seconds",
		.month = "2027-05",
		.defaults = &(const struct bill_terms){ 0, ROUND_UP, ROUND_PER_ENTRY },
		.work = ROWS(struct t_work, { 1, 101, T1, .start = "2027-05-03 08:00", .seconds = 1000 }),
		.lines = ROWS(struct want_line,
			{ LINE_WORK, NULL, "remote", T1, 0, .seconds = 1000, .rounded = 1000, .billed = 1000, .hourly = 6000, .amount = 1667, .charged = 1, .vat = 25 }),
		.vnet = { 1667 }, .vtax = { 417 }, .net = 1667, .tax = 417, .gross = 2084,
		.work_seconds = 1000, .work_rounded = 1000,
	},
	{
		/* minimum 1 h per ticket and rate: 2027-000020 on site 5 min -> 15 ->
		 * 60 min = 80.00; remote 10 min -> 15 -> 60 = 60.00; 2027-000021
		 * 2 x 40 min -> 2 x 45 = 90 min (over the minimum) = 90.00; the free
		 * 2027-000022 10 min -> 15, no minimum, 0.00; 2027-000023 0 s: no
		 * time, no minimum.  Net 230.00, VAT 57.50.  Seconds 300 + 600 + 4800
		 * + 600 + 0 = 6300; rounded 3600 + 3600 + 5400 + 900 + 0 = 13500. */
		.name = "minimum per ticket",
		.month = "2027-05",
		.defaults = &(const struct bill_terms){ 900, ROUND_UP, ROUND_PER_ENTRY, 3600 },
		.work = ROWS(struct t_work,
			{ 1, 120, "2027-000020", .rate = 1, .start = "2027-05-03 08:00", .seconds = 600 },
			{ 2, 120, "2027-000020", .rate = 2, .start = "2027-05-03 09:00", .seconds = 300 },
			{ 3, 121, "2027-000021", .start = "2027-05-04 08:00", .seconds = 2400 },
			{ 4, 121, "2027-000021", .start = "2027-05-05 08:00", .seconds = 2400 },
			{ 5, 122, "2027-000022", BILLING_FREE, .start = "2027-05-05 08:00", .seconds = 600 },
			{ 6, 123, "2027-000023", .start = "2027-05-06 08:00", .seconds = 0 }),
		.lines = ROWS(struct want_line,
			{ LINE_WORK, NULL, "on_site", "2027-000020", .seconds = 300, .rounded = 3600, .billed = 3600, .hourly = 8000, .amount = 8000, .charged = 1, .vat = 25 },
			{ LINE_WORK, NULL, "remote", "2027-000020", .seconds = 600, .rounded = 3600, .billed = 3600, .hourly = 6000, .amount = 6000, .charged = 1, .vat = 25 },
			{ LINE_WORK, NULL, "remote", "2027-000021", .seconds = 4800, .rounded = 5400, .billed = 5400, .hourly = 6000, .amount = 9000, .charged = 1, .vat = 25 },
			{ LINE_WORK, NULL, "remote", "2027-000022", .seconds = 600, .rounded = 900, .billed = 0, .hourly = 6000, .amount = 0, .charged = 0, .vat = 25 },
			{ LINE_WORK, NULL, "remote", "2027-000023", .seconds = 0, .rounded = 0, .billed = 0, .hourly = 6000, .amount = 0, .charged = 1, .vat = 25 }),
		.vnet = { 23000 }, .vtax = { 5750 }, .net = 23000, .tax = 5750, .gross = 28750,
		.work_seconds = 6300, .work_rounded = 13500,
	},
	{
		/* 2 h included, 1 h remote + 1 h on site: all included, 0.00 each;
		 * the contract's line 500.00, VAT 125.00 */
		.name = "included hours exactly used up",
		.month = "2027-05",
		.contracts = ROWS(struct t_contract,
			{ 21, "UG-S", "2027-01-01", NULL, .terms = { 900, ROUND_UP, ROUND_PER_ENTRY, 0, 7200, 9000 },
			  .lines = ROWS(struct t_line, { 22, "support", 1000, 50000, 25 }) }),
		.work = ROWS(struct t_work,
			{ 1, 101, T1, .rate = 1, .start = "2027-05-03 08:00", .seconds = 3600 },
			{ 2, 102, T2, .rate = 2, .start = "2027-05-04 08:00", .seconds = 3600 }),
		.lines = ROWS(struct want_line,
			{ LINE_CONTRACT, "UG-S", "support", NULL, 22, "2027-05-01", "2027-05-31", 31, 31, 1000, 50000, .amount = 50000, .charged = 1, .vat = 25 },
			{ LINE_WORK, "UG-S", "remote", T1, .seconds = 3600, .rounded = 3600, .included = 3600, .billed = 0, .hourly = 6000, .amount = 0, .charged = 1, .vat = 25 },
			{ LINE_WORK, "UG-S", "on_site", T2, .seconds = 3600, .rounded = 3600, .included = 3600, .billed = 0, .hourly = 8000, .amount = 0, .charged = 1, .vat = 25 }),
		.support = ROWS(struct want_support, { "UG-S", 7200, 7200, 0 }),
		.vnet = { 50000 }, .vtax = { 12500 }, .net = 50000, .tax = 12500, .gross = 62500,
		.work_seconds = 7200, .work_rounded = 7200,
	},
	{
		/* 2 h included.  The warranty ticket 2027-000000 comes first and uses
		 * none of them.  T1 1 h: included.  T2 1.5 h on site: 1 h included,
		 * 0.5 h over at the overage rate 90.00: 45.00.  Net 500.00 + 45.00 =
		 * 545.00, VAT 136.25 */
		.name = "included hours exceeded, at the overage rate",
		.month = "2027-05",
		.contracts = ROWS(struct t_contract,
			{ 21, "UG-S", "2027-01-01", NULL, .terms = { 900, ROUND_UP, ROUND_PER_ENTRY, 0, 7200, 9000 },
			  .lines = ROWS(struct t_line, { 22, "support", 1000, 50000, 25 }) }),
		.work = ROWS(struct t_work,
			{ 2, 102, T2, .rate = 2, .start = "2027-05-04 08:00", .seconds = 5400 },
			{ 1, 101, T1, .rate = 1, .start = "2027-05-03 08:00", .seconds = 3600 },
			{ 3, 100, "2027-000000", BILLING_WARRANTY, .start = "2027-05-02 08:00", .seconds = 1800 }),
		.lines = ROWS(struct want_line,
			{ LINE_CONTRACT, "UG-S", "support", NULL, 22, "2027-05-01", "2027-05-31", 31, 31, 1000, 50000, .amount = 50000, .charged = 1, .vat = 25 },
			{ LINE_WORK, "UG-S", "remote", "2027-000000", .seconds = 1800, .rounded = 1800, .included = 0, .billed = 0, .hourly = 6000, .amount = 0, .charged = 0, .vat = 25 },
			{ LINE_WORK, "UG-S", "remote", T1, .seconds = 3600, .rounded = 3600, .included = 3600, .billed = 0, .hourly = 6000, .amount = 0, .charged = 1, .vat = 25 },
			{ LINE_WORK, "UG-S", "on_site", T2, .seconds = 5400, .rounded = 5400, .included = 3600, .billed = 1800, .hourly = 9000, .overage = 9000, .amount = 4500, .charged = 1, .vat = 25 }),
		.support = ROWS(struct want_support, { "UG-S", 7200, 7200, 1800 }),
		.vnet = { 54500 }, .vtax = { 13625 }, .net = 54500, .tax = 13625, .gross = 68125,
		.work_seconds = 10800, .work_rounded = 10800,
	},
	{
		/* as above with no overage rate: the 0.5 h over at on site's 80.00 =
		 * 40.00.  Net 540.00, VAT 135.00 */
		.name = "included hours exceeded, at the normal rate",
		.month = "2027-05",
		.contracts = ROWS(struct t_contract,
			{ 21, "UG-S", "2027-01-01", NULL, .terms = { 900, ROUND_UP, ROUND_PER_ENTRY, 0, 7200, 0 },
			  .lines = ROWS(struct t_line, { 22, "support", 1000, 50000, 25 }) }),
		.work = ROWS(struct t_work,
			{ 2, 102, T2, .rate = 2, .start = "2027-05-04 08:00", .seconds = 5400 },
			{ 1, 101, T1, .rate = 1, .start = "2027-05-03 08:00", .seconds = 3600 },
			{ 3, 100, "2027-000000", BILLING_WARRANTY, .start = "2027-05-02 08:00", .seconds = 1800 }),
		.lines = ROWS(struct want_line,
			{ LINE_CONTRACT, "UG-S", "support", NULL, 22, "2027-05-01", "2027-05-31", 31, 31, 1000, 50000, .amount = 50000, .charged = 1, .vat = 25 },
			{ LINE_WORK, "UG-S", "remote", "2027-000000", .seconds = 1800, .rounded = 1800, .included = 0, .billed = 0, .hourly = 6000, .amount = 0, .charged = 0, .vat = 25 },
			{ LINE_WORK, "UG-S", "remote", T1, .seconds = 3600, .rounded = 3600, .included = 3600, .billed = 0, .hourly = 6000, .amount = 0, .charged = 1, .vat = 25 },
			{ LINE_WORK, "UG-S", "on_site", T2, .seconds = 5400, .rounded = 5400, .included = 3600, .billed = 1800, .hourly = 8000, .overage = 8000, .amount = 4000, .charged = 1, .vat = 25 }),
		.support = ROWS(struct want_support, { "UG-S", 7200, 7200, 1800 }),
		.vnet = { 54000 }, .vtax = { 13500 }, .net = 54000, .tax = 13500, .gross = 67500,
		.work_seconds = 10800, .work_rounded = 10800,
	},
	{
		/* 10 h included, none used: reported, nothing charged for them */
		.name = "included hours unused are reported",
		.month = "2027-05",
		.contracts = ROWS(struct t_contract,
			{ 21, "UG-S", "2027-05-20", NULL, PRORATE_MONTHLY, .terms = { .included = 36000 },
			  .lines = ROWS(struct t_line, { 22, "support", 1000, 50000, 25 }) }),
		.lines = ROWS(struct want_line,
			{ LINE_CONTRACT, "UG-S", "support", NULL, 22, "2027-05-20", "2027-05-31", 12, 31, 1000, 50000, .amount = 50000, .charged = 1, .vat = 25 }),
		.support = ROWS(struct want_support, { "UG-S", 36000, 0, 0 }),
		.vnet = { 50000 }, .vtax = { 12500 }, .net = 50000, .tax = 12500, .gross = 62500,
	},
	{
		/* free 1000 s -> 1800, warranty 2000 s -> 2700, both at zero; on the
		 * billable ticket 30 min = 30.00 and an entry marked not billable
		 * (15 min) at zero.  The cable on the free ticket: 0; the screws
		 * 1.5 x 3.33 = 4.995 -> 5.00.  Net 35.00, VAT 8.75.  Seconds 1000 +
		 * 2000 + 1800 + 900 = 5700; rounded 1800 + 2700 + 1800 + 900 = 7200 */
		.name = "free and warranty tickets and an entry not billable",
		.month = "2027-05",
		.work = ROWS(struct t_work,
			{ 1, 110, "2027-000010", BILLING_FREE, .rate = 1, .start = "2027-05-03 08:00", .seconds = 1000 },
			{ 2, 111, "2027-000011", BILLING_WARRANTY, .rate = 2, .start = "2027-05-03 09:00", .seconds = 2000 },
			{ 4, 112, "2027-000012", .unbillable = 1, .start = "2027-05-04 10:00", .seconds = 900 },
			{ 3, 112, "2027-000012", .start = "2027-05-04 08:00", .seconds = 1800 }),
		.extras = ROWS(struct t_extra,
			{ 6, 112, "2027-000012", BILLING_BILLABLE, "Screws", 1500, 333, 25, "2027-05-04" },
			{ 5, 110, "2027-000010", BILLING_FREE, "Cable", 2000, 1500, 25, "2027-05-03" }),
		.lines = ROWS(struct want_line,
			{ LINE_WORK, NULL, "remote", "2027-000010", .seconds = 1000, .rounded = 1800, .billed = 0, .hourly = 6000, .amount = 0, .charged = 0, .vat = 25 },
			{ LINE_WORK, NULL, "on_site", "2027-000011", .seconds = 2000, .rounded = 2700, .billed = 0, .hourly = 8000, .amount = 0, .charged = 0, .vat = 25 },
			{ LINE_WORK, NULL, "remote", "2027-000012", .seconds = 1800, .rounded = 1800, .billed = 1800, .hourly = 6000, .amount = 3000, .charged = 1, .vat = 25 },
			{ LINE_WORK, NULL, "remote", "2027-000012", .seconds = 900, .rounded = 900, .billed = 0, .hourly = 6000, .amount = 0, .charged = 0, .vat = 25 },
			{ LINE_EXTRA, NULL, NULL, "2027-000010", 5, "2027-05-03", "2027-05-03", .quantity = 2000, .unit_price = 1500, .amount = 0, .charged = 0, .vat = 25 },
			{ LINE_EXTRA, NULL, NULL, "2027-000012", 6, "2027-05-04", "2027-05-04", .quantity = 1500, .unit_price = 333, .amount = 500, .charged = 1, .vat = 25 }),
		.vnet = { 3500 }, .vtax = { 875 }, .net = 3500, .tax = 875, .gross = 4375,
		.work_seconds = 5700, .work_rounded = 7200,
	},
	{
		/* 25 %: 19.99 + 3 x 0.01 = 20.02, VAT 5.005 -> 5.01 (per line it
		 * would be 5.00: 19.99 x 25 % = 4.9975 -> 5.00 and 0.0025 -> 0.00);
		 * 13 %: 25.00 + 1 h training 50.00 = 75.00, VAT 9.75; 5 %: 10.01,
		 * VAT 0.5005 -> 0.50; 0 %: 7.77.  Net 112.80, VAT 15.26, gross 128.06 */
		.name = "several VAT rates, VAT on each rate's sum",
		.month = "2027-05",
		.contracts = ROWS(struct t_contract,
			{ 35, "UG-V", "2027-01-01", NULL, .terms = TERMS15, .lines = ROWS(struct t_line,
				{ 34, "fee", 1000, 777, 0 }, { 31, "hosting", 1000, 1999, 25 },
				{ 33, "course", 1000, 2500, 13 }, { 32, "book", 1000, 1001, 5 }) }),
		.work = ROWS(struct t_work, { 1, 140, "2027-000050", .rate = 3, .start = "2027-05-05 08:00", .seconds = 3600 }),
		.extras = ROWS(struct t_extra,
			{ 3, 140, "2027-000050", BILLING_BILLABLE, "Label", 1000, 1, 25, "2027-05-03" },
			{ 2, 140, "2027-000050", BILLING_BILLABLE, "Label", 1000, 1, 25, "2027-05-01" },
			{ 1, 140, "2027-000050", BILLING_BILLABLE, "Label", 1000, 1, 25, "2027-05-03" }),
		.lines = ROWS(struct want_line,
			{ LINE_CONTRACT, "UG-V", "hosting", NULL, 31, "2027-05-01", "2027-05-31", 31, 31, 1000, 1999, .amount = 1999, .charged = 1, .vat = 25 },
			{ LINE_CONTRACT, "UG-V", "book", NULL, 32, "2027-05-01", "2027-05-31", 31, 31, 1000, 1001, .amount = 1001, .charged = 1, .vat = 5 },
			{ LINE_CONTRACT, "UG-V", "course", NULL, 33, "2027-05-01", "2027-05-31", 31, 31, 1000, 2500, .amount = 2500, .charged = 1, .vat = 13 },
			{ LINE_CONTRACT, "UG-V", "fee", NULL, 34, "2027-05-01", "2027-05-31", 31, 31, 1000, 777, .amount = 777, .charged = 1, .vat = 0 },
			{ LINE_WORK, "UG-V", "training", "2027-000050", .seconds = 3600, .rounded = 3600, .billed = 3600, .hourly = 5000, .amount = 5000, .charged = 1, .vat = 13 },
			{ LINE_EXTRA, NULL, NULL, "2027-000050", 2, "2027-05-01", .quantity = 1000, .unit_price = 1, .amount = 1, .charged = 1, .vat = 25 },
			{ LINE_EXTRA, NULL, NULL, "2027-000050", 1, "2027-05-03", .quantity = 1000, .unit_price = 1, .amount = 1, .charged = 1, .vat = 25 },
			{ LINE_EXTRA, NULL, NULL, "2027-000050", 3, "2027-05-03", .quantity = 1000, .unit_price = 1, .amount = 1, .charged = 1, .vat = 25 }),
		.vnet = { 2002, 7500, 1001, 777 }, .vtax = { 501, 975, 50, 0 },
		.net = 11280, .tax = 1526, .gross = 12806,
		.work_seconds = 3600, .work_rounded = 3600,
	},
	{
		/* 0.03 x 25 % = 0.0075 -> 0.01 */
		.name = "three 0.01 lines at 25 % give VAT 0.01",
		.month = "2027-05",
		.extras = ROWS(struct t_extra,
			{ 1, 0, "", BILLING_BILLABLE, "Label", 1000, 1, 25, "2027-05-01" },
			{ 2, 0, "", BILLING_BILLABLE, "Label", 1000, 1, 25, "2027-05-01" },
			{ 3, 0, "", BILLING_BILLABLE, "Label", 1000, 1, 25, "2027-05-01" }),
		.lines = ROWS(struct want_line,
			{ LINE_EXTRA, .source = 1, .quantity = 1000, .unit_price = 1, .amount = 1, .charged = 1, .vat = 25 },
			{ LINE_EXTRA, .source = 2, .quantity = 1000, .unit_price = 1, .amount = 1, .charged = 1, .vat = 25 },
			{ LINE_EXTRA, .source = 3, .quantity = 1000, .unit_price = 1, .amount = 1, .charged = 1, .vat = 25 }),
		.vnet = { 3 }, .vtax = { 1 }, .net = 3, .tax = 1, .gross = 4,
	},
	{
		/* remote: 60.00 own, 55.00 for the client, 50.00 for contract UG-O
		 * (from 16 May); on site: 80.00 own, 75.00 for the client.  Overrides
		 * of another contract and another client do not count.  10 May (no
		 * contract) remote 1 h = 55.00; 20 May remote 1 h = 50.00; on site 1 h
		 * = 75.00; training 1 h = 50.00 (13 %).  Net 25 %: 180.00, VAT 45.00;
		 * 13 %: 50.00, VAT 6.50 */
		.name = "rate overrides: contract beats client beats rate",
		.month = "2027-05",
		.contracts = ROWS(struct t_contract, { 41, "UG-O", "2027-05-16", NULL, .terms = TERMS15 }),
		.overrides = ROWS(struct bill_rate_override,
			{ 1, 1, CLIENT_ID, 0, 5500 }, { 2, 1, 0, 41, 5000 }, { 3, 1, 0, 99, 1000 },
			{ 4, 1, 8, 0, 2000 }, { 5, 2, CLIENT_ID, 0, 7500 }),
		.work = ROWS(struct t_work,
			{ 2, 130, "2027-000040", .start = "2027-05-20 08:00", .seconds = 3600 },
			{ 1, 130, "2027-000040", .start = "2027-05-10 08:00", .seconds = 3600 },
			{ 3, 131, "2027-000041", .rate = 2, .start = "2027-05-20 09:00", .seconds = 3600 },
			{ 4, 132, "2027-000042", .rate = 3, .start = "2027-05-21 08:00", .seconds = 3600 }),
		.lines = ROWS(struct want_line,
			{ LINE_WORK, NULL, "remote", "2027-000040", .seconds = 3600, .rounded = 3600, .billed = 3600, .hourly = 5500, .amount = 5500, .charged = 1, .vat = 25 },
			{ LINE_WORK, "UG-O", "remote", "2027-000040", .seconds = 3600, .rounded = 3600, .billed = 3600, .hourly = 5000, .amount = 5000, .charged = 1, .vat = 25 },
			{ LINE_WORK, "UG-O", "on_site", "2027-000041", .seconds = 3600, .rounded = 3600, .billed = 3600, .hourly = 7500, .amount = 7500, .charged = 1, .vat = 25 },
			{ LINE_WORK, "UG-O", "training", "2027-000042", .seconds = 3600, .rounded = 3600, .billed = 3600, .hourly = 5000, .amount = 5000, .charged = 1, .vat = 13 }),
		.vnet = { 18000, 5000 }, .vtax = { 4500, 650 }, .net = 23000, .tax = 5150, .gross = 28150,
		.work_seconds = 14400, .work_rounded = 14400,
	},
	{
		/* the terms on 5 May are UG-3's (the only contract then: 30 min up):
		 * 10 min -> 30 = 30.00; on 20 May UG-1 and UG-2 both started on
		 * 1 May, the lower id (UG-2, 81: 1 h up) wins: 10 min -> 60 = 60.00.
		 * Lines by contract number: UG-2 before UG-3.  Net 90.00, VAT 22.50 */
		.name = "two contracts on a day: the earliest start, then the lowest id",
		.month = "2027-05",
		.contracts = ROWS(struct t_contract,
			{ 82, "UG-1", "2027-05-01", NULL, .terms = { 0, ROUND_UP, ROUND_PER_ENTRY } },
			{ 81, "UG-2", "2027-05-01", NULL, .terms = { 3600, ROUND_UP, ROUND_PER_ENTRY } },
			{ 80, "UG-3", "2027-04-01", "2027-05-10", .terms = { 1800, ROUND_UP, ROUND_PER_ENTRY } }),
		.work = ROWS(struct t_work,
			{ 1, 101, T1, .start = "2027-05-05 08:00", .seconds = 600 },
			{ 2, 101, T1, .start = "2027-05-20 08:00", .seconds = 600 }),
		.lines = ROWS(struct want_line,
			{ LINE_WORK, "UG-2", "remote", T1, 0, "2027-05-20", "2027-05-20", .seconds = 600, .rounded = 3600, .billed = 3600, .hourly = 6000, .amount = 6000, .charged = 1, .vat = 25 },
			{ LINE_WORK, "UG-3", "remote", T1, 0, "2027-05-05", "2027-05-05", .seconds = 600, .rounded = 1800, .billed = 1800, .hourly = 6000, .amount = 3000, .charged = 1, .vat = 25 }),
		.vnet = { 9000 }, .vtax = { 2250 }, .net = 9000, .tax = 2250, .gross = 11250,
		.work_seconds = 1200, .work_rounded = 5400,
	},
	{
		/* 5 entries of 10 min, each up to 15: 75 min = 75.00; the names once
		 * each, in byte order ("Ž" is 0xC5 0xBD, after "Z") */
		.name = "technicians: distinct, sorted, joined",
		.month = "2027-05",
		.work = ROWS(struct t_work,
			{ 1, 101, T1, .user = "Ivo Kovač", .start = "2027-05-03 08:00", .seconds = 600 },
			{ 2, 101, T1, .user = "Ana Horvat", .start = "2027-05-03 09:00", .seconds = 600 },
			{ 3, 101, T1, .user = "Ivo Kovač", .start = "2027-05-03 10:00", .seconds = 600 },
			{ 4, 101, T1, .user = "Željko Šarić", .start = "2027-05-03 11:00", .seconds = 600 },
			{ 5, 101, T1, .user = "Zoran", .start = "2027-05-03 12:00", .seconds = 600 }),
		.lines = ROWS(struct want_line,
			{ LINE_WORK, NULL, "remote", T1, .seconds = 3000, .rounded = 4500, .billed = 4500, .hourly = 6000, .amount = 7500, .charged = 1, .vat = 25,
			  .technicians = "Ana Horvat, Ivo Kovač, Zoran, Željko Šarić" }),
		.vnet = { 7500 }, .vtax = { 1875 }, .net = 7500, .tax = 1875, .gross = 9375,
		.work_seconds = 3000, .work_rounded = 4500,
	},
	{
		/* prepaid for February: shown at 300.00, not charged; nothing to pay.
		 * The March item is another month's and plays no part. */
		.name = "a prepaid line is shown and not charged",
		.month = "2027-02",
		.contracts = ROWS(struct t_contract,
			{ 51, "UG-P", "2027-01-01", NULL, PRORATE_DAILY, CYCLE_QUARTERLY, 1, .lines = ROWS(struct t_line, { 61, "support", 1000, 30000, 25 }) }),
		.prepaid = ROWS(struct t_prepaid, { 51, 61, "2027-02", 30000 }, { 51, 61, "2027-03", 30000 }),
		.lines = ROWS(struct want_line,
			{ LINE_PREPAID, "UG-P", "support", NULL, 61, "2027-02-01", "2027-02-28", 28, 28, 1000, 30000, .amount = 30000, .charged = 0, .vat = 25 }),
	},
	{
		/* prepaid 300.00 for February; the contract then ended on the 14th:
		 * 300.00 x 14/28 = 150.00 now, the difference -150.00 is credited,
		 * VAT -37.50 */
		.name = "a line changed after prepayment: the difference",
		.month = "2027-02",
		.contracts = ROWS(struct t_contract,
			{ 51, "UG-P", "2027-01-01", "2027-02-14", PRORATE_DAILY, CYCLE_QUARTERLY, 1, .lines = ROWS(struct t_line, { 61, "support", 1000, 30000, 25 }) }),
		.prepaid = ROWS(struct t_prepaid, { 51, 61, "2027-02", 30000 }, { 51, 61, "2027-03", 30000 }),
		.lines = ROWS(struct want_line,
			{ LINE_PREPAID, "UG-P", "support", NULL, 61, "2027-02-01", "2027-02-14", 14, 28, 1000, 30000, .amount = 30000, .charged = 0, .vat = 25 },
			{ LINE_PREPAID_DIFF, "UG-P", "support", NULL, 61, "2027-02-01", "2027-02-14", 14, 28, 1000, 30000, .amount = -15000, .charged = 1, .vat = 25 }),
		.vnet = { -15000 }, .vtax = { -3750 }, .net = -15000, .tax = -3750, .gross = -18750,
	},
	{
		/* prepaid 300.00 for March, but the contract ended in February: all
		 * of it credited, VAT -75.00 */
		.name = "a prepaid month after the contract ended is credited",
		.month = "2027-03",
		.contracts = ROWS(struct t_contract,
			{ 51, "UG-P", "2027-01-01", "2027-02-14", PRORATE_DAILY, CYCLE_QUARTERLY, 1, .lines = ROWS(struct t_line, { 61, "support", 1000, 30000, 25 }) }),
		.prepaid = ROWS(struct t_prepaid, { 51, 61, "2027-03", 30000 }),
		.lines = ROWS(struct want_line,
			{ LINE_PREPAID, "UG-P", "support", NULL, 61, "-", "-", 0, 31, 1000, 30000, .amount = 30000, .charged = 0, .vat = 25 },
			{ LINE_PREPAID_DIFF, "UG-P", "support", NULL, 61, "-", "-", 0, 31, 1000, 30000, .amount = -30000, .charged = 1, .vat = 25 }),
		.vnet = { -30000 }, .vtax = { -7500 }, .net = -30000, .tax = -7500, .gross = -37500,
	},
	{
		/* a prepaid contract with no prepayment recorded: charged in the month */
		.name = "a prepaid contract not yet invoiced is charged",
		.month = "2027-02",
		.contracts = ROWS(struct t_contract,
			{ 51, "UG-P", "2027-01-01", NULL, PRORATE_DAILY, CYCLE_QUARTERLY, 1, .lines = ROWS(struct t_line, { 61, "support", 1000, 30000, 25 }) }),
		.lines = ROWS(struct want_line,
			{ LINE_CONTRACT, "UG-P", "support", NULL, 61, "2027-02-01", "2027-02-28", 28, 28, 1000, 30000, .amount = 30000, .charged = 1, .vat = 25 }),
		.vnet = { 30000 }, .vtax = { 7500 }, .net = 30000, .tax = 7500, .gross = 37500,
	},
	{
		/* corrections of closed February, charged in March, by id:
		 * +10.00 at 13 % (VAT 1.30), -30.00 at 25 % (VAT -7.50);
		 * net -20.00, VAT -6.20, gross -26.20 */
		.name = "a correction after the month was closed (negative)",
		.month = "2027-03",
		.adjustments = ROWS(struct t_adjustment,
			{ 71, "2027-02", "2027-000005 billed 30 min too much", -3000, 25 },
			{ 70, "2027-02", "2027-000006 cable not billed", 1000, 13 }),
		.lines = ROWS(struct want_line,
			{ LINE_ADJUSTMENT, .source = 70, .from = "-", .to = "-", .amount = 1000, .charged = 1, .vat = 13 },
			{ LINE_ADJUSTMENT, .source = 71, .from = "-", .to = "-", .amount = -3000, .charged = 1, .vat = 25 }),
		.vnet = { -3000, 1000 }, .vtax = { -750, 130 }, .net = -2000, .tax = -620, .gross = -2620,
	},
	{
		.name = "an entry of an unknown rate",
		.month = "2027-05",
		.work = ROWS(struct t_work, { 1, 101, T1, .rate = 9, .start = "2027-05-03 08:00", .seconds = 600 }),
		.why = "work: an entry of an unknown rate",
	},
	{
		.name = "work without a rate and no default rate",
		.month = "2027-05",
		.no_default_rate = 1,
		.work = ROWS(struct t_work, { 1, 101, T1, .start = "2027-05-03 08:00", .seconds = 600 }),
		.why = "work: no default rate (no rate has the code of [billing] default_rate)",
	},
	{
		.name = "an entry longer than a year",
		.month = "2027-05",
		.work = ROWS(struct t_work, { 1, 101, T1, .start = "2027-05-03 08:00", .seconds = BILL_WORK_SECONDS_MAX + 1 }),
		.why = "work: an entry's seconds are negative or longer than a year",
	},
	{
		.name = "a contract with a line at 22 % VAT",
		.month = "2027-05",
		.contracts = ROWS(struct t_contract,
			{ 1, "UG-X", "2027-01-01", NULL, .lines = ROWS(struct t_line, { 11, "support", 1000, 100, 22 }) }),
		.why = "contract UG-X: lines[0].vat: not a VAT rate (25, 13, 5 or 0)",
	},
	{
		.name = "a prepayment of a line no contract has",
		.month = "2027-02",
		.contracts = ROWS(struct t_contract,
			{ 51, "UG-P", "2027-01-01", NULL, PRORATE_DAILY, CYCLE_QUARTERLY, 1, .lines = ROWS(struct t_line, { 61, "support", 1000, 30000, 25 }) }),
		.prepaid = ROWS(struct t_prepaid, { 51, 62, "2027-02", 30000 }),
		.why = "prepaid: a prepayment of a line that is not in the client's contracts",
	},
	{
		.name = "an extra item of another month",
		.month = "2027-05",
		.extras = ROWS(struct t_extra, { 1, 0, "", BILLING_BILLABLE, "Label", 1000, 1, 25, "2027-06-01" }),
		.why = "extras: an item of a day outside the month",
	},
	{
		.name = "overflow: adjustments summing past int64",
		.month = "2027-03",
		.adjustments = ROWS(struct t_adjustment,
			{ 1, "2027-02", "a", INT64_MAX, 0 }, { 2, "2027-02", "b", 1, 0 }),
		.why = "totals: an amount overflows",
	},
	{
		.name = "overflow: the gross of one adjustment",
		.month = "2027-03",
		.adjustments = ROWS(struct t_adjustment, { 1, "2027-02", "a", INT64_MAX - 10, 25 }),
		.why = "totals: an amount overflows",
	},
	{
		.name = "overflow: an extra item's amount",
		.month = "2027-05",
		.extras = ROWS(struct t_extra, { 1, 0, "", BILLING_BILLABLE, "Label", INT64_MAX, 1000000, 25, "2027-05-01" }),
		.why = "extras: an item's amount overflows",
	},
	{
		/* 2 h at an hourly price of INT64_MAX cents */
		.name = "overflow: the amount of a ticket's work",
		.month = "2027-05",
		.overrides = ROWS(struct bill_rate_override, { 1, 1, CLIENT_ID, 0, INT64_MAX }),
		.work = ROWS(struct t_work, { 1, 101, T1, .start = "2027-05-03 08:00", .seconds = 7200 }),
		.why = "ticket 2027-000001: the amount of its work overflows",
	},
};

/* The inputs of a row as the store would hand them over. */
struct built {
	struct bill_context ctx;
	struct bill_client_input in;
	struct bill_contract *contracts;
	struct bill_work *work;
	struct bill_extra *extras;
	struct bill_prepaid *prepaid;
	struct bill_adjustment *adjustments;
};

static void build(const struct spec_case *c, struct built *b, int reverse)
{
	static const struct bill_terms terms15 = TERMS15;
	size_t i;

	memset(b, 0, sizeof(*b));
	b->ctx.month = month_of(c->month);
	b->ctx.rates = rates;
	b->ctx.n_rates = N(rates);
	b->ctx.default_rate_id = c->no_default_rate ? 0 : 1;
	b->ctx.default_terms = c->defaults ? *c->defaults : terms15;
	b->in.client_id = CLIENT_ID;
	strcpy(b->in.client_name, "Firma d.o.o.");
	strcpy(b->in.client_oib, "69435151530");
	/* reverse: the same inputs in the opposite order must give the same result */
#define AT(n, k) (reverse ? (n) - 1 - (k) : (k))
	b->contracts = calloc(c->n_contracts + 1, sizeof(*b->contracts));
	for (i = 0; i < c->n_contracts; i++) {
		const struct t_contract *t = &c->contracts[AT(c->n_contracts, i)];
		struct bill_contract *k = &b->contracts[i];

		k->id = t->id;
		k->client_id = CLIENT_ID;
		strcpy(k->number, t->number);
		k->start_day = day_of(t->start);
		k->end_day = t->end ? day_of(t->end) : -1;
		k->proration = t->proration;
		k->cycle = t->cycle ? t->cycle : CYCLE_MONTHLY;
		k->prepaid = t->prepaid;
		k->terms = t->terms;
		k->lines = calloc(t->n_lines + 1, sizeof(*k->lines));
		k->n_lines = t->n_lines;
		for (size_t j = 0; j < t->n_lines; j++) {
			const struct t_line *tl = &t->lines[AT(t->n_lines, j)];
			struct bill_contract_line *l = &k->lines[j];

			l->id = tl->id;
			l->contract_id = t->id;
			l->service_id = tl->id;
			strcpy(l->service_code, tl->code);
			strcpy(l->description, tl->code);
			l->quantity = tl->quantity;
			l->monthly_price = tl->price;
			l->vat = tl->vat;
		}
	}
	b->work = calloc(c->n_work + 1, sizeof(*b->work));
	for (i = 0; i < c->n_work; i++) {
		const struct t_work *t = &c->work[AT(c->n_work, i)];
		struct bill_work *w = &b->work[i];

		w->entry_id = t->entry;
		w->ticket_id = t->ticket;
		strcpy(w->ticket_number, t->number);
		w->ticket_subject = "Printer on the 2nd floor";
		w->ticket_billing = t->billing;
		w->billable = !t->unbillable;
		w->user_id = 1;
		w->user_name = t->user ? t->user : "Ana Horvat";
		w->rate_id = t->rate;
		w->started_at = utc(t->start);
		w->seconds = t->end ? utc(t->end) - w->started_at : t->seconds;
		/* as the store does it: the local day the entry started */
		w->day = clock_local_day(w->started_at);
	}
	b->extras = calloc(c->n_extras + 1, sizeof(*b->extras));
	for (i = 0; i < c->n_extras; i++) {
		const struct t_extra *t = &c->extras[AT(c->n_extras, i)];
		struct bill_extra *x = &b->extras[i];

		x->id = t->id;
		x->ticket_id = t->ticket;
		strcpy(x->ticket_number, t->number);
		x->ticket_billing = t->billing;
		strcpy(x->description, t->description);
		x->quantity = t->quantity;
		x->unit_price = t->price;
		x->vat = t->vat;
		x->day = day_of(t->day);
	}
	b->prepaid = calloc(c->n_prepaid + 1, sizeof(*b->prepaid));
	for (i = 0; i < c->n_prepaid; i++) {
		const struct t_prepaid *t = &c->prepaid[AT(c->n_prepaid, i)];

		b->prepaid[i] = (struct bill_prepaid){ 100 + (int64_t)i, t->contract, t->line,
						       month_of(t->month), t->amount };
	}
	b->adjustments = calloc(c->n_adjustments + 1, sizeof(*b->adjustments));
	for (i = 0; i < c->n_adjustments; i++) {
		const struct t_adjustment *t = &c->adjustments[AT(c->n_adjustments, i)];
		struct bill_adjustment *a = &b->adjustments[i];

		a->id = t->id;
		a->month = b->ctx.month;
		a->corrects_month = month_of(t->corrects);
		strcpy(a->description, t->description);
		a->amount = t->amount;
		a->vat = t->vat;
	}
#undef AT
	b->in.contracts = b->contracts;
	b->in.n_contracts = c->n_contracts;
	b->in.overrides = c->overrides;
	b->in.n_overrides = c->n_overrides;
	b->in.work = b->work;
	b->in.n_work = c->n_work;
	b->in.extras = b->extras;
	b->in.n_extras = c->n_extras;
	b->in.prepaid = b->prepaid;
	b->in.n_prepaid = c->n_prepaid;
	b->in.adjustments = b->adjustments;
	b->in.n_adjustments = c->n_adjustments;
}

static void built_free(struct built *b)
{
	for (size_t i = 0; i < b->in.n_contracts; i++)
		bill_contract_clear(&b->contracts[i]);
	free(b->contracts);
	free(b->work);
	free(b->extras);
	free(b->prepaid);
	free(b->adjustments);
}

#define EQ(field, got, want)                                                                   \
	do {                                                                                   \
		if ((long long)(got) != (long long)(want))                                     \
			fail_msg("%s: line %zu: %s %lld, want %lld", c->name, i, field,        \
				 (long long)(got), (long long)(want));                         \
	} while (0)
#define STREQ(field, got, want)                                                                \
	do {                                                                                   \
		if (strcmp((got), (want) ? (want) : "") != 0)                                  \
			fail_msg("%s: line %zu: %s \"%s\", want \"%s\"", c->name, i, field, (got), \
				 (want) ? (want) : "");                                        \
	} while (0)

static void check_spec(const struct spec_case *c, const struct bill_spec *s)
{
	static const int order[BILL_VAT_RATES] = { 25, 13, 5, 0 };
	char a[16];
	size_t i = 0;

	if (s->n_lines != c->n_lines)
		fail_msg("%s: %zu lines, want %zu", c->name, s->n_lines, c->n_lines);
	for (i = 0; i < c->n_lines; i++) {
		const struct want_line *w = &c->lines[i];
		const struct bill_line *l = &s->lines[i];

		EQ("kind", l->kind, w->kind);
		STREQ("contract", l->contract_number, w->contract);
		STREQ("code", l->code, w->code);
		STREQ("ticket", l->ticket_number, w->ticket);
		EQ("source", l->source_id, w->source);
		if (w->from)
			STREQ("from", date_text(l->from_day, a), w->from);
		if (w->to)
			STREQ("to", date_text(l->to_day, a), w->to);
		EQ("active_days", l->active_days, w->active);
		EQ("month_days", l->month_days, w->mdays);
		EQ("quantity", l->quantity, w->quantity);
		EQ("unit_price", l->unit_price, w->unit_price);
		EQ("seconds", l->seconds, w->seconds);
		EQ("rounded", l->rounded, w->rounded);
		EQ("included", l->included, w->included);
		EQ("billed", l->billed, w->billed);
		EQ("hourly", l->hourly, w->hourly);
		EQ("overage_hourly", l->overage_hourly, w->overage);
		EQ("amount", l->amount, w->amount);
		EQ("charged", l->charged, w->charged);
		EQ("vat", l->vat, w->vat);
		if (w->technicians)
			STREQ("technicians", l->technicians, w->technicians);
		if (l->kind == LINE_WORK && !w->technicians)
			STREQ("technicians", l->technicians, "Ana Horvat");
	}
	if (s->n_support != c->n_support)
		fail_msg("%s: %zu support records, want %zu", c->name, s->n_support, c->n_support);
	for (i = 0; i < c->n_support; i++) {
		STREQ("support contract", s->support[i].contract_number, c->support[i].contract);
		EQ("support included", s->support[i].included, c->support[i].included);
		EQ("support used", s->support[i].used, c->support[i].used);
		EQ("support overage", s->support[i].overage, c->support[i].overage);
	}
	i = 0;
	for (int k = 0; k < BILL_VAT_RATES; k++) {
		EQ("vat rate", s->vat[k].vat, order[k]);
		EQ("vat net", s->vat[k].net, c->vnet[k]);
		EQ("vat tax", s->vat[k].tax, c->vtax[k]);
		EQ("vat gross", s->vat[k].gross, c->vnet[k] + c->vtax[k]);
	}
	EQ("net", s->net, c->net);
	EQ("tax", s->tax, c->tax);
	EQ("gross", s->gross, c->gross);
	assert_int_equal(s->net + s->tax, s->gross);
	EQ("work_seconds", s->work_seconds, c->work_seconds);
	EQ("work_rounded", s->work_rounded, c->work_rounded);
	EQ("month", s->month, month_of(c->month));
	EQ("client", s->client_id, CLIENT_ID);
	assert_string_equal(s->client_name, "Firma d.o.o.");
	assert_string_equal(s->client_oib, "69435151530");
}

static void test_client_spec(void **state)
{
	(void)state;
	for (size_t n = 0; n < N(spec_cases); n++) {
		const struct spec_case *c = &spec_cases[n];
		struct bill_spec s[2];

		for (int reverse = 0; reverse < 2; reverse++) {
			struct built b;
			const char *why = NULL;
			int rc;

			build(c, &b, reverse);
			rc = bill_client_spec(&b.ctx, &b.in, &s[reverse], &why);
			built_free(&b);
			if (c->why) {
				if (rc != -1 || !why || strcmp(why, c->why) != 0)
					fail_msg("%s: rc %d \"%s\", want \"%s\"", c->name, rc,
						 why ? why : "(null)", c->why);
				/* a failed run leaves nothing to free */
				assert_int_equal(s[reverse].n_lines, 0);
				assert_null(s[reverse].lines);
				continue;
			}
			if (rc != 0)
				fail_msg("%s: failed: %s", c->name, why ? why : "(null)");
			check_spec(c, &s[reverse]);
		}
		/* the order of the inputs does not matter: the lines are the same bytes */
		if (!c->why && s[0].n_lines &&
		    memcmp(s[0].lines, s[1].lines, s[0].n_lines * sizeof(*s[0].lines)) != 0)
			fail_msg("%s: reversed inputs give other lines", c->name);
		bill_spec_clear(&s[0]);
		bill_spec_clear(&s[1]);
	}
}

/* The technicians' names are cut at a character boundary to fit. */
static void test_technicians_cut(void **state)
{
	char a[200], b[200], cc[201], want[sizeof(((struct bill_line *)0)->technicians)];
	struct bill_work w[3];
	struct bill_context ctx = { .rates = rates, .n_rates = N(rates), .default_rate_id = 1 };
	struct bill_client_input in = { .client_id = CLIENT_ID, .work = w, .n_work = 3 };
	struct bill_spec s;
	const char *why = NULL;

	(void)state;
	memset(a, 'a', 199);
	a[199] = '\0';
	memset(b, 'b', 199);
	b[199] = '\0';
	for (int i = 0; i < 100; i++)
		memcpy(cc + 2 * i, "č", 2);
	cc[200] = '\0';
	ctx.month = month_of("2027-05");
	ctx.default_terms = (struct bill_terms)TERMS15;
	memset(w, 0, sizeof(w));
	for (int i = 0; i < 3; i++) {
		w[i].entry_id = i + 1;
		w[i].ticket_id = 101;
		strcpy(w[i].ticket_number, T1);
		w[i].ticket_subject = "";
		w[i].billable = 1;
		w[i].seconds = 60;
		w[i].day = day_of("2027-05-03");
	}
	w[0].user_name = cc;
	w[1].user_name = b;
	w[2].user_name = a;
	assert_int_equal(bill_client_spec(&ctx, &in, &s, &why), 0);
	assert_int_equal(s.n_lines, 1);
	/* 199 + 2 + 199 + 2 = 402 bytes, room for 407: two whole "č" (4 bytes),
	 * not half of a third */
	snprintf(want, sizeof(want), "%s, %s, čč", a, b);
	assert_string_equal(s.lines[0].technicians, want);
	assert_int_equal(strlen(s.lines[0].technicians), 406);
	bill_spec_clear(&s);
}

/* ---- prepayment ---- */

struct want_prepay_line {
	int64_t line;
	int64_t months[12];
	int n_months;
	int64_t amount;
};

struct prepay_case {
	const char *name;
	struct t_contract contract;
	const char *month;
	int rc;
	const char *first, *last;
	const struct want_prepay_line *lines;
	size_t n_lines;
	int64_t vnet[4], vtax[4];
	int64_t net, tax, gross;
};

#define UG_Q                                                                                       \
	{ 91, "UG-Q", "2027-01-01", "2027-02-14", PRORATE_DAILY, CYCLE_QUARTERLY, 1,               \
	  .lines = ROWS(struct t_line, { 102, "backup", 2000, 1250, 13 },                          \
			{ 101, "support", 1000, 30000, 25 }) }
#define UG_M(start, prorate, cycle, prepaid)                                                       \
	{ 92, "UG-M", start, NULL, prorate, cycle, prepaid,                                        \
	  .lines = ROWS(struct t_line, { 103, "support", 1000, 10000, 25 }) }

static const struct prepay_case prepay_cases[] = {
	{
		/* the quarter is cut at the contract's last month, February.
		 * support: January 300.00 + February 300.00 x 14/28 = 150.00 -> 450.00
		 * backup: 2 x 12.50 = 25.00 + 25.00 x 14/28 = 12.50 -> 37.50 at 13 %
		 * VAT: 450.00 x 25 % = 112.50; 37.50 x 13 % = 4.875 -> 4.88
		 * net 487.50, VAT 117.38, gross 604.88 */
		.name = "quarterly prepaid contract ending mid-quarter",
		.contract = UG_Q, .month = "2027-01", .rc = 1, .first = "2027-01", .last = "2027-02",
		.lines = ROWS(struct want_prepay_line,
			{ 101, { 30000, 15000 }, 2, 45000 }, { 102, { 2500, 1250 }, 2, 3750 }),
		.vnet = { 45000, 3750 }, .vtax = { 11250, 488 }, .net = 48750, .tax = 11738, .gross = 60488,
	},
	{ .name = "its second month: nothing due", .contract = UG_Q, .month = "2027-02", .rc = 0 },
	{ .name = "after it ended: nothing due", .contract = UG_Q, .month = "2027-04", .rc = 0 },
	{
		/* starts 10 February: its first period is February..March.
		 * 100.00 x 19/28 = 67.857 -> 67.86, + 100.00 = 167.86; VAT 41.965 -> 41.97 */
		.name = "quarterly daily contract starting mid-quarter",
		.contract = UG_M("2027-02-10", PRORATE_DAILY, CYCLE_QUARTERLY, 1),
		.month = "2027-02", .rc = 1, .first = "2027-02", .last = "2027-03",
		.lines = ROWS(struct want_prepay_line, { 103, { 6786, 10000 }, 2, 16786 }),
		.vnet = { 16786 }, .vtax = { 4197 }, .net = 16786, .tax = 4197, .gross = 20983,
	},
	{ .name = "mid-quarter contract, its second month", .contract = UG_M("2027-02-10", PRORATE_DAILY, CYCLE_QUARTERLY, 1), .month = "2027-03", .rc = 0 },
	{ .name = "before the contract starts", .contract = UG_M("2027-02-10", PRORATE_DAILY, CYCLE_QUARTERLY, 1), .month = "2027-01", .rc = 0 },
	{
		/* the next calendar quarter: 3 x 100.00, VAT 75.00 */
		.name = "the next whole quarter",
		.contract = UG_M("2027-02-10", PRORATE_DAILY, CYCLE_QUARTERLY, 1),
		.month = "2027-04", .rc = 1, .first = "2027-04", .last = "2027-06",
		.lines = ROWS(struct want_prepay_line, { 103, { 10000, 10000, 10000 }, 3, 30000 }),
		.vnet = { 30000 }, .vtax = { 7500 }, .net = 30000, .tax = 7500, .gross = 37500,
	},
	{
		/* monthly proration: the start month is whole, 100.00 + 100.00 */
		.name = "quarterly monthly-prorated contract starting mid-quarter",
		.contract = UG_M("2027-02-10", PRORATE_MONTHLY, CYCLE_QUARTERLY, 1),
		.month = "2027-02", .rc = 1, .first = "2027-02", .last = "2027-03",
		.lines = ROWS(struct want_prepay_line, { 103, { 10000, 10000 }, 2, 20000 }),
		.vnet = { 20000 }, .vtax = { 5000 }, .net = 20000, .tax = 5000, .gross = 25000,
	},
	{
		/* yearly from July: the first period is July..December, 6 x 100.00 */
		.name = "yearly contract starting in July",
		.contract = UG_M("2026-07-01", PRORATE_MONTHLY, CYCLE_YEARLY, 1),
		.month = "2026-07", .rc = 1, .first = "2026-07", .last = "2026-12",
		.lines = ROWS(struct want_prepay_line, { 103, { 10000, 10000, 10000, 10000, 10000, 10000 }, 6, 60000 }),
		.vnet = { 60000 }, .vtax = { 15000 }, .net = 60000, .tax = 15000, .gross = 75000,
	},
	{
		.name = "the yearly contract's next year",
		.contract = UG_M("2026-07-01", PRORATE_MONTHLY, CYCLE_YEARLY, 1),
		.month = "2027-01", .rc = 1, .first = "2027-01", .last = "2027-12",
		.lines = ROWS(struct want_prepay_line,
			{ 103, { 10000, 10000, 10000, 10000, 10000, 10000, 10000, 10000, 10000, 10000, 10000, 10000 }, 12, 120000 }),
		.vnet = { 120000 }, .vtax = { 30000 }, .net = 120000, .tax = 30000, .gross = 150000,
	},
	{
		/* half-yearly from 20 March: March..June, 4 whole months */
		.name = "half-yearly contract starting in March",
		.contract = UG_M("2027-03-20", PRORATE_MONTHLY, CYCLE_HALF_YEARLY, 1),
		.month = "2027-03", .rc = 1, .first = "2027-03", .last = "2027-06",
		.lines = ROWS(struct want_prepay_line, { 103, { 10000, 10000, 10000, 10000 }, 4, 40000 }),
		.vnet = { 40000 }, .vtax = { 10000 }, .net = 40000, .tax = 10000, .gross = 50000,
	},
	{
		.name = "monthly prepaid: every month",
		.contract = UG_M("2027-01-01", PRORATE_MONTHLY, CYCLE_MONTHLY, 1),
		.month = "2027-05", .rc = 1, .first = "2027-05", .last = "2027-05",
		.lines = ROWS(struct want_prepay_line, { 103, { 10000 }, 1, 10000 }),
		.vnet = { 10000 }, .vtax = { 2500 }, .net = 10000, .tax = 2500, .gross = 12500,
	},
	{ .name = "a contract after the month: never", .contract = UG_M("2027-01-01", PRORATE_MONTHLY, CYCLE_QUARTERLY, 0), .month = "2027-01", .rc = 0 },
};

static void test_prepay(void **state)
{
	(void)state;
	for (size_t n = 0; n < N(prepay_cases); n++) {
		const struct prepay_case *c = &prepay_cases[n];
		struct spec_case sc = { .name = c->name, .month = c->month,
					.contracts = &c->contract, .n_contracts = 1 };
		struct built b;
		struct bill_prepay p;
		const char *why = NULL;
		size_t i = 0;
		int rc;

		build(&sc, &b, 0);
		strcpy(b.contracts[0].client_name, "Firma d.o.o.");
		rc = bill_prepay_contract(&b.contracts[0], b.ctx.month, &p, &why);
		if (rc != c->rc)
			fail_msg("%s: rc %d, want %d (%s)", c->name, rc, c->rc, why ? why : "");
		if (rc != 1) {
			assert_int_equal(p.n_lines, 0);
			assert_null(p.lines);
			built_free(&b);
			continue;
		}
		EQ("contract", p.contract_id, c->contract.id);
		assert_string_equal(p.contract_number, c->contract.number);
		EQ("client", p.client_id, CLIENT_ID);
		assert_string_equal(p.client_name, "Firma d.o.o.");
		EQ("first", p.first, month_of(c->first));
		EQ("last", p.last, month_of(c->last));
		if (p.n_lines != c->n_lines)
			fail_msg("%s: %zu lines, want %zu", c->name, p.n_lines, c->n_lines);
		for (i = 0; i < c->n_lines; i++) {
			const struct want_prepay_line *w = &c->lines[i];

			EQ("line", p.lines[i].line_id, w->line);
			EQ("months", p.last - p.first + 1, w->n_months);
			for (int k = 0; k < w->n_months; k++)
				EQ("month amount", p.lines[i].month_amounts[k], w->months[k]);
			EQ("amount", p.lines[i].amount, w->amount);
		}
		i = 0;
		for (int k = 0; k < BILL_VAT_RATES; k++) {
			EQ("vat net", p.vat[k].net, c->vnet[k]);
			EQ("vat tax", p.vat[k].tax, c->vtax[k]);
		}
		EQ("net", p.net, c->net);
		EQ("tax", p.tax, c->tax);
		EQ("gross", p.gross, c->gross);
		bill_prepay_clear(&p);
		built_free(&b);
	}
}

/*
 * What was prepaid is what the month-end computes: record each month's
 * amount of the mid-quarter contract as prepaid and every month of the
 * period shows only prepaid lines, nothing charged.
 */
static void test_prepay_matches_month_end(void **state)
{
	const struct t_contract tc[] = { UG_Q };
	struct spec_case sc = { .name = "prepay then month-end", .month = "2027-01", .contracts = tc,
				.n_contracts = 1 };
	struct built b;
	struct bill_prepay p;
	struct bill_prepaid items[4];
	size_t n = 0;
	const char *why = NULL;

	(void)state;
	build(&sc, &b, 0);
	assert_int_equal(bill_prepay_contract(&b.contracts[0], b.ctx.month, &p, &why), 1);
	for (size_t i = 0; i < p.n_lines; i++)
		for (int32_t m = p.first; m <= p.last; m++)
			items[n++] = (struct bill_prepaid){ 1, 91, p.lines[i].line_id, m,
							    p.lines[i].month_amounts[m - p.first] };
	assert_int_equal(n, 4);
	b.in.prepaid = items;
	b.in.n_prepaid = n;
	for (int32_t m = p.first; m <= p.last; m++) {
		struct bill_spec s;

		b.ctx.month = m;
		assert_int_equal(bill_client_spec(&b.ctx, &b.in, &s, &why), 0);
		assert_int_equal(s.n_lines, 2);
		for (size_t i = 0; i < s.n_lines; i++) {
			assert_int_equal(s.lines[i].kind, LINE_PREPAID);
			assert_int_equal(s.lines[i].charged, 0);
		}
		/* lines by id: 101 support then 102 backup */
		assert_int_equal(s.lines[0].amount, m == p.first ? 30000 : 15000);
		assert_int_equal(s.lines[1].amount, m == p.first ? 2500 : 1250);
		assert_int_equal(s.net, 0);
		assert_int_equal(s.gross, 0);
		bill_spec_clear(&s);
	}
	bill_prepay_clear(&p);
	built_free(&b);
}

/* ---- the summary ---- */

static void test_summary(void **state)
{
	struct bill_summary sum;
	struct bill_spec a, empty, big;

	(void)state;
	memset(&a, 0, sizeof(a));
	memset(&empty, 0, sizeof(empty));
	memset(&big, 0, sizeof(big));
	a.n_lines = 3;
	a.work_seconds = 5700;
	a.work_rounded = 7200;
	a.vat[0] = (struct bill_vat_total){ 25, 3500, 875, 4375 };
	a.vat[1] = (struct bill_vat_total){ 13, 1000, 130, 1130 };
	a.net = 4500;
	a.tax = 1005;
	a.gross = 5505;
	bill_summary_init(&sum, month_of("2027-05"));
	assert_int_equal(sum.vat[0].vat, 25);
	assert_int_equal(sum.vat[3].vat, 0);
	assert_int_equal(bill_summary_add(&sum, &a), 0);
	assert_int_equal(bill_summary_add(&sum, &empty), 0); /* no lines: not a client */
	assert_int_equal(bill_summary_add(&sum, &a), 0);
	assert_int_equal(sum.clients, 2);
	assert_int_equal(sum.work_seconds, 11400);
	assert_int_equal(sum.work_rounded, 14400);
	assert_int_equal(sum.vat[0].net, 7000);
	assert_int_equal(sum.vat[0].tax, 1750);
	assert_int_equal(sum.vat[1].gross, 2260);
	assert_int_equal(sum.net, 9000);
	assert_int_equal(sum.tax, 2010);
	assert_int_equal(sum.gross, 11010);
	big.n_lines = 1;
	big.net = big.gross = INT64_MAX;
	assert_int_equal(bill_summary_add(&sum, &big), -1);
	assert_int_equal(sum.clients, 2); /* unchanged */
	assert_int_equal(sum.net, 9000);
}

/* ---- names ---- */

static void test_names(void **state)
{
	enum bill_unit u;
	enum bill_proration p;
	enum bill_cycle c;
	enum bill_round_mode m;
	enum bill_round_per r;
	static const char *const units[] = { "month", "day", "hour", "piece" };
	static const char *const kinds[] = { "contract", "prepaid", "prepaid_diff", "work", "extra",
					     "adjustment" };
	static const struct {
		enum bill_cycle c;
		const char *name;
	} cycles[] = { { CYCLE_MONTHLY, "monthly" }, { CYCLE_QUARTERLY, "quarterly" },
		       { CYCLE_HALF_YEARLY, "half_yearly" }, { CYCLE_YEARLY, "yearly" } };

	(void)state;
	for (int i = 0; i < BILL_UNIT_COUNT; i++) {
		assert_string_equal(bill_unit_name((enum bill_unit)i), units[i]);
		assert_int_equal(bill_unit_parse(units[i], &u), 0);
		assert_int_equal(u, i);
	}
	for (size_t i = 0; i < N(cycles); i++) {
		assert_string_equal(bill_cycle_name(cycles[i].c), cycles[i].name);
		assert_int_equal(bill_cycle_parse(cycles[i].name, &c), 0);
		assert_int_equal(c, cycles[i].c);
	}
	for (size_t i = 0; i < N(kinds); i++)
		assert_string_equal(bill_line_kind_name((enum bill_line_kind)i), kinds[i]);
	assert_string_equal(bill_proration_name(PRORATE_MONTHLY), "monthly");
	assert_string_equal(bill_proration_name(PRORATE_DAILY), "daily");
	assert_int_equal(bill_proration_parse("daily", &p), 0);
	assert_int_equal(p, PRORATE_DAILY);
	assert_string_equal(bill_round_mode_name(ROUND_NEAREST), "nearest");
	assert_int_equal(bill_round_mode_parse("up", &m), 0);
	assert_int_equal(m, ROUND_UP);
	assert_string_equal(bill_round_per_name(ROUND_PER_TICKET), "ticket");
	assert_int_equal(bill_round_per_parse("entry", &r), 0);
	assert_int_equal(r, ROUND_PER_ENTRY);
	/* unknown text is refused; an unknown value reads "unknown" */
	assert_int_equal(bill_unit_parse("week", &u), -1);
	assert_int_equal(bill_unit_parse("Month", &u), -1);
	assert_int_equal(bill_unit_parse(NULL, &u), -1);
	assert_int_equal(bill_cycle_parse("half-yearly", &c), -1);
	assert_int_equal(bill_cycle_parse(NULL, &c), -1);
	assert_int_equal(bill_proration_parse("", &p), -1);
	assert_int_equal(bill_round_mode_parse("down", &m), -1);
	assert_int_equal(bill_round_per_parse("month", &r), -1);
	assert_string_equal(bill_cycle_name((enum bill_cycle)2), "unknown");
	assert_string_equal(bill_unit_name((enum bill_unit)9), "unknown");
	assert_string_equal(bill_line_kind_name((enum bill_line_kind)-1), "unknown");
	assert_true(bill_vat_valid(25) && bill_vat_valid(13) && bill_vat_valid(5) && bill_vat_valid(0));
	assert_false(bill_vat_valid(22) || bill_vat_valid(10) || bill_vat_valid(-25));
}

/* ---- the premise of the rows above: local days in Europe/Zagreb ---- */

struct local_case {
	const char *utc, *local_day;
};

static const struct local_case local_cases[] = {
	{ "2027-01-31 22:50", "2027-01-31" }, /* 23:50 CET */
	{ "2027-01-31 23:10", "2027-02-01" }, /* 00:10 CET */
	{ "2027-06-30 21:50", "2027-06-30" }, /* 23:50 CEST */
	{ "2027-06-30 22:10", "2027-07-01" }, /* 00:10 CEST */
	{ "2027-03-28 00:30", "2027-03-28" }, /* 01:30 CET, before the change */
	{ "2027-10-30 22:30", "2027-10-31" }, /* 00:30 CEST, before the change */
};

static void test_local_days(void **state)
{
	char buf[16];
	int32_t d;

	(void)state;
	for (size_t i = 0; i < N(local_cases); i++)
		assert_string_equal(cal_date_format(clock_local_day(utc(local_cases[i].utc)), buf),
				    local_cases[i].local_day);
	d = day_of("2027-03-28");
	assert_int_equal(clock_day_start(d + 1) - clock_day_start(d), 23 * 3600);
	d = day_of("2027-10-31");
	assert_int_equal(clock_day_start(d + 1) - clock_day_start(d), 25 * 3600);
	d = day_of("2027-05-05");
	assert_int_equal(clock_day_start(d + 1) - clock_day_start(d), 24 * 3600);
	/* February's entries start at 2027-01-31 23:00 UTC */
	assert_int_equal(clock_day_start(day_of("2027-02-01")), utc("2027-01-31 23:00"));
}

static int setup_zone(void **state)
{
	(void)state;
	return clock_set_zone("Europe/Zagreb");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_local_days),
		cmocka_unit_test(test_line_month_amount),
		cmocka_unit_test(test_round_seconds),
		cmocka_unit_test(test_period),
		cmocka_unit_test(test_contract_check),
		cmocka_unit_test(test_vat_totals),
		cmocka_unit_test(test_client_spec),
		cmocka_unit_test(test_technicians_cut),
		cmocka_unit_test(test_prepay),
		cmocka_unit_test(test_prepay_matches_month_end),
		cmocka_unit_test(test_summary),
		cmocka_unit_test(test_names),
	};

	return cmocka_run_group_tests(tests, setup_zone, NULL);
}
