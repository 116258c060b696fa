/*
 * report_text: a client's specification, the run's summary and a month's
 * prepayments as plain text (UTF-8, LF), laid out for a terminal or a mail:
 * one row per line with the amount and VAT in aligned columns, its details
 * on the row below.  The labels and numbers come from report_fmt.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/calendar.h"
#include "report/report.h"
#include "report/report_fmt.h"
#include "util/xalloc.h"

#define LEFT_W 64 /* characters before the amount column */
#define AMOUNT_W 16
#define VAT_W 5

/*
 * The length in bytes of the first line of s when s is wrapped at width
 * characters: at the last space that fits, else (one long word) at width
 * characters.  *next is where the rest begins (past the space).
 */
static size_t wrap_line(const char *s, size_t width, const char **next)
{
	size_t i = 0, chars = 0, space = 0;

	while (s[i]) {
		if (((unsigned char)s[i] & 0xc0) != 0x80) {
			if (chars == width) {
				if (s[i] == ' ') /* the word before ends right at the width */
					space = i;
				break;
			}
			chars++;
			if (s[i] == ' ')
				space = i;
		}
		i++;
	}
	if (!s[i]) {
		*next = s + i;
		return i;
	}
	if (space > 0) {
		*next = s + space + 1;
		return space;
	}
	*next = s + i;
	return i;
}

/* n spaces (what printf's "%*s" of "" writes). */
static int spaces(struct buf *out, int n)
{
	static const char sp[] = "                                                                ";

	while (n > 0) {
		int k = n < (int)sizeof(sp) - 1 ? n : (int)sizeof(sp) - 1;

		if (buf_add(out, sp, (size_t)k) < 0)
			return -1;
		n -= k;
	}
	return 0;
}

/* s right-aligned in width bytes (printf's "%*s"). */
static int right(struct buf *out, int width, const char *s)
{
	size_t n = strlen(s);

	if (n < (size_t)width && spaces(out, width - (int)n) < 0)
		return -1;
	return buf_add(out, s, n);
}

/*
 * "<indent>left ...... amount  vat\n"; amount and vat may be NULL.  A left
 * text too long for its column is wrapped, the amount on its last line, so
 * the amounts stay in one column.  Written without printf: a big month has
 * hundreds of thousands of rows.
 */
static int row(struct buf *out, int indent, const char *left, const char *amount, const char *vat)
{
	size_t width = (size_t)(LEFT_W - indent - 1), n, w;
	const char *next;
	int pad;

	while (amount && rfmt_width(left) > width) {
		n = wrap_line(left, width, &next);
		if (spaces(out, indent) < 0 || buf_add(out, left, n) < 0 || buf_putc(out, '\n') < 0)
			return -1;
		left = next;
	}
	w = (size_t)indent + rfmt_width(left);
	pad = w < LEFT_W ? (int)(LEFT_W - w) : 1;
	if (spaces(out, indent) < 0 || buf_puts(out, left) < 0)
		return -1;
	if (amount && (spaces(out, pad) < 0 || right(out, AMOUNT_W, amount) < 0))
		return -1;
	if (vat && (buf_add(out, "  ", 2) < 0 || right(out, VAT_W, vat) < 0))
		return -1;
	return buf_putc(out, '\n');
}

static int heading(struct buf *out, const char *title, const struct rlang *L, int32_t month)
{
	char m[RFMT_MAX];

	rfmt_month(L, month, m);
	return buf_printf(out, "%s: %s\n", title, m);
}

/* The VAT rows of the rates with something charged, then the three totals. */
static int totals(struct buf *out, const struct rlang *L, const struct bill_vat_total *vat,
		  int64_t net, int64_t tax, int64_t gross, int indent)
{
	char label[128], pct[RFMT_MAX], amt[RFMT_MAX];
	int i;

	for (i = 0; i < BILL_VAT_RATES; i++) {
		if (!rfmt_vat_shown(&vat[i]))
			continue;
		rfmt_vat(L, vat[i].vat, pct);
		snprintf(label, sizeof(label), "%s %s", L->net_at, pct);
		rfmt_money(L, vat[i].net, 1, amt);
		if (row(out, indent, label, amt, NULL) < 0)
			return -1;
		snprintf(label, sizeof(label), "%s %s", L->vat_at, pct);
		rfmt_money(L, vat[i].tax, 1, amt);
		if (row(out, indent, label, amt, NULL) < 0)
			return -1;
	}
	rfmt_money(L, net, 1, amt);
	if (row(out, indent, L->net_total, amt, NULL) < 0)
		return -1;
	rfmt_money(L, tax, 1, amt);
	if (row(out, indent, L->vat_total, amt, NULL) < 0)
		return -1;
	rfmt_money(L, gross, 1, amt);
	return row(out, indent, L->gross_total, amt, NULL);
}

static int work_total(struct buf *out, const struct rlang *L, int64_t seconds, int64_t rounded,
		      int indent)
{
	char sp[RFMT_MAX], ro[RFMT_MAX];

	rfmt_hours(seconds, sp);
	rfmt_hours(rounded, ro);
	return buf_printf(out, "%*s%s: %s %s, %s %s\n", indent, "", L->work_total, L->spent, sp,
			  L->rounded, ro);
}

/* One line's rows; t and d are the caller's, emptied here, so that lines share their memory. */
static int spec_line(struct buf *out, const struct rlang *L, const struct bill_line *l,
		     struct buf *t, struct buf *d)
{
	char amt[RFMT_MAX], pct[RFMT_MAX];

	buf_reset(t);
	buf_reset(d);
	if (rfmt_line_title(L, l, t) < 0 || rfmt_line_detail(L, l, 1, d) < 0)
		return -1;
	rfmt_money(L, l->amount, 1, amt);
	rfmt_vat(L, l->vat, pct);
	if (row(out, 2, t->s, amt, pct) < 0)
		return -1;
	if (d->len && (buf_add(out, "      ", 6) < 0 || buf_add(out, d->s, d->len) < 0 ||
		       buf_putc(out, '\n') < 0))
		return -1;
	return 0;
}

static int spec_lines(const struct bill_spec *s, const struct rlang *L, struct buf *out,
		      int *has_work)
{
	struct buf t = BUF_INIT(4096), d = BUF_INIT(4096);
	int section = -1, rc = 0;
	size_t i;

	for (i = 0; rc == 0 && i < s->n_lines; i++) {
		const struct bill_line *l = &s->lines[i];

		if (rfmt_section(l->kind) != section) {
			section = rfmt_section(l->kind);
			if (buf_printf(out, "\n%s\n", rfmt_section_title(L, section)) < 0) {
				rc = -1;
				break;
			}
		}
		if (l->kind == LINE_WORK)
			*has_work = 1;
		rc = spec_line(out, L, l, &t, &d);
	}
	buf_free(&t);
	buf_free(&d);
	return rc;
}

static int spec_text(const struct bill_spec *s, const struct rlang *L, struct buf *out)
{
	int has_work = 0;
	size_t i;

	if (heading(out, L->spec_title, L, s->month) < 0 ||
	    buf_printf(out, "%s: %s\n", L->client, s->client_name) < 0)
		return -1;
	if (s->client_oib[0] && buf_printf(out, "%s: %s\n", L->oib, s->client_oib) < 0)
		return -1;
	if (s->client_address[0] && buf_printf(out, "%s: %s\n", L->address, s->client_address) < 0)
		return -1;
	if (s->n_lines == 0)
		return buf_printf(out, "\n%s\n", L->no_lines);
	if (spec_lines(s, L, out, &has_work) < 0)
		return -1;
	if (s->n_support && buf_printf(out, "\n%s\n", L->sec_support) < 0)
		return -1;
	for (i = 0; i < s->n_support; i++) {
		if (buf_puts(out, "  ") < 0 || rfmt_support(L, &s->support[i], out) < 0 ||
		    buf_putc(out, '\n') < 0)
			return -1;
	}
	if (buf_printf(out, "\n%s\n", L->sec_totals) < 0)
		return -1;
	if (has_work && work_total(out, L, s->work_seconds, s->work_rounded, 2) < 0)
		return -1;
	return totals(out, L, s->vat, s->net, s->tax, s->gross, 2);
}

/* Run f into out; on failure leave out as it was and say why. */
#define WRITE_OR_FAIL(call)                                                                        \
	do {                                                                                       \
		size_t start_ = out->len;                                                          \
		if ((call) < 0) {                                                                  \
			out->len = start_;                                                         \
			out->s[start_] = '\0';                                                     \
			rfmt_err(err, errsz, "the document is larger than its limit");             \
			return -1;                                                                 \
		}                                                                                  \
	} while (0)

int report_spec_text(const struct bill_spec *s, const char *lang, struct buf *out, char *err,
		     size_t errsz)
{
	const struct rlang *L = rlang_get(lang, err, errsz);

	if (!L)
		return -1;
	WRITE_OR_FAIL(spec_text(s, L, out));
	return 0;
}

static int summary_text(const struct bill_summary *s, const struct rlang *L, struct buf *out)
{
	if (heading(out, L->summary_title, L, s->month) < 0 ||
	    buf_printf(out, "%s: %zu\n", L->clients, s->clients) < 0 ||
	    work_total(out, L, s->work_seconds, s->work_rounded, 0) < 0 || buf_putc(out, '\n') < 0)
		return -1;
	return totals(out, L, s->vat, s->net, s->tax, s->gross, 0);
}

int report_summary_text(const struct bill_summary *s, const char *lang, struct buf *out, char *err,
			size_t errsz)
{
	const struct rlang *L = rlang_get(lang, err, errsz);

	if (!L)
		return -1;
	WRITE_OR_FAIL(summary_text(s, L, out));
	return 0;
}

static int prepay_one(const struct bill_prepay *p, const struct rlang *L, struct buf *out)
{
	char a[RFMT_MAX], b[RFMT_MAX], amt[RFMT_MAX], pct[RFMT_MAX], q[RFMT_MAX], m[8];
	size_t i;
	int32_t k;

	if (buf_printf(out, "\n%s — %s", p->contract_number, p->client_name) < 0 ||
	    (p->client_oib[0] && buf_printf(out, " (%s %s)", L->oib, p->client_oib) < 0))
		return -1;
	rfmt_month(L, p->first, a);
	rfmt_month(L, p->last, b);
	if (buf_printf(out, "\n  %s: %s – %s\n", L->period, a, b) < 0)
		return -1;
	for (i = 0; i < p->n_lines; i++) {
		const struct bill_prepay_line *l = &p->lines[i];

		rfmt_money(L, l->amount, 1, amt);
		rfmt_vat(L, l->vat, pct);
		if (row(out, 2, l->description[0] ? l->description : l->code, amt, pct) < 0)
			return -1;
		rfmt_qty(L, l->quantity, q);
		rfmt_money(L, l->monthly_price, 1, a);
		if (buf_printf(out, "      %s; %s × %s %s", l->code, q, a, L->per_month) < 0)
			return -1;
		for (k = 0; l->month_amounts && k <= p->last - p->first; k++) {
			rfmt_money(L, l->month_amounts[k], 1, amt);
			if (buf_printf(out, "%s%s: %s", k ? ", " : "; ",
				       cal_month_format(p->first + k, m), amt) < 0)
				return -1;
		}
		if (buf_putc(out, '\n') < 0)
			return -1;
	}
	return totals(out, L, p->vat, p->net, p->tax, p->gross, 2);
}

/*
 * The totals of one client's prepayments p[0..n): VAT per rate on the sum
 * of all their lines, as one invoice (web/billing_run does the same).
 * 0, or -1 on overflow.
 */
static int client_totals(const struct bill_prepay *p, size_t n, struct bill_vat_total *vat,
			 int64_t *net, int64_t *tax, int64_t *gross)
{
	size_t i, j, k = 0, lines = 0;
	int *rates;
	int64_t *nets;
	int rc;

	for (i = 0; i < n; i++)
		lines += p[i].n_lines;
	rates = xcalloc(lines ? lines : 1, sizeof(*rates));
	nets = xcalloc(lines ? lines : 1, sizeof(*nets));
	for (i = 0; i < n; i++)
		for (j = 0; j < p[i].n_lines; j++, k++) {
			rates[k] = p[i].lines[j].vat;
			nets[k] = p[i].lines[j].amount;
		}
	rc = bill_vat_totals(rates, nets, lines, vat, net, tax, gross);
	free(rates);
	free(nets);
	return rc;
}

/* 0, or -1 when out is full (*overflow 0) or the totals overflow (*overflow 1). */
static int prepay_text(const struct bill_prepay *p, size_t n, const struct rlang *L,
		       struct buf *out, int *overflow)
{
	struct bill_vat_total all[BILL_VAT_RATES], cl[BILL_VAT_RATES];
	int64_t an = 0, at = 0, ag = 0, cn, ct, cg;
	size_t i, first = 0;
	int v;

	memset(all, 0, sizeof(all));
	if (n == 0)
		return buf_printf(out, "%s\n%s\n", L->prepay_title, L->no_prepay);
	if (heading(out, L->prepay_title, L, p[0].first) < 0)
		return -1;
	for (i = 0; i < n; i++) {
		if (prepay_one(&p[i], L, out) < 0)
			return -1;
		if (i + 1 < n && p[i + 1].client_id == p[i].client_id)
			continue;
		/* The client's last contract: its total, shown when it has several. */
		if (client_totals(&p[first], i + 1 - first, cl, &cn, &ct, &cg) < 0) {
			*overflow = 1;
			return -1;
		}
		if (i > first &&
		    (buf_printf(out, "\n%s: %s\n", L->client_total, p[i].client_name) < 0 ||
		     totals(out, L, cl, cn, ct, cg, 2) < 0))
			return -1;
		/* The whole is the sum of what each client is invoiced. */
		for (v = 0; v < BILL_VAT_RATES; v++) {
			all[v].vat = cl[v].vat;
			all[v].net += cl[v].net;
			all[v].tax += cl[v].tax;
			all[v].gross += cl[v].gross;
		}
		an += cn;
		at += ct;
		ag += cg;
		first = i + 1;
	}
	if (buf_printf(out, "\n%s\n", L->all_total) < 0)
		return -1;
	return totals(out, L, all, an, at, ag, 2);
}

int report_prepay_text(const struct bill_prepay *p, size_t n, const char *lang, struct buf *out,
		       char *err, size_t errsz)
{
	const struct rlang *L = rlang_get(lang, err, errsz);
	size_t start = out->len;
	int overflow = 0;

	if (!L)
		return -1;
	if (prepay_text(p, n, L, out, &overflow) < 0) {
		out->len = start;
		out->s[start] = '\0';
		rfmt_err(err, errsz,
			 overflow ? "the prepayments' totals overflow"
				  : "the document is larger than its limit");
		return -1;
	}
	return 0;
}
