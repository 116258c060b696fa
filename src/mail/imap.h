/*
 * imap: importing the configured mailbox by UID (RFC 3501 IMAP4rev1, RFC
 * 4315 UID EXPUNGE, RFC 6851 MOVE; RFC 2595 STARTTLS, RFC 8314 implicit
 * TLS; SASL PLAIN / LOGIN, XOAUTH2 and RFC 7628 OAUTHBEARER).  libcurl makes
 * the connection, the TLS and the login; the commands after it are spoken
 * here over that connection, so that message literals are read by their
 * byte counts and many messages come in one FETCH.
 */
#ifndef EVID_MAIL_IMAP_H
#define EVID_MAIL_IMAP_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "store/store.h"
#include "util/config.h"

/* What one poll did (imap_fetch zeroes it first). */
struct fetch_stats {
	char mailbox[1001];  /* the key of the position in the store: "user@host:port/MAILBOX" */
	int64_t uidvalidity; /* the mailbox's UIDVALIDITY */
	int64_t last_uid;    /* the position after the run: every UID up to it is done */
	int reset;	     /* UIDVALIDITY differed from the stored one: started over at UID 1 */
	int found;	     /* messages above the old position */
	int imported;	     /* committed by mail_intake (whatever the outcome below) */
	int new_tickets;     /* MAIL_NEW and MAIL_NEW_LINKED */
	int replies;	     /* MAIL_APPENDED and MAIL_REOPENED */
	int duplicates;	     /* MAIL_DUPLICATE: imported before (e.g. after a crash) */
	int bounces;	     /* MAIL_BOUNCE */
	int own;	     /* MAIL_OWN: our own messages coming back */
	int quarantined;     /* unreadable or over [mail] max_message_mb: kept raw */
	int too_big;	     /* over the fetch limit: its start kept in the quarantine, the
				message left in the mailbox unflagged */
	int gone;	     /* expunged by someone else before it could be fetched */
	int flagged;	     /* \Seen set (after_import = seen) */
	int moved;	     /* moved to move_to (after_import = move) */
	int flag_failed;     /* imported, but the server refused the flag or the move */
	int64_t bytes;	     /* message bytes read */
	int64_t ms;	     /* wall time of the run */
	int stopped;	     /* stopped early because *stop was set */
	char error[512];     /* why the run failed, one line, never a password or token */
};

/* How a run ended. */
enum imap_rc {
	IMAP_OK = 0,	     /* everything found was handled */
	IMAP_TRANSIENT = -1, /* try again later: server away, timeout, database busy or full */
	IMAP_CONFIG = -2,    /* fix the configuration: login refused, no such mailbox, bad url,
				certificate not trusted */
	IMAP_ERROR = -3,     /* anything else (a store error, the server broke the protocol) */
};


/*
 * Poll conf's [imap] mailbox once: read the position (UIDVALIDITY, last
 * UID) stored for it, open the mailbox, start over at UID 1 when its
 * UIDVALIDITY changed, fetch every message above the position in
 * ascending UID order, in batches over one connection, and hand each to
 * mail_intake (MAIL_SOURCE_IMAP).  Only after a message is committed is it
 * flagged \Seen or moved (after_import); then the position advances.  A
 * message the database cannot take now (BUSY, FULL) ends the run there: it
 * stays unflagged and is fetched again next time.  Messages are selected
 * by UID, not by flags: one read in a mail client is imported too.
 * Messages larger than IMAP_FETCH_MAX(conf) are not read whole: their
 * first IMAP_TOO_BIG_KEEP bytes go to the quarantine with the reason and
 * the message stays in the mailbox, unflagged.
 *
 * stop (may be NULL): when it becomes non-zero, the run ends after the
 * message in hand (flagged and recorded), with stats->stopped set.
 * Returns IMAP_OK or a negative enum imap_rc with a one-line reason in
 * stats->error.  *stats is filled in either case with what was done before
 * the end.  No log lines except mail_intake's, one per
 * message.
 */
int imap_fetch_until(struct store *st, const struct config *conf, atomic_int *stop,
		     struct fetch_stats *stats);

/* imap_fetch_until without a stop flag. */
int imap_fetch(struct store *st, const struct config *conf, struct fetch_stats *stats);

/* The largest message read whole: 4 x [mail] max_message_mb, at least 16 MB, at most 1 GB. */
size_t imap_fetch_max(const struct config *conf);
#define IMAP_TOO_BIG_KEEP (256 * 1024)

/* ---- the background poller of `evid serve` ---- */

struct imap_worker;

/*
 * When conf's [imap] url is set, start a thread (util/job.h) that polls
 * every [imap] interval_seconds, the first time at once, with its own
 * connection to conf->db_path; one log line per poll that found something
 * and per failure.  conf must outlive it.  Block SIGINT and SIGTERM before
 * calling.  *out is NULL when no url is set.  Returns 0, or -1 with a
 * message in err.
 */
int imap_worker_start(const struct config *conf, struct imap_worker **out, char *err, size_t errsz);

/* Stop the worker after the message in hand, wait for it, free it. NULL is fine. */
void imap_worker_stop(struct imap_worker *w);

#endif
