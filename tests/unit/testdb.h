/*
 * testdb: the temporary database the store's unit tests run on, and raw
 * SQLite looks at it that bypass the store.  Header-only; include it after
 * cmocka.h (the raw helpers assert).  Each test keeps the folder and path in
 * its own fixture:
 *
 *   if (testdb_make(fx->dir, fx->path, "store-web") != 0 ||
 *       testdb_open(fx->path, &fx->st, 1) != 0) return -1;
 *   ...
 *   store_close(fx->st); testdb_remove(fx->dir, fx->path);
 */
#ifndef EVID_TESTS_TESTDB_H
#define EVID_TESTS_TESTDB_H

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "store/store.h"

#define TESTDB_DIR_MAX 64
#define TESTDB_PATH_MAX 128

/*
 * Make an empty folder /tmp/evid-test-NAME-XXXXXX into dir and the path of
 * its database into path.  Returns 0, or -1 (with a message) on failure.
 */
static inline int testdb_make(char dir[TESTDB_DIR_MAX], char path[TESTDB_PATH_MAX],
			      const char *name)
{
	if (snprintf(dir, TESTDB_DIR_MAX, "/tmp/evid-test-%s-XXXXXX", name) >= TESTDB_DIR_MAX ||
	    !mkdtemp(dir)) {
		fprintf(stderr, "testdb: cannot make a folder for %s\n", name);
		return -1;
	}
	snprintf(path, TESTDB_PATH_MAX, "%s/evid.db", dir);
	return 0;
}

/*
 * Open the database at path into *st, with the whole schema applied when
 * migrate is 1.  Returns 0, or -1 (with a message) on failure.
 */
static inline int testdb_open(const char *path, struct store **st, int migrate)
{
	char err[256];
	int applied = -1;

	if (store_open(path, st, err, sizeof(err)) != STORE_OK) {
		fprintf(stderr, "testdb: %s\n", err);
		return -1;
	}
	if (migrate &&
	    (store_migrate(*st, &applied) != STORE_OK || applied != store_schema_latest())) {
		fprintf(stderr, "testdb: migrate: %s\n", store_errmsg(*st));
		return -1;
	}
	return 0;
}

/* Remove the database at path, its WAL files and folder dir. */
static inline void testdb_remove(const char *dir, const char *path)
{
	static const char *const suffixes[] = { "", "-wal", "-shm", "-journal" };
	char p[TESTDB_PATH_MAX + 16];
	size_t i;

	for (i = 0; i < sizeof(suffixes) / sizeof(suffixes[0]); i++) {
		snprintf(p, sizeof(p), "%s%s", path, suffixes[i]);
		unlink(p);
	}
	rmdir(dir);
}

/* A connection of its own to the database at path (the caller closes it). */
static inline sqlite3 *testdb_raw(const char *path)
{
	sqlite3 *db = NULL;

	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	sqlite3_busy_timeout(db, 2000);
	return db;
}

/* Run sql on a connection of its own; returns SQLite's result code. */
static inline int testdb_raw_exec(const char *path, const char *sql)
{
	sqlite3 *db = testdb_raw(path);
	int rc = sqlite3_exec(db, sql, NULL, NULL, NULL);

	sqlite3_close(db);
	return rc;
}

/* The first column of the first row of sql (printf-style), as an integer; -1 when none. */
__attribute__((format(printf, 2, 0))) static inline int64_t testdb_raw_vint(const char *path,
									     const char *fmt,
									     va_list ap)
{
	char sql[1024];
	sqlite3 *db;
	sqlite3_stmt *s = NULL;
	int64_t v = -1;

	assert_true(vsnprintf(sql, sizeof(sql), fmt, ap) < (int)sizeof(sql));
	db = testdb_raw(path);
	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &s, NULL), SQLITE_OK);
	if (sqlite3_step(s) == SQLITE_ROW)
		v = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	sqlite3_close(db);
	return v;
}

__attribute__((format(printf, 2, 3))) static inline int64_t testdb_raw_int(const char *path,
									    const char *fmt, ...)
{
	va_list ap;
	int64_t v;

	va_start(ap, fmt);
	v = testdb_raw_vint(path, fmt, ap);
	va_end(ap);
	return v;
}

#endif
