/*
 * api_billing: the JSON API of contracts and billing (see api_billing.h and
 * docs/api.md "Billing").  Records become JSON and request bodies are read
 * through web/json_billing.c; the month-end run, closing and prepayments go
 * through web/billing_run.c, as for the CLI and the pages, so the documents
 * are the same bytes wherever they are asked for.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/calendar.h"
#include "store/store_billing.h"
#include "util/clock.h"
#include "util/xalloc.h"
#include "web/api_billing.h"
#include "web/billing_run.h"
#include "web/json.h"
#include "web/request.h"

/* The cap of a run's or a prepayment list's document answered in one piece. */
#define RUN_DOC_MAX (256u * 1024 * 1024)

/* ---- helpers ---- */

/* Answer a failed billing_run.c call. */
static void reply_billing(struct web_req *r, const struct billing_error *e)
{
	switch (e->kind) {
	case BILLING_FAIL_STORE:
		switch (e->store_rc) {
		case STORE_NOT_FOUND:
			web_error(r, 404, "%s", e->msg);
			return;
		case STORE_INVALID:
			web_error(r, 400, "%s", e->msg);
			return;
		case STORE_CONFLICT:
			web_error(r, 409, "%s", e->msg);
			return;
		default:
			/* The store's own mapping: busy, full, or an internal error logged. */
			web_reply_store(r, e->store_rc);
			return;
		}
	case BILLING_FAIL_INPUT:
		web_error(r, 400, "%s", e->msg);
		return;
	case BILLING_FAIL_RULES:
		web_error(r, 409, "%s", e->msg);
		return;
	case BILLING_FAIL_OUTPUT:
		web_error(r, 500, "%s", e->msg);
		return;
	}
}

/* An empty body or {}: the endpoints that take no fields. */
static int no_fields(struct web_req *r)
{
	json_t *body = web_body_json(r, 1);
	int rc;

	if (!body)
		return -1;
	rc = web_fields_read(r, body, NULL, 0, FIELDS_CREATE, NULL);
	json_decref(body);
	return rc;
}

/* ?lang=hr|en, else the configuration's language; NULL after answering 400. */
static const char *query_lang(struct web_req *r)
{
	const char *v = web_query_get(r, "lang");

	if (!v)
		return r->srv->conf->language;
	if (strcmp(v, "hr") == 0 || strcmp(v, "en") == 0)
		return v;
	web_error(r, 400, "lang: must be hr or en");
	return NULL;
}

/* Answer a document held in b (taken from it) as type. */
static void reply_doc(struct web_req *r, struct buf *b, const char *type)
{
	size_t n = b->len;

	web_reply_raw(r, 200, buf_detach(b), n, type);
}

/* ---- the month-end run ---- */

void api_billing_run(struct web_req *r)
{
	static const char *const params[] = {"client_id", "format", "lang", NULL};
	struct billing_run_req req;
	struct billing_error e;
	struct buf doc = BUF_INIT(RUN_DOC_MAX);
	const char *format = web_query_get(r, "format"), *lang;
	char m[8], disp[128];

	memset(&req, 0, sizeof(req));
	req.month = (int32_t)r->ids[0];
	req.format = BILLING_JSON;
	if (web_query_check(r, params) < 0 || web_query_id(r, "client_id", &req.client_id) < 0 ||
	    !(lang = query_lang(r)))
		return;
	if (format && billing_format_parse(format, &req.format) < 0) {
		web_error(r, 400, "format: must be json, csv, text, pdf or xlsx");
		return;
	}
	if (!req.client_id && (req.format == BILLING_PDF || req.format == BILLING_XLSX)) {
		web_error(r, 400, "format: %s is one client's document: give client_id",
			  billing_format_name(req.format));
		return;
	}
	req.lang = lang;
	req.out = &doc;
	if (billing_run(r->st, r->srv->conf, &req, NULL, &e) < 0) {
		buf_free(&doc);
		reply_billing(r, &e);
		return;
	}
	cal_month_format(req.month, m);
	if (req.format != BILLING_JSON) {
		if (req.client_id)
			snprintf(disp, sizeof(disp), "attachment; filename=\"%s-%lld.%s\"", m,
				 (long long)req.client_id, billing_format_ext(req.format));
		else
			snprintf(disp, sizeof(disp), "attachment; filename=\"%s.%s\"", m,
				 billing_format_ext(req.format));
		web_header_add(r, "Content-Disposition", disp);
	}
	reply_doc(r, &doc,
		  req.format == BILLING_JSON ? "application/json; charset=utf-8"
					     : billing_format_type(req.format));
}

void api_billing_close(struct web_req *r)
{
	struct billing_run_result res;
	struct billing_error e;
	int32_t month = (int32_t)r->ids[0];
	char m[8];

	if (no_fields(r) < 0)
		return;
	if (billing_close(r->st, r->srv->conf, month, r->user.id, r->now, &res, &e) < 0) {
		reply_billing(r, &e);
		return;
	}
	web_reply_json(r, 200,
		       json_pack("{s:s,s:b,s:o}", "month", cal_month_format(month, m), "closed", 1,
				 "summary", json_bill_summary(&res.summary)));
}

void api_billing_months(struct web_req *r)
{
	static const char *const params[] = {NULL};
	int32_t months[240];
	size_t n = 0;
	json_t *arr;
	char m[8];
	int rc;

	if (web_query_check(r, params) < 0)
		return;
	rc = store_month_closed_list(r->st, months, sizeof(months) / sizeof(months[0]), &n);
	if (rc != STORE_OK) {
		web_reply_store(r, rc);
		return;
	}
	arr = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(arr, json_string(cal_month_format(months[i], m)));
	web_reply_json(r, 200, json_pack("{s:o}", "closed_months", arr));
}

/* ---- prepayments ---- */

static void prepay_reply(struct web_req *r, int issue)
{
	static const char *const params[] = {"format", "lang", NULL};
	struct billing_prepay_list l;
	struct billing_error e;
	enum billing_format f = BILLING_JSON;
	struct buf doc = BUF_INIT(RUN_DOC_MAX);
	const char *format = web_query_get(r, "format"), *lang;

	if (web_query_check(r, params) < 0 || !(lang = query_lang(r)))
		return;
	if (format &&
	    (billing_format_parse(format, &f) < 0 || f == BILLING_PDF || f == BILLING_XLSX)) {
		web_error(r, 400, "format: must be json, csv or text");
		return;
	}
	if (issue && no_fields(r) < 0)
		return;
	memset(&l, 0, sizeof(l));
	if (billing_prepay(r->st, (int32_t)r->ids[0], issue, r->now, &l, &e) < 0 ||
	    billing_prepay_write(&l, f, lang, &doc, &e) < 0) {
		billing_prepay_list_free(&l);
		buf_free(&doc);
		reply_billing(r, &e);
		return;
	}
	billing_prepay_list_free(&l);
	reply_doc(r, &doc,
		  f == BILLING_JSON ? "application/json; charset=utf-8" : billing_format_type(f));
}

void api_prepay_get(struct web_req *r)
{
	prepay_reply(r, 0);
}

void api_prepay_issue(struct web_req *r)
{
	prepay_reply(r, 1);
}

/* ---- request bodies read by json_billing.c ---- */

/* ?all=true|false|1|0 into *out (default 0); 0, or -1 after replying 400. */
static int query_all(struct web_req *r, int *out)
{
	const char *v = web_query_get(r, "all");

	*out = 0;
	if (!v)
		return 0;
	if (strcmp(v, "true") == 0 || strcmp(v, "1") == 0) {
		*out = 1;
	} else if (strcmp(v, "false") != 0 && strcmp(v, "0") != 0) {
		web_error(r, 400, "all: must be true or false");
		return -1;
	}
	return 0;
}

/* The body as an object (NULL after replying); the caller json_decrefs it. */
static json_t *body_object(struct web_req *r)
{
	return web_body_json(r, 0);
}

/* ---- services ---- */

static void reply_service(struct web_req *r, int status, int64_t id)
{
	struct bill_service s;
	int rc = store_service_get(r->st, id, &s);

	if (rc != STORE_OK) {
		web_reply_store(r, rc);
		return;
	}
	web_reply_json(r, status, json_pack("{s:o}", "service", json_service(&s)));
}

void api_services_list(struct web_req *r)
{
	static const char *const params[] = {"all", NULL};
	struct bill_service_list l = {0};
	json_t *arr;
	int all, rc;

	if (web_query_check(r, params) < 0 || query_all(r, &all) < 0)
		return;
	rc = store_service_list(r->st, all, &l);
	if (rc != STORE_OK) {
		web_reply_store(r, rc);
		return;
	}
	arr = json_array();
	for (size_t i = 0; i < l.n; i++)
		json_array_append_new(arr, json_service(&l.items[i]));
	web_reply_json(r, 200, json_pack("{s:o,s:I}", "services", arr, "total", (json_int_t)l.n));
	bill_service_list_free(&l);
}

void api_services_get(struct web_req *r)
{
	reply_service(r, 200, r->ids[0]);
}

void api_services_create(struct web_req *r)
{
	struct bill_service s;
	char err[256];
	json_t *body = body_object(r);
	int rc;

	if (!body)
		return;
	memset(&s, 0, sizeof(s));
	s.unit = UNIT_MONTH;
	s.vat = 25;
	s.active = 1;
	if (json_service_parse(body, FIELDS_CREATE, &s, err, sizeof(err)) < 0) {
		web_error(r, 400, "%s", err);
		goto out;
	}
	rc = store_service_add(r->st, &s);
	if (rc != STORE_OK) {
		web_reply_store(r, rc);
		goto out;
	}
	reply_service(r, 201, s.id);
out:
	json_decref(body);
}

void api_services_patch(struct web_req *r)
{
	struct bill_service s;
	char err[256];
	json_t *body = body_object(r);
	int rc;

	if (!body)
		return;
	rc = store_service_get(r->st, r->ids[0], &s);
	if (rc != STORE_OK) {
		web_reply_store(r, rc);
		goto out;
	}
	if (json_object_size(body) == 0) {
		web_error(r, 400, "nothing to change: send at least one field of the service");
		goto out;
	}
	if (json_service_parse(body, FIELDS_PATCH, &s, err, sizeof(err)) < 0) {
		web_error(r, 400, "%s", err);
		goto out;
	}
	rc = store_service_update(r->st, &s);
	if (rc != STORE_OK) {
		web_reply_store(r, rc);
		goto out;
	}
	reply_service(r, 200, s.id);
out:
	json_decref(body);
}

/* ---- rates ---- */

/* {"rate": ..., "overrides": [the rate's overrides]} */
static void reply_rate(struct web_req *r, int status, int64_t id)
{
	struct bill_override_list l = {0};
	struct bill_rate rate;
	json_t *arr;
	int rc = store_rate_get(r->st, id, &rate);

	if (rc == STORE_OK)
		rc = store_rate_override_list(r->st, 0, &l);
	if (rc != STORE_OK) {
		web_reply_store(r, rc);
		return;
	}
	arr = json_array();
	for (size_t i = 0; i < l.n; i++)
		if (l.items[i].rate_id == id)
			json_array_append_new(arr, json_rate_override(&l.items[i]));
	bill_override_list_free(&l);
	web_reply_json(r, status,
		       json_pack("{s:o,s:o}", "rate", json_rate(&rate), "overrides", arr));
}

void api_rates_list(struct web_req *r)
{
	static const char *const params[] = {"all", NULL};
	struct bill_rate_list l = {0};
	json_t *arr;
	int all, rc;

	if (web_query_check(r, params) < 0 || query_all(r, &all) < 0)
		return;
	rc = store_rate_list(r->st, all, &l);
	if (rc != STORE_OK) {
		web_reply_store(r, rc);
		return;
	}
	arr = json_array();
	for (size_t i = 0; i < l.n; i++)
		json_array_append_new(arr, json_rate(&l.items[i]));
	web_reply_json(r, 200, json_pack("{s:o,s:I}", "rates", arr, "total", (json_int_t)l.n));
	bill_rate_list_free(&l);
}

void api_rates_get(struct web_req *r)
{
	reply_rate(r, 200, r->ids[0]);
}

void api_rates_create(struct web_req *r)
{
	struct bill_rate rate;
	char err[256];
	json_t *body = body_object(r);
	int rc;

	if (!body)
		return;
	memset(&rate, 0, sizeof(rate));
	rate.vat = 25;
	rate.active = 1;
	if (json_rate_parse(body, FIELDS_CREATE, &rate, err, sizeof(err)) < 0) {
		web_error(r, 400, "%s", err);
		goto out;
	}
	rc = store_rate_add(r->st, &rate);
	if (rc != STORE_OK) {
		web_reply_store(r, rc);
		goto out;
	}
	reply_rate(r, 201, rate.id);
out:
	json_decref(body);
}

void api_rates_patch(struct web_req *r)
{
	struct bill_rate rate;
	char err[256];
	json_t *body = body_object(r);
	int rc;

	if (!body)
		return;
	rc = store_rate_get(r->st, r->ids[0], &rate);
	if (rc != STORE_OK) {
		web_reply_store(r, rc);
		goto out;
	}
	if (json_object_size(body) == 0) {
		web_error(r, 400, "nothing to change: send at least one field of the rate");
		goto out;
	}
	if (json_rate_parse(body, FIELDS_PATCH, &rate, err, sizeof(err)) < 0) {
		web_error(r, 400, "%s", err);
		goto out;
	}
	rc = store_rate_update(r->st, &rate);
	if (rc != STORE_OK) {
		web_reply_store(r, rc);
		goto out;
	}
	reply_rate(r, 200, rate.id);
out:
	json_decref(body);
}

void api_rates_override(struct web_req *r)
{
	struct bill_rate_override v;
	char err[256];
	json_t *body = body_object(r);
	int rc;

	if (!body)
		return;
	memset(&v, 0, sizeof(v));
	v.rate_id = r->ids[0];
	if (json_override_parse(body, &v, err, sizeof(err)) < 0) {
		web_error(r, 400, "%s", err);
		goto out;
	}
	rc = store_rate_override_set(r->st, r->ids[0], v.client_id, v.contract_id, v.hourly);
	if (rc != STORE_OK) {
		web_reply_store(r, rc);
		goto out;
	}
	reply_rate(r, 200, r->ids[0]);
out:
	json_decref(body);
}

/* ---- contracts ---- */

/* Look up the services of new lines given by code only; 0, or -1 after replying. */
static int lines_resolve(struct web_req *r, struct bill_contract *c)
{
	for (size_t i = 0; i < c->n_lines; i++) {
		struct bill_contract_line *l = &c->lines[i];
		struct bill_service s;
		int rc;

		if (l->service_id || !l->service_code[0])
			continue;
		rc = store_service_by_code(r->st, l->service_code, &s);
		if (rc == STORE_NOT_FOUND) {
			web_error(r, 400, "lines[%zu].service_code: no service '%s'", i,
				  l->service_code);
			return -1;
		}
		if (rc != STORE_OK) {
			web_reply_store(r, rc);
			return -1;
		}
		l->service_id = s.id;
	}
	return 0;
}

static void reply_contract(struct web_req *r, int status, int64_t id)
{
	struct bill_contract c;
	int rc;

	memset(&c, 0, sizeof(c));
	rc = store_contract_get(r->st, id, &c);
	if (rc != STORE_OK) {
		web_reply_store(r, rc);
		return;
	}
	web_reply_json(r, status, json_pack("{s:o}", "contract", json_contract(&c)));
	bill_contract_clear(&c);
}

void api_contracts_list(struct web_req *r)
{
	static const char *const params[] = {"client_id", NULL};
	struct bill_contract_list l = {0};
	int64_t client_id = 0;
	json_t *arr;
	int rc;

	if (web_query_check(r, params) < 0 || web_query_id(r, "client_id", &client_id) < 0)
		return;
	rc = store_contract_list(r->st, client_id, &l);
	if (rc != STORE_OK) {
		web_reply_store(r, rc);
		return;
	}
	arr = json_array();
	for (size_t i = 0; i < l.n; i++)
		json_array_append_new(arr, json_contract(&l.items[i]));
	web_reply_json(r, 200, json_pack("{s:o,s:I}", "contracts", arr, "total", (json_int_t)l.n));
	bill_contract_list_free(&l);
}

void api_contracts_get(struct web_req *r)
{
	reply_contract(r, 200, r->ids[0]);
}

void api_contracts_create(struct web_req *r)
{
	struct bill_contract c;
	char err[256];
	json_t *body = body_object(r);
	int rc;

	memset(&c, 0, sizeof(c));
	if (!body)
		return;
	c.end_day = -1;
	c.proration = PRORATE_MONTHLY;
	c.cycle = CYCLE_MONTHLY;
	/* Rounding as for work under no contract until the body says otherwise. */
	billing_default_terms(r->srv->conf, &c.terms);
	if (json_contract_parse(body, FIELDS_CREATE, &c, err, sizeof(err)) < 0) {
		web_error(r, 400, "%s", err);
		goto out;
	}
	if (lines_resolve(r, &c) < 0)
		goto out;
	rc = store_contract_add(r->st, &c);
	if (rc != STORE_OK) {
		web_reply_store(r, rc);
		goto out;
	}
	reply_contract(r, 201, c.id);
out:
	bill_contract_clear(&c);
	json_decref(body);
}

void api_contracts_patch(struct web_req *r)
{
	struct bill_contract c;
	char err[256];
	json_t *body = body_object(r);
	int rc;

	memset(&c, 0, sizeof(c));
	if (!body)
		return;
	rc = store_contract_get(r->st, r->ids[0], &c);
	if (rc != STORE_OK) {
		web_reply_store(r, rc);
		goto out;
	}
	if (json_object_size(body) == 0) {
		web_error(r, 400, "nothing to change: send at least one field of the contract");
		goto out;
	}
	if (json_contract_parse(body, FIELDS_PATCH, &c, err, sizeof(err)) < 0) {
		web_error(r, 400, "%s", err);
		goto out;
	}
	if (lines_resolve(r, &c) < 0)
		goto out;
	rc = store_contract_update(r->st, &c);
	if (rc != STORE_OK) {
		web_reply_store(r, rc);
		goto out;
	}
	reply_contract(r, 200, c.id);
out:
	bill_contract_clear(&c);
	json_decref(body);
}

enum { END_DATE, END_N };

static const struct field_spec end_spec[END_N] = {
    [END_DATE] = {"end_date", FIELD_LINE, 10, FIELD_REQUIRED | FIELD_NONEMPTY},
};

void api_contracts_end(struct web_req *r)
{
	struct field_val v[END_N];
	json_t *body = body_object(r);
	int32_t day;
	int rc;

	if (!body)
		return;
	if (web_fields_read(r, body, end_spec, END_N, FIELDS_CREATE, v) < 0)
		goto out;
	if (cal_date_parse(v[END_DATE].s, &day) < 0) {
		web_error(r, 400, "end_date: must be a date YYYY-MM-DD");
		goto out;
	}
	rc = store_contract_end(r->st, r->ids[0], day);
	if (rc != STORE_OK) {
		web_reply_store(r, rc);
		goto out;
	}
	reply_contract(r, 200, r->ids[0]);
out:
	json_decref(body);
}

/* ---- extra items ---- */

void api_extras_list(struct web_req *r)
{
	static const char *const params[] = {"ticket_id", NULL};
	struct bill_extra_list l = {0};
	int64_t ticket_id = 0;
	json_t *arr;
	int rc;

	if (web_query_check(r, params) < 0 || web_query_id(r, "ticket_id", &ticket_id) < 0)
		return;
	rc = store_extra_list(r->st, ticket_id, &l);
	if (rc != STORE_OK) {
		web_reply_store(r, rc);
		return;
	}
	arr = json_array();
	for (size_t i = 0; i < l.n; i++)
		json_array_append_new(arr, json_extra(&l.items[i]));
	web_reply_json(r, 200, json_pack("{s:o,s:I}", "extras", arr, "total", (json_int_t)l.n));
	bill_extra_list_free(&l);
}

void api_extras_create(struct web_req *r)
{
	struct bill_extra x;
	char err[256];
	json_t *body = body_object(r);
	int rc;

	if (!body)
		return;
	memset(&x, 0, sizeof(x));
	x.quantity = BILL_QTY_ONE;
	x.vat = 25;
	x.day = clock_local_day(r->now);
	if (json_extra_parse(body, FIELDS_CREATE, &x, err, sizeof(err)) < 0) {
		web_error(r, 400, "%s", err);
		goto out;
	}
	rc = store_extra_add(r->st, &x, r->user.id, r->now);
	if (rc != STORE_OK) {
		web_reply_store(r, rc);
		goto out;
	}
	web_reply_json(r, 201, json_pack("{s:o}", "extra", json_extra(&x)));
out:
	json_decref(body);
}

void api_extras_delete(struct web_req *r)
{
	int rc;

	if (no_fields(r) < 0)
		return;
	rc = store_extra_remove(r->st, r->ids[0], r->user.id, r->now);
	if (rc != STORE_OK) {
		web_reply_store(r, rc);
		return;
	}
	web_reply_raw(r, 204, NULL, 0, NULL);
}

/* ---- the kind of work of a time entry ---- */

enum { TR_RATE, TR_REASON, TR_N };

static const struct field_spec time_rate_spec[TR_N] = {
    [TR_RATE] = {"rate", FIELD_LINE, BILL_CODE_MAX_LEN, FIELD_REQUIRED | FIELD_NULLABLE},
    [TR_REASON] = {"reason", FIELD_TEXT, NOTES_MAX_LEN, FIELD_REQUIRED | FIELD_NONEMPTY},
};

void api_time_rate(struct web_req *r)
{
	struct field_val v[TR_N];
	struct time_entry e;
	struct bill_rate rate;
	json_t *body = body_object(r), *o;
	int rc;

	if (!body)
		return;
	if (web_fields_read(r, body, time_rate_spec, TR_N, FIELDS_CREATE, v) < 0)
		goto out;
	rc = store_time_get(r->st, r->ids[0], &e);
	if (rc != STORE_OK) {
		web_reply_store(r, rc);
		goto out;
	}
	/* As for the entry's other corrections (PATCH /api/v1/time/{id}). */
	if (e.user_id != r->user.id && r->user.role != ROLE_ADMIN) {
		web_error(r, 403, "a technician corrects only their own time entries");
		goto out;
	}
	memset(&rate, 0, sizeof(rate));
	if (!v[TR_RATE].is_null) {
		rc = store_rate_by_code(r->st, v[TR_RATE].s, &rate);
		if (rc == STORE_NOT_FOUND) {
			web_error(r, 400, "rate: no rate '%s'; see GET /api/v1/rates",
				  v[TR_RATE].s);
			goto out;
		}
		if (rc != STORE_OK) {
			web_reply_store(r, rc);
			goto out;
		}
	}
	rc = store_time_set_rate(r->st, e.id, rate.id, v[TR_REASON].s, r->user.id, r->now);
	if (rc == STORE_OK)
		rc = store_time_get(r->st, e.id, &e);
	if (rc != STORE_OK) {
		web_reply_store(r, rc);
		goto out;
	}
	o = json_pack("{s:o}", "time_entry", json_time_entry(&e));
	json_object_set_new(o, "rate", rate.id ? json_string(rate.code) : json_null());
	web_reply_json(r, 200, o);
out:
	json_decref(body);
}

/* ---- adjustments ---- */

void api_adjustments_list(struct web_req *r)
{
	static const char *const params[] = {"month", NULL};
	struct bill_adjustment_list l = {0};
	const char *m = web_query_get(r, "month");
	int32_t month;
	json_t *arr;
	int rc;

	if (web_query_check(r, params) < 0)
		return;
	if (!m || cal_month_parse(m, &month) < 0) {
		web_error(r, 400, "month: give the month the adjustments are charged in, YYYY-MM");
		return;
	}
	rc = store_adjustment_list(r->st, month, &l);
	if (rc != STORE_OK) {
		web_reply_store(r, rc);
		return;
	}
	arr = json_array();
	for (size_t i = 0; i < l.n; i++) {
		json_t *a = json_adjustment(&l.items[i]);

		json_object_set_new(a, "client_id", json_integer(l.client_ids[i]));
		json_array_append_new(arr, a);
	}
	web_reply_json(r, 200,
		       json_pack("{s:o,s:I}", "adjustments", arr, "total", (json_int_t)l.n));
	bill_adjustment_list_free(&l);
}

void api_adjustments_create(struct web_req *r)
{
	struct bill_adjustment a;
	int64_t client_id = 0;
	char err[256];
	json_t *body = body_object(r), *o;
	int rc;

	if (!body)
		return;
	memset(&a, 0, sizeof(a));
	if (json_adjustment_parse(body, &a, &client_id, err, sizeof(err)) < 0) {
		web_error(r, 400, "%s", err);
		goto out;
	}
	rc = store_adjustment_add(r->st, client_id, &a, r->user.id, r->now);
	if (rc != STORE_OK) {
		web_reply_store(r, rc);
		goto out;
	}
	o = json_adjustment(&a);
	json_object_set_new(o, "client_id", json_integer(client_id));
	web_reply_json(r, 201, json_pack("{s:o}", "adjustment", o));
out:
	json_decref(body);
}
