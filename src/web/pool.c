/*
 * pool: a fixed set of store connections lent out under a mutex (see
 * pool.h).  The set is as large as the worker pool, so a worker rarely waits.
 */
#include <assert.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "util/xalloc.h"
#include "web/pool.h"

struct web_pool {
	pthread_mutex_t mu;
	pthread_cond_t freed;
	struct store **all;  /* n connections */
	struct store **idle; /* the n_idle connections not lent out */
	int n, n_idle;
};

struct web_pool *web_pool_open(const char *path, int n, int busy_timeout_ms, int result_cache,
			       char *err, size_t errsz)
{
	struct web_pool *p = xcalloc(1, sizeof(*p));
	pthread_condattr_t ca;
	char msg[512];
	int i, rc;

	pthread_mutex_init(&p->mu, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&p->freed, &ca);
	pthread_condattr_destroy(&ca);
	p->all = xcalloc((size_t)n, sizeof(*p->all));
	p->idle = xcalloc((size_t)n, sizeof(*p->idle));
	for (i = 0; i < n; i++) {
		rc = store_open(path, &p->all[i], msg, sizeof(msg));
		if (rc != STORE_OK) {
			snprintf(err, errsz, "%s", msg);
			goto fail;
		}
		p->n++;
		if (store_set_busy_timeout(p->all[i], busy_timeout_ms) != STORE_OK ||
		    store_set_result_cache(p->all[i], result_cache) != STORE_OK) {
			snprintf(err, errsz, "database '%s': %s", path, store_errmsg(p->all[i]));
			goto fail;
		}
		if (i == 0 && store_check_schema(p->all[0]) != STORE_OK) {
			snprintf(err, errsz,
				 "database '%s' is not ready: %s; run 'evid init' first", path,
				 store_errmsg(p->all[0]));
			goto fail;
		}
		p->idle[p->n_idle++] = p->all[i];
	}
	return p;
fail:
	web_pool_close(p);
	return NULL;
}

struct store *web_pool_get(struct web_pool *p, int wait_ms)
{
	struct store *st = NULL;
	struct timespec deadline;

	clock_gettime(CLOCK_MONOTONIC, &deadline);
	deadline.tv_sec += wait_ms / 1000;
	deadline.tv_nsec += (long)(wait_ms % 1000) * 1000000L;
	if (deadline.tv_nsec >= 1000000000L) {
		deadline.tv_sec++;
		deadline.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&p->mu);
	while (p->n_idle == 0) {
		if (pthread_cond_timedwait(&p->freed, &p->mu, &deadline) == ETIMEDOUT)
			break;
	}
	if (p->n_idle > 0)
		st = p->idle[--p->n_idle];
	pthread_mutex_unlock(&p->mu);
	return st;
}

void web_pool_put(struct web_pool *p, struct store *st)
{
	pthread_mutex_lock(&p->mu);
	assert(p->n_idle < p->n);
	p->idle[p->n_idle++] = st;
	pthread_cond_signal(&p->freed);
	pthread_mutex_unlock(&p->mu);
}

void web_pool_close(struct web_pool *p)
{
	int i;

	if (!p)
		return;
	for (i = 0; i < p->n; i++)
		store_close(p->all[i]);
	pthread_cond_destroy(&p->freed);
	pthread_mutex_destroy(&p->mu);
	free(p->all);
	free(p->idle);
	free(p);
}
