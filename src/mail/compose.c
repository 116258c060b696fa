/*
 * compose: outbox messages as RFC 5322 bytes, written by GMime 3 (RFC 5322
 * headers and threading, RFC 2045-2049 MIME, RFC 2047 encoded words, RFC
 * 2231 file names, RFC 3834 Auto-Submitted).  Only this file and the
 * parser (mime.c) include GMime.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gmime/gmime.h>

#include "core/mailrule.h"
#include "mail/compose.h"
#include "mail/mime.h"
#include "mail/templates.h"
#include "util/buf.h"
#include "util/xalloc.h"

#define HEADER_MAX 1000	    /* bytes of one header value we write (a subject, a name) */
#define BODY_CAP (8u << 20) /* a rendered body: an imported text is at most 4 MiB */
#define SUBJECT_CAP 600	    /* the ticket's subject with a prefix and the tag */

__attribute__((format(printf, 3, 4))) static void set_err(char *err, size_t errsz, const char *fmt,
							  ...)
{
	va_list ap;

	if (!err || !errsz)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errsz, fmt, ap);
	va_end(ap);
}

/* Back off a cut to the start of a UTF-8 sequence so no character is split. */
static size_t utf8_cut(const char *s, size_t n)
{
	while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
		n--;
	return n;
}

/*
 * A header value from in: every run of control characters (CR and LF
 * among them) and spaces becomes one space, so nothing in it can start
 * another header; trimmed, and cut to fit outsz on a character boundary.
 */
static void header_clean(const char *in, char *out, size_t outsz)
{
	size_t n = 0;
	int space = 0;

	for (; in && *in && n + 1 < outsz; in++) {
		unsigned char c = (unsigned char)*in;

		if (c <= 0x20 || c == 0x7f) {
			space = n > 0;
			continue;
		}
		if (space) {
			out[n++] = ' ';
			space = 0;
			if (n + 1 >= outsz)
				break;
		}
		out[n++] = (char)c;
	}
	/* Cut inside a character: drop its first bytes too. */
	if (in && ((unsigned char)*in & 0xc0) == 0x80) {
		while (n > 0 && ((unsigned char)out[n - 1] & 0xc0) == 0x80)
			n--;
		if (n > 0)
			n--;
	}
	while (n > 0 && out[n - 1] == ' ')
		n--;
	out[n] = '\0';
}

/* Plain printable ASCII without spaces, angle brackets or the like: safe inside <>. */
static int token_ok(const char *s, size_t max)
{
	size_t n = 0;

	for (; *s; s++, n++) {
		unsigned char c = (unsigned char)*s;

		if (c <= 0x20 || c >= 0x7f || strchr("<>()[]\\,;:\"", c))
			return 0;
	}
	return n > 0 && n <= max;
}

static int msgid_ok(const char *id)
{
	return id && token_ok(id, MSGID_MAX_LEN) && strchr(id, '@');
}

static int addr_ok(const char *a)
{
	const char *at = strchr(a, '@');

	return token_ok(a, EMAIL_MAX_LEN) && at && at != a && at[1] && !strchr(at + 1, '@');
}

/* Add each address of the comma-separated list to the message's type list; how many. */
static int add_addrs(GMimeMessage *msg, GMimeAddressType type, const char *list)
{
	char one[EMAIL_MAX_LEN + 1];
	const char *p = list ? list : "";
	int count = 0;

	while (*p) {
		size_t n;

		while (*p == ',' || *p == ' ' || *p == '\t')
			p++;
		n = strcspn(p, ",");
		if (n > 0 && n < sizeof(one)) {
			memcpy(one, p, n);
			one[n] = '\0';
			while (n > 0 && (one[n - 1] == ' ' || one[n - 1] == '\t'))
				one[--n] = '\0';
			if (addr_ok(one)) {
				g_mime_message_add_mailbox(msg, type, NULL, one);
				count++;
			}
		}
		p += n;
	}
	return count;
}

/* "<first> <newest...>": the first id and the newest of the rest, at most COMPOSE_MAX_REFERENCES.
 */
static int references_value(char *const *ids, size_t n, struct buf *b)
{
	size_t i, from = 1;

	if (n > COMPOSE_MAX_REFERENCES)
		from = n - (COMPOSE_MAX_REFERENCES - 1);
	for (i = 0; i < n; i++) {
		if (i > 0 && i < from)
			continue;
		if (!msgid_ok(ids[i]))
			continue;
		if (buf_printf(b, "%s<%s>", b->len ? " " : "", ids[i]) < 0)
			return -1;
	}
	return 0;
}

static GMimeObject *text_part(const char *body)
{
	GMimeTextPart *tp = g_mime_text_part_new_with_subtype("plain");
	GMimePart *part = (GMimePart *)tp;

	g_mime_text_part_set_text(tp, body ? body : "");
	g_mime_text_part_set_charset(tp, "utf-8");
	g_mime_part_set_content_encoding(
	    part, g_mime_part_get_best_content_encoding(part, GMIME_ENCODING_CONSTRAINT_7BIT));
	return (GMimeObject *)tp;
}

static void utf8_param(GMimeParamList *list, const char *name)
{
	GMimeParam *p = list ? g_mime_param_list_get_parameter(list, name) : NULL;

	if (p)
		g_mime_param_set_charset(p, "utf-8");
}

static GMimeObject *file_part(const struct compose_file *f)
{
	char type[MEDIA_TYPE_MAX_LEN + 1], name[FILENAME_MAX_LEN + 1];
	GMimeContentType *ct = NULL;
	GMimeStream *stream;
	GMimeDataWrapper *wrapper;
	GMimePart *part;

	header_clean(f->media_type ? f->media_type : "", type, sizeof(type));
	if (type[0])
		ct = g_mime_content_type_parse(NULL, type);
	if (ct && token_ok(g_mime_content_type_get_media_type(ct), 64) &&
	    token_ok(g_mime_content_type_get_media_subtype(ct), 64))
		part = g_mime_part_new_with_type(g_mime_content_type_get_media_type(ct),
						 g_mime_content_type_get_media_subtype(ct));
	else
		part = g_mime_part_new_with_type("application", "octet-stream");
	if (ct)
		g_object_unref(ct);
	header_clean(f->filename, name, sizeof(name));
	g_mime_part_set_filename(part, name[0] ? name : "attachment");
	/* RFC 2231 in UTF-8, not whichever 8-bit charset GMime finds smallest. */
	utf8_param(g_mime_content_disposition_get_parameters(
		       g_mime_object_get_content_disposition((GMimeObject *)part)),
		   "filename");
	utf8_param(
	    g_mime_content_type_get_parameters(g_mime_object_get_content_type((GMimeObject *)part)),
	    "name");
	stream = g_mime_stream_mem_new_with_buffer(f->data ? f->data : "", f->size);
	wrapper = g_mime_data_wrapper_new_with_stream(stream, GMIME_CONTENT_ENCODING_DEFAULT);
	g_mime_part_set_content(part, wrapper);
	g_object_unref(wrapper);
	g_object_unref(stream);
	g_mime_part_set_content_encoding(part, GMIME_CONTENT_ENCODING_BASE64);
	return (GMimeObject *)part;
}

int compose_build(const struct compose_msg *m, char **raw, size_t *rawlen, char *err, size_t errsz)
{
	char value[HEADER_MAX + 1];
	struct buf refs = BUF_INIT(COMPOSE_MAX_REFERENCES * (MSGID_MAX_LEN + 3));
	GMimeMessage *msg = NULL;
	GMimeObject *body = NULL;
	GMimeFormatOptions *fo = NULL;
	GMimeStream *out = NULL;
	InternetAddress *from;
	GDateTime *date;
	GByteArray *bytes;
	size_t i;
	int rc = -1;

	mime_init();
	if (!m->from_addr || !addr_ok(m->from_addr)) {
		set_err(err, errsz, "no usable sender address ('%.254s'): set [mail] address",
			m->from_addr ? m->from_addr : "");
		goto out;
	}
	if (!msgid_ok(m->message_id)) {
		set_err(err, errsz, "message-id '%.250s' is not usable",
			m->message_id ? m->message_id : "");
		goto out;
	}
	msg = g_mime_message_new(TRUE);
	header_clean(m->from_name, value, sizeof(value));
	from = internet_address_mailbox_new(value, m->from_addr);
	internet_address_set_charset(from, "utf-8");
	internet_address_list_add(g_mime_message_get_from(msg), from);
	g_object_unref(from);
	if (add_addrs(msg, GMIME_ADDRESS_TYPE_TO, m->to) == 0) {
		set_err(err, errsz, "no usable recipient in '%.300s'", m->to ? m->to : "");
		goto out;
	}
	add_addrs(msg, GMIME_ADDRESS_TYPE_CC, m->cc);
	header_clean(m->subject, value, sizeof(value));
	g_mime_message_set_subject(msg, value, "utf-8");
	date = g_date_time_new_from_unix_local(m->date);
	g_mime_message_set_date(msg, date);
	g_date_time_unref(date);
	g_mime_message_set_message_id(msg, m->message_id);
	if (m->in_reply_to && msgid_ok(m->in_reply_to)) {
		snprintf(value, sizeof(value), "<%s>", m->in_reply_to);
		g_mime_object_set_header((GMimeObject *)msg, "In-Reply-To", value, NULL);
	}
	if (references_value(m->references, m->n_references, &refs) < 0) {
		set_err(err, errsz, "references too long");
		goto out;
	}
	if (refs.len)
		g_mime_object_set_header((GMimeObject *)msg, "References", refs.s, NULL);
	if (m->auto_submitted) {
		header_clean(m->auto_submitted, value, sizeof(value));
		g_mime_object_set_header((GMimeObject *)msg, "Auto-Submitted", value, NULL);
		/* Outlook and Exchange: no out-of-office answers to an automatic message. */
		g_mime_object_set_header((GMimeObject *)msg, "X-Auto-Response-Suppress", "All",
					 NULL);
	}
	header_clean(m->ticket_number, value, sizeof(value));
	g_mime_object_set_header((GMimeObject *)msg, "X-Evid-Ticket", value, NULL);

	body = text_part(m->body);
	if (m->n_files > 0) {
		GMimeMultipart *mixed = g_mime_multipart_new_with_subtype("mixed");

		g_mime_multipart_add(mixed, body);
		g_object_unref(body);
		for (i = 0; i < m->n_files; i++) {
			GMimeObject *f = file_part(&m->files[i]);

			g_mime_multipart_add(mixed, f);
			g_object_unref(f);
		}
		body = (GMimeObject *)mixed;
	}
	g_mime_message_set_mime_part(msg, body);

	fo = g_mime_format_options_new();
	g_mime_format_options_set_newline_format(fo, GMIME_NEWLINE_FORMAT_DOS);
	out = g_mime_stream_mem_new();
	if (g_mime_object_write_to_stream((GMimeObject *)msg, fo, out) < 0) {
		set_err(err, errsz, "gmime cannot write the message");
		goto out;
	}
	bytes = g_mime_stream_mem_get_byte_array((GMimeStreamMem *)out);
	*raw = xmalloc(bytes->len + 1);
	memcpy(*raw, bytes->data, bytes->len);
	(*raw)[bytes->len] = '\0';
	*rawlen = bytes->len;
	rc = 0;
out:
	buf_free(&refs);
	if (out)
		g_object_unref(out);
	if (fo)
		g_mime_format_options_free(fo);
	if (body)
		g_object_unref(body);
	if (msg)
		g_object_unref(msg);
	return rc;
}

/* ---- gathering an outbox message's parts from the store ---- */

struct parts {
	struct ticket t;
	struct event_list events;
	struct mail_record_list mail;
	char **thread; /* the conversation, as store_mail_thread gives it */
	size_t n_thread;
	char **refs; /* borrowed from thread: the ids before ours */
	size_t n_refs;
	const struct event *ev;	       /* the event the message is about, or NULL */
	const struct mail_record *in;  /* that event's incoming message, or NULL */
	const struct mail_record *own; /* this message's own record, or NULL */
	struct attachment_list atts;
	void **data; /* the bytes of atts.items[i] of the reply, or NULL */
	struct compose_file *files;
	size_t n_files;
};

static void parts_free(struct parts *p)
{
	size_t i;

	event_list_free(&p->events);
	mail_record_list_free(&p->mail);
	for (i = 0; i < p->n_thread; i++)
		free(p->thread[i]);
	free(p->thread);
	free(p->refs);
	for (i = 0; p->data && i < p->atts.n; i++)
		free(p->data[i]);
	free(p->data);
	attachment_list_free(&p->atts);
	free(p->files);
}

/* A failed store call as a compose result, with the store's message. */
static int from_store(struct store *st, int rc, char *err, size_t errsz)
{
	set_err(err, errsz, "%s", store_errmsg(st));
	return rc == STORE_NOT_FOUND || rc == STORE_INVALID || rc == STORE_CONFLICT ? COMPOSE_FAIL
										    : COMPOSE_RETRY;
}

static const struct mail_record *record_of_msgid(const struct mail_record_list *l, const char *id)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		if (strcmp(l->items[i].message_id, id) == 0)
			return &l->items[i];
	return NULL;
}

/*
 * The conversation before this message (ours left out, and so is anything
 * queued after it), and the message it answers: the incoming message it is
 * about, else the newest incoming message of the conversation, else the
 * newest message of it.
 */
static const char *thread_pick(struct parts *p)
{
	const char *reply_to = NULL, *newest_in = NULL;
	size_t i;

	p->refs = xcalloc(p->n_thread ? p->n_thread : 1, sizeof(*p->refs));
	for (i = 0; i < p->n_thread; i++) {
		const struct mail_record *r = record_of_msgid(&p->mail, p->thread[i]);

		if (p->own && (!r || r->id >= p->own->id))
			continue;
		p->refs[p->n_refs++] = p->thread[i];
		if (r && !r->out)
			newest_in = p->thread[i];
	}
	if (p->in && p->in->message_id[0])
		reply_to = p->in->message_id;
	else if (newest_in)
		reply_to = newest_in;
	else if (p->n_refs)
		reply_to = p->refs[p->n_refs - 1];
	return reply_to;
}

/* The first part of the client's text: before the quoted history, a few lines at most. */
static void excerpt_of(const struct parts *p, struct buf *b)
{
	const char *text = p->ev && p->ev->body ? p->ev->body : "";
	size_t len = strlen(text), n, lines = 0, i;

	n = len;
	if (p->in && p->in->quote_at > 0 && (size_t)p->in->quote_at < len)
		n = (size_t)p->in->quote_at;
	/* Nothing new above the quote: show the start of the whole text. */
	if (strspn(text, " \t\r\n") >= n)
		n = len;
	for (i = 0; i < n; i++) {
		if (text[i] == '\n' && ++lines >= COMPOSE_EXCERPT_LINES) {
			n = i;
			break;
		}
	}
	if (n > COMPOSE_EXCERPT_MAX)
		n = utf8_cut(text, COMPOSE_EXCERPT_MAX);
	while (n > 0 && strchr(" \t\r\n", text[n - 1]))
		n--;
	if (buf_add(b, text, n) < 0)
		return;
	/* Room for the mark was kept in b's cap. */
	if (n < len && strspn(text + n, " \t\r\n") < len - n && buf_puts(b, "\n[...]") < 0)
		return;
}

/* The sender of the message the event is, for a notification. */
static void sender_of(const struct parts *p, char *out, size_t outsz)
{
	if (p->in && p->in->from_name[0])
		snprintf(out, outsz, "%s <%s>", p->in->from_name, p->in->from_addr);
	else if (p->in)
		snprintf(out, outsz, "%s", p->in->from_addr);
	else
		snprintf(out, outsz, "%s", p->ev ? p->ev->author_name : "");
}

/* The reply's files: those attached to its event, at most max_bytes together. */
static int reply_files(struct store *st, const struct config *conf, const struct outbox_item *it,
		       struct parts *p, char *err, size_t errsz)
{
	size_t i, total = 0, max = (size_t)conf->mail_max_message_mb << 20;
	int rc;

	if ((rc = store_attachment_list(st, p->t.id, &p->atts)) != STORE_OK)
		return from_store(st, rc, err, errsz);
	p->data = xcalloc(p->atts.n ? p->atts.n : 1, sizeof(*p->data));
	p->files = xcalloc(p->atts.n ? p->atts.n : 1, sizeof(*p->files));
	for (i = 0; i < p->atts.n; i++) {
		struct attachment *a = &p->atts.items[i];

		if (a->event_id != it->event_id || it->event_id == 0)
			continue;
		total += (size_t)a->size;
		if (total > max) {
			set_err(err, errsz,
				"the files of the reply are larger than %d MB "
				"([mail] max_message_mb)",
				conf->mail_max_message_mb);
			return COMPOSE_FAIL;
		}
		if ((rc = store_attachment_get(st, a->id, a, &p->data[i])) != STORE_OK)
			return from_store(st, rc, err, errsz);
		p->files[p->n_files++] =
		    (struct compose_file){a->filename, a->media_type, p->data[i], (size_t)a->size};
	}
	return COMPOSE_OK;
}

/* The language of the recipient: a staff user's own, else the company's. */
static int recipient_lang(struct store *st, const struct config *conf, const struct outbox_item *it,
			  enum tmpl_lang *lang, char *err, size_t errsz)
{
	char addr[EMAIL_MAX_LEN + 1];
	struct user u;
	size_t n = strcspn(it->to, ",");
	int rc;

	*lang = tmpl_lang_of(conf->language);
	if (it->kind != OUTBOX_NOTIFY_NEW && it->kind != OUTBOX_NOTIFY_REPLY)
		return COMPOSE_OK;
	if (n >= sizeof(addr))
		return COMPOSE_OK;
	memcpy(addr, it->to, n);
	addr[n] = '\0';
	rc = store_user_get_by_email(st, addr, &u, NULL);
	if (rc == STORE_OK)
		*lang = tmpl_lang_of(u.lang);
	else if (rc != STORE_NOT_FOUND)
		return from_store(st, rc, err, errsz);
	return COMPOSE_OK;
}

int compose_render(struct store *st, const struct config *conf, const struct outbox_item *it,
		   int64_t now, char **raw, size_t *rawlen, char *err, size_t errsz)
{
	char subject[SUBJECT_CAP], tag[TAG_PREFIX_MAX_LEN + TICKET_NUMBER_LEN + 1];
	char link[sizeof(conf->base_url) + 64], sender[NAME_MAX_LEN + EMAIL_MAX_LEN + 8];
	struct buf body = BUF_INIT(BODY_CAP), excerpt = BUF_INIT(COMPOSE_EXCERPT_MAX + 16);
	struct parts p;
	struct tmpl_vars v;
	struct compose_msg m;
	enum tmpl_lang lang;
	size_t i, blen;
	int rc;

	memset(&p, 0, sizeof(p));
	if ((rc = store_ticket_get(st, it->ticket_id, &p.t)) != STORE_OK ||
	    (rc = store_ticket_events(st, it->ticket_id, &p.events)) != STORE_OK ||
	    (rc = store_mail_messages(st, it->ticket_id, &p.mail)) != STORE_OK ||
	    (rc = store_mail_thread(st, it->ticket_id, &p.thread, &p.n_thread)) != STORE_OK) {
		rc = from_store(st, rc, err, errsz);
		goto out;
	}
	for (i = 0; i < p.events.n; i++)
		if (it->event_id && p.events.items[i].id == it->event_id)
			p.ev = &p.events.items[i];
	for (i = 0; i < p.mail.n; i++) {
		const struct mail_record *r = &p.mail.items[i];

		if (r->out && r->outbox_id == it->id)
			p.own = r;
		else if (!r->out && it->event_id && r->event_id == it->event_id)
			p.in = r;
	}
	if (it->kind == OUTBOX_REPLY && !p.ev) {
		set_err(err, errsz, "the reply's event %lld is not on ticket %s",
			(long long)it->event_id, p.t.number);
		rc = COMPOSE_FAIL;
		goto out;
	}
	if ((rc = recipient_lang(st, conf, it, &lang, err, errsz)) != COMPOSE_OK)
		goto out;
	if (it->kind == OUTBOX_REPLY && (rc = reply_files(st, conf, it, &p, err, errsz)) != 0)
		goto out;

	mailrule_subject(p.t.subject, tmpl_subject_prefix(it->kind, lang), conf->mail_tag_prefix,
			 p.t.number, subject, sizeof(subject));
	snprintf(tag, sizeof(tag), "%s%s", conf->mail_tag_prefix, p.t.number);
	blen = strlen(conf->base_url);
	while (blen > 0 && conf->base_url[blen - 1] == '/')
		blen--;
	snprintf(link, sizeof(link), "%.*s/api/v1/tickets/%lld", (int)blen, conf->base_url,
		 (long long)p.t.id);
	sender_of(&p, sender, sizeof(sender));
	excerpt_of(&p, &excerpt);
	memset(&v, 0, sizeof(v));
	v.number = p.t.number;
	v.tag = tag;
	v.subject = p.t.subject;
	v.client = p.t.client_id ? p.t.client_name : "";
	v.sender = sender;
	v.excerpt = excerpt.s;
	v.link = link;
	v.company = conf->company_name[0] ? conf->company_name : conf->mail_from_name;
	v.author = p.ev ? p.ev->author_name : "";
	v.body = p.ev && p.ev->body ? p.ev->body : "";
	if (tmpl_body(it->kind, lang, &v, &body) < 0) {
		set_err(err, errsz, "the message text is larger than %u bytes", BODY_CAP);
		rc = COMPOSE_FAIL;
		goto out;
	}

	memset(&m, 0, sizeof(m));
	m.from_name = conf->mail_from_name;
	m.from_addr = conf->mail_address;
	m.to = it->to;
	m.cc = it->cc;
	m.subject = subject;
	m.message_id = it->message_id;
	m.in_reply_to = thread_pick(&p);
	m.references = p.refs;
	m.n_references = p.n_refs;
	m.date = now;
	m.auto_submitted = it->kind == OUTBOX_ACK     ? "auto-replied"
			   : it->kind == OUTBOX_REPLY ? NULL
						      : "auto-generated";
	m.ticket_number = p.t.number;
	m.body = body.s;
	m.files = p.files;
	m.n_files = p.n_files;
	rc = compose_build(&m, raw, rawlen, err, errsz) == 0 ? COMPOSE_OK : COMPOSE_FAIL;
out:
	buf_free(&body);
	buf_free(&excerpt);
	parts_free(&p);
	return rc;
}
