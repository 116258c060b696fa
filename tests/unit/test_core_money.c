/*
 * Unit tests for core/money: formatting cents for Croatian and English
 * readers, parsing what people type, and rounding half away from zero.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "core/money.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

struct format_case {
	int64_t cents;
	char dec, thousands;
	const char *want;
};

static const struct format_case format_cases[] = {
	{ 0, ',', '.', "0,00" },
	{ 5, ',', '.', "0,05" },
	{ 50, ',', '.', "0,50" },
	{ 100, ',', '.', "1,00" },
	{ 99999, ',', '.', "999,99" },
	{ 100000, ',', '.', "1.000,00" },
	{ 123456, ',', '.', "1.234,56" },
	{ 123456, '.', ',', "1,234.56" },
	{ 123456, ',', 0, "1234,56" },
	{ 123456, '.', 0, "1234.56" },
	{ 100000000, ',', '.', "1.000.000,00" },
	{ 12345678901, '.', ',', "123,456,789.01" },
	{ -5, ',', '.', "-0,05" },
	{ -100, ',', '.', "-1,00" },
	{ -123456, ',', '.', "-1.234,56" },
	{ -123456, '.', ',', "-1,234.56" },
	{ -99999999, ',', '.', "-999.999,99" },
	{ INT64_MAX, ',', '.', "92.233.720.368.547.758,07" },
	{ INT64_MIN, ',', '.', "-92.233.720.368.547.758,08" },
	{ INT64_MIN, '.', 0, "-92233720368547758.08" },
};

static void test_format(void **state)
{
	char out[MONEY_STR_MAX];
	size_t i;

	(void)state;
	for (i = 0; i < N(format_cases); i++) {
		const struct format_case *c = &format_cases[i];

		memset(out, 'x', sizeof(out));
		if (money_format(c->cents, c->dec, c->thousands, out, sizeof(out)) != 0)
			fail_msg("format(%lld) failed", (long long)c->cents);
		assert_string_equal(out, c->want);
	}
}

static void test_format_small_buffer(void **state)
{
	char out[16];

	(void)state;
	/* "1.234,56" is 8 bytes: it needs 9 with the NUL. */
	assert_int_equal(money_format(123456, ',', '.', out, 9), 0);
	assert_string_equal(out, "1.234,56");
	memset(out, 'x', sizeof(out));
	assert_int_equal(money_format(123456, ',', '.', out, 8), -1);
	assert_string_equal(out, ""); /* never a truncated amount that looks real */
	assert_int_equal(money_format(-5, ',', '.', out, 5), -1);
	assert_int_equal(money_format(-5, ',', '.', out, 6), 0);
	assert_string_equal(out, "-0,05");
	assert_int_equal(money_format(0, ',', '.', out, 0), -1);
	assert_int_equal(money_format(0, ',', '.', NULL, 0), -1);
}

struct parse_case {
	const char *s;
	int rc;
	int64_t cents;
};

static const struct parse_case parse_cases[] = {
	{ "1234.56", 0, 123456 },
	{ "1234,56", 0, 123456 },
	{ "-3", 0, -300 },
	{ "0.5", 0, 50 },
	{ "0,5", 0, 50 },
	{ "0.05", 0, 5 },
	{ "-0.01", 0, -1 },
	{ "-0,99", 0, -99 },
	{ "0", 0, 0 },
	{ "-0", 0, 0 },
	{ "-0.00", 0, 0 },
	{ "007.10", 0, 710 },
	{ "45", 0, 4500 },
	{ "1000000", 0, 100000000 },
	{ "92233720368547758.07", 0, INT64_MAX },
	{ "-92233720368547758.08", 0, INT64_MIN },
	/* malformed */
	{ "", -1, 0 },
	{ "-", -1, 0 },
	{ "1.2.3", -1, 0 },
	{ "12.345", -1, 0 },     /* three decimals: a thousands separator, not cents */
	{ "1.234,56", -1, 0 },   /* thousands separators are refused, not guessed */
	{ "1,234.56", -1, 0 },
	{ "1.234.567", -1, 0 },
	{ "1,2,3", -1, 0 },
	{ "5.", -1, 0 },
	{ "5,", -1, 0 },
	{ ".5", -1, 0 },
	{ ",50", -1, 0 },
	{ "+5", -1, 0 },
	{ "--5", -1, 0 },
	{ "-.5", -1, 0 },
	{ " 5", -1, 0 },
	{ "5 ", -1, 0 },
	{ "5 EUR", -1, 0 },
	{ "€5", -1, 0 },
	{ "1e3", -1, 0 },
	{ "0x10", -1, 0 },
	{ "abc", -1, 0 },
	{ "1 234,56", -1, 0 },
	{ "1.5.", -1, 0 },
	/* out of range */
	{ "92233720368547758.08", -1, 0 },
	{ "-92233720368547758.09", -1, 0 },
	{ "92233720368547759", -1, 0 },
	{ "99999999999999999999", -1, 0 },
	{ "184467440737095516.16", -1, 0 },
	{ "-1000000000000000000000000", -1, 0 },
};

static void test_parse(void **state)
{
	int64_t v;
	size_t i;
	int rc;

	(void)state;
	for (i = 0; i < N(parse_cases); i++) {
		const struct parse_case *c = &parse_cases[i];

		v = 424242;
		rc = money_parse(c->s, &v);
		if (rc != c->rc)
			fail_msg("parse(\"%s\"): rc %d, want %d", c->s, rc, c->rc);
		if (rc == 0 && v != c->cents)
			fail_msg("parse(\"%s\"): %lld, want %lld", c->s, (long long)v,
				 (long long)c->cents);
		if (rc != 0 && v != 424242)
			fail_msg("parse(\"%s\") wrote a value on failure", c->s);
	}
	assert_int_equal(money_parse(NULL, &v), -1);
}

/* What money_format writes without thousands separators, money_parse reads back. */
static void test_round_trip(void **state)
{
	static const int64_t values[] = {
		0, 1, -1, 99, 100, -100, 123456, -123456, 4500, 100000000,
		INT64_MAX, INT64_MIN, INT64_MAX - 1, INT64_MIN + 1,
	};
	char out[MONEY_STR_MAX];
	int64_t v;
	size_t i;

	(void)state;
	for (i = 0; i < N(values); i++) {
		assert_int_equal(money_format(values[i], ',', 0, out, sizeof(out)), 0);
		assert_int_equal(money_parse(out, &v), 0);
		assert_int_equal(v, values[i]);
		assert_int_equal(money_format(values[i], '.', 0, out, sizeof(out)), 0);
		assert_int_equal(money_parse(out, &v), 0);
		assert_int_equal(v, values[i]);
	}
}

struct muldiv_case {
	int64_t amount, num, den;
	int rc;
	int64_t want;
};

static const struct muldiv_case muldiv_cases[] = {
	/* exact */
	{ 10000, 25, 100, 0, 2500 },          /* 25 % VAT on 100,00 */
	{ 4500, 3600, 3600, 0, 4500 },        /* one hour at 45,00/h */
	{ 0, 12345, 7, 0, 0 },
	/* below half rounds toward zero, both signs */
	{ 14, 1, 10, 0, 1 },
	{ -14, 1, 10, 0, -1 },
	{ 100, 1, 3, 0, 33 },
	{ -100, 1, 3, 0, -33 },
	{ 4500, 3601, 3600, 0, 4501 },        /* 4501,25 */
	/* exactly half rounds away from zero, both signs */
	{ 5, 1, 2, 0, 3 },
	{ -5, 1, 2, 0, -3 },
	{ 5, -1, 2, 0, -3 },
	{ -5, -1, 2, 0, 3 },
	{ 15, 1, 10, 0, 2 },
	{ -15, 1, 10, 0, -2 },
	{ 25, 1, 10, 0, 3 },                  /* not banker's rounding (which gives 2) */
	{ -25, 1, 10, 0, -3 },
	{ 1, 1, 2, 0, 1 },
	{ -1, 1, 2, 0, -1 },
	{ 4500, 1800, 3600 * 2, 0, 1125 },
	{ 4500, 1, 3600 * 8, 0, 0 },          /* 0,156... */
	{ 4500, 32, 3600, 0, 40 },            /* 40,0 */
	{ 4500, 34, 3600, 0, 43 },            /* 42,5 */
	{ -4500, 34, 3600, 0, -43 },
	/* above half rounds away from zero */
	{ 200, 1, 3, 0, 67 },
	{ -200, 1, 3, 0, -67 },
	{ 7, 1, 2, 0, 4 },
	/* large intermediate products that do not fit in 64 bits */
	{ INT64_MAX, 3, 3, 0, INT64_MAX },
	{ INT64_MIN, 7, 7, 0, INT64_MIN },
	{ INT64_MAX, INT64_MAX, INT64_MAX, 0, INT64_MAX },
	{ 4611686018427387904LL, 4, 8, 0, 2305843009213693952LL },
	/* refused */
	{ 100, 1, 0, -1, 0 },
	{ 100, 1, -1, -1, 0 },
	{ 100, 1, INT64_MIN, -1, 0 },
	{ INT64_MAX, 2, 1, -1, 0 },
	{ INT64_MIN, -1, 1, -1, 0 },
	{ INT64_MIN, INT64_MIN, 1, -1, 0 },
	{ INT64_MAX, INT64_MAX, 2, -1, 0 },
};

static void test_muldiv(void **state)
{
	int64_t v;
	size_t i;
	int rc;

	(void)state;
	for (i = 0; i < N(muldiv_cases); i++) {
		const struct muldiv_case *c = &muldiv_cases[i];

		v = 424242;
		rc = money_muldiv(c->amount, c->num, c->den, &v);
		if (rc != c->rc)
			fail_msg("muldiv(%lld, %lld, %lld): rc %d, want %d", (long long)c->amount,
				 (long long)c->num, (long long)c->den, rc, c->rc);
		if (rc == 0 && v != c->want)
			fail_msg("muldiv(%lld, %lld, %lld) = %lld, want %lld",
				 (long long)c->amount, (long long)c->num, (long long)c->den,
				 (long long)v, (long long)c->want);
		if (rc != 0 && v != 424242)
			fail_msg("muldiv case %zu wrote a value on failure", i);
	}
}

/* Rounding half away from zero is symmetric: f(-a) == -f(a) for every a. */
static void test_muldiv_symmetric(void **state)
{
	int64_t a, pos, neg;
	int den;

	(void)state;
	for (den = 1; den <= 12; den++) {
		for (a = 0; a <= 1000; a++) {
			assert_int_equal(money_muldiv(a, 1, den, &pos), 0);
			assert_int_equal(money_muldiv(-a, 1, den, &neg), 0);
			assert_int_equal(neg, -pos);
			/* and it is the nearest integer to a / den */
			assert_true(2 * (pos * den - a) <= den);
			assert_true(2 * (a - pos * den) < den);
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_format),
		cmocka_unit_test(test_format_small_buffer),
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_muldiv),
		cmocka_unit_test(test_muldiv_symmetric),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
