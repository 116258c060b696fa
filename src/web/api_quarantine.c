/*
 * api_quarantine: the quarantine in the JSON API, for admins only: the held
 * messages (GET /api/v1/quarantine), one of them raw as it came (GET
 * /api/v1/quarantine/{id}/raw, a download) and its re-processing (POST
 * /api/v1/quarantine/{id}/reprocess) through mail_intake.
 */
#include <stdio.h>
#include <string.h>

#include "mail/intake.h"
#include "web/json.h"
#include "web/request.h"

void api_quarantine_list(struct web_req *r)
{
	static const char *const params[] = {"all", NULL};
	struct quarantine_list l = {0};
	const char *all;
	json_t *arr;
	size_t i;
	int rc;

	if (web_query_check(r, params) < 0)
		return;
	all = web_query_get(r, "all");
	if (all && strcmp(all, "") != 0 && strcmp(all, "true") != 0 && strcmp(all, "false") != 0) {
		web_error(r, 400, "all: must be true or false");
		return;
	}
	rc = store_quarantine_list(r->st, !(all && strcmp(all, "false") != 0), &l);
	if (rc != STORE_OK) {
		web_reply_store(r, rc);
		return;
	}
	arr = json_array();
	for (i = 0; i < l.n; i++)
		json_array_append_new(arr, json_quarantine_item(&l.items[i]));
	web_reply_json(r, 200,
		       json_pack("{s:o, s:I}", "quarantine", arr, "total", (json_int_t)l.n));
	quarantine_list_free(&l);
}

void api_quarantine_raw(struct web_req *r)
{
	static const char *const params[] = {NULL};
	struct quarantine_item q;
	char *raw = NULL, disp[64];
	size_t n = 0;
	int rc;

	if (web_query_check(r, params) < 0)
		return;
	rc = store_quarantine_get(r->st, r->ids[0], &q, &raw, &n);
	if (rc != STORE_OK) {
		web_reply_store(r, rc);
		return;
	}
	snprintf(disp, sizeof(disp), "attachment; filename=\"quarantine-%lld.eml\"",
		 (long long)q.id);
	web_reply_raw(r, 200, raw, n, "message/rfc822");
	/* A stranger's bytes: downloaded, never rendered or sniffed. */
	web_header_add(r, "Content-Disposition", disp);
	r->resp_csp = "sandbox; default-src 'none'";
}

void api_quarantine_reprocess(struct web_req *r)
{
	static const char *const params[] = {NULL};
	struct intake_result res;
	int rc;

	if (web_query_check(r, params) < 0)
		return;
	rc = mail_quarantine_reprocess(r->st, r->srv->conf, r->ids[0], r->now, &res);
	if (rc != STORE_OK) {
		web_reply_store(r, rc);
		return;
	}
	web_reply_json(r, 200, json_pack("{s:o}", "intake", json_intake(&res)));
}
