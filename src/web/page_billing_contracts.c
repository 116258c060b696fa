/*
 * page_billing_contracts: contracts, for administrators: every contract
 * (/billing/contracts), a client's contracts with the form that makes one
 * with its first lines and the client's own hourly prices
 * (/clients/{id}/contracts), and a contract's page (/contracts/{id}): its
 * terms (proration, cycle, prepaid, included hours, overage, rounding),
 * its lines one form each, a new line, ending it on a date, and its own
 * hourly prices.  store_contract_update replaces the whole contract, so
 * each form here reads the contract, changes its part and writes it back.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/calendar.h"
#include "core/money.h"
#include "store/store_billing.h"
#include "util/clock.h"
#include "util/xalloc.h"
#include "web/page_billing.h"

#define NEW_LINES 5 /* empty line rows on the new-contract form */
#define INCLUDED_MAX_S (744LL * 3600)

/* Which form of a page is shown again after a refusal, with what was sent. */
enum contract_form { CF_NONE, CF_TERMS, CF_LINE, CF_NEW_LINE, CF_END, CF_RATE };

struct contract_refusal {
	enum contract_form form;
	const struct form *f;
	int64_t line_id; /* CF_LINE */
	struct bill_form_err e;
};

static const struct bill_form_err *err_for(const struct contract_refusal *why,
					   enum contract_form form, int64_t line_id)
{
	if (!why || why->form != form || (form == CF_LINE && why->line_id != line_id))
		return NULL;
	return &why->e;
}

static const struct form *sent_for(const struct contract_refusal *why, enum contract_form form,
				   int64_t line_id)
{
	return err_for(why, form, line_id) ? why->f : NULL;
}

/* ---- the terms as a form shows them ---- */

struct terms_vals {
	char number[BILL_NUMBER_MAX_LEN * 4 + 1];
	char start[16], end[16];
	char proration[16], cycle[16], rounding[16], per[16];
	int prepaid;
	char increment[24], minimum[24], included[32], overage[48];
	char notes[NOTES_MAX_LEN + 1];
};

static void copy(char *out, size_t outsz, const char *s)
{
	snprintf(out, outsz, "%s", s ? s : "");
}

static void terms_of(const char *lang, const struct bill_contract *c, struct terms_vals *v)
{
	memset(v, 0, sizeof(*v));
	copy(v->number, sizeof(v->number), c->number);
	if (c->start_day >= 0 || c->id)
		cal_date_format(c->start_day, v->start);
	if (c->end_day >= 0)
		cal_date_format(c->end_day, v->end);
	copy(v->proration, sizeof(v->proration), bill_proration_name(c->proration));
	copy(v->cycle, sizeof(v->cycle), bill_cycle_name(c->cycle));
	copy(v->rounding, sizeof(v->rounding), bill_round_mode_name(c->terms.mode));
	copy(v->per, sizeof(v->per), bill_round_per_name(c->terms.per));
	v->prepaid = c->prepaid;
	snprintf(v->increment, sizeof(v->increment), "%lld", (long long)(c->terms.increment / 60));
	snprintf(v->minimum, sizeof(v->minimum), "%lld", (long long)(c->terms.minimum / 60));
	bill_hours_input(lang, c->terms.included, 1, v->included, sizeof(v->included));
	if (c->terms.overage_hourly)
		bill_money_input(lang, c->terms.overage_hourly, v->overage, sizeof(v->overage));
	copy(v->notes, sizeof(v->notes), c->notes);
}

static void terms_from(const struct form *f, struct terms_vals *v)
{
	memset(v, 0, sizeof(*v));
	copy(v->number, sizeof(v->number), bill_val(f, "number"));
	copy(v->start, sizeof(v->start), bill_val(f, "start"));
	copy(v->end, sizeof(v->end), bill_val(f, "end"));
	copy(v->proration, sizeof(v->proration), bill_val(f, "proration"));
	copy(v->cycle, sizeof(v->cycle), bill_val(f, "cycle"));
	copy(v->rounding, sizeof(v->rounding), bill_val(f, "rounding"));
	copy(v->per, sizeof(v->per), bill_val(f, "round_per"));
	v->prepaid = form_checked(f, "prepaid");
	copy(v->increment, sizeof(v->increment), bill_val(f, "increment_minutes"));
	copy(v->minimum, sizeof(v->minimum), bill_val(f, "minimum_minutes"));
	copy(v->included, sizeof(v->included), bill_val(f, "included_hours"));
	copy(v->overage, sizeof(v->overage), bill_val(f, "overage_hourly"));
	copy(v->notes, sizeof(v->notes), bill_val(f, "notes"));
}

static void option(struct html *h, const char *value, const char *cur, const char *label)
{
	html_printf(h, "<option value=\"%s\"%s>%s</option>", value,
		    strcmp(value, cur) == 0 ? " selected" : "", label);
}

static void terms_fields(struct html *h, const char *lang, const struct terms_vals *v,
			 const struct bill_form_err *e)
{
	static const enum bill_cycle cycles[] = {CYCLE_MONTHLY, CYCLE_QUARTERLY, CYCLE_HALF_YEARLY,
						 CYCLE_YEARLY};
	size_t i;

	html_printf(h,
		    "<fieldset><legend>%s</legend>"
		    "<label>%s <input name=\"number\" value=\"%s\" required maxlength=\"%d\" "
		    "placeholder=\"UG-2027-014\"%s></label>"
		    "<label>%s <input type=\"date\" name=\"start\" value=\"%s\" required%s></label>"
		    "<label>%s <input type=\"date\" name=\"end\" value=\"%s\"%s></label>"
		    "<p class=\"hint\">%s</p></fieldset>",
		    L(lang, "Contract", "Ugovor"), L(lang, "Number", "Broj"), v->number,
		    BILL_NUMBER_MAX_LEN, bill_invalid(e, "number"),
		    L(lang, "First day", "Prvi dan"), v->start, bill_invalid(e, "start"),
		    L(lang, "Last day (optional)", "Zadnji dan (neobavezno)"), v->end,
		    bill_invalid(e, "end"),
		    L(lang,
		      "Dates as YYYY-MM-DD; without a last day the contract runs until "
		      "it is ended.",
		      "Datumi kao GGGG-MM-DD; bez zadnjeg dana ugovor traje dok se ne "
		      "raskine."));
	html_printf(h, "<fieldset><legend>%s</legend><label>%s <select name=\"proration\"%s>",
		    L(lang, "Billing", "Naplata"),
		    L(lang, "A month covered in part", "Djelomično pokriven mjesec"),
		    bill_invalid(e, "proration"));
	option(h, "monthly", v->proration, bill_proration_label(lang, PRORATE_MONTHLY));
	option(h, "daily", v->proration, bill_proration_label(lang, PRORATE_DAILY));
	html_printf(h, "</select></label><label>%s <select name=\"cycle\"%s>",
		    L(lang, "Billing cycle", "Obračunsko razdoblje"), bill_invalid(e, "cycle"));
	for (i = 0; i < sizeof(cycles) / sizeof(cycles[0]); i++)
		option(h, bill_cycle_name(cycles[i]), v->cycle, bill_cycle_label(lang, cycles[i]));
	html_printf(h,
		    "</select></label><label><input type=\"checkbox\" name=\"prepaid\" "
		    "value=\"1\"%s> %s</label></fieldset>",
		    v->prepaid ? " checked" : "",
		    L(lang, "Invoiced in advance (prepaid) for each period",
		      "Fakturira se unaprijed (predujam) za svako razdoblje"));
	html_printf(
	    h,
	    "<fieldset><legend>%s</legend>"
	    "<label>%s <input type=\"number\" name=\"increment_minutes\" value=\"%s\" "
	    "min=\"0\" max=\"1440\" required%s></label><label>%s <select name=\"rounding\"%s>",
	    L(lang, "Ticket work", "Rad na zahtjevima"),
	    L(lang, "Round to minutes (0 = exact)", "Zaokruži na minuta (0 = točno)"), v->increment,
	    bill_invalid(e, "increment_minutes"), L(lang, "Rounding", "Zaokruživanje"),
	    bill_invalid(e, "rounding"));
	option(h, "up", v->rounding, bill_round_mode_label(lang, ROUND_UP));
	option(h, "nearest", v->rounding, bill_round_mode_label(lang, ROUND_NEAREST));
	html_printf(h, "</select></label><label>%s <select name=\"round_per\"%s>",
		    L(lang, "Round", "Zaokružuje se"), bill_invalid(e, "round_per"));
	option(h, "entry", v->per, bill_round_per_label(lang, ROUND_PER_ENTRY));
	option(h, "ticket", v->per, bill_round_per_label(lang, ROUND_PER_TICKET));
	html_printf(h,
		    "</select></label>"
		    "<label>%s <input type=\"number\" name=\"minimum_minutes\" value=\"%s\" "
		    "min=\"0\" max=\"1440\" required%s></label>"
		    "<label>%s <input name=\"included_hours\" value=\"%s\" inputmode=\"decimal\" "
		    "maxlength=\"10\"%s></label>"
		    "<label>%s <input name=\"overage_hourly\" value=\"%s\" inputmode=\"decimal\" "
		    "maxlength=\"20\"%s></label><p class=\"hint\">%s</p></fieldset>"
		    "<label>%s <textarea name=\"notes\" rows=\"3\" maxlength=\"%d\"%s>%s</textarea>"
		    "</label>",
		    L(lang, "Minimum per ticket (minutes)", "Najmanje po zahtjevu (minuta)"),
		    v->minimum, bill_invalid(e, "minimum_minutes"),
		    L(lang, "Support hours included per month", "Uključeni sati podrške mjesečno"),
		    v->included, bill_invalid(e, "included_hours"),
		    L(lang, "Per hour beyond them (EUR)", "Po satu iznad toga (EUR)"), v->overage,
		    bill_invalid(e, "overage_hourly"),
		    L(lang,
		      "Empty: the included hours are none, and hours beyond them cost the "
		      "normal rate.",
		      "Prazno: nema uključenih sati, a sati iznad njih po uobičajenoj satnici."),
		    L(lang, "Notes", "Bilješke"), NOTES_MAX_LEN, bill_invalid(e, "notes"),
		    v->notes);
}

/*
 * The submitted terms into c (the fields of bill_contract but the id, the
 * client and the lines); 0, or -1 with e saying why.
 */
static int terms_check(const char *lang, const struct form *f, struct bill_contract *c,
		       struct bill_form_err *e)
{
	const char *s;
	int64_t n;

	if (bill_take(lang, f, "number", L(lang, "Number", "Broj"), c->number, sizeof(c->number), 0,
		      e) < 0)
		return -1;
	if (!c->number[0])
		return bill_err(e, 400, "number",
				L(lang, "Enter the contract's number.", "Upišite broj ugovora."));
	if (cal_date_parse(bill_val(f, "start"), &c->start_day) < 0)
		return bill_err(e, 400, "start",
				L(lang, "First day: a date such as 2027-01-10.",
				  "Prvi dan: datum, npr. 2027-01-10."));
	s = bill_val(f, "end");
	c->end_day = -1;
	if (*s && cal_date_parse(s, &c->end_day) < 0)
		return bill_err(e, 400, "end",
				L(lang, "Last day: a date such as 2027-12-31, or empty.",
				  "Zadnji dan: datum, npr. 2027-12-31, ili prazno."));
	if (c->end_day >= 0 && c->end_day < c->start_day)
		return bill_err(
		    e, 400, "end",
		    L(lang, "The last day is before the first.", "Zadnji dan je prije prvoga."));
	if (bill_proration_parse(bill_val(f, "proration"), &c->proration) < 0)
		return bill_err(e, 400, "proration",
				L(lang, "Choose how a partial month is charged.",
				  "Odaberite kako se naplaćuje djelomičan mjesec."));
	if (bill_cycle_parse(bill_val(f, "cycle"), &c->cycle) < 0)
		return bill_err(e, 400, "cycle",
				L(lang, "Choose a billing cycle from the list.",
				  "Odaberite obračunsko razdoblje s popisa."));
	c->prepaid = form_checked(f, "prepaid");
	if (bill_parse_int(bill_val(f, "increment_minutes"), 0, 1440, &n) < 0)
		return bill_err(e, 400, "increment_minutes",
				L(lang, "Round to: whole minutes from 0 to 1440.",
				  "Zaokruži na: cijeli broj minuta od 0 do 1440."));
	c->terms.increment = n * 60;
	if (bill_round_mode_parse(bill_val(f, "rounding"), &c->terms.mode) < 0 ||
	    bill_round_per_parse(bill_val(f, "round_per"), &c->terms.per) < 0)
		return bill_err(e, 400, "rounding",
				L(lang, "Choose the rounding from the lists.",
				  "Odaberite zaokruživanje s popisa."));
	if (bill_parse_int(bill_val(f, "minimum_minutes"), 0, 1440, &n) < 0)
		return bill_err(e, 400, "minimum_minutes",
				L(lang, "Minimum: whole minutes from 0 to 1440.",
				  "Najmanje: cijeli broj minuta od 0 do 1440."));
	c->terms.minimum = n * 60;
	s = bill_val(f, "included_hours");
	c->terms.included = 0;
	if (strspn(s, " ") != strlen(s) &&
	    bill_parse_hours(s, INCLUDED_MAX_S, &c->terms.included) < 0)
		return bill_err(e, 400, "included_hours",
				L(lang,
				  "Included hours: a number of hours up to 744, such as 10 or 2,5.",
				  "Uključeni sati: broj sati do 744, npr. 10 ili 2,5."));
	s = bill_val(f, "overage_hourly");
	c->terms.overage_hourly = 0;
	if (strspn(s, " ") != strlen(s) && bill_parse_money(s, 0, &c->terms.overage_hourly) < 0)
		return bill_err(e, 400, "overage_hourly",
				L(lang,
				  "Per hour beyond: an amount in EUR such as 50,00, or empty.",
				  "Po satu iznad: iznos u eurima, npr. 50,00, ili prazno."));
	if (bill_take(lang, f, "notes", L(lang, "Notes", "Bilješke"), c->notes, sizeof(c->notes), 1,
		      e) < 0)
		return -1;
	return 0;
}

/* ---- pieces ---- */

/* What a contract line costs for a whole month: quantity x monthly price. */
static int64_t line_month(const struct bill_contract_line *l)
{
	int64_t v = 0;

	if (money_muldiv(l->monthly_price, l->quantity, BILL_QTY_ONE, &v) < 0)
		return 0;
	return v;
}

/* "from 1. 1. 2027." / "1. 1. 2027. - 31. 12. 2027.", and whether it runs today. */
static void contract_dates(const char *lang, const struct bill_contract *c, int32_t today,
			   char *out, size_t outsz)
{
	char a[40], b[40];

	bill_day(lang, c->start_day, a, sizeof(a));
	if (c->end_day >= 0) {
		bill_day(lang, c->end_day, b, sizeof(b));
		snprintf(out, outsz, "%s – %s%s", a, b,
			 c->end_day < today ? L(lang, " (ended)", " (završen)") : "");
	} else {
		snprintf(out, outsz, "%s %s", L(lang, "from", "od"), a);
	}
	if (c->start_day > today)
		snprintf(out + strlen(out), outsz - strlen(out), "%s",
			 L(lang, " (not started)", " (nije započeo)"));
}

/* One table of contracts (with the client's column when with_client). */
static void contracts_table(struct html *h, const char *lang, const struct bill_contract *items,
			    size_t n, int with_client, int32_t today)
{
	char dates[120], month[48];
	int64_t sum;
	size_t i, k;

	html_printf(h, "<div class=\"table-wrap\"><table id=\"contracts\"><thead><tr><th>%s</th>",
		    L(lang, "Number", "Broj"));
	if (with_client)
		html_printf(h, "<th>%s</th>", L(lang, "Client", "Klijent"));
	html_printf(h,
		    "<th>%s</th><th>%s</th><th class=\"num\">%s</th><th class=\"num\">%s</th>"
		    "</tr></thead><tbody>\n",
		    L(lang, "Term", "Trajanje"), L(lang, "Billing", "Naplata"),
		    L(lang, "Lines", "Stavke"),
		    L(lang, "Per month, net (EUR)", "Mjesečno, neto (EUR)"));
	for (i = 0; i < n; i++) {
		const struct bill_contract *c = &items[i];

		for (sum = 0, k = 0; k < c->n_lines; k++)
			sum += line_month(&c->lines[k]);
		bill_money(lang, sum, month, sizeof(month));
		contract_dates(lang, c, today, dates, sizeof(dates));
		html_printf(h, "<tr data-contract=\"%s\"><td><a href=\"/contracts/%j\">%s</a></td>",
			    c->number, c->id, c->number);
		if (with_client)
			html_printf(h, "<td><a href=\"/clients/%j/contracts\">%s</a></td>",
				    c->client_id, c->client_name);
		html_printf(h,
			    "<td>%s</td><td>%s, %s%s</td><td class=\"num\">%d</td>"
			    "<td class=\"num\">%s</td></tr>\n",
			    dates, bill_cycle_label(lang, c->cycle),
			    bill_proration_label(lang, c->proration),
			    c->prepaid ? L(lang, ", prepaid", ", predujam") : "", (int)c->n_lines,
			    month);
	}
	html_printf(h, "</tbody></table></div>\n");
}

/* <option>s of the active services (and keep, when it is another), "" first when blank. */
static void service_options(struct html *h, const char *lang, const struct bill_service_list *l,
			    int64_t cur, int blank)
{
	char price[48];
	size_t i;

	if (blank)
		html_printf(h, "<option value=\"\">%s</option>", L(lang, "(none)", "(ništa)"));
	for (i = 0; i < l->n; i++) {
		const struct bill_service *s = &l->items[i];

		if (!s->active && s->id != cur)
			continue;
		bill_money(lang, s->price, price, sizeof(price));
		html_printf(h, "<option value=\"%j\"%s>%s – %s (%s / %s)</option>", s->id,
			    s->id == cur ? " selected" : "", s->code, s->name, price,
			    bill_unit_label(lang, s->unit));
	}
}

/* <option>s of the rates for a price form. */
static void rate_options(struct html *h, const struct bill_rate_list *l, int64_t cur)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		if (l->items[i].active || l->items[i].id == cur)
			html_printf(h, "<option value=\"%j\"%s>%s – %s</option>", l->items[i].id,
				    l->items[i].id == cur ? " selected" : "", l->items[i].code,
				    l->items[i].name);
}

/*
 * The hourly prices of a client (contract_id 0) or of one contract, with
 * forms that remove them and one that sets one (action), from overrides o.
 */
static void prices_section(struct web_req *r, struct html *h, const struct bill_override_list *o,
			   const struct bill_rate_list *rates, int64_t contract_id,
			   const char *action, const struct form *sent,
			   const struct bill_form_err *e)
{
	const char *lang = page_lang(r);
	char price[48];
	size_t i, k, n = 0;

	html_printf(h, "<section id=\"prices\"><h2>%s</h2><p class=\"hint\">%s</p>",
		    contract_id ? L(lang, "Hourly prices of this contract", "Satnice ovog ugovora")
				: L(lang, "Hourly prices of this client", "Satnice ovog klijenta"),
		    L(lang,
		      "Ticket work is priced at the contract's price of its rate, else the "
		      "client's, else the rate's own.",
		      "Rad na zahtjevima naplaćuje se po cijeni ugovora za tu satnicu, inače po "
		      "cijeni klijenta, inače po osnovnoj cijeni satnice."));
	html_printf(h,
		    "<div class=\"table-wrap\"><table class=\"prices\"><thead><tr><th>%s</th>"
		    "<th class=\"num\">%s</th><th></th></tr></thead><tbody>",
		    L(lang, "Rate", "Satnica"), L(lang, "Per hour (EUR)", "Po satu (EUR)"));
	for (i = 0; i < o->n; i++) {
		const struct bill_rate_override *x = &o->items[i];
		const char *code = "?";

		if (x->contract_id != contract_id || (!contract_id && !x->client_id))
			continue;
		for (k = 0; k < rates->n; k++)
			if (rates->items[k].id == x->rate_id)
				code = rates->items[k].code;
		n++;
		bill_money(lang, x->hourly, price, sizeof(price));
		html_printf(h,
			    "<tr data-rate=\"%s\"><td>%s</td><td class=\"num\">%s</td><td>"
			    "<form class=\"price-remove\" method=\"post\" action=\"%s\">",
			    code, code, price, action);
		page_csrf_field(r, h);
		html_printf(
		    h,
		    "<input type=\"hidden\" name=\"rate_id\" value=\"%j\">"
		    "<input type=\"hidden\" name=\"hourly\" value=\"\">"
		    "<button type=\"submit\" class=\"secondary\">%s</button></form></td></tr>",
		    x->rate_id, L(lang, "Remove", "Ukloni"));
	}
	if (!n)
		html_printf(h, "<tr><td colspan=\"3\" class=\"hint\">%s</td></tr>",
			    L(lang, "None.", "Nema."));
	html_printf(h, "</tbody></table></div>");
	bill_error_para(h, e);
	html_printf(h,
		    "<form id=\"%s\" class=\"card inline-fields\" method=\"post\" action=\"%s\">",
		    contract_id ? "contract-price" : "client-price", action);
	page_csrf_field(r, h);
	html_printf(h, "<label>%s <select name=\"rate_id\"%s>", L(lang, "Rate", "Satnica"),
		    bill_invalid(e, "rate_id"));
	rate_options(h, rates, sent ? form_id(sent, "rate_id") : 0);
	html_printf(h,
		    "</select></label><label>%s <input name=\"hourly\" value=\"%s\" "
		    "inputmode=\"decimal\" maxlength=\"20\"%s></label>"
		    "<button type=\"submit\">%s</button></form></section>\n",
		    L(lang, "Per hour (EUR)", "Po satu (EUR)"), bill_val(sent, "hourly"),
		    bill_invalid(e, "hourly"), L(lang, "Set price", "Postavi cijenu"));
}

/* ---- every contract ---- */

void page_contracts(struct web_req *r)
{
	const char *lang = page_lang(r);
	struct bill_contract_list l = {0};
	struct client_list cl = {0};
	struct client_filter cf;
	int64_t client_id = 0;
	char loc[80];
	struct html h;
	size_t i;
	int rc;

	if (web_query_id(r, "client_id", &client_id) < 0)
		return;
	/* The "new contract" form below picks a client: its contracts page has the form. */
	if (client_id) {
		snprintf(loc, sizeof(loc), "/clients/%lld/contracts#new-contract",
			 (long long)client_id);
		page_redirect(r, loc, NOTICE_NONE);
		return;
	}
	memset(&cf, 0, sizeof(cf));
	cf.active_only = 1;
	cf.limit = 1000;
	rc = store_contract_list(r->st, 0, &l);
	if (rc == STORE_OK)
		rc = store_client_list(r->st, &cf, &cl, NULL);
	if (rc != STORE_OK) {
		page_store_error(r, rc);
		goto out;
	}
	if (page_begin(r, &h, L(lang, "Contracts", "Ugovori"), NAV_NONE) < 0)
		goto out;
	bill_subnav(&h, lang, "/billing/contracts");
	html_printf(&h, "<h1>%s</h1>\n", L(lang, "Contracts", "Ugovori"));
	html_printf(&h,
		    "<form id=\"contract-client\" class=\"inline\" method=\"get\" "
		    "action=\"/billing/contracts\"><label>%s <select name=\"client_id\" required "
		    "data-find=\"/api/v1/clients?active_only=true&amp;\" data-find-label=\"%s\">",
		    L(lang, "New contract for", "Novi ugovor za"),
		    L(lang, "Find a client", "Nađi klijenta"));
	for (i = 0; i < cl.n; i++)
		html_printf(&h, "<option value=\"%j\">%s</option>", cl.items[i].id,
			    cl.items[i].name);
	html_printf(&h, "</select></label><button type=\"submit\">%s</button></form>\n",
		    L(lang, "Continue", "Nastavi"));
	if (l.n)
		contracts_table(&h, lang, l.items, l.n, 1, clock_local_day(r->now));
	else
		html_printf(&h, "<p class=\"hint\">%s</p>\n",
			    L(lang, "No contracts yet.", "Još nema ugovora."));
	page_end(r, &h);
out:
	bill_contract_list_free(&l);
	client_list_free(&cl);
}

/* ---- a client's contracts ---- */

/* The empty new-contract form's terms: the configured defaults. */
static void terms_default(struct web_req *r, struct terms_vals *v)
{
	struct bill_contract c;

	memset(&c, 0, sizeof(c));
	bill_default_terms(r, &c.terms);
	c.end_day = -1;
	c.proration = PRORATE_MONTHLY;
	c.cycle = CYCLE_MONTHLY;
	terms_of(page_lang(r), &c, v);
	v->start[0] = '\0';
}

static void client_contracts_page(struct web_req *r, int status, const struct contract_refusal *why)
{
	const char *lang = page_lang(r);
	struct bill_contract_list l = {0};
	struct bill_service_list sl = {0};
	struct bill_rate_list rl = {0};
	struct bill_override_list ol = {0};
	const struct form *sent = sent_for(why, CF_TERMS, 0);
	struct terms_vals tv;
	struct client c;
	char title[NAME_MAX_LEN + 40], name[24];
	struct html h;
	int rc, i;

	rc = store_client_get(r->st, r->ids[0], &c);
	if (rc == STORE_OK)
		rc = store_contract_list(r->st, c.id, &l);
	if (rc == STORE_OK)
		rc = store_service_list(r->st, 0, &sl);
	if (rc == STORE_OK)
		rc = store_rate_list(r->st, 0, &rl);
	if (rc == STORE_OK)
		rc = store_rate_override_list(r->st, c.id, &ol);
	if (rc != STORE_OK) {
		page_store_error(r, rc);
		goto out;
	}
	if (sent)
		terms_from(sent, &tv);
	else
		terms_default(r, &tv);
	snprintf(title, sizeof(title), "%s: %s", L(lang, "Contracts", "Ugovori"), c.name);
	if (page_begin(r, &h, title, NAV_NONE) < 0)
		goto out;
	bill_subnav(&h, lang, "/billing/contracts");
	html_printf(&h, "<p><a href=\"/clients/%j\">%s</a></p>\n<h1>%s: %s</h1>\n", c.id, c.name,
		    L(lang, "Contracts", "Ugovori"), c.name);
	if (l.n)
		contracts_table(&h, lang, l.items, l.n, 0, clock_local_day(r->now));
	else
		html_printf(&h, "<p class=\"hint\">%s</p>\n",
			    L(lang, "The client has no contracts.", "Klijent nema ugovora."));

	html_printf(&h, "<h2>%s</h2>\n", L(lang, "New contract", "Novi ugovor"));
	bill_error_para(&h, err_for(why, CF_TERMS, 0));
	html_printf(&h,
		    "<form id=\"new-contract\" class=\"card\" method=\"post\" "
		    "action=\"/clients/%j/contracts\">",
		    c.id);
	page_csrf_field(r, &h);
	terms_fields(&h, lang, &tv, err_for(why, CF_TERMS, 0));
	html_printf(
	    &h,
	    "<fieldset><legend>%s</legend><p class=\"hint\">%s</p>"
	    "<div class=\"table-wrap\"><table class=\"line-rows\"><thead><tr><th>%s</th>"
	    "<th>%s</th><th>%s</th><th>%s</th></tr></thead><tbody>",
	    L(lang, "Lines", "Stavke"),
	    L(lang,
	      "An empty price or description takes the service's; more lines can be added "
	      "on the contract's page.",
	      "Prazna cijena ili opis preuzimaju one iz usluge; daljnje stavke dodaju se na "
	      "stranici ugovora."),
	    L(lang, "Service", "Usluga"), L(lang, "Quantity", "Količina"),
	    L(lang, "Monthly price per unit (EUR)", "Mjesečna cijena po jedinici (EUR)"),
	    L(lang, "Description", "Opis"));
	for (i = 1; i <= NEW_LINES; i++) {
		int64_t cur = 0;

		snprintf(name, sizeof(name), "service_%d", i);
		if (sent)
			cur = form_id(sent, name);
		html_printf(&h, "<tr><td><select name=\"service_%d\" aria-label=\"%s %d\">", i,
			    L(lang, "Service", "Usluga"), i);
		service_options(&h, lang, &sl, cur, 1);
		snprintf(name, sizeof(name), "quantity_%d", i);
		html_printf(&h,
			    "</select></td><td><input name=\"quantity_%d\" value=\"%s\" size=\"6\" "
			    "inputmode=\"decimal\" aria-label=\"%s %d\"></td>",
			    i, sent ? bill_val(sent, name) : "1", L(lang, "Quantity", "Količina"),
			    i);
		snprintf(name, sizeof(name), "price_%d", i);
		html_printf(&h,
			    "<td><input name=\"price_%d\" value=\"%s\" size=\"10\" "
			    "inputmode=\"decimal\" aria-label=\"%s %d\"></td>",
			    i, bill_val(sent, name), L(lang, "Monthly price", "Mjesečna cijena"),
			    i);
		snprintf(name, sizeof(name), "description_%d", i);
		html_printf(&h,
			    "<td><input name=\"description_%d\" value=\"%s\" maxlength=\"%d\" "
			    "aria-label=\"%s %d\"></td></tr>",
			    i, bill_val(sent, name), BILL_TEXT_MAX_LEN,
			    L(lang, "Description", "Opis"), i);
	}
	html_printf(&h,
		    "</tbody></table></div></fieldset><button type=\"submit\">%s</button></form>\n",
		    L(lang, "Create contract", "Stvori ugovor"));
	{
		char action[64];

		snprintf(action, sizeof(action), "/clients/%lld/rates", (long long)c.id);
		prices_section(r, &h, &ol, &rl, 0, action, sent_for(why, CF_RATE, 0),
			       err_for(why, CF_RATE, 0));
	}
	page_end_status(r, &h, status);
out:
	bill_contract_list_free(&l);
	bill_service_list_free(&sl);
	bill_rate_list_free(&rl);
	bill_override_list_free(&ol);
}

void page_client_contracts(struct web_req *r)
{
	client_contracts_page(r, 200, NULL);
}

/* Line n of the new-contract form into *l: 1 when there is one, 0 when empty, -1 with e. */
static int new_line_read(const char *lang, const struct form *f, int n,
			 struct bill_contract_line *l, struct bill_form_err *e)
{
	char name[24], msg[200];
	const char *s;
	int64_t id;

	memset(l, 0, sizeof(*l));
	snprintf(name, sizeof(name), "service_%d", n);
	id = form_id(f, name);
	if (id == 0)
		return 0;
	if (id < 0)
		return bill_err(
		    e, 400, NULL,
		    L(lang, "Choose the services from the list.", "Odaberite usluge s popisa."));
	l->service_id = id;
	snprintf(name, sizeof(name), "quantity_%d", n);
	if (bill_parse_qty(bill_val(f, name), &l->quantity) < 0) {
		snprintf(msg, sizeof(msg), "%s %d: %s", L(lang, "Line", "Stavka"), n,
			 L(lang, "the quantity is a number above 0 with at most three decimals.",
			   "količina je broj veći od 0 s najviše tri decimale."));
		return bill_err(e, 400, NULL, msg);
	}
	snprintf(name, sizeof(name), "price_%d", n);
	s = bill_val(f, name);
	l->monthly_price = -1;
	if (strspn(s, " ") != strlen(s) && bill_parse_money(s, 0, &l->monthly_price) < 0) {
		snprintf(msg, sizeof(msg), "%s %d: %s", L(lang, "Line", "Stavka"), n,
			 L(lang, "the price is an amount in EUR such as 35,00, or empty.",
			   "cijena je iznos u eurima, npr. 35,00, ili prazno."));
		return bill_err(e, 400, NULL, msg);
	}
	snprintf(name, sizeof(name), "description_%d", n);
	if (bill_take(lang, f, name, L(lang, "Description", "Opis"), l->description,
		      sizeof(l->description), 0, e) < 0)
		return -1;
	l->vat = -1;
	return 1;
}

void page_client_contract_new_post(struct web_req *r)
{
	const char *lang = page_lang(r);
	struct contract_refusal why = {CF_TERMS, NULL, 0, {0}};
	struct bill_contract_line lines[NEW_LINES];
	struct bill_contract c;
	struct client cl;
	struct form f;
	char loc[64];
	int rc, i, got;

	if (page_form_read(r, &f) < 0)
		return;
	why.f = &f;
	rc = store_client_get(r->st, r->ids[0], &cl);
	if (rc != STORE_OK) {
		page_store_error(r, rc);
		goto out;
	}
	memset(&c, 0, sizeof(c));
	c.client_id = cl.id;
	if (terms_check(lang, &f, &c, &why.e) < 0)
		goto refused;
	for (i = 1; i <= NEW_LINES; i++) {
		got = new_line_read(lang, &f, i, &lines[c.n_lines], &why.e);
		if (got < 0)
			goto refused;
		c.n_lines += (size_t)got;
	}
	c.lines = lines;
	/* the store fills a line's empty price, VAT and text from its service, then checks it all
	 */
	rc = store_contract_add(r->st, &c);
	c.lines = NULL; /* on the stack */
	if (rc != STORE_OK) {
		if (!bill_rc_is_form(rc)) {
			page_store_error(r, rc);
			goto out;
		}
		bill_err_store(r, rc, &why.e);
		goto refused;
	}
	snprintf(loc, sizeof(loc), "/contracts/%lld", (long long)c.id);
	page_redirect(r, loc, NOTICE_CREATED);
	goto out;
refused:
	client_contracts_page(r, why.e.status, &why);
out:
	form_free(&f);
}

void page_client_rate_post(struct web_req *r)
{
	const char *lang = page_lang(r);
	struct contract_refusal why = {CF_RATE, NULL, 0, {0}};
	int64_t rate_id;
	struct client cl;
	struct form f;
	char loc[80];
	int rc;

	if (page_form_read(r, &f) < 0)
		return;
	why.f = &f;
	rc = store_client_get(r->st, r->ids[0], &cl);
	if (rc != STORE_OK) {
		page_store_error(r, rc);
		goto out;
	}
	rate_id = form_id(&f, "rate_id");
	if (rate_id <= 0) {
		bill_err(&why.e, 400, "rate_id",
			 L(lang, "Choose a rate from the list.", "Odaberite satnicu s popisa."));
		client_contracts_page(r, why.e.status, &why);
		goto out;
	}
	if (page_billing_override_apply(r, &f, rate_id, cl.id, 0, &why.e, &rc) < 0) {
		if (why.e.status)
			client_contracts_page(r, why.e.status, &why);
		else
			page_store_error(r, rc);
		goto out;
	}
	snprintf(loc, sizeof(loc), "/clients/%lld/contracts#prices", (long long)cl.id);
	page_redirect(r, loc, NOTICE_SAVED);
out:
	form_free(&f);
}

/* ---- a contract ---- */

/* One line of the contract: what it is, its form and its remove form. */
static void line_row(struct web_req *r, struct html *h, const struct bill_contract *c,
		     const struct bill_contract_line *l, const struct contract_refusal *why)
{
	const char *lang = page_lang(r);
	const struct form *sent = sent_for(why, CF_LINE, l->id);
	const struct bill_form_err *e = err_for(why, CF_LINE, l->id);
	char qty[32], price[48], month[48], qin[32], pin[48];

	bill_qty(lang, l->quantity, qty, sizeof(qty));
	bill_money(lang, l->monthly_price, price, sizeof(price));
	bill_money(lang, line_month(l), month, sizeof(month));
	bill_qty(lang, l->quantity, qin, sizeof(qin));
	bill_money_input(lang, l->monthly_price, pin, sizeof(pin));
	html_printf(
	    h,
	    "<tr id=\"line-%j\" data-line=\"%s\"><td>%s</td><td>%s</td><td class=\"num\">%s</td>"
	    "<td class=\"num\">%s</td><td class=\"num\">%d %%</td><td class=\"num\">%s</td>"
	    "<td><details%s><summary>%s</summary>",
	    l->id, l->service_code, l->service_code, l->description, qty, price, l->vat, month,
	    e ? " open" : "", L(lang, "Change", "Promijeni"));
	bill_error_para(h, e);
	html_printf(
	    h, "<form class=\"contract-line\" method=\"post\" action=\"/contracts/%j/lines/%j\">",
	    c->id, l->id);
	page_csrf_field(r, h);
	html_printf(
	    h,
	    "<label>%s <input name=\"quantity\" value=\"%s\" required inputmode=\"decimal\" "
	    "size=\"6\"%s></label><label>%s <input name=\"monthly_price\" value=\"%s\" "
	    "required inputmode=\"decimal\" size=\"10\"%s></label><label>%s <input "
	    "name=\"description\" value=\"%s\" maxlength=\"%d\"%s></label>"
	    "<button type=\"submit\" class=\"secondary\">%s</button></form>",
	    L(lang, "Quantity", "Količina"), sent ? bill_val(sent, "quantity") : qin,
	    bill_invalid(e, "quantity"), L(lang, "Monthly price (EUR)", "Mjesečna cijena (EUR)"),
	    sent ? bill_val(sent, "monthly_price") : pin, bill_invalid(e, "monthly_price"),
	    L(lang, "Description", "Opis"), sent ? bill_val(sent, "description") : l->description,
	    BILL_TEXT_MAX_LEN, bill_invalid(e, "description"),
	    L(lang, "Save line", "Spremi stavku"));
	html_printf(h,
		    "<form class=\"line-remove\" method=\"post\" "
		    "action=\"/contracts/%j/lines/%j/remove\">",
		    c->id, l->id);
	page_csrf_field(r, h);
	html_printf(
	    h, "<button type=\"submit\" class=\"danger\">%s</button></form></details></td></tr>\n",
	    L(lang, "Remove line", "Ukloni stavku"));
}

static void contract_page(struct web_req *r, int64_t id, int status,
			  const struct contract_refusal *why)
{
	const char *lang = page_lang(r);
	struct bill_contract c;
	struct bill_service_list sl = {0};
	struct bill_rate_list rl = {0};
	struct bill_override_list ol = {0};
	const struct form *sent;
	const struct bill_form_err *e;
	struct terms_vals tv;
	char title[BILL_NUMBER_MAX_LEN + NAME_MAX_LEN + 40], dates[120], action[64], total[48];
	int64_t sum = 0;
	struct html h;
	size_t i;
	int rc;

	memset(&c, 0, sizeof(c));
	rc = store_contract_get(r->st, id, &c);
	if (rc == STORE_OK)
		rc = store_service_list(r->st, 0, &sl);
	if (rc == STORE_OK)
		rc = store_rate_list(r->st, 0, &rl);
	if (rc == STORE_OK)
		rc = store_rate_override_list(r->st, c.client_id, &ol);
	if (rc != STORE_OK) {
		page_store_error(r, rc);
		goto out;
	}
	sent = sent_for(why, CF_TERMS, 0);
	if (sent)
		terms_from(sent, &tv);
	else
		terms_of(lang, &c, &tv);
	snprintf(title, sizeof(title), "%s %s", L(lang, "Contract", "Ugovor"), c.number);
	if (page_begin(r, &h, title, NAV_NONE) < 0)
		goto out;
	bill_subnav(&h, lang, "/billing/contracts");
	contract_dates(lang, &c, clock_local_day(r->now), dates, sizeof(dates));
	html_printf(&h,
		    "<p><a href=\"/clients/%j/contracts\">%s: %s</a></p>\n"
		    "<h1>%s %s</h1>\n<p class=\"contract-summary\">%s · %s, %s%s</p>\n",
		    c.client_id, L(lang, "Contracts", "Ugovori"), c.client_name,
		    L(lang, "Contract", "Ugovor"), c.number, dates, bill_cycle_label(lang, c.cycle),
		    bill_proration_label(lang, c.proration),
		    c.prepaid ? L(lang, ", prepaid", ", predujam") : "");

	/* the lines */
	html_printf(&h, "<section id=\"lines\"><h2>%s</h2>\n", L(lang, "Lines", "Stavke"));
	html_printf(&h,
		    "<div class=\"table-wrap\"><table id=\"contract-lines\"><thead><tr><th>%s</th>"
		    "<th>%s</th><th class=\"num\">%s</th><th class=\"num\">%s</th>"
		    "<th class=\"num\">%s</th><th class=\"num\">%s</th><th></th></tr></thead>"
		    "<tbody>\n",
		    L(lang, "Service", "Usluga"), L(lang, "Description", "Opis"),
		    L(lang, "Quantity", "Količina"),
		    L(lang, "Per unit a month", "Po jedinici mjesečno"), L(lang, "VAT", "PDV"),
		    L(lang, "A month, net", "Mjesečno, neto"));
	for (i = 0; i < c.n_lines; i++) {
		line_row(r, &h, &c, &c.lines[i], why);
		sum += line_month(&c.lines[i]);
	}
	bill_money(lang, sum, total, sizeof(total));
	html_printf(&h,
		    "</tbody><tfoot><tr><th colspan=\"5\">%s</th><td class=\"num\" "
		    "id=\"contract-month\">%s</td><td></td></tr></tfoot></table></div>\n",
		    L(lang, "A whole month, net (EUR)", "Cijeli mjesec, neto (EUR)"), total);
	sent = sent_for(why, CF_NEW_LINE, 0);
	e = err_for(why, CF_NEW_LINE, 0);
	html_printf(&h, "<h3>%s</h3>\n", L(lang, "New line", "Nova stavka"));
	bill_error_para(&h, e);
	html_printf(
	    &h,
	    "<form id=\"new-line\" class=\"card\" method=\"post\" action=\"/contracts/%j/lines\">"
	    "",
	    c.id);
	page_csrf_field(r, &h);
	html_printf(&h, "<label>%s <select name=\"service_id\" required%s>",
		    L(lang, "Service", "Usluga"), bill_invalid(e, "service_id"));
	service_options(&h, lang, &sl, sent ? form_id(sent, "service_id") : 0, 0);
	html_printf(
	    &h,
	    "</select></label><label>%s <input name=\"quantity\" value=\"%s\" required "
	    "inputmode=\"decimal\" size=\"6\"%s></label><label>%s <input "
	    "name=\"monthly_price\" value=\"%s\" inputmode=\"decimal\" size=\"10\"%s></label>"
	    "<label>%s <input name=\"description\" value=\"%s\" maxlength=\"%d\"%s></label>"
	    "<p class=\"hint\">%s</p><button type=\"submit\">%s</button></form></section>\n",
	    L(lang, "Quantity", "Količina"), sent ? bill_val(sent, "quantity") : "1",
	    bill_invalid(e, "quantity"), L(lang, "Monthly price (EUR)", "Mjesečna cijena (EUR)"),
	    bill_val(sent, "monthly_price"), bill_invalid(e, "monthly_price"),
	    L(lang, "Description", "Opis"), bill_val(sent, "description"), BILL_TEXT_MAX_LEN,
	    bill_invalid(e, "description"),
	    L(lang, "An empty price or description takes the service's.",
	      "Prazna cijena ili opis preuzimaju one iz usluge."),
	    L(lang, "Add line", "Dodaj stavku"));

	/* the terms */
	e = err_for(why, CF_TERMS, 0);
	html_printf(&h, "<section id=\"terms\"><h2>%s</h2>\n", L(lang, "Terms", "Uvjeti"));
	bill_error_para(&h, e);
	html_printf(
	    &h, "<form id=\"contract\" class=\"card\" method=\"post\" action=\"/contracts/%j\">",
	    c.id);
	page_csrf_field(r, &h);
	terms_fields(&h, lang, &tv, e);
	html_printf(&h, "<button type=\"submit\">%s</button></form></section>\n",
		    L(lang, "Save terms", "Spremi uvjete"));

	/* ending it */
	sent = sent_for(why, CF_END, 0);
	e = err_for(why, CF_END, 0);
	html_printf(&h, "<section id=\"end\"><h2>%s</h2>\n",
		    L(lang, "End the contract", "Raskid ugovora"));
	bill_error_para(&h, e);
	html_printf(&h,
		    "<form id=\"contract-end\" class=\"card\" method=\"post\" "
		    "action=\"/contracts/%j/end\"><label>%s <input type=\"date\" name=\"end\" "
		    "value=\"%s\" required%s></label>",
		    c.id, L(lang, "Last day covered", "Zadnji pokriveni dan"),
		    sent ? bill_val(sent, "end") : tv.end, bill_invalid(e, "end"));
	page_csrf_field(r, &h);
	html_printf(&h, "<button type=\"submit\" class=\"danger\">%s</button></form></section>\n",
		    L(lang, "End on this day", "Raskini na taj dan"));

	snprintf(action, sizeof(action), "/contracts/%lld/rates", (long long)c.id);
	prices_section(r, &h, &ol, &rl, c.id, action, sent_for(why, CF_RATE, 0),
		       err_for(why, CF_RATE, 0));
	page_end_status(r, &h, status);
out:
	bill_contract_clear(&c);
	bill_service_list_free(&sl);
	bill_rate_list_free(&rl);
	bill_override_list_free(&ol);
}

void page_contract(struct web_req *r)
{
	contract_page(r, r->ids[0], 200, NULL);
}

/*
 * Write c back (store_contract_update) and answer: 303 to the contract's
 * section anchor, or its page again with why's form refused.
 */
static void contract_save(struct web_req *r, struct bill_contract *c, struct contract_refusal *why,
			  const char *anchor, enum notice notice)
{
	char loc[96];
	int rc;

	rc = store_contract_update(r->st, c);
	if (rc != STORE_OK) {
		if (!bill_rc_is_form(rc)) {
			page_store_error(r, rc);
			return;
		}
		bill_err_store(r, rc, &why->e);
		contract_page(r, c->id, why->e.status, why);
		return;
	}
	snprintf(loc, sizeof(loc), "/contracts/%lld#%s", (long long)c->id, anchor);
	page_redirect(r, loc, notice);
}

/* Read the form and the contract; 0, or -1 after answering. */
static int contract_begin(struct web_req *r, struct form *f, struct bill_contract *c)
{
	int rc;

	memset(c, 0, sizeof(*c));
	if (page_form_read(r, f) < 0)
		return -1;
	rc = store_contract_get(r->st, r->ids[0], c);
	if (rc != STORE_OK) {
		page_store_error(r, rc);
		form_free(f);
		return -1;
	}
	return 0;
}

void page_contract_post(struct web_req *r)
{
	struct contract_refusal why = {CF_TERMS, NULL, 0, {0}};
	struct bill_contract c, t;
	struct form f;

	if (contract_begin(r, &f, &c) < 0)
		return;
	why.f = &f;
	t = c;
	if (terms_check(page_lang(r), &f, &t, &why.e) < 0) {
		contract_page(r, c.id, why.e.status, &why);
		goto out;
	}
	/* the lines stay as they are */
	contract_save(r, &t, &why, "terms", NOTICE_SAVED);
out:
	bill_contract_clear(&c);
	form_free(&f);
}

void page_contract_end_post(struct web_req *r)
{
	const char *lang = page_lang(r);
	struct contract_refusal why = {CF_END, NULL, 0, {0}};
	struct bill_contract c;
	struct form f;
	int32_t day;
	char loc[64];
	int rc;

	if (contract_begin(r, &f, &c) < 0)
		return;
	why.f = &f;
	if (cal_date_parse(bill_val(&f, "end"), &day) < 0) {
		bill_err(&why.e, 400, "end",
			 L(lang, "Last day: a date such as 2027-06-30.",
			   "Zadnji dan: datum, npr. 2027-06-30."));
		contract_page(r, c.id, why.e.status, &why);
		goto out;
	}
	rc = store_contract_end(r->st, c.id, day);
	if (rc != STORE_OK) {
		if (!bill_rc_is_form(rc)) {
			page_store_error(r, rc);
			goto out;
		}
		bill_err_store(r, rc, &why.e);
		why.e.field = "end";
		contract_page(r, c.id, why.e.status, &why);
		goto out;
	}
	snprintf(loc, sizeof(loc), "/contracts/%lld", (long long)c.id);
	page_redirect(r, loc, NOTICE_SAVED);
out:
	bill_contract_clear(&c);
	form_free(&f);
}

/* The quantity, monthly price and description of a line form into l; 0, or -1 with e. */
static int line_fields_read(const char *lang, const struct form *f, int price_required,
			    struct bill_contract_line *l, struct bill_form_err *e)
{
	const char *s = bill_val(f, "monthly_price");

	if (bill_parse_qty(bill_val(f, "quantity"), &l->quantity) < 0)
		return bill_err(e, 400, "quantity",
				L(lang, "Quantity: a number above 0 with at most three decimals.",
				  "Količina: broj veći od 0 s najviše tri decimale."));
	if (!price_required && strspn(s, " ") == strlen(s))
		l->monthly_price = -1;
	else if (bill_parse_money(s, 0, &l->monthly_price) < 0)
		return bill_err(e, 400, "monthly_price",
				L(lang, "Monthly price: an amount in EUR such as 35,00.",
				  "Mjesečna cijena: iznos u eurima, npr. 35,00."));
	return bill_take(lang, f, "description", L(lang, "Description", "Opis"), l->description,
			 sizeof(l->description), 0, e);
}

void page_contract_line_new_post(struct web_req *r)
{
	const char *lang = page_lang(r);
	struct contract_refusal why = {CF_NEW_LINE, NULL, 0, {0}};
	struct bill_contract_line *lines = NULL, *l;
	struct bill_contract c;
	struct form f;

	if (contract_begin(r, &f, &c) < 0)
		return;
	why.f = &f;
	lines = xcalloc(c.n_lines + 1, sizeof(*lines));
	if (c.n_lines)
		memcpy(lines, c.lines, c.n_lines * sizeof(*lines));
	l = &lines[c.n_lines];
	l->service_id = form_id(&f, "service_id");
	l->vat = -1;
	if (l->service_id <= 0) {
		bill_err(&why.e, 400, "service_id",
			 L(lang, "Choose a service from the list.", "Odaberite uslugu s popisa."));
		contract_page(r, c.id, why.e.status, &why);
		goto out;
	}
	if (line_fields_read(lang, &f, 0, l, &why.e) < 0) {
		contract_page(r, c.id, why.e.status, &why);
		goto out;
	}
	free(c.lines);
	c.lines = lines;
	c.n_lines++;
	lines = NULL;
	contract_save(r, &c, &why, "lines", NOTICE_CREATED);
out:
	free(lines);
	bill_contract_clear(&c);
	form_free(&f);
}

/* The index of line id in c, or c->n_lines. */
static size_t line_index(const struct bill_contract *c, int64_t id)
{
	size_t i;

	for (i = 0; i < c->n_lines && c->lines[i].id != id; i++)
		;
	return i;
}

void page_contract_line_post(struct web_req *r)
{
	const char *lang = page_lang(r);
	struct contract_refusal why = {CF_LINE, NULL, 0, {0}};
	struct bill_contract c;
	struct form f;
	size_t i;

	if (contract_begin(r, &f, &c) < 0)
		return;
	why.f = &f;
	why.line_id = r->ids[1];
	i = line_index(&c, r->ids[1]);
	if (i == c.n_lines) {
		page_error(r, 404,
			   L(lang, "The contract has no such line.", "Ugovor nema te stavke."));
		goto out;
	}
	if (line_fields_read(lang, &f, 1, &c.lines[i], &why.e) < 0) {
		contract_page(r, c.id, why.e.status, &why);
		goto out;
	}
	contract_save(r, &c, &why, "lines", NOTICE_SAVED);
out:
	bill_contract_clear(&c);
	form_free(&f);
}

void page_contract_line_remove_post(struct web_req *r)
{
	const char *lang = page_lang(r);
	struct contract_refusal why = {CF_LINE, NULL, 0, {0}};
	struct bill_contract c;
	struct form f;
	size_t i;

	if (contract_begin(r, &f, &c) < 0)
		return;
	why.f = NULL; /* the line's form shows the line's own values again */
	why.line_id = r->ids[1];
	i = line_index(&c, r->ids[1]);
	if (i == c.n_lines) {
		page_error(r, 404,
			   L(lang, "The contract has no such line.", "Ugovor nema te stavke."));
		goto out;
	}
	memmove(&c.lines[i], &c.lines[i + 1], (c.n_lines - i - 1) * sizeof(c.lines[0]));
	c.n_lines--;
	contract_save(r, &c, &why, "lines", NOTICE_SAVED);
out:
	bill_contract_clear(&c);
	form_free(&f);
}

void page_contract_rate_post(struct web_req *r)
{
	const char *lang = page_lang(r);
	struct contract_refusal why = {CF_RATE, NULL, 0, {0}};
	struct bill_contract c;
	int64_t rate_id;
	struct form f;
	char loc[80];
	int rc;

	if (contract_begin(r, &f, &c) < 0)
		return;
	why.f = &f;
	rate_id = form_id(&f, "rate_id");
	if (rate_id <= 0) {
		bill_err(&why.e, 400, "rate_id",
			 L(lang, "Choose a rate from the list.", "Odaberite satnicu s popisa."));
		contract_page(r, c.id, why.e.status, &why);
		goto out;
	}
	if (page_billing_override_apply(r, &f, rate_id, 0, c.id, &why.e, &rc) < 0) {
		if (why.e.status)
			contract_page(r, c.id, why.e.status, &why);
		else
			page_store_error(r, rc);
		goto out;
	}
	snprintf(loc, sizeof(loc), "/contracts/%lld#prices", (long long)c.id);
	page_redirect(r, loc, NOTICE_SAVED);
out:
	bill_contract_clear(&c);
	form_free(&f);
}
