/*
 * cli_json: the --json output of the CLI: a small writer over buf that keeps
 * its own commas, and one function per record spelling it as the JSON API
 * does (snake_case, references ending in _id, RFC 3339 UTC instants).
 */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "core/timefmt.h"
#include "util/json_escape.h"

void cli_json_init(struct cli_json *j)
{
	memset(j, 0, sizeof(*j));
	buf_init(&j->b, CLI_JSON_MAX);
}

/* The comma and key before a value at the current depth. */
static void json_member(struct cli_json *j, const char *key)
{
	if (j->failed)
		return;
	if (j->depth > 0 && j->count[j->depth - 1]++ > 0 && buf_putc(&j->b, ',') < 0)
		goto fail;
	if (key && (json_escape(&j->b, key) < 0 || buf_putc(&j->b, ':') < 0))
		goto fail;
	return;
fail:
	j->failed = 1;
}

static void json_raw(struct cli_json *j, const char *key, const char *text)
{
	json_member(j, key);
	if (!j->failed && buf_puts(&j->b, text) < 0)
		j->failed = 1;
}

static void json_open(struct cli_json *j, const char *key, char open, char close)
{
	char s[2] = { open, '\0' };

	if (j->depth >= CLI_JSON_DEPTH) {
		j->failed = 1;
		return;
	}
	json_raw(j, key, s);
	j->close[j->depth] = close;
	j->count[j->depth] = 0;
	j->depth++;
}

void cli_json_obj(struct cli_json *j, const char *key)
{
	json_open(j, key, '{', '}');
}

void cli_json_arr(struct cli_json *j, const char *key)
{
	json_open(j, key, '[', ']');
}

void cli_json_end(struct cli_json *j)
{
	if (j->depth == 0) {
		j->failed = 1;
		return;
	}
	j->depth--;
	if (!j->failed && buf_putc(&j->b, j->close[j->depth]) < 0)
		j->failed = 1;
}

void cli_json_str(struct cli_json *j, const char *key, const char *s)
{
	json_member(j, key);
	if (!j->failed && json_escape(&j->b, s ? s : "") < 0)
		j->failed = 1;
}

void cli_json_int(struct cli_json *j, const char *key, int64_t v)
{
	char n[24];

	snprintf(n, sizeof(n), "%lld", (long long)v);
	json_raw(j, key, n);
}

void cli_json_bool(struct cli_json *j, const char *key, int v)
{
	json_raw(j, key, v ? "true" : "false");
}

void cli_json_null(struct cli_json *j, const char *key)
{
	json_raw(j, key, "null");
}

/* Text, or null when it is empty or `present` is 0. */
static void json_text_or_null(struct cli_json *j, const char *key, const char *s, int present)
{
	if (present && s && *s)
		cli_json_str(j, key, s);
	else
		cli_json_null(j, key);
}

void cli_json_id(struct cli_json *j, const char *key, int64_t id)
{
	if (id)
		cli_json_int(j, key, id);
	else
		cli_json_null(j, key);
}

void cli_json_time(struct cli_json *j, const char *key, int64_t t)
{
	char s[RFC3339_LEN + 1];

	if (!t) {
		cli_json_null(j, key);
		return;
	}
	timefmt_rfc3339(t, s);
	cli_json_str(j, key, s);
}

int cli_json_print(struct cli_json *j)
{
	int rc = 0;

	if (j->failed || j->depth != 0)
		rc = cli_error("the JSON output is larger than %u bytes: narrow it with filters",
			       CLI_JSON_MAX);
	else if (fwrite(j->b.s, 1, j->b.len, stdout) != j->b.len || fputc('\n', stdout) == EOF ||
		 fflush(stdout) != 0)
		rc = cli_error("cannot write the output");
	buf_free(&j->b);
	return rc;
}

/* ---- records ---- */

void cli_json_user(struct cli_json *j, const char *key, const struct user *u)
{
	cli_json_obj(j, key);
	cli_json_int(j, "id", u->id);
	cli_json_str(j, "email", u->email);
	cli_json_str(j, "name", u->name);
	cli_json_str(j, "role", role_name(u->role));
	cli_json_bool(j, "active", u->active);
	cli_json_str(j, "lang", u->lang);
	cli_json_time(j, "created_at", u->created_at);
	cli_json_end(j);
}

void cli_json_client(struct cli_json *j, const char *key, const struct client *c)
{
	cli_json_obj(j, key);
	cli_json_int(j, "id", c->id);
	cli_json_str(j, "name", c->name);
	cli_json_str(j, "oib", c->oib);
	cli_json_str(j, "vat_id", c->vat_id);
	cli_json_str(j, "address", c->address);
	cli_json_str(j, "email_domains", c->email_domains);
	cli_json_str(j, "billing_email", c->billing_email);
	cli_json_str(j, "notes", c->notes);
	cli_json_bool(j, "active", c->active);
	cli_json_time(j, "created_at", c->created_at);
	cli_json_time(j, "updated_at", c->updated_at);
	cli_json_end(j);
}

void cli_json_contact(struct cli_json *j, const char *key, const struct contact *c)
{
	cli_json_obj(j, key);
	cli_json_int(j, "id", c->id);
	cli_json_int(j, "client_id", c->client_id);
	json_text_or_null(j, "client_name", c->client_name, 1);
	cli_json_str(j, "name", c->name);
	cli_json_str(j, "email", c->email);
	cli_json_str(j, "phone", c->phone);
	cli_json_bool(j, "sees_all", c->sees_all);
	cli_json_bool(j, "active", c->active);
	cli_json_time(j, "created_at", c->created_at);
	cli_json_time(j, "updated_at", c->updated_at);
	cli_json_end(j);
}

void cli_json_ticket_open(struct cli_json *j, const char *key, const struct ticket *t)
{
	cli_json_obj(j, key);
	cli_json_int(j, "id", t->id);
	cli_json_str(j, "number", t->number);
	cli_json_str(j, "subject", t->subject);
	cli_json_str(j, "status", status_name(t->status));
	cli_json_str(j, "priority", priority_name(t->priority));
	cli_json_str(j, "channel", channel_name(t->channel));
	cli_json_str(j, "billing", billing_name(t->billing));
	cli_json_id(j, "client_id", t->client_id);
	json_text_or_null(j, "client_name", t->client_name, t->client_id != 0);
	cli_json_id(j, "contact_id", t->contact_id);
	json_text_or_null(j, "contact_name", t->contact_name, t->contact_id != 0);
	cli_json_id(j, "assignee_id", t->assignee_id);
	json_text_or_null(j, "assignee_name", t->assignee_name, t->assignee_id != 0);
	cli_json_id(j, "created_by_id", t->created_by);
	cli_json_time(j, "created_at", t->created_at);
	cli_json_time(j, "updated_at", t->updated_at);
	cli_json_time(j, "closed_at", t->closed_at);
	cli_json_int(j, "time_seconds", t->time_seconds);
}

void cli_json_event(struct cli_json *j, const char *key, const struct event *e)
{
	cli_json_obj(j, key);
	cli_json_int(j, "id", e->id);
	cli_json_int(j, "ticket_id", e->ticket_id);
	cli_json_str(j, "kind", event_kind_name(e->kind));
	cli_json_id(j, "author_user_id", e->author_user_id);
	cli_json_id(j, "author_contact_id", e->author_contact_id);
	json_text_or_null(j, "author_name", e->author_name, 1);
	cli_json_time(j, "created_at", e->created_at);
	if (e->body)
		cli_json_str(j, "body", e->body);
	else
		cli_json_null(j, "body");
	json_text_or_null(j, "field", e->field, 1);
	if (e->field[0]) {
		cli_json_str(j, "old_value", e->old_value);
		cli_json_str(j, "new_value", e->new_value);
	} else {
		cli_json_null(j, "old_value");
		cli_json_null(j, "new_value");
	}
	cli_json_id(j, "time_entry_id", e->time_entry_id);
	cli_json_end(j);
}

void cli_json_time_entry(struct cli_json *j, const char *key, const struct time_entry *e)
{
	cli_json_obj(j, key);
	cli_json_int(j, "id", e->id);
	cli_json_int(j, "ticket_id", e->ticket_id);
	cli_json_id(j, "user_id", e->user_id);
	json_text_or_null(j, "user_name", e->user_name, 1);
	cli_json_time(j, "started_at", e->started_at);
	cli_json_time(j, "ended_at", e->ended_at);
	cli_json_int(j, "seconds", e->seconds);
	cli_json_str(j, "note", e->note);
	cli_json_bool(j, "billable", e->billable);
	cli_json_time(j, "created_at", e->created_at);
	cli_json_end(j);
}

void cli_json_timer(struct cli_json *j, const char *key, const struct timer_running *r,
		    int64_t now)
{
	cli_json_obj(j, key);
	cli_json_int(j, "user_id", r->user_id);
	cli_json_int(j, "ticket_id", r->ticket_id);
	cli_json_str(j, "ticket_number", r->ticket_number);
	cli_json_str(j, "ticket_subject", r->ticket_subject);
	cli_json_time(j, "started_at", r->started_at);
	cli_json_int(j, "elapsed_seconds", now > r->started_at ? now - r->started_at : 0);
	cli_json_end(j);
}
