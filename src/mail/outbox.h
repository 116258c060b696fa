/*
 * outbox: sending what the store's durable outbox holds.  Each due message
 * is rendered once (compose.c; the bytes are stored, so a retry sends the
 * same message), handed to the mail server (smtp.c) and its attempt
 * recorded: sent, retried later with a growing back-off, or failed for good
 * on a 5xx or after [smtp] give_up_hours.  Delivery is at least once: a
 * crash between the server's "250" and the record of it sends the message
 * again (same bytes, same Message-ID) on the next run; nothing is ever lost.
 * `evid serve` runs it in a background thread (outbox_worker_*), `evid
 * outbox flush` once in the foreground.
 */
#ifndef EVID_MAIL_OUTBOX_H
#define EVID_MAIL_OUTBOX_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "store/store.h"
#include "store/store_mail.h"
#include "util/config.h"

#define OUTBOX_RETRY_MAX 3600 /* seconds: the longest wait between two attempts */
#define OUTBOX_POLL_SECONDS 5 /* how often the serve thread looks for due messages */

/* Names as the API and the CLI spell them ("ack", "notify_new"...; "queued"...). */
const char *outbox_kind_name(enum outbox_kind k);
const char *outbox_status_name(enum outbox_status s);
/* 0 and *out for "queued", "sent", "failed"; -1 for anything else. */
int outbox_status_parse(const char *s, enum outbox_status *out);

/* What one run did. */
struct outbox_stats {
	int sent;	  /* taken by the mail server */
	int retry;	  /* failed for now; queued again with a later next_attempt_at */
	int failed;	  /* failed for good: a 5xx, give_up_hours passed, or unrenderable */
	int unconfigured; /* 1 when [smtp] url or [mail] address is empty: nothing was tried */
};

/*
 * The wait before the next attempt of message id after its attempts-th
 * failed attempt (1 for the first): [smtp] retry_seconds doubled per
 * earlier failure, at most OUTBOX_RETRY_MAX, plus up to a quarter more
 * (derived from id and attempts, so retries of many messages spread out).
 */
int64_t outbox_backoff(const struct config *conf, int64_t id, int attempts);

/*
 * Send every queued message due at now, oldest first, recording each
 * attempt at now, with one log line per message (id, ticket number, kind,
 * result; never a body or a password).  With [smtp] url or [mail] address
 * empty nothing is tried (stats->unconfigured) and the messages wait.
 * *stats (zeroed first) counts what happened.  Returns STORE_OK, or the
 * store's error (BUSY, FULL, ERROR: try again later) that stopped the run;
 * what was done before it stays done.
 */
int outbox_run(struct store *st, const struct config *conf, int64_t now,
	       struct outbox_stats *stats);

/*
 * As outbox_run, but stops before the next message once *stop is set
 * (from another thread); the message in flight is finished and recorded.
 */
int outbox_run_until(struct store *st, const struct config *conf, int64_t now, atomic_int *stop,
		     struct outbox_stats *stats);

/* ---- the background sender of `evid serve` ---- */

struct outbox_worker;

/*
 * Start a background job (util/job.h) that runs the outbox at once, then
 * every OUTBOX_POLL_SECONDS (every [smtp] retry_seconds when that is
 * shorter) and as soon as outbox_wake() is called, with its own connection
 * to conf->db_path; one log line per run that sent or tried anything.
 * conf must outlive it.  Block SIGINT and SIGTERM before calling, so that
 * the thread never takes them.  Returns the worker, or NULL with a message
 * in err.
 */
struct outbox_worker *outbox_worker_start(const struct config *conf, char *err, size_t errsz);

/* Ask the worker to stop, wait for the message in flight to finish, and free it. NULL is fine. */
void outbox_worker_stop(struct outbox_worker *w);

/* Make the worker run now (a reply was queued).  Cheap; fine without a worker. */
void outbox_wake(void);

/* ---- a ticket's mail with its delivery state ---- */

/*
 * The mail of ticket_id (store_mail_messages) into *mail and, for each
 * outgoing message, its outbox message into *outbox (in the order of the
 * outgoing ones).  Both are the caller's to free, also on failure.
 * Returns STORE_OK or the store's error.
 */
int outbox_ticket_mail(struct store *st, int64_t ticket_id, struct mail_record_list *mail,
		       struct outbox_list *outbox);

#endif
