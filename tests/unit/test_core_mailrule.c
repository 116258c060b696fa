/*
 * Unit tests for core/mailrule: when no automatic answer may go out
 * (RFC 3834), the subject tag found and written (with Croatian text cut on
 * a UTF-8 boundary), and where an incoming message goes.  Table-driven.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <limits.h>
#include <string.h>

#include "core/mail.h"
#include "core/mailrule.h"
#include "core/model.h"
#include "core/validate.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* ---- mailrule_no_autoreply ---- */

struct autoreply_case {
	const char *name;
	const char *from;
	const char *reply_to;
	const char *auto_submitted; /* as the parser leaves it; NULL = "" */
	const char *precedence;
	int list_id, return_path, return_path_empty, marker, dsn;
	const char *ours;
	const char *why; /* NULL: an answer may go out */
};

#define OURS "podrska@evid.hr,servis@evid.hr"

static const struct autoreply_case autoreply_cases[] = {
	/* a person */
	{ "person", "ivan@firma.hr", NULL, NULL, NULL, 0, 1, 0, 0, 0, OURS, NULL },
	{ "person, no return-path", "ivan@firma.hr", NULL, NULL, NULL, 0, 0, 0, 0, 0, OURS, NULL },
	{ "person, ours null", "ivan@firma.hr", NULL, NULL, NULL, 0, 1, 0, 0, 0, NULL, NULL },
	{ "person, ours empty", "ivan@firma.hr", NULL, NULL, NULL, 0, 1, 0, 0, 0, "", NULL },
	{ "person, reply-to other", "ivan@firma.hr", "ana@firma.hr", NULL, NULL, 0, 1, 0, 0, 0,
	  OURS, NULL },

	/* Auto-Submitted: only the token "no" means a person */
	{ "as no", "ivan@firma.hr", NULL, "no", NULL, 0, 1, 0, 0, 0, OURS, NULL },
	{ "as No", "ivan@firma.hr", NULL, "No", NULL, 0, 1, 0, 0, 0, OURS, NULL },
	{ "as NO blanks", "ivan@firma.hr", NULL, "  NO  ", NULL, 0, 1, 0, 0, 0, OURS, NULL },
	{ "as no;param", "ivan@firma.hr", NULL, "no; x=y", NULL, 0, 1, 0, 0, 0, OURS, NULL },
	{ "as no;param tight", "ivan@firma.hr", NULL, "no;x=y", NULL, 0, 1, 0, 0, 0, OURS, NULL },
	{ "as no (comment)", "ivan@firma.hr", NULL, "no (human)", NULL, 0, 1, 0, 0, 0, OURS,
	  NULL },
	{ "as no(comment)", "ivan@firma.hr", NULL, "no(human)", NULL, 0, 1, 0, 0, 0, OURS, NULL },
	{ "as auto-replied", "ivan@firma.hr", NULL, "auto-replied", NULL, 0, 1, 0, 0, 0, OURS,
	  "auto-submitted" },
	{ "as auto-generated", "ivan@firma.hr", NULL, "auto-generated", NULL, 0, 1, 0, 0, 0, OURS,
	  "auto-submitted" },
	{ "as AUTO-REPLIED", "ivan@firma.hr", NULL, "AUTO-REPLIED", NULL, 0, 1, 0, 0, 0, OURS,
	  "auto-submitted" },
	{ "as with params", "ivan@firma.hr", NULL, "auto-replied; owner-email=\"a@b.hr\"", NULL, 0,
	  1, 0, 0, 0, OURS, "auto-submitted" },
	{ "as nope", "ivan@firma.hr", NULL, "nope", NULL, 0, 1, 0, 0, 0, OURS, "auto-submitted" },
	{ "as no-thanks", "ivan@firma.hr", NULL, "no-thanks", NULL, 0, 1, 0, 0, 0, OURS,
	  "auto-submitted" },
	{ "as empty token", "ivan@firma.hr", NULL, "; x=y", NULL, 0, 1, 0, 0, 0, OURS,
	  "auto-submitted" },
	{ "as comment only", "ivan@firma.hr", NULL, "(none)", NULL, 0, 1, 0, 0, 0, OURS,
	  "auto-submitted" },
	{ "as blanks only", "ivan@firma.hr", NULL, "  ", NULL, 0, 1, 0, 0, 0, OURS,
	  "auto-submitted" },

	/* Precedence */
	{ "prec bulk", "ivan@firma.hr", NULL, NULL, "bulk", 0, 1, 0, 0, 0, OURS,
	  "precedence bulk" },
	{ "prec junk", "ivan@firma.hr", NULL, NULL, "junk", 0, 1, 0, 0, 0, OURS,
	  "precedence junk" },
	{ "prec list", "ivan@firma.hr", NULL, NULL, "list", 0, 1, 0, 0, 0, OURS,
	  "precedence list" },
	{ "prec BULK", "ivan@firma.hr", NULL, NULL, " BULK ", 0, 1, 0, 0, 0, OURS,
	  "precedence bulk" },
	{ "prec first-class", "ivan@firma.hr", NULL, NULL, "first-class", 0, 1, 0, 0, 0, OURS,
	  NULL },
	{ "prec bulky", "ivan@firma.hr", NULL, NULL, "bulky", 0, 1, 0, 0, 0, OURS, NULL },
	{ "prec listing", "ivan@firma.hr", NULL, NULL, "listing", 0, 1, 0, 0, 0, OURS, NULL },

	/* List-Id, Return-Path */
	{ "list-id", "ivan@firma.hr", NULL, NULL, NULL, 1, 1, 0, 0, 0, OURS,
	  "mailing list (list-id)" },
	{ "return-path <>", "ivan@firma.hr", NULL, NULL, NULL, 0, 1, 1, 0, 0, OURS,
	  "empty return-path" },

	/* no usable From */
	{ "from empty", "", NULL, NULL, NULL, 0, 1, 0, 0, 0, OURS, "no usable from address" },
	{ "from no at", "ivan", NULL, NULL, NULL, 0, 1, 0, 0, 0, OURS, "no usable from address" },
	{ "from no local", "@firma.hr", NULL, NULL, NULL, 0, 1, 0, 0, 0, OURS,
	  "no usable from address" },
	{ "from no domain", "ivan@", NULL, NULL, NULL, 0, 1, 0, 0, 0, OURS,
	  "no usable from address" },

	/* system senders, any case */
	{ "MAILER-DAEMON", "MAILER-DAEMON@mx.firma.hr", NULL, NULL, NULL, 0, 1, 0, 0, 0, OURS,
	  "mailer-daemon sender" },
	{ "mailer-daemon", "mailer-daemon@mx.firma.hr", NULL, NULL, NULL, 0, 1, 0, 0, 0, OURS,
	  "mailer-daemon sender" },
	{ "Mailer-Daemon+x", "Mailer-Daemon+bounce@mx.firma.hr", NULL, NULL, NULL, 0, 1, 0, 0, 0,
	  OURS, "mailer-daemon sender" },
	{ "postmaster", "postmaster@firma.hr", NULL, NULL, NULL, 0, 1, 0, 0, 0, OURS,
	  "postmaster sender" },
	{ "POSTMASTER", "POSTMASTER@firma.hr", NULL, NULL, NULL, 0, 1, 0, 0, 0, OURS,
	  "postmaster sender" },
	{ "postmasters", "postmasters@firma.hr", NULL, NULL, NULL, 0, 1, 0, 0, 0, OURS, NULL },
	{ "mailer-daemon-x", "mailer-daemon-x@firma.hr", NULL, NULL, NULL, 0, 1, 0, 0, 0, OURS,
	  NULL },
	{ "my-postmaster", "my-postmaster@firma.hr", NULL, NULL, NULL, 0, 1, 0, 0, 0, OURS, NULL },

	/* no-reply senders */
	{ "noreply", "noreply@github.com", NULL, NULL, NULL, 0, 1, 0, 0, 0, OURS,
	  "no-reply sender" },
	{ "NoReply", "NoReply@banka.hr", NULL, NULL, NULL, 0, 1, 0, 0, 0, OURS,
	  "no-reply sender" },
	{ "no-reply", "no-reply@accounts.google.com", NULL, NULL, NULL, 0, 1, 0, 0, 0, OURS,
	  "no-reply sender" },
	{ "no_reply", "no_reply@x.hr", NULL, NULL, NULL, 0, 1, 0, 0, 0, OURS, "no-reply sender" },
	{ "donotreply", "donotreply@x.hr", NULL, NULL, NULL, 0, 1, 0, 0, 0, OURS,
	  "no-reply sender" },
	{ "do-not-reply", "do-not-reply@x.hr", NULL, NULL, NULL, 0, 1, 0, 0, 0, OURS,
	  "no-reply sender" },
	{ "DO_NOT_REPLY", "DO_NOT_REPLY@x.hr", NULL, NULL, NULL, 0, 1, 0, 0, 0, OURS,
	  "no-reply sender" },
	{ "noreply-suffix", "noreply-dmarc-support@google.com", NULL, NULL, NULL, 0, 1, 0, 0, 0,
	  OURS, "no-reply sender" },
	{ "no-reply.suffix", "no-reply.billing@x.hr", NULL, NULL, NULL, 0, 1, 0, 0, 0, OURS,
	  "no-reply sender" },
	{ "noreply_suffix", "noreply_x@x.hr", NULL, NULL, NULL, 0, 1, 0, 0, 0, OURS,
	  "no-reply sender" },
	{ "noreply+detail", "noreply+abc@x.hr", NULL, NULL, NULL, 0, 1, 0, 0, 0, OURS,
	  "no-reply sender" },
	{ "noreplyx", "noreplyx@x.hr", NULL, NULL, NULL, 0, 1, 0, 0, 0, OURS, NULL },
	{ "ivan.noreply", "ivan.noreply@x.hr", NULL, NULL, NULL, 0, 1, 0, 0, 0, OURS, NULL },
	{ "reply", "reply@x.hr", NULL, NULL, NULL, 0, 1, 0, 0, 0, OURS, NULL },
	{ "no", "no@x.hr", NULL, NULL, NULL, 0, 1, 0, 0, 0, OURS, NULL },
	{ "noreply domain", "ivan@noreply.hr", NULL, NULL, NULL, 0, 1, 0, 0, 0, OURS, NULL },

	/* our own addresses: exact, any case, blanks around items */
	{ "ours first", "podrska@evid.hr", NULL, NULL, NULL, 0, 1, 0, 0, 0, OURS,
	  "from one of our addresses" },
	{ "ours second", "servis@evid.hr", NULL, NULL, NULL, 0, 1, 0, 0, 0, OURS,
	  "from one of our addresses" },
	{ "ours upper", "SERVIS@EVID.HR", NULL, NULL, NULL, 0, 1, 0, 0, 0, OURS,
	  "from one of our addresses" },
	{ "ours list upper", "servis@evid.hr", NULL, NULL, NULL, 0, 1, 0, 0, 0,
	  "PODRSKA@EVID.HR,SERVIS@EVID.HR", "from one of our addresses" },
	{ "ours blanks", "servis@evid.hr", NULL, NULL, NULL, 0, 1, 0, 0, 0,
	  "  podrska@evid.hr ,\tservis@evid.hr  ", "from one of our addresses" },
	{ "ours empty items", "podrska@evid.hr", NULL, NULL, NULL, 0, 1, 0, 0, 0,
	  ",,podrska@evid.hr,", "from one of our addresses" },
	{ "ours single", "podrska@evid.hr", NULL, NULL, NULL, 0, 1, 0, 0, 0, "podrska@evid.hr",
	  "from one of our addresses" },
	{ "ours longer", "podrska@evid.hr.com", NULL, NULL, NULL, 0, 1, 0, 0, 0, OURS, NULL },
	{ "ours shorter", "podrska@evid.h", NULL, NULL, NULL, 0, 1, 0, 0, 0, OURS, NULL },
	{ "ours suffix", "x.podrska@evid.hr", NULL, NULL, NULL, 0, 1, 0, 0, 0, OURS, NULL },
	{ "ours prefix", "podrska@evid.hr", NULL, NULL, NULL, 0, 1, 0, 0, 0,
	  "podrska@evid.hrx,servis@evid.hr", NULL },
	{ "reply-to ours", "ivan@firma.hr", "podrska@evid.hr", NULL, NULL, 0, 1, 0, 0, 0, OURS,
	  "reply-to one of our addresses" },

	/* our own marker, a DSN, and which reason wins */
	{ "marker", "ivan@firma.hr", NULL, NULL, NULL, 0, 1, 0, 1, 0, OURS,
	  "our own message (x-evid-ticket)" },
	{ "dsn", "ivan@firma.hr", NULL, NULL, NULL, 0, 1, 0, 0, 1, OURS,
	  "delivery status notification" },
	{ "dsn from daemon", "MAILER-DAEMON@mx.hr", NULL, "auto-replied", NULL, 0, 1, 1, 0, 1, OURS,
	  "delivery status notification" },
	{ "marker beats dsn", "podrska@evid.hr", NULL, NULL, NULL, 0, 1, 0, 1, 1, OURS,
	  "our own message (x-evid-ticket)" },
	{ "as beats prec", "ivan@firma.hr", NULL, "auto-generated", "bulk", 1, 1, 0, 0, 0, OURS,
	  "auto-submitted" },
	{ "prec beats list-id", "ivan@firma.hr", NULL, "no", "list", 1, 1, 0, 0, 0, OURS,
	  "precedence list" },
	{ "list-id beats rp", "", NULL, NULL, NULL, 1, 1, 1, 0, 0, OURS,
	  "mailing list (list-id)" },
	{ "rp beats no from", "", NULL, NULL, NULL, 0, 1, 1, 0, 0, OURS, "empty return-path" },
};

static void copy_field(char *dst, size_t dstsz, const char *src)
{
	size_t n = src ? strlen(src) : 0;

	assert_true(n < dstsz);
	memcpy(dst, src ? src : "", n);
	dst[n] = '\0';
}

static void test_no_autoreply(void **state)
{
	static struct mail_msg m; /* large: not on the stack */
	const char *why;
	size_t i;
	int rc;

	(void)state;
	for (i = 0; i < N(autoreply_cases); i++) {
		const struct autoreply_case *c = &autoreply_cases[i];

		memset(&m, 0, sizeof(m));
		copy_field(m.from.addr, sizeof(m.from.addr), c->from);
		copy_field(m.reply_to.addr, sizeof(m.reply_to.addr), c->reply_to);
		copy_field(m.auto_submitted, sizeof(m.auto_submitted), c->auto_submitted);
		copy_field(m.precedence, sizeof(m.precedence), c->precedence);
		m.has_list_id = c->list_id;
		m.has_return_path = c->return_path || c->return_path_empty;
		m.return_path_empty = c->return_path_empty;
		m.has_evid_marker = c->marker;
		m.is_dsn = c->dsn;
		why = "untouched";
		rc = mailrule_no_autoreply(&m, c->ours, &why);
		if (rc != (c->why != NULL))
			fail_msg("%s: returned %d", c->name, rc);
		if (c->why == NULL && why != NULL)
			fail_msg("%s: why \"%s\", want NULL", c->name, why);
		if (c->why && (why == NULL || strcmp(why, c->why) != 0))
			fail_msg("%s: why \"%s\", want \"%s\"", c->name, why ? why : "(null)",
				 c->why);
		/* why is optional */
		assert_int_equal(mailrule_no_autoreply(&m, c->ours, NULL), rc);
	}
}

/* ---- mailrule_tag_find ---- */

struct tag_case {
	const char *subject;
	const char *prefix;
	const char *want; /* NULL: no tag */
};

static const struct tag_case tag_cases[] = {
	{ "Printer broken [#2026-000123]", "#", "2026-000123" },
	{ "[#2026-000123] Printer broken", "#", "2026-000123" },
	{ "[#2026-000123]", "#", "2026-000123" },
	{ "Re: Pisač ne radi [#2026-000123] čćžšđ", "#", "2026-000123" },
	{ "Odg: Čćžšđ[#2026-999999]", "#", "2026-999999" },
	{ "x[#1000-000001]y", "#", "1000-000001" },
	{ "[[#2026-000123]]", "#", "2026-000123" },
	{ "[#[#2026-000123]", "#", "2026-000123" },
	/* the first valid tag wins */
	{ "[#2026-000007] [#2025-000001]", "#", "2026-000007" },
	{ "[#2025-000001] [#2026-000007]", "#", "2025-000001" },
	{ "[#2026-12] [#2026-000007] [#2025-000001]", "#", "2026-000007" },
	{ "[#99999-000001] [#2026-0000001] [#2026-000042]", "#", "2026-000042" },
	/* malformed */
	{ "Printer broken", "#", NULL },
	{ "", "#", NULL },
	{ "[#2026-12]", "#", NULL },
	{ "[#99999-000001]", "#", NULL },
	{ "[#2026-0000001]", "#", NULL }, /* seven digits: ticket_number_parse wants six */
	{ "[#2026-00001]", "#", NULL },
	{ "[#2026-000000]", "#", NULL },
	{ "[#0999-000001]", "#", NULL },
	{ "[#2026-00012a]", "#", NULL },
	{ "[#2026_000123]", "#", NULL },
	{ "[#2026-000123", "#", NULL },
	{ "[#2026-0001", "#", NULL },
	{ "[#", "#", NULL },
	{ "[", "#", NULL },
	{ "#2026-000123", "#", NULL },
	{ "(#2026-000123)", "#", NULL },
	{ "[#-2026-000123]", "#", NULL },
	{ "[#+2026-000123]", "#", NULL },
	/* no blanks inside the brackets */
	{ "[ #2026-000123]", "#", NULL },
	{ "[# 2026-000123]", "#", NULL },
	{ "[#2026-000123 ]", "#", NULL },
	{ "[#2026 -000123]", "#", NULL },
	/* prefixes: exact, ASCII case folded */
	{ "[EVID#2026-000123]", "EVID#", "2026-000123" },
	{ "[evid#2026-000123]", "EVID#", "2026-000123" },
	{ "[Evid#2026-000123]", "evid#", "2026-000123" },
	{ "[EVID#2026-000123]", "evid#", "2026-000123" },
	{ "[#2026-000123]", "EVID#", NULL },
	{ "[EVID2026-000123]", "EVID#", NULL },
	{ "[EVID#2026-000123]", "#", NULL },
	{ "[XEVID#2026-000123]", "EVID#", NULL },
	{ "[EVI#2026-000123]", "EVID#", NULL },
	{ "[#2026-000001] [EVID#2026-000002]", "EVID#", "2026-000002" },
	/* empty prefix */
	{ "[2026-000123]", "", "2026-000123" },
	{ "[#2026-000123]", "", NULL },
	{ "[#2026-000123] [2026-000005]", "", "2026-000005" },
	{ "[2026-000123]", NULL, "2026-000123" },
	{ "[2026-000123]", "#", NULL },
};

static void test_tag_find(void **state)
{
	char out[TICKET_NUMBER_LEN + 1];
	size_t i;
	int rc;

	(void)state;
	for (i = 0; i < N(tag_cases); i++) {
		const struct tag_case *c = &tag_cases[i];

		memset(out, 'x', sizeof(out));
		rc = mailrule_tag_find(c->subject, c->prefix, out);
		if (rc != (c->want != NULL))
			fail_msg("\"%s\" prefix \"%s\": returned %d", c->subject,
				 c->prefix ? c->prefix : "(null)", rc);
		if (c->want)
			assert_string_equal(out, c->want);
	}
	assert_int_equal(mailrule_tag_find(NULL, "#", out), 0);
}

/* ---- mailrule_subject ---- */

#define NUM "2026-000123"
#define BIG (SUBJECT_MAX_LEN + 1)

struct subject_case {
	const char *subject;
	const char *re;
	const char *prefix;
	const char *number;
	size_t outsz;
	const char *want;
};

static const struct subject_case subject_cases[] = {
	{ "Printer broken", "Re: ", "#", NUM, BIG, "Re: Printer broken [#2026-000123]" },
	{ "Printer broken", "", "#", NUM, BIG, "Printer broken [#2026-000123]" },
	{ "Printer broken", NULL, "#", NUM, BIG, "Printer broken [#2026-000123]" },
	{ "Re: Printer broken [#2026-000123]", "Re: ", "#", NUM, BIG,
	  "Re: Printer broken [#2026-000123]" },
	{ "Pisač ne radi", "Odg: ", "#", NUM, BIG, "Odg: Pisač ne radi [#2026-000123]" },

	/* reply and forward chains, any case, counters, blanks before the colon */
	{ "Re: x", "Re: ", "#", NUM, BIG, "Re: x [#2026-000123]" },
	{ "RE: Re: Fwd: x", "Re: ", "#", NUM, BIG, "Re: x [#2026-000123]" },
	{ "RE: re: FWD: fwd: FW: Fw: fw: x", "", "#", NUM, BIG, "x [#2026-000123]" },
	{ "Odg: ODG: odg: Prosl: PROSL: x", "", "#", NUM, BIG, "x [#2026-000123]" },
	{ "AW: WG: SV: VS: Aw: Wg: Sv: Vs: x", "", "#", NUM, BIG, "x [#2026-000123]" },
	{ "Re[2]: x", "", "#", NUM, BIG, "x [#2026-000123]" },
	{ "RE[12]: Fw[3]: x", "", "#", NUM, BIG, "x [#2026-000123]" },
	{ "Re[1234]: x", "", "#", NUM, BIG, "x [#2026-000123]" },
	{ "Re : x", "", "#", NUM, BIG, "x [#2026-000123]" },
	{ "RE :Fwd\t: x", "", "#", NUM, BIG, "x [#2026-000123]" },
	{ "Re:x", "", "#", NUM, BIG, "x [#2026-000123]" },
	{ "Re:Re:Re:x", "", "#", NUM, BIG, "x [#2026-000123]" },
	{ "   Re:   Odg:   x   ", "", "#", NUM, BIG, "x [#2026-000123]" },
	/* not markers */
	{ "Re[]: x", "", "#", NUM, BIG, "Re[]: x [#2026-000123]" },
	{ "Re[12345]: x", "", "#", NUM, BIG, "Re[12345]: x [#2026-000123]" },
	{ "Re[2: x", "", "#", NUM, BIG, "Re[2: x [#2026-000123]" },
	{ "Research: results", "", "#", NUM, BIG, "Research: results [#2026-000123]" },
	{ "Reply: x", "", "#", NUM, BIG, "Reply: x [#2026-000123]" },
	{ "Odgovor: x", "", "#", NUM, BIG, "Odgovor: x [#2026-000123]" },
	{ "Fwd x", "", "#", NUM, BIG, "Fwd x [#2026-000123]" },
	{ "Svi: x", "", "#", NUM, BIG, "Svi: x [#2026-000123]" },
	{ "x Re: y", "", "#", NUM, BIG, "x Re: y [#2026-000123]" },
	{ "Re: x Re: y", "Re: ", "#", NUM, BIG, "Re: x Re: y [#2026-000123]" },
	{ "[EXTERNAL] Re: x", "", "#", NUM, BIG, "[EXTERNAL] Re: x [#2026-000123]" },

	/* our tags go wherever they are; tags and markers mix at the front */
	{ "[#2026-000123] Re: x", "Re: ", "#", NUM, BIG, "Re: x [#2026-000123]" },
	{ "Re: [#2026-000123] Odg: x", "Re: ", "#", NUM, BIG, "Re: x [#2026-000123]" },
	{ "Re: [#2026-000123] [#2026-000123] x", "", "#", NUM, BIG, "x [#2026-000123]" },
	{ "a [#2026-000001] b [#2026-000002] c", "", "#", NUM, BIG, "a b c [#2026-000123]" },
	{ "a[#2026-000001]b", "", "#", NUM, BIG, "a b [#2026-000123]" },
	{ "x [#2026-000001]", "", "#", NUM, BIG, "x [#2026-000123]" },
	{ "x [#2026-000123] Re: y", "", "#", NUM, BIG, "x Re: y [#2026-000123]" },
	/* malformed or foreign tags stay */
	{ "x [#2026-12]", "", "#", NUM, BIG, "x [#2026-12] [#2026-000123]" },
	{ "x [#2026-0000001]", "", "#", NUM, BIG, "x [#2026-0000001] [#2026-000123]" },
	{ "x [#99999-000001]", "", "#", NUM, BIG, "x [#99999-000001] [#2026-000123]" },
	{ "x [ #2026-000001]", "", "#", NUM, BIG, "x [ #2026-000001] [#2026-000123]" },
	{ "x [#2026-000001]", "", "EVID#", NUM, BIG, "x [#2026-000001] [EVID#2026-000123]" },
	/* prefixes: stripped in any case, written as configured */
	{ "x [evid#2026-000001]", "Re: ", "EVID#", NUM, BIG, "Re: x [EVID#2026-000123]" },
	{ "[EVID#2026-000001] x", "Re: ", "evid#", NUM, BIG, "Re: x [evid#2026-000123]" },
	{ "x [2026-000001]", "", "", NUM, BIG, "x [2026-000123]" },
	{ "x [#2026-000001]", "", "", NUM, BIG, "x [#2026-000001] [2026-000123]" },
	{ "x", "", NULL, NUM, BIG, "x [2026-000123]" },

	/* blanks */
	{ "  a \t  b  ", "", "#", NUM, BIG, "a b [#2026-000123]" },
	{ "a\r\nb", "", "#", NUM, BIG, "a b [#2026-000123]" },

	/* empty subjects stay empty */
	{ "", "Re: ", "#", NUM, BIG, "Re: [#2026-000123]" },
	{ NULL, "Re: ", "#", NUM, BIG, "Re: [#2026-000123]" },
	{ "", "", "#", NUM, BIG, "[#2026-000123]" },
	{ "   ", "", "#", NUM, BIG, "[#2026-000123]" },
	{ "Re: ", "Re: ", "#", NUM, BIG, "Re: [#2026-000123]" },
	{ "RE: Fwd:", "Re: ", "#", NUM, BIG, "Re: [#2026-000123]" },
	{ "[#2026-000123]", "Re: ", "#", NUM, BIG, "Re: [#2026-000123]" },
	{ "Re: [#2026-000123]", "", "#", NUM, BIG, "[#2026-000123]" },

	/* no number: no tag */
	{ "Re: x [#2026-000001]", "Re: ", "#", "", BIG, "Re: x" },
	{ "Re: x", "Re: ", "#", NULL, BIG, "Re: x" },
	{ "x", "", "#", "", BIG, "x" },
	{ "", "", "#", "", BIG, "" },
	{ "abcdef", "Re: ", "#", "", 7, "Re: ab" },
	{ "abcdef", "Re: ", "#", "", 4, "abc" },

	/* cutting: "[#2026-000123]" is 14 bytes, 15 with the space before it */
	{ "Pisač", "Re: ", "#", NUM, 26, "Re: Pisač [#2026-000123]" },
	{ "Pisač", "Re: ", "#", NUM, 25, "Re: Pisa [#2026-000123]" }, /* č would be split */
	{ "Pisač", "Re: ", "#", NUM, 24, "Re: Pisa [#2026-000123]" },
	{ "Pisač", "Re: ", "#", NUM, 23, "Re: Pis [#2026-000123]" },
	{ "Čćžšđ", "", "#", NUM, 26, "Čćžšđ [#2026-000123]" },
	{ "Čćžšđ", "", "#", NUM, 25, "Čćžš [#2026-000123]" },
	{ "Čćžšđ", "", "#", NUM, 24, "Čćžš [#2026-000123]" },
	{ "Čćžšđ", "", "#", NUM, 23, "Čćž [#2026-000123]" },
	{ "Čćžšđ", "", "#", NUM, 22, "Čćž [#2026-000123]" },
	{ "Čćžšđ", "", "#", NUM, 21, "Čć [#2026-000123]" },
	{ "Čćžšđ", "", "#", NUM, 18, "Č [#2026-000123]" },
	{ "Čćžšđ", "", "#", NUM, 17, "[#2026-000123]" },
	{ "Čćžšđ", "", "#", NUM, 16, "[#2026-000123]" },
	{ "Čćžšđ", "", "#", NUM, 15, "[#2026-000123]" },
	{ "Čćžšđ", "", "#", NUM, 14, "" }, /* not even the tag fits */
	{ "Čćžšđ", "", "#", NUM, 1, "" },
	{ "žš đ", "", "#", NUM, 21, "žš [#2026-000123]" }, /* no blank before the tag */
	{ "žš đ", "", "#", NUM, 22, "žš [#2026-000123]" },
	{ "žš đ", "", "#", NUM, 23, "žš đ [#2026-000123]" },
	{ "€€", "", "#", NUM, 21, "€ [#2026-000123]" }, /* three-byte characters */
	{ "€€", "", "#", NUM, 22, "€€ [#2026-000123]" },
	{ "a😀b", "", "#", NUM, 20, "a [#2026-000123]" }, /* a four-byte character */
	{ "a😀b", "", "#", NUM, 21, "a😀 [#2026-000123]" },
	/* re is left out before the tag is cut */
	{ "abc", "Re: ", "#", NUM, 19, "Re: [#2026-000123]" },
	{ "abc", "Re: ", "#", NUM, 18, "ab [#2026-000123]" },
	{ "abc", "Re: ", "#", NUM, 15, "[#2026-000123]" },
	{ "", "Re: ", "#", NUM, 19, "Re: [#2026-000123]" },
	{ "", "Re: ", "#", NUM, 18, "[#2026-000123]" },
	{ "x", "Re: ", "EVID#", NUM, 19, "[EVID#2026-000123]" },
	{ "x", "Re: ", "EVID#", NUM, 18, "" },
};

static void test_subject(void **state)
{
	char out[512];
	size_t i;

	(void)state;
	for (i = 0; i < N(subject_cases); i++) {
		const struct subject_case *c = &subject_cases[i];

		assert_true(c->outsz <= sizeof(out));
		memset(out, 'x', sizeof(out));
		mailrule_subject(c->subject, c->re, c->prefix, c->number, out, c->outsz);
		if (strcmp(out, c->want) != 0)
			fail_msg("case %zu \"%s\" outsz %zu: got \"%s\", want \"%s\"", i,
				 c->subject ? c->subject : "(null)", c->outsz, out, c->want);
		/* nothing written past outsz */
		assert_int_equal(out[c->outsz], 'x');
	}
}

static void test_subject_outsz_zero(void **state)
{
	char out[4] = "abc";

	(void)state;
	mailrule_subject("x", "Re: ", "#", NUM, out, 0);
	assert_string_equal(out, "abc");
	mailrule_subject("x", "Re: ", "#", NUM, NULL, 0);
}

/* Bytes of the UTF-8 character whose lead byte is c. */
static size_t lead_len(unsigned char c)
{
	return c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
}

/*
 * Every size from 1 to past the full length: the output fits, is
 * well-formed UTF-8, keeps the tag whenever it fits, keeps "Re: " whenever
 * it fits with the tag, and its subject part is the longest character-
 * boundary prefix of the full one that fits.
 */
static void test_subject_every_size(void **state)
{
	static const char *const subjects[] = {
		"Re: Čćžšđ ČĆŽŠĐ [#2026-000001] račun za prosinac",
		"Odg: Prosl: šđ€😀 a b ž",
		"ŽŽŽŽŽŽŽŽŽŽŽŽŽŽŽŽŽŽŽŽ",
	};
	char full[512], out[512];
	const char *tag = "[#2026-000123]", *body, *o;
	size_t i, sz, len, fulllen, taglen = strlen(tag), bodylen, olen, max, next;

	(void)state;
	for (i = 0; i < N(subjects); i++) {
		mailrule_subject(subjects[i], "Re: ", "#", NUM, full, sizeof(full));
		fulllen = strlen(full);
		assert_true(valid_utf8(full, fulllen));
		assert_true(strncmp(full, "Re: ", 4) == 0);
		body = full + 4;
		bodylen = fulllen - 4 - 1 - taglen;
		for (sz = 1; sz <= fulllen + 2; sz++) {
			memset(out, 'x', sizeof(out));
			mailrule_subject(subjects[i], "Re: ", "#", NUM, out, sz);
			len = strlen(out);
			assert_true(len < sz);
			assert_int_equal(out[sz], 'x');
			assert_true(valid_utf8(out, len));
			if (sz - 1 < taglen) {
				assert_int_equal(len, 0);
				continue;
			}
			if (sz > fulllen) {
				assert_string_equal(out, full);
				continue;
			}
			assert_true(len >= taglen);
			assert_string_equal(out + len - taglen, tag);
			o = out;
			olen = len - taglen;
			max = sz - 1 - taglen;
			if (sz - 1 >= 4 + taglen) {
				assert_true(strncmp(out, "Re: ", 4) == 0);
				o += 4;
				olen -= 4;
				max -= 4;
			}
			max = max > 0 ? max - 1 : 0; /* the space before the tag */
			if (olen > 0) {
				assert_int_equal(o[olen - 1], ' ');
				olen--;
				assert_true(olen > 0 && o[olen - 1] != ' ');
				assert_memory_equal(o, body, olen);
			}
			/* cut before a whole character, and only when the next one did not fit */
			assert_true(olen < bodylen);
			assert_true(((unsigned char)body[olen] & 0xC0) != 0x80);
			next = body[olen] == ' ' ? 1 + lead_len((unsigned char)body[olen + 1])
						 : lead_len((unsigned char)body[olen]);
			if (olen == 0 && body[olen] == ' ')
				next--;
			assert_true(olen + next > max);
		}
	}
}

/* Long subjects are cut to SUBJECT_MAX_LEN with the tag kept. */
static void test_subject_long(void **state)
{
	char in[2001], out[SUBJECT_MAX_LEN + 1 + 1];
	size_t i, len;

	(void)state;
	for (i = 0; i < 1000; i++)
		memcpy(in + 2 * i, "ž", 2);
	in[2000] = '\0';
	out[SUBJECT_MAX_LEN + 1] = 'x';
	mailrule_subject(in, "Re: ", "#", NUM, out, SUBJECT_MAX_LEN + 1);
	len = strlen(out);
	/* 300 bytes: "Re: " 4, the tag 14 and its space 1 leave 281, so 140 ž */
	assert_int_equal(len, 4 + 280 + 1 + 14);
	assert_true(valid_utf8(out, len));
	assert_string_equal(out + len - 15, " [#2026-000123]");
	assert_int_equal(out[SUBJECT_MAX_LEN + 1], 'x');
	assert_memory_equal(out + 4, in, 280);
}

/* Bytes that are not UTF-8 pass as they are, without reading past the end. */
static void test_subject_ill_formed(void **state)
{
	char out[64];

	(void)state;
	mailrule_subject("\xff\xfe abc", "", "#", NUM, out, sizeof(out));
	assert_string_equal(out, "\xff\xfe abc [#2026-000123]");
	mailrule_subject("ab\xc5", "", "#", NUM, out, sizeof(out));
	assert_string_equal(out, "ab\xc5 [#2026-000123]");
	mailrule_subject("ab\xe2\x82", "", "#", NUM, out, sizeof(out));
	assert_string_equal(out, "ab\xe2\x82 [#2026-000123]");
	mailrule_subject("\x80\x80x", "", "#", NUM, out, sizeof(out));
	assert_string_equal(out, "\x80\x80x [#2026-000123]");
	/* a lead byte followed by ASCII: the ASCII is not swallowed */
	mailrule_subject("\xc5x", "", "#", NUM, out, 17);
	assert_string_equal(out, "\xc5 [#2026-000123]");
}

/* ---- mailrule_thread ---- */

#define NOW INT64_C(1767225600) /* 2026-01-01T00:00:00Z */
#define DAY INT64_C(86400)

struct thread_case {
	const char *name;
	enum ticket_status status;
	int64_t closed_at;
	int64_t now;
	int reopen_days;
	enum thread_decision want; /* for references, and for a tag from a known sender */
};

static const struct thread_case thread_cases[] = {
	{ "new", STATUS_NEW, 0, NOW, 14, THREAD_APPEND },
	{ "open", STATUS_OPEN, 0, NOW, 14, THREAD_APPEND },
	{ "waiting", STATUS_WAITING, 0, NOW, 14, THREAD_APPEND },
	{ "open, days 0", STATUS_OPEN, 0, NOW, 0, THREAD_APPEND },
	{ "resolved", STATUS_RESOLVED, 0, NOW, 14, THREAD_REOPEN },
	{ "resolved, days 0", STATUS_RESOLVED, 0, NOW, 0, THREAD_REOPEN },
	{ "resolved long ago", STATUS_RESOLVED, NOW - 400 * DAY, NOW, 14, THREAD_REOPEN },
	{ "closed just now", STATUS_CLOSED, NOW, NOW, 14, THREAD_REOPEN },
	{ "closed 1 s ago", STATUS_CLOSED, NOW - 1, NOW, 14, THREAD_REOPEN },
	{ "closed 13 days", STATUS_CLOSED, NOW - 13 * DAY, NOW, 14, THREAD_REOPEN },
	{ "closed exactly 14 days", STATUS_CLOSED, NOW - 14 * DAY, NOW, 14, THREAD_REOPEN },
	{ "closed 14 days + 1 s", STATUS_CLOSED, NOW - 14 * DAY - 1, NOW, 14, THREAD_NEW_LINKED },
	{ "closed 400 days", STATUS_CLOSED, NOW - 400 * DAY, NOW, 14, THREAD_NEW_LINKED },
	{ "closed exactly 1 day", STATUS_CLOSED, NOW - DAY, NOW, 1, THREAD_REOPEN },
	{ "closed 1 day + 1 s", STATUS_CLOSED, NOW - DAY - 1, NOW, 1, THREAD_NEW_LINKED },
	{ "closed in the future", STATUS_CLOSED, NOW + 3600, NOW, 14, THREAD_REOPEN },
	{ "days 0", STATUS_CLOSED, NOW, NOW, 0, THREAD_NEW_LINKED },
	{ "days -1", STATUS_CLOSED, NOW, NOW, -1, THREAD_NEW_LINKED },
	{ "days INT_MIN", STATUS_CLOSED, NOW, NOW, INT_MIN, THREAD_NEW_LINKED },
	{ "closed_at 0", STATUS_CLOSED, 0, NOW, 14, THREAD_NEW_LINKED },
	{ "closed_at 0, days huge", STATUS_CLOSED, 0, NOW, INT_MAX, THREAD_REOPEN },
	{ "extreme span", STATUS_CLOSED, INT64_MIN, INT64_MAX, INT_MAX, THREAD_NEW_LINKED },
	{ "extreme future", STATUS_CLOSED, INT64_MAX, INT64_MIN, 14, THREAD_REOPEN },
	{ "bad status", (enum ticket_status)STATUS_COUNT, 0, NOW, 14, THREAD_NEW_LINKED },
	{ "bad status -1", (enum ticket_status)-1, 0, NOW, 14, THREAD_NEW_LINKED },
};

static const char *const decision_names[] = { "new", "append", "reopen", "new_linked" };

static void check_thread(const struct thread_case *c, enum thread_match match, int known,
			 enum thread_decision want)
{
	struct thread_facts f;
	enum thread_decision got;

	memset(&f, 0, sizeof(f));
	f.match = match;
	f.status = c->status;
	f.closed_at = c->closed_at;
	f.sender_known = known;
	f.now = c->now;
	f.reopen_days = c->reopen_days;
	got = mailrule_thread(&f);
	if (got != want)
		fail_msg("%s (match %d, known %d): got %s, want %s", c->name, (int)match, known,
			 decision_names[got], decision_names[want]);
}

static void test_thread(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < N(thread_cases); i++) {
		const struct thread_case *c = &thread_cases[i];

		/* nothing named a ticket: always a new one */
		check_thread(c, MATCH_NONE, 0, THREAD_NEW);
		check_thread(c, MATCH_NONE, 1, THREAD_NEW);
		/* references are trusted whoever sends them */
		check_thread(c, MATCH_REFERENCES, 0, c->want);
		check_thread(c, MATCH_REFERENCES, 1, c->want);
		/* a tag only from a known sender, else a new linked ticket */
		check_thread(c, MATCH_TAG, 1, c->want);
		check_thread(c, MATCH_TAG, 0, THREAD_NEW_LINKED);
		/* an unknown kind of match names no ticket */
		check_thread(c, (enum thread_match)7, 1, THREAD_NEW);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_no_autoreply),
		cmocka_unit_test(test_tag_find),
		cmocka_unit_test(test_subject),
		cmocka_unit_test(test_subject_outsz_zero),
		cmocka_unit_test(test_subject_every_size),
		cmocka_unit_test(test_subject_long),
		cmocka_unit_test(test_subject_ill_formed),
		cmocka_unit_test(test_thread),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
