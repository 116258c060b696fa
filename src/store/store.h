/*
 * store: the one interface to persistent data.  Callers see only these
 * functions; behind them a backend (SQLite now, PostgreSQL later) is a table
 * of function pointers (struct store_backend, see store_backend.h), in the
 * manner of OpenSMTPD's queue backends.  No SQL exists outside src/store.
 *
 * Every call is one transaction: it changes everything it promises or, on
 * any failure, nothing.  A `struct store` is one connection and is used by
 * one thread at a time (the web server keeps a pool of them).
 *
 * Every call returns STORE_OK (0) or a negative enum store_rc.  After a
 * failure, store_errmsg() says why in words fit for a user ("ticket 12 not
 * found", "email already used by another contact").  Output records are
 * written only on success.
 */
#ifndef EVID_STORE_STORE_H
#define EVID_STORE_STORE_H

#include <stddef.h>
#include <stdint.h>
#include "core/model.h"

enum store_rc {
	STORE_OK = 0,
	STORE_ERROR = -1,      /* internal failure (I/O, corrupt database, bug) */
	STORE_NOT_FOUND = -2,  /* a named record does not exist */
	STORE_CONFLICT = -3,   /* a uniqueness or state rule refuses the change (HTTP 409) */
	STORE_BUSY = -4,       /* the database stayed locked past the busy timeout; retry later */
	STORE_INVALID = -5,    /* a value breaks a domain rule (HTTP 400); errmsg names the field */
	STORE_FULL = -6,       /* the disk is full; retry later */
};

struct store;

/*
 * Open the database at path (created if missing, with its folder not).
 * Does not migrate.  On success *out is a handle the caller closes with
 * store_close.  On failure returns a negative rc and writes a message to
 * err (errsz bytes).
 */
int store_open(const char *path, struct store **out, char *err, size_t errsz);
void store_close(struct store *st);
const char *store_errmsg(const struct store *st);

/*
 * Wait up to ms milliseconds for a lock held by another connection before a
 * call gives up with STORE_BUSY (store_open sets 5000).  INVALID when ms < 0.
 */
int store_set_busy_timeout(struct store *st, int ms);

/*
 * Keep the answers of up to n reads on this connection -- the queue's
 * (store_ticket_list, and store_ticket_status_counts with a filter the
 * kept counts do not answer) and the lists a ticket page reads
 * (store_ticket_events, _mail_list, _time_shares, store_attachment_list,
 * store_time_list, store_extra_list of a ticket, store_contact_list,
 * store_user_list) -- and answer the same read again from them while the
 * database has not changed: any commit since, by this connection or by
 * another in any process, makes every answer kept before it stale.  Reads
 * inside an open write transaction are never answered from them.  A result
 * of more than STORE_RESULT_ROWS_MAX rows or STORE_RESULT_BYTES_MAX bytes is
 * not kept, so a connection holds at most n times that.  store_open keeps
 * none (n = 0); evid serve keeps [database] result_cache per connection.
 * n beyond STORE_RESULT_CACHE_MAX or negative: INVALID.
 */
#define STORE_RESULT_CACHE_MAX 1024
#define STORE_RESULT_ROWS_MAX 200
#define STORE_RESULT_BYTES_MAX (256 * 1024)
int store_set_result_cache(struct store *st, int n);
/* How many reads on st were answered from kept answers (0 for a backend without them). */
uint64_t store_result_cache_hits(struct store *st);

/*
 * A batch, for bulk imports (evid fetch) that want one durable commit per
 * many calls instead of one each.  Between store_batch_begin and
 * store_batch_end every call's transaction is part of one write transaction
 * (BEGIN IMMEDIATE: other writers wait, so keep batches short); a call that
 * fails still undoes only its own changes.  Nothing of the batch is durable,
 * nor seen by other connections, until store_batch_end(st, 1) returns
 * STORE_OK; store_batch_end(st, 0) undoes it all.  begin: BUSY when another
 * writer holds the lock, ERROR when a batch is open already.  end: FULL or
 * ERROR when the commit failed, and ERROR when the database had to give the
 * batch up earlier (after a call failed with FULL or an I/O error; calls
 * after that were committed each on its own).  In every failure of end the
 * batch's calls before that point are undone.
 */
int store_batch_begin(struct store *st);
int store_batch_end(struct store *st, int commit);

/*
 * A snapshot, for a page that reads many things: between store_read_begin
 * and store_read_end every call reads the same state of the database, and
 * the read lock is taken once instead of once per call.  For reading calls
 * only (a write inside may fail BUSY).  A store_read_begin inside an open
 * snapshot joins it: it reads the same state, and its store_read_end ends
 * only the join (the outer end ends the snapshot), so a page can take its
 * own snapshot inside the one evid serve opens for the whole request.
 * begin: ERROR when a batch is open; end: ERROR when no snapshot is.
 */
int store_read_begin(struct store *st);
int store_read_end(struct store *st);

/* The schema version the binary knows, and the one the database has (0 = empty). */
int store_schema_latest(void);
int store_schema_version(struct store *st, int *out);

/*
 * Apply the pending migrations, each in its own transaction, recording the
 * version.  *applied (may be NULL) receives how many ran.  A database newer
 * than the binary is refused with STORE_CONFLICT and a clear message.
 */
int store_migrate(struct store *st, int *applied);

/* Refuse (STORE_CONFLICT) unless the schema is exactly the binary's latest. */
int store_check_schema(struct store *st);

/* ---- users, sessions, API tokens ---- */

/* Insert u (email lowercased); sets u->id and u->created_at. CONFLICT on a used email. */
int store_user_create(struct store *st, struct user *u, const char *pwhash, int64_t now);
int store_user_get(struct store *st, int64_t id, struct user *out);
/* pwhash (may be NULL) receives the stored hash, CRYPTO_PWHASH_MAX bytes. */
int store_user_get_by_email(struct store *st, const char *email, struct user *out, char *pwhash);
int store_user_list(struct store *st, struct user_list *out);
/*
 * Update name, email, role, active, lang of u->id and, when pwhash is not
 * NULL, its password hash, all in one transaction.  Deactivating (active 0)
 * also deletes every session of the user.  NOT_FOUND, CONFLICT on email.
 */
int store_user_update(struct store *st, const struct user *u, const char *pwhash);
int store_user_set_password(struct store *st, int64_t user_id, const char *pwhash);

/* Sessions and tokens are found by the SHA-256 hex of their secret, never the secret. */
int store_session_create(struct store *st, const char *hash, int64_t user_id, int64_t now,
			 int64_t expires_at);
/* NOT_FOUND when missing, expired or the user is inactive; else *out is the user. */
int store_session_lookup(struct store *st, const char *hash, int64_t now, struct user *out);
int store_session_delete(struct store *st, const char *hash);
/*
 * Delete every session of user_id but the one whose hash is keep_hash (NULL:
 * all of them), as a password change demands.  Deleting none is not an error.
 */
int store_session_delete_user(struct store *st, int64_t user_id, const char *keep_hash);

int store_token_create(struct store *st, int64_t user_id, const char *hash, const char *name,
		       int64_t now, int64_t *id_out);
/* NOT_FOUND when missing, revoked or the user is inactive; records last use. */
int store_token_lookup(struct store *st, const char *hash, int64_t now, struct user *out);

/* ---- clients and contacts ---- */

struct client_filter {
	const char *query;   /* substring of the name, case-insensitive; NULL = any */
	int active_only;
	int limit, offset;   /* limit 0 = no limit */
};

/* Sets c->id, created_at, updated_at.  INVALID / CONFLICT (same name exists). */
int store_client_create(struct store *st, struct client *c, int64_t now);
int store_client_get(struct store *st, int64_t id, struct client *out);
/* Replace every writable field of c->id; sets c->updated_at. */
int store_client_update(struct store *st, struct client *c, int64_t now);
int store_client_list(struct store *st, const struct client_filter *f, struct client_list *out,
		      int64_t *total);
/* The active client whose email_domains lists domain (lowercase); NOT_FOUND if none. */
int store_client_by_domain(struct store *st, const char *domain, struct client *out);

struct contact_filter {
	int64_t client_id;   /* 0 = any */
	const char *query;   /* substring of name or email; NULL = any */
	int active_only;
	int limit, offset;
};

/* client_id must exist (INVALID otherwise); email unique (CONFLICT). */
int store_contact_create(struct store *st, struct contact *c, int64_t now);
int store_contact_get(struct store *st, int64_t id, struct contact *out);
int store_contact_get_by_email(struct store *st, const char *email, struct contact *out);
int store_contact_update(struct store *st, struct contact *c, int64_t now);
int store_contact_list(struct store *st, const struct contact_filter *f, struct contact_list *out,
		       int64_t *total);

/* ---- tickets and their history ---- */

/*
 * The orders of the queue, each both ways; ties go by id the same way.  The
 * age of a ticket is its creation: oldest first is SORT_CREATED_ASC.
 * Priority runs low < normal < high < urgent, ties by updated_at.
 */
enum ticket_sort {
	SORT_UPDATED_DESC,  /* the default: last changed first */
	SORT_CREATED_DESC,
	SORT_CREATED_ASC,
	SORT_PRIORITY_DESC,
	SORT_UPDATED_ASC,
	SORT_PRIORITY_ASC,
	SORT_NUMBER_ASC,
	SORT_NUMBER_DESC,
	SORT_NUMBER = SORT_NUMBER_ASC,
};
#define SORT_COUNT 8

/* The most a search may hold: bytes of text and words. */
#define TICKET_QUERY_MAX_LEN 500
#define TICKET_QUERY_MAX_WORDS 16

struct ticket_filter {
	int status;          /* enum ticket_status, or -1 = any */
	int open_only;       /* 1: every status but closed and resolved */
	int64_t assignee_id; /* 0 = any, -1 = unassigned */
	int64_t client_id;   /* 0 = any */
	int64_t contact_id;  /* 0 = any */
	int channel;         /* enum ticket_channel, or -1 = any */
	int billing;         /* enum billing_kind, or -1 = any */
	enum ticket_sort sort;
	int limit, offset;   /* limit 0 = no limit */
	/*
	 * Full-text search over the subjects and the bodies of the messages,
	 * replies and notes (NULL, "" or only blanks = no search): words
	 * separated by blanks, all of which must occur in the ticket's subject
	 * or in one of those events (an event counts the ticket's subject as
	 * its own, so words from the subject and one message go together; words
	 * spread over two messages do not).  A word ending in '*' is a prefix
	 * ("ra*").  Letters match with or without diacritics and in any case
	 * ("racun" finds "Račun", "đak" and "dak" find each other).  The text is
	 * never FTS syntax: quotes, parentheses, '-', ':', NEAR, AND, OR are
	 * plain characters, and a word of only punctuation is left out.  At most
	 * TICKET_QUERY_MAX_LEN bytes and TICKET_QUERY_MAX_WORDS words (INVALID).
	 */
	const char *query;
	const char *category; /* exactly this category, "" = none set; NULL = any */
};
/* A filter that matches everything: status, channel, billing -1, the rest 0 / NULL. */
void store_ticket_filter_init(struct ticket_filter *f);

/*
 * Create t in one transaction: the next number of `year` (the local year of
 * now in the business zone, given by the caller), the ticket row and, when
 * description is non-empty, its first EVENT_MESSAGE_IN event authored by
 * author_user_id (the staff member who took the request) or t->contact_id.
 * client_id / contact_id / assignee_id must exist when non-zero, and the
 * contact must belong to the client (INVALID names the field); the
 * category is stored as given (checked like store_ticket_update's).  Sets
 * id, number, created_at, updated_at.
 */
int store_ticket_create(struct store *st, struct ticket *t, int year, const char *description,
			int64_t author_user_id, int64_t now);
/* *out with time_seconds and the names filled. */
int store_ticket_get(struct store *st, int64_t id, struct ticket *out);
int store_ticket_get_by_number(struct store *st, const char *number, struct ticket *out);
/*
 * The tickets f selects (NULL: all), in f->sort, paged by f->limit and
 * f->offset, with time_seconds and the names filled; *total (may be NULL)
 * is how many f selects without paging.  INVALID for an unknown status,
 * channel, billing or sort, a negative limit or offset, or a search over
 * the limits (errmsg names the field "q").  One read transaction.
 */
int store_ticket_list(struct store *st, const struct ticket_filter *f, struct ticket_list *out,
		      int64_t *total);
/*
 * counts[s] (OUT) = how many tickets of status s match f ignoring its
 * status, open_only, sort and paging (NULL: all tickets), for the
 * "N new, N open..." line above the queue.  Fails as store_ticket_list.
 */
int store_ticket_status_counts(struct store *st, const struct ticket_filter *f,
			       int64_t counts[STATUS_COUNT]);

/*
 * Merge ticket from_id into into_id in one transaction, by actor_user_id
 * (0 = nobody) at now: every stopwatch running on from_id is stopped (each
 * becomes a time entry with its event, as closing does), from_id points to
 * into_id (ticket.merged_into) and is closed (closed_at now unless it was
 * closed already, with its EVENT_STATUS_CHANGE), and both histories record
 * an EVENT_MERGE: on from_id field "merged_into", on into_id field
 * "merged_from", new_value the other's number.  into_id's updated_at is
 * touched.  Time entries, messages and attachments stay on from_id; mail
 * that answers from_id later goes to into_id (store_mail_import follows
 * merged_into).  NOT_FOUND when either ticket does not exist; INVALID
 * when they are the same ticket or a non-zero actor_user_id is no user
 * (errmsg "actor_user_id: no such user"); CONFLICT when from_id
 * is merged already or into_id is itself merged into another ticket
 * (errmsg names the numbers).
 */
int store_ticket_merge(struct store *st, int64_t from_id, int64_t into_id, int64_t actor_user_id,
		       int64_t now);

/*
 * Each technician's share of ticket_id's time (sum and count of their time
 * entries), most time first (ties by name).  An empty list when no time was
 * recorded.  NOT_FOUND for an unknown ticket.  *out is freed with
 * time_share_list_free.
 */
int store_ticket_time_shares(struct store *st, int64_t ticket_id, struct time_share_list *out);

/*
 * Every mail message of ticket_id, in and out, oldest first, with the
 * outbox state of the outgoing ones (queued / sent / failed, attempts, last
 * error), for the ticket page to show beside the events (by event_id).
 * NOT_FOUND for an unknown ticket.  *out is freed with ticket_mail_list_free.
 */
int store_ticket_mail_list(struct store *st, int64_t ticket_id, struct ticket_mail_list *out);

/* Which fields a ticket_patch changes. */
enum {
	PATCH_SUBJECT = 1 << 0,
	PATCH_STATUS = 1 << 1,
	PATCH_PRIORITY = 1 << 2,
	PATCH_CHANNEL = 1 << 3,
	PATCH_BILLING = 1 << 4,
	PATCH_CLIENT = 1 << 5,
	PATCH_CONTACT = 1 << 6,
	PATCH_ASSIGNEE = 1 << 7,
	PATCH_CATEGORY = 1 << 8,
};

struct ticket_patch {
	unsigned set;          /* PATCH_* bits */
	char subject[SUBJECT_MAX_LEN + 1];
	enum ticket_status status;
	enum ticket_priority priority;
	enum ticket_channel channel;
	enum billing_kind billing;
	int64_t client_id, contact_id, assignee_id; /* 0 clears */
	const char *reason;    /* optional, recorded as the body of a status change */
	char category[CATEGORY_MAX_LEN + 1]; /* "" clears */
};

/*
 * Apply p to ticket id in one transaction, by actor_user_id at now.  Each
 * field that really changes records one event (status -> EVENT_STATUS_CHANGE,
 * assignee -> EVENT_ASSIGNMENT with names, others EVENT_FIELD_CHANGE, the
 * category's field "category").  A category must be valid UTF-8 without
 * control characters (INVALID).  A
 * status change not allowed by ticket_status_allowed() is CONFLICT.  Closing
 * stops every stopwatch running on the ticket (each becomes a time entry with
 * its event) and sets closed_at; reopening clears it.  On success *out (may
 * be NULL) is the ticket as it now is.
 */
int store_ticket_update(struct store *st, int64_t id, const struct ticket_patch *p,
			int64_t actor_user_id, int64_t now, struct ticket *out);

/* The ticket's history, oldest first. NOT_FOUND for an unknown ticket. */
int store_ticket_events(struct store *st, int64_t ticket_id, struct event_list *out);

/*
 * Append e (kind, author, body; field values optional) to its ticket and
 * touch the ticket's updated_at.  Sets e->id and e->created_at = now.
 */
int store_event_add(struct store *st, struct event *e, int64_t now);

/* ---- time: stopwatch and entries ---- */

/*
 * Start user's stopwatch on ticket at now, following timer_plan_start():
 * a stopwatch on another ticket is stopped first (that entry is written to
 * *stopped when not NULL; stopped->id is 0 when nothing was stopped); one
 * already on this ticket is left running and reported.  A closed ticket is
 * CONFLICT; an unknown ticket NOT_FOUND.  *out is the running stopwatch.
 */
int store_timer_start(struct store *st, int64_t user_id, int64_t ticket_id, int64_t now,
		      struct timer_running *out, struct time_entry *stopped);
/*
 * Stop user's stopwatch (only if it runs on ticket_id, when ticket_id != 0)
 * and record its time entry and event.  NOT_FOUND (errmsg "no stopwatch
 * running") when the user has none there.
 */
int store_timer_stop(struct store *st, int64_t user_id, int64_t ticket_id, int64_t now,
		     struct time_entry *out);
/* The user's running stopwatch; NOT_FOUND when none runs. */
int store_timer_get(struct store *st, int64_t user_id, struct timer_running *out);

/* Add an entry by hand (checked with time_entry_check); records its event. */
int store_time_add(struct store *st, struct time_entry *e, int64_t actor_user_id, int64_t now);
int store_time_get(struct store *st, int64_t id, struct time_entry *out);
/*
 * Correct entry e->id to e's started_at, ended_at, note, billable (checked
 * with time_entry_check).  reason is required (INVALID when empty) and is
 * recorded with the old and new values in an EVENT_TIME_CORRECTION.
 */
int store_time_update(struct store *st, struct time_entry *e, const char *reason,
		      int64_t actor_user_id, int64_t now);
int store_time_list(struct store *st, int64_t ticket_id, struct time_entry_list *out);

/* ---- attachments ---- */

/*
 * Store a file of a->size bytes at data for a->ticket_id (and a->event_id
 * when non-zero).  The store computes nothing: the caller fills filename,
 * media_type, size and sha256.  Sets a->id and a->created_at.
 */
int store_attachment_add(struct store *st, struct attachment *a, const void *data, int64_t now);
/* *data (may be NULL) receives a malloc'd copy of the bytes the caller frees. */
int store_attachment_get(struct store *st, int64_t id, struct attachment *out, void **data);
int store_attachment_list(struct store *st, int64_t ticket_id, struct attachment_list *out);

#endif
