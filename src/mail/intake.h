/*
 * intake: one raw message in, durably stored: parsed (mime.c), its files
 * hashed, imported into a ticket (store_mail_import) or, when it cannot be
 * read or is too big, kept raw in the quarantine.  The one path every
 * incoming message takes, whether it came from the mail server's pipe
 * (`evid mail-in`), an IMAP mailbox (`evid fetch`) or an admin's
 * re-processing of a quarantined message.
 */
#ifndef EVID_MAIL_INTAKE_H
#define EVID_MAIL_INTAKE_H

#include <stddef.h>
#include <stdint.h>

#include "store/store.h"
#include "store/store_mail.h"
#include "util/config.h"

struct intake_result {
	int quarantined;          /* kept raw in the quarantine (reason in why) */
	int64_t quarantine_id;
	struct mail_outcome outcome; /* when not quarantined */
	char why[256];            /* why it was quarantined, for the log */
};

/*
 * Take raw (n bytes) from src.  Returns STORE_OK once the message is
 * durably committed, either imported or quarantined (a message that cannot
 * be parsed or exceeds [mail] max_message_mb is quarantined, never
 * refused).  Returns STORE_BUSY or STORE_FULL when the database cannot take
 * it now (the caller must make the sender retry: exit 75 for a pipe, leave
 * the IMAP message unflagged), STORE_ERROR on any other failure, with
 * store_errmsg(st) saying why.  One log line per message, without bodies.
 */
int mail_intake(struct store *st, const struct config *conf, const char *raw, size_t n,
		enum mail_source src, int64_t now, struct intake_result *out);

/* The policy store_mail_import needs, derived from conf at now. */
void mail_policy_from_config(const struct config *conf, int64_t now, struct mail_policy *pol,
			     char *ours, size_t ourssz, char *domain, size_t domainsz);

#endif
