/*
 * intake: the one path of every incoming message (see intake.h): the size
 * check, mime_parse (RFC 5322 / MIME), the SHA-256 of the message and its
 * files, store_mail_import, and the quarantine for what cannot be read.
 * It logs one line per message: the sender's domain, never the address or
 * the body (docs/mail.md, "Receiving mail").
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/mail.h"
#include "core/utf8.h"
#include "core/validate.h"
#include "mail/intake.h"
#include "mail/mime.h"
#include "util/clock.h"
#include "util/crypto.h"
#include "util/log.h"
#include "util/xalloc.h"

#define MB ((size_t)1 << 20)
/* Right-hand side of our Message-IDs when no support address is set. */
#define MSGID_DOMAIN_NONE "evid.invalid"
/* The longest right-hand side the store takes for our Message-IDs. */
#define MSGID_DOMAIN_MAX_LEN 190

const char *mail_source_name(enum mail_source src)
{
	switch (src) {
	case MAIL_SOURCE_PIPE:
		return "pipe";
	case MAIL_SOURCE_IMAP:
		return "imap";
	case MAIL_SOURCE_REPROCESS:
		return "reprocess";
	}
	return "unknown";
}

const char *mail_result_name(enum mail_result r)
{
	switch (r) {
	case MAIL_NEW:
		return "new";
	case MAIL_APPENDED:
		return "appended";
	case MAIL_REOPENED:
		return "reopened";
	case MAIL_NEW_LINKED:
		return "new_linked";
	case MAIL_DUPLICATE:
		return "duplicate";
	case MAIL_BOUNCE:
		return "bounce";
	case MAIL_OWN:
		return "own";
	}
	return "unknown";
}

/*
 * Append addr (trimmed, lowercased) to the comma-separated list out of
 * outsz bytes, unless it is empty, already there or does not fit whole.
 */
static void ours_add(char *out, size_t outsz, const char *addr, size_t n)
{
	char one[EMAIL_MAX_LEN + 1];
	size_t len = strlen(out), i;
	const char *p;

	while (n > 0 && (*addr == ' ' || *addr == '\t')) {
		addr++;
		n--;
	}
	while (n > 0 && (addr[n - 1] == ' ' || addr[n - 1] == '\t'))
		n--;
	if (n == 0 || n >= sizeof(one))
		return;
	memcpy(one, addr, n);
	one[n] = '\0';
	ascii_lower(one);
	/* Already listed? */
	for (p = out; *p; p += strcspn(p, ",") + (p[strcspn(p, ",")] == ',')) {
		i = strcspn(p, ",");
		if (i == n && !memcmp(p, one, n))
			return;
	}
	if (len + (len ? 1 : 0) + n + 1 > outsz)
		return;
	if (len)
		out[len++] = ',';
	memcpy(out + len, one, n + 1);
}

/*
 * Whether d can stand right of the '@' of our Message-IDs (the store's own
 * rule): letters, digits, dots and dashes, short enough for every id.
 */
static int msgid_domain_ok(const char *d)
{
	size_t n = strspn(d, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-");

	return n > 0 && d[n] == '\0' && n <= MSGID_DOMAIN_MAX_LEN;
}

void mail_policy_from_config(const struct config *conf, int64_t now, struct mail_policy *pol,
			     char *ours, size_t ourssz, char *domain, size_t domainsz)
{
	const char *p = conf->mail_aliases, *at;
	size_t n;

	memset(pol, 0, sizeof(*pol));
	if (ourssz)
		ours[0] = '\0';
	ours_add(ours, ourssz, conf->mail_address, strlen(conf->mail_address));
	while (*p) {
		n = strcspn(p, ",");
		ours_add(ours, ourssz, p, n);
		p += n + (p[n] == ',');
	}
	at = strrchr(conf->mail_address, '@');
	if (!at || xstrlcpy(domain, at + 1, domainsz) < 0 || !msgid_domain_ok(domain))
		(void)xstrlcpy(domain, MSGID_DOMAIN_NONE, domainsz);
	ascii_lower(domain);
	pol->tag_prefix = conf->mail_tag_prefix;
	pol->reopen_days = conf->mail_reopen_days;
	pol->ours = ours;
	pol->msgid_domain = domain;
	pol->autoreply_per_hour = conf->mail_autoreply_per_hour;
	pol->year = clock_local_year(now);
}

/* s with control characters and double quotes shown as spaces, for a log field. */
static void log_clean(char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f || *s == '"')
			*s = ' ';
}

/* The domain of addr into out for the log ("-" when there is none). */
static const char *sender_domain(const char *addr, char *out, size_t outsz)
{
	const char *at = addr ? strrchr(addr, '@') : NULL;

	(void)xstrlcpy(out, at && at[1] ? at + 1 : "-", outsz);
	log_clean(out);
	return out;
}

/*
 * Keep raw in the quarantine with why; fills out.  Returns the store's rc
 * (STORE_OK once it is durably kept).
 */
static int quarantine(struct store *st, const char *raw, size_t n, const char *hash,
		      const char *why, enum mail_source src, int64_t now, struct intake_result *out)
{
	char line[sizeof(out->why)];
	int rc;

	/* One clean line, cut at a character boundary: it is shown to admins. */
	utf8_line_copy(out->why, sizeof(out->why), why, strlen(why));
	rc = store_quarantine_add(st, raw, n, hash, out->why, src, now, &out->quarantine_id);
	if (rc != STORE_OK)
		return rc;
	out->quarantined = 1;
	(void)xstrlcpy(line, out->why, sizeof(line));
	log_clean(line);
	log_info("mail source=%s result=quarantined quarantine=%" PRId64 " bytes=%zu "
		 "reason=\"%s\"",
		 mail_source_name(src), out->quarantine_id, n, line);
	return STORE_OK;
}

/* The line for a message the store refused to take now, or could not take at all. */
static void log_failure(struct store *st, enum mail_source src, size_t n, int rc)
{
	char why[sizeof(((struct intake_result *)0)->why)];

	(void)xstrlcpy(why, store_errmsg(st), sizeof(why));
	log_clean(why);
	log_warn("mail source=%s result=%s bytes=%zu reason=\"%s\"", mail_source_name(src),
		 rc == STORE_BUSY   ? "busy"
		 : rc == STORE_FULL ? "full"
				    : "error",
		 n, why);
}

int mail_intake(struct store *st, const struct config *conf, const char *raw, size_t n,
		enum mail_source src, int64_t now, struct intake_result *out)
{
	char hash[CRYPTO_SHA256_HEX], err[128], why[sizeof(out->why) + 128];
	char ours[sizeof(conf->mail_address) + sizeof(conf->mail_aliases) + 1];
	char domain[sizeof(conf->mail_address)], from_domain[EMAIL_MAX_LEN + 1];
	struct mime_limits lim;
	struct mail_policy pol;
	struct mail_msg m;
	size_t i, max_message = (size_t)conf->mail_max_message_mb * MB;
	int rc;

	memset(out, 0, sizeof(*out));
	memset(&m, 0, sizeof(m));
	if (!raw)
		raw = "";
	crypto_sha256_hex(raw, n, hash);
	if (n > max_message) {
		snprintf(why, sizeof(why), "message is larger than %d MB",
			 conf->mail_max_message_mb);
		rc = quarantine(st, raw, n, hash, why, src, now, out);
		goto out;
	}
	lim.max_file = (size_t)conf->mail_max_file_mb * MB;
	/* The files of a message cannot add up to more than the message. */
	lim.max_files = max_message;
	lim.max_count = (size_t)conf->mail_max_files;
	if (mime_parse(raw, n, &lim, &m, err, sizeof(err)) < 0) {
		snprintf(why, sizeof(why), "cannot read the message: %s",
			 err[0] ? err : "unknown reason");
		rc = quarantine(st, raw, n, hash, why, src, now, out);
		goto out;
	}
	for (i = 0; i < m.files.n; i++)
		crypto_sha256_hex(m.files.items[i].data, m.files.items[i].size,
				  m.files.items[i].sha256);
	mail_policy_from_config(conf, now, &pol, ours, sizeof(ours), domain, sizeof(domain));
	rc = store_mail_import(st, &m, raw, n, hash, src, &pol, now, &out->outcome);
	if (rc == STORE_INVALID) {
		/* Something in it the store will not take: keep it whole for a person. */
		snprintf(why, sizeof(why), "cannot import the message: %.255s", store_errmsg(st));
		memset(&out->outcome, 0, sizeof(out->outcome));
		rc = quarantine(st, raw, n, hash, why, src, now, out);
		goto out;
	}
	if (rc != STORE_OK)
		goto out;
	log_info("mail source=%s result=%s ticket=%s bytes=%zu files=%zu dropped=%d queued=%d "
		 "from_domain=%s",
		 mail_source_name(src), mail_result_name(out->outcome.result),
		 out->outcome.number[0] ? out->outcome.number : "-", n, m.files.n, m.files_dropped,
		 out->outcome.queued, sender_domain(m.from.addr, from_domain, sizeof(from_domain)));
out:
	if (rc != STORE_OK)
		log_failure(st, src, n, rc);
	mail_msg_free(&m);
	return rc == STORE_BUSY || rc == STORE_FULL || rc == STORE_OK ? rc : STORE_ERROR;
}

int mail_quarantine_reprocess(struct store *st, const struct config *conf, int64_t id, int64_t now,
			      struct intake_result *out)
{
	struct quarantine_item q;
	char *raw = NULL;
	size_t n = 0;
	int rc;

	memset(out, 0, sizeof(*out));
	if ((rc = store_quarantine_get(st, id, &q, &raw, &n)) != STORE_OK)
		return rc;
	rc = mail_intake(st, conf, raw, n, MAIL_SOURCE_REPROCESS, now, out);
	if (rc != STORE_OK || out->quarantined)
		goto out;
	rc = store_quarantine_done(st, id, out->outcome.ticket_id, now);
out:
	free(raw);
	return rc;
}
