/*
 * Unit tests for core/ticket: the full status transition matrix and the
 * human ticket number ("2026-000123") in both directions.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "core/model.h"
#include "core/ticket.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

static const char *const names[] = { "new", "open", "waiting", "resolved", "closed" };

/*
 * Every (from, to) pair, spelled out: 1 allowed, 0 refused.  Rows are from,
 * columns to, in the order new, open, waiting, resolved, closed.
 */
static const int expected_moves[STATUS_COUNT][STATUS_COUNT] = {
	/* new  */ { 1, 1, 1, 1, 1 },
	/* open */ { 0, 1, 1, 1, 1 },
	/* wait */ { 0, 1, 1, 1, 1 },
	/* resv */ { 0, 1, 0, 1, 1 },
	/* clsd */ { 0, 1, 0, 0, 1 },
};

static void test_status_matrix(void **state)
{
	int from, to, got, allowed = 0;

	(void)state;
	for (from = 0; from < STATUS_COUNT; from++) {
		for (to = 0; to < STATUS_COUNT; to++) {
			got = ticket_status_allowed((enum ticket_status)from,
						    (enum ticket_status)to);
			if (got != expected_moves[from][to])
				fail_msg("%s -> %s: got %d, want %d", names[from], names[to], got,
					 expected_moves[from][to]);
			allowed += got;
		}
	}
	/* 25 pairs: 5 no-ops + 4 from new + 3 from open + 3 from waiting + 2 + 1. */
	assert_int_equal(allowed, 18);
}

/* The rules in words, as a second view of the same table. */
static void test_status_rules(void **state)
{
	int s;

	(void)state;
	for (s = 0; s < STATUS_COUNT; s++) {
		assert_true(ticket_status_allowed((enum ticket_status)s, (enum ticket_status)s));
		if (s != STATUS_NEW)
			assert_false(ticket_status_allowed((enum ticket_status)s, STATUS_NEW));
		assert_true(ticket_status_allowed((enum ticket_status)s, STATUS_OPEN));
	}
	assert_false(ticket_status_allowed(STATUS_CLOSED, STATUS_RESOLVED));
	assert_false(ticket_status_allowed(STATUS_CLOSED, STATUS_WAITING));
	assert_false(ticket_status_allowed(STATUS_RESOLVED, STATUS_WAITING));
	assert_true(ticket_status_allowed(STATUS_RESOLVED, STATUS_CLOSED));
	assert_true(ticket_status_allowed(STATUS_NEW, STATUS_CLOSED));
	assert_true(ticket_status_allowed(STATUS_WAITING, STATUS_RESOLVED));
}

static void test_status_out_of_range(void **state)
{
	(void)state;
	assert_false(ticket_status_allowed((enum ticket_status)STATUS_COUNT, STATUS_OPEN));
	assert_false(ticket_status_allowed(STATUS_OPEN, (enum ticket_status)STATUS_COUNT));
	assert_false(ticket_status_is_active((enum ticket_status)STATUS_COUNT));
}

static void test_status_is_active(void **state)
{
	static const int want[STATUS_COUNT] = { 1, 1, 1, 1, 0 };
	int s;

	(void)state;
	for (s = 0; s < STATUS_COUNT; s++)
		if (ticket_status_is_active((enum ticket_status)s) != want[s])
			fail_msg("is_active(%s) != %d", names[s], want[s]);
}

struct number_case {
	int year;
	int64_t seq;
	const char *want; /* NULL: refused */
};

static const struct number_case format_cases[] = {
	{ 2026, 123, "2026-000123" },
	{ 2026, 1, "2026-000001" },
	{ 2026, 999999, "2026-999999" },
	{ 2026, 100000, "2026-100000" },
	{ 1000, 1, "1000-000001" },
	{ 9999, 42, "9999-000042" },
	{ 2025, 10, "2025-000010" },
	{ 999, 1, NULL },
	{ 0, 1, NULL },
	{ -2026, 1, NULL },
	{ 10000, 1, NULL },
	{ 2026, 0, NULL },
	{ 2026, -1, NULL },
	{ 2026, 1000000, NULL },
	{ 2026, INT64_MAX, NULL },
	{ 2026, INT64_MIN, NULL },
};

static void test_number_format(void **state)
{
	char out[TICKET_NUMBER_LEN + 1];
	size_t i;
	int rc;

	(void)state;
	for (i = 0; i < N(format_cases); i++) {
		const struct number_case *c = &format_cases[i];

		memset(out, 'x', sizeof(out));
		rc = ticket_number_format(c->year, c->seq, out);
		if (c->want) {
			if (rc != 0)
				fail_msg("format(%d, %lld) refused", c->year, (long long)c->seq);
			assert_string_equal(out, c->want);
			assert_int_equal(strlen(out), TICKET_NUMBER_LEN);
		} else if (rc != -1) {
			fail_msg("format(%d, %lld) accepted", c->year, (long long)c->seq);
		}
	}
}

static void test_number_round_trip(void **state)
{
	static const int years[] = { 1000, 1999, 2025, 2026, 2100, 9999 };
	static const int64_t seqs[] = { 1, 9, 10, 99, 123, 1000, 65536, 100000, 999998, 999999 };
	char out[TICKET_NUMBER_LEN + 1];
	size_t i, j;
	int64_t seq;
	int year;

	(void)state;
	for (i = 0; i < N(years); i++) {
		for (j = 0; j < N(seqs); j++) {
			assert_int_equal(ticket_number_format(years[i], seqs[j], out), 0);
			year = 0;
			seq = 0;
			assert_int_equal(ticket_number_parse(out, &year, &seq), 0);
			assert_int_equal(year, years[i]);
			assert_int_equal(seq, seqs[j]);
		}
	}
}

static void test_number_parse(void **state)
{
	int64_t seq;
	int year;

	(void)state;
	assert_int_equal(ticket_number_parse("2026-000123", &year, &seq), 0);
	assert_int_equal(year, 2026);
	assert_int_equal(seq, 123);
	assert_int_equal(ticket_number_parse("9999-999999", &year, &seq), 0);
	assert_int_equal(year, 9999);
	assert_int_equal(seq, 999999);
	assert_int_equal(ticket_number_parse("1000-000001", &year, &seq), 0);
	assert_int_equal(year, 1000);
	assert_int_equal(seq, 1);
}

static const char *const malformed[] = {
	"",
	"2026",
	"2026-",
	"2026-00012",     /* sequence too short */
	"2026-0001234",   /* too long */
	"2026-000123 ",
	" 2026-000123",
	"2026-000123\n",
	"2026_000123",
	"2026 000123",
	"20260-00123",
	"026-0000123",
	"26-000123",
	"2026--00123",
	"2026-+00123",
	"+026-000123",
	"-026-000123",
	"2026-00012a",
	"2O26-000123",    /* letter O */
	"0999-000001",    /* year below 1000 */
	"0000-000001",
	"2026-000000",    /* sequence 0 */
	"2026/000123",
	"2026-0x0123",
	"2026-\xd9\xa1\xd9\xa2\xd9\xa3", /* Arabic-Indic digits are not digits here */
};

static void test_number_malformed(void **state)
{
	int64_t seq = 77;
	int year = 77;
	size_t i;

	(void)state;
	for (i = 0; i < N(malformed); i++)
		if (ticket_number_parse(malformed[i], &year, &seq) != -1)
			fail_msg("parse accepted \"%s\"", malformed[i]);
	assert_int_equal(ticket_number_parse(NULL, &year, &seq), -1);
	/* Nothing is written on failure. */
	assert_int_equal(year, 77);
	assert_int_equal(seq, 77);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_status_matrix),
		cmocka_unit_test(test_status_rules),
		cmocka_unit_test(test_status_out_of_range),
		cmocka_unit_test(test_status_is_active),
		cmocka_unit_test(test_number_format),
		cmocka_unit_test(test_number_round_trip),
		cmocka_unit_test(test_number_parse),
		cmocka_unit_test(test_number_malformed),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
