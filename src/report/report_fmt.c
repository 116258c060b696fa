/*
 * report_fmt: the labels, numbers and line texts shared by the billing
 * documents (see report_fmt.h).  Pure formatting: no I/O, no libraries.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "core/calendar.h"
#include "core/money.h"
#include "report/report_fmt.h"

static const struct rlang lang_hr = {
    .code = "hr",
    .dec = ',',
    .thou = '.',
    .months = {"siječanj", "veljača", "ožujak", "travanj", "svibanj", "lipanj", "srpanj", "kolovoz",
	       "rujan", "listopad", "studeni", "prosinac"},
    .spec_title = "Specifikacija usluga",
    .summary_title = "Sažetak obračuna",
    .prepay_title = "Predujmovi",
    .client = "Klijent",
    .oib = "OIB",
    .address = "Adresa",
    .month = "Mjesec",
    .sec_contracts = "Ugovorene usluge",
    .sec_work = "Rad na zahtjevima",
    .sec_extras = "Dodatne stavke",
    .sec_adjust = "Ispravci",
    .sec_support = "Uključeni sati podrške",
    .sec_totals = "Ukupno",
    .col_desc = "Opis",
    .col_qty = "Količina",
    .col_price = "Cijena",
    .col_vat = "PDV",
    .col_amount = "Iznos",
    .per_month = "mjesečno",
    .days = "dani",
    .of = "od",
    .days_word = "dana",
    .prepaid = "plaćeno unaprijed, nije u zbroju",
    .prepaid_diff = "razlika prema predujmu",
    .contract = "ugovor",
    .spent = "utrošeno",
    .rounded = "zaokruženo",
    .included = "uključeno",
    .billed = "naplaćeno",
    .overage_rate = "cijena prekoračenja",
    .free = "besplatno",
    .warranty = "jamstvo",
    .not_billable = "nenaplativo",
    .no_charge = "bez naplate",
    .ticket = "zahtjev",
    .correction_of = "ispravak za",
    .used = "iskorišteno",
    .overage = "prekoračenje",
    .work_total = "Rad ukupno",
    .net_at = "Osnovica",
    .vat_at = "PDV",
    .net_total = "Ukupno bez PDV-a",
    .vat_total = "PDV ukupno",
    .gross_total = "Ukupno s PDV-om",
    .clients = "Klijenata",
    .period = "razdoblje",
    .client_total = "Ukupno za klijenta",
    .all_total = "Sveukupno",
    .no_lines = "Nema stavki.",
    .no_prepay = "Nema predujmova za izdati.",
    .page = "Stranica",
    .issuer = "Izdavatelj",
    .hours_unit = "h",
    .col_kind = "Vrsta",
    .col_detail = "Pojedinosti",
    .col_spent = "Utrošeno",
    .col_rounded = "Zaokruženo",
    .col_included = "Uključeno",
    .col_billed = "Naplaćeno",
    .col_charged = "U zbroju",
    .yes = "da",
    .no = "ne",
    .kinds = {"ugovor", "plaćeno unaprijed", "razlika predujma", "rad", "dodatno", "ispravak"},
    .sheet = "Specifikacija",
};

static const struct rlang lang_en = {
    .code = "en",
    .dec = '.',
    .thou = ',',
    .months = {"January", "February", "March", "April", "May", "June", "July", "August",
	       "September", "October", "November", "December"},
    .spec_title = "Specification of services",
    .summary_title = "Billing summary",
    .prepay_title = "Prepayments",
    .client = "Client",
    .oib = "OIB",
    .address = "Address",
    .month = "Month",
    .sec_contracts = "Contracted services",
    .sec_work = "Ticket work",
    .sec_extras = "Extra items",
    .sec_adjust = "Adjustments",
    .sec_support = "Included support hours",
    .sec_totals = "Totals",
    .col_desc = "Description",
    .col_qty = "Quantity",
    .col_price = "Price",
    .col_vat = "VAT",
    .col_amount = "Amount",
    .per_month = "per month",
    .days = "days",
    .of = "of",
    .days_word = "days",
    .prepaid = "prepaid, not in the total",
    .prepaid_diff = "difference from the prepayment",
    .contract = "contract",
    .spent = "spent",
    .rounded = "rounded",
    .included = "included",
    .billed = "billed",
    .overage_rate = "overage rate",
    .free = "free",
    .warranty = "warranty",
    .not_billable = "not billable",
    .no_charge = "no charge",
    .ticket = "ticket",
    .correction_of = "correction of",
    .used = "used",
    .overage = "overage",
    .work_total = "Work in total",
    .net_at = "Net at",
    .vat_at = "VAT at",
    .net_total = "Net total",
    .vat_total = "VAT total",
    .gross_total = "Gross total",
    .clients = "Clients",
    .period = "period",
    .client_total = "Client total",
    .all_total = "Grand total",
    .no_lines = "No lines.",
    .no_prepay = "No prepayments due.",
    .page = "Page",
    .issuer = "Issued by",
    .hours_unit = "h",
    .col_kind = "Kind",
    .col_detail = "Details",
    .col_spent = "Spent",
    .col_rounded = "Rounded",
    .col_included = "Included",
    .col_billed = "Billed",
    .col_charged = "Charged",
    .yes = "yes",
    .no = "no",
    .kinds = {"contract", "prepaid", "prepaid difference", "work", "extra", "adjustment"},
    .sheet = "Specification",
};

void rfmt_err(char *err, size_t errsz, const char *fmt, ...)
{
	va_list ap;

	if (!err || errsz == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errsz, fmt, ap);
	va_end(ap);
}

const struct rlang *rlang_get(const char *lang, char *err, size_t errsz)
{
	if (lang && strcmp(lang, "hr") == 0)
		return &lang_hr;
	if (lang && strcmp(lang, "en") == 0)
		return &lang_en;
	rfmt_err(err, errsz, "unknown language '%.8s' (hr or en)", lang ? lang : "");
	return NULL;
}

void rfmt_money(const struct rlang *L, int64_t cents, int with_eur, char out[RFMT_MAX])
{
	char m[MONEY_STR_MAX];

	/* MONEY_STR_MAX holds the longest int64; it cannot fail. */
	(void)money_format(cents, L->dec, L->thou, m, sizeof(m));
	snprintf(out, RFMT_MAX, "%s%s", m, with_eur ? " EUR" : "");
}

void rfmt_money_plain(int64_t cents, char out[RFMT_MAX])
{
	(void)money_format(cents, '.', 0, out, RFMT_MAX);
}

/* seconds as whole units of unit seconds, to the nearest, a half up (seconds >= 0). */
static int64_t nearest(int64_t seconds, int64_t num, int64_t unit)
{
	int64_t v = 0;

	if (money_muldiv(seconds, num, unit, &v) < 0)
		v = 0;
	return v;
}

void rfmt_hours(int64_t seconds, char out[RFMT_MAX])
{
	int64_t min = nearest(seconds, 1, 60);
	const char *sign = "";

	if (min < 0) {
		sign = "-";
		min = -min;
	}
	snprintf(out, RFMT_MAX, "%s%lld:%02lld", sign, (long long)(min / 60),
		 (long long)(min % 60));
}

void rfmt_hours_plain(int64_t seconds, char out[RFMT_MAX])
{
	/* Hundredths of an hour are cents of hours: the same writer. */
	rfmt_money_plain(nearest(seconds, 100, 3600), out);
}

/* thousandths as "int.frac" with dec, thousands thou (0: none), frac trimmed unless keep. */
static void qty_write(int64_t q, char dec, char thou, int keep, char out[RFMT_MAX])
{
	char whole[MONEY_STR_MAX], frac[4];
	int64_t mag = q < 0 ? -q : q;
	int n;

	(void)money_format((mag / 1000) * 100, '.', thou, whole, sizeof(whole));
	/* money_format wrote "N.00": drop the cents. */
	whole[strlen(whole) - 3] = '\0';
	snprintf(frac, sizeof(frac), "%03lld", (long long)(mag % 1000));
	n = 3;
	if (!keep)
		while (n > 0 && frac[n - 1] == '0')
			n--;
	frac[n] = '\0';
	snprintf(out, RFMT_MAX, "%s%s%s%s", q < 0 ? "-" : "", whole, n ? (char[]){dec, 0} : "",
		 frac);
}

void rfmt_qty(const struct rlang *L, int64_t thousandths, char out[RFMT_MAX])
{
	qty_write(thousandths, L->dec, L->thou, 0, out);
}

void rfmt_qty_plain(int64_t thousandths, char out[RFMT_MAX])
{
	qty_write(thousandths, '.', 0, 1, out);
}

void rfmt_month(const struct rlang *L, int32_t month, char out[RFMT_MAX])
{
	int y, m;

	cal_month_ym(month, &y, &m);
	if (m < 1 || m > 12)
		m = 1;
	if (L->dec == ',')
		snprintf(out, RFMT_MAX, "%s %d.", L->months[m - 1], y);
	else
		snprintf(out, RFMT_MAX, "%s %d", L->months[m - 1], y);
}

void rfmt_date(const struct rlang *L, int32_t day, char out[RFMT_MAX])
{
	int y, m, d;

	cal_civil(day, &y, &m, &d);
	if (L->dec == ',')
		snprintf(out, RFMT_MAX, "%02d.%02d.%04d.", d, m, y);
	else
		snprintf(out, RFMT_MAX, "%04d-%02d-%02d", y, m, d);
}

void rfmt_vat(const struct rlang *L, int vat, char out[RFMT_MAX])
{
	snprintf(out, RFMT_MAX, L->dec == ',' ? "%d %%" : "%d%%", vat);
}

size_t rfmt_width(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		if (((unsigned char)*s & 0xc0) != 0x80)
			n++;
	return n;
}

int rfmt_section(enum bill_line_kind k)
{
	switch (k) {
	case LINE_CONTRACT:
	case LINE_PREPAID:
	case LINE_PREPAID_DIFF:
		return 0;
	case LINE_WORK:
		return 1;
	case LINE_EXTRA:
		return 2;
	default:
		return 3;
	}
}

const char *rfmt_section_title(const struct rlang *L, int section)
{
	switch (section) {
	case 0:
		return L->sec_contracts;
	case 1:
		return L->sec_work;
	case 2:
		return L->sec_extras;
	default:
		return L->sec_adjust;
	}
}

int rfmt_vat_shown(const struct bill_vat_total *v)
{
	return v->net != 0 || v->tax != 0;
}

int rfmt_line_title(const struct rlang *L, const struct bill_line *l, struct buf *out)
{
	const char *desc = l->description[0] ? l->description : l->code;

	switch (l->kind) {
	case LINE_WORK:
		return buf_printf(out, "%s %s", l->ticket_number, l->description);
	case LINE_EXTRA:
		if (l->ticket_number[0])
			return buf_printf(out, "%s %s", l->ticket_number, desc);
		return buf_puts(out, desc);
	default:
		(void)L;
		return buf_puts(out, desc);
	}
}

/* Append "; " between the parts of a detail. */
static int part(struct buf *out)
{
	return out->len ? buf_puts(out, "; ") : 0;
}

/* "2 × 35,00 EUR mjesečno" or "2 × 22,50 EUR". */
static int qty_times_price(const struct rlang *L, const struct bill_line *l, int monthly,
			   struct buf *out)
{
	char q[RFMT_MAX], p[RFMT_MAX];

	rfmt_qty(L, l->quantity, q);
	rfmt_money(L, l->unit_price, 1, p);
	return buf_printf(out, "%s × %s%s%s", q, p, monthly ? " " : "",
			  monthly ? L->per_month : "");
}

static int contract_detail(const struct rlang *L, const struct bill_line *l, int with_qty,
			   struct buf *out)
{
	int32_t first = cal_month_first_day(cal_month_of_day(l->from_day));
	int32_t last = cal_month_last_day(cal_month_of_day(l->from_day));
	int fd, td;

	if (with_qty && qty_times_price(L, l, 1, out) < 0)
		return -1;
	if (l->contract_number[0] &&
	    (part(out) < 0 || buf_printf(out, "%s %s", L->contract, l->contract_number) < 0))
		return -1;
	/* The days when the line covers only part of the month (none: a prepaid line, -1). */
	if (l->from_day >= 0 && l->to_day >= 0 && (l->from_day != first || l->to_day != last)) {
		cal_civil(l->from_day, NULL, NULL, &fd);
		cal_civil(l->to_day, NULL, NULL, &td);
		if (part(out) < 0 ||
		    buf_printf(out, L->dec == ',' ? "%s %d.–%d." : "%s %d–%d", L->days, fd, td) < 0)
			return -1;
		if (l->active_days > 0 && l->month_days > 0 && l->active_days < l->month_days &&
		    buf_printf(out, " (%d %s %d %s)", l->active_days, L->of, l->month_days,
			       L->days_word) < 0)
			return -1;
	}
	if (l->kind == LINE_PREPAID && (part(out) < 0 || buf_puts(out, L->prepaid) < 0))
		return -1;
	if (l->kind == LINE_PREPAID_DIFF && (part(out) < 0 || buf_puts(out, L->prepaid_diff) < 0))
		return -1;
	return 0;
}

static int work_detail(const struct rlang *L, const struct bill_line *l, int with_qty,
		       struct buf *out)
{
	char sp[RFMT_MAX], ro[RFMT_MAX], in[RFMT_MAX], bi[RFMT_MAX], hr[RFMT_MAX];

	if (l->contract_number[0] && buf_printf(out, "%s %s", L->contract, l->contract_number) < 0)
		return -1;
	if (l->code[0] && (part(out) < 0 || buf_puts(out, l->code) < 0))
		return -1;
	if (l->technicians[0] && (part(out) < 0 || buf_puts(out, l->technicians) < 0))
		return -1;
	rfmt_hours(l->seconds, sp);
	rfmt_hours(l->rounded, ro);
	rfmt_hours(l->included, in);
	rfmt_hours(l->billed, bi);
	if (part(out) < 0 || buf_printf(out, "%s %s, %s %s", L->spent, sp, L->rounded, ro) < 0)
		return -1;
	if (l->included && buf_printf(out, ", %s %s", L->included, in) < 0)
		return -1;
	if (buf_printf(out, ", %s %s", L->billed, bi) < 0)
		return -1;
	if (with_qty && l->billed) {
		rfmt_money(L, l->hourly, 1, hr);
		if (buf_printf(out, " × %s/%s", hr, L->hours_unit) < 0)
			return -1;
	}
	if (l->billed && l->overage_hourly && l->hourly == l->overage_hourly &&
	    buf_printf(out, " (%s)", L->overage_rate) < 0)
		return -1;
	if (l->ticket_billing == BILLING_FREE)
		return part(out) < 0 ? -1 : buf_printf(out, "%s, %s", L->free, L->no_charge);
	if (l->ticket_billing == BILLING_WARRANTY)
		return part(out) < 0 ? -1 : buf_printf(out, "%s, %s", L->warranty, L->no_charge);
	if (l->rounded > 0 && l->billed == 0 && l->included == 0)
		return part(out) < 0 ? -1 : buf_puts(out, L->not_billable);
	return 0;
}

static int extra_detail(const struct rlang *L, const struct bill_line *l, int with_qty,
			struct buf *out)
{
	char day[RFMT_MAX];

	if (l->from_day >= 0) {
		rfmt_date(L, l->from_day, day);
		if (buf_puts(out, day) < 0)
			return -1;
	}
	if (with_qty && (part(out) < 0 || qty_times_price(L, l, 0, out) < 0))
		return -1;
	if (l->ticket_billing == BILLING_FREE)
		return part(out) < 0 ? -1 : buf_printf(out, "%s, %s", L->free, L->no_charge);
	if (l->ticket_billing == BILLING_WARRANTY)
		return part(out) < 0 ? -1 : buf_printf(out, "%s, %s", L->warranty, L->no_charge);
	return 0;
}

static int adjustment_detail(const struct rlang *L, const struct bill_line *l, struct buf *out)
{
	char m[8];

	if (buf_printf(out, "%s %s", L->correction_of, cal_month_format(l->corrects_month, m)) < 0)
		return -1;
	if (l->ticket_number[0] &&
	    (part(out) < 0 || buf_printf(out, "%s %s", L->ticket, l->ticket_number) < 0))
		return -1;
	return 0;
}

static int line_detail(const struct rlang *L, const struct bill_line *l, int with_qty,
		       struct buf *out)
{
	switch (l->kind) {
	case LINE_CONTRACT:
	case LINE_PREPAID:
	case LINE_PREPAID_DIFF:
		return contract_detail(L, l, with_qty, out);
	case LINE_WORK:
		return work_detail(L, l, with_qty, out);
	case LINE_EXTRA:
		return extra_detail(L, l, with_qty, out);
	default:
		return adjustment_detail(L, l, out);
	}
}

int rfmt_line_detail(const struct rlang *L, const struct bill_line *l, int with_qty,
		     struct buf *out)
{
	/* The parts are joined by checking out->len: write into a buffer of our own. */
	struct buf b = BUF_INIT(out->max);
	int rc = line_detail(L, l, with_qty, &b);

	if (rc == 0)
		rc = buf_add(out, b.s, b.len);
	buf_free(&b);
	return rc;
}

void rfmt_line_qty(const struct rlang *L, const struct bill_line *l, char out[RFMT_MAX])
{
	switch (l->kind) {
	case LINE_WORK:
		rfmt_hours(l->billed, out);
		return;
	case LINE_ADJUSTMENT:
		out[0] = '\0';
		return;
	default:
		rfmt_qty(L, l->quantity, out);
		return;
	}
}

void rfmt_line_price(const struct rlang *L, const struct bill_line *l, char out[RFMT_MAX])
{
	switch (l->kind) {
	case LINE_WORK:
		rfmt_money(L, l->hourly, 0, out);
		return;
	case LINE_ADJUSTMENT:
		out[0] = '\0';
		return;
	default:
		rfmt_money(L, l->unit_price, 0, out);
		return;
	}
}

int rfmt_support(const struct rlang *L, const struct bill_support *s, struct buf *out)
{
	char used[RFMT_MAX], inc[RFMT_MAX], over[RFMT_MAX];

	rfmt_hours(s->used, used);
	rfmt_hours(s->included, inc);
	rfmt_hours(s->overage, over);
	if (buf_printf(out, "%s: ", s->contract_number) < 0 ||
	    buf_printf(out, "%s %s %s %s", L->used, used, L->of, inc) < 0 ||
	    buf_printf(out, ", %s %s", L->overage, over) < 0)
		return -1;
	return 0;
}
