/*
 * Unit tests for core/timer: what starting a stopwatch means in every
 * situation, the time entry a stop produces, and the checks on entries
 * given or corrected by hand.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "core/model.h"
#include "core/timer.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* 2026-11-27T13:05:00Z */
#define NOW 1795784700LL

enum running_kind { RUN_NONE, RUN_SAME, RUN_OTHER };

struct plan_case {
	enum running_kind running;
	enum ticket_status st;
	enum timer_start_plan want;
};

static const struct plan_case plan_cases[] = {
	{ RUN_NONE, STATUS_NEW, TIMER_START },
	{ RUN_NONE, STATUS_OPEN, TIMER_START },
	{ RUN_NONE, STATUS_WAITING, TIMER_START },
	{ RUN_NONE, STATUS_RESOLVED, TIMER_START },
	{ RUN_NONE, STATUS_CLOSED, TIMER_REFUSE_CLOSED },
	{ RUN_SAME, STATUS_NEW, TIMER_ALREADY },
	{ RUN_SAME, STATUS_OPEN, TIMER_ALREADY },
	{ RUN_SAME, STATUS_WAITING, TIMER_ALREADY },
	{ RUN_SAME, STATUS_RESOLVED, TIMER_ALREADY },
	{ RUN_SAME, STATUS_CLOSED, TIMER_REFUSE_CLOSED },
	{ RUN_OTHER, STATUS_NEW, TIMER_SWITCH },
	{ RUN_OTHER, STATUS_OPEN, TIMER_SWITCH },
	{ RUN_OTHER, STATUS_WAITING, TIMER_SWITCH },
	{ RUN_OTHER, STATUS_RESOLVED, TIMER_SWITCH },
	{ RUN_OTHER, STATUS_CLOSED, TIMER_REFUSE_CLOSED },
};

static void test_plan_start(void **state)
{
	struct timer_running r = { .user_id = 7, .ticket_id = 0, .started_at = NOW - 600 };
	const int64_t ticket = 42;
	size_t i;

	(void)state;
	assert_int_equal(N(plan_cases), 3 * STATUS_COUNT);
	for (i = 0; i < N(plan_cases); i++) {
		const struct plan_case *c = &plan_cases[i];
		const struct timer_running *rp = NULL;
		enum timer_start_plan got;

		if (c->running != RUN_NONE) {
			r.ticket_id = c->running == RUN_SAME ? ticket : ticket + 1;
			rp = &r;
		}
		got = timer_plan_start(rp, ticket, c->st);
		if (got != c->want)
			fail_msg("case %zu: got plan %d, want %d", i, got, c->want);
	}
}

static void test_make_entry_normal(void **state)
{
	struct timer_running r = { .user_id = 7, .ticket_id = 42, .started_at = NOW - 5400 };
	struct time_entry e;

	(void)state;
	memset(&e, 0x5a, sizeof(e)); /* every field must be set, not left over */
	timer_make_entry(&r, NOW, BILLING_BILLABLE, &e);
	assert_int_equal(e.id, 0);
	assert_int_equal(e.ticket_id, 42);
	assert_int_equal(e.user_id, 7);
	assert_int_equal(e.started_at, NOW - 5400);
	assert_int_equal(e.ended_at, NOW);
	assert_int_equal(e.seconds, 5400);
	assert_int_equal(e.billable, 1);
	assert_string_equal(e.note, "");
	assert_string_equal(e.user_name, "");
}

static void test_make_entry_clock_backwards(void **state)
{
	struct timer_running r = { .user_id = 3, .ticket_id = 9, .started_at = NOW };
	struct time_entry e;

	(void)state;
	timer_make_entry(&r, NOW - 3600, BILLING_BILLABLE, &e);
	assert_int_equal(e.started_at, NOW);
	assert_int_equal(e.ended_at, NOW);
	assert_int_equal(e.seconds, 0);
	assert_int_equal(e.ticket_id, 9);
	assert_int_equal(e.user_id, 3);

	/* Stopped in the same second it started. */
	timer_make_entry(&r, NOW, BILLING_BILLABLE, &e);
	assert_int_equal(e.ended_at, NOW);
	assert_int_equal(e.seconds, 0);

	/* Extreme values must neither overflow nor go negative. */
	r.started_at = INT64_MIN;
	timer_make_entry(&r, INT64_MAX, BILLING_BILLABLE, &e);
	assert_true(e.seconds >= 0);
	assert_true(e.ended_at >= e.started_at);
	assert_int_equal(e.ended_at - e.started_at, e.seconds);
}

struct billing_case {
	enum billing_kind billing;
	int billable;
};

static const struct billing_case billing_cases[] = {
	{ BILLING_BILLABLE, 1 },
	{ BILLING_FREE, 0 },
	{ BILLING_WARRANTY, 0 },
};

static void test_make_entry_billing(void **state)
{
	struct timer_running r = { .user_id = 7, .ticket_id = 42, .started_at = NOW - 60 };
	struct time_entry e;
	size_t i;

	(void)state;
	for (i = 0; i < N(billing_cases); i++) {
		timer_make_entry(&r, NOW, billing_cases[i].billing, &e);
		if (e.billable != billing_cases[i].billable)
			fail_msg("billing %d: billable %d", billing_cases[i].billing, e.billable);
		assert_int_equal(e.seconds, 60);
	}
}

struct check_case {
	int64_t started_at, ended_at, now;
	int rc;
	int64_t seconds;  /* when rc == 0 */
	const char *why;  /* a word the message must contain when rc == -1 */
};

static const struct check_case check_cases[] = {
	{ NOW - 3600, NOW, NOW, 0, 3600, NULL },
	{ NOW - 1, NOW, NOW, 0, 1, NULL },
	{ NOW - 7200, NOW - 3600, NOW, 0, 3600, NULL },
	/* exactly 24 hours is allowed, one second more is not */
	{ NOW - 86400, NOW, NOW, 0, 86400, NULL },
	{ NOW - 86401, NOW, NOW, -1, 0, "24 hours" },
	{ NOW - 30 * 86400, NOW, NOW, -1, 0, "24 hours" },
	/* equal and reversed start and end */
	{ NOW, NOW, NOW, -1, 0, "after" },
	{ NOW, NOW - 1, NOW, -1, 0, "after" },
	{ NOW, NOW - 3600, NOW + 7200, -1, 0, "after" },
	/* up to a minute of clock skew is tolerated */
	{ NOW - 600, NOW + 60, NOW, 0, 660, NULL },
	{ NOW - 600, NOW + 61, NOW, -1, 0, "future" },
	{ NOW + 3600, NOW + 7200, NOW, -1, 0, "future" },
	/* an entry long ago is fine */
	{ 0, 3600, NOW, 0, 3600, NULL },
	/* overflow-bait */
	{ INT64_MIN, INT64_MAX, NOW, -1, 0, "24 hours" },
	{ INT64_MAX - 10, INT64_MAX, NOW, -1, 0, "future" },
	{ NOW - 10, NOW, INT64_MAX, 0, 10, NULL },
};

static void test_entry_check(void **state)
{
	struct time_entry e;
	const char *why;
	size_t i;
	int rc;

	(void)state;
	for (i = 0; i < N(check_cases); i++) {
		const struct check_case *c = &check_cases[i];

		memset(&e, 0, sizeof(e));
		e.started_at = c->started_at;
		e.ended_at = c->ended_at;
		e.seconds = -12345;
		why = "unset";
		rc = time_entry_check(&e, c->now, &why);
		if (rc != c->rc)
			fail_msg("case %zu: rc %d, want %d", i, rc, c->rc);
		if (rc == 0) {
			assert_int_equal(e.seconds, c->seconds);
			assert_null(why);
		} else {
			assert_non_null(why);
			if (!strstr(why, c->why))
				fail_msg("case %zu: message \"%s\" lacks \"%s\"", i, why, c->why);
		}
	}
}

static void test_entry_check_messages(void **state)
{
	struct time_entry e = { .started_at = NOW, .ended_at = NOW };
	const char *why = NULL;

	(void)state;
	assert_int_equal(time_entry_check(&e, NOW, &why), -1);
	assert_string_equal(why, "ended_at must be after started_at");
	/* why may be NULL when the caller only wants the verdict */
	e.started_at = NOW - 10;
	assert_int_equal(time_entry_check(&e, NOW, NULL), 0);
	assert_int_equal(e.seconds, 10);
	assert_int_equal(TIME_ENTRY_MAX_SECONDS, 86400);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plan_start),
		cmocka_unit_test(test_make_entry_normal),
		cmocka_unit_test(test_make_entry_clock_backwards),
		cmocka_unit_test(test_make_entry_billing),
		cmocka_unit_test(test_entry_check),
		cmocka_unit_test(test_entry_check_messages),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
