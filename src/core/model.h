/*
 * model: the domain's records as plain structs, shared by every layer.
 * Short text fields are fixed-size, NUL-terminated arrays whose sizes are the
 * limits the API enforces (the *_MAX constants count bytes of UTF-8, without
 * the NUL).  Only long text (event bodies) lives on the heap, owned by the
 * record and released by its _free function.  An id of 0 means "none".
 */
#ifndef EVID_CORE_MODEL_H
#define EVID_CORE_MODEL_H

#include <stddef.h>
#include <stdint.h>

#define NAME_MAX_LEN 200
#define EMAIL_MAX_LEN 254
#define OIB_LEN 11
#define VAT_ID_MAX_LEN 32
#define ADDRESS_MAX_LEN 300
#define PHONE_MAX_LEN 50
#define DOMAINS_MAX_LEN 500   /* comma-separated, lowercase */
#define NOTES_MAX_LEN 4000
#define SUBJECT_MAX_LEN 300
#define TICKET_NUMBER_LEN 11  /* "2026-000123" */
#define TIME_NOTE_MAX_LEN 500
#define FIELD_NAME_MAX_LEN 31
#define FIELD_VALUE_MAX_LEN 300
#define LANG_LEN 2            /* "hr" or "en" */
#define BODY_MAX_LEN 65536    /* an event body written through the API */
#define FILENAME_MAX_LEN 255
#define MEDIA_TYPE_MAX_LEN 127
#define TOKEN_NAME_MAX_LEN 100
#define CATEGORY_MAX_LEN 100  /* a ticket's category, free text ("" = none) */
#define ADDR_LIST_MAX_LEN 1023 /* a comma-separated address list of a message, cut to fit */
#define MAIL_ERROR_MAX_LEN 511 /* the last delivery error of an outgoing message, cut to fit */

enum user_role { ROLE_ADMIN, ROLE_TECHNICIAN };

enum ticket_status {
	STATUS_NEW,
	STATUS_OPEN,
	STATUS_WAITING,  /* waiting on client */
	STATUS_RESOLVED,
	STATUS_CLOSED,
};
#define STATUS_COUNT 5

enum ticket_priority { PRIORITY_LOW, PRIORITY_NORMAL, PRIORITY_HIGH, PRIORITY_URGENT };
#define PRIORITY_COUNT 4

enum ticket_channel {
	CHANNEL_EMAIL,
	CHANNEL_WEB,
	CHANNEL_PHONE,
	CHANNEL_FAX,
	CHANNEL_SMS,
	CHANNEL_WALK_IN,
	CHANNEL_API,
};
#define CHANNEL_COUNT 7

enum billing_kind { BILLING_BILLABLE, BILLING_FREE, BILLING_WARRANTY };
#define BILLING_COUNT 3

enum event_kind {
	EVENT_MESSAGE_IN,      /* message from the client (or the request as staff took it down) */
	EVENT_REPLY,           /* reply to the client */
	EVENT_NOTE,            /* internal note */
	EVENT_STATUS_CHANGE,   /* field "status", old_value -> new_value */
	EVENT_ASSIGNMENT,      /* field "assignee_id", names in old/new_value */
	EVENT_FIELD_CHANGE,    /* any other field: field, old_value, new_value */
	EVENT_TIME_ENTRY,      /* a time entry was recorded; time_entry_id */
	EVENT_TIME_CORRECTION, /* a time entry was corrected; body is the reason */
	EVENT_MERGE,           /* field "merged_into" (on the ticket merged away) or
				  "merged_from" (on the one it went into); new_value is the
				  other ticket's number */
};
#define EVENT_KIND_COUNT 9

struct user {
	int64_t id;
	char email[EMAIL_MAX_LEN + 1]; /* stored lowercase */
	char name[NAME_MAX_LEN + 1];
	enum user_role role;
	int active;                    /* 1 or 0 */
	char lang[LANG_LEN + 1];       /* "hr" or "en" */
	int64_t created_at;
};

struct client {
	int64_t id;
	char name[NAME_MAX_LEN + 1];
	char oib[OIB_LEN + 1];                   /* 11 digits, or empty */
	char vat_id[VAT_ID_MAX_LEN + 1];         /* e.g. "HR12345678901", or empty */
	char address[ADDRESS_MAX_LEN + 1];
	char email_domains[DOMAINS_MAX_LEN + 1]; /* "firma.hr,firma.com" */
	char billing_email[EMAIL_MAX_LEN + 1];
	char notes[NOTES_MAX_LEN + 1];
	int active;
	int64_t created_at, updated_at;
};

struct contact {
	int64_t id;
	int64_t client_id;
	char name[NAME_MAX_LEN + 1];
	char email[EMAIL_MAX_LEN + 1];  /* unique, stored lowercase */
	char phone[PHONE_MAX_LEN + 1];
	int sees_all;                   /* may see all of the client's tickets */
	int active;
	int64_t created_at, updated_at;
	char client_name[NAME_MAX_LEN + 1]; /* filled by reads, ignored by writes */
};

struct ticket {
	int64_t id;
	char number[TICKET_NUMBER_LEN + 1];
	char subject[SUBJECT_MAX_LEN + 1];
	enum ticket_status status;
	enum ticket_priority priority;
	enum ticket_channel channel;
	enum billing_kind billing;
	int64_t client_id, contact_id, assignee_id; /* 0 = none */
	int64_t created_by;                         /* staff user, 0 = none */
	int64_t created_at, updated_at, closed_at;  /* closed_at 0 = not closed */
	char category[CATEGORY_MAX_LEN + 1];        /* free text, "" = none */
	/* filled by reads, ignored by writes (store_ticket_merge sets it): */
	int64_t merged_into;                        /* the ticket this one was merged into, 0 = none */
	int64_t time_seconds;                       /* sum of its time entries */
	char client_name[NAME_MAX_LEN + 1];
	char contact_name[NAME_MAX_LEN + 1];
	char assignee_name[NAME_MAX_LEN + 1];
};

struct event {
	int64_t id;
	int64_t ticket_id;
	enum event_kind kind;
	int64_t author_user_id;     /* staff author, 0 = none */
	int64_t author_contact_id;  /* client author, 0 = none */
	char author_name[NAME_MAX_LEN + 1]; /* filled by reads */
	int64_t created_at;
	char field[FIELD_NAME_MAX_LEN + 1];
	char old_value[FIELD_VALUE_MAX_LEN + 1];
	char new_value[FIELD_VALUE_MAX_LEN + 1];
	int64_t time_entry_id;      /* for EVENT_TIME_ENTRY / EVENT_TIME_CORRECTION */
	char *body;                 /* owned, may be NULL; freed by event_free */
};

struct time_entry {
	int64_t id;
	int64_t ticket_id;
	int64_t user_id;
	int64_t started_at, ended_at; /* UTC seconds, ended_at > started_at */
	int64_t seconds;              /* ended_at - started_at */
	char note[TIME_NOTE_MAX_LEN + 1];
	int billable;                 /* 1 or 0 */
	int64_t created_at;
	char user_name[NAME_MAX_LEN + 1]; /* filled by reads */
	int64_t rate_id;              /* kind of work (a billing rate), 0 = the default: filled by
					 reads, set with store_time_set_rate (store_billing.h) */
};

/* A technician's running stopwatch (at most one per user). */
struct timer_running {
	int64_t user_id;
	int64_t ticket_id;
	int64_t started_at;
	char ticket_number[TICKET_NUMBER_LEN + 1]; /* filled by reads */
	char ticket_subject[SUBJECT_MAX_LEN + 1];  /* filled by reads */
};

struct attachment {
	int64_t id;
	int64_t ticket_id;
	int64_t event_id;    /* 0 = attached to the ticket, not to one event */
	char filename[FILENAME_MAX_LEN + 1];
	char media_type[MEDIA_TYPE_MAX_LEN + 1];
	int64_t size;
	char sha256[65];     /* lowercase hex */
	int64_t created_at;
};

/* One technician's share of the time spent on a ticket. */
struct time_share {
	int64_t user_id;
	char user_name[NAME_MAX_LEN + 1];
	int64_t seconds;  /* sum of the user's time entries on the ticket */
	int64_t entries;  /* how many entries that is */
};

/*
 * One mail message of a ticket, in or out, as the ticket page shows it
 * beside its event in the history (joined by event_id).
 */
struct ticket_mail {
	int64_t id;                             /* of the message (mail_messages) */
	int64_t event_id;                       /* its event, 0 = none */
	int out;                                /* direction: 1 outgoing, 0 incoming */
	char from_addr[EMAIL_MAX_LEN + 1];
	char from_name[NAME_MAX_LEN + 1];
	char to_addrs[ADDR_LIST_MAX_LEN + 1];   /* comma-separated */
	char cc_addrs[ADDR_LIST_MAX_LEN + 1];
	char subject[SUBJECT_MAX_LEN + 1];
	int64_t quote_at;       /* offset of the quoted history in the event's body, -1 = none */
	int text_from_html;     /* the text was made from the message's HTML */
	char delivery[12];      /* "ok" or "undelivered" (a bounce or a permanent failure) */
	/* outgoing only ("" and 0 for incoming): */
	char outbox_kind[16];   /* "reply", "ack" (to a new ticket), "notify_new", "notify_reply" */
	char outbox_status[8];  /* "queued", "sent" or "failed" */
	int attempts;           /* sending attempts so far */
	char last_error[MAIL_ERROR_MAX_LEN + 1]; /* of the last failed attempt, "" = none */
	int64_t sent_at;        /* handed to the mail server, 0 = not yet */
	int64_t created_at;
};

/* Growable lists returned by the store; release with the matching _free. */
struct user_list { struct user *items; size_t n; };
struct client_list { struct client *items; size_t n; };
struct contact_list { struct contact *items; size_t n; };
struct ticket_list { struct ticket *items; size_t n; };
struct event_list { struct event *items; size_t n; };
struct time_entry_list { struct time_entry *items; size_t n; };
struct attachment_list { struct attachment *items; size_t n; };
struct time_share_list { struct time_share *items; size_t n; };
struct ticket_mail_list { struct ticket_mail *items; size_t n; };

void event_free(struct event *e);
void user_list_free(struct user_list *l);
void client_list_free(struct client_list *l);
void contact_list_free(struct contact_list *l);
void ticket_list_free(struct ticket_list *l);
void event_list_free(struct event_list *l);   /* frees each event's body too */
void time_entry_list_free(struct time_entry_list *l);
void attachment_list_free(struct attachment_list *l);
void time_share_list_free(struct time_share_list *l);
void ticket_mail_list_free(struct ticket_mail_list *l);

/*
 * Names of the enums as they appear in the API, the CLI and the database
 * ("admin", "waiting", "walk_in", "time_entry"...).  *_name returns a static
 * string; *_parse returns 0 and sets *out, or -1 for an unknown name.
 */
const char *role_name(enum user_role r);
int role_parse(const char *s, enum user_role *out);
const char *status_name(enum ticket_status s);
int status_parse(const char *s, enum ticket_status *out);
const char *priority_name(enum ticket_priority p);
int priority_parse(const char *s, enum ticket_priority *out);
const char *channel_name(enum ticket_channel c);
int channel_parse(const char *s, enum ticket_channel *out);
const char *billing_name(enum billing_kind b);
int billing_parse(const char *s, enum billing_kind *out);
const char *event_kind_name(enum event_kind k);
int event_kind_parse(const char *s, enum event_kind *out);

#endif
