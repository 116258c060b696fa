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

/*
 * The policy store_mail_import needs, derived from conf at now: ours is
 * [mail] address and aliases, lowercase, comma-separated, written into ours
 * (ourssz bytes; an address that does not fit whole is left out, so give it
 * sizeof(conf->mail_address) + sizeof(conf->mail_aliases)); the Message-ID
 * domain is the address's domain, else "evid.invalid", written into domain.
 * pol borrows ours, domain and conf.
 */
void mail_policy_from_config(const struct config *conf, int64_t now, struct mail_policy *pol,
			     char *ours, size_t ourssz, char *domain, size_t domainsz);

/*
 * Re-process quarantined message id (after the limits were raised or the
 * parser learnt better): its raw bytes go through mail_intake with
 * MAIL_SOURCE_REPROCESS.  Imported: the item is marked imported into the
 * outcome's ticket (store_quarantine_done) and out->quarantined is 0.  Still
 * unreadable: it stays held (the same item: the quarantine is idempotent by
 * content), out->quarantined is 1 and out->why says why.  Returns STORE_OK,
 * NOT_FOUND for an unknown id, BUSY / FULL / ERROR as mail_intake.  Should
 * the marking fail after the import, a later re-process finds the message a
 * duplicate and marks it then.
 */
int mail_quarantine_reprocess(struct store *st, const struct config *conf, int64_t id,
			      int64_t now, struct intake_result *out);

/* The names of results and sources as the JSON and the log spell them ("new", "pipe"). */
const char *mail_result_name(enum mail_result r);
const char *mail_source_name(enum mail_source src);

#endif
