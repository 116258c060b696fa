/*
 * pool: the web server's store connections, one per worker thread, lent to
 * one request at a time (a mutex and a condition variable guard the free
 * list).  A request holds its connection only while its handler runs.
 */
#ifndef EVID_WEB_POOL_H
#define EVID_WEB_POOL_H

#include <stddef.h>

#include "store/store.h"

struct web_pool;

/*
 * Open n connections to the database at path, each waiting up to
 * busy_timeout_ms for a lock (store_set_busy_timeout) and keeping up to
 * result_cache queue answers (store_set_result_cache), and check that the
 * schema is the binary's (store_check_schema).  Returns the pool, or NULL
 * with a message for the user in err (errsz bytes).
 */
struct web_pool *web_pool_open(const char *path, int n, int busy_timeout_ms, int result_cache,
			       char *err, size_t errsz);

/*
 * Borrow a connection, waiting while all are lent out.  Returns NULL when
 * none came free within wait_ms milliseconds (the caller answers 503).
 */
struct store *web_pool_get(struct web_pool *p, int wait_ms);

/* Give back a connection borrowed with web_pool_get. */
void web_pool_put(struct web_pool *p, struct store *st);

/* Close every connection; all must have been given back.  NULL is ignored. */
void web_pool_close(struct web_pool *p);

#endif
