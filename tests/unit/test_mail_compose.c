/*
 * Unit tests for outgoing mail (src/mail/compose.c, templates.c): every
 * kind of outbox message, in Croatian and English, rendered from a real
 * database (the client's message goes in through mime_parse and
 * store_mail_import as `evid mail-in` would put it) and read back with
 * GMime and mime_parse: headers, threading, RFC 2047, body text, files,
 * and no header injection.
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

#include <gmime/gmime.h>

#include "core/mail.h"
#include "mail/compose.h"
#include "mail/mime.h"
#include "mail/templates.h"
#include "store/store.h"
#include "store/store_mail.h"
#include "util/buf.h"
#include "util/clock.h"
#include "util/config.h"
#include "util/crypto.h"
#include "util/xalloc.h"
#include "testdb.h"

/* 2026-03-02T08:00:00Z */
#define NOW 1772438400LL

static const struct mail_policy policy = {
    .tag_prefix = "#",
    .reopen_days = 14,
    .ours = "podrska@evid.test",
    .msgid_domain = "evid.test",
    .autoreply_per_hour = 5,
    .year = 2026,
};

struct fx {
	char dir[TESTDB_DIR_MAX];
	char path[TESTDB_PATH_MAX];
	struct store *st;
	struct config conf;
	int64_t admin, tech; /* admin speaks Croatian, the technician English */
	int64_t ticket;	     /* opened by the first message of Ivan Horvat */
};

static int64_t add_user(struct fx *fx, const char *email, const char *name, enum user_role role,
			const char *lang)
{
	struct user u;

	memset(&u, 0, sizeof(u));
	snprintf(u.email, sizeof(u.email), "%s", email);
	snprintf(u.name, sizeof(u.name), "%s", name);
	snprintf(u.lang, sizeof(u.lang), "%s", lang);
	u.role = role;
	u.active = 1;
	assert_int_equal(store_user_create(fx->st, &u, "", NOW), STORE_OK);
	return u.id;
}

/* Parse raw with mime_parse and import it as `evid mail-in` does. */
static void import_raw(struct fx *fx, const char *raw, int64_t now, struct mail_outcome *o)
{
	struct mail_msg m;
	char err[128], hash[CRYPTO_SHA256_HEX];
	size_t i;

	assert_int_equal(mime_parse(raw, strlen(raw), NULL, &m, err, sizeof(err)), 0);
	for (i = 0; i < m.files.n; i++)
		crypto_sha256_hex(m.files.items[i].data, m.files.items[i].size,
				  m.files.items[i].sha256);
	crypto_sha256_hex(raw, strlen(raw), hash);
	assert_int_equal(store_mail_import(fx->st, &m, raw, strlen(raw), hash, MAIL_SOURCE_PIPE,
					   &policy, now, o),
			 STORE_OK);
	mail_msg_free(&m);
}

static const char first_mail[] = "From: Ivan Horvat <ivan@firma.hr>\r\n"
				 "To: podrska@evid.test\r\n"
				 "Subject: =?UTF-8?Q?Pisa=C4=8D_ne_radi?=\r\n"
				 "Message-ID: <m1@firma.hr>\r\n"
				 "Date: Mon, 02 Mar 2026 08:58:00 +0100\r\n"
				 "Content-Type: text/plain; charset=utf-8\r\n"
				 "Content-Transfer-Encoding: 8bit\r\n"
				 "\r\n"
				 "Pisač u računovodstvu javlja grešku E3.\r\n"
				 "Molim pomoć.\r\n"
				 "\r\n"
				 "On Mon, 1 Mar 2026, Ana wrote:\r\n"
				 "> stara poruka koju ne treba citirati\r\n";

static int fx_setup(void **state)
{
	struct fx *fx = xcalloc(1, sizeof(*fx));
	struct client c;
	struct contact k;
	struct mail_outcome o;

	if (testdb_make(fx->dir, fx->path, "compose") != 0 ||
	    testdb_open(fx->path, &fx->st, 1) != 0)
		return -1;
	*state = fx;
	config_defaults(&fx->conf);
	strcpy(fx->conf.mail_address, "podrska@evid.test");
	strcpy(fx->conf.mail_from_name, "Podrška Firma");
	strcpy(fx->conf.company_name, "Servis Horvat d.o.o.");
	strcpy(fx->conf.base_url, "https://evid.example.hr/");
	fx->admin = add_user(fx, "ana@evid.test", "Ana Admin", ROLE_ADMIN, "hr");
	fx->tech = add_user(fx, "tom@evid.test", "Tom Tech", ROLE_TECHNICIAN, "en");
	memset(&c, 0, sizeof(c));
	strcpy(c.name, "Firma d.o.o.");
	strcpy(c.email_domains, "firma.hr");
	c.active = 1;
	assert_int_equal(store_client_create(fx->st, &c, NOW), STORE_OK);
	memset(&k, 0, sizeof(k));
	k.client_id = c.id;
	strcpy(k.name, "Ivan Horvat");
	strcpy(k.email, "ivan@firma.hr");
	k.active = 1;
	assert_int_equal(store_contact_create(fx->st, &k, NOW), STORE_OK);
	import_raw(fx, first_mail, NOW, &o);
	assert_int_equal(o.result, MAIL_NEW);
	fx->ticket = o.ticket_id;
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

/* The outbox message of kind to `to` (the newest); fails the test when there is none. */
static void find(struct fx *fx, enum outbox_kind kind, const char *to, struct outbox_item *out)
{
	struct outbox_list l;
	size_t i;
	int found = 0;

	assert_int_equal(store_outbox_list(fx->st, -1, 0, &l), STORE_OK);
	for (i = 0; i < l.n && !found; i++) {
		if (l.items[i].kind == kind && strcmp(l.items[i].to, to) == 0) {
			*out = l.items[i];
			found = 1;
		}
	}
	outbox_list_free(&l);
	assert_true(found);
}

/* A rendered message, raw and parsed both ways. */
struct rendered {
	char *raw;
	size_t n;
	GMimeMessage *gm;
	struct mail_msg m;
};

static void parse_into(struct rendered *r)
{
	GMimeStream *s = g_mime_stream_mem_new_with_buffer(r->raw, r->n);
	GMimeParser *p = g_mime_parser_new_with_stream(s);
	char err[128];

	r->gm = g_mime_parser_construct_message(p, NULL);
	assert_non_null(r->gm);
	g_object_unref(p);
	g_object_unref(s);
	assert_int_equal(mime_parse(r->raw, r->n, NULL, &r->m, err, sizeof(err)), 0);
}

static void render(struct fx *fx, const struct outbox_item *it, struct rendered *r)
{
	char err[256] = "";
	int rc;

	memset(r, 0, sizeof(*r));
	rc = compose_render(fx->st, &fx->conf, it, NOW + 5, &r->raw, &r->n, err, sizeof(err));
	if (rc != COMPOSE_OK)
		fail_msg("compose_render: %s", err);
	parse_into(r);
}

static void rendered_free(struct rendered *r)
{
	free(r->raw);
	if (r->gm)
		g_object_unref(r->gm);
	mail_msg_free(&r->m);
}

static const char *header(struct rendered *r, const char *name)
{
	return g_mime_object_get_header((GMimeObject *)r->gm, name);
}

/* The raw header line of name (up to its CRLF, unfolded only as far as the first line). */
static void raw_header(const struct rendered *r, const char *name, char *out, size_t outsz)
{
	size_t nl = strlen(name);
	const char *p = r->raw;

	out[0] = '\0';
	while (p && *p && !(p[0] == '\r' && p[1] == '\n')) {
		if (strncasecmp(p, name, nl) == 0 && p[nl] == ':') {
			size_t n = strcspn(p, "\r\n");

			snprintf(out, outsz, "%.*s", (int)n, p);
			return;
		}
		p = strstr(p, "\r\n");
		if (p)
			p += 2;
	}
}

/* Every line ends in CRLF, and the header block holds only ASCII. */
static void assert_wire_form(const struct rendered *r)
{
	size_t i;
	const char *end = strstr(r->raw, "\r\n\r\n");

	assert_non_null(end);
	for (i = 0; i < r->n; i++) {
		if (r->raw[i] == '\n')
			assert_true(i > 0 && r->raw[i - 1] == '\r');
		if (r->raw + i < end)
			assert_true((unsigned char)r->raw[i] < 0x80);
	}
}

/* The common headers of every message from us. */
static void assert_ours(struct fx *fx, struct rendered *r, const struct outbox_item *it)
{
	char line[512];

	assert_wire_form(r);
	assert_string_equal(r->m.from.addr, fx->conf.mail_address);
	assert_string_equal(r->m.from.name, "Podrška Firma");
	assert_string_equal(r->m.message_id, it->message_id);
	assert_string_equal(header(r, "X-Evid-Ticket"), "2026-000001");
	assert_true(r->m.has_evid_marker);
	assert_string_equal(header(r, "MIME-Version"), "1.0");
	assert_non_null(r->m.text);
	/* The UTF-8 subject travels as RFC 2047 encoded words. */
	raw_header(r, "Subject", line, sizeof(line));
	assert_non_null(strstr(line, "=?UTF-8?"));
	assert_null(strstr(line, "Pisač"));
}

/* The "type/subtype" of ct is want (g_mime_content_type_get_mime_type allocates). */
static void assert_mime_type(GMimeContentType *ct, const char *want)
{
	char *got = g_mime_content_type_get_mime_type(ct);

	assert_string_equal(got, want);
	g_free(got);
}

/* The body text is text/plain; charset=utf-8; *encoding is its transfer encoding. */
static void assert_text_part(struct rendered *r, const char **encoding)
{
	GMimeObject *body = g_mime_message_get_mime_part(r->gm);
	GMimeContentType *ct;

	if (GMIME_IS_MULTIPART(body))
		body = g_mime_multipart_get_part((GMimeMultipart *)body, 0);
	ct = g_mime_object_get_content_type(body);
	assert_mime_type(ct, "text/plain");
	assert_string_equal(g_mime_content_type_get_parameter(ct, "charset"), "utf-8");
	*encoding =
	    g_mime_content_encoding_to_string(g_mime_part_get_content_encoding((GMimePart *)body));
}

/* ---- the acknowledgement ---- */

static void check_ack(void **state, const char *lang)
{
	struct fx *fx = *state;
	struct outbox_item it;
	struct rendered r;
	const char *enc = NULL;

	snprintf(fx->conf.language, sizeof(fx->conf.language), "%s", lang);
	find(fx, OUTBOX_ACK, "ivan@firma.hr", &it);
	render(fx, &it, &r);
	assert_ours(fx, &r, &it);
	assert_string_equal(r.m.subject, "Re: Pisač ne radi [#2026-000001]");
	assert_int_equal(r.m.to.n, 1);
	assert_string_equal(r.m.to.items[0].addr, "ivan@firma.hr");
	assert_int_equal(r.m.cc.n, 0);
	assert_string_equal(r.m.in_reply_to, "m1@firma.hr");
	assert_int_equal(r.m.n_references, 1);
	assert_string_equal(r.m.references[0], "m1@firma.hr");
	assert_string_equal(header(&r, "Auto-Submitted"), "auto-replied");
	assert_string_equal(r.m.auto_submitted, "auto-replied");
	assert_text_part(&r, &enc);
	assert_true(strcmp(enc, "quoted-printable") == 0 || strcmp(enc, "base64") == 0);
	assert_int_equal(r.m.files.n, 0);
	if (strcmp(lang, "hr") == 0) {
		assert_non_null(strstr(r.m.text, "otvorili zahtjev broj 2026-000001"));
		assert_non_null(strstr(r.m.text, "oznaku [#2026-000001] u predmetu"));
	} else {
		assert_non_null(strstr(r.m.text, "opened ticket 2026-000001"));
		assert_non_null(strstr(r.m.text, "keep [#2026-000001] in the subject"));
	}
	assert_non_null(strstr(r.m.text, "    Pisač ne radi\n"));
	assert_non_null(strstr(r.m.text, "\n-- \nServis Horvat d.o.o."));
	/* No link until the client portal exists. */
	assert_null(strstr(r.m.text, "http"));
	rendered_free(&r);
}

static void test_ack_hr(void **state)
{
	check_ack(state, "hr");
}

static void test_ack_en(void **state)
{
	check_ack(state, "en");
}

/* ---- notifications to technicians, each in their own language ---- */

static void test_notify_new(void **state)
{
	struct fx *fx = *state;
	struct outbox_item it;
	struct rendered r;
	char link[128];

	snprintf(link, sizeof(link), "https://evid.example.hr/api/v1/tickets/%lld",
		 (long long)fx->ticket);
	/* The company speaks English; Ana reads Croatian all the same. */
	strcpy(fx->conf.language, "en");
	find(fx, OUTBOX_NOTIFY_NEW, "ana@evid.test", &it);
	render(fx, &it, &r);
	assert_ours(fx, &r, &it);
	assert_string_equal(r.m.subject, "Novi zahtjev: Pisač ne radi [#2026-000001]");
	assert_string_equal(r.m.to.items[0].addr, "ana@evid.test");
	assert_string_equal(header(&r, "Auto-Submitted"), "auto-generated");
	assert_string_equal(r.m.in_reply_to, "m1@firma.hr");
	assert_non_null(strstr(r.m.text, "E-poštom je stigao novi zahtjev 2026-000001."));
	assert_non_null(strstr(r.m.text, "Klijent:     Firma d.o.o.\n"));
	assert_non_null(strstr(r.m.text, "Pošiljatelj: Ivan Horvat <ivan@firma.hr>\n"));
	assert_non_null(strstr(r.m.text, "Pisač u računovodstvu javlja grešku E3.\nMolim pomoć."));
	/* The quoted history stays out of the excerpt. */
	assert_null(strstr(r.m.text, "stara poruka"));
	assert_non_null(strstr(r.m.text, link));
	rendered_free(&r);

	strcpy(fx->conf.language, "hr");
	find(fx, OUTBOX_NOTIFY_NEW, "tom@evid.test", &it);
	render(fx, &it, &r);
	assert_ours(fx, &r, &it);
	assert_string_equal(r.m.subject, "New ticket: Pisač ne radi [#2026-000001]");
	assert_non_null(strstr(r.m.text, "A new ticket 2026-000001 came in by email."));
	assert_non_null(strstr(r.m.text, "Client:  Firma d.o.o.\n"));
	assert_non_null(strstr(r.m.text, "From:    Ivan Horvat <ivan@firma.hr>\n"));
	assert_non_null(strstr(r.m.text, link));
	rendered_free(&r);
}

static void test_notify_reply_threads(void **state)
{
	struct fx *fx = *state;
	struct ticket_patch p;
	struct outbox_item ack, it;
	struct mail_outcome o;
	struct rendered r;
	char raw[1024];

	memset(&p, 0, sizeof(p));
	p.set = PATCH_ASSIGNEE;
	p.assignee_id = fx->tech;
	assert_int_equal(store_ticket_update(fx->st, fx->ticket, &p, fx->admin, NOW, NULL),
			 STORE_OK);
	find(fx, OUTBOX_ACK, "ivan@firma.hr", &ack);
	/* Ivan answers our acknowledgement. */
	snprintf(raw, sizeof(raw),
		 "From: Ivan Horvat <ivan@firma.hr>\r\nTo: podrska@evid.test\r\n"
		 "Subject: Re: Pisac ne radi [#2026-000001]\r\nMessage-ID: <m2@firma.hr>\r\n"
		 "In-Reply-To: <%s>\r\nReferences: <m1@firma.hr> <%s>\r\n\r\n"
		 "Sada radi, hvala.\r\n",
		 ack.message_id, ack.message_id);
	import_raw(fx, raw, NOW + 60, &o);
	assert_int_equal(o.result, MAIL_APPENDED);

	find(fx, OUTBOX_NOTIFY_REPLY, "tom@evid.test", &it);
	render(fx, &it, &r);
	assert_ours(fx, &r, &it);
	assert_string_equal(r.m.subject, "Client replied: Pisač ne radi [#2026-000001]");
	assert_non_null(strstr(r.m.text, "The client replied on ticket 2026-000001."));
	assert_non_null(strstr(r.m.text, "Sada radi, hvala."));
	/* In reply to Ivan's answer; References: the conversation before it, in order. */
	assert_string_equal(r.m.in_reply_to, "m2@firma.hr");
	assert_int_equal(r.m.n_references, 3);
	assert_string_equal(r.m.references[0], "m1@firma.hr");
	assert_string_equal(r.m.references[1], ack.message_id);
	assert_string_equal(r.m.references[2], "m2@firma.hr");
	rendered_free(&r);

	/* The acknowledgement rendered late still names only what came before it. */
	render(fx, &ack, &r);
	assert_int_equal(r.m.n_references, 1);
	assert_string_equal(r.m.references[0], "m1@firma.hr");
	rendered_free(&r);
}

/* ---- a technician's reply, with files ---- */

static void check_reply(void **state, const char *lang)
{
	struct fx *fx = *state;
	static const unsigned char pdf[] = {'%', 'P', 'D', 'F', 0, 1, 2, 0xff, 0xfe, '\n'};
	struct mail_file files[2];
	struct outbox_item it, ack;
	struct rendered r;
	int64_t eid = 0, oid = 0;
	const char *enc = NULL;

	snprintf(fx->conf.language, sizeof(fx->conf.language), "%s", lang);
	memset(files, 0, sizeof(files));
	strcpy(files[0].filename, "račun 03-2026 (kopija).pdf");
	strcpy(files[0].media_type, "application/pdf");
	files[0].data = (unsigned char *)pdf;
	files[0].size = sizeof(pdf);
	strcpy(files[1].filename, "upute.txt");
	strcpy(files[1].media_type, "text/plain");
	files[1].data = (unsigned char *)"Korak 1.\nKorak 2.\n";
	files[1].size = strlen((const char *)files[1].data);
	crypto_sha256_hex(files[0].data, files[0].size, files[0].sha256);
	crypto_sha256_hex(files[1].data, files[1].size, files[1].sha256);
	assert_int_equal(
	    store_reply_queue(fx->st, fx->ticket, fx->tech,
			      "Poštovani,\n\nzamijenili smo toner.\nFrom: nije zaglavlje\n"
			      ".\nLijep pozdrav",
			      "ivan@firma.hr", "ana.racuni@firma.hr", files, 2, &policy, NOW + 120,
			      &eid, &oid),
	    STORE_OK);
	assert_int_equal(store_outbox_get(fx->st, oid, &it, NULL, NULL), STORE_OK);
	assert_int_equal(it.kind, OUTBOX_REPLY);
	find(fx, OUTBOX_ACK, "ivan@firma.hr", &ack);
	render(fx, &it, &r);
	assert_ours(fx, &r, &it);
	assert_string_equal(r.m.subject, "Re: Pisač ne radi [#2026-000001]");
	assert_null(header(&r, "Auto-Submitted"));
	assert_int_equal(r.m.cc.n, 1);
	assert_string_equal(r.m.cc.items[0].addr, "ana.racuni@firma.hr");
	assert_string_equal(r.m.in_reply_to, "m1@firma.hr");
	assert_int_equal(r.m.n_references, 2);
	assert_string_equal(r.m.references[0], "m1@firma.hr");
	assert_string_equal(r.m.references[1], ack.message_id);
	/* The text, a signature with the technician and the company; no header came of it. */
	assert_non_null(strstr(r.m.text, "zamijenili smo toner.\nFrom: nije zaglavlje\n.\n"));
	assert_non_null(strstr(r.m.text, "Lijep pozdrav\n\n-- \nTom Tech\nServis Horvat d.o.o."));
	assert_null(g_mime_object_get_header((GMimeObject *)r.gm, "nije zaglavlje"));
	assert_text_part(&r, &enc);
	assert_true(GMIME_IS_MULTIPART(g_mime_message_get_mime_part(r.gm)));
	assert_mime_type(g_mime_object_get_content_type(g_mime_message_get_mime_part(r.gm)),
			 "multipart/mixed");
	/* The files, byte for byte, with their names. */
	assert_int_equal(r.m.files.n, 2);
	assert_string_equal(r.m.files.items[0].filename, "račun 03-2026 (kopija).pdf");
	assert_string_equal(r.m.files.items[0].media_type, "application/pdf");
	assert_int_equal(r.m.files.items[0].size, sizeof(pdf));
	assert_memory_equal(r.m.files.items[0].data, pdf, sizeof(pdf));
	assert_string_equal(r.m.files.items[1].filename, "upute.txt");
	assert_int_equal(r.m.files.items[1].size, files[1].size);
	assert_memory_equal(r.m.files.items[1].data, files[1].data, files[1].size);
	rendered_free(&r);
}

static void test_reply_hr(void **state)
{
	check_reply(state, "hr");
}

static void test_reply_en(void **state)
{
	check_reply(state, "en");
}

/* ---- compose_build directly: what no store would let through ---- */

static void build(const struct compose_msg *m, struct rendered *r)
{
	char err[256] = "";

	memset(r, 0, sizeof(*r));
	if (compose_build(m, &r->raw, &r->n, err, sizeof(err)) < 0)
		fail_msg("compose_build: %s", err);
	parse_into(r);
}

static void base_msg(struct compose_msg *m)
{
	memset(m, 0, sizeof(*m));
	m->from_name = "Podrška";
	m->from_addr = "podrska@evid.test";
	m->to = "ivan@firma.hr";
	m->subject = "Pisač";
	m->message_id = "evid.1.00.2026-000001@evid.test";
	m->date = NOW;
	m->ticket_number = "2026-000001";
	m->body = "tekst\n";
}

static void test_no_header_injection(void **state)
{
	struct compose_msg m;
	struct rendered r;
	GMimeHeaderList *hl;
	int i, n;

	(void)state;
	base_msg(&m);
	m.subject = "Pozdrav\r\nBcc: zlo@napad.hr\r\n\r\nTijelo [#2026-000001]";
	m.from_name = "Podrška\r\nX-Injected: 1";
	m.to = "ivan@firma.hr\r\nBcc: zlo@napad.hr, marko@firma.hr";
	m.cc = "ana@firma.hr>\r\nX-Evil: 1, <x@y.hr>, ok@firma.hr";
	m.in_reply_to = "a@b\r\nX-Evil: 2";
	m.ticket_number = "2026-000001\r\nX-Evil: 3";
	m.auto_submitted = "auto-replied\nX-Evil: 4";
	build(&m, &r);
	hl = g_mime_object_get_header_list((GMimeObject *)r.gm);
	n = g_mime_header_list_get_count(hl);
	for (i = 0; i < n; i++) {
		const char *name = g_mime_header_get_name(g_mime_header_list_get_header_at(hl, i));

		assert_true(strcasecmp(name, "Bcc") != 0);
		assert_true(strncasecmp(name, "X-Evil", 6) != 0);
		assert_true(strcasecmp(name, "X-Injected") != 0);
	}
	/* The subject stays one line and keeps its words. */
	assert_string_equal(g_mime_message_get_subject(r.gm),
			    "Pozdrav Bcc: zlo@napad.hr Tijelo [#2026-000001]");
	assert_string_equal(r.m.from.name, "Podrška X-Injected: 1");
	/* Only the well-formed addresses are recipients. */
	assert_int_equal(r.m.to.n, 1);
	assert_string_equal(r.m.to.items[0].addr, "marko@firma.hr");
	assert_int_equal(r.m.cc.n, 1);
	assert_string_equal(r.m.cc.items[0].addr, "ok@firma.hr");
	assert_string_equal(r.m.in_reply_to, "");
	assert_string_equal(header(&r, "X-Evid-Ticket"), "2026-000001 X-Evil: 3");
	assert_string_equal(header(&r, "Auto-Submitted"), "auto-replied X-Evil: 4");
	assert_string_equal(r.m.text, "tekst");
	rendered_free(&r);
}

static void test_long_subject_cut_whole(void **state)
{
	struct compose_msg m;
	struct rendered r;
	struct buf b = BUF_INIT(4096);
	const char *got;
	size_t i, n;

	(void)state;
	for (i = 0; i < 700; i++)
		assert_int_equal(buf_puts(&b, "č"), 0);
	base_msg(&m);
	m.subject = b.s;
	build(&m, &r);
	assert_wire_form(&r);
	got = g_mime_message_get_subject(r.gm);
	n = strlen(got);
	/* Cut to at most 1000 bytes, between two characters. */
	assert_true(n >= 990 && n <= 1000);
	assert_int_equal(n % 2, 0);
	assert_memory_equal(got, b.s, n);
	rendered_free(&r);
	buf_free(&b);
}

static void test_references_capped(void **state)
{
	char *ids[30];
	struct compose_msg m;
	struct rendered r;
	size_t i;

	(void)state;
	for (i = 0; i < 30; i++) {
		ids[i] = xmalloc(64);
		snprintf(ids[i], 64, "id%02zu.some-long-local-part@mail.firma.hr", i);
	}
	base_msg(&m);
	m.references = ids;
	m.n_references = 30;
	m.in_reply_to = ids[29];
	build(&m, &r);
	assert_wire_form(&r);
	assert_int_equal(r.m.n_references, COMPOSE_MAX_REFERENCES);
	assert_string_equal(r.m.references[0], ids[0]);
	assert_string_equal(r.m.references[1], ids[30 - (COMPOSE_MAX_REFERENCES - 1)]);
	assert_string_equal(r.m.references[COMPOSE_MAX_REFERENCES - 1], ids[29]);
	assert_string_equal(r.m.in_reply_to, ids[29]);
	for (i = 0; i < 30; i++)
		free(ids[i]);
	rendered_free(&r);
}

static void test_build_refuses(void **state)
{
	struct compose_msg m;
	char *raw = NULL, err[128];
	size_t n;

	(void)state;
	base_msg(&m);
	m.from_addr = "";
	assert_int_equal(compose_build(&m, &raw, &n, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "[mail] address"));
	base_msg(&m);
	m.to = "not an address, <x>";
	assert_int_equal(compose_build(&m, &raw, &n, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "no usable recipient"));
	base_msg(&m);
	m.message_id = "no brackets <allowed>@x";
	assert_int_equal(compose_build(&m, &raw, &n, err, sizeof(err)), -1);
	assert_null(raw);
}

static void test_long_text_lines(void **state)
{
	struct compose_msg m;
	struct rendered r;
	struct buf b = BUF_INIT(1 << 20);
	const char *enc = NULL;
	int i;

	(void)state;
	/* One line far longer than SMTP's 998 characters comes back whole. */
	for (i = 0; i < 300; i++)
		assert_int_equal(buf_puts(&b, "riječ "), 0);
	base_msg(&m);
	m.body = b.s;
	build(&m, &r);
	assert_wire_form(&r);
	assert_text_part(&r, &enc);
	assert_true(strcmp(enc, "quoted-printable") == 0 || strcmp(enc, "base64") == 0);
	assert_int_equal(strlen(r.m.text) + 1, b.len);
	assert_memory_equal(r.m.text, b.s, b.len - 1);
	rendered_free(&r);
	buf_free(&b);
}

/* ---- the templates ---- */

static void test_templates_complete(void **state)
{
	struct tmpl_vars v = {"2026-000001", "#2026-000001", "Pisač", "",    "Ivan <i@f.hr>",
			      "tekst",	     "https://x/1",  "Firma", "Tom", "odgovor"};
	enum outbox_kind k;
	int lang;

	(void)state;
	assert_int_equal(tmpl_lang_of("en"), TMPL_EN);
	assert_int_equal(tmpl_lang_of("hr"), TMPL_HR);
	assert_int_equal(tmpl_lang_of(NULL), TMPL_HR);
	for (lang = TMPL_HR; lang <= TMPL_EN; lang++) {
		for (k = OUTBOX_ACK; k <= OUTBOX_REPLY; k++) {
			struct buf b = BUF_INIT(8192);

			assert_int_equal(tmpl_body(k, (enum tmpl_lang)lang, &v, &b), 0);
			assert_null(strchr(b.s, '{'));
			assert_true(b.len > 10);
			assert_true(strlen(tmpl_subject_prefix(k, (enum tmpl_lang)lang)) > 0);
			if (k == OUTBOX_NOTIFY_NEW || k == OUTBOX_NOTIFY_REPLY)
				assert_non_null(strstr(b.s, lang == TMPL_HR ? "čeka razvrstavanje"
									    : "waits in triage"));
			buf_free(&b);
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_ack_hr, fx_setup, fx_teardown),
	    cmocka_unit_test_setup_teardown(test_ack_en, fx_setup, fx_teardown),
	    cmocka_unit_test_setup_teardown(test_notify_new, fx_setup, fx_teardown),
	    cmocka_unit_test_setup_teardown(test_notify_reply_threads, fx_setup, fx_teardown),
	    cmocka_unit_test_setup_teardown(test_reply_hr, fx_setup, fx_teardown),
	    cmocka_unit_test_setup_teardown(test_reply_en, fx_setup, fx_teardown),
	    cmocka_unit_test(test_no_header_injection),
	    cmocka_unit_test(test_long_subject_cut_whole),
	    cmocka_unit_test(test_references_capped),
	    cmocka_unit_test(test_build_refuses),
	    cmocka_unit_test(test_long_text_lines),
	    cmocka_unit_test(test_templates_complete),
	};
	int rc;

	if (crypto_init() < 0 || clock_set_zone("Europe/Zagreb") < 0)
		return 1;
	mime_init();
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	g_mime_shutdown();
	return rc;
}
