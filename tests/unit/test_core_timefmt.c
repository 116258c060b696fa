/*
 * Unit tests for core/timefmt: RFC 3339 out and in (zones, fractions, leap
 * years, the ends of the range), the civil-date arithmetic, and durations.
 * The expected instants were computed independently (Python's calendar.timegm).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "core/timefmt.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

struct instant {
	int64_t t;
	const char *text;
};

static const struct instant instants[] = {
	{ 0, "1970-01-01T00:00:00Z" },
	{ 1, "1970-01-01T00:00:01Z" },
	{ -1, "1969-12-31T23:59:59Z" },
	{ 86399, "1970-01-01T23:59:59Z" },
	{ 951782400, "2000-02-29T00:00:00Z" },   /* 2000 is a leap year (divisible by 400) */
	{ 951868800, "2000-03-01T00:00:00Z" },
	{ 1709208000, "2024-02-29T12:00:00Z" },
	{ 1774746000, "2026-03-29T01:00:00Z" },  /* the hour Zagreb moves to summer time */
	{ 1795784700, "2026-11-27T13:05:00Z" },
	{ 2147483647, "2038-01-19T03:14:07Z" },  /* the last second of 32-bit time_t */
	{ 2147483648, "2038-01-19T03:14:08Z" },
	{ 4102444800, "2100-01-01T00:00:00Z" },
	{ 4133980799, "2100-12-31T23:59:59Z" },
	{ -11676096000, "1600-01-01T00:00:00Z" },
	{ -62135596800, "0001-01-01T00:00:00Z" },
	{ 253402300799, "9999-12-31T23:59:59Z" },
};

static void test_format(void **state)
{
	char out[RFC3339_LEN + 1];
	size_t i;

	(void)state;
	for (i = 0; i < N(instants); i++) {
		memset(out, 'x', sizeof(out));
		timefmt_rfc3339(instants[i].t, out);
		assert_string_equal(out, instants[i].text);
	}
}

/* Instants outside four-digit years are pinned to the ends, never overrun. */
static void test_format_clamped(void **state)
{
	char out[RFC3339_LEN + 1];

	(void)state;
	timefmt_rfc3339(INT64_MAX, out);
	assert_string_equal(out, "9999-12-31T23:59:59Z");
	timefmt_rfc3339(253402300800, out);
	assert_string_equal(out, "9999-12-31T23:59:59Z");
	timefmt_rfc3339(INT64_MIN, out);
	assert_string_equal(out, "0000-01-01T00:00:00Z");
}

static void test_parse_utc(void **state)
{
	int64_t t;
	size_t i;

	(void)state;
	for (i = 0; i < N(instants); i++) {
		t = 42;
		if (timefmt_parse_rfc3339(instants[i].text, &t) != 0)
			fail_msg("refused \"%s\"", instants[i].text);
		assert_int_equal(t, instants[i].t);
	}
}

struct parse_case {
	const char *s;
	int rc;
	int64_t t;
};

static const struct parse_case parse_cases[] = {
	/* offsets: the same instant, 2026-11-27T13:05:00Z */
	{ "2026-11-27T14:05:00+01:00", 0, 1795784700 },
	{ "2026-11-27T13:05:00+00:00", 0, 1795784700 },
	{ "2026-11-27T13:05:00-00:00", 0, 1795784700 },
	{ "2026-11-27T07:35:00-05:30", 0, 1795784700 },
	{ "2026-11-28T02:05:00+13:00", 0, 1795784700 },
	{ "2026-11-27T00:05:00-13:00", 0, 1795784700 },
	{ "2026-11-27t13:05:00z", 0, 1795784700 },
	/* fractional seconds are dropped, never rounded up */
	{ "2026-11-27T13:05:00.999Z", 0, 1795784700 },
	{ "2026-11-27T13:05:00.0Z", 0, 1795784700 },
	{ "2026-11-27T14:05:00.123456789+01:00", 0, 1795784700 },
	/* an offset that crosses midnight and the year */
	{ "1970-01-01T01:00:00+01:00", 0, 0 },
	{ "1969-12-31T23:00:00-01:00", 0, 0 },
	{ "2000-01-01T00:30:00+01:00", 0, 946683000 },
	/* leap years */
	{ "2024-02-29T00:00:00Z", 0, 1709164800 },
	{ "2000-02-29T00:00:00Z", 0, 951782400 },
	{ "2400-02-29T00:00:00Z", 0, 13574563200 },
	{ "2023-02-29T00:00:00Z", -1, 0 },
	{ "2100-02-29T00:00:00Z", -1, 0 },   /* divisible by 100, not by 400 */
	{ "1900-02-29T00:00:00Z", -1, 0 },
	{ "2024-02-30T00:00:00Z", -1, 0 },
	{ "2026-02-30T00:00:00Z", -1, 0 },
	{ "2026-04-31T00:00:00Z", -1, 0 },
	{ "2026-06-31T00:00:00Z", -1, 0 },
	{ "2026-09-31T00:00:00Z", -1, 0 },
	{ "2026-11-31T00:00:00Z", -1, 0 },
	{ "2026-12-31T00:00:00Z", 0, 1798675200 },
	/* fields out of range */
	{ "2026-00-10T00:00:00Z", -1, 0 },
	{ "2026-13-10T00:00:00Z", -1, 0 },
	{ "2026-01-00T00:00:00Z", -1, 0 },
	{ "2026-01-32T00:00:00Z", -1, 0 },
	{ "2026-01-01T24:00:00Z", -1, 0 },
	{ "2026-01-01T23:60:00Z", -1, 0 },
	{ "2026-01-01T23:59:60Z", -1, 0 },   /* leap second: no POSIX time */
	{ "2026-01-01T00:00:00+24:00", -1, 0 },
	{ "2026-01-01T00:00:00+01:60", -1, 0 },
	/* malformed */
	{ "", -1, 0 },
	{ "2026", -1, 0 },
	{ "2026-01-01", -1, 0 },
	{ "2026-01-01T00:00", -1, 0 },
	{ "2026-01-01T00:00:00", -1, 0 },     /* no zone: ambiguous */
	{ "2026-01-01 00:00:00Z", -1, 0 },
	{ "2026-01-01T00:00:00 Z", -1, 0 },
	{ "2026-01-01T00:00:00Z ", -1, 0 },
	{ " 2026-01-01T00:00:00Z", -1, 0 },
	{ "2026-01-01T00:00:00ZZ", -1, 0 },
	{ "2026-01-01T00:00:00.Z", -1, 0 },
	{ "2026-01-01T00:00:00,5Z", -1, 0 },
	{ "2026-01-01T00:00:00+01", -1, 0 },
	{ "2026-01-01T00:00:00+0100", -1, 0 },
	{ "2026-01-01T00:00:00+1:00", -1, 0 },
	{ "2026-01-01T00:00:00UTC", -1, 0 },
	{ "2026-1-01T00:00:00Z", -1, 0 },
	{ "2026-01-1T00:00:00Z", -1, 0 },
	{ "2026-01-01T0:00:00Z", -1, 0 },
	{ "26-01-01T00:00:00Z", -1, 0 },
	{ "+2026-01-01T00:00:00Z", -1, 0 },
	{ "-2026-01-01T00:00:00Z", -1, 0 },
	{ "20260-01-01T00:00:00Z", -1, 0 },
	{ "2026/01/01T00:00:00Z", -1, 0 },
	{ "2026-01-01T00-00-00Z", -1, 0 },
	{ "1795784700", -1, 0 },
};

static void test_parse(void **state)
{
	int64_t t;
	size_t i;
	int rc;

	(void)state;
	for (i = 0; i < N(parse_cases); i++) {
		const struct parse_case *c = &parse_cases[i];

		t = 42;
		rc = timefmt_parse_rfc3339(c->s, &t);
		if (rc != c->rc)
			fail_msg("parse(\"%s\"): rc %d, want %d", c->s, rc, c->rc);
		if (rc == 0 && t != c->t)
			fail_msg("parse(\"%s\") = %lld, want %lld", c->s, (long long)t,
				 (long long)c->t);
		if (rc != 0 && t != 42)
			fail_msg("parse(\"%s\") wrote a value on failure", c->s);
	}
	assert_int_equal(timefmt_parse_rfc3339(NULL, &t), -1);
}

/* Format then parse gives the instant back, across four centuries. */
static void test_round_trip(void **state)
{
	char out[RFC3339_LEN + 1];
	int64_t t, back;

	(void)state;
	/* a step of 1 day + 1 hour + 1 minute + 7 s walks through every field */
	for (t = -11676096000; t < 13574563200; t += 90067) {
		timefmt_rfc3339(t, out);
		assert_int_equal(timefmt_parse_rfc3339(out, &back), 0);
		assert_int_equal(back, t);
	}
}

/*
 * days_from_civil against plain counting: walk every day from 1600 to 2400
 * with a month table and check the day number goes up by exactly one.
 */
static void test_days_from_civil(void **state)
{
	static const unsigned mdays[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	int64_t y, expect;
	unsigned m, d, last;

	(void)state;
	assert_int_equal(timefmt_days_from_civil(1970, 1, 1), 0);
	assert_int_equal(timefmt_days_from_civil(1969, 12, 31), -1);
	assert_int_equal(timefmt_days_from_civil(2000, 3, 1), 11017);
	assert_int_equal(timefmt_days_from_civil(2026, 11, 27), 20784);
	assert_int_equal(timefmt_days_from_civil(0, 3, 1), -719468);
	expect = timefmt_days_from_civil(1600, 1, 1);
	assert_int_equal(expect, -135140);
	for (y = 1600; y <= 2400; y++) {
		for (m = 1; m <= 12; m++) {
			last = mdays[m - 1];
			if (m == 2 && y % 4 == 0 && (y % 100 != 0 || y % 400 == 0))
				last = 29;
			for (d = 1; d <= last; d++) {
				if (timefmt_days_from_civil(y, m, d) != expect)
					fail_msg("%lld-%02u-%02u", (long long)y, m, d);
				expect++;
			}
		}
	}
}

struct duration_case {
	int64_t seconds;
	const char *want;
};

static const struct duration_case durations[] = {
	{ 0, "0:00:00" },
	{ 1, "0:00:01" },
	{ 59, "0:00:59" },
	{ 60, "0:01:00" },
	{ 61, "0:01:01" },
	{ 3599, "0:59:59" },
	{ 3600, "1:00:00" },
	{ 5400, "1:30:00" },
	{ 86399, "23:59:59" },
	{ 86400, "24:00:00" },
	{ 90061, "25:01:01" },
	{ 360000, "100:00:00" },
	{ -1, "0:00:00" },
	{ -86400, "0:00:00" },
	{ INT64_MIN, "0:00:00" },
	{ INT64_MAX, "2562047788015215:30:07" },
};

static void test_duration(void **state)
{
	char out[32];
	size_t i;

	(void)state;
	for (i = 0; i < N(durations); i++) {
		memset(out, 'x', sizeof(out));
		timefmt_duration(durations[i].seconds, out, sizeof(out));
		assert_string_equal(out, durations[i].want);
	}
}

/* A short buffer gets a truncated but NUL-terminated string, nothing beyond it. */
static void test_duration_short_buffer(void **state)
{
	char out[8];

	(void)state;
	memset(out, 'x', sizeof(out));
	timefmt_duration(90061, out, 5);
	assert_string_equal(out, "25:0");
	assert_int_equal(out[5], 'x');
	out[0] = 'x';
	timefmt_duration(90061, out, 1);
	assert_int_equal(out[0], '\0');
	timefmt_duration(90061, out, 0);
	timefmt_duration(90061, NULL, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_format),
		cmocka_unit_test(test_format_clamped),
		cmocka_unit_test(test_parse_utc),
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_days_from_civil),
		cmocka_unit_test(test_duration),
		cmocka_unit_test(test_duration_short_buffer),
	};

	/* Nothing here may depend on the process zone: run under a far-off one. */
	setenv("TZ", "Pacific/Chatham", 1);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
