/*
 * Unit tests for the store calls of the staff web application (issue 4,
 * store_sqlite_web.c and 0003_web.sql): the queue's filters, orders, search
 * and status counts, the category, merging (mail included), the time shares
 * and the ticket's mail.  A real database file in a fresh folder under /tmp
 * per test; a raw sqlite3 connection looks at or prepares what the store
 * cannot.  Most cases are tables: an input and what must come out.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "core/mail.h"
#include "core/model.h"
#include "store/store.h"
#include "store/store_backend.h"
#include "store/store_mail.h"
#include "util/crypto.h"
#include "util/xalloc.h"
#include "testdb.h"

/* 2026-03-02T08:00:00Z */
#define NOW 1772438400LL
#define HOUR 3600
#define DAY 86400
#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static const struct mail_policy policy = {
	.tag_prefix = "#",
	.reopen_days = 14,
	.ours = "support@evid.test",
	.msgid_domain = "evid.test",
	.autoreply_per_hour = 5,
	.year = 2026,
};

struct fx {
	char dir[TESTDB_DIR_MAX];
	char path[TESTDB_PATH_MAX];
	struct store *st;
	int64_t ana, bruno;     /* technicians */
	int64_t firma, druga;   /* clients */
	int64_t ivan, marko;    /* contacts of firma (ivan@firma.hr, marko@firma.hr) */
	int64_t petra;          /* contact of druga */
};

/* ---- fixture ---- */

static int64_t add_user(struct fx *fx, const char *email, const char *name)
{
	struct user u;

	memset(&u, 0, sizeof(u));
	strcpy(u.email, email);
	strcpy(u.name, name);
	u.role = ROLE_TECHNICIAN;
	u.active = 1;
	assert_int_equal(store_user_create(fx->st, &u, "", NOW), STORE_OK);
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
	return c.id;
}

static int fx_open(void **state, int migrate)
{
	struct fx *fx = xcalloc(1, sizeof(*fx));

	*state = fx;
	if (testdb_make(fx->dir, fx->path, "store-web") != 0 ||
	    testdb_open(fx->path, &fx->st, migrate) != 0)
		return -1;
	if (!migrate)
		return 0;
	fx->ana = add_user(fx, "ana@evid.test", "Ana Anić");
	fx->bruno = add_user(fx, "bruno@evid.test", "Bruno Babić");
	fx->firma = add_client(fx, "Firma d.o.o.", "firma.hr");
	fx->druga = add_client(fx, "Druga d.o.o.", "druga.hr");
	fx->ivan = add_contact(fx, fx->firma, "Ivan Horvat", "ivan@firma.hr");
	fx->marko = add_contact(fx, fx->firma, "Marko Marić", "marko@firma.hr");
	fx->petra = add_contact(fx, fx->druga, "Petra Perić", "petra@druga.hr");
	return 0;
}

static int fx_setup(void **state)
{
	return fx_open(state, 1);
}

static int fx_setup_empty(void **state)
{
	return fx_open(state, 0);
}

static int fx_teardown(void **state)
{
	struct fx *fx = *state;

	store_close(fx->st);
	testdb_remove(fx->dir, fx->path);
	free(fx);
	return 0;
}

/* ---- raw looks ---- */

static sqlite3 *raw_open(struct fx *fx)
{
	return testdb_raw(fx->path);
}

static int raw_exec(struct fx *fx, const char *sql)
{
	return testdb_raw_exec(fx->path, sql);
}

__attribute__((format(printf, 2, 3))) static int64_t raw_int(struct fx *fx, const char *fmt, ...)
{
	va_list ap;
	int64_t v;

	va_start(ap, fmt);
	v = testdb_raw_vint(fx->path, fmt, ap);
	va_end(ap);
	return v;
}

/* ---- tickets ---- */

struct tk {
	const char *subject;
	enum ticket_status status;
	enum ticket_priority priority;
	enum ticket_channel channel;
	enum billing_kind billing;
	int client;   /* 0 none, 1 firma, 2 druga */
	int contact;  /* 0 none, 1 ivan, 2 marko, 3 petra */
	int assignee; /* 0 none, 1 ana, 2 bruno */
	const char *category;
	int64_t created, updated; /* offsets from NOW */
	const char *body;         /* the first message, or NULL */
};

static int64_t tk_create(struct fx *fx, const struct tk *k, struct ticket *out)
{
	const int64_t clients[] = { 0, fx->firma, fx->druga };
	const int64_t contacts[] = { 0, fx->ivan, fx->marko, fx->petra };
	const int64_t users[] = { 0, fx->ana, fx->bruno };
	struct ticket t;
	struct event e;

	memset(&t, 0, sizeof(t));
	snprintf(t.subject, sizeof(t.subject), "%s", k->subject);
	t.status = k->status;
	t.priority = k->priority;
	t.channel = k->channel;
	t.billing = k->billing;
	t.client_id = clients[k->client];
	t.contact_id = contacts[k->contact];
	t.assignee_id = users[k->assignee];
	snprintf(t.category, sizeof(t.category), "%s", k->category ? k->category : "");
	assert_int_equal(store_ticket_create(fx->st, &t, 2026, k->body, fx->ana, NOW + k->created),
			 STORE_OK);
	if (k->updated > k->created) {
		memset(&e, 0, sizeof(e));
		e.ticket_id = t.id;
		e.kind = EVENT_FIELD_CHANGE;
		assert_int_equal(store_event_add(fx->st, &e, NOW + k->updated), STORE_OK);
	}
	assert_int_equal(store_ticket_get(fx->st, t.id, &t), STORE_OK);
	if (out)
		*out = t;
	return t.id;
}

static int64_t note_add(struct fx *fx, int64_t ticket_id, enum event_kind kind, const char *body,
			int64_t now)
{
	struct event e;

	memset(&e, 0, sizeof(e));
	e.ticket_id = ticket_id;
	e.kind = kind;
	e.author_user_id = fx->ana;
	e.body = (char *)body;
	assert_int_equal(store_event_add(fx->st, &e, now), STORE_OK);
	return e.id;
}

/* The ids of the tickets f lists, in order, into ids (n of them); returns n. */
static size_t list_ids(struct fx *fx, const struct ticket_filter *f, int64_t *ids, size_t max,
		       int64_t *total)
{
	struct ticket_list l;
	size_t i;

	assert_int_equal(store_ticket_list(fx->st, f, &l, total), STORE_OK);
	assert_true(l.n <= max);
	for (i = 0; i < l.n; i++)
		ids[i] = l.items[i].id;
	ticket_list_free(&l);
	return i;
}

static int events_of_kind(struct fx *fx, int64_t ticket_id, enum event_kind kind,
			  struct event *last)
{
	struct event_list l;
	size_t i;
	int n = 0;

	assert_int_equal(store_ticket_events(fx->st, ticket_id, &l), STORE_OK);
	for (i = 0; i < l.n; i++) {
		if (l.items[i].kind != kind)
			continue;
		n++;
		if (last) {
			event_free(last);
			*last = l.items[i];
			last->body = l.items[i].body ? xstrdup(l.items[i].body) : NULL;
		}
	}
	event_list_free(&l);
	return n;
}

/*
 * The counts of all tickets (kept by triggers) agree with a count of the
 * rows, and so does the number of active tickets the queue gives.
 */
static void counts_consistent(struct fx *fx)
{
	int64_t counts[STATUS_COUNT], total = -1, active = 0, a;
	struct ticket_filter f;
	struct ticket_list l;
	int i;

	assert_int_equal(store_ticket_status_counts(fx->st, NULL, counts), STORE_OK);
	for (i = 0; i < STATUS_COUNT; i++) {
		assert_int_equal(counts[i], raw_int(fx, "SELECT count(*) FROM tickets WHERE status = '%s'",
						    status_name((enum ticket_status)i)));
		if (i != STATUS_RESOLVED && i != STATUS_CLOSED)
			active += counts[i];
	}
	store_ticket_filter_init(&f);
	f.open_only = 1;
	f.limit = 1;
	assert_int_equal(store_ticket_list(fx->st, &f, &l, &total), STORE_OK);
	assert_int_equal(total, active);
	ticket_list_free(&l);
	/* The kept counts per assignee (and of nobody's tickets) agree too. */
	for (a = -1; a <= 4; a++) {
		if (a == 0)
			continue;
		store_ticket_filter_init(&f);
		f.assignee_id = a;
		assert_int_equal(store_ticket_status_counts(fx->st, &f, counts), STORE_OK);
		for (i = 0; i < STATUS_COUNT; i++)
			assert_int_equal(counts[i],
					 raw_int(fx, "SELECT count(*) FROM tickets WHERE status = '%s' "
						     "AND coalesce(assignee_id, -1) = %d",
						 status_name((enum ticket_status)i), (int)a));
		f.limit = 1;
		assert_int_equal(store_ticket_list(fx->st, &f, &l, &total), STORE_OK);
		assert_int_equal(total, raw_int(fx, "SELECT count(*) FROM tickets WHERE "
						    "coalesce(assignee_id, -1) = %d", (int)a));
		ticket_list_free(&l);
	}
}

/* ---- migration ---- */

/*
 * A database made by the previous schema (0001, 0002) with data in it
 * moves to 0003 keeping every event (ids too) and the references to them,
 * finds the old text by search, keeps the history append-only and takes
 * the new event kind.
 */
static void test_migrate_from_mail_schema(void **state)
{
	struct fx *fx = *state;
	struct ticket_filter f;
	struct ticket t;
	struct event e;
	int64_t ids[8], total = -1;
	char *err = NULL;
	sqlite3 *db = raw_open(fx);
	size_t i;
	int v = 0, applied = 0;

	/* The earlier migrations as the binary has them, run by hand. */
	assert_true(store_migrations_count >= 3);
	assert_int_equal(sqlite3_exec(db, "CREATE TABLE schema_version (version INTEGER PRIMARY KEY, "
					  "name TEXT NOT NULL, applied_at INTEGER NOT NULL)",
				      NULL, NULL, NULL),
			 SQLITE_OK);
	for (i = 0; i < store_migrations_count && store_migrations[i].version <= 2; i++) {
		char rec[160];

		assert_int_equal(sqlite3_exec(db, store_migrations[i].sql, NULL, NULL, &err),
				 SQLITE_OK);
		snprintf(rec, sizeof(rec), "INSERT INTO schema_version VALUES (%d, '%s', 0)",
			 store_migrations[i].version, store_migrations[i].name);
		assert_int_equal(sqlite3_exec(db, rec, NULL, NULL, NULL), SQLITE_OK);
	}
	assert_int_equal(i, 2);
	assert_int_equal(
		sqlite3_exec(db,
			     "PRAGMA foreign_keys = ON;"
			     "INSERT INTO users (id, email, name, role, created_at) "
			     "VALUES (1, 'a@evid.test', 'A', 'admin', 0);"
			     "INSERT INTO tickets (id, number, subject, channel, created_at, updated_at) "
			     "VALUES (7, '2026-000007', 'Račun za Đurđevac', 'email', 0, 0);"
			     "INSERT INTO events (id, ticket_id, kind, author_user_id, created_at, body) "
			     "VALUES (40, 7, 'message_in', 1, 0, 'Pisač ne ispisuje'),"
			     "(41, 7, 'time_entry', 1, 0, 'lozinka');"
			     "INSERT INTO attachments (ticket_id, event_id, filename, media_type, size, "
			     "sha256, data, created_at) VALUES (7, 40, 'a.txt', 'text/plain', 1, "
			     "'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa', x'41', 0);"
			     "INSERT INTO ticket_seq VALUES (2026, 7);",
			     NULL, NULL, &err),
		SQLITE_OK);
	sqlite3_close(db);

	assert_int_equal(store_schema_version(fx->st, &v), STORE_OK);
	assert_int_equal(v, 2);
	assert_int_equal(store_migrate(fx->st, &applied), STORE_OK);
	assert_int_equal(applied, store_schema_latest() - 2);
	assert_int_equal(store_check_schema(fx->st), STORE_OK);

	/* Everything is still there, and still refers to what it did. */
	assert_int_equal(raw_int(fx, "SELECT count(*) FROM events WHERE id IN (40, 41)"), 2);
	assert_int_equal(raw_int(fx, "SELECT event_id FROM attachments"), 40);
	assert_int_equal(raw_int(fx, "SELECT count(*) FROM pragma_foreign_key_check"), 0);
	assert_int_equal(raw_int(fx, "SELECT count(*) FROM pragma_foreign_key_list('attachments') "
				     "WHERE \"table\" = 'events'"),
			 1);
	assert_int_equal(store_ticket_get(fx->st, 7, &t), STORE_OK);
	assert_string_equal(t.category, "");
	assert_int_equal(t.merged_into, 0);

	/* The old text is found: subject and message, not the time entry's. */
	static const struct {
		const char *q;
		int64_t n;
	} found[] = { { "racun", 1 }, { "durdevac", 1 }, { "pisac", 1 }, { "lozinka", 0 } };
	for (i = 0; i < COUNT(found); i++) {
		store_ticket_filter_init(&f);
		f.query = found[i].q;
		assert_int_equal(list_ids(fx, &f, ids, COUNT(ids), &total), (size_t)found[i].n);
		assert_int_equal(total, found[i].n);
	}

	/* Still append-only, and the new kind goes in. */
	assert_int_equal(raw_exec(fx, "UPDATE events SET body = 'x' WHERE id = 40"),
			 SQLITE_CONSTRAINT);
	assert_int_equal(raw_exec(fx, "DELETE FROM events WHERE id = 41"), SQLITE_CONSTRAINT);
	memset(&e, 0, sizeof(e));
	e.ticket_id = 7;
	e.kind = EVENT_MERGE;
	assert_int_equal(store_event_add(fx->st, &e, NOW), STORE_OK);
	assert_int_equal(raw_exec(fx, "INSERT INTO events (ticket_id, kind, created_at) "
				      "VALUES (7, 'bogus', 0)"),
			 SQLITE_CONSTRAINT);
	/* Foreign keys are on again after the migration. */
	assert_int_equal(raw_exec(fx, "PRAGMA foreign_keys = ON; INSERT INTO events (ticket_id, "
				      "kind, created_at) VALUES (999, 'note', 0)"),
			 SQLITE_CONSTRAINT);
	memset(&e, 0, sizeof(e));
	e.ticket_id = 999;
	e.kind = EVENT_NOTE;
	assert_int_equal(store_event_add(fx->st, &e, NOW), STORE_NOT_FOUND);
	counts_consistent(fx);
	sqlite3_free(err);
}

/* ---- search ---- */

static void test_search(void **state)
{
	struct fx *fx = *state;
	static const struct tk tickets[] = {
		{ "Račun za struju", .body = "Molim ispravak računa za ožujak." },
		{ "Pisač ne radi", .body = "HP LaserJet u uredu javlja grešku." },
		{ "Đurđevac: mreža", .body = NULL },
		{ "racun ponuda", .body = "Ponuda 2026/17 za monitore." },
	};
	/* Each query and the tickets it must find (bit i: tickets[i]). */
	static const struct {
		const char *q;
		unsigned want;
	} cases[] = {
		{ "racun", 0x9 },           /* without diacritics finds both */
		{ "račun", 0x9 },           /* with them too */
		{ "RAČUN", 0x9 },
		{ "računa", 0x1 },          /* a whole word: not a prefix */
		{ "rač*", 0x9 },            /* prefix, diacritics folded */
		{ "ra*", 0xb },             /* racun, računa, radi */
		{ "ra**", 0xb },
		{ "pisac laserjet", 0x2 },  /* subject and message together */
		{ "laserjet pisač", 0x2 },
		{ "gresku", 0x2 },
		{ "durdevac", 0x4 },
		{ "đurđevac", 0x4 },
		{ "ĐURĐEVAC", 0x4 },
		{ "djurdjevac", 0x0 },
		{ "struju ožujak", 0x1 },
		{ "struju monitore", 0x0 }, /* words of two tickets: none has both */
		{ "\"", 0xf },              /* only punctuation: no search */
		{ "*", 0xf },
		{ "-", 0xf },
		{ "  \t ", 0xf },
		{ "", 0xf },
		{ "\"racun\"", 0x9 },       /* quotes are characters, not syntax */
		{ "ra\"cun", 0x0 },
		{ "(ponuda)", 0x8 },
		{ "-ponuda", 0x8 },         /* not a NOT */
		{ "ponuda:", 0x8 },         /* not a column filter */
		{ "text:ponuda", 0x0 },
		{ "NEAR", 0x0 },
		{ "NEAR(racun ponuda)", 0x0 }, /* as FTS5 syntax it would find q3 */
		{ "racun OR pisac", 0x0 },  /* OR is a word here */
		{ "racun AND", 0x0 },
		{ "NOT racun", 0x0 },
		{ "^racun", 0x9 },
		{ "racun +", 0x9 },
		{ "2026/17", 0x8 },         /* a phrase: 2026 then 17 */
		{ "17/2026", 0x0 },
		{ "mreža €", 0x4 },         /* a symbol alone is no word */
	};
	struct ticket_filter f;
	int64_t ids[8], id[COUNT(tickets)], total;
	size_t i, j, n;
	unsigned got;

	for (i = 0; i < COUNT(tickets); i++)
		id[i] = tk_create(fx, &tickets[i], NULL);
	for (i = 0; i < COUNT(cases); i++) {
		store_ticket_filter_init(&f);
		f.query = cases[i].q;
		total = -1;
		n = list_ids(fx, &f, ids, COUNT(ids), &total);
		got = 0;
		for (j = 0; j < n; j++)
			got |= 1u << (size_t)(ids[j] - id[0]);
		if (got != cases[i].want)
			fail_msg("search '%s': found 0x%x, want 0x%x", cases[i].q, got,
				 cases[i].want);
		assert_int_equal(total, (int64_t)n);
	}

	/* The subject changes: the new one is found, the old one no more. */
	{
		struct ticket_patch p;

		memset(&p, 0, sizeof(p));
		p.set = PATCH_SUBJECT;
		strcpy(p.subject, "Monitor treperi");
		assert_int_equal(store_ticket_update(fx->st, id[3], &p, fx->ana, NOW + 5, NULL),
				 STORE_OK);
		store_ticket_filter_init(&f);
		f.query = "treperi";
		assert_int_equal(list_ids(fx, &f, ids, COUNT(ids), NULL), 1);
		assert_int_equal(ids[0], id[3]);
		f.query = "racun";
		assert_int_equal(list_ids(fx, &f, ids, COUNT(ids), NULL), 1);
		assert_int_equal(ids[0], id[0]);
		/* Its message goes with the new subject now, not the old. */
		f.query = "treperi monitore";
		assert_int_equal(list_ids(fx, &f, ids, COUNT(ids), NULL), 1);
		assert_int_equal(ids[0], id[3]);
	}
	/* Notes and replies are searched; a time entry's text is not. */
	note_add(fx, id[2], EVENT_NOTE, "Switch u serverskoj sobi.", NOW + 10);
	note_add(fx, id[2], EVENT_REPLY, "Zamijenili smo kabel.", NOW + 11);
	note_add(fx, id[2], EVENT_TIME_CORRECTION, "usmjerivač", NOW + 12);
	static const struct {
		const char *q;
		size_t n;
	} later[] = { { "serverskoj", 1 }, { "kabel mreza", 1 }, { "usmjerivac", 0 } };
	for (i = 0; i < COUNT(later); i++) {
		store_ticket_filter_init(&f);
		f.query = later[i].q;
		assert_int_equal(list_ids(fx, &f, ids, COUNT(ids), NULL), later[i].n);
	}
	/* A search goes with the other filters. */
	store_ticket_filter_init(&f);
	f.query = "racun";
	f.status = STATUS_CLOSED;
	assert_int_equal(list_ids(fx, &f, ids, COUNT(ids), &total), 0);
	assert_int_equal(total, 0);
}

static void test_search_limits(void **state)
{
	struct fx *fx = *state;
	struct ticket_filter f;
	struct ticket_list l;
	char q[TICKET_QUERY_MAX_LEN + 2];
	int64_t ids[4];
	size_t i;

	tk_create(fx, &(struct tk){ "a b c d", .body = "e f g h i j k l m n o p" }, NULL);
	store_ticket_filter_init(&f);
	/* TICKET_QUERY_MAX_LEN bytes pass (and quotes doubled in them are fine); one more does not. */
	memset(q, '"', TICKET_QUERY_MAX_LEN);
	q[TICKET_QUERY_MAX_LEN] = '\0';
	memcpy(q, "a ", 2);
	f.query = q;
	assert_int_equal(list_ids(fx, &f, ids, COUNT(ids), NULL), 1);
	q[TICKET_QUERY_MAX_LEN] = 'x';
	q[TICKET_QUERY_MAX_LEN + 1] = '\0';
	assert_int_equal(store_ticket_list(fx->st, &f, &l, NULL), STORE_INVALID);
	assert_non_null(strstr(store_errmsg(fx->st), "q: at most"));
	/* 16 words pass, 17 do not; words of only punctuation do not count. */
	f.query = "a b c d e f g h i j k l m n o p - - - ( )";
	assert_int_equal(list_ids(fx, &f, ids, COUNT(ids), NULL), 1);
	f.query = "a b c d e f g h i j k l m n o p q";
	assert_int_equal(store_ticket_list(fx->st, &f, &l, NULL), STORE_INVALID);
	assert_string_equal(store_errmsg(fx->st), "q: at most 16 words; shorten the search");
	assert_int_equal(store_ticket_status_counts(fx->st, &f, (int64_t[STATUS_COUNT]){ 0 }),
			 STORE_INVALID);
	/* Bytes that are not UTF-8, and control characters, are no trouble. */
	static const char *const odd[] = { "\xff\xfe", "a\x01", "\xc4", "a\"\"\"", "*a*", "a*b" };
	for (i = 0; i < COUNT(odd); i++) {
		f.query = odd[i];
		assert_int_equal(store_ticket_list(fx->st, &f, &l, NULL), STORE_OK);
		ticket_list_free(&l);
	}
}

/* ---- the queue: filters, orders, counts ---- */

/*
 * The queue's fixture: every filter narrows it differently, and every
 * order puts it differently.
 */
static const struct tk queue[] = {
	{ "q0", STATUS_NEW, PRIORITY_HIGH, CHANNEL_EMAIL, BILLING_BILLABLE, 1, 1, 1, "mreža", 0, 50 },
	{ "q1", STATUS_OPEN, PRIORITY_LOW, CHANNEL_PHONE, BILLING_FREE, 1, 2, 2, "", 10, 20 },
	{ "q2", STATUS_WAITING, PRIORITY_URGENT, CHANNEL_EMAIL, BILLING_BILLABLE, 2, 3, 0, "x", 20, 90 },
	{ "q3", STATUS_RESOLVED, PRIORITY_NORMAL, CHANNEL_WEB, BILLING_WARRANTY, 2, 0, 1, "mreža", 30, 40 },
	{ "q4", STATUS_CLOSED, PRIORITY_HIGH, CHANNEL_EMAIL, BILLING_BILLABLE, 0, 0, 0, "", 40, 60 },
	{ "q5", STATUS_OPEN, PRIORITY_NORMAL, CHANNEL_SMS, BILLING_BILLABLE, 1, 1, 1, "", 50, 70 },
	{ "q6", STATUS_NEW, PRIORITY_URGENT, CHANNEL_EMAIL, BILLING_FREE, 0, 0, 2, "mreža", 60, 80 },
	{ "q7", STATUS_CLOSED, PRIORITY_LOW, CHANNEL_PHONE, BILLING_BILLABLE, 2, 3, 1, "x", 70, 75 },
};

/* Whether the filter f matches queue[i] (by the fixture, not the database). */
static int queue_match(const struct fx *fx, const struct ticket_filter *f, size_t i,
		       int ignore_status)
{
	const struct tk *k = &queue[i];
	const int64_t clients[] = { 0, fx->firma, fx->druga };
	const int64_t contacts[] = { 0, fx->ivan, fx->marko, fx->petra };
	const int64_t users[] = { 0, fx->ana, fx->bruno };

	if (!ignore_status && f->status >= 0 && (int)k->status != f->status)
		return 0;
	if (!ignore_status && f->open_only &&
	    (k->status == STATUS_RESOLVED || k->status == STATUS_CLOSED))
		return 0;
	if (f->assignee_id > 0 && users[k->assignee] != f->assignee_id)
		return 0;
	if (f->assignee_id < 0 && k->assignee)
		return 0;
	if (f->client_id && clients[k->client] != f->client_id)
		return 0;
	if (f->contact_id && contacts[k->contact] != f->contact_id)
		return 0;
	if (f->channel >= 0 && (int)k->channel != f->channel)
		return 0;
	if (f->billing >= 0 && (int)k->billing != f->billing)
		return 0;
	if (f->category && strcmp(k->category, f->category))
		return 0;
	return 1;
}

/* The order of sort over the fixture: compare queue[a] and queue[b]. */
static int queue_cmp(enum ticket_sort sort, size_t a, size_t b)
{
	const struct tk *x = &queue[a], *y = &queue[b];
	int64_t d = 0;

	switch (sort) {
	case SORT_UPDATED_DESC:
		d = y->updated - x->updated;
		break;
	case SORT_UPDATED_ASC:
		d = x->updated - y->updated;
		break;
	case SORT_CREATED_DESC:
		d = y->created - x->created;
		break;
	case SORT_CREATED_ASC:
		d = x->created - y->created;
		break;
	case SORT_PRIORITY_DESC:
		d = (int64_t)y->priority - (int64_t)x->priority;
		if (!d)
			d = y->updated - x->updated;
		break;
	case SORT_PRIORITY_ASC:
		d = (int64_t)x->priority - (int64_t)y->priority;
		if (!d)
			d = x->updated - y->updated;
		break;
	case SORT_NUMBER_ASC: /* numbers follow creation */
		d = (int64_t)a - (int64_t)b;
		break;
	case SORT_NUMBER_DESC:
		d = (int64_t)b - (int64_t)a;
		break;
	}
	return d < 0 ? -1 : d > 0;
}

static void test_queue(void **state)
{
	struct fx *fx = *state;
	static const enum ticket_sort sorts[] = {
		SORT_UPDATED_DESC, SORT_UPDATED_ASC,  SORT_CREATED_DESC, SORT_CREATED_ASC,
		SORT_PRIORITY_DESC, SORT_PRIORITY_ASC, SORT_NUMBER_ASC,   SORT_NUMBER_DESC,
	};
	int64_t id[COUNT(queue)], ids[COUNT(queue)], total, counts[STATUS_COUNT];
	struct ticket_filter filters[20], *f;
	struct ticket t;
	size_t i, j, k, n, nf = 0, want[COUNT(queue)], nwant;

	for (i = 0; i < COUNT(queue); i++) {
		id[i] = tk_create(fx, &queue[i], &t);
		assert_int_equal(t.updated_at, NOW + queue[i].updated);
		assert_string_equal(t.category, queue[i].category);
	}
	/* The filters, each alone and some together. */
#define FILTER(...)                                                                      \
	do {                                                                             \
		store_ticket_filter_init(&filters[nf]);                                  \
		f = &filters[nf++];                                                      \
		__VA_ARGS__;                                                             \
	} while (0)
	FILTER((void)0);
	FILTER(f->open_only = 1);
	FILTER(f->status = STATUS_NEW);
	FILTER(f->status = STATUS_CLOSED);
	FILTER(f->status = STATUS_CLOSED; f->open_only = 1);
	FILTER(f->assignee_id = fx->ana);
	FILTER(f->assignee_id = -1);
	FILTER(f->assignee_id = fx->ana; f->open_only = 1);
	FILTER(f->client_id = fx->firma);
	FILTER(f->client_id = fx->druga; f->contact_id = fx->petra);
	FILTER(f->contact_id = fx->ivan);
	FILTER(f->channel = CHANNEL_EMAIL);
	FILTER(f->billing = BILLING_FREE);
	FILTER(f->category = "mreža");
	FILTER(f->category = "");
	FILTER(f->category = "nema");
	FILTER(f->category = "mreža"; f->open_only = 1; f->channel = CHANNEL_EMAIL);
	FILTER(f->client_id = 999);
	FILTER(f->assignee_id = -1; f->billing = BILLING_BILLABLE; f->status = STATUS_WAITING);
#undef FILTER
	for (i = 0; i < nf; i++) {
		for (k = 0; k < COUNT(sorts); k++) {
			f = &filters[i];
			f->sort = sorts[k];
			/* What must come out: the matching ones in that order. */
			nwant = 0;
			for (j = 0; j < COUNT(queue); j++)
				if (queue_match(fx, f, j, 0))
					want[nwant++] = j;
			for (j = 1; j < nwant; j++) {
				size_t x = want[j], y = j;

				while (y > 0 && queue_cmp(sorts[k], want[y - 1], x) > 0) {
					want[y] = want[y - 1];
					y--;
				}
				want[y] = x;
			}
			total = -1;
			n = list_ids(fx, f, ids, COUNT(ids), &total);
			assert_int_equal(n, nwant);
			assert_int_equal(total, (int64_t)nwant);
			for (j = 0; j < n; j++)
				if (ids[j] != id[want[j]])
					fail_msg("filter %zu sort %d: row %zu is %lld, want %lld", i,
						 (int)sorts[k], j, (long long)ids[j],
						 (long long)id[want[j]]);
			/* A page of 2 from the second: the same rows, the same total. */
			f->limit = 2;
			f->offset = 1;
			n = list_ids(fx, f, ids, COUNT(ids), &total);
			assert_int_equal(n, nwant > 1 ? (nwant - 1 < 2 ? nwant - 1 : 2) : 0);
			assert_int_equal(total, (int64_t)nwant);
			for (j = 0; j < n; j++)
				assert_int_equal(ids[j], id[want[j + 1]]);
			f->limit = f->offset = 0;
		}
		/* The status counts ignore the status and open_only. */
		for (k = 0; k < STATUS_COUNT; k++)
			counts[k] = -1;
		assert_int_equal(store_ticket_status_counts(fx->st, &filters[i], counts), STORE_OK);
		for (k = 0; k < STATUS_COUNT; k++) {
			int64_t w = 0;

			for (j = 0; j < COUNT(queue); j++)
				w += queue_match(fx, &filters[i], j, 1) && queue[j].status == k;
			if (counts[k] != w)
				fail_msg("filter %zu: %lld %s, want %lld", i, (long long)counts[k],
					 status_name((enum ticket_status)k), (long long)w);
		}
	}
	/* NULL is every ticket, newest change first. */
	assert_int_equal(store_ticket_status_counts(fx->st, NULL, counts), STORE_OK);
	assert_int_equal(counts[STATUS_NEW] + counts[STATUS_OPEN] + counts[STATUS_WAITING] +
				 counts[STATUS_RESOLVED] + counts[STATUS_CLOSED],
			 (int64_t)COUNT(queue));
	{
		struct ticket_list l;

		assert_int_equal(store_ticket_list(fx->st, NULL, &l, &total), STORE_OK);
		assert_int_equal(l.n, COUNT(queue));
		assert_int_equal(total, (int64_t)COUNT(queue));
		assert_int_equal(l.items[0].id, id[2]); /* updated NOW + 90 */
		assert_string_equal(l.items[0].client_name, "Druga d.o.o.");
		assert_string_equal(l.items[0].contact_name, "Petra Perić");
		ticket_list_free(&l);
	}
	/* Status changes keep the kept counts right: open, reopen, resolve. */
	{
		static const struct {
			size_t ticket;
			enum ticket_status to;
		} moves[] = { { 0, STATUS_OPEN }, { 4, STATUS_OPEN }, { 1, STATUS_RESOLVED },
			      { 1, STATUS_CLOSED } };
		struct ticket_patch p;

		counts_consistent(fx);
		for (i = 0; i < COUNT(moves); i++) {
			memset(&p, 0, sizeof(p));
			p.set = PATCH_STATUS;
			p.status = moves[i].to;
			assert_int_equal(store_ticket_update(fx->st, id[moves[i].ticket], &p, fx->ana,
							     NOW + 100, NULL),
					 STORE_OK);
			counts_consistent(fx);
		}
	}
}

static void test_queue_names_and_time(void **state)
{
	struct fx *fx = *state;
	struct ticket_filter f;
	struct ticket_list l;
	struct time_entry e;
	int64_t id, total;

	id = tk_create(fx, &(struct tk){ "Vrijeme", STATUS_OPEN, .client = 1, .contact = 2,
				    .assignee = 2, .category = "hardver" },
		       NULL);
	memset(&e, 0, sizeof(e));
	e.ticket_id = id;
	e.user_id = fx->ana;
	e.started_at = NOW - 2 * HOUR;
	e.ended_at = NOW - HOUR;
	assert_int_equal(store_time_add(fx->st, &e, fx->ana, NOW), STORE_OK);
	store_ticket_filter_init(&f);
	f.open_only = 1;
	assert_int_equal(store_ticket_list(fx->st, &f, &l, &total), STORE_OK);
	assert_int_equal(l.n, 1);
	assert_int_equal(total, 1);
	assert_int_equal(l.items[0].time_seconds, HOUR);
	assert_string_equal(l.items[0].client_name, "Firma d.o.o.");
	assert_string_equal(l.items[0].contact_name, "Marko Marić");
	assert_string_equal(l.items[0].assignee_name, "Bruno Babić");
	assert_string_equal(l.items[0].category, "hardver");
	assert_int_equal(l.items[0].merged_into, 0);
	ticket_list_free(&l);
}

/* The total and the new tickets' count of a search for q on st, and the ids of its page. */
static void search_on(struct store *st, const char *q, int limit, int64_t *total,
		      int64_t *news, size_t *n)
{
	int64_t counts[STATUS_COUNT];
	struct ticket_filter f;
	struct ticket_list l;

	store_ticket_filter_init(&f);
	f.query = q;
	f.limit = limit;
	assert_int_equal(store_ticket_list(st, &f, &l, total), STORE_OK);
	*n = l.n;
	ticket_list_free(&l);
	assert_int_equal(store_ticket_status_counts(st, &f, counts), STORE_OK);
	*news = counts[STATUS_NEW];
}

/*
 * Kept answers (store_set_result_cache): the same read is answered from
 * them while nothing changed, and never after a commit -- this
 * connection's, another's -- nor from inside a write transaction, whose
 * answer must not outlive its rollback.
 */
static void test_result_cache(void **state)
{
	struct fx *fx = *state;
	const struct tk pisac = { "Pisač ne radi", .body = "Ne ispisuje." };
	struct ticket_patch patch;
	struct store *other;
	struct ticket t;
	int64_t total, news;
	uint64_t hits;
	size_t n, i;

	assert_int_equal(store_set_result_cache(fx->st, -1), STORE_INVALID);
	assert_int_equal(store_set_result_cache(fx->st, STORE_RESULT_CACHE_MAX + 1), STORE_INVALID);
	assert_int_equal(store_set_result_cache(fx->st, 4), STORE_OK);
	assert_int_equal(testdb_open(fx->path, &other, 0), 0);
	tk_create(fx, &pisac, NULL);
	tk_create(fx, &pisac, NULL);

	/* The first read reads; the same again is kept, the counts with it. */
	search_on(fx->st, "pisac", 50, &total, &news, &n);
	assert_int_equal(total, 2);
	assert_int_equal(news, 2);
	assert_int_equal(n, 2);
	hits = store_result_cache_hits(fx->st);
	assert_int_equal(hits, 0);
	search_on(fx->st, "pisac", 50, &total, &news, &n);
	assert_int_equal(total, 2);
	assert_int_equal(store_result_cache_hits(fx->st), 2);
	/*
	 * The active ones (the search box's default): the total comes from the
	 * counts per status, which are those of the search above (counts do not
	 * filter by status): both kept.
	 */
	{
		int64_t counts[STATUS_COUNT];
		struct ticket_filter f;
		struct ticket_list l;

		store_ticket_filter_init(&f);
		f.query = "pisac";
		f.open_only = 1;
		f.limit = 50;
		assert_int_equal(store_ticket_list(fx->st, &f, &l, &total), STORE_OK);
		assert_int_equal(total, 2);
		ticket_list_free(&l);
		assert_int_equal(store_ticket_status_counts(fx->st, &f, counts), STORE_OK);
		assert_int_equal(counts[STATUS_NEW], 2);
		assert_int_equal(store_result_cache_hits(fx->st), 4);
	}

	/* Another connection's commit: read again. */
	memset(&t, 0, sizeof(t));
	snprintf(t.subject, sizeof(t.subject), "Pisač opet");
	assert_int_equal(store_ticket_create(other, &t, 2026, NULL, fx->ana, NOW), STORE_OK);
	search_on(fx->st, "pisac", 50, &total, &news, &n);
	assert_int_equal(total, 3);
	assert_int_equal(news, 3);
	/* ...and a status change there. */
	memset(&patch, 0, sizeof(patch));
	patch.set = PATCH_STATUS;
	patch.status = STATUS_OPEN;
	assert_int_equal(store_ticket_update(other, t.id, &patch, fx->ana, NOW + 60, NULL), STORE_OK);
	search_on(fx->st, "pisac", 50, &total, &news, &n);
	assert_int_equal(total, 3);
	assert_int_equal(news, 2);
	/* This connection's own commit. */
	tk_create(fx, &pisac, NULL);
	search_on(fx->st, "pisac", 50, &total, &news, &n);
	assert_int_equal(total, 4);
	assert_int_equal(news, 3);

	/* Inside a write transaction: its own change, never kept... */
	hits = store_result_cache_hits(fx->st);
	assert_int_equal(store_batch_begin(fx->st), STORE_OK);
	tk_create(fx, &pisac, NULL);
	search_on(fx->st, "pisac", 50, &total, &news, &n);
	assert_int_equal(total, 5);
	search_on(fx->st, "pisac", 50, &total, &news, &n);
	assert_int_equal(total, 5);
	assert_int_equal(store_result_cache_hits(fx->st), hits);
	assert_int_equal(store_batch_end(fx->st, 0), STORE_OK);
	/* ...so that after its rollback the state before it is read. */
	search_on(fx->st, "pisac", 50, &total, &news, &n);
	assert_int_equal(total, 4);
	assert_int_equal(news, 3);

	/* Another page, another search, a filter: each has its own answer. */
	search_on(fx->st, "pisac", 2, &total, &news, &n);
	assert_int_equal(n, 2);
	assert_int_equal(total, 4);
	search_on(fx->st, "opet", 50, &total, &news, &n);
	assert_int_equal(total, 1);
	assert_int_equal(news, 0);
	/* More reads than slots: the oldest make room, and every answer stays right. */
	for (i = 0; i < 6; i++) {
		search_on(fx->st, i % 2 ? "ispisuje" : "pisac", (int)i + 1, &total, &news, &n);
		assert_int_equal(total, i % 2 ? 3 : 4);
		assert_int_equal(n, i % 2 ? (i + 1 < 3 ? i + 1 : 3) : (i + 1 < 4 ? i + 1 : 4));
	}

	/* A page of more than STORE_RESULT_ROWS_MAX rows is not kept. */
	assert_int_equal(store_batch_begin(fx->st), STORE_OK);
	for (i = 0; i < STORE_RESULT_ROWS_MAX; i++)
		tk_create(fx, &pisac, NULL);
	assert_int_equal(store_batch_end(fx->st, 1), STORE_OK);
	search_on(fx->st, "pisac", 0, &total, &news, &n);
	assert_int_equal(n, STORE_RESULT_ROWS_MAX + 4);
	hits = store_result_cache_hits(fx->st);
	search_on(fx->st, "pisac", 0, &total, &news, &n);
	assert_int_equal(n, STORE_RESULT_ROWS_MAX + 4);
	assert_int_equal(store_result_cache_hits(fx->st), hits + 1); /* the counts only */

	/* Off: nothing is answered from them. */
	assert_int_equal(store_set_result_cache(fx->st, 0), STORE_OK);
	hits = store_result_cache_hits(fx->st);
	search_on(fx->st, "opet", 50, &total, &news, &n);
	search_on(fx->st, "opet", 50, &total, &news, &n);
	assert_int_equal(total, 1);
	assert_int_equal(store_result_cache_hits(fx->st), hits);
	store_close(other);
}

/*
 * Kept lists (sq_list_query.keep): a ticket's history read again while
 * nothing changed is a copy of the kept one, bodies included, each the
 * caller's own; any commit makes it read again; an unknown ticket is
 * NOT_FOUND every time.
 */
static void test_kept_lists(void **state)
{
	struct fx *fx = *state;
	const struct tk k = { "Mreža pada", .body = "Od jutra nema mreže." };
	struct event_list a, b;
	struct user_list u;
	struct store *other;
	struct event e;
	uint64_t hits;
	int64_t id;

	assert_int_equal(store_set_result_cache(fx->st, 8), STORE_OK);
	assert_int_equal(testdb_open(fx->path, &other, 0), 0);
	id = tk_create(fx, &k, NULL);

	assert_int_equal(store_ticket_events(fx->st, id, &a), STORE_OK);
	hits = store_result_cache_hits(fx->st);
	assert_int_equal(store_ticket_events(fx->st, id, &b), STORE_OK);
	assert_int_equal(store_result_cache_hits(fx->st), hits + 1);
	assert_int_equal(b.n, a.n);
	assert_true(a.n >= 1);
	assert_non_null(b.items[0].body);
	assert_string_equal(b.items[0].body, a.items[0].body);
	/* each copy is its own: freeing one leaves the other and the kept one whole */
	assert_ptr_not_equal(b.items[0].body, a.items[0].body);
	event_list_free(&a);
	assert_int_equal(store_ticket_events(fx->st, id, &a), STORE_OK);
	assert_string_equal(a.items[0].body, b.items[0].body);
	event_list_free(&a);
	event_list_free(&b);

	/* another connection adds an event: read again, and it is there */
	memset(&e, 0, sizeof(e));
	e.ticket_id = id;
	e.kind = EVENT_NOTE;
	e.author_user_id = fx->bruno;
	e.body = "Zamijenjen switch.";
	assert_int_equal(store_event_add(other, &e, NOW + 60), STORE_OK);
	hits = store_result_cache_hits(fx->st);
	assert_int_equal(store_ticket_events(fx->st, id, &a), STORE_OK);
	assert_int_equal(store_result_cache_hits(fx->st), hits);
	assert_string_equal(a.items[a.n - 1].body, "Zamijenjen switch.");
	event_list_free(&a);

	/* a history of more than STORE_RESULT_BYTES_MAX bytes is read each time, not kept */
	{
		char *big = xmalloc(60000);
		int i;

		memset(big, 'x', 59999);
		big[59999] = '\0';
		e.body = big;
		for (i = 0; i < 5; i++)
			assert_int_equal(store_event_add(fx->st, &e, NOW + 120 + i), STORE_OK);
		free(big);
		assert_int_equal(store_ticket_events(fx->st, id, &a), STORE_OK);
		event_list_free(&a);
		hits = store_result_cache_hits(fx->st);
		assert_int_equal(store_ticket_events(fx->st, id, &a), STORE_OK);
		assert_int_equal(store_result_cache_hits(fx->st), hits);
		assert_int_equal(strlen(a.items[a.n - 1].body), 59999);
		event_list_free(&a);
	}

	/* an unknown ticket: refused each time, never kept */
	assert_int_equal(store_ticket_events(fx->st, id + 1000, &a), STORE_NOT_FOUND);
	assert_int_equal(store_ticket_events(fx->st, id + 1000, &a), STORE_NOT_FOUND);

	/* the staff list: a name changed elsewhere is read, not the kept one */
	assert_int_equal(store_user_list(fx->st, &u), STORE_OK);
	user_list_free(&u);
	hits = store_result_cache_hits(fx->st);
	assert_int_equal(store_user_list(fx->st, &u), STORE_OK);
	assert_int_equal(store_result_cache_hits(fx->st), hits + 1);
	assert_string_equal(u.items[0].name, "Ana Anić");
	user_list_free(&u);
	{
		sqlite3 *raw = raw_open(fx);

		assert_int_equal(sqlite3_exec(raw, "UPDATE users SET name = 'Ana Anić-Kovač' "
						   "WHERE name = 'Ana Anić'",
					      NULL, NULL, NULL),
				 SQLITE_OK);
		assert_int_equal(sqlite3_changes(raw), 1);
		sqlite3_close(raw);
	}
	assert_int_equal(store_user_list(fx->st, &u), STORE_OK);
	assert_string_equal(u.items[0].name, "Ana Anić-Kovač");
	user_list_free(&u);

	/*
	 * In a page's snapshot the version is read once: its reads are kept and
	 * answered as the snapshot's state, a commit elsewhere meanwhile shows
	 * only after it ends.
	 */
	assert_int_equal(store_read_begin(fx->st), STORE_OK);
	assert_int_equal(store_user_list(fx->st, &u), STORE_OK);
	hits = store_result_cache_hits(fx->st);
	{
		struct user nu;

		memset(&nu, 0, sizeof(nu));
		strcpy(nu.email, "cvita@evid.test");
		strcpy(nu.name, "Cvita Cvitić");
		nu.role = ROLE_TECHNICIAN;
		nu.active = 1;
		assert_int_equal(store_user_create(other, &nu, "", NOW), STORE_OK);
	}
	{
		struct user_list u2;

		assert_int_equal(store_user_list(fx->st, &u2), STORE_OK);
		assert_int_equal(store_result_cache_hits(fx->st), hits + 1);
		assert_int_equal(u2.n, u.n);
		user_list_free(&u2);
		assert_int_equal(store_read_end(fx->st), STORE_OK);
		assert_int_equal(store_user_list(fx->st, &u2), STORE_OK);
		assert_int_equal(u2.n, u.n + 1);
		user_list_free(&u2);
	}
	user_list_free(&u);
	store_close(other);
}

static void test_queue_invalid(void **state)
{
	struct fx *fx = *state;
	struct ticket_filter f;
	struct ticket_list l;
	int64_t counts[STATUS_COUNT];
	char longcat[CATEGORY_MAX_LEN + 2];
	static const struct {
		int status, channel, billing, sort, limit, offset;
		const char *msg;
	} bad[] = {
		{ STATUS_COUNT, -1, -1, 0, 0, 0, "status: unknown value" },
		{ -2, -1, -1, 0, 0, 0, "status: unknown value" },
		{ -1, CHANNEL_COUNT, -1, 0, 0, 0, "channel: unknown value" },
		{ -1, -1, BILLING_COUNT, 0, 0, 0, "billing: unknown value" },
		{ -1, -1, -1, SORT_COUNT, 0, 0, "sort: unknown order" },
		{ -1, -1, -1, -1, 0, 0, "sort: unknown order" },
		{ -1, -1, -1, 0, -1, 0, "limit: must not be negative" },
		{ -1, -1, -1, 0, 10, -1, "offset: must not be negative" },
	};
	size_t i;

	for (i = 0; i < COUNT(bad); i++) {
		store_ticket_filter_init(&f);
		f.status = bad[i].status;
		f.channel = bad[i].channel;
		f.billing = bad[i].billing;
		f.sort = (enum ticket_sort)bad[i].sort;
		f.limit = bad[i].limit;
		f.offset = bad[i].offset;
		assert_int_equal(store_ticket_list(fx->st, &f, &l, NULL), STORE_INVALID);
		assert_string_equal(store_errmsg(fx->st), bad[i].msg);
	}
	store_ticket_filter_init(&f);
	memset(longcat, 'k', sizeof(longcat) - 1);
	longcat[sizeof(longcat) - 1] = '\0';
	f.category = longcat;
	assert_int_equal(store_ticket_list(fx->st, &f, &l, NULL), STORE_INVALID);
	assert_int_equal(store_ticket_status_counts(fx->st, &f, counts), STORE_INVALID);
	store_ticket_filter_init(&f);
	f.channel = 99;
	assert_int_equal(store_ticket_status_counts(fx->st, &f, counts), STORE_INVALID);
}

/* ---- category ---- */

static void test_category(void **state)
{
	struct fx *fx = *state;
	struct ticket t, got;
	struct ticket_patch p;
	struct event last;
	static const struct {
		const char *category;
		int rc;
	} cases[] = {
		{ "Mreža i poslužitelji", STORE_OK },
		{ "", STORE_OK },
		{ "tab\there", STORE_INVALID },
		{ "nova\nlinija", STORE_INVALID },
		{ "\xc5", STORE_INVALID },         /* cut UTF-8 */
		{ "\xff\xfe", STORE_INVALID },
		{ "\xc2\x85", STORE_INVALID },     /* a C1 control */
	};
	char full[CATEGORY_MAX_LEN + 1];
	size_t i;

	memset(&last, 0, sizeof(last));
	memset(&t, 0, sizeof(t));
	strcpy(t.subject, "Kategorija");
	t.channel = CHANNEL_PHONE;
	strcpy(t.category, "hardver");
	assert_int_equal(store_ticket_create(fx->st, &t, 2026, NULL, fx->ana, NOW), STORE_OK);
	assert_string_equal(t.category, "hardver");
	assert_int_equal(store_ticket_get(fx->st, t.id, &got), STORE_OK);
	assert_string_equal(got.category, "hardver");

	for (i = 0; i < COUNT(cases); i++) {
		memset(&p, 0, sizeof(p));
		p.set = PATCH_CATEGORY;
		snprintf(p.category, sizeof(p.category), "%s", cases[i].category);
		assert_int_equal(store_ticket_get(fx->st, t.id, &t), STORE_OK);
		assert_int_equal(store_ticket_update(fx->st, t.id, &p, fx->bruno, NOW + (int64_t)i + 1,
						     &got),
				 cases[i].rc);
		if (cases[i].rc != STORE_OK) {
			assert_non_null(strstr(store_errmsg(fx->st), "category: "));
			continue;
		}
		assert_string_equal(got.category, cases[i].category);
		assert_true(events_of_kind(fx, t.id, EVENT_FIELD_CHANGE, &last) > 0);
		assert_string_equal(last.field, "category");
		assert_string_equal(last.old_value, t.category);
		assert_string_equal(last.new_value, cases[i].category);
		assert_int_equal(last.author_user_id, fx->bruno);
	}
	/* The same value again is no change: no event, updated_at stays. */
	memset(&p, 0, sizeof(p));
	p.set = PATCH_CATEGORY;
	assert_int_equal(store_ticket_get(fx->st, t.id, &t), STORE_OK);
	assert_int_equal(store_ticket_update(fx->st, t.id, &p, fx->ana, NOW + 100, &got), STORE_OK);
	assert_int_equal(got.updated_at, t.updated_at);
	assert_int_equal(events_of_kind(fx, t.id, EVENT_FIELD_CHANGE, NULL), 2);
	/* CATEGORY_MAX_LEN bytes fit. */
	memset(full, 'x', CATEGORY_MAX_LEN);
	full[CATEGORY_MAX_LEN] = '\0';
	memcpy(p.category, full, sizeof(full));
	assert_int_equal(store_ticket_update(fx->st, t.id, &p, fx->ana, NOW + 101, &got), STORE_OK);
	assert_int_equal(strlen(got.category), CATEGORY_MAX_LEN);
	/* Other fields leave the category alone. */
	memset(&p, 0, sizeof(p));
	p.set = PATCH_PRIORITY;
	p.priority = PRIORITY_URGENT;
	assert_int_equal(store_ticket_update(fx->st, t.id, &p, fx->ana, NOW + 102, &got), STORE_OK);
	assert_string_equal(got.category, full);
	counts_consistent(fx);
	/* A bad category at creation is refused, nothing made. */
	memset(&t, 0, sizeof(t));
	strcpy(t.subject, "Loša");
	t.channel = CHANNEL_PHONE;
	strcpy(t.category, "a\x01");
	assert_int_equal(store_ticket_create(fx->st, &t, 2026, NULL, 0, NOW), STORE_INVALID);
	assert_int_equal(raw_int(fx, "SELECT count(*) FROM tickets"), 1);
	event_free(&last);
}

/* ---- merge ---- */

static void test_merge(void **state)
{
	struct fx *fx = *state;
	struct ticket a, b, got;
	struct timer_running run;
	struct time_entry_list tl;
	struct event ev;
	int64_t c_id, d_id, events_before;

	memset(&ev, 0, sizeof(ev));
	tk_create(fx, &(struct tk){ "Prvi", STATUS_OPEN, .client = 1, .contact = 1, .body = "x" }, &a);
	tk_create(fx, &(struct tk){ "Drugi", STATUS_NEW, .client = 1, .contact = 2 }, &b);
	/* Two stopwatches on a, one on b: a's stop with the merge, b's runs on. */
	assert_int_equal(store_timer_start(fx->st, fx->ana, a.id, NOW, &run, NULL), STORE_OK);
	assert_int_equal(store_timer_start(fx->st, fx->bruno, b.id, NOW, &run, NULL), STORE_OK);

	assert_int_equal(store_ticket_merge(fx->st, a.id, b.id, fx->bruno, NOW + HOUR), STORE_OK);

	assert_int_equal(store_ticket_get(fx->st, a.id, &got), STORE_OK);
	assert_int_equal(got.merged_into, b.id);
	assert_int_equal(got.status, STATUS_CLOSED);
	assert_int_equal(got.closed_at, NOW + HOUR);
	assert_int_equal(got.time_seconds, HOUR);
	assert_int_equal(store_timer_get(fx->st, fx->ana, &run), STORE_NOT_FOUND);
	assert_int_equal(store_timer_get(fx->st, fx->bruno, &run), STORE_OK);
	assert_int_equal(run.ticket_id, b.id);
	assert_int_equal(store_time_list(fx->st, a.id, &tl), STORE_OK);
	assert_int_equal(tl.n, 1);
	assert_int_equal(tl.items[0].user_id, fx->ana);
	time_entry_list_free(&tl);
	assert_int_equal(events_of_kind(fx, a.id, EVENT_TIME_ENTRY, NULL), 1);
	/* The history of both. */
	assert_int_equal(events_of_kind(fx, a.id, EVENT_MERGE, &ev), 1);
	assert_string_equal(ev.field, "merged_into");
	assert_string_equal(ev.old_value, "");
	assert_string_equal(ev.new_value, b.number);
	assert_int_equal(ev.author_user_id, fx->bruno);
	assert_int_equal(events_of_kind(fx, a.id, EVENT_STATUS_CHANGE, &ev), 1);
	assert_string_equal(ev.old_value, "open");
	assert_string_equal(ev.new_value, "closed");
	assert_int_equal(events_of_kind(fx, b.id, EVENT_MERGE, &ev), 1);
	assert_string_equal(ev.field, "merged_from");
	assert_string_equal(ev.new_value, a.number);
	assert_int_equal(ev.created_at, NOW + HOUR);
	assert_string_equal(event_kind_name(ev.kind), "merge");
	assert_int_equal(store_ticket_get(fx->st, b.id, &got), STORE_OK);
	assert_int_equal(got.updated_at, NOW + HOUR);
	assert_int_equal(got.merged_into, 0);
	assert_int_equal(got.status, STATUS_NEW);

	/* The refusals, each changing nothing. */
	c_id = tk_create(fx, &(struct tk){ "Treći", STATUS_OPEN }, NULL);
	d_id = tk_create(fx, &(struct tk){ "Četvrti", STATUS_CLOSED }, NULL);
	events_before = raw_int(fx, "SELECT count(*) FROM events");
	static const struct {
		int from, into; /* 0 a, 1 b, 2 c, 3 d, 9 none */
		int64_t actor;
		int rc;
		const char *msg; /* NULL: not checked */
	} refused[] = {
		{ 9, 1, 0, STORE_NOT_FOUND, "ticket 999 not found" },
		{ 2, 9, 0, STORE_NOT_FOUND, "ticket 999 not found" },
		{ 9, 9, 0, STORE_NOT_FOUND, NULL },
		{ 2, 2, 0, STORE_INVALID, "into: a ticket cannot be merged into itself" },
		{ 0, 2, 0, STORE_CONFLICT, NULL },  /* a is merged already */
		{ 2, 0, 0, STORE_CONFLICT, NULL },  /* a is merged into b */
		{ 2, 3, 999, STORE_INVALID, "actor_user_id: no such user" },
	};
	const int64_t ids[] = { a.id, b.id, c_id, d_id, 0, 0, 0, 0, 0, 999 };
	char msg[200];
	size_t i;

	for (i = 0; i < COUNT(refused); i++) {
		assert_int_equal(store_ticket_merge(fx->st, ids[refused[i].from], ids[refused[i].into],
						    refused[i].actor, NOW + 2 * HOUR),
				 refused[i].rc);
		if (refused[i].msg)
			assert_string_equal(store_errmsg(fx->st), refused[i].msg);
	}
	snprintf(msg, sizeof(msg), "ticket %s is already merged into %s", a.number, b.number);
	assert_int_equal(store_ticket_merge(fx->st, a.id, c_id, 0, NOW), STORE_CONFLICT);
	assert_string_equal(store_errmsg(fx->st), msg);
	snprintf(msg, sizeof(msg), "ticket %s was merged into %s; merge into %s instead", a.number,
		 b.number, b.number);
	assert_int_equal(store_ticket_merge(fx->st, c_id, a.id, 0, NOW), STORE_CONFLICT);
	assert_string_equal(store_errmsg(fx->st), msg);
	assert_int_equal(raw_int(fx, "SELECT count(*) FROM events"), events_before);
	assert_int_equal(raw_int(fx, "SELECT count(*) FROM tickets WHERE merged_into IS NOT NULL"), 1);

	/* A chain: b into c (b's stopwatch stops); a still points to b. */
	assert_int_equal(store_ticket_merge(fx->st, b.id, c_id, 0, NOW + 3 * HOUR), STORE_OK);
	assert_int_equal(store_timer_get(fx->st, fx->bruno, &run), STORE_NOT_FOUND);
	assert_int_equal(store_ticket_get(fx->st, b.id, &got), STORE_OK);
	assert_int_equal(got.merged_into, c_id);
	assert_int_equal(got.time_seconds, 3 * HOUR);
	assert_int_equal(events_of_kind(fx, b.id, EVENT_MERGE, NULL), 2);
	/* An already closed ticket keeps its closing time and gets no status change. */
	assert_int_equal(store_ticket_get(fx->st, d_id, &got), STORE_OK);
	assert_int_equal(store_ticket_merge(fx->st, d_id, c_id, fx->ana, NOW + 4 * HOUR), STORE_OK);
	{
		struct ticket d2;

		assert_int_equal(store_ticket_get(fx->st, d_id, &d2), STORE_OK);
		assert_int_equal(d2.closed_at, got.closed_at);
		assert_int_equal(d2.merged_into, c_id);
		assert_int_equal(events_of_kind(fx, d_id, EVENT_STATUS_CHANGE, NULL), 0);
	}
	assert_int_equal(events_of_kind(fx, c_id, EVENT_MERGE, NULL), 2);
	/* The merged ones are closed: the active queue has only c. */
	{
		struct ticket_filter f;
		int64_t l[8];

		store_ticket_filter_init(&f);
		f.open_only = 1;
		assert_int_equal(list_ids(fx, &f, l, COUNT(l), NULL), 1);
		assert_int_equal(l[0], c_id);
	}
	counts_consistent(fx);
	event_free(&ev);
}

/* ---- merge and mail ---- */

static void msg_init(struct mail_msg *m, const char *from, const char *subject, const char *msgid,
		     const char *in_reply_to, const char *text)
{
	memset(m, 0, sizeof(*m));
	snprintf(m->from.addr, sizeof(m->from.addr), "%s", from);
	m->to.items = xcalloc(1, sizeof(*m->to.items));
	snprintf(m->to.items[0].addr, sizeof(m->to.items[0].addr), "support@evid.test");
	m->to.n = 1;
	snprintf(m->subject, sizeof(m->subject), "%s", subject);
	snprintf(m->message_id, sizeof(m->message_id), "%s", msgid);
	snprintf(m->in_reply_to, sizeof(m->in_reply_to), "%s", in_reply_to ? in_reply_to : "");
	m->date = NOW;
	m->has_return_path = 1;
	m->text = xstrdup(text);
	m->text_len = strlen(text);
	m->quote_at = m->text_len;
}

static int import(struct fx *fx, struct mail_msg *m, int64_t now, struct mail_outcome *o)
{
	char raw[1024], hash[CRYPTO_SHA256_HEX];
	int n = snprintf(raw, sizeof(raw), "From: %s\r\nSubject: %s\r\nMessage-ID: <%s>\r\n\r\n%s",
			 m->from.addr, m->subject, m->message_id, m->text);
	int rc;

	crypto_sha256_hex(raw, (size_t)n, hash);
	memset(o, 0, sizeof(*o));
	rc = store_mail_import(fx->st, m, raw, (size_t)n, hash, MAIL_SOURCE_PIPE, &policy, now, o);
	mail_msg_free(m);
	return rc;
}

static void test_merge_mail(void **state)
{
	struct fx *fx = *state;
	struct mail_msg m;
	struct mail_outcome o;
	struct ticket a, b, c;
	char subject[100];
	int64_t reply_out = 0;

	/* a opened by Ivan's mail, b by Marko's; our reply on a has its own Message-ID. */
	msg_init(&m, "ivan@firma.hr", "Pisač", "a1@firma.hr", NULL, "Ne radi.");
	assert_int_equal(import(fx, &m, NOW, &o), STORE_OK);
	assert_int_equal(o.result, MAIL_NEW);
	assert_int_equal(store_ticket_get(fx->st, o.ticket_id, &a), STORE_OK);
	msg_init(&m, "marko@firma.hr", "Pisač opet", "b1@firma.hr", NULL, "I dalje.");
	assert_int_equal(import(fx, &m, NOW, &o), STORE_OK);
	assert_int_equal(store_ticket_get(fx->st, o.ticket_id, &b), STORE_OK);
	assert_int_equal(store_reply_queue(fx->st, a.id, fx->ana, "Gledamo.", "ivan@firma.hr", NULL,
					   NULL, 0, &policy, NOW + 1, NULL, &reply_out),
			 STORE_OK);

	assert_int_equal(store_ticket_merge(fx->st, a.id, b.id, fx->ana, NOW + HOUR), STORE_OK);

	/* Ivan answers a's first message: it goes to b, which stays open. */
	msg_init(&m, "ivan@firma.hr", "Re: Pisač", "a2@firma.hr", "a1@firma.hr", "Još uvijek.");
	assert_int_equal(import(fx, &m, NOW + 2 * HOUR, &o), STORE_OK);
	assert_int_equal(o.result, MAIL_APPENDED);
	assert_int_equal(o.ticket_id, b.id);
	/* An answer to our reply on a, too. */
	{
		struct outbox_item it;

		assert_int_equal(store_outbox_get(fx->st, reply_out, &it, NULL, NULL), STORE_OK);
		msg_init(&m, "ivan@firma.hr", "Re: Gledamo", "a3@firma.hr", it.message_id, "Hvala.");
	}
	assert_int_equal(import(fx, &m, NOW + 3 * HOUR, &o), STORE_OK);
	assert_int_equal(o.ticket_id, b.id);
	/* b into c: a's mail follows the chain to c. */
	tk_create(fx, &(struct tk){ "Glavni", STATUS_OPEN, .client = 1 }, &c);
	assert_int_equal(store_ticket_merge(fx->st, b.id, c.id, fx->ana, NOW + 4 * HOUR), STORE_OK);
	msg_init(&m, "ivan@firma.hr", "Re: Pisač", "a4@firma.hr", "a1@firma.hr", "Opet ja.");
	assert_int_equal(import(fx, &m, NOW + 5 * HOUR, &o), STORE_OK);
	assert_int_equal(o.result, MAIL_APPENDED);
	assert_int_equal(o.ticket_id, c.id);
	/* A subject tag of a, from a sender a knew: to c as well. */
	snprintf(subject, sizeof(subject), "Re: [#%s] Pisač", a.number);
	msg_init(&m, "ivan@firma.hr", subject, "a5@firma.hr", NULL, "Po oznaci.");
	assert_int_equal(import(fx, &m, NOW + 6 * HOUR, &o), STORE_OK);
	assert_int_equal(o.result, MAIL_APPENDED);
	assert_int_equal(o.ticket_id, c.id);
	/* The messages of a stayed on a; the new ones went on. */
	assert_int_equal(raw_int(fx, "SELECT count(*) FROM mail_messages WHERE ticket_id = %lld "
				     "AND direction = 'in'", (long long)a.id),
			 1);
	assert_int_equal(raw_int(fx, "SELECT count(*) FROM mail_messages WHERE ticket_id = %lld "
				     "AND direction = 'in'", (long long)b.id),
			 3);
	assert_int_equal(raw_int(fx, "SELECT count(*) FROM mail_messages WHERE ticket_id = %lld "
				     "AND direction = 'in'", (long long)c.id),
			 2);
	counts_consistent(fx);
}

/* ---- the ticket page: time shares, mail ---- */

static void test_time_shares(void **state)
{
	struct fx *fx = *state;
	struct time_share_list l;
	struct time_entry e;
	int64_t id, other;
	static const struct {
		int user; /* 0 ana, 1 bruno */
		int64_t minutes;
	} entries[] = { { 0, 30 }, { 1, 45 }, { 0, 10 }, { 1, 5 }, { 1, 20 } };
	size_t i;

	id = tk_create(fx, &(struct tk){ "Udjeli", STATUS_OPEN }, NULL);
	other = tk_create(fx, &(struct tk){ "Drugi", STATUS_OPEN }, NULL);
	assert_int_equal(store_ticket_time_shares(fx->st, id, &l), STORE_OK);
	assert_int_equal(l.n, 0);
	time_share_list_free(&l);
	for (i = 0; i < COUNT(entries); i++) {
		memset(&e, 0, sizeof(e));
		e.ticket_id = id;
		e.user_id = entries[i].user ? fx->bruno : fx->ana;
		e.started_at = NOW - DAY + (int64_t)i * HOUR;
		e.ended_at = e.started_at + entries[i].minutes * 60;
		assert_int_equal(store_time_add(fx->st, &e, fx->ana, NOW), STORE_OK);
	}
	memset(&e, 0, sizeof(e));
	e.ticket_id = other;
	e.user_id = fx->ana;
	e.started_at = NOW - HOUR;
	e.ended_at = NOW;
	assert_int_equal(store_time_add(fx->st, &e, fx->ana, NOW), STORE_OK);

	assert_int_equal(store_ticket_time_shares(fx->st, id, &l), STORE_OK);
	assert_int_equal(l.n, 2);
	assert_int_equal(l.items[0].user_id, fx->bruno);
	assert_string_equal(l.items[0].user_name, "Bruno Babić");
	assert_int_equal(l.items[0].seconds, 70 * 60);
	assert_int_equal(l.items[0].entries, 3);
	assert_int_equal(l.items[1].user_id, fx->ana);
	assert_int_equal(l.items[1].seconds, 40 * 60);
	assert_int_equal(l.items[1].entries, 2);
	time_share_list_free(&l);
	assert_null(l.items);

	assert_int_equal(store_ticket_time_shares(fx->st, 999, &l), STORE_NOT_FOUND);
	assert_string_equal(store_errmsg(fx->st), "ticket 999 not found");
}

static void test_mail_list(void **state)
{
	struct fx *fx = *state;
	struct ticket_mail_list l;
	struct mail_msg m;
	struct mail_outcome o;
	int64_t id, reply_event = 0, reply_out = 0, second_out = 0;
	size_t i;

	msg_init(&m, "ivan@firma.hr", "Pisač", "p1@firma.hr", NULL, "Ne radi.\n\n> stari tekst");
	m.quote_at = 10;
	m.text_from_html = 1;
	assert_int_equal(import(fx, &m, NOW, &o), STORE_OK);
	id = o.ticket_id;
	assert_int_equal(store_reply_queue(fx->st, id, fx->ana, "Gledamo.", "ivan@firma.hr",
					   "marko@firma.hr", NULL, 0, &policy, NOW + 60,
					   &reply_event, &reply_out),
			 STORE_OK);
	assert_int_equal(store_reply_queue(fx->st, id, fx->ana, "Još.", "ivan@firma.hr", NULL, NULL,
					   0, &policy, NOW + 120, NULL, &second_out),
			 STORE_OK);
	/* The first reply fails once and is retried; the second fails for good. */
	assert_int_equal(store_outbox_attempt(fx->st, reply_out, 0, "451 try later", 0,
					      NOW + 600, NOW + 61),
			 STORE_OK);
	assert_int_equal(store_outbox_attempt(fx->st, second_out, 0, "550 no such user", 1, 0,
					      NOW + 121),
			 STORE_OK);

	assert_int_equal(store_ticket_mail_list(fx->st, id, &l), STORE_OK);
	/* The message in, the acknowledgement, the notification to staff, two replies. */
	assert_true(l.n >= 3);
	assert_int_equal(l.items[0].out, 0);
	assert_string_equal(l.items[0].from_addr, "ivan@firma.hr");
	assert_string_equal(l.items[0].subject, "Pisač");
	assert_int_equal(l.items[0].quote_at, 10);
	assert_int_equal(l.items[0].text_from_html, 1);
	assert_string_equal(l.items[0].delivery, "ok");
	assert_string_equal(l.items[0].outbox_status, "");
	assert_true(l.items[0].event_id > 0);
	for (i = 1; i < l.n; i++) {
		assert_int_equal(l.items[i].out, 1);
		assert_true(l.items[i].outbox_kind[0] != '\0');
		if (!strcmp(l.items[i].outbox_kind, "reply"))
			continue;
		assert_int_equal(l.items[i].event_id, 0); /* no event of its own */
		assert_string_equal(l.items[i].outbox_status, "queued");
	}
	assert_string_equal(l.items[l.n - 2].outbox_kind, "reply");
	assert_int_equal(l.items[l.n - 2].event_id, reply_event);
	assert_string_equal(l.items[l.n - 2].to_addrs, "ivan@firma.hr");
	assert_string_equal(l.items[l.n - 2].cc_addrs, "marko@firma.hr");
	assert_string_equal(l.items[l.n - 2].outbox_status, "queued");
	assert_int_equal(l.items[l.n - 2].attempts, 1);
	assert_string_equal(l.items[l.n - 2].last_error, "451 try later");
	assert_string_equal(l.items[l.n - 2].delivery, "ok");
	assert_int_equal(l.items[l.n - 2].quote_at, -1);
	assert_string_equal(l.items[l.n - 1].outbox_status, "failed");
	assert_string_equal(l.items[l.n - 1].delivery, "undelivered");
	assert_string_equal(l.items[l.n - 1].last_error, "550 no such user");
	assert_int_equal(l.items[l.n - 1].sent_at, 0);
	ticket_mail_list_free(&l);

	/* Sent: its time is there. */
	assert_int_equal(store_outbox_attempt(fx->st, reply_out, 1, NULL, 0, 0, NOW + 700), STORE_OK);
	assert_int_equal(store_ticket_mail_list(fx->st, id, &l), STORE_OK);
	assert_string_equal(l.items[l.n - 2].outbox_status, "sent");
	assert_int_equal(l.items[l.n - 2].sent_at, NOW + 700);
	assert_int_equal(l.items[l.n - 2].attempts, 2);
	ticket_mail_list_free(&l);

	/* A ticket without mail has an empty list; an unknown one is NOT_FOUND. */
	id = tk_create(fx, &(struct tk){ "Telefon", STATUS_OPEN }, NULL);
	assert_int_equal(store_ticket_mail_list(fx->st, id, &l), STORE_OK);
	assert_int_equal(l.n, 0);
	ticket_mail_list_free(&l);
	assert_int_equal(store_ticket_mail_list(fx->st, 999, &l), STORE_NOT_FOUND);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_migrate_from_mail_schema, fx_setup_empty,
						fx_teardown),
		cmocka_unit_test_setup_teardown(test_search, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_search_limits, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_queue, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_queue_names_and_time, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_queue_invalid, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_result_cache, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_kept_lists, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_category, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_merge, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_merge_mail, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_time_shares, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_mail_list, fx_setup, fx_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
