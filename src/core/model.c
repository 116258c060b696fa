/*
 * model: releasing the heap parts of the domain records, and the names of
 * the enums as the API, the CLI and the database spell them.
 */
#include <stdlib.h>
#include <string.h>

#include "core/model.h"

void event_free(struct event *e)
{
	if (!e)
		return;
	free(e->body);
	e->body = NULL;
}

void user_list_free(struct user_list *l)
{
	if (!l)
		return;
	free(l->items);
	l->items = NULL;
	l->n = 0;
}

void client_list_free(struct client_list *l)
{
	if (!l)
		return;
	free(l->items);
	l->items = NULL;
	l->n = 0;
}

void contact_list_free(struct contact_list *l)
{
	if (!l)
		return;
	free(l->items);
	l->items = NULL;
	l->n = 0;
}

void ticket_list_free(struct ticket_list *l)
{
	if (!l)
		return;
	free(l->items);
	l->items = NULL;
	l->n = 0;
}

void time_entry_list_free(struct time_entry_list *l)
{
	if (!l)
		return;
	free(l->items);
	l->items = NULL;
	l->n = 0;
}

void attachment_list_free(struct attachment_list *l)
{
	if (!l)
		return;
	free(l->items);
	l->items = NULL;
	l->n = 0;
}

void time_share_list_free(struct time_share_list *l)
{
	if (!l)
		return;
	free(l->items);
	l->items = NULL;
	l->n = 0;
}

void ticket_mail_list_free(struct ticket_mail_list *l)
{
	if (!l)
		return;
	free(l->items);
	l->items = NULL;
	l->n = 0;
}

void event_list_free(struct event_list *l)
{
	size_t i;

	if (!l)
		return;
	for (i = 0; i < l->n; i++)
		event_free(&l->items[i]);
	free(l->items);
	l->items = NULL;
	l->n = 0;
}

/*
 * One table per enum, indexed by the enum's value; the static asserts keep
 * each table in step with its *_COUNT.
 */
static const char *const role_names[] = { "admin", "technician" };
static const char *const status_names[] = { "new", "open", "waiting", "resolved", "closed" };
static const char *const priority_names[] = { "low", "normal", "high", "urgent" };
static const char *const channel_names[] = {
	"email", "web", "phone", "fax", "sms", "walk_in", "api",
};
static const char *const billing_names[] = { "billable", "free", "warranty" };
static const char *const event_kind_names[] = {
	"message_in", "reply", "note", "status_change",
	"assignment", "field_change", "time_entry", "time_correction", "merge",
};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

_Static_assert(COUNT(role_names) == ROLE_TECHNICIAN + 1, "role_names");
_Static_assert(COUNT(status_names) == STATUS_COUNT, "status_names");
_Static_assert(COUNT(priority_names) == PRIORITY_COUNT, "priority_names");
_Static_assert(COUNT(channel_names) == CHANNEL_COUNT, "channel_names");
_Static_assert(COUNT(billing_names) == BILLING_COUNT, "billing_names");
_Static_assert(COUNT(event_kind_names) == EVENT_KIND_COUNT, "event_kind_names");

/*
 * The name of value v in names[0..n).  A value outside the table can only
 * come from a bug (every value read from outside goes through *_parse), so
 * it gets a visible "unknown" rather than a crash in the middle of a reply.
 */
static const char *table_name(const char *const *names, size_t n, int v)
{
	if (v < 0 || (size_t)v >= n)
		return "unknown";
	return names[v];
}

/* The index of s in names[0..n), or -1.  Names match exactly (case too). */
static int table_find(const char *const *names, size_t n, const char *s)
{
	size_t i;

	if (!s)
		return -1;
	for (i = 0; i < n; i++)
		if (strcmp(names[i], s) == 0)
			return (int)i;
	return -1;
}

const char *role_name(enum user_role v)
{
	return table_name(role_names, COUNT(role_names), (int)v);
}

int role_parse(const char *s, enum user_role *out)
{
	int i = table_find(role_names, COUNT(role_names), s);

	if (i < 0)
		return -1;
	*out = (enum user_role)i;
	return 0;
}

const char *status_name(enum ticket_status v)
{
	return table_name(status_names, COUNT(status_names), (int)v);
}

int status_parse(const char *s, enum ticket_status *out)
{
	int i = table_find(status_names, COUNT(status_names), s);

	if (i < 0)
		return -1;
	*out = (enum ticket_status)i;
	return 0;
}

const char *priority_name(enum ticket_priority v)
{
	return table_name(priority_names, COUNT(priority_names), (int)v);
}

int priority_parse(const char *s, enum ticket_priority *out)
{
	int i = table_find(priority_names, COUNT(priority_names), s);

	if (i < 0)
		return -1;
	*out = (enum ticket_priority)i;
	return 0;
}

const char *billing_name(enum billing_kind v)
{
	return table_name(billing_names, COUNT(billing_names), (int)v);
}

int billing_parse(const char *s, enum billing_kind *out)
{
	int i = table_find(billing_names, COUNT(billing_names), s);

	if (i < 0)
		return -1;
	*out = (enum billing_kind)i;
	return 0;
}

const char *event_kind_name(enum event_kind v)
{
	return table_name(event_kind_names, COUNT(event_kind_names), (int)v);
}

int event_kind_parse(const char *s, enum event_kind *out)
{
	int i = table_find(event_kind_names, COUNT(event_kind_names), s);

	if (i < 0)
		return -1;
	*out = (enum event_kind)i;
	return 0;
}

const char *channel_name(enum ticket_channel c)
{
	return table_name(channel_names, COUNT(channel_names), (int)c);
}

int channel_parse(const char *s, enum ticket_channel *out)
{
	int i;

	/* "walk-in" is how the issue and people write it; the API name is walk_in. */
	if (s && strcmp(s, "walk-in") == 0) {
		*out = CHANNEL_WALK_IN;
		return 0;
	}
	i = table_find(channel_names, COUNT(channel_names), s);
	if (i < 0)
		return -1;
	*out = (enum ticket_channel)i;
	return 0;
}
