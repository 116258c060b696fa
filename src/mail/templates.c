/*
 * templates: the texts of outgoing mail, one table per language.  A text
 * names values as {name} (see struct tmpl_vars); tmpl_body fills them in.
 * Translators: change only the words, keep every {name} and the "-- "
 * (dash dash space) line before a signature.
 */
#include <stddef.h>
#include <string.h>

#include "mail/templates.h"

struct tmpl_texts {
	const char *subject[OUTBOX_REPLY + 1]; /* prefix before the ticket's subject */
	const char *body[OUTBOX_REPLY + 1];
	const char *no_client; /* {client} of a ticket in triage */
};

/* ---- hrvatski ---- */
static const struct tmpl_texts texts_hr = {
    .subject =
	{
	    [OUTBOX_ACK] = "Re: ",
	    [OUTBOX_NOTIFY_NEW] = "Novi zahtjev: ",
	    [OUTBOX_NOTIFY_REPLY] = "Klijent je odgovorio: ",
	    [OUTBOX_REPLY] = "Re: ",
	},
    .body =
	{
	    [OUTBOX_ACK] = "Poštovani,\n"
			   "\n"
			   "zaprimili smo Vašu poruku i otvorili zahtjev broj {number}:\n"
			   "\n"
			   "    {subject}\n"
			   "\n"
			   "Javit ćemo Vam se što prije. Ako želite nešto dodati, odgovorite na\n"
			   "ovu poruku i ostavite oznaku [{tag}] u predmetu.\n"
			   "\n"
			   "Ovo je automatska poruka.\n"
			   "\n"
			   "-- \n"
			   "{company}\n",
	    [OUTBOX_NOTIFY_NEW] = "E-poštom je stigao novi zahtjev {number}.\n"
				  "\n"
				  "Klijent:     {client}\n"
				  "Pošiljatelj: {sender}\n"
				  "Predmet:     {subject}\n"
				  "\n"
				  "{excerpt}\n"
				  "\n"
				  "Zahtjev: {link}\n",
	    [OUTBOX_NOTIFY_REPLY] = "Klijent je odgovorio na zahtjev {number}.\n"
				    "\n"
				    "Klijent:     {client}\n"
				    "Pošiljatelj: {sender}\n"
				    "Predmet:     {subject}\n"
				    "\n"
				    "{excerpt}\n"
				    "\n"
				    "Zahtjev: {link}\n",
	    [OUTBOX_REPLY] = "{body}\n"
			     "\n"
			     "-- \n"
			     "{author}\n"
			     "{company}\n",
	},
    .no_client = "nepoznat (zahtjev čeka razvrstavanje)",
};

/* ---- English ---- */
static const struct tmpl_texts texts_en = {
    .subject =
	{
	    [OUTBOX_ACK] = "Re: ",
	    [OUTBOX_NOTIFY_NEW] = "New ticket: ",
	    [OUTBOX_NOTIFY_REPLY] = "Client replied: ",
	    [OUTBOX_REPLY] = "Re: ",
	},
    .body =
	{
	    [OUTBOX_ACK] = "Hello,\n"
			   "\n"
			   "we have received your message and opened ticket {number}:\n"
			   "\n"
			   "    {subject}\n"
			   "\n"
			   "We will get back to you as soon as we can. To add anything, reply to\n"
			   "this message and keep [{tag}] in the subject.\n"
			   "\n"
			   "This is an automatic message.\n"
			   "\n"
			   "-- \n"
			   "{company}\n",
	    [OUTBOX_NOTIFY_NEW] = "A new ticket {number} came in by email.\n"
				  "\n"
				  "Client:  {client}\n"
				  "From:    {sender}\n"
				  "Subject: {subject}\n"
				  "\n"
				  "{excerpt}\n"
				  "\n"
				  "Ticket: {link}\n",
	    [OUTBOX_NOTIFY_REPLY] = "The client replied on ticket {number}.\n"
				    "\n"
				    "Client:  {client}\n"
				    "From:    {sender}\n"
				    "Subject: {subject}\n"
				    "\n"
				    "{excerpt}\n"
				    "\n"
				    "Ticket: {link}\n",
	    [OUTBOX_REPLY] = "{body}\n"
			     "\n"
			     "-- \n"
			     "{author}\n"
			     "{company}\n",
	},
    .no_client = "unknown (the ticket waits in triage)",
};

static const struct tmpl_texts *texts_of(enum tmpl_lang lang)
{
	return lang == TMPL_EN ? &texts_en : &texts_hr;
}

enum tmpl_lang tmpl_lang_of(const char *code)
{
	return code && strcmp(code, "en") == 0 ? TMPL_EN : TMPL_HR;
}

const char *tmpl_subject_prefix(enum outbox_kind kind, enum tmpl_lang lang)
{
	if ((unsigned)kind > OUTBOX_REPLY)
		return "";
	return texts_of(lang)->subject[kind];
}

/* The value a template names (name, n bytes), or NULL for an unknown name. */
static const char *var_value(const struct tmpl_vars *v, const struct tmpl_texts *tx,
			     const char *name, size_t n)
{
	static const struct {
		const char *name;
		size_t off;
	} vars[] = {
	    {"number", offsetof(struct tmpl_vars, number)},
	    {"tag", offsetof(struct tmpl_vars, tag)},
	    {"subject", offsetof(struct tmpl_vars, subject)},
	    {"client", offsetof(struct tmpl_vars, client)},
	    {"sender", offsetof(struct tmpl_vars, sender)},
	    {"excerpt", offsetof(struct tmpl_vars, excerpt)},
	    {"link", offsetof(struct tmpl_vars, link)},
	    {"company", offsetof(struct tmpl_vars, company)},
	    {"author", offsetof(struct tmpl_vars, author)},
	    {"body", offsetof(struct tmpl_vars, body)},
	};
	size_t i;

	for (i = 0; i < sizeof(vars) / sizeof(vars[0]); i++) {
		const char *s;

		if (strlen(vars[i].name) != n || memcmp(vars[i].name, name, n) != 0)
			continue;
		s = *(const char *const *)((const char *)v + vars[i].off);
		if (vars[i].off == offsetof(struct tmpl_vars, client) && (!s || !*s))
			return tx->no_client;
		return s ? s : "";
	}
	return NULL;
}

int tmpl_body(enum outbox_kind kind, enum tmpl_lang lang, const struct tmpl_vars *v,
	      struct buf *out)
{
	const struct tmpl_texts *tx = texts_of(lang);
	const char *p, *open, *close, *val;

	if ((unsigned)kind > OUTBOX_REPLY)
		return -1;
	p = tx->body[kind];
	while (*p) {
		open = strchr(p, '{');
		if (!open)
			return buf_puts(out, p);
		close = strchr(open, '}');
		if (!close)
			return -1;
		val = var_value(v, tx, open + 1, (size_t)(close - open - 1));
		if (!val)
			return -1;
		if (buf_add(out, p, (size_t)(open - p)) < 0 || buf_puts(out, val) < 0)
			return -1;
		p = close + 1;
	}
	return 0;
}
