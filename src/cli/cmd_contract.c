/*
 * cmd_contract: `evid contract add|list|show|update|end|line-add|line-remove`:
 * a client's contracts -- number, dates, how a part month is charged, the
 * billing cycle, prepaid or not, the terms of ticket work (included hours,
 * the overage rate, rounding) -- and their lines (a service, a quantity and
 * a monthly price), given as repeated --line SERVICE:QTY[:PRICE[:TEXT]].
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cmd_billing.h"
#include "core/calendar.h"
#include "core/validate.h"
#include "util/xalloc.h"
#include "web/json_doc.h"

#define LINES_MAX 200 /* --line options in one command */

const char cmd_contract_usage[] =
    "usage: evid contract add --client ID --number NUMBER --start YYYY-MM-DD\n"
    "                         --line SERVICE:QTY[:PRICE[:TEXT]] [--line ...] [TERMS]\n"
    "                         [--json]\n"
    "       evid contract list [--client ID] [--json]\n"
    "       evid contract show ID|NUMBER [--json]\n"
    "       evid contract update ID|NUMBER [--number NUMBER] [--start YYYY-MM-DD] [TERMS]\n"
    "                            [--json]\n"
    "       evid contract end ID|NUMBER --on YYYY-MM-DD\n"
    "       evid contract line-add ID|NUMBER --line SERVICE:QTY[:PRICE[:TEXT]] [--line ...]\n"
    "       evid contract line-remove ID|NUMBER LINE_ID\n"
    "\n"
    "TERMS (each optional; a new contract takes [billing]'s rounding):\n"
    "  --end YYYY-MM-DD         the last day covered (update: --end none: open-ended)\n"
    "  --proration monthly|daily  a part month: charged whole (default) or by days\n"
    "  --cycle monthly|quarterly|half_yearly|yearly  the billing period (default monthly)\n"
    "  --prepaid yes|no         invoiced in advance for each period (default no)\n"
    "  --included-hours H       support hours included per month (e.g. 10 or 2.5)\n"
    "  --overage EUR            the hourly price beyond them (0: the rate's own)\n"
    "  --increment MIN          round ticket work to MIN minutes (0: exact)\n"
    "  --rounding up|nearest    --round-per entry|ticket    --minimum MIN\n"
    "  --notes TEXT\n"
    "\n"
    "A line is a service's code, a quantity (\"2\", \"0.5\") and optionally the\n"
    "monthly price of one unit in EUR and a description; without them the\n"
    "service's price and name apply (\"printer_rental:3\", \"backup:1:80.00\",\n"
    "\"support:1::Održavanje poslužitelja\").  A contract is named by its id or\n"
    "its number.  'update' keeps the lines; 'line-remove' is refused for a line\n"
    "already prepaid (end the contract instead).  'end' sets the last day.\n";

/* ---- repeated --line options (cli_parse takes each option once) ---- */

struct line_args {
	const char *v[LINES_MAX];
	int n;
};

/*
 * Move every --line VALUE / --line=VALUE of argv (before a "--") into la,
 * compacting argv; returns the new argc, or -1 after printing why.
 */
static int take_lines(int argc, char **argv, struct line_args *la, const char *what)
{
	int i, out = 0, only_pos = 0;

	la->n = 0;
	for (i = 0; i < argc; i++) {
		const char *a = argv[i], *v = NULL;

		if (!only_pos && strcmp(a, "--") == 0)
			only_pos = 1;
		if (!only_pos && strcmp(a, "--line") == 0) {
			if (i + 1 >= argc)
				return cli_usage_error(cmd_contract_usage,
						       "%s: option --line needs a value", what),
				       -1;
			v = argv[++i];
		} else if (!only_pos && strncmp(a, "--line=", 7) == 0) {
			v = a + 7;
		}
		if (!v) {
			argv[out++] = argv[i];
			continue;
		}
		if (la->n >= LINES_MAX)
			return cli_error("%s: at most %d --line options", what, LINES_MAX), -1;
		la->v[la->n++] = v;
	}
	return out;
}

/*
 * Parse "CODE:QTY[:PRICE[:TEXT]]" into *l (service from the store; price,
 * VAT and description left to the service when not given).
 */
static int line_parse(struct store *st, const char *arg, struct bill_contract_line *l)
{
	char code[BILL_CODE_MAX_LEN + 1], qty[32], price[32];
	const char *p = arg, *c1, *c2, *c3;
	struct bill_service s;
	int rc;

	memset(l, 0, sizeof(*l));
	l->monthly_price = -1;
	l->vat = -1;
	c1 = strchr(p, ':');
	if (!c1)
		return cli_error("--line: '%.80s' is not SERVICE:QTY[:PRICE[:TEXT]]", arg);
	c2 = strchr(c1 + 1, ':');
	c3 = c2 ? strchr(c2 + 1, ':') : NULL;
	if ((size_t)(c1 - p) >= sizeof(code) ||
	    (size_t)((c2 ? c2 : c1 + strlen(c1)) - c1 - 1) >= sizeof(qty) ||
	    (c2 && (size_t)((c3 ? c3 : c2 + strlen(c2)) - c2 - 1) >= sizeof(price)))
		return cli_error("--line: '%.80s' is not SERVICE:QTY[:PRICE[:TEXT]]", arg);
	memcpy(code, p, (size_t)(c1 - p));
	code[c1 - p] = '\0';
	if (c2) {
		memcpy(qty, c1 + 1, (size_t)(c2 - c1 - 1));
		qty[c2 - c1 - 1] = '\0';
		memcpy(price, c2 + 1, (size_t)((c3 ? c3 : c2 + strlen(c2)) - c2 - 1));
		price[(c3 ? c3 : c2 + strlen(c2)) - c2 - 1] = '\0';
	} else {
		xstrlcpy(qty, c1 + 1, sizeof(qty));
		price[0] = '\0';
	}
	rc = cli_find_service(st, code, &s);
	if (rc)
		return rc;
	l->service_id = s.id;
	xstrlcpy(l->service_code, s.code, sizeof(l->service_code));
	if (cli_bill_qty("--line's quantity", qty, &l->quantity) < 0)
		return EXIT_FAIL;
	if (*price && cli_bill_money("--line's price", price, 0, &l->monthly_price) < 0)
		return EXIT_FAIL;
	if (c3) {
		if (!valid_text(c3 + 1, BILL_TEXT_MAX_LEN, 0))
			return cli_error("--line's text: must be one line of at most %d bytes",
					 BILL_TEXT_MAX_LEN);
		xstrlcpy(l->description, c3 + 1, sizeof(l->description));
	}
	return 0;
}

/* Append the lines of la to c. */
static int lines_add(struct store *st, const struct line_args *la, struct bill_contract *c)
{
	int rc;

	if (la->n == 0)
		return 0;
	c->lines = xrealloc(c->lines, (c->n_lines + (size_t)la->n) * sizeof(*c->lines));
	for (int i = 0; i < la->n; i++) {
		rc = line_parse(st, la->v[i], &c->lines[c->n_lines]);
		if (rc)
			return rc;
		c->lines[c->n_lines].contract_id = c->id;
		c->n_lines++;
	}
	return 0;
}

/* ---- the terms ---- */

struct terms_opts {
	const char *number, *start, *end, *proration, *cycle, *prepaid, *included, *overage,
	    *increment, *rounding, *round_per, *minimum, *notes;
};

static int terms_any(const struct terms_opts *o)
{
	return o->number || o->start || o->end || o->proration || o->cycle || o->prepaid ||
	       o->included || o->overage || o->increment || o->rounding || o->round_per ||
	       o->minimum || o->notes;
}

static int terms_apply(const struct terms_opts *o, struct bill_contract *c)
{
	if (o->number) {
		if (!*o->number || strlen(o->number) > BILL_NUMBER_MAX_LEN ||
		    !valid_text(o->number, BILL_NUMBER_MAX_LEN, 0))
			return cli_error("--number: must be one line of 1 to %d bytes",
					 BILL_NUMBER_MAX_LEN);
		xstrlcpy(c->number, o->number, sizeof(c->number));
	}
	if (o->start && cli_bill_day("--start", o->start, &c->start_day) < 0)
		return EXIT_FAIL;
	if (o->end) {
		if (strcmp(o->end, "none") == 0)
			c->end_day = -1;
		else if (cli_bill_day("--end", o->end, &c->end_day) < 0)
			return EXIT_FAIL;
	}
	if (o->proration && bill_proration_parse(o->proration, &c->proration) < 0)
		return cli_error("--proration: '%.40s' is not monthly or daily", o->proration);
	if (o->cycle && bill_cycle_parse(o->cycle, &c->cycle) < 0)
		return cli_error("--cycle: '%.40s' is not monthly, quarterly, half_yearly or "
				 "yearly",
				 o->cycle);
	if (o->prepaid && cli_bill_bool("--prepaid", o->prepaid, &c->prepaid) < 0)
		return EXIT_FAIL;
	if (o->included && cli_bill_hours("--included-hours", o->included, &c->terms.included) < 0)
		return EXIT_FAIL;
	if (o->overage && cli_bill_money("--overage", o->overage, 0, &c->terms.overage_hourly) < 0)
		return EXIT_FAIL;
	if (o->increment && cli_bill_minutes("--increment", o->increment, &c->terms.increment) < 0)
		return EXIT_FAIL;
	if (o->rounding && bill_round_mode_parse(o->rounding, &c->terms.mode) < 0)
		return cli_error("--rounding: '%.40s' is not up or nearest", o->rounding);
	if (o->round_per && bill_round_per_parse(o->round_per, &c->terms.per) < 0)
		return cli_error("--round-per: '%.40s' is not entry or ticket", o->round_per);
	if (o->minimum && cli_bill_minutes("--minimum", o->minimum, &c->terms.minimum) < 0)
		return EXIT_FAIL;
	if (o->notes) {
		if (!valid_text(o->notes, NOTES_MAX_LEN, 1))
			return cli_error("--notes: must be text of at most %d bytes",
					 NOTES_MAX_LEN);
		xstrlcpy(c->notes, o->notes, sizeof(c->notes));
	}
	return 0;
}

/* clang-format off */
#define TERMS_OPTS(o)                                             \
	{"end", CLI_ARG, &(o).end, NULL},                         \
	{"proration", CLI_ARG, &(o).proration, NULL},             \
	{"cycle", CLI_ARG, &(o).cycle, NULL},                     \
	{"prepaid", CLI_ARG, &(o).prepaid, NULL},                 \
	{"included-hours", CLI_ARG, &(o).included, NULL},         \
	{"overage", CLI_ARG, &(o).overage, NULL},                 \
	{"increment", CLI_ARG, &(o).increment, NULL},             \
	{"rounding", CLI_ARG, &(o).rounding, NULL},               \
	{"round-per", CLI_ARG, &(o).round_per, NULL},             \
	{"minimum", CLI_ARG, &(o).minimum, NULL},                 \
	{"notes", CLI_ARG, &(o).notes, NULL}
/* clang-format on */

/* ---- printing ---- */

static void contract_print(const struct bill_contract *c)
{
	char start[16], end[16] = "open-ended", hours[32], price[32], qty[32];

	cal_date_format(c->start_day, start);
	if (c->end_day >= 0)
		cal_date_format(c->end_day, end);
	printf("contract %lld: %s\n", (long long)c->id, c->number);
	printf("  client:     %lld %s\n", (long long)c->client_id, c->client_name);
	printf("  covers:     %s .. %s\n", start, end);
	printf("  proration:  %s\n", c->proration == PRORATE_DAILY
					 ? "daily (a part month by its days)"
					 : "monthly (a part month as a whole one)");
	printf("  billing:    %s, %s\n", bill_cycle_name(c->cycle),
	       c->prepaid ? "prepaid (in advance)" : "after the month");
	cli_bill_hours_str(c->terms.included, hours);
	cli_bill_money_str(c->terms.overage_hourly, price);
	if (!c->terms.included)
		printf("  included:   none\n");
	else if (c->terms.overage_hourly)
		printf("  included:   %s h a month, beyond them %s EUR an hour\n", hours, price);
	else
		printf("  included:   %s h a month, beyond them the rate's price\n", hours);
	printf("  rounding:   %lld min %s per %s, minimum %lld min\n",
	       (long long)(c->terms.increment / 60), bill_round_mode_name(c->terms.mode),
	       bill_round_per_name(c->terms.per), (long long)(c->terms.minimum / 60));
	if (c->notes[0])
		printf("  notes:      %s\n", c->notes);
	printf("  lines:\n");
	for (size_t i = 0; i < c->n_lines; i++) {
		const struct bill_contract_line *l = &c->lines[i];

		cli_bill_qty_str(l->quantity, qty);
		cli_bill_money_str(l->monthly_price, price);
		printf("    line %lld: %s x %s at %s EUR a month, VAT %d %%: %s\n",
		       (long long)l->id, qty, l->service_code, price, l->vat, l->description);
	}
}

static int contract_reply(struct cli_env *env, int64_t id, int json, const char *verb)
{
	struct bill_contract c;
	int rc;

	memset(&c, 0, sizeof(c));
	rc = store_contract_get(env->st, id, &c);
	if (rc != STORE_OK)
		return cli_store_error(env->st, rc);
	if (json) {
		char *doc = json_doc_contract(&c);

		bill_contract_clear(&c);
		return cli_json_print(doc);
	}
	if (verb)
		printf("%s ", verb);
	contract_print(&c);
	bill_contract_clear(&c);
	return 0;
}

/* ---- the subcommands ---- */

static int contract_add(int argc, char **argv, struct cli_env *env)
{
	struct terms_opts o = {0};
	struct line_args la;
	const char *client = NULL;
	int json = 0, rc;
	struct cli_opt opts[] = {
	    {"client", CLI_ARG, &client, NULL}, {"number", CLI_ARG, &o.number, NULL},
	    {"start", CLI_ARG, &o.start, NULL}, TERMS_OPTS(o),
	    {"json", CLI_FLAG, NULL, &json},	{NULL},
	};
	struct bill_contract c;

	argc = take_lines(argc, argv, &la, "contract add");
	if (argc < 0)
		return EXIT_USAGE;
	if (cli_parse(argc, argv, opts, NULL, 0, "contract add", cmd_contract_usage) < 0)
		return EXIT_USAGE;
	if (!client || !o.number || !o.start || la.n == 0)
		return cli_usage_error(
		    cmd_contract_usage,
		    "contract add needs --client, --number, --start and a --line");
	memset(&c, 0, sizeof(c));
	if (cli_parse_id(client, &c.client_id) < 0)
		return cli_error("--client: '%.40s' is not a client id", client);
	c.end_day = -1;
	c.proration = PRORATE_MONTHLY;
	c.cycle = CYCLE_MONTHLY;
	/* Rounding as for work under no contract until the contract says otherwise. */
	c.terms.increment = (int64_t)env->conf.billing_increment_minutes * 60;
	if (bill_round_mode_parse(env->conf.billing_rounding, &c.terms.mode) < 0)
		c.terms.mode = ROUND_UP;
	if (bill_round_per_parse(env->conf.billing_round_per, &c.terms.per) < 0)
		c.terms.per = ROUND_PER_ENTRY;
	c.terms.minimum = (int64_t)env->conf.billing_minimum_minutes * 60;
	rc = terms_apply(&o, &c);
	if (rc == 0)
		rc = lines_add(env->st, &la, &c);
	if (rc == 0) {
		rc = store_contract_add(env->st, &c);
		rc = rc == STORE_OK ? 0 : cli_store_error(env->st, rc);
	}
	if (rc == 0)
		rc = contract_reply(env, c.id, json, "created");
	bill_contract_clear(&c);
	return rc;
}

static int contract_list(int argc, char **argv, struct cli_env *env)
{
	static const char *const heads[] = {"ID",  "NUMBER", "CLIENT",	"START",
					    "END", "CYCLE",  "PREPAID", "LINES"};
	const char *client = NULL;
	int json = 0, rc;
	struct cli_opt opts[] = {
	    {"client", CLI_ARG, &client, NULL},
	    {"json", CLI_FLAG, NULL, &json},
	    {NULL},
	};
	struct bill_contract_list l = {0};
	struct cli_table t;
	int64_t client_id = 0;

	if (cli_parse(argc, argv, opts, NULL, 0, "contract list", cmd_contract_usage) < 0)
		return EXIT_USAGE;
	if (client && cli_parse_id(client, &client_id) < 0)
		return cli_error("--client: '%.40s' is not a client id", client);
	rc = store_contract_list(env->st, client_id, &l);
	if (rc != STORE_OK)
		return cli_store_error(env->st, rc);
	if (json) {
		char *doc = json_doc_contracts(&l);

		bill_contract_list_free(&l);
		return cli_json_print(doc);
	}
	cli_table_init(&t, 8, heads);
	for (size_t i = 0; i < l.n; i++) {
		const struct bill_contract *c = &l.items[i];
		char id[24], start[16], end[16] = "", lines[16];
		const char *row[8] = {id,
				      c->number,
				      c->client_name,
				      start,
				      end,
				      bill_cycle_name(c->cycle),
				      c->prepaid ? "yes" : "no",
				      lines};

		snprintf(id, sizeof(id), "%lld", (long long)c->id);
		cal_date_format(c->start_day, start);
		if (c->end_day >= 0)
			cal_date_format(c->end_day, end);
		snprintf(lines, sizeof(lines), "%zu", c->n_lines);
		cli_table_row(&t, row);
	}
	cli_table_print(&t, stdout);
	cli_table_free(&t);
	bill_contract_list_free(&l);
	return 0;
}

static int contract_show(int argc, char **argv, struct cli_env *env)
{
	const char *ref[1];
	int json = 0, rc, n;
	struct cli_opt opts[] = {
	    {"json", CLI_FLAG, NULL, &json},
	    {NULL},
	};
	struct bill_contract c;

	n = cli_parse(argc, argv, opts, ref, 1, "contract show", cmd_contract_usage);
	if (n < 0)
		return EXIT_USAGE;
	if (n == 0)
		return cli_usage_error(cmd_contract_usage,
				       "contract show needs the contract's id or number");
	rc = cli_find_contract(env->st, ref[0], &c);
	if (rc)
		return rc;
	if (json) {
		char *doc = json_doc_contract(&c);

		bill_contract_clear(&c);
		return cli_json_print(doc);
	}
	contract_print(&c);
	bill_contract_clear(&c);
	return 0;
}

static int contract_update(int argc, char **argv, struct cli_env *env)
{
	struct terms_opts o = {0};
	const char *ref[1];
	int json = 0, rc, n;
	struct cli_opt opts[] = {
	    {"number", CLI_ARG, &o.number, NULL},
	    {"start", CLI_ARG, &o.start, NULL},
	    TERMS_OPTS(o),
	    {"json", CLI_FLAG, NULL, &json},
	    {NULL},
	};
	struct bill_contract c;

	n = cli_parse(argc, argv, opts, ref, 1, "contract update", cmd_contract_usage);
	if (n < 0)
		return EXIT_USAGE;
	if (n == 0)
		return cli_usage_error(cmd_contract_usage,
				       "contract update needs the contract's id or number");
	if (!terms_any(&o))
		return cli_usage_error(cmd_contract_usage, "contract update: nothing to change");
	rc = cli_find_contract(env->st, ref[0], &c);
	if (rc)
		return rc;
	rc = terms_apply(&o, &c);
	if (rc == 0) {
		rc = store_contract_update(env->st, &c);
		rc = rc == STORE_OK ? 0 : cli_store_error(env->st, rc);
	}
	if (rc == 0)
		rc = contract_reply(env, c.id, json, "updated");
	bill_contract_clear(&c);
	return rc;
}

static int contract_end(int argc, char **argv, struct cli_env *env)
{
	const char *ref[1], *on = NULL;
	int rc, n;
	struct cli_opt opts[] = {
	    {"on", CLI_ARG, &on, NULL},
	    {NULL},
	};
	struct bill_contract c;
	int32_t day;
	char d[16];

	n = cli_parse(argc, argv, opts, ref, 1, "contract end", cmd_contract_usage);
	if (n < 0)
		return EXIT_USAGE;
	if (n == 0 || !on)
		return cli_usage_error(cmd_contract_usage,
				       "contract end needs the contract's id or number and --on");
	if (cli_bill_day("--on", on, &day) < 0)
		return EXIT_FAIL;
	rc = cli_find_contract(env->st, ref[0], &c);
	if (rc)
		return rc;
	rc = store_contract_end(env->st, c.id, day);
	if (rc != STORE_OK)
		rc = cli_store_error(env->st, rc);
	else
		printf("contract %s ends on %s\n", c.number, cal_date_format(day, d));
	bill_contract_clear(&c);
	return rc;
}

static int contract_lines(int argc, char **argv, struct cli_env *env, int add)
{
	struct line_args la = {.n = 0};
	const char *pos[2], *what = add ? "contract line-add" : "contract line-remove";
	int rc, n;
	struct bill_contract c;
	int64_t line_id = 0;
	size_t i;

	if (add) {
		argc = take_lines(argc, argv, &la, what);
		if (argc < 0)
			return EXIT_USAGE;
	}
	n = cli_parse(argc, argv, NULL, pos, add ? 1 : 2, what, cmd_contract_usage);
	if (n < 0)
		return EXIT_USAGE;
	if (add && (n < 1 || la.n == 0))
		return cli_usage_error(cmd_contract_usage,
				       "contract line-add needs the contract and a --line");
	if (!add && n < 2)
		return cli_usage_error(cmd_contract_usage,
				       "contract line-remove needs the contract and a line id");
	if (!add && cli_parse_id(pos[1], &line_id) < 0)
		return cli_error("'%.40s' is not a line id", pos[1]);
	rc = cli_find_contract(env->st, pos[0], &c);
	if (rc)
		return rc;
	if (add) {
		rc = lines_add(env->st, &la, &c);
	} else {
		for (i = 0; i < c.n_lines && c.lines[i].id != line_id; i++)
			;
		if (i == c.n_lines) {
			rc =
			    cli_error("contract %s has no line %lld", c.number, (long long)line_id);
		} else {
			memmove(&c.lines[i], &c.lines[i + 1],
				(c.n_lines - i - 1) * sizeof(*c.lines));
			c.n_lines--;
		}
	}
	if (rc == 0) {
		rc = store_contract_update(env->st, &c);
		rc = rc == STORE_OK ? 0 : cli_store_error(env->st, rc);
	}
	if (rc == 0)
		rc = contract_reply(env, c.id, 0, "updated");
	bill_contract_clear(&c);
	return rc;
}

int cmd_contract(int argc, char **argv, struct cli_env *env)
{
	const char *sub = argc > 1 ? argv[1] : "";

	if (strcmp(sub, "add") == 0)
		return contract_add(argc - 2, argv + 2, env);
	if (strcmp(sub, "list") == 0)
		return contract_list(argc - 2, argv + 2, env);
	if (strcmp(sub, "show") == 0)
		return contract_show(argc - 2, argv + 2, env);
	if (strcmp(sub, "update") == 0)
		return contract_update(argc - 2, argv + 2, env);
	if (strcmp(sub, "end") == 0)
		return contract_end(argc - 2, argv + 2, env);
	if (strcmp(sub, "line-add") == 0)
		return contract_lines(argc - 2, argv + 2, env, 1);
	if (strcmp(sub, "line-remove") == 0)
		return contract_lines(argc - 2, argv + 2, env, 0);
	if (!*sub)
		return cli_usage_error(cmd_contract_usage,
				       "contract: which one: add, list, show, update, end, "
				       "line-add or line-remove?");
	return cli_usage_error(cmd_contract_usage, "contract: unknown subcommand '%.40s'", sub);
}
