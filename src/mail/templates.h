/*
 * templates: the words of the messages evid sends (the acknowledgement of a
 * new ticket, the notifications to technicians, a technician's reply) in
 * Croatian and English, one table per language in templates.c so that a
 * translator finds every text in one place.  Plain text only: the values
 * put into a template become body text and never reach a header.
 */
#ifndef EVID_MAIL_TEMPLATES_H
#define EVID_MAIL_TEMPLATES_H

#include "store/store_mail.h"
#include "util/buf.h"

enum tmpl_lang { TMPL_HR, TMPL_EN };

/* "en" is English; anything else ("hr", "", NULL) is Croatian, the default. */
enum tmpl_lang tmpl_lang_of(const char *code);

/*
 * What a template may name, as {number}, {tag}, ... in its text.  NULL
 * reads as "".  Every value is UTF-8 text owned by the caller.
 */
struct tmpl_vars {
	const char *number;  /* "2026-000123" */
	const char *tag;     /* "#2026-000123", as the subject carries it in brackets */
	const char *subject; /* the ticket's subject */
	const char *client;  /* the client's name, "" in triage (the template says so) */
	const char *sender;  /* "Ivan Horvat <ivan@firma.hr>" */
	const char *excerpt; /* the first part of the client's message */
	const char *link;    /* where staff open the ticket */
	const char *company; /* [company] name, else [mail] from_name */
	const char *author;  /* the technician who wrote a reply */
	const char *body;    /* the reply's text */
};

/* What goes before the ticket's subject ("Re: ", "Novi zahtjev: "); static. */
const char *tmpl_subject_prefix(enum outbox_kind kind, enum tmpl_lang lang);

/*
 * Append the body of a message of kind in lang with v filled in to out.
 * Returns 0, or -1 when out's cap is reached (out is then left as it was
 * before the failing piece) or a template names an unknown value (a bug
 * the unit tests catch).
 */
int tmpl_body(enum outbox_kind kind, enum tmpl_lang lang, const struct tmpl_vars *v,
	      struct buf *out);

#endif
