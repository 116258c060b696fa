/*
 * page_billing: what the billing pages share (page_billing.h): refused
 * forms, amounts, quantities and hours as people type and read them in
 * either language, the names of the billing enums, the month of a page and
 * the billing pages' own navigation.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/calendar.h"
#include "core/money.h"
#include "core/validate.h"
#include "util/clock.h"
#include "web/billing_run.h"
#include "web/page_billing.h"

/* ---- refused forms ---- */

int bill_err(struct bill_form_err *e, int status, const char *field, const char *msg)
{
	e->status = status;
	e->field = field;
	snprintf(e->msg, sizeof(e->msg), "%s", msg);
	return -1;
}

int bill_rc_is_form(int rc)
{
	return rc == STORE_INVALID || rc == STORE_CONFLICT || rc == STORE_NOT_FOUND;
}

void bill_err_store(struct web_req *r, int rc, struct bill_form_err *e)
{
	const char *msg = store_errmsg(r->st);

	e->status = rc == STORE_CONFLICT ? 409 : 400;
	e->field = NULL;
	snprintf(e->msg, sizeof(e->msg), "%s",
		 msg && *msg ? msg : L(page_lang(r), "Refused.", "Odbijeno."));
}

const char *bill_invalid(const struct bill_form_err *e, const char *field)
{
	return e && e->field && strcmp(e->field, field) == 0 ? " aria-invalid=true" : "";
}

void bill_error_para(struct html *h, const struct bill_form_err *e)
{
	if (e)
		html_printf(h, "<p class=\"error\" role=\"alert\">%s</p>\n", e->msg);
}

int bill_take(const char *lang, const struct form *f, const char *field, const char *label,
	      char *out, size_t outsz, int multiline, struct bill_form_err *e)
{
	const char *s = form_get(f, field);
	char msg[300];
	size_t n;

	out[0] = '\0';
	if (!s)
		return 0;
	while (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n')
		s++;
	n = strlen(s);
	while (n > 0 &&
	       (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r' || s[n - 1] == '\n'))
		n--;
	if (n >= outsz) {
		snprintf(msg, sizeof(msg), "%s: %s %d %s", label,
			 L(lang, "too long; at most", "predugo; najviše"), (int)(outsz - 1),
			 L(lang, "bytes.", "bajtova."));
		return bill_err(e, 400, field, msg);
	}
	memcpy(out, s, n);
	out[n] = '\0';
	if (!valid_text(out, outsz - 1, multiline)) {
		snprintf(msg, sizeof(msg), "%s: %s", label,
			 multiline ? L(lang, "contains control characters.",
				       "sadrži nedopuštene kontrolne znakove.")
				   : L(lang, "must be one line of text without control characters.",
				       "mora biti jedan redak teksta bez kontrolnih znakova."));
		return bill_err(e, 400, field, msg);
	}
	return 0;
}

const char *bill_val(const struct form *f, const char *name)
{
	const char *v = f ? form_get(f, name) : NULL;

	return v ? v : "";
}

/* ---- reading numbers ---- */

/* s without blanks into out (outsz bytes); 0, or -1 when it does not fit. */
static int squeeze(const char *s, char *out, size_t outsz)
{
	size_t n = 0;

	for (; *s; s++) {
		if (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n')
			continue;
		if (n + 1 >= outsz)
			return -1;
		out[n++] = *s;
	}
	out[n] = '\0';
	return 0;
}

static int is_digit(char c)
{
	return c >= '0' && c <= '9';
}

int bill_parse_money(const char *s, int neg, int64_t *cents)
{
	char b[64], o[64];
	size_t n, i, k = 0, start = 0, last = (size_t)-1, dec = (size_t)-1, group = 0;
	int seps = 0;
	char grp = 0;
	int64_t v;

	if (!s || squeeze(s, b, sizeof(b)) < 0)
		return -1;
	n = strlen(b);
	if (b[0] == '-') {
		if (!neg)
			return -1;
		o[k++] = '-';
		start = 1;
	}
	for (i = start; i < n; i++)
		if (b[i] == '.' || b[i] == ',')
			last = i;
	/* The last separator with one or two digits after it is the decimal one. */
	if (last != (size_t)-1 && (n - last - 1 == 1 || n - last - 1 == 2))
		dec = last;
	for (i = start; i < n; i++) {
		if (is_digit(b[i])) {
			o[k++] = b[i];
			group++;
			continue;
		}
		if (b[i] != '.' && b[i] != ',')
			return -1;
		if (group == 0 || (seps && group != 3))
			return -1;
		/* "1.234,56" and "1,234.56", never one character for both */
		if (seps && b[i] == grp && i == dec)
			return -1;
		if (i == dec)
			break;
		/* Thousands: 1-3 digits first, then groups of exactly three, one separator. */
		if (group > 3 || (seps && b[i] != grp))
			return -1;
		grp = b[i];
		seps++;
		group = 0;
	}
	if (i < n) { /* the decimals */
		o[k++] = '.';
		for (i++; i < n; i++) {
			if (!is_digit(b[i]))
				return -1;
			o[k++] = b[i];
		}
	} else if (seps && group != 3) {
		return -1;
	}
	o[k] = '\0';
	if (money_parse(o, &v) < 0 || v > BILL_PRICE_MAX || v < -BILL_PRICE_MAX)
		return -1;
	*cents = v;
	return 0;
}

/* Digits, then optionally '.' or ',' and 1..maxfrac digits: value x 10^maxfrac. */
static int parse_fixed(const char *s, int maxfrac, int64_t limit, int64_t *out)
{
	char b[64];
	const char *p = b;
	int64_t units = 0, frac = 0, scale = 1;
	int nd = 0, nf = 0, i;

	if (!s || squeeze(s, b, sizeof(b)) < 0)
		return -1;
	for (i = 0; i < maxfrac; i++)
		scale *= 10;
	for (; is_digit(*p); p++, nd++) {
		if (nd >= 15)
			return -1;
		units = units * 10 + (*p - '0');
	}
	if (!nd)
		return -1;
	if (*p == '.' || *p == ',') {
		for (p++; is_digit(*p); p++, nf++) {
			if (nf == maxfrac)
				return -1;
			frac = frac * 10 + (*p - '0');
		}
		if (!nf)
			return -1;
		for (i = nf; i < maxfrac; i++)
			frac *= 10;
	}
	if (*p || units > limit / scale)
		return -1;
	*out = units * scale + frac;
	return *out <= limit ? 0 : -1;
}

int bill_parse_qty(const char *s, int64_t *out)
{
	int64_t q;

	if (parse_fixed(s, 3, BILL_QTY_MAX, &q) < 0 || q <= 0)
		return -1;
	*out = q;
	return 0;
}

int bill_parse_hours(const char *s, int64_t max_s, int64_t *seconds)
{
	int64_t centi;

	/* hundredths of an hour are 36 seconds: exact */
	if (parse_fixed(s, 2, max_s / 36, &centi) < 0)
		return -1;
	*seconds = centi * 36;
	return 0;
}

int bill_parse_int(const char *s, int64_t lo, int64_t hi, int64_t *out)
{
	char b[32];
	int64_t v = 0;
	size_t i;

	if (!s || squeeze(s, b, sizeof(b)) < 0 || !b[0] || strlen(b) > 12)
		return -1;
	for (i = 0; b[i]; i++) {
		if (!is_digit(b[i]))
			return -1;
		v = v * 10 + (b[i] - '0');
	}
	if (v < lo || v > hi)
		return -1;
	*out = v;
	return 0;
}

/* ---- writing numbers ---- */

static int is_hr(const char *lang)
{
	return strcmp(L(lang, "en", "hr"), "hr") == 0;
}

void bill_money(const char *lang, int64_t cents, char *out, size_t outsz)
{
	i18n_cents(lang, cents, out, outsz);
}

void bill_money_input(const char *lang, int64_t cents, char *out, size_t outsz)
{
	if (money_format(cents, is_hr(lang) ? ',' : '.', 0, out, outsz) < 0)
		snprintf(out, outsz, "%s", "");
}

void bill_qty(const char *lang, int64_t q, char *out, size_t outsz)
{
	int64_t units = q / BILL_QTY_ONE, frac = q % BILL_QTY_ONE;
	int digits = 3;

	if (frac < 0)
		frac = -frac;
	if (!frac) {
		snprintf(out, outsz, "%lld", (long long)units);
		return;
	}
	while (frac % 10 == 0) {
		frac /= 10;
		digits--;
	}
	snprintf(out, outsz, "%s%lld%c%0*lld", q < 0 && units == 0 ? "-" : "", (long long)units,
		 is_hr(lang) ? ',' : '.', digits, (long long)frac);
}

void bill_hours_input(const char *lang, int64_t seconds, int blank0, char *out, size_t outsz)
{
	int64_t centi = seconds / 36;

	if (!seconds && blank0) {
		snprintf(out, outsz, "%s", "");
		return;
	}
	if (centi % 100 == 0)
		snprintf(out, outsz, "%lld", (long long)(centi / 100));
	else
		snprintf(out, outsz, "%lld%c%02lld", (long long)(centi / 100),
			 is_hr(lang) ? ',' : '.', (long long)(centi % 100));
}

static const char *const month_en[12] = {"January",   "February", "March",    "April",
					 "May",	      "June",	  "July",     "August",
					 "September", "October",  "November", "December"};
static const char *const month_hr[12] = {"siječanj", "veljača",	 "ožujak",  "travanj",
					 "svibanj",  "lipanj",	 "srpanj",  "kolovoz",
					 "rujan",    "listopad", "studeni", "prosinac"};
static const char *const month_short_en[12] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
					       "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

void bill_day(const char *lang, int32_t day, char *out, size_t outsz)
{
	int y, m, d;

	cal_civil(day, &y, &m, &d);
	if (is_hr(lang))
		snprintf(out, outsz, "%d. %d. %d.", d, m, y);
	else
		snprintf(out, outsz, "%d %s %d", d, month_short_en[m - 1], y);
}

void bill_month_name(const char *lang, int32_t month, char *out, size_t outsz)
{
	int y, m;

	cal_month_ym(month, &y, &m);
	if (m < 1 || m > 12) {
		snprintf(out, outsz, "?");
		return;
	}
	if (is_hr(lang))
		snprintf(out, outsz, "%s %d.", month_hr[m - 1], y);
	else
		snprintf(out, outsz, "%s %d", month_en[m - 1], y);
}

/* ---- the enums in words ---- */

const char *bill_unit_label(const char *lang, enum bill_unit u)
{
	switch (u) {
	case UNIT_MONTH:
		return L(lang, "month", "mjesec");
	case UNIT_DAY:
		return L(lang, "day", "dan");
	case UNIT_HOUR:
		return L(lang, "hour", "sat");
	case UNIT_PIECE:
		return L(lang, "piece", "komad");
	}
	return "?";
}

const char *bill_proration_label(const char *lang, enum bill_proration p)
{
	switch (p) {
	case PRORATE_MONTHLY:
		return L(lang, "whole months", "cijeli mjeseci");
	case PRORATE_DAILY:
		return L(lang, "split into days", "po danima");
	}
	return "?";
}

const char *bill_cycle_label(const char *lang, enum bill_cycle c)
{
	switch (c) {
	case CYCLE_MONTHLY:
		return L(lang, "monthly", "mjesečno");
	case CYCLE_QUARTERLY:
		return L(lang, "quarterly", "tromjesečno");
	case CYCLE_HALF_YEARLY:
		return L(lang, "half-yearly", "polugodišnje");
	case CYCLE_YEARLY:
		return L(lang, "yearly", "godišnje");
	}
	return "?";
}

const char *bill_round_mode_label(const char *lang, enum bill_round_mode m)
{
	switch (m) {
	case ROUND_UP:
		return L(lang, "up", "naviše");
	case ROUND_NEAREST:
		return L(lang, "to the nearest", "na najbliže");
	}
	return "?";
}

const char *bill_round_per_label(const char *lang, enum bill_round_per p)
{
	switch (p) {
	case ROUND_PER_ENTRY:
		return L(lang, "each entry", "svaki unos");
	case ROUND_PER_TICKET:
		return L(lang, "each ticket", "svaki zahtjev");
	}
	return "?";
}

void bill_vat_options(struct html *h, int cur)
{
	static const int rates[] = {25, 13, 5, 0};
	size_t i;

	for (i = 0; i < sizeof(rates) / sizeof(rates[0]); i++)
		html_printf(h, "<option value=\"%d\"%s>%d %%</option>", rates[i],
			    rates[i] == cur ? " selected" : "", rates[i]);
}

/* ---- the month and the defaults ---- */

int bill_month_query(struct web_req *r, int32_t *month)
{
	const char *m = page_query(r, "month");

	if (!m || !*m) {
		*month = cal_month_of_day(clock_local_day(r->now));
		return 0;
	}
	if (cal_month_parse(m, month) < 0) {
		page_error(r, 400,
			   L(page_lang(r), "Give the month as YYYY-MM, such as 2027-01.",
			     "Upišite mjesec kao GGGG-MM, npr. 2027-01."));
		return -1;
	}
	return 0;
}

void bill_default_terms(const struct web_req *r, struct bill_terms *t)
{
	billing_default_terms(r->srv->conf, t);
}

const char *bill_default_rate_code(const struct web_req *r)
{
	return r->srv->conf->billing_default_rate;
}

void bill_subnav(struct html *h, const char *lang, const char *cur)
{
	static const struct {
		const char *path, *en, *hr;
	} items[] = {
	    {"/billing", "Month-end", "Obračun mjeseca"},
	    {"/billing/prepay", "Prepayments", "Predujmovi"},
	    {"/billing/contracts", "Contracts", "Ugovori"},
	    {"/billing/services", "Services", "Usluge"},
	    {"/billing/rates", "Hourly rates", "Satnice"},
	};
	size_t i;

	html_printf(h, "<nav class=\"subnav\" aria-label=\"%s\"><ul>",
		    L(lang, "Billing", "Obračun"));
	for (i = 0; i < sizeof(items) / sizeof(items[0]); i++)
		html_printf(h, "<li><a href=\"%s\"%s>%s</a></li>", items[i].path,
			    strcmp(cur, items[i].path) == 0 ? " aria-current=\"page\"" : "",
			    L(lang, items[i].en, items[i].hr));
	html_printf(h, "</ul></nav>\n");
}
