/*
 * store_sqlite_mail: the SQLite backend of store_mail.h: importing a parsed
 * message into a ticket (RFC 5322 threading by Message-ID, RFC 3464 bounces,
 * RFC 3834 automatic answers, decided by core/mailrule), the quarantine, the
 * outbox and the IMAP position.  Its statements live in their own table
 * below, prepared lazily and cached per connection (sqlite_internal.h).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <sqlite3.h>

#include "core/mail.h"
#include "core/mailrule.h"
#include "core/model.h"
#include "core/validate.h"
#include "store/sqlite_internal.h"
#include "store/store_mail.h"
#include "util/buf.h"
#include "util/xalloc.h"

#define HOUR 3600
/* Rows of the autoreply log older than this are swept: the cap looks back one hour. */
#define AUTOREPLY_KEEP (24 * HOUR)
/* SQLite's default SQLITE_MAX_LENGTH: no BLOB may be longer. */
#define RAW_MAX 1000000000u
#define MAILBOX_MAX_LEN 1000
/* A right-hand side of our Message-IDs short enough that every id we make fits. */
#define MSGID_DOMAIN_MAX_LEN 190

/* ---- the statements ---- */

#define MSG_SELECT                                                                        \
	"SELECT m.id, m.ticket_id, coalesce(m.event_id, 0), coalesce(m.outbox_id, 0), "   \
	"m.direction, coalesce(m.message_id, ''), m.from_addr, m.from_name, m.to_addrs, " \
	"m.cc_addrs, m.subject, coalesce(m.date, 0), coalesce(m.quote_at, -1), "          \
	"m.text_from_html, m.files_dropped, m.delivery, coalesce(m.sent_at, 0), "         \
	"m.created_at FROM mail_messages m "
#define OUTBOX_COLS                                                                       \
	"SELECT o.id, o.ticket_id, coalesce(o.event_id, 0), o.kind, o.status, o.to_addrs, " \
	"o.cc_addrs, coalesce(m.message_id, ''), o.attempts, o.next_attempt_at, "         \
	"o.last_error, o.created_at, coalesce(o.sent_at, 0), o.raw IS NOT NULL"
#define OUTBOX_FROM " FROM outbox o LEFT JOIN mail_messages m ON m.outbox_id = o.id "
#define QUARANTINE_COLS                                                                   \
	"SELECT q.id, q.received_at, q.source, q.reason, r.size, r.sha256, q.status, "     \
	"coalesce(q.ticket_id, 0)"
#define QUARANTINE_FROM " FROM quarantine q JOIN mail_raw r ON r.id = q.raw_id "

enum mail_stmt {
	M_RAW_INSERT = SQ_MAIL_FIRST,
	M_RAW_ID,
	M_MSG_BY_ID,
	M_MSG_BY_HASH,
	M_MSG_INSERT_IN,
	M_MSG_INSERT_OUT,
	M_MSG_UNDELIVERED,
	M_MSG_OUT_SENT,
	M_MSG_OUT_FAILED,
	M_MSG_LIST,
	M_THREAD,
	M_SENDER_KNOWN,
	M_ADDR_INSERT,
	M_LINK_INSERT,
	M_ORIGIN_INSERT,
	M_ORIGIN_GET,
	M_CONTACT_BY_EMAIL,
	M_CLIENT_BY_DOMAIN,
	M_STAFF_BY_EMAIL,
	M_STAFF_ACTIVE,
	M_TICKET_BY_NUMBER,
	M_AUTOREPLY_COUNT,
	M_AUTOREPLY_INSERT,
	M_AUTOREPLY_PURGE,
	M_OUTBOX_INSERT,
	M_OUTBOX_GET,
	M_OUTBOX_DUE,
	M_OUTBOX_LIST,
	M_OUTBOX_SET_RAW,
	M_OUTBOX_SENT,
	M_OUTBOX_RETRY,
	M_OUTBOX_FAILED,
	M_OUTBOX_FLUSH,
	M_QUARANTINE_INSERT,
	M_QUARANTINE_BY_RAW,
	M_QUARANTINE_GET,
	M_QUARANTINE_LIST,
	M_QUARANTINE_DONE,
	M_IMAP_GET,
	M_IMAP_SET,
	M_CONTACT_ANY_BY_EMAIL,
	M_CONTACT_INSERT,
	M__END
};

#define M(id) [(id) - SQ_MAIL_FIRST]

const char *const sq_mail_sql[M__END - SQ_MAIL_FIRST] = {
	M(M_RAW_INSERT) = "INSERT INTO mail_raw (sha256, size, data, created_at) "
			  "VALUES (?1, ?2, ?3, ?4) ON CONFLICT (sha256) DO NOTHING",
	M(M_RAW_ID) = "SELECT id FROM mail_raw WHERE sha256 = ?1",

	M(M_MSG_BY_ID) = "SELECT id, ticket_id, coalesce(event_id, 0), direction "
			 "FROM mail_messages WHERE message_id = ?1",
	M(M_MSG_BY_HASH) = "SELECT id, ticket_id, coalesce(event_id, 0), direction "
			   "FROM mail_messages WHERE content_hash = ?1 AND direction = 'in' "
			   "ORDER BY id LIMIT 1",
	M(M_MSG_INSERT_IN) =
		"INSERT INTO mail_messages (ticket_id, event_id, direction, message_id, "
		"content_hash, from_addr, from_name, to_addrs, cc_addrs, subject, date, raw_id, "
		"source, quote_at, text_from_html, files_dropped, created_at) "
		"VALUES (?1, ?2, 'in', ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, "
		"?16)",
	M(M_MSG_INSERT_OUT) = "INSERT INTO mail_messages (ticket_id, event_id, direction, "
			      "message_id, from_addr, to_addrs, cc_addrs, subject, outbox_id, "
			      "created_at) VALUES (?1, ?2, 'out', ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
	M(M_MSG_UNDELIVERED) = "UPDATE mail_messages SET delivery = 'undelivered' WHERE id = ?1",
	M(M_MSG_OUT_SENT) = "UPDATE mail_messages SET sent_at = ?2 WHERE outbox_id = ?1",
	M(M_MSG_OUT_FAILED) = "UPDATE mail_messages SET delivery = 'undelivered' "
			      "WHERE outbox_id = ?1",
	M(M_MSG_LIST) = MSG_SELECT "WHERE m.ticket_id = ?1 ORDER BY m.id",
	/* The conversation with the client: no bounces, no notifications to staff. */
	M(M_THREAD) = "SELECT m.message_id FROM mail_messages m "
		      "LEFT JOIN events e ON e.id = m.event_id "
		      "LEFT JOIN outbox o ON o.id = m.outbox_id "
		      "WHERE m.ticket_id = ?1 AND m.message_id IS NOT NULL "
		      "AND ((m.direction = 'in' AND e.kind = 'message_in') "
		      "OR o.kind IN ('ack', 'reply')) ORDER BY m.id",
	/* ?1 ticket, ?2 address: see mailrule.h, struct thread_facts.sender_known. */
	M(M_SENDER_KNOWN) =
		"SELECT EXISTS (SELECT 1 FROM tickets t JOIN contacts k ON k.email = ?2 "
		"WHERE t.id = ?1 AND (k.id = t.contact_id "
		"OR (k.client_id = t.client_id AND k.active = 1))) "
		"OR EXISTS (SELECT 1 FROM users u WHERE u.email = ?2 AND u.active = 1) "
		"OR EXISTS (SELECT 1 FROM ticket_addresses a WHERE a.ticket_id = ?1 "
		"AND a.addr = ?2)",
	M(M_ADDR_INSERT) = "INSERT INTO ticket_addresses (ticket_id, addr, created_at) "
			   "VALUES (?1, ?2, ?3) ON CONFLICT DO NOTHING",
	M(M_LINK_INSERT) = "INSERT INTO ticket_links (ticket_id, linked_ticket_id, why, "
			   "created_at) VALUES (?1, ?2, ?3, ?4) ON CONFLICT DO NOTHING",
	M(M_ORIGIN_INSERT) = "INSERT INTO ticket_mail_origin (ticket_id, from_addr, from_name, "
			     "created_at) VALUES (?1, ?2, ?3, ?4)",
	M(M_ORIGIN_GET) = "SELECT from_addr, from_name FROM ticket_mail_origin "
			  "WHERE ticket_id = ?1",
	M(M_CONTACT_BY_EMAIL) = "SELECT id, client_id FROM contacts "
				"WHERE email = ?1 AND active = 1",
	M(M_CLIENT_BY_DOMAIN) = "SELECT id FROM clients WHERE active = 1 "
				"AND instr(',' || email_domains || ',', ',' || ?1 || ',') > 0 "
				"ORDER BY id LIMIT 1",
	M(M_STAFF_BY_EMAIL) = "SELECT id FROM users WHERE email = ?1 AND active = 1",
	M(M_STAFF_ACTIVE) = "SELECT id, email FROM users WHERE active = 1 ORDER BY id",
	M(M_TICKET_BY_NUMBER) = "SELECT id FROM tickets WHERE number = ?1",
	M(M_AUTOREPLY_COUNT) = "SELECT count(*) FROM autoreply_log WHERE addr = ?1 "
			       "AND sent_at > ?2",
	M(M_AUTOREPLY_INSERT) = "INSERT INTO autoreply_log (addr, sent_at) VALUES (?1, ?2)",
	M(M_AUTOREPLY_PURGE) = "DELETE FROM autoreply_log WHERE sent_at <= ?1",

	M(M_OUTBOX_INSERT) = "INSERT INTO outbox (ticket_id, event_id, kind, to_addrs, cc_addrs, "
			     "next_attempt_at, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6)",
	/* raw is the last column, so the lists never read the bytes. */
	M(M_OUTBOX_GET) = OUTBOX_COLS ", o.raw" OUTBOX_FROM "WHERE o.id = ?1",
	M(M_OUTBOX_DUE) = OUTBOX_COLS OUTBOX_FROM "WHERE o.status = 'queued' "
			  "AND o.next_attempt_at <= ?1 ORDER BY o.id LIMIT ?2",
	M(M_OUTBOX_LIST) = OUTBOX_COLS OUTBOX_FROM "WHERE (?1 IS NULL OR o.status = ?1) "
			   "ORDER BY o.id DESC LIMIT ?2",
	M(M_OUTBOX_SET_RAW) = "UPDATE outbox SET raw = ?2 WHERE id = ?1 AND raw IS NULL",
	M(M_OUTBOX_SENT) = "UPDATE outbox SET status = 'sent', sent_at = ?2, "
			   "attempts = attempts + 1, last_error = '' WHERE id = ?1",
	M(M_OUTBOX_RETRY) = "UPDATE outbox SET attempts = attempts + 1, last_error = ?2, "
			    "next_attempt_at = ?3 WHERE id = ?1",
	M(M_OUTBOX_FAILED) = "UPDATE outbox SET status = 'failed', attempts = attempts + 1, "
			     "last_error = ?2 WHERE id = ?1",
	M(M_OUTBOX_FLUSH) = "UPDATE outbox SET next_attempt_at = min(next_attempt_at, ?1) "
			    "WHERE status = 'queued'",

	M(M_QUARANTINE_INSERT) = "INSERT INTO quarantine (raw_id, received_at, source, reason) "
				 "VALUES (?1, ?2, ?3, ?4) ON CONFLICT (raw_id) DO NOTHING",
	M(M_QUARANTINE_BY_RAW) = "SELECT id FROM quarantine WHERE raw_id = ?1",
	M(M_QUARANTINE_GET) = QUARANTINE_COLS ", r.data" QUARANTINE_FROM "WHERE q.id = ?1",
	M(M_QUARANTINE_LIST) = QUARANTINE_COLS QUARANTINE_FROM
		"WHERE (?1 = 0 OR q.status = 'held') ORDER BY q.id DESC",
	M(M_QUARANTINE_DONE) = "UPDATE quarantine SET status = 'imported', ticket_id = ?2, "
			       "done_at = ?3 WHERE id = ?1",

	M(M_IMAP_GET) = "SELECT uidvalidity, last_uid FROM imap_state WHERE mailbox = ?1",
	M(M_IMAP_SET) = "INSERT INTO imap_state (mailbox, uidvalidity, last_uid, updated_at) "
			"VALUES (?1, ?2, ?3, CAST(strftime('%s', 'now') AS INTEGER)) "
			"ON CONFLICT (mailbox) DO UPDATE SET uidvalidity = excluded.uidvalidity, "
			"last_uid = excluded.last_uid, updated_at = excluded.updated_at",

	M(M_CONTACT_ANY_BY_EMAIL) = "SELECT id FROM contacts WHERE email = ?1",
	M(M_CONTACT_INSERT) = "INSERT INTO contacts (client_id, name, email, phone, sees_all, "
			      "active, created_at, updated_at) VALUES (?1, ?2, ?3, '', 0, 1, ?4, ?4)",
};

const size_t sq_mail_count = M__END - SQ_MAIL_FIRST;

/* ---- names as the database spells them ---- */

static const char *const source_names[] = { "pipe", "imap", "reprocess" };
static const char *const outbox_kind_names[] = { "ack", "notify_new", "notify_reply", "reply" };
static const char *const outbox_status_names[] = { "queued", "sent", "failed" };

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

_Static_assert(COUNT(source_names) == MAIL_SOURCE_REPROCESS + 1, "source_names");
_Static_assert(COUNT(outbox_kind_names) == OUTBOX_REPLY + 1, "outbox_kind_names");
_Static_assert(COUNT(outbox_status_names) == OUTBOX_FAILED + 1, "outbox_status_names");

/* The index of the text in column i among names, or -1 (the row is then marked bad). */
static int col_name(struct store *st, sqlite3_stmt *s, int i, const char *const *names, size_t n)
{
	const unsigned char *v = sqlite3_column_text(s, i);
	size_t k;

	for (k = 0; v && k < n; k++)
		if (!strcmp((const char *)v, names[k]))
			return (int)k;
	sq_of(st)->bad_row = 1;
	return 0;
}

/* ---- small checks and helpers ---- */

/* Whether s is 64 lowercase hex digits. */
static int sha256_ok(const char *s)
{
	size_t i;

	if (!s)
		return 0;
	for (i = 0; s[i]; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	return i == 64;
}

static int is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/*
 * Whether addr is one of the comma-separated addresses of list (blanks
 * around items ignored, ASCII case folded): the same reading of
 * mail_policy.ours as mailrule_no_autoreply's.
 */
static int addr_listed(const char *addr, const char *list)
{
	size_t alen = addr ? strlen(addr) : 0, n;
	const char *p = list, *end;

	if (!list || !alen)
		return 0;
	while (*p) {
		while (*p == ',' || is_blank(*p))
			p++;
		end = p;
		while (*end && *end != ',')
			end++;
		n = (size_t)(end - p);
		while (n > 0 && is_blank(p[n - 1]))
			n--;
		if (n == alen && !strncasecmp(p, addr, n))
			return 1;
		p = end;
	}
	return 0;
}

/* The first address of list into out ("" when there is none or it does not fit). */
static void addr_first(const char *list, char *out, size_t outsz)
{
	const char *p = list ? list : "";
	size_t n;

	out[0] = '\0';
	while (*p == ',' || is_blank(*p))
		p++;
	n = strcspn(p, ",");
	while (n > 0 && is_blank(p[n - 1]))
		n--;
	if (n < outsz) {
		memcpy(out, p, n);
		out[n] = '\0';
		ascii_lower(out);
	}
}

/*
 * Normalise a comma-separated address list from a caller: every address
 * valid and lowercased, joined by ", " into out (outsz bytes).  An empty
 * or NULL list gives "".  Returns 0, or -1 for a bad address or a list
 * too long.
 */
static int addr_list_norm(const char *list, char *out, size_t outsz)
{
	char one[EMAIL_MAX_LEN + 1];
	struct buf b = BUF_INIT(outsz - 1);
	const char *p = list ? list : "";
	size_t n;
	int rc = -1;

	while (*p) {
		while (*p == ',' || is_blank(*p))
			p++;
		if (!*p)
			break;
		n = strcspn(p, ",");
		while (n > 0 && is_blank(p[n - 1]))
			n--;
		if (n >= sizeof(one))
			goto out;
		memcpy(one, p, n);
		one[n] = '\0';
		ascii_lower(one);
		if (!valid_email(one))
			goto out;
		if ((b.len && buf_puts(&b, ", ") < 0) || buf_puts(&b, one) < 0)
			goto out;
		p += strcspn(p, ",");
	}
	(void)xstrlcpy(out, b.s, outsz);
	rc = 0;
out:
	buf_free(&b);
	return rc;
}

/* The addresses of l joined by ", " into b (no cap beyond b's own). */
static int addr_list_join(const struct mail_addr_list *l, struct buf *b)
{
	size_t i;

	for (i = 0; i < l->n; i++) {
		if (!l->items[i].addr[0])
			continue;
		if ((b->len && buf_puts(b, ", ") < 0) || buf_puts(b, l->items[i].addr) < 0)
			return -1;
	}
	return 0;
}

/* Whether domain can stand right of the '@' of our Message-IDs. */
static int msgid_domain_ok(const char *d)
{
	size_t i;

	if (!d || !d[0] || strlen(d) > MSGID_DOMAIN_MAX_LEN)
		return 0;
	for (i = 0; d[i]; i++)
		if (!((d[i] >= 'a' && d[i] <= 'z') || (d[i] >= 'A' && d[i] <= 'Z') ||
		      (d[i] >= '0' && d[i] <= '9') || d[i] == '.' || d[i] == '-'))
			return 0;
	return 1;
}

static int policy_check(struct store *st, const struct mail_policy *pol)
{
	if (!pol)
		return store_fail(st, STORE_INVALID, "mail policy: required");
	if (!msgid_domain_ok(pol->msgid_domain))
		return store_fail(st, STORE_INVALID,
				  "msgid_domain: must be a domain name such as 'example.com'");
	if (pol->tag_prefix && strlen(pol->tag_prefix) > TAG_PREFIX_MAX_LEN)
		return store_fail(st, STORE_INVALID, "tag_prefix: at most %d bytes",
				  TAG_PREFIX_MAX_LEN);
	return STORE_OK;
}

/* The first column of the row statement id bound to ?1 = key finds: *out, 0 when none. */
static int scalar_get(struct store *st, int id, const char *text_key, int64_t int_key,
		      int64_t *out)
{
	sqlite3_stmt *s = NULL;
	int rc;

	*out = 0;
	if ((rc = sq_prepare(st, id, &s)) != STORE_OK)
		return rc;
	if (text_key)
		sq_bind_text(st, s, 1, text_key);
	else
		sq_bind_int(st, s, 1, int_key);
	if ((rc = sq_step(st, s)) == 1) {
		*out = sqlite3_column_int64(s, 0);
		rc = STORE_OK;
	}
	sq_done(s);
	return rc;
}

/* ---- pieces of an import, each inside the caller's transaction ---- */

/* Keep raw once per sha256; *id is its row. */
static int raw_keep(struct store *st, const char *raw, size_t rawlen, const char *sha256,
		    int64_t now, int64_t *id)
{
	sqlite3_stmt *s = NULL;
	int rc;

	if ((rc = sq_prepare(st, M_RAW_INSERT, &s)) != STORE_OK)
		return rc;
	sq_bind_text(st, s, 1, sha256);
	sq_bind_int(st, s, 2, (int64_t)rawlen);
	sq_bind_blob(st, s, 3, raw, rawlen);
	sq_bind_int(st, s, 4, now);
	if ((rc = sq_run_done(st, s)) != STORE_OK)
		return rc;
	if ((rc = scalar_get(st, M_RAW_ID, sha256, 0, id)) != STORE_OK)
		return rc;
	if (!*id)
		return store_fail(st, STORE_ERROR, "database error: raw message not kept");
	return STORE_OK;
}

/* A message of a ticket's mail as the lookups see it. */
struct mail_ref {
	int64_t id, ticket_id, event_id;
	int out;
};

static int read_mail_ref(struct store *st, sqlite3_stmt *s, void *item)
{
	struct mail_ref *r = item;

	r->id = sqlite3_column_int64(s, 0);
	r->ticket_id = sqlite3_column_int64(s, 1);
	r->event_id = sqlite3_column_int64(s, 2);
	r->out = col_name(st, s, 3, (const char *const[]){ "in", "out" }, 2);
	return sq_row_check(st, "mail message");
}

/* The message statement id finds by key (a Message-ID or a hash); *found 0 when none. */
static int mail_find(struct store *st, int id, const char *key, struct mail_ref *r, int *found)
{
	int rc;

	*found = 0;
	if (!key || !key[0])
		return STORE_OK;
	rc = sq_row_get(st, id, sq_bind_key_text, key, read_mail_ref, r);
	if (rc == STORE_NOT_FOUND)
		return STORE_OK;
	*found = rc == STORE_OK;
	return rc;
}

/* Record addr (if valid and not ours) as one that was on ticket_id's mail. */
static int addr_record(struct store *st, int64_t ticket_id, const char *addr, const char *ours,
		       int64_t now)
{
	char key[EMAIL_MAX_LEN + 1];
	sqlite3_stmt *s = NULL;
	int rc;

	if (sq_lower_copy(key, addr, sizeof(key)) < 0 || !valid_email(key) ||
	    addr_listed(key, ours))
		return STORE_OK;
	if ((rc = sq_prepare(st, M_ADDR_INSERT, &s)) != STORE_OK)
		return rc;
	sq_bind_int(st, s, 1, ticket_id);
	sq_bind_text(st, s, 2, key);
	sq_bind_int(st, s, 3, now);
	return sq_run_done(st, s);
}

/* Record every address of a normalised list ("a@x, b@y"). */
static int addr_record_list(struct store *st, int64_t ticket_id, const char *list,
			    const char *ours, int64_t now)
{
	char one[EMAIL_MAX_LEN + 1];
	const char *p = list;
	size_t n;
	int rc;

	while (*p) {
		while (*p == ',' || is_blank(*p))
			p++;
		n = strcspn(p, ",");
		if (n > 0 && n < sizeof(one)) {
			memcpy(one, p, n);
			one[n] = '\0';
			if ((rc = addr_record(st, ticket_id, one, ours, now)) != STORE_OK)
				return rc;
		}
		p += n;
	}
	return STORE_OK;
}

/* Attach the n files to event_id of ticket_id. */
static int files_attach(struct store *st, int64_t ticket_id, int64_t event_id,
			const struct mail_file *files, size_t n, int64_t now)
{
	char why[sizeof(((struct store *)0)->errmsg)];
	struct attachment a;
	size_t i;
	int rc;

	for (i = 0; i < n; i++) {
		memset(&a, 0, sizeof(a));
		a.ticket_id = ticket_id;
		a.event_id = event_id;
		(void)xstrlcpy(a.filename, files[i].filename[0] ? files[i].filename : "attachment",
			       sizeof(a.filename));
		(void)xstrlcpy(a.media_type,
			       files[i].media_type[0] ? files[i].media_type
						      : "application/octet-stream",
			       sizeof(a.media_type));
		a.size = (int64_t)files[i].size;
		(void)xstrlcpy(a.sha256, files[i].sha256, sizeof(a.sha256));
		if ((rc = sq_attachment_check(st, &a, files[i].data)) != STORE_OK) {
			(void)xstrlcpy(why, store_errmsg(st), sizeof(why));
			return store_fail(st, rc, "file '%.100s': %s", a.filename, why);
		}
		if ((rc = sq_attachment_insert(st, &a, files[i].data, now)) != STORE_OK)
			return rc;
	}
	return STORE_OK;
}

/*
 * Queue one outbox message of kind about event_id on ticket t, to and cc
 * normalised lists, and register its new Message-ID with the ticket's mail
 * (msg_event_id: the event that is this message, 0 for none).
 */
static int outbox_queue(struct store *st, const struct ticket *t, enum outbox_kind kind,
			int64_t event_id, int64_t msg_event_id, const char *to, const char *cc,
			const struct mail_policy *pol, int64_t now, int64_t *id_out)
{
	char msgid[MSGID_MAX_LEN + 1], subject[SUBJECT_MAX_LEN + 1], from[EMAIL_MAX_LEN + 1];
	unsigned char rnd[8];
	sqlite3_stmt *s = NULL;
	int64_t id;
	int rc, len;

	if ((rc = sq_prepare(st, M_OUTBOX_INSERT, &s)) != STORE_OK)
		return rc;
	sq_bind_int(st, s, 1, t->id);
	sq_bind_id(st, s, 2, event_id);
	sq_bind_text(st, s, 3, outbox_kind_names[kind]);
	sq_bind_text(st, s, 4, to);
	sq_bind_text(st, s, 5, cc ? cc : "");
	sq_bind_int(st, s, 6, now);
	if ((rc = sq_run_done(st, s)) != STORE_OK)
		return rc;
	id = sqlite3_last_insert_rowid(sq_of(st)->db);
	/* Random too, so that no other database (or a guess) ever made the same id. */
	sqlite3_randomness(sizeof(rnd), rnd);
	len = snprintf(msgid, sizeof(msgid),
		       "evid.%" PRId64 ".%02x%02x%02x%02x%02x%02x%02x%02x.%s@%s", id, rnd[0],
		       rnd[1], rnd[2], rnd[3], rnd[4], rnd[5], rnd[6], rnd[7], t->number,
		       pol->msgid_domain);
	if (len < 0 || (size_t)len >= sizeof(msgid))
		return store_fail(st, STORE_INVALID, "msgid_domain: too long");
	mailrule_subject(t->subject, "", pol->tag_prefix, t->number, subject, sizeof(subject));
	addr_first(pol->ours, from, sizeof(from));
	if ((rc = sq_prepare(st, M_MSG_INSERT_OUT, &s)) != STORE_OK)
		return rc;
	sq_bind_int(st, s, 1, t->id);
	sq_bind_id(st, s, 2, msg_event_id);
	sq_bind_text(st, s, 3, msgid);
	sq_bind_text(st, s, 4, from);
	sq_bind_text(st, s, 5, to);
	sq_bind_text(st, s, 6, cc ? cc : "");
	sq_bind_text(st, s, 7, subject);
	sq_bind_int(st, s, 8, id);
	sq_bind_int(st, s, 9, now);
	if ((rc = sq_run_done(st, s)) != STORE_OK)
		return rc;
	if (id_out)
		*id_out = id;
	return STORE_OK;
}

/* What an import has learnt so far. */
struct import {
	struct store *st;
	const struct mail_msg *m;
	const struct mail_policy *pol;
	const char *hash;
	enum mail_source src;
	int64_t now;
	const char *raw;
	size_t rawlen;
	char from[EMAIL_MAX_LEN + 1]; /* the sender, lowercase, "" if none */
	int64_t contact_id;           /* the active contact with the sender's address */
	int64_t contact_client_id;
	int64_t staff_id;             /* the active staff user with the sender's address */
	struct ticket t;              /* the ticket the message goes to */
	struct mail_outcome o;
};

/* Who the sender is: an active contact, an active staff user, or nobody known. */
static int sender_identify(struct import *im)
{
	struct store *st = im->st;
	sqlite3_stmt *s = NULL;
	int rc;

	if (!im->from[0])
		return STORE_OK;
	if ((rc = sq_prepare(st, M_CONTACT_BY_EMAIL, &s)) != STORE_OK)
		return rc;
	sq_bind_text(st, s, 1, im->from);
	if ((rc = sq_step(st, s)) == 1) {
		im->contact_id = sqlite3_column_int64(s, 0);
		im->contact_client_id = sqlite3_column_int64(s, 1);
		rc = STORE_OK;
	}
	sq_done(s);
	if (rc != STORE_OK)
		return rc;
	return scalar_get(st, M_STAFF_BY_EMAIL, im->from, 0, &im->staff_id);
}

/*
 * A merged ticket's mail goes to the ticket it was merged into
 * (store_ticket_merge), and on along the chain when that one was merged
 * in turn: *t becomes the end of the chain.  Merging refuses a target that
 * is merged itself, so a chain has no loop; the bound is a guard only.
 */
#define MERGE_CHAIN_MAX 100
static int merge_follow(struct store *st, struct ticket *t)
{
	int hops, rc;

	for (hops = 0; t->merged_into; hops++) {
		if (hops == MERGE_CHAIN_MAX)
			return store_fail(st, STORE_ERROR,
					  "ticket %s: its chain of merges does not end", t->number);
		if ((rc = sq_ticket_read(st, t->merged_into, t)) != STORE_OK)
			return rc;
	}
	return STORE_OK;
}

/*
 * The ticket m names: through In-Reply-To, then References newest first
 * (any message, in or out, of any ticket), else through the subject tag.
 * *named is that ticket, *t the one the message goes to: the same, or the
 * ticket it was merged into (merge_follow).
 */
static int thread_find(struct import *im, enum thread_match *match, struct ticket *named,
		       struct ticket *t)
{
	char number[TICKET_NUMBER_LEN + 1];
	const struct mail_msg *m = im->m;
	struct mail_ref r;
	int64_t id = 0;
	size_t i;
	int rc, found;

	*match = MATCH_NONE;
	if ((rc = mail_find(im->st, M_MSG_BY_ID, m->in_reply_to, &r, &found)) != STORE_OK)
		return rc;
	for (i = m->n_references; !found && i-- > 0;)
		if ((rc = mail_find(im->st, M_MSG_BY_ID, m->references[i], &r, &found)))
			return rc;
	if (found) {
		*match = MATCH_REFERENCES;
		id = r.ticket_id;
	} else {
		if (!mailrule_tag_find(m->subject, im->pol->tag_prefix, number))
			return STORE_OK;
		rc = scalar_get(im->st, M_TICKET_BY_NUMBER, number, 0, &id);
		if (rc != STORE_OK || !id)
			return rc;
		*match = MATCH_TAG;
	}
	if ((rc = sq_ticket_read(im->st, id, named)) != STORE_OK)
		return rc;
	*t = *named;
	return merge_follow(im->st, t);
}

static int sender_known(struct import *im, int64_t ticket_id, int *known)
{
	sqlite3_stmt *s = NULL;
	int rc;

	*known = 0;
	if (!im->from[0])
		return STORE_OK;
	if ((rc = sq_prepare(im->st, M_SENDER_KNOWN, &s)) != STORE_OK)
		return rc;
	sq_bind_int(im->st, s, 1, ticket_id);
	sq_bind_text(im->st, s, 2, im->from);
	if ((rc = sq_step(im->st, s)) == 1) {
		*known = sqlite3_column_int(s, 0) != 0;
		rc = STORE_OK;
	}
	sq_done(s);
	return rc;
}

/* The subject of a new ticket: the message's without surrounding blanks, or "(no subject)". */
static void ticket_subject(const char *subject, char *out, size_t outsz)
{
	const char *p = subject;
	size_t n;

	while (is_blank(*p))
		p++;
	n = strlen(p);
	while (n > 0 && is_blank(p[n - 1]))
		n--;
	if (n == 0 || n >= outsz) {
		(void)xstrlcpy(out, n ? p : "(no subject)", outsz);
		sq_utf8_trim(out);
		return;
	}
	memcpy(out, p, n);
	out[n] = '\0';
}

/*
 * Open a ticket for the message into im->t: for the sender's contact, else
 * the client of the sender's domain, else (and always when triage) nobody.
 */
static int ticket_open(struct import *im, int triage)
{
	struct store *st = im->st;
	const char *domain;
	sqlite3_stmt *s = NULL;
	struct ticket t;
	int rc;

	memset(&t, 0, sizeof(t));
	ticket_subject(im->m->subject, t.subject, sizeof(t.subject));
	t.status = STATUS_NEW;
	t.priority = PRIORITY_NORMAL;
	t.channel = CHANNEL_EMAIL;
	t.billing = BILLING_BILLABLE;
	if (!triage && im->contact_id) {
		t.client_id = im->contact_client_id;
		t.contact_id = im->contact_id;
	} else if (!triage && (domain = strrchr(im->from, '@')) && domain[1]) {
		rc = scalar_get(st, M_CLIENT_BY_DOMAIN, domain + 1, 0, &t.client_id);
		if (rc != STORE_OK)
			return rc;
	}
	if ((rc = sq_ticket_insert(st, &t, im->pol->year, 0, im->now)) != STORE_OK)
		return rc;
	if ((rc = sq_prepare(st, M_ORIGIN_INSERT, &s)) != STORE_OK)
		return rc;
	sq_bind_int(st, s, 1, t.id);
	sq_bind_text(st, s, 2, im->from);
	sq_bind_text(st, s, 3, im->m->from.name);
	sq_bind_int(st, s, 4, im->now);
	if ((rc = sq_run_done(st, s)) != STORE_OK)
		return rc;
	im->t = t;
	return STORE_OK;
}

/* Link the new ticket im->t to old, with an event on each. */
static int ticket_link(struct import *im, const struct ticket *old, const char *why)
{
	struct store *st = im->st;
	sqlite3_stmt *s = NULL;
	int rc;

	if ((rc = sq_prepare(st, M_LINK_INSERT, &s)) != STORE_OK)
		return rc;
	sq_bind_int(st, s, 1, im->t.id);
	sq_bind_int(st, s, 2, old->id);
	sq_bind_text(st, s, 3, why);
	sq_bind_int(st, s, 4, im->now);
	if ((rc = sq_run_done(st, s)) != STORE_OK)
		return rc;
	rc = sq_event_change(st, im->t.id, EVENT_FIELD_CHANGE, 0, "linked_ticket", "",
			     old->number, NULL, 0, im->now);
	if (rc != STORE_OK)
		return rc;
	/* The earlier ticket learns of it, yet does not move up the lists: nothing new there. */
	return sq_event_change(st, old->id, EVENT_FIELD_CHANGE, 0, "linked_ticket", "",
			       im->t.number, NULL, 0, im->now);
}

/* Reopen im->t (resolved or closed): status open, closed_at cleared, the change recorded. */
static int ticket_reopen(struct import *im)
{
	struct ticket v = im->t;
	int rc;

	v.status = STATUS_OPEN;
	if ((rc = sq_ticket_write(im->st, &v, im->now, 0)) != STORE_OK)
		return rc;
	rc = sq_event_change(im->st, v.id, EVENT_STATUS_CHANGE, 0, "status",
			     status_name(im->t.status), status_name(v.status), NULL, 0, im->now);
	if (rc != STORE_OK)
		return rc;
	return sq_ticket_read(im->st, v.id, &im->t);
}

/* The message's own row in the ticket's mail, with its raw bytes kept. */
static int mail_record_in(struct import *im, int64_t event_id)
{
	const struct mail_msg *m = im->m;
	struct store *st = im->st;
	struct buf to = BUF_INIT(SIZE_MAX / 2), cc = BUF_INIT(SIZE_MAX / 2);
	sqlite3_stmt *s = NULL;
	int64_t raw_id = 0;
	int rc;

	if ((rc = raw_keep(st, im->raw, im->rawlen, im->hash, im->now, &raw_id)) != STORE_OK)
		goto out;
	/* The lists are bounded by MAIL_MAX_ADDRS entries of a bounded size. */
	if (addr_list_join(&m->to, &to) < 0 || addr_list_join(&m->cc, &cc) < 0) {
		rc = store_fail(st, STORE_ERROR, "address list too long");
		goto out;
	}
	if ((rc = sq_prepare(st, M_MSG_INSERT_IN, &s)) != STORE_OK)
		goto out;
	sq_bind_int(st, s, 1, im->t.id);
	sq_bind_id(st, s, 2, event_id);
	sq_bind_text(st, s, 3, m->message_id[0] ? m->message_id : NULL);
	sq_bind_text(st, s, 4, im->hash);
	sq_bind_text(st, s, 5, im->from);
	sq_bind_text(st, s, 6, m->from.name);
	sq_bind_text(st, s, 7, to.s);
	sq_bind_text(st, s, 8, cc.s);
	sq_bind_text(st, s, 9, m->subject);
	sq_bind_id(st, s, 10, m->date);
	sq_bind_int(st, s, 11, raw_id);
	sq_bind_text(st, s, 12, source_names[im->src]);
	if (m->text && m->quote_at < m->text_len)
		sq_bind_int(st, s, 13, (int64_t)m->quote_at);
	sq_bind_int(st, s, 14, m->text_from_html ? 1 : 0);
	sq_bind_int(st, s, 15, m->files_dropped > 0 ? m->files_dropped : 0);
	sq_bind_int(st, s, 16, im->now);
	rc = sq_run_done(st, s);
out:
	buf_free(&to);
	buf_free(&cc);
	return rc;
}

/* The message as an EVENT_MESSAGE_IN on im->t with its files; *event_id. */
static int message_event(struct import *im, int64_t *event_id)
{
	struct event e;
	int rc;

	memset(&e, 0, sizeof(e));
	e.ticket_id = im->t.id;
	e.kind = EVENT_MESSAGE_IN;
	if (im->contact_id)
		e.author_contact_id = im->contact_id;
	else
		e.author_user_id = im->staff_id;
	e.body = im->m->text ? im->m->text : (char *)""; /* borrowed */
	if ((rc = sq_event_insert(im->st, &e, im->now, event_id)) != STORE_OK)
		return rc;
	rc = files_attach(im->st, im->t.id, *event_id, im->m->files.items, im->m->files.n,
			  im->now);
	if (rc != STORE_OK)
		return rc;
	return sq_ticket_touch(im->st, im->t.id, im->now);
}

/* Record the message's addresses on its ticket: From, Reply-To, To, Cc, ours left out. */
static int message_addresses(struct import *im)
{
	const struct mail_msg *m = im->m;
	const char *ours = im->pol->ours;
	size_t i;
	int rc;

	if ((rc = addr_record(im->st, im->t.id, im->from, ours, im->now)) != STORE_OK ||
	    (rc = addr_record(im->st, im->t.id, m->reply_to.addr, ours, im->now)) != STORE_OK)
		return rc;
	for (i = 0; i < m->to.n; i++)
		if ((rc = addr_record(im->st, im->t.id, m->to.items[i].addr, ours, im->now)))
			return rc;
	for (i = 0; i < m->cc.n; i++)
		if ((rc = addr_record(im->st, im->t.id, m->cc.items[i].addr, ours, im->now)))
			return rc;
	return STORE_OK;
}

/*
 * The acknowledgement of a new ticket, unless the message must not be
 * answered automatically or its sender already had the hour's share.
 */
static int answer_ack(struct import *im, int64_t event_id)
{
	const struct mail_msg *m = im->m;
	struct store *st = im->st;
	char to[EMAIL_MAX_LEN + 1];
	const char *why = NULL;
	sqlite3_stmt *s = NULL;
	int64_t sent = 0;
	int rc;

	if (sq_lower_copy(to, m->reply_to.addr[0] ? m->reply_to.addr : m->from.addr,
			  sizeof(to)) < 0)
		to[0] = '\0';
	if (mailrule_no_autoreply(m, im->pol->ours, &why))
		goto out;
	if (!valid_email(to)) {
		why = "no usable address to answer";
		goto out;
	}
	if ((rc = sq_prepare(st, M_AUTOREPLY_COUNT, &s)) != STORE_OK)
		return rc;
	sq_bind_text(st, s, 1, to);
	sq_bind_int(st, s, 2, im->now - HOUR);
	rc = sq_read_count(st, s, &sent);
	sq_done(s);
	if (rc != STORE_OK)
		return rc;
	if (im->pol->autoreply_per_hour <= 0 || sent >= im->pol->autoreply_per_hour) {
		why = "automatic answers to this sender reached the hourly cap";
		goto out;
	}
	rc = outbox_queue(st, &im->t, OUTBOX_ACK, event_id, 0, to, "", im->pol, im->now, NULL);
	if (rc != STORE_OK)
		return rc;
	im->o.queued++;
	if ((rc = sq_prepare(st, M_AUTOREPLY_PURGE, &s)) != STORE_OK)
		return rc;
	sq_bind_int(st, s, 1, im->now - AUTOREPLY_KEEP);
	if ((rc = sq_run_done(st, s)) != STORE_OK)
		return rc;
	if ((rc = sq_prepare(st, M_AUTOREPLY_INSERT, &s)) != STORE_OK)
		return rc;
	sq_bind_text(st, s, 1, to);
	sq_bind_int(st, s, 2, im->now);
	if ((rc = sq_run_done(st, s)) != STORE_OK)
		return rc;
out:
	im->o.no_answer_why = why;
	return STORE_OK;
}

/* A staff member to notify. */
struct staff {
	int64_t id;
	char email[EMAIL_MAX_LEN + 1];
};

static int read_staff(struct store *st, sqlite3_stmt *s, void *item)
{
	struct staff *u = item;

	(void)st;
	u->id = sqlite3_column_int64(s, 0);
	sq_col_text(s, 1, u->email, sizeof(u->email));
	return STORE_OK;
}

/* Queue a notification of kind to staff member u, unless u wrote the message or is us. */
static int notify_one(struct import *im, const struct staff *u, enum outbox_kind kind,
		      int64_t event_id)
{
	int rc;

	if (!strcmp(u->email, im->from) || addr_listed(u->email, im->pol->ours) ||
	    !valid_email(u->email))
		return STORE_OK;
	rc = outbox_queue(im->st, &im->t, kind, event_id, 0, u->email, "", im->pol, im->now,
			  NULL);
	if (rc == STORE_OK)
		im->o.queued++;
	return rc;
}

/* The assignee of im->t, if active, into *u; *found. */
static int assignee_get(struct import *im, struct staff *u, int *found)
{
	struct user a;
	int rc;

	*found = 0;
	if (!im->t.assignee_id)
		return STORE_OK;
	if ((rc = sq_user_read(im->st, im->t.assignee_id, &a, NULL)) != STORE_OK)
		return rc;
	if (!a.active)
		return STORE_OK;
	u->id = a.id;
	(void)xstrlcpy(u->email, a.email, sizeof(u->email));
	*found = 1;
	return STORE_OK;
}

/* A new ticket: every active staff member hears of it (only the assignee, if there is one). */
static int notify_new(struct import *im, int64_t event_id)
{
	struct sq_rows r = { NULL, 0, 0 };
	struct staff one, *all;
	sqlite3_stmt *s = NULL;
	size_t i;
	int rc, found;

	if ((rc = assignee_get(im, &one, &found)) != STORE_OK)
		return rc;
	if (found)
		return notify_one(im, &one, OUTBOX_NOTIFY_NEW, event_id);
	/* Collected first: queueing runs other statements. */
	if ((rc = sq_prepare(im->st, M_STAFF_ACTIVE, &s)) != STORE_OK)
		goto out;
	if ((rc = sq_rows_collect(im->st, s, read_staff, sizeof(*all), &r)) != STORE_OK)
		goto out;
	sq_done(s);
	s = NULL;
	all = r.items;
	for (i = 0; i < r.n; i++)
		if ((rc = notify_one(im, &all[i], OUTBOX_NOTIFY_NEW, event_id)) != STORE_OK)
			goto out;
out:
	sq_done(s);
	free(r.items);
	return rc;
}

/* Whether a DSN's action says the message did not arrive ("failed", or none given). */
static int dsn_failed(const char *action)
{
	static const char *const not_failures[] = { "delayed", "delivered", "relayed",
						    "expanded" };
	size_t i;

	for (i = 0; i < COUNT(not_failures); i++)
		if (!strcasecmp(action, not_failures[i]))
			return 0;
	return 1;
}

/* A DSN about our message bounced: mark it, tell its ticket. */
static int import_bounce(struct import *im, const struct mail_ref *bounced)
{
	const struct mail_msg *m = im->m;
	struct store *st = im->st;
	sqlite3_stmt *s = NULL;
	struct event e;
	int64_t event_id = 0;
	int rc, failed = dsn_failed(m->dsn_action);

	if (failed) {
		if ((rc = sq_prepare(st, M_MSG_UNDELIVERED, &s)) != STORE_OK)
			return rc;
		sq_bind_int(st, s, 1, bounced->id);
		if ((rc = sq_run_done(st, s)) != STORE_OK)
			return rc;
	}
	if ((rc = sq_ticket_read(st, bounced->ticket_id, &im->t)) != STORE_OK)
		return rc;
	memset(&e, 0, sizeof(e));
	e.ticket_id = im->t.id;
	e.kind = EVENT_FIELD_CHANGE;
	(void)xstrlcpy(e.field, "delivery", sizeof(e.field));
	(void)xstrlcpy(e.old_value, "sent", sizeof(e.old_value));
	(void)xstrlcpy(e.new_value, failed ? "undelivered" : m->dsn_action, sizeof(e.new_value));
	ascii_lower(e.new_value);
	e.body = m->text ? m->text : (char *)""; /* borrowed */
	if ((rc = sq_event_insert(st, &e, im->now, &event_id)) != STORE_OK)
		return rc;
	rc = files_attach(st, im->t.id, event_id, m->files.items, m->files.n, im->now);
	if (rc != STORE_OK)
		return rc;
	if ((rc = sq_ticket_touch(st, im->t.id, im->now)) != STORE_OK)
		return rc;
	if ((rc = mail_record_in(im, event_id)) != STORE_OK)
		return rc;
	im->o.result = MAIL_BOUNCE;
	im->o.event_id = event_id;
	im->o.no_answer_why = "delivery status notification";
	return STORE_OK;
}

/*
 * Put the message where decision d says (matched: the ticket the message
 * named, if any), with its event, files, addresses, mail row and the
 * outbox messages it calls for.  triage: a stray DSN, kept from any client.
 */
static int import_deliver(struct import *im, enum thread_decision d, const struct ticket *matched,
			  int tag_only, int triage)
{
	int64_t event_id = 0;
	struct staff u;
	int rc, found;

	switch (d) {
	case THREAD_NEW:
	case THREAD_NEW_LINKED:
		if ((rc = ticket_open(im, triage)) != STORE_OK)
			return rc;
		if (d == THREAD_NEW_LINKED) {
			rc = ticket_link(im, matched, tag_only ? "unknown_sender" : "closed");
			if (rc != STORE_OK)
				return rc;
			im->o.linked_ticket_id = matched->id;
		}
		im->o.result = d == THREAD_NEW ? MAIL_NEW : MAIL_NEW_LINKED;
		break;
	case THREAD_REOPEN:
		im->t = *matched;
		if ((rc = ticket_reopen(im)) != STORE_OK)
			return rc;
		im->o.result = MAIL_REOPENED;
		break;
	case THREAD_APPEND:
		im->t = *matched;
		im->o.result = MAIL_APPENDED;
		break;
	}
	if ((rc = message_event(im, &event_id)) != STORE_OK)
		return rc;
	if ((rc = mail_record_in(im, event_id)) != STORE_OK)
		return rc;
	if (!im->m->is_dsn && (rc = message_addresses(im)) != STORE_OK)
		return rc;
	im->o.event_id = event_id;
	if (d == THREAD_NEW || d == THREAD_NEW_LINKED) {
		if ((rc = answer_ack(im, event_id)) != STORE_OK)
			return rc;
		return notify_new(im, event_id);
	}
	if ((rc = assignee_get(im, &u, &found)) != STORE_OK || !found)
		return rc;
	return notify_one(im, &u, OUTBOX_NOTIFY_REPLY, event_id);
}

/* The whole import, inside its transaction; im->o is the outcome. */
static int import_run(struct import *im)
{
	const struct mail_msg *m = im->m;
	struct thread_facts f;
	struct mail_ref prev;
	struct ticket named, matched;
	int rc, found;

	if (m->message_id[0])
		rc = mail_find(im->st, M_MSG_BY_ID, m->message_id, &prev, &found);
	else
		rc = mail_find(im->st, M_MSG_BY_HASH, im->hash, &prev, &found);
	if (rc != STORE_OK)
		return rc;
	if (found && prev.out) {
		im->o.result = MAIL_OWN;
		return STORE_OK;
	}
	if (found) {
		if ((rc = sq_ticket_read(im->st, prev.ticket_id, &im->t)) != STORE_OK)
			return rc;
		im->o.result = MAIL_DUPLICATE;
		im->o.event_id = prev.event_id;
		return STORE_OK;
	}
	if (addr_listed(im->from, im->pol->ours)) {
		im->o.result = MAIL_OWN;
		return STORE_OK;
	}
	if ((rc = sender_identify(im)) != STORE_OK)
		return rc;
	if (m->is_dsn) {
		rc = mail_find(im->st, M_MSG_BY_ID, m->dsn_original_id, &prev, &found);
		if (rc != STORE_OK)
			return rc;
		if (found && prev.out)
			return import_bounce(im, &prev);
		/* A bounce of nothing we sent: kept for a person to look at, never answered. */
		im->contact_id = im->staff_id = 0;
		return import_deliver(im, THREAD_NEW, NULL, 0, 1);
	}
	memset(&f, 0, sizeof(f));
	memset(&matched, 0, sizeof(matched));
	if ((rc = thread_find(im, &f.match, &named, &matched)) != STORE_OK)
		return rc;
	if (f.match != MATCH_NONE) {
		if ((rc = sender_known(im, matched.id, &f.sender_known)) != STORE_OK)
			return rc;
		/* Known on the ticket they wrote to is known on the one it became part of. */
		if (!f.sender_known && named.id != matched.id &&
		    (rc = sender_known(im, named.id, &f.sender_known)) != STORE_OK)
			return rc;
		f.status = matched.status;
		f.closed_at = matched.closed_at;
	}
	f.now = im->now;
	f.reopen_days = im->pol->reopen_days;
	return import_deliver(im, mailrule_thread(&f), &matched,
			      f.match == MATCH_TAG && !f.sender_known, 0);
}

int sq_mail_import(struct store *st, const struct mail_msg *m, const char *raw, size_t rawlen,
		   const char *content_hash, enum mail_source src, const struct mail_policy *pol,
		   int64_t now, struct mail_outcome *out)
{
	struct import im;
	int rc;

	if (!m || !out)
		return store_fail(st, STORE_INVALID, "message: required");
	if (!raw || rawlen > RAW_MAX)
		return store_fail(st, STORE_INVALID, "raw message: missing or larger than 1 GB");
	if (!sha256_ok(content_hash))
		return store_fail(st, STORE_INVALID,
				  "content_hash: must be 64 lowercase hex digits");
	if ((int)src < 0 || src > MAIL_SOURCE_REPROCESS)
		return store_fail(st, STORE_INVALID, "source: unknown value");
	if ((rc = policy_check(st, pol)) != STORE_OK)
		return rc;
	memset(&im, 0, sizeof(im));
	im.st = st;
	im.m = m;
	im.pol = pol;
	im.hash = content_hash;
	im.src = src;
	im.now = now;
	im.raw = raw;
	im.rawlen = rawlen;
	if (sq_lower_copy(im.from, m->from.addr, sizeof(im.from)) < 0)
		im.from[0] = '\0';
	if ((rc = sq_tx_begin(st)) != STORE_OK)
		return rc;
	if ((rc = import_run(&im)) != STORE_OK)
		goto out;
	rc = sq_tx_commit(st);
out:
	if (rc != STORE_OK) {
		sq_tx_rollback(st);
		return rc;
	}
	if (im.o.result != MAIL_OWN) {
		im.o.ticket_id = im.t.id;
		memcpy(im.o.number, im.t.number, sizeof(im.o.number));
		im.o.client_id = im.t.client_id;
		im.o.contact_id = im.t.contact_id;
		im.o.triage = im.t.client_id == 0;
	}
	*out = im.o;
	return STORE_OK;
}

/* ---- reads of a ticket's mail ---- */

static int ticket_arg_exists(struct store *st, const void *arg)
{
	return sq_ticket_exists(st, *(const int64_t *)arg);
}

int sq_mail_origin(struct store *st, int64_t ticket_id, struct mail_addr *out)
{
	struct mail_addr a;
	sqlite3_stmt *s = NULL;
	int rc;

	if ((rc = sq_prepare(st, M_ORIGIN_GET, &s)) != STORE_OK)
		return rc;
	sq_bind_int(st, s, 1, ticket_id);
	if ((rc = sq_step(st, s)) == 1) {
		memset(&a, 0, sizeof(a));
		sq_col_text(s, 0, a.addr, sizeof(a.addr));
		sq_col_text(s, 1, a.name, sizeof(a.name));
		*out = a;
		rc = STORE_OK;
	} else if (rc == 0) {
		rc = store_fail(st, STORE_NOT_FOUND,
				"ticket %" PRId64 " was not opened by an email", ticket_id);
	}
	sq_done(s);
	return rc;
}

/* The checks of an adoption inside its transaction: ticket, origin, client, no such contact. */
static int adopt_check(struct store *st, const struct ticket *t, int64_t client_id,
		       struct mail_addr *origin, struct client *cl)
{
	int64_t existing = 0;
	int rc;

	if (t->contact_id)
		return store_fail(st, STORE_CONFLICT, "ticket %s already has a contact",
				  t->number);
	rc = sq_mail_origin(st, t->id, origin);
	if (rc == STORE_NOT_FOUND)
		return store_fail(st, STORE_CONFLICT, "ticket %s was not opened by an email",
				  t->number);
	if (rc != STORE_OK)
		return rc;
	if (!valid_email(origin->addr))
		return store_fail(st, STORE_CONFLICT,
				  "the email that opened ticket %s had no usable sender address",
				  t->number);
	rc = sq_ref_invalid(st, sq_client_read(st, client_id, cl), "client_id", "client");
	if (rc != STORE_OK)
		return rc;
	if (!cl->active)
		return store_fail(st, STORE_INVALID, "client_id: the client is inactive");
	if ((rc = scalar_get(st, M_CONTACT_ANY_BY_EMAIL, origin->addr, 0, &existing)))
		return rc;
	if (existing)
		return store_fail(st, STORE_CONFLICT,
				  "contact %" PRId64 " already has the email '%s': set it as "
				  "the ticket's contact instead",
				  existing, origin->addr);
	return STORE_OK;
}

int sq_mail_adopt_contact(struct store *st, int64_t ticket_id, int64_t client_id,
			  const char *name, int64_t actor_user_id, int64_t now,
			  struct contact *contact, struct ticket *ticket)
{
	struct mail_addr origin;
	struct ticket old, v;
	struct contact c;
	struct client cl;
	sqlite3_stmt *s = NULL;
	const char *use;
	int rc;

	if (name && name[0] && (!valid_text(name, NAME_MAX_LEN, 0) || !name[strspn(name, " ")]))
		return store_fail(st, STORE_INVALID, "name: one line of 1 to %d bytes",
				  NAME_MAX_LEN);
	if ((rc = sq_tx_begin(st)) != STORE_OK)
		return rc;
	if ((rc = sq_ticket_read(st, ticket_id, &old)) != STORE_OK)
		goto out;
	if ((rc = adopt_check(st, &old, client_id, &origin, &cl)) != STORE_OK)
		goto out;
	use = name && name[0] ? name
	      : origin.name[0] && valid_text(origin.name, NAME_MAX_LEN, 0) ? origin.name
									 : origin.addr;
	if ((rc = sq_prepare(st, M_CONTACT_INSERT, &s)) != STORE_OK)
		goto out;
	sq_bind_int(st, s, 1, client_id);
	sq_bind_text(st, s, 2, use);
	sq_bind_text(st, s, 3, origin.addr);
	sq_bind_int(st, s, 4, now);
	if ((rc = sq_run_done(st, s)) != STORE_OK)
		goto out;
	rc = sq_contact_read(st, sqlite3_last_insert_rowid(sq_of(st)->db), &c);
	if (rc != STORE_OK)
		goto out;
	v = old;
	v.client_id = client_id;
	v.contact_id = c.id;
	if ((rc = sq_ticket_write(st, &v, now, old.closed_at)) != STORE_OK)
		goto out;
	if (old.client_id != client_id &&
	    (rc = sq_event_change(st, ticket_id, EVENT_FIELD_CHANGE, actor_user_id, "client_id",
				  old.client_name, cl.name, NULL, 0, now)) != STORE_OK)
		goto out;
	rc = sq_event_change(st, ticket_id, EVENT_FIELD_CHANGE, actor_user_id, "contact_id", "",
			     c.name, NULL, 0, now);
	if (rc != STORE_OK)
		goto out;
	if ((rc = sq_ticket_read(st, ticket_id, &v)) != STORE_OK)
		goto out;
	rc = sq_tx_commit(st);
out:
	if (rc != STORE_OK) {
		sq_tx_rollback(st);
		return rc;
	}
	if (contact)
		*contact = c;
	if (ticket)
		*ticket = v;
	return STORE_OK;
}

static int read_mail_record(struct store *st, sqlite3_stmt *s, void *item)
{
	struct mail_record *r = item;
	const unsigned char *delivery;

	memset(r, 0, sizeof(*r));
	r->id = sqlite3_column_int64(s, 0);
	r->ticket_id = sqlite3_column_int64(s, 1);
	r->event_id = sqlite3_column_int64(s, 2);
	r->outbox_id = sqlite3_column_int64(s, 3);
	r->out = col_name(st, s, 4, (const char *const[]){ "in", "out" }, 2);
	sq_col_text(s, 5, r->message_id, sizeof(r->message_id));
	sq_col_text(s, 6, r->from_addr, sizeof(r->from_addr));
	sq_col_text(s, 7, r->from_name, sizeof(r->from_name));
	sq_col_text(s, 8, r->to, sizeof(r->to));
	sq_col_text(s, 9, r->cc, sizeof(r->cc));
	sq_col_text(s, 10, r->subject, sizeof(r->subject));
	r->date = sqlite3_column_int64(s, 11);
	r->quote_at = sqlite3_column_int64(s, 12);
	r->text_from_html = sqlite3_column_int(s, 13);
	r->files_dropped = sqlite3_column_int(s, 14);
	delivery = sqlite3_column_text(s, 15);
	r->undelivered = delivery && !strcmp((const char *)delivery, "undelivered");
	r->sent_at = sqlite3_column_int64(s, 16);
	r->created_at = sqlite3_column_int64(s, 17);
	return sq_row_check(st, "mail message");
}

int sq_mail_messages(struct store *st, int64_t ticket_id, struct mail_record_list *out)
{
	static const struct sq_list_query q = {
		.check = ticket_arg_exists, .rows = M_MSG_LIST, .bind = sq_bind_key_int,
		.read = read_mail_record, .size = sizeof(struct mail_record),
	};
	struct sq_rows r;
	int rc = sq_list_read(st, &q, &ticket_id, 0, 0, &r, NULL);
	struct mail_record_list l = { r.items, r.n };

	if (rc != STORE_OK)
		mail_record_list_free(&l);
	else
		*out = l;
	return rc;
}

struct msgid_row {
	char id[MSGID_MAX_LEN + 1];
};

static int read_msgid(struct store *st, sqlite3_stmt *s, void *item)
{
	struct msgid_row *r = item;

	(void)st;
	sq_col_text(s, 0, r->id, sizeof(r->id));
	return STORE_OK;
}

int sq_mail_thread(struct store *st, int64_t ticket_id, char ***ids, size_t *n)
{
	static const struct sq_list_query q = {
		.check = ticket_arg_exists, .rows = M_THREAD, .bind = sq_bind_key_int,
		.read = read_msgid, .size = sizeof(struct msgid_row),
	};
	struct msgid_row *rows;
	struct sq_rows r;
	char **list = NULL;
	size_t i;
	int rc = sq_list_read(st, &q, &ticket_id, 0, 0, &r, NULL);

	rows = r.items;
	if (rc == STORE_OK) {
		if (r.n)
			list = xcalloc(r.n, sizeof(*list));
		for (i = 0; i < r.n; i++)
			list[i] = xstrdup(rows[i].id);
		*ids = list;
		*n = r.n;
	}
	free(rows);
	return rc;
}

/* ---- quarantine ---- */

static int read_quarantine(struct store *st, sqlite3_stmt *s, void *item)
{
	struct quarantine_item *q = item;

	memset(q, 0, sizeof(*q));
	q->id = sqlite3_column_int64(s, 0);
	q->received_at = sqlite3_column_int64(s, 1);
	q->source = (enum mail_source)col_name(st, s, 2, source_names, COUNT(source_names));
	sq_col_text(s, 3, q->reason, sizeof(q->reason));
	q->size = sqlite3_column_int64(s, 4);
	sq_col_text(s, 5, q->sha256, sizeof(q->sha256));
	sq_col_text(s, 6, q->status, sizeof(q->status));
	q->ticket_id = sqlite3_column_int64(s, 7);
	return sq_row_check(st, "quarantined message");
}

int sq_quarantine_add(struct store *st, const char *raw, size_t rawlen, const char *sha256,
		      const char *reason, enum mail_source src, int64_t now, int64_t *id_out)
{
	char why[sizeof(((struct quarantine_item *)0)->reason)];
	sqlite3_stmt *s = NULL;
	int64_t raw_id = 0, id = 0;
	int rc;

	if (!raw || rawlen > RAW_MAX)
		return store_fail(st, STORE_INVALID, "raw message: missing or larger than 1 GB");
	if (!sha256_ok(sha256))
		return store_fail(st, STORE_INVALID, "sha256: must be 64 lowercase hex digits");
	if ((int)src < 0 || src > MAIL_SOURCE_REPROCESS)
		return store_fail(st, STORE_INVALID, "source: unknown value");
	if (xstrlcpy(why, reason ? reason : "", sizeof(why)) < 0)
		sq_utf8_trim(why);
	if ((rc = sq_tx_begin(st)) != STORE_OK)
		return rc;
	if ((rc = raw_keep(st, raw, rawlen, sha256, now, &raw_id)) != STORE_OK)
		goto out;
	if ((rc = sq_prepare(st, M_QUARANTINE_INSERT, &s)) != STORE_OK)
		goto out;
	sq_bind_int(st, s, 1, raw_id);
	sq_bind_int(st, s, 2, now);
	sq_bind_text(st, s, 3, source_names[src]);
	sq_bind_text(st, s, 4, why);
	if ((rc = sq_run_done(st, s)) != STORE_OK)
		goto out;
	if ((rc = scalar_get(st, M_QUARANTINE_BY_RAW, NULL, raw_id, &id)) != STORE_OK)
		goto out;
	rc = sq_tx_commit(st);
out:
	if (rc != STORE_OK) {
		sq_tx_rollback(st);
		return rc;
	}
	if (id_out)
		*id_out = id;
	return STORE_OK;
}

static int bind_held_only(struct store *st, sqlite3_stmt *s, const void *arg)
{
	sq_bind_int(st, s, 1, *(const int *)arg ? 1 : 0);
	return STORE_OK;
}

int sq_quarantine_list(struct store *st, int held_only, struct quarantine_list *out)
{
	static const struct sq_list_query q = {
		.rows = M_QUARANTINE_LIST, .bind = bind_held_only, .read = read_quarantine,
		.size = sizeof(struct quarantine_item),
	};
	struct sq_rows r;
	int rc = sq_list_read(st, &q, &held_only, 0, 0, &r, NULL);
	struct quarantine_list l = { r.items, r.n };

	if (rc != STORE_OK)
		quarantine_list_free(&l);
	else
		*out = l;
	return rc;
}

/*
 * A malloc'd, NUL-terminated copy of the BLOB in column i of s, its length
 * in *len; NULL (and 0) when the column is NULL.
 */
static char *col_blob_copy(sqlite3_stmt *s, int i, size_t *len)
{
	const void *bytes;
	size_t n;
	char *copy;

	*len = 0;
	if (sqlite3_column_type(s, i) == SQLITE_NULL)
		return NULL;
	bytes = sqlite3_column_blob(s, i);
	n = (size_t)sqlite3_column_bytes(s, i);
	copy = xmalloc(n + 1);
	if (n)
		memcpy(copy, bytes, n);
	copy[n] = '\0';
	*len = n;
	return copy;
}

int sq_quarantine_get(struct store *st, int64_t id, struct quarantine_item *out, char **raw,
		      size_t *rawlen)
{
	struct quarantine_item q;
	sqlite3_stmt *s = NULL;
	char *copy = NULL;
	size_t n = 0;
	int rc;

	if ((rc = sq_prepare(st, M_QUARANTINE_GET, &s)) != STORE_OK)
		return rc;
	sq_bind_int(st, s, 1, id);
	if ((rc = sq_step(st, s)) < 0)
		goto out;
	if (rc == 0) {
		rc = store_fail(st, STORE_NOT_FOUND, "quarantined message %" PRId64 " not found",
				id);
		goto out;
	}
	if ((rc = read_quarantine(st, s, &q)) != STORE_OK)
		goto out;
	if (raw) {
		copy = col_blob_copy(s, 8, &n);
		if (!copy || (int64_t)n != q.size) {
			free(copy);
			rc = store_fail(st, STORE_ERROR,
					"quarantined message %" PRId64 " is damaged", id);
			goto out;
		}
		*raw = copy;
		if (rawlen)
			*rawlen = n;
	}
	*out = q;
out:
	sq_done(s);
	return rc;
}

int sq_quarantine_done(struct store *st, int64_t id, int64_t ticket_id, int64_t now)
{
	sqlite3_stmt *s = NULL;
	int rc;

	if ((rc = sq_tx_begin(st)) != STORE_OK)
		return rc;
	if (ticket_id) {
		rc = sq_ref_invalid(st, sq_ticket_exists(st, ticket_id), "ticket_id", "ticket");
		if (rc != STORE_OK)
			goto out;
	}
	if ((rc = sq_prepare(st, M_QUARANTINE_DONE, &s)) != STORE_OK)
		goto out;
	sq_bind_int(st, s, 1, id);
	sq_bind_id(st, s, 2, ticket_id);
	sq_bind_int(st, s, 3, now);
	if ((rc = sq_run_done(st, s)) != STORE_OK)
		goto out;
	if (sqlite3_changes(sq_of(st)->db) == 0) {
		rc = store_fail(st, STORE_NOT_FOUND, "quarantined message %" PRId64 " not found",
				id);
		goto out;
	}
	rc = sq_tx_commit(st);
out:
	if (rc != STORE_OK)
		sq_tx_rollback(st);
	return rc;
}

/* ---- the outbox ---- */

static int read_outbox(struct store *st, sqlite3_stmt *s, void *item)
{
	struct outbox_item *o = item;

	memset(o, 0, sizeof(*o));
	o->id = sqlite3_column_int64(s, 0);
	o->ticket_id = sqlite3_column_int64(s, 1);
	o->event_id = sqlite3_column_int64(s, 2);
	o->kind = (enum outbox_kind)col_name(st, s, 3, outbox_kind_names,
					     COUNT(outbox_kind_names));
	o->status = (enum outbox_status)col_name(st, s, 4, outbox_status_names,
						 COUNT(outbox_status_names));
	sq_col_text(s, 5, o->to, sizeof(o->to));
	sq_col_text(s, 6, o->cc, sizeof(o->cc));
	sq_col_text(s, 7, o->message_id, sizeof(o->message_id));
	o->attempts = sqlite3_column_int(s, 8);
	o->next_attempt_at = sqlite3_column_int64(s, 9);
	sq_col_text(s, 10, o->last_error, sizeof(o->last_error));
	o->created_at = sqlite3_column_int64(s, 11);
	o->sent_at = sqlite3_column_int64(s, 12);
	o->rendered = sqlite3_column_int(s, 13);
	return sq_row_check(st, "outbox message");
}

int sq_reply_queue(struct store *st, int64_t ticket_id, int64_t user_id, const char *body,
		   const char *to, const char *cc, const struct mail_file *files, size_t n_files,
		   const struct mail_policy *pol, int64_t now, int64_t *event_id,
		   int64_t *outbox_id)
{
	char to_norm[MAIL_ADDRS_MAX_LEN + 1], cc_norm[MAIL_ADDRS_MAX_LEN + 1];
	struct ticket t;
	struct user u;
	struct event e;
	int64_t eid = 0, oid = 0;
	int rc;

	if ((rc = policy_check(st, pol)) != STORE_OK)
		return rc;
	if (!body || !body[0])
		return store_fail(st, STORE_INVALID, "body: required");
	if (addr_list_norm(to, to_norm, sizeof(to_norm)) < 0)
		return store_fail(st, STORE_INVALID,
				  "to: must be email addresses separated by commas, "
				  "at most %d bytes", MAIL_ADDRS_MAX_LEN);
	if (!to_norm[0])
		return store_fail(st, STORE_INVALID, "to: required");
	if (addr_list_norm(cc, cc_norm, sizeof(cc_norm)) < 0)
		return store_fail(st, STORE_INVALID,
				  "cc: must be email addresses separated by commas, "
				  "at most %d bytes", MAIL_ADDRS_MAX_LEN);
	if (n_files && !files)
		return store_fail(st, STORE_INVALID, "files: missing");
	if ((rc = sq_tx_begin(st)) != STORE_OK)
		return rc;
	if ((rc = sq_ticket_read(st, ticket_id, &t)) != STORE_OK)
		goto out;
	rc = sq_ref_invalid(st, sq_user_read(st, user_id, &u, NULL), "user_id", "user");
	if (rc != STORE_OK)
		goto out;
	if (!u.active) {
		rc = store_fail(st, STORE_INVALID, "user_id: the user is inactive");
		goto out;
	}
	memset(&e, 0, sizeof(e));
	e.ticket_id = ticket_id;
	e.kind = EVENT_REPLY;
	e.author_user_id = user_id;
	e.body = (char *)body; /* borrowed */
	if ((rc = sq_event_insert(st, &e, now, &eid)) != STORE_OK)
		goto out;
	if ((rc = files_attach(st, ticket_id, eid, files, n_files, now)) != STORE_OK)
		goto out;
	if ((rc = sq_ticket_touch(st, ticket_id, now)) != STORE_OK)
		goto out;
	rc = outbox_queue(st, &t, OUTBOX_REPLY, eid, eid, to_norm, cc_norm, pol, now, &oid);
	if (rc != STORE_OK)
		goto out;
	if ((rc = addr_record_list(st, ticket_id, to_norm, pol->ours, now)) != STORE_OK ||
	    (rc = addr_record_list(st, ticket_id, cc_norm, pol->ours, now)) != STORE_OK)
		goto out;
	rc = sq_tx_commit(st);
out:
	if (rc != STORE_OK) {
		sq_tx_rollback(st);
		return rc;
	}
	if (event_id)
		*event_id = eid;
	if (outbox_id)
		*outbox_id = oid;
	return STORE_OK;
}

/* ?1 now, ?2 limit, for the due list. */
static int bind_due(struct store *st, sqlite3_stmt *s, const void *arg)
{
	const int64_t *a = arg;

	sq_bind_int(st, s, 1, a[0]);
	sq_bind_int(st, s, 2, a[1]);
	return STORE_OK;
}

int sq_outbox_due(struct store *st, int64_t now, int limit, struct outbox_list *out)
{
	static const struct sq_list_query q = {
		.rows = M_OUTBOX_DUE, .bind = bind_due, .read = read_outbox,
		.size = sizeof(struct outbox_item),
	};
	int64_t args[2] = { now, limit };
	struct sq_rows r;
	struct outbox_list l;
	int rc;

	if (limit < 1)
		return store_fail(st, STORE_INVALID, "limit: must be at least 1");
	rc = sq_list_read(st, &q, args, 0, 0, &r, NULL);
	l = (struct outbox_list){ r.items, r.n };
	if (rc != STORE_OK)
		outbox_list_free(&l);
	else
		*out = l;
	return rc;
}

/* ?1 status name (NULL any), ?2 limit (-1 all). */
static int bind_outbox_filter(struct store *st, sqlite3_stmt *s, const void *arg)
{
	const int *a = arg;

	sq_bind_text(st, s, 1, a[0] < 0 ? NULL : outbox_status_names[a[0]]);
	sq_bind_int(st, s, 2, a[1] ? a[1] : -1);
	return STORE_OK;
}

int sq_outbox_list(struct store *st, int status, int limit, struct outbox_list *out)
{
	static const struct sq_list_query q = {
		.rows = M_OUTBOX_LIST, .bind = bind_outbox_filter, .read = read_outbox,
		.size = sizeof(struct outbox_item),
	};
	int args[2] = { status, limit };
	struct sq_rows r;
	struct outbox_list l;
	int rc;

	if (status < -1 || status > OUTBOX_FAILED)
		return store_fail(st, STORE_INVALID, "status: unknown value");
	if (limit < 0)
		return store_fail(st, STORE_INVALID, "limit: must not be negative");
	rc = sq_list_read(st, &q, args, 0, 0, &r, NULL);
	l = (struct outbox_list){ r.items, r.n };
	if (rc != STORE_OK)
		outbox_list_free(&l);
	else
		*out = l;
	return rc;
}

/* Outbox message id into *o (and its raw bytes when raw is not NULL); NOT_FOUND with a message. */
static int outbox_read(struct store *st, int64_t id, struct outbox_item *o, char **raw,
		       size_t *rawlen)
{
	sqlite3_stmt *s = NULL;
	size_t n = 0;
	int rc;

	if ((rc = sq_prepare(st, M_OUTBOX_GET, &s)) != STORE_OK)
		return rc;
	sq_bind_int(st, s, 1, id);
	if ((rc = sq_step(st, s)) < 0)
		goto out;
	if (rc == 0) {
		rc = store_fail(st, STORE_NOT_FOUND, "outbox message %" PRId64 " not found", id);
		goto out;
	}
	if ((rc = read_outbox(st, s, o)) != STORE_OK)
		goto out;
	if (raw) {
		*raw = col_blob_copy(s, 14, &n);
		if (rawlen)
			*rawlen = n;
	}
out:
	sq_done(s);
	return rc;
}

int sq_outbox_get(struct store *st, int64_t id, struct outbox_item *out, char **raw,
		  size_t *rawlen)
{
	struct outbox_item o;
	int rc = outbox_read(st, id, &o, raw, rawlen);

	if (rc == STORE_OK)
		*out = o;
	return rc;
}

int sq_outbox_set_raw(struct store *st, int64_t id, const char *raw, size_t rawlen)
{
	struct outbox_item o;
	sqlite3_stmt *s = NULL;
	int rc;

	if (!raw || rawlen > RAW_MAX)
		return store_fail(st, STORE_INVALID, "raw message: missing or larger than 1 GB");
	if ((rc = sq_tx_begin(st)) != STORE_OK)
		return rc;
	if ((rc = outbox_read(st, id, &o, NULL, NULL)) != STORE_OK)
		goto out;
	if ((rc = sq_prepare(st, M_OUTBOX_SET_RAW, &s)) != STORE_OK)
		goto out;
	sq_bind_int(st, s, 1, id);
	sq_bind_blob(st, s, 2, raw, rawlen);
	if ((rc = sq_run_done(st, s)) != STORE_OK)
		goto out;
	rc = sq_tx_commit(st);
out:
	if (rc != STORE_OK)
		sq_tx_rollback(st);
	return rc;
}

/* A permanent failure on o's ticket: its message undelivered, an event saying why. */
static int outbox_failed(struct store *st, const struct outbox_item *o, const char *error,
			 int64_t now)
{
	sqlite3_stmt *s = NULL;
	struct buf body = BUF_INIT(2048);
	const char *text;
	int rc;

	if ((rc = sq_prepare(st, M_MSG_OUT_FAILED, &s)) != STORE_OK)
		return rc;
	sq_bind_int(st, s, 1, o->id);
	if ((rc = sq_run_done(st, s)) != STORE_OK)
		return rc;
	text = buf_printf(&body, "%s: %s", o->to, error) == 0 ? body.s : error;
	rc = sq_event_change(st, o->ticket_id, EVENT_FIELD_CHANGE, 0, "delivery", "queued",
			     "failed", text, 0, now);
	buf_free(&body);
	if (rc != STORE_OK)
		return rc;
	return sq_ticket_touch(st, o->ticket_id, now);
}

int sq_outbox_attempt(struct store *st, int64_t id, int ok, const char *error, int permanent,
		      int64_t next_attempt_at, int64_t now)
{
	char why[sizeof(((struct outbox_item *)0)->last_error)];
	struct outbox_item o;
	sqlite3_stmt *s = NULL;
	int rc;

	if (xstrlcpy(why, !ok && error ? error : "", sizeof(why)) < 0)
		sq_utf8_trim(why);
	if (!ok && !why[0])
		(void)xstrlcpy(why, "unknown error", sizeof(why));
	if ((rc = sq_tx_begin(st)) != STORE_OK)
		return rc;
	if ((rc = outbox_read(st, id, &o, NULL, NULL)) != STORE_OK)
		goto out;
	if (o.status != OUTBOX_QUEUED) {
		rc = store_fail(st, STORE_CONFLICT, "outbox message %" PRId64 " is already %s",
				id, outbox_status_names[o.status]);
		goto out;
	}
	if (ok) {
		if ((rc = sq_prepare(st, M_OUTBOX_SENT, &s)) != STORE_OK)
			goto out;
		sq_bind_int(st, s, 1, id);
		sq_bind_int(st, s, 2, now);
		if ((rc = sq_run_done(st, s)) != STORE_OK)
			goto out;
		if ((rc = sq_prepare(st, M_MSG_OUT_SENT, &s)) != STORE_OK)
			goto out;
		sq_bind_int(st, s, 1, id);
		sq_bind_int(st, s, 2, now);
		rc = sq_run_done(st, s);
	} else if (permanent) {
		if ((rc = sq_prepare(st, M_OUTBOX_FAILED, &s)) != STORE_OK)
			goto out;
		sq_bind_int(st, s, 1, id);
		sq_bind_text(st, s, 2, why);
		if ((rc = sq_run_done(st, s)) != STORE_OK)
			goto out;
		rc = outbox_failed(st, &o, why, now);
	} else {
		if ((rc = sq_prepare(st, M_OUTBOX_RETRY, &s)) != STORE_OK)
			goto out;
		sq_bind_int(st, s, 1, id);
		sq_bind_text(st, s, 2, why);
		sq_bind_int(st, s, 3, next_attempt_at);
		rc = sq_run_done(st, s);
	}
	if (rc != STORE_OK)
		goto out;
	rc = sq_tx_commit(st);
out:
	if (rc != STORE_OK)
		sq_tx_rollback(st);
	return rc;
}

int sq_outbox_flush(struct store *st, int64_t now, int *n)
{
	sqlite3_stmt *s = NULL;
	int rc;

	if ((rc = sq_prepare(st, M_OUTBOX_FLUSH, &s)) != STORE_OK)
		return rc;
	sq_bind_int(st, s, 1, now);
	if ((rc = sq_run_done(st, s)) != STORE_OK)
		return rc;
	if (n)
		*n = sqlite3_changes(sq_of(st)->db);
	return STORE_OK;
}

/* ---- the IMAP position ---- */

static int mailbox_check(struct store *st, const char *mailbox)
{
	if (!mailbox || !mailbox[0])
		return store_fail(st, STORE_INVALID, "mailbox: required");
	if (strlen(mailbox) > MAILBOX_MAX_LEN)
		return store_fail(st, STORE_INVALID, "mailbox: at most %d bytes",
				  MAILBOX_MAX_LEN);
	return STORE_OK;
}

int sq_imap_get(struct store *st, const char *mailbox, int64_t *uidvalidity, int64_t *last_uid)
{
	sqlite3_stmt *s = NULL;
	int rc;

	if ((rc = mailbox_check(st, mailbox)) != STORE_OK)
		return rc;
	if ((rc = sq_prepare(st, M_IMAP_GET, &s)) != STORE_OK)
		return rc;
	sq_bind_text(st, s, 1, mailbox);
	if ((rc = sq_step(st, s)) == 1) {
		*uidvalidity = sqlite3_column_int64(s, 0);
		*last_uid = sqlite3_column_int64(s, 1);
		rc = STORE_OK;
	} else if (rc == 0) {
		rc = store_fail(st, STORE_NOT_FOUND, "mailbox '%.100s' was never fetched",
				mailbox);
	}
	sq_done(s);
	return rc;
}

int sq_imap_set(struct store *st, const char *mailbox, int64_t uidvalidity, int64_t last_uid)
{
	sqlite3_stmt *s = NULL;
	int rc;

	if ((rc = mailbox_check(st, mailbox)) != STORE_OK)
		return rc;
	if (uidvalidity < 0 || last_uid < 0)
		return store_fail(st, STORE_INVALID, "uidvalidity, last_uid: must not be negative");
	if ((rc = sq_prepare(st, M_IMAP_SET, &s)) != STORE_OK)
		return rc;
	sq_bind_text(st, s, 1, mailbox);
	sq_bind_int(st, s, 2, uidvalidity);
	sq_bind_int(st, s, 3, last_uid);
	return sq_run_done(st, s);
}
