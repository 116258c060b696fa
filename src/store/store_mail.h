/*
 * store_mail: the store's part of email (issue 3): importing a parsed
 * message into a ticket, the quarantine of messages that could not be read,
 * the durable outbox, and the IMAP position.  Same rules as store.h: every
 * call is one transaction and returns STORE_OK or a negative enum store_rc
 * with store_errmsg() saying why; output records are written only on success.
 * Message-IDs are stored and compared without their angle brackets.
 */
#ifndef EVID_STORE_STORE_MAIL_H
#define EVID_STORE_STORE_MAIL_H

#include <stddef.h>
#include <stdint.h>

#include "core/mail.h"
#include "core/mailrule.h"
#include "store/store.h"

#define MAIL_ADDRS_MAX_LEN ADDR_LIST_MAX_LEN /* an address list of the outbox ("to", "cc") */

enum mail_source { MAIL_SOURCE_PIPE, MAIL_SOURCE_IMAP, MAIL_SOURCE_REPROCESS };

/* What the configuration says about mail, as store_mail_import needs it. */
struct mail_policy {
	const char *tag_prefix;   /* "#": tags read "[#2026-000123]" */
	int reopen_days;          /* a reply reopens a closed ticket within this many days */
	const char *ours;         /* our own addresses, comma-separated, lowercase; may be NULL */
	const char *msgid_domain; /* right-hand side of the Message-IDs we make; required */
	int autoreply_per_hour;   /* most automatic answers to one sender in an hour (<= 0: none) */
	int year;                 /* local year of now, for a new ticket's number */
};

enum mail_result {
	MAIL_NEW,        /* a new ticket was opened */
	MAIL_APPENDED,   /* added to an existing ticket */
	MAIL_REOPENED,   /* added, and the ticket was reopened */
	MAIL_NEW_LINKED, /* a new ticket that links to the one the subject named */
	MAIL_DUPLICATE,  /* already imported (same Message-ID, or content hash): nothing done */
	MAIL_BOUNCE,     /* a DSN put on the ticket of the bounced message, marked undelivered */
	MAIL_OWN,        /* one of our own messages coming back: not imported */
};

struct mail_outcome {
	enum mail_result result;
	int64_t ticket_id;         /* the ticket the message is on; DUPLICATE: the first import's;
				      0 for OWN */
	char number[TICKET_NUMBER_LEN + 1];
	int64_t event_id;          /* the message's event (BOUNCE: the DSN's event on the bounced
				      message's ticket; DUPLICATE: the first import's) */
	int64_t linked_ticket_id;  /* for NEW_LINKED: the ticket the subject named */
	int64_t client_id, contact_id; /* of the ticket, 0 = none */
	int triage;                /* the ticket has no client: it waits in triage */
	int queued;                /* outbox messages queued (acknowledgement, notifications) */
	const char *no_answer_why; /* static reason no acknowledgement went out, or NULL */
};

/*
 * Import m (parsed from raw, rawlen bytes, whose SHA-256 hex is
 * content_hash, lowercase) received at now, in one transaction (BEGIN
 * IMMEDIATE), in this order:
 *
 * - Idempotence: a message whose Message-ID (or, without one, whose
 *   content_hash) was imported before is MAIL_DUPLICATE and changes nothing.
 * - Our own: a Message-ID we issued (any outgoing message, whatever its
 *   X-Evid-Ticket marker says) or a From in pol->ours is MAIL_OWN; nothing
 *   is kept.
 * - A DSN (m->is_dsn) whose dsn_original_id is one of our outgoing
 *   messages is MAIL_BOUNCE: that message is marked undelivered (unless
 *   dsn_action says "delayed", "delivered", "relayed" or "expanded") and its
 *   ticket gets an EVENT_FIELD_CHANGE "delivery" "sent" -> "undelivered"
 *   (or the action) with the DSN's text as body and its files.  A DSN that
 *   matches nothing opens a new ticket in triage, never answered.
 * - Otherwise the ticket is the one whose message (in or out, any ticket)
 *   In-Reply-To or References names (In-Reply-To first, then References
 *   newest first), else the one the subject tag names; mailrule_thread
 *   decides with sender_known (the ticket's contact, an active contact of its
 *   client, an active staff user, or an address that was on its mail).
 * - NEW / NEW_LINKED open a ticket (channel email, status new, subject the
 *   message's or "(no subject)"), for the active contact with the From
 *   address, else the active client whose email_domains has its domain,
 *   else in triage (no client); the sender's address and name are kept on
 *   the ticket (store_mail_origin).  NEW_LINKED records the link and an
 *   EVENT_FIELD_CHANGE "linked_ticket" on both tickets.  REOPEN sets the
 *   ticket open (closed_at cleared) with its EVENT_STATUS_CHANGE.
 * - The message becomes an EVENT_MESSAGE_IN with m->text as body, authored
 *   by the active contact with the From address, else the active staff user,
 *   else nobody (reads then name the sender "Name <addr>"), with m's files
 *   as attachments of the event (their sha256, filled by the caller, must be
 *   64 lowercase hex digits: INVALID otherwise).  The addresses of From,
 *   Reply-To, To and Cc except ours are recorded on the ticket.
 * - The outbox: for a new ticket an OUTBOX_ACK to Reply-To (else From)
 *   unless mailrule_no_autoreply says no or that address already had
 *   pol->autoreply_per_hour automatic answers in the last hour
 *   (no_answer_why says which), and an OUTBOX_NOTIFY_NEW to every active
 *   staff user (the assignee only, when there is one); for APPEND / REOPEN
 *   an OUTBOX_NOTIFY_REPLY to the active assignee, if any.  Nobody is
 *   notified of their own message, and nothing goes to our own addresses.
 *   Each outbox message gets its Message-ID now (see store_reply_queue).
 * - The raw message is kept (once per content_hash).
 *
 * INVALID for a malformed content_hash, a missing raw or msgid_domain, or a
 * file's bad sha256; BUSY / FULL are worth a retry.  *out is written on
 * success only.
 */
int store_mail_import(struct store *st, const struct mail_msg *m, const char *raw, size_t rawlen,
		      const char *content_hash, enum mail_source src,
		      const struct mail_policy *pol, int64_t now, struct mail_outcome *out);

/* The sender of the message that opened ticket_id by mail; NOT_FOUND for other tickets. */
int store_mail_origin(struct store *st, int64_t ticket_id, struct mail_addr *out);

/*
 * Triage in one step: create an active contact of client_id (an active
 * client) with the address of the sender who opened ticket_id by mail
 * (store_mail_origin) and name (NULL or "": the sender's display name, else
 * the address), and make the ticket that client's and that contact's, with
 * an EVENT_FIELD_CHANGE "client_id" (when it changes) and "contact_id" by
 * actor_user_id (0: nobody), all in one transaction.  *contact and *ticket
 * (either may be NULL) receive the records as they now are.  NOT_FOUND for
 * the ticket; CONFLICT when the ticket already has a contact, was not
 * opened by mail, its sender had no usable address, or a contact with that
 * address exists already (errmsg names it); INVALID for a bad client_id or
 * name.
 */
int store_mail_adopt_contact(struct store *st, int64_t ticket_id, int64_t client_id,
			     const char *name, int64_t actor_user_id, int64_t now,
			     struct contact *contact, struct ticket *ticket);

/* One message of a ticket's mail, in or out, as store_mail_messages reads it. */
struct mail_record {
	int64_t id;
	int64_t ticket_id;
	int64_t event_id;        /* the event that is this message (in, reply), 0 = none */
	int64_t outbox_id;       /* out: its outbox message; 0 for in */
	int out;                 /* 1 outgoing, 0 incoming */
	char message_id[MSGID_MAX_LEN + 1];      /* "" when it had none */
	char from_addr[EMAIL_MAX_LEN + 1];
	char from_name[NAME_MAX_LEN + 1];
	char to[MAIL_ADDRS_MAX_LEN + 1];         /* comma-separated, cut to fit */
	char cc[MAIL_ADDRS_MAX_LEN + 1];
	char subject[SUBJECT_MAX_LEN + 1];
	int64_t date;            /* in: its Date header, 0 if none */
	int64_t quote_at;        /* in: offset of the quoted history in the event's body, -1 none */
	int text_from_html;
	int files_dropped;
	int undelivered;         /* a DSN or a permanent failure said it did not arrive */
	int64_t sent_at;         /* out: handed to the mail server, 0 = not yet */
	int64_t created_at;
};
struct mail_record_list { struct mail_record *items; size_t n; };
void mail_record_list_free(struct mail_record_list *l);

/* The mail of ticket_id, oldest first.  NOT_FOUND for an unknown ticket. */
int store_mail_messages(struct store *st, int64_t ticket_id, struct mail_record_list *out);

/* ---- quarantine: raw messages that could not be parsed or were too big ---- */

struct quarantine_item {
	int64_t id;
	int64_t received_at;
	enum mail_source source;
	char reason[256];       /* cut to fit */
	int64_t size;
	char sha256[65];
	char status[16];        /* "held", "imported" */
	int64_t ticket_id;      /* when imported (0: imported without a ticket, e.g. a duplicate) */
};
struct quarantine_list { struct quarantine_item *items; size_t n; };
void quarantine_list_free(struct quarantine_list *l);

/*
 * Keep raw (rawlen bytes, at most 1 GB) as it came, with reason, and set
 * *id_out (may be NULL).  Idempotent by sha256 (64 lowercase hex digits,
 * computed by the caller): the same bytes again return the existing id and
 * change nothing.
 */
int store_quarantine_add(struct store *st, const char *raw, size_t rawlen, const char *sha256,
			 const char *reason, enum mail_source src, int64_t now, int64_t *id_out);
/* Every item (held_only: those still held), newest first. */
int store_quarantine_list(struct store *st, int held_only, struct quarantine_list *out);
/*
 * Item id; when raw is not NULL *raw receives a malloc'd copy of the bytes
 * (NUL-terminated, length in *rawlen) the caller frees.  NOT_FOUND.
 */
int store_quarantine_get(struct store *st, int64_t id, struct quarantine_item *out, char **raw,
			 size_t *rawlen);
/*
 * Mark item id imported at now into ticket_id (0: none, e.g. it was a
 * duplicate).  Doing it again updates the ticket.  NOT_FOUND.
 */
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
	char to[MAIL_ADDRS_MAX_LEN + 1]; /* comma-separated addresses */
	char cc[MAIL_ADDRS_MAX_LEN + 1];
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
 * A technician's reply: in one transaction the EVENT_REPLY by user_id (an
 * active user) with its body (required), files (n_files, sha256 filled by
 * the caller) attached to the event, and the outbox message to `to` (one
 * or more addresses, comma-separated, required) and cc (may be NULL or
 * ""); the addresses are recorded on the ticket.  Every outbox message's
 * Message-ID is made here, "evid.<outbox id>.<16 random hex>.<ticket
 * number>@<pol->msgid_domain>", and registered with the ticket's mail so
 * that answers to it thread back.  Sets *event_id and *outbox_id (either
 * may be NULL).  NOT_FOUND for the ticket; INVALID for a bad address list
 * (or one longer than MAIL_ADDRS_MAX_LEN), an empty body, an unknown or
 * inactive user.
 */
int store_reply_queue(struct store *st, int64_t ticket_id, int64_t user_id, const char *body,
		      const char *to, const char *cc, const struct mail_file *files, size_t n_files,
		      const struct mail_policy *pol, int64_t now, int64_t *event_id,
		      int64_t *outbox_id);

/* Up to limit (1 or more) queued messages due at now (next_attempt_at <= now), oldest first. */
int store_outbox_due(struct store *st, int64_t now, int limit, struct outbox_list *out);
/* All messages, newest first; status -1 = any; limit 0 = all. */
int store_outbox_list(struct store *st, int status, int limit, struct outbox_list *out);
/*
 * Message id; when raw is not NULL, *raw receives a malloc'd copy of the
 * rendered message (NUL-terminated, length in *rawlen) the caller frees, or
 * NULL (and 0) when it is not rendered yet.  NOT_FOUND.
 */
int store_outbox_get(struct store *st, int64_t id, struct outbox_item *out, char **raw,
		     size_t *rawlen);
/*
 * Store the rendered message once: a second call keeps the first bytes and
 * returns STORE_OK, so a retry always sends what the first attempt did.
 */
int store_outbox_set_raw(struct store *st, int64_t id, const char *raw, size_t rawlen);
/*
 * Record an attempt on queued message id at now: sent (ok 1) marks it sent
 * and its message in the ticket's mail sent (mail_record.sent_at); a
 * failure stores error (cut to fit), counts the attempt and either sets
 * next_attempt_at (retry) or, when permanent, marks it failed, its message
 * undelivered, and records on its ticket an EVENT_FIELD_CHANGE "delivery"
 * "queued" -> "failed" whose body names the recipients and the error.
 * NOT_FOUND; CONFLICT when the message is no longer queued.
 */
int store_outbox_attempt(struct store *st, int64_t id, int ok, const char *error, int permanent,
			 int64_t next_attempt_at, int64_t now);
/* Make every queued message due now (evid outbox flush); *n (may be NULL) = how many. */
int store_outbox_flush(struct store *st, int64_t now, int *n);

/*
 * The Message-IDs of a ticket's conversation with the client, oldest
 * first, for the In-Reply-To and References of a new outgoing message: the
 * messages that came in (bounces left out) and our acknowledgements and
 * replies (notifications to staff left out).  The outgoing ones are there
 * from the moment they are queued, the one being rendered too: leave your
 * own out.  *ids is an array of n malloc'd strings (NULL when n is 0); free
 * each and the array.  NOT_FOUND for an unknown ticket.
 */
int store_mail_thread(struct store *st, int64_t ticket_id, char ***ids, size_t *n);

/* ---- IMAP position ---- */

/* NOT_FOUND when the mailbox was never fetched. */
int store_imap_get(struct store *st, const char *mailbox, int64_t *uidvalidity, int64_t *last_uid);
/* Set it (mailbox non-empty, at most 1000 bytes; both numbers >= 0). */
int store_imap_set(struct store *st, const char *mailbox, int64_t uidvalidity, int64_t last_uid);

#endif
