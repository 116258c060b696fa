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

static int fday(struct buf *out, int32_t day)
{
	char d[11];

	return field(out, cal_date_format(day, d), 0);
}

static int empty(struct buf *out, int n)
{
	while (n-- > 0)
		if (buf_putc(out, ',') < 0)
			return -1;
	return 0;
}

static int is_contract(enum bill_line_kind k)
{
	return k == LINE_CONTRACT || k == LINE_PREPAID || k == LINE_PREPAID_DIFF;
}

static int spec_row(struct buf *out, const struct bill_spec *s, const struct bill_line *l)
{
	int contract = is_contract(l->kind), work = l->kind == LINE_WORK;
	int extra = l->kind == LINE_EXTRA, ticketed = work || extra || l->kind == LINE_ADJUSTMENT;
	char m[8];
	char id[24];

	snprintf(id, sizeof(id), "%lld", (long long)s->client_id);
	if (field(out, id, 1) < 0 || field(out, s->client_name, 0) < 0 ||
	    field(out, s->client_oib, 0) < 0 || field(out, cal_month_format(s->month, m), 0) < 0 ||
	    field(out, bill_line_kind_name(l->kind), 0) < 0)
		return -1;
	if (field(out, contract || work ? l->contract_number : "", 0) < 0 ||
	    field(out, contract || work ? l->code : "", 0) < 0 ||
	    field(out, l->description, 0) < 0 ||
	    field(out, ticketed ? l->ticket_number : "", 0) < 0 ||
	    field(out, work || extra ? billing_name(l->ticket_billing) : "", 0) < 0 ||
	    field(out, work ? l->technicians : "", 0) < 0)
		return -1;
	if ((contract || work || extra) && l->from_day >= 0 && l->to_day >= 0) {
		if (fday(out, l->from_day) < 0 || fday(out, l->to_day) < 0)
			return -1;
	} else if (empty(out, 2) < 0) {
		return -1;
	}
	if (contract) {
		if (fint(out, l->active_days) < 0 || fint(out, l->month_days) < 0)
			return -1;
	} else if (empty(out, 2) < 0) {
		return -1;
	}
	if (contract || extra) {
		if (fqty(out, l->quantity) < 0 || fmoney(out, l->unit_price) < 0)
			return -1;
	} else if (empty(out, 2) < 0) {
		return -1;
	}
	if (work) {
		if (fhours(out, l->seconds) < 0 || fhours(out, l->rounded) < 0 ||
		    fhours(out, l->included) < 0 || fhours(out, l->billed) < 0 ||
		    fmoney(out, l->hourly) < 0)
			return -1;
	} else if (empty(out, 5) < 0) {
		return -1;
	}
	if (field(out, l->kind == LINE_ADJUSTMENT ? cal_month_format(l->corrects_month, m) : "",
		  0) < 0)
		return -1;
	if (fint(out, l->vat) < 0 || fmoney(out, l->amount) < 0 ||
	    fint(out, l->charged ? 1 : 0) < 0)
		return -1;
	return buf_puts(out, "\r\n");
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
	size_t start = out->len, i;
	int rc = 0;

	if (header)
		rc = buf_puts(out, spec_header);
	for (i = 0; rc == 0 && i < s->n_lines; i++)
		rc = spec_row(out, s, &s->lines[i]);
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
