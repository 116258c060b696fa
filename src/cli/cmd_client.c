/*
 * cmd_client: `evid client add|list`: the client companies, with their OIB,
 * VAT id, address, the email domains their people write from and where
 * invoices go.
 */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "core/validate.h"
#include "util/clock.h"
#include "util/xalloc.h"
#include "web/json_doc.h"

const char cmd_client_usage[] =
	"usage: evid client add --name NAME [--oib OIB] [--vat-id ID] [--address TEXT]\n"
	"                       [--domains a.hr,b.hr] [--billing-email EMAIL]\n"
	"                       [--notes TEXT] [--json]\n"
	"       evid client list [--all] [--json]\n"
	"\n"
	"--oib is the 11-digit Croatian OIB (its check digit is verified); --vat-id\n"
	"the VAT number (e.g. HR12345678901); --domains the email domains of the\n"
	"client's people, comma-separated.  'list' shows active clients; --all also\n"
	"the inactive ones.\n";

static int client_add(int argc, char **argv, struct cli_env *env)
{
	const char *name = NULL, *oib = "", *vat = "", *address = "", *domains = "",
		   *billing = "", *notes = "";
	int json = 0, rc;
	struct cli_opt opts[] = {
		{ "name", CLI_ARG, &name, NULL },
		{ "oib", CLI_ARG, &oib, NULL },
		{ "vat-id", CLI_ARG, &vat, NULL },
		{ "address", CLI_ARG, &address, NULL },
		{ "domains", CLI_ARG, &domains, NULL },
		{ "billing-email", CLI_ARG, &billing, NULL },
		{ "notes", CLI_ARG, &notes, NULL },
		{ "json", CLI_FLAG, NULL, &json },
		{ NULL },
	};
	struct client c;

	if (cli_parse(argc, argv, opts, NULL, 0, "client add", cmd_client_usage) < 0)
		return EXIT_USAGE;
	if (!name)
		return cli_usage_error(cmd_client_usage, "client add needs --name");
	memset(&c, 0, sizeof(c));
	if (!valid_text(name, NAME_MAX_LEN, 0) || !name[strspn(name, " ")])
		return cli_error("the name must be one line of 1 to %d bytes", NAME_MAX_LEN);
	xstrlcpy(c.name, name, sizeof(c.name));
	if (*oib && !valid_oib(oib))
		return cli_error("'%.40s' is not a valid OIB: 11 digits with a correct check digit",
				 oib);
	xstrlcpy(c.oib, oib, sizeof(c.oib));
	if (!valid_text(vat, VAT_ID_MAX_LEN, 0) || strchr(vat, ' '))
		return cli_error("the VAT id must be at most %d characters without spaces",
				 VAT_ID_MAX_LEN);
	xstrlcpy(c.vat_id, vat, sizeof(c.vat_id));
	if (!valid_text(address, ADDRESS_MAX_LEN, 0))
		return cli_error("the address must be one line of at most %d bytes",
				 ADDRESS_MAX_LEN);
	xstrlcpy(c.address, address, sizeof(c.address));
	if (strlen(domains) > DOMAINS_MAX_LEN)
		return cli_error("--domains is longer than %d bytes", DOMAINS_MAX_LEN);
	xstrlcpy(c.email_domains, domains, sizeof(c.email_domains));
	ascii_lower(c.email_domains);
	if (!valid_domain_list(c.email_domains))
		return cli_error("'%.80s' is not a comma-separated list of domains "
				 "(firma.hr,firma.com)",
				 domains);
	if (*billing && !valid_email(billing))
		return cli_error("'%.80s' is not a valid email address", billing);
	xstrlcpy(c.billing_email, billing, sizeof(c.billing_email));
	ascii_lower(c.billing_email);
	if (!valid_text(notes, NOTES_MAX_LEN, 1))
		return cli_error("the notes must be text of at most %d bytes", NOTES_MAX_LEN);
	xstrlcpy(c.notes, notes, sizeof(c.notes));
	c.active = 1;

	rc = store_client_create(env->st, &c, clock_now());
	if (rc != STORE_OK)
		return cli_store_error(env->st, rc);
	if (json) {
		/* The record as stored, as GET /api/v1/clients/{id} shows it. */
		rc = store_client_get(env->st, c.id, &c);
		if (rc != STORE_OK)
			return cli_store_error(env->st, rc);
		return cli_json_print(json_doc_client(&c));
	}
	printf("created client %lld: %s\n", (long long)c.id, c.name);
	return 0;
}

static int client_list(int argc, char **argv, struct cli_env *env)
{
	static const char *const heads[] = { "ID", "NAME", "OIB", "DOMAINS", "BILLING EMAIL",
					     "ACTIVE" };
	int json = 0, all = 0, rc;
	struct cli_opt opts[] = {
		{ "json", CLI_FLAG, NULL, &json },
		{ "all", CLI_FLAG, NULL, &all },
		{ NULL },
	};
	struct client_filter f = { 0 };
	struct client_list l = { 0 };
	struct cli_table t;
	int64_t total = 0;
	size_t i;

	if (cli_parse(argc, argv, opts, NULL, 0, "client list", cmd_client_usage) < 0)
		return EXIT_USAGE;
	f.active_only = !all;
	rc = store_client_list(env->st, &f, &l, &total);
	if (rc != STORE_OK)
		return cli_store_error(env->st, rc);
	if (json) {
		char *doc = json_doc_clients(&l, total);

		client_list_free(&l);
		return cli_json_print(doc);
	}
	cli_table_init(&t, 6, heads);
	for (i = 0; i < l.n; i++) {
		const struct client *c = &l.items[i];
		char id[24];
		const char *row[6] = { id, c->name, c->oib, c->email_domains, c->billing_email,
				       c->active ? "yes" : "no" };

		snprintf(id, sizeof(id), "%lld", (long long)c->id);
		cli_table_row(&t, row);
	}
	cli_table_print(&t, stdout);
	cli_table_free(&t);
	client_list_free(&l);
	return 0;
}

int cmd_client(int argc, char **argv, struct cli_env *env)
{
	const char *sub = argc > 1 ? argv[1] : "";

	if (strcmp(sub, "add") == 0)
		return client_add(argc - 2, argv + 2, env);
	if (strcmp(sub, "list") == 0)
		return client_list(argc - 2, argv + 2, env);
	if (!*sub)
		return cli_usage_error(cmd_client_usage, "client: which one: add or list?");
	return cli_usage_error(cmd_client_usage, "client: unknown subcommand '%.40s'", sub);
}
