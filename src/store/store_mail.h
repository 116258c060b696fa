/*
 * store_mail: the store's part of email (issue 3): importing a parsed
 * message into a ticket, the quarantine of messages that could not be read,
 * the durable outbox, and the IMAP position.  Same rules as store.h: every
 * call is one transaction and returns STORE_OK or a negative enum store_rc
 * with store_errmsg() saying why.
 */
#ifndef EVID_STORE_STORE_MAIL_H
#define EVID_STORE_STORE_MAIL_H

#include <stddef.h>
#include <stdint.h>

#include "core/mail.h"
#include "core/mailrule.h"
#include "store/store.h"

enum mail_source { MAIL_SOURCE_PIPE, MAIL_SOURCE_IMAP, MAIL_SOURCE_REPROCESS };

/* What the configuration says about mail, as store_mail_import needs it. */
struct mail_policy {
	const char *tag_prefix;   /* "#": tags read "[#2026-000123]" */
	int reopen_days;          /* a reply reopens a closed ticket within this many days */
	const char *ours;         /* our own addresses, comma-separated, lowercase */
	const char *msgid_domain; /* right-hand side of the Message-IDs we make */
	int autoreply_per_hour;   /* most automatic answers to one sender in an hour */
	int year;                 /* local year of now, for a new ticket's number */
};

enum mail_result {
	MAIL_NEW,        /* a new ticket was opened */
	MAIL_APPENDED,   /* added to an existing ticket */
	MAIL_REOPENED,   /* added, and the ticket was reopened */
	MAIL_NEW_LINKED, /* a new ticket that links to the one the subject named */
	MAIL_DUPLICATE,  /* already imported (same Message-ID, or same content hash): nothing done */
	MAIL_BOUNCE,     /* a DSN attached to the ticket of the bounced message, marked undelivered */
	MAIL_OWN,        /* one of our own messages coming back: not imported */
};

struct mail_outcome {
	enum mail_result result;
	int64_t ticket_id;         /* 0 for DUPLICATE of a quarantined raw / OWN */
	char number[TICKET_NUMBER_LEN + 1];
	int64_t event_id;
	int64_t linked_ticket_id;  /* for NEW_LINKED */
	int64_t client_id, contact_id;
	int triage;                /* unknown sender: the ticket waits in triage */
	int queued;                /* outbox messages queued (acknowledgement, notifications) */
	const char *no_answer_why; /* static reason no acknowledgement went out, or NULL */
};

/*
 * Import m (parsed from raw, rawlen bytes, whose SHA-256 hex is
 * content_hash) received at now, in one transaction: find the ticket
 * (In-Reply-To/References against every message of every ticket, then the
 * subject tag), decide with mailrule_thread, match the sender to a contact
 * or a client by domain (else triage, keeping the address), write the
 * ticket or event, the files, the message's addresses and ids, and queue
 * in the outbox the acknowledgement (unless mailrule_no_autoreply or the
 * per-hour cap says no) and the technicians' notifications.  Idempotent by
 * Message-ID, else by content_hash: a second import is MAIL_DUPLICATE and
 * changes nothing.  The raw message is kept.
 */
int store_mail_import(struct store *st, const struct mail_msg *m, const char *raw, size_t rawlen,
		      const char *content_hash, enum mail_source src,
		      const struct mail_policy *pol, int64_t now, struct mail_outcome *out);

/* ---- quarantine: raw messages that could not be parsed or were too big ---- */

struct quarantine_item {
	int64_t id;
	int64_t received_at;
	enum mail_source source;
	char reason[256];
	int64_t size;
	char sha256[65];
	char status[16];        /* "held", "imported" */
	int64_t ticket_id;      /* when imported */
};
struct quarantine_list { struct quarantine_item *items; size_t n; };
void quarantine_list_free(struct quarantine_list *l);

/* Keep raw as it came; idempotent by its SHA-256 (the existing id is returned). */
int store_quarantine_add(struct store *st, const char *raw, size_t rawlen, const char *sha256,
			 const char *reason, enum mail_source src, int64_t now, int64_t *id_out);
int store_quarantine_list(struct store *st, int held_only, struct quarantine_list *out);
/* *raw receives a malloc'd copy (NUL-terminated, length in *rawlen) the caller frees. */
int store_quarantine_get(struct store *st, int64_t id, struct quarantine_item *out, char **raw,
			 size_t *rawlen);
int store_quarantine_done(struct store *st, int64_t id, int64_t ticket_id, int64_t now);

/* ---- the outbox ---- */

enum outbox_kind {
	OUTBOX_ACK,          /* acknowledgement of a new ticket to the client */
	OUTBOX_NOTIFY_NEW,   /* a technician: a new ticket */
	OUTBOX_NOTIFY_REPLY, /* the assigned technician: the client wrote */
	OUTBOX_REPLY,        /* a technician's reply to the client */
};

enum outbox_status { OUTBOX_QUEUED, OUTBOX_SENT, OUTBOX_FAILED };

struct outbox_item {
	int64_t id;
	int64_t ticket_id;
	int64_t event_id;       /* the event this message is about / records */
	enum outbox_kind kind;
	enum outbox_status status;
	char to[1024];          /* comma-separated addresses */
	char cc[1024];
	char message_id[MSGID_MAX_LEN + 1]; /* made when queued, kept across retries */
	int attempts;
	int64_t next_attempt_at;
	char last_error[512];
	int64_t created_at, sent_at;
	int rendered;           /* the raw message has been rendered and stored */
};
struct outbox_list { struct outbox_item *items; size_t n; };
void outbox_list_free(struct outbox_list *l);

/*
 * A technician's reply: in one transaction the EVENT_REPLY with its body
 * and the outbox message to `to` (and cc), plus files (n_files) attached
 * to the event.  Sets *event_id and *outbox_id.
 */
int store_reply_queue(struct store *st, int64_t ticket_id, int64_t user_id, const char *body,
		      const char *to, const char *cc, const struct mail_file *files, size_t n_files,
		      const struct mail_policy *pol, int64_t now, int64_t *event_id,
		      int64_t *outbox_id);

/* Up to limit queued messages due at now (next_attempt_at <= now), oldest first. */
int store_outbox_due(struct store *st, int64_t now, int limit, struct outbox_list *out);
/* All messages, newest first; status -1 = any. */
int store_outbox_list(struct store *st, int status, int limit, struct outbox_list *out);
int store_outbox_get(struct store *st, int64_t id, struct outbox_item *out, char **raw,
		     size_t *rawlen);
/* Store the rendered message once (a second call keeps the first). */
int store_outbox_set_raw(struct store *st, int64_t id, const char *raw, size_t rawlen);
/*
 * Record an attempt: sent (ok 1) marks it sent and the ticket's event
 * delivered; a failure stores error, counts the attempt and either sets
 * next_attempt_at (retry) or, when permanent, marks it failed and records
 * that on its ticket's history.
 */
int store_outbox_attempt(struct store *st, int64_t id, int ok, const char *error, int permanent,
			 int64_t next_attempt_at, int64_t now);
/* Make every queued message due now (evid outbox flush). Sets *n. */
int store_outbox_flush(struct store *st, int64_t now, int *n);

/*
 * The Message-IDs of a ticket's mail, in and out, oldest first, for the
 * In-Reply-To and References of a new outgoing message.  *ids is an array
 * of n malloc'd strings; free each and the array.
 */
int store_mail_thread(struct store *st, int64_t ticket_id, char ***ids, size_t *n);

/* ---- IMAP position ---- */

/* NOT_FOUND when the mailbox was never fetched. */
int store_imap_get(struct store *st, const char *mailbox, int64_t *uidvalidity, int64_t *last_uid);
int store_imap_set(struct store *st, const char *mailbox, int64_t uidvalidity, int64_t last_uid);

#endif
