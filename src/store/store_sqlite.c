/*
 * store_sqlite: the SQLite backend of the store (see store.h, store_backend.h):
 * the connection, the helpers its files share (sqlite_internal.h) and the
 * foundation's calls; the mail calls are in store_sqlite_mail.c, the web
 * application's in store_sqlite_web.c, billing's in store_sqlite_billing.c.  Every
 * statement lives in a table, referred to by name, prepared lazily and cached
 * per connection, always with bound parameters.  Every call that takes more
 * than one step runs inside BEGIN IMMEDIATE ... COMMIT and rolls back on any
 * failure through its one `out` path.
 */
#include <assert.h>
#include <errno.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <pthread.h>
#include <sqlite3.h>

#include "core/model.h"
#include "core/ticket.h"
#include "core/timefmt.h"
#include "core/timer.h"
#include "core/utf8.h"
#include "core/validate.h"
#include "store/store.h"
#include "store/store_backend.h"
#include "store/sqlite_internal.h"
#include "util/crypto.h"
#include "util/xalloc.h"

#define BUSY_TIMEOUT_MS 5000
/* A token's last use is written at most this often, so reads stay reads. */
#define TOKEN_TOUCH_SECONDS 60

/* ---- the statements ---- */

#define USER_COLS "u.id, u.email, u.name, u.role, u.active, u.lang, u.created_at"
#define CLIENT_COLS                                                                        \
	"c.id, c.name, c.oib, c.vat_id, c.address, c.email_domains, c.billing_email, c.notes, " \
	"c.active, c.created_at, c.updated_at"
#define CONTACT_SELECT                                                                    \
	"SELECT k.id, k.client_id, k.name, coalesce(k.email, ''), k.phone, k.sees_all, "  \
	"k.active, k.created_at, k.updated_at, c.name "                                   \
	"FROM contacts k JOIN clients c ON c.id = k.client_id "
#define TICKET_SELECT SQ_TICKET_COLS "FROM tickets t " SQ_TICKET_JOINS
/*
 * The author of an event nobody here wrote: the sender of its mail
 * ("Name <addr>", or the address alone), from mail_messages (0002_mail).
 */
#define EVENT_MAIL_SENDER                                                                 \
	"SELECT CASE WHEN m.from_name <> '' THEN m.from_name || ' <' || m.from_addr || '>' " \
	"ELSE nullif(m.from_addr, '') END FROM mail_messages m "                          \
	"WHERE m.event_id = e.id AND m.direction = 'in' LIMIT 1"
#define EVENT_SELECT                                                                      \
	"SELECT e.id, e.ticket_id, e.kind, coalesce(e.author_user_id, 0), "               \
	"coalesce(e.author_contact_id, 0), "                                              \
	"coalesce(u.name, k.name, (" EVENT_MAIL_SENDER "), ''), e.created_at, "           \
	"e.field, e.old_value, e.new_value, coalesce(e.time_entry_id, 0), e.body "        \
	"FROM events e LEFT JOIN users u ON u.id = e.author_user_id "                     \
	"LEFT JOIN contacts k ON k.id = e.author_contact_id "
#define TIME_SELECT                                                                       \
	"SELECT x.id, x.ticket_id, x.user_id, x.started_at, x.ended_at, x.seconds, x.note, " \
	"x.billable, x.created_at, u.name, coalesce(x.rate_id, 0) "                         \
	"FROM time_entries x JOIN users u ON u.id = x.user_id "
#define TIMER_SELECT                                                                      \
	"SELECT r.user_id, r.ticket_id, r.started_at, t.number, t.subject "                \
	"FROM timers r JOIN tickets t ON t.id = r.ticket_id "
#define ATTACHMENT_SELECT                                                                 \
	"SELECT a.id, a.ticket_id, coalesce(a.event_id, 0), a.filename, a.media_type, "    \
	"a.size, a.sha256, a.created_at "

enum stmt {
	Q_NONE, /* no statement (a list without a count) */
	Q_BEGIN,
	Q_BEGIN_READ,
	Q_COMMIT,
	Q_ROLLBACK,
	Q_SAVEPOINT,
	Q_RELEASE,
	Q_ROLLBACK_TO,
	Q_PRAGMA_WAL,
	Q_PRAGMA_FOREIGN_KEYS,
	Q_PRAGMA_FOREIGN_KEYS_OFF,
	Q_FOREIGN_KEY_CHECK,
	Q_PRAGMA_SYNCHRONOUS,
	Q_PRAGMA_TEMP_STORE,
	Q_SCHEMA_TABLE_EXISTS,
	Q_SCHEMA_CREATE,
	Q_SCHEMA_VERSION,
	Q_SCHEMA_RECORD,
	Q_USER_INSERT,
	Q_USER_GET,
	Q_USER_GET_EMAIL,
	Q_USER_LIST,
	Q_USER_UPDATE,
	Q_USER_SET_PASSWORD,
	Q_SESSION_PURGE,
	Q_SESSION_INSERT,
	Q_SESSION_LOOKUP,
	Q_SESSION_DELETE,
	Q_SESSION_DELETE_USER,
	Q_TOKEN_INSERT,
	Q_TOKEN_LOOKUP,
	Q_TOKEN_TOUCH,
	Q_CLIENT_INSERT,
	Q_CLIENT_GET,
	Q_CLIENT_UPDATE,
	Q_CLIENT_LIST,
	Q_CLIENT_COUNT,
	Q_CLIENT_BY_DOMAIN,
	Q_CONTACT_INSERT,
	Q_CONTACT_GET,
	Q_CONTACT_GET_EMAIL,
	Q_CONTACT_UPDATE,
	Q_CONTACT_LIST,
	Q_CONTACT_LIST_CLIENT,
	Q_TICKET_EXISTS,
	Q_CONTACT_COUNT_CLIENT,
	Q_CONTACT_COUNT,
	Q_SEQ_NEXT,
	Q_TICKET_INSERT,
	Q_TICKET_GET,
	Q_TICKET_GET_NUMBER,
	Q_TICKET_UPDATE,
	Q_TICKET_TOUCH,
	Q_EVENT_INSERT,
	Q_EVENT_LIST,
	Q_EVENT_TICKET,
	Q_TIMER_GET,
	Q_TIMER_ON_TICKET,
	Q_TIMER_INSERT,
	Q_TIMER_DELETE,
	Q_TIME_INSERT,
	Q_TIME_GET,
	Q_TIME_UPDATE,
	Q_TIME_LIST,
	Q_ATTACHMENT_INSERT,
	Q_ATTACHMENT_GET,
	Q_ATTACHMENT_LIST,
	Q__COUNT
};

static const char *const stmt_sql[Q__COUNT] = {
	[Q_BEGIN] = "BEGIN IMMEDIATE",
	[Q_BEGIN_READ] = "BEGIN",
	[Q_COMMIT] = "COMMIT",
	[Q_ROLLBACK] = "ROLLBACK",
	/* a call's transaction inside a batch (store_batch_begin) */
	[Q_SAVEPOINT] = "SAVEPOINT evid_call",
	[Q_RELEASE] = "RELEASE evid_call",
	[Q_ROLLBACK_TO] = "ROLLBACK TO evid_call",
	[Q_PRAGMA_WAL] = "PRAGMA journal_mode = WAL",
	[Q_PRAGMA_FOREIGN_KEYS] = "PRAGMA foreign_keys = ON",
	/* Around a migration that rebuilds a table (see migration_apply). */
	[Q_PRAGMA_FOREIGN_KEYS_OFF] = "PRAGMA foreign_keys = OFF",
	[Q_FOREIGN_KEY_CHECK] = "PRAGMA foreign_key_check",
	/* FULL: a committed ticket or time entry survives a power cut, WAL or not. */
	[Q_PRAGMA_SYNCHRONOUS] = "PRAGMA synchronous = FULL",
	/*
	 * Statement journals and temporary b-trees in memory: a write in a
	 * transaction of several statements would otherwise write its journal
	 * to a file in /var/tmp (some 50 pages per imported message).
	 */
	[Q_PRAGMA_TEMP_STORE] = "PRAGMA temp_store = MEMORY",

	/*
	 * The schema version is recorded in the table schema_version, one row
	 * per applied migration (not PRAGMA user_version): the row also says
	 * which file ran and when, and it is written with a bound parameter.
	 */
	[Q_SCHEMA_TABLE_EXISTS] =
		"SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_version'",
	[Q_SCHEMA_CREATE] = "CREATE TABLE IF NOT EXISTS schema_version ("
			    "version INTEGER PRIMARY KEY, name TEXT NOT NULL, "
			    "applied_at INTEGER NOT NULL)",
	[Q_SCHEMA_VERSION] = "SELECT coalesce(max(version), 0) FROM schema_version",
	[Q_SCHEMA_RECORD] = "INSERT INTO schema_version (version, name, applied_at) "
			    "VALUES (?1, ?2, CAST(strftime('%s', 'now') AS INTEGER))",

	[Q_USER_INSERT] = "INSERT INTO users (email, name, role, pwhash, active, lang, created_at) "
			  "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
	[Q_USER_GET] = "SELECT " USER_COLS ", u.pwhash FROM users u WHERE u.id = ?1",
	[Q_USER_GET_EMAIL] = "SELECT " USER_COLS ", u.pwhash FROM users u WHERE u.email = ?1",
	[Q_USER_LIST] = "SELECT " USER_COLS " FROM users u ORDER BY u.name COLLATE NOCASE, u.id",
	/* ?7 NULL keeps the password hash. */
	[Q_USER_UPDATE] = "UPDATE users SET email = ?2, name = ?3, role = ?4, active = ?5, "
			  "lang = ?6, pwhash = coalesce(?7, pwhash) WHERE id = ?1",
	[Q_USER_SET_PASSWORD] = "UPDATE users SET pwhash = ?2 WHERE id = ?1",

	[Q_SESSION_PURGE] = "DELETE FROM sessions WHERE expires_at <= ?1",
	[Q_SESSION_INSERT] = "INSERT INTO sessions (hash, user_id, created_at, expires_at) "
			     "VALUES (?1, ?2, ?3, ?4)",
	[Q_SESSION_LOOKUP] = "SELECT " USER_COLS " FROM sessions s "
			     "JOIN users u ON u.id = s.user_id "
			     "WHERE s.hash = ?1 AND s.expires_at > ?2 AND u.active = 1",
	[Q_SESSION_DELETE] = "DELETE FROM sessions WHERE hash = ?1",
	[Q_SESSION_DELETE_USER] = "DELETE FROM sessions WHERE user_id = ?1 "
				  "AND (?2 IS NULL OR hash <> ?2)",
	[Q_TOKEN_INSERT] = "INSERT INTO api_tokens (user_id, hash, name, created_at) "
			   "VALUES (?1, ?2, ?3, ?4)",
	[Q_TOKEN_LOOKUP] = "SELECT " USER_COLS ", a.id, coalesce(a.last_used_at, 0) "
			   "FROM api_tokens a JOIN users u ON u.id = a.user_id "
			   "WHERE a.hash = ?1 AND a.revoked_at IS NULL AND u.active = 1",
	[Q_TOKEN_TOUCH] = "UPDATE api_tokens SET last_used_at = ?2 WHERE id = ?1",

	[Q_CLIENT_INSERT] = "INSERT INTO clients (name, oib, vat_id, address, email_domains, "
			    "billing_email, notes, active, created_at, updated_at) "
			    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?9)",
	[Q_CLIENT_GET] = "SELECT " CLIENT_COLS " FROM clients c WHERE c.id = ?1",
	[Q_CLIENT_UPDATE] = "UPDATE clients SET name = ?2, oib = ?3, vat_id = ?4, address = ?5, "
			    "email_domains = ?6, billing_email = ?7, notes = ?8, active = ?9, "
			    "updated_at = ?10 WHERE id = ?1",
	[Q_CLIENT_LIST] = "SELECT " CLIENT_COLS " FROM clients c "
			  "WHERE (?1 IS NULL OR instr(evid_fold(c.name), evid_fold(?1)) > 0) "
			  "AND (?2 = 0 OR c.active = 1) "
			  "ORDER BY c.name COLLATE NOCASE, c.id LIMIT ?3 OFFSET ?4",
	[Q_CLIENT_COUNT] = "SELECT count(*) FROM clients c "
			   "WHERE (?1 IS NULL OR instr(evid_fold(c.name), evid_fold(?1)) > 0) "
			   "AND (?2 = 0 OR c.active = 1)",
	[Q_CLIENT_BY_DOMAIN] = "SELECT " CLIENT_COLS " FROM clients c WHERE c.active = 1 "
			       "AND instr(',' || c.email_domains || ',', ',' || ?1 || ',') > 0 "
			       "ORDER BY c.id LIMIT 1",

	[Q_CONTACT_INSERT] = "INSERT INTO contacts (client_id, name, email, phone, sees_all, "
			     "active, created_at, updated_at) "
			     "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7)",
	[Q_CONTACT_GET] = CONTACT_SELECT "WHERE k.id = ?1",
	[Q_CONTACT_GET_EMAIL] = CONTACT_SELECT "WHERE k.email = ?1",
	[Q_CONTACT_UPDATE] = "UPDATE contacts SET client_id = ?2, name = ?3, email = ?4, "
			     "phone = ?5, sees_all = ?6, active = ?7, updated_at = ?8 "
			     "WHERE id = ?1",
	[Q_CONTACT_LIST] = CONTACT_SELECT
		"WHERE (?1 = 0 OR k.client_id = ?1) "
		"AND (?2 IS NULL OR instr(evid_fold(k.name), evid_fold(?2)) > 0 "
		"OR instr(k.email, evid_fold(?2)) > 0) AND (?3 = 0 OR k.active = 1) "
		"ORDER BY k.name COLLATE NOCASE, k.id LIMIT ?4 OFFSET ?5",
	/* One client's: the same, written so that SQLite uses contacts_client. */
	[Q_CONTACT_LIST_CLIENT] = CONTACT_SELECT
		"WHERE k.client_id = ?1 "
		"AND (?2 IS NULL OR instr(evid_fold(k.name), evid_fold(?2)) > 0 "
		"OR instr(k.email, evid_fold(?2)) > 0) AND (?3 = 0 OR k.active = 1) "
		"ORDER BY k.name COLLATE NOCASE, k.id LIMIT ?4 OFFSET ?5",
	[Q_CONTACT_COUNT_CLIENT] = "SELECT count(*) FROM contacts k WHERE k.client_id = ?1 "
			    "AND (?2 IS NULL OR instr(evid_fold(k.name), evid_fold(?2)) > 0 "
			    "OR instr(k.email, evid_fold(?2)) > 0) AND (?3 = 0 OR k.active = 1)",
	[Q_CONTACT_COUNT] = "SELECT count(*) FROM contacts k WHERE (?1 = 0 OR k.client_id = ?1) "
			    "AND (?2 IS NULL OR instr(evid_fold(k.name), evid_fold(?2)) > 0 "
			    "OR instr(k.email, evid_fold(?2)) > 0) AND (?3 = 0 OR k.active = 1)",

	[Q_SEQ_NEXT] = "INSERT INTO ticket_seq (year, last) VALUES (?1, 1) "
		       "ON CONFLICT (year) DO UPDATE SET last = last + 1 RETURNING last",
	[Q_TICKET_INSERT] = "INSERT INTO tickets (number, subject, status, priority, channel, "
			    "billing, client_id, contact_id, assignee_id, created_by, created_at, "
			    "updated_at, closed_at, category) "
			    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?11, ?12, ?13)",
	[Q_TICKET_GET] = TICKET_SELECT "WHERE t.id = ?1",
	[Q_TICKET_EXISTS] = "SELECT 1 FROM tickets WHERE id = ?1",
	[Q_TICKET_GET_NUMBER] = TICKET_SELECT "WHERE t.number = ?1",
	[Q_TICKET_UPDATE] = "UPDATE tickets SET subject = ?2, status = ?3, priority = ?4, "
			    "channel = ?5, billing = ?6, client_id = ?7, contact_id = ?8, "
			    "assignee_id = ?9, updated_at = ?10, closed_at = ?11, category = ?12 "
			    "WHERE id = ?1",
	[Q_TICKET_TOUCH] = "UPDATE tickets SET updated_at = max(updated_at, ?2) WHERE id = ?1",

	[Q_EVENT_INSERT] = "INSERT INTO events (ticket_id, kind, author_user_id, "
			   "author_contact_id, created_at, field, old_value, new_value, "
			   "time_entry_id, body) "
			   "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
	[Q_EVENT_LIST] = EVENT_SELECT "WHERE e.ticket_id = ?1 ORDER BY e.id",
	[Q_EVENT_TICKET] = "SELECT ticket_id FROM events WHERE id = ?1",

	[Q_TIMER_GET] = TIMER_SELECT "WHERE r.user_id = ?1",
	[Q_TIMER_ON_TICKET] = TIMER_SELECT "WHERE r.ticket_id = ?1 ORDER BY r.user_id",
	[Q_TIMER_INSERT] = "INSERT INTO timers (user_id, ticket_id, started_at) "
			   "VALUES (?1, ?2, ?3)",
	[Q_TIMER_DELETE] = "DELETE FROM timers WHERE user_id = ?1",

	[Q_TIME_INSERT] = "INSERT INTO time_entries (ticket_id, user_id, started_at, ended_at, "
			  "seconds, note, billable, created_at, updated_at) "
			  "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8)",
	[Q_TIME_GET] = TIME_SELECT "WHERE x.id = ?1",
	[Q_TIME_UPDATE] = "UPDATE time_entries SET started_at = ?2, ended_at = ?3, seconds = ?4, "
			  "note = ?5, billable = ?6, updated_at = ?7 WHERE id = ?1",
	[Q_TIME_LIST] = TIME_SELECT "WHERE x.ticket_id = ?1 ORDER BY x.started_at, x.id",

	[Q_ATTACHMENT_INSERT] = "INSERT INTO attachments (ticket_id, event_id, filename, "
				"media_type, size, sha256, data, created_at) "
				"VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
	/* data is the last column, so listing never reads the bytes. */
	[Q_ATTACHMENT_GET] = ATTACHMENT_SELECT ", a.data FROM attachments a WHERE a.id = ?1",
	[Q_ATTACHMENT_LIST] = ATTACHMENT_SELECT "FROM attachments a WHERE a.ticket_id = ?1 "
						"ORDER BY a.id",
};

_Static_assert(Q__COUNT <= SQ_MAIL_FIRST, "statement ids overlap the mail table's");

/* ---- the connection (struct sq, sqlite_internal.h) ---- */

/* The message of a UNIQUE failure, by the "table.column" SQLite names in its error. */
static const struct {
	const char *column;
	const char *message;
} unique_messages[] = {
	{ "users.email", "email already used by another user" },
	{ "contacts.email", "email already used by another contact" },
	{ "clients.name", "a client with this name already exists" },
	{ "clients.oib", "oib already used by another client" },
	{ "sessions.hash", "session already exists" },
	{ "api_tokens.hash", "token already exists" },
	{ "tickets.number", "ticket number already used" },
	{ "timers.user_id", "a stopwatch already runs for this user" },
	{ "schema_version.version", "migration already applied" },
};

/* Turn an SQLite result code into a store rc and a message fit for a user. */
int sq_error(struct store *st, int rc)
{
	const char *msg = sqlite3_errmsg(sq_of(st)->db);
	size_t i;

	switch (rc & 0xff) {
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		return store_fail(st, STORE_BUSY, "the database is busy; try again in a moment");
	case SQLITE_FULL:
		return store_fail(st, STORE_FULL,
				  "the disk is full; free some space and try again");
	case SQLITE_TOOBIG:
		return store_fail(st, STORE_INVALID, "a value is too large to store");
	case SQLITE_CONSTRAINT:
		break;
	default:
		if (strstr(msg, "no such table"))
			return store_fail(st, STORE_ERROR, "database error: %s; run 'evid init'",
					  msg);
		return store_fail(st, STORE_ERROR, "database error: %s", msg);
	}
	switch (rc) {
	case SQLITE_CONSTRAINT_UNIQUE:
	case SQLITE_CONSTRAINT_PRIMARYKEY:
		for (i = 0; i < sizeof(unique_messages) / sizeof(unique_messages[0]); i++)
			if (strstr(msg, unique_messages[i].column))
				return store_fail(st, STORE_CONFLICT, "%s",
						  unique_messages[i].message);
		return store_fail(st, STORE_CONFLICT, "record already exists (%s)", msg);
	case SQLITE_CONSTRAINT_FOREIGNKEY:
		return store_fail(st, STORE_INVALID, "a referenced record does not exist");
	case SQLITE_CONSTRAINT_TRIGGER:
		/* RAISE(ABORT) in a trigger, e.g. an attempt to change the history. */
		return store_fail(st, STORE_CONFLICT, "%s", msg);
	default:
		return store_fail(st, STORE_INVALID, "a value breaks a rule of the database (%s)",
				  msg);
	}
}

/*
 * *out = statement id of either table (see sqlite_internal.h), prepared
 * once per connection and reset for a new use.
 */
int sq_prepare(struct store *st, int id, sqlite3_stmt **out)
{
	struct sq *sq = sq_of(st);
	sqlite3_stmt **slot;
	const char *sql;
	int rc;

	if (id >= SQ_BILL_FIRST) {
		assert((size_t)(id - SQ_BILL_FIRST) < sq_bill_count);
		slot = &sq->bill_stmt[id - SQ_BILL_FIRST];
		sql = sq_bill_sql[id - SQ_BILL_FIRST];
	} else if (id >= SQ_WEB_FIRST) {
		assert((size_t)(id - SQ_WEB_FIRST) < sq_web_count);
		slot = &sq->web_stmt[id - SQ_WEB_FIRST];
		sql = sq_web_sql[id - SQ_WEB_FIRST];
	} else if (id >= SQ_MAIL_FIRST) {
		assert((size_t)(id - SQ_MAIL_FIRST) < sq_mail_count);
		slot = &sq->mail_stmt[id - SQ_MAIL_FIRST];
		sql = sq_mail_sql[id - SQ_MAIL_FIRST];
	} else {
		assert(id > Q_NONE && id < Q__COUNT);
		slot = &sq->stmt[id];
		sql = stmt_sql[id];
	}
	sq->bind_rc = SQLITE_OK;
	sq->bad_row = 0;
	if (!*slot) {
		rc = sqlite3_prepare_v3(sq->db, sql, -1, SQLITE_PREPARE_PERSISTENT, slot, NULL);
		if (rc != SQLITE_OK) {
			*slot = NULL;
			return sq_error(st, rc);
		}
	} else {
		sqlite3_reset(*slot);
		sqlite3_clear_bindings(*slot);
	}
	*out = *slot;
	return STORE_OK;
}

/* Put a statement back for its next use (NULL is fine). */
void sq_done(sqlite3_stmt *s)
{
	if (!s)
		return;
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
}

void sq_bind_check(struct store *st, int rc)
{
	if (rc != SQLITE_OK && sq_of(st)->bind_rc == SQLITE_OK)
		sq_of(st)->bind_rc = rc;
}

void sq_bind_int(struct store *st, sqlite3_stmt *s, int i, int64_t v)
{
	sq_bind_check(st, sqlite3_bind_int64(s, i, v));
}

/* An id that may be "none": 0 is stored as NULL. */
void sq_bind_id(struct store *st, sqlite3_stmt *s, int i, int64_t id)
{
	sq_bind_check(st, id ? sqlite3_bind_int64(s, i, id) : sqlite3_bind_null(s, i));
}

/* Text; NULL is stored as NULL. */
void sq_bind_text(struct store *st, sqlite3_stmt *s, int i, const char *v)
{
	sq_bind_check(st, v ? sqlite3_bind_text(s, i, v, -1, SQLITE_TRANSIENT)
			    : sqlite3_bind_null(s, i));
}

/* A zero-length blob must still be a blob, not NULL. */
void sq_bind_blob(struct store *st, sqlite3_stmt *s, int i, const void *data, size_t n)
{
	sq_bind_check(st, n ? sqlite3_bind_blob64(s, i, data, (sqlite3_uint64)n, SQLITE_STATIC)
			    : sqlite3_bind_zeroblob(s, i, 0));
}

/* Step once: 1 for a row, 0 when done, or a negative store rc with the message set. */
int sq_step(struct store *st, sqlite3_stmt *s)
{
	struct sq *sq = sq_of(st);
	int rc;

	if (sq->bind_rc != SQLITE_OK) {
		rc = sq->bind_rc;
		sq->bind_rc = SQLITE_OK;
		return sq_error(st, rc);
	}
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		return 1;
	if (rc == SQLITE_DONE)
		return 0;
	return sq_error(st, rc);
}

/* Run a statement that returns no rows to its end. */
int sq_run(struct store *st, sqlite3_stmt *s)
{
	int rc;

	while ((rc = sq_step(st, s)) == 1)
		;
	return rc;
}

/* Run the statement id that takes no parameters and returns no rows. */
int sq_exec(struct store *st, int id)
{
	sqlite3_stmt *s = NULL;
	int rc;

	if ((rc = sq_prepare(st, id, &s)) != STORE_OK)
		return rc;
	rc = sq_run(st, s);
	sq_done(s);
	return rc;
}

/* A write transaction: takes the write lock now, so it never fails half-way for a lock. */
int sq_tx_begin(struct store *st)
{
	return sq_exec(st, sq_of(st)->batch ? Q_SAVEPOINT : Q_BEGIN);
}

/*
 * A read transaction: every statement in it sees the same snapshot.  In a
 * snapshot of store_read_begin there is one already, and a read has nothing
 * to undo: no savepoint, only a count for its commit or rollback.
 */
int sq_tx_begin_read(struct store *st)
{
	struct sq *sq = sq_of(st);

	if (sq->batch && sq->batch_read) {
		sq->read_tx++;
		return STORE_OK;
	}
	return sq_exec(st, sq->batch ? Q_SAVEPOINT : Q_BEGIN_READ);
}

int sq_tx_commit(struct store *st)
{
	struct sq *sq = sq_of(st);

	if (sq->read_tx > 0) {
		sq->read_tx--;
		return STORE_OK;
	}
	return sq_exec(st, sq->batch ? Q_RELEASE : Q_COMMIT);
}

/*
 * Undo the open transaction, if SQLite has not already, keeping the message
 * of the failure that led here.  ROLLBACK was prepared by open, so this
 * cannot fail for want of memory.
 */
void sq_tx_rollback(struct store *st)
{
	struct sq *sq = sq_of(st);

	if (sq->read_tx > 0) {
		sq->read_tx--;
		return;
	}
	if (sqlite3_get_autocommit(sq->db))
		return;
	if (sq->batch) {
		/* only this call's part of the batch; both prepared by batch_begin */
		sqlite3_step(sq->stmt[Q_ROLLBACK_TO]);
		sqlite3_reset(sq->stmt[Q_ROLLBACK_TO]);
		sqlite3_step(sq->stmt[Q_RELEASE]);
		sqlite3_reset(sq->stmt[Q_RELEASE]);
		return;
	}
	sqlite3_step(sq->stmt[Q_ROLLBACK]);
	sqlite3_reset(sq->stmt[Q_ROLLBACK]);
}

/*
 * store_batch_begin: the write lock now, and every call's transaction a
 * savepoint in this one until sq_batch_end.  SQLite gives up a whole
 * transaction by itself after some failures (SQLITE_FULL, I/O errors):
 * the savepoints of later calls then run as transactions of their own, and
 * sq_batch_end finds the batch gone.
 */
static int batch_open(struct store *st, int begin)
{
	struct sq *sq = sq_of(st);
	sqlite3_stmt *s = NULL;
	int rc;

	if (sq->batch || !sqlite3_get_autocommit(sq->db))
		return store_fail(st, STORE_ERROR, "a batch or a transaction is open already");
	/* Prepared now, so undoing a call never waits on memory for its statements. */
	if ((rc = sq_prepare(st, Q_ROLLBACK_TO, &s)) != STORE_OK)
		return rc;
	sq_done(s);
	if ((rc = sq_prepare(st, Q_RELEASE, &s)) != STORE_OK)
		return rc;
	sq_done(s);
	if ((rc = sq_exec(st, begin)) != STORE_OK)
		return rc;
	sq->batch = 1;
	return STORE_OK;
}

static int sq_batch_begin(struct store *st)
{
	int rc = batch_open(st, Q_BEGIN);

	if (rc == STORE_OK)
		sq_of(st)->batch_read = 0;
	return rc;
}

/*
 * store_read_begin: one snapshot (no lock taken until the first read) for
 * many reads; inside one already open, it joins that one.
 */
static int sq_read_begin(struct store *st)
{
	struct sq *sq = sq_of(st);
	int rc;

	if (sq->batch && sq->batch_read) {
		sq->read_nest++;
		return STORE_OK;
	}
	if ((rc = batch_open(st, Q_BEGIN_READ)) == STORE_OK) {
		sq->batch_read = 1;
		sq->read_nest = 0;
		sq->snap_version_ok = 0;
	}
	return rc;
}

static int sq_batch_end(struct store *st, int commit)
{
	struct sq *sq = sq_of(st);
	int rc;

	if (!sq->batch)
		return store_fail(st, STORE_ERROR, "no batch is open");
	if (sq->read_nest > 0) {
		sq->read_nest--;
		return STORE_OK;
	}
	sq->batch = 0;
	sq->batch_read = 0;
	sq->read_tx = 0;
	sq->snap_version_ok = 0;
	if (sqlite3_get_autocommit(sq->db))
		return store_fail(st, STORE_ERROR,
				  "the database gave up the batch after an earlier failure");
	if (!commit) {
		sq_tx_rollback(st);
		return STORE_OK;
	}
	if ((rc = sq_exec(st, Q_COMMIT)) != STORE_OK)
		sq_tx_rollback(st);
	return rc;
}

/* ---- reading rows into the model ---- */

/* A value cut to fit dst is cut at a character boundary. */
void sq_col_text(sqlite3_stmt *s, int i, char *dst, size_t n)
{
	const unsigned char *v = sqlite3_column_text(s, i);

	if (xstrlcpy(dst, v ? (const char *)v : "", n) < 0)
		sq_utf8_trim(dst);
}

SQ_COL_ENUM(col_role, enum user_role, role_parse)
SQ_COL_ENUM(col_status, enum ticket_status, status_parse)
SQ_COL_ENUM(col_priority, enum ticket_priority, priority_parse)
SQ_COL_ENUM(col_channel, enum ticket_channel, channel_parse)
SQ_COL_ENUM(col_billing, enum billing_kind, billing_parse)
SQ_COL_ENUM(col_event_kind, enum event_kind, event_kind_parse)

int sq_row_check(struct store *st, const char *what)
{
	if (!sq_of(st)->bad_row)
		return STORE_OK;
	return store_fail(st, STORE_ERROR, "the database holds a %s this evid does not understand",
			  what);
}

/* The readers (sq_row_reader, sqlite_internal.h) of the foundation's records. */

int sq_read_user(struct store *st, sqlite3_stmt *s, void *item)
{
	struct user *u = item;

	memset(u, 0, sizeof(*u));
	u->id = sqlite3_column_int64(s, 0);
	sq_col_text(s, 1, u->email, sizeof(u->email));
	sq_col_text(s, 2, u->name, sizeof(u->name));
	col_role(st, s, 3, &u->role);
	u->active = sqlite3_column_int(s, 4);
	sq_col_text(s, 5, u->lang, sizeof(u->lang));
	u->created_at = sqlite3_column_int64(s, 6);
	return sq_row_check(st, "user");
}

int sq_read_client(struct store *st, sqlite3_stmt *s, void *item)
{
	struct client *c = item;

	memset(c, 0, sizeof(*c));
	c->id = sqlite3_column_int64(s, 0);
	sq_col_text(s, 1, c->name, sizeof(c->name));
	sq_col_text(s, 2, c->oib, sizeof(c->oib));
	sq_col_text(s, 3, c->vat_id, sizeof(c->vat_id));
	sq_col_text(s, 4, c->address, sizeof(c->address));
	sq_col_text(s, 5, c->email_domains, sizeof(c->email_domains));
	sq_col_text(s, 6, c->billing_email, sizeof(c->billing_email));
	sq_col_text(s, 7, c->notes, sizeof(c->notes));
	c->active = sqlite3_column_int(s, 8);
	c->created_at = sqlite3_column_int64(s, 9);
	c->updated_at = sqlite3_column_int64(s, 10);
	return sq_row_check(st, "client");
}

int sq_read_contact(struct store *st, sqlite3_stmt *s, void *item)
{
	struct contact *c = item;

	memset(c, 0, sizeof(*c));
	c->id = sqlite3_column_int64(s, 0);
	c->client_id = sqlite3_column_int64(s, 1);
	sq_col_text(s, 2, c->name, sizeof(c->name));
	sq_col_text(s, 3, c->email, sizeof(c->email));
	sq_col_text(s, 4, c->phone, sizeof(c->phone));
	c->sees_all = sqlite3_column_int(s, 5);
	c->active = sqlite3_column_int(s, 6);
	c->created_at = sqlite3_column_int64(s, 7);
	c->updated_at = sqlite3_column_int64(s, 8);
	sq_col_text(s, 9, c->client_name, sizeof(c->client_name));
	return sq_row_check(st, "contact");
}

int sq_read_ticket(struct store *st, sqlite3_stmt *s, void *item)
{
	struct ticket *t = item;

	memset(t, 0, sizeof(*t));
	t->id = sqlite3_column_int64(s, 0);
	sq_col_text(s, 1, t->number, sizeof(t->number));
	sq_col_text(s, 2, t->subject, sizeof(t->subject));
	col_status(st, s, 3, &t->status);
	col_priority(st, s, 4, &t->priority);
	col_channel(st, s, 5, &t->channel);
	col_billing(st, s, 6, &t->billing);
	t->client_id = sqlite3_column_int64(s, 7);
	t->contact_id = sqlite3_column_int64(s, 8);
	t->assignee_id = sqlite3_column_int64(s, 9);
	t->created_by = sqlite3_column_int64(s, 10);
	t->created_at = sqlite3_column_int64(s, 11);
	t->updated_at = sqlite3_column_int64(s, 12);
	t->closed_at = sqlite3_column_int64(s, 13);
	t->time_seconds = sqlite3_column_int64(s, 14);
	sq_col_text(s, 15, t->client_name, sizeof(t->client_name));
	sq_col_text(s, 16, t->contact_name, sizeof(t->contact_name));
	sq_col_text(s, 17, t->assignee_name, sizeof(t->assignee_name));
	sq_col_text(s, 18, t->category, sizeof(t->category));
	t->merged_into = sqlite3_column_int64(s, 19);
	return sq_row_check(st, "ticket");
}

/* e->body is a new heap copy the caller releases with event_free (even on failure). */
int sq_read_event(struct store *st, sqlite3_stmt *s, void *item)
{
	struct event *e = item;
	const unsigned char *body;

	memset(e, 0, sizeof(*e));
	e->id = sqlite3_column_int64(s, 0);
	e->ticket_id = sqlite3_column_int64(s, 1);
	col_event_kind(st, s, 2, &e->kind);
	e->author_user_id = sqlite3_column_int64(s, 3);
	e->author_contact_id = sqlite3_column_int64(s, 4);
	sq_col_text(s, 5, e->author_name, sizeof(e->author_name));
	e->created_at = sqlite3_column_int64(s, 6);
	sq_col_text(s, 7, e->field, sizeof(e->field));
	sq_col_text(s, 8, e->old_value, sizeof(e->old_value));
	sq_col_text(s, 9, e->new_value, sizeof(e->new_value));
	e->time_entry_id = sqlite3_column_int64(s, 10);
	body = sqlite3_column_text(s, 11);
	if (body)
		e->body = xstrdup((const char *)body);
	return sq_row_check(st, "event");
}

static int read_time_entry(struct store *st, sqlite3_stmt *s, void *item)
{
	struct time_entry *e = item;

	memset(e, 0, sizeof(*e));
	e->id = sqlite3_column_int64(s, 0);
	e->ticket_id = sqlite3_column_int64(s, 1);
	e->user_id = sqlite3_column_int64(s, 2);
	e->started_at = sqlite3_column_int64(s, 3);
	e->ended_at = sqlite3_column_int64(s, 4);
	e->seconds = sqlite3_column_int64(s, 5);
	sq_col_text(s, 6, e->note, sizeof(e->note));
	e->billable = sqlite3_column_int(s, 7);
	e->created_at = sqlite3_column_int64(s, 8);
	sq_col_text(s, 9, e->user_name, sizeof(e->user_name));
	e->rate_id = sqlite3_column_int64(s, 10);
	return sq_row_check(st, "time entry");
}

static int read_timer(struct store *st, sqlite3_stmt *s, void *item)
{
	struct timer_running *r = item;

	memset(r, 0, sizeof(*r));
	r->user_id = sqlite3_column_int64(s, 0);
	r->ticket_id = sqlite3_column_int64(s, 1);
	r->started_at = sqlite3_column_int64(s, 2);
	sq_col_text(s, 3, r->ticket_number, sizeof(r->ticket_number));
	sq_col_text(s, 4, r->ticket_subject, sizeof(r->ticket_subject));
	return sq_row_check(st, "stopwatch");
}

int sq_read_attachment(struct store *st, sqlite3_stmt *s, void *item)
{
	struct attachment *a = item;

	memset(a, 0, sizeof(*a));
	a->id = sqlite3_column_int64(s, 0);
	a->ticket_id = sqlite3_column_int64(s, 1);
	a->event_id = sqlite3_column_int64(s, 2);
	sq_col_text(s, 3, a->filename, sizeof(a->filename));
	sq_col_text(s, 4, a->media_type, sizeof(a->media_type));
	a->size = sqlite3_column_int64(s, 5);
	sq_col_text(s, 6, a->sha256, sizeof(a->sha256));
	a->created_at = sqlite3_column_int64(s, 7);
	return sq_row_check(st, "attachment");
}

/* Make room for one more item in a list of *cap items of size bytes. */
void *sq_list_grow(void *items, size_t n, size_t *cap, size_t size)
{
	if (n < *cap)
		return items;
	if (*cap > SIZE_MAX / 2 / size)
		return xrealloc(items, SIZE_MAX); /* aborts: no list grows this far */
	*cap = *cap ? *cap * 2 : 16;
	return xrealloc(items, *cap * size);
}

/* LIMIT and OFFSET from a filter: limit 0 means all (-1 to SQLite). */
int sq_bind_page(struct store *st, sqlite3_stmt *s, int i, int limit, int offset)
{
	if (limit < 0)
		return store_fail(st, STORE_INVALID, "limit: must not be negative");
	if (offset < 0)
		return store_fail(st, STORE_INVALID, "offset: must not be negative");
	sq_bind_int(st, s, i, limit ? limit : -1);
	sq_bind_int(st, s, i + 1, offset);
	return STORE_OK;
}

/* Run a "SELECT count(*)" statement whose parameters are bound. */
int sq_read_count(struct store *st, sqlite3_stmt *s, int64_t *total)
{
	int rc = sq_step(st, s);

	if (rc < 0)
		return rc;
	*total = rc == 1 ? sqlite3_column_int64(s, 0) : 0;
	return STORE_OK;
}

/* ?1 = the int64_t at arg. */
int sq_bind_key_int(struct store *st, sqlite3_stmt *s, const void *arg)
{
	sq_bind_int(st, s, 1, *(const int64_t *)arg);
	return STORE_OK;
}

/* ?1 = the string arg. */
int sq_bind_key_text(struct store *st, sqlite3_stmt *s, const void *arg)
{
	sq_bind_text(st, s, 1, arg);
	return STORE_OK;
}

/* Prepare statement id and bind it with bind(arg) (bind may be NULL: no parameters). */
int sq_query_prepare(struct store *st, int id, sq_binder bind, const void *arg,
		     sqlite3_stmt **s)
{
	int rc = sq_prepare(st, id, s);

	if (rc == STORE_OK && bind)
		rc = bind(st, *s, arg);
	return rc;
}

/*
 * Run statement id bound by bind(arg) and read its first row into item.
 * STORE_NOT_FOUND, without a message, when there is none: the caller says
 * what is missing.
 */
int sq_row_get(struct store *st, int id, sq_binder bind, const void *arg, sq_row_reader read,
	       void *item)
{
	sqlite3_stmt *s = NULL;
	int rc;

	if ((rc = sq_query_prepare(st, id, bind, arg, &s)) != STORE_OK)
		goto out;
	if ((rc = sq_step(st, s)) < 0)
		goto out;
	rc = rc == 0 ? STORE_NOT_FOUND : read(st, s, item);
out:
	sq_done(s);
	return rc;
}

/*
 * Append the records of every remaining row of s to out, items of size
 * bytes filled by read.  On failure out holds the rows read so far (the one
 * that failed included), for the caller to free.
 */
int sq_rows_collect(struct store *st, sqlite3_stmt *s, sq_row_reader read, size_t size,
		    struct sq_rows *out)
{
	int rc;

	while ((rc = sq_step(st, s)) == 1) {
		out->items = sq_list_grow(out->items, out->n, &out->cap, size);
		rc = read(st, s, (char *)out->items + out->n++ * size);
		if (rc != STORE_OK)
			return rc;
	}
	return rc;
}

/*
 * Run q with arg in one read transaction, so that the rows and their count
 * see the same snapshot: q->check, the rows paged by limit and offset, the
 * count into *total (may be NULL).  out holds the records read even on
 * failure, for the caller to free with its list's _free.
 */
int sq_list_read(struct store *st, const struct sq_list_query *q, const void *arg, int limit,
		 int offset, struct sq_rows *out, int64_t *total)
{
	struct buf key = BUF_INIT(16384);
	sqlite3_stmt *s = NULL;
	int64_t count = 0;
	unsigned version = 0;
	int rc, usable = 0;

	memset(out, 0, sizeof(*out));
	if ((rc = sq_tx_begin_read(st)) != STORE_OK)
		return rc;
	if (q->keep && (rc = sq_kept_begin(st, &version, &usable)) != STORE_OK)
		goto out;
	if ((rc = sq_query_prepare(st, q->rows, q->bind, arg, &s)) != STORE_OK)
		goto out;
	if (q->page && (rc = sq_bind_page(st, s, q->page, limit, offset)) != STORE_OK)
		goto out;
	if (usable && sq_kept_key(s, &key) < 0)
		usable = 0;
	/* Kept only after q->check passed, so a kept answer has passed it too. */
	if (usable && sq_kept_get(st, &key, version, q->size, q->dup, q->drop, out,
				  q->count != Q_NONE ? &count : NULL)) {
		rc = sq_tx_commit(st);
		goto out;
	}
	if (q->check && (rc = q->check(st, arg)) != STORE_OK)
		goto out;
	if ((rc = sq_rows_collect(st, s, q->read, q->size, out)) != STORE_OK)
		goto out;
	sq_done(s);
	s = NULL;
	if (q->count != Q_NONE) {
		if ((rc = sq_query_prepare(st, q->count, q->bind, arg, &s)) != STORE_OK)
			goto out;
		if ((rc = sq_read_count(st, s, &count)) != STORE_OK)
			goto out;
		sq_done(s);
		s = NULL;
	}
	if (usable)
		sq_kept_put(st, &key, q, version, out, q->count != Q_NONE ? count : -1);
	rc = sq_tx_commit(st);
out:
	sq_done(s);
	buf_free(&key);
	if (rc != STORE_OK)
		sq_tx_rollback(st);
	else if (total)
		*total = count;
	return rc;
}

/* Lowercase copy of an email or domain into dst; -1 when it does not fit. */
int sq_lower_copy(char *dst, const char *src, size_t n)
{
	if (!src || xstrlcpy(dst, src, n) < 0)
		return -1;
	ascii_lower(dst);
	return 0;
}

/*
 * Cut s, which snprintf may have truncated in the middle of a character,
 * back to whole UTF-8 characters, so a value cut to fit stays valid text.
 */
void sq_utf8_trim(char *s)
{
	size_t len = strlen(s), i = len, need;
	unsigned char lead;

	while (i > 0 && ((unsigned char)s[i - 1] & 0xc0) == 0x80)
		i--;
	if (i == 0 || i == len)
		return;
	lead = (unsigned char)s[i - 1];
	need = lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : lead >= 0xc0 ? 2 : 1;
	if (len - (i - 1) < need)
		s[i - 1] = '\0';
}

/* ---- open, close, migrations ---- */

/*
 * The lowercase of a Latin letter (ASCII, Latin-1, Latin Extended-A: every
 * letter of Croatian), or cp itself.  SQLite's lower() folds ASCII only.
 */
static unsigned fold_latin(unsigned cp)
{
	if (cp >= 0xc0 && cp <= 0xde && cp != 0xd7)
		return cp + 0x20;
	if ((cp >= 0x100 && cp <= 0x137 && cp != 0x130) || (cp >= 0x14a && cp <= 0x177))
		return cp | 1;
	if ((cp >= 0x139 && cp <= 0x148) || (cp >= 0x179 && cp <= 0x17e))
		return cp & 1 ? cp + 1 : cp;
	if (cp == 0x178)
		return 0xff;
	return cp;
}

/*
 * SQL function evid_fold(text): text with its Latin letters lowercased, for
 * case-insensitive searches ("ČAK" finds "Čakovec").  Every letter it folds
 * keeps its UTF-8 length, so the result is as long as the input.
 */
static void sql_fold(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	const unsigned char *in;
	unsigned char *out;
	unsigned cp;
	int n, i;

	(void)argc;
	if (sqlite3_value_type(argv[0]) == SQLITE_NULL) {
		sqlite3_result_null(ctx);
		return;
	}
	in = sqlite3_value_text(argv[0]);
	n = sqlite3_value_bytes(argv[0]);
	out = in ? sqlite3_malloc(n + 1) : NULL;
	if (!out) {
		sqlite3_result_error_nomem(ctx);
		return;
	}
	memcpy(out, in, (size_t)n + 1);
	for (i = 0; i < n; i++) {
		if (out[i] >= 'A' && out[i] <= 'Z') {
			out[i] = (unsigned char)(out[i] + 32);
		} else if (out[i] >= 0xc3 && out[i] <= 0xc5 && i + 1 < n &&
			   (out[i + 1] & 0xc0) == 0x80) {
			cp = fold_latin(((out[i] & 0x1fu) << 6) | (out[i + 1] & 0x3fu));
			out[i] = (unsigned char)(0xc0 | (cp >> 6));
			out[i + 1] = (unsigned char)(0x80 | (cp & 0x3f));
			i++;
		}
	}
	sqlite3_result_text(ctx, (const char *)out, n, sqlite3_free);
}

static void sq_close(struct store *st)
{
	struct sq *sq = sq_of(st);
	size_t i;

	if (!sq)
		return;
	for (i = 0; i < Q__COUNT; i++)
		sqlite3_finalize(sq->stmt[i]);
	for (i = 0; i < sq_mail_count; i++)
		sqlite3_finalize(sq->mail_stmt[i]);
	for (i = 0; i < sq_web_count; i++)
		sqlite3_finalize(sq->web_stmt[i]);
	for (i = 0; i < sq_bill_count; i++)
		sqlite3_finalize(sq->bill_stmt[i]);
	sq_queue_cache_clear(sq);
	sq_set_result_cache(st, 0);
	sqlite3_close(sq->db);
	free(sq->stmt);
	free(sq->mail_stmt);
	free(sq->web_stmt);
	free(sq->bill_stmt);
	free(sq);
	st->be = NULL;
}

/*
 * Whether path's folder exists but may not be written to.  SQLite retries a
 * failed create read-only, so its last errno then says ENOENT, not EACCES.
 */
static int folder_unwritable(const char *path)
{
	char dir[1024];
	const char *slash = strrchr(path, '/');

	if (!slash)
		return access(".", W_OK) != 0 && errno == EACCES;
	if ((size_t)(slash - path) >= sizeof(dir))
		return 0;
	memcpy(dir, path, (size_t)(slash - path));
	dir[slash - path] = '\0';
	if (slash == path)
		strcpy(dir, "/");
	return access(dir, W_OK) != 0 && errno == EACCES;
}

/* Why sqlite3_open_v2 or the first statements failed, in words for a user. */
static void describe_open_error(struct sq *sq, const char *path, char *why, size_t n)
{
	int sys = sq->db ? sqlite3_system_errno(sq->db) : 0;
	char tmp[128];

	if (sys == ENOENT && folder_unwritable(path))
		sys = EACCES;
	if (sys) {
		snprintf(why, n, "%s", strerror_r(sys, tmp, sizeof(tmp)));
		if (why[0] >= 'A' && why[0] <= 'Z')
			why[0] = (char)(why[0] - 'A' + 'a');
	} else if (sq->db && sqlite3_db_readonly(sq->db, "main") == 1) {
		snprintf(why, n, "permission denied (the file is read-only)");
	} else {
		snprintf(why, n, "%s", sq->db ? sqlite3_errmsg(sq->db) : "out of memory");
	}
}

/*
 * Process-wide SQLite settings, before its first use: no memory statistics,
 * which would take one global mutex on every allocation of every connection
 * (the server's threads queued on it).
 */
static void sq_global_config(void)
{
	sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}

static int sq_open(struct store *st, const char *path, char *err, size_t errsz)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	struct sq *sq = xcalloc(1, sizeof(*sq));
	sqlite3_stmt *s = NULL;
	char why[160];
	int rc, src;

	pthread_once(&once, sq_global_config);
	st->be = sq;
	sq->stmt = xcalloc(Q__COUNT, sizeof(*sq->stmt));
	sq->mail_stmt = xcalloc(sq_mail_count, sizeof(*sq->mail_stmt));
	sq->web_stmt = xcalloc(sq_web_count, sizeof(*sq->web_stmt));
	sq->bill_stmt = xcalloc(sq_bill_count, sizeof(*sq->bill_stmt));
	src = sqlite3_open_v2(path, &sq->db,
			      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
			      NULL);
	if (src != SQLITE_OK) {
		rc = STORE_ERROR;
		goto fail;
	}
	sqlite3_extended_result_codes(sq->db, 1);
	sqlite3_busy_timeout(sq->db, BUSY_TIMEOUT_MS);
	src = sqlite3_create_function_v2(sq->db, "evid_fold", 1,
					 SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_INNOCUOUS,
					 NULL, sql_fold, NULL, NULL, NULL);
	if (src != SQLITE_OK) {
		rc = STORE_ERROR;
		goto fail;
	}
	/* Prepared now, so a rollback never waits on memory for its statement. */
	if ((rc = sq_prepare(st, Q_ROLLBACK, &s)) != STORE_OK)
		goto fail;
	if ((rc = sq_prepare(st, Q_PRAGMA_WAL, &s)) != STORE_OK)
		goto fail;
	if ((rc = sq_step(st, s)) < 0)
		goto fail;
	if (rc != 1 || (sqlite3_stricmp((const char *)sqlite3_column_text(s, 0), "wal") &&
			sqlite3_stricmp((const char *)sqlite3_column_text(s, 0), "memory"))) {
		sq_done(s);
		snprintf(err, errsz, "cannot open database '%s': cannot switch it to WAL mode",
			 path);
		sq_close(st);
		return STORE_ERROR;
	}
	sq_done(s);
	if ((rc = sq_exec(st, Q_PRAGMA_FOREIGN_KEYS)) != STORE_OK)
		goto fail;
	if ((rc = sq_exec(st, Q_PRAGMA_SYNCHRONOUS)) != STORE_OK)
		goto fail;
	if ((rc = sq_exec(st, Q_PRAGMA_TEMP_STORE)) != STORE_OK)
		goto fail;
	return STORE_OK;
fail:
	sq_done(s);
	describe_open_error(sq, path, why, sizeof(why));
	snprintf(err, errsz, "cannot open database '%s': %s", path, why);
	sq_close(st);
	return rc;
}

static int sq_set_busy_timeout(struct store *st, int ms)
{
	if (ms < 0)
		return store_fail(st, STORE_INVALID, "busy_timeout: must not be negative");
	if (sqlite3_busy_timeout(sq_of(st)->db, ms) != SQLITE_OK)
		return sq_error(st, sqlite3_errcode(sq_of(st)->db));
	return STORE_OK;
}

/* The recorded version, read inside whatever transaction is open. */
static int schema_read(struct store *st, int *out)
{
	sqlite3_stmt *s = NULL;
	int rc;

	if ((rc = sq_prepare(st, Q_SCHEMA_TABLE_EXISTS, &s)) != STORE_OK)
		goto out;
	if ((rc = sq_step(st, s)) < 0)
		goto out;
	sq_done(s);
	s = NULL;
	if (rc == 0) {
		*out = 0;
		goto out;
	}
	if ((rc = sq_prepare(st, Q_SCHEMA_VERSION, &s)) != STORE_OK)
		goto out;
	if ((rc = sq_step(st, s)) < 0)
		goto out;
	*out = rc == 1 ? sqlite3_column_int(s, 0) : 0;
	rc = STORE_OK;
out:
	sq_done(s);
	return rc;
}

static int sq_schema_version(struct store *st, int *out)
{
	int rc, v = 0;

	if ((rc = sq_tx_begin_read(st)) != STORE_OK)
		return rc;
	if ((rc = schema_read(st, &v)) != STORE_OK)
		goto out;
	rc = sq_tx_commit(st);
out:
	if (rc != STORE_OK)
		sq_tx_rollback(st);
	else
		*out = v;
	return rc;
}

static int schema_newer(struct store *st, int version)
{
	return store_fail(st, STORE_CONFLICT,
			  "database schema version %d is newer than this evid (%d); upgrade evid",
			  version, store_schema_latest());
}

/*
 * Run the statements of a migration script one by one (a script holds many;
 * it has no parameters, being compiled into the binary).
 */
static int migration_run(struct store *st, const struct store_migration *m)
{
	struct sq *sq = sq_of(st);
	const char *sql = m->sql, *tail;
	sqlite3_stmt *s;
	int src;

	while (*sql) {
		s = NULL;
		src = sqlite3_prepare_v2(sq->db, sql, -1, &s, &tail);
		if (src == SQLITE_OK && s) {
			while ((src = sqlite3_step(s)) == SQLITE_ROW)
				;
			if (src == SQLITE_DONE)
				src = SQLITE_OK;
		}
		if (src != SQLITE_OK) {
			int rc = sq_error(st, src);

			if (rc != STORE_BUSY && rc != STORE_FULL)
				rc = store_fail(st, STORE_ERROR, "migration %s failed: %s",
						m->name, sqlite3_errmsg(sq->db));
			sqlite3_finalize(s);
			return rc;
		}
		sqlite3_finalize(s);
		sql = tail;
	}
	return STORE_OK;
}

/*
 * A migration that rebuilds a table another table refers to (create the
 * new one, copy, drop the old, rename: SQLite's own recipe for what ALTER
 * TABLE cannot do) says so on a line of its own; it then runs with foreign
 * keys off, and the references are checked before it commits.
 */
#define MIGRATION_FOREIGN_KEYS_OFF "\n-- evid-migration: foreign_keys off\n"

/* Refuse to commit a migration that left a row pointing at nothing. */
static int migration_check_references(struct store *st, const struct store_migration *m)
{
	sqlite3_stmt *s = NULL;
	char table[64];
	int rc;

	if ((rc = sq_prepare(st, Q_FOREIGN_KEY_CHECK, &s)) != STORE_OK)
		return rc;
	if ((rc = sq_step(st, s)) == 1) {
		sq_col_text(s, 0, table, sizeof(table));
		rc = store_fail(st, STORE_ERROR,
				"migration %s failed: a row of table %s refers to nothing", m->name,
				table);
	}
	sq_done(s);
	return rc;
}

/* Apply migration m in its own transaction, unless another process already did. */
static int migration_apply(struct store *st, const struct store_migration *m, int *ran)
{
	int fk_off = strstr(m->sql, MIGRATION_FOREIGN_KEYS_OFF) != NULL;
	sqlite3_stmt *s = NULL;
	int rc, version = 0;

	*ran = 0;
	/* Outside the transaction: SQLite ignores this pragma inside one. */
	if (fk_off && (rc = sq_exec(st, Q_PRAGMA_FOREIGN_KEYS_OFF)) != STORE_OK)
		return rc;
	if ((rc = sq_tx_begin(st)) != STORE_OK)
		goto fk;
	if ((rc = sq_exec(st, Q_SCHEMA_CREATE)) != STORE_OK)
		goto out;
	if ((rc = schema_read(st, &version)) != STORE_OK)
		goto out;
	if (version >= m->version)
		goto commit;
	if ((rc = migration_run(st, m)) != STORE_OK)
		goto out;
	if (fk_off && (rc = migration_check_references(st, m)) != STORE_OK)
		goto out;
	if ((rc = sq_prepare(st, Q_SCHEMA_RECORD, &s)) != STORE_OK)
		goto out;
	sq_bind_int(st, s, 1, m->version);
	sq_bind_text(st, s, 2, m->name);
	if ((rc = sq_run(st, s)) != STORE_OK)
		goto out;
	*ran = 1;
commit:
	rc = sq_tx_commit(st);
out:
	sq_done(s);
	if (rc != STORE_OK) {
		*ran = 0;
		sq_tx_rollback(st);
	}
fk:
	if (fk_off) {
		int fk_rc = sq_exec(st, Q_PRAGMA_FOREIGN_KEYS);

		if (rc == STORE_OK)
			rc = fk_rc;
	}
	return rc;
}

static int sq_migrate(struct store *st, int *applied)
{
	int rc, version, ran, count = 0;
	size_t i;

	if ((rc = sq_schema_version(st, &version)) != STORE_OK)
		return rc;
	if (version > store_schema_latest())
		return schema_newer(st, version);
	for (i = 0; i < store_migrations_count; i++) {
		if (store_migrations[i].version <= version)
			continue;
		if ((rc = migration_apply(st, &store_migrations[i], &ran)) != STORE_OK)
			break;
		count += ran;
	}
	if (applied)
		*applied = count;
	return rc;
}

static int sq_check_schema(struct store *st)
{
	int rc, version, latest = store_schema_latest();

	if ((rc = sq_schema_version(st, &version)) != STORE_OK)
		return rc;
	if (version > latest)
		return schema_newer(st, version);
	if (version < latest)
		return store_fail(st, STORE_CONFLICT,
				  "database schema version %d is older than this evid (%d); "
				  "run 'evid init' to migrate it",
				  version, latest);
	return STORE_OK;
}

/* ---- users, sessions, tokens ---- */

/* Check and normalise the writable fields of a user (email lowercased, lang defaulted). */
static int user_check(struct store *st, struct user *u)
{
	ascii_lower(u->email);
	if (!u->email[0])
		return store_fail(st, STORE_INVALID, "email: required");
	if (!u->name[0])
		return store_fail(st, STORE_INVALID, "name: required");
	if ((int)u->role < 0 || u->role > ROLE_TECHNICIAN)
		return store_fail(st, STORE_INVALID, "role: must be admin or technician");
	if (!u->lang[0])
		(void)xstrlcpy(u->lang, "hr", sizeof(u->lang));
	if (strcmp(u->lang, "hr") && strcmp(u->lang, "en"))
		return store_fail(st, STORE_INVALID, "lang: must be hr or en");
	u->active = u->active ? 1 : 0;
	return STORE_OK;
}

static int pwhash_check(struct store *st, const char *pwhash)
{
	if (pwhash && strlen(pwhash) >= CRYPTO_PWHASH_MAX)
		return store_fail(st, STORE_INVALID, "password hash: too long");
	return STORE_OK;
}

static int sq_user_create(struct store *st, struct user *u, const char *pwhash, int64_t now)
{
	struct user v = *u;
	sqlite3_stmt *s = NULL;
	int rc;

	if ((rc = user_check(st, &v)) != STORE_OK || (rc = pwhash_check(st, pwhash)) != STORE_OK)
		return rc;
	if ((rc = sq_prepare(st, Q_USER_INSERT, &s)) != STORE_OK)
		goto out;
	sq_bind_text(st, s, 1, v.email);
	sq_bind_text(st, s, 2, v.name);
	sq_bind_text(st, s, 3, role_name(v.role));
	sq_bind_text(st, s, 4, pwhash ? pwhash : "");
	sq_bind_int(st, s, 5, v.active);
	sq_bind_text(st, s, 6, v.lang);
	sq_bind_int(st, s, 7, now);
	if ((rc = sq_run(st, s)) != STORE_OK)
		goto out;
	v.id = sqlite3_last_insert_rowid(sq_of(st)->db);
	v.created_at = now;
	*u = v;
out:
	sq_done(s);
	return rc;
}

/*
 * Read the user that statement id (Q_USER_GET or Q_USER_GET_EMAIL, bound by
 * bind(arg)) finds, and its hash when pwhash is not NULL.  STORE_NOT_FOUND
 * without a message when there is none.
 */
static int user_find(struct store *st, enum stmt id, sq_binder bind, const void *arg,
		     struct user *out, char *pwhash)
{
	sqlite3_stmt *s = NULL;
	struct user u;
	int rc;

	if ((rc = sq_query_prepare(st, id, bind, arg, &s)) != STORE_OK)
		goto out;
	if ((rc = sq_step(st, s)) < 0)
		goto out;
	if (rc == 0) {
		rc = STORE_NOT_FOUND;
		goto out;
	}
	if ((rc = sq_read_user(st, s, &u)) != STORE_OK)
		goto out;
	if (pwhash)
		sq_col_text(s, 7, pwhash, CRYPTO_PWHASH_MAX);
	*out = u;
out:
	sq_done(s);
	return rc;
}

/* Read user id (and its hash when pwhash is not NULL); NOT_FOUND "user N not found". */
int sq_user_read(struct store *st, int64_t id, struct user *out, char *pwhash)
{
	int rc = user_find(st, Q_USER_GET, sq_bind_key_int, &id, out, pwhash);

	if (rc == STORE_NOT_FOUND)
		return store_fail(st, STORE_NOT_FOUND, "user %" PRId64 " not found", id);
	return rc;
}

static int sq_user_get(struct store *st, int64_t id, struct user *out)
{
	return sq_user_read(st, id, out, NULL);
}

static int sq_user_get_by_email(struct store *st, const char *email, struct user *out,
				char *pwhash)
{
	char key[EMAIL_MAX_LEN + 1];
	int rc;

	if (sq_lower_copy(key, email, sizeof(key)) < 0)
		return store_fail(st, STORE_NOT_FOUND, "no user has this email");
	rc = user_find(st, Q_USER_GET_EMAIL, sq_bind_key_text, key, out, pwhash);
	if (rc == STORE_NOT_FOUND)
		return store_fail(st, STORE_NOT_FOUND, "no user has the email '%s'", key);
	return rc;
}

static int sq_user_list(struct store *st, struct user_list *out)
{
	static const struct sq_list_query q = {
		.rows = Q_USER_LIST, .read = sq_read_user, .size = sizeof(struct user), .keep = 1,
	};
	struct sq_rows r;
	int rc = sq_list_read(st, &q, NULL, 0, 0, &r, NULL);
	struct user_list l = { r.items, r.n };

	if (rc != STORE_OK)
		user_list_free(&l);
	else
		*out = l;
	return rc;
}

/* Delete the sessions of user_id but keep_hash (NULL: all): one statement, atomic by itself. */
static int sessions_delete_user(struct store *st, int64_t user_id, const char *keep_hash)
{
	sqlite3_stmt *s = NULL;
	int rc;

	if ((rc = sq_prepare(st, Q_SESSION_DELETE_USER, &s)) != STORE_OK)
		return rc;
	sq_bind_int(st, s, 1, user_id);
	sq_bind_text(st, s, 2, keep_hash);
	rc = sq_run(st, s);
	sq_done(s);
	return rc;
}

static int sq_user_update(struct store *st, const struct user *u, const char *pwhash)
{
	struct user v = *u;
	sqlite3_stmt *s = NULL;
	int rc;

	if ((rc = user_check(st, &v)) != STORE_OK || (rc = pwhash_check(st, pwhash)) != STORE_OK)
		return rc;
	if ((rc = sq_tx_begin(st)) != STORE_OK)
		return rc;
	if ((rc = sq_prepare(st, Q_USER_UPDATE, &s)) != STORE_OK)
		goto out;
	sq_bind_int(st, s, 1, v.id);
	sq_bind_text(st, s, 2, v.email);
	sq_bind_text(st, s, 3, v.name);
	sq_bind_text(st, s, 4, role_name(v.role));
	sq_bind_int(st, s, 5, v.active);
	sq_bind_text(st, s, 6, v.lang);
	sq_bind_text(st, s, 7, pwhash);
	if ((rc = sq_run(st, s)) != STORE_OK)
		goto out;
	if (sqlite3_changes(sq_of(st)->db) == 0) {
		rc = store_fail(st, STORE_NOT_FOUND, "user %" PRId64 " not found", v.id);
		goto out;
	}
	/* Deleted, not just refused at lookup: enabling the user again must not revive them. */
	if (!v.active && (rc = sessions_delete_user(st, v.id, NULL)) != STORE_OK)
		goto out;
	rc = sq_tx_commit(st);
out:
	sq_done(s);
	if (rc != STORE_OK)
		sq_tx_rollback(st);
	return rc;
}

static int sq_user_set_password(struct store *st, int64_t user_id, const char *pwhash)
{
	sqlite3_stmt *s = NULL;
	int rc;

	if ((rc = pwhash_check(st, pwhash)) != STORE_OK)
		return rc;
	if ((rc = sq_prepare(st, Q_USER_SET_PASSWORD, &s)) != STORE_OK)
		goto out;
	sq_bind_int(st, s, 1, user_id);
	sq_bind_text(st, s, 2, pwhash ? pwhash : "");
	if ((rc = sq_run(st, s)) != STORE_OK)
		goto out;
	if (sqlite3_changes(sq_of(st)->db) == 0)
		rc = store_fail(st, STORE_NOT_FOUND, "user %" PRId64 " not found", user_id);
out:
	sq_done(s);
	return rc;
}

static int hash_check(struct store *st, const char *hash)
{
	if (!hash || strlen(hash) != 64)
		return store_fail(st, STORE_INVALID, "hash: must be 64 hex digits");
	return STORE_OK;
}

/* Run s, whose parameters are bound, to its end and put it back for its next use. */
int sq_run_done(struct store *st, sqlite3_stmt *s)
{
	int rc = sq_run(st, s);

	sq_done(s);
	return rc;
}

static int sq_session_create(struct store *st, const char *hash, int64_t user_id, int64_t now,
			     int64_t expires_at)
{
	sqlite3_stmt *s = NULL;
	struct user u;
	int rc;

	if ((rc = hash_check(st, hash)) != STORE_OK)
		return rc;
	if ((rc = sq_tx_begin(st)) != STORE_OK)
		return rc;
	if ((rc = sq_user_read(st, user_id, &u, NULL)) != STORE_OK)
		goto out;
	/* Expired sessions are swept here, so the table does not grow without end. */
	if ((rc = sq_prepare(st, Q_SESSION_PURGE, &s)) != STORE_OK)
		goto out;
	sq_bind_int(st, s, 1, now);
	if ((rc = sq_run_done(st, s)) != STORE_OK)
		goto out;
	if ((rc = sq_prepare(st, Q_SESSION_INSERT, &s)) != STORE_OK)
		goto out;
	sq_bind_text(st, s, 1, hash);
	sq_bind_int(st, s, 2, user_id);
	sq_bind_int(st, s, 3, now);
	sq_bind_int(st, s, 4, expires_at);
	if ((rc = sq_run_done(st, s)) != STORE_OK)
		goto out;
	rc = sq_tx_commit(st);
out:
	sq_done(s);
	if (rc != STORE_OK)
		sq_tx_rollback(st);
	return rc;
}

static int sq_session_lookup(struct store *st, const char *hash, int64_t now, struct user *out)
{
	sqlite3_stmt *s = NULL;
	struct user u;
	int rc;

	if ((rc = sq_prepare(st, Q_SESSION_LOOKUP, &s)) != STORE_OK)
		goto out;
	sq_bind_text(st, s, 1, hash ? hash : "");
	sq_bind_int(st, s, 2, now);
	if ((rc = sq_step(st, s)) < 0)
		goto out;
	if (rc == 0) {
		rc = store_fail(st, STORE_NOT_FOUND, "session not found or expired");
		goto out;
	}
	if ((rc = sq_read_user(st, s, &u)) != STORE_OK)
		goto out;
	*out = u;
out:
	sq_done(s);
	return rc;
}

/* Deleting a session that does not exist is not an error: logging out twice is fine. */
static int sq_session_delete(struct store *st, const char *hash)
{
	sqlite3_stmt *s = NULL;
	int rc;

	if ((rc = sq_prepare(st, Q_SESSION_DELETE, &s)) != STORE_OK)
		return rc;
	sq_bind_text(st, s, 1, hash ? hash : "");
	return sq_run_done(st, s);
}

static int sq_session_delete_user(struct store *st, int64_t user_id, const char *keep_hash)
{
	return sessions_delete_user(st, user_id, keep_hash);
}

static int sq_token_create(struct store *st, int64_t user_id, const char *hash, const char *name,
			   int64_t now, int64_t *id_out)
{
	sqlite3_stmt *s = NULL;
	struct user u;
	int64_t id;
	int rc;

	if ((rc = hash_check(st, hash)) != STORE_OK)
		return rc;
	if (name && strlen(name) > TOKEN_NAME_MAX_LEN)
		return store_fail(st, STORE_INVALID, "name: at most %d bytes", TOKEN_NAME_MAX_LEN);
	if ((rc = sq_tx_begin(st)) != STORE_OK)
		return rc;
	if ((rc = sq_user_read(st, user_id, &u, NULL)) != STORE_OK)
		goto out;
	if ((rc = sq_prepare(st, Q_TOKEN_INSERT, &s)) != STORE_OK)
		goto out;
	sq_bind_int(st, s, 1, user_id);
	sq_bind_text(st, s, 2, hash);
	sq_bind_text(st, s, 3, name ? name : "");
	sq_bind_int(st, s, 4, now);
	if ((rc = sq_run_done(st, s)) != STORE_OK)
		goto out;
	id = sqlite3_last_insert_rowid(sq_of(st)->db);
	if ((rc = sq_tx_commit(st)) == STORE_OK && id_out)
		*id_out = id;
out:
	sq_done(s);
	if (rc != STORE_OK)
		sq_tx_rollback(st);
	return rc;
}

static int sq_token_lookup(struct store *st, const char *hash, int64_t now, struct user *out)
{
	sqlite3_stmt *s = NULL;
	int64_t id, last_used;
	struct user u;
	int rc;

	if ((rc = sq_prepare(st, Q_TOKEN_LOOKUP, &s)) != STORE_OK)
		goto out;
	sq_bind_text(st, s, 1, hash ? hash : "");
	if ((rc = sq_step(st, s)) < 0)
		goto out;
	if (rc == 0) {
		rc = store_fail(st, STORE_NOT_FOUND, "token not found or revoked");
		goto out;
	}
	if ((rc = sq_read_user(st, s, &u)) != STORE_OK)
		goto out;
	id = sqlite3_column_int64(s, 7);
	last_used = sqlite3_column_int64(s, 8);
	sq_done(s);
	s = NULL;
	/* One statement on its own: the lookup above needs no lock, this one is rare. */
	if (last_used == 0 || now - last_used >= TOKEN_TOUCH_SECONDS || now < last_used) {
		if ((rc = sq_prepare(st, Q_TOKEN_TOUCH, &s)) != STORE_OK)
			goto out;
		sq_bind_int(st, s, 1, id);
		sq_bind_int(st, s, 2, now);
		if ((rc = sq_run(st, s)) != STORE_OK)
			goto out;
	}
	*out = u;
out:
	sq_done(s);
	return rc;
}

/* ---- clients ---- */

static int client_check(struct store *st, struct client *c)
{
	size_t i;

	if (!c->name[0])
		return store_fail(st, STORE_INVALID, "name: required");
	if (c->oib[0]) {
		for (i = 0; c->oib[i]; i++)
			if (c->oib[i] < '0' || c->oib[i] > '9')
				break;
		if (i != OIB_LEN || c->oib[i])
			return store_fail(st, STORE_INVALID, "oib: must be 11 digits");
	}
	ascii_lower(c->email_domains);
	ascii_lower(c->billing_email);
	c->active = c->active ? 1 : 0;
	return STORE_OK;
}

/* Bind the writable fields of c from parameter `first` on, in the order of the table. */
static void bind_client(struct store *st, sqlite3_stmt *s, int first, const struct client *c)
{
	sq_bind_text(st, s, first, c->name);
	sq_bind_text(st, s, first + 1, c->oib);
	sq_bind_text(st, s, first + 2, c->vat_id);
	sq_bind_text(st, s, first + 3, c->address);
	sq_bind_text(st, s, first + 4, c->email_domains);
	sq_bind_text(st, s, first + 5, c->billing_email);
	sq_bind_text(st, s, first + 6, c->notes);
	sq_bind_int(st, s, first + 7, c->active);
}

int sq_client_read(struct store *st, int64_t id, struct client *out)
{
	int rc = sq_row_get(st, Q_CLIENT_GET, sq_bind_key_int, &id, sq_read_client, out);

	if (rc == STORE_NOT_FOUND)
		return store_fail(st, STORE_NOT_FOUND, "client %" PRId64 " not found", id);
	return rc;
}

static int sq_client_create(struct store *st, struct client *c, int64_t now)
{
	struct client v = *c;
	sqlite3_stmt *s = NULL;
	int rc;

	if ((rc = client_check(st, &v)) != STORE_OK)
		return rc;
	if ((rc = sq_prepare(st, Q_CLIENT_INSERT, &s)) != STORE_OK)
		goto out;
	bind_client(st, s, 1, &v);
	sq_bind_int(st, s, 9, now);
	if ((rc = sq_run(st, s)) != STORE_OK)
		goto out;
	v.id = sqlite3_last_insert_rowid(sq_of(st)->db);
	v.created_at = v.updated_at = now;
	*c = v;
out:
	sq_done(s);
	return rc;
}

static int sq_client_get(struct store *st, int64_t id, struct client *out)
{
	struct client c;
	int rc = sq_client_read(st, id, &c);

	if (rc == STORE_OK)
		*out = c;
	return rc;
}

static int sq_client_update(struct store *st, struct client *c, int64_t now)
{
	struct client v = *c;
	sqlite3_stmt *s = NULL;
	int rc;

	if ((rc = client_check(st, &v)) != STORE_OK)
		return rc;
	if ((rc = sq_tx_begin(st)) != STORE_OK)
		return rc;
	if ((rc = sq_prepare(st, Q_CLIENT_UPDATE, &s)) != STORE_OK)
		goto out;
	sq_bind_int(st, s, 1, v.id);
	bind_client(st, s, 2, &v);
	sq_bind_int(st, s, 10, now);
	if ((rc = sq_run_done(st, s)) != STORE_OK)
		goto out;
	if (sqlite3_changes(sq_of(st)->db) == 0) {
		rc = store_fail(st, STORE_NOT_FOUND, "client %" PRId64 " not found", v.id);
		goto out;
	}
	if ((rc = sq_client_read(st, v.id, &v)) != STORE_OK)
		goto out;
	if ((rc = sq_tx_commit(st)) == STORE_OK)
		*c = v;
out:
	sq_done(s);
	if (rc != STORE_OK)
		sq_tx_rollback(st);
	return rc;
}

/* ?1 query (NULL = any), ?2 active only, shared by the list and the count. */
static int bind_client_filter(struct store *st, sqlite3_stmt *s, const void *arg)
{
	const struct client_filter *f = arg;

	sq_bind_text(st, s, 1, f->query && f->query[0] ? f->query : NULL);
	sq_bind_int(st, s, 2, f->active_only);
	return STORE_OK;
}

static int sq_client_list(struct store *st, const struct client_filter *f,
			  struct client_list *out, int64_t *total)
{
	static const struct client_filter all;
	static const struct sq_list_query q = {
		.rows = Q_CLIENT_LIST, .page = 3, .count = Q_CLIENT_COUNT,
		.bind = bind_client_filter, .read = sq_read_client, .size = sizeof(struct client),
	};
	struct sq_rows r;
	struct client_list l;
	int rc;

	if (!f)
		f = &all;
	rc = sq_list_read(st, &q, f, f->limit, f->offset, &r, total);
	l = (struct client_list){ r.items, r.n };
	if (rc != STORE_OK)
		client_list_free(&l);
	else
		*out = l;
	return rc;
}

static int sq_client_by_domain(struct store *st, const char *domain, struct client *out)
{
	char key[DOMAINS_MAX_LEN + 1];
	struct client c;
	int rc;

	if (sq_lower_copy(key, domain, sizeof(key)) < 0 || !key[0] || strchr(key, ','))
		return store_fail(st, STORE_NOT_FOUND, "no client has this email domain");
	rc = sq_row_get(st, Q_CLIENT_BY_DOMAIN, sq_bind_key_text, key, sq_read_client, &c);
	if (rc == STORE_NOT_FOUND)
		return store_fail(st, STORE_NOT_FOUND, "no client has the email domain '%s'", key);
	if (rc == STORE_OK)
		*out = c;
	return rc;
}

/* ---- contacts ---- */

static int contact_check(struct store *st, struct contact *c)
{
	if (c->client_id <= 0)
		return store_fail(st, STORE_INVALID, "client_id: required");
	if (!c->name[0])
		return store_fail(st, STORE_INVALID, "name: required");
	ascii_lower(c->email);
	c->sees_all = c->sees_all ? 1 : 0;
	c->active = c->active ? 1 : 0;
	return STORE_OK;
}

int sq_contact_read(struct store *st, int64_t id, struct contact *out)
{
	int rc = sq_row_get(st, Q_CONTACT_GET, sq_bind_key_int, &id, sq_read_contact, out);

	if (rc == STORE_NOT_FOUND)
		return store_fail(st, STORE_NOT_FOUND, "contact %" PRId64 " not found", id);
	return rc;
}

/* A NOT_FOUND while checking a reference becomes INVALID naming the field. */
int sq_ref_invalid(struct store *st, int rc, const char *field, const char *what)
{
	if (rc == STORE_NOT_FOUND)
		return store_fail(st, STORE_INVALID, "%s: no such %s", field, what);
	return rc;
}

static int sq_contact_create(struct store *st, struct contact *c, int64_t now)
{
	struct contact v = *c;
	struct client cl;
	sqlite3_stmt *s = NULL;
	int rc;

	if ((rc = contact_check(st, &v)) != STORE_OK)
		return rc;
	if ((rc = sq_tx_begin(st)) != STORE_OK)
		return rc;
	rc = sq_client_read(st, v.client_id, &cl);
	if ((rc = sq_ref_invalid(st, rc, "client_id", "client")) != STORE_OK)
		goto out;
	if ((rc = sq_prepare(st, Q_CONTACT_INSERT, &s)) != STORE_OK)
		goto out;
	sq_bind_int(st, s, 1, v.client_id);
	sq_bind_text(st, s, 2, v.name);
	sq_bind_text(st, s, 3, v.email[0] ? v.email : NULL);
	sq_bind_text(st, s, 4, v.phone);
	sq_bind_int(st, s, 5, v.sees_all);
	sq_bind_int(st, s, 6, v.active);
	sq_bind_int(st, s, 7, now);
	if ((rc = sq_run_done(st, s)) != STORE_OK)
		goto out;
	v.id = sqlite3_last_insert_rowid(sq_of(st)->db);
	if ((rc = sq_contact_read(st, v.id, &v)) != STORE_OK)
		goto out;
	if ((rc = sq_tx_commit(st)) == STORE_OK)
		*c = v;
out:
	sq_done(s);
	if (rc != STORE_OK)
		sq_tx_rollback(st);
	return rc;
}

static int sq_contact_get(struct store *st, int64_t id, struct contact *out)
{
	struct contact c;
	int rc = sq_contact_read(st, id, &c);

	if (rc == STORE_OK)
		*out = c;
	return rc;
}

static int sq_contact_get_by_email(struct store *st, const char *email, struct contact *out)
{
	char key[EMAIL_MAX_LEN + 1];
	struct contact c;
	int rc;

	if (sq_lower_copy(key, email, sizeof(key)) < 0 || !key[0])
		return store_fail(st, STORE_NOT_FOUND, "no contact has this email");
	rc = sq_row_get(st, Q_CONTACT_GET_EMAIL, sq_bind_key_text, key, sq_read_contact, &c);
	if (rc == STORE_NOT_FOUND)
		return store_fail(st, STORE_NOT_FOUND, "no contact has the email '%s'", key);
	if (rc == STORE_OK)
		*out = c;
	return rc;
}

static int sq_contact_update(struct store *st, struct contact *c, int64_t now)
{
	struct contact v = *c;
	struct client cl;
	sqlite3_stmt *s = NULL;
	int rc;

	if ((rc = contact_check(st, &v)) != STORE_OK)
		return rc;
	if ((rc = sq_tx_begin(st)) != STORE_OK)
		return rc;
	if ((rc = sq_contact_read(st, v.id, &(struct contact){ 0 })) != STORE_OK)
		goto out;
	rc = sq_client_read(st, v.client_id, &cl);
	if ((rc = sq_ref_invalid(st, rc, "client_id", "client")) != STORE_OK)
		goto out;
	if ((rc = sq_prepare(st, Q_CONTACT_UPDATE, &s)) != STORE_OK)
		goto out;
	sq_bind_int(st, s, 1, v.id);
	sq_bind_int(st, s, 2, v.client_id);
	sq_bind_text(st, s, 3, v.name);
	sq_bind_text(st, s, 4, v.email[0] ? v.email : NULL);
	sq_bind_text(st, s, 5, v.phone);
	sq_bind_int(st, s, 6, v.sees_all);
	sq_bind_int(st, s, 7, v.active);
	sq_bind_int(st, s, 8, now);
	if ((rc = sq_run_done(st, s)) != STORE_OK)
		goto out;
	if ((rc = sq_contact_read(st, v.id, &v)) != STORE_OK)
		goto out;
	if ((rc = sq_tx_commit(st)) == STORE_OK)
		*c = v;
out:
	sq_done(s);
	if (rc != STORE_OK)
		sq_tx_rollback(st);
	return rc;
}

/* ?1 client (0 = any), ?2 query (NULL = any), ?3 active only: the list's and the count's. */
static int bind_contact_filter(struct store *st, sqlite3_stmt *s, const void *arg)
{
	const struct contact_filter *f = arg;

	sq_bind_int(st, s, 1, f->client_id);
	sq_bind_text(st, s, 2, f->query && f->query[0] ? f->query : NULL);
	sq_bind_int(st, s, 3, f->active_only);
	return STORE_OK;
}

static int sq_contact_list(struct store *st, const struct contact_filter *f,
			   struct contact_list *out, int64_t *total)
{
	static const struct contact_filter all;
	static const struct sq_list_query q = {
		.rows = Q_CONTACT_LIST, .page = 4, .count = Q_CONTACT_COUNT, .keep = 1,
		.bind = bind_contact_filter, .read = sq_read_contact,
		.size = sizeof(struct contact),
	};
	static const struct sq_list_query q_client = {
		.rows = Q_CONTACT_LIST_CLIENT, .page = 4, .count = Q_CONTACT_COUNT_CLIENT, .keep = 1,
		.bind = bind_contact_filter, .read = sq_read_contact,
		.size = sizeof(struct contact),
	};
	struct sq_rows r;
	struct contact_list l;
	int rc;

	if (!f)
		f = &all;
	rc = sq_list_read(st, f->client_id ? &q_client : &q, f, f->limit, f->offset, &r, total);
	l = (struct contact_list){ r.items, r.n };
	if (rc != STORE_OK)
		contact_list_free(&l);
	else
		*out = l;
	return rc;
}

/* ---- tickets and events ---- */

int sq_ticket_read(struct store *st, int64_t id, struct ticket *out)
{
	struct ticket t;
	int rc = sq_row_get(st, Q_TICKET_GET, sq_bind_key_int, &id, sq_read_ticket, &t);

	if (rc == STORE_NOT_FOUND)
		return store_fail(st, STORE_NOT_FOUND, "ticket %" PRId64 " not found", id);
	if (rc == STORE_OK)
		*out = t;
	return rc;
}

int sq_ticket_touch(struct store *st, int64_t id, int64_t now)
{
	sqlite3_stmt *s = NULL;
	int rc;

	if ((rc = sq_prepare(st, Q_TICKET_TOUCH, &s)) != STORE_OK)
		return rc;
	sq_bind_int(st, s, 1, id);
	sq_bind_int(st, s, 2, now);
	return sq_run_done(st, s);
}

/*
 * A category is free text a person typed: whole UTF-8 characters, no
 * control characters (it is shown in lists and history lines).
 */
static int category_check(struct store *st, const char *category)
{
	size_t i, n, len = strnlen(category, CATEGORY_MAX_LEN + 1);
	unsigned cp;

	if (len > CATEGORY_MAX_LEN)
		return store_fail(st, STORE_INVALID, "category: at most %d bytes",
				  CATEGORY_MAX_LEN);
	for (i = 0; i < len; i += n) {
		n = utf8_decode(category + i, len - i, &cp);
		if (n == 0)
			return store_fail(st, STORE_INVALID, "category: not valid UTF-8 text");
		if (cp < 0x20 || (cp >= 0x7f && cp < 0xa0))
			return store_fail(st, STORE_INVALID,
					  "category: must not hold control characters");
	}
	return STORE_OK;
}

/* The enums, the subject and the category of a ticket as written. */
static int ticket_check(struct store *st, const struct ticket *t)
{
	if (!t->subject[0])
		return store_fail(st, STORE_INVALID, "subject: required");
	if ((int)t->status < 0 || (int)t->status >= STATUS_COUNT)
		return store_fail(st, STORE_INVALID, "status: unknown value");
	if ((int)t->priority < 0 || (int)t->priority >= PRIORITY_COUNT)
		return store_fail(st, STORE_INVALID, "priority: unknown value");
	if ((int)t->channel < 0 || (int)t->channel >= CHANNEL_COUNT)
		return store_fail(st, STORE_INVALID, "channel: unknown value");
	if ((int)t->billing < 0 || (int)t->billing >= BILLING_COUNT)
		return store_fail(st, STORE_INVALID, "billing: unknown value");
	return category_check(st, t->category);
}

/* Names of what a ticket refers to, for the history. */
struct ticket_refs {
	char client[NAME_MAX_LEN + 1];
	char contact[NAME_MAX_LEN + 1];
	char assignee[NAME_MAX_LEN + 1];
};

/*
 * Check that the client, contact and assignee of t exist (those flagged in
 * `which`, PATCH_CLIENT/CONTACT/ASSIGNEE), that the contact belongs to the
 * client and that a new assignee is active.  Fills the names into refs.
 */
static int ticket_refs_check(struct store *st, const struct ticket *t, unsigned which,
			     struct ticket_refs *refs)
{
	struct client cl;
	struct contact co;
	struct user u;
	int rc;

	memset(refs, 0, sizeof(*refs));
	if ((which & PATCH_CLIENT) && t->client_id) {
		rc = sq_client_read(st, t->client_id, &cl);
		if ((rc = sq_ref_invalid(st, rc, "client_id", "client")) != STORE_OK)
			return rc;
		(void)xstrlcpy(refs->client, cl.name, sizeof(refs->client));
	}
	if ((which & PATCH_CONTACT) && t->contact_id) {
		rc = sq_contact_read(st, t->contact_id, &co);
		if ((rc = sq_ref_invalid(st, rc, "contact_id", "contact")) != STORE_OK)
			return rc;
		if (!t->client_id)
			return store_fail(st, STORE_INVALID,
					  "client_id: required when contact_id is set");
		if (co.client_id != t->client_id)
			return store_fail(st, STORE_INVALID,
					  "contact_id: the contact belongs to another client");
		(void)xstrlcpy(refs->contact, co.name, sizeof(refs->contact));
	}
	if ((which & PATCH_ASSIGNEE) && t->assignee_id) {
		rc = sq_user_read(st, t->assignee_id, &u, NULL);
		if ((rc = sq_ref_invalid(st, rc, "assignee_id", "user")) != STORE_OK)
			return rc;
		if (!u.active)
			return store_fail(st, STORE_INVALID, "assignee_id: the user is inactive");
		(void)xstrlcpy(refs->assignee, u.name, sizeof(refs->assignee));
	}
	return STORE_OK;
}

/* Next sequence number of year, taken inside the caller's transaction. */
int sq_seq_next(struct store *st, int year, int64_t *seq)
{
	sqlite3_stmt *s = NULL;
	int rc;

	if ((rc = sq_prepare(st, Q_SEQ_NEXT, &s)) != STORE_OK)
		goto out;
	sq_bind_int(st, s, 1, year);
	if ((rc = sq_step(st, s)) < 0)
		goto out;
	if (rc == 0) {
		rc = store_fail(st, STORE_ERROR, "database error: no ticket sequence returned");
		goto out;
	}
	*seq = sqlite3_column_int64(s, 0);
	rc = sq_run(st, s);
out:
	sq_done(s);
	return rc;
}

/* Insert e (its kind, ticket, authors, field values, body) at now; *id is its id. */
int sq_event_insert(struct store *st, const struct event *e, int64_t now, int64_t *id)
{
	sqlite3_stmt *s = NULL;
	int rc;

	if ((rc = sq_prepare(st, Q_EVENT_INSERT, &s)) != STORE_OK)
		return rc;
	sq_bind_int(st, s, 1, e->ticket_id);
	sq_bind_text(st, s, 2, event_kind_name(e->kind));
	sq_bind_id(st, s, 3, e->author_user_id);
	sq_bind_id(st, s, 4, e->author_contact_id);
	sq_bind_int(st, s, 5, now);
	sq_bind_text(st, s, 6, e->field);
	sq_bind_text(st, s, 7, e->old_value);
	sq_bind_text(st, s, 8, e->new_value);
	sq_bind_id(st, s, 9, e->time_entry_id);
	sq_bind_text(st, s, 10, e->body);
	if ((rc = sq_run_done(st, s)) == STORE_OK && id)
		*id = sqlite3_last_insert_rowid(sq_of(st)->db);
	return rc;
}

/*
 * Record a change of field on ticket by author: one event of kind, old ->
 * new, with body (may be NULL) and the time entry it concerns (0 = none).
 */
int sq_event_change(struct store *st, int64_t ticket_id, enum event_kind kind,
		    int64_t author, const char *field, const char *old_value,
		    const char *new_value, const char *body, int64_t time_entry_id,
		    int64_t now)
{
	struct event e;

	memset(&e, 0, sizeof(e));
	e.ticket_id = ticket_id;
	e.time_entry_id = time_entry_id;
	e.kind = kind;
	e.author_user_id = author;
	(void)xstrlcpy(e.field, field, sizeof(e.field));
	(void)xstrlcpy(e.old_value, old_value, sizeof(e.old_value));
	(void)xstrlcpy(e.new_value, new_value, sizeof(e.new_value));
	e.body = (char *)body; /* borrowed: sq_event_insert only reads it */
	return sq_event_insert(st, &e, now, NULL);
}

int sq_ticket_insert(struct store *st, struct ticket *t, int year, int64_t created_by,
		     int64_t now)
{
	struct ticket v = *t;
	struct ticket_refs refs;
	struct user author;
	sqlite3_stmt *s = NULL;
	int64_t seq = 0;
	int rc;

	if ((rc = ticket_check(st, &v)) != STORE_OK)
		return rc;
	if (year < 1000 || year > 9999)
		return store_fail(st, STORE_INVALID, "year: must be between 1000 and 9999");
	rc = ticket_refs_check(st, &v, PATCH_CLIENT | PATCH_CONTACT | PATCH_ASSIGNEE, &refs);
	if (rc != STORE_OK)
		return rc;
	if (created_by) {
		rc = sq_user_read(st, created_by, &author, NULL);
		if ((rc = sq_ref_invalid(st, rc, "author_user_id", "user")) != STORE_OK)
			return rc;
	}
	if ((rc = sq_seq_next(st, year, &seq)) != STORE_OK)
		return rc;
	if (ticket_number_format(year, seq, v.number) < 0)
		return store_fail(st, STORE_CONFLICT, "no ticket numbers left for %d", year);
	if ((rc = sq_prepare(st, Q_TICKET_INSERT, &s)) != STORE_OK)
		return rc;
	sq_bind_text(st, s, 1, v.number);
	sq_bind_text(st, s, 2, v.subject);
	sq_bind_text(st, s, 3, status_name(v.status));
	sq_bind_text(st, s, 4, priority_name(v.priority));
	sq_bind_text(st, s, 5, channel_name(v.channel));
	sq_bind_text(st, s, 6, billing_name(v.billing));
	sq_bind_id(st, s, 7, v.client_id);
	sq_bind_id(st, s, 8, v.contact_id);
	sq_bind_id(st, s, 9, v.assignee_id);
	sq_bind_id(st, s, 10, created_by);
	sq_bind_int(st, s, 11, now);
	sq_bind_id(st, s, 12, v.status == STATUS_CLOSED ? now : 0);
	sq_bind_text(st, s, 13, v.category);
	if ((rc = sq_run_done(st, s)) != STORE_OK)
		return rc;
	v.id = sqlite3_last_insert_rowid(sq_of(st)->db);
	if ((rc = sq_ticket_read(st, v.id, &v)) != STORE_OK)
		return rc;
	*t = v;
	return STORE_OK;
}

static int sq_ticket_create(struct store *st, struct ticket *t, int year, const char *description,
			    int64_t author_user_id, int64_t now)
{
	struct ticket v = *t;
	struct event e;
	int rc;

	if ((rc = ticket_check(st, &v)) != STORE_OK)
		return rc;
	if (year < 1000 || year > 9999)
		return store_fail(st, STORE_INVALID, "year: must be between 1000 and 9999");
	if ((rc = sq_tx_begin(st)) != STORE_OK)
		return rc;
	if ((rc = sq_ticket_insert(st, &v, year, author_user_id, now)) != STORE_OK)
		goto out;
	if (description && description[0]) {
		memset(&e, 0, sizeof(e));
		e.ticket_id = v.id;
		e.kind = EVENT_MESSAGE_IN;
		if (author_user_id)
			e.author_user_id = author_user_id;
		else
			e.author_contact_id = v.contact_id;
		e.body = (char *)description; /* borrowed */
		if ((rc = sq_event_insert(st, &e, now, NULL)) != STORE_OK)
			goto out;
	}
	if ((rc = sq_tx_commit(st)) == STORE_OK)
		*t = v;
out:
	if (rc != STORE_OK)
		sq_tx_rollback(st);
	return rc;
}

static int sq_ticket_get(struct store *st, int64_t id, struct ticket *out)
{
	return sq_ticket_read(st, id, out);
}

static int sq_ticket_get_by_number(struct store *st, const char *number, struct ticket *out)
{
	const char *key = number ? number : "";
	struct ticket t;
	int rc = sq_row_get(st, Q_TICKET_GET_NUMBER, sq_bind_key_text, key, sq_read_ticket, &t);

	if (rc == STORE_NOT_FOUND)
		return store_fail(st, STORE_NOT_FOUND, "ticket %.40s not found", key);
	if (rc == STORE_OK)
		*out = t;
	return rc;
}

/* ---- time entries and the stopwatch ---- */

static int time_read(struct store *st, int64_t id, struct time_entry *out)
{
	int rc = sq_row_get(st, Q_TIME_GET, sq_bind_key_int, &id, read_time_entry, out);

	if (rc == STORE_NOT_FOUND)
		return store_fail(st, STORE_NOT_FOUND, "time entry %" PRId64 " not found", id);
	return rc;
}

/* Insert e at now; *id is the new entry's id. */
static int time_insert(struct store *st, const struct time_entry *e, int64_t now, int64_t *id)
{
	sqlite3_stmt *s = NULL;
	int rc;

	if ((rc = sq_prepare(st, Q_TIME_INSERT, &s)) != STORE_OK)
		return rc;
	sq_bind_int(st, s, 1, e->ticket_id);
	sq_bind_int(st, s, 2, e->user_id);
	sq_bind_int(st, s, 3, e->started_at);
	sq_bind_int(st, s, 4, e->ended_at);
	sq_bind_int(st, s, 5, e->seconds);
	sq_bind_text(st, s, 6, e->note);
	sq_bind_int(st, s, 7, e->billable ? 1 : 0);
	sq_bind_int(st, s, 8, now);
	if ((rc = sq_run_done(st, s)) == STORE_OK)
		*id = sqlite3_last_insert_rowid(sq_of(st)->db);
	/* a closed month's triggers (0006_billing.sql) refuse it */
	return sq_closed_month_explain(st, rc, SQ_CLOSED_AT, e->started_at, e->started_at);
}

/* The EVENT_TIME_ENTRY of entry id: field "duration", new value "H:MM:SS". */
static int event_time_entry(struct store *st, const struct time_entry *e, int64_t author,
			    int64_t now)
{
	struct event ev;

	memset(&ev, 0, sizeof(ev));
	ev.ticket_id = e->ticket_id;
	ev.kind = EVENT_TIME_ENTRY;
	ev.author_user_id = author;
	ev.time_entry_id = e->id;
	(void)xstrlcpy(ev.field, "duration", sizeof(ev.field));
	timefmt_duration(e->seconds, ev.new_value, sizeof(ev.new_value));
	return sq_event_insert(st, &ev, now, NULL);
}

/* user's running stopwatch into *out; *found 0 when none runs. */
static int timer_read(struct store *st, int64_t user_id, struct timer_running *out, int *found)
{
	int rc = sq_row_get(st, Q_TIMER_GET, sq_bind_key_int, &user_id, read_timer, out);

	*found = rc == STORE_OK;
	return rc == STORE_NOT_FOUND ? STORE_OK : rc;
}

/*
 * Stop the running stopwatch r at now, following timer_make_entry(): write
 * its time entry and EVENT_TIME_ENTRY (authored by the stopwatch's owner),
 * remove it, touch its ticket.  *out (may be NULL) is the new entry.
 */
static int timer_finish(struct store *st, const struct timer_running *r, int64_t now,
			struct time_entry *out)
{
	struct ticket t;
	struct time_entry e;
	sqlite3_stmt *s = NULL;
	int rc;

	if ((rc = sq_ticket_read(st, r->ticket_id, &t)) != STORE_OK)
		return rc;
	timer_make_entry(r, now, t.billing, &e);
	if ((rc = time_insert(st, &e, now, &e.id)) != STORE_OK)
		return rc;
	if ((rc = event_time_entry(st, &e, r->user_id, now)) != STORE_OK)
		return rc;
	if ((rc = sq_prepare(st, Q_TIMER_DELETE, &s)) != STORE_OK)
		return rc;
	sq_bind_int(st, s, 1, r->user_id);
	if ((rc = sq_run_done(st, s)) != STORE_OK)
		return rc;
	if ((rc = sq_ticket_touch(st, r->ticket_id, now)) != STORE_OK)
		return rc;
	if (out)
		return time_read(st, e.id, out);
	return STORE_OK;
}

/* Stop every stopwatch running on ticket_id (the ticket is being closed). */
int sq_timers_finish_on_ticket(struct store *st, int64_t ticket_id, int64_t now)
{
	struct sq_rows r = { NULL, 0, 0 };
	struct timer_running *runs;
	sqlite3_stmt *s = NULL;
	size_t i;
	int rc;

	/* Collected first: the rows are deleted one by one below. */
	rc = sq_query_prepare(st, Q_TIMER_ON_TICKET, sq_bind_key_int, &ticket_id, &s);
	if (rc != STORE_OK)
		goto out;
	if ((rc = sq_rows_collect(st, s, read_timer, sizeof(*runs), &r)) != STORE_OK)
		goto out;
	sq_done(s);
	s = NULL;
	runs = r.items;
	for (i = 0; i < r.n; i++)
		if ((rc = timer_finish(st, &runs[i], now, NULL)) != STORE_OK)
			goto out;
out:
	sq_done(s);
	free(r.items);
	return rc;
}

/* ---- ticket update ---- */

/* Add one EVENT_FIELD_CHANGE when old and new differ. */
static int field_event(struct store *st, const struct ticket *t, int64_t actor, const char *field,
		       const char *old_value, const char *new_value, int64_t now)
{
	if (!strcmp(old_value, new_value))
		return STORE_OK;
	return sq_event_change(st, t->id, EVENT_FIELD_CHANGE, actor, field, old_value, new_value,
			       NULL, 0, now);
}

static void ticket_apply(struct ticket *v, const struct ticket_patch *p)
{
	if (p->set & PATCH_SUBJECT)
		(void)xstrlcpy(v->subject, p->subject, sizeof(v->subject));
	if (p->set & PATCH_STATUS)
		v->status = p->status;
	if (p->set & PATCH_PRIORITY)
		v->priority = p->priority;
	if (p->set & PATCH_CHANNEL)
		v->channel = p->channel;
	if (p->set & PATCH_BILLING)
		v->billing = p->billing;
	if (p->set & PATCH_CLIENT)
		v->client_id = p->client_id;
	if (p->set & PATCH_CONTACT)
		v->contact_id = p->contact_id;
	if (p->set & PATCH_ASSIGNEE)
		v->assignee_id = p->assignee_id;
	if (p->set & PATCH_CATEGORY)
		(void)xstrlcpy(v->category, p->category, sizeof(v->category));
}

/* The events of every real change from old to v, in a fixed order. */
static int ticket_change_events(struct store *st, const struct ticket *old,
				const struct ticket *v, const struct ticket_refs *refs,
				int64_t actor, int64_t now)
{
	int rc;

	if ((rc = field_event(st, v, actor, "subject", old->subject, v->subject, now)) ||
	    (rc = field_event(st, v, actor, "priority", priority_name(old->priority),
			      priority_name(v->priority), now)) ||
	    (rc = field_event(st, v, actor, "channel", channel_name(old->channel),
			      channel_name(v->channel), now)) ||
	    (rc = field_event(st, v, actor, "billing", billing_name(old->billing),
			      billing_name(v->billing), now)) ||
	    (rc = field_event(st, v, actor, "category", old->category, v->category, now)))
		return rc;
	if (old->client_id != v->client_id &&
	    (rc = sq_event_change(st, v->id, EVENT_FIELD_CHANGE, actor, "client_id",
				  old->client_name, refs->client, NULL, 0, now)))
		return rc;
	if (old->contact_id != v->contact_id &&
	    (rc = sq_event_change(st, v->id, EVENT_FIELD_CHANGE, actor, "contact_id",
				  old->contact_name, refs->contact, NULL, 0, now)))
		return rc;
	if (old->assignee_id != v->assignee_id &&
	    (rc = sq_event_change(st, v->id, EVENT_ASSIGNMENT, actor, "assignee_id",
				  old->assignee_name, refs->assignee, NULL, 0, now)))
		return rc;
	return STORE_OK;
}

int sq_ticket_write(struct store *st, const struct ticket *v, int64_t now, int64_t closed_at)
{
	sqlite3_stmt *s = NULL;
	int rc;

	if ((rc = sq_prepare(st, Q_TICKET_UPDATE, &s)) != STORE_OK)
		return rc;
	sq_bind_int(st, s, 1, v->id);
	sq_bind_text(st, s, 2, v->subject);
	sq_bind_text(st, s, 3, status_name(v->status));
	sq_bind_text(st, s, 4, priority_name(v->priority));
	sq_bind_text(st, s, 5, channel_name(v->channel));
	sq_bind_text(st, s, 6, billing_name(v->billing));
	sq_bind_id(st, s, 7, v->client_id);
	sq_bind_id(st, s, 8, v->contact_id);
	sq_bind_id(st, s, 9, v->assignee_id);
	sq_bind_int(st, s, 10, now);
	sq_bind_id(st, s, 11, closed_at);
	sq_bind_text(st, s, 12, v->category);
	return sq_run_done(st, s);
}

static int sq_ticket_update(struct store *st, int64_t id, const struct ticket_patch *p,
			    int64_t actor_user_id, int64_t now, struct ticket *out)
{
	struct ticket old, v;
	struct ticket_refs refs;
	unsigned check = 0;
	int64_t closed_at;
	int rc, closing;

	if ((rc = sq_tx_begin(st)) != STORE_OK)
		return rc;
	if ((rc = sq_ticket_read(st, id, &old)) != STORE_OK)
		goto out;
	v = old;
	ticket_apply(&v, p);
	if ((rc = ticket_check(st, &v)) != STORE_OK)
		goto out;
	if (!ticket_status_allowed(old.status, v.status)) {
		rc = store_fail(st, STORE_CONFLICT, "cannot change status from %s to %s",
				status_name(old.status), status_name(v.status));
		goto out;
	}
	/* Checked only when changed: a contact that moved away does not block other edits. */
	if (v.client_id != old.client_id)
		check |= PATCH_CLIENT | PATCH_CONTACT;
	if (v.contact_id != old.contact_id)
		check |= PATCH_CONTACT;
	if (v.assignee_id != old.assignee_id)
		check |= PATCH_ASSIGNEE;
	if ((rc = ticket_refs_check(st, &v, check, &refs)) != STORE_OK)
		goto out;
	if (!strcmp(v.subject, old.subject) && v.status == old.status &&
	    v.priority == old.priority && v.channel == old.channel && v.billing == old.billing &&
	    !strcmp(v.category, old.category) && !check) {
		rc = sq_tx_commit(st);
		goto out; /* nothing changes: no events, updated_at stays */
	}
	closing = v.status == STATUS_CLOSED && old.status != STATUS_CLOSED;
	closed_at = v.status != STATUS_CLOSED ? 0 : closing ? now : old.closed_at;
	if ((rc = sq_ticket_write(st, &v, now, closed_at)) != STORE_OK)
		goto out;
	if ((rc = ticket_change_events(st, &old, &v, &refs, actor_user_id, now)) != STORE_OK)
		goto out;
	if (closing && (rc = sq_timers_finish_on_ticket(st, id, now)) != STORE_OK)
		goto out;
	if (v.status != old.status &&
	    (rc = sq_event_change(st, id, EVENT_STATUS_CHANGE, actor_user_id, "status",
				  status_name(old.status), status_name(v.status),
				  p->reason && p->reason[0] ? p->reason : NULL, 0, now)))
		goto out;
	if ((rc = sq_ticket_read(st, id, &v)) != STORE_OK)
		goto out;
	rc = sq_tx_commit(st);
out:
	if (rc != STORE_OK) {
		sq_tx_rollback(st);
		return rc;
	}
	if (out)
		*out = v;
	return rc;
}

int sq_ticket_exists(struct store *st, int64_t id)
{
	sqlite3_stmt *s = NULL;
	int rc;

	if ((rc = sq_prepare(st, Q_TICKET_EXISTS, &s)) != STORE_OK)
		return rc;
	sq_bind_int(st, s, 1, id);
	rc = sq_step(st, s);
	sq_done(s);
	if (rc == 0)
		return store_fail(st, STORE_NOT_FOUND, "ticket %" PRId64 " not found", id);
	return rc < 0 ? rc : STORE_OK;
}

/* list_query.check of the lists of one ticket: arg is its int64_t id. */
static int ticket_arg_exists(struct store *st, const void *arg)
{
	return sq_ticket_exists(st, *(const int64_t *)arg);
}

/* A kept event's body, its own (sq_list_query's dup and drop). */
static int event_dup(void *item)
{
	struct event *e = item;

	if (e->body && !(e->body = strdup(e->body)))
		return -1;
	return 0;
}

static void event_drop(void *item)
{
	struct event *e = item;

	free(e->body);
	e->body = NULL;
}

static size_t event_held(const void *item)
{
	const struct event *e = item;

	return e->body ? strlen(e->body) + 1 : 0;
}

static int sq_ticket_events(struct store *st, int64_t ticket_id, struct event_list *out)
{
	static const struct sq_list_query q = {
		.check = ticket_arg_exists, .rows = Q_EVENT_LIST,
		.bind = sq_bind_key_int, .read = sq_read_event, .size = sizeof(struct event),
		.keep = 1, .dup = event_dup, .drop = event_drop, .held = event_held,
	};
	struct sq_rows r;
	int rc = sq_list_read(st, &q, &ticket_id, 0, 0, &r, NULL);
	/* A row that failed is in r too: its body is freed with the list. */
	struct event_list l = { r.items, r.n };

	if (rc != STORE_OK)
		event_list_free(&l);
	else
		*out = l;
	return rc;
}

static int sq_event_add(struct store *st, struct event *e, int64_t now)
{
	struct user u;
	struct contact c;
	int64_t id = 0;
	int rc;

	if ((int)e->kind < 0 || (int)e->kind >= EVENT_KIND_COUNT)
		return store_fail(st, STORE_INVALID, "kind: unknown value");
	if ((rc = sq_tx_begin(st)) != STORE_OK)
		return rc;
	if ((rc = sq_ticket_exists(st, e->ticket_id)) != STORE_OK)
		goto out;
	if (e->author_user_id) {
		rc = sq_user_read(st, e->author_user_id, &u, NULL);
		if ((rc = sq_ref_invalid(st, rc, "author_user_id", "user")) != STORE_OK)
			goto out;
	}
	if (e->author_contact_id) {
		rc = sq_contact_read(st, e->author_contact_id, &c);
		if ((rc = sq_ref_invalid(st, rc, "author_contact_id", "contact")) != STORE_OK)
			goto out;
	}
	if (e->time_entry_id) {
		struct time_entry te;

		rc = time_read(st, e->time_entry_id, &te);
		if ((rc = sq_ref_invalid(st, rc, "time_entry_id", "time entry")) != STORE_OK)
			goto out;
	}
	if ((rc = sq_event_insert(st, e, now, &id)) != STORE_OK)
		goto out;
	if ((rc = sq_ticket_touch(st, e->ticket_id, now)) != STORE_OK)
		goto out;
	rc = sq_tx_commit(st);
out:
	if (rc != STORE_OK) {
		sq_tx_rollback(st);
		return rc;
	}
	e->id = id;
	e->created_at = now;
	return rc;
}

/* ---- the stopwatch ---- */

static int sq_timer_start(struct store *st, int64_t user_id, int64_t ticket_id, int64_t now,
			  struct timer_running *out, struct time_entry *stopped)
{
	struct timer_running run;
	struct time_entry prev;
	struct ticket t;
	struct user u;
	sqlite3_stmt *s = NULL;
	int rc, found;

	memset(&run, 0, sizeof(run));
	memset(&prev, 0, sizeof(prev));
	if ((rc = sq_tx_begin(st)) != STORE_OK)
		return rc;
	if ((rc = sq_ticket_read(st, ticket_id, &t)) != STORE_OK)
		goto out;
	if ((rc = sq_user_read(st, user_id, &u, NULL)) != STORE_OK)
		goto out;
	if ((rc = timer_read(st, user_id, &run, &found)) != STORE_OK)
		goto out;
	switch (timer_plan_start(found ? &run : NULL, ticket_id, t.status)) {
	case TIMER_REFUSE_CLOSED:
		rc = store_fail(st, STORE_CONFLICT,
				"ticket %s is closed; reopen it before recording time", t.number);
		goto out;
	case TIMER_ALREADY:
		break;
	case TIMER_SWITCH:
		if ((rc = timer_finish(st, &run, now, &prev)) != STORE_OK)
			goto out;
		/* fall through */
	case TIMER_START:
		if ((rc = sq_prepare(st, Q_TIMER_INSERT, &s)) != STORE_OK)
			goto out;
		sq_bind_int(st, s, 1, user_id);
		sq_bind_int(st, s, 2, ticket_id);
		sq_bind_int(st, s, 3, now);
		if ((rc = sq_run_done(st, s)) != STORE_OK)
			goto out;
		if ((rc = timer_read(st, user_id, &run, &found)) != STORE_OK)
			goto out;
		break;
	}
	rc = sq_tx_commit(st);
out:
	sq_done(s);
	if (rc != STORE_OK) {
		sq_tx_rollback(st);
		return rc;
	}
	if (out)
		*out = run;
	if (stopped)
		*stopped = prev;
	return rc;
}

static int sq_timer_stop(struct store *st, int64_t user_id, int64_t ticket_id, int64_t now,
			 struct time_entry *out)
{
	struct timer_running run;
	struct time_entry e;
	int rc, found;

	if ((rc = sq_tx_begin(st)) != STORE_OK)
		return rc;
	if ((rc = timer_read(st, user_id, &run, &found)) != STORE_OK)
		goto out;
	if (!found) {
		rc = store_fail(st, STORE_NOT_FOUND, "no stopwatch running");
		goto out;
	}
	if (ticket_id && run.ticket_id != ticket_id) {
		rc = store_fail(st, STORE_NOT_FOUND, "no stopwatch running on ticket %" PRId64,
				ticket_id);
		goto out;
	}
	if ((rc = timer_finish(st, &run, now, &e)) != STORE_OK)
		goto out;
	rc = sq_tx_commit(st);
out:
	if (rc != STORE_OK) {
		sq_tx_rollback(st);
		return rc;
	}
	if (out)
		*out = e;
	return rc;
}

static int sq_timer_get(struct store *st, int64_t user_id, struct timer_running *out)
{
	struct timer_running run;
	int rc, found;

	if ((rc = timer_read(st, user_id, &run, &found)) != STORE_OK)
		return rc;
	if (!found)
		return store_fail(st, STORE_NOT_FOUND, "no stopwatch running");
	*out = run;
	return STORE_OK;
}

/* ---- time entries by hand ---- */

static int sq_time_add(struct store *st, struct time_entry *e, int64_t actor_user_id, int64_t now)
{
	struct time_entry v = *e;
	struct user u;
	const char *why;
	int rc;

	if (time_entry_check(&v, now, &why) < 0)
		return store_fail(st, STORE_INVALID, "%s", why);
	v.billable = v.billable ? 1 : 0;
	if ((rc = sq_tx_begin(st)) != STORE_OK)
		return rc;
	if ((rc = sq_ticket_exists(st, v.ticket_id)) != STORE_OK)
		goto out;
	rc = sq_user_read(st, v.user_id, &u, NULL);
	if ((rc = sq_ref_invalid(st, rc, "user_id", "user")) != STORE_OK)
		goto out;
	if ((rc = time_insert(st, &v, now, &v.id)) != STORE_OK)
		goto out;
	if ((rc = event_time_entry(st, &v, actor_user_id, now)) != STORE_OK)
		goto out;
	if ((rc = sq_ticket_touch(st, v.ticket_id, now)) != STORE_OK)
		goto out;
	if ((rc = time_read(st, v.id, &v)) != STORE_OK)
		goto out;
	rc = sq_tx_commit(st);
out:
	if (rc != STORE_OK) {
		sq_tx_rollback(st);
		return rc;
	}
	*e = v;
	return rc;
}

static int sq_time_get(struct store *st, int64_t id, struct time_entry *out)
{
	struct time_entry e;
	int rc = time_read(st, id, &e);

	if (rc == STORE_OK)
		*out = e;
	return rc;
}

/*
 * A time entry in a few words for the history:
 * "2026-03-02T08:00:00Z/2026-03-02T09:30:00Z 1:30:00, billable, note: ...".
 */
static void time_summary(const struct time_entry *e, char *out, size_t n)
{
	char from[RFC3339_LEN + 1], to[RFC3339_LEN + 1], dur[32];

	timefmt_rfc3339(e->started_at, from);
	timefmt_rfc3339(e->ended_at, to);
	timefmt_duration(e->seconds, dur, sizeof(dur));
	if (snprintf(out, n, "%s/%s %s, %s%s%s", from, to, dur,
		     e->billable ? "billable" : "not billable", e->note[0] ? ", note: " : "",
		     e->note) >= (int)n)
		sq_utf8_trim(out);
}

static int sq_time_update(struct store *st, struct time_entry *e, const char *reason,
			  int64_t actor_user_id, int64_t now)
{
	char before[FIELD_VALUE_MAX_LEN + 1], after[FIELD_VALUE_MAX_LEN + 1];
	struct time_entry old, v;
	sqlite3_stmt *s = NULL;
	const char *why;
	int rc;

	if (!reason || !reason[0])
		return store_fail(st, STORE_INVALID, "reason: required; say why the time changes");
	if ((rc = sq_tx_begin(st)) != STORE_OK)
		return rc;
	if ((rc = time_read(st, e->id, &old)) != STORE_OK)
		goto out;
	v = old;
	v.started_at = e->started_at;
	v.ended_at = e->ended_at;
	v.billable = e->billable ? 1 : 0;
	(void)xstrlcpy(v.note, e->note, sizeof(v.note));
	if (time_entry_check(&v, now, &why) < 0) {
		rc = store_fail(st, STORE_INVALID, "%s", why);
		goto out;
	}
	if ((rc = sq_prepare(st, Q_TIME_UPDATE, &s)) != STORE_OK)
		goto out;
	sq_bind_int(st, s, 1, v.id);
	sq_bind_int(st, s, 2, v.started_at);
	sq_bind_int(st, s, 3, v.ended_at);
	sq_bind_int(st, s, 4, v.seconds);
	sq_bind_text(st, s, 5, v.note);
	sq_bind_int(st, s, 6, v.billable);
	sq_bind_int(st, s, 7, now);
	rc = sq_run_done(st, s);
	rc = sq_closed_month_explain(st, rc, SQ_CLOSED_AT, old.started_at, v.started_at);
	if (rc != STORE_OK)
		goto out;
	time_summary(&old, before, sizeof(before));
	time_summary(&v, after, sizeof(after));
	rc = sq_event_change(st, old.ticket_id, EVENT_TIME_CORRECTION, actor_user_id, "time_entry",
			     before, after, reason, v.id, now);
	if (rc != STORE_OK)
		goto out;
	if ((rc = sq_ticket_touch(st, old.ticket_id, now)) != STORE_OK)
		goto out;
	if ((rc = time_read(st, v.id, &v)) != STORE_OK)
		goto out;
	rc = sq_tx_commit(st);
out:
	sq_done(s);
	if (rc != STORE_OK) {
		sq_tx_rollback(st);
		return rc;
	}
	*e = v;
	return rc;
}

static int sq_time_list(struct store *st, int64_t ticket_id, struct time_entry_list *out)
{
	static const struct sq_list_query q = {
		.check = ticket_arg_exists, .rows = Q_TIME_LIST,
		.bind = sq_bind_key_int, .read = read_time_entry, .size = sizeof(struct time_entry),
		.keep = 1,
	};
	struct sq_rows r;
	int rc = sq_list_read(st, &q, &ticket_id, 0, 0, &r, NULL);
	struct time_entry_list l = { r.items, r.n };

	if (rc != STORE_OK)
		time_entry_list_free(&l);
	else
		*out = l;
	return rc;
}

/* ---- attachments ---- */

int sq_attachment_check(struct store *st, const struct attachment *a, const void *data)
{
	size_t i;

	if (!a->filename[0])
		return store_fail(st, STORE_INVALID, "filename: required");
	if (!a->media_type[0])
		return store_fail(st, STORE_INVALID, "media_type: required");
	if (a->size < 0 || (a->size > 0 && !data))
		return store_fail(st, STORE_INVALID, "size: does not match the data");
	for (i = 0; a->sha256[i]; i++)
		if (!((a->sha256[i] >= '0' && a->sha256[i] <= '9') ||
		      (a->sha256[i] >= 'a' && a->sha256[i] <= 'f')))
			break;
	if (i != 64 || a->sha256[i])
		return store_fail(st, STORE_INVALID, "sha256: must be 64 lowercase hex digits");
	return STORE_OK;
}

int sq_attachment_insert(struct store *st, struct attachment *a, const void *data, int64_t now)
{
	sqlite3_stmt *s = NULL;
	int rc;

	if (a->event_id) {
		if ((rc = sq_prepare(st, Q_EVENT_TICKET, &s)) != STORE_OK)
			goto out;
		sq_bind_int(st, s, 1, a->event_id);
		if ((rc = sq_step(st, s)) < 0)
			goto out;
		if (rc == 0 || sqlite3_column_int64(s, 0) != a->ticket_id) {
			rc = store_fail(st, STORE_INVALID,
					"event_id: no such event on this ticket");
			goto out;
		}
		sq_done(s);
	}
	if ((rc = sq_prepare(st, Q_ATTACHMENT_INSERT, &s)) != STORE_OK)
		goto out;
	sq_bind_int(st, s, 1, a->ticket_id);
	sq_bind_id(st, s, 2, a->event_id);
	sq_bind_text(st, s, 3, a->filename);
	sq_bind_text(st, s, 4, a->media_type);
	sq_bind_int(st, s, 5, a->size);
	sq_bind_text(st, s, 6, a->sha256);
	sq_bind_blob(st, s, 7, data, (size_t)a->size);
	sq_bind_int(st, s, 8, now);
	if ((rc = sq_run_done(st, s)) != STORE_OK)
		goto out;
	a->id = sqlite3_last_insert_rowid(sq_of(st)->db);
	a->created_at = now;
out:
	sq_done(s);
	return rc;
}

static int sq_attachment_add(struct store *st, struct attachment *a, const void *data,
			     int64_t now)
{
	struct attachment v = *a;
	int rc;

	if ((rc = sq_attachment_check(st, &v, data)) != STORE_OK)
		return rc;
	if ((rc = sq_tx_begin(st)) != STORE_OK)
		return rc;
	if ((rc = sq_ticket_exists(st, v.ticket_id)) != STORE_OK)
		goto out;
	if ((rc = sq_attachment_insert(st, &v, data, now)) != STORE_OK)
		goto out;
	rc = sq_tx_commit(st);
out:
	if (rc != STORE_OK) {
		sq_tx_rollback(st);
		return rc;
	}
	*a = v;
	return rc;
}

static int sq_attachment_get(struct store *st, int64_t id, struct attachment *out, void **data)
{
	struct attachment a;
	sqlite3_stmt *s = NULL;
	void *copy = NULL;
	int rc;

	if ((rc = sq_prepare(st, Q_ATTACHMENT_GET, &s)) != STORE_OK)
		goto out;
	sq_bind_int(st, s, 1, id);
	if ((rc = sq_step(st, s)) < 0)
		goto out;
	if (rc == 0) {
		rc = store_fail(st, STORE_NOT_FOUND, "attachment %" PRId64 " not found", id);
		goto out;
	}
	if ((rc = sq_read_attachment(st, s, &a)) != STORE_OK)
		goto out;
	if (data) {
		const void *bytes = sqlite3_column_blob(s, 8);
		int n = sqlite3_column_bytes(s, 8);

		if (n != a.size) {
			rc = store_fail(st, STORE_ERROR, "attachment %" PRId64 " is damaged", id);
			goto out;
		}
		copy = xmalloc((size_t)n);
		if (n)
			memcpy(copy, bytes, (size_t)n);
	}
	rc = STORE_OK;
	*out = a;
	if (data)
		*data = copy;
out:
	sq_done(s);
	return rc;
}

static int sq_attachment_list(struct store *st, int64_t ticket_id, struct attachment_list *out)
{
	static const struct sq_list_query q = {
		.check = ticket_arg_exists, .rows = Q_ATTACHMENT_LIST,
		.bind = sq_bind_key_int, .read = sq_read_attachment,
		.size = sizeof(struct attachment), .keep = 1,
	};
	struct sq_rows r;
	int rc = sq_list_read(st, &q, &ticket_id, 0, 0, &r, NULL);
	struct attachment_list l = { r.items, r.n };

	if (rc != STORE_OK)
		attachment_list_free(&l);
	else
		*out = l;
	return rc;
}

const struct store_backend store_backend_sqlite = {
	.name = "sqlite",
	.open = sq_open,
	.close = sq_close,
	.set_busy_timeout = sq_set_busy_timeout,
	.set_result_cache = sq_set_result_cache,
	.result_cache_hits = sq_result_cache_hits,
	.batch_begin = sq_batch_begin,
	.batch_end = sq_batch_end,
	.read_begin = sq_read_begin,
	.schema_version = sq_schema_version,
	.migrate = sq_migrate,
	.check_schema = sq_check_schema,
	.user_create = sq_user_create,
	.user_get = sq_user_get,
	.user_get_by_email = sq_user_get_by_email,
	.user_list = sq_user_list,
	.user_update = sq_user_update,
	.user_set_password = sq_user_set_password,
	.session_create = sq_session_create,
	.session_lookup = sq_session_lookup,
	.session_delete = sq_session_delete,
	.session_delete_user = sq_session_delete_user,
	.token_create = sq_token_create,
	.token_lookup = sq_token_lookup,
	.client_create = sq_client_create,
	.client_get = sq_client_get,
	.client_update = sq_client_update,
	.client_list = sq_client_list,
	.client_by_domain = sq_client_by_domain,
	.contact_create = sq_contact_create,
	.contact_get = sq_contact_get,
	.contact_get_by_email = sq_contact_get_by_email,
	.contact_update = sq_contact_update,
	.contact_list = sq_contact_list,
	.ticket_create = sq_ticket_create,
	.ticket_get = sq_ticket_get,
	.ticket_get_by_number = sq_ticket_get_by_number,
	.ticket_list = sq_ticket_list,
	.ticket_update = sq_ticket_update,
	.ticket_status_counts = sq_ticket_status_counts,
	.ticket_merge = sq_ticket_merge,
	.ticket_time_shares = sq_ticket_time_shares,
	.ticket_mail_list = sq_ticket_mail_list,
	.ticket_events = sq_ticket_events,
	.event_add = sq_event_add,
	.timer_start = sq_timer_start,
	.timer_stop = sq_timer_stop,
	.timer_get = sq_timer_get,
	.time_add = sq_time_add,
	.time_get = sq_time_get,
	.time_update = sq_time_update,
	.time_list = sq_time_list,
	.attachment_add = sq_attachment_add,
	.attachment_get = sq_attachment_get,
	.attachment_list = sq_attachment_list,
	.mail_import = sq_mail_import,
	.mail_origin = sq_mail_origin,
	.mail_adopt_contact = sq_mail_adopt_contact,
	.mail_messages = sq_mail_messages,
	.mail_thread = sq_mail_thread,
	.quarantine_add = sq_quarantine_add,
	.quarantine_list = sq_quarantine_list,
	.quarantine_get = sq_quarantine_get,
	.quarantine_done = sq_quarantine_done,
	.reply_queue = sq_reply_queue,
	.outbox_due = sq_outbox_due,
	.outbox_list = sq_outbox_list,
	.outbox_get = sq_outbox_get,
	.outbox_set_raw = sq_outbox_set_raw,
	.outbox_attempt = sq_outbox_attempt,
	.outbox_flush = sq_outbox_flush,
	.imap_get = sq_imap_get,
	.imap_set = sq_imap_set,
	.service_add = sq_service_add,
	.service_update = sq_service_update,
	.service_get = sq_service_get,
	.service_by_code = sq_service_by_code,
	.service_list = sq_service_list,
	.rate_add = sq_rate_add,
	.rate_update = sq_rate_update,
	.rate_get = sq_rate_get,
	.rate_by_code = sq_rate_by_code,
	.rate_list = sq_rate_list,
	.rate_override_set = sq_rate_override_set,
	.rate_override_list = sq_rate_override_list,
	.contract_add = sq_contract_add,
	.contract_update = sq_contract_update,
	.contract_end = sq_contract_end,
	.contract_get = sq_contract_get,
	.contract_list = sq_contract_list,
	.time_set_rate = sq_time_set_rate,
	.extra_add = sq_extra_add,
	.extra_remove = sq_extra_remove,
	.extra_list = sq_extra_list,
	.prepay_record = sq_prepay_record,
	.prepay_list = sq_prepay_list,
	.adjustment_add = sq_adjustment_add,
	.adjustment_list = sq_adjustment_list,
	.month_closed = sq_month_closed,
	.month_close = sq_month_close,
	.month_specs = sq_month_specs,
	.month_close_spec = sq_month_close_spec,
	.month_closed_list = sq_month_closed_list,
	.bill_begin = sq_bill_begin,
	.bill_next = sq_bill_next,
	.bill_end = sq_bill_end,
	.month_hours = sq_month_hours,
};
