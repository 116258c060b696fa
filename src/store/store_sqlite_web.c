/*
 * store_sqlite_web: the SQLite backend of what the staff web application
 * needs beyond the foundation (store.h, issue 4): the ticket queue with its
 * full-text search (FTS5, 0003_web.sql) and status counts, merging a ticket
 * into another, and the ticket page's time shares and mail.
 *
 * The queue's statements are put together from the fixed pieces of SQL in
 * queue_terms[] and queue_orders[], one shape per set of filters and order,
 * so that SQLite sees plain terms it can use indexes for (a term like
 * "?4 = 0 OR client_id = ?4" would make it read every ticket).  No user
 * text ever enters the SQL: the pieces are constants and every value,
 * search words included, is a bound parameter.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "core/model.h"
#include "core/utf8.h"
#include "store/sqlite_internal.h"
#include "store/store.h"
#include "util/buf.h"
#include "util/xalloc.h"

/* ---- the statements ---- */

enum web_stmt {
	W_TICKET_MERGE = SQ_WEB_FIRST,
	W_TIME_SHARES,
	W_MAIL_LIST,
	W_STATUS_COUNTS,
	W_ASSIGNEE_COUNTS,
	W_DATA_VERSION,
	W__END
};

#define W(id) [(id) - SQ_WEB_FIRST]

const char *const sq_web_sql[W__END - SQ_WEB_FIRST] = {
	/* ?1 from, ?2 into, ?3 now: closed now unless it was closed already. */
	W(W_TICKET_MERGE) = "UPDATE tickets SET merged_into = ?2, status = 'closed', "
			    "closed_at = coalesce(closed_at, ?3), "
			    "updated_at = max(updated_at, ?3) WHERE id = ?1",
	W(W_TIME_SHARES) = "SELECT x.user_id, u.name, sum(x.seconds), count(*) "
			   "FROM time_entries x JOIN users u ON u.id = x.user_id "
			   "WHERE x.ticket_id = ?1 GROUP BY x.user_id "
			   "ORDER BY sum(x.seconds) DESC, u.name COLLATE NOCASE, x.user_id",
	W(W_MAIL_LIST) = "SELECT m.id, coalesce(m.event_id, 0), m.direction = 'out', m.from_addr, "
			 "m.from_name, m.to_addrs, m.cc_addrs, m.subject, "
			 "coalesce(m.quote_at, -1), m.text_from_html, m.delivery, "
			 "coalesce(o.kind, ''), coalesce(o.status, ''), coalesce(o.attempts, 0), "
			 "coalesce(o.last_error, ''), coalesce(m.sent_at, o.sent_at, 0), "
			 "m.created_at "
			 "FROM mail_messages m LEFT JOIN outbox o ON o.id = m.outbox_id "
			 "WHERE m.ticket_id = ?1 ORDER BY m.id",
	/* Kept by triggers (0003_web.sql): the counts of all tickets without counting. */
	W(W_STATUS_COUNTS) = "SELECT status, n FROM ticket_status_counts",
	/* Kept by triggers (0004): ?1 the assignee, 0 for nobody. */
	W(W_ASSIGNEE_COUNTS) = "SELECT status, n FROM ticket_assignee_counts WHERE assignee_id = ?1",
	/* Starts the read transaction whose data version result_version reads. */
	W(W_DATA_VERSION) = "PRAGMA data_version",
};

const size_t sq_web_count = W__END - SQ_WEB_FIRST;

/* ---- the queue's pieces ---- */

/* What a queue statement returns. */
enum queue_kind {
	QUEUE_ROWS = 1, /* a page of tickets */
	QUEUE_COUNT,    /* how many match */
	QUEUE_COUNTS,   /* how many match, per status */
};

/* The filters a shape has, one bit each, in the order of queue_terms[]. */
enum {
	QF_STATUS = 1 << 0,
	QF_ACTIVE = 1 << 1,
	QF_ASSIGNEE = 1 << 2,
	QF_UNASSIGNED = 1 << 3,
	QF_CLIENT = 1 << 4,
	QF_CONTACT = 1 << 5,
	QF_CHANNEL = 1 << 6,
	QF_BILLING = 1 << 7,
	QF_CATEGORY = 1 << 8,
	QF_QUERY = 1 << 9,
};
#define QF_COUNT 10

/*
 * Parameters: ?1 status, ?3 assignee, ?4 client, ?5 contact, ?6 channel,
 * ?7 billing, ?8 LIMIT, ?9 OFFSET, ?10 category, ?11 the search as an FTS5
 * query (?2 is no longer used: "active" is a constant term).  The active
 * term is spelt exactly as the partial index tickets_active is, so SQLite
 * uses it.  A search finds the documents (0003_web.sql) that hold every
 * word; rowid >> 32 is a document's ticket.
 */
static const char *const queue_terms[QF_COUNT] = {
	" AND t.status = ?1",
	" AND t.status IN ('new', 'open', 'waiting')",
	" AND t.assignee_id = ?3",
	" AND t.assignee_id IS NULL",
	" AND t.client_id = ?4",
	" AND t.contact_id = ?5",
	" AND t.channel = ?6",
	" AND t.billing = ?7",
	" AND t.category = ?10",
	" AND t.id IN (SELECT rowid >> 32 FROM search_fts WHERE search_fts MATCH ?11)",
};

/* As in the index tickets_priority, so that SQLite reads that in order. */
#define PRIORITY_RANK                                                                     \
	"(CASE t.priority WHEN 'urgent' THEN 3 WHEN 'high' THEN 2 WHEN 'normal' THEN 1 "  \
	"ELSE 0 END)"

static const char *const queue_orders[SORT_COUNT] = {
	[SORT_UPDATED_DESC] = "t.updated_at DESC, t.id DESC",
	[SORT_CREATED_DESC] = "t.created_at DESC, t.id DESC",
	[SORT_CREATED_ASC] = "t.created_at, t.id",
	[SORT_PRIORITY_DESC] = PRIORITY_RANK " DESC, t.updated_at DESC, t.id DESC",
	[SORT_UPDATED_ASC] = "t.updated_at, t.id",
	[SORT_PRIORITY_ASC] = PRIORITY_RANK ", t.updated_at, t.id",
	[SORT_NUMBER_ASC] = "t.number",
	[SORT_NUMBER_DESC] = "t.number DESC",
};

/*
 * Which index a shape reads, when SQLite (which has no statistics to go
 * by) would pick a worse one; see queue_hint().
 */
enum queue_hint {
	HINT_NONE,
	HINT_ACTIVE,   /* the active tickets, every column the queue needs */
	HINT_UPDATED,  /* the order itself, for filters that keep most tickets */
	HINT_CREATED,
	HINT_PRIORITY,
	HINT_NUMBER,
};
static const char *const queue_hints[] = {
	[HINT_NONE] = "",
	[HINT_ACTIVE] = " INDEXED BY tickets_active",
	[HINT_UPDATED] = " INDEXED BY tickets_updated",
	[HINT_CREATED] = " INDEXED BY tickets_created",
	[HINT_PRIORITY] = " INDEXED BY tickets_priority",
	[HINT_NUMBER] = " INDEXED BY sqlite_autoindex_tickets_1", /* number's UNIQUE */
};

/*
 * A page: the ids are picked and ordered first, reading only what the
 * filters and the order need, and only the page's rows are then filled
 * with names and time (the sum of a ticket's time is a query of its own).
 * Each head is followed by a hint and " WHERE 1" and the terms.
 */
static const char queue_rows_head[] = "SELECT t.id FROM tickets t";
static const char queue_count_head[] = "SELECT count(*) FROM tickets t";
static const char queue_counts_head[] = "SELECT t.status, count(*) FROM tickets t";
static const char queue_where[] = " WHERE 1";
static const char queue_counts_tail[] = " GROUP BY t.status";

/* ---- search words ---- */

/*
 * The search as an FTS5 query: each word of the user's text quoted as a
 * string (a '"' in it doubled), so that nothing in it is FTS syntax, with
 * " *" after it when the word ended in '*', the phrases separated by a
 * space (FTS5: all of them).  '"ra""cun" "struj" *' for 'ra"cun struj*'.
 */
struct fts_words {
	int n;
	/* each word's bytes at most doubled, plus quotes, " *" and a space */
	char text[2 * TICKET_QUERY_MAX_LEN + 5 * TICKET_QUERY_MAX_WORDS + 1];
};

/*
 * Whether code point cp can be part of a word the index holds: letters and
 * digits.  unicode61 treats punctuation and symbols as separators, so a
 * word of only those would be an empty phrase that matches nothing; the
 * ranges here are the punctuation and symbol blocks people type.
 */
static int fts_token_char(unsigned cp)
{
	if (cp < 0x80)
		return (cp >= '0' && cp <= '9') || (cp >= 'a' && cp <= 'z') ||
		       (cp >= 'A' && cp <= 'Z');
	if (cp <= 0xbf || cp == 0xd7 || cp == 0xf7)
		return 0;
	if ((cp >= 0x2000 && cp <= 0x2bff) || (cp >= 0x3000 && cp <= 0x303f) ||
	    (cp >= 0xfe30 && cp <= 0xfe4f) || (cp >= 0xff00 && cp <= 0xff0f) ||
	    (cp >= 0x1f000 && cp <= 0x1faff) || cp == UTF8_REPLACEMENT)
		return 0;
	return 1;
}

/* Whether the n bytes at s hold a character fts_token_char accepts. */
static int fts_has_token(const char *s, size_t n)
{
	size_t i = 0, len;
	unsigned cp;

	while (i < n) {
		len = utf8_decode(s + i, n - i, &cp);
		if (len == 0) {
			i++;
			continue;
		}
		if (fts_token_char(cp))
			return 1;
		i += len;
	}
	return 0;
}

/*
 * Split q into words at blanks (and control characters) into *w.  A word
 * with no letter or digit is left out; đ and Đ become d and D, as in the
 * index (0003_web.sql).  -1 when q is longer than TICKET_QUERY_MAX_LEN
 * bytes, -2 when it has more than TICKET_QUERY_MAX_WORDS words.
 */
static int fts_words_parse(const char *q, struct fts_words *w)
{
	const char *p = q, *start;
	char *out = w->text;
	size_t n, i;
	int prefix;

	w->n = 0;
	w->text[0] = '\0';
	if (!q)
		return 0;
	if (strnlen(q, TICKET_QUERY_MAX_LEN + 1) > TICKET_QUERY_MAX_LEN)
		return -1;
	for (;;) {
		while (*p && (unsigned char)*p <= ' ')
			p++;
		if (!*p)
			break;
		start = p;
		while ((unsigned char)*p > ' ')
			p++;
		n = (size_t)(p - start);
		prefix = 0;
		while (n > 0 && start[n - 1] == '*') {
			prefix = 1;
			n--;
		}
		if (!fts_has_token(start, n))
			continue;
		if (w->n == TICKET_QUERY_MAX_WORDS)
			return -2;
		if (w->n++)
			*out++ = ' ';
		*out++ = '"';
		for (i = 0; i < n; i++) {
			unsigned char c = (unsigned char)start[i];

			if (c == 0xc4 && i + 1 < n &&
			    ((unsigned char)start[i + 1] == 0x91 || (unsigned char)start[i + 1] == 0x90)) {
				*out++ = (unsigned char)start[i + 1] == 0x91 ? 'd' : 'D';
				i++;
				continue;
			}
			if (c == '"')
				*out++ = '"';
			*out++ = (char)c;
		}
		*out++ = '"';
		if (prefix) {
			*out++ = ' ';
			*out++ = '*';
		}
	}
	*out = '\0';
	return 0;
}

/* ---- the queue ---- */

/* A queue statement's shape and the values it binds. */
struct queue_plan {
	enum queue_kind kind;
	enum ticket_sort sort;
	unsigned mask;           /* QF_* */
	enum queue_hint hint;
	const struct ticket_filter *f;
	struct fts_words words;
};

/*
 * The index shape p reads.  A client's, a contact's or a search's tickets
 * are few: SQLite finds them by their own index or list.  The active
 * tickets are a bounded set with an index of their own that holds every
 * column needed.  A person's or a category's tickets of all time have an
 * index with the columns needed too.  What remains keeps most tickets (all,
 * resolved, closed, a channel, a billing kind): a page is read in order
 * from the order's own index, stopping after the page, where SQLite would
 * otherwise sort them all.
 */
static enum queue_hint queue_hint(const struct queue_plan *p)
{
	if (p->mask & (QF_QUERY | QF_CLIENT | QF_CONTACT))
		return HINT_NONE;
	if (p->mask & QF_ACTIVE)
		return HINT_ACTIVE;
	if (p->kind != QUEUE_ROWS || (p->mask & (QF_ASSIGNEE | QF_UNASSIGNED | QF_CATEGORY)))
		return HINT_NONE;
	switch (p->sort) {
	case SORT_UPDATED_DESC:
	case SORT_UPDATED_ASC:
		return HINT_UPDATED;
	case SORT_CREATED_DESC:
	case SORT_CREATED_ASC:
		return HINT_CREATED;
	case SORT_PRIORITY_DESC:
	case SORT_PRIORITY_ASC:
		return HINT_PRIORITY;
	case SORT_NUMBER_ASC:
	case SORT_NUMBER_DESC:
		return HINT_NUMBER;
	}
	return HINT_NONE;
}

/* Check f and work out the shape of its statement of kind. */
static int queue_plan_make(struct store *st, const struct ticket_filter *f, enum queue_kind kind,
			   struct queue_plan *p)
{
	if (f->status != -1 && (f->status < 0 || f->status >= STATUS_COUNT))
		return store_fail(st, STORE_INVALID, "status: unknown value");
	if (f->channel != -1 && (f->channel < 0 || f->channel >= CHANNEL_COUNT))
		return store_fail(st, STORE_INVALID, "channel: unknown value");
	if (f->billing != -1 && (f->billing < 0 || f->billing >= BILLING_COUNT))
		return store_fail(st, STORE_INVALID, "billing: unknown value");
	if ((int)f->sort < 0 || (int)f->sort >= SORT_COUNT)
		return store_fail(st, STORE_INVALID, "sort: unknown order");
	if (f->category && strlen(f->category) > CATEGORY_MAX_LEN)
		return store_fail(st, STORE_INVALID, "category: at most %d bytes",
				  CATEGORY_MAX_LEN);
	memset(p, 0, sizeof(*p));
	p->kind = kind;
	p->sort = kind == QUEUE_ROWS ? f->sort : SORT_UPDATED_DESC;
	p->f = f;
	switch (fts_words_parse(f->query, &p->words)) {
	case -1:
		return store_fail(st, STORE_INVALID, "q: at most %d bytes; shorten the search",
				  TICKET_QUERY_MAX_LEN);
	case -2:
		return store_fail(st, STORE_INVALID, "q: at most %d words; shorten the search",
				  TICKET_QUERY_MAX_WORDS);
	}
	if (kind != QUEUE_COUNTS && f->status >= 0)
		p->mask |= QF_STATUS;
	/* An active status implies the active term, which adds the index of the active. */
	if (kind != QUEUE_COUNTS &&
	    (f->open_only || f->status == STATUS_NEW || f->status == STATUS_OPEN ||
	     f->status == STATUS_WAITING))
		p->mask |= QF_ACTIVE;
	if (f->assignee_id > 0)
		p->mask |= QF_ASSIGNEE;
	else if (f->assignee_id < 0)
		p->mask |= QF_UNASSIGNED;
	if (f->client_id)
		p->mask |= QF_CLIENT;
	if (f->contact_id)
		p->mask |= QF_CONTACT;
	if (f->channel >= 0)
		p->mask |= QF_CHANNEL;
	if (f->billing >= 0)
		p->mask |= QF_BILLING;
	if (f->category)
		p->mask |= QF_CATEGORY;
	if (p->words.n)
		p->mask |= QF_QUERY;
	p->hint = queue_hint(p);
	return STORE_OK;
}

/* The cache key of a shape: never 0 (kind is at least 1). */
static uint64_t queue_key(const struct queue_plan *p)
{
	return (uint64_t)p->kind | (uint64_t)p->sort << 2 | (uint64_t)p->hint << 6 |
	       (uint64_t)p->mask << 9;
}

/* The SQL of shape p, from the pieces above only, into b. */
static int queue_sql(const struct queue_plan *p, struct buf *b)
{
	const char *order = queue_orders[p->sort];
	int i, bad = 0;

	switch (p->kind) {
	case QUEUE_ROWS:
		bad |= buf_puts(b, SQ_TICKET_COLS "FROM (") < 0;
		bad |= buf_puts(b, queue_rows_head) < 0;
		break;
	case QUEUE_COUNT:
		bad |= buf_puts(b, queue_count_head) < 0;
		break;
	case QUEUE_COUNTS:
		bad |= buf_puts(b, queue_counts_head) < 0;
		break;
	}
	bad |= buf_puts(b, queue_hints[p->hint]) < 0;
	bad |= buf_puts(b, queue_where) < 0;
	for (i = 0; i < QF_COUNT; i++)
		if (p->mask & (1u << i))
			bad |= buf_puts(b, queue_terms[i]) < 0;
	switch (p->kind) {
	case QUEUE_ROWS:
		bad |= buf_printf(b, " ORDER BY %s LIMIT ?8 OFFSET ?9) p "
				  "JOIN tickets t ON t.id = p.id " SQ_TICKET_JOINS "ORDER BY %s",
				  order, order) < 0;
		break;
	case QUEUE_COUNT:
		break;
	case QUEUE_COUNTS:
		bad |= buf_puts(b, queue_counts_tail) < 0;
		break;
	}
	return bad ? -1 : 0;
}

void sq_queue_cache_clear(struct sq *sq)
{
	size_t i;

	for (i = 0; i < SQ_QUEUE_CACHE; i++) {
		sqlite3_finalize(sq->queue[i].stmt);
		sq->queue[i].stmt = NULL;
		sq->queue[i].key = 0;
	}
}

/*
 * *out = the statement of shape p, prepared on first use and kept (the
 * oldest shape makes room), reset for a new use like sq_prepare's.
 */
static int queue_prepare(struct store *st, const struct queue_plan *p, sqlite3_stmt **out)
{
	struct sq *sq = sq_of(st);
	struct buf b = BUF_INIT(16384);
	struct sq_queue_stmt *slot;
	uint64_t key = queue_key(p);
	size_t i;
	int rc;

	sq->bind_rc = SQLITE_OK;
	sq->bad_row = 0;
	for (i = 0; i < SQ_QUEUE_CACHE; i++) {
		if (sq->queue[i].key == key) {
			sq_done(sq->queue[i].stmt);
			*out = sq->queue[i].stmt;
			return STORE_OK;
		}
	}
	if (queue_sql(p, &b) < 0) {
		buf_free(&b);
		return store_fail(st, STORE_ERROR, "the queue's query is too long");
	}
	slot = &sq->queue[sq->queue_next];
	sq->queue_next = (sq->queue_next + 1) % SQ_QUEUE_CACHE;
	sqlite3_finalize(slot->stmt);
	slot->stmt = NULL;
	slot->key = 0;
	rc = sqlite3_prepare_v3(sq->db, b.s, -1, SQLITE_PREPARE_PERSISTENT, &slot->stmt, NULL);
	buf_free(&b);
	if (rc != SQLITE_OK) {
		slot->stmt = NULL;
		return sq_error(st, rc);
	}
	slot->key = key;
	*out = slot->stmt;
	return STORE_OK;
}

/* Bind the values of p's filters (exactly the parameters its shape has). */
static void queue_bind(struct store *st, sqlite3_stmt *s, const struct queue_plan *p)
{
	const struct ticket_filter *f = p->f;
	if (p->mask & QF_STATUS)
		sq_bind_text(st, s, 1, status_name((enum ticket_status)f->status));
	if (p->mask & QF_ASSIGNEE)
		sq_bind_int(st, s, 3, f->assignee_id);
	if (p->mask & QF_CLIENT)
		sq_bind_int(st, s, 4, f->client_id);
	if (p->mask & QF_CONTACT)
		sq_bind_int(st, s, 5, f->contact_id);
	if (p->mask & QF_CHANNEL)
		sq_bind_text(st, s, 6, channel_name((enum ticket_channel)f->channel));
	if (p->mask & QF_BILLING)
		sq_bind_text(st, s, 7, billing_name((enum billing_kind)f->billing));
	if (p->mask & QF_CATEGORY)
		sq_bind_text(st, s, 10, f->category);
	if (p->mask & QF_QUERY)
		sq_bind_text(st, s, 11, p->words.text);
}

/* ---- results kept while the database does not change ---- */

/*
 * A kept answer (store_set_result_cache): the read it answers, as the key
 * result_key writes, and what that read returned.  The database's data
 * version (SQLITE_FCNTL_DATA_VERSION) changes with every commit to the
 * file, this connection's own included, so an answer is good exactly while
 * the version it was read at is the current one.
 */
struct sq_result {
	char *key;     /* NULL: the slot is empty */
	size_t key_len;
	unsigned version;
	uint64_t used; /* sq->result_tick at its last use */
	void *items;   /* records (a page of tickets, a list) of size bytes each */
	size_t n, size;
	void (*drop)(void *item); /* frees what an item points to; NULL: it points nowhere */
	int64_t total; /* how many match, of a page; -1 = not read */
	int64_t counts[STATUS_COUNT]; /* QUEUE_COUNTS */
};

static void result_empty(struct sq_result *r)
{
	size_t i;

	if (r->drop)
		for (i = 0; i < r->n; i++)
			r->drop((char *)r->items + i * r->size);
	free(r->key);
	free(r->items);
	memset(r, 0, sizeof(*r));
}

/*
 * *to = a copy of n records of size bytes at from, each made its own by
 * dup (NULL: they point nowhere), which drop undoes.  -1 when memory is
 * short, nothing held then.
 */
static int items_copy(void **to, const void *from, size_t n, size_t size,
		      int (*dup)(void *item), void (*drop)(void *item))
{
	size_t i, j;

	*to = NULL;
	if (!n)
		return 0;
	if (!(*to = malloc(n * size)))
		return -1;
	memcpy(*to, from, n * size);
	if (!dup)
		return 0;
	for (i = 0; i < n; i++) {
		if (dup((char *)*to + i * size) < 0) {
			for (j = 0; j < i; j++)
				drop((char *)*to + j * size);
			free(*to);
			*to = NULL;
			return -1;
		}
	}
	return 0;
}

int sq_set_result_cache(struct store *st, int n)
{
	struct sq *sq = sq_of(st);
	unsigned i;

	if (n < 0 || n > STORE_RESULT_CACHE_MAX)
		return store_fail(st, STORE_INVALID, "result_cache: must be 0 to %d",
				  STORE_RESULT_CACHE_MAX);
	for (i = 0; i < sq->result_n; i++)
		result_empty(&sq->result[i]);
	free(sq->result);
	sq->result = n ? xcalloc((size_t)n, sizeof(*sq->result)) : NULL;
	sq->result_n = (unsigned)n;
	return STORE_OK;
}

/*
 * The key of shape p's read: its kind, order and filters, and the value of
 * each filter it has (exactly what queue_bind binds), its page for rows.
 * Text is written with its length first, so no two reads share a key.
 */
static int result_key(const struct queue_plan *p, struct buf *b)
{
	const struct ticket_filter *f = p->f;
	int bad = 0;

	bad |= buf_printf(b, "%d/%d/%u/%d", (int)p->kind, (int)p->sort, p->mask,
			  (int)p->hint) < 0;
	if (p->mask & QF_STATUS)
		bad |= buf_printf(b, "/s%d", f->status) < 0;
	if (p->mask & QF_ASSIGNEE)
		bad |= buf_printf(b, "/a%" PRId64, f->assignee_id) < 0;
	if (p->mask & QF_CLIENT)
		bad |= buf_printf(b, "/c%" PRId64, f->client_id) < 0;
	if (p->mask & QF_CONTACT)
		bad |= buf_printf(b, "/k%" PRId64, f->contact_id) < 0;
	if (p->mask & QF_CHANNEL)
		bad |= buf_printf(b, "/h%d", f->channel) < 0;
	if (p->mask & QF_BILLING)
		bad |= buf_printf(b, "/b%d", f->billing) < 0;
	if (p->mask & QF_CATEGORY)
		bad |= buf_printf(b, "/g%zu:%s", strlen(f->category), f->category) < 0;
	if (p->mask & QF_QUERY)
		bad |= buf_printf(b, "/q%zu:%s", strlen(p->words.text), p->words.text) < 0;
	if (p->kind == QUEUE_ROWS)
		bad |= buf_printf(b, "/p%d,%d", f->limit, f->offset) < 0;
	return bad ? -1 : 0;
}

/*
 * *version = the data version of the read transaction open on st, which
 * this starts if no statement has yet.  0 and *usable = 0 when kept answers
 * cannot be used now: none are kept, or the transaction writes (its own
 * changes are not committed, so the version does not show them yet).  In a
 * page's snapshot (store_read_begin) the version cannot change, so it is
 * read once for all of the page's reads.
 */
static int result_version(struct store *st, unsigned *version, int *usable)
{
	struct sq *sq = sq_of(st);
	int in_snapshot = sq->batch && sq->batch_read;
	sqlite3_stmt *s = NULL;
	int rc;

	*version = 0;
	*usable = 0;
	if (!sq->result_n)
		return STORE_OK;
	if (in_snapshot && sq->snap_version_ok) {
		if (sqlite3_txn_state(sq->db, "main") == SQLITE_TXN_READ) {
			*version = sq->snap_version;
			*usable = 1;
		}
		return STORE_OK;
	}
	if ((rc = sq_prepare(st, W_DATA_VERSION, &s)) != STORE_OK)
		return rc;
	rc = sq_step(st, s);
	sq_done(s);
	if (rc < 0)
		return rc;
	if (sqlite3_txn_state(sq->db, "main") != SQLITE_TXN_READ)
		return STORE_OK;
	if (sqlite3_file_control(sq->db, "main", SQLITE_FCNTL_DATA_VERSION, version) != SQLITE_OK)
		return STORE_OK;
	*usable = 1;
	if (in_snapshot) {
		sq->snap_version = *version;
		sq->snap_version_ok = 1;
	}
	return STORE_OK;
}

uint64_t sq_result_cache_hits(struct store *st)
{
	return sq_of(st)->result_hits;
}

/* The answer kept under key that is still good at version, or NULL. */
static struct sq_result *result_find(struct sq *sq, const struct buf *key, unsigned version)
{
	unsigned i;

	for (i = 0; i < sq->result_n; i++) {
		struct sq_result *r = &sq->result[i];

		if (!r->key || r->key_len != key->len || memcmp(r->key, key->s, key->len) != 0)
			continue;
		if (r->version != version) {
			result_empty(r);
			return NULL;
		}
		r->used = ++sq->result_tick;
		return r;
	}
	return NULL;
}

/*
 * A slot for a new answer under key at version: an empty one, else the one
 * used longest ago.  NULL when none are kept or memory is short (the
 * answer is then simply not kept).
 */
static struct sq_result *result_slot(struct sq *sq, const struct buf *key, unsigned version)
{
	struct sq_result *r = NULL;
	unsigned i;

	for (i = 0; i < sq->result_n; i++) {
		struct sq_result *c = &sq->result[i];

		if (!c->key || c->version != version) {
			r = c;
			break;
		}
		if (!r || c->used < r->used)
			r = c;
	}
	if (!r)
		return NULL;
	result_empty(r);
	if (!(r->key = malloc(key->len ? key->len : 1)))
		return NULL;
	memcpy(r->key, key->s, key->len);
	r->key_len = key->len;
	r->version = version;
	r->used = ++sq->result_tick;
	r->total = -1;
	return r;
}

/*
 * Keep n records of size bytes (and their total, -1 = not read) under key:
 * a copy, made its own by dup, which drop frees; held bytes in all.  Not
 * kept beyond STORE_RESULT_ROWS_MAX records or STORE_RESULT_BYTES_MAX bytes.
 */
static void result_keep_items(struct sq *sq, const struct buf *key, unsigned version,
			      const void *items, size_t n, size_t size, int (*dup)(void *item),
			      void (*drop)(void *item), size_t held, int64_t total)
{
	struct sq_result *r;

	if (n > STORE_RESULT_ROWS_MAX || held > STORE_RESULT_BYTES_MAX ||
	    !(r = result_slot(sq, key, version)))
		return;
	if (items_copy(&r->items, items, n, size, dup, drop) < 0) {
		result_empty(r);
		return;
	}
	r->n = n;
	r->size = size;
	r->drop = dup ? drop : NULL;
	r->total = total;
}

/* ---- kept lists (sq_list_read) ---- */

int sq_kept_begin(struct store *st, unsigned *version, int *usable)
{
	return result_version(st, version, usable);
}

int sq_kept_key(sqlite3_stmt *s, struct buf *key)
{
	char *sql = sqlite3_expanded_sql(s);
	int rc;

	if (!sql)
		return -1;
	rc = buf_putc(key, 'L') < 0 || buf_puts(key, sql) < 0 ? -1 : 0;
	sqlite3_free(sql);
	return rc;
}

int sq_kept_get(struct store *st, const struct buf *key, unsigned version, size_t size,
		int (*dup)(void *item), void (*drop)(void *item), struct sq_rows *out,
		int64_t *total)
{
	struct sq *sq = sq_of(st);
	struct sq_result *r = result_find(sq, key, version);

	if (!r || r->size != size || (total && r->total < 0))
		return 0;
	if (items_copy(&out->items, r->items, r->n, size, dup, drop) < 0)
		return 0;
	out->n = out->cap = r->n;
	if (total)
		*total = r->total;
	sq->result_hits++;
	return 1;
}

void sq_kept_put(struct store *st, const struct buf *key, const struct sq_list_query *q,
		 unsigned version, const struct sq_rows *rows, int64_t total)
{
	size_t i, held = rows->n * q->size;

	for (i = 0; q->held && i < rows->n && held <= STORE_RESULT_BYTES_MAX; i++)
		held += q->held((const char *)rows->items + i * q->size);
	result_keep_items(sq_of(st), key, version, rows->items, rows->n, q->size, q->dup, q->drop,
			  held, total);
}

/*
 * counts[] = the rows (status, count) of s, whose parameters are bound,
 * every status without a row 0; s is put back for its next use.  counts is
 * left alone on failure.
 */
static int status_counts_collect(struct store *st, sqlite3_stmt *s, int64_t counts[STATUS_COUNT])
{
	int64_t c[STATUS_COUNT] = { 0 };
	enum ticket_status status;
	int rc;

	while ((rc = sq_step(st, s)) == 1) {
		const unsigned char *name = sqlite3_column_text(s, 0);

		if (!name || status_parse((const char *)name, &status) < 0) {
			rc = store_fail(st, STORE_ERROR,
					"the database holds a ticket status this evid does not "
					"understand");
			break;
		}
		c[status] = sqlite3_column_int64(s, 1);
	}
	sq_done(s);
	if (rc == STORE_OK)
		memcpy(counts, c, sizeof(c));
	return rc;
}

/*
 * The count of each status of the tickets of shape p -- all of them, or one
 * assignee's, or nobody's -- from the tables the triggers keep.
 */
static int status_counts_kept(struct store *st, const struct queue_plan *p,
			      int64_t counts[STATUS_COUNT])
{
	sqlite3_stmt *s = NULL;
	int rc;

	if (p->mask & (QF_ASSIGNEE | QF_UNASSIGNED)) {
		if ((rc = sq_prepare(st, W_ASSIGNEE_COUNTS, &s)) != STORE_OK)
			return rc;
		sq_bind_int(st, s, 1, (p->mask & QF_ASSIGNEE) ? p->f->assignee_id : 0);
	} else if ((rc = sq_prepare(st, W_STATUS_COUNTS, &s)) != STORE_OK) {
		return rc;
	}
	return status_counts_collect(st, s, counts);
}

/*
 * Whether p filters by nothing but status and assignee (or nobody): its
 * count is in the kept counts.
 */
static int queue_counts_kept(const struct queue_plan *p)
{
	return (p->mask & ~(unsigned)(QF_STATUS | QF_ACTIVE | QF_ASSIGNEE | QF_UNASSIGNED)) == 0;
}

/* The count of shape p (status and assignee alone) from its kept counts. */
static int64_t queue_count_kept(const struct queue_plan *p, const int64_t counts[STATUS_COUNT])
{
	int64_t n = 0;
	int i;

	for (i = 0; i < STATUS_COUNT; i++) {
		if ((p->mask & QF_STATUS) && i != p->f->status)
			continue;
		if ((p->mask & QF_ACTIVE) && (i == STATUS_RESOLVED || i == STATUS_CLOSED))
			continue;
		n += counts[i];
	}
	return n;
}

/* The counts per status of shape p (QUEUE_COUNTS) that the kept counts do not answer. */
static int queue_counts_read(struct store *st, const struct queue_plan *p,
			     int64_t counts[STATUS_COUNT])
{
	sqlite3_stmt *s = NULL;
	int rc;

	if ((rc = queue_prepare(st, p, &s)) != STORE_OK)
		return rc;
	queue_bind(st, s, p);
	return status_counts_collect(st, s, counts);
}

/*
 * The counts per status of shape p (QUEUE_COUNTS): from the kept counts
 * when they answer it, else from the answer kept for it at version when
 * usable, else read (and kept when usable).
 */
static int queue_counts(struct store *st, const struct queue_plan *p, int usable,
			unsigned version, int64_t counts[STATUS_COUNT])
{
	struct sq *sq = sq_of(st);
	struct buf key = BUF_INIT(8192);
	struct sq_result *r;
	int rc;

	if (queue_counts_kept(p))
		return status_counts_kept(st, p, counts);
	if (usable && result_key(p, &key) < 0)
		usable = 0;
	if (usable && (r = result_find(sq, &key, version))) {
		sq->result_hits++;
		memcpy(counts, r->counts, sizeof(r->counts));
		buf_free(&key);
		return STORE_OK;
	}
	rc = queue_counts_read(st, p, counts);
	if (rc == STORE_OK && usable && (r = result_slot(sq, &key, version)))
		memcpy(r->counts, counts, sizeof(r->counts));
	buf_free(&key);
	return rc;
}

int sq_ticket_list(struct store *st, const struct ticket_filter *f, struct ticket_list *out,
		   int64_t *total)
{
	struct sq *sq = sq_of(st);
	struct sq_rows r = { NULL, 0, 0 };
	struct buf key = BUF_INIT(8192);
	struct ticket_filter all;
	struct queue_plan rows, count;
	struct sq_result *kept;
	struct ticket_list l;
	sqlite3_stmt *s = NULL;
	unsigned version;
	int64_t n = 0;
	int rc, usable;

	if (!f) {
		store_ticket_filter_init(&all);
		f = &all;
	}
	if ((rc = queue_plan_make(st, f, QUEUE_ROWS, &rows)) != STORE_OK)
		return rc;
	if ((rc = queue_plan_make(st, f, QUEUE_COUNT, &count)) != STORE_OK)
		return rc;
	/* One snapshot for the page and its count. */
	if ((rc = sq_tx_begin_read(st)) != STORE_OK)
		return rc;
	if ((rc = result_version(st, &version, &usable)) != STORE_OK)
		goto out;
	if (usable && result_key(&rows, &key) < 0)
		usable = 0;
	if (usable && (kept = result_find(sq, &key, version)) && (!total || kept->total >= 0)) {
		sq->result_hits++;
		r.items = kept->n ? xmalloc(kept->n * sizeof(struct ticket)) : NULL;
		if (kept->n)
			memcpy(r.items, kept->items, kept->n * sizeof(struct ticket));
		r.n = kept->n;
		n = kept->total;
		rc = sq_tx_commit(st);
		goto out;
	}
	if ((rc = queue_prepare(st, &rows, &s)) != STORE_OK)
		goto out;
	queue_bind(st, s, &rows);
	if ((rc = sq_bind_page(st, s, 8, f->limit, f->offset)) != STORE_OK)
		goto out;
	if ((rc = sq_rows_collect(st, s, sq_read_ticket, sizeof(struct ticket), &r)) != STORE_OK)
		goto out;
	sq_done(s);
	s = NULL;
	if (total && (queue_counts_kept(&count) ||
		      (usable && (count.mask & (QF_STATUS | QF_ACTIVE))))) {
		/*
		 * From the counts per status: kept by triggers, or read once for
		 * both the total and the status counts a page asks for next.
		 */
		struct queue_plan counts_plan;
		int64_t c[STATUS_COUNT];

		if ((rc = queue_plan_make(st, f, QUEUE_COUNTS, &counts_plan)) != STORE_OK)
			goto out;
		rc = queue_counts(st, &counts_plan, usable, version, c);
		if (rc != STORE_OK)
			goto out;
		n = queue_count_kept(&count, c);
	} else if (total) {
		if ((rc = queue_prepare(st, &count, &s)) != STORE_OK)
			goto out;
		queue_bind(st, s, &count);
		if ((rc = sq_read_count(st, s, &n)) != STORE_OK)
			goto out;
		sq_done(s);
		s = NULL;
	}
	if (usable)
		result_keep_items(sq, &key, version, r.items, r.n, sizeof(struct ticket), NULL,
				  NULL, r.n * sizeof(struct ticket), total ? n : -1);
	rc = sq_tx_commit(st);
out:
	sq_done(s);
	buf_free(&key);
	l = (struct ticket_list){ r.items, r.n };
	if (rc != STORE_OK) {
		sq_tx_rollback(st);
		ticket_list_free(&l);
		return rc;
	}
	*out = l;
	if (total)
		*total = n;
	return rc;
}

int sq_ticket_status_counts(struct store *st, const struct ticket_filter *f,
			    int64_t counts[STATUS_COUNT])
{
	int64_t c[STATUS_COUNT] = { 0 };
	struct ticket_filter all;
	struct queue_plan p;
	unsigned version;
	int rc, usable;

	if (!f) {
		store_ticket_filter_init(&all);
		f = &all;
	}
	if ((rc = queue_plan_make(st, f, QUEUE_COUNTS, &p)) != STORE_OK)
		return rc;
	if ((rc = sq_tx_begin_read(st)) != STORE_OK)
		return rc;
	if ((rc = result_version(st, &version, &usable)) == STORE_OK &&
	    (rc = queue_counts(st, &p, usable, version, c)) == STORE_OK)
		rc = sq_tx_commit(st);
	if (rc != STORE_OK) {
		sq_tx_rollback(st);
		return rc;
	}
	memcpy(counts, c, sizeof(c));
	return STORE_OK;
}

/* ---- merging ---- */

/* The number of ticket id, for a message; "?" when it cannot be read. */
static void ticket_number_of(struct store *st, int64_t id, char *out, size_t n)
{
	struct ticket t;
	char keep[sizeof(st->errmsg)];

	memcpy(keep, st->errmsg, sizeof(keep));
	if (sq_ticket_read(st, id, &t) == STORE_OK)
		(void)xstrlcpy(out, t.number, n);
	else
		(void)xstrlcpy(out, "?", n);
	memcpy(st->errmsg, keep, sizeof(keep));
}

int sq_ticket_merge(struct store *st, int64_t from_id, int64_t into_id, int64_t actor_user_id,
		    int64_t now)
{
	char other[TICKET_NUMBER_LEN + 1];
	struct ticket from, into;
	struct user actor;
	sqlite3_stmt *s = NULL;
	int rc;

	if ((rc = sq_tx_begin(st)) != STORE_OK)
		return rc;
	if ((rc = sq_ticket_read(st, from_id, &from)) != STORE_OK)
		goto out;
	if ((rc = sq_ticket_read(st, into_id, &into)) != STORE_OK)
		goto out;
	if (actor_user_id) {
		rc = sq_user_read(st, actor_user_id, &actor, NULL);
		if ((rc = sq_ref_invalid(st, rc, "actor_user_id", "user")) != STORE_OK)
			goto out;
	}
	if (from_id == into_id) {
		rc = store_fail(st, STORE_INVALID, "into: a ticket cannot be merged into itself");
		goto out;
	}
	if (from.merged_into) {
		ticket_number_of(st, from.merged_into, other, sizeof(other));
		rc = store_fail(st, STORE_CONFLICT, "ticket %s is already merged into %s",
				from.number, other);
		goto out;
	}
	if (into.merged_into) {
		ticket_number_of(st, into.merged_into, other, sizeof(other));
		rc = store_fail(st, STORE_CONFLICT,
				"ticket %s was merged into %s; merge into %s instead", into.number,
				other, other);
		goto out;
	}
	if ((rc = sq_timers_finish_on_ticket(st, from_id, now)) != STORE_OK)
		goto out;
	if ((rc = sq_prepare(st, W_TICKET_MERGE, &s)) != STORE_OK)
		goto out;
	sq_bind_int(st, s, 1, from_id);
	sq_bind_int(st, s, 2, into_id);
	sq_bind_int(st, s, 3, now);
	if ((rc = sq_run_done(st, s)) != STORE_OK)
		goto out;
	s = NULL;
	rc = sq_event_change(st, from_id, EVENT_MERGE, actor_user_id, "merged_into", "",
			     into.number, NULL, 0, now);
	if (rc != STORE_OK)
		goto out;
	if (from.status != STATUS_CLOSED &&
	    (rc = sq_event_change(st, from_id, EVENT_STATUS_CHANGE, actor_user_id, "status",
				  status_name(from.status), status_name(STATUS_CLOSED), NULL, 0,
				  now)) != STORE_OK)
		goto out;
	rc = sq_event_change(st, into_id, EVENT_MERGE, actor_user_id, "merged_from", "",
			     from.number, NULL, 0, now);
	if (rc != STORE_OK)
		goto out;
	if ((rc = sq_ticket_touch(st, into_id, now)) != STORE_OK)
		goto out;
	rc = sq_tx_commit(st);
out:
	sq_done(s);
	if (rc != STORE_OK)
		sq_tx_rollback(st);
	return rc;
}

/* ---- the ticket page ---- */

static int ticket_arg_exists(struct store *st, const void *arg)
{
	return sq_ticket_exists(st, *(const int64_t *)arg);
}

static int read_time_share(struct store *st, sqlite3_stmt *s, void *item)
{
	struct time_share *t = item;

	(void)st;
	memset(t, 0, sizeof(*t));
	t->user_id = sqlite3_column_int64(s, 0);
	sq_col_text(s, 1, t->user_name, sizeof(t->user_name));
	t->seconds = sqlite3_column_int64(s, 2);
	t->entries = sqlite3_column_int64(s, 3);
	return STORE_OK;
}

int sq_ticket_time_shares(struct store *st, int64_t ticket_id, struct time_share_list *out)
{
	static const struct sq_list_query q = {
		.check = ticket_arg_exists, .rows = W_TIME_SHARES, .bind = sq_bind_key_int, .keep = 1,
		.read = read_time_share, .size = sizeof(struct time_share),
	};
	struct sq_rows r;
	int rc = sq_list_read(st, &q, &ticket_id, 0, 0, &r, NULL);
	struct time_share_list l = { r.items, r.n };

	if (rc != STORE_OK)
		time_share_list_free(&l);
	else
		*out = l;
	return rc;
}

static int read_ticket_mail(struct store *st, sqlite3_stmt *s, void *item)
{
	struct ticket_mail *m = item;

	memset(m, 0, sizeof(*m));
	m->id = sqlite3_column_int64(s, 0);
	m->event_id = sqlite3_column_int64(s, 1);
	m->out = sqlite3_column_int(s, 2) != 0;
	sq_col_text(s, 3, m->from_addr, sizeof(m->from_addr));
	sq_col_text(s, 4, m->from_name, sizeof(m->from_name));
	sq_col_text(s, 5, m->to_addrs, sizeof(m->to_addrs));
	sq_col_text(s, 6, m->cc_addrs, sizeof(m->cc_addrs));
	sq_col_text(s, 7, m->subject, sizeof(m->subject));
	m->quote_at = sqlite3_column_int64(s, 8);
	m->text_from_html = sqlite3_column_int(s, 9) != 0;
	sq_col_text(s, 10, m->delivery, sizeof(m->delivery));
	sq_col_text(s, 11, m->outbox_kind, sizeof(m->outbox_kind));
	sq_col_text(s, 12, m->outbox_status, sizeof(m->outbox_status));
	m->attempts = sqlite3_column_int(s, 13);
	sq_col_text(s, 14, m->last_error, sizeof(m->last_error));
	m->sent_at = sqlite3_column_int64(s, 15);
	m->created_at = sqlite3_column_int64(s, 16);
	if (strcmp(m->delivery, "ok") && strcmp(m->delivery, "undelivered"))
		return store_fail(st, STORE_ERROR,
				  "the database holds a delivery state this evid does not understand");
	return STORE_OK;
}

int sq_ticket_mail_list(struct store *st, int64_t ticket_id, struct ticket_mail_list *out)
{
	static const struct sq_list_query q = {
		.check = ticket_arg_exists, .rows = W_MAIL_LIST, .bind = sq_bind_key_int, .keep = 1,
		.read = read_ticket_mail, .size = sizeof(struct ticket_mail),
	};
	struct sq_rows r;
	int rc = sq_list_read(st, &q, &ticket_id, 0, 0, &r, NULL);
	struct ticket_mail_list l = { r.items, r.n };

	if (rc != STORE_OK)
		ticket_mail_list_free(&l);
	else
		*out = l;
	return rc;
}
