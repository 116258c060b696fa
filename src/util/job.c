/*
 * job: the background threads of `evid serve` (see job.h).  Each job has
 * its own lock and condition variable; the waits are on CLOCK_MONOTONIC so
 * that a change of the wall clock neither skips nor stretches an interval.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "util/job.h"
#include "util/xalloc.h"

struct job {
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cond;
	const char *name;
	int interval;
	job_fn run;
	void *arg;
	int woken;	 /* under mu */
	atomic_int stop; /* set under mu, read anywhere */
};

static void *job_main(void *p)
{
	struct job *j = p;
	struct timespec deadline;

	while (!atomic_load(&j->stop)) {
		j->run(j->arg, &j->stop);
		pthread_mutex_lock(&j->mu);
		clock_gettime(CLOCK_MONOTONIC, &deadline);
		deadline.tv_sec += j->interval;
		while (!j->woken && !atomic_load(&j->stop)) {
			if (pthread_cond_timedwait(&j->cond, &j->mu, &deadline) == ETIMEDOUT)
				break;
		}
		j->woken = 0;
		pthread_mutex_unlock(&j->mu);
	}
	return NULL;
}

struct job *job_start(const char *name, int interval_seconds, job_fn run, void *arg, char *err,
		      size_t errsz)
{
	struct job *j = xcalloc(1, sizeof(*j));
	pthread_condattr_t ca;

	j->name = name;
	j->interval = interval_seconds > 0 ? interval_seconds : 1;
	j->run = run;
	j->arg = arg;
	atomic_init(&j->stop, 0);
	pthread_mutex_init(&j->mu, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&j->cond, &ca);
	pthread_condattr_destroy(&ca);
	if (pthread_create(&j->thread, NULL, job_main, j) != 0) {
		snprintf(err, errsz, "cannot start the %s thread", name);
		pthread_cond_destroy(&j->cond);
		pthread_mutex_destroy(&j->mu);
		free(j);
		return NULL;
	}
	return j;
}

void job_wake(struct job *j)
{
	if (!j)
		return;
	pthread_mutex_lock(&j->mu);
	j->woken = 1;
	pthread_cond_broadcast(&j->cond);
	pthread_mutex_unlock(&j->mu);
}

void job_stop(struct job *j)
{
	if (!j)
		return;
	pthread_mutex_lock(&j->mu);
	atomic_store(&j->stop, 1);
	pthread_cond_broadcast(&j->cond);
	pthread_mutex_unlock(&j->mu);
	pthread_join(j->thread, NULL);
	pthread_cond_destroy(&j->cond);
	pthread_mutex_destroy(&j->mu);
	free(j);
}
