/*
 * Unit tests for core/calendar: day numbers against known dates, leap years,
 * month indexes and their boundaries, and the strict YYYY-MM / YYYY-MM-DD
 * parsers.  Every table row is one case; a failure names the row.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "core/calendar.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* Day numbers worked out independently: (t / 86400) of the UTC midnight,
 * e.g. `date -u -d 2027-01-01 +%s` = 1798761600 = 20819 * 86400. */
struct day_case {
	int y, m, d;
	int32_t day;
};

static const struct day_case day_cases[] = {
	{ 1970, 1, 1, 0 },
	{ 1970, 1, 2, 1 },
	{ 1969, 12, 31, -1 },
	{ 1900, 1, 1, -25567 },
	{ 1900, 3, 1, -25508 },   /* 1900 is not leap: Jan 31 + Feb 28 = 59 days on */
	{ 2000, 2, 29, 11016 },
	{ 2000, 3, 1, 11017 },
	{ 2024, 2, 29, 19782 },
	{ 2024, 12, 31, 20088 },
	{ 2027, 1, 1, 20819 },
	{ 2027, 3, 28, 20905 },   /* summer time starts in Zagreb */
	{ 2027, 10, 31, 21122 },  /* summer time ends */
	{ 2028, 2, 29, 21243 },
	{ 2100, 2, 28, 47540 },
	{ 2100, 3, 1, 47541 },    /* 2100 is not leap: no Feb 29 in between */
	{ 9999, 12, 31, 2932896 },
};

static void test_day_numbers(void **state)
{
	(void)state;
	for (size_t i = 0; i < N(day_cases); i++) {
		const struct day_case *c = &day_cases[i];
		int y = 0, m = 0, d = 0;

		if (cal_day(c->y, c->m, c->d) != c->day)
			fail_msg("cal_day(%d-%d-%d) = %d, want %d", c->y, c->m, c->d,
				 cal_day(c->y, c->m, c->d), c->day);
		cal_civil(c->day, &y, &m, &d);
		if (y != c->y || m != c->m || d != c->d)
			fail_msg("cal_civil(%d) = %d-%d-%d, want %d-%d-%d", c->day, y, m, d, c->y,
				 c->m, c->d);
	}
}

/* Every day from 1900 to 2101 round-trips and follows the one before. */
static void test_day_round_trip(void **state)
{
	int32_t from = cal_day(1900, 1, 1), to = cal_day(2101, 1, 1);
	int py = 1899, pm = 12, pd = 31;

	(void)state;
	for (int32_t day = from; day < to; day++) {
		int y, m, d;

		cal_civil(day, &y, &m, &d);
		assert_int_equal(cal_day(y, m, d), day);
		assert_true(cal_date_valid(y, m, d));
		if (d == pd + 1) {
			assert_int_equal(m, pm);
			assert_int_equal(y, py);
		} else {
			assert_int_equal(d, 1);
			assert_int_equal(pd, cal_days_in_month(py, pm));
			assert_true((m == pm + 1 && y == py) || (m == 1 && pm == 12 && y == py + 1));
		}
		py = y, pm = m, pd = d;
	}
	/* A null out pointer is allowed. */
	cal_civil(0, NULL, NULL, NULL);
}

struct leap_case {
	int y;
	int leap, feb_days;
};

static const struct leap_case leap_cases[] = {
	{ 1900, 0, 28 }, /* divisible by 100, not by 400 */
	{ 2000, 1, 29 }, /* divisible by 400 */
	{ 2023, 0, 28 },
	{ 2024, 1, 29 },
	{ 2027, 0, 28 },
	{ 2028, 1, 29 },
	{ 2100, 0, 28 },
	{ 2400, 1, 29 },
};

static void test_leap_years(void **state)
{
	(void)state;
	for (size_t i = 0; i < N(leap_cases); i++) {
		const struct leap_case *c = &leap_cases[i];

		if (cal_leap_year(c->y) != c->leap || cal_days_in_month(c->y, 2) != c->feb_days)
			fail_msg("year %d: leap %d feb %d, want %d %d", c->y, cal_leap_year(c->y),
				 cal_days_in_month(c->y, 2), c->leap, c->feb_days);
	}
	assert_int_equal(cal_days_in_month(2027, 1), 31);
	assert_int_equal(cal_days_in_month(2027, 4), 30);
	assert_int_equal(cal_days_in_month(2027, 12), 31);
	assert_int_equal(cal_days_in_month(2027, 0), 0);
	assert_int_equal(cal_days_in_month(2027, 13), 0);
}

struct valid_case {
	int y, m, d;
	int valid;
};

static const struct valid_case valid_cases[] = {
	{ 2027, 1, 31, 1 },  { 2027, 4, 31, 0 },  { 2027, 2, 29, 0 },  { 2028, 2, 29, 1 },
	{ 2100, 2, 29, 0 },  { 2000, 2, 29, 1 },  { 2027, 0, 1, 0 },   { 2027, 13, 1, 0 },
	{ 2027, 1, 0, 0 },   { 2027, 12, 32, 0 }, { 1899, 12, 31, 0 }, { 1900, 1, 1, 1 },
	{ 9999, 12, 31, 1 }, { 10000, 1, 1, 0 },
};

static void test_date_valid(void **state)
{
	(void)state;
	for (size_t i = 0; i < N(valid_cases); i++) {
		const struct valid_case *c = &valid_cases[i];

		if (cal_date_valid(c->y, c->m, c->d) != c->valid)
			fail_msg("cal_date_valid(%d-%d-%d) != %d", c->y, c->m, c->d, c->valid);
	}
}

/* Months: index, first and last day, length. */
struct month_case {
	const char *text;
	int32_t index;
	const char *first, *last;
	int days;
};

static const struct month_case month_cases[] = {
	{ "1900-01", 1900 * 12, "1900-01-01", "1900-01-31", 31 },
	{ "1900-02", 1900 * 12 + 1, "1900-02-01", "1900-02-28", 28 },
	{ "2000-02", 2000 * 12 + 1, "2000-02-01", "2000-02-29", 29 },
	{ "2024-02", 2024 * 12 + 1, "2024-02-01", "2024-02-29", 29 },
	{ "2027-01", 2027 * 12, "2027-01-01", "2027-01-31", 31 },
	{ "2027-02", 2027 * 12 + 1, "2027-02-01", "2027-02-28", 28 },
	{ "2027-04", 2027 * 12 + 3, "2027-04-01", "2027-04-30", 30 },
	{ "2027-12", 2027 * 12 + 11, "2027-12-01", "2027-12-31", 31 },
	{ "2028-02", 2028 * 12 + 1, "2028-02-01", "2028-02-29", 29 },
	{ "2100-02", 2100 * 12 + 1, "2100-02-01", "2100-02-28", 28 },
	{ "9999-12", 9999 * 12 + 11, "9999-12-01", "9999-12-31", 31 },
};

static void test_months(void **state)
{
	(void)state;
	for (size_t i = 0; i < N(month_cases); i++) {
		const struct month_case *c = &month_cases[i];
		int32_t idx = -1, first = -1, last = -1;
		char buf[16];
		int y, m;

		if (cal_month_parse(c->text, &idx) != 0 || idx != c->index)
			fail_msg("%s: parsed %d, want %d", c->text, idx, c->index);
		assert_string_equal(cal_month_format(idx, buf), c->text);
		assert_int_equal(cal_date_parse(c->first, &first), 0);
		assert_int_equal(cal_date_parse(c->last, &last), 0);
		assert_int_equal(cal_month_first_day(idx), first);
		assert_int_equal(cal_month_last_day(idx), last);
		assert_int_equal(cal_month_days(idx), c->days);
		assert_int_equal(last - first + 1, c->days);
		/* The boundary: the last day is in the month, the next day is the next month. */
		assert_int_equal(cal_month_of_day(first), idx);
		assert_int_equal(cal_month_of_day(last), idx);
		assert_int_equal(cal_month_of_day(last + 1), idx + 1);
		assert_int_equal(cal_month_of_day(first - 1), idx - 1);
		cal_month_ym(idx, &y, &m);
		assert_int_equal(cal_month(y, m), idx);
	}
}

/* December + 1 is January of the next year; 0 is January of year 0. */
static void test_month_arithmetic(void **state)
{
	int32_t dec, idx;
	char buf[16];
	int y, m;

	(void)state;
	assert_int_equal(cal_month_parse("2027-12", &dec), 0);
	assert_string_equal(cal_month_format(dec + 1, buf), "2028-01");
	assert_string_equal(cal_month_format(dec - 11, buf), "2027-01");
	assert_string_equal(cal_month_format(dec - 12, buf), "2026-12");
	cal_month_ym(0, &y, &m);
	assert_int_equal(y, 0);
	assert_int_equal(m, 1);
	cal_month_ym(-1, &y, &m); /* floor division: December of year -1 */
	assert_int_equal(y, -1);
	assert_int_equal(m, 12);
	assert_string_equal(cal_month_format(cal_month(10000, 1), buf), "\?\?\?\?-\?\?");
	assert_string_equal(cal_month_format(-1, buf), "\?\?\?\?-\?\?");
	assert_int_equal(cal_month_parse("2027-03", &idx), 0);
	assert_int_equal(cal_month_first_day(idx), cal_day(2027, 3, 1));
}

struct parse_case {
	const char *text;
	int ok;
	int y, m, d; /* when ok */
};

static const struct parse_case month_parse_cases[] = {
	{ "2027-01", 1, 2027, 1, 0 },
	{ "2027-12", 1, 2027, 12, 0 },
	{ "1900-01", 1, 1900, 1, 0 },
	{ "9999-12", 1, 9999, 12, 0 },
	{ "2027-13", 0 },
	{ "2027-00", 0 },
	{ "2027-1", 0 },
	{ "2027-1x", 0 },
	{ "2027-01x", 0 },  /* trailing garbage */
	{ "2027-01 ", 0 },
	{ " 2027-01", 0 },
	{ "2027-01-01", 0 },
	{ "2027/01", 0 },
	{ "27-01", 0 },
	{ "1899-12", 0 },
	{ "+027-01", 0 },
	{ "-027-01", 0 },
	{ "20270-1", 0 },
	{ "", 0 },
	{ "2027", 0 },
	{ "2027-", 0 },
};

static void test_month_parse(void **state)
{
	(void)state;
	for (size_t i = 0; i < N(month_parse_cases); i++) {
		const struct parse_case *c = &month_parse_cases[i];
		int32_t out = 12345;
		int rc = cal_month_parse(c->text, &out);

		if (c->ok) {
			if (rc != 0 || out != cal_month(c->y, c->m))
				fail_msg("\"%s\": rc %d out %d", c->text, rc, out);
		} else if (rc != -1 || out != 12345) {
			fail_msg("\"%s\": accepted (rc %d, out %d)", c->text, rc, out);
		}
	}
	assert_int_equal(cal_month_parse(NULL, &(int32_t){ 0 }), -1);
}

static const struct parse_case date_parse_cases[] = {
	{ "2027-01-01", 1, 2027, 1, 1 },
	{ "2028-02-29", 1, 2028, 2, 29 },
	{ "2000-02-29", 1, 2000, 2, 29 },
	{ "2027-12-31", 1, 2027, 12, 31 },
	{ "1900-01-01", 1, 1900, 1, 1 },
	{ "9999-12-31", 1, 9999, 12, 31 },
	{ "2027-02-29", 0 },  /* not a leap year */
	{ "2100-02-29", 0 },
	{ "1900-02-29", 0 },
	{ "2027-04-31", 0 },
	{ "2027-13-01", 0 },
	{ "2027-00-10", 0 },
	{ "2027-01-00", 0 },
	{ "2027-01-32", 0 },
	{ "2027-1-01", 0 },
	{ "2027-01-1", 0 },
	{ "2027-01-01x", 0 }, /* trailing garbage */
	{ "2027-01-01T00:00", 0 },
	{ "2027-01-01 ", 0 },
	{ "2027-01", 0 },
	{ "2027.01.01", 0 },
	{ "1899-12-31", 0 },
	{ "", 0 },
};

static void test_date_parse(void **state)
{
	(void)state;
	for (size_t i = 0; i < N(date_parse_cases); i++) {
		const struct parse_case *c = &date_parse_cases[i];
		int32_t out = 12345;
		char buf[16];
		int rc = cal_date_parse(c->text, &out);

		if (c->ok) {
			if (rc != 0 || out != cal_day(c->y, c->m, c->d))
				fail_msg("\"%s\": rc %d out %d", c->text, rc, out);
			assert_string_equal(cal_date_format(out, buf), c->text);
		} else if (rc != -1 || out != 12345) {
			fail_msg("\"%s\": accepted (rc %d, out %d)", c->text, rc, out);
		}
	}
	assert_int_equal(cal_date_parse(NULL, &(int32_t){ 0 }), -1);
}

static void test_date_format(void **state)
{
	char buf[16];

	(void)state;
	assert_string_equal(cal_date_format(0, buf), "1970-01-01");
	assert_string_equal(cal_date_format(-1, buf), "1969-12-31");
	assert_string_equal(cal_date_format(21243, buf), "2028-02-29");
	assert_string_equal(cal_date_format(cal_day(10000, 1, 1), buf), "\?\?\?\?-\?\?-\?\?");
	assert_int_equal(strlen(buf), 10);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_day_numbers),  cmocka_unit_test(test_day_round_trip),
		cmocka_unit_test(test_leap_years),   cmocka_unit_test(test_date_valid),
		cmocka_unit_test(test_months),       cmocka_unit_test(test_month_arithmetic),
		cmocka_unit_test(test_month_parse),  cmocka_unit_test(test_date_parse),
		cmocka_unit_test(test_date_format),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
