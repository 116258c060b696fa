/*
 * page_billing_run: the month's money, for administrators.  /billing shows
 * the month-end run of a month (?month=YYYY-MM): its state (open or
 * closed), the summary across clients, a chart of the hours per client and
 * per technician (SVG drawn here: bars, escaped labels, a fixed viewBox, no
 * script and no style attribute, so it passes the pages' strict CSP), a
 * table of the clients with their downloads, and each listed client's
 * specification in full.  /billing/download answers the documents (PDF,
 * XLSX, CSV, JSON); /billing/close closes the month after a confirmation
 * page; /billing/prepay lists the prepayments due in a month and issues
 * them.  The computing and the documents are web/billing_run.c's, shared
 * with the CLI and the API, so the screen shows what the files say.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/calendar.h"
#include "store/store_billing.h"
#include "util/log.h"
#include "web/billing_run.h"
#include "web/page_billing.h"
#include "web/page_names.h"

#define CLIENTS_PER_PAGE 50		/* clients listed (and shown in full) on one page */
#define DOWNLOAD_MAX (64 * 1024 * 1024) /* the cap of one download */
#define CHART_BARS 20			/* bars in a chart; the rest are summed up */
#define CHART_WIDTH 520			/* the viewBox */
#define CHART_LABEL_W 190		/* the labels' column */
#define CHART_BAR_W 270			/* the longest bar */
#define CHART_ROW 24
#define CHART_LABEL_MAX 26 /* bytes of a label before it is cut */

/* ---- small pieces ---- */

static void month_link(struct html *h, const char *path, int32_t month, const char *rel,
		       const char *label)
{
	char m[8];

	cal_month_format(month, m);
	html_printf(h, "<a rel=\"%s\" href=\"%s?month=%s\">%s</a>", rel, path, m, label);
}

/* The month picker of a page (GET path?month=) with the previous and next months. */
static void month_picker(struct html *h, const char *lang, const char *path, int32_t month)
{
	char m[8];

	cal_month_format(month, m);
	html_printf(h, "<nav class=\"month-nav\">");
	month_link(h, path, month - 1, "prev", L(lang, "← Previous month", "← Prethodni mjesec"));
	html_printf(
	    h,
	    "<form class=\"inline\" method=\"get\" action=\"%s\"><label>%s <input "
	    "type=\"month\" name=\"month\" value=\"%s\" required pattern=\"[0-9]{4}-[0-9]{2}\">"
	    "</label><button type=\"submit\" class=\"secondary\">%s</button></form>",
	    path, L(lang, "Month", "Mjesec"), m, L(lang, "Show", "Prikaži"));
	month_link(h, path, month + 1, "next", L(lang, "Next month →", "Sljedeći mjesec →"));
	html_printf(h, "</nav>\n");
}

/* A billing_run failure as an error page. */
static void run_error(struct web_req *r, const struct billing_error *e)
{
	switch (e->kind) {
	case BILLING_FAIL_STORE:
		if (e->store_rc == STORE_CONFLICT || e->store_rc == STORE_INVALID ||
		    e->store_rc == STORE_NOT_FOUND)
			page_error(r,
				   e->store_rc == STORE_CONFLICT    ? 409
				   : e->store_rc == STORE_NOT_FOUND ? 404
								    : 400,
				   e->msg);
		else
			page_store_error(r, e->store_rc);
		break;
	case BILLING_FAIL_INPUT:
		page_error(r, 404, e->msg);
		break;
	case BILLING_FAIL_RULES:
		page_error(r, 409, e->msg);
		break;
	default:
		log_error("billing: %s", e->msg);
		page_error(r, 500,
			   e->msg[0] ? e->msg
				     : L(page_lang(r), "The document could not be written.",
					 "Dokument se nije mogao zapisati."));
		break;
	}
}

/* Totals per VAT rate (those with any amount) and the sums, as a table. */
static void vat_table(struct html *h, const char *lang, const char *cls,
		      const struct bill_vat_total vat[BILL_VAT_RATES], int64_t net, int64_t tax,
		      int64_t gross)
{
	char a[48], b[48], c[48];
	int i;

	html_printf(h,
		    "<table class=\"%s\"><thead><tr><th>%s</th><th class=\"num\">%s</th>"
		    "<th class=\"num\">%s</th><th class=\"num\">%s</th></tr></thead><tbody>",
		    cls, L(lang, "VAT rate", "Stopa PDV-a"), L(lang, "Net (EUR)", "Neto (EUR)"),
		    L(lang, "VAT (EUR)", "PDV (EUR)"), L(lang, "Gross (EUR)", "Bruto (EUR)"));
	for (i = 0; i < BILL_VAT_RATES; i++) {
		if (!vat[i].net && !vat[i].tax)
			continue;
		bill_money(lang, vat[i].net, a, sizeof(a));
		bill_money(lang, vat[i].tax, b, sizeof(b));
		bill_money(lang, vat[i].gross, c, sizeof(c));
		html_printf(h,
			    "<tr data-vat=\"%d\"><td>%d %%</td><td class=\"num\">%s</td>"
			    "<td class=\"num\">%s</td><td class=\"num\">%s</td></tr>",
			    vat[i].vat, vat[i].vat, a, b, c);
	}
	bill_money(lang, net, a, sizeof(a));
	bill_money(lang, tax, b, sizeof(b));
	bill_money(lang, gross, c, sizeof(c));
	html_printf(h,
		    "</tbody><tfoot><tr><th>%s</th><td class=\"num net\">%s</td>"
		    "<td class=\"num tax\">%s</td><td class=\"num gross\">%s</td></tr></tfoot>"
		    "</table>",
		    L(lang, "Total", "Ukupno"), a, b, c);
}

/* The download links of one client (client_id > 0) or of all. */
static void downloads(struct html *h, const char *lang, int32_t month, int64_t client_id)
{
	static const char *const per_client[] = {"pdf", "xlsx", "csv", "json"};
	static const char *const all[] = {"csv", "json"};
	const char *const *f = client_id ? per_client : all;
	size_t i, n = client_id ? 4 : 2;
	char m[8];

	cal_month_format(month, m);
	html_printf(h, "<span class=\"downloads\">");
	for (i = 0; i < n; i++) {
		if (client_id)
			html_printf(
			    h,
			    "<a href=\"/billing/download?month=%s&amp;client=%j&amp;format=%s\" "
			    "download data-format=\"%s\">%s</a> ",
			    m, client_id, f[i], f[i], f[i]);
		else
			html_printf(h,
				    "<a href=\"/billing/download?month=%s&amp;format=%s\" download "
				    "data-format=\"%s\">%s %s</a> ",
				    m, f[i], f[i], L(lang, "All as", "Sve kao"), f[i]);
	}
	html_printf(h, "</span>");
}

/* "1 klijent", "3 klijenta", "5 klijenata" / "1 client", "3 clients". */
static const char *clients_word(const char *lang, int64_t n)
{
	if (n % 10 == 1 && n % 100 != 11)
		return L(lang, n == 1 ? "client" : "clients", "klijent");
	if (n % 10 >= 2 && n % 10 <= 4 && (n % 100 < 12 || n % 100 > 14))
		return L(lang, "clients", "klijenta");
	return L(lang, "clients", "klijenata");
}

/* h:mm of seconds. */
static void hours(int64_t seconds, char *out, size_t outsz)
{
	i18n_hours(seconds, out, outsz);
}

/* ---- one client's specification ---- */

static const char *kind_label(const char *lang, enum bill_line_kind k)
{
	switch (k) {
	case LINE_CONTRACT:
		return L(lang, "contract", "ugovor");
	case LINE_PREPAID:
		return L(lang, "prepaid", "plaćeno unaprijed");
	case LINE_PREPAID_DIFF:
		return L(lang, "difference to the prepaid", "razlika do predujma");
	case LINE_WORK:
		return L(lang, "work", "rad");
	case LINE_EXTRA:
		return L(lang, "extra item", "dodatna stavka");
	case LINE_ADJUSTMENT:
		return L(lang, "correction", "ispravak");
	}
	return "?";
}

static void spec_line(struct html *h, const char *lang, const struct bill_line *l)
{
	char qty[32], price[48], amount[48], a[40], b[40], m[8], t1[24], t2[24], t3[24];

	bill_money(lang, l->amount, amount, sizeof(amount));
	html_printf(h, "<tr class=\"line kind-%s%s\" data-kind=\"%s\"",
		    bill_line_kind_name(l->kind), l->charged ? "" : " not-charged",
		    bill_line_kind_name(l->kind));
	if (l->kind == LINE_WORK)
		html_printf(h, " data-ticket=\"%s\"", l->ticket_number);
	html_printf(h, "><td><span class=\"badge kind\">%s</span></td><td>",
		    kind_label(lang, l->kind));
	switch (l->kind) {
	case LINE_CONTRACT:
	case LINE_PREPAID:
	case LINE_PREPAID_DIFF:
		bill_qty(lang, l->quantity, qty, sizeof(qty));
		bill_money(lang, l->unit_price, price, sizeof(price));
		html_printf(h, "%s <span class=\"muted\">(%s %s, %s)</span>", l->description,
			    L(lang, "contract", "ugovor"), l->contract_number, l->code);
		if (l->active_days && l->active_days < l->month_days) {
			bill_day(lang, l->from_day, a, sizeof(a));
			bill_day(lang, l->to_day, b, sizeof(b));
			html_printf(h, "<br><span class=\"muted\">%s – %s: %d/%d %s</span>", a, b,
				    l->active_days, l->month_days, L(lang, "days", "dana"));
		}
		html_printf(h, "</td><td class=\"num\">%s</td><td class=\"num\">%s</td>", qty,
			    price);
		break;
	case LINE_WORK:
		hours(l->rounded, t1, sizeof(t1));
		hours(l->seconds, t2, sizeof(t2));
		html_printf(h, "<a href=\"/tickets/%j\">%s</a> %s<br><span class=\"muted\">%s",
			    l->ticket_id, l->ticket_number, l->description, l->technicians);
		if (l->code[0])
			html_printf(h, " · %s", l->code);
		if (l->contract_number[0])
			html_printf(h, " · %s %s", L(lang, "contract", "ugovor"),
				    l->contract_number);
		if (l->ticket_billing != BILLING_BILLABLE)
			html_printf(h, " · <strong>%s</strong>",
				    page_billing_label(lang, l->ticket_billing));
		else if (!l->charged)
			html_printf(h, " · <strong>%s</strong>",
				    L(lang, "not billable", "ne naplaćuje se"));
		html_printf(h, "</span></td><td class=\"num\">%s h<br><span class=\"muted\">%s %s",
			    t1, L(lang, "real", "stvarno"), t2);
		if (l->included) {
			hours(l->included, t3, sizeof(t3));
			html_printf(h, "<br>%s %s", L(lang, "included", "uključeno"), t3);
		}
		bill_money(lang, l->overage_hourly ? l->overage_hourly : l->hourly, price,
			   sizeof(price));
		html_printf(h, "</span></td><td class=\"num\">%s/h</td>", price);
		break;
	case LINE_EXTRA:
		bill_qty(lang, l->quantity, qty, sizeof(qty));
		bill_money(lang, l->unit_price, price, sizeof(price));
		html_printf(h, "%s", l->description);
		if (l->ticket_id)
			html_printf(
			    h, " <span class=\"muted\">(<a href=\"/tickets/%j\">%s</a>)</span>",
			    l->ticket_id, l->ticket_number);
		if (l->ticket_billing != BILLING_BILLABLE)
			html_printf(h, " · <strong>%s</strong>",
				    page_billing_label(lang, l->ticket_billing));
		html_printf(h, "</td><td class=\"num\">%s</td><td class=\"num\">%s</td>", qty,
			    price);
		break;
	case LINE_ADJUSTMENT:
		cal_month_format(l->corrects_month, m);
		html_printf(h, "%s <span class=\"muted\">(%s %s)</span></td><td></td><td></td>",
			    l->description, L(lang, "corrects", "ispravlja"), m);
		break;
	}
	/* a prepaid line's amount is shown for reference only */
	html_printf(h, "<td class=\"num\">%d %%</td><td class=\"num amount\">%s%s%s</td></tr>\n",
		    l->vat, l->kind == LINE_PREPAID ? "(" : "", amount,
		    l->kind == LINE_PREPAID ? ")" : "");
}

static void spec_section(struct html *h, const char *lang, const struct bill_spec *s)
{
	char a[24], b[24], c[24];
	size_t i;

	html_printf(h,
		    "<section class=\"spec card\" id=\"client-%j\" data-client=\"%j\"><h3>%s</h3>"
		    "<p class=\"muted\">",
		    s->client_id, s->client_id, s->client_name);
	if (s->client_oib[0])
		html_printf(h, "OIB %s", s->client_oib);
	if (s->client_address[0])
		html_printf(h, "%s%s", s->client_oib[0] ? " · " : "", s->client_address);
	html_printf(h, "</p><p>");
	downloads(h, lang, s->month, s->client_id);
	html_printf(
	    h,
	    "</p><div class=\"table-wrap\"><table class=\"spec-lines\"><thead><tr><th>%s</th>"
	    "<th>%s</th><th class=\"num\">%s</th><th class=\"num\">%s</th>"
	    "<th class=\"num\">%s</th><th class=\"num\">%s</th></tr></thead><tbody>\n",
	    L(lang, "Kind", "Vrsta"), L(lang, "Description", "Opis"),
	    L(lang, "Quantity / time", "Količina / vrijeme"),
	    L(lang, "Price (EUR)", "Cijena (EUR)"), L(lang, "VAT", "PDV"),
	    L(lang, "Amount (EUR)", "Iznos (EUR)"));
	for (i = 0; i < s->n_lines; i++)
		spec_line(h, lang, &s->lines[i]);
	html_printf(h, "</tbody></table></div>\n");
	for (i = 0; i < s->n_lines && s->lines[i].kind != LINE_PREPAID; i++)
		;
	if (i < s->n_lines)
		html_printf(h, "<p class=\"hint\">%s</p>",
			    L(lang,
			      "Amounts in parentheses were invoiced in advance and are not "
			      "charged again.",
			      "Iznosi u zagradama fakturirani su unaprijed i ne naplaćuju se "
			      "ponovno."));
	for (i = 0; i < s->n_support; i++) {
		const struct bill_support *u = &s->support[i];

		hours(u->used, a, sizeof(a));
		hours(u->included, b, sizeof(b));
		hours(u->overage, c, sizeof(c));
		html_printf(
		    h, "<p class=\"support\" data-contract=\"%s\">%s %s: %s %s %s %s, %s %s</p>",
		    u->contract_number,
		    L(lang, "Included hours, contract", "Uključeni sati, ugovor"),
		    u->contract_number, L(lang, "used", "iskorišteno"), a, L(lang, "of", "od"), b,
		    L(lang, "beyond", "iznad"), c);
	}
	hours(s->work_seconds, a, sizeof(a));
	hours(s->work_rounded, b, sizeof(b));
	html_printf(h, "<p class=\"muted\">%s %s h, %s %s h</p>",
		    L(lang, "Work: real", "Rad: stvarno"), a, L(lang, "rounded", "zaokruženo"), b);
	vat_table(h, lang, "spec-totals", s->vat, s->net, s->tax, s->gross);
	html_printf(h, "</section>\n");
}

/* ---- the chart ---- */

/* label cut to CHART_LABEL_MAX bytes at a character's start, "…" added when cut. */
static void chart_label(const char *s, char *out, size_t outsz)
{
	size_t n = strlen(s);

	if (n <= CHART_LABEL_MAX) {
		snprintf(out, outsz, "%.*s", (int)n, s);
		return;
	}
	n = CHART_LABEL_MAX;
	while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
		n--;
	snprintf(out, outsz, "%.*s…", (int)n, s);
}

/*
 * One chart of bars (most first, as store_month_hours orders them): the
 * first CHART_BARS rows, the rest summed into one; the numbers again in a
 * table for those who cannot see it.
 */
static void chart(struct html *h, const char *lang, const char *id, const char *title,
		  const struct bill_hours_list *l)
{
	char label[CHART_LABEL_MAX + 8], t[24];
	size_t i, rows = l->n > CHART_BARS ? CHART_BARS + 1 : l->n;
	int64_t max = 1, rest = 0;

	for (i = CHART_BARS; i < l->n; i++)
		rest += l->items[i].seconds;
	for (i = 0; i < l->n && i < CHART_BARS; i++)
		if (l->items[i].seconds > max)
			max = l->items[i].seconds;
	if (rest > max)
		max = rest;
	html_printf(h, "<figure class=\"chart\" id=\"%s\"><figcaption>%s</figcaption>", id, title);
	if (!l->n) {
		html_printf(h, "<p class=\"hint\">%s</p></figure>\n",
			    L(lang, "No time recorded in the month.",
			      "U mjesecu nema zabilježenog vremena."));
		return;
	}
	html_printf(
	    h,
	    "<svg class=\"bars\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 %d %d\" "
	    "role=\"img\" aria-labelledby=\"%s-title\"><title id=\"%s-title\">%s</title>",
	    CHART_WIDTH, (int)(rows * CHART_ROW + 4), id, id, title);
	for (i = 0; i < rows; i++) {
		int64_t s = i < CHART_BARS ? l->items[i].seconds : rest;
		int w = (int)(s * CHART_BAR_W / max), y = (int)(i * CHART_ROW);

		if (w < 1 && s > 0)
			w = 1;
		if (i < CHART_BARS) {
			chart_label(l->items[i].name, label, sizeof(label));
		} else {
			snprintf(label, sizeof(label), "%s (%d)", L(lang, "others", "ostali"),
				 (int)(l->n - CHART_BARS));
		}
		hours(s, t, sizeof(t));
		html_printf(
		    h,
		    "<g class=\"row\"><text class=\"label\" x=\"%d\" y=\"%d\" "
		    "text-anchor=\"end\">%s</text><rect class=\"bar\" x=\"%d\" y=\"%d\" "
		    "width=\"%d\" height=\"16\"></rect><text class=\"value\" x=\"%d\" y=\"%d\">"
		    "%s</text></g>",
		    CHART_LABEL_W - 8, y + 16, label, CHART_LABEL_W, y + 4, w,
		    CHART_LABEL_W + w + 6, y + 16, t);
	}
	html_printf(h,
		    "</svg><details class=\"chart-data\"><summary>%s</summary><table><thead><tr>"
		    "<th>%s</th><th class=\"num\">%s</th></tr></thead><tbody>",
		    L(lang, "The numbers", "Brojke"), L(lang, "Name", "Naziv"),
		    L(lang, "Hours", "Sati"));
	for (i = 0; i < l->n; i++) {
		hours(l->items[i].seconds, t, sizeof(t));
		html_printf(h, "<tr><td>%s</td><td class=\"num\">%s</td></tr>", l->items[i].name,
			    t);
	}
	html_printf(h, "</tbody></table></details></figure>\n");
}

static int charts(struct web_req *r, struct html *h, int32_t month)
{
	const char *lang = page_lang(r);
	struct bill_hours_list clients = {0}, users = {0};
	char name[48], title[120];
	int rc;

	rc = store_month_hours(r->st, month, &clients, &users);
	if (rc != STORE_OK)
		return rc;
	bill_month_name(lang, month, name, sizeof(name));
	html_printf(h, "<section id=\"hours\"><h2>%s</h2><div class=\"charts\">",
		    L(lang, "Hours in the month", "Sati u mjesecu"));
	snprintf(title, sizeof(title), "%s, %s", L(lang, "Hours per client", "Sati po klijentu"),
		 name);
	chart(h, lang, "chart-clients", title, &clients);
	snprintf(title, sizeof(title), "%s, %s",
		 L(lang, "Hours per technician", "Sati po tehničaru"), name);
	chart(h, lang, "chart-technicians", title, &users);
	html_printf(h, "</div></section>\n");
	bill_hours_list_free(&clients);
	bill_hours_list_free(&users);
	return STORE_OK;
}

/* ---- the run page ---- */

struct run_view {
	const char *lang;
	struct bill_summary summary;
	size_t n, first, last; /* clients seen; the page's are [first, last) */
	struct html rows;      /* the clients table's rows of this page */
	struct html specs;     /* the specifications of this page */
};

static int run_each(const struct bill_spec *s, void *arg, struct billing_error *e)
{
	struct run_view *v = arg;
	char net[48], tax[48], gross[48], t[24];

	if (!s->n_lines)
		return 0;
	if (bill_summary_add(&v->summary, s) < 0) {
		snprintf(e->msg, sizeof(e->msg), "the month's totals overflow");
		e->kind = BILLING_FAIL_RULES;
		return -1;
	}
	if (v->n >= v->first && v->n < v->last) {
		bill_money(v->lang, s->net, net, sizeof(net));
		bill_money(v->lang, s->tax, tax, sizeof(tax));
		bill_money(v->lang, s->gross, gross, sizeof(gross));
		hours(s->work_rounded, t, sizeof(t));
		html_printf(
		    &v->rows,
		    "<tr data-client=\"%j\"><td><a href=\"#client-%j\">%s</a></td>"
		    "<td class=\"num\">%s</td><td class=\"num\">%s</td><td class=\"num\">%s</td>"
		    "<td class=\"num gross\">%s</td><td>",
		    s->client_id, s->client_id, s->client_name, t, net, tax, gross);
		downloads(&v->rows, v->lang, s->month, s->client_id);
		html_printf(&v->rows, "</td></tr>\n");
		spec_section(&v->specs, v->lang, s);
	}
	v->n++;
	if (html_failed(&v->rows) || html_failed(&v->specs)) {
		snprintf(e->msg, sizeof(e->msg), "the page is too large");
		e->kind = BILLING_FAIL_OUTPUT;
		return -1;
	}
	return 0;
}

/* ?page= 1.. into *out; 0, or -1 after answering 400. */
static int page_number(struct web_req *r, int *out)
{
	const char *v = page_query(r, "page");
	int64_t n;

	*out = 1;
	if (!v || !*v)
		return 0;
	if (bill_parse_int(v, 1, 1000000, &n) < 0) {
		page_error(r, 400,
			   L(page_lang(r), "The page number is not valid.",
			     "Broj stranice nije ispravan."));
		return -1;
	}
	*out = (int)n;
	return 0;
}

void page_billing(struct web_req *r)
{
	const char *lang = page_lang(r);
	struct run_view v;
	struct billing_error e;
	char name[48], m[8], num[32], t1[24], t2[24];
	int32_t month;
	int closed = 0, page, rc;
	struct html h;

	if (bill_month_query(r, &month) < 0 || page_number(r, &page) < 0)
		return;
	memset(&v, 0, sizeof(v));
	memset(&e, 0, sizeof(e));
	v.lang = lang;
	v.first = (size_t)(page - 1) * CLIENTS_PER_PAGE;
	v.last = v.first + CLIENTS_PER_PAGE;
	bill_summary_init(&v.summary, month);
	html_init(&v.rows, HTML_PAGE_MAX / 2);
	html_init(&v.specs, HTML_PAGE_MAX / 2);
	if (billing_each(r->st, r->srv->conf, month, 0, run_each, &v, &closed, &e) < 0) {
		run_error(r, &e);
		goto out;
	}
	bill_month_name(lang, month, name, sizeof(name));
	cal_month_format(month, m);
	if (page_begin(r, &h, L(lang, "Month-end", "Obračun mjeseca"), NAV_NONE) < 0)
		goto out;
	bill_subnav(&h, lang, "/billing");
	html_printf(&h, "<h1>%s: %s</h1>\n", L(lang, "Month-end", "Obračun mjeseca"), name);
	month_picker(&h, lang, "/billing", month);
	html_printf(&h, "<section id=\"month-state\" class=\"card\" data-state=\"%s\"><p>",
		    closed ? "closed" : "open");
	if (closed) {
		html_printf(
		    &h, "<span class=\"badge state-closed\">%s</span> %s</p>",
		    L(lang, "closed", "zaključen"),
		    L(lang,
		      "The month is closed: these are the specifications stored when it "
		      "was closed. Its time, extra items and prepayments can no longer "
		      "change; a correction goes into an open month as an adjustment.",
		      "Mjesec je zaključen: ovo su specifikacije spremljene pri "
		      "zaključenju. Njegovo vrijeme, dodatne stavke i predujmovi više se ne "
		      "mogu mijenjati; ispravak ide u otvoreni mjesec kao korekcija."));
	} else {
		html_printf(
		    &h,
		    "<span class=\"badge state-open\">%s</span> %s</p>"
		    "<form id=\"close-month-start\" method=\"get\" action=\"/billing/close\">"
		    "<input type=\"hidden\" name=\"month\" value=\"%s\">"
		    "<button type=\"submit\" class=\"danger\">%s</button></form>",
		    L(lang, "open", "otvoren"),
		    L(lang,
		      "The month is open: the specifications are computed now and "
		      "change with its time, extra items and contracts.",
		      "Mjesec je otvoren: specifikacije se računaju sada i mijenjaju se s "
		      "vremenom, dodatnim stavkama i ugovorima."),
		    m, L(lang, "Close the month…", "Zaključi mjesec…"));
	}
	html_printf(&h, "</section>\n<section id=\"summary\" class=\"card\"><h2>%s</h2>",
		    L(lang, "Summary", "Sažetak"));
	i18n_int(lang, (int64_t)v.summary.clients, num, sizeof(num));
	hours(v.summary.work_seconds, t1, sizeof(t1));
	hours(v.summary.work_rounded, t2, sizeof(t2));
	html_printf(&h, "<p><span id=\"summary-clients\">%s</span> %s · %s %s h, %s %s h</p>", num,
		    clients_word(lang, (int64_t)v.summary.clients),
		    L(lang, "work: real", "rad: stvarno"), t1, L(lang, "rounded", "zaokruženo"),
		    t2);
	vat_table(&h, lang, "summary-totals", v.summary.vat, v.summary.net, v.summary.tax,
		  v.summary.gross);
	html_printf(&h, "<p>");
	downloads(&h, lang, month, 0);
	html_printf(&h, "</p></section>\n");
	rc = charts(r, &h, month);
	if (rc != STORE_OK) {
		html_free(&h);
		page_store_error(r, rc);
		goto out;
	}
	html_printf(&h, "<section id=\"clients\"><h2>%s</h2>\n", L(lang, "Clients", "Klijenti"));
	if (!v.n) {
		html_printf(&h, "<p class=\"hint\">%s</p>",
			    L(lang, "Nobody has anything in this month.",
			      "Nitko nema ništa u ovom mjesecu."));
	} else {
		html_printf(
		    &h,
		    "<div class=\"table-wrap\"><table id=\"billing-clients\"><thead><tr>"
		    "<th>%s</th><th class=\"num\">%s</th><th class=\"num\">%s</th>"
		    "<th class=\"num\">%s</th><th class=\"num\">%s</th><th>%s</th></tr></thead>"
		    "<tbody>\n%h</tbody></table></div>\n",
		    L(lang, "Client", "Klijent"), L(lang, "Hours", "Sati"),
		    L(lang, "Net (EUR)", "Neto (EUR)"), L(lang, "VAT (EUR)", "PDV (EUR)"),
		    L(lang, "Gross (EUR)", "Bruto (EUR)"), L(lang, "Documents", "Dokumenti"),
		    &v.rows);
		if (v.n > CLIENTS_PER_PAGE) {
			html_printf(&h, "<nav class=\"pager\">");
			if (page > 1)
				html_printf(
				    &h,
				    "<a rel=\"prev\" href=\"/billing?month=%s&amp;page=%d\">%s</a>",
				    m, page - 1, L(lang, "Previous", "Prethodna"));
			i18n_int(lang, (int64_t)v.n, num, sizeof(num));
			html_printf(&h, "<span>%s %s</span>", num,
				    clients_word(lang, (int64_t)v.n));
			if (v.last < v.n)
				html_printf(
				    &h,
				    "<a rel=\"next\" href=\"/billing?month=%s&amp;page=%d\">%s</a>",
				    m, page + 1, L(lang, "Next", "Sljedeća"));
			html_printf(&h, "</nav>\n");
		}
	}
	html_printf(&h, "</section>\n<section id=\"specifications\"><h2>%s</h2>\n%h</section>\n",
		    L(lang, "Specifications", "Specifikacije"), &v.specs);
	page_end(r, &h);
out:
	html_free(&v.rows);
	html_free(&v.specs);
}

/* ---- downloads ---- */

void page_billing_download(struct web_req *r)
{
	const char *lang = page_lang(r), *fs = page_query(r, "format");
	struct billing_run_req req;
	struct billing_error e;
	enum billing_format format;
	struct buf out = BUF_INIT(DOWNLOAD_MAX);
	char fname[96], m[8];
	int64_t client_id = 0;
	int32_t month;
	size_t n;

	if (bill_month_query(r, &month) < 0 || web_query_id(r, "client", &client_id) < 0)
		return;
	if (!fs || billing_format_parse(fs, &format) < 0 ||
	    (!client_id && (format == BILLING_PDF || format == BILLING_XLSX))) {
		page_error(r, 400,
			   L(lang,
			     "Ask for a format: pdf, xlsx, csv, json or text for one client; csv, "
			     "json or text for all.",
			     "Odaberite oblik: pdf, xlsx, csv, json ili text za jednog klijenta; "
			     "csv, json ili text za sve."));
		return;
	}
	memset(&req, 0, sizeof(req));
	memset(&e, 0, sizeof(e));
	req.month = month;
	req.client_id = client_id;
	req.format = format;
	req.lang = lang;
	req.out = &out;
	if (billing_run(r->st, r->srv->conf, &req, NULL, &e) < 0) {
		buf_free(&out);
		run_error(r, &e);
		return;
	}
	cal_month_format(month, m);
	if (client_id)
		snprintf(fname, sizeof(fname), "%s-%s-%lld.%s",
			 L(lang, "specification", "specifikacija"), m, (long long)client_id,
			 billing_format_ext(format));
	else
		snprintf(fname, sizeof(fname), "%s-%s.%s",
			 L(lang, "specifications", "specifikacije"), m, billing_format_ext(format));
	n = out.len;
	page_download(r, buf_detach(&out), n, fname, billing_format_type(format));
}

/* ---- closing ---- */

struct close_view {
	struct bill_summary summary;
};

static int close_each(const struct bill_spec *s, void *arg, struct billing_error *e)
{
	struct close_view *v = arg;

	if (s->n_lines && bill_summary_add(&v->summary, s) < 0) {
		snprintf(e->msg, sizeof(e->msg), "the month's totals overflow");
		e->kind = BILLING_FAIL_RULES;
		return -1;
	}
	return 0;
}

/* The confirmation page of closing month, with err (may be NULL) above its form. */
static void close_page(struct web_req *r, int32_t month, int status, const char *err)
{
	const char *lang = page_lang(r);
	struct close_view v;
	struct billing_error e;
	char name[48], m[8], num[32], title[96];
	int closed = 0;
	struct html h;

	memset(&v, 0, sizeof(v));
	memset(&e, 0, sizeof(e));
	bill_summary_init(&v.summary, month);
	if (billing_each(r->st, r->srv->conf, month, 0, close_each, &v, &closed, &e) < 0) {
		run_error(r, &e);
		return;
	}
	bill_month_name(lang, month, name, sizeof(name));
	cal_month_format(month, m);
	snprintf(title, sizeof(title), "%s: %s", L(lang, "Close the month", "Zaključi mjesec"),
		 name);
	if (page_begin(r, &h, title, NAV_NONE) < 0)
		return;
	bill_subnav(&h, lang, "/billing");
	html_printf(&h, "<h1>%s</h1>\n", title);
	if (err)
		html_printf(&h, "<p class=\"error\" role=\"alert\">%s</p>\n", err);
	if (closed) {
		html_printf(
		    &h, "<p class=\"notice\">%s</p><p><a href=\"/billing?month=%s\">%s</a></p>\n",
		    L(lang, "The month is closed already.", "Mjesec je već zaključen."), m,
		    L(lang, "Back to the month", "Natrag na mjesec"));
		page_end_status(r, &h, status);
		return;
	}
	i18n_int(lang, (int64_t)v.summary.clients, num, sizeof(num));
	html_printf(&h, "<section id=\"summary\" class=\"card\"><p>%s %s</p>", num,
		    clients_word(lang, (int64_t)v.summary.clients));
	vat_table(&h, lang, "summary-totals", v.summary.vat, v.summary.net, v.summary.tax,
		  v.summary.gross);
	html_printf(&h,
		    "</section>\n<p class=\"warning\">%s</p>\n<form id=\"close-month\" "
		    "class=\"card\" method=\"post\" action=\"/billing/close\">",
		    L(lang,
		      "Closing stores these specifications as they are now. From then on the "
		      "month's time entries, extra items and prepayments cannot change, and every "
		      "later run of the month gives the same documents. Months close in order.",
		      "Zaključivanjem se ove specifikacije spremaju kakve su sada. Nakon toga se "
		      "vrijeme, dodatne stavke i predujmovi mjeseca ne mogu mijenjati, a svaki "
		      "kasniji obračun mjeseca daje iste dokumente. Mjeseci se zaključuju redom."));
	page_csrf_field(r, &h);
	html_printf(&h,
		    "<input type=\"hidden\" name=\"month\" value=\"%s\">"
		    "<input type=\"hidden\" name=\"confirm\" value=\"1\">"
		    "<button type=\"submit\" class=\"danger\">%s %s</button> "
		    "<a href=\"/billing?month=%s\">%s</a></form>\n",
		    m, L(lang, "Close", "Zaključi"), name, m, L(lang, "Cancel", "Odustani"));
	page_end_status(r, &h, status);
}

void page_billing_close_get(struct web_req *r)
{
	int32_t month;

	if (bill_month_query(r, &month) < 0)
		return;
	close_page(r, month, 200, NULL);
}

void page_billing_close_post(struct web_req *r)
{
	const char *lang = page_lang(r);
	struct billing_error e;
	struct form f;
	int32_t month;
	char loc[64], m[8];

	if (page_form_read(r, &f) < 0)
		return;
	if (cal_month_parse(bill_val(&f, "month"), &month) < 0) {
		page_error(r, 400,
			   L(lang, "Give the month as YYYY-MM, such as 2027-01.",
			     "Upišite mjesec kao GGGG-MM, npr. 2027-01."));
		goto out;
	}
	if (!form_checked(&f, "confirm")) {
		/* only from the confirmation page */
		close_page(r, month, 200, NULL);
		goto out;
	}
	memset(&e, 0, sizeof(e));
	if (billing_close(r->st, r->srv->conf, month, r->user.id, r->now, NULL, &e) < 0) {
		if (e.kind == BILLING_FAIL_STORE && bill_rc_is_form(e.store_rc))
			close_page(r, month, e.store_rc == STORE_CONFLICT ? 409 : 400, e.msg);
		else if (e.kind == BILLING_FAIL_RULES)
			close_page(r, month, 409, e.msg);
		else
			run_error(r, &e);
		goto out;
	}
	cal_month_format(month, m);
	snprintf(loc, sizeof(loc), "/billing?month=%s", m);
	page_redirect(r, loc, NOTICE_SAVED);
out:
	form_free(&f);
}

/* ---- prepayments ---- */

static void prepay_item(struct html *h, const char *lang, const struct billing_prepay_item *it)
{
	const struct bill_prepay *p = &it->p;
	char a[48], b[48], c[48], first[48], last[48], qty[32], when[I18N_DATETIME_MAX];
	size_t i;

	bill_month_name(lang, p->first, first, sizeof(first));
	bill_month_name(lang, p->last, last, sizeof(last));
	html_printf(h,
		    "<div class=\"prepay\" data-contract=\"%s\" data-issued=\"%d\"><h4>%s "
		    "<a href=\"/contracts/%j\">%s</a> · %s%s%s ",
		    p->contract_number, it->issued, L(lang, "Contract", "Ugovor"), p->contract_id,
		    p->contract_number, first, p->first == p->last ? "" : " – ",
		    p->first == p->last ? "" : last);
	if (it->issued) {
		i18n_datetime(lang, it->issued_at, when, sizeof(when));
		html_printf(h, "<span class=\"badge issued\">%s %s</span>",
			    L(lang, "issued", "izdano"), when);
	} else {
		html_printf(h, "<span class=\"badge due\">%s</span>",
			    L(lang, "not issued yet", "još nije izdano"));
	}
	html_printf(
	    h,
	    "</h4><div class=\"table-wrap\"><table class=\"prepay-lines\"><thead><tr><th>%s</th>"
	    "<th class=\"num\">%s</th><th class=\"num\">%s</th><th class=\"num\">%s</th>"
	    "<th class=\"num\">%s</th></tr></thead><tbody>",
	    L(lang, "Line", "Stavka"), L(lang, "Quantity", "Količina"),
	    L(lang, "Monthly price (EUR)", "Mjesečna cijena (EUR)"), L(lang, "VAT", "PDV"),
	    L(lang, "For the period (EUR)", "Za razdoblje (EUR)"));
	for (i = 0; i < p->n_lines; i++) {
		const struct bill_prepay_line *l = &p->lines[i];

		bill_qty(lang, l->quantity, qty, sizeof(qty));
		bill_money(lang, l->monthly_price, a, sizeof(a));
		bill_money(lang, l->amount, b, sizeof(b));
		html_printf(
		    h,
		    "<tr><td>%s <span class=\"muted\">(%s)</span></td><td class=\"num\">%s</td>"
		    "<td class=\"num\">%s</td><td class=\"num\">%d %%</td>"
		    "<td class=\"num amount\">%s</td></tr>",
		    l->description, l->code, qty, a, l->vat, b);
	}
	bill_money(lang, p->net, a, sizeof(a));
	bill_money(lang, p->gross, c, sizeof(c));
	html_printf(h,
		    "</tbody><tfoot><tr><th colspan=\"4\">%s</th><td class=\"num net\">%s</td></tr>"
		    "<tr><th colspan=\"4\">%s</th><td class=\"num gross\">%s</td></tr></tfoot>"
		    "</table></div></div>",
		    L(lang, "Net", "Neto"), a, L(lang, "Gross", "Bruto"), c);
}

static void prepay_page(struct web_req *r, int32_t month, int status, const char *err)
{
	const char *lang = page_lang(r);
	struct billing_prepay_list l;
	struct billing_error e;
	char name[48], m[8], title[96];
	size_t i, k, due = 0;
	struct html h;

	memset(&l, 0, sizeof(l));
	memset(&e, 0, sizeof(e));
	if (billing_prepay(r->st, month, 0, r->now, &l, &e) < 0) {
		run_error(r, &e);
		return;
	}
	bill_month_name(lang, month, name, sizeof(name));
	cal_month_format(month, m);
	snprintf(title, sizeof(title), "%s: %s", L(lang, "Prepayments", "Predujmovi"), name);
	if (page_begin(r, &h, title, NAV_NONE) < 0)
		goto out;
	bill_subnav(&h, lang, "/billing/prepay");
	html_printf(&h, "<h1>%s</h1>\n", title);
	month_picker(&h, lang, "/billing/prepay", month);
	html_printf(&h, "<p class=\"hint\">%s</p>\n",
		    L(lang,
		      "Prepaid contracts whose billing period starts in this month: what to "
		      "invoice in advance. Issuing records them, so the month-end shows those "
		      "lines as prepaid instead of charging them again.",
		      "Ugovori s predujmom čije obračunsko razdoblje počinje u ovom mjesecu: što "
		      "fakturirati unaprijed. Izdavanjem se bilježe, pa ih obračun mjeseca "
		      "prikazuje kao plaćene unaprijed umjesto da ih ponovno naplati."));
	if (err)
		html_printf(&h, "<p class=\"error\" role=\"alert\">%s</p>\n", err);
	for (i = 0; i < l.n; i++)
		due += !l.items[i].issued;
	if (!l.n) {
		html_printf(&h, "<p class=\"hint\" id=\"prepay-none\">%s</p>\n",
			    L(lang, "No prepayments are due in this month.",
			      "U ovom mjesecu nema predujmova."));
	} else {
		html_printf(&h, "<section id=\"prepay-totals\" class=\"card\"><h2>%s</h2>",
			    L(lang, "Total", "Ukupno"));
		vat_table(&h, lang, "summary-totals", l.vat, l.net, l.tax, l.gross);
		if (due) {
			html_printf(&h, "<form id=\"prepay-issue\" method=\"post\" "
					"action=\"/billing/prepay\">");
			page_csrf_field(r, &h);
			html_printf(&h,
				    "<input type=\"hidden\" name=\"month\" value=\"%s\">"
				    "<button type=\"submit\">%s (%d)</button></form>",
				    m,
				    L(lang, "Issue the prepayments not issued yet",
				      "Izdaj predujmove koji još nisu izdani"),
				    (int)due);
		} else {
			html_printf(&h, "<p class=\"hint\" id=\"prepay-all-issued\">%s</p>",
				    L(lang, "All of them are issued.", "Svi su izdani."));
		}
		html_printf(&h, "</section>\n");
		for (k = 0; k < l.n_clients; k++) {
			const struct billing_prepay_client *c = &l.clients[k];

			html_printf(&h,
				    "<section class=\"card prepay-client\" data-client=\"%j\"><h3>"
				    "<a href=\"/clients/%j/contracts\">%s</a></h3>",
				    c->client_id, c->client_id, c->client_name);
			for (i = c->first; i < c->first + c->n && i < l.n; i++)
				prepay_item(&h, lang, &l.items[i]);
			vat_table(&h, lang, "prepay-client-totals", c->vat, c->net, c->tax,
				  c->gross);
			html_printf(&h, "</section>\n");
		}
	}
	page_end_status(r, &h, status);
out:
	billing_prepay_list_free(&l);
}

void page_prepay(struct web_req *r)
{
	int32_t month;

	if (bill_month_query(r, &month) < 0)
		return;
	prepay_page(r, month, 200, NULL);
}

void page_prepay_post(struct web_req *r)
{
	const char *lang = page_lang(r);
	struct billing_prepay_list l;
	struct billing_error e;
	struct form f;
	int32_t month;
	char loc[64], m[8];

	memset(&l, 0, sizeof(l));
	if (page_form_read(r, &f) < 0)
		return;
	if (cal_month_parse(bill_val(&f, "month"), &month) < 0) {
		page_error(r, 400,
			   L(lang, "Give the month as YYYY-MM, such as 2027-01.",
			     "Upišite mjesec kao GGGG-MM, npr. 2027-01."));
		goto out;
	}
	memset(&e, 0, sizeof(e));
	if (billing_prepay(r->st, month, 1, r->now, &l, &e) < 0) {
		if (e.kind == BILLING_FAIL_STORE && bill_rc_is_form(e.store_rc))
			prepay_page(r, month, e.store_rc == STORE_CONFLICT ? 409 : 400, e.msg);
		else if (e.kind == BILLING_FAIL_RULES)
			prepay_page(r, month, 409, e.msg);
		else
			run_error(r, &e);
		goto out;
	}
	cal_month_format(month, m);
	snprintf(loc, sizeof(loc), "/billing/prepay?month=%s", m);
	page_redirect(r, loc, NOTICE_SAVED);
out:
	billing_prepay_list_free(&l);
	form_free(&f);
}
