/*
 * Unit tests for the store's mail calls (store_mail.h, SQLite backend)
 * against a real database file in a fresh folder under /tmp per test.
 * Messages are built by hand as the MIME parser would leave them (no GMime);
 * a raw sqlite3 connection looks at what the store wrote.
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
#include "store/store_mail.h"
#include "util/crypto.h"
#include "util/xalloc.h"
#include "testdb.h"

/* 2026-03-02T08:00:00Z */
#define NOW 1772438400LL
#define HOUR 3600
#define DAY 86400

static const struct mail_policy policy = {
	.tag_prefix = "#",
	.reopen_days = 14,
	.ours = "support@evid.test, help@evid.test",
	.msgid_domain = "evid.test",
	.autoreply_per_hour = 2,
	.year = 2026,
};

struct fx {
	char dir[TESTDB_DIR_MAX];
	char path[TESTDB_PATH_MAX];
	struct store *st;
	int64_t admin, tech, retired;  /* staff: active admin, active technician, inactive */
	int64_t firma, ivan, marko;    /* client firma.hr and two of its contacts */
};

static int64_t add_user(struct fx *fx, const char *email, const char *name, enum user_role role,
			int active)
{
	struct user u;

	memset(&u, 0, sizeof(u));
	strcpy(u.email, email);
	strcpy(u.name, name);
	u.role = role;
	u.active = active;
	assert_int_equal(store_user_create(fx->st, &u, "", NOW), STORE_OK);
	return u.id;
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

static int fx_setup(void **state)
{
	struct fx *fx = xcalloc(1, sizeof(*fx));
	struct client c;

	if (testdb_make(fx->dir, fx->path, "store-mail") != 0 ||
	    testdb_open(fx->path, &fx->st, 1) != 0)
		return -1;
	*state = fx;
	fx->admin = add_user(fx, "boss@evid.test", "Šef", ROLE_ADMIN, 1);
	fx->tech = add_user(fx, "tech@evid.test", "Tehničar", ROLE_TECHNICIAN, 1);
	fx->retired = add_user(fx, "old@evid.test", "Bivši", ROLE_TECHNICIAN, 0);
	memset(&c, 0, sizeof(c));
	strcpy(c.name, "Firma d.o.o.");
	strcpy(c.email_domains, "firma.hr,firma.com");
	c.active = 1;
	if (store_client_create(fx->st, &c, NOW) != STORE_OK)
		return -1;
	fx->firma = c.id;
	fx->ivan = add_contact(fx, fx->firma, "Ivan Horvat", "ivan@firma.hr");
	fx->marko = add_contact(fx, fx->firma, "Marko Marić", "marko@firma.hr");
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

/* ---- raw looks at the database ---- */

static sqlite3 *raw_open(struct fx *fx)
{
	return testdb_raw(fx->path);
}

static int raw_exec(struct fx *fx, const char *sql)
{
	return testdb_raw_exec(fx->path, sql);
}

/* The first column of the first row of sql (printf-style), as an integer; -1 when none. */
__attribute__((format(printf, 2, 3))) static int64_t raw_int(struct fx *fx, const char *fmt, ...)
{
	va_list ap;
	int64_t v;

	va_start(ap, fmt);
	v = testdb_raw_vint(fx->path, fmt, ap);
	va_end(ap);
	return v;
}

/* The first column of the first row of sql as text into out ("" when none). */
__attribute__((format(printf, 4, 5))) static void raw_text(struct fx *fx, char *out, size_t n,
							    const char *fmt, ...)
{
	char sql[512];
	va_list ap;
	sqlite3 *db = raw_open(fx);
	sqlite3_stmt *s = NULL;

	va_start(ap, fmt);
	vsnprintf(sql, sizeof(sql), fmt, ap);
	va_end(ap);
	out[0] = '\0';
	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &s, NULL), SQLITE_OK);
	if (sqlite3_step(s) == SQLITE_ROW && sqlite3_column_text(s, 0))
		snprintf(out, n, "%s", (const char *)sqlite3_column_text(s, 0));
	sqlite3_finalize(s);
	sqlite3_close(db);
}

/* How many rows each table that an import writes holds, to see that nothing changed. */
struct counts {
	int64_t tickets, events, attachments, raw, messages, outbox, addresses, links, seq;
};

static void counts_take(struct fx *fx, struct counts *c)
{
	c->tickets = raw_int(fx, "SELECT count(*) FROM tickets");
	c->events = raw_int(fx, "SELECT count(*) FROM events");
	c->attachments = raw_int(fx, "SELECT count(*) FROM attachments");
	c->raw = raw_int(fx, "SELECT count(*) FROM mail_raw");
	c->messages = raw_int(fx, "SELECT count(*) FROM mail_messages");
	c->outbox = raw_int(fx, "SELECT count(*) FROM outbox");
	c->addresses = raw_int(fx, "SELECT count(*) FROM ticket_addresses");
	c->links = raw_int(fx, "SELECT count(*) FROM ticket_links");
	c->seq = raw_int(fx, "SELECT coalesce(sum(last), 0) FROM ticket_seq");
}

static void counts_same(struct fx *fx, const struct counts *before)
{
	struct counts now;

	counts_take(fx, &now);
	assert_int_equal(now.tickets, before->tickets);
	assert_int_equal(now.events, before->events);
	assert_int_equal(now.attachments, before->attachments);
	assert_int_equal(now.raw, before->raw);
	assert_int_equal(now.messages, before->messages);
	assert_int_equal(now.outbox, before->outbox);
	assert_int_equal(now.addresses, before->addresses);
	assert_int_equal(now.links, before->links);
	assert_int_equal(now.seq, before->seq);
}

/* ---- messages built by hand ---- */

static void addr_set(struct mail_addr *a, const char *addr, const char *name)
{
	snprintf(a->addr, sizeof(a->addr), "%s", addr);
	snprintf(a->name, sizeof(a->name), "%s", name ? name : "");
}

static void list_add(struct mail_addr_list *l, const char *addr)
{
	l->items = xrealloc(l->items, (l->n + 1) * sizeof(*l->items));
	memset(&l->items[l->n], 0, sizeof(l->items[l->n]));
	addr_set(&l->items[l->n++], addr, NULL);
}

/* A message to support@evid.test as the parser leaves it; msgid may be NULL (none). */
static void msg_init(struct mail_msg *m, const char *from, const char *name, const char *subject,
		     const char *msgid, const char *text)
{
	memset(m, 0, sizeof(*m));
	addr_set(&m->from, from, name);
	list_add(&m->to, "support@evid.test");
	snprintf(m->subject, sizeof(m->subject), "%s", subject);
	snprintf(m->message_id, sizeof(m->message_id), "%s", msgid ? msgid : "");
	m->date = NOW - 60;
	m->has_return_path = 1;
	m->text = xstrdup(text);
	m->text_len = strlen(text);
	m->quote_at = m->text_len;
}

static void msg_reference(struct mail_msg *m, const char *id)
{
	m->references = xrealloc(m->references, (m->n_references + 1) * sizeof(char *));
	m->references[m->n_references++] = xstrdup(id);
}

static void msg_file(struct mail_msg *m, const char *name, const char *type, const char *data)
{
	struct mail_file *f;

	m->files.items = xrealloc(m->files.items, (m->files.n + 1) * sizeof(*f));
	f = &m->files.items[m->files.n++];
	memset(f, 0, sizeof(*f));
	snprintf(f->filename, sizeof(f->filename), "%s", name);
	snprintf(f->media_type, sizeof(f->media_type), "%s", type);
	f->size = strlen(data);
	f->data = (unsigned char *)xstrdup(data);
	crypto_sha256_hex(f->data, f->size, f->sha256);
}

/* Import m with a raw text made from its fields, under policy pol (NULL: the default). */
static int import_pol(struct fx *fx, const struct mail_msg *m, const struct mail_policy *pol,
		      int64_t now, struct mail_outcome *o)
{
	char raw[4096], hash[CRYPTO_SHA256_HEX];
	int n;

	n = snprintf(raw, sizeof(raw),
		     "From: %s <%s>\r\nSubject: %s\r\nMessage-ID: <%s>\r\nIn-Reply-To: <%s>\r\n"
		     "\r\n%s\r\n",
		     m->from.name, m->from.addr, m->subject, m->message_id, m->in_reply_to,
		     m->text);
	assert_true(n > 0 && (size_t)n < sizeof(raw));
	crypto_sha256_hex(raw, (size_t)n, hash);
	memset(o, 0, sizeof(*o));
	return store_mail_import(fx->st, m, raw, (size_t)n, hash, MAIL_SOURCE_PIPE,
				 pol ? pol : &policy, now, o);
}

static int import(struct fx *fx, const struct mail_msg *m, int64_t now, struct mail_outcome *o)
{
	return import_pol(fx, m, NULL, now, o);
}

/* Import a fresh message and expect a new ticket; returns its id. */
static int64_t new_ticket(struct fx *fx, const char *from, const char *msgid, int64_t now)
{
	struct mail_msg m;
	struct mail_outcome o;

	msg_init(&m, from, "Sender", "Printer on fire", msgid, "It burns.");
	assert_int_equal(import(fx, &m, now, &o), STORE_OK);
	assert_int_equal(o.result, MAIL_NEW);
	mail_msg_free(&m);
	return o.ticket_id;
}

/* The outbox messages of ticket_id of kind, counted. */
static size_t outbox_count(struct fx *fx, int64_t ticket_id, enum outbox_kind kind)
{
	struct outbox_list l;
	size_t i, n = 0;

	assert_int_equal(store_outbox_list(fx->st, -1, 0, &l), STORE_OK);
	for (i = 0; i < l.n; i++)
		n += l.items[i].ticket_id == ticket_id && l.items[i].kind == kind;
	outbox_list_free(&l);
	return n;
}

/* The newest outbox message of ticket_id of kind into *out; fails the test when none. */
static void outbox_find(struct fx *fx, int64_t ticket_id, enum outbox_kind kind,
			struct outbox_item *out)
{
	struct outbox_list l;
	size_t i;
	int found = 0;

	assert_int_equal(store_outbox_list(fx->st, -1, 0, &l), STORE_OK);
	for (i = 0; i < l.n && !found; i++) {
		if (l.items[i].ticket_id == ticket_id && l.items[i].kind == kind) {
			*out = l.items[i];
			found = 1;
		}
	}
	outbox_list_free(&l);
	assert_true(found);
}

/* The last event of ticket_id into *out (its body freed: only the fields are kept). */
static void last_event(struct fx *fx, int64_t ticket_id, struct event *out)
{
	struct event_list l;

	assert_int_equal(store_ticket_events(fx->st, ticket_id, &l), STORE_OK);
	assert_true(l.n > 0);
	*out = l.items[l.n - 1];
	out->body = l.items[l.n - 1].body ? xstrdup(l.items[l.n - 1].body) : NULL;
	event_list_free(&l);
}

static void set_status(struct fx *fx, int64_t id, enum ticket_status s, int64_t now)
{
	struct ticket_patch p;

	memset(&p, 0, sizeof(p));
	p.set = PATCH_STATUS;
	p.status = s;
	assert_int_equal(store_ticket_update(fx->st, id, &p, fx->tech, now, NULL), STORE_OK);
}

/* ---- new tickets ---- */

static void test_new_from_contact(void **state)
{
	struct fx *fx = *state;
	struct mail_msg m;
	struct mail_outcome o;
	struct ticket t;
	struct event_list ev;
	struct attachment_list al;
	struct outbox_list ol;
	struct mail_record_list ml;
	struct mail_addr origin;
	struct outbox_item ack, note;
	void *data = NULL;
	struct attachment a;
	size_t i;

	msg_init(&m, "ivan@firma.hr", "Ivan Horvat", "Pisač ne radi", "a1@firma.hr",
		 "Dobar dan,\npisač ne ispisuje.\n");
	list_add(&m.cc, "kolega@firma.hr");
	list_add(&m.cc, "HELP@evid.test");
	msg_file(&m, "greska.png", "image/png", "PNGDATA");
	m.quote_at = 10;
	assert_int_equal(import(fx, &m, NOW, &o), STORE_OK);
	assert_int_equal(o.result, MAIL_NEW);
	assert_true(o.ticket_id > 0);
	assert_string_equal(o.number, "2026-000001");
	assert_int_equal(o.client_id, fx->firma);
	assert_int_equal(o.contact_id, fx->ivan);
	assert_int_equal(o.triage, 0);
	assert_int_equal(o.linked_ticket_id, 0);
	assert_null(o.no_answer_why);
	/* The acknowledgement and one notification per active staff member. */
	assert_int_equal(o.queued, 3);

	assert_int_equal(store_ticket_get(fx->st, o.ticket_id, &t), STORE_OK);
	assert_string_equal(t.subject, "Pisač ne radi");
	assert_int_equal(t.status, STATUS_NEW);
	assert_int_equal(t.channel, CHANNEL_EMAIL);
	assert_int_equal(t.client_id, fx->firma);
	assert_int_equal(t.contact_id, fx->ivan);
	assert_int_equal(t.created_by, 0);
	assert_int_equal(t.created_at, NOW);

	assert_int_equal(store_ticket_events(fx->st, o.ticket_id, &ev), STORE_OK);
	assert_int_equal(ev.n, 1);
	assert_int_equal(ev.items[0].id, o.event_id);
	assert_int_equal(ev.items[0].kind, EVENT_MESSAGE_IN);
	assert_int_equal(ev.items[0].author_contact_id, fx->ivan);
	assert_string_equal(ev.items[0].author_name, "Ivan Horvat");
	assert_string_equal(ev.items[0].body, "Dobar dan,\npisač ne ispisuje.\n");
	event_list_free(&ev);

	assert_int_equal(store_attachment_list(fx->st, o.ticket_id, &al), STORE_OK);
	assert_int_equal(al.n, 1);
	assert_int_equal(al.items[0].event_id, o.event_id);
	assert_string_equal(al.items[0].filename, "greska.png");
	assert_string_equal(al.items[0].media_type, "image/png");
	assert_int_equal(al.items[0].size, 7);
	assert_string_equal(al.items[0].sha256, m.files.items[0].sha256);
	assert_int_equal(store_attachment_get(fx->st, al.items[0].id, &a, &data), STORE_OK);
	assert_memory_equal(data, "PNGDATA", 7);
	free(data);
	attachment_list_free(&al);

	outbox_find(fx, o.ticket_id, OUTBOX_ACK, &ack);
	assert_string_equal(ack.to, "ivan@firma.hr");
	assert_int_equal(ack.event_id, o.event_id);
	assert_int_equal(ack.status, OUTBOX_QUEUED);
	assert_int_equal(ack.next_attempt_at, NOW);
	assert_int_equal(ack.rendered, 0);
	assert_int_equal(strncmp(ack.message_id, "evid.", 5), 0);
	assert_non_null(strstr(ack.message_id, ".2026-000001@evid.test"));
	assert_int_equal(outbox_count(fx, o.ticket_id, OUTBOX_NOTIFY_NEW), 2);
	assert_int_equal(store_outbox_list(fx->st, OUTBOX_QUEUED, 0, &ol), STORE_OK);
	assert_int_equal(ol.n, 3);
	for (i = 0; i < ol.n; i++) {
		/* The inactive technician hears nothing; every id is distinct. */
		assert_string_not_equal(ol.items[i].to, "old@evid.test");
		if (i)
			assert_string_not_equal(ol.items[i].message_id,
						ol.items[i - 1].message_id);
	}
	outbox_list_free(&ol);
	outbox_find(fx, o.ticket_id, OUTBOX_NOTIFY_NEW, &note);
	assert_true(!strcmp(note.to, "boss@evid.test") || !strcmp(note.to, "tech@evid.test"));

	/* The ticket's mail: the message in, then the three out, in order. */
	assert_int_equal(store_mail_messages(fx->st, o.ticket_id, &ml), STORE_OK);
	assert_int_equal(ml.n, 4);
	assert_int_equal(ml.items[0].out, 0);
	assert_string_equal(ml.items[0].message_id, "a1@firma.hr");
	assert_string_equal(ml.items[0].from_addr, "ivan@firma.hr");
	assert_string_equal(ml.items[0].from_name, "Ivan Horvat");
	assert_string_equal(ml.items[0].to, "support@evid.test");
	assert_string_equal(ml.items[0].cc, "kolega@firma.hr, HELP@evid.test");
	assert_int_equal(ml.items[0].event_id, o.event_id);
	assert_int_equal(ml.items[0].quote_at, 10);
	assert_int_equal(ml.items[0].date, NOW - 60);
	assert_int_equal(ml.items[1].out, 1);
	assert_int_equal(ml.items[1].outbox_id, ack.id);
	assert_string_equal(ml.items[1].message_id, ack.message_id);
	assert_string_equal(ml.items[1].from_addr, "support@evid.test");
	assert_string_equal(ml.items[1].subject, "Pisač ne radi [#2026-000001]");
	assert_int_equal(ml.items[1].sent_at, 0);
	mail_record_list_free(&ml);

	/* The addresses on the ticket's mail, ours left out; the raw message kept. */
	assert_int_equal(raw_int(fx, "SELECT count(*) FROM ticket_addresses WHERE ticket_id = %lld",
				 (long long)o.ticket_id), 2);
	assert_int_equal(raw_int(fx, "SELECT count(*) FROM ticket_addresses WHERE addr = "
				     "'kolega@firma.hr'"), 1);
	assert_int_equal(raw_int(fx, "SELECT count(*) FROM mail_raw"), 1);
	assert_int_equal(store_mail_origin(fx->st, o.ticket_id, &origin), STORE_OK);
	assert_string_equal(origin.addr, "ivan@firma.hr");
	assert_string_equal(origin.name, "Ivan Horvat");
	mail_msg_free(&m);
}

static void test_new_from_domain(void **state)
{
	struct fx *fx = *state;
	struct mail_msg m;
	struct mail_outcome o;
	struct event e;

	msg_init(&m, "ana@firma.com", "Ana Anić", "Mreža", "d1@firma.com", "Nema mreže.");
	assert_int_equal(import(fx, &m, NOW, &o), STORE_OK);
	assert_int_equal(o.result, MAIL_NEW);
	assert_int_equal(o.client_id, fx->firma);
	assert_int_equal(o.contact_id, 0);
	assert_int_equal(o.triage, 0);
	last_event(fx, o.ticket_id, &e);
	assert_int_equal(e.author_contact_id, 0);
	assert_int_equal(e.author_user_id, 0);
	/* Nobody here wrote it: the sender shows as "Name <addr>". */
	assert_string_equal(e.author_name, "Ana Anić <ana@firma.com>");
	event_free(&e);
	mail_msg_free(&m);
}

static void test_new_triage(void **state)
{
	struct fx *fx = *state;
	struct mail_msg m;
	struct mail_outcome o;
	struct mail_addr origin;
	struct ticket t;
	struct event e;

	msg_init(&m, "neznanac@gmail.com", "Neznanac", "   ", "t1@gmail.com", "Pomoć?");
	assert_int_equal(import(fx, &m, NOW, &o), STORE_OK);
	assert_int_equal(o.result, MAIL_NEW);
	assert_int_equal(o.client_id, 0);
	assert_int_equal(o.contact_id, 0);
	assert_int_equal(o.triage, 1);
	assert_int_equal(o.queued, 3);
	assert_int_equal(store_ticket_get(fx->st, o.ticket_id, &t), STORE_OK);
	assert_string_equal(t.subject, "(no subject)");
	assert_int_equal(t.client_id, 0);
	assert_int_equal(store_mail_origin(fx->st, o.ticket_id, &origin), STORE_OK);
	assert_string_equal(origin.addr, "neznanac@gmail.com");
	assert_string_equal(origin.name, "Neznanac");
	last_event(fx, o.ticket_id, &e);
	assert_string_equal(e.author_name, "Neznanac <neznanac@gmail.com>");
	event_free(&e);
	mail_msg_free(&m);

	/* A ticket that did not come by mail has no origin. */
	memset(&t, 0, sizeof(t));
	strcpy(t.subject, "Phone call");
	t.channel = CHANNEL_PHONE;
	assert_int_equal(store_ticket_create(fx->st, &t, 2026, "", 0, NOW), STORE_OK);
	assert_int_equal(store_mail_origin(fx->st, t.id, &origin), STORE_NOT_FOUND);

	/* A staff member who writes in is the author. */
	msg_init(&m, "tech@evid.test", "Tehničar", "Za sebe", "s1@evid.test", "Podsjetnik.");
	assert_int_equal(import(fx, &m, NOW, &o), STORE_OK);
	assert_int_equal(o.result, MAIL_NEW);
	last_event(fx, o.ticket_id, &e);
	assert_int_equal(e.author_user_id, fx->tech);
	event_free(&e);
	/* ... and is not notified of their own message (only the admin is). */
	assert_int_equal(outbox_count(fx, o.ticket_id, OUTBOX_NOTIFY_NEW), 1);
	mail_msg_free(&m);
}

/* ---- idempotence ---- */

static void test_duplicate_by_message_id(void **state)
{
	struct fx *fx = *state;
	struct mail_msg m;
	struct mail_outcome o, again;
	struct counts c;

	msg_init(&m, "ivan@firma.hr", "Ivan", "Jednom", "once@firma.hr", "Samo jednom.");
	assert_int_equal(import(fx, &m, NOW, &o), STORE_OK);
	assert_int_equal(o.result, MAIL_NEW);
	counts_take(fx, &c);
	/* The same Message-ID with other bytes (an IMAP copy re-fetched): nothing new. */
	free(m.text);
	m.text = xstrdup("Samo jednom, drugi put.");
	assert_int_equal(import(fx, &m, NOW + HOUR, &again), STORE_OK);
	assert_int_equal(again.result, MAIL_DUPLICATE);
	assert_int_equal(again.ticket_id, o.ticket_id);
	assert_string_equal(again.number, o.number);
	assert_int_equal(again.event_id, o.event_id);
	assert_int_equal(again.queued, 0);
	counts_same(fx, &c);
	mail_msg_free(&m);
}

static void test_duplicate_by_hash(void **state)
{
	struct fx *fx = *state;
	struct mail_msg m;
	struct mail_outcome o, again;
	struct counts c;

	msg_init(&m, "ivan@firma.hr", "Ivan", "Bez ID-a", NULL, "Poruka bez Message-ID.");
	assert_int_equal(import(fx, &m, NOW, &o), STORE_OK);
	assert_int_equal(o.result, MAIL_NEW);
	counts_take(fx, &c);
	assert_int_equal(import(fx, &m, NOW + 5, &again), STORE_OK);
	assert_int_equal(again.result, MAIL_DUPLICATE);
	assert_int_equal(again.ticket_id, o.ticket_id);
	counts_same(fx, &c);
	/* Other bytes without a Message-ID are another message. */
	free(m.text);
	m.text = xstrdup("Druga poruka bez Message-ID.");
	assert_int_equal(import(fx, &m, NOW + 10, &again), STORE_OK);
	assert_int_equal(again.result, MAIL_NEW);
	assert_true(again.ticket_id != o.ticket_id);
	mail_msg_free(&m);
}

/* ---- threading ---- */

static void test_reply_by_references(void **state)
{
	struct fx *fx = *state;
	struct mail_msg m;
	struct mail_outcome o;
	int64_t id = new_ticket(fx, "ivan@firma.hr", "first@firma.hr", NOW);
	struct event e;

	/* In-Reply-To an incoming message, from someone not known there: still appended. */
	msg_init(&m, "drugi@gmail.com", "Drugi", "Re: Printer on fire", "r1@gmail.com", "+1");
	strcpy(m.in_reply_to, "first@firma.hr");
	assert_int_equal(import(fx, &m, NOW + 60, &o), STORE_OK);
	assert_int_equal(o.result, MAIL_APPENDED);
	assert_int_equal(o.ticket_id, id);
	assert_int_equal(o.queued, 0); /* no assignee: nobody to notify, no acknowledgement */
	assert_null(o.no_answer_why);
	last_event(fx, id, &e);
	assert_int_equal(e.id, o.event_id);
	assert_int_equal(e.kind, EVENT_MESSAGE_IN);
	assert_string_equal(e.body, "+1");
	event_free(&e);
	mail_msg_free(&m);

	/* An unknown In-Reply-To, the ticket's message among the References. */
	msg_init(&m, "ivan@firma.hr", "Ivan", "nothing to see", "r2@firma.hr", "again");
	strcpy(m.in_reply_to, "unknown@elsewhere");
	msg_reference(&m, "first@firma.hr");
	msg_reference(&m, "unknown@elsewhere");
	assert_int_equal(import(fx, &m, NOW + 120, &o), STORE_OK);
	assert_int_equal(o.result, MAIL_APPENDED);
	assert_int_equal(o.ticket_id, id);
	mail_msg_free(&m);
	assert_int_equal(raw_int(fx, "SELECT count(*) FROM tickets"), 1);
}

static void test_reply_to_outgoing(void **state)
{
	struct fx *fx = *state;
	struct mail_msg m;
	struct mail_outcome o;
	struct outbox_item ack, note;
	struct ticket_patch p;
	int64_t id = new_ticket(fx, "ivan@firma.hr", "first@firma.hr", NOW);

	outbox_find(fx, id, OUTBOX_ACK, &ack);
	memset(&p, 0, sizeof(p));
	p.set = PATCH_ASSIGNEE;
	p.assignee_id = fx->tech;
	assert_int_equal(store_ticket_update(fx->st, id, &p, fx->admin, NOW, NULL), STORE_OK);

	/* The client answers our acknowledgement: threaded by its Message-ID alone. */
	msg_init(&m, "ivan@firma.hr", "Ivan", "Re: something else", "r1@firma.hr", "Hvala.");
	strcpy(m.in_reply_to, ack.message_id);
	assert_int_equal(import(fx, &m, NOW + 60, &o), STORE_OK);
	assert_int_equal(o.result, MAIL_APPENDED);
	assert_int_equal(o.ticket_id, id);
	/* The assigned technician hears of it, nobody else. */
	assert_int_equal(o.queued, 1);
	outbox_find(fx, id, OUTBOX_NOTIFY_REPLY, &note);
	assert_string_equal(note.to, "tech@evid.test");
	assert_int_equal(note.event_id, o.event_id);
	mail_msg_free(&m);

	/* The assignee replying by mail is not notified of their own message. */
	msg_init(&m, "tech@evid.test", "Tehničar", "Re: x", "r2@evid.test", "Evo rješenja.");
	strcpy(m.in_reply_to, note.message_id);
	assert_int_equal(import(fx, &m, NOW + 120, &o), STORE_OK);
	assert_int_equal(o.result, MAIL_APPENDED);
	assert_int_equal(o.ticket_id, id);
	assert_int_equal(o.queued, 0);
	mail_msg_free(&m);
}

static void test_tag_known_sender_appends(void **state)
{
	struct fx *fx = *state;
	static const char *const known[] = {
		"ivan@firma.hr",   /* the ticket's contact */
		"marko@firma.hr",  /* another contact of its client */
		"tech@evid.test",  /* staff */
		"kolega@firma.hr", /* was on the ticket's mail (Cc) */
	};
	struct mail_msg m;
	struct mail_outcome o;
	char msgid[64];
	int64_t id;
	size_t i;

	msg_init(&m, "ivan@firma.hr", "Ivan", "Printer", "first@firma.hr", "Help.");
	list_add(&m.cc, "kolega@firma.hr");
	assert_int_equal(import(fx, &m, NOW, &o), STORE_OK);
	id = o.ticket_id;
	mail_msg_free(&m);
	for (i = 0; i < sizeof(known) / sizeof(known[0]); i++) {
		snprintf(msgid, sizeof(msgid), "tag%zu@x", i);
		msg_init(&m, known[i], "", "RE: Printer [#2026-000001]", msgid, "More.");
		assert_int_equal(import(fx, &m, NOW + 60 + (int64_t)i, &o), STORE_OK);
		assert_int_equal(o.result, MAIL_APPENDED);
		assert_int_equal(o.ticket_id, id);
		mail_msg_free(&m);
	}
	/* A tag with another prefix, or a number that does not exist, opens a new ticket. */
	msg_init(&m, "ivan@firma.hr", "", "Re: [#2026-000099]", "tag-x@x", "?");
	assert_int_equal(import(fx, &m, NOW + HOUR, &o), STORE_OK);
	assert_int_equal(o.result, MAIL_NEW);
	mail_msg_free(&m);
}

static void test_tag_stranger_links(void **state)
{
	struct fx *fx = *state;
	struct mail_msg m;
	struct mail_outcome o;
	struct event e;
	char why[32];
	int64_t id = new_ticket(fx, "ivan@firma.hr", "first@firma.hr", NOW);

	msg_init(&m, "evil@attacker.example", "Evil", "Re: Printer [#2026-000001]", "e1@attacker",
		 "Let me in.");
	assert_int_equal(import(fx, &m, NOW + 60, &o), STORE_OK);
	assert_int_equal(o.result, MAIL_NEW_LINKED);
	assert_true(o.ticket_id != id);
	assert_string_equal(o.number, "2026-000002");
	assert_int_equal(o.linked_ticket_id, id);
	assert_int_equal(o.triage, 1);
	assert_int_equal(o.queued, 3);
	assert_int_equal(raw_int(fx, "SELECT linked_ticket_id FROM ticket_links "
				     "WHERE ticket_id = %lld", (long long)o.ticket_id), id);
	raw_text(fx, why, sizeof(why), "SELECT why FROM ticket_links");
	assert_string_equal(why, "unknown_sender");
	/* Nothing of the stranger's lands on the old ticket but the note of the link. */
	last_event(fx, id, &e);
	assert_int_equal(e.kind, EVENT_FIELD_CHANGE);
	assert_string_equal(e.field, "linked_ticket");
	assert_string_equal(e.new_value, "2026-000002");
	event_free(&e);
	assert_int_equal(raw_int(fx, "SELECT count(*) FROM events WHERE ticket_id = %lld "
				     "AND kind = 'message_in'", (long long)id), 1);
	assert_int_equal(raw_int(fx, "SELECT count(*) FROM ticket_addresses WHERE ticket_id = "
				     "%lld AND addr = 'evil@attacker.example'", (long long)id), 0);
	/* The new ticket says where it comes from, then holds the message. */
	assert_int_equal(raw_int(fx, "SELECT count(*) FROM events WHERE ticket_id = %lld AND "
				     "field = 'linked_ticket' AND new_value = '2026-000001'",
				 (long long)o.ticket_id), 1);
	last_event(fx, o.ticket_id, &e);
	assert_int_equal(e.kind, EVENT_MESSAGE_IN);
	assert_string_equal(e.body, "Let me in.");
	event_free(&e);
	mail_msg_free(&m);
}

static void test_reopen(void **state)
{
	struct fx *fx = *state;
	struct mail_msg m;
	struct mail_outcome o;
	struct ticket t;
	struct event_list l;
	char why[32];
	int64_t id = new_ticket(fx, "ivan@firma.hr", "first@firma.hr", NOW);
	int64_t closed = NOW + DAY;
	size_t n;

	set_status(fx, id, STATUS_CLOSED, closed);
	msg_init(&m, "ivan@firma.hr", "Ivan", "Re: Printer", "r1@firma.hr", "Opet gori.");
	strcpy(m.in_reply_to, "first@firma.hr");
	assert_int_equal(import(fx, &m, closed + 3 * DAY, &o), STORE_OK);
	assert_int_equal(o.result, MAIL_REOPENED);
	assert_int_equal(o.ticket_id, id);
	mail_msg_free(&m);
	assert_int_equal(store_ticket_get(fx->st, id, &t), STORE_OK);
	assert_int_equal(t.status, STATUS_OPEN);
	assert_int_equal(t.closed_at, 0);
	assert_int_equal(t.updated_at, closed + 3 * DAY);
	assert_int_equal(store_ticket_events(fx->st, id, &l), STORE_OK);
	n = l.n;
	assert_true(n >= 3);
	assert_int_equal(l.items[n - 2].kind, EVENT_STATUS_CHANGE);
	assert_string_equal(l.items[n - 2].old_value, "closed");
	assert_string_equal(l.items[n - 2].new_value, "open");
	assert_int_equal(l.items[n - 1].kind, EVENT_MESSAGE_IN);
	assert_int_equal(l.items[n - 1].id, o.event_id);
	event_list_free(&l);

	/* A resolved ticket reopens however old. */
	set_status(fx, id, STATUS_RESOLVED, closed + 4 * DAY);
	msg_init(&m, "ivan@firma.hr", "Ivan", "Re: Printer", "r2@firma.hr", "Ipak ne.");
	strcpy(m.in_reply_to, "first@firma.hr");
	assert_int_equal(import(fx, &m, closed + 100 * DAY, &o), STORE_OK);
	assert_int_equal(o.result, MAIL_REOPENED);
	mail_msg_free(&m);

	/* Closed for longer than reopen_days: a new ticket that links back. */
	set_status(fx, id, STATUS_CLOSED, closed + 101 * DAY);
	msg_init(&m, "ivan@firma.hr", "Ivan", "Re: Printer", "r3@firma.hr", "Nakon mjesec dana.");
	strcpy(m.in_reply_to, "first@firma.hr");
	assert_int_equal(import(fx, &m, closed + 120 * DAY, &o), STORE_OK);
	assert_int_equal(o.result, MAIL_NEW_LINKED);
	assert_int_equal(o.linked_ticket_id, id);
	assert_int_equal(o.contact_id, fx->ivan);
	raw_text(fx, why, sizeof(why), "SELECT why FROM ticket_links WHERE ticket_id = %lld",
		 (long long)o.ticket_id);
	assert_string_equal(why, "closed");
	assert_int_equal(store_ticket_get(fx->st, id, &t), STORE_OK);
	assert_int_equal(t.status, STATUS_CLOSED);
	mail_msg_free(&m);
}

/* ---- automatic answers ---- */

static void test_auto_submitted_no_ack(void **state)
{
	struct fx *fx = *state;
	struct mail_msg m;
	struct mail_outcome o;

	msg_init(&m, "ivan@firma.hr", "Ivan", "Out of office", "ooo@firma.hr", "I am away.");
	strcpy(m.auto_submitted, "auto-replied");
	assert_int_equal(import(fx, &m, NOW, &o), STORE_OK);
	assert_int_equal(o.result, MAIL_NEW);
	assert_non_null(o.no_answer_why);
	assert_int_equal(outbox_count(fx, o.ticket_id, OUTBOX_ACK), 0);
	/* The technicians still know. */
	assert_int_equal(outbox_count(fx, o.ticket_id, OUTBOX_NOTIFY_NEW), 2);
	assert_int_equal(o.queued, 2);
	assert_int_equal(raw_int(fx, "SELECT count(*) FROM autoreply_log"), 0);
	mail_msg_free(&m);
}

static void test_autoreply_cap(void **state)
{
	struct fx *fx = *state;
	struct mail_msg m;
	struct mail_outcome o;
	char msgid[32];
	int i;

	/* policy.autoreply_per_hour is 2. */
	for (i = 0; i < 3; i++) {
		snprintf(msgid, sizeof(msgid), "cap%d@x", i);
		msg_init(&m, "chatty@gmail.com", "", "Još jedno", msgid, "text");
		assert_int_equal(import(fx, &m, NOW + i * 60, &o), STORE_OK);
		assert_int_equal(o.result, MAIL_NEW);
		if (i < 2) {
			assert_null(o.no_answer_why);
			assert_int_equal(outbox_count(fx, o.ticket_id, OUTBOX_ACK), 1);
		} else {
			assert_non_null(o.no_answer_why);
			assert_int_equal(outbox_count(fx, o.ticket_id, OUTBOX_ACK), 0);
			assert_int_equal(outbox_count(fx, o.ticket_id, OUTBOX_NOTIFY_NEW), 2);
		}
		mail_msg_free(&m);
	}
	/* The answer goes to Reply-To, and the cap counts that address. */
	msg_init(&m, "chatty@gmail.com", "", "Preko forme", "cap-form@x", "text");
	addr_set(&m.reply_to, "someone@else.hr", NULL);
	assert_int_equal(import(fx, &m, NOW + 300, &o), STORE_OK);
	assert_null(o.no_answer_why);
	mail_msg_free(&m);
	/* An hour after the first two, one more is allowed again. */
	msg_init(&m, "chatty@gmail.com", "", "Sat kasnije", "cap-late@x", "text");
	assert_int_equal(import(fx, &m, NOW + HOUR + 61, &o), STORE_OK);
	assert_null(o.no_answer_why);
	assert_int_equal(outbox_count(fx, o.ticket_id, OUTBOX_ACK), 1);
	mail_msg_free(&m);

	/* A cap of 0 means no automatic answers at all. */
	{
		struct mail_policy none = policy;

		none.autoreply_per_hour = 0;
		msg_init(&m, "quiet@gmail.com", "", "Tiho", "cap-none@x", "text");
		assert_int_equal(import_pol(fx, &m, &none, NOW, &o), STORE_OK);
		assert_non_null(o.no_answer_why);
		assert_int_equal(outbox_count(fx, o.ticket_id, OUTBOX_ACK), 0);
		mail_msg_free(&m);
	}
}

static void test_own_message(void **state)
{
	struct fx *fx = *state;
	struct mail_msg m;
	struct mail_outcome o;
	struct outbox_item ack;
	struct counts c;
	int64_t id = new_ticket(fx, "ivan@firma.hr", "first@firma.hr", NOW);

	outbox_find(fx, id, OUTBOX_ACK, &ack);
	counts_take(fx, &c);
	/* Our acknowledgement coming back (a copy in Sent, a list echo). */
	msg_init(&m, "support@evid.test", "Podrška", "Printer [#2026-000001]", ack.message_id,
		 "Zaprimili smo vaš upit.");
	m.has_evid_marker = 1;
	assert_int_equal(import(fx, &m, NOW + 60, &o), STORE_OK);
	assert_int_equal(o.result, MAIL_OWN);
	assert_int_equal(o.ticket_id, 0);
	counts_same(fx, &c);
	mail_msg_free(&m);
	/* Anything from one of our addresses, whatever its Message-ID. */
	msg_init(&m, "HELP@evid.test", "", "Hello", "own2@evid.test", "text");
	assert_int_equal(import(fx, &m, NOW + 60, &o), STORE_OK);
	assert_int_equal(o.result, MAIL_OWN);
	counts_same(fx, &c);
	mail_msg_free(&m);
	/* The marker alone, with a Message-ID we never made, proves nothing: imported. */
	msg_init(&m, "ivan@firma.hr", "", "Spoofed", "spoof@firma.hr", "text");
	m.has_evid_marker = 1;
	assert_int_equal(import(fx, &m, NOW + 60, &o), STORE_OK);
	assert_int_equal(o.result, MAIL_NEW);
	assert_non_null(o.no_answer_why); /* but never answered */
	mail_msg_free(&m);
}

/* ---- delivery status notifications ---- */

static void test_dsn(void **state)
{
	struct fx *fx = *state;
	struct mail_msg m;
	struct mail_outcome o, again;
	struct mail_record_list ml;
	struct outbox_item reply;
	struct counts c;
	struct event e;
	int64_t id = new_ticket(fx, "ivan@firma.hr", "first@firma.hr", NOW), oid = 0, eid = 0;
	char **ids = NULL;
	size_t i, n = 0;
	int undelivered = 0;

	assert_int_equal(store_reply_queue(fx->st, id, fx->tech, "Pokušajte ponovno.",
					   "ivan@firma.hr", NULL, NULL, 0, &policy, NOW + 60,
					   &eid, &oid), STORE_OK);
	assert_int_equal(store_outbox_get(fx->st, oid, &reply, NULL, NULL), STORE_OK);

	msg_init(&m, "MAILER-DAEMON@mx.firma.hr", "Mail Delivery System",
		 "Undelivered Mail Returned to Sender", "dsn1@mx.firma.hr",
		 "<ivan@firma.hr>: mailbox full");
	m.is_dsn = 1;
	m.return_path_empty = 1;
	strcpy(m.dsn_original_id, reply.message_id);
	strcpy(m.dsn_action, "failed");
	strcpy(m.dsn_recipient, "ivan@firma.hr");
	msg_file(&m, "message.eml", "message/rfc822", "Subject: x\r\n\r\nbody");
	assert_int_equal(import(fx, &m, NOW + 120, &o), STORE_OK);
	assert_int_equal(o.result, MAIL_BOUNCE);
	assert_int_equal(o.ticket_id, id);
	assert_int_equal(o.queued, 0);
	assert_non_null(o.no_answer_why);
	last_event(fx, id, &e);
	assert_int_equal(e.id, o.event_id);
	assert_int_equal(e.kind, EVENT_FIELD_CHANGE);
	assert_string_equal(e.field, "delivery");
	assert_string_equal(e.old_value, "sent");
	assert_string_equal(e.new_value, "undelivered");
	assert_string_equal(e.body, "<ivan@firma.hr>: mailbox full");
	event_free(&e);
	assert_int_equal(raw_int(fx, "SELECT count(*) FROM attachments WHERE event_id = %lld",
				 (long long)o.event_id), 1);
	assert_int_equal(store_mail_messages(fx->st, id, &ml), STORE_OK);
	for (i = 0; i < ml.n; i++) {
		if (ml.items[i].outbox_id == oid)
			assert_int_equal(ml.items[i].undelivered, 1);
		else
			assert_int_equal(ml.items[i].undelivered, 0);
		undelivered += ml.items[i].undelivered;
	}
	assert_int_equal(undelivered, 1);
	mail_record_list_free(&ml);
	/* The bounce is on the ticket's mail, but not in the conversation with the client. */
	assert_int_equal(store_mail_thread(fx->st, id, &ids, &n), STORE_OK);
	assert_int_equal(n, 3);
	for (i = 0; i < n; i++) {
		assert_string_not_equal(ids[i], "dsn1@mx.firma.hr");
		free(ids[i]);
	}
	free(ids);
	assert_int_equal(raw_int(fx, "SELECT count(*) FROM tickets"), 1);

	/* The same DSN again changes nothing. */
	counts_take(fx, &c);
	assert_int_equal(import(fx, &m, NOW + 180, &again), STORE_OK);
	assert_int_equal(again.result, MAIL_DUPLICATE);
	assert_int_equal(again.ticket_id, id);
	counts_same(fx, &c);
	mail_msg_free(&m);

	/* A DSN that names nothing we sent: a ticket in triage, never answered. */
	msg_init(&m, "postmaster@firma.hr", "", "Delivery failure", "dsn2@firma.hr", "???");
	m.is_dsn = 1;
	strcpy(m.dsn_original_id, "not-ours@somewhere");
	assert_int_equal(import(fx, &m, NOW + 240, &o), STORE_OK);
	assert_int_equal(o.result, MAIL_NEW);
	assert_true(o.ticket_id != id);
	assert_int_equal(o.triage, 1);
	assert_int_equal(o.client_id, 0);
	assert_non_null(o.no_answer_why);
	assert_int_equal(outbox_count(fx, o.ticket_id, OUTBOX_ACK), 0);
	mail_msg_free(&m);

	/* A "delayed" report is recorded but does not mark the message undelivered. */
	assert_int_equal(store_reply_queue(fx->st, id, fx->tech, "Drugi odgovor.",
					   "ivan@firma.hr", NULL, NULL, 0, &policy, NOW + 300,
					   &eid, &oid), STORE_OK);
	assert_int_equal(store_outbox_get(fx->st, oid, &reply, NULL, NULL), STORE_OK);
	msg_init(&m, "MAILER-DAEMON@mx.firma.hr", "", "Delayed Mail", "dsn3@mx", "still trying");
	m.is_dsn = 1;
	strcpy(m.dsn_original_id, reply.message_id);
	strcpy(m.dsn_action, "Delayed");
	assert_int_equal(import(fx, &m, NOW + 360, &o), STORE_OK);
	assert_int_equal(o.result, MAIL_BOUNCE);
	last_event(fx, id, &e);
	assert_string_equal(e.new_value, "delayed");
	event_free(&e);
	assert_int_equal(raw_int(fx, "SELECT count(*) FROM mail_messages "
				     "WHERE delivery = 'undelivered'"), 1);
	mail_msg_free(&m);
}

/* ---- quarantine ---- */

static void test_quarantine(void **state)
{
	struct fx *fx = *state;
	static const char raw[] = "garbage\x01\x02 not a message";
	char hash[CRYPTO_SHA256_HEX], *copy = NULL;
	struct quarantine_list l;
	struct quarantine_item q;
	size_t len = 0;
	int64_t id = 0, id2 = 0;
	int64_t ticket = new_ticket(fx, "ivan@firma.hr", "first@firma.hr", NOW);

	crypto_sha256_hex(raw, sizeof(raw) - 1, hash);
	assert_int_equal(store_quarantine_add(fx->st, raw, sizeof(raw) - 1, hash, "no header block",
					      MAIL_SOURCE_IMAP, NOW, &id), STORE_OK);
	assert_true(id > 0);
	assert_int_equal(store_quarantine_add(fx->st, raw, sizeof(raw) - 1, hash, "again",
					      MAIL_SOURCE_PIPE, NOW + 5, &id2), STORE_OK);
	assert_int_equal(id2, id);
	assert_int_equal(raw_int(fx, "SELECT count(*) FROM quarantine"), 1);
	assert_int_equal(raw_int(fx, "SELECT count(*) FROM mail_raw WHERE sha256 = '%s'", hash),
			 1);
	assert_int_equal(store_quarantine_add(fx->st, raw, sizeof(raw) - 1, "ABC", "x",
					      MAIL_SOURCE_PIPE, NOW, NULL), STORE_INVALID);

	assert_int_equal(store_quarantine_list(fx->st, 1, &l), STORE_OK);
	assert_int_equal(l.n, 1);
	assert_int_equal(l.items[0].id, id);
	assert_int_equal(l.items[0].source, MAIL_SOURCE_IMAP);
	assert_string_equal(l.items[0].reason, "no header block");
	assert_int_equal(l.items[0].size, (int64_t)sizeof(raw) - 1);
	assert_string_equal(l.items[0].sha256, hash);
	assert_string_equal(l.items[0].status, "held");
	assert_int_equal(l.items[0].received_at, NOW);
	quarantine_list_free(&l);

	assert_int_equal(store_quarantine_get(fx->st, id, &q, &copy, &len), STORE_OK);
	assert_int_equal(len, sizeof(raw) - 1);
	assert_memory_equal(copy, raw, len);
	assert_int_equal(copy[len], '\0');
	free(copy);
	assert_int_equal(store_quarantine_get(fx->st, id + 100, &q, NULL, NULL), STORE_NOT_FOUND);

	assert_int_equal(store_quarantine_done(fx->st, id, ticket, NOW + 60), STORE_OK);
	assert_int_equal(store_quarantine_get(fx->st, id, &q, NULL, NULL), STORE_OK);
	assert_string_equal(q.status, "imported");
	assert_int_equal(q.ticket_id, ticket);
	assert_int_equal(store_quarantine_list(fx->st, 1, &l), STORE_OK);
	assert_int_equal(l.n, 0);
	quarantine_list_free(&l);
	assert_int_equal(store_quarantine_list(fx->st, 0, &l), STORE_OK);
	assert_int_equal(l.n, 1);
	quarantine_list_free(&l);
	assert_int_equal(store_quarantine_done(fx->st, id + 100, 0, NOW), STORE_NOT_FOUND);
	assert_int_equal(store_quarantine_done(fx->st, id, 999, NOW), STORE_INVALID);
}

/* ---- the outbox ---- */

static void test_outbox(void **state)
{
	struct fx *fx = *state;
	struct outbox_list l;
	struct outbox_item ack, item;
	struct mail_record_list ml;
	struct event e;
	char *raw = NULL;
	size_t len = 0, i;
	int64_t id = new_ticket(fx, "ivan@firma.hr", "first@firma.hr", NOW);
	int n = -1;

	outbox_find(fx, id, OUTBOX_ACK, &ack);
	assert_int_equal(store_outbox_due(fx->st, NOW, 10, &l), STORE_OK);
	assert_int_equal(l.n, 3);
	assert_int_equal(l.items[0].id, ack.id); /* oldest first */
	outbox_list_free(&l);
	assert_int_equal(store_outbox_due(fx->st, NOW, 1, &l), STORE_OK);
	assert_int_equal(l.n, 1);
	outbox_list_free(&l);
	assert_int_equal(store_outbox_due(fx->st, NOW, 0, &l), STORE_INVALID);

	/* Rendered once: a second rendering is ignored. */
	assert_int_equal(store_outbox_get(fx->st, ack.id, &item, &raw, &len), STORE_OK);
	assert_null(raw);
	assert_int_equal(len, 0);
	assert_int_equal(store_outbox_set_raw(fx->st, ack.id, "first bytes", 11), STORE_OK);
	assert_int_equal(store_outbox_set_raw(fx->st, ack.id, "second!", 7), STORE_OK);
	assert_int_equal(store_outbox_get(fx->st, ack.id, &item, &raw, &len), STORE_OK);
	assert_int_equal(item.rendered, 1);
	assert_int_equal(len, 11);
	assert_string_equal(raw, "first bytes");
	free(raw);
	assert_int_equal(store_outbox_set_raw(fx->st, 999, "x", 1), STORE_NOT_FOUND);

	/* A failure to retry: counted, not due before its time. */
	assert_int_equal(store_outbox_attempt(fx->st, ack.id, 0, "connection refused", 0,
					      NOW + 300, NOW + 1), STORE_OK);
	assert_int_equal(store_outbox_get(fx->st, ack.id, &item, NULL, NULL), STORE_OK);
	assert_int_equal(item.status, OUTBOX_QUEUED);
	assert_int_equal(item.attempts, 1);
	assert_int_equal(item.next_attempt_at, NOW + 300);
	assert_string_equal(item.last_error, "connection refused");
	assert_int_equal(store_outbox_due(fx->st, NOW + 10, 10, &l), STORE_OK);
	assert_int_equal(l.n, 2);
	for (i = 0; i < l.n; i++)
		assert_true(l.items[i].id != ack.id);
	outbox_list_free(&l);
	/* evid outbox flush: everything queued is due now. */
	assert_int_equal(store_outbox_flush(fx->st, NOW + 10, &n), STORE_OK);
	assert_int_equal(n, 3);
	assert_int_equal(store_outbox_due(fx->st, NOW + 10, 10, &l), STORE_OK);
	assert_int_equal(l.n, 3);
	outbox_list_free(&l);

	/* Sent: marked, and its message in the ticket's mail too. */
	assert_int_equal(store_outbox_attempt(fx->st, ack.id, 1, NULL, 0, 0, NOW + 20), STORE_OK);
	assert_int_equal(store_outbox_get(fx->st, ack.id, &item, NULL, NULL), STORE_OK);
	assert_int_equal(item.status, OUTBOX_SENT);
	assert_int_equal(item.sent_at, NOW + 20);
	assert_int_equal(item.attempts, 2);
	assert_string_equal(item.last_error, "");
	assert_string_equal(item.message_id, ack.message_id);
	assert_int_equal(store_outbox_attempt(fx->st, ack.id, 1, NULL, 0, 0, NOW + 30),
			 STORE_CONFLICT);
	assert_int_equal(store_outbox_attempt(fx->st, 999, 1, NULL, 0, 0, NOW), STORE_NOT_FOUND);

	/* A permanent failure: failed, undelivered, and said on the ticket. */
	outbox_find(fx, id, OUTBOX_NOTIFY_NEW, &item);
	assert_int_equal(store_outbox_attempt(fx->st, item.id, 0, "550 no such user", 1, 0,
					      NOW + 40), STORE_OK);
	assert_int_equal(store_outbox_get(fx->st, item.id, &item, NULL, NULL), STORE_OK);
	assert_int_equal(item.status, OUTBOX_FAILED);
	assert_int_equal(item.sent_at, 0);
	last_event(fx, id, &e);
	assert_int_equal(e.kind, EVENT_FIELD_CHANGE);
	assert_string_equal(e.field, "delivery");
	assert_string_equal(e.old_value, "queued");
	assert_string_equal(e.new_value, "failed");
	assert_non_null(strstr(e.body, "550 no such user"));
	assert_non_null(strstr(e.body, item.to));
	assert_int_equal(e.created_at, NOW + 40);
	event_free(&e);
	assert_int_equal(store_mail_messages(fx->st, id, &ml), STORE_OK);
	for (i = 0; i < ml.n; i++) {
		if (ml.items[i].outbox_id == ack.id) {
			assert_int_equal(ml.items[i].sent_at, NOW + 20);
			assert_int_equal(ml.items[i].undelivered, 0);
		} else if (ml.items[i].outbox_id == item.id) {
			assert_int_equal(ml.items[i].sent_at, 0);
			assert_int_equal(ml.items[i].undelivered, 1);
		}
	}
	mail_record_list_free(&ml);

	/* The lists by status, newest first. */
	assert_int_equal(store_outbox_list(fx->st, OUTBOX_QUEUED, 0, &l), STORE_OK);
	assert_int_equal(l.n, 1);
	outbox_list_free(&l);
	assert_int_equal(store_outbox_list(fx->st, -1, 2, &l), STORE_OK);
	assert_int_equal(l.n, 2);
	assert_true(l.items[0].id > l.items[1].id);
	outbox_list_free(&l);
	assert_int_equal(store_outbox_list(fx->st, 7, 0, &l), STORE_INVALID);
}

static void test_reply_queue(void **state)
{
	struct fx *fx = *state;
	struct mail_msg files;
	struct outbox_item item, ack;
	struct mail_outcome o;
	struct mail_msg m;
	struct counts c;
	struct event e;
	char **ids = NULL;
	size_t n = 0, i;
	int64_t id = new_ticket(fx, "ivan@firma.hr", "first@firma.hr", NOW), eid = 0, oid = 0;

	memset(&files, 0, sizeof(files));
	msg_file(&files, "upute.pdf", "application/pdf", "%PDF-1.4");
	assert_int_equal(store_reply_queue(fx->st, id, fx->tech, "Evo uputa.",
					   " Ivan@Firma.hr ,novi@firma.hr", "sef@firma.hr",
					   files.files.items, files.files.n, &policy, NOW + 60,
					   &eid, &oid), STORE_OK);
	assert_true(eid > 0 && oid > 0);
	last_event(fx, id, &e);
	assert_int_equal(e.id, eid);
	assert_int_equal(e.kind, EVENT_REPLY);
	assert_int_equal(e.author_user_id, fx->tech);
	assert_string_equal(e.body, "Evo uputa.");
	event_free(&e);
	assert_int_equal(raw_int(fx, "SELECT count(*) FROM attachments WHERE event_id = %lld",
				 (long long)eid), 1);
	assert_int_equal(store_outbox_get(fx->st, oid, &item, NULL, NULL), STORE_OK);
	assert_int_equal(item.kind, OUTBOX_REPLY);
	assert_int_equal(item.event_id, eid);
	assert_int_equal(item.ticket_id, id);
	assert_string_equal(item.to, "ivan@firma.hr, novi@firma.hr");
	assert_string_equal(item.cc, "sef@firma.hr");
	assert_int_equal(raw_int(fx, "SELECT count(*) FROM ticket_addresses WHERE ticket_id = %lld "
				     "AND addr IN ('novi@firma.hr', 'sef@firma.hr')",
				 (long long)id), 2);

	/* The thread: the first message, the acknowledgement, the reply; not the notifications. */
	outbox_find(fx, id, OUTBOX_ACK, &ack);
	assert_int_equal(store_mail_thread(fx->st, id, &ids, &n), STORE_OK);
	assert_int_equal(n, 3);
	assert_string_equal(ids[0], "first@firma.hr");
	assert_string_equal(ids[1], ack.message_id);
	assert_string_equal(ids[2], item.message_id);
	for (i = 0; i < n; i++)
		free(ids[i]);
	free(ids);
	assert_int_equal(store_mail_thread(fx->st, 999, &ids, &n), STORE_NOT_FOUND);

	/* The client's answer to the reply threads back. */
	msg_init(&m, "novi@firma.hr", "", "Re: Printer on fire [#2026-000001]", "ans@firma.hr",
		 "Radi!");
	strcpy(m.in_reply_to, item.message_id);
	assert_int_equal(import(fx, &m, NOW + 120, &o), STORE_OK);
	assert_int_equal(o.result, MAIL_APPENDED);
	assert_int_equal(o.ticket_id, id);
	mail_msg_free(&m);

	/* Refused, and nothing written. */
	counts_take(fx, &c);
	assert_int_equal(store_reply_queue(fx->st, id, fx->tech, "x", "not an address", NULL, NULL,
					   0, &policy, NOW, NULL, NULL), STORE_INVALID);
	assert_int_equal(store_reply_queue(fx->st, id, fx->tech, "x", "", NULL, NULL, 0, &policy,
					   NOW, NULL, NULL), STORE_INVALID);
	assert_int_equal(store_reply_queue(fx->st, id, fx->tech, "", "a@b.hr", NULL, NULL, 0,
					   &policy, NOW, NULL, NULL), STORE_INVALID);
	assert_int_equal(store_reply_queue(fx->st, id, fx->retired, "x", "a@b.hr", NULL, NULL, 0,
					   &policy, NOW, NULL, NULL), STORE_INVALID);
	assert_int_equal(store_reply_queue(fx->st, 999, fx->tech, "x", "a@b.hr", NULL, NULL, 0,
					   &policy, NOW, NULL, NULL), STORE_NOT_FOUND);
	/* A file whose hash the caller did not fill: the event and outbox row go too. */
	files.files.items[0].sha256[0] = '\0';
	assert_int_equal(store_reply_queue(fx->st, id, fx->tech, "x", "a@b.hr", NULL,
					   files.files.items, 1, &policy, NOW, NULL, NULL),
			 STORE_INVALID);
	counts_same(fx, &c);
	mail_msg_free(&files);
}

/* ---- IMAP position ---- */

static void test_imap(void **state)
{
	struct fx *fx = *state;
	int64_t v = -1, uid = -1;

	assert_int_equal(store_imap_get(fx->st, "INBOX", &v, &uid), STORE_NOT_FOUND);
	assert_int_equal(store_imap_set(fx->st, "INBOX", 1700000000, 42), STORE_OK);
	assert_int_equal(store_imap_get(fx->st, "INBOX", &v, &uid), STORE_OK);
	assert_int_equal(v, 1700000000);
	assert_int_equal(uid, 42);
	assert_int_equal(store_imap_set(fx->st, "INBOX", 1700000001, 7), STORE_OK);
	assert_int_equal(store_imap_get(fx->st, "INBOX", &v, &uid), STORE_OK);
	assert_int_equal(v, 1700000001);
	assert_int_equal(uid, 7);
	assert_int_equal(store_imap_get(fx->st, "Other", &v, &uid), STORE_NOT_FOUND);
	assert_int_equal(store_imap_set(fx->st, "", 1, 1), STORE_INVALID);
	assert_int_equal(store_imap_set(fx->st, "INBOX", -1, 1), STORE_INVALID);
}

/* ---- failures ---- */

static void test_failure_leaves_nothing(void **state)
{
	struct fx *fx = *state;
	struct mail_msg m;
	struct mail_outcome o;
	struct counts c;
	int64_t id = new_ticket(fx, "ivan@firma.hr", "first@firma.hr", NOW);

	counts_take(fx, &c);
	/* The last thing an import writes is the outbox: refuse it there. */
	assert_int_equal(raw_exec(fx, "CREATE TRIGGER test_boom BEFORE INSERT ON outbox "
				      "BEGIN SELECT RAISE(ABORT, 'boom'); END"), SQLITE_OK);
	msg_init(&m, "ivan@firma.hr", "Ivan", "Novi problem", "boom@firma.hr", "Puklo.");
	msg_file(&m, "a.txt", "text/plain", "abc");
	assert_int_equal(import(fx, &m, NOW + 60, &o), STORE_CONFLICT);
	assert_string_equal(store_errmsg(fx->st), "boom");
	assert_int_equal(o.result, 0);
	assert_int_equal(o.ticket_id, 0);
	counts_same(fx, &c);
	assert_int_equal(raw_int(fx, "SELECT count(*) FROM ticket_mail_origin"), 1);
	assert_int_equal(raw_int(fx, "SELECT count(*) FROM autoreply_log"), 1);

	/* A file without its hash: INVALID, nothing. */
	assert_int_equal(raw_exec(fx, "DROP TRIGGER test_boom"), SQLITE_OK);
	m.files.items[0].sha256[0] = '\0';
	assert_int_equal(import(fx, &m, NOW + 60, &o), STORE_INVALID);
	assert_non_null(strstr(store_errmsg(fx->st), "a.txt"));
	counts_same(fx, &c);

	/* A bad hash or policy is refused before anything. */
	assert_int_equal(store_mail_import(fx->st, &m, "x", 1, "nothex", MAIL_SOURCE_PIPE, &policy,
					   NOW, &o), STORE_INVALID);
	{
		struct mail_policy bad = policy;

		bad.msgid_domain = "";
		assert_int_equal(import_pol(fx, &m, &bad, NOW, &o), STORE_INVALID);
	}
	counts_same(fx, &c);

	/* The same message, now whole, goes in (the connection is fine after the rollbacks). */
	crypto_sha256_hex(m.files.items[0].data, m.files.items[0].size, m.files.items[0].sha256);
	assert_int_equal(import(fx, &m, NOW + 60, &o), STORE_OK);
	assert_int_equal(o.result, MAIL_NEW);
	assert_true(o.ticket_id != id);
	assert_string_equal(o.number, "2026-000002");
	mail_msg_free(&m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_new_from_contact, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_new_from_domain, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_new_triage, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_duplicate_by_message_id, fx_setup,
						fx_teardown),
		cmocka_unit_test_setup_teardown(test_duplicate_by_hash, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_reply_by_references, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_reply_to_outgoing, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_tag_known_sender_appends, fx_setup,
						fx_teardown),
		cmocka_unit_test_setup_teardown(test_tag_stranger_links, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_reopen, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_auto_submitted_no_ack, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_autoreply_cap, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_own_message, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_dsn, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_quarantine, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_outbox, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_reply_queue, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_imap, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_failure_leaves_nothing, fx_setup,
						fx_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
