/*
 * cmd_contact: `evid contact add|list`: the people at client companies who
 * report problems; a contact's email is unique across all clients.
 */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "core/validate.h"
#include "util/clock.h"
#include "util/xalloc.h"
#include "web/json_doc.h"

const char cmd_contact_usage[] =
	"usage: evid contact add --client ID --name NAME --email EMAIL [--phone PHONE]\n"
	"                        [--sees-all] [--json]\n"
	"       evid contact list [--client ID] [--all] [--json]\n"
	"\n"
	"--sees-all lets the contact see all of the client's tickets, not only\n"
	"their own.  'list' shows active contacts; --all also the inactive ones.\n";

static int contact_add(int argc, char **argv, struct cli_env *env)
{
	const char *client = NULL, *name = NULL, *email = NULL, *phone = "";
	int sees_all = 0, json = 0, rc;
	struct cli_opt opts[] = {
		{ "client", CLI_ARG, &client, NULL },
		{ "name", CLI_ARG, &name, NULL },
		{ "email", CLI_ARG, &email, NULL },
		{ "phone", CLI_ARG, &phone, NULL },
		{ "sees-all", CLI_FLAG, NULL, &sees_all },
		{ "json", CLI_FLAG, NULL, &json },
		{ NULL },
	};
	struct contact c;
	struct client owner;

	if (cli_parse(argc, argv, opts, NULL, 0, "contact add", cmd_contact_usage) < 0)
		return EXIT_USAGE;
	if (!client || !name || !email)
		return cli_usage_error(cmd_contact_usage,
				       "contact add needs --client, --name and --email");
	memset(&c, 0, sizeof(c));
	if (cli_parse_id(client, &c.client_id) < 0)
		return cli_error("'%.40s' is not a client id: see 'evid client list'", client);
	if (!valid_text(name, NAME_MAX_LEN, 0) || !name[strspn(name, " ")])
		return cli_error("the name must be one line of 1 to %d bytes", NAME_MAX_LEN);
	xstrlcpy(c.name, name, sizeof(c.name));
	if (!valid_email(email))
		return cli_error("'%.80s' is not a valid email address", email);
	xstrlcpy(c.email, email, sizeof(c.email));
	ascii_lower(c.email);
	if (!valid_text(phone, PHONE_MAX_LEN, 0))
		return cli_error("the phone must be one line of at most %d bytes", PHONE_MAX_LEN);
	xstrlcpy(c.phone, phone, sizeof(c.phone));
	c.sees_all = sees_all;
	c.active = 1;

	rc = store_client_get(env->st, c.client_id, &owner);
	if (rc == STORE_NOT_FOUND)
		return cli_error("no client with id %lld: see 'evid client list'",
				 (long long)c.client_id);
	if (rc != STORE_OK)
		return cli_store_error(env->st, rc);
	rc = store_contact_create(env->st, &c, clock_now());
	if (rc != STORE_OK)
		return cli_store_error(env->st, rc);
	xstrlcpy(c.client_name, owner.name, sizeof(c.client_name));
	if (json) {
		/* The record as stored, as GET /api/v1/contacts/{id} shows it. */
		rc = store_contact_get(env->st, c.id, &c);
		if (rc != STORE_OK)
			return cli_store_error(env->st, rc);
		return cli_json_print(json_doc_contact(&c));
	}
	printf("created contact %lld: %s <%s> at %s\n", (long long)c.id, c.name, c.email,
	       owner.name);
	return 0;
}

static int contact_list(int argc, char **argv, struct cli_env *env)
{
	static const char *const heads[] = { "ID", "NAME", "EMAIL", "PHONE", "CLIENT",
					     "SEES ALL", "ACTIVE" };
	const char *client = NULL;
	int json = 0, all = 0, rc;
	struct cli_opt opts[] = {
		{ "client", CLI_ARG, &client, NULL },
		{ "json", CLI_FLAG, NULL, &json },
		{ "all", CLI_FLAG, NULL, &all },
		{ NULL },
	};
	struct contact_filter f = { 0 };
	struct contact_list l = { 0 };
	struct cli_table t;
	int64_t total = 0;
	size_t i;

	if (cli_parse(argc, argv, opts, NULL, 0, "contact list", cmd_contact_usage) < 0)
		return EXIT_USAGE;
	if (client && cli_parse_id(client, &f.client_id) < 0)
		return cli_error("'%.40s' is not a client id: see 'evid client list'", client);
	f.active_only = !all;
	rc = store_contact_list(env->st, &f, &l, &total);
	if (rc != STORE_OK)
		return cli_store_error(env->st, rc);
	if (json) {
		char *doc = json_doc_contacts(&l, total);

		contact_list_free(&l);
		return cli_json_print(doc);
	}
	cli_table_init(&t, 7, heads);
	for (i = 0; i < l.n; i++) {
		const struct contact *c = &l.items[i];
		char id[24];
		const char *row[7] = { id, c->name, c->email, c->phone, c->client_name,
				       c->sees_all ? "yes" : "no", c->active ? "yes" : "no" };

		snprintf(id, sizeof(id), "%lld", (long long)c->id);
		cli_table_row(&t, row);
	}
	cli_table_print(&t, stdout);
	cli_table_free(&t);
	contact_list_free(&l);
	return 0;
}

int cmd_contact(int argc, char **argv, struct cli_env *env)
{
	const char *sub = argc > 1 ? argv[1] : "";

	if (strcmp(sub, "add") == 0)
		return contact_add(argc - 2, argv + 2, env);
	if (strcmp(sub, "list") == 0)
		return contact_list(argc - 2, argv + 2, env);
	if (!*sub)
		return cli_usage_error(cmd_contact_usage, "contact: which one: add or list?");
	return cli_usage_error(cmd_contact_usage, "contact: unknown subcommand '%.40s'", sub);
}
