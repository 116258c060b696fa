/*
 * cmd_service: `evid service add|list|update|disable` (the catalogue of what
 * the company sells) and `evid rate add|list|update|disable|override|
 * overrides|entry` (hourly rates of ticket work by kind, their prices for
 * one client or one contract, and the kind of work of a time entry).
 */
#include <stdio.h>
#include <string.h>

#include "cli/cmd_billing.h"
#include "core/validate.h"
#include "util/clock.h"
#include "util/xalloc.h"
#include "web/json_doc.h"

const char cmd_service_usage[] =
    "usage: evid service add --code CODE --name NAME --unit UNIT --price EUR --vat PCT\n"
    "                        [--json]\n"
    "       evid service list [--all] [--json]\n"
    "       evid service update CODE|ID [--code CODE] [--name NAME] [--unit UNIT]\n"
    "                           [--price EUR] [--vat PCT] [--active yes|no] [--json]\n"
    "       evid service disable CODE|ID\n"
    "\n"
    "  CODE  a-z 0-9 _ . - (at most 32), e.g. printer_rental\n"
    "  UNIT  month, day, hour or piece\n"
    "  EUR   the price of one unit, e.g. 35.00 (a comma works too)\n"
    "  PCT   the VAT rate: 25, 13, 5 or 0\n"
    "\n"
    "A contract line takes the service's name, price and VAT when it is made\n"
    "(and may set its own).  Services are never deleted: 'disable' keeps a\n"
    "service off new contracts; 'list' shows the active ones, --all every one.\n";

const char cmd_rate_usage[] =
    "usage: evid rate add --code CODE --name NAME --hourly EUR --vat PCT [--json]\n"
    "       evid rate list [--all] [--json]\n"
    "       evid rate update CODE|ID [--code CODE] [--name NAME] [--hourly EUR]\n"
    "                        [--vat PCT] [--active yes|no] [--json]\n"
    "       evid rate disable CODE|ID\n"
    "       evid rate override CODE|ID (--client ID | --contract ID|NUMBER)\n"
    "                          (--hourly EUR | --remove)\n"
    "       evid rate overrides [--client ID] [--json]\n"
    "       evid rate entry ENTRY_ID CODE|default --reason TEXT --as EMAIL\n"
    "\n"
    "A rate is the price of an hour of ticket work of one kind (remote,\n"
    "on_site, ...).  'override' sets its price for one client or for one\n"
    "contract (a contract's price wins over the client's, which wins over the\n"
    "rate's own); --remove drops the override.  'overrides' lists them (of one\n"
    "client and its contracts with --client).  'entry' sets the kind of work of\n"
    "a time entry (default: the [billing] default_rate); it is refused once\n"
    "the entry's month is closed.\n";

/* Fill the fields common to services and rates from the options given. */
struct catalog_opts {
	const char *code, *name, *unit, *price, *vat, *active;
};

static int set_code(const char *code, char *dst, size_t dstsz)
{
	size_t n = strlen(code);

	if (n == 0 || n > BILL_CODE_MAX_LEN ||
	    strspn(code, "abcdefghijklmnopqrstuvwxyz0123456789_.-") != n)
		return cli_error("--code: '%.40s' is not a code (1 to %d of a-z 0-9 _ . -)", code,
				 BILL_CODE_MAX_LEN);
	xstrlcpy(dst, code, dstsz);
	return 0;
}

static int set_name(const char *name, char *dst, size_t dstsz)
{
	if (!valid_text(name, BILL_TEXT_MAX_LEN, 0) || !name[strspn(name, " ")])
		return cli_error("--name: must be one line of 1 to %d bytes", BILL_TEXT_MAX_LEN);
	xstrlcpy(dst, name, dstsz);
	return 0;
}

static int service_apply(const struct catalog_opts *o, struct bill_service *s)
{
	int rc;

	if (o->code && (rc = set_code(o->code, s->code, sizeof(s->code))) != 0)
		return rc;
	if (o->name && (rc = set_name(o->name, s->name, sizeof(s->name))) != 0)
		return rc;
	if (o->unit && bill_unit_parse(o->unit, &s->unit) < 0)
		return cli_error("--unit: '%.40s' is not month, day, hour or piece", o->unit);
	if (o->price && cli_bill_money("--price", o->price, 0, &s->price) < 0)
		return EXIT_FAIL;
	if (o->vat && cli_bill_vat("--vat", o->vat, &s->vat) < 0)
		return EXIT_FAIL;
	if (o->active && cli_bill_bool("--active", o->active, &s->active) < 0)
		return EXIT_FAIL;
	return 0;
}

static int rate_apply(const struct catalog_opts *o, struct bill_rate *r)
{
	int rc;

	if (o->code && (rc = set_code(o->code, r->code, sizeof(r->code))) != 0)
		return rc;
	if (o->name && (rc = set_name(o->name, r->name, sizeof(r->name))) != 0)
		return rc;
	if (o->price && cli_bill_money("--hourly", o->price, 0, &r->hourly) < 0)
		return EXIT_FAIL;
	if (o->vat && cli_bill_vat("--vat", o->vat, &r->vat) < 0)
		return EXIT_FAIL;
	if (o->active && cli_bill_bool("--active", o->active, &r->active) < 0)
		return EXIT_FAIL;
	return 0;
}

/* ---- services ---- */

static int service_print(struct cli_env *env, int64_t id, int json, const char *verb)
{
	struct bill_service s;
	char price[32];
	int rc = store_service_get(env->st, id, &s);

	if (rc != STORE_OK)
		return cli_store_error(env->st, rc);
	if (json)
		return cli_json_print(json_doc_service(&s));
	cli_bill_money_str(s.price, price);
	printf("%s service %lld: %s (%s, %s EUR per %s, VAT %d %%)%s\n", verb, (long long)s.id,
	       s.code, s.name, price, bill_unit_name(s.unit), s.vat, s.active ? "" : ", disabled");
	return 0;
}

static int service_add(int argc, char **argv, struct cli_env *env)
{
	struct catalog_opts o = {0};
	int json = 0, rc;
	struct cli_opt opts[] = {
	    {"code", CLI_ARG, &o.code, NULL},
	    {"name", CLI_ARG, &o.name, NULL},
	    {"unit", CLI_ARG, &o.unit, NULL},
	    {"price", CLI_ARG, &o.price, NULL},
	    {"vat", CLI_ARG, &o.vat, NULL},
	    {"json", CLI_FLAG, NULL, &json},
	    {NULL},
	};
	struct bill_service s;

	if (cli_parse(argc, argv, opts, NULL, 0, "service add", cmd_service_usage) < 0)
		return EXIT_USAGE;
	if (!o.code || !o.name || !o.unit || !o.price || !o.vat)
		return cli_usage_error(
		    cmd_service_usage,
		    "service add needs --code, --name, --unit, --price and --vat");
	memset(&s, 0, sizeof(s));
	s.active = 1;
	rc = service_apply(&o, &s);
	if (rc)
		return rc;
	rc = store_service_add(env->st, &s);
	if (rc != STORE_OK)
		return cli_store_error(env->st, rc);
	return service_print(env, s.id, json, "created");
}

static int service_list(int argc, char **argv, struct cli_env *env)
{
	static const char *const heads[] = {"ID", "CODE", "NAME", "UNIT", "PRICE", "VAT", "ACTIVE"};
	int json = 0, all = 0, rc;
	struct cli_opt opts[] = {
	    {"all", CLI_FLAG, NULL, &all},
	    {"json", CLI_FLAG, NULL, &json},
	    {NULL},
	};
	struct bill_service_list l = {0};
	struct cli_table t;

	if (cli_parse(argc, argv, opts, NULL, 0, "service list", cmd_service_usage) < 0)
		return EXIT_USAGE;
	rc = store_service_list(env->st, all, &l);
	if (rc != STORE_OK)
		return cli_store_error(env->st, rc);
	if (json) {
		char *doc = json_doc_services(&l);

		bill_service_list_free(&l);
		return cli_json_print(doc);
	}
	cli_table_init(&t, 7, heads);
	for (size_t i = 0; i < l.n; i++) {
		const struct bill_service *s = &l.items[i];
		char id[24], price[32], vat[8];
		const char *row[7] = {id,
				      s->code,
				      s->name,
				      bill_unit_name(s->unit),
				      price,
				      vat,
				      s->active ? "yes" : "no"};

		snprintf(id, sizeof(id), "%lld", (long long)s->id);
		cli_bill_money_str(s->price, price);
		snprintf(vat, sizeof(vat), "%d %%", s->vat);
		cli_table_row(&t, row);
	}
	cli_table_print(&t, stdout);
	cli_table_free(&t);
	bill_service_list_free(&l);
	return 0;
}

static int service_update(int argc, char **argv, struct cli_env *env, int disable)
{
	struct catalog_opts o = {0};
	const char *ref[1];
	int json = 0, rc, n;
	struct cli_opt opts[] = {
	    {"code", CLI_ARG, &o.code, NULL}, {"name", CLI_ARG, &o.name, NULL},
	    {"unit", CLI_ARG, &o.unit, NULL}, {"price", CLI_ARG, &o.price, NULL},
	    {"vat", CLI_ARG, &o.vat, NULL},   {"active", CLI_ARG, &o.active, NULL},
	    {"json", CLI_FLAG, NULL, &json},  {NULL},
	};
	struct bill_service s;
	const char *what = disable ? "service disable" : "service update";

	n = cli_parse(argc, argv, disable ? NULL : opts, ref, 1, what, cmd_service_usage);
	if (n < 0)
		return EXIT_USAGE;
	if (n == 0)
		return cli_usage_error(cmd_service_usage, "%s needs the service's code or id",
				       what);
	if (!disable && !o.code && !o.name && !o.unit && !o.price && !o.vat && !o.active)
		return cli_usage_error(cmd_service_usage, "service update: nothing to change");
	rc = cli_find_service(env->st, ref[0], &s);
	if (rc)
		return rc;
	if (disable)
		s.active = 0;
	else if ((rc = service_apply(&o, &s)) != 0)
		return rc;
	rc = store_service_update(env->st, &s);
	if (rc != STORE_OK)
		return cli_store_error(env->st, rc);
	return service_print(env, s.id, json, disable ? "disabled" : "updated");
}

int cmd_service(int argc, char **argv, struct cli_env *env)
{
	const char *sub = argc > 1 ? argv[1] : "";

	if (strcmp(sub, "add") == 0)
		return service_add(argc - 2, argv + 2, env);
	if (strcmp(sub, "list") == 0)
		return service_list(argc - 2, argv + 2, env);
	if (strcmp(sub, "update") == 0)
		return service_update(argc - 2, argv + 2, env, 0);
	if (strcmp(sub, "disable") == 0)
		return service_update(argc - 2, argv + 2, env, 1);
	if (!*sub)
		return cli_usage_error(cmd_service_usage,
				       "service: which one: add, list, update or disable?");
	return cli_usage_error(cmd_service_usage, "service: unknown subcommand '%.40s'", sub);
}

/* ---- rates ---- */

static int rate_print(struct cli_env *env, int64_t id, int json, const char *verb)
{
	struct bill_rate r;
	char hourly[32];
	int rc = store_rate_get(env->st, id, &r);

	if (rc != STORE_OK)
		return cli_store_error(env->st, rc);
	if (json)
		return cli_json_print(json_doc_rate(&r));
	cli_bill_money_str(r.hourly, hourly);
	printf("%s rate %lld: %s (%s, %s EUR an hour, VAT %d %%)%s\n", verb, (long long)r.id,
	       r.code, r.name, hourly, r.vat, r.active ? "" : ", disabled");
	return 0;
}

static int rate_add(int argc, char **argv, struct cli_env *env)
{
	struct catalog_opts o = {0};
	int json = 0, rc;
	struct cli_opt opts[] = {
	    {"code", CLI_ARG, &o.code, NULL},	 {"name", CLI_ARG, &o.name, NULL},
	    {"hourly", CLI_ARG, &o.price, NULL}, {"vat", CLI_ARG, &o.vat, NULL},
	    {"json", CLI_FLAG, NULL, &json},	 {NULL},
	};
	struct bill_rate r;

	if (cli_parse(argc, argv, opts, NULL, 0, "rate add", cmd_rate_usage) < 0)
		return EXIT_USAGE;
	if (!o.code || !o.name || !o.price || !o.vat)
		return cli_usage_error(cmd_rate_usage,
				       "rate add needs --code, --name, --hourly and --vat");
	memset(&r, 0, sizeof(r));
	r.active = 1;
	rc = rate_apply(&o, &r);
	if (rc)
		return rc;
	rc = store_rate_add(env->st, &r);
	if (rc != STORE_OK)
		return cli_store_error(env->st, rc);
	return rate_print(env, r.id, json, "created");
}

static int rate_list(int argc, char **argv, struct cli_env *env)
{
	static const char *const heads[] = {"ID", "CODE", "NAME", "HOURLY", "VAT", "ACTIVE"};
	int json = 0, all = 0, rc;
	struct cli_opt opts[] = {
	    {"all", CLI_FLAG, NULL, &all},
	    {"json", CLI_FLAG, NULL, &json},
	    {NULL},
	};
	struct bill_rate_list l = {0};
	struct cli_table t;

	if (cli_parse(argc, argv, opts, NULL, 0, "rate list", cmd_rate_usage) < 0)
		return EXIT_USAGE;
	rc = store_rate_list(env->st, all, &l);
	if (rc != STORE_OK)
		return cli_store_error(env->st, rc);
	if (json) {
		char *doc = json_doc_rates(&l);

		bill_rate_list_free(&l);
		return cli_json_print(doc);
	}
	cli_table_init(&t, 6, heads);
	for (size_t i = 0; i < l.n; i++) {
		const struct bill_rate *r = &l.items[i];
		char id[24], hourly[32], vat[8];
		const char *row[6] = {id, r->code, r->name, hourly, vat, r->active ? "yes" : "no"};

		snprintf(id, sizeof(id), "%lld", (long long)r->id);
		cli_bill_money_str(r->hourly, hourly);
		snprintf(vat, sizeof(vat), "%d %%", r->vat);
		cli_table_row(&t, row);
	}
	cli_table_print(&t, stdout);
	cli_table_free(&t);
	bill_rate_list_free(&l);
	return 0;
}

static int rate_update(int argc, char **argv, struct cli_env *env, int disable)
{
	struct catalog_opts o = {0};
	const char *ref[1];
	int json = 0, rc, n;
	struct cli_opt opts[] = {
	    {"code", CLI_ARG, &o.code, NULL},
	    {"name", CLI_ARG, &o.name, NULL},
	    {"hourly", CLI_ARG, &o.price, NULL},
	    {"vat", CLI_ARG, &o.vat, NULL},
	    {"active", CLI_ARG, &o.active, NULL},
	    {"json", CLI_FLAG, NULL, &json},
	    {NULL},
	};
	struct bill_rate r;
	const char *what = disable ? "rate disable" : "rate update";

	n = cli_parse(argc, argv, disable ? NULL : opts, ref, 1, what, cmd_rate_usage);
	if (n < 0)
		return EXIT_USAGE;
	if (n == 0)
		return cli_usage_error(cmd_rate_usage, "%s needs the rate's code or id", what);
	if (!disable && !o.code && !o.name && !o.price && !o.vat && !o.active)
		return cli_usage_error(cmd_rate_usage, "rate update: nothing to change");
	rc = cli_find_rate(env->st, ref[0], &r);
	if (rc)
		return rc;
	if (disable)
		r.active = 0;
	else if ((rc = rate_apply(&o, &r)) != 0)
		return rc;
	rc = store_rate_update(env->st, &r);
	if (rc != STORE_OK)
		return cli_store_error(env->st, rc);
	return rate_print(env, r.id, json, disable ? "disabled" : "updated");
}

static int rate_override(int argc, char **argv, struct cli_env *env)
{
	const char *ref[1], *client = NULL, *contract = NULL, *hourly_s = NULL;
	int remove = 0, rc, n;
	struct cli_opt opts[] = {
	    {"client", CLI_ARG, &client, NULL},
	    {"contract", CLI_ARG, &contract, NULL},
	    {"hourly", CLI_ARG, &hourly_s, NULL},
	    {"remove", CLI_FLAG, NULL, &remove},
	    {NULL},
	};
	struct bill_rate r;
	struct bill_contract c;
	int64_t client_id = 0, contract_id = 0, hourly = -1;
	char price[32];

	n = cli_parse(argc, argv, opts, ref, 1, "rate override", cmd_rate_usage);
	if (n < 0)
		return EXIT_USAGE;
	if (n == 0)
		return cli_usage_error(cmd_rate_usage, "rate override needs the rate's code or id");
	if (!client == !contract)
		return cli_usage_error(cmd_rate_usage,
				       "rate override needs one of --client and --contract");
	if (!hourly_s == !remove)
		return cli_usage_error(cmd_rate_usage,
				       "rate override needs one of --hourly and --remove");
	if (hourly_s && cli_bill_money("--hourly", hourly_s, 0, &hourly) < 0)
		return EXIT_FAIL;
	if (client && cli_parse_id(client, &client_id) < 0)
		return cli_error("--client: '%.40s' is not a client id", client);
	rc = cli_find_rate(env->st, ref[0], &r);
	if (rc)
		return rc;
	if (contract) {
		rc = cli_find_contract(env->st, contract, &c);
		if (rc)
			return rc;
		contract_id = c.id;
		bill_contract_clear(&c);
	}
	rc = store_rate_override_set(env->st, r.id, client_id, contract_id, hourly);
	if (rc != STORE_OK)
		return cli_store_error(env->st, rc);
	if (remove) {
		printf("removed the price of rate %s for %s %s\n", r.code,
		       client ? "client" : "contract", client ? client : contract);
		return 0;
	}
	cli_bill_money_str(hourly, price);
	printf("rate %s costs %s EUR an hour for %s %s\n", r.code, price,
	       client ? "client" : "contract", client ? client : contract);
	return 0;
}

static int rate_overrides(int argc, char **argv, struct cli_env *env)
{
	static const char *const heads[] = {"RATE", "CLIENT", "CONTRACT", "HOURLY"};
	const char *client = NULL;
	int json = 0, rc;
	struct cli_opt opts[] = {
	    {"client", CLI_ARG, &client, NULL},
	    {"json", CLI_FLAG, NULL, &json},
	    {NULL},
	};
	struct bill_override_list l = {0};
	struct bill_rate_list rates = {0};
	struct cli_table t;
	int64_t client_id = 0;

	if (cli_parse(argc, argv, opts, NULL, 0, "rate overrides", cmd_rate_usage) < 0)
		return EXIT_USAGE;
	if (client && cli_parse_id(client, &client_id) < 0)
		return cli_error("--client: '%.40s' is not a client id", client);
	rc = store_rate_override_list(env->st, client_id, &l);
	if (rc != STORE_OK)
		return cli_store_error(env->st, rc);
	if (json) {
		char *doc = json_doc_overrides(&l);

		bill_override_list_free(&l);
		return cli_json_print(doc);
	}
	rc = store_rate_list(env->st, 1, &rates);
	if (rc != STORE_OK) {
		bill_override_list_free(&l);
		return cli_store_error(env->st, rc);
	}
	cli_table_init(&t, 4, heads);
	for (size_t i = 0; i < l.n; i++) {
		const struct bill_rate_override *o = &l.items[i];
		char cl[24] = "", co[24] = "", hourly[32], code[BILL_CODE_MAX_LEN + 24];
		const char *row[4] = {code, cl, co, hourly};

		snprintf(code, sizeof(code), "%lld", (long long)o->rate_id);
		for (size_t k = 0; k < rates.n; k++)
			if (rates.items[k].id == o->rate_id)
				xstrlcpy(code, rates.items[k].code, sizeof(code));
		if (o->client_id)
			snprintf(cl, sizeof(cl), "%lld", (long long)o->client_id);
		if (o->contract_id)
			snprintf(co, sizeof(co), "%lld", (long long)o->contract_id);
		cli_bill_money_str(o->hourly, hourly);
		cli_table_row(&t, row);
	}
	cli_table_print(&t, stdout);
	cli_table_free(&t);
	bill_override_list_free(&l);
	bill_rate_list_free(&rates);
	return 0;
}

static int rate_entry(int argc, char **argv, struct cli_env *env)
{
	const char *pos[2], *reason = NULL, *as = NULL;
	int rc, n;
	struct cli_opt opts[] = {
	    {"reason", CLI_ARG, &reason, NULL},
	    {"as", CLI_ARG, &as, NULL},
	    {NULL},
	};
	struct bill_rate r;
	struct user u;
	int64_t entry_id;

	n = cli_parse(argc, argv, opts, pos, 2, "rate entry", cmd_rate_usage);
	if (n < 0)
		return EXIT_USAGE;
	if (n < 2)
		return cli_usage_error(cmd_rate_usage,
				       "rate entry needs the time entry's id and a rate code "
				       "(or default)");
	if (!reason || !as)
		return cli_usage_error(cmd_rate_usage, "rate entry needs --reason and --as");
	if (cli_parse_id(pos[0], &entry_id) < 0)
		return cli_error("'%.40s' is not a time entry's id", pos[0]);
	if (!valid_text(reason, NOTES_MAX_LEN, 1) || !reason[strspn(reason, " \t\n")])
		return cli_error("--reason: must be text of 1 to %d bytes", NOTES_MAX_LEN);
	memset(&r, 0, sizeof(r));
	if (strcmp(pos[1], "default") != 0 && (rc = cli_find_rate(env->st, pos[1], &r)) != 0)
		return rc;
	rc = cli_find_actor(env->st, as, &u);
	if (rc)
		return rc;
	rc = store_time_set_rate(env->st, entry_id, r.id, reason, u.id, clock_now());
	if (rc != STORE_OK)
		return cli_store_error(env->st, rc);
	printf("time entry %lld is now %s work\n", (long long)entry_id, r.id ? r.code : "default");
	return 0;
}

int cmd_rate(int argc, char **argv, struct cli_env *env)
{
	const char *sub = argc > 1 ? argv[1] : "";

	if (strcmp(sub, "add") == 0)
		return rate_add(argc - 2, argv + 2, env);
	if (strcmp(sub, "list") == 0)
		return rate_list(argc - 2, argv + 2, env);
	if (strcmp(sub, "update") == 0)
		return rate_update(argc - 2, argv + 2, env, 0);
	if (strcmp(sub, "disable") == 0)
		return rate_update(argc - 2, argv + 2, env, 1);
	if (strcmp(sub, "override") == 0)
		return rate_override(argc - 2, argv + 2, env);
	if (strcmp(sub, "overrides") == 0)
		return rate_overrides(argc - 2, argv + 2, env);
	if (strcmp(sub, "entry") == 0)
		return rate_entry(argc - 2, argv + 2, env);
	if (!*sub)
		return cli_usage_error(cmd_rate_usage,
				       "rate: which one: add, list, update, disable, override, "
				       "overrides or entry?");
	return cli_usage_error(cmd_rate_usage, "rate: unknown subcommand '%.40s'", sub);
}
