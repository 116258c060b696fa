/*
 * outbox: the sender of the durable outbox (see outbox.h): render once,
 * send over SMTP (RFC 5321), record the attempt, back off while the server
 * is away, give up on a 5xx or after [smtp] give_up_hours; and the thread
 * that does it inside `evid serve`.
 */
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mail/compose.h"
#include "mail/outbox.h"
#include "mail/smtp.h"
#include "util/clock.h"
#include "util/job.h"
#include "util/log.h"
#include "util/xalloc.h"

#define BATCH 16 /* due messages read at a time */

static const char *const kind_names[] = {"ack", "notify_new", "notify_reply", "reply"};
static const char *const status_names[] = {"queued", "sent", "failed"};

const char *outbox_kind_name(enum outbox_kind k)
{
	return (unsigned)k <= OUTBOX_REPLY ? kind_names[k] : "unknown";
}

const char *outbox_status_name(enum outbox_status s)
{
	return (unsigned)s <= OUTBOX_FAILED ? status_names[s] : "unknown";
}

int outbox_status_parse(const char *s, enum outbox_status *out)
{
	int i;

	for (i = 0; i <= OUTBOX_FAILED; i++) {
		if (s && strcmp(s, status_names[i]) == 0) {
			*out = (enum outbox_status)i;
			return 0;
		}
	}
	return -1;
}

int64_t outbox_backoff(const struct config *conf, int64_t id, int attempts)
{
	int64_t d = conf->smtp_retry_seconds > 0 ? conf->smtp_retry_seconds : 60;
	uint64_t h;
	int i;

	for (i = 1; i < attempts && d < OUTBOX_RETRY_MAX; i++)
		d *= 2;
	if (d > OUTBOX_RETRY_MAX)
		d = OUTBOX_RETRY_MAX;
	/* splitmix64 of (id, attempts): a jitter that differs between messages */
	h = (uint64_t)id * 0x9e3779b97f4a7c15u + (uint64_t)attempts;
	h = (h ^ (h >> 30)) * 0xbf58476d1ce4e5b9u;
	h = (h ^ (h >> 27)) * 0x94d049bb133111ebu;
	h ^= h >> 31;
	return d + (int64_t)(h % (uint64_t)(d / 4 + 1));
}

/* ---- one message ---- */

static void log_result(const struct outbox_item *it, const char *number, const char *result,
		       int attempts, const char *detail)
{
	if (detail && detail[0])
		log_warn("outbox id=%" PRId64 " ticket=%s kind=%s result=%s attempts=%d "
			 "error=\"%s\"",
			 it->id, number, outbox_kind_name(it->kind), result, attempts, detail);
	else
		log_info("outbox id=%" PRId64 " ticket=%s kind=%s result=%s attempts=%d", it->id,
			 number, outbox_kind_name(it->kind), result, attempts);
}

/*
 * Record what the attempt came to.  CONFLICT (someone else, e.g. a
 * concurrent `evid outbox flush`, recorded it first) is not an error.
 */
static int record(struct store *st, const struct outbox_item *it, int ok, const char *error,
		  int permanent, int64_t next, int64_t now)
{
	int rc = store_outbox_attempt(st, it->id, ok, error, permanent, next, now);

	if (rc == STORE_CONFLICT) {
		log_warn("outbox id=%" PRId64 " was recorded by another sender: %s", it->id,
			 store_errmsg(st));
		return STORE_OK;
	}
	if (rc != STORE_OK)
		log_error("outbox id=%" PRId64 " cannot record the attempt: %s", it->id,
			  store_errmsg(st));
	return rc;
}

/*
 * A recipient the server refused while it took the message for the others:
 * noted on the ticket, since the message itself counts as sent.
 */
static void note_refused(struct store *st, const struct outbox_item *it, const char *who,
			 int64_t now)
{
	struct event e;

	memset(&e, 0, sizeof(e));
	e.ticket_id = it->ticket_id;
	e.kind = EVENT_FIELD_CHANGE;
	snprintf(e.field, sizeof(e.field), "delivery");
	snprintf(e.old_value, sizeof(e.old_value), "queued");
	snprintf(e.new_value, sizeof(e.new_value), "refused");
	e.body = xstrdup(who);
	if (store_event_add(st, &e, now) != STORE_OK)
		log_warn("outbox id=%" PRId64 " cannot note the refused recipients: %s", it->id,
			 store_errmsg(st));
	event_free(&e);
}

/* Render (once), send and record message id.  STORE_OK unless the store failed. */
static int send_one(struct store *st, const struct config *conf, int64_t id, int64_t now,
		    struct outbox_stats *stats)
{
	char err[512], number[TICKET_NUMBER_LEN + 1];
	struct outbox_item it;
	struct smtp_outcome res;
	struct ticket t;
	char *raw = NULL;
	size_t rawlen = 0;
	int rc, crc;

	if ((rc = store_outbox_get(st, id, &it, &raw, &rawlen)) != STORE_OK)
		goto out;
	if (it.status != OUTBOX_QUEUED)
		goto out;
	if (store_ticket_get(st, it.ticket_id, &t) == STORE_OK)
		snprintf(number, sizeof(number), "%s", t.number);
	else
		snprintf(number, sizeof(number), "%" PRId64, it.ticket_id);
	if (!raw) {
		crc = compose_render(st, conf, &it, now, &raw, &rawlen, err, sizeof(err));
		if (crc == COMPOSE_RETRY) {
			log_warn("outbox id=%" PRId64 " cannot be rendered now: %s", it.id, err);
			rc = STORE_BUSY;
			goto out;
		}
		if (crc == COMPOSE_FAIL) {
			char why[600];

			snprintf(why, sizeof(why), "cannot render the message: %s", err);
			rc = record(st, &it, 0, why, 1, 0, now);
			if (rc == STORE_OK)
				stats->failed++;
			log_result(&it, number, "failed", it.attempts + 1, why);
			goto out;
		}
		/* The first bytes stored win: send what the store now holds. */
		if ((rc = store_outbox_set_raw(st, it.id, raw, rawlen)) != STORE_OK)
			goto out;
		free(raw);
		raw = NULL;
		if ((rc = store_outbox_get(st, id, &it, &raw, &rawlen)) != STORE_OK)
			goto out;
		if (!raw) {
			rc = STORE_ERROR;
			goto out;
		}
	}
	smtp_send(conf, raw, rawlen, it.to, it.cc, &res);
	if (res.result == SMTP_SENT) {
		/*
		 * "Sent" and the note of the refused recipients in one commit: whoever
		 * sees the message sent sees the note too.
		 */
		int batch = res.rejected[0] && store_batch_begin(st) == STORE_OK;

		rc = record(st, &it, 1, NULL, 0, 0, now);
		if (rc == STORE_OK && res.rejected[0])
			note_refused(st, &it, res.rejected, now);
		if (batch) {
			int end = store_batch_end(st, rc == STORE_OK);

			if (rc == STORE_OK)
				rc = end;
		}
		if (rc == STORE_OK)
			stats->sent++;
		log_result(&it, number, "sent", it.attempts + 1,
			   res.rejected[0] ? res.rejected : NULL);
	} else if (res.result == SMTP_PERMANENT ||
		   now - it.created_at >= (int64_t)conf->smtp_give_up_hours * 3600) {
		char why[600];

		if (res.result == SMTP_PERMANENT)
			snprintf(why, sizeof(why), "%s", res.error);
		else
			snprintf(why, sizeof(why), "gave up after %d hours: %s",
				 conf->smtp_give_up_hours, res.error);
		rc = record(st, &it, 0, why, 1, 0, now);
		if (rc == STORE_OK)
			stats->failed++;
		log_result(&it, number, "failed", it.attempts + 1, why);
	} else {
		int64_t next = now + outbox_backoff(conf, it.id, it.attempts + 1);

		rc = record(st, &it, 0, res.error, 0, next, now);
		if (rc == STORE_OK)
			stats->retry++;
		log_result(&it, number, "retry", it.attempts + 1, res.error);
	}
out:
	free(raw);
	return rc;
}

/* ---- a run ---- */

static int seen(const int64_t *ids, size_t n, int64_t id)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (ids[i] == id)
			return 1;
	return 0;
}

int outbox_run_until(struct store *st, const struct config *conf, int64_t now, atomic_int *stop,
		     struct outbox_stats *stats)
{
	struct outbox_list l = {0};
	int64_t *done = NULL;
	size_t n_done = 0, cap = 0, i;
	int rc = STORE_OK, progress;

	memset(stats, 0, sizeof(*stats));
	if (!conf->smtp_url[0] || !conf->mail_address[0]) {
		stats->unconfigured = 1;
		return STORE_OK;
	}
	for (;;) {
		if (stop && atomic_load(stop))
			break;
		if ((rc = store_outbox_due(st, now, BATCH, &l)) != STORE_OK)
			break;
		progress = 0;
		for (i = 0; i < l.n && rc == STORE_OK; i++) {
			if (stop && atomic_load(stop))
				break;
			/* A message whose attempt could not move it on is not tried twice. */
			if (seen(done, n_done, l.items[i].id))
				continue;
			if (n_done == cap) {
				cap = cap ? cap * 2 : BATCH;
				done = xrealloc(done, cap * sizeof(*done));
			}
			done[n_done++] = l.items[i].id;
			progress = 1;
			rc = send_one(st, conf, l.items[i].id, now, stats);
		}
		outbox_list_free(&l);
		if (rc != STORE_OK || !progress)
			break;
	}
	outbox_list_free(&l);
	free(done);
	return rc;
}

int outbox_run(struct store *st, const struct config *conf, int64_t now, struct outbox_stats *stats)
{
	return outbox_run_until(st, conf, now, NULL, stats);
}

/* ---- the thread of `evid serve` ---- */

struct outbox_worker {
	struct job *job;
	const struct config *conf;
	struct store *st;
};

/* The running worker's job, for outbox_wake() from the API's threads. */
static pthread_mutex_t wake_mu = PTHREAD_MUTEX_INITIALIZER;
static struct job *wake_job;

void outbox_wake(void)
{
	pthread_mutex_lock(&wake_mu);
	job_wake(wake_job);
	pthread_mutex_unlock(&wake_mu);
}

static int64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* One pass of the job: a run, and a line when it did anything. */
static void worker_pass(void *arg, atomic_int *stop)
{
	struct outbox_worker *w = arg;
	struct outbox_stats stats;
	int64_t t0 = mono_ms();
	int rc = outbox_run_until(w->st, w->conf, clock_now(), stop, &stats);

	if (rc != STORE_OK)
		log_warn("outbox run stopped: %s", store_errmsg(w->st));
	if (stats.sent || stats.retry || stats.failed)
		log_info("outbox run sent=%d retry=%d failed=%d ms=%" PRId64, stats.sent,
			 stats.retry, stats.failed, mono_ms() - t0);
}

struct outbox_worker *outbox_worker_start(const struct config *conf, char *err, size_t errsz)
{
	struct outbox_worker *w = xcalloc(1, sizeof(*w));
	int interval = OUTBOX_POLL_SECONDS;

	w->conf = conf;
	if (conf->smtp_retry_seconds > 0 && conf->smtp_retry_seconds < interval)
		interval = conf->smtp_retry_seconds;
	if (store_open(conf->db_path, &w->st, err, errsz) != STORE_OK)
		goto fail;
	if (store_set_busy_timeout(w->st, conf->busy_timeout_ms) != STORE_OK) {
		snprintf(err, errsz, "%s", store_errmsg(w->st));
		goto fail;
	}
	pthread_mutex_lock(&wake_mu);
	w->job = wake_job = job_start("outbox", interval, worker_pass, w, err, errsz);
	pthread_mutex_unlock(&wake_mu);
	if (!w->job)
		goto fail;
	if (!conf->smtp_url[0] || !conf->mail_address[0])
		log_warn("outbox: %s is not set: outgoing mail waits in the outbox",
			 conf->smtp_url[0] ? "[mail] address" : "[smtp] url");
	else
		log_info("outbox started interval=%ds", interval);
	return w;
fail:
	if (w->st)
		store_close(w->st);
	free(w);
	return NULL;
}

void outbox_worker_stop(struct outbox_worker *w)
{
	if (!w)
		return;
	pthread_mutex_lock(&wake_mu);
	wake_job = NULL;
	pthread_mutex_unlock(&wake_mu);
	job_stop(w->job);
	store_close(w->st);
	free(w);
	log_info("outbox stopped");
}

/* ---- a ticket's mail ---- */

int outbox_ticket_mail(struct store *st, int64_t ticket_id, struct mail_record_list *mail,
		       struct outbox_list *outbox)
{
	size_t i;
	int rc;

	memset(mail, 0, sizeof(*mail));
	memset(outbox, 0, sizeof(*outbox));
	if ((rc = store_mail_messages(st, ticket_id, mail)) != STORE_OK)
		return rc;
	outbox->items = xcalloc(mail->n ? mail->n : 1, sizeof(*outbox->items));
	for (i = 0; i < mail->n; i++) {
		if (!mail->items[i].out || !mail->items[i].outbox_id)
			continue;
		rc = store_outbox_get(st, mail->items[i].outbox_id, &outbox->items[outbox->n], NULL,
				      NULL);
		if (rc != STORE_OK)
			return rc;
		outbox->n++;
	}
	return STORE_OK;
}
