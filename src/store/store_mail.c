/*
 * store_mail: the backend-independent half of store_mail.h: each call
 * clears the last error and dispatches through the backend's table, as
 * store.c does for store.h; and the _free functions of the mail lists.
 */
#include <stdlib.h>

#include "store/store_backend.h"
#include "store/store_mail.h"

#define MAIL_CALL(st, fn, ...)                                                           \
	((st)->errmsg[0] = '\0',                                                         \
	 (st)->backend->fn ? (st)->backend->fn((st), __VA_ARGS__)                        \
			   : store_fail((st), STORE_ERROR, "the %s backend cannot do %s", \
					(st)->backend->name, #fn))

void quarantine_list_free(struct quarantine_list *l)
{
	if (!l)
		return;
	free(l->items);
	l->items = NULL;
	l->n = 0;
}

void outbox_list_free(struct outbox_list *l)
{
	if (!l)
		return;
	free(l->items);
	l->items = NULL;
	l->n = 0;
}

void mail_record_list_free(struct mail_record_list *l)
{
	if (!l)
		return;
	free(l->items);
	l->items = NULL;
	l->n = 0;
}

int store_mail_import(struct store *st, const struct mail_msg *m, const char *raw, size_t rawlen,
		      const char *content_hash, enum mail_source src,
		      const struct mail_policy *pol, int64_t now, struct mail_outcome *out)
{
	return MAIL_CALL(st, mail_import, m, raw, rawlen, content_hash, src, pol, now, out);
}

int store_mail_origin(struct store *st, int64_t ticket_id, struct mail_addr *out)
{
	return MAIL_CALL(st, mail_origin, ticket_id, out);
}

int store_mail_adopt_contact(struct store *st, int64_t ticket_id, int64_t client_id,
			     const char *name, int64_t actor_user_id, int64_t now,
			     struct contact *contact, struct ticket *ticket)
{
	return MAIL_CALL(st, mail_adopt_contact, ticket_id, client_id, name, actor_user_id, now,
			 contact, ticket);
}

int store_mail_messages(struct store *st, int64_t ticket_id, struct mail_record_list *out)
{
	return MAIL_CALL(st, mail_messages, ticket_id, out);
}

int store_mail_thread(struct store *st, int64_t ticket_id, char ***ids, size_t *n)
{
	return MAIL_CALL(st, mail_thread, ticket_id, ids, n);
}

int store_quarantine_add(struct store *st, const char *raw, size_t rawlen, const char *sha256,
			 const char *reason, enum mail_source src, int64_t now, int64_t *id_out)
{
	return MAIL_CALL(st, quarantine_add, raw, rawlen, sha256, reason, src, now, id_out);
}

int store_quarantine_list(struct store *st, int held_only, struct quarantine_list *out)
{
	return MAIL_CALL(st, quarantine_list, held_only, out);
}

int store_quarantine_get(struct store *st, int64_t id, struct quarantine_item *out, char **raw,
			 size_t *rawlen)
{
	return MAIL_CALL(st, quarantine_get, id, out, raw, rawlen);
}

int store_quarantine_done(struct store *st, int64_t id, int64_t ticket_id, int64_t now)
{
	return MAIL_CALL(st, quarantine_done, id, ticket_id, now);
}

int store_reply_queue(struct store *st, int64_t ticket_id, int64_t user_id, const char *body,
		      const char *to, const char *cc, const struct mail_file *files, size_t n_files,
		      const struct mail_policy *pol, int64_t now, int64_t *event_id,
		      int64_t *outbox_id)
{
	return MAIL_CALL(st, reply_queue, ticket_id, user_id, body, to, cc, files, n_files, pol,
			 now, event_id, outbox_id);
}

int store_outbox_due(struct store *st, int64_t now, int limit, struct outbox_list *out)
{
	return MAIL_CALL(st, outbox_due, now, limit, out);
}

int store_outbox_list(struct store *st, int status, int limit, struct outbox_list *out)
{
	return MAIL_CALL(st, outbox_list, status, limit, out);
}

int store_outbox_get(struct store *st, int64_t id, struct outbox_item *out, char **raw,
		     size_t *rawlen)
{
	return MAIL_CALL(st, outbox_get, id, out, raw, rawlen);
}

int store_outbox_set_raw(struct store *st, int64_t id, const char *raw, size_t rawlen)
{
	return MAIL_CALL(st, outbox_set_raw, id, raw, rawlen);
}

int store_outbox_attempt(struct store *st, int64_t id, int ok, const char *error, int permanent,
			 int64_t next_attempt_at, int64_t now)
{
	return MAIL_CALL(st, outbox_attempt, id, ok, error, permanent, next_attempt_at, now);
}

int store_outbox_flush(struct store *st, int64_t now, int *n)
{
	return MAIL_CALL(st, outbox_flush, now, n);
}

int store_imap_get(struct store *st, const char *mailbox, int64_t *uidvalidity, int64_t *last_uid)
{
	return MAIL_CALL(st, imap_get, mailbox, uidvalidity, last_uid);
}

int store_imap_set(struct store *st, const char *mailbox, int64_t uidvalidity, int64_t last_uid)
{
	return MAIL_CALL(st, imap_set, mailbox, uidvalidity, last_uid);
}
