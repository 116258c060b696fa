/*
 * Unit tests for util/job: a pass runs at once, then only after the
 * interval or a wake; job_stop returns at once however long the interval,
 * with the stop flag seen by a pass that is running.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdatomic.h>
#include <time.h>
#include <unistd.h>

#include "util/job.h"

struct counter {
	atomic_int passes;
	atomic_int saw_stop;
	int sleep_ms; /* each pass waits this long, looking at stop */
};

static void count_pass(void *arg, atomic_int *stop)
{
	struct counter *c = arg;

	atomic_fetch_add(&c->passes, 1);
	for (int i = 0; i < c->sleep_ms && !atomic_load(stop); i++)
		usleep(1000);
	if (atomic_load(stop))
		atomic_store(&c->saw_stop, 1);
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Wait up to 2 s for the counter to reach n. */
static int wait_passes(struct counter *c, int n)
{
	for (int i = 0; i < 2000; i++) {
		if (atomic_load(&c->passes) >= n)
			return 1;
		usleep(1000);
	}
	return 0;
}

static void test_runs_at_once_then_on_wake(void **state)
{
	struct counter c = {0};
	char err[128];
	struct job *j;

	(void)state;
	j = job_start("test", 3600, count_pass, &c, err, sizeof(err));
	assert_non_null(j);
	assert_true(wait_passes(&c, 1));
	usleep(50000);
	assert_int_equal(atomic_load(&c.passes), 1); /* nothing before the interval */
	job_wake(j);
	assert_true(wait_passes(&c, 2));
	job_wake(j);
	assert_true(wait_passes(&c, 3));
	usleep(50000);
	assert_int_equal(atomic_load(&c.passes), 3);
	job_stop(j);
	job_wake(NULL);
	job_stop(NULL);
}

static void test_interval(void **state)
{
	struct counter c = {0};
	char err[128];
	struct job *j;
	double t0 = now_s();

	(void)state;
	j = job_start("test", 1, count_pass, &c, err, sizeof(err));
	assert_non_null(j);
	assert_true(wait_passes(&c, 1));
	assert_true(wait_passes(&c, 2));
	assert_true(now_s() - t0 >= 0.9); /* the second pass waited the interval */
	job_stop(j);
}

static void test_stop_is_prompt_and_seen_by_the_pass(void **state)
{
	struct counter c = {.sleep_ms = 10000};
	char err[128];
	struct job *j;
	double t0;

	(void)state;
	j = job_start("test", 3600, count_pass, &c, err, sizeof(err));
	assert_non_null(j);
	assert_true(wait_passes(&c, 1));
	t0 = now_s();
	job_stop(j); /* the pass is in its 10 s sleep: it sees stop and returns */
	assert_true(now_s() - t0 < 1.0);
	assert_int_equal(atomic_load(&c.saw_stop), 1);
	assert_int_equal(atomic_load(&c.passes), 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_runs_at_once_then_on_wake),
	    cmocka_unit_test(test_interval),
	    cmocka_unit_test(test_stop_is_prompt_and_seen_by_the_pass),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
