/*
 * web: the HTTP server (libmicrohttpd, the only user of it).  A thread pool
 * answers requests concurrently; each request borrows one store connection
 * from a pool for its duration, so no lock is held longer than one store
 * transaction.
 */
#ifndef EVID_WEB_WEB_H
#define EVID_WEB_WEB_H

#include "util/config.h"

/*
 * Serve HTTP on conf->listen with conf->threads workers against the
 * database at conf->db_path (which must be migrated to the binary's
 * schema).  Blocks until SIGINT or SIGTERM, then stops accepting, finishes
 * the requests in flight and returns 0.  Returns -1 with a message on stderr
 * when it cannot start (address in use, database unusable).
 */
int web_serve(const struct config *conf);

#endif
