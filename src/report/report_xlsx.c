/*
 * report_xlsx: one client's specification as an XLSX workbook with one
 * sheet, for an accountant: the company and the client at the top, then the
 * lines as a table (kind, description, details, quantity, the four times of
 * work as [h]:mm durations, price, VAT, amount, whether it counts), the
 * included hours, and the totals per VAT rate.  Cells hold values (no
 * formulas), money with the format #,##0.00.
 *
 * Deterministic: the workbook's creation date is the month's first day
 * (libxlsxwriter writes its zip entries with a fixed date), so the same
 * specification gives the same bytes.  libxlsxwriter is reached through
 * report_api (dlopen).
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "core/calendar.h"
#include "report/report.h"
#include "report/report_api.h"
#include "report/report_fmt.h"

enum col {
	C_KIND,
	C_DESC,
	C_DETAIL,
	C_QTY,
	C_SPENT,
	C_ROUNDED,
	C_INCLUDED,
	C_BILLED,
	C_PRICE,
	C_VAT,
	C_AMOUNT,
	C_CHARGED,
	C_COUNT
};

static const double col_width[C_COUNT] = {14, 36, 48, 10, 10, 11, 10, 10, 12, 7, 14, 9};

struct xl {
	const struct report_xlsx_api *api;
	const struct rlang *L;
	lxw_worksheet *ws;
	lxw_format *title, *bold, *head, *money, *money_bold, *hours, *pct, *wrap;
	lxw_error rc; /* the first error */
};

static void note(struct xl *x, lxw_error rc)
{
	if (rc != LXW_NO_ERROR && x->rc == LXW_NO_ERROR)
		x->rc = rc;
}

static void str(struct xl *x, lxw_row_t r, enum col c, const char *s, lxw_format *f)
{
	if (s && *s)
		note(x, x->api->worksheet_write_string(x->ws, r, (lxw_col_t)c, s, f));
}

static void num(struct xl *x, lxw_row_t r, enum col c, double v, lxw_format *f)
{
	note(x, x->api->worksheet_write_number(x->ws, r, (lxw_col_t)c, v, f));
}

/* Money in EUR: cents are exact in a double far beyond any amount here. */
static void money(struct xl *x, lxw_row_t r, enum col c, int64_t cents, lxw_format *f)
{
	num(x, r, c, (double)cents / 100.0, f);
}

/* A duration as Excel keeps it: a fraction of a day, shown as [h]:mm. */
static void hours(struct xl *x, lxw_row_t r, enum col c, int64_t seconds)
{
	num(x, r, c, (double)seconds / 86400.0, x->hours);
}

static lxw_format *format(struct xl *x, lxw_workbook *wb, const char *num_format, int bold)
{
	lxw_format *f = x->api->workbook_add_format(wb);

	if (num_format)
		x->api->format_set_num_format(f, num_format);
	if (bold)
		x->api->format_set_bold(f);
	return f;
}

static void formats(struct xl *x, lxw_workbook *wb)
{
	const struct report_xlsx_api *A = x->api;

	x->title = format(x, wb, NULL, 1);
	A->format_set_font_size(x->title, 14);
	x->bold = format(x, wb, NULL, 1);
	x->head = format(x, wb, NULL, 1);
	A->format_set_bottom(x->head, LXW_BORDER_THIN);
	A->format_set_text_wrap(x->head);
	x->money = format(x, wb, "#,##0.00", 0);
	x->money_bold = format(x, wb, "#,##0.00", 1);
	A->format_set_top(x->money_bold, LXW_BORDER_THIN);
	x->hours = format(x, wb, "[h]:mm", 0);
	x->pct = format(x, wb, "0", 0);
	x->wrap = format(x, wb, NULL, 0);
	A->format_set_text_wrap(x->wrap);
}

/* The company, the title and the client; returns the next free row. */
static lxw_row_t head(struct xl *x, const struct bill_spec *s, const struct report_company *co)
{
	const struct rlang *L = x->L;
	char m[RFMT_MAX], line[600];
	lxw_row_t r = 0;

	rfmt_month(L, s->month, m);
	snprintf(line, sizeof(line), "%s: %s", L->spec_title, m);
	str(x, r++, C_KIND, line, x->title);
	if (co && co->name && co->name[0]) {
		snprintf(line, sizeof(line), "%s%s%s%s%s", co->name,
			 co->oib && co->oib[0] ? ", OIB " : "", co->oib ? co->oib : "",
			 co->address && co->address[0] ? ", " : "", co->address ? co->address : "");
		str(x, r, C_KIND, L->issuer, x->bold);
		str(x, r++, C_DESC, line, NULL);
	}
	r++;
	str(x, r, C_KIND, L->client, x->bold);
	str(x, r++, C_DESC, s->client_name, NULL);
	if (s->client_oib[0]) {
		str(x, r, C_KIND, L->oib, x->bold);
		str(x, r++, C_DESC, s->client_oib, NULL);
	}
	if (s->client_address[0]) {
		str(x, r, C_KIND, L->address, x->bold);
		str(x, r++, C_DESC, s->client_address, NULL);
	}
	str(x, r, C_KIND, L->month, x->bold);
	str(x, r++, C_DESC, cal_month_format(s->month, m), NULL);
	return r + 1;
}

static void table_head(struct xl *x, lxw_row_t r)
{
	const struct rlang *L = x->L;
	const char *names[C_COUNT] = {
	    L->col_kind,  L->col_desc,	  L->col_detail,   L->col_qty,
	    L->col_spent, L->col_rounded, L->col_included, L->col_billed,
	    L->col_price, L->col_vat,	  L->col_amount,   L->col_charged,
	};
	int c;

	for (c = 0; c < C_COUNT; c++)
		str(x, r, (enum col)c, names[c], x->head);
}

static int line_row(struct xl *x, lxw_row_t r, const struct bill_line *l)
{
	const struct rlang *L = x->L;
	struct buf title = BUF_INIT(4096), detail = BUF_INIT(4096);
	int rc = -1;

	if (rfmt_line_title(L, l, &title) < 0 || rfmt_line_detail(L, l, 0, &detail) < 0)
		goto out;
	str(x, r, C_KIND, (unsigned)l->kind < 6 ? L->kinds[l->kind] : "", NULL);
	str(x, r, C_DESC, title.s, NULL);
	str(x, r, C_DETAIL, detail.s, NULL);
	switch (l->kind) {
	case LINE_WORK:
		hours(x, r, C_SPENT, l->seconds);
		hours(x, r, C_ROUNDED, l->rounded);
		hours(x, r, C_INCLUDED, l->included);
		hours(x, r, C_BILLED, l->billed);
		money(x, r, C_PRICE, l->hourly, x->money);
		break;
	case LINE_ADJUSTMENT:
		break;
	default:
		/* General: 1 and 1.5 as they are ("0.###" leaves a dot after whole numbers). */
		num(x, r, C_QTY, (double)l->quantity / 1000.0, NULL);
		money(x, r, C_PRICE, l->unit_price, x->money);
		break;
	}
	num(x, r, C_VAT, l->vat, x->pct);
	money(x, r, C_AMOUNT, l->amount, x->money);
	str(x, r, C_CHARGED, l->charged ? L->yes : L->no, NULL);
	rc = 0;
out:
	buf_free(&title);
	buf_free(&detail);
	return rc;
}

/* The included hours and the totals below the table; returns the next free row. */
static int tail(struct xl *x, lxw_row_t r, const struct bill_spec *s)
{
	const struct rlang *L = x->L;
	struct buf b = BUF_INIT(4096);
	char label[160], pct[RFMT_MAX];
	size_t k;
	int i;

	if (s->n_support) {
		str(x, r++, C_KIND, L->sec_support, x->bold);
		for (k = 0; k < s->n_support; k++) {
			const struct bill_support *sp = &s->support[k];

			buf_reset(&b);
			if (rfmt_support(L, sp, &b) < 0) {
				buf_free(&b);
				return -1;
			}
			str(x, r, C_DESC, b.s, NULL);
			hours(x, r, C_INCLUDED, sp->used);
			hours(x, r, C_BILLED, sp->overage);
			r++;
		}
		r++;
	}
	buf_free(&b);
	str(x, r++, C_KIND, L->sec_totals, x->bold);
	if (s->work_seconds || s->work_rounded) {
		str(x, r, C_DESC, L->work_total, NULL);
		hours(x, r, C_SPENT, s->work_seconds);
		hours(x, r, C_ROUNDED, s->work_rounded);
		r++;
	}
	for (i = 0; i < BILL_VAT_RATES; i++) {
		if (!rfmt_vat_shown(&s->vat[i]))
			continue;
		rfmt_vat(L, s->vat[i].vat, pct);
		snprintf(label, sizeof(label), "%s %s", L->net_at, pct);
		str(x, r, C_DESC, label, NULL);
		money(x, r++, C_AMOUNT, s->vat[i].net, x->money);
		snprintf(label, sizeof(label), "%s %s", L->vat_at, pct);
		str(x, r, C_DESC, label, NULL);
		money(x, r++, C_AMOUNT, s->vat[i].tax, x->money);
	}
	str(x, r, C_DESC, L->net_total, x->bold);
	money(x, r++, C_AMOUNT, s->net, x->money_bold);
	str(x, r, C_DESC, L->vat_total, x->bold);
	money(x, r++, C_AMOUNT, s->tax, x->money_bold);
	str(x, r, C_DESC, L->gross_total, x->bold);
	money(x, r++, C_AMOUNT, s->gross, x->money_bold);
	return 0;
}

int report_spec_xlsx(const struct bill_spec *s, const struct report_company *co, const char *lang,
		     const char *path, char *err, size_t errsz)
{
	const struct rlang *L = rlang_get(lang, err, errsz);
	lxw_workbook_options opt = {0};
	lxw_doc_properties props;
	lxw_workbook *wb;
	struct xl x;
	lxw_row_t r, table;
	char title[400], mon[8];
	size_t k;
	lxw_error closed;
	int c, rc = 0;

	if (!L || report_xlsx_api_load(err, errsz) < 0)
		return -1;
	memset(&x, 0, sizeof(x));
	x.api = RX;
	x.L = L;
	wb = RX->workbook_new_opt(path, &opt);
	if (!wb) {
		rfmt_err(err, errsz, "cannot start the workbook '%s'", path);
		return -1;
	}
	memset(&props, 0, sizeof(props));
	snprintf(title, sizeof(title), "%s %s, %s", L->spec_title, cal_month_format(s->month, mon),
		 s->client_name);
	props.title = title;
	props.author = co && co->name ? (char *)co->name : "";
	props.company = props.author;
	/* The month's first day, 00:00 UTC: never the clock. */
	props.created = (time_t)cal_month_first_day(s->month) * 86400;
	note(&x, RX->workbook_set_properties(wb, &props));
	x.ws = RX->workbook_add_worksheet(wb, L->sheet);
	formats(&x, wb);
	for (c = 0; c < C_COUNT; c++)
		note(&x, RX->worksheet_set_column(x.ws, (lxw_col_t)c, (lxw_col_t)c, col_width[c],
						  c == C_DETAIL || c == C_DESC ? x.wrap : NULL));
	RX->worksheet_set_paper(x.ws, 9); /* A4 */
	RX->worksheet_set_landscape(x.ws);
	RX->worksheet_fit_to_pages(x.ws, 1, 0);
	r = head(&x, s, co);
	table = r;
	if (s->n_lines == 0) {
		str(&x, r++, C_KIND, L->no_lines, NULL);
	} else {
		table_head(&x, r++);
		note(&x, RX->worksheet_repeat_rows(x.ws, table, table));
		RX->worksheet_freeze_panes(x.ws, table + 1, 0);
	}
	for (k = 0; rc == 0 && k < s->n_lines; k++)
		rc = line_row(&x, r++, &s->lines[k]);
	if (rc == 0)
		rc = tail(&x, r + 1, s);
	/* workbook_close writes the file and frees the workbook, also after an error. */
	closed = RX->workbook_close(wb);
	if (rc < 0) {
		rfmt_err(err, errsz, "a line of the specification is larger than its limit");
	} else if (x.rc != LXW_NO_ERROR || closed != LXW_NO_ERROR) {
		rfmt_err(err, errsz, "cannot write '%s': %s", path,
			 RX->lxw_strerror(x.rc != LXW_NO_ERROR ? x.rc : closed));
		rc = -1;
	}
	/* No half-written workbook is left behind. */
	if (rc < 0)
		unlink(path);
	return rc;
}
