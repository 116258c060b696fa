/*
 * store_billing: the backend-independent half of store_billing.h: each call
 * clears the last error and dispatches through the backend's table, as
 * store.c does for store.h; the month's reader keeps its store beside the
 * backend's state; and the _free functions of the billing lists.
 */
#include <stdlib.h>

#include "store/store_backend.h"
#include "store/store_billing.h"
#include "util/xalloc.h"

#define BILL_CALL(st, fn, ...)                                                           \
	((st)->errmsg[0] = '\0',                                                         \
	 (st)->backend->fn ? (st)->backend->fn((st), __VA_ARGS__)                        \
			   : store_fail((st), STORE_ERROR, "the %s backend cannot do %s", \
					(st)->backend->name, #fn))

/* The reader store_bill_begin hands out: its store and the backend's state. */
struct bill_reader {
	struct store *st;
	void *be;
};

/* ---- lists ---- */

void bill_service_list_free(struct bill_service_list *l)
{
	if (!l)
		return;
	free(l->items);
	l->items = NULL;
	l->n = 0;
}

void bill_rate_list_free(struct bill_rate_list *l)
{
	if (!l)
		return;
	free(l->items);
	l->items = NULL;
	l->n = 0;
}

void bill_override_list_free(struct bill_override_list *l)
{
	if (!l)
		return;
	free(l->items);
	l->items = NULL;
	l->n = 0;
}

void bill_contract_list_free(struct bill_contract_list *l)
{
	size_t i;

	if (!l)
		return;
	for (i = 0; i < l->n; i++)
		bill_contract_clear(&l->items[i]);
	free(l->items);
	l->items = NULL;
	l->n = 0;
}

void bill_extra_list_free(struct bill_extra_list *l)
{
	if (!l)
		return;
	free(l->items);
	l->items = NULL;
	l->n = 0;
}

void bill_adjustment_list_free(struct bill_adjustment_list *l)
{
	if (!l)
		return;
	free(l->items);
	free(l->client_ids);
	l->items = NULL;
	l->client_ids = NULL;
	l->n = 0;
}

void bill_prepay_list_free(struct bill_prepay_list *l)
{
	size_t i;

	if (!l)
		return;
	for (i = 0; i < l->n; i++)
		bill_prepay_clear(&l->items[i]);
	free(l->items);
	free(l->ids);
	free(l->issued_at);
	l->items = NULL;
	l->ids = NULL;
	l->issued_at = NULL;
	l->n = 0;
}

void bill_hours_list_free(struct bill_hours_list *l)
{
	if (!l)
		return;
	free(l->items);
	l->items = NULL;
	l->n = 0;
}

/* ---- services and rates ---- */

int store_service_add(struct store *st, struct bill_service *s)
{
	return BILL_CALL(st, service_add, s);
}

int store_service_update(struct store *st, const struct bill_service *s)
{
	return BILL_CALL(st, service_update, s);
}

int store_service_get(struct store *st, int64_t id, struct bill_service *out)
{
	return BILL_CALL(st, service_get, id, out);
}

int store_service_by_code(struct store *st, const char *code, struct bill_service *out)
{
	return BILL_CALL(st, service_by_code, code, out);
}

int store_service_list(struct store *st, int all, struct bill_service_list *out)
{
	return BILL_CALL(st, service_list, all, out);
}

int store_rate_add(struct store *st, struct bill_rate *r)
{
	return BILL_CALL(st, rate_add, r);
}

int store_rate_update(struct store *st, const struct bill_rate *r)
{
	return BILL_CALL(st, rate_update, r);
}

int store_rate_get(struct store *st, int64_t id, struct bill_rate *out)
{
	return BILL_CALL(st, rate_get, id, out);
}

int store_rate_by_code(struct store *st, const char *code, struct bill_rate *out)
{
	return BILL_CALL(st, rate_by_code, code, out);
}

int store_rate_list(struct store *st, int all, struct bill_rate_list *out)
{
	return BILL_CALL(st, rate_list, all, out);
}

int store_rate_override_set(struct store *st, int64_t rate_id, int64_t client_id,
			    int64_t contract_id, int64_t hourly)
{
	return BILL_CALL(st, rate_override_set, rate_id, client_id, contract_id, hourly);
}

int store_rate_override_list(struct store *st, int64_t client_id, struct bill_override_list *out)
{
	return BILL_CALL(st, rate_override_list, client_id, out);
}

/* ---- contracts ---- */

int store_contract_add(struct store *st, struct bill_contract *c)
{
	return BILL_CALL(st, contract_add, c);
}

int store_contract_update(struct store *st, struct bill_contract *c)
{
	return BILL_CALL(st, contract_update, c);
}

int store_contract_end(struct store *st, int64_t id, int32_t end_day)
{
	return BILL_CALL(st, contract_end, id, end_day);
}

int store_contract_get(struct store *st, int64_t id, struct bill_contract *out)
{
	return BILL_CALL(st, contract_get, id, out);
}

int store_contract_list(struct store *st, int64_t client_id, struct bill_contract_list *out)
{
	return BILL_CALL(st, contract_list, client_id, out);
}

/* ---- time entries, extras, prepayments, adjustments ---- */

int store_time_set_rate(struct store *st, int64_t entry_id, int64_t rate_id, const char *reason,
			int64_t actor_user_id, int64_t now)
{
	return BILL_CALL(st, time_set_rate, entry_id, rate_id, reason, actor_user_id, now);
}

int store_extra_add(struct store *st, struct bill_extra *x, int64_t actor_user_id, int64_t now)
{
	return BILL_CALL(st, extra_add, x, actor_user_id, now);
}

int store_extra_remove(struct store *st, int64_t id, int64_t actor_user_id, int64_t now)
{
	return BILL_CALL(st, extra_remove, id, actor_user_id, now);
}

int store_extra_list(struct store *st, int64_t ticket_id, struct bill_extra_list *out)
{
	return BILL_CALL(st, extra_list, ticket_id, out);
}

int store_prepay_record(struct store *st, int32_t month, const struct bill_prepay *p, int64_t now,
			int64_t *id)
{
	return BILL_CALL(st, prepay_record, month, p, now, id);
}

int store_prepay_list(struct store *st, int32_t month, struct bill_prepay_list *out)
{
	return BILL_CALL(st, prepay_list, month, out);
}

int store_adjustment_add(struct store *st, int64_t client_id, struct bill_adjustment *a,
			 int64_t actor_user_id, int64_t now)
{
	return BILL_CALL(st, adjustment_add, client_id, a, actor_user_id, now);
}

int store_adjustment_list(struct store *st, int32_t month, struct bill_adjustment_list *out)
{
	return BILL_CALL(st, adjustment_list, month, out);
}

/* ---- closed months ---- */

int store_month_closed(struct store *st, int32_t month, int *closed)
{
	return BILL_CALL(st, month_closed, month, closed);
}

int store_month_close(struct store *st, int32_t month, const char *summary_json,
		      int64_t actor_user_id, int64_t now)
{
	return BILL_CALL(st, month_close, month, summary_json, actor_user_id, now);
}

int store_month_close_spec(struct store *st, int32_t month, int64_t client_id, const char *json)
{
	return BILL_CALL(st, month_close_spec, month, client_id, json);
}

int store_month_specs(struct store *st, int32_t month, int64_t client_id,
		      struct bill_stored_spec **out, size_t *n, char **summary_json)
{
	return BILL_CALL(st, month_specs, month, client_id, out, n, summary_json);
}

int store_month_closed_list(struct store *st, int32_t *months, size_t max, size_t *n)
{
	return BILL_CALL(st, month_closed_list, months, max, n);
}

int store_month_hours(struct store *st, int32_t month, struct bill_hours_list *clients,
		      struct bill_hours_list *users)
{
	return BILL_CALL(st, month_hours, month, clients, users);
}

/* ---- the month's reader ---- */

int store_bill_begin(struct store *st, int32_t month, int64_t client_id,
		     const char *default_rate_code, struct bill_context *ctx,
		     struct bill_reader **out)
{
	void *be = NULL;
	int rc = BILL_CALL(st, bill_begin, month, client_id, default_rate_code, ctx, &be);

	if (rc != STORE_OK)
		return rc;
	*out = xmalloc(sizeof(**out));
	(*out)->st = st;
	(*out)->be = be;
	return STORE_OK;
}

int store_bill_next(struct bill_reader *r, struct bill_client_input *in)
{
	return BILL_CALL(r->st, bill_next, r->be, in);
}

void store_bill_end(struct bill_reader *r)
{
	if (!r)
		return;
	if (r->st->backend->bill_end)
		r->st->backend->bill_end(r->st, r->be);
	free(r);
}
