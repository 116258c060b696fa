/*
 * Unit tests for the store (SQLite backend) against a real database file in
 * a fresh folder under /tmp per test.  A second, raw sqlite3 connection is
 * used here only to do what the store must refuse or cannot do by design.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "core/model.h"
#include "core/ticket.h"
#include "store/store.h"
#include "util/crypto.h"
#include "util/xalloc.h"
#include "testdb.h"

/* 2026-03-02T08:00:00Z */
#define NOW 1772438400LL
#define HOUR 3600

struct fx {
	char dir[TESTDB_DIR_MAX];
	char path[TESTDB_PATH_MAX];
	struct store *st;
};

static int fx_setup(void **state)
{
	struct fx *fx = xcalloc(1, sizeof(*fx));

	*state = fx;
	if (testdb_make(fx->dir, fx->path, "store") != 0)
		return -1;
	return testdb_open(fx->path, &fx->st, 0);
}

/* A fresh database with the schema applied. */
static int fx_setup_migrated(void **state)
{
	struct fx *fx;
	int applied = -1;

	if (fx_setup(state) != 0)
		return -1;
	fx = *state;
	if (store_migrate(fx->st, &applied) != STORE_OK || applied != store_schema_latest())
		return -1;
	return 0;
}

static int fx_teardown(void **state)
{
	struct fx *fx = *state;

	store_close(fx->st);
	testdb_remove(fx->dir, fx->path);
	free(fx);
	return 0;
}

/* ---- helpers ---- */

static sqlite3 *raw_open(struct fx *fx)
{
	return testdb_raw(fx->path);
}

static int raw_exec(struct fx *fx, const char *sql)
{
	return testdb_raw_exec(fx->path, sql);
}

static int64_t raw_int(struct fx *fx, const char *sql)
{
	return testdb_raw_int(fx->path, "%s", sql);
}

static void hash_of(const char *secret, char out[CRYPTO_SHA256_HEX])
{
	crypto_sha256_hex(secret, strlen(secret), out);
}

static int64_t add_user(struct fx *fx, const char *email, const char *name, enum user_role role)
{
	struct user u;

	memset(&u, 0, sizeof(u));
	strcpy(u.email, email);
	strcpy(u.name, name);
	u.role = role;
	u.active = 1;
	assert_int_equal(store_user_create(fx->st, &u, "$argon2id$fake", NOW), STORE_OK);
	assert_true(u.id > 0);
	return u.id;
}

static int64_t add_client(struct fx *fx, const char *name, const char *domains)
{
	struct client c;

	memset(&c, 0, sizeof(c));
	strcpy(c.name, name);
	strcpy(c.email_domains, domains);
	c.active = 1;
	assert_int_equal(store_client_create(fx->st, &c, NOW), STORE_OK);
	assert_true(c.id > 0);
	return c.id;
}

static int64_t add_contact(struct fx *fx, int64_t client_id, const char *name, const char *email)
{
	struct contact c;

	memset(&c, 0, sizeof(c));
	c.client_id = client_id;
	strcpy(c.name, name);
	strcpy(c.email, email);
	c.active = 1;
	assert_int_equal(store_contact_create(fx->st, &c, NOW), STORE_OK);
	assert_true(c.id > 0);
	return c.id;
}

static void ticket_init(struct ticket *t, const char *subject)
{
	memset(t, 0, sizeof(*t));
	strcpy(t->subject, subject);
	t->status = STATUS_NEW;
	t->priority = PRIORITY_NORMAL;
	t->channel = CHANNEL_PHONE;
	t->billing = BILLING_BILLABLE;
}

static int64_t add_ticket(struct fx *fx, const char *subject, int year, int64_t now)
{
	struct ticket t;

	ticket_init(&t, subject);
	assert_int_equal(store_ticket_create(fx->st, &t, year, "", 0, now), STORE_OK);
	return t.id;
}

static void patch_status(struct fx *fx, int64_t id, enum ticket_status s, int64_t actor,
			 int64_t now)
{
	struct ticket_patch p;

	memset(&p, 0, sizeof(p));
	p.set = PATCH_STATUS;
	p.status = s;
	assert_int_equal(store_ticket_update(fx->st, id, &p, actor, now, NULL), STORE_OK);
}

static size_t count_events(struct fx *fx, int64_t ticket_id, enum event_kind kind)
{
	struct event_list l;
	size_t i, n = 0;

	assert_int_equal(store_ticket_events(fx->st, ticket_id, &l), STORE_OK);
	for (i = 0; i < l.n; i++)
		n += l.items[i].kind == kind;
	event_list_free(&l);
	return n;
}

/* ---- schema and migrations ---- */

static void test_migrate_idempotent(void **state)
{
	struct fx *fx = *state;
	int v = -1, applied = -1;

	assert_true(store_schema_latest() >= 1);
	assert_int_equal(store_schema_version(fx->st, &v), STORE_OK);
	assert_int_equal(v, 0);
	assert_int_equal(store_check_schema(fx->st), STORE_CONFLICT);
	assert_non_null(strstr(store_errmsg(fx->st), "older than this evid"));

	assert_int_equal(store_migrate(fx->st, &applied), STORE_OK);
	assert_int_equal(applied, store_schema_latest());
	assert_int_equal(store_schema_version(fx->st, &v), STORE_OK);
	assert_int_equal(v, store_schema_latest());

	assert_int_equal(store_migrate(fx->st, &applied), STORE_OK);
	assert_int_equal(applied, 0);
	assert_int_equal(store_migrate(fx->st, NULL), STORE_OK);
	assert_int_equal(store_check_schema(fx->st), STORE_OK);
	assert_int_equal(raw_int(fx, "SELECT count(*) FROM schema_version"), store_schema_latest());

	/* The pragmas the durability promise rests on. */
	assert_int_equal(raw_int(fx, "SELECT count(*) FROM pragma_journal_mode WHERE "
				     "journal_mode = 'wal'"), 1);
	/* And the schema works: a user goes in. */
	add_user(fx, "a@example.hr", "A", ROLE_ADMIN);
}

static void test_schema_newer_refused(void **state)
{
	struct fx *fx = *state;
	char sql[200], want[200];
	int latest = store_schema_latest(), applied = -1, v = 0;

	snprintf(sql, sizeof(sql), "INSERT INTO schema_version VALUES (%d, 'from_the_future', 0)",
		 latest + 5);
	assert_int_equal(raw_exec(fx, sql), SQLITE_OK);
	snprintf(want, sizeof(want),
		 "database schema version %d is newer than this evid (%d); upgrade evid",
		 latest + 5, latest);

	assert_int_equal(store_schema_version(fx->st, &v), STORE_OK);
	assert_int_equal(v, latest + 5);
	assert_int_equal(store_migrate(fx->st, &applied), STORE_CONFLICT);
	assert_string_equal(store_errmsg(fx->st), want);
	assert_int_equal(store_check_schema(fx->st), STORE_CONFLICT);
	assert_string_equal(store_errmsg(fx->st), want);
}

static void test_open_errors(void **state)
{
	struct store *st = NULL;
	char err[256] = "";

	(void)state;
	assert_int_not_equal(store_open("/tmp/evid-no-such-dir-xyz/evid.db", &st, err, sizeof(err)),
			     STORE_OK);
	assert_null(st);
	assert_non_null(strstr(err, "cannot open database '/tmp/evid-no-such-dir-xyz/evid.db'"));
	err[0] = '\0';
	assert_int_equal(store_open("postgresql://db/evid", &st, err, sizeof(err)), STORE_INVALID);
	assert_null(st);
	assert_non_null(strstr(err, "not supported"));
}

static void test_busy(void **state)
{
	struct fx *fx = *state;
	sqlite3 *db = raw_open(fx);
	struct user u;

	/* Another connection holds the write lock: the store gives up with BUSY. */
	assert_int_equal(sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL), SQLITE_OK);
	assert_int_equal(store_set_busy_timeout(fx->st, 50), STORE_OK);
	memset(&u, 0, sizeof(u));
	strcpy(u.email, "busy@example.hr");
	strcpy(u.name, "Busy");
	assert_int_equal(store_user_create(fx->st, &u, "", NOW), STORE_BUSY);
	assert_non_null(strstr(store_errmsg(fx->st), "busy"));
	assert_int_equal(u.id, 0);
	assert_int_equal(sqlite3_exec(db, "COMMIT", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	assert_int_equal(store_user_create(fx->st, &u, "", NOW), STORE_OK);
	assert_int_equal(store_set_busy_timeout(fx->st, -1), STORE_INVALID);
}

/* ---- users, sessions, tokens ---- */

static void test_users(void **state)
{
	struct fx *fx = *state;
	struct user u, got, dup;
	struct user_list l;
	char pw[CRYPTO_PWHASH_MAX];

	memset(&u, 0, sizeof(u));
	strcpy(u.email, "Ana.Horvat@Example.HR");
	strcpy(u.name, "Ana Horvat");
	u.role = ROLE_TECHNICIAN;
	u.active = 1;
	assert_int_equal(store_user_create(fx->st, &u, "$argon2id$v=19$hash", NOW), STORE_OK);
	assert_true(u.id > 0);
	assert_string_equal(u.email, "ana.horvat@example.hr");
	assert_string_equal(u.lang, "hr");
	assert_int_equal(u.created_at, NOW);

	assert_int_equal(store_user_get_by_email(fx->st, "ANA.horvat@example.hr", &got, pw),
			 STORE_OK);
	assert_int_equal(got.id, u.id);
	assert_string_equal(got.name, "Ana Horvat");
	assert_int_equal(got.role, ROLE_TECHNICIAN);
	assert_string_equal(pw, "$argon2id$v=19$hash");

	dup = u;
	strcpy(dup.email, "ANA.HORVAT@example.hr");
	strcpy(dup.name, "Someone Else");
	assert_int_equal(store_user_create(fx->st, &dup, "", NOW), STORE_CONFLICT);
	assert_string_equal(store_errmsg(fx->st), "email already used by another user");
	assert_int_equal(dup.id, u.id); /* untouched on failure */

	dup.role = (enum user_role)7;
	strcpy(dup.email, "other@example.hr");
	assert_int_equal(store_user_create(fx->st, &dup, "", NOW), STORE_INVALID);
	assert_non_null(strstr(store_errmsg(fx->st), "role"));

	add_user(fx, "boris@example.hr", "Boris", ROLE_ADMIN);
	assert_int_equal(store_user_list(fx->st, &l), STORE_OK);
	assert_int_equal(l.n, 2);
	assert_string_equal(l.items[0].name, "Ana Horvat");
	assert_string_equal(l.items[1].name, "Boris");
	user_list_free(&l);

	got.role = ROLE_ADMIN;
	strcpy(got.lang, "en");
	strcpy(got.email, "BORIS@example.hr");
	assert_int_equal(store_user_update(fx->st, &got, NULL), STORE_CONFLICT);
	strcpy(got.email, "ana@example.hr");
	assert_int_equal(store_user_update(fx->st, &got, NULL), STORE_OK);
	assert_int_equal(store_user_get(fx->st, u.id, &got), STORE_OK);
	assert_string_equal(got.email, "ana@example.hr");
	assert_string_equal(got.lang, "en");
	assert_int_equal(got.role, ROLE_ADMIN);
	strcpy(got.lang, "de");
	assert_int_equal(store_user_update(fx->st, &got, NULL), STORE_INVALID);
	got.id = 999;
	strcpy(got.lang, "hr");
	assert_int_equal(store_user_update(fx->st, &got, NULL), STORE_NOT_FOUND);
	assert_string_equal(store_errmsg(fx->st), "user 999 not found");
	assert_int_equal(store_user_get(fx->st, 999, &got), STORE_NOT_FOUND);

	assert_int_equal(store_user_set_password(fx->st, u.id, "$argon2id$new"), STORE_OK);
	assert_int_equal(store_user_get_by_email(fx->st, "ana@example.hr", &got, pw), STORE_OK);
	assert_string_equal(pw, "$argon2id$new");
	assert_int_equal(store_user_set_password(fx->st, 999, "x"), STORE_NOT_FOUND);
	assert_int_equal(store_user_get_by_email(fx->st, "nobody@example.hr", &got, NULL),
			 STORE_NOT_FOUND);
}

static void test_sessions(void **state)
{
	struct fx *fx = *state;
	char h1[CRYPTO_SHA256_HEX], h2[CRYPTO_SHA256_HEX], h3[CRYPTO_SHA256_HEX];
	int64_t uid = add_user(fx, "s@example.hr", "S", ROLE_TECHNICIAN);
	struct user u;

	hash_of("secret-1", h1);
	hash_of("secret-2", h2);
	hash_of("secret-3", h3);
	assert_int_equal(store_session_create(fx->st, h1, uid, NOW, NOW + HOUR), STORE_OK);
	assert_int_equal(store_session_lookup(fx->st, h1, NOW + 10, &u), STORE_OK);
	assert_int_equal(u.id, uid);
	assert_string_equal(u.email, "s@example.hr");
	/* Expired at expires_at exactly. */
	assert_int_equal(store_session_lookup(fx->st, h1, NOW + HOUR, &u), STORE_NOT_FOUND);
	assert_int_equal(store_session_lookup(fx->st, h2, NOW, &u), STORE_NOT_FOUND);
	assert_int_equal(store_session_create(fx->st, h1, uid, NOW, NOW + HOUR), STORE_CONFLICT);
	assert_int_equal(store_session_create(fx->st, "short", uid, NOW, NOW + HOUR),
			 STORE_INVALID);
	assert_int_equal(store_session_create(fx->st, h2, 999, NOW, NOW + HOUR), STORE_NOT_FOUND);

	/* A new session sweeps the expired ones away. */
	assert_int_equal(store_session_create(fx->st, h2, uid, NOW + 2 * HOUR, NOW + 3 * HOUR),
			 STORE_OK);
	assert_int_equal(store_session_lookup(fx->st, h1, NOW + 10, &u), STORE_NOT_FOUND);
	assert_int_equal(raw_int(fx, "SELECT count(*) FROM sessions"), 1);

	assert_int_equal(store_session_delete(fx->st, h2), STORE_OK);
	assert_int_equal(store_session_lookup(fx->st, h2, NOW + 2 * HOUR, &u), STORE_NOT_FOUND);
	assert_int_equal(store_session_delete(fx->st, h2), STORE_OK);

	/* An inactive user's session no longer works. */
	assert_int_equal(store_session_create(fx->st, h3, uid, NOW, NOW + HOUR), STORE_OK);
	assert_int_equal(store_user_get(fx->st, uid, &u), STORE_OK);
	u.active = 0;
	assert_int_equal(store_user_update(fx->st, &u, NULL), STORE_OK);
	assert_int_equal(store_session_lookup(fx->st, h3, NOW + 1, &u), STORE_NOT_FOUND);
}

/* How many sessions user_id has. */
static int64_t session_count(struct fx *fx, int64_t user_id)
{
	char sql[96];

	snprintf(sql, sizeof(sql), "SELECT count(*) FROM sessions WHERE user_id = %lld",
		 (long long)user_id);
	return raw_int(fx, sql);
}

static void test_session_delete_user(void **state)
{
	struct fx *fx = *state;
	char h[4][CRYPTO_SHA256_HEX];
	int64_t ana = add_user(fx, "ana@example.hr", "Ana", ROLE_TECHNICIAN);
	int64_t ivo = add_user(fx, "ivo@example.hr", "Ivo", ROLE_TECHNICIAN);
	struct user u;

	hash_of("ana-1", h[0]);
	hash_of("ana-2", h[1]);
	hash_of("ana-3", h[2]);
	hash_of("ivo-1", h[3]);
	assert_int_equal(store_session_create(fx->st, h[0], ana, NOW, NOW + HOUR), STORE_OK);
	assert_int_equal(store_session_create(fx->st, h[1], ana, NOW, NOW + HOUR), STORE_OK);
	assert_int_equal(store_session_create(fx->st, h[2], ana, NOW, NOW + HOUR), STORE_OK);
	assert_int_equal(store_session_create(fx->st, h[3], ivo, NOW, NOW + HOUR), STORE_OK);

	/* All but the one kept, and only that user's. */
	assert_int_equal(store_session_delete_user(fx->st, ana, h[1]), STORE_OK);
	assert_int_equal(session_count(fx, ana), 1);
	assert_int_equal(store_session_lookup(fx->st, h[1], NOW + 1, &u), STORE_OK);
	assert_int_equal(u.id, ana);
	assert_int_equal(store_session_lookup(fx->st, h[0], NOW + 1, &u), STORE_NOT_FOUND);
	assert_int_equal(store_session_lookup(fx->st, h[2], NOW + 1, &u), STORE_NOT_FOUND);
	assert_int_equal(session_count(fx, ivo), 1);

	/* Keeping another user's session keeps none of this one's. */
	assert_int_equal(store_session_delete_user(fx->st, ana, h[3]), STORE_OK);
	assert_int_equal(session_count(fx, ana), 0);
	assert_int_equal(session_count(fx, ivo), 1);

	/* NULL: all of them; none left or an unknown user is not an error. */
	assert_int_equal(store_session_delete_user(fx->st, ivo, NULL), STORE_OK);
	assert_int_equal(session_count(fx, ivo), 0);
	assert_int_equal(store_session_delete_user(fx->st, ivo, NULL), STORE_OK);
	assert_int_equal(store_session_delete_user(fx->st, 999, NULL), STORE_OK);
}

static void test_user_update_with_password(void **state)
{
	struct fx *fx = *state;
	int64_t ana = add_user(fx, "ana@example.hr", "Ana", ROLE_TECHNICIAN);
	char pw[CRYPTO_PWHASH_MAX], h1[CRYPTO_SHA256_HEX], h2[CRYPTO_SHA256_HEX];
	char big[CRYPTO_PWHASH_MAX + 1];
	struct user u, got;

	add_user(fx, "ivo@example.hr", "Ivo", ROLE_TECHNICIAN);
	assert_int_equal(store_user_get(fx->st, ana, &u), STORE_OK);

	/* The fields and the hash in one call; NULL keeps the hash. */
	strcpy(u.name, "Ana Anić");
	assert_int_equal(store_user_update(fx->st, &u, "$argon2id$one"), STORE_OK);
	assert_int_equal(store_user_get_by_email(fx->st, "ana@example.hr", &got, pw), STORE_OK);
	assert_string_equal(got.name, "Ana Anić");
	assert_string_equal(pw, "$argon2id$one");
	strcpy(u.lang, "en");
	assert_int_equal(store_user_update(fx->st, &u, NULL), STORE_OK);
	assert_int_equal(store_user_get_by_email(fx->st, "ana@example.hr", &got, pw), STORE_OK);
	assert_string_equal(got.lang, "en");
	assert_string_equal(pw, "$argon2id$one");

	/* A taken email: neither the name nor the hash changes. */
	strcpy(u.email, "ivo@example.hr");
	strcpy(u.name, "Someone");
	assert_int_equal(store_user_update(fx->st, &u, "$argon2id$two"), STORE_CONFLICT);
	assert_string_equal(store_errmsg(fx->st), "email already used by another user");
	assert_int_equal(store_user_get_by_email(fx->st, "ana@example.hr", &got, pw), STORE_OK);
	assert_string_equal(got.name, "Ana Anić");
	assert_string_equal(pw, "$argon2id$one");

	/* A refused hash write: the name goes back with it. */
	assert_int_equal(raw_exec(fx, "CREATE TRIGGER test_no_pw BEFORE UPDATE OF pwhash ON users "
				      "WHEN NEW.pwhash <> OLD.pwhash "
				      "BEGIN SELECT RAISE(ABORT, 'password refused'); END"),
			 SQLITE_OK);
	strcpy(u.email, "ana@example.hr");
	assert_int_equal(store_user_update(fx->st, &u, "$argon2id$two"), STORE_CONFLICT);
	assert_string_equal(store_errmsg(fx->st), "password refused");
	assert_int_equal(store_user_get_by_email(fx->st, "ana@example.hr", &got, pw), STORE_OK);
	assert_string_equal(got.name, "Ana Anić");
	assert_string_equal(pw, "$argon2id$one");
	/* Without a hash the trigger has nothing to refuse. */
	assert_int_equal(store_user_update(fx->st, &u, NULL), STORE_OK);
	assert_int_equal(store_user_get(fx->st, ana, &got), STORE_OK);
	assert_string_equal(got.name, "Someone");
	assert_int_equal(raw_exec(fx, "DROP TRIGGER test_no_pw"), SQLITE_OK);

	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	assert_int_equal(store_user_update(fx->st, &u, big), STORE_INVALID);
	u.id = 999;
	assert_int_equal(store_user_update(fx->st, &u, "$argon2id$two"), STORE_NOT_FOUND);
	assert_string_equal(store_errmsg(fx->st), "user 999 not found");

	/* Deactivating deletes the sessions: enabling again does not revive them. */
	hash_of("ana-1", h1);
	hash_of("ana-2", h2);
	assert_int_equal(store_session_create(fx->st, h1, ana, NOW, NOW + HOUR), STORE_OK);
	assert_int_equal(store_session_create(fx->st, h2, ana, NOW, NOW + HOUR), STORE_OK);
	assert_int_equal(store_user_get(fx->st, ana, &u), STORE_OK);
	assert_int_equal(store_user_update(fx->st, &u, NULL), STORE_OK);
	assert_int_equal(session_count(fx, ana), 2); /* staying active ends nothing */
	u.active = 0;
	assert_int_equal(store_user_update(fx->st, &u, NULL), STORE_OK);
	assert_int_equal(session_count(fx, ana), 0);
	u.active = 1;
	assert_int_equal(store_user_update(fx->st, &u, NULL), STORE_OK);
	assert_int_equal(store_session_lookup(fx->st, h1, NOW + 1, &got), STORE_NOT_FOUND);
	assert_int_equal(store_session_lookup(fx->st, h2, NOW + 1, &got), STORE_NOT_FOUND);
}

static void test_tokens(void **state)
{
	struct fx *fx = *state;
	char h[CRYPTO_SHA256_HEX], other[CRYPTO_SHA256_HEX], sql[160];
	int64_t uid = add_user(fx, "t@example.hr", "T", ROLE_ADMIN), id = 0;
	struct user u;

	hash_of("evid_token", h);
	hash_of("evid_other", other);
	assert_int_equal(store_token_create(fx->st, uid, h, "cron", NOW, &id), STORE_OK);
	assert_true(id > 0);
	snprintf(sql, sizeof(sql),
		 "SELECT coalesce(last_used_at, -5) FROM api_tokens WHERE id = %lld",
		 (long long)id);
	assert_int_equal(raw_int(fx, sql), -5);
	assert_int_equal(store_token_lookup(fx->st, h, NOW + 100, &u), STORE_OK);
	assert_int_equal(u.id, uid);
	assert_int_equal(raw_int(fx, sql), NOW + 100);
	assert_int_equal(store_token_lookup(fx->st, other, NOW, &u), STORE_NOT_FOUND);
	assert_int_equal(store_token_create(fx->st, uid, h, "again", NOW, &id), STORE_CONFLICT);
	assert_int_equal(store_token_create(fx->st, 999, other, "x", NOW, &id), STORE_NOT_FOUND);

	assert_int_equal(raw_exec(fx, "UPDATE api_tokens SET revoked_at = 1"), SQLITE_OK);
	assert_int_equal(store_token_lookup(fx->st, h, NOW + 200, &u), STORE_NOT_FOUND);
}

/* ---- clients and contacts ---- */

static void test_clients(void **state)
{
	struct fx *fx = *state;
	struct client c, got;
	struct client_list l;
	struct client_filter f;
	int64_t total = -1;

	memset(&c, 0, sizeof(c));
	strcpy(c.name, "Firma d.o.o.");
	strcpy(c.oib, "12345678903");
	strcpy(c.email_domains, "Firma.HR,firma.com");
	strcpy(c.notes, "važan klijent");
	c.active = 1;
	assert_int_equal(store_client_create(fx->st, &c, NOW), STORE_OK);
	assert_true(c.id > 0);
	assert_string_equal(c.email_domains, "firma.hr,firma.com");
	assert_int_equal(c.updated_at, NOW);

	got = c;
	got.id = 0;
	strcpy(got.name, "FIRMA D.O.O.");
	got.oib[0] = '\0';
	assert_int_equal(store_client_create(fx->st, &got, NOW), STORE_CONFLICT);
	assert_string_equal(store_errmsg(fx->st), "a client with this name already exists");
	strcpy(got.name, "Druga firma");
	strcpy(got.oib, "12345678903");
	assert_int_equal(store_client_create(fx->st, &got, NOW), STORE_CONFLICT);
	assert_string_equal(store_errmsg(fx->st), "oib already used by another client");
	strcpy(got.oib, "1234");
	assert_int_equal(store_client_create(fx->st, &got, NOW), STORE_INVALID);
	assert_string_equal(store_errmsg(fx->st), "oib: must be 11 digits");
	got.oib[0] = '\0';
	got.email_domains[0] = '\0';
	got.active = 0;
	assert_int_equal(store_client_create(fx->st, &got, NOW), STORE_OK);
	add_client(fx, "Treća firma", "treca.hr");

	assert_int_equal(store_client_get(fx->st, c.id, &got), STORE_OK);
	assert_string_equal(got.notes, "važan klijent");
	assert_string_equal(got.oib, "12345678903");
	strcpy(got.address, "Ilica 1, Zagreb");
	assert_int_equal(store_client_update(fx->st, &got, NOW + 50), STORE_OK);
	assert_int_equal(got.updated_at, NOW + 50);
	assert_int_equal(got.created_at, NOW);
	assert_int_equal(store_client_get(fx->st, c.id, &got), STORE_OK);
	assert_string_equal(got.address, "Ilica 1, Zagreb");
	got.id = 999;
	assert_int_equal(store_client_update(fx->st, &got, NOW), STORE_NOT_FOUND);
	assert_string_equal(store_errmsg(fx->st), "client 999 not found");
	assert_int_equal(store_client_get(fx->st, 999, &got), STORE_NOT_FOUND);

	memset(&f, 0, sizeof(f));
	assert_int_equal(store_client_list(fx->st, &f, &l, &total), STORE_OK);
	assert_int_equal(l.n, 3);
	assert_int_equal(total, 3);
	assert_string_equal(l.items[0].name, "Druga firma");
	client_list_free(&l);
	f.active_only = 1;
	f.limit = 1;
	assert_int_equal(store_client_list(fx->st, &f, &l, &total), STORE_OK);
	assert_int_equal(l.n, 1);
	assert_int_equal(total, 2);
	assert_string_equal(l.items[0].name, "Firma d.o.o.");
	client_list_free(&l);
	memset(&f, 0, sizeof(f));
	f.query = "TREĆ";
	assert_int_equal(store_client_list(fx->st, &f, &l, &total), STORE_OK);
	assert_int_equal(total, 1);
	assert_string_equal(l.items[0].name, "Treća firma");
	client_list_free(&l);

	assert_int_equal(store_client_by_domain(fx->st, "FIRMA.com", &got), STORE_OK);
	assert_int_equal(got.id, c.id);
	assert_int_equal(store_client_by_domain(fx->st, "irma.com", &got), STORE_NOT_FOUND);
	assert_int_equal(store_client_by_domain(fx->st, "firma.hr,firma.com", &got),
			 STORE_NOT_FOUND);
}

static void test_contacts(void **state)
{
	struct fx *fx = *state;
	int64_t a = add_client(fx, "Alfa", ""), b = add_client(fx, "Beta", "");
	struct contact c, got;
	struct contact_list l;
	struct contact_filter f;
	int64_t total = 0;

	memset(&c, 0, sizeof(c));
	c.client_id = 999;
	strcpy(c.name, "Iva");
	strcpy(c.email, "Iva@Alfa.HR");
	c.active = 1;
	assert_int_equal(store_contact_create(fx->st, &c, NOW), STORE_INVALID);
	assert_string_equal(store_errmsg(fx->st), "client_id: no such client");
	assert_int_equal(c.id, 0);
	c.client_id = a;
	assert_int_equal(store_contact_create(fx->st, &c, NOW), STORE_OK);
	assert_string_equal(c.email, "iva@alfa.hr");
	assert_string_equal(c.client_name, "Alfa");

	got = c;
	strcpy(got.name, "Iva Druga");
	strcpy(got.email, "IVA@alfa.hr");
	got.client_id = b;
	assert_int_equal(store_contact_create(fx->st, &got, NOW), STORE_CONFLICT);
	assert_string_equal(store_errmsg(fx->st), "email already used by another contact");

	/* Contacts without an email (phone, walk-in) do not collide. */
	add_contact(fx, b, "Marko", "");
	add_contact(fx, b, "Petra", "");
	assert_int_equal(raw_int(fx, "SELECT count(*) FROM contacts"), 3);

	assert_int_equal(store_contact_get_by_email(fx->st, "iva@ALFA.hr", &got), STORE_OK);
	assert_int_equal(got.id, c.id);
	assert_int_equal(store_contact_get_by_email(fx->st, "", &got), STORE_NOT_FOUND);

	got.client_id = b;
	strcpy(got.phone, "+385 1 234 5678");
	assert_int_equal(store_contact_update(fx->st, &got, NOW + 5), STORE_OK);
	assert_string_equal(got.client_name, "Beta");
	assert_int_equal(got.updated_at, NOW + 5);
	got.client_id = 999;
	assert_int_equal(store_contact_update(fx->st, &got, NOW), STORE_INVALID);
	got.client_id = b;
	got.id = 999;
	assert_int_equal(store_contact_update(fx->st, &got, NOW), STORE_NOT_FOUND);

	memset(&f, 0, sizeof(f));
	f.client_id = b;
	assert_int_equal(store_contact_list(fx->st, &f, &l, &total), STORE_OK);
	assert_int_equal(total, 3);
	assert_int_equal(l.n, 3);
	assert_string_equal(l.items[0].name, "Iva");
	contact_list_free(&l);
	f.client_id = 0;
	f.query = "alfa.hr";
	assert_int_equal(store_contact_list(fx->st, &f, &l, &total), STORE_OK);
	assert_int_equal(total, 1);
	assert_int_equal(l.items[0].id, c.id);
	contact_list_free(&l);
	f.query = NULL;
	f.limit = 2;
	f.offset = 2;
	assert_int_equal(store_contact_list(fx->st, &f, &l, &total), STORE_OK);
	assert_int_equal(total, 3);
	assert_int_equal(l.n, 1);
	assert_string_equal(l.items[0].name, "Petra");
	contact_list_free(&l);
}

/* ---- tickets ---- */

static void test_ticket_numbering(void **state)
{
	struct fx *fx = *state;
	int64_t staff = add_user(fx, "staff@example.hr", "Staff", ROLE_TECHNICIAN);
	struct ticket t, got;
	struct event_list ev;

	ticket_init(&t, "Printer does not print");
	assert_int_equal(store_ticket_create(fx->st, &t, 2026, "It blinks red.", staff, NOW),
			 STORE_OK);
	assert_string_equal(t.number, "2026-000001");
	assert_int_equal(t.created_at, NOW);
	assert_int_equal(t.updated_at, NOW);
	assert_int_equal(t.created_by, staff);
	assert_int_equal(t.closed_at, 0);
	ticket_init(&t, "Second");
	assert_int_equal(store_ticket_create(fx->st, &t, 2026, NULL, 0, NOW), STORE_OK);
	assert_string_equal(t.number, "2026-000002");
	ticket_init(&t, "New year");
	assert_int_equal(store_ticket_create(fx->st, &t, 2027, NULL, 0, NOW), STORE_OK);
	assert_string_equal(t.number, "2027-000001");
	ticket_init(&t, "Late for 2026");
	assert_int_equal(store_ticket_create(fx->st, &t, 2026, NULL, 0, NOW), STORE_OK);
	assert_string_equal(t.number, "2026-000003");

	assert_int_equal(store_ticket_get_by_number(fx->st, "2026-000001", &got), STORE_OK);
	assert_string_equal(got.subject, "Printer does not print");
	assert_int_equal(store_ticket_get_by_number(fx->st, "2026-000009", &got), STORE_NOT_FOUND);
	assert_string_equal(store_errmsg(fx->st), "ticket 2026-000009 not found");
	assert_int_equal(store_ticket_get(fx->st, 12345, &got), STORE_NOT_FOUND);
	assert_string_equal(store_errmsg(fx->st), "ticket 12345 not found");

	/* The description became the first event, by the staff member who took it. */
	assert_int_equal(store_ticket_get_by_number(fx->st, "2026-000001", &got), STORE_OK);
	assert_int_equal(store_ticket_events(fx->st, got.id, &ev), STORE_OK);
	assert_int_equal(ev.n, 1);
	assert_int_equal(ev.items[0].kind, EVENT_MESSAGE_IN);
	assert_string_equal(ev.items[0].body, "It blinks red.");
	assert_int_equal(ev.items[0].author_user_id, staff);
	assert_string_equal(ev.items[0].author_name, "Staff");
	event_list_free(&ev);
	assert_int_equal(store_ticket_get_by_number(fx->st, "2026-000002", &got), STORE_OK);
	assert_int_equal(count_events(fx, got.id, EVENT_MESSAGE_IN), 0);
	assert_int_equal(store_ticket_events(fx->st, 999, &ev), STORE_NOT_FOUND);

	ticket_init(&t, "");
	assert_int_equal(store_ticket_create(fx->st, &t, 2026, NULL, 0, NOW), STORE_INVALID);
	assert_string_equal(store_errmsg(fx->st), "subject: required");
}

/* Every enum value the model has is accepted by the schema and read back. */
static void test_enum_round_trip(void **state)
{
	struct fx *fx = *state;
	struct ticket t, got;
	struct event e;
	struct event_list l;
	int i;

	for (i = 0; i < 7; i++) {
		ticket_init(&t, "enum");
		t.status = (enum ticket_status)(i % STATUS_COUNT);
		t.priority = (enum ticket_priority)(i % PRIORITY_COUNT);
		t.channel = (enum ticket_channel)(i % CHANNEL_COUNT);
		t.billing = (enum billing_kind)(i % BILLING_COUNT);
		assert_int_equal(store_ticket_create(fx->st, &t, 2026, NULL, 0, NOW), STORE_OK);
		assert_int_equal(store_ticket_get(fx->st, t.id, &got), STORE_OK);
		assert_int_equal(got.status, i % STATUS_COUNT);
		assert_int_equal(got.priority, i % PRIORITY_COUNT);
		assert_int_equal(got.channel, i % CHANNEL_COUNT);
		assert_int_equal(got.billing, i % BILLING_COUNT);
		assert_int_equal(got.closed_at != 0, got.status == STATUS_CLOSED);
	}
	for (i = 0; i < EVENT_KIND_COUNT; i++) {
		memset(&e, 0, sizeof(e));
		e.ticket_id = t.id;
		e.kind = (enum event_kind)i;
		e.body = "x";
		assert_int_equal(store_event_add(fx->st, &e, NOW + i), STORE_OK);
		assert_true(e.id > 0);
		assert_int_equal(e.created_at, NOW + i);
	}
	assert_int_equal(store_ticket_events(fx->st, t.id, &l), STORE_OK);
	assert_int_equal(l.n, EVENT_KIND_COUNT);
	for (i = 0; i < EVENT_KIND_COUNT; i++)
		assert_int_equal(l.items[i].kind, i);
	event_list_free(&l);
	assert_int_equal(store_ticket_get(fx->st, t.id, &got), STORE_OK);
	assert_int_equal(got.updated_at, NOW + EVENT_KIND_COUNT - 1);

	memset(&e, 0, sizeof(e));
	e.ticket_id = 999;
	e.kind = EVENT_NOTE;
	assert_int_equal(store_event_add(fx->st, &e, NOW), STORE_NOT_FOUND);
	e.ticket_id = t.id;
	e.author_user_id = 999;
	assert_int_equal(store_event_add(fx->st, &e, NOW), STORE_INVALID);
	assert_string_equal(store_errmsg(fx->st), "author_user_id: no such user");
}

static void test_ticket_update(void **state)
{
	struct fx *fx = *state;
	int64_t actor = add_user(fx, "lead@example.hr", "Lead", ROLE_ADMIN);
	int64_t ana = add_user(fx, "ana@example.hr", "Ana", ROLE_TECHNICIAN);
	int64_t alfa = add_client(fx, "Alfa", ""), beta = add_client(fx, "Beta", "");
	int64_t iva = add_contact(fx, alfa, "Iva", "iva@alfa.hr");
	int64_t bob = add_contact(fx, beta, "Bob", "bob@beta.hr");
	struct ticket_patch p;
	struct ticket t;
	struct event_list l;
	int64_t id = add_ticket(fx, "Old subject", 2026, NOW);

	memset(&p, 0, sizeof(p));
	p.set = PATCH_SUBJECT | PATCH_PRIORITY | PATCH_ASSIGNEE | PATCH_STATUS | PATCH_CLIENT |
		PATCH_CONTACT | PATCH_CHANNEL;
	strcpy(p.subject, "New subject");
	p.priority = PRIORITY_HIGH;
	p.assignee_id = ana;
	p.status = STATUS_OPEN;
	p.client_id = alfa;
	p.contact_id = iva;
	p.channel = CHANNEL_PHONE; /* unchanged: no event */
	p.reason = "taken";
	assert_int_equal(store_ticket_update(fx->st, id, &p, actor, NOW + 60, &t), STORE_OK);
	assert_string_equal(t.subject, "New subject");
	assert_int_equal(t.status, STATUS_OPEN);
	assert_string_equal(t.assignee_name, "Ana");
	assert_string_equal(t.client_name, "Alfa");
	assert_string_equal(t.contact_name, "Iva");
	assert_int_equal(t.updated_at, NOW + 60);

	assert_int_equal(store_ticket_events(fx->st, id, &l), STORE_OK);
	assert_int_equal(l.n, 6);
	assert_int_equal(l.items[0].kind, EVENT_FIELD_CHANGE);
	assert_string_equal(l.items[0].field, "subject");
	assert_string_equal(l.items[0].old_value, "Old subject");
	assert_string_equal(l.items[0].new_value, "New subject");
	assert_string_equal(l.items[1].field, "priority");
	assert_string_equal(l.items[1].old_value, "normal");
	assert_string_equal(l.items[1].new_value, "high");
	assert_string_equal(l.items[2].field, "client_id");
	assert_string_equal(l.items[2].old_value, "");
	assert_string_equal(l.items[2].new_value, "Alfa");
	assert_string_equal(l.items[3].field, "contact_id");
	assert_string_equal(l.items[3].new_value, "Iva");
	assert_int_equal(l.items[4].kind, EVENT_ASSIGNMENT);
	assert_string_equal(l.items[4].field, "assignee_id");
	assert_string_equal(l.items[4].new_value, "Ana");
	assert_int_equal(l.items[5].kind, EVENT_STATUS_CHANGE);
	assert_string_equal(l.items[5].field, "status");
	assert_string_equal(l.items[5].old_value, "new");
	assert_string_equal(l.items[5].new_value, "open");
	assert_string_equal(l.items[5].body, "taken");
	assert_int_equal(l.items[5].author_user_id, actor);
	assert_string_equal(l.items[5].author_name, "Lead");
	event_list_free(&l);

	/* The same patch again changes nothing and records nothing. */
	assert_int_equal(store_ticket_update(fx->st, id, &p, actor, NOW + 120, &t), STORE_OK);
	assert_int_equal(t.updated_at, NOW + 60);
	assert_int_equal(count_events(fx, id, EVENT_FIELD_CHANGE), 4);

	/* References are checked and named. */
	memset(&p, 0, sizeof(p));
	p.set = PATCH_ASSIGNEE;
	p.assignee_id = 999;
	assert_int_equal(store_ticket_update(fx->st, id, &p, actor, NOW, NULL), STORE_INVALID);
	assert_string_equal(store_errmsg(fx->st), "assignee_id: no such user");
	p.set = PATCH_CONTACT;
	p.contact_id = bob;
	assert_int_equal(store_ticket_update(fx->st, id, &p, actor, NOW, NULL), STORE_INVALID);
	assert_string_equal(store_errmsg(fx->st),
			    "contact_id: the contact belongs to another client");
	p.set = PATCH_CLIENT; /* Iva stays: she is not Beta's */
	p.client_id = beta;
	assert_int_equal(store_ticket_update(fx->st, id, &p, actor, NOW, NULL), STORE_INVALID);
	p.set = PATCH_CLIENT | PATCH_CONTACT;
	p.client_id = 999;
	p.contact_id = 0;
	assert_int_equal(store_ticket_update(fx->st, id, &p, actor, NOW, NULL), STORE_INVALID);
	assert_string_equal(store_errmsg(fx->st), "client_id: no such client");
	p.client_id = beta;
	p.contact_id = bob;
	assert_int_equal(store_ticket_update(fx->st, id, &p, actor, NOW + 130, &t), STORE_OK);
	assert_string_equal(t.client_name, "Beta");
	assert_string_equal(t.contact_name, "Bob");
	p.set = PATCH_ASSIGNEE;
	p.assignee_id = 0;
	assert_int_equal(store_ticket_update(fx->st, id, &p, actor, NOW + 140, &t), STORE_OK);
	assert_int_equal(t.assignee_id, 0);
	assert_string_equal(t.assignee_name, "");
	assert_int_equal(count_events(fx, id, EVENT_ASSIGNMENT), 2);
	assert_int_equal(store_ticket_update(fx->st, 999, &p, actor, NOW, NULL), STORE_NOT_FOUND);
	assert_string_equal(store_errmsg(fx->st), "ticket 999 not found");

	/* Closing sets closed_at; closed -> waiting is refused; reopening clears closed_at. */
	patch_status(fx, id, STATUS_CLOSED, actor, NOW + 200);
	assert_int_equal(store_ticket_get(fx->st, id, &t), STORE_OK);
	assert_int_equal(t.closed_at, NOW + 200);
	memset(&p, 0, sizeof(p));
	p.set = PATCH_STATUS;
	p.status = STATUS_WAITING;
	assert_int_equal(store_ticket_update(fx->st, id, &p, actor, NOW + 300, NULL),
			 STORE_CONFLICT);
	assert_string_equal(store_errmsg(fx->st), "cannot change status from closed to waiting");
	assert_int_equal(store_ticket_get(fx->st, id, &t), STORE_OK);
	assert_int_equal(t.status, STATUS_CLOSED);
	patch_status(fx, id, STATUS_OPEN, actor, NOW + 400);
	assert_int_equal(store_ticket_get(fx->st, id, &t), STORE_OK);
	assert_int_equal(t.status, STATUS_OPEN);
	assert_int_equal(t.closed_at, 0);
	assert_int_equal(count_events(fx, id, EVENT_STATUS_CHANGE), 3);
	p.status = STATUS_NEW;
	assert_int_equal(store_ticket_update(fx->st, id, &p, actor, NOW + 500, NULL),
			 STORE_CONFLICT);
}

static void test_ticket_list(void **state)
{
	struct fx *fx = *state;
	int64_t ana = add_user(fx, "ana@example.hr", "Ana", ROLE_TECHNICIAN);
	int64_t alfa = add_client(fx, "Alfa", "");
	struct ticket_filter f;
	struct ticket_list l;
	struct ticket_patch p;
	int64_t ids[6], total = -1;
	int i;

	for (i = 0; i < 6; i++) {
		struct ticket t;
		char subject[32];

		snprintf(subject, sizeof(subject), "Ticket %d", i);
		ticket_init(&t, subject);
		t.channel = i % 2 ? CHANNEL_EMAIL : CHANNEL_PHONE;
		t.priority = i == 4 ? PRIORITY_URGENT : PRIORITY_NORMAL;
		t.client_id = i < 3 ? alfa : 0;
		t.assignee_id = i == 1 || i == 2 ? ana : 0;
		assert_int_equal(store_ticket_create(fx->st, &t, 2026, NULL, 0, NOW + i), STORE_OK);
		ids[i] = t.id;
	}
	patch_status(fx, ids[2], STATUS_OPEN, 0, NOW + 100);
	patch_status(fx, ids[3], STATUS_RESOLVED, 0, NOW + 101);
	patch_status(fx, ids[5], STATUS_CLOSED, 0, NOW + 102);

	store_ticket_filter_init(&f);
	assert_int_equal(store_ticket_list(fx->st, &f, &l, &total), STORE_OK);
	assert_int_equal(l.n, 6);
	assert_int_equal(total, 6);
	/* Most recently updated first. */
	assert_int_equal(l.items[0].id, ids[5]);
	assert_int_equal(l.items[1].id, ids[3]);
	assert_int_equal(l.items[2].id, ids[2]);
	assert_int_equal(l.items[3].id, ids[4]);
	ticket_list_free(&l);

	f.sort = SORT_CREATED_ASC;
	f.limit = 2;
	f.offset = 2;
	assert_int_equal(store_ticket_list(fx->st, &f, &l, &total), STORE_OK);
	assert_int_equal(l.n, 2);
	assert_int_equal(total, 6);
	assert_int_equal(l.items[0].id, ids[2]);
	assert_int_equal(l.items[1].id, ids[3]);
	ticket_list_free(&l);
	f.offset = 100;
	assert_int_equal(store_ticket_list(fx->st, &f, &l, &total), STORE_OK);
	assert_int_equal(l.n, 0);
	assert_int_equal(total, 6);
	ticket_list_free(&l);

	store_ticket_filter_init(&f);
	f.sort = SORT_PRIORITY_DESC;
	assert_int_equal(store_ticket_list(fx->st, &f, &l, &total), STORE_OK);
	assert_int_equal(l.items[0].id, ids[4]);
	ticket_list_free(&l);

	store_ticket_filter_init(&f);
	f.status = STATUS_NEW;
	assert_int_equal(store_ticket_list(fx->st, &f, &l, &total), STORE_OK);
	assert_int_equal(total, 3);
	ticket_list_free(&l);

	store_ticket_filter_init(&f);
	f.open_only = 1;
	assert_int_equal(store_ticket_list(fx->st, &f, &l, &total), STORE_OK);
	assert_int_equal(total, 4);
	ticket_list_free(&l);

	store_ticket_filter_init(&f);
	f.assignee_id = ana;
	f.sort = SORT_CREATED_DESC;
	assert_int_equal(store_ticket_list(fx->st, &f, &l, &total), STORE_OK);
	assert_int_equal(total, 2);
	assert_int_equal(l.items[0].id, ids[2]);
	assert_string_equal(l.items[0].assignee_name, "Ana");
	assert_string_equal(l.items[0].client_name, "Alfa");
	ticket_list_free(&l);
	f.assignee_id = -1;
	assert_int_equal(store_ticket_list(fx->st, &f, &l, &total), STORE_OK);
	assert_int_equal(total, 4);
	ticket_list_free(&l);

	store_ticket_filter_init(&f);
	f.client_id = alfa;
	f.channel = CHANNEL_EMAIL;
	assert_int_equal(store_ticket_list(fx->st, &f, &l, &total), STORE_OK);
	assert_int_equal(total, 1);
	assert_int_equal(l.items[0].id, ids[1]);
	ticket_list_free(&l);

	store_ticket_filter_init(&f);
	f.billing = BILLING_WARRANTY;
	assert_int_equal(store_ticket_list(fx->st, &f, &l, &total), STORE_OK);
	assert_int_equal(total, 0);
	assert_int_equal(l.n, 0);
	ticket_list_free(&l);
	memset(&p, 0, sizeof(p));
	p.set = PATCH_BILLING;
	p.billing = BILLING_WARRANTY;
	assert_int_equal(store_ticket_update(fx->st, ids[0], &p, 0, NOW + 200, NULL), STORE_OK);
	assert_int_equal(store_ticket_list(fx->st, &f, &l, &total), STORE_OK);
	assert_int_equal(total, 1);
	assert_int_equal(l.items[0].id, ids[0]);
	ticket_list_free(&l);

	store_ticket_filter_init(&f);
	f.status = 42;
	assert_int_equal(store_ticket_list(fx->st, &f, &l, &total), STORE_INVALID);
	f.status = -1;
	f.limit = -3;
	assert_int_equal(store_ticket_list(fx->st, &f, &l, &total), STORE_INVALID);
}

/* ---- the stopwatch and time ---- */

static void test_timer(void **state)
{
	struct fx *fx = *state;
	int64_t ana = add_user(fx, "ana@example.hr", "Ana", ROLE_TECHNICIAN);
	int64_t t1 = add_ticket(fx, "One", 2026, NOW), t2 = add_ticket(fx, "Two", 2026, NOW);
	struct timer_running run;
	struct time_entry stopped, e;
	struct ticket t;
	struct ticket_patch p;
	struct event_list l;

	assert_int_equal(store_timer_get(fx->st, ana, &run), STORE_NOT_FOUND);
	assert_string_equal(store_errmsg(fx->st), "no stopwatch running");

	/* start */
	memset(&stopped, 0xff, sizeof(stopped));
	assert_int_equal(store_timer_start(fx->st, ana, t1, NOW + 100, &run, &stopped), STORE_OK);
	assert_int_equal(run.ticket_id, t1);
	assert_int_equal(run.started_at, NOW + 100);
	assert_string_equal(run.ticket_number, "2026-000001");
	assert_string_equal(run.ticket_subject, "One");
	assert_int_equal(stopped.id, 0);

	/* already: left running, nothing stopped */
	assert_int_equal(store_timer_start(fx->st, ana, t1, NOW + 200, &run, &stopped), STORE_OK);
	assert_int_equal(run.started_at, NOW + 100);
	assert_int_equal(stopped.id, 0);

	/* switch: the first becomes an entry, a new one runs */
	assert_int_equal(store_timer_start(fx->st, ana, t2, NOW + 700, &run, &stopped), STORE_OK);
	assert_int_equal(run.ticket_id, t2);
	assert_int_equal(run.started_at, NOW + 700);
	assert_true(stopped.id > 0);
	assert_int_equal(stopped.ticket_id, t1);
	assert_int_equal(stopped.seconds, 600);
	assert_int_equal(stopped.billable, 1);
	assert_string_equal(stopped.user_name, "Ana");
	assert_int_equal(raw_int(fx, "SELECT count(*) FROM timers"), 1);

	/* stop on the wrong ticket, then the right one */
	assert_int_equal(store_timer_stop(fx->st, ana, t1, NOW + 800, &e), STORE_NOT_FOUND);
	assert_int_equal(store_timer_get(fx->st, ana, &run), STORE_OK);
	assert_int_equal(store_timer_stop(fx->st, ana, 0, NOW + 1600, &e), STORE_OK);
	assert_int_equal(e.ticket_id, t2);
	assert_int_equal(e.seconds, 900);
	assert_int_equal(e.started_at, NOW + 700);
	assert_int_equal(e.ended_at, NOW + 1600);
	assert_int_equal(store_timer_stop(fx->st, ana, 0, NOW + 1700, &e), STORE_NOT_FOUND);
	assert_string_equal(store_errmsg(fx->st), "no stopwatch running");
	assert_int_equal(store_timer_get(fx->st, ana, &run), STORE_NOT_FOUND);

	/* Each stop left one entry and one event with its duration. */
	assert_int_equal(store_ticket_get(fx->st, t1, &t), STORE_OK);
	assert_int_equal(t.time_seconds, 600);
	assert_int_equal(store_ticket_events(fx->st, t2, &l), STORE_OK);
	assert_int_equal(l.n, 1);
	assert_int_equal(l.items[0].kind, EVENT_TIME_ENTRY);
	assert_string_equal(l.items[0].new_value, "0:15:00");
	assert_int_equal(l.items[0].author_user_id, ana);
	assert_true(l.items[0].time_entry_id > 0);
	event_list_free(&l);

	/* A free ticket's time is not billable; a closed ticket refuses; unknown is NOT_FOUND. */
	memset(&p, 0, sizeof(p));
	p.set = PATCH_BILLING;
	p.billing = BILLING_FREE;
	assert_int_equal(store_ticket_update(fx->st, t1, &p, ana, NOW, NULL), STORE_OK);
	assert_int_equal(store_timer_start(fx->st, ana, t1, NOW + 2000, &run, NULL), STORE_OK);
	assert_int_equal(store_timer_stop(fx->st, ana, t1, NOW + 2060, &e), STORE_OK);
	assert_int_equal(e.billable, 0);
	assert_int_equal(e.seconds, 60);
	patch_status(fx, t2, STATUS_CLOSED, ana, NOW + 2100);
	assert_int_equal(store_timer_start(fx->st, ana, t2, NOW + 2200, &run, NULL),
			 STORE_CONFLICT);
	assert_string_equal(store_errmsg(fx->st),
			    "ticket 2026-000002 is closed; reopen it before recording time");
	assert_int_equal(store_timer_start(fx->st, ana, 999, NOW, &run, NULL), STORE_NOT_FOUND);
	assert_int_equal(store_timer_start(fx->st, 999, t1, NOW, &run, NULL), STORE_NOT_FOUND);
	assert_int_equal(raw_int(fx, "SELECT count(*) FROM timers"), 0);
}

static void test_close_stops_timers(void **state)
{
	struct fx *fx = *state;
	int64_t ana = add_user(fx, "ana@example.hr", "Ana", ROLE_TECHNICIAN);
	int64_t ivo = add_user(fx, "ivo@example.hr", "Ivo", ROLE_TECHNICIAN);
	int64_t eva = add_user(fx, "eva@example.hr", "Eva", ROLE_TECHNICIAN);
	int64_t t1 = add_ticket(fx, "Shared", 2026, NOW), t2 = add_ticket(fx, "Other", 2026, NOW);
	struct timer_running run;
	struct time_entry_list tl;
	struct event_list l;
	struct ticket t;
	size_t i;

	assert_int_equal(store_timer_start(fx->st, ana, t1, NOW + 0, &run, NULL), STORE_OK);
	assert_int_equal(store_timer_start(fx->st, ivo, t1, NOW + 60, &run, NULL), STORE_OK);
	assert_int_equal(store_timer_start(fx->st, eva, t2, NOW + 60, &run, NULL), STORE_OK);
	patch_status(fx, t1, STATUS_CLOSED, eva, NOW + 600);

	assert_int_equal(store_timer_get(fx->st, ana, &run), STORE_NOT_FOUND);
	assert_int_equal(store_timer_get(fx->st, ivo, &run), STORE_NOT_FOUND);
	assert_int_equal(store_timer_get(fx->st, eva, &run), STORE_OK);
	assert_int_equal(run.ticket_id, t2);

	assert_int_equal(store_time_list(fx->st, t1, &tl), STORE_OK);
	assert_int_equal(tl.n, 2);
	assert_int_equal(tl.items[0].user_id, ana);
	assert_int_equal(tl.items[0].seconds, 600);
	assert_int_equal(tl.items[1].user_id, ivo);
	assert_int_equal(tl.items[1].seconds, 540);
	time_entry_list_free(&tl);
	assert_int_equal(store_ticket_get(fx->st, t1, &t), STORE_OK);
	assert_int_equal(t.time_seconds, 1140);
	assert_int_equal(t.status, STATUS_CLOSED);

	assert_int_equal(store_ticket_events(fx->st, t1, &l), STORE_OK);
	assert_int_equal(l.n, 3);
	for (i = 0; i < 2; i++)
		assert_int_equal(l.items[i].kind, EVENT_TIME_ENTRY);
	assert_int_equal(l.items[2].kind, EVENT_STATUS_CHANGE);
	assert_string_equal(l.items[2].new_value, "closed");
	assert_int_equal(l.items[2].author_user_id, eva);
	event_list_free(&l);
	assert_int_equal(store_time_list(fx->st, 999, &tl), STORE_NOT_FOUND);
}

static void test_time_add_and_correct(void **state)
{
	struct fx *fx = *state;
	int64_t ana = add_user(fx, "ana@example.hr", "Ana", ROLE_TECHNICIAN);
	int64_t lead = add_user(fx, "lead@example.hr", "Lead", ROLE_ADMIN);
	int64_t id = add_ticket(fx, "Work", 2026, NOW - 10 * HOUR);
	struct time_entry e, got;
	struct event_list l;
	struct ticket t;

	memset(&e, 0, sizeof(e));
	e.ticket_id = id;
	e.user_id = ana;
	e.started_at = NOW - 3 * HOUR;
	e.ended_at = NOW - 2 * HOUR;
	e.billable = 1;
	strcpy(e.note, "on site");
	assert_int_equal(store_time_add(fx->st, &e, ana, NOW), STORE_OK);
	assert_true(e.id > 0);
	assert_int_equal(e.seconds, HOUR);
	assert_string_equal(e.user_name, "Ana");

	got = e;
	got.id = 0;
	got.ended_at = got.started_at;
	assert_int_equal(store_time_add(fx->st, &got, ana, NOW), STORE_INVALID);
	assert_string_equal(store_errmsg(fx->st), "ended_at must be after started_at");
	got.ended_at = got.started_at + 60;
	got.user_id = 999;
	assert_int_equal(store_time_add(fx->st, &got, ana, NOW), STORE_INVALID);
	assert_string_equal(store_errmsg(fx->st), "user_id: no such user");
	got.user_id = ana;
	got.ticket_id = 999;
	assert_int_equal(store_time_add(fx->st, &got, ana, NOW), STORE_NOT_FOUND);

	/* A correction needs a reason, and changes nothing without one. */
	got = e;
	got.ended_at = NOW - HOUR - 1800;
	assert_int_equal(store_time_update(fx->st, &got, "", lead, NOW), STORE_INVALID);
	assert_non_null(strstr(store_errmsg(fx->st), "reason"));
	assert_int_equal(store_time_update(fx->st, &got, NULL, lead, NOW), STORE_INVALID);
	assert_int_equal(store_time_get(fx->st, e.id, &got), STORE_OK);
	assert_int_equal(got.seconds, HOUR);

	got.ended_at = NOW - HOUR - 1800;
	got.billable = 0;
	assert_int_equal(store_time_update(fx->st, &got, "forgot the drive back", lead, NOW + 5),
			 STORE_OK);
	assert_int_equal(got.seconds, HOUR + 1800);
	assert_int_equal(store_time_get(fx->st, e.id, &got), STORE_OK);
	assert_int_equal(got.seconds, HOUR + 1800);
	assert_int_equal(got.billable, 0);
	assert_int_equal(got.user_id, ana);
	assert_int_equal(store_ticket_get(fx->st, id, &t), STORE_OK);
	assert_int_equal(t.time_seconds, HOUR + 1800);
	assert_int_equal(t.updated_at, NOW + 5);

	assert_int_equal(store_ticket_events(fx->st, id, &l), STORE_OK);
	assert_int_equal(l.n, 2);
	assert_int_equal(l.items[0].kind, EVENT_TIME_ENTRY);
	assert_string_equal(l.items[0].new_value, "1:00:00");
	assert_int_equal(l.items[1].kind, EVENT_TIME_CORRECTION);
	assert_string_equal(l.items[1].body, "forgot the drive back");
	assert_int_equal(l.items[1].author_user_id, lead);
	assert_int_equal(l.items[1].time_entry_id, e.id);
	assert_string_equal(l.items[1].old_value, "2026-03-02T05:00:00Z/2026-03-02T06:00:00Z "
						  "1:00:00, billable, note: on site");
	assert_string_equal(l.items[1].new_value, "2026-03-02T05:00:00Z/2026-03-02T06:30:00Z "
						  "1:30:00, not billable, note: on site");
	event_list_free(&l);

	/* Too long, and unknown entries. */
	got.ended_at = got.started_at + 25 * HOUR;
	assert_int_equal(store_time_update(fx->st, &got, "why", lead, NOW + 30 * HOUR),
			 STORE_INVALID);
	got.id = 999;
	assert_int_equal(store_time_update(fx->st, &got, "why", lead, NOW), STORE_NOT_FOUND);
	assert_string_equal(store_errmsg(fx->st), "time entry 999 not found");
}

/* ---- history, attachments, atomicity ---- */

static void test_events_append_only(void **state)
{
	struct fx *fx = *state;
	struct event e;
	int64_t id = add_ticket(fx, "History", 2026, NOW);

	memset(&e, 0, sizeof(e));
	e.ticket_id = id;
	e.kind = EVENT_NOTE;
	e.body = "internal note";
	assert_int_equal(store_event_add(fx->st, &e, NOW), STORE_OK);
	assert_int_equal(raw_exec(fx, "UPDATE events SET body = 'rewritten'"), SQLITE_CONSTRAINT);
	assert_int_equal(raw_exec(fx, "DELETE FROM events"), SQLITE_CONSTRAINT);
	assert_int_equal(raw_int(fx, "SELECT count(*) FROM events WHERE body = 'internal note'"),
			 1);
}

static void test_attachments(void **state)
{
	struct fx *fx = *state;
	static const unsigned char bytes[] = { 'P', 'K', 0, 3, 0xff, 0, 'x', 0x80 };
	int64_t id = add_ticket(fx, "With files", 2026, NOW);
	int64_t other = add_ticket(fx, "Other", 2026, NOW);
	struct attachment a, got;
	struct attachment_list l;
	struct event e;
	void *data = NULL;

	memset(&e, 0, sizeof(e));
	e.ticket_id = id;
	e.kind = EVENT_MESSAGE_IN;
	assert_int_equal(store_event_add(fx->st, &e, NOW), STORE_OK);

	memset(&a, 0, sizeof(a));
	a.ticket_id = id;
	a.event_id = e.id;
	strcpy(a.filename, "račun.zip");
	strcpy(a.media_type, "application/zip");
	a.size = sizeof(bytes);
	crypto_sha256_hex(bytes, sizeof(bytes), a.sha256);
	assert_int_equal(store_attachment_add(fx->st, &a, bytes, NOW), STORE_OK);
	assert_true(a.id > 0);
	assert_int_equal(a.created_at, NOW);

	assert_int_equal(store_attachment_get(fx->st, a.id, &got, &data), STORE_OK);
	assert_string_equal(got.filename, "račun.zip");
	assert_string_equal(got.media_type, "application/zip");
	assert_int_equal(got.size, sizeof(bytes));
	assert_int_equal(got.event_id, e.id);
	assert_string_equal(got.sha256, a.sha256);
	assert_memory_equal(data, bytes, sizeof(bytes));
	free(data);
	assert_int_equal(store_attachment_get(fx->st, a.id, &got, NULL), STORE_OK);

	/* An empty file is a file too. */
	memset(&got, 0, sizeof(got));
	got.ticket_id = id;
	strcpy(got.filename, "empty.txt");
	strcpy(got.media_type, "text/plain");
	crypto_sha256_hex("", 0, got.sha256);
	assert_int_equal(store_attachment_add(fx->st, &got, "", NOW), STORE_OK);
	data = NULL;
	assert_int_equal(store_attachment_get(fx->st, got.id, &got, &data), STORE_OK);
	assert_int_equal(got.size, 0);
	assert_non_null(data);
	free(data);

	assert_int_equal(store_attachment_list(fx->st, id, &l), STORE_OK);
	assert_int_equal(l.n, 2);
	assert_string_equal(l.items[0].filename, "račun.zip");
	assert_string_equal(l.items[1].filename, "empty.txt");
	attachment_list_free(&l);

	a.ticket_id = other; /* the event is on another ticket */
	assert_int_equal(store_attachment_add(fx->st, &a, bytes, NOW), STORE_INVALID);
	assert_string_equal(store_errmsg(fx->st), "event_id: no such event on this ticket");
	a.ticket_id = 999;
	assert_int_equal(store_attachment_add(fx->st, &a, bytes, NOW), STORE_NOT_FOUND);
	a.ticket_id = id;
	strcpy(a.sha256, "NOT-HEX");
	assert_int_equal(store_attachment_add(fx->st, &a, bytes, NOW), STORE_INVALID);
	assert_int_equal(store_attachment_get(fx->st, 999, &got, NULL), STORE_NOT_FOUND);
	assert_int_equal(store_attachment_list(fx->st, 999, &l), STORE_NOT_FOUND);
	assert_int_equal(raw_int(fx, "SELECT count(*) FROM attachments"), 2);
}

static void test_failure_leaves_nothing(void **state)
{
	struct fx *fx = *state;
	int64_t ana = add_user(fx, "ana@example.hr", "Ana", ROLE_TECHNICIAN);
	struct timer_running run;
	struct ticket t;
	struct ticket_patch p;
	struct ticket_filter f;
	struct ticket_list l;
	int64_t total = -1, id;

	/* A bad assignee: no ticket, no number used. */
	ticket_init(&t, "Refused");
	t.assignee_id = 999;
	assert_int_equal(store_ticket_create(fx->st, &t, 2026, "text", 0, NOW), STORE_INVALID);
	assert_string_equal(store_errmsg(fx->st), "assignee_id: no such user");
	assert_int_equal(t.id, 0);
	assert_string_equal(t.number, "");
	assert_int_equal(raw_int(fx, "SELECT count(*) FROM tickets"), 0);

	/*
	 * A failure after the number, the ticket row and its first event were
	 * written (a trigger refuses that event): everything goes.
	 */
	assert_int_equal(raw_exec(fx, "CREATE TRIGGER test_boom BEFORE INSERT ON events "
				      "WHEN NEW.body = 'boom' BEGIN SELECT RAISE(ABORT, 'boom'); "
				      "END"), SQLITE_OK);
	ticket_init(&t, "Half written");
	assert_int_equal(store_ticket_create(fx->st, &t, 2026, "boom", ana, NOW), STORE_CONFLICT);
	assert_int_equal(t.id, 0);
	assert_int_equal(raw_int(fx, "SELECT count(*) FROM tickets"), 0);
	assert_int_equal(raw_int(fx, "SELECT count(*) FROM events"), 0);
	assert_int_equal(raw_int(fx, "SELECT count(*) FROM ticket_seq"), 0);

	ticket_init(&t, "Kept");
	assert_int_equal(store_ticket_create(fx->st, &t, 2026, "fine", ana, NOW), STORE_OK);
	assert_string_equal(t.number, "2026-000001");
	id = t.id;

	/*
	 * Closing with a stopwatch running, where the status event fails after
	 * the ticket row, the time entry and its event were written: the ticket
	 * stays open and the stopwatch keeps running.
	 */
	assert_int_equal(store_timer_start(fx->st, ana, id, NOW + 10, &run, NULL), STORE_OK);
	memset(&p, 0, sizeof(p));
	p.set = PATCH_STATUS | PATCH_SUBJECT;
	p.status = STATUS_CLOSED;
	strcpy(p.subject, "Renamed");
	p.reason = "boom";
	assert_int_equal(store_ticket_update(fx->st, id, &p, ana, NOW + 100, NULL),
			 STORE_CONFLICT);
	assert_int_equal(store_ticket_get(fx->st, id, &t), STORE_OK);
	assert_int_equal(t.status, STATUS_NEW);
	assert_string_equal(t.subject, "Kept");
	assert_int_equal(t.closed_at, 0);
	assert_int_equal(t.time_seconds, 0);
	assert_int_equal(store_timer_get(fx->st, ana, &run), STORE_OK);
	assert_int_equal(run.ticket_id, id);
	assert_int_equal(raw_int(fx, "SELECT count(*) FROM time_entries"), 0);
	assert_int_equal(raw_int(fx, "SELECT count(*) FROM events"), 1);

	/* The connection is usable after the rollback. */
	p.reason = "done";
	assert_int_equal(store_ticket_update(fx->st, id, &p, ana, NOW + 100, &t), STORE_OK);
	assert_int_equal(t.status, STATUS_CLOSED);
	assert_int_equal(t.time_seconds, 90);
	store_ticket_filter_init(&f);
	assert_int_equal(store_ticket_list(fx->st, &f, &l, &total), STORE_OK);
	assert_int_equal(total, 1);
	ticket_list_free(&l);
}

#define WRITERS 4
#define TICKETS_EACH 25

struct writer {
	const char *path;
	int failures;
	char numbers[TICKETS_EACH][TICKET_NUMBER_LEN + 1];
};

/* One connection of its own, as each web worker has, creating tickets. */
static void *writer_run(void *arg)
{
	struct writer *w = arg;
	struct store *st = NULL;
	struct ticket t;
	char err[256];
	int i;

	if (store_open(w->path, &st, err, sizeof(err)) != STORE_OK) {
		w->failures = TICKETS_EACH;
		return NULL;
	}
	for (i = 0; i < TICKETS_EACH; i++) {
		ticket_init(&t, "concurrent");
		if (store_ticket_create(st, &t, 2026, "body", 0, NOW + i) != STORE_OK)
			w->failures++;
		else
			strcpy(w->numbers[i], t.number);
	}
	store_close(st);
	return NULL;
}

/* Writers on separate connections wait for each other and never share a number. */
static void test_concurrent_numbering(void **state)
{
	struct fx *fx = *state;
	struct writer w[WRITERS];
	pthread_t th[WRITERS];
	char seen[WRITERS * TICKETS_EACH + 1];
	int year, i, j;
	int64_t seq;

	memset(w, 0, sizeof(w));
	memset(seen, 0, sizeof(seen));
	for (i = 0; i < WRITERS; i++) {
		w[i].path = fx->path;
		assert_int_equal(pthread_create(&th[i], NULL, writer_run, &w[i]), 0);
	}
	for (i = 0; i < WRITERS; i++)
		assert_int_equal(pthread_join(th[i], NULL), 0);
	for (i = 0; i < WRITERS; i++) {
		assert_int_equal(w[i].failures, 0);
		for (j = 0; j < TICKETS_EACH; j++) {
			assert_int_equal(ticket_number_parse(w[i].numbers[j], &year, &seq), 0);
			assert_int_equal(year, 2026);
			assert_in_range(seq, 1, WRITERS * TICKETS_EACH);
			assert_int_equal(seen[seq], 0);
			seen[seq] = 1;
		}
	}
	assert_int_equal(raw_int(fx, "SELECT count(*) FROM tickets"), WRITERS * TICKETS_EACH);
	assert_int_equal(raw_int(fx, "SELECT last FROM ticket_seq WHERE year = 2026"),
			 WRITERS * TICKETS_EACH);
	assert_int_equal(raw_int(fx, "SELECT count(*) FROM events"), WRITERS * TICKETS_EACH);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_migrate_idempotent, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_schema_newer_refused, fx_setup_migrated,
						fx_teardown),
		cmocka_unit_test(test_open_errors),
		cmocka_unit_test_setup_teardown(test_busy, fx_setup_migrated, fx_teardown),
		cmocka_unit_test_setup_teardown(test_users, fx_setup_migrated, fx_teardown),
		cmocka_unit_test_setup_teardown(test_sessions, fx_setup_migrated, fx_teardown),
		cmocka_unit_test_setup_teardown(test_session_delete_user, fx_setup_migrated,
						fx_teardown),
		cmocka_unit_test_setup_teardown(test_user_update_with_password, fx_setup_migrated,
						fx_teardown),
		cmocka_unit_test_setup_teardown(test_tokens, fx_setup_migrated, fx_teardown),
		cmocka_unit_test_setup_teardown(test_clients, fx_setup_migrated, fx_teardown),
		cmocka_unit_test_setup_teardown(test_contacts, fx_setup_migrated, fx_teardown),
		cmocka_unit_test_setup_teardown(test_ticket_numbering, fx_setup_migrated,
						fx_teardown),
		cmocka_unit_test_setup_teardown(test_enum_round_trip, fx_setup_migrated,
						fx_teardown),
		cmocka_unit_test_setup_teardown(test_ticket_update, fx_setup_migrated, fx_teardown),
		cmocka_unit_test_setup_teardown(test_ticket_list, fx_setup_migrated, fx_teardown),
		cmocka_unit_test_setup_teardown(test_timer, fx_setup_migrated, fx_teardown),
		cmocka_unit_test_setup_teardown(test_close_stops_timers, fx_setup_migrated,
						fx_teardown),
		cmocka_unit_test_setup_teardown(test_time_add_and_correct, fx_setup_migrated,
						fx_teardown),
		cmocka_unit_test_setup_teardown(test_events_append_only, fx_setup_migrated,
						fx_teardown),
		cmocka_unit_test_setup_teardown(test_attachments, fx_setup_migrated, fx_teardown),
		cmocka_unit_test_setup_teardown(test_failure_leaves_nothing, fx_setup_migrated,
						fx_teardown),
		cmocka_unit_test_setup_teardown(test_concurrent_numbering, fx_setup_migrated,
						fx_teardown),
	};

	if (crypto_init() != 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
