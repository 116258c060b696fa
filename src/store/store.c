/*
 * store: the backend-independent half of the store interface.  store_open
 * picks a backend by the form of the database path; every other call is a
 * thin wrapper that clears the last error and dispatches through the table.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/store.h"
#include "store/store_backend.h"
#include "util/xalloc.h"

/*
 * Backends chosen by a path prefix; anything else is an SQLite file.  A
 * PostgreSQL backend slots in here by filling its row.
 */
static const struct {
	const char *prefix;
	const struct store_backend *backend; /* NULL: known, but not built in */
} store_backends[] = {
	{ "postgresql://", NULL },
	{ "postgres://", NULL },
};

int store_fail(struct store *st, int rc, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(st->errmsg, sizeof(st->errmsg), fmt, ap);
	va_end(ap);
	return rc;
}

int store_open(const char *path, struct store **out, char *err, size_t errsz)
{
	const struct store_backend *backend = &store_backend_sqlite;
	struct store *st;
	size_t i;
	int rc;

	for (i = 0; i < sizeof(store_backends) / sizeof(store_backends[0]); i++) {
		if (strncmp(path, store_backends[i].prefix, strlen(store_backends[i].prefix)))
			continue;
		if (!store_backends[i].backend) {
			snprintf(err, errsz, "cannot open database: '%s' databases are not "
				 "supported by this evid; use an SQLite file path",
				 store_backends[i].prefix);
			return STORE_INVALID;
		}
		backend = store_backends[i].backend;
		break;
	}
	st = xcalloc(1, sizeof(*st));
	st->backend = backend;
	rc = backend->open(st, path, err, errsz);
	if (rc != STORE_OK) {
		free(st);
		return rc;
	}
	*out = st;
	return STORE_OK;
}

void store_close(struct store *st)
{
	if (!st)
		return;
	st->backend->close(st);
	free(st);
}

const char *store_errmsg(const struct store *st)
{
	return st->errmsg;
}

int store_schema_latest(void)
{
	int latest = 0;
	size_t i;

	for (i = 0; i < store_migrations_count; i++)
		if (store_migrations[i].version > latest)
			latest = store_migrations[i].version;
	return latest;
}

void store_ticket_filter_init(struct ticket_filter *f)
{
	memset(f, 0, sizeof(*f));
	f->status = -1;
	f->channel = -1;
	f->billing = -1;
	f->sort = SORT_UPDATED_DESC;
}

/* A backend may leave an entry NULL while it lacks the feature. */
static int store_unsupported(struct store *st, const char *what)
{
	return store_fail(st, STORE_ERROR, "the %s backend cannot do %s", st->backend->name, what);
}

#define STORE_CALL(st, fn, ...)                                                          \
	((st)->errmsg[0] = '\0',                                                         \
	 (st)->backend->fn ? (st)->backend->fn((st), __VA_ARGS__) : store_unsupported((st), #fn))

int store_set_busy_timeout(struct store *st, int ms)
{
	return STORE_CALL(st, set_busy_timeout, ms);
}

int store_set_result_cache(struct store *st, int n)
{
	return STORE_CALL(st, set_result_cache, n);
}

uint64_t store_result_cache_hits(struct store *st)
{
	return st->backend->result_cache_hits ? st->backend->result_cache_hits(st) : 0;
}

int store_batch_begin(struct store *st)
{
	st->errmsg[0] = '\0';
	return st->backend->batch_begin ? st->backend->batch_begin(st)
					: store_unsupported(st, "batch_begin");
}

int store_read_begin(struct store *st)
{
	return st->backend->read_begin ? st->backend->read_begin(st)
				       : store_unsupported(st, "read_begin");
}

int store_read_end(struct store *st)
{
	return STORE_CALL(st, batch_end, 1);
}

int store_batch_end(struct store *st, int commit)
{
	return STORE_CALL(st, batch_end, commit);
}

int store_schema_version(struct store *st, int *out)
{
	return STORE_CALL(st, schema_version, out);
}

int store_migrate(struct store *st, int *applied)
{
	return STORE_CALL(st, migrate, applied);
}

int store_check_schema(struct store *st)
{
	st->errmsg[0] = '\0';
	if (!st->backend->check_schema)
		return store_unsupported(st, "check_schema");
	return st->backend->check_schema(st);
}

int store_user_create(struct store *st, struct user *u, const char *pwhash, int64_t now)
{
	return STORE_CALL(st, user_create, u, pwhash, now);
}

int store_user_get(struct store *st, int64_t id, struct user *out)
{
	return STORE_CALL(st, user_get, id, out);
}

int store_user_get_by_email(struct store *st, const char *email, struct user *out, char *pwhash)
{
	return STORE_CALL(st, user_get_by_email, email, out, pwhash);
}

int store_user_list(struct store *st, struct user_list *out)
{
	return STORE_CALL(st, user_list, out);
}

int store_user_update(struct store *st, const struct user *u, const char *pwhash)
{
	return STORE_CALL(st, user_update, u, pwhash);
}

int store_user_set_password(struct store *st, int64_t user_id, const char *pwhash)
{
	return STORE_CALL(st, user_set_password, user_id, pwhash);
}

int store_session_create(struct store *st, const char *hash, int64_t user_id, int64_t now,
			 int64_t expires_at)
{
	return STORE_CALL(st, session_create, hash, user_id, now, expires_at);
}

int store_session_lookup(struct store *st, const char *hash, int64_t now, struct user *out)
{
	return STORE_CALL(st, session_lookup, hash, now, out);
}

int store_session_delete(struct store *st, const char *hash)
{
	return STORE_CALL(st, session_delete, hash);
}

int store_session_delete_user(struct store *st, int64_t user_id, const char *keep_hash)
{
	return STORE_CALL(st, session_delete_user, user_id, keep_hash);
}

int store_token_create(struct store *st, int64_t user_id, const char *hash, const char *name,
		       int64_t now, int64_t *id_out)
{
	return STORE_CALL(st, token_create, user_id, hash, name, now, id_out);
}

int store_token_lookup(struct store *st, const char *hash, int64_t now, struct user *out)
{
	return STORE_CALL(st, token_lookup, hash, now, out);
}

int store_client_create(struct store *st, struct client *c, int64_t now)
{
	return STORE_CALL(st, client_create, c, now);
}

int store_client_get(struct store *st, int64_t id, struct client *out)
{
	return STORE_CALL(st, client_get, id, out);
}

int store_client_update(struct store *st, struct client *c, int64_t now)
{
	return STORE_CALL(st, client_update, c, now);
}

int store_client_list(struct store *st, const struct client_filter *f, struct client_list *out,
		      int64_t *total)
{
	return STORE_CALL(st, client_list, f, out, total);
}

int store_client_by_domain(struct store *st, const char *domain, struct client *out)
{
	return STORE_CALL(st, client_by_domain, domain, out);
}

int store_contact_create(struct store *st, struct contact *c, int64_t now)
{
	return STORE_CALL(st, contact_create, c, now);
}

int store_contact_get(struct store *st, int64_t id, struct contact *out)
{
	return STORE_CALL(st, contact_get, id, out);
}

int store_contact_get_by_email(struct store *st, const char *email, struct contact *out)
{
	return STORE_CALL(st, contact_get_by_email, email, out);
}

int store_contact_update(struct store *st, struct contact *c, int64_t now)
{
	return STORE_CALL(st, contact_update, c, now);
}

int store_contact_list(struct store *st, const struct contact_filter *f, struct contact_list *out,
		       int64_t *total)
{
	return STORE_CALL(st, contact_list, f, out, total);
}

int store_ticket_create(struct store *st, struct ticket *t, int year, const char *description,
			int64_t author_user_id, int64_t now)
{
	return STORE_CALL(st, ticket_create, t, year, description, author_user_id, now);
}

int store_ticket_get(struct store *st, int64_t id, struct ticket *out)
{
	return STORE_CALL(st, ticket_get, id, out);
}

int store_ticket_get_by_number(struct store *st, const char *number, struct ticket *out)
{
	return STORE_CALL(st, ticket_get_by_number, number, out);
}

int store_ticket_list(struct store *st, const struct ticket_filter *f, struct ticket_list *out,
		      int64_t *total)
{
	return STORE_CALL(st, ticket_list, f, out, total);
}

int store_ticket_status_counts(struct store *st, const struct ticket_filter *f,
			       int64_t counts[STATUS_COUNT])
{
	return STORE_CALL(st, ticket_status_counts, f, counts);
}

int store_ticket_merge(struct store *st, int64_t from_id, int64_t into_id, int64_t actor_user_id,
		       int64_t now)
{
	return STORE_CALL(st, ticket_merge, from_id, into_id, actor_user_id, now);
}

int store_ticket_time_shares(struct store *st, int64_t ticket_id, struct time_share_list *out)
{
	return STORE_CALL(st, ticket_time_shares, ticket_id, out);
}

int store_ticket_mail_list(struct store *st, int64_t ticket_id, struct ticket_mail_list *out)
{
	return STORE_CALL(st, ticket_mail_list, ticket_id, out);
}

int store_ticket_update(struct store *st, int64_t id, const struct ticket_patch *p,
			int64_t actor_user_id, int64_t now, struct ticket *out)
{
	return STORE_CALL(st, ticket_update, id, p, actor_user_id, now, out);
}

int store_ticket_events(struct store *st, int64_t ticket_id, struct event_list *out)
{
	return STORE_CALL(st, ticket_events, ticket_id, out);
}

int store_event_add(struct store *st, struct event *e, int64_t now)
{
	return STORE_CALL(st, event_add, e, now);
}

int store_timer_start(struct store *st, int64_t user_id, int64_t ticket_id, int64_t now,
		      struct timer_running *out, struct time_entry *stopped)
{
	return STORE_CALL(st, timer_start, user_id, ticket_id, now, out, stopped);
}

int store_timer_stop(struct store *st, int64_t user_id, int64_t ticket_id, int64_t now,
		     struct time_entry *out)
{
	return STORE_CALL(st, timer_stop, user_id, ticket_id, now, out);
}

int store_timer_get(struct store *st, int64_t user_id, struct timer_running *out)
{
	return STORE_CALL(st, timer_get, user_id, out);
}

int store_time_add(struct store *st, struct time_entry *e, int64_t actor_user_id, int64_t now)
{
	return STORE_CALL(st, time_add, e, actor_user_id, now);
}

int store_time_get(struct store *st, int64_t id, struct time_entry *out)
{
	return STORE_CALL(st, time_get, id, out);
}

int store_time_update(struct store *st, struct time_entry *e, const char *reason,
		      int64_t actor_user_id, int64_t now)
{
	return STORE_CALL(st, time_update, e, reason, actor_user_id, now);
}

int store_time_list(struct store *st, int64_t ticket_id, struct time_entry_list *out)
{
	return STORE_CALL(st, time_list, ticket_id, out);
}

int store_attachment_add(struct store *st, struct attachment *a, const void *data, int64_t now)
{
	return STORE_CALL(st, attachment_add, a, data, now);
}

int store_attachment_get(struct store *st, int64_t id, struct attachment *out, void **data)
{
	return STORE_CALL(st, attachment_get, id, out, data);
}

int store_attachment_list(struct store *st, int64_t ticket_id, struct attachment_list *out)
{
	return STORE_CALL(st, attachment_list, ticket_id, out);
}
