/*
 * report_csv: specifications, the summary and prepayments as CSV for the
 * company's invoicing system (RFC 4180: CRLF line ends, a field quoted when
 * it holds a comma, a quote, CR or LF, quotes doubled; UTF-8 without a byte
 * order mark).  Numbers are machine forms: "." decimals and no thousands
 * separators, amounts in EUR with two decimals, hours with two decimals,
 * quantities with three; days YYYY-MM-DD, months YYYY-MM.  A column that
 * does not apply to a row's kind is empty.
 *
 * Specification columns (report_spec_csv), one row per line:
 *   client_id, client_name, client_oib, month   the client and month, on every row
 *   kind            contract, prepaid, prepaid_diff, work, extra, adjustment
 *   contract        the contract's number (contract lines, work under a contract)
 *   code            the service's code (contract lines) or the rate's (work)
 *   description     contract and extra lines: the text; work: the ticket's subject
 *   ticket          the ticket's number (work, extras and adjustments on a ticket)
 *   ticket_billing  billable, free or warranty (work and extras)
 *   technicians     who worked, "Ana Horvat, Ivo Kovač" (work)
 *   from, to        contract lines: the days of the month covered; work: the
 *                   first and last day of its entries; extras: the item's day
 *   active_days, month_days   days covered and days in the month (contract lines)
 *   quantity        units (contract and extra lines)
 *   unit_price      EUR per unit: per month for contract lines (contract, extra)
 *   hours, rounded_hours, included_hours, billed_hours   work: real, rounded,
 *                   covered by included hours, billed
 *   hourly          EUR per hour applied to billed_hours (work)
 *   corrects_month  the closed month an adjustment corrects
 *   vat             percent
 *   amount          net EUR of the line
 *   charged         1 when amount counts in the totals, 0 when not (prepaid)
 *
 * Summary columns (report_summary_csv): month, clients, work_hours,
 * work_rounded_hours, net_25, vat_25, net_13, vat_13, net_5, vat_5, net_0,
 * vat_0, net, vat, gross.
 *
 * Prepayment columns (report_prepay_csv), one row per contract line:
 * contract_id, contract_number, client_id, client_name, client_oib, first,
 * last (the period's months), line_id, code, description, quantity,
 * monthly_price, vat, amount (net EUR over the period).
 */
#include <stdio.h>
#include <string.h>

#include "core/calendar.h"
#include "report/report.h"
#include "report/report_fmt.h"

static const char spec_header[] =
    "client_id,client_name,client_oib,month,kind,contract,code,description,ticket,"
    "ticket_billing,technicians,from,to,active_days,month_days,quantity,unit_price,hours,"
    "rounded_hours,included_hours,billed_hours,hourly,corrects_month,vat,amount,charged\r\n";

static const char summary_header[] =
    "month,clients,work_hours,work_rounded_hours,net_25,vat_25,net_13,vat_13,net_5,vat_5,"
    "net_0,vat_0,net,vat,gross\r\n";

static const char prepay_header[] =
    "contract_id,contract_number,client_id,client_name,client_oib,first,last,line_id,code,"
    "description,quantity,monthly_price,vat,amount\r\n";

/* One field, quoted when it must be, preceded by a comma unless first. */
static int field(struct buf *out, const char *s, int first)
{
	if (!first && buf_putc(out, ',') < 0)
		return -1;
	if (!s[strcspn(s, ",\"\r\n")])
		return buf_puts(out, s);
	if (buf_putc(out, '"') < 0)
		return -1;
	for (; *s; s++)
		if ((*s == '"' && buf_putc(out, '"') < 0) || buf_putc(out, *s) < 0)
			return -1;
	return buf_putc(out, '"');
}

static int fint(struct buf *out, int64_t v)
{
	char n[24];

	snprintf(n, sizeof(n), "%lld", (long long)v);
	return field(out, n, 0);
}

static int fmoney(struct buf *out, int64_t cents)
{
	char m[RFMT_MAX];

	rfmt_money_plain(cents, m);
	return field(out, m, 0);
}

static int fhours(struct buf *out, int64_t seconds)
{
	char h[RFMT_MAX];

	rfmt_hours_plain(seconds, h);
	return field(out, h, 0);
}

static int fqty(struct buf *out, int64_t q)
{
	char s[RFMT_MAX];

	rfmt_qty_plain(q, s);
	return field(out, s, 0);
}

static int is_contract(enum bill_line_kind k)
{
	return k == LINE_CONTRACT || k == LINE_PREPAID || k == LINE_PREPAID_DIFF;
}

/*
 * A specification's rows are many (a big month has hundreds of thousands):
 * each is put together in a row of its own on the stack, a field at a time
 * without printf, and added to out at once.  The longest row is bounded by
 * the line's fixed-size texts, each at most doubled by quoting.
 */
#define ROW_MAX                                                                                    \
	(2 * (sizeof(((struct bill_spec *)0)->client_name) +                                       \
	      sizeof(((struct bill_spec *)0)->client_oib) +                                        \
	      sizeof(((struct bill_line *)0)->contract_number) +                                   \
	      sizeof(((struct bill_line *)0)->code) +                                              \
	      sizeof(((struct bill_line *)0)->description) +                                       \
	      sizeof(((struct bill_line *)0)->ticket_number) +                                     \
	      sizeof(((struct bill_line *)0)->technicians)) +                                      \
	 32 * RFMT_MAX)

struct row {
	char s[ROW_MAX];
	size_t n;
};

static void row_put(struct row *r, const char *s, size_t n)
{
	memcpy(r->s + r->n, s, n);
	r->n += n;
}

/* One field, quoted when it must be, preceded by a comma unless first. */
static void row_field(struct row *r, const char *s, int first)
{
	size_t i, n;

	if (!first)
		r->s[r->n++] = ',';
	for (n = 0; s[n]; n++)
		if (s[n] == ',' || s[n] == '"' || s[n] == '\r' || s[n] == '\n')
			break;
	if (!s[n]) {
		row_put(r, s, n);
		return;
	}
	r->s[r->n++] = '"';
	for (i = 0; s[i]; i++) {
		if (s[i] == '"')
			r->s[r->n++] = '"';
		r->s[r->n++] = s[i];
	}
	r->s[r->n++] = '"';
}

/* An integer field, preceded by a comma unless first. */
static void row_int(struct row *r, int64_t v, int first)
{
	char t[24];
	size_t i = sizeof(t);
	uint64_t mag = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;

	do {
		t[--i] = (char)('0' + mag % 10);
		mag /= 10;
	} while (mag);
	if (v < 0)
		t[--i] = '-';
	if (!first)
		r->s[r->n++] = ',';
	row_put(r, t + i, sizeof(t) - i);
}

/* A number's text from report_fmt (never quoted: digits, '-' and '.'). */
static void row_text(struct row *r, const char *s)
{
	r->s[r->n++] = ',';
	row_put(r, s, strlen(s));
}

static void row_money(struct row *r, int64_t cents)
{
	char m[RFMT_MAX];

	rfmt_money_plain(cents, m);
	row_text(r, m);
}

static void row_hours(struct row *r, int64_t seconds)
{
	char h[RFMT_MAX];

	rfmt_hours_plain(seconds, h);
	row_text(r, h);
}

static void row_day(struct row *r, int32_t day)
{
	char d[16];

	row_field(r, cal_date_format(day, d), 0);
}

static void row_empty(struct row *r, int n)
{
	while (n-- > 0)
		r->s[r->n++] = ',';
}

/* The row of line l: its client's columns (head: client_id .. month), then its own. */
static void spec_row(struct row *r, const struct row *head, const struct bill_line *l)
{
	int contract = is_contract(l->kind), work = l->kind == LINE_WORK;
	int extra = l->kind == LINE_EXTRA, ticketed = work || extra || l->kind == LINE_ADJUSTMENT;
	char m[8], q[RFMT_MAX];

	r->n = 0;
	row_put(r, head->s, head->n);
	row_field(r, bill_line_kind_name(l->kind), 0);
	row_field(r, contract || work ? l->contract_number : "", 0);
	row_field(r, contract || work ? l->code : "", 0);
	row_field(r, l->description, 0);
	row_field(r, ticketed ? l->ticket_number : "", 0);
	row_field(r, work || extra ? billing_name(l->ticket_billing) : "", 0);
	row_field(r, work ? l->technicians : "", 0);
	if ((contract || work || extra) && l->from_day >= 0 && l->to_day >= 0) {
		row_day(r, l->from_day);
		row_day(r, l->to_day);
	} else {
		row_empty(r, 2);
	}
	if (contract) {
		row_int(r, l->active_days, 0);
		row_int(r, l->month_days, 0);
	} else {
		row_empty(r, 2);
	}
	if (contract || extra) {
		rfmt_qty_plain(l->quantity, q);
		row_text(r, q);
		row_money(r, l->unit_price);
	} else {
		row_empty(r, 2);
	}
	if (work) {
		row_hours(r, l->seconds);
		row_hours(r, l->rounded);
		row_hours(r, l->included);
		row_hours(r, l->billed);
		row_money(r, l->hourly);
	} else {
		row_empty(r, 5);
	}
	row_field(r, l->kind == LINE_ADJUSTMENT ? cal_month_format(l->corrects_month, m) : "", 0);
	row_int(r, l->vat, 0);
	row_money(r, l->amount);
	row_int(r, l->charged ? 1 : 0, 0);
	row_put(r, "\r\n", 2);
}

/* rc of the writes since start: on failure leave out as it was and say why. */
static int finish(int rc, struct buf *out, size_t start, char *err, size_t errsz)
{
	if (rc == 0)
		return 0;
	out->len = start;
	out->s[start] = '\0';
	rfmt_err(err, errsz, "the document is larger than its limit");
	return -1;
}

int report_spec_csv(const struct bill_spec *s, int header, struct buf *out, char *err, size_t errsz)
{
	struct row head, row;
	size_t start = out->len, i;
	char m[8];
	int rc = 0;

	if (header)
		rc = buf_puts(out, spec_header);
	/* The client's columns are the same on every row: written once. */
	head.n = 0;
	row_int(&head, s->client_id, 1);
	row_field(&head, s->client_name, 0);
	row_field(&head, s->client_oib, 0);
	row_field(&head, cal_month_format(s->month, m), 0);
	for (i = 0; rc == 0 && i < s->n_lines; i++) {
		spec_row(&row, &head, &s->lines[i]);
		rc = buf_add(out, row.s, row.n);
	}
	return finish(rc, out, start, err, errsz);
}

int report_summary_csv(const struct bill_summary *s, int header, struct buf *out, char *err,
		       size_t errsz)
{
	static const int rates[BILL_VAT_RATES] = {25, 13, 5, 0};
	size_t start = out->len;
	char m[8], n[24];
	int rc = 0, i, j;

	if (header)
		rc = buf_puts(out, summary_header);
	snprintf(n, sizeof(n), "%zu", s->clients);
	if (rc == 0)
		rc = field(out, cal_month_format(s->month, m), 1) < 0 || field(out, n, 0) < 0 ||
			     fhours(out, s->work_seconds) < 0 || fhours(out, s->work_rounded) < 0
			 ? -1
			 : 0;
	for (i = 0; rc == 0 && i < BILL_VAT_RATES; i++) {
		int64_t net = 0, tax = 0;

		/* By the rate's value, so the columns hold whatever order vat[] has. */
		for (j = 0; j < BILL_VAT_RATES; j++)
			if (s->vat[j].vat == rates[i]) {
				net = s->vat[j].net;
				tax = s->vat[j].tax;
			}
		rc = fmoney(out, net) < 0 || fmoney(out, tax) < 0 ? -1 : 0;
	}
	if (rc == 0)
		rc = fmoney(out, s->net) < 0 || fmoney(out, s->tax) < 0 ||
			     fmoney(out, s->gross) < 0 || buf_puts(out, "\r\n") < 0
			 ? -1
			 : 0;
	return finish(rc, out, start, err, errsz);
}

static int prepay_row(struct buf *out, const struct bill_prepay *p,
		      const struct bill_prepay_line *l)
{
	char m[8], id[24];

	snprintf(id, sizeof(id), "%lld", (long long)p->contract_id);
	return field(out, id, 1) < 0 || field(out, p->contract_number, 0) < 0 ||
		       fint(out, p->client_id) < 0 || field(out, p->client_name, 0) < 0 ||
		       field(out, p->client_oib, 0) < 0 ||
		       field(out, cal_month_format(p->first, m), 0) < 0 ||
		       field(out, cal_month_format(p->last, m), 0) < 0 ||
		       fint(out, l->line_id) < 0 || field(out, l->code, 0) < 0 ||
		       field(out, l->description, 0) < 0 || fqty(out, l->quantity) < 0 ||
		       fmoney(out, l->monthly_price) < 0 || fint(out, l->vat) < 0 ||
		       fmoney(out, l->amount) < 0 || buf_puts(out, "\r\n") < 0
		   ? -1
		   : 0;
}

int report_prepay_csv(const struct bill_prepay *p, size_t n, struct buf *out, char *err,
		      size_t errsz)
{
	size_t start = out->len, i, j;
	int rc = buf_puts(out, prepay_header);

	for (i = 0; rc == 0 && i < n; i++)
		for (j = 0; rc == 0 && j < p[i].n_lines; j++)
			rc = prepay_row(out, &p[i], &p[i].lines[j]);
	return finish(rc, out, start, err, errsz);
}
