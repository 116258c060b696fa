/*
 * cmd_ticket: `evid ticket new|list|show|close`: the tickets as staff take
 * them down on the phone, and for scripts and cron; the same operations the
 * JSON API offers, through the same store calls.
 */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "core/ticket.h"
#include "core/timefmt.h"
#include "core/validate.h"
#include "mail/outbox.h"
#include "util/clock.h"
#include "util/xalloc.h"
#include "web/json_doc.h"

#define TICKET_LIST_DEFAULT 100
#define TICKET_LIST_MAX 100000

const char cmd_ticket_usage[] =
	"usage: evid ticket new --subject TEXT [--client ID] [--contact ID]\n"
	"                       [--assignee EMAIL|ID] [--priority P] [--channel C]\n"
	"                       [--billing B] [--description TEXT|-] [--as EMAIL] [--json]\n"
	"       evid ticket list [--status S] [--assignee EMAIL|ID|none] [--client ID]\n"
	"                        [--channel C] [--limit N] [--json]\n"
	"       evid ticket show ID|NUMBER [--json]\n"
	"       evid ticket close ID|NUMBER --as EMAIL [--reason TEXT]\n"
	"       evid ticket adopt-contact ID|NUMBER --client ID [--name NAME]\n"
	"                                 [--as EMAIL] [--json]\n"
	"\n"
	"  status    new, open, waiting, resolved, closed\n"
	"  priority  low, normal (default), high, urgent\n"
	"  channel   email, web, phone (default), fax, sms, walk_in, api\n"
	"  billing   billable (default), free, warranty\n"
	"\n"
	"A ticket is named by its id or its number (2026-000123).  --description -\n"
	"reads the description from stdin; --as names the staff member who took the\n"
	"request (with --contact alone, the contact is its author).  A contact\n"
	"without --client puts the ticket on the contact's client.  'list' shows the\n"
	"most recently updated first, at most --limit (default 100).  Closing stops\n"
	"every stopwatch running on the ticket.  'adopt-contact' takes a ticket out\n"
	"of triage: the sender of the email that opened it becomes a contact of\n"
	"client ID (named NAME, else as the email said) and the ticket theirs.\n";

/* The enums accept "walk-in" for "walk_in": people type dashes. */
static void dashes_to_underscores(char *s)
{
	for (; *s; s++)
		if (*s == '-')
			*s = '_';
}

static int parse_channel(const char *s, enum ticket_channel *out)
{
	char name[32];

	if (xstrlcpy(name, s, sizeof(name)) < 0)
		return -1;
	dashes_to_underscores(name);
	return channel_parse(name, out);
}

static int ticket_new(int argc, char **argv, struct cli_env *env)
{
	const char *subject = NULL, *client = NULL, *contact = NULL, *assignee = NULL,
		   *priority = "normal", *channel = "phone", *billing = "billable",
		   *description = NULL, *as = NULL;
	int json = 0, rc;
	struct cli_opt opts[] = {
		{ "subject", CLI_ARG, &subject, NULL },
		{ "client", CLI_ARG, &client, NULL },
		{ "contact", CLI_ARG, &contact, NULL },
		{ "assignee", CLI_ARG, &assignee, NULL },
		{ "priority", CLI_ARG, &priority, NULL },
		{ "channel", CLI_ARG, &channel, NULL },
		{ "billing", CLI_ARG, &billing, NULL },
		{ "description", CLI_ARG, &description, NULL },
		{ "as", CLI_ARG, &as, NULL },
		{ "json", CLI_FLAG, NULL, &json },
		{ NULL },
	};
	struct buf desc = BUF_INIT(BODY_MAX_LEN);
	struct ticket t;
	struct user actor, who;
	struct contact person;
	int64_t now;

	if (cli_parse(argc, argv, opts, NULL, 0, "ticket new", cmd_ticket_usage) < 0)
		return EXIT_USAGE;
	if (!subject)
		return cli_usage_error(cmd_ticket_usage, "ticket new needs --subject");
	memset(&t, 0, sizeof(t));
	memset(&actor, 0, sizeof(actor));
	if (!valid_text(subject, SUBJECT_MAX_LEN, 0) || !subject[strspn(subject, " ")])
		return cli_error("the subject must be one line of 1 to %d bytes", SUBJECT_MAX_LEN);
	xstrlcpy(t.subject, subject, sizeof(t.subject));
	if (priority_parse(priority, &t.priority) < 0)
		return cli_error("unknown priority '%.40s': use low, normal, high or urgent",
				 priority);
	if (parse_channel(channel, &t.channel) < 0)
		return cli_error("unknown channel '%.40s': use email, web, phone, fax, sms, "
				 "walk_in or api",
				 channel);
	if (billing_parse(billing, &t.billing) < 0)
		return cli_error("unknown billing '%.40s': use billable, free or warranty",
				 billing);
	if (client && cli_parse_id(client, &t.client_id) < 0)
		return cli_error("'%.40s' is not a client id: see 'evid client list'", client);
	if (contact && cli_parse_id(contact, &t.contact_id) < 0)
		return cli_error("'%.40s' is not a contact id: see 'evid contact list'", contact);
	if (description && strcmp(description, "-") == 0) {
		rc = cli_read_stdin(&desc);
		if (rc)
			goto out;
	} else if (description && buf_puts(&desc, description) < 0) {
		rc = cli_error("the description is longer than %d bytes", BODY_MAX_LEN);
		goto out;
	}
	if (!valid_text(desc.s, BODY_MAX_LEN, 1)) {
		rc = cli_error("the description must be UTF-8 text of at most %d bytes",
			       BODY_MAX_LEN);
		goto out;
	}

	if (as) {
		rc = cli_find_actor(env->st, as, &actor);
		if (rc)
			goto out;
		t.created_by = actor.id;
	}
	if (assignee) {
		rc = cli_find_actor(env->st, assignee, &who);
		if (rc)
			goto out;
		t.assignee_id = who.id;
	}
	if (t.contact_id) {
		rc = store_contact_get(env->st, t.contact_id, &person);
		if (rc == STORE_NOT_FOUND) {
			rc = cli_error("no contact with id %lld: see 'evid contact list'",
				       (long long)t.contact_id);
			goto out;
		}
		if (rc != STORE_OK) {
			rc = cli_store_error(env->st, rc);
			goto out;
		}
		if (!t.client_id)
			t.client_id = person.client_id;
	}
	t.status = STATUS_NEW;
	now = clock_now();
	rc = store_ticket_create(env->st, &t, clock_local_year(now), desc.s, actor.id, now);
	if (rc != STORE_OK) {
		rc = cli_store_error(env->st, rc);
		goto out;
	}
	if (json) {
		/* Read it back for the names the store fills in. */
		rc = store_ticket_get(env->st, t.id, &t);
		if (rc != STORE_OK) {
			rc = cli_store_error(env->st, rc);
			goto out;
		}
		rc = cli_json_print(json_doc_ticket(&t));
		goto out;
	}
	printf("created ticket %s (id %lld): %s\n", t.number, (long long)t.id, t.subject);
	rc = 0;
out:
	buf_free(&desc);
	return rc;
}

static int ticket_list(int argc, char **argv, struct cli_env *env)
{
	static const char *const heads[] = { "ID",	"NUMBER",  "STATUS",
					     "PRIORITY", "CHANNEL", "CLIENT",
					     "ASSIGNEE", "UPDATED", "SUBJECT" };
	const char *status = NULL, *assignee = NULL, *client = NULL, *channel = NULL,
		   *limit = NULL;
	int json = 0, rc, n = TICKET_LIST_DEFAULT;
	struct cli_opt opts[] = {
		{ "status", CLI_ARG, &status, NULL },
		{ "assignee", CLI_ARG, &assignee, NULL },
		{ "client", CLI_ARG, &client, NULL },
		{ "channel", CLI_ARG, &channel, NULL },
		{ "limit", CLI_ARG, &limit, NULL },
		{ "json", CLI_FLAG, NULL, &json },
		{ NULL },
	};
	struct ticket_filter f;
	struct ticket_list l = { 0 };
	struct cli_table t;
	int64_t total = 0;
	size_t i;

	if (cli_parse(argc, argv, opts, NULL, 0, "ticket list", cmd_ticket_usage) < 0)
		return EXIT_USAGE;
	store_ticket_filter_init(&f);
	if (status) {
		enum ticket_status s;

		if (status_parse(status, &s) < 0)
			return cli_error("unknown status '%.40s': use new, open, waiting, "
					 "resolved or closed",
					 status);
		f.status = (int)s;
	}
	if (channel) {
		enum ticket_channel c;

		if (parse_channel(channel, &c) < 0)
			return cli_error("unknown channel '%.40s': use email, web, phone, fax, "
					 "sms, walk_in or api",
					 channel);
		f.channel = (int)c;
	}
	if (client && cli_parse_id(client, &f.client_id) < 0)
		return cli_error("'%.40s' is not a client id: see 'evid client list'", client);
	if (limit && cli_parse_count(limit, TICKET_LIST_MAX, &n) < 0)
		return cli_error("--limit must be a whole number from 1 to %d", TICKET_LIST_MAX);
	if (assignee && strcmp(assignee, "none") == 0) {
		f.assignee_id = -1;
	} else if (assignee) {
		struct user u;

		rc = cli_find_user(env->st, assignee, &u);
		if (rc)
			return rc;
		f.assignee_id = u.id;
	}
	f.sort = SORT_UPDATED_DESC;
	f.limit = n;
	rc = store_ticket_list(env->st, &f, &l, &total);
	if (rc != STORE_OK)
		return cli_store_error(env->st, rc);
	if (total > (int64_t)l.n)
		fprintf(stderr, "evid: showing %zu of %lld tickets: raise --limit to see more\n",
			l.n, (long long)total);
	if (json) {
		char *doc = json_doc_tickets(&l, total);

		ticket_list_free(&l);
		return cli_json_print(doc);
	}
	cli_table_init(&t, 9, heads);
	for (i = 0; i < l.n; i++) {
		const struct ticket *k = &l.items[i];
		char id[24], when[32];
		const char *row[9] = { id,
				       k->number,
				       status_name(k->status),
				       priority_name(k->priority),
				       channel_name(k->channel),
				       k->client_name,
				       k->assignee_id ? k->assignee_name : "-",
				       when,
				       k->subject };

		snprintf(id, sizeof(id), "%lld", (long long)k->id);
		cli_local_time(k->updated_at, when);
		cli_table_row(&t, row);
	}
	cli_table_print(&t, stdout);
	cli_table_free(&t);
	ticket_list_free(&l);
	return 0;
}

/* One line of history: when, what, who, and the change or the body below it. */
static void print_event(const struct event *e)
{
	char when[32];
	const char *who = e->author_name[0] ? e->author_name : "system";
	const char *p, *nl;

	cli_local_time(e->created_at, when);
	printf("  %s  %-15s %s", when, event_kind_name(e->kind), who);
	if (e->field[0])
		printf(": %s %s -> %s", e->field, e->old_value[0] ? e->old_value : "-",
		       e->new_value[0] ? e->new_value : "-");
	if (e->time_entry_id)
		printf(" (time entry %lld)", (long long)e->time_entry_id);
	fputc('\n', stdout);
	if (!e->body || !e->body[0])
		return;
	for (p = e->body; *p; p = nl + 1) {
		nl = strchr(p, '\n');
		if (!nl) {
			printf("      %s\n", p);
			break;
		}
		printf("      %.*s\n", (int)(nl - p), p);
	}
}

static void print_ticket(const struct ticket *t, const struct event_list *ev,
			 const struct time_entry_list *tl)
{
	static const char *const heads[] = { "ID", "TECHNICIAN", "STARTED", "ENDED", "TIME",
					     "BILLABLE", "NOTE" };
	char a[32], b[32], c[32], dur[32];
	struct cli_table tab;
	size_t i;

	printf("%s  %s\n", t->number, t->subject);
	printf("  id:        %lld\n", (long long)t->id);
	printf("  status:    %s\n", status_name(t->status));
	printf("  priority:  %s\n", priority_name(t->priority));
	printf("  channel:   %s\n", channel_name(t->channel));
	printf("  billing:   %s\n", billing_name(t->billing));
	if (t->client_id)
		printf("  client:    %s (id %lld)\n", t->client_name, (long long)t->client_id);
	if (t->contact_id)
		printf("  contact:   %s (id %lld)\n", t->contact_name, (long long)t->contact_id);
	printf("  assignee:  %s\n", t->assignee_id ? t->assignee_name : "-");
	cli_local_time(t->created_at, a);
	cli_local_time(t->updated_at, b);
	printf("  created:   %s\n  updated:   %s\n", a, b);
	if (t->closed_at) {
		cli_local_time(t->closed_at, c);
		printf("  closed:    %s\n", c);
	}
	timefmt_duration(t->time_seconds, dur, sizeof(dur));
	printf("  time:      %s\n", dur);

	printf("\nhistory:\n");
	for (i = 0; i < ev->n; i++)
		print_event(&ev->items[i]);
	if (tl->n == 0)
		return;
	printf("\ntime entries:\n");
	cli_table_init(&tab, 7, heads);
	for (i = 0; i < tl->n; i++) {
		const struct time_entry *e = &tl->items[i];
		char id[24];
		const char *row[7] = { id, e->user_name, a, b, dur, e->billable ? "yes" : "no",
				       e->note };

		snprintf(id, sizeof(id), "%lld", (long long)e->id);
		cli_local_time(e->started_at, a);
		cli_local_time(e->ended_at, b);
		timefmt_duration(e->seconds, dur, sizeof(dur));
		cli_table_row(&tab, row);
	}
	cli_table_print(&tab, stdout);
	cli_table_free(&tab);
}

static int ticket_show(int argc, char **argv, struct cli_env *env)
{
	const char *ref[1];
	int json = 0, rc, n;
	struct cli_opt opts[] = {
		{ "json", CLI_FLAG, NULL, &json },
		{ NULL },
	};
	struct ticket t;
	struct event_list ev = { 0 };
	struct time_entry_list tl = { 0 };
	struct attachment_list at = { 0 };
	struct mail_record_list mail = { 0 };
	struct outbox_list outbox = { 0 };
	struct mail_addr origin;
	int by_mail = 0;

	n = cli_parse(argc, argv, opts, ref, 1, "ticket show", cmd_ticket_usage);
	if (n < 0)
		return EXIT_USAGE;
	if (n != 1)
		return cli_usage_error(cmd_ticket_usage, "ticket show needs an ID or NUMBER");
	rc = cli_find_ticket(env->st, ref[0], &t);
	if (rc)
		return rc;
	rc = store_ticket_events(env->st, t.id, &ev);
	if (rc == STORE_OK)
		rc = store_time_list(env->st, t.id, &tl);
	if (rc == STORE_OK && json)
		rc = store_attachment_list(env->st, t.id, &at);
	if (rc == STORE_OK && json)
		rc = outbox_ticket_mail(env->st, t.id, &mail, &outbox);
	if (rc == STORE_OK && json) {
		rc = store_mail_origin(env->st, t.id, &origin);
		by_mail = rc == STORE_OK;
		if (rc == STORE_NOT_FOUND)
			rc = STORE_OK;
	}
	if (rc != STORE_OK) {
		rc = cli_store_error(env->st, rc);
		goto out;
	}
	if (json) {
		rc = cli_json_print(json_doc_ticket_full(&t, &ev, &at, &mail, &outbox, &tl,
								 by_mail ? &origin : NULL));
		goto out;
	}
	print_ticket(&t, &ev, &tl);
	rc = 0;
out:
	event_list_free(&ev);
	time_entry_list_free(&tl);
	attachment_list_free(&at);
	mail_record_list_free(&mail);
	outbox_list_free(&outbox);
	return rc;
}

static int ticket_close(int argc, char **argv, struct cli_env *env)
{
	const char *ref[1], *as = NULL, *reason = NULL;
	struct cli_opt opts[] = {
		{ "as", CLI_ARG, &as, NULL },
		{ "reason", CLI_ARG, &reason, NULL },
		{ NULL },
	};
	struct ticket t;
	struct ticket_patch p;
	struct user actor;
	int rc, n;

	n = cli_parse(argc, argv, opts, ref, 1, "ticket close", cmd_ticket_usage);
	if (n < 0)
		return EXIT_USAGE;
	if (n != 1 || !as)
		return cli_usage_error(cmd_ticket_usage,
				       "ticket close needs an ID or NUMBER and --as EMAIL");
	if (reason && !valid_text(reason, BODY_MAX_LEN, 1))
		return cli_error("the reason must be UTF-8 text of at most %d bytes",
				 BODY_MAX_LEN);
	rc = cli_find_actor(env->st, as, &actor);
	if (rc)
		return rc;
	rc = cli_find_ticket(env->st, ref[0], &t);
	if (rc)
		return rc;
	if (t.status == STATUS_CLOSED) {
		printf("ticket %s is already closed\n", t.number);
		return 0;
	}
	memset(&p, 0, sizeof(p));
	p.set = PATCH_STATUS;
	p.status = STATUS_CLOSED;
	p.reason = reason && *reason ? reason : NULL;
	rc = store_ticket_update(env->st, t.id, &p, actor.id, clock_now(), &t);
	if (rc != STORE_OK)
		return cli_store_error(env->st, rc);
	printf("closed ticket %s: %s\n", t.number, t.subject);
	return 0;
}

static int ticket_adopt_contact(int argc, char **argv, struct cli_env *env)
{
	const char *ref[1], *client = NULL, *name = NULL, *as = NULL;
	int json = 0, rc, n;
	struct cli_opt opts[] = {
		{ "client", CLI_ARG, &client, NULL },
		{ "name", CLI_ARG, &name, NULL },
		{ "as", CLI_ARG, &as, NULL },
		{ "json", CLI_FLAG, NULL, &json },
		{ NULL },
	};
	struct mail_addr origin;
	struct contact c;
	struct ticket t;
	struct user actor = { 0 };
	int64_t client_id;

	n = cli_parse(argc, argv, opts, ref, 1, "ticket adopt-contact", cmd_ticket_usage);
	if (n < 0)
		return EXIT_USAGE;
	if (n != 1 || !client)
		return cli_usage_error(cmd_ticket_usage,
				       "ticket adopt-contact needs an ID or NUMBER and --client ID");
	if (cli_parse_id(client, &client_id) < 0)
		return cli_error("'%.40s' is not a client id: see 'evid client list'", client);
	if (name && (!valid_text(name, NAME_MAX_LEN, 0) || !name[strspn(name, " ")]))
		return cli_error("the name must be one line of 1 to %d bytes", NAME_MAX_LEN);
	if (as && (rc = cli_find_actor(env->st, as, &actor)) != 0)
		return rc;
	if ((rc = cli_find_ticket(env->st, ref[0], &t)) != 0)
		return rc;
	rc = store_mail_adopt_contact(env->st, t.id, client_id, name, actor.id, clock_now(), &c,
				      &t);
	if (rc == STORE_OK)
		rc = store_mail_origin(env->st, t.id, &origin);
	if (rc != STORE_OK)
		return cli_store_error(env->st, rc);
	if (json)
		return cli_json_print(json_doc_ticket_contact(&t, &origin, &c));
	printf("ticket %s: new contact %lld %s <%s> at %s\n", t.number, (long long)c.id, c.name,
	       c.email, t.client_name);
	return 0;
}

int cmd_ticket(int argc, char **argv, struct cli_env *env)
{
	const char *sub = argc > 1 ? argv[1] : "";

	if (strcmp(sub, "new") == 0)
		return ticket_new(argc - 2, argv + 2, env);
	if (strcmp(sub, "list") == 0)
		return ticket_list(argc - 2, argv + 2, env);
	if (strcmp(sub, "show") == 0)
		return ticket_show(argc - 2, argv + 2, env);
	if (strcmp(sub, "close") == 0)
		return ticket_close(argc - 2, argv + 2, env);
	if (strcmp(sub, "adopt-contact") == 0)
		return ticket_adopt_contact(argc - 2, argv + 2, env);
	if (!*sub)
		return cli_usage_error(cmd_ticket_usage,
				       "ticket: which one: new, list, show or close?");
	return cli_usage_error(cmd_ticket_usage, "ticket: unknown subcommand '%.40s'", sub);
}
