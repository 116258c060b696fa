/*
 * mailrule: the decisions about mail that need no I/O: whether a message
 * may be answered automatically (RFC 3834), the ticket tag in subjects,
 * which ticket a reply belongs to, and when a reply reopens a closed ticket
 * or opens a new linked one.
 */
#ifndef EVID_CORE_MAILRULE_H
#define EVID_CORE_MAILRULE_H

#include <stddef.h>
#include <stdint.h>

#include "core/mail.h"
#include "core/model.h"

#define TAG_PREFIX_MAX_LEN 16

/*
 * Whether no automatic answer may go to the sender of m: Auto-Submitted
 * other than "no", Precedence bulk/junk/list, a List-Id, an empty
 * Return-Path, a MAILER-DAEMON or postmaster sender (any case), no sender at
 * all, a DSN, or one of our own addresses (ours: a comma-separated list,
 * lowercase).  Returns 1 with *why a static reason, else 0.
 */
int mailrule_no_autoreply(const struct mail_msg *m, const char *ours, const char **why);

/*
 * Find the ticket tag "[PREFIXYYYY-NNNNNN]" in subject (prefix e.g. "#",
 * so "[#2026-000123]").  Returns 1 and the number in out, else 0.
 */
int mailrule_tag_find(const char *subject, const char *prefix, char out[TICKET_NUMBER_LEN + 1]);

/*
 * The subject of an outgoing message: subject without any of our tags and
 * without leading "Re:"/"Fwd:"/"Odg:"/"Fw:"/"Prosl:" chains, with re (e.g.
 * "Re: ", or "") in front and " [PREFIXNUMBER]" at the end.  Cut to fit
 * outsz on a UTF-8 boundary.
 */
void mailrule_subject(const char *subject, const char *re, const char *prefix, const char *number,
		      char *out, size_t outsz);

/* How a ticket was found for an incoming message. */
enum thread_match {
	MATCH_NONE,       /* neither references nor tag named a ticket */
	MATCH_REFERENCES, /* In-Reply-To or References named one of its messages */
	MATCH_TAG,        /* only the subject tag named it */
};

struct thread_facts {
	enum thread_match match;
	enum ticket_status status; /* of the matched ticket */
	int64_t closed_at;         /* of the matched ticket, 0 if open */
	int sender_known;          /* the sender is the ticket's contact, a contact of its client,
				      a staff user or an address that was on the ticket's mail */
	int64_t now;
	int reopen_days;           /* a closed ticket reopens within this many days */
};

enum thread_decision {
	THREAD_NEW,        /* open a new ticket */
	THREAD_APPEND,     /* add the message to the matched ticket */
	THREAD_REOPEN,     /* add it and reopen the (resolved or closed) ticket */
	THREAD_NEW_LINKED, /* open a new ticket that links to the matched one */
};

/*
 * Decide where a message goes.  A tag alone is trusted only from a known
 * sender (else NEW_LINKED, so nobody writes into another client's ticket by
 * guessing a number).  A resolved ticket reopens; a closed one reopens
 * within reopen_days of closing, later NEW_LINKED.
 */
enum thread_decision mailrule_thread(const struct thread_facts *f);

#endif
