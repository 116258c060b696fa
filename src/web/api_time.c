/*
 * api_time: the caller's stopwatch (start, stop, status) and time entries
 * (list per ticket, add by hand, correct with a reason).  A technician acts
 * only as themselves; an admin may also add or correct others' entries.
 */
#include <string.h>

#include "core/timer.h"
#include "web/json.h"
#include "web/request.h"

/* Fetch ticket id; 0, or -1 after replying (404 for an unknown ticket). */
static int ticket_exists(struct web_req *r, int64_t id, struct ticket *t)
{
	int rc = store_ticket_get(r->st, id, t);

	if (rc != STORE_OK) {
		web_reply_store(r, rc);
		return -1;
	}
	return 0;
}

/* The stopwatch endpoints take no fields; an empty body or {} is fine. */
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

/* Answer {"time_entry": ...} for entry id as the store now has it. */
static void reply_entry(struct web_req *r, int status, int64_t id)
{
	struct time_entry e;
	int rc = store_time_get(r->st, id, &e);

	if (rc != STORE_OK) {
		web_reply_store(r, rc);
		return;
	}
	web_reply_json(r, status, json_pack("{s:o}", "time_entry", json_time_entry(&e)));
}

void api_timer_get(struct web_req *r)
{
	struct timer_running t;
	int rc = store_timer_get(r->st, r->user.id, &t);

	if (rc == STORE_NOT_FOUND) {
		web_reply_json(r, 200, json_pack("{s:n}", "timer"));
		return;
	}
	if (rc != STORE_OK) {
		web_reply_store(r, rc);
		return;
	}
	web_reply_json(r, 200, json_pack("{s:o}", "timer", json_timer(&t, r->now)));
}

void api_timer_start(struct web_req *r)
{
	struct timer_running running;
	struct time_entry stopped;
	struct ticket t;
	json_t *o;
	int rc;

	if (no_fields(r) < 0 || ticket_exists(r, r->ids[0], &t) < 0)
		return;
	memset(&stopped, 0, sizeof(stopped));
	rc = store_timer_start(r->st, r->user.id, t.id, r->now, &running, &stopped);
	if (rc != STORE_OK) {
		web_reply_store(r, rc);
		return;
	}
	o = json_pack("{s:o}", "timer", json_timer(&running, r->now));
	if (stopped.id) {
		/* Read it back for the names the stop left out. */
		if (store_time_get(r->st, stopped.id, &stopped) != STORE_OK)
			memset(stopped.user_name, 0, sizeof(stopped.user_name));
		json_object_set_new(o, "stopped", json_time_entry(&stopped));
	} else {
		json_object_set_new(o, "stopped", json_null());
	}
	web_reply_json(r, 200, o);
}

void api_timer_stop(struct web_req *r)
{
	struct time_entry e;
	struct ticket t;
	int rc;

	if (no_fields(r) < 0 || ticket_exists(r, r->ids[0], &t) < 0)
		return;
	rc = store_timer_stop(r->st, r->user.id, t.id, r->now, &e);
	if (rc == STORE_NOT_FOUND) {
		/* The ticket exists (checked above); what is missing is the caller's stopwatch. */
		web_error(r, 409, "no stopwatch of yours is running on ticket %s", t.number);
		return;
	}
	if (rc != STORE_OK) {
		web_reply_store(r, rc);
		return;
	}
	reply_entry(r, 200, e.id);
}

void api_time_list(struct web_req *r)
{
	static const char *const params[] = {NULL};
	struct time_entry_list l = {0};
	struct ticket t;
	int64_t total = 0;
	json_t *arr;
	size_t i;
	int rc;

	if (web_query_check(r, params) < 0 || ticket_exists(r, r->ids[0], &t) < 0)
		return;
	rc = store_time_list(r->st, t.id, &l);
	if (rc != STORE_OK) {
		web_reply_store(r, rc);
		return;
	}
	arr = json_array();
	for (i = 0; i < l.n; i++) {
		json_array_append_new(arr, json_time_entry(&l.items[i]));
		total += l.items[i].seconds;
	}
	web_reply_json(
	    r, 200,
	    json_pack("{s:o,s:I}", "time_entries", arr, "total_seconds", (json_int_t)total));
	time_entry_list_free(&l);
}

/* E_EXTRA is user_id when adding an entry and the reason when correcting one. */
enum { E_STARTED, E_ENDED, E_SECONDS, E_NOTE, E_BILLABLE, E_EXTRA, E_N };

static const struct field_spec entry_add_spec[E_N] = {
    [E_STARTED] = {"started_at", FIELD_TIME, 0, FIELD_REQUIRED},
    [E_ENDED] = {"ended_at", FIELD_TIME, 0, 0},
    [E_SECONDS] = {"seconds", FIELD_INT, TIME_ENTRY_MAX_SECONDS, 0},
    [E_NOTE] = {"note", FIELD_LINE, TIME_NOTE_MAX_LEN, FIELD_NULLABLE},
    [E_BILLABLE] = {"billable", FIELD_BOOL, 0, 0},
    [E_EXTRA] = {"user_id", FIELD_ID, 0, 0},
};

static const struct field_spec entry_patch_spec[E_N] = {
    [E_STARTED] = {"started_at", FIELD_TIME, 0, 0},
    [E_ENDED] = {"ended_at", FIELD_TIME, 0, 0},
    [E_SECONDS] = {"seconds", FIELD_INT, TIME_ENTRY_MAX_SECONDS, 0},
    [E_NOTE] = {"note", FIELD_LINE, TIME_NOTE_MAX_LEN, FIELD_NULLABLE},
    [E_BILLABLE] = {"billable", FIELD_BOOL, 0, 0},
    [E_EXTRA] = {"reason", FIELD_TEXT, NOTES_MAX_LEN, FIELD_REQUIRED | FIELD_NONEMPTY},
};

/*
 * Apply the times, note and billable flag of v to e and check the result
 * with time_entry_check.  Returns 0, or -1 after replying 400.
 */
static int entry_apply(struct web_req *r, const struct field_spec *spec, const struct field_val *v,
		       struct time_entry *e)
{
	const char *why;

	if (v[E_ENDED].present && v[E_SECONDS].present) {
		web_error(r, 400, "seconds: give either ended_at or seconds, not both");
		return -1;
	}
	if (v[E_SECONDS].present && v[E_SECONDS].i < 1) {
		web_error(r, 400, "seconds: must be at least 1");
		return -1;
	}
	if (v[E_STARTED].present)
		e->started_at = v[E_STARTED].i;
	if (v[E_ENDED].present)
		e->ended_at = v[E_ENDED].i;
	else if (v[E_SECONDS].present)
		e->ended_at = e->started_at + v[E_SECONDS].i;
	if (v[E_NOTE].present)
		web_field_copy(&spec[E_NOTE], &v[E_NOTE], e->note, sizeof(e->note));
	if (v[E_BILLABLE].present)
		e->billable = (int)v[E_BILLABLE].i;
	if (time_entry_check(e, r->now, &why) < 0) {
		web_error(r, 400, "%s", why);
		return -1;
	}
	return 0;
}

void api_time_add(struct web_req *r)
{
	struct field_val v[E_N];
	struct time_entry e;
	struct ticket t;
	json_t *body;
	int rc;

	body = web_body_json(r, 0);
	if (!body || web_fields_read(r, body, entry_add_spec, E_N, FIELDS_CREATE, v) < 0)
		goto out;
	if (!v[E_ENDED].present && !v[E_SECONDS].present) {
		web_error(r, 400, "seconds: required (or ended_at)");
		goto out;
	}
	if (v[E_EXTRA].present && v[E_EXTRA].i != r->user.id && r->user.role != ROLE_ADMIN) {
		web_error(r, 403, "user_id: a technician records only their own time");
		goto out;
	}
	if (ticket_exists(r, r->ids[0], &t) < 0)
		goto out;
	memset(&e, 0, sizeof(e));
	e.ticket_id = t.id;
	e.user_id = v[E_EXTRA].present ? v[E_EXTRA].i : r->user.id;
	e.billable = t.billing == BILLING_BILLABLE;
	if (entry_apply(r, entry_add_spec, v, &e) < 0)
		goto out;
	rc = store_time_add(r->st, &e, r->user.id, r->now);
	if (rc != STORE_OK) {
		web_reply_store(r, rc);
		goto out;
	}
	reply_entry(r, 201, e.id);
out:
	json_decref(body);
}

void api_time_patch(struct web_req *r)
{
	struct field_val v[E_N];
	struct time_entry e;
	json_t *body;
	int rc;

	body = web_body_json(r, 0);
	if (!body || web_fields_read(r, body, entry_patch_spec, E_N, FIELDS_CREATE, v) < 0)
		goto out;
	if (!web_fields_any(v, E_EXTRA)) {
		web_error(r, 400,
			  "nothing to correct: send started_at, ended_at, seconds, note or "
			  "billable with the reason");
		goto out;
	}
	rc = store_time_get(r->st, r->ids[0], &e);
	if (rc != STORE_OK) {
		web_reply_store(r, rc);
		goto out;
	}
	if (e.user_id != r->user.id && r->user.role != ROLE_ADMIN) {
		web_error(r, 403, "a technician corrects only their own time entries");
		goto out;
	}
	if (entry_apply(r, entry_patch_spec, v, &e) < 0)
		goto out;
	rc = store_time_update(r->st, &e, v[E_EXTRA].s, r->user.id, r->now);
	if (rc != STORE_OK) {
		web_reply_store(r, rc);
		goto out;
	}
	reply_entry(r, 200, e.id);
out:
	json_decref(body);
}
