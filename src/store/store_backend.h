/*
 * store_backend: what a storage backend implements, private to src/store.
 * A backend is a table of function pointers, one per store.h call after
 * store_open, in the manner of OpenSMTPD's queue_backend; store.c picks one
 * by the database path and dispatches every call through it.
 */
#ifndef EVID_STORE_STORE_BACKEND_H
#define EVID_STORE_STORE_BACKEND_H

#include <stddef.h>
#include <stdint.h>

#include "store/store.h"
#include "store/store_billing.h"
#include "store/store_mail.h"

/* The migrations built into the binary (build/gen/migrations.c, in version order). */
struct store_migration {
	int version;
	const char *name;
	const char *sql;
};
extern const struct store_migration store_migrations[];
extern const size_t store_migrations_count;

struct store_backend {
	const char *name;

	/* Connect st->be to path; on failure a negative rc and a message in err. */
	int (*open)(struct store *st, const char *path, char *err, size_t errsz);
	/* Release everything open() acquired. */
	void (*close)(struct store *st);
	int (*set_busy_timeout)(struct store *st, int ms);
	int (*set_result_cache)(struct store *st, int n);
	uint64_t (*result_cache_hits)(struct store *st);
	int (*batch_begin)(struct store *st);
	int (*batch_end)(struct store *st, int commit);
	int (*read_begin)(struct store *st); /* ended by batch_end */

	int (*schema_version)(struct store *st, int *out);
	int (*migrate)(struct store *st, int *applied);
	int (*check_schema)(struct store *st);

	int (*user_create)(struct store *st, struct user *u, const char *pwhash, int64_t now);
	int (*user_get)(struct store *st, int64_t id, struct user *out);
	int (*user_get_by_email)(struct store *st, const char *email, struct user *out,
				 char *pwhash);
	int (*user_list)(struct store *st, struct user_list *out);
	int (*user_update)(struct store *st, const struct user *u, const char *pwhash);
	int (*user_set_password)(struct store *st, int64_t user_id, const char *pwhash);

	int (*session_create)(struct store *st, const char *hash, int64_t user_id, int64_t now,
			      int64_t expires_at);
	int (*session_lookup)(struct store *st, const char *hash, int64_t now, struct user *out);
	int (*session_delete)(struct store *st, const char *hash);
	int (*session_delete_user)(struct store *st, int64_t user_id, const char *keep_hash);
	int (*token_create)(struct store *st, int64_t user_id, const char *hash, const char *name,
			    int64_t now, int64_t *id_out);
	int (*token_lookup)(struct store *st, const char *hash, int64_t now, struct user *out);

	int (*client_create)(struct store *st, struct client *c, int64_t now);
	int (*client_get)(struct store *st, int64_t id, struct client *out);
	int (*client_update)(struct store *st, struct client *c, int64_t now);
	int (*client_list)(struct store *st, const struct client_filter *f,
			   struct client_list *out, int64_t *total);
	int (*client_by_domain)(struct store *st, const char *domain, struct client *out);

	int (*contact_create)(struct store *st, struct contact *c, int64_t now);
	int (*contact_get)(struct store *st, int64_t id, struct contact *out);
	int (*contact_get_by_email)(struct store *st, const char *email, struct contact *out);
	int (*contact_update)(struct store *st, struct contact *c, int64_t now);
	int (*contact_list)(struct store *st, const struct contact_filter *f,
			    struct contact_list *out, int64_t *total);

	int (*ticket_create)(struct store *st, struct ticket *t, int year, const char *description,
			     int64_t author_user_id, int64_t now);
	int (*ticket_get)(struct store *st, int64_t id, struct ticket *out);
	int (*ticket_get_by_number)(struct store *st, const char *number, struct ticket *out);
	int (*ticket_list)(struct store *st, const struct ticket_filter *f,
			   struct ticket_list *out, int64_t *total);
	int (*ticket_update)(struct store *st, int64_t id, const struct ticket_patch *p,
			     int64_t actor_user_id, int64_t now, struct ticket *out);
	int (*ticket_status_counts)(struct store *st, const struct ticket_filter *f,
				    int64_t counts[STATUS_COUNT]);
	int (*ticket_merge)(struct store *st, int64_t from_id, int64_t into_id,
			    int64_t actor_user_id, int64_t now);
	int (*ticket_time_shares)(struct store *st, int64_t ticket_id,
				  struct time_share_list *out);
	int (*ticket_mail_list)(struct store *st, int64_t ticket_id, struct ticket_mail_list *out);
	int (*ticket_events)(struct store *st, int64_t ticket_id, struct event_list *out);
	int (*event_add)(struct store *st, struct event *e, int64_t now);

	int (*timer_start)(struct store *st, int64_t user_id, int64_t ticket_id, int64_t now,
			   struct timer_running *out, struct time_entry *stopped);
	int (*timer_stop)(struct store *st, int64_t user_id, int64_t ticket_id, int64_t now,
			  struct time_entry *out);
	int (*timer_get)(struct store *st, int64_t user_id, struct timer_running *out);
	int (*time_add)(struct store *st, struct time_entry *e, int64_t actor_user_id,
			int64_t now);
	int (*time_get)(struct store *st, int64_t id, struct time_entry *out);
	int (*time_update)(struct store *st, struct time_entry *e, const char *reason,
			   int64_t actor_user_id, int64_t now);
	int (*time_list)(struct store *st, int64_t ticket_id, struct time_entry_list *out);

	int (*attachment_add)(struct store *st, struct attachment *a, const void *data,
			      int64_t now);
	int (*attachment_get)(struct store *st, int64_t id, struct attachment *out, void **data);
	int (*attachment_list)(struct store *st, int64_t ticket_id,
			       struct attachment_list *out);

	/* store_mail.h */
	int (*mail_import)(struct store *st, const struct mail_msg *m, const char *raw,
			   size_t rawlen, const char *content_hash, enum mail_source src,
			   const struct mail_policy *pol, int64_t now, struct mail_outcome *out);
	int (*mail_origin)(struct store *st, int64_t ticket_id, struct mail_addr *out);
	int (*mail_adopt_contact)(struct store *st, int64_t ticket_id, int64_t client_id,
				  const char *name, int64_t actor_user_id, int64_t now,
				  struct contact *contact, struct ticket *ticket);
	int (*mail_messages)(struct store *st, int64_t ticket_id, struct mail_record_list *out);
	int (*mail_thread)(struct store *st, int64_t ticket_id, char ***ids, size_t *n);
	int (*quarantine_add)(struct store *st, const char *raw, size_t rawlen, const char *sha256,
			      const char *reason, enum mail_source src, int64_t now,
			      int64_t *id_out);
	int (*quarantine_list)(struct store *st, int held_only, struct quarantine_list *out);
	int (*quarantine_get)(struct store *st, int64_t id, struct quarantine_item *out,
			      char **raw, size_t *rawlen);
	int (*quarantine_done)(struct store *st, int64_t id, int64_t ticket_id, int64_t now);
	int (*reply_queue)(struct store *st, int64_t ticket_id, int64_t user_id, const char *body,
			   const char *to, const char *cc, const struct mail_file *files,
			   size_t n_files, const struct mail_policy *pol, int64_t now,
			   int64_t *event_id, int64_t *outbox_id);
	int (*outbox_due)(struct store *st, int64_t now, int limit, struct outbox_list *out);
	int (*outbox_list)(struct store *st, int status, int limit, struct outbox_list *out);
	int (*outbox_get)(struct store *st, int64_t id, struct outbox_item *out, char **raw,
			  size_t *rawlen);
	int (*outbox_set_raw)(struct store *st, int64_t id, const char *raw, size_t rawlen);
	int (*outbox_attempt)(struct store *st, int64_t id, int ok, const char *error,
			      int permanent, int64_t next_attempt_at, int64_t now);
	int (*outbox_flush)(struct store *st, int64_t now, int *n);
	int (*imap_get)(struct store *st, const char *mailbox, int64_t *uidvalidity,
			int64_t *last_uid);
	int (*imap_set)(struct store *st, const char *mailbox, int64_t uidvalidity,
			int64_t last_uid);

	/* store_billing.h */
	int (*service_add)(struct store *st, struct bill_service *s);
	int (*service_update)(struct store *st, const struct bill_service *s);
	int (*service_get)(struct store *st, int64_t id, struct bill_service *out);
	int (*service_by_code)(struct store *st, const char *code, struct bill_service *out);
	int (*service_list)(struct store *st, int all, struct bill_service_list *out);
	int (*rate_add)(struct store *st, struct bill_rate *r);
	int (*rate_update)(struct store *st, const struct bill_rate *r);
	int (*rate_get)(struct store *st, int64_t id, struct bill_rate *out);
	int (*rate_by_code)(struct store *st, const char *code, struct bill_rate *out);
	int (*rate_list)(struct store *st, int all, struct bill_rate_list *out);
	int (*rate_override_set)(struct store *st, int64_t rate_id, int64_t client_id,
				 int64_t contract_id, int64_t hourly);
	int (*rate_override_list)(struct store *st, int64_t client_id,
				  struct bill_override_list *out);
	int (*contract_add)(struct store *st, struct bill_contract *c);
	int (*contract_update)(struct store *st, struct bill_contract *c);
	int (*contract_end)(struct store *st, int64_t id, int32_t end_day);
	int (*contract_get)(struct store *st, int64_t id, struct bill_contract *out);
	int (*contract_list)(struct store *st, int64_t client_id, struct bill_contract_list *out);
	int (*time_set_rate)(struct store *st, int64_t entry_id, int64_t rate_id,
			     const char *reason, int64_t actor_user_id, int64_t now);
	int (*extra_add)(struct store *st, struct bill_extra *x, int64_t actor_user_id,
			 int64_t now);
	int (*extra_remove)(struct store *st, int64_t id, int64_t actor_user_id, int64_t now);
	int (*extra_list)(struct store *st, int64_t ticket_id, struct bill_extra_list *out);
	int (*prepay_record)(struct store *st, int32_t month, const struct bill_prepay *p,
			     int64_t now, int64_t *id);
	int (*prepay_list)(struct store *st, int32_t month, struct bill_prepay_list *out);
	int (*adjustment_add)(struct store *st, int64_t client_id, struct bill_adjustment *a,
			      int64_t actor_user_id, int64_t now);
	int (*adjustment_list)(struct store *st, int32_t month,
			       struct bill_adjustment_list *out);
	int (*month_closed)(struct store *st, int32_t month, int *closed);
	int (*month_close)(struct store *st, int32_t month, const char *summary_json,
			   int64_t actor_user_id, int64_t now);
	int (*month_specs)(struct store *st, int32_t month, int64_t client_id,
			   struct bill_stored_spec **out, size_t *n, char **summary_json);
	int (*month_close_spec)(struct store *st, int32_t month, int64_t client_id,
				const char *json);
	int (*month_closed_list)(struct store *st, int32_t *months, size_t max, size_t *n);
	/*
	 * The month's reader: begin makes the backend's state (*out), next and
	 * end take it back (store_billing.c keeps it with its store).
	 */
	int (*bill_begin)(struct store *st, int32_t month, int64_t client_id,
			  const char *default_rate_code, struct bill_context *ctx, void **out);
	int (*bill_next)(struct store *st, void *reader, struct bill_client_input *in);
	void (*bill_end)(struct store *st, void *reader);
	int (*month_hours)(struct store *st, int32_t month, struct bill_hours_list *clients,
			   struct bill_hours_list *users);
};

/* One open database: its backend, the backend's own state, the last error. */
struct store {
	const struct store_backend *backend;
	void *be;          /* owned by the backend: set by open, released by close */
	char errmsg[256];  /* why the last call failed; "" after none has */
};

extern const struct store_backend store_backend_sqlite;

/*
 * Record why a call fails: format the message into st->errmsg (truncated to
 * fit) and return rc, so a backend can write `return store_fail(st,
 * STORE_NOT_FOUND, "ticket %lld not found", id);`.
 */
__attribute__((format(printf, 3, 4))) int store_fail(struct store *st, int rc, const char *fmt,
						     ...);

#endif
