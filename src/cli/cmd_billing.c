/*
 * cmd_billing: `evid billing prepay|run|close|months|adjust|adjustments|
 * extra`: the prepayments of a month, the month-end specification per
 * client (web/billing_run.c does the work, as for the API and the pages),
 * closing a month, corrections of a closed month, and extra items on
 * tickets.  Also the parsers and lookups the billing commands share
 * (cmd_billing.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cmd_billing.h"
#include "core/calendar.h"
#include "core/money.h"
#include "core/validate.h"
#include "util/clock.h"
#include "util/xalloc.h"
#include "web/billing_run.h"
#include "web/json_doc.h"

#define CLOSED_LIST_MAX 240 /* months `billing months` shows */

const char cmd_billing_usage[] =
    "usage: evid billing prepay YYYY-MM [--issue] [--format text|json|csv] [--lang hr|en]\n"
    "       evid billing run YYYY-MM [--client ID] [--format text|json|csv|pdf|xlsx]\n"
    "                        [--out DIR] [--lang hr|en]\n"
    "       evid billing close YYYY-MM [--as EMAIL]\n"
    "       evid billing months\n"
    "       evid billing adjust --client ID --corrects YYYY-MM --amount EUR --vat PCT\n"
    "                           --description TEXT [--ticket ID|NUMBER] [--month YYYY-MM]\n"
    "                           [--as EMAIL] [--json]\n"
    "       evid billing adjustments YYYY-MM [--json]\n"
    "       evid billing extra add TICKET --description TEXT --quantity QTY --price EUR\n"
    "                              --vat PCT [--day YYYY-MM-DD] --as EMAIL [--json]\n"
    "       evid billing extra list TICKET [--json]\n"
    "       evid billing extra remove ID --as EMAIL\n"
    "\n"
    "'prepay' lists, per client with VAT, what every prepaid contract whose\n"
    "billing period starts in the month invoices in advance; --issue records\n"
    "them (those recorded before are shown, not recorded twice), so the month-end\n"
    "shows those lines as prepaid.\n"
    "\n"
    "'run' makes each client's specification of the month (contract lines,\n"
    "ticket work, included hours, extras, adjustments, totals per VAT rate) and\n"
    "a summary.  Without --out it prints one document: text, json\n"
    "({month, closed, clients, summary}) or csv (every client's rows under one\n"
    "header).  With --out DIR it writes DIR/YYYY-MM/CLIENT_ID.EXT per client and\n"
    "DIR/YYYY-MM/summary.EXT (.txt for pdf and xlsx); pdf and xlsx need --out\n"
    "or --client.  A closed month's run prints what was stored at its close.\n"
    "\n"
    "'close' stores the month's specifications and locks it: its time entries,\n"
    "extra items and prepayments can no longer change.  Months close in order.\n"
    "A later correction is an 'adjust'ment, charged in the first open month\n"
    "after the corrected one (or --month), negative to credit.\n"
    "\n"
    "'extra' adds an extra item (material, travel) to a ticket on a day\n"
    "(default today), lists a ticket's, or removes one while its month is open.\n";

/* ---- shared parsers (cmd_billing.h) ---- */

int cli_bill_money(const char *what, const char *s, int neg, int64_t *cents)
{
	int64_t v;

	if (money_parse(s, &v) < 0 || (v < 0 && !neg) || v > BILL_PRICE_MAX ||
	    v < -BILL_PRICE_MAX) {
		cli_error("%s: '%.40s' is not an amount in EUR such as 35.00%s", what, s,
			  neg ? " or -12.50" : "");
		return -1;
	}
	*cents = v;
	return 0;
}

int cli_bill_qty(const char *what, const char *s, int64_t *thousandths)
{
	int64_t units = 0, frac = 0;
	int nfrac = 0, ndigits = 0;
	const char *p = s;

	for (; *p >= '0' && *p <= '9' && ndigits < 10; p++, ndigits++)
		units = units * 10 + (*p - '0');
	if (ndigits > 0 && (*p == '.' || *p == ',')) {
		for (p++; *p >= '0' && *p <= '9' && nfrac < 3; p++, nfrac++)
			frac = frac * 10 + (*p - '0');
		if (nfrac == 0)
			ndigits = 0;
	}
	for (int i = nfrac; i < 3; i++)
		frac *= 10;
	if (ndigits == 0 || *p || units * BILL_QTY_ONE + frac <= 0 ||
	    units * BILL_QTY_ONE + frac > BILL_QTY_MAX) {
		cli_error("%s: '%.40s' is not a quantity such as 2 or 0.5 (at most three "
			  "decimals)",
			  what, s);
		return -1;
	}
	*thousandths = units * BILL_QTY_ONE + frac;
	return 0;
}

int cli_bill_vat(const char *what, const char *s, int *vat)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (!*s || *end || errno || v < 0 || v > 100 || !bill_vat_valid((int)v)) {
		cli_error("%s: '%.40s' is not a VAT rate: 25, 13, 5 or 0", what, s);
		return -1;
	}
	*vat = (int)v;
	return 0;
}

int cli_bill_minutes(const char *what, const char *s, int64_t *seconds)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (*s < '0' || *s > '9' || *end || errno || v < 0 || v > 1440) {
		cli_error("%s: '%.40s' is not a whole number of minutes from 0 to 1440", what, s);
		return -1;
	}
	*seconds = (int64_t)v * 60;
	return 0;
}

int cli_bill_hours(const char *what, const char *s, int64_t *seconds)
{
	int64_t cents;

	/* Hours with two decimals read like an amount: 1.5 h = 150 hundredths. */
	if (money_parse(s, &cents) < 0 || cents < 0 || cents > 744 * 100) {
		cli_error("%s: '%.40s' is not a number of hours from 0 to 744 such as 10 or 2.5",
			  what, s);
		return -1;
	}
	*seconds = cents * 36;
	return 0;
}

int cli_bill_month(const char *what, const char *s, int32_t *month)
{
	if (cal_month_parse(s, month) < 0) {
		cli_error("%s: '%.40s' is not a month YYYY-MM", what, s);
		return -1;
	}
	return 0;
}

int cli_bill_day(const char *what, const char *s, int32_t *day)
{
	if (cal_date_parse(s, day) < 0) {
		cli_error("%s: '%.40s' is not a date YYYY-MM-DD", what, s);
		return -1;
	}
	return 0;
}

int cli_bill_bool(const char *what, const char *s, int *out)
{
	if (strcmp(s, "yes") == 0 || strcmp(s, "true") == 0 || strcmp(s, "1") == 0) {
		*out = 1;
	} else if (strcmp(s, "no") == 0 || strcmp(s, "false") == 0 || strcmp(s, "0") == 0) {
		*out = 0;
	} else {
		cli_error("%s: '%.40s' is not yes or no", what, s);
		return -1;
	}
	return 0;
}

void cli_bill_money_str(int64_t cents, char out[32])
{
	if (money_format(cents, '.', 0, out, 32) < 0)
		snprintf(out, 32, "?");
}

void cli_bill_qty_str(int64_t q, char out[32])
{
	int64_t a = q < 0 ? -q : q;
	int n = snprintf(out, 32, "%s%lld.%03lld", q < 0 ? "-" : "", (long long)(a / 1000),
			 (long long)(a % 1000));

	/* "1.500" -> "1.5", "2.000" -> "2" */
	while (n > 0 && out[n - 1] == '0')
		out[--n] = '\0';
	if (n > 0 && out[n - 1] == '.')
		out[--n] = '\0';
}

void cli_bill_hours_str(int64_t seconds, char out[32])
{
	/* Hundredths of an hour, a half up: 36 seconds each. */
	int64_t h = (seconds + 18) / 36;

	snprintf(out, 32, "%lld.%02lld", (long long)(h / 100), (long long)(h % 100));
}

/* ---- shared lookups ---- */

int cli_find_service(struct store *st, const char *ref, struct bill_service *out)
{
	int64_t id;
	int rc;

	if (cli_parse_id(ref, &id) == 0)
		rc = store_service_get(st, id, out);
	else
		rc = store_service_by_code(st, ref, out);
	if (rc == STORE_NOT_FOUND)
		return cli_error("no service '%.40s': see 'evid service list --all'", ref);
	return rc == STORE_OK ? 0 : cli_store_error(st, rc);
}

int cli_find_rate(struct store *st, const char *ref, struct bill_rate *out)
{
	int64_t id;
	int rc;

	if (cli_parse_id(ref, &id) == 0)
		rc = store_rate_get(st, id, out);
	else
		rc = store_rate_by_code(st, ref, out);
	if (rc == STORE_NOT_FOUND)
		return cli_error("no rate '%.40s': see 'evid rate list --all'", ref);
	return rc == STORE_OK ? 0 : cli_store_error(st, rc);
}

int cli_find_contract(struct store *st, const char *ref, struct bill_contract *out)
{
	struct bill_contract_list l = {0};
	int64_t id;
	size_t i;
	int rc;

	memset(out, 0, sizeof(*out));
	if (cli_parse_id(ref, &id) == 0) {
		rc = store_contract_get(st, id, out);
		if (rc == STORE_NOT_FOUND)
			return cli_error("no contract with id %lld", (long long)id);
		return rc == STORE_OK ? 0 : cli_store_error(st, rc);
	}
	/* By number: the store keys contracts by id; a number is unique among them. */
	rc = store_contract_list(st, 0, &l);
	if (rc != STORE_OK)
		return cli_store_error(st, rc);
	for (i = 0; i < l.n && strcmp(l.items[i].number, ref) != 0; i++)
		;
	if (i == l.n) {
		bill_contract_list_free(&l);
		return cli_error("no contract numbered '%.40s': see 'evid contract list'", ref);
	}
	id = l.items[i].id;
	bill_contract_list_free(&l);
	rc = store_contract_get(st, id, out);
	return rc == STORE_OK ? 0 : cli_store_error(st, rc);
}

/* ---- billing ---- */

static int lang_check(const char *lang)
{
	if (lang && strcmp(lang, "hr") != 0 && strcmp(lang, "en") != 0)
		return cli_error("--lang: '%.40s' is not hr or en", lang);
	return 0;
}

/* Report a failed billing_run.c call; the exit status follows from it. */
static int billing_fail(const struct billing_error *e)
{
	fprintf(stderr, "evid: %s\n", e->msg);
	if (e->kind == BILLING_FAIL_STORE &&
	    (e->store_rc == STORE_BUSY || e->store_rc == STORE_FULL))
		return EXIT_TEMPFAIL;
	return EXIT_FAIL;
}

static int billing_prepay_cmd(int argc, char **argv, struct cli_env *env)
{
	const char *pos[1], *format_s = "text", *lang = NULL;
	int issue = 0, n, rc;
	struct cli_opt opts[] = {
	    {"issue", CLI_FLAG, NULL, &issue},
	    {"format", CLI_ARG, &format_s, NULL},
	    {"lang", CLI_ARG, &lang, NULL},
	    {NULL},
	};
	struct billing_prepay_list l;
	struct billing_error e;
	enum billing_format format;
	struct buf out = BUF_INIT(256u * 1024 * 1024);
	int32_t month;

	n = cli_parse(argc, argv, opts, pos, 1, "billing prepay", cmd_billing_usage);
	if (n < 0)
		return EXIT_USAGE;
	if (n == 0)
		return cli_usage_error(cmd_billing_usage, "billing prepay needs a month YYYY-MM");
	if (cli_bill_month("month", pos[0], &month) < 0 || lang_check(lang))
		return EXIT_FAIL;
	if (billing_format_parse(format_s, &format) < 0 || format == BILLING_PDF ||
	    format == BILLING_XLSX)
		return cli_error("--format: '%.40s' is not text, json or csv", format_s);
	memset(&l, 0, sizeof(l));
	if (billing_prepay(env->st, month, issue, clock_now(), &l, &e) < 0)
		return billing_fail(&e);
	rc = billing_prepay_write(&l, format, lang ? lang : env->conf.language, &out, &e);
	if (rc < 0) {
		rc = billing_fail(&e);
	} else if (fwrite(out.s, 1, out.len, stdout) != out.len) {
		rc = cli_error("cannot write the output");
	} else {
		if (issue && format == BILLING_TEXT)
			printf("\nissued %zu prepayment%s now\n", l.issued_now,
			       l.issued_now == 1 ? "" : "s");
		rc = 0;
	}
	buf_free(&out);
	billing_prepay_list_free(&l);
	return rc;
}

static int billing_run_cmd(int argc, char **argv, struct cli_env *env)
{
	const char *pos[1], *client = NULL, *format_s = "text", *out_dir = NULL, *lang = NULL;
	struct cli_opt opts[] = {
	    {"client", CLI_ARG, &client, NULL},
	    {"format", CLI_ARG, &format_s, NULL},
	    {"out", CLI_ARG, &out_dir, NULL},
	    {"lang", CLI_ARG, &lang, NULL},
	    {NULL},
	};
	struct billing_run_req req;
	struct billing_run_result res;
	struct billing_error e;
	struct buf doc = BUF_INIT(256u * 1024 * 1024);
	char m[8];
	int n, rc = 0;

	n = cli_parse(argc, argv, opts, pos, 1, "billing run", cmd_billing_usage);
	if (n < 0)
		return EXIT_USAGE;
	if (n == 0)
		return cli_usage_error(cmd_billing_usage, "billing run needs a month YYYY-MM");
	memset(&req, 0, sizeof(req));
	if (cli_bill_month("month", pos[0], &req.month) < 0 || lang_check(lang))
		return EXIT_FAIL;
	if (client && cli_parse_id(client, &req.client_id) < 0)
		return cli_error("--client: '%.40s' is not a client id", client);
	if (billing_format_parse(format_s, &req.format) < 0)
		return cli_error("--format: '%.40s' is not text, json, csv, pdf or xlsx", format_s);
	if (out_dir && !*out_dir)
		return cli_error("--out: give a folder");
	if (!out_dir && !req.client_id && (req.format == BILLING_PDF || req.format == BILLING_XLSX))
		return cli_error("--format %s makes one file per client: give --out DIR (or "
				 "--client ID)",
				 format_s);
	req.lang = lang;
	req.out_dir = out_dir;
	if (!out_dir) {
		/* Binary documents are written whole; the rest streams client by client. */
		if (req.format == BILLING_PDF || req.format == BILLING_XLSX)
			req.out = &doc;
		else
			req.f = stdout;
	}
	if (billing_run(env->st, &env->conf, &req, &res, &e) < 0) {
		rc = billing_fail(&e);
	} else if (req.out && fwrite(doc.s, 1, doc.len, stdout) != doc.len) {
		rc = cli_error("cannot write the output");
	} else if (out_dir) {
		printf("wrote %zu file%s to %s/%s/\n", res.files, res.files == 1 ? "" : "s",
		       out_dir, cal_month_format(req.month, m));
	}
	buf_free(&doc);
	return rc;
}

static int billing_close_cmd(int argc, char **argv, struct cli_env *env)
{
	const char *pos[1], *as = NULL;
	struct cli_opt opts[] = {
	    {"as", CLI_ARG, &as, NULL},
	    {NULL},
	};
	struct billing_run_result res;
	struct billing_error e;
	struct user u = {0};
	char m[8], net[32], tax[32], gross[32];
	int32_t month;
	int n, rc;

	n = cli_parse(argc, argv, opts, pos, 1, "billing close", cmd_billing_usage);
	if (n < 0)
		return EXIT_USAGE;
	if (n == 0)
		return cli_usage_error(cmd_billing_usage, "billing close needs a month YYYY-MM");
	if (cli_bill_month("month", pos[0], &month) < 0)
		return EXIT_FAIL;
	if (as && (rc = cli_find_actor(env->st, as, &u)) != 0)
		return rc;
	if (billing_close(env->st, &env->conf, month, u.id, clock_now(), &res, &e) < 0)
		return billing_fail(&e);
	cli_bill_money_str(res.summary.net, net);
	cli_bill_money_str(res.summary.tax, tax);
	cli_bill_money_str(res.summary.gross, gross);
	printf("closed %s: %zu client%s, net %s, VAT %s, gross %s EUR\n",
	       cal_month_format(month, m), res.summary.clients, res.summary.clients == 1 ? "" : "s",
	       net, tax, gross);
	return 0;
}

static int billing_months_cmd(int argc, char **argv, struct cli_env *env)
{
	int32_t months[CLOSED_LIST_MAX];
	size_t n = 0;
	char m[8];
	int rc;

	if (cli_parse(argc, argv, NULL, NULL, 0, "billing months", cmd_billing_usage) < 0)
		return EXIT_USAGE;
	rc = store_month_closed_list(env->st, months, CLOSED_LIST_MAX, &n);
	if (rc != STORE_OK)
		return cli_store_error(env->st, rc);
	for (size_t i = 0; i < n; i++)
		printf("%s closed\n", cal_month_format(months[i], m));
	return 0;
}

static void adjustment_print(const struct bill_adjustment *a, int64_t client_id)
{
	char amount[32], m1[8], m2[8];

	cli_bill_money_str(a->amount, amount);
	printf("adjustment %lld: %s EUR (VAT %d %%) for client %lld, corrects %s, charged in %s\n",
	       (long long)a->id, amount, a->vat, (long long)client_id,
	       cal_month_format(a->corrects_month, m1), cal_month_format(a->month, m2));
}

static int billing_adjust_cmd(int argc, char **argv, struct cli_env *env)
{
	const char *client = NULL, *corrects = NULL, *amount = NULL, *vat = NULL, *desc = NULL,
		   *ticket = NULL, *month = NULL, *as = NULL;
	int json = 0, rc;
	struct cli_opt opts[] = {
	    {"client", CLI_ARG, &client, NULL},	   {"corrects", CLI_ARG, &corrects, NULL},
	    {"amount", CLI_ARG, &amount, NULL},	   {"vat", CLI_ARG, &vat, NULL},
	    {"description", CLI_ARG, &desc, NULL}, {"ticket", CLI_ARG, &ticket, NULL},
	    {"month", CLI_ARG, &month, NULL},	   {"as", CLI_ARG, &as, NULL},
	    {"json", CLI_FLAG, NULL, &json},	   {NULL},
	};
	struct bill_adjustment a;
	struct ticket t;
	struct user u = {0};
	int64_t client_id;

	if (cli_parse(argc, argv, opts, NULL, 0, "billing adjust", cmd_billing_usage) < 0)
		return EXIT_USAGE;
	if (!client || !corrects || !amount || !vat || !desc)
		return cli_usage_error(cmd_billing_usage,
				       "billing adjust needs --client, --corrects, --amount, --vat "
				       "and --description");
	memset(&a, 0, sizeof(a));
	if (cli_parse_id(client, &client_id) < 0)
		return cli_error("--client: '%.40s' is not a client id", client);
	if (cli_bill_month("--corrects", corrects, &a.corrects_month) < 0 ||
	    cli_bill_money("--amount", amount, 1, &a.amount) < 0 ||
	    cli_bill_vat("--vat", vat, &a.vat) < 0 ||
	    (month && cli_bill_month("--month", month, &a.month) < 0))
		return EXIT_FAIL;
	if (!valid_text(desc, BILL_TEXT_MAX_LEN, 0) || !desc[strspn(desc, " ")])
		return cli_error("--description: must be one line of 1 to %d bytes",
				 BILL_TEXT_MAX_LEN);
	xstrlcpy(a.description, desc, sizeof(a.description));
	if (ticket) {
		rc = cli_find_ticket(env->st, ticket, &t);
		if (rc)
			return rc;
		a.ticket_id = t.id;
	}
	if (as && (rc = cli_find_actor(env->st, as, &u)) != 0)
		return rc;
	rc = store_adjustment_add(env->st, client_id, &a, u.id, clock_now());
	if (rc != STORE_OK)
		return cli_store_error(env->st, rc);
	if (json)
		return cli_json_print(json_doc_adjustment(&a));
	adjustment_print(&a, client_id);
	return 0;
}

static int billing_adjustments_cmd(int argc, char **argv, struct cli_env *env)
{
	static const char *const heads[] = {"ID",  "CLIENT", "CORRECTS",   "AMOUNT",
					    "VAT", "TICKET", "DESCRIPTION"};
	const char *pos[1];
	int json = 0, n, rc;
	struct cli_opt opts[] = {
	    {"json", CLI_FLAG, NULL, &json},
	    {NULL},
	};
	struct bill_adjustment_list l = {0};
	struct cli_table t;
	int32_t month;

	n = cli_parse(argc, argv, opts, pos, 1, "billing adjustments", cmd_billing_usage);
	if (n < 0)
		return EXIT_USAGE;
	if (n == 0)
		return cli_usage_error(cmd_billing_usage,
				       "billing adjustments needs a month YYYY-MM");
	if (cli_bill_month("month", pos[0], &month) < 0)
		return EXIT_FAIL;
	rc = store_adjustment_list(env->st, month, &l);
	if (rc != STORE_OK)
		return cli_store_error(env->st, rc);
	if (json) {
		char *doc = json_doc_adjustments(&l);

		bill_adjustment_list_free(&l);
		return cli_json_print(doc);
	}
	cli_table_init(&t, 7, heads);
	for (size_t i = 0; i < l.n; i++) {
		const struct bill_adjustment *a = &l.items[i];
		char id[24], client[24], m[8], amount[32], vat[8];
		const char *row[7] = {id, client, m, amount, vat, a->ticket_number, a->description};

		snprintf(id, sizeof(id), "%lld", (long long)a->id);
		snprintf(client, sizeof(client), "%lld", (long long)l.client_ids[i]);
		cal_month_format(a->corrects_month, m);
		cli_bill_money_str(a->amount, amount);
		snprintf(vat, sizeof(vat), "%d %%", a->vat);
		cli_table_row(&t, row);
	}
	cli_table_print(&t, stdout);
	cli_table_free(&t);
	bill_adjustment_list_free(&l);
	return 0;
}

/* ---- extra items ---- */

static int extra_add(int argc, char **argv, struct cli_env *env)
{
	const char *pos[1], *desc = NULL, *qty = NULL, *price = NULL, *vat = NULL, *day = NULL,
			    *as = NULL;
	int json = 0, n, rc;
	struct cli_opt opts[] = {
	    {"description", CLI_ARG, &desc, NULL}, {"quantity", CLI_ARG, &qty, NULL},
	    {"price", CLI_ARG, &price, NULL},	   {"vat", CLI_ARG, &vat, NULL},
	    {"day", CLI_ARG, &day, NULL},	   {"as", CLI_ARG, &as, NULL},
	    {"json", CLI_FLAG, NULL, &json},	   {NULL},
	};
	struct bill_extra x;
	struct ticket t;
	struct user u;
	char amount[32], q[32], d[16];

	n = cli_parse(argc, argv, opts, pos, 1, "billing extra add", cmd_billing_usage);
	if (n < 0)
		return EXIT_USAGE;
	if (n == 0 || !desc || !qty || !price || !vat || !as)
		return cli_usage_error(cmd_billing_usage,
				       "billing extra add needs a ticket, --description, "
				       "--quantity, --price, --vat and --as");
	memset(&x, 0, sizeof(x));
	if (!valid_text(desc, BILL_TEXT_MAX_LEN, 0) || !desc[strspn(desc, " ")])
		return cli_error("--description: must be one line of 1 to %d bytes",
				 BILL_TEXT_MAX_LEN);
	xstrlcpy(x.description, desc, sizeof(x.description));
	if (cli_bill_qty("--quantity", qty, &x.quantity) < 0 ||
	    cli_bill_money("--price", price, 0, &x.unit_price) < 0 ||
	    cli_bill_vat("--vat", vat, &x.vat) < 0 ||
	    (day && cli_bill_day("--day", day, &x.day) < 0))
		return EXIT_FAIL;
	if (!day)
		x.day = clock_local_day(clock_now());
	rc = cli_find_ticket(env->st, pos[0], &t);
	if (rc)
		return rc;
	rc = cli_find_actor(env->st, as, &u);
	if (rc)
		return rc;
	x.ticket_id = t.id;
	rc = store_extra_add(env->st, &x, u.id, clock_now());
	if (rc != STORE_OK)
		return cli_store_error(env->st, rc);
	xstrlcpy(x.ticket_number, t.number, sizeof(x.ticket_number));
	x.ticket_billing = t.billing;
	if (json)
		return cli_json_print(json_doc_extra(&x));
	cli_bill_qty_str(x.quantity, q);
	cli_bill_money_str(x.unit_price, amount);
	printf("added extra %lld to ticket %s on %s: %s x %s EUR, %s\n", (long long)x.id, t.number,
	       cal_date_format(x.day, d), q, amount, x.description);
	return 0;
}

static int extra_list(int argc, char **argv, struct cli_env *env)
{
	static const char *const heads[] = {"ID", "DAY", "QUANTITY", "PRICE", "VAT", "DESCRIPTION"};
	const char *pos[1];
	int json = 0, n, rc;
	struct cli_opt opts[] = {
	    {"json", CLI_FLAG, NULL, &json},
	    {NULL},
	};
	struct bill_extra_list l = {0};
	struct cli_table tb;
	struct ticket t;

	n = cli_parse(argc, argv, opts, pos, 1, "billing extra list", cmd_billing_usage);
	if (n < 0)
		return EXIT_USAGE;
	if (n == 0)
		return cli_usage_error(cmd_billing_usage, "billing extra list needs a ticket");
	rc = cli_find_ticket(env->st, pos[0], &t);
	if (rc)
		return rc;
	rc = store_extra_list(env->st, t.id, &l);
	if (rc != STORE_OK)
		return cli_store_error(env->st, rc);
	if (json) {
		char *doc = json_doc_extras(&l);

		bill_extra_list_free(&l);
		return cli_json_print(doc);
	}
	cli_table_init(&tb, 6, heads);
	for (size_t i = 0; i < l.n; i++) {
		const struct bill_extra *x = &l.items[i];
		char id[24], d[16], q[32], price[32], vat[8];
		const char *row[6] = {id, d, q, price, vat, x->description};

		snprintf(id, sizeof(id), "%lld", (long long)x->id);
		cal_date_format(x->day, d);
		cli_bill_qty_str(x->quantity, q);
		cli_bill_money_str(x->unit_price, price);
		snprintf(vat, sizeof(vat), "%d %%", x->vat);
		cli_table_row(&tb, row);
	}
	cli_table_print(&tb, stdout);
	cli_table_free(&tb);
	bill_extra_list_free(&l);
	return 0;
}

static int extra_remove(int argc, char **argv, struct cli_env *env)
{
	const char *pos[1], *as = NULL;
	struct cli_opt opts[] = {
	    {"as", CLI_ARG, &as, NULL},
	    {NULL},
	};
	struct user u;
	int64_t id;
	int n, rc;

	n = cli_parse(argc, argv, opts, pos, 1, "billing extra remove", cmd_billing_usage);
	if (n < 0)
		return EXIT_USAGE;
	if (n == 0 || !as)
		return cli_usage_error(cmd_billing_usage,
				       "billing extra remove needs the extra's id and --as");
	if (cli_parse_id(pos[0], &id) < 0)
		return cli_error("'%.40s' is not an extra item's id", pos[0]);
	rc = cli_find_actor(env->st, as, &u);
	if (rc)
		return rc;
	rc = store_extra_remove(env->st, id, u.id, clock_now());
	if (rc != STORE_OK)
		return cli_store_error(env->st, rc);
	printf("removed extra %lld\n", (long long)id);
	return 0;
}

static int billing_extra(int argc, char **argv, struct cli_env *env)
{
	const char *sub = argc > 0 ? argv[0] : "";

	if (strcmp(sub, "add") == 0)
		return extra_add(argc - 1, argv + 1, env);
	if (strcmp(sub, "list") == 0)
		return extra_list(argc - 1, argv + 1, env);
	if (strcmp(sub, "remove") == 0)
		return extra_remove(argc - 1, argv + 1, env);
	if (!*sub)
		return cli_usage_error(cmd_billing_usage,
				       "billing extra: which one: add, list or remove?");
	return cli_usage_error(cmd_billing_usage, "billing extra: unknown subcommand '%.40s'", sub);
}

int cmd_billing(int argc, char **argv, struct cli_env *env)
{
	const char *sub = argc > 1 ? argv[1] : "";

	if (strcmp(sub, "prepay") == 0)
		return billing_prepay_cmd(argc - 2, argv + 2, env);
	if (strcmp(sub, "run") == 0)
		return billing_run_cmd(argc - 2, argv + 2, env);
	if (strcmp(sub, "close") == 0)
		return billing_close_cmd(argc - 2, argv + 2, env);
	if (strcmp(sub, "months") == 0)
		return billing_months_cmd(argc - 2, argv + 2, env);
	if (strcmp(sub, "adjust") == 0)
		return billing_adjust_cmd(argc - 2, argv + 2, env);
	if (strcmp(sub, "adjustments") == 0)
		return billing_adjustments_cmd(argc - 2, argv + 2, env);
	if (strcmp(sub, "extra") == 0)
		return billing_extra(argc - 2, argv + 2, env);
	if (!*sub)
		return cli_usage_error(cmd_billing_usage,
				       "billing: which one: prepay, run, close, months, adjust, "
				       "adjustments or extra?");
	return cli_usage_error(cmd_billing_usage, "billing: unknown subcommand '%.40s'", sub);
}
