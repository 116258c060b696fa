/*
 * sqlite_internal: what the files of the SQLite backend share, private to
 * src/store.  store_sqlite.c owns the connection, the foundation's statement
 * table and the helpers below; store_sqlite_mail.c has its own statement
 * table and builds the mail calls on these helpers.
 */
#ifndef EVID_STORE_SQLITE_INTERNAL_H
#define EVID_STORE_SQLITE_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include <sqlite3.h>

#include "core/model.h"
#include "store/store.h"
#include "store/store_backend.h"
#include "store/store_billing.h"
#include "store/store_mail.h"
#include "util/buf.h"

/*
 * Statement ids.  Each file keeps its own table of SQL referred to by name
 * (an enum): the foundation's ids count from 0 (store_sqlite.c), the mail
 * calls' from SQ_MAIL_FIRST (store_sqlite_mail.c, sq_mail_sql[id -
 * SQ_MAIL_FIRST]), and so on for the web and the billing calls.  sq_prepare
 * takes any, prepares it on first use and keeps it for the life of the
 * connection.
 */
#define SQ_MAIL_FIRST 1000
extern const char *const sq_mail_sql[];
extern const size_t sq_mail_count;
/* The web calls' (store_sqlite_web.c, sq_web_sql[id - SQ_WEB_FIRST]). */
#define SQ_WEB_FIRST 2000
extern const char *const sq_web_sql[];
extern const size_t sq_web_count;
/* The billing calls' (store_sqlite_billing.c, sq_bill_sql[id - SQ_BILL_FIRST]). */
#define SQ_BILL_FIRST 3000
extern const char *const sq_bill_sql[];
extern const size_t sq_bill_count;

/*
 * The ticket queue's statements are put together from fixed pieces of SQL
 * (store_sqlite_web.c), one shape per set of filters and order; the shapes
 * last used stay prepared, each under its key.
 */
#define SQ_QUEUE_CACHE 24
struct sq_queue_stmt {
	uint64_t key;        /* 0: the slot is empty */
	sqlite3_stmt *stmt;
};

/*
 * The results of queue reads a connection keeps (store_set_result_cache,
 * store_sqlite_web.c): each under its filter, with the database's data
 * version it was read at.
 */
struct sq_result;

/* One connection: the database, its statement caches, the state of the current statement. */
struct sq {
	sqlite3 *db;
	sqlite3_stmt **stmt;      /* the foundation's, indexed by id */
	sqlite3_stmt **mail_stmt; /* the mail calls', indexed by id - SQ_MAIL_FIRST */
	sqlite3_stmt **web_stmt;  /* the web calls', indexed by id - SQ_WEB_FIRST */
	sqlite3_stmt **bill_stmt; /* the billing calls', indexed by id - SQ_BILL_FIRST */
	struct sq_queue_stmt queue[SQ_QUEUE_CACHE];
	unsigned queue_next;      /* the slot the next new queue shape takes */
	int bind_rc;              /* the first bind that failed since sq_prepare */
	int bad_row;              /* a row held a value the model cannot represent */
	int batch;                /* store_batch_begin: transactions are savepoints in it */
	int batch_read;           /* the batch is store_read_begin's snapshot */
	int read_nest;            /* store_read_begin calls that joined that snapshot */
	int read_tx;              /* reads open in that snapshot, which took no savepoint */
	unsigned snap_version;    /* that snapshot's data version, once a kept read has read it */
	int snap_version_ok;
	struct sq_result *result; /* store_set_result_cache's slots, NULL = none kept */
	unsigned result_n;
	uint64_t result_tick;     /* counts uses, to find the slot used longest ago */
	uint64_t result_hits;     /* reads answered from them */
};

static inline struct sq *sq_of(struct store *st)
{
	return st->be;
}

/*
 * A ticket as sq_read_ticket reads it: SQ_TICKET_COLS FROM tickets t
 * SQ_TICKET_JOINS (the names of its client, contact and assignee).
 */
#define SQ_TICKET_COLS                                                                    \
	"SELECT t.id, t.number, t.subject, t.status, t.priority, t.channel, t.billing, "  \
	"coalesce(t.client_id, 0), coalesce(t.contact_id, 0), coalesce(t.assignee_id, 0), " \
	"coalesce(t.created_by, 0), t.created_at, t.updated_at, coalesce(t.closed_at, 0), " \
	"(SELECT coalesce(sum(x.seconds), 0) FROM time_entries x WHERE x.ticket_id = t.id), " \
	"coalesce(c.name, ''), coalesce(k.name, ''), coalesce(u.name, ''), t.category, "  \
	"coalesce(t.merged_into, 0) "
#define SQ_TICKET_JOINS                                                                   \
	"LEFT JOIN clients c ON c.id = t.client_id "                                       \
	"LEFT JOIN contacts k ON k.id = t.contact_id "                                     \
	"LEFT JOIN users u ON u.id = t.assignee_id "

/* ---- statements ---- */

/* Turn an SQLite result code into a store rc and a message fit for a user. */
int sq_error(struct store *st, int rc);
/* *out = statement id, prepared once per connection and reset for a new use. */
int sq_prepare(struct store *st, int id, sqlite3_stmt **out);
/* Put a statement back for its next use (NULL is fine). */
void sq_done(sqlite3_stmt *s);

/* Binds remember their first failure, which the next sq_step reports. */
void sq_bind_check(struct store *st, int rc);
void sq_bind_int(struct store *st, sqlite3_stmt *s, int i, int64_t v);
/* An id that may be "none": 0 is stored as NULL. */
void sq_bind_id(struct store *st, sqlite3_stmt *s, int i, int64_t id);
/* Text; NULL is stored as NULL. */
void sq_bind_text(struct store *st, sqlite3_stmt *s, int i, const char *v);
/* n bytes at data as a BLOB (a zero-length one, never NULL); the bytes must outlive the step. */
void sq_bind_blob(struct store *st, sqlite3_stmt *s, int i, const void *data, size_t n);

/* Step once: 1 for a row, 0 when done, or a negative store rc with the message set. */
int sq_step(struct store *st, sqlite3_stmt *s);
/* Run a statement that returns no rows to its end. */
int sq_run(struct store *st, sqlite3_stmt *s);
/* Run s, whose parameters are bound, to its end and put it back for its next use. */
int sq_run_done(struct store *st, sqlite3_stmt *s);
/* Run the statement id that takes no parameters and returns no rows. */
int sq_exec(struct store *st, int id);

/* ---- transactions ---- */

/* A write transaction (BEGIN IMMEDIATE): takes the write lock now. */
int sq_tx_begin(struct store *st);
/* A read transaction: every statement in it sees the same snapshot. */
int sq_tx_begin_read(struct store *st);
int sq_tx_commit(struct store *st);
/* Undo the open transaction, if any, keeping the message of the failure that led here. */
void sq_tx_rollback(struct store *st);

/* ---- rows ---- */

void sq_col_text(sqlite3_stmt *s, int i, char *dst, size_t n);
/* STORE_OK, or STORE_ERROR naming what when a reader met a value it cannot represent. */
int sq_row_check(struct store *st, const char *what);
/*
 * Define static void fn(st, s, i, type *out): column i of s parsed with
 * parse (an enum's name, core/model.h or core/billing.h); an unknown name
 * marks the row bad, for sq_row_check to report.
 */
#define SQ_COL_ENUM(fn, type, parse)                                                     \
	static void fn(struct store *st, sqlite3_stmt *s, int i, type *out)              \
	{                                                                                \
		const unsigned char *v = sqlite3_column_text(s, i);                      \
		if (!v || parse((const char *)v, out) < 0)                               \
			sq_of(st)->bad_row = 1;                                          \
	}

/*
 * A reader fills one record (item) from the row s stands on and returns
 * STORE_OK, or a failure after which item still owns what it holds.
 */
typedef int (*sq_row_reader)(struct store *st, sqlite3_stmt *s, void *item);
int sq_read_user(struct store *st, sqlite3_stmt *s, void *item);
int sq_read_client(struct store *st, sqlite3_stmt *s, void *item);
int sq_read_contact(struct store *st, sqlite3_stmt *s, void *item);
int sq_read_ticket(struct store *st, sqlite3_stmt *s, void *item);
/* e->body is a new heap copy the caller releases with event_free (even on failure). */
int sq_read_event(struct store *st, sqlite3_stmt *s, void *item);
int sq_read_attachment(struct store *st, sqlite3_stmt *s, void *item);

/* Make room for one more item in a list of *cap items of size bytes. */
void *sq_list_grow(void *items, size_t n, size_t *cap, size_t size);
/* LIMIT and OFFSET from a filter: limit 0 means all. */
int sq_bind_page(struct store *st, sqlite3_stmt *s, int i, int limit, int offset);
/* Run a "SELECT count(*)" statement whose parameters are bound. */
int sq_read_count(struct store *st, sqlite3_stmt *s, int64_t *total);

/* Bind a statement's parameters from arg: STORE_OK or a failure. */
typedef int (*sq_binder)(struct store *st, sqlite3_stmt *s, const void *arg);
/* ?1 = the int64_t at arg. */
int sq_bind_key_int(struct store *st, sqlite3_stmt *s, const void *arg);
/* ?1 = the string arg. */
int sq_bind_key_text(struct store *st, sqlite3_stmt *s, const void *arg);
/* Prepare statement id and bind it with bind(arg) (bind may be NULL: no parameters). */
int sq_query_prepare(struct store *st, int id, sq_binder bind, const void *arg,
		     sqlite3_stmt **s);
/*
 * Run statement id bound by bind(arg) and read its first row into item.
 * STORE_NOT_FOUND, without a message, when there is none.
 */
int sq_row_get(struct store *st, int id, sq_binder bind, const void *arg, sq_row_reader read,
	       void *item);

/* Records read from rows: a malloc'd array of n items (cap allocated). */
struct sq_rows {
	void *items;
	size_t n, cap;
};

/*
 * Append the records of every remaining row of s to out, items of size
 * bytes filled by read.  On failure out holds the rows read so far.
 */
int sq_rows_collect(struct store *st, sqlite3_stmt *s, sq_row_reader read, size_t size,
		    struct sq_rows *out);

/* One list reader: what it checks, the rows it reads and what it counts. */
struct sq_list_query {
	int (*check)(struct store *st, const void *arg); /* NULL: nothing to check first */
	int rows;            /* statement id of the records, in order */
	int page;            /* rows' parameter number of LIMIT (OFFSET next); 0: not paged */
	int count;           /* statement id of the count; 0 (Q_NONE): not counted */
	sq_binder bind;      /* the parameters rows and count share; NULL: none */
	sq_row_reader read;
	size_t size;         /* of one record */
	/*
	 * 1: its answers may be kept (store_set_result_cache), for a page
	 * that reads the same list again while nothing changed.  A record
	 * that points to memory of its own needs dup, which makes a copy's
	 * pointers its own (-1 when memory is short, nothing held then), drop,
	 * which frees them, and held, the bytes they hold.
	 */
	int keep;
	int (*dup)(void *item);
	void (*drop)(void *item);
	size_t (*held)(const void *item);
};

/*
 * Run q with arg in one read transaction: q->check, the rows paged by limit
 * and offset, the count into *total (may be NULL).  out holds the records
 * read even on failure, for the caller to free with its list's _free.
 */
int sq_list_read(struct store *st, const struct sq_list_query *q, const void *arg, int limit,
		 int offset, struct sq_rows *out, int64_t *total);

/* ---- text ---- */

/* Lowercase copy of an email or domain into dst; -1 when it does not fit. */
int sq_lower_copy(char *dst, const char *src, size_t n);
/* Cut s, which snprintf may have cut mid-character, back to whole UTF-8 characters. */
void sq_utf8_trim(char *s);

/* ---- records, inside the caller's transaction ---- */

/* Each reads one record; NOT_FOUND with "<what> N not found". */
int sq_user_read(struct store *st, int64_t id, struct user *out, char *pwhash);
int sq_client_read(struct store *st, int64_t id, struct client *out);
int sq_contact_read(struct store *st, int64_t id, struct contact *out);
int sq_ticket_read(struct store *st, int64_t id, struct ticket *out);
int sq_ticket_exists(struct store *st, int64_t id);
/* A NOT_FOUND while checking a reference becomes INVALID naming the field. */
int sq_ref_invalid(struct store *st, int rc, const char *field, const char *what);

/* Set the ticket's updated_at to now unless it is already later. */
int sq_ticket_touch(struct store *st, int64_t id, int64_t now);
/* Write every writable field of v (category too), updated_at = now, closed_at (0 = NULL). */
int sq_ticket_write(struct store *st, const struct ticket *v, int64_t now, int64_t closed_at);
/* Next sequence number of year. */
int sq_seq_next(struct store *st, int year, int64_t *seq);
/*
 * The ticket-creation step of store_ticket_create without its transaction
 * and without a first event: check t (subject, enums, references), take the
 * next number of year, insert the row created by created_by (0 = none) at
 * now and read it back into *t (id, number, names).
 */
int sq_ticket_insert(struct store *st, struct ticket *t, int year, int64_t created_by,
		     int64_t now);

/*
 * Stop every stopwatch running on ticket_id at now (it is being closed):
 * each becomes a time entry with its EVENT_TIME_ENTRY.
 */
int sq_timers_finish_on_ticket(struct store *st, int64_t ticket_id, int64_t now);

/* Insert e (its kind, ticket, authors, field values, body) at now; *id (may be NULL) its id. */
int sq_event_insert(struct store *st, const struct event *e, int64_t now, int64_t *id);
/*
 * Record a change of field on ticket by author: one event of kind, old ->
 * new, with body (may be NULL) and the time entry it concerns (0 = none).
 */
int sq_event_change(struct store *st, int64_t ticket_id, enum event_kind kind, int64_t author,
		    const char *field, const char *old_value, const char *new_value,
		    const char *body, int64_t time_entry_id, int64_t now);

/* Whether a is a well-formed attachment for data (filename, media type, size, sha256). */
int sq_attachment_check(struct store *st, const struct attachment *a, const void *data);
/*
 * Insert the checked attachment a with its data at now (a->event_id, when
 * non-zero, must be an event of a->ticket_id); sets a->id and created_at.
 */
int sq_attachment_insert(struct store *st, struct attachment *a, const void *data, int64_t now);

/* ---- the mail calls (store_sqlite_mail.c), entries of store_backend_sqlite ---- */

int sq_mail_import(struct store *st, const struct mail_msg *m, const char *raw, size_t rawlen,
		   const char *content_hash, enum mail_source src, const struct mail_policy *pol,
		   int64_t now, struct mail_outcome *out);
int sq_mail_origin(struct store *st, int64_t ticket_id, struct mail_addr *out);
int sq_mail_adopt_contact(struct store *st, int64_t ticket_id, int64_t client_id,
			  const char *name, int64_t actor_user_id, int64_t now,
			  struct contact *contact, struct ticket *ticket);
int sq_mail_messages(struct store *st, int64_t ticket_id, struct mail_record_list *out);
int sq_mail_thread(struct store *st, int64_t ticket_id, char ***ids, size_t *n);
int sq_quarantine_add(struct store *st, const char *raw, size_t rawlen, const char *sha256,
		      const char *reason, enum mail_source src, int64_t now, int64_t *id_out);
int sq_quarantine_list(struct store *st, int held_only, struct quarantine_list *out);
int sq_quarantine_get(struct store *st, int64_t id, struct quarantine_item *out, char **raw,
		      size_t *rawlen);
int sq_quarantine_done(struct store *st, int64_t id, int64_t ticket_id, int64_t now);
int sq_reply_queue(struct store *st, int64_t ticket_id, int64_t user_id, const char *body,
		   const char *to, const char *cc, const struct mail_file *files, size_t n_files,
		   const struct mail_policy *pol, int64_t now, int64_t *event_id,
		   int64_t *outbox_id);
int sq_outbox_due(struct store *st, int64_t now, int limit, struct outbox_list *out);
int sq_outbox_list(struct store *st, int status, int limit, struct outbox_list *out);
int sq_outbox_get(struct store *st, int64_t id, struct outbox_item *out, char **raw,
		  size_t *rawlen);
int sq_outbox_set_raw(struct store *st, int64_t id, const char *raw, size_t rawlen);
int sq_outbox_attempt(struct store *st, int64_t id, int ok, const char *error, int permanent,
		      int64_t next_attempt_at, int64_t now);
int sq_outbox_flush(struct store *st, int64_t now, int *n);
int sq_imap_get(struct store *st, const char *mailbox, int64_t *uidvalidity, int64_t *last_uid);
int sq_imap_set(struct store *st, const char *mailbox, int64_t uidvalidity, int64_t last_uid);

/* ---- the web calls (store_sqlite_web.c), entries of store_backend_sqlite ---- */

int sq_ticket_list(struct store *st, const struct ticket_filter *f, struct ticket_list *out,
		   int64_t *total);
int sq_ticket_status_counts(struct store *st, const struct ticket_filter *f,
			    int64_t counts[STATUS_COUNT]);
int sq_ticket_merge(struct store *st, int64_t from_id, int64_t into_id, int64_t actor_user_id,
		    int64_t now);
int sq_ticket_time_shares(struct store *st, int64_t ticket_id, struct time_share_list *out);
int sq_ticket_mail_list(struct store *st, int64_t ticket_id, struct ticket_mail_list *out);
/* Finalize the queue's prepared shapes (at close). */
void sq_queue_cache_clear(struct sq *sq);
/* Keep up to n queue results (0 = none); frees those kept before. */
int sq_set_result_cache(struct store *st, int n);
uint64_t sq_result_cache_hits(struct store *st);
/*
 * Kept lists, for sq_list_read.  begin: in the read transaction open on
 * st (which it starts), *version and whether kept answers can be used
 * (*usable).  key: s's SQL with its bound values, the key of its answer (-1
 * when memory is short or key's cap is reached).  get: 1 and out (and
 * *total, when not NULL) a copy of the answer kept under key at version,
 * made its own by dup; 0 when there is none.  put: keep a copy of rows.
 */
int sq_kept_begin(struct store *st, unsigned *version, int *usable);
int sq_kept_key(sqlite3_stmt *s, struct buf *key);
int sq_kept_get(struct store *st, const struct buf *key, unsigned version, size_t size,
		int (*dup)(void *item), void (*drop)(void *item), struct sq_rows *out,
		int64_t *total);
void sq_kept_put(struct store *st, const struct buf *key, const struct sq_list_query *q,
		 unsigned version, const struct sq_rows *rows, int64_t total);

/* ---- closed months (0006_billing.sql, store_sqlite_billing.c) ---- */

/*
 * What the triggers of 0006_billing.sql raise when a write touches a closed
 * month (SQLite 3.40 takes only a literal in RAISE, so without the month).
 */
#define SQ_CLOSED_MONTH "month is closed; record a correction as an adjustment in an open month"

/* What the values given to sq_closed_month_explain are. */
enum sq_closed_by {
	SQ_CLOSED_AT,    /* instants (a time entry's started_at) */
	SQ_CLOSED_DAY,   /* day numbers (an extra's day) */
	SQ_CLOSED_MONTH_OF, /* month indexes (a prepayment's or an adjustment's month) */
};

/*
 * When rc is the CONFLICT those triggers raise, name the month in the
 * message: "month 2027-01 is closed; record a correction as an adjustment
 * in an open month", the closed month a or b falls in (by says what they
 * are).  Returns rc either way; call it in the failed call's transaction,
 * before the rollback.
 */
int sq_closed_month_explain(struct store *st, int rc, enum sq_closed_by by, int64_t a, int64_t b);

/* ---- the billing calls (store_sqlite_billing.c), entries of store_backend_sqlite ---- */

int sq_service_add(struct store *st, struct bill_service *s);
int sq_service_update(struct store *st, const struct bill_service *s);
int sq_service_get(struct store *st, int64_t id, struct bill_service *out);
int sq_service_by_code(struct store *st, const char *code, struct bill_service *out);
int sq_service_list(struct store *st, int all, struct bill_service_list *out);
int sq_rate_add(struct store *st, struct bill_rate *r);
int sq_rate_update(struct store *st, const struct bill_rate *r);
int sq_rate_get(struct store *st, int64_t id, struct bill_rate *out);
int sq_rate_by_code(struct store *st, const char *code, struct bill_rate *out);
int sq_rate_list(struct store *st, int all, struct bill_rate_list *out);
int sq_rate_override_set(struct store *st, int64_t rate_id, int64_t client_id,
			 int64_t contract_id, int64_t hourly);
int sq_rate_override_list(struct store *st, int64_t client_id, struct bill_override_list *out);
int sq_contract_add(struct store *st, struct bill_contract *c);
int sq_contract_update(struct store *st, struct bill_contract *c);
int sq_contract_end(struct store *st, int64_t id, int32_t end_day);
int sq_contract_get(struct store *st, int64_t id, struct bill_contract *out);
int sq_contract_list(struct store *st, int64_t client_id, struct bill_contract_list *out);
int sq_time_set_rate(struct store *st, int64_t entry_id, int64_t rate_id, const char *reason,
		     int64_t actor_user_id, int64_t now);
int sq_extra_add(struct store *st, struct bill_extra *x, int64_t actor_user_id, int64_t now);
int sq_extra_remove(struct store *st, int64_t id, int64_t actor_user_id, int64_t now);
int sq_extra_list(struct store *st, int64_t ticket_id, struct bill_extra_list *out);
int sq_prepay_record(struct store *st, int32_t month, const struct bill_prepay *p, int64_t now,
		     int64_t *id);
int sq_prepay_list(struct store *st, int32_t month, struct bill_prepay_list *out);
int sq_adjustment_add(struct store *st, int64_t client_id, struct bill_adjustment *a,
		      int64_t actor_user_id, int64_t now);
int sq_adjustment_list(struct store *st, int32_t month, struct bill_adjustment_list *out);
int sq_month_closed(struct store *st, int32_t month, int *closed);
int sq_month_close(struct store *st, int32_t month, const char *summary_json,
		   int64_t actor_user_id, int64_t now);
int sq_month_specs(struct store *st, int32_t month, int64_t client_id,
		   struct bill_stored_spec **out, size_t *n, char **summary_json);
int sq_month_close_spec(struct store *st, int32_t month, int64_t client_id, const char *json);
int sq_month_closed_list(struct store *st, int32_t *months, size_t max, size_t *n);
int sq_bill_begin(struct store *st, int32_t month, int64_t client_id,
		  const char *default_rate_code, struct bill_context *ctx, void **out);
int sq_bill_next(struct store *st, void *reader, struct bill_client_input *in);
void sq_bill_end(struct store *st, void *reader);
int sq_month_hours(struct store *st, int32_t month, struct bill_hours_list *clients,
		   struct bill_hours_list *users);

#endif
