/*
 * json_doc: the API's response bodies as indented text (see json_doc.h),
 * put together from the record encoders of json.c.
 */
#include <stdio.h>
#include <stdlib.h>

#include "util/xalloc.h"
#include "web/json.h"
#include "web/json_doc.h"

/* Two-space indent; jansson keeps the keys in insertion order (since 2.8). */
#define DOC_FLAGS JSON_INDENT(2)

static void doc_oom(void)
{
	fputs("evid: out of memory while writing json\n", stderr);
	abort();
}

/* Only allocation makes a value NULL or an insertion fail. */
static void put(json_t *o, const char *key, json_t *v)
{
	if (!o || !v || json_object_set_new(o, key, v) < 0)
		doc_oom();
}

static void push(json_t *arr, json_t *v)
{
	if (!arr || !v || json_array_append_new(arr, v) < 0)
		doc_oom();
}

/* Take o and return it as text with a newline, in memory from xmalloc. */
static char *doc_text(json_t *o)
{
	size_t n = o ? json_dumpb(o, NULL, 0, DOC_FLAGS) : 0;
	char *s;

	if (n == 0)
		doc_oom();
	s = xmalloc(n + 2);
	if (json_dumpb(o, s, n, DOC_FLAGS) != n)
		doc_oom();
	s[n] = '\n';
	s[n + 1] = '\0';
	json_decref(o);
	return s;
}

/* {key: v} */
static char *doc_one(const char *key, json_t *v)
{
	json_t *o = json_object();

	put(o, key, v);
	return doc_text(o);
}

/* {key: items, "total": total} */
static char *doc_list(const char *key, json_t *items, int64_t total)
{
	json_t *o = json_object();

	put(o, key, items);
	put(o, "total", json_integer(total));
	return doc_text(o);
}

char *json_doc_user(const struct user *u, const char *password)
{
	json_t *o = json_object();

	put(o, "user", json_user(u));
	if (password)
		put(o, "password", json_string(password));
	return doc_text(o);
}

char *json_doc_users(const struct user_list *l)
{
	json_t *arr = json_array();
	size_t i;

	for (i = 0; i < l->n; i++)
		push(arr, json_user(&l->items[i]));
	return doc_list("users", arr, (int64_t)l->n);
}

char *json_doc_client(const struct client *c)
{
	return doc_one("client", json_client(c));
}

char *json_doc_clients(const struct client_list *l, int64_t total)
{
	json_t *arr = json_array();
	size_t i;

	for (i = 0; i < l->n; i++)
		push(arr, json_client(&l->items[i]));
	return doc_list("clients", arr, total);
}

char *json_doc_contact(const struct contact *c)
{
	return doc_one("contact", json_contact(c));
}

char *json_doc_contacts(const struct contact_list *l, int64_t total)
{
	json_t *arr = json_array();
	size_t i;

	for (i = 0; i < l->n; i++)
		push(arr, json_contact(&l->items[i]));
	return doc_list("contacts", arr, total);
}

char *json_doc_ticket(const struct ticket *t)
{
	return doc_one("ticket", json_ticket(t));
}

char *json_doc_tickets(const struct ticket_list *l, int64_t total)
{
	json_t *arr = json_array();
	size_t i;

	for (i = 0; i < l->n; i++)
		push(arr, json_ticket(&l->items[i]));
	return doc_list("tickets", arr, total);
}

char *json_doc_ticket_full(const struct ticket *t, const struct event_list *events,
			   const struct attachment_list *attachments,
			   const struct mail_record_list *mail, const struct outbox_list *outbox,
			   const struct time_entry_list *entries, const struct mail_addr *origin)
{
	json_t *o = json_object(), *ticket = json_ticket(t), *ev = json_array(), *at = json_array(),
	       *te = json_array();
	int64_t seconds = 0;
	size_t i;

	for (i = 0; i < events->n; i++)
		push(ev, json_event(&events->items[i]));
	for (i = 0; i < attachments->n; i++)
		push(at, json_attachment(&attachments->items[i]));
	for (i = 0; i < entries->n; i++) {
		push(te, json_time_entry(&entries->items[i]));
		seconds += entries->items[i].seconds;
	}
	/* As api_tickets_get and api_time_list put them together. */
	json_ticket_origin(ticket, origin);
	put(ticket, "events", ev);
	put(ticket, "attachments", at);
	put(ticket, "mail", json_ticket_mail(mail, outbox));
	put(o, "ticket", ticket);
	put(o, "time_entries", te);
	put(o, "total_seconds", json_integer(seconds));
	return doc_text(o);
}

char *json_doc_timer(const struct timer_running *t, int64_t now)
{
	return doc_one("timer", t ? json_timer(t, now) : json_null());
}

char *json_doc_timer_started(const struct timer_running *t, const struct time_entry *stopped,
			     int64_t now)
{
	json_t *o = json_object();

	put(o, "timer", json_timer(t, now));
	put(o, "stopped", stopped ? json_time_entry(stopped) : json_null());
	return doc_text(o);
}

char *json_doc_time_entry(const struct time_entry *e)
{
	return doc_one("time_entry", json_time_entry(e));
}

char *json_doc_outbox(const struct outbox_list *l, int has_more)
{
	json_t *o = json_object(), *arr = json_array();
	size_t i;

	for (i = 0; i < l->n; i++)
		push(arr, json_outbox_item(&l->items[i]));
	put(o, "outbox", arr);
	put(o, "has_more", json_boolean(has_more));
	return doc_text(o);
}

char *json_doc_ticket_contact(const struct ticket *t, const struct mail_addr *origin,
			      const struct contact *c)
{
	json_t *o = json_object(), *ticket = json_ticket(t);

	json_ticket_origin(ticket, origin);
	put(o, "ticket", ticket);
	put(o, "contact", json_contact(c));
	return doc_text(o);
}

char *json_doc_quarantine(const struct quarantine_list *l)
{
	json_t *arr = json_array();
	size_t i;

	for (i = 0; i < l->n; i++)
		push(arr, json_quarantine_item(&l->items[i]));
	return doc_list("quarantine", arr, (int64_t)l->n);
}

char *json_doc_intake(const struct intake_result *r)
{
	return doc_one("intake", json_intake(r));
}
